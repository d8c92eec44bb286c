"""The design-system macro cache (coi/components.py): every component our templates use renders the same HTML
cached (a miss, then a hit) and uncached (COMPONENT_CACHE false, and the package's own macro); undefined values
are strict in our templates and lenient only inside the design system's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup

from coi.components import UNCACHED
from tests.conftest import make_app

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
IMPORT = re.compile(r'from "nhsuk/components/([a-z-]+)/macro\.jinja" import (\w+)')

ITEMS = [{"value": "a", "text": "Apple"}, {"value": "b", "text": "Banana", "checked": True, "selected": True}]
ERROR = {"text": "Enter a value"}

# One call per component, with the kinds of parameters our templates pass: text and markup, hints, errors,
# items, optional parts left out. A component the templates import must be here (the first test checks).
CALLS = {
    "back-link": {"href": "/meetings/", "text": "Back to meetings"},
    "button": {"text": "Save", "attributes": {"name": "action", "value": "save"}},
    "card": {"heading": "Declarations", "href": "/declarations/", "description": "Your interests"},
    "checkboxes": {
        "name": "roles",
        "fieldset": {"legend": {"text": "Roles"}},
        "hint": {"text": "Choose all"},
        "items": ITEMS,
        "errorMessage": ERROR,
    },
    "date-input": {
        "id": "date_from",
        "namePrefix": "date_from",
        "fieldset": {"legend": {"text": "Date from"}},
        "items": [{"name": "day", "value": "1"}, {"name": "month", "value": "2"}, {"name": "year", "value": "2025"}],
        "errorMessage": ERROR,
    },
    "details": {"summaryText": "Help with types", "html": Markup("<p>A <strong>financial</strong> interest</p>")},
    "error-summary": {"titleText": "There is a problem", "errorList": [{"text": "Enter a name", "href": "#name"}]},
    "file-upload": {"id": "file", "name": "file", "label": {"text": "Agenda file"}, "hint": {"text": "CSV or Word"}},
    "footer": {"links": [{"href": "/accessibility", "text": "Accessibility statement"}]},
    "header": {
        "service": {"text": "Conflicts of interest register", "href": "/"},
        "organisation": {"name": "NHS South West London"},
        "navigation": {"items": [{"href": "/declarations/", "text": "Declarations", "current": True}]},
        "account": {"items": [{"href": "/sign-in", "text": "Sign in"}]},
    },
    "input": {
        "id": "name",
        "name": "name",
        "label": {"text": "Full name"},
        "value": "Dr A & B <Partners>",
        "hint": {"text": "As on the register"},
        "errorMessage": ERROR,
    },
    "inset-text": {"html": Markup("<p>Published <em>annually</em></p>")},
    "notification-banner": {"type": "success", "text": "Saved"},
    "password-input": {"id": "password", "name": "password", "label": {"text": "Password"}},
    "radios": {"name": "kind", "fieldset": {"legend": {"text": "Kind"}}, "items": ITEMS, "errorMessage": ERROR},
    "select": {"id": "committee", "name": "committee", "label": {"text": "Committee"}, "items": ITEMS},
    "summary-list": {
        "rows": [
            {
                "key": {"text": "Name"},
                "value": {"text": "Dr Okafor"},
                "actions": {"items": [{"href": "/edit", "text": "Change"}]},
            }
        ]
    },
    "tag": {"text": "Overdue", "classes": "nhsuk-tag--red"},
    "textarea": {
        "id": "description",
        "name": "description",
        "label": {"text": "Description"},
        "value": "Line one\nLine two",
    },
    "warning-callout": {"heading": "Important", "html": Markup("<p>Declare within 28 days</p>")},
}


def imported_components() -> dict[str, str]:
    found = {}
    for path in TEMPLATES.rglob("*.jinja"):
        for component, macro in IMPORT.findall(path.read_text(encoding="utf-8")):
            found[component] = macro
    return found


@pytest.fixture
def apps(tmp_path, migrated_sqlite):
    made = []
    for cache in (True, False):
        database = tmp_path / f"cache-{cache}.sqlite"
        shutil.copyfile(migrated_sqlite, database)
        made.append(make_app(f"sqlite:///{database}", migrate=False, COMPONENT_CACHE=cache))
    yield made
    for app in made:
        with app.app_context():
            from coi.database import engine

            engine().dispose()


def render(app, source: str, **context) -> str:
    with app.test_request_context():
        return app.jinja_env.from_string(source).render(**context)


def test_every_component_the_templates_use_has_a_call_here():
    used = imported_components()
    assert len(used) >= 15
    assert set(used) <= set(CALLS), f"add a call for {sorted(set(used) - set(CALLS))}"


@pytest.mark.parametrize("component", sorted(CALLS))
def test_cached_and_uncached_render_the_same(apps, component):
    cached_app, uncached_app = apps
    macro = (
        imported_components().get(component)
        or {"back-link": "backLink"}.get(component)
        or re.sub(r"-(\w)", lambda m: m.group(1).upper(), component)
    )
    call = f'{{% from "nhsuk/components/{component}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}'
    real = f'{{% from "{UNCACHED}components/{component}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}'
    params = CALLS[component]
    package_html = render(uncached_app, real, params=params)
    assert package_html.strip(), "the real macro renders something"
    first = render(cached_app, call, params=params)  # a miss: rendered and kept
    again = render(cached_app, call, params=params)  # a hit
    uncached = render(uncached_app, call, params=params)
    assert first == again == uncached == package_html
    # the parameters' text is escaped the same way on every path
    assert "<Partners>" not in first


def test_the_setting_turns_the_cache_off(apps):
    cached_app, uncached_app = apps
    call = '{% from "nhsuk/components/tag/macro.jinja" import tag %}{{ tag({"text": name}) }}'
    hits = []
    for app in apps:
        seen = render(app, call, name="Overdue")
        with app.test_request_context():
            # the cache keeps the fragment: the same call returns the same object; uncached, a new one each time
            component = app.jinja_env.globals["cached_component"]
            one = component("tag", "tag", {"text": "Overdue"})
            two = component("tag", "tag", {"text": "Overdue"})
        hits.append(one is two)
        assert "Overdue" in seen
    assert hits == [True, False]


def test_a_typo_in_our_templates_raises(app):
    for source in (
        "{{ no_such_name }}",
        "{% if no_such_name %}x{% endif %}",
        "{{ config.NO_SUCH_KEY.text }}",
        "{% for x in no_such_list %}{% endfor %}",
    ):
        with pytest.raises(UndefinedError):
            render(app, source)


def test_a_typo_passed_to_a_component_raises(app):
    with pytest.raises(UndefinedError):
        render(
            app,
            '{% from "nhsuk/components/input/macro.jinja" import input %}'
            '{{ input({"id": "n", "name": "n", "label": {"text": labl}}) }}',
        )


def test_optional_parameters_left_out_are_fine_inside_the_design_system(app):
    html = render(
        app,
        '{% from "nhsuk/components/input/macro.jinja" import input %}'
        '{{ input({"id": "n", "name": "n", "label": {"text": "Name"}, "hint": undefined}) }}'
        '{{ input({"id": "m", "name": "m"}) }}',
    )
    assert 'id="n"' in html and 'id="m"' in html
    assert "is defined" not in render(app, "{{ 'is defined' if missing is defined else 'x' }}")
