"""NHS.UK design-system components, with the HTML remembered for parameters seen before.

The design system's Jinja macros are pure functions of their parameters but cost milliseconds each (a form
page calls dozens); fragment caching keeps the documented macros while most form fields, rendered blank
or with the same values, come from memory.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask
from jinja2 import Undefined
from markupsafe import Markup

MACROS = {
    "input": "input", "date-input": "dateInput", "radios": "radios", "select": "select", "textarea": "textarea",
    "checkboxes": "checkboxes", "password-input": "passwordInput", "file-upload": "fileUpload",
}
CACHE_SIZE = 2048


def _key(value):
    """A hashable key that tells markup from text (the same characters render differently)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_key(v) for v in value)
    if isinstance(value, Undefined):
        return None
    if isinstance(value, Markup):
        return ("markup", str(value))
    return (type(value).__name__, value)


def init_app(app: Flask) -> None:
    cache: OrderedDict = OrderedDict()
    lock = threading.Lock()
    templates = {}

    def component(name: str, params: dict) -> Markup:
        key = (name, _key(params))
        with lock:
            html = cache.get(key)
            if html is not None:
                cache.move_to_end(key)
                return html
        template = templates.get(name)
        if template is None:
            macro = MACROS[name]
            template = templates[name] = app.jinja_env.from_string(
                f'{{% from "nhsuk/components/{name}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}')
        html = Markup(template.render(params=params))  # nosec B704 - output of an autoescaping template, not raw input
        with lock:
            cache[key] = html
            while len(cache) > CACHE_SIZE:
                cache.popitem(last=False)
        return html

    app.jinja_env.globals["component"] = component
