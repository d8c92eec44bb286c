"""The second factor: a code from an authenticator app (TOTP, RFC 6238, with pyotp) and single-use recovery codes.

Who needs it: governance leads, and anyone who chairs or vice-chairs a committee, when they sign in with a password
(they can change the public register and meeting records). Single sign-on relies on the identity provider's own
MFA. A code is accepted once (the time step is remembered, so a code seen over someone's shoulder cannot be
replayed) and one step either side of now, for clocks a little out. Recovery codes are shown once and only their
argon2id hashes kept. The app's secret is stored sealed (:class:`SecretBox`) with a key kept outside the database,
so a copy of the database or a backup alone cannot make codes. No Flask here.
"""

from __future__ import annotations

import base64
import hmac
import time
from dataclasses import dataclass
from typing import Optional

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete
from sqlmodel import Session, func, select

from registry.models import Person, RecoveryCode, Role, RoleGrant, SecondFactor, utcnow
from registry.services import audit
from registry.services.account_links import end_sessions
from registry.services.accounts import AccountError, _verify, chaired_committees, hash_password

RECOVERY_CODES = 10  # shown once when the app is set up
CODE_STEP_SECONDS = 30  # RFC 6238's default, what every authenticator app uses
ACCEPTED_STEPS = 1  # either side of now: a phone clock 30 seconds out still works
ISSUER = "Conflicts of interest register"


