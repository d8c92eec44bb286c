"""Idempotent form posts: a retried post (after a lost response) is answered, not carried out twice.

Each form carries a random key. The key is stored in the same transaction as the change it made, so the
change and the record of it commit together or not at all; a retry finds the key and gets the same redirect.
"""

from __future__ import annotations

import secrets

from flask import Flask, redirect, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from coi.database import db
from registry.models import IdempotencyKey

FIELD = "idempotency_key"
NO_KEY_NEEDED = {"auth.sign_out"}  # ending a session twice ends it once: nothing to duplicate
MISSING_KEY_MESSAGE = (
    "This form was sent without the key that stops it being saved twice, so nothing was saved. "
    "Reload the form and fill it in again."
)


def new_key() -> str:
    return secrets.token_urlsafe(24)


def _key() -> str:
    key = (request.form.get(FIELD) or "").strip()
    return key[:64] if 16 <= len(key) <= 64 else ""


def commit_once(session: Session, location: str) -> bool:
    """Commit the request's changes with its idempotency key; False when another attempt already did."""
    key = _key()
    if key and current_user.is_authenticated:
        session.add(IdempotencyKey(key=key, person_id=current_user.id, location=location[:500]))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if key and session.get(IdempotencyKey, key) is not None:
            return False
        raise
    return True


def init_app(app: Flask) -> None:
    app.jinja_env.globals["new_idempotency_key"] = new_key

    @app.before_request
    def _replay():
        if request.method != "POST" or not current_user.is_authenticated or request.endpoint in NO_KEY_NEEDED:
            # Anonymous posts (sign-in, a reset request, a set-password link) store nothing twice: each is
            # single-use or counted on its own terms, and a key could not be stored without a person.
            return None
        key = _key()
        if not key:
            # Every signed-in form carries a key (templates call new_idempotency_key()): without one, parallel
            # or retried posts would each be carried out, so a post without it changes nothing.
            from coi.errors import render_error

            return render_error(400, MISSING_KEY_MESSAGE)
        done = db().get(IdempotencyKey, key)
        if done is not None and done.person_id == current_user.id:
            return redirect(done.location, code=303)
        return None
