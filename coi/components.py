"""NHS.UK design-system components, with the HTML remembered for parameters seen before.

The design system's Jinja macros are pure functions of their parameters but cost milliseconds each (a form
page calls dozens, and every page renders the header and footer). Templates import the documented macros as
usual (`{% from "nhsuk/components/input/macro.jinja" import input %}`); the loader below answers that path
with a stand-in macro of the same name that looks the parameters up in a bounded cache and renders the real
macro (served under `nhsuk-uncached/`) only on a miss. A call with a body (`{% call %}`), which the design
system's own templates use for headings and cards, goes straight to the real macro.

`COMPONENT_CACHE = False` turns the cache off (every call renders the real macro through the same stand-in).

Undefined values: the design system's templates read optional parameters that were never given, in chains
(`params.hint.text`), and need Jinja's lenient ChainableUndefined; our own templates must not, or a typo renders
as empty text. `DesignSystemUndefined` is lenient only when the template that made it is one of the design
system's (its name starts `nhsuk/` or `nhsuk-uncached/`), and strict (StrictUndefined's behaviour) everywhere else.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from typing import Any

from flask import Flask
from jinja2 import (
    BaseLoader,
    ChainableUndefined,
    Environment,
    PackageLoader,
    TemplateNotFound,
    Undefined,
    UndefinedError,
)
from markupsafe import Markup

UNCACHED = "nhsuk-uncached/"
COMPONENT_PATH = re.compile(r"nhsuk/components/([a-z-]+)/macro\.jinja")
MACRO_NAME = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(")
CACHE_SIZE = 4096  # fragments of a few kilobytes: at most a few tens of megabytes per worker
DESIGN_SYSTEM_TEMPLATES = ("nhsuk/", UNCACHED)


def _made_in_design_system() -> bool:
    """Whether the nearest template on the stack is one of the design system's. A compiled Jinja template runs with
    module globals holding `environment` and its own `name`; Python frames in between are Jinja's runtime."""
    frame = sys._getframe(2)
    while frame is not None:
        names = frame.f_globals
        if "environment" in names and isinstance(names.get("name"), str):
            return names["name"].startswith(DESIGN_SYSTEM_TEMPLATES)
        frame = frame.f_back
    return False  # made outside any template (a view or a test): strict


def _strict_unless_design_system(lenient):
    def method(self, *args, **kwargs):
        if self._strict:
            self._fail_with_undefined_error()
        return lenient(self, *args, **kwargs)

    return method


class DesignSystemUndefined(ChainableUndefined):
    """ChainableUndefined inside the design system's templates, StrictUndefined in ours: printing, testing,
    iterating, comparing or reaching into an undefined value that our template made raises UndefinedError."""

    __slots__ = ("_strict",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A macro's `caller`, when it is called without a body, is made as the call starts, while the calling
        # template is still the nearest: the design system's macros test it (`{% if caller %}`).
        self._strict = self._undefined_name != "caller" and not _made_in_design_system()

    def __getattr__(self, name):
        if name[:2] == "__" or self._strict:
            return Undefined.__getattr__(self, name)
        return self

    __str__ = _strict_unless_design_system(ChainableUndefined.__str__)
    __html__ = _strict_unless_design_system(ChainableUndefined.__html__)
    __iter__ = _strict_unless_design_system(ChainableUndefined.__iter__)
    __len__ = _strict_unless_design_system(ChainableUndefined.__len__)
    __bool__ = _strict_unless_design_system(ChainableUndefined.__bool__)
    __eq__ = _strict_unless_design_system(ChainableUndefined.__eq__)
    __ne__ = _strict_unless_design_system(ChainableUndefined.__ne__)
    __hash__ = _strict_unless_design_system(ChainableUndefined.__hash__)
    __contains__ = _strict_unless_design_system(lambda self, item: False)
    __getitem__ = _strict_unless_design_system(ChainableUndefined.__getitem__)


class CachedComponentLoader(BaseLoader):
    """Serves `nhsuk/components/<name>/macro.jinja` as a caching stand-in and `nhsuk-uncached/...` as the
    package's own file; every other name falls through to the next loader."""

    def __init__(self, package: PackageLoader):
        self.package = package

    def get_source(self, environment: Environment, template: str):
        if template.startswith(UNCACHED):
            return self.package.get_source(environment, "nhsuk/" + template[len(UNCACHED) :])
        match = COMPONENT_PATH.fullmatch(template)
        if not match:
            raise TemplateNotFound(template)
        real, filename, uptodate = self.package.get_source(environment, template)
        macro = MACRO_NAME.search(real).group(1)
        name = match.group(1)
        source = (
            f'{{% from "{UNCACHED}components/{name}/macro.jinja" import {macro} as uncached %}}'
            f"{{% macro {macro}(params = {{}}) %}}"
            f"{{% if caller %}}{{{{ uncached(params, caller=caller) }}}}"
            f'{{% else %}}{{{{ cached_component("{name}", "{macro}", params) }}}}{{% endif %}}'
            f"{{% endmacro %}}"
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


def _refuse_strict_undefined(value) -> None:
    """A parameter our template made undefined (a misspelt name or attribute) raises here: the design system's
    macros would test it with `is defined` and quietly leave that part out."""
    if isinstance(value, DesignSystemUndefined) and value._strict:
        value._fail_with_undefined_error()
    elif isinstance(value, dict):
        for item in value.values():
            _refuse_strict_undefined(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_strict_undefined(item)


def init_app(app: Flask) -> None:
    cache: OrderedDict = OrderedDict()
    lock = threading.Lock()
    renderers: dict[str, Any] = {}

    enabled = bool(app.config.get("COMPONENT_CACHE", True))

    def cached_component(name: str, macro: str, params) -> Markup:
        _refuse_strict_undefined(params)
        try:
            key = (name, _key(params)) if enabled else None
        except (TypeError, UndefinedError):  # unhashable, or a key that is itself undefined (the design system's
            key = None  # select passes `classes:` unquoted to its error message): render afresh
        if key is not None:
            with lock:
                html = cache.get(key)
                if html is not None:
                    cache.move_to_end(key)
                    return html
        renderer = renderers.get(name)
        if renderer is None:
            renderer = renderers[name] = app.jinja_env.from_string(
                f'{{% from "{UNCACHED}components/{name}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}'
            )
        html = Markup(renderer.render(params=params))  # nosec B704 - output of an autoescaping template, not raw input
        if key is not None:
            with lock:
                cache[key] = html
                while len(cache) > CACHE_SIZE:
                    cache.popitem(last=False)
        return html

    app.jinja_env.globals["cached_component"] = cached_component
    # Our templates leave a component's optional parameter out by passing `undefined` (`"navigation": … if ns.nav
    # else undefined`): a deliberate, lenient undefined, unlike a misspelt name, which raises.
    app.jinja_env.globals["undefined"] = ChainableUndefined(name="undefined")