class SecretBox:
    """Seals authenticator secrets for the database with a key that is not in it (Fernet: AES-CBC with an
    HMAC-SHA256 tag, from the instance's second-factor key through HKDF). Secrets stored before sealing existed
    are read as they are and sealed at their next use."""

    PREFIX = "sealed1:"

    def __init__(self, key: str):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"coi second factor secrets").derive(
            key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        return self.PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(self.PREFIX):
            return stored  # stored before sealing: sealed when next used
        try:
            return self._fernet.decrypt(stored[len(self.PREFIX) :].encode()).decode()
        except InvalidToken:
            raise AccountError(
                "This authenticator app was set up under another second-factor key: ask a governance lead to reset it"
            ) from None

    def is_sealed(self, stored: str) -> bool:
        return stored.startswith(self.PREFIX)


def needs_second_factor(session: Session, person_id: int) -> bool:
    """Governance leads, chairs and vice-chairs (of an open committee, on a current membership)."""
    governance = (
        session.exec(
            select(func.count())
            .select_from(RoleGrant)
            .where(RoleGrant.person_id == person_id, RoleGrant.role == Role.governance.value)
        ).one()
        > 0
    )
    return governance or bool(chaired_committees(session, person_id))


def confirmed_factor(session: Session, person_id: int) -> Optional[SecondFactor]:
    return session.exec(
        select(SecondFactor).where(SecondFactor.person_id == person_id, SecondFactor.confirmed_at.is_not(None))
    ).first()


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, to type into the app
    uri: str  # otpauth:// for the QR code

    @property
    def grouped(self) -> str:
        """The secret in groups of four, easier to type."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def start_enrolment(session: Session, person: Person, box: SecretBox) -> Enrolment:
    """A new unconfirmed secret for the person (replacing one not yet confirmed); refused when one is confirmed."""
    if confirmed_factor(session, person.id) is not None:
        raise ValueError("an authenticator app is already set up for this person")
    factor = session.exec(select(SecondFactor).where(SecondFactor.person_id == person.id)).first()
    if factor is None:
        factor = SecondFactor(person_id=person.id, secret=box.seal(pyotp.random_base32()))
    session.add(factor)
    session.flush()
    return enrolment_of(factor, person, box)


def pending_enrolment(session: Session, person: Person, box: SecretBox) -> Optional[Enrolment]:
    factor = session.exec(
        select(SecondFactor).where(SecondFactor.person_id == person.id, SecondFactor.confirmed_at.is_(None))
    ).first()
    return enrolment_of(factor, person, box) if factor else None


def enrolment_of(factor: SecondFactor, person: Person, box: SecretBox) -> Enrolment:
    secret = box.open(factor.secret)
    uri = pyotp.TOTP(secret, interval=CODE_STEP_SECONDS).provisioning_uri(
        name=person.email or str(person.id), issuer_name=ISSUER
    )
    return Enrolment(secret, uri)


def _matching_step(secret: str, code: str, last_used_step: int, now: Optional[float] = None) -> Optional[int]:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=CODE_STEP_SECONDS)
    now = time.time() if now is None else now
    current = int(now // CODE_STEP_SECONDS)
    for step in range(current - ACCEPTED_STEPS, current + ACCEPTED_STEPS + 1):
        if step > last_used_step and hmac.compare_digest(totp.at(step * CODE_STEP_SECONDS), code):
            return step
    return None


def confirm_enrolment(
    session: Session, person: Person, code: str, box: SecretBox, now: Optional[float] = None
) -> Optional[list[str]]:
    """The first code from the app confirms it; returns the recovery codes to show once, or None if the code is
    wrong."""
    factor = session.exec(
        select(SecondFactor).where(SecondFactor.person_id == person.id, SecondFactor.confirmed_at.is_(None))
    ).first()
    if factor is None:
        return None
    step = _matching_step(box.open(factor.secret), code, factor.last_used_step, now)
    if step is None:
        return None
    factor.confirmed_at = utcnow()
    factor.last_used_step = step
    session.add(factor)
    codes = _new_recovery_codes(session, person.id)
    audit.record(
        session,
        "account.second-factor-set-up",
        actor_id=person.id,
        object_type="person",
        object_id=person.id,
        detail={"recovery_codes": len(codes)},
    )
    session.flush()
    return codes


def _new_recovery_codes(session: Session, person_id: int) -> list[str]:
    session.exec(delete(RecoveryCode).where(RecoveryCode.person_id == person_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = pyotp.random_base32()[:10].lower()  # 50 bits: ample for a single-use, throttled code
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(person_id=person_id, code_hash=hash_password(raw)))
    return codes


def verify(session: Session, person: Person, code: str, box: SecretBox, now: Optional[float] = None) -> Optional[str]:
    """Check a code from the app, or a recovery code (used up). Returns "code" or "recovery-code", or None."""
    factor = confirmed_factor(session, person.id)
    if factor is None:
        return None
    secret = box.open(factor.secret)
    step = _matching_step(secret, code, factor.last_used_step, now)
    if step is not None:
        factor.last_used_step = step
        if not box.is_sealed(factor.secret):
            factor.secret = box.seal(secret)
        session.add(factor)
        return "code"
    typed = "".join(ch for ch in code.lower() if ch.isalnum())
    if len(typed) != 10:
        return None
    for recovery in session.exec(
        select(RecoveryCode).where(RecoveryCode.person_id == person.id, RecoveryCode.used_at.is_(None))
    ):
        if _verify(recovery.code_hash, typed):
            recovery.used_at = utcnow()
            session.add(recovery)
            left = unused_recovery_codes(session, person.id) - 1
            audit.record(
                session,
                "account.recovery-code-used",
                actor_id=person.id,
                object_type="person",
                object_id=person.id,
                detail={"recovery_codes_left": left},
            )
            return "recovery-code"
    return None


def unused_recovery_codes(session: Session, person_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.person_id == person_id, RecoveryCode.used_at.is_(None))
    ).one()


def reset(session: Session, person_id: int, actor_id: Optional[int]) -> Person:
    """A governance lead removes a lost factor: the person sets up a new app at their next password sign-in, and
    every session of theirs ends (whoever has the lost phone may be signed in)."""
    person = session.get(Person, person_id)
    if person is None:
        raise AccountError("No such person")
    removed = session.exec(delete(SecondFactor).where(SecondFactor.person_id == person_id)).rowcount or 0
    if not removed:
        raise AccountError(f"{person.full_name} has no authenticator app set up")
    codes = session.exec(delete(RecoveryCode).where(RecoveryCode.person_id == person_id)).rowcount or 0
    ended = end_sessions(session, person_id)
    audit.record(
        session,
        "account.second-factor-reset",
        actor_id=actor_id,
        object_type="person",
        object_id=person_id,
        detail={"recovery_codes_removed": codes, "sessions_ended": ended},
    )
    session.flush()
    return person
