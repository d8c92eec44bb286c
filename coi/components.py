"""NHS.UK design-system components, with the HTML remembered for parameters seen before.

The design system's Jinja macros are pure functions of their parameters but cost milliseconds each (a form
page calls dozens, and every page renders the header and footer). Templates import the documented macros as
usual (`{% from "nhsuk/components/input/macro.jinja" import input %}`); the loader below answers that path
with a stand-in macro of the same name that looks the parameters up in a bounded cache and renders the real
macro (served under `nhsuk-uncached/`) only on a miss. A call with a body (`{% call %}`), which the design
system's own templates use for headings and cards, goes straight to the real macro.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict

from flask import Flask
from jinja2 import BaseLoader, Environment, PackageLoader, TemplateNotFound, Undefined, UndefinedError
from markupsafe import Markup

UNCACHED = "nhsuk-uncached/"
COMPONENT_PATH = re.compile(r"nhsuk/components/([a-z-]+)/macro\.jinja")
MACRO_NAME = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(")
CACHE_SIZE = 4096  # fragments of a few kilobytes: at most a few tens of megabytes per worker


class CachedComponentLoader(BaseLoader):
    """Serves `nhsuk/components/<name>/macro.jinja` as a caching stand-in and `nhsuk-uncached/...` as the
    package's own file; every other name falls through to the next loader."""

    def __init__(self, package: PackageLoader):
        self.package = package

    def get_source(self, environment: Environment, template: str):
        if template.startswith(UNCACHED):
            return self.package.get_source(environment, "nhsuk/" + template[len(UNCACHED):])
        match = COMPONENT_PATH.fullmatch(template)
        if not match:
            raise TemplateNotFound(template)
        real, filename, uptodate = self.package.get_source(environment, template)
        macro = MACRO_NAME.search(real).group(1)
        name = match.group(1)
        source = (
            f'{{% from "{UNCACHED}components/{name}/macro.jinja" import {macro} as uncached %}}'
            f'{{% macro {macro}(params = {{}}) %}}'
            f'{{% if caller %}}{{{{ uncached(params, caller=caller) }}}}'
            f'{{% else %}}{{{{ cached_component("{name}", "{macro}", params) }}}}{{% endif %}}'
            f'{{% endmacro %}}'
        )
        return source, filename, uptodate


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
    renderers = {}

    def cached_component(name: str, macro: str, params) -> Markup:
        try:
            key = (name, _key(params))
        except (TypeError, UndefinedError):  # unhashable, or a key that is itself undefined (the design system's
            key = None                        # select passes `classes:` unquoted to its error message): render afresh
        if key is not None:
            with lock:
                html = cache.get(key)
                if html is not None:
                    cache.move_to_end(key)
                    return html
        renderer = renderers.get(name)
        if renderer is None:
            renderer = renderers[name] = app.jinja_env.from_string(
                f'{{% from "{UNCACHED}components/{name}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}')
        html = Markup(renderer.render(params=params))  # nosec B704 - output of an autoescaping template, not raw input
        if key is not None:
            with lock:
                cache[key] = html
                while len(cache) > CACHE_SIZE:
                    cache.popitem(last=False)
        return html

    app.jinja_env.globals["cached_component"] = cached_component
