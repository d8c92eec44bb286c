"""Throttling of failed sign-ins that slows an attacker without letting one lock a member out.

The old design locked an account after ten failures, so anyone who knew a member's email could keep them out.
Now nothing a stranger does from another address makes the account unusable:

- **an email from one address** (`pair:`): the first few failures are free; after them each further try from that
  address for that email waits, 1 minute and doubling up to a cap. Only that address is slowed.
- **one address** (`address:`): failures from it in a window, over every email; past the limit it waits.
- **one email from unfamiliar addresses** (`account:`): failures in an hour from addresses the account has never
  signed in from (OWASP ASVS 2.2.1: no more than 100 failed attempts an hour on one account); past the limit those
  addresses wait, while an address the member has signed in from before (a *familiar* address) is never held by
  this limit nor by the per-address one.
- **a person's second-factor codes** (`code:`): like an email from one address.

Failures are counted in one row a key (SignInThrottle), not a row an attempt, so failures for emails that have no
account cannot grow the database: rows are forgotten a day after their last failure. A governance lead clears a
person's throttles (`clear`). No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from registry.models import SignInAttempt, SignInThrottle, utcnow


@dataclass(frozen=True)
class ThrottlePolicy:
    """Every number of the sign-in throttle; the defaults are coi/settings.py's (where each is explained)."""

    window: timedelta = timedelta(minutes=15)  # per-address failures are counted over this
    failures_before_backoff: int = 5  # per email and address, and per person's codes
    first_wait: timedelta = timedelta(minutes=1)  # then doubling with each further failure …
    longest_wait: timedelta = timedelta(minutes=15)  # … up to this
    max_failures_per_ip: int = 50
    max_failures_per_account: int = 100  # an hour, from unfamiliar addresses (ASVS 2.2.1)
    account_window: timedelta = timedelta(hours=1)
    alert_after: int = 5  # failures since the last success before the member is emailed
    familiar_for: timedelta = timedelta(days=90)  # a successful sign-in from an address makes it familiar this long
    forget_after: timedelta = timedelta(days=1)  # a key with no failure for this long starts again from nought


@dataclass(frozen=True)
class Wait:
    """A refusal: try again after `seconds`."""

    seconds: int
    reason: str  # pair, address, account or code: for the audit log, never shown

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.seconds // 60))
        return f"Too many attempts to sign in. Wait {minutes} minute{'s' if minutes != 1 else ''} and try again"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def pair_key(email_key: str, ip: str) -> str:
    return f"pair:{email_key}:{ip[:64]}"


def address_key(ip: str) -> str:
    return f"address:{ip[:64]}"


def account_key(email_key: str) -> str:
    return f"account:{email_key}"


def code_key(person_id: int) -> str:
    return f"code:{person_id}"


def backoff(failures: int, policy: ThrottlePolicy) -> timedelta:
    """How long after the latest of `failures` the next try must wait (nothing before the allowance is used)."""
    if failures < policy.failures_before_backoff:
        return timedelta(0)
    doublings = min(failures - policy.failures_before_backoff, 20)
    return min(policy.first_wait * (2**doublings), policy.longest_wait)


def familiar(session: Session, email_key: str, ip: str, policy: ThrottlePolicy, now: Optional[datetime] = None) -> bool:
    """Has this email signed in successfully from this address lately?"""
    if not ip:
        return False
    now = now or utcnow()
    return (
        session.exec(
            select(func.count())
            .select_from(SignInAttempt)
            .where(
                SignInAttempt.email_key == email_key,
                SignInAttempt.ip == ip[:64],
                SignInAttempt.succeeded == True,  # noqa: E712
                SignInAttempt.at >= now - policy.familiar_for,
            )
        ).one()
        > 0
    )


def _row(session: Session, key: str, lock: bool = False) -> Optional[SignInThrottle]:
    query = select(SignInThrottle).where(SignInThrottle.key == key)
    return session.exec(query.with_for_update() if lock else query).first()


def _current(row: Optional[SignInThrottle], span: timedelta, now: datetime) -> int:
    """Failures under a key that still count (its window, or a pair's memory, has not run out)."""
    if row is None or _aware(row.window_started_at) < now - span:
        return 0
    return row.failures


def _backoff_wait(session: Session, key: str, policy: ThrottlePolicy, now: datetime, reason: str) -> Optional[Wait]:
    row = _row(session, key)
    failures = _current(row, policy.forget_after, now)
    if not failures:
        return None
    until = _aware(row.last_failure_at) + backoff(failures, policy)
    return Wait(int((until - now).total_seconds()) + 1, reason) if until > now else None


