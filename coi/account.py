"""Account self-service (set a password from an emailed link, change it, ask for a reset) and the governance
lead's account actions on a person (invite, unlock, deactivate, reactivate)."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from coi import notifications
from coi.auth import _policies, role_required
from coi.database import db
from coi.forms import BaseForm
from registry.db import begin_writing
from registry.models import Person, TokenPurpose
from registry.services import account_links, second_factor
from registry.services.accounts import AccountError

bp = Blueprint("account", __name__)

MIN_HINT = "At least 12 characters. A few unrelated words together make a strong password."


@bp.app_template_global("person_account_state")
def person_account_state(person: Person) -> account_links.AccountState:
    """For templates/account/_person_account_actions.jinja when the view did not pass `account_state`."""
    return account_links.account_state(db(), person)


@bp.after_request
def _private(response):
    """These pages carry single-use links or passwords: never cached, never sent as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


class SetPasswordForm(BaseForm):
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password"),
            Length(max=1024, message="Password must be 1,024 characters or fewer"),
        ],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Enter the new password again"),
            EqualTo("new_password", message="The passwords do not match: enter the same new password twice"),
        ],
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password"), Length(max=1024)]
    )

    field_order = ("current_password", "new_password", "confirm")

    def __iter__(self):  # the error summary lists errors in the order the fields are on the page
        return (self[name] for name in ("csrf_token", *self.field_order) if name in self._fields)


class ResetForm(BaseForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )


# --- set a password from a link -----------------------------------------------------------------------------


def _link_refused(message: str):
    return render_template("account/link_refused.jinja", message=message), 410


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    s = db()
    if request.method == "POST":
        begin_writing(s)
    try:
        link = account_links.check_link(s, token)
    except account_links.LinkRefused as refused:
        return _link_refused(str(refused))
    person = s.get(Person, link.person_id)
    invitation = link.purpose == TokenPurpose.invitation.value
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            account_links.redeem(s, token, link.purpose, form.new_password.data)
        except account_links.LinkRefused as refused:
            s.rollback()
            return _link_refused(str(refused))
        except AccountError as problem:
            s.rollback()
            form.new_password.errors.append(str(problem))
        else:
            s.commit()
            flash(
                "Your password has been set. Sign in with your email address and new password."
                if invitation
                else "Your password has been changed and you have been signed out everywhere. Sign in with your "
                "new password.",
                "success",
            )
            return redirect(url_for("auth.sign_in"))
    return render_template("account/set_password.jinja", form=form, person=person, invitation=invitation, hint=MIN_HINT)


# --- change password -------------------------------------------------------------------------------------------


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        s = db()
        throttle, _ = _policies()
        try:
            account_links.change_password(
                s,
                current_user.id,
                form.current_password.data,
                form.new_password.data,
                keep_session_cookie=session.get("sid"),
                ip=request.remote_addr or "",
                throttle=throttle,
            )
        except account_links.CurrentPasswordWrong as wrong:
            s.commit()  # the failed attempt counts towards the sign-in limit
            form.current_password.errors.append(str(wrong))
        except AccountError as problem:
            s.rollback()
            form.new_password.errors.append(str(problem))
        else:
            s.commit()
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("main.home"))
    return render_template("account/change_password.jinja", form=form, hint=MIN_HINT)


# --- forgotten password ---------------------------------------------------------------------------------------


@bp.route("/account/reset", methods=["GET", "POST"])
def reset():
    form = ResetForm()
    if form.validate_on_submit():
        _send_reset_if_allowed(form.email.data)
        # The same page and status whether or not the email has an account (and whether or not it was sent).
        return render_template("account/reset_sent.jinja", email=form.email.data)
    return render_template("account/reset.jinja", form=form)


