"""Header navigation and home-page sections, shown only for sections that exist and the user's roles."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user


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
    Section("declarations.index", "My declarations", "Declare interests, gifts and hospitality, or make a nil return.",
            ("member", "chair", "governance")),
    Section("meetings.mine", "My meeting items", "Items of upcoming meetings you have a conflict on.",
            ("member",)),
    Section("meetings.index", "Meetings", "Screen a meeting's agenda against the register and record decisions.",
            ("chair", "governance")),
    Section("governance.index", "Manage the register", "Review declarations, chase overdue returns and publish.",
            ("governance",)),
    Section("admin.committees", "Committees and people",
            "Set up committees, their quorum and members; add and invite people.", ("governance",)),
    Section("public.register", "Public register", "The register as the public sees it.",
            ("member", "chair", "governance")),
]


def organisation_name() -> str:
    """The organisation's name as its governance lead set it (the header shows it), else the configured one."""
    from flask import g

    if "organisation_name" not in g:
        from sqlalchemy.exc import SQLAlchemyError

        from coi.database import db
        from registry.services.committees import ORGANISATION_NAME, setting

        try:
            g.organisation_name = setting(db(), ORGANISATION_NAME) or current_app.config.get("ORGANISATION_NAME", "")
        except SQLAlchemyError:  # the database is down: the 503 page still renders, with the configured name
            db().rollback()
            g.organisation_name = current_app.config.get("ORGANISATION_NAME", "")
    return g.organisation_name


def _available():
    return [s for s in SECTIONS if s.endpoint in current_app.view_functions]


def init_app(app: Flask) -> None:
    from coi.forms import form_error_list

    @app.context_processor
    def _globals():
        def home_sections():
            return [{"href": url_for(s.endpoint), "heading": s.text, "description": s.description}
                    for s in _available() if current_user.has_role(*s.roles)]

        def is_current(section: Section) -> bool:
            endpoint = request.endpoint or ""
            exact = [s for s in _available() if s.endpoint == endpoint]
            return section.endpoint == endpoint or (not exact and endpoint.split(".")[0] == section.blueprint)

        return {"nav_items": _available(), "home_sections": home_sections, "form_error_list": form_error_list,
                "is_current_section": is_current, "organisation_name": organisation_name}
