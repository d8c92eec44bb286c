"""People, roles, passwords, sign-in throttling and server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, or_, select

from registry.db import begin_writing
from registry.models import CHAIRING_ROLES, Committee, Membership, Person, Role, RoleGrant, UserSession, utcnow
from registry.services import audit, sign_in_throttle
from registry.services.sign_in_throttle import ThrottlePolicy  # noqa: F401 - callers import it from here

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): strong, and ~50 ms a sign-in on 2 cores.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = ""  # verified against when the email is unknown, so both paths cost the same time


def configure_hasher(time_cost: int = 2, memory_cost: int = 19 * 1024, parallelism: int = 1) -> None:
    """Change the argon2id cost (the test suite lowers it; stored hashes keep their own parameters)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


configure_hasher()

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is safe to show."""


def email_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problem(password: str) -> Optional[str]:
    """Why a password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 1024:
        return "Password must be 1,024 characters or fewer"
    if len(set(password)) < 5:
        return "Password must not repeat the same few characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_person(
    session: Session,
    *,
    email: Optional[str],
    full_name: str,
    password: Optional[str],
    roles: Iterable[str] = (Role.member.value,),
    position: str = "",
    decision_maker: bool = True,
    actor_id: Optional[int] = None,
) -> Person:
    if email is not None:  # None: on the register (for example imported) but with no sign-in yet
        email = normalise_email(email)
        if "@" not in email or len(email) > 254:
            raise AccountError("Enter an email address in the correct format, like name@example.nhs.uk")
        if session.exec(select(Person).where(Person.email == email)).first():
            raise AccountError(f"An account for {email} already exists")
    if email is None and password is not None:
        raise AccountError("A person without an email address cannot have a password")
    if not full_name.strip():
        raise AccountError("Enter the person's full name")
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise AccountError(problem)
    valid_roles = {r.value for r in Role}
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in valid_roles]
    if unknown:
        raise AccountError(f"Unknown role {unknown[0]!r}: choose from {', '.join(sorted(valid_roles))}")
    person = Person(
        email=email,
        full_name=full_name.strip(),
        position=position.strip(),
        decision_maker=decision_maker,
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(person)
    session.flush()
    for role in roles:
        session.add(RoleGrant(person_id=person.id, role=role))
    audit.record(
        session,
        "person.created",
        actor_id=actor_id,
        object_type="person",
        object_id=person.id,
        detail={"email": email, "roles": roles},
    )
    session.flush()
    return person


def roles_of(session: Session, person_id: int) -> set[str]:
    """Account roles, plus "chair" while the person chairs or vice-chairs a committee (see chaired_committees)."""
    roles = set(session.exec(select(RoleGrant.role).where(RoleGrant.person_id == person_id)))
    if chaired_committees(session, person_id):
        roles.add(CHAIR_OF_A_COMMITTEE)
    return roles


# Not an account role: a person holds it while a current membership makes them chair or vice-chair of an open
# committee, and it opens the meeting pages for those committees only.
CHAIR_OF_A_COMMITTEE = "chair"


def chaired_committees(session: Session, person_id: int, on: Optional[date] = None) -> frozenset[int]:
    """The open committees the person chairs or vice-chairs on `on` (today)."""
    on = on or date.today()
    return frozenset(
        session.exec(
            select(Membership.committee_id)
            .join(Committee, Committee.id == Membership.committee_id)
            .where(
                Membership.person_id == person_id,
                Membership.committee_role.in_(CHAIRING_ROLES),
                or_(Membership.date_from.is_(None), Membership.date_from <= on),
                or_(Membership.date_to.is_(None), Membership.date_to >= on),
                or_(Committee.closed_on.is_(None), Committee.closed_on > on),
            )
        )
    )


class SignInRefused(Exception):
    """Sign-in refused; `message` never says whether the email exists. `alert` is the person to email about
    repeated failures on their account (the caller sends it after committing), with the count."""

    def __init__(self, message: str, throttled: bool = False, alert: Optional[tuple[Person, int]] = None):
        super().__init__(message)
        self.message = message
        self.throttled = throttled
        self.alert = alert


GENERIC_FAILURE = "Enter a correct email address and password"


def should_alert(failures: int, policy: ThrottlePolicy) -> bool:
    """Email the member at the threshold and each time the count doubles after it: told, but not flooded."""
    threshold = max(1, policy.alert_after)
    if failures < threshold:
        return False
    while failures > threshold:
        if failures % 2:
            return False
        failures //= 2
    return failures == threshold


def authenticate(
    session: Session, email: str, password: str, ip: str = "", policy: ThrottlePolicy = ThrottlePolicy()
) -> Person:
    """Check a password sign-in; raises SignInRefused on any failure.

    No account is ever locked: failures slow the address they come from (registry.services.sign_in_throttle).
    A failure for an email with no account writes no row of its own (it is counted under its keys); one for a
    real account is audited, and the member is emailed after repeated failures. A success is not audited here:
    the caller records the sign-in once any second factor has been given (`record_sign_in`)."""
    now = utcnow()
    key = email_key(email)
    wait = sign_in_throttle.check(session, key, ip, policy, now)
    if wait is not None:
        # Refused without checking the password, and counted nowhere: waiting is not failing again.
        raise SignInRefused(wait.message, throttled=True)

    person = session.exec(select(Person).where(Person.email == normalise_email(email))).first()
    ok = False
    if person is None or person.password_hash is None:
        _verify(_DUMMY_HASH, password)
    else:
        ok = _verify(person.password_hash, password)
    if ok and person.active:
        sign_in_throttle.record_success(session, key, ip, now)
        person.failed_sign_ins = 0
        person.locked_until = None
        if _hasher.check_needs_rehash(person.password_hash):  # parameters changed since it was stored
            person.password_hash = hash_password(password)
        session.add(person)
        return person
    counted = sign_in_throttle.record_failure(session, key, ip, person.id if person else None, policy, now)
    if counted.address_limit_reached:
        audit.record(session, "sign-in.throttled", detail={"ip": ip, "limit": "address"})
    alert = None
    if person is not None:
        person.failed_sign_ins += 1
        session.add(person)
        audit.record(
            session,
            "sign-in.failed",
            object_type="person",
            object_id=person.id,
            detail={"ip": ip, "failures_from_this_address": counted.pair_failures},
        )
        if should_alert(person.failed_sign_ins, policy) and person.email and person.active:
            alert = (person, person.failed_sign_ins)
    raise SignInRefused(GENERIC_FAILURE, alert=alert)


def record_sign_in(session: Session, person: Person, ip: str, method: str) -> None:
    """Audit a completed sign-in: `method` is password, password+code, password+recovery-code or single-sign-on."""
    audit.record(
        session,
        "sign-in",
        actor_id=person.id,
        object_type="person",
        object_id=person.id,
        detail={"ip": ip, "method": method},
    )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, person: Person) -> str:
    """A new server-side session; returns the token to put in the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_token_hash(token), person_id=person.id))
    return token


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class LiveSession:
    """Who is behind a live session token, and what they may do (read afresh on every request)."""

    person_id: int
    email: str
    full_name: str
    roles: frozenset[str]
    chairs: frozenset[int] = frozenset()  # committees whose meetings this person runs


def load_session(
    session: Session,
    token: str,
    policy: SessionPolicy = SessionPolicy(),
    touch_every: timedelta = timedelta(seconds=60),
) -> Optional[LiveSession]:
    """The person behind a live session token, or None (ended, expired, never existed, or deactivated).

    One query: every request asks this, so the session, the person and their roles come back together
    (a row per role)."""
    if not token:
        return None
    rows = session.exec(
        select(UserSession, Person.email, Person.full_name, Person.active, RoleGrant.role)
        .join(Person, Person.id == UserSession.person_id)
        .outerjoin(RoleGrant, RoleGrant.person_id == Person.id)
        .where(UserSession.token_hash == _token_hash(token))
    ).all()
    if not rows:
        return None
    record, email, full_name, active, _ = rows[0]
    if record.ended_at is not None:
        return None
    now = utcnow()
    if (
        now - _aware(record.last_seen_at) > policy.idle_timeout
        or now - _aware(record.created_at) > policy.absolute_timeout
    ):
        begin_writing(session)
        record.ended_at = now
        session.add(record)
        session.commit()
        return None
    if now - _aware(record.last_seen_at) > touch_every:
        begin_writing(session)
        record.last_seen_at = now  # written at most once a minute, to keep reads cheap
        session.add(record)
        session.commit()
    if not active:
        return None
    chairs = chaired_committees(session, record.person_id)
    roles = frozenset(role for *_, role in rows if role) | ({CHAIR_OF_A_COMMITTEE} if chairs else set())
    return LiveSession(record.person_id, email, full_name, roles, chairs)


def end_session(session: Session, token: str) -> None:
    if not token:
        return
    record = session.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
    if record is not None and record.ended_at is None:
        record.ended_at = utcnow()
        session.add(record)
        audit.record(session, "sign-out", actor_id=record.person_id, object_type="person", object_id=record.person_id)
