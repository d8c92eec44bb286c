"""Sign-in, sign-out and role checks.

The cookie holds a random token whose hash is a row in user_session; sign-out ends that row, so a cookie
copied before sign-out no longer works after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import time
from datetime import timedelta
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

import segno
from markupsafe import Markup
from sqlalchemy.exc import OperationalError

from coi.database import db, secret_box
from registry.db import begin_writing
from registry.models import Person
from registry.services import accounts, audit, second_factor, sign_in_throttle

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


@bp.after_request
def _private(response):
    """The sign-in pages carry an authenticator secret, recovery codes or a half-finished sign-in: never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


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
        failures_before_backoff=cfg["SIGN_IN_FAILURES_BEFORE_BACKOFF"],
        longest_wait=timedelta(minutes=cfg["SIGN_IN_MAX_BACKOFF_MINUTES"]),
        max_failures_per_ip=cfg["SIGN_IN_MAX_FAILURES_PER_IP"],
        max_failures_per_account=cfg["SIGN_IN_MAX_FAILURES_PER_ACCOUNT_PER_HOUR"],
        alert_after=cfg["SIGN_IN_ALERT_AFTER_FAILURES"],
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


def sign_in_page(form=None, failure=None, status=200):
    return render_template(
        "auth/sign_in.jinja",
        form=form or SignInForm(),
        failure=failure,
        password_sign_in=current_app.config["PASSWORD_SIGN_IN"],
        single_sign_on=sso_configured(),
    ), status


