"""Composes and sends every email the service sends, through coi.mail, from MAIL_FROM: invitations, password
resets, meeting notices to flagged members, new-conflict alerts to chairs, and annual-declaration reminders.

Links are absolute (url_for with _external=True): behind a proxy set TRUSTED_PROXIES so the host is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from flask import current_app, url_for

from coi.mail import MailError, build_message, send_all
from registry.models import Person


@dataclass(frozen=True)
class Sent:
    """What happened to an email: sent, or why not (no SMTP configured, or the server refused)."""

    link: str
    sent: bool
    problem: Optional[str] = None


def set_password_link(token: str) -> str:
    return url_for("account.set_password", token=token, _external=True)


def _hours(lifetime: timedelta) -> str:
    minutes = int(lifetime.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def organisation_name_for_email() -> str:
    """The organisation's name as the header shows it (a governance lead may have set it), for the subject line."""
    from coi import navigation

    name = getattr(navigation, "organisation_name", None)
    return (name() if name else current_app.config.get("ORGANISATION_NAME")) or ""


def _register(organisation: str) -> str:
    return f"{organisation}'s conflicts of interest register" if organisation else "the conflicts of interest register"


def subject_line(text: str) -> str:
    """One line: a meeting title typed with a line break must not break (or inject into) the email's headers."""
    return " ".join((text or "").split())[:200]


def message(to: str, subject: str, body: str):
    return build_message(current_app.config["MAIL_FROM"], to, subject_line(subject), body)


def send_messages(messages) -> int:
    """Send several over one connection; MailError says why not (no SMTP configured, or the server refused)."""
    return send_all(current_app.config, messages)


def _send(to: str, subject: str, body: str, link: str) -> Sent:
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return Sent(link, False, "No email server is configured (COI_SMTP_HOST), so no email was sent")
    try:
        send_all(config, [message(to, subject, body)])
    except MailError as error:
        current_app.logger.error("could not send %r to a person: %s", subject, error)
        return Sent(link, False, "The email server did not accept the email, so no email was sent")
    return Sent(link, True)


def send_invitation(person: Person, token: str, lifetime: timedelta, invited_by: str) -> Sent:
    link = set_password_link(token)
    register = _register(organisation_name_for_email())
    body = (
        f"Dear {person.full_name},\n\n"
        f"{invited_by} has invited you to {register}, where you declare "
        f"your interests, gifts and hospitality.\n\n"
        f"Set your password with this link. It works once, and for {_hours(lifetime)}:\n\n{link}\n\n"
        f"Your sign-in is this email address, {person.email}.\n\n"
        f"If you were not expecting this email, you can ignore it.\n"
    )
    return _send(person.email, f"Set your password for {register}", body, link)


def send_password_reset(
    person: Person, token: str, lifetime: timedelta, link: str | None = None, organisation: str | None = None
) -> Sent:
    """From a request, or from a thread given the link and organisation name the request worked out."""
    link = link or set_password_link(token)
    register = _register(organisation_name_for_email() if organisation is None else organisation)
    body = (
        f"Dear {person.full_name},\n\n"
        f"Someone asked to reset the password of your account on {register}.\n\n"
        f"Choose a new password with this link. It works once, and for {_hours(lifetime)}:\n\n{link}\n\n"
        f"Setting a new password signs you out everywhere you are signed in.\n\n"
        f"If you did not ask for this, ignore this email: your password has not changed.\n"
    )
    return _send(person.email, f"Reset your password for {register}", body, link)


def send_meeting_notices(notices) -> int:
    """Each flagged member's items (registry.services.meetings.member_notices); MailError if not sent."""
    return send_messages(message(n.person.email, n.subject, n.body) for n in notices if n.person.email)


def send_new_conflict_alerts(alerts_by_chair) -> int:
    """Tell chairs that a changed declaration raised new flags on their upcoming meeting."""
    return send_messages(
        message(
            chair.email, f"New conflicts for {alert.meeting.title}", f"Dear {chair.full_name},\n\n{alert.message}\n"
        )
        for chair, alert in alerts_by_chair
    )


def send_reminders(reminders) -> int:
    """Annual-declaration reminders (registry.services.reminders.overdue_reminders)."""
    return send_messages(message(r.to, r.subject, r.body) for r in reminders)


def send_sign_in_alert(person: Person, failures: int, ip: str) -> Sent:
    """Tell a member that someone keeps failing to sign in as them: the account is not locked, so they need do
    nothing unless it was not them."""
    register = _register(organisation_name_for_email())
    link = url_for("account.reset", _external=True)
    body = (
        f"Dear {person.full_name},\n\n"
        f"There have been {failures} unsuccessful attempts to sign in to your account on {register} since you "
        f"last signed in, the latest from the internet address {ip or 'unknown'}.\n\n"
        f"If that was you, you need do nothing: your account has not been locked, and you can still sign in.\n\n"
        f"If it was not you, someone may be trying to guess your password. Attempts from other places are being "
        f"slowed down. You may want to choose a new password:\n\n{link}\n\n"
        f"and tell your governance lead.\n"
    )
    return _send(person.email, f"Failed attempts to sign in to {register}", body, link)
