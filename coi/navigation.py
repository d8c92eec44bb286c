"""Header navigation and home-page sections, shown only for sections that exist and the user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from registry import policy


POLICY_WORDS = policy.words()  # "28 days", "6 months"…: templates say the guidance's numbers from registry.policy


@dataclass(frozen=True)
class Section:
    endpoint: str
    text: str
    description: str
    roles: tuple[str, ...]

    @property
    def blueprint(self) -> str:
        return self.endpoint.split(".")[0]


SECTIONS = [
    Section(
        "declarations.index",
        "My declarations",
        "Declare interests, gifts and hospitality, or make a nil return.",
        ("member", "chair", "governance"),
    ),
    Section("meetings.mine", "My meeting items", "Items of upcoming meetings you have a conflict on.", ("member",)),
    Section(
        "outside.mine",
        "Appointments to check",
        "Company appointments found at Companies House that are not on your declarations.",
        ("member",),
    ),
    Section(
        "meetings.index",
        "Meetings",
        "Screen a meeting's agenda against the register and record decisions.",
        ("chair", "governance"),
    ),
    Section(
        "governance.index",
        "Manage the register",
        "Review declarations, chase overdue returns and publish.",
        ("governance",),
    ),
    Section(
        "admin.committees",
        "Committees and people",
        "Set up committees, their quorum and members; add and invite people.",
        ("governance",),
    ),
    Section(
        "public.register", "Public register", "The register as the public sees it.", ("member", "chair", "governance")
    ),
]


_ORGANISATION_NAME_SECONDS = 10  # how long a worker reuses the name it read; a change shows within this
_organisation_name_cache: dict = {}


def organisation_name() -> str:
    """The organisation's name as its governance lead set it (the header shows it), else the configured one.

    Read before the view runs (see init_app), never while a template renders: a form post shown again with
    errors must not take the SQLite write lock during its render."""
    from flask import g

    if "organisation_name" in g:
        return g.organisation_name
    import time

    cached = _organisation_name_cache.get(current_app.config["DATABASE_URL"])
    if cached and cached[1] > time.monotonic():
        g.organisation_name = cached[0]
        return cached[0]
    from sqlalchemy.exc import SQLAlchemyError

    from coi.database import db
    from registry.services.committees import ORGANISATION_NAME, setting

    try:
        name = setting(db(), ORGANISATION_NAME) or current_app.config.get("ORGANISATION_NAME", "")
    except SQLAlchemyError:  # the database is down: the 503 page still renders, with the configured name
        db().rollback()
        g.organisation_name = current_app.config.get("ORGANISATION_NAME", "")
        return g.organisation_name
    _organisation_name_cache[current_app.config["DATABASE_URL"]] = (name, time.monotonic() + _ORGANISATION_NAME_SECONDS)
    g.organisation_name = name
    return name


def forget_organisation_name() -> None:
    """After a governance lead changes it, this worker shows the new name at once."""
    _organisation_name_cache.clear()


def _available():
    return [s for s in SECTIONS if s.endpoint in current_app.view_functions]


def init_app(app: Flask) -> None:
    from coi.forms import form_error_list

    @app.before_request
    def _read_organisation_name():
        if request.endpoint not in (None, "static", "nhsuk_assets", "main.health"):
            organisation_name()

    @app.context_processor
    def _globals():
        def home_sections():
            return [
                {"href": url_for(s.endpoint), "heading": s.text, "description": s.description}
                for s in _available()
                if current_user.has_role(*s.roles)
            ]

        def is_current(section: Section) -> bool:
            endpoint = request.endpoint or ""
            exact = [s for s in _available() if s.endpoint == endpoint]
            return section.endpoint == endpoint or (not exact and endpoint.split(".")[0] == section.blueprint)

        return {
            "nav_items": _available(),
            "home_sections": home_sections,
            "form_error_list": form_error_list,
            "is_current_section": is_current,
            "organisation_name": organisation_name,
            "policy": POLICY_WORDS,
        }