def sso_configured() -> bool:
    cfg = current_app.config
    return bool(cfg.get("OIDC_ISSUER") and cfg.get("OIDC_CLIENT_ID"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if request.method == "POST" and not current_app.config["PASSWORD_SIGN_IN"]:
        failure = "Sign-in with a password is switched off here: sign in with your NHSmail / Microsoft account"
        return sign_in_page(failure=failure, status=403)
    form = SignInForm()
    failure = None
    status = 200
    if form.validate_on_submit():
        throttle, _ = _policies()
        s = db()
        ip = request.remote_addr or ""
        try:
            person = accounts.authenticate(s, form.email.data, form.password.data, ip, throttle)
        except accounts.SignInRefused as refused:
            s.commit()  # the failed attempt counts
            failure = refused.message
            status = 429 if refused.throttled else 200
            if refused.alert:
                _send_sign_in_alert(*refused.alert, ip)
        else:
            next_url = _safe_next(request.args.get("next"))
            if current_app.config["MFA_REQUIRED"] and (
                second_factor.needs_second_factor(s, person.id) or second_factor.confirmed_factor(s, person.id)
            ):
                s.commit()  # the password was right: its throttle is cleared, but nobody is signed in yet
                session.clear()
                session["mfa_person"] = person.id
                session["mfa_since"] = time.time()
                session["mfa_next"] = next_url
                if second_factor.confirmed_factor(s, person.id):
                    return redirect(url_for("auth.code"))
                return redirect(url_for("auth.set_up_code"))
            return complete_sign_in(person, "password", next_url)
    return sign_in_page(form, failure, status)


def complete_sign_in(person, method: str, next_url: str):
    """Start the server-side session and audit the sign-in (after the password, any code, or single sign-on)."""
    s = db()
    token = accounts.start_session(s, person)
    accounts.record_sign_in(s, person, request.remote_addr or "", method)
    s.commit()
    session.clear()  # a new session at sign-in: nothing from before survives
    session["sid"] = token
    login_user(
        SignedInUser(
            person.id,
            person.email,
            person.full_name,
            accounts.roles_of(s, person.id),
            accounts.chaired_committees(s, person.id),
        )
    )
    return redirect(next_url)


def _send_sign_in_alert(person, failures: int, ip: str) -> None:
    from coi import notifications

    result = notifications.send_sign_in_alert(person, failures, ip)
    if not result.sent:
        current_app.logger.warning("sign-in alert for person %s not emailed: %s", person.id, result.problem)


# --- the second factor, after the password -----------------------------------------------------------------

MFA_PENDING_SECONDS = 600  # the password step is good for this long while the code is typed


class CodeForm(FlaskForm):
    code = StringField(
        "Security code",
        validators=[
            DataRequired("Enter the 6-digit code from your authenticator app, or a recovery code"),
            Length(max=32),
        ],
    )


class SetUpCodeForm(FlaskForm):
    code = StringField(
        "Security code",
        validators=[DataRequired("Enter the 6-digit code your authenticator app shows"), Length(max=32)],
    )


def _pending_person():
    """The person whose password was right and who now owes a code, or None (nobody, or it took too long)."""
    person_id, since = session.get("mfa_person"), session.get("mfa_since")
    if not isinstance(person_id, int) or not isinstance(since, (int, float)):
        return None
    if time.time() - since > MFA_PENDING_SECONDS:
        session.pop("mfa_person", None)
        return None
    person = db().get(Person, person_id)
    return person if person is not None and person.active else None


def _start_again():
    flash("Sign in again: the time to enter a security code ran out, or you had not signed in", "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def code():
    person = _pending_person()
    if person is None:
        return _start_again()
    s = db()
    if second_factor.confirmed_factor(s, person.id) is None:
        return redirect(url_for("auth.set_up_code"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        throttle, _ = _policies()
        wait = sign_in_throttle.check_code(s, person.id, throttle)
        if wait is not None:
            form.code.errors.append(wait.message)
            status = 429
        else:
            try:
                used = second_factor.verify(s, person, form.code.data, secret_box())
            except accounts.AccountError as error:  # the secret was sealed under another key: only a reset helps
                form.code.errors.append(str(error))
                return render_template("auth/code.jinja", form=form), 409
            if used:
                sign_in_throttle.record_code_success(s, person.id)
                return complete_sign_in(person, f"password+{used}", session.get("mfa_next") or url_for("main.home"))
            sign_in_throttle.record_code_failure(s, person.id, throttle)
            audit.record(
                s,
                "sign-in.code-refused",
                object_type="person",
                object_id=person.id,
                detail={"ip": request.remote_addr or ""},
            )
            s.commit()
            form.code.errors.append(
                "The security code is not correct: enter the 6-digit code your authenticator "
                "app shows now, or one of your recovery codes"
            )
    return render_template("auth/code.jinja", form=form), status


@bp.route("/sign-in/set-up-code", methods=["GET", "POST"])
def set_up_code():
    person = _pending_person()
    if person is None:
        return _start_again()
    s = db()
    if second_factor.confirmed_factor(s, person.id) is not None:
        return redirect(url_for("auth.code"))
    form = SetUpCodeForm()
    status = 200
    if form.validate_on_submit():
        throttle, _ = _policies()
        wait = sign_in_throttle.check_code(s, person.id, throttle)
        codes = None
        if wait is not None:
            form.code.errors.append(wait.message)
            status = 429
        else:
            codes = second_factor.confirm_enrolment(s, person, form.code.data, secret_box())
            if codes is None:
                sign_in_throttle.record_code_failure(s, person.id, throttle)
                s.commit()
                form.code.errors.append(
                    "The security code is not correct: check the app shows this service, then "
                    "enter the 6-digit code it shows now"
                )
        if codes is not None:
            sign_in_throttle.record_code_success(s, person.id)
            next_url = session.get("mfa_next") or url_for("main.home")
            complete_sign_in(person, "password+code", next_url)
            # Shown once, on this page (never cached): only their hashes are kept.
            return render_template("auth/recovery_codes.jinja", codes=codes, next_url=next_url)
    enrolment = second_factor.pending_enrolment(s, person, secret_box())
    if enrolment is None:
        begin_writing(s)
        enrolment = second_factor.start_enrolment(s, person, secret_box())
        s.commit()
    # segno draws the data (the otpauth URI) as squares in a path; the only text in the SVG is our fixed title.
    svg = segno.make(enrolment.uri, error="m").svg_inline(
        scale=4, dark="#212b32", light="#ffffff", title="QR code to scan with your authenticator app"
    )
    qr_svg = Markup(svg)  # nosec B704 - generated SVG markup with no person-supplied text in it
    return render_template("auth/set_up_code.jinja", form=form, enrolment=enrolment, qr_svg=qr_svg), status


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
