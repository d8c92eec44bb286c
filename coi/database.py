"""One engine per app, one session per request (closed on teardown)."""

from __future__ import annotations

from flask import Flask, before_render_template, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.db import end_reading, make_engine, reading_transactions
from registry.services import audit, second_factor

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")  # requests that read; the few that record something call begin_writing

_ENGINE_KEY = "coi.engine"
_WROTE = "coi.wrote"
_BOX_KEY = "coi.second_factor_box"


def init_app(app: Flask) -> None:
    app.extensions[_ENGINE_KEY] = make_engine(app.config["DATABASE_URL"])
    audit.configure(app.extensions[_ENGINE_KEY], audit_keys(app))
    app.teardown_appcontext(_close_session)
    before_render_template.connect(_end_read_only_transaction, app)


def audit_keys(app: Flask) -> audit.AuditKeys:
    """The audit log's signing key and anchor file: outside the database, like the secret key."""
    from pathlib import Path

    from coi import _secret_key

    instance = Path(app.instance_path)
    key = app.config.get("AUDIT_KEY") or _secret_key(instance, "audit_key")
    anchor_file = Path(app.config.get("AUDIT_ANCHOR_FILE") or instance / "audit-anchors.jsonl")
    return audit.AuditKeys(
        key=key.encode(), anchor_file=anchor_file, anchor_every=max(1, int(app.config["AUDIT_ANCHOR_EVERY"]))
    )


def secret_box() -> second_factor.SecretBox:
    """Seals authenticator secrets with a key kept outside the database, like the secret key."""
    from pathlib import Path

    from coi import _secret_key

    app = current_app
    if _BOX_KEY not in app.extensions:
        key = app.config.get("SECOND_FACTOR_KEY") or _secret_key(Path(app.instance_path), "second_factor_key")
        app.extensions[_BOX_KEY] = second_factor.SecretBox(key)
    return app.extensions[_BOX_KEY]


def engine() -> Engine:
    return current_app.extensions[_ENGINE_KEY]


def db() -> Session:
    """This request's session."""
    if "db_session" not in g:
        session = Session(engine(), expire_on_commit=False)
        event.listen(session, "after_flush", _mark_written)
        event.listen(session, "after_commit", _mark_clean)
        event.listen(session, "after_rollback", _mark_clean)
        g.db_session = session
        g.db_reading_token = reading_transactions(has_request_context() and request.method in SAFE_METHODS)
    return g.db_session


def _mark_written(session, _flush_context) -> None:
    session.info[_WROTE] = True


def _mark_clean(session) -> None:
    session.info.pop(_WROTE, None)


def _end_read_only_transaction(_app, **_extra) -> None:
    """Before a page renders, end the request's transaction if it only read.

    On SQLite a transaction in a form post holds the write lock from its BEGIN IMMEDIATE (see registry.db), so
    one left open while a template renders (a form shown again with its errors) would hold every other
    worker's write back for the whole render; a GET's read transaction would keep its WAL snapshot. A
    transaction that has written is left alone: its view decides whether it commits.
    """
    session = g.get("db_session")
    if session is None or not session.in_transaction():
        return
    if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
        return
    session.commit()  # nothing to commit: this only ends the transaction (objects stay loaded)


def _close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
        end_reading(g.pop("db_reading_token"))
