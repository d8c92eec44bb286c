"""Account self-service: emailed single-use links (invitation, password reset), password change, unlock,
deactivation, and the account's state in words.

A link's token is shown once (in the email) and only its sha256 is stored, so a copy of the database cannot be
used to sign in. Every change is recorded in the audit log. No Flask here: the views pass the configuration in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlmodel import Session, func, select, update

from registry.models import AccountToken, Person, SecondFactor, TokenPurpose, UserSession, utcnow
from registry.services import audit, sign_in_throttle
from registry.services.accounts import (
    AccountError,
    ThrottlePolicy,
    _verify,
    email_key,
    hash_password,
    normalise_email,
    password_problem,
)

INVITATION_LIFETIME = timedelta(hours=72)
PASSWORD_RESET_LIFETIME = timedelta(hours=1)

PURPOSES = {p.value for p in TokenPurpose}


class LinkRefused(AccountError):
    """The link itself cannot be used (unknown, used, expired, or its account deactivated); the message says
    what to do and is safe to show."""


UNKNOWN_LINK = "This link is not valid. Check you copied the whole link from the email, or ask for a new one."
USED_LINK = "This link has already been used. If you have forgotten your password, ask for a new link."
EXPIRED_LINK = (
    "This link has expired or a newer link has been sent. Ask for a new link (or ask your governance "
    "lead to send a new invitation)."
)
INACTIVE_ACCOUNT = "This account has been deactivated. Contact your governance lead if you need it again."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _purpose(purpose) -> str:
    value = purpose.value if isinstance(purpose, TokenPurpose) else str(purpose)
    if value not in PURPOSES:
        raise ValueError(f"unknown link purpose {value!r}")
    return value


def default_lifetime(purpose) -> timedelta:
    return INVITATION_LIFETIME if _purpose(purpose) == TokenPurpose.invitation.value else PASSWORD_RESET_LIFETIME


# --- links ------------------------------------------------------------------------------------------------


def issue_link(
    session: Session, person_id: int, purpose, actor_id: Optional[int] = None, lifetime: Optional[timedelta] = None
) -> str:
    """A new single-use link for `purpose`; returns the token (put it in the email, never store it).

    Earlier unused links of the same purpose for this person stop working."""
    purpose = _purpose(purpose)
    person = session.get(Person, person_id)
    if person is None:
        raise AccountError("No such person")
    if not person.email:
        raise AccountError(f"{person.full_name} has no email address: add one before sending a link")
    if not person.active:
        raise AccountError(f"{person.full_name}'s account is deactivated: reactivate it before sending a link")
    now = utcnow()
    lifetime = lifetime if lifetime is not None else default_lifetime(purpose)
    voided = session.exec(
        update(AccountToken)
        .where(
            AccountToken.person_id == person_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    token = secrets.token_urlsafe(32)
    record = AccountToken(
        token_hash=_hash(token),
        person_id=person_id,
        purpose=purpose,
        created_at=now,
        expires_at=now + lifetime,
        created_by_id=actor_id,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        f"account.{purpose}-sent",
        actor_id=actor_id,
        object_type="person",
        object_id=person_id,
        detail={"expires_at": record.expires_at.isoformat(), "earlier_links_voided": voided or 0},
    )
    return token


def check_link(session: Session, token: str, purpose=None, lock: bool = False) -> AccountToken:
    """The live link behind `token` (of `purpose`, when given); LinkRefused when it cannot be used. `lock` holds
    the row until the transaction ends (on PostgreSQL; SQLite's writer already holds the database)."""
    if not token or len(token) > 200:
        raise LinkRefused(UNKNOWN_LINK)
    query = select(AccountToken).where(AccountToken.token_hash == _hash(token))
    if purpose is not None:
        query = query.where(AccountToken.purpose == _purpose(purpose))
    record = session.exec(query.with_for_update() if lock else query).first()
    if record is None:
        raise LinkRefused(UNKNOWN_LINK)
    if record.used_at is not None:
        raise LinkRefused(USED_LINK)
    if _aware(record.expires_at) <= utcnow():
        raise LinkRefused(EXPIRED_LINK)
    person = session.get(Person, record.person_id)
    if person is None or not person.active:
        raise LinkRefused(INACTIVE_ACCOUNT)
    return record


def redeem(session: Session, token: str, purpose, new_password: str) -> Person:
    """Set the password through a link: refuses unknown, used or expired links (LinkRefused) and weak passwords
    (AccountError); marks the link used, ends every session of the person and clears any lock-out."""
    record = check_link(session, token, purpose, lock=True)
    problem = password_problem(new_password or "")
    if problem:
        raise AccountError(problem)
    person = session.get(Person, record.person_id)
    now = utcnow()
    record.used_at = now
    session.add(record)
    person.password_hash = hash_password(new_password)
    person.failed_sign_ins = 0
    person.locked_until = None
    session.add(person)
    ended = end_sessions(session, person.id)
    audit.record(
        session,
        "account.password-set",
        actor_id=person.id,
        object_type="person",
        object_id=person.id,
        detail={"through": record.purpose, "link_id": record.id, "sessions_ended": ended},
    )
    session.flush()
    return person


def person_for_reset(session: Session, email: str) -> Optional[Person]:
    """The active person with this email who may be sent a reset link, or None (the caller answers the same)."""
    email = normalise_email(email)
    if not email or "@" not in email:
        return None
    person = session.exec(select(Person).where(Person.email == email)).first()
    return person if person is not None and person.active else None


def recent_links(session: Session, person_id: int, purpose, within: timedelta) -> int:
    """How many links of `purpose` were sent to the person in the last `within` (the reset page's throttle)."""
    since = utcnow() - within
    return session.exec(
        select(func.count())
        .select_from(AccountToken)
        .where(
            AccountToken.person_id == person_id,
            AccountToken.purpose == _purpose(purpose),
            AccountToken.created_at >= since,
        )
    ).one()


# --- sessions, passwords, lock-out, deactivation ----------------------------------------------------------


def end_sessions(session: Session, person_id: int, keep_token_hash: Optional[str] = None) -> int:
    """End every live session of the person (but the one whose hash is `keep_token_hash`); returns how many."""
    query = (
        update(UserSession)
        .where(UserSession.person_id == person_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if keep_token_hash:
        query = query.where(UserSession.token_hash != keep_token_hash)
    return session.exec(query).rowcount or 0


def session_token_hash(token: str) -> str:
    """The stored form of a session cookie's token (to keep the current session when ending the others)."""
    return _hash(token)


def change_password(
    session: Session,
    person_id: int,
    current_password: str,
    new_password: str,
    keep_session_cookie: Optional[str] = None,
    ip: str = "",
    throttle: ThrottlePolicy = ThrottlePolicy(),
) -> Person:
    """The signed-in person changes their password; their other sessions end.

    A wrong current password raises CurrentPasswordWrong and counts as a failed sign-in (commit it), so a
    borrowed session cannot be used to guess the password; other problems raise AccountError."""
    person = session.get(Person, person_id)
    if person is None or not person.active or person.password_hash is None:
        raise AccountError("Your account cannot change its password; contact your governance lead")
    key = email_key(person.email or "")
    wait = sign_in_throttle.check(session, key, ip, throttle)
    if wait is not None:
        raise CurrentPasswordWrong(wait.message.replace("attempts to sign in", "wrong passwords"))
    if not current_password or not _verify(person.password_hash, current_password):
        sign_in_throttle.record_failure(session, key, ip, person.id, throttle)
        audit.record(
            session,
            "account.password-change-refused",
            actor_id=person.id,
            object_type="person",
            object_id=person.id,
            detail={"ip": ip},
        )
        raise CurrentPasswordWrong("Your current password is not correct")
    problem = password_problem(new_password or "")
    if problem:
        raise AccountError(problem)
    if new_password == current_password:
        raise AccountError("Your new password must be different from your current password")
    person.password_hash = hash_password(new_password)
    session.add(person)
    ended = end_sessions(session, person.id, session_token_hash(keep_session_cookie) if keep_session_cookie else None)
    audit.record(
        session,
        "account.password-changed",
        actor_id=person.id,
        object_type="person",
        object_id=person.id,
        detail={"other_sessions_ended": ended},
    )
    session.flush()
    return person


class CurrentPasswordWrong(AccountError):
    """The current password given to change a password is wrong."""


def unlock(session: Session, person_id: int, actor_id: Optional[int]) -> Person:
    """Clear the failed sign-ins and every throttle on the person's account (sign-in never locks an account now;
    a lock left from before is lifted too)."""
    person = _person(session, person_id)
    lifted = sign_in_throttle.clear(session, person.id, email_key(person.email) if person.email else None)
    detail = {
        "failed_sign_ins": person.failed_sign_ins,
        "throttles_cleared": lifted,
        "locked_until": person.locked_until.isoformat() if person.locked_until else None,
    }
    person.failed_sign_ins = 0
    person.locked_until = None
    session.add(person)
    audit.record(
        session, "account.unlocked", actor_id=actor_id, object_type="person", object_id=person.id, detail=detail
    )
    session.flush()
    return person


def deactivate(session: Session, person_id: int, actor_id: Optional[int]) -> Person:
    """The person can no longer sign in and every session of theirs ends; nothing is deleted."""
    person = _person(session, person_id)
    if actor_id is not None and person.id == actor_id:
        raise AccountError("You cannot deactivate your own account: ask another governance lead")
    if not person.active:
        raise AccountError(f"{person.full_name}'s account is already deactivated")
    person.active = False
    person.deactivated_at = utcnow()
    person.version += 1
    session.add(person)
    ended = end_sessions(session, person.id)
    voided = (
        session.exec(
            update(AccountToken)
            .where(
                AccountToken.person_id == person.id,
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > person.deactivated_at,
            )
            .values(expires_at=person.deactivated_at)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    audit.record(
        session,
        "account.deactivated",
        actor_id=actor_id,
        object_type="person",
        object_id=person.id,
        detail={"sessions_ended": ended, "links_voided": voided},
    )
    session.flush()
    return person


def reactivate(session: Session, person_id: int, actor_id: Optional[int]) -> Person:
    person = _person(session, person_id)
    if person.active:
        raise AccountError(f"{person.full_name}'s account is already active")
    person.active = True
    person.deactivated_at = None
    person.failed_sign_ins = 0
    person.locked_until = None
    person.version += 1
    session.add(person)
    audit.record(session, "account.reactivated", actor_id=actor_id, object_type="person", object_id=person.id)
    session.flush()
    return person


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise AccountError("No such person")
    return person


# --- state in words -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountState:
    code: str  # no-email, no-account, invited, invitation-expired, active, throttled, deactivated
    text: str  # in words, for the person page
    can_invite: bool
    can_unlock: bool  # clear failed sign-ins and throttles
    can_deactivate: bool
    can_reactivate: bool
    invitation_expires_at: Optional[datetime] = None
    locked_until: Optional[datetime] = None  # kept for templates written before; sign-in no longer locks
    second_factor: bool = False  # an authenticator app is set up (a governance lead can reset it)


def _when(moment: datetime) -> str:
    return _aware(moment).strftime("%-d %B %Y at %H:%M") + " UTC"


def _has_second_factor(session: Optional[Session], person: Person) -> bool:
    return (
        session is not None
        and session.exec(
            select(func.count()).select_from(SecondFactor).where(SecondFactor.person_id == person.id)
        ).one()
        > 0
    )


def account_state(session: Optional[Session], person: Person, now: Optional[datetime] = None) -> AccountState:
    """What the person's account is, in words, and which governance actions apply. Without a session the
    invitation is not looked up (the state says "no account yet" for an invited person)."""
    now = now or utcnow()
    factor = _has_second_factor(session, person)
    if not person.active:
        since = f" on {_aware(person.deactivated_at).strftime('%-d %B %Y')}" if person.deactivated_at else ""
        return AccountState(
            "deactivated", f"Deactivated{since}: cannot sign in", False, False, False, True, second_factor=factor
        )
    if not person.email:
        return AccountState(
            "no-email", "No account yet: add an email address to invite them", False, False, True, False
        )
    if person.password_hash is None:
        invitation = None
        if session is not None:
            invitation = session.exec(
                select(AccountToken)
                .where(
                    AccountToken.person_id == person.id,
                    AccountToken.purpose == TokenPurpose.invitation.value,
                    AccountToken.used_at.is_(None),
                )
                .order_by(AccountToken.created_at.desc(), AccountToken.id.desc())
            ).first()
        if invitation is None:
            return AccountState(
                "no-account", "No account yet: not invited", True, False, True, False, second_factor=factor
            )
        if _aware(invitation.expires_at) > now:
            return AccountState(
                "invited",
                f"Invited: the link expires {_when(invitation.expires_at)}",
                True,
                False,
                True,
                False,
                invitation_expires_at=_aware(invitation.expires_at),
                second_factor=factor,
            )
        return AccountState(
            "invitation-expired",
            "Invited, but the link has expired: send a new invitation",
            True,
            False,
            True,
            False,
            invitation_expires_at=_aware(invitation.expires_at),
            second_factor=factor,
        )
    held = sign_in_throttle.active(session, person.id, email_key(person.email), now=now) if session is not None else 0
    failures = (
        f"{person.failed_sign_ins} failed sign-in{'s' if person.failed_sign_ins != 1 else ''} since the last success"
    )
    if held:
        return AccountState(
            "throttled",
            f"Active, but sign-in is slowed from {held} address{'es' if held != 1 else ''} after {failures}",
            False,
            True,
            True,
            False,
            second_factor=factor,
        )
    if person.failed_sign_ins or (person.locked_until is not None and _aware(person.locked_until) > now):
        return AccountState("active", f"Active ({failures})", False, True, True, False, second_factor=factor)
    return AccountState("active", "Active", False, False, True, False, second_factor=factor)