def _send_reset_if_allowed(email: str) -> None:
    config = current_app.config
    s = db()
    person = account_links.person_for_reset(s, email)
    if person is None:
        return
    purpose = TokenPurpose.password_reset
    if account_links.recent_links(s, person.id, purpose, timedelta(hours=1)) >= config["PASSWORD_RESET_LINKS_PER_HOUR"]:
        from registry.services import audit

        audit.record(
            s,
            "account.password-reset-throttled",
            object_type="person",
            object_id=person.id,
            detail={"ip": request.remote_addr or ""},
        )
        s.commit()
        return
    lifetime = timedelta(minutes=config["PASSWORD_RESET_MINUTES"])
    token = account_links.issue_link(s, person.id, purpose, actor_id=None, lifetime=lifetime)
    s.commit()
    # Sent after the answer, not before it: the mail server's time would otherwise tell anyone timing the page
    # which addresses have an account.
    threading.Thread(
        target=_email_reset_link,
        args=(
            current_app._get_current_object(),
            person.id,
            token,
            lifetime,
            notifications.set_password_link(token),
            notifications.organisation_name_for_email(),
        ),
        name=RESET_MAIL_THREAD,
        daemon=True,
    ).start()


RESET_MAIL_THREAD = "password-reset-mail"


def _email_reset_link(app, person_id: int, token: str, lifetime: timedelta, link: str, organisation: str) -> None:
    with app.app_context():
        person = db().get(Person, person_id)
        result = notifications.send_password_reset(person, token, lifetime, link, organisation)
        if not result.sent:
            app.logger.warning("password reset for person %s not emailed: %s", person_id, result.problem)


# --- the governance lead's actions on a person's account --------------------------------------------------------


def _next_page() -> str:
    """Where the governance lead came from (`next` in the form) if it is a path on this site, else /governance/."""
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not parts.scheme
        and not parts.netloc
    ):
        return target
    return "/governance/"


def _back():
    return redirect(_next_page())


def _person_or_404(person_id: int) -> Person:
    person = db().get(Person, person_id)
    if person is None:
        abort(404)
    return person


@bp.post("/governance/people/<int:person_id>/invite")
@role_required("governance")
def invite(person_id: int):
    s = db()
    person = _person_or_404(person_id)
    if person.password_hash is not None:
        flash(
            f'{person.full_name} already has a password. If they have forgotten it, they can use "Forgotten '
            f'your password?" on the sign-in page.',
            "error",
        )
        return _back()
    lifetime = timedelta(hours=current_app.config["INVITATION_HOURS"])
    try:
        token = account_links.issue_link(
            s, person.id, TokenPurpose.invitation, actor_id=current_user.id, lifetime=lifetime
        )
    except AccountError as problem:
        s.rollback()
        flash(str(problem), "error")
        return _back()
    s.commit()
    result = notifications.send_invitation(person, token, lifetime, invited_by=current_user.full_name)
    state = account_links.account_state(s, person)
    if result.sent:
        flash(f"Invitation sent to {person.email}. {state.text}.", "success")
        return _back()
    return render_template(
        "account/invitation_not_sent.jinja",
        person=person,
        problem=result.problem,
        link=result.link,
        state=state,
        back=_next_page(),
    )


@bp.post("/governance/people/<int:person_id>/unlock")
@role_required("governance")
def unlock(person_id: int):
    return _act(person_id, account_links.unlock, "{name}'s failed sign-ins and sign-in throttles are cleared.")


@bp.post("/governance/people/<int:person_id>/second-factor/reset")
@role_required("governance")
def reset_second_factor(person_id: int):
    return _act(
        person_id,
        second_factor.reset,
        "{name}'s security codes are reset and they have been signed out: "
        "they set up an authenticator app again when they next sign in "
        "with their password.",
    )


@bp.post("/governance/people/<int:person_id>/deactivate")
@role_required("governance")
def deactivate(person_id: int):
    return _act(
        person_id,
        account_links.deactivate,
        "{name}'s account is deactivated: they cannot sign in and "
        "have been signed out. Their declarations stay on record.",
    )


@bp.post("/governance/people/<int:person_id>/reactivate")
@role_required("governance")
def reactivate(person_id: int):
    return _act(person_id, account_links.reactivate, "{name}'s account is active again.")


def _act(person_id: int, action, done: str):
    s = db()
    person = _person_or_404(person_id)
    try:
        action(s, person.id, current_user.id)
    except AccountError as problem:
        s.rollback()
        flash(str(problem), "error")
    else:
        s.commit()
        flash(done.format(name=person.full_name), "success")
    return _back()
