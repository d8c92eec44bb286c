"""Sign-in, sign-out and role checks.

The cookie holds a random token whose hash is a row in user_session; sign-out ends that row, so a cookie
copied before sign-out no longer works after it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from sqlalchemy.exc import OperationalError

from coi.database import db
from registry.services import accounts

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


@dataclass
class SignedInUser(UserMixin):
    id: int
    email: str
    full_name: str
    roles: set[str] = field(default_factory=set)
    chairs: frozenset[int] = frozenset()  # committees this person chairs or vice-chairs

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def runs_committee(self, committee_id: int) -> bool:
        """A governance lead runs every committee; a chair or vice-chair only their own."""
        return "governance" in self.roles or committee_id in self.chairs


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session token does this job


def _policies():
    cfg = current_app.config
    throttle = accounts.ThrottlePolicy(
        window=timedelta(minutes=cfg["SIGN_IN_WINDOW_MINUTES"]),
        max_failures_per_email=cfg["SIGN_IN_MAX_FAILURES_PER_EMAIL"],
        max_failures_per_ip=cfg["SIGN_IN_MAX_FAILURES_PER_IP"],
        lockout_after=cfg["LOCKOUT_AFTER_FAILURES"],
        lockout_for=timedelta(minutes=cfg["LOCKOUT_MINUTES"]),
    )
    sessions = accounts.SessionPolicy(
        idle_timeout=timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
        absolute_timeout=timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]),
    )
    return throttle, sessions


@login_manager.user_loader
def _load_user(user_id: str):
    try:
        live = accounts.load_session(db(), session.get("sid", ""), _policies()[1])
    except OperationalError:
        return None  # the database is down: treat as signed out so the 503 page can render
    if live is None or str(live.person_id) != user_id:
        return None
    return SignedInUser(live.person_id, live.email, live.full_name, set(live.roles), live.chairs)


def role_required(*roles: str) -> Callable:
    """Anonymous visitors go to the sign-in page; signed-in people without one of `roles` get a 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                from flask import abort

                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=1024)])


def _safe_next(target: str | None) -> str:
    # A control character (CR/LF would split the Location header) or a backslash (browsers read it as "/")
    # makes the target unusable: go home instead.
    if target and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    failure = None
    status = 200
    if form.validate_on_submit():
        throttle, _ = _policies()
        s = db()
        try:
            person = accounts.authenticate(s, form.email.data, form.password.data, request.remote_addr or "", throttle)
        except accounts.SignInRefused as refused:
            s.commit()  # the failed attempt counts
            failure = refused.message
            status = 429 if refused.throttled else 200
        else:
            token = accounts.start_session(s, person)
            s.commit()
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a new session at sign-in: nothing from before survives
            session["sid"] = token
            login_user(SignedInUser(person.id, person.email, person.full_name, accounts.roles_of(s, person.id),
                                    accounts.chaired_committees(s, person.id)))
            return redirect(next_url)
    return render_template("auth/sign_in.jinja", form=form, failure=failure), status


@bp.post("/sign-out")
@login_required
def sign_out():
    s = db()
    accounts.end_session(s, session.get("sid", ""))
    s.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "info")
    return redirect(url_for("auth.sign_in"))