def check(
    session: Session, email_key: str, ip: str, policy: ThrottlePolicy, now: Optional[datetime] = None
) -> Optional[Wait]:
    """Must this password attempt wait? Asked before the password is checked; a refused attempt counts nothing."""
    now = now or utcnow()
    wait = _backoff_wait(session, pair_key(email_key, ip), policy, now, "pair")
    if wait or familiar(session, email_key, ip, policy, now):
        return wait
    for key, limit, span, reason in (
        (address_key(ip), policy.max_failures_per_ip, policy.window, "address"),
        (account_key(email_key), policy.max_failures_per_account, policy.account_window, "account"),
    ):
        if not ip and reason == "address":
            continue
        row = _row(session, key)
        if _current(row, span, now) >= limit:
            until = _aware(row.window_started_at) + span
            return Wait(int((until - now).total_seconds()) + 1, reason)
    return None


def check_code(
    session: Session, person_id: int, policy: ThrottlePolicy, now: Optional[datetime] = None
) -> Optional[Wait]:
    """Must this second-factor code wait?"""
    return _backoff_wait(session, code_key(person_id), policy, now or utcnow(), "code")


def _count(session: Session, key: str, person_id: Optional[int], span: timedelta, now: datetime) -> int:
    """Add a failure under `key` (starting again once `span` has passed since its first); returns the count."""
    for _ in range(2):
        row = _row(session, key, lock=True)
        if row is None:
            try:
                with session.begin_nested():  # another worker may insert the same key at the same moment
                    session.add(
                        SignInThrottle(
                            key=key, person_id=person_id, failures=1, window_started_at=now, last_failure_at=now
                        )
                    )
                return 1
            except IntegrityError:
                continue  # it did: count on its row
        if _aware(row.window_started_at) < now - span:
            row.failures, row.window_started_at = 1, now
        else:
            row.failures += 1
        row.last_failure_at = now
        if person_id is not None:
            row.person_id = person_id
        session.add(row)
        session.flush()
        return row.failures
    raise RuntimeError(f"could not count a failure under {key}")  # pragma: no cover - two races in a row


@dataclass(frozen=True)
class Counted:
    pair_failures: int
    address_limit_reached: bool  # this failure took the address to its limit (audit it once, not every attempt)


def record_failure(
    session: Session,
    email_key: str,
    ip: str,
    person_id: Optional[int],
    policy: ThrottlePolicy,
    now: Optional[datetime] = None,
) -> Counted:
    """Count a wrong password for `email_key` from `ip` (person_id: the account's, when there is one)."""
    now = now or utcnow()
    _forget_old(session, policy, now)
    pair = _count(session, pair_key(email_key, ip), person_id, policy.forget_after, now)
    reached = False
    if not familiar(session, email_key, ip, policy, now):
        _count(session, account_key(email_key), person_id, policy.account_window, now)
        if ip:
            reached = _count(session, address_key(ip), None, policy.window, now) == policy.max_failures_per_ip
    return Counted(pair, reached)


def record_code_failure(
    session: Session, person_id: int, policy: ThrottlePolicy, now: Optional[datetime] = None
) -> int:
    now = now or utcnow()
    _forget_old(session, policy, now)
    return _count(session, code_key(person_id), person_id, policy.forget_after, now)


def record_success(session: Session, email_key: str, ip: str, now: Optional[datetime] = None) -> None:
    """The right password from this address: its pair starts again, and the address becomes familiar."""
    session.exec(delete(SignInThrottle).where(SignInThrottle.key == pair_key(email_key, ip)))
    session.add(SignInAttempt(email_key=email_key, ip=ip[:64], at=now or utcnow(), succeeded=True))


def record_code_success(session: Session, person_id: int) -> None:
    session.exec(delete(SignInThrottle).where(SignInThrottle.key == code_key(person_id)))


def clear(session: Session, person_id: int, email_key: Optional[str]) -> int:
    """A governance lead lifts every throttle on a person's account; returns how many were lifted."""
    condition = SignInThrottle.person_id == person_id
    if email_key:
        condition = (
            condition | SignInThrottle.key.like(f"pair:{email_key}:%") | (SignInThrottle.key == account_key(email_key))
        )
    return session.exec(delete(SignInThrottle).where(condition)).rowcount or 0


def active(
    session: Session,
    person_id: int,
    email_key: Optional[str],
    policy: ThrottlePolicy = ThrottlePolicy(),
    now: Optional[datetime] = None,
) -> int:
    """How many throttles hold the person's account now (for the person page)."""
    now = now or utcnow()
    condition = SignInThrottle.person_id == person_id
    if email_key:
        condition = (
            condition | SignInThrottle.key.like(f"pair:{email_key}:%") | (SignInThrottle.key == account_key(email_key))
        )
    held = 0
    for row in session.exec(select(SignInThrottle).where(condition)):
        if row.key.startswith("account:"):
            held += _current(row, policy.account_window, now) >= policy.max_failures_per_account
        else:
            held += _current(row, policy.forget_after, now) >= policy.failures_before_backoff
    return held


def _forget_old(session: Session, policy: ThrottlePolicy, now: datetime) -> None:
    session.exec(delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - policy.forget_after))
