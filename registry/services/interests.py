"""Declaring, editing and ending interests. Every change writes a history row and an audit event."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from registry.models import Interest, InterestHistory, InterestType, Organisation, utcnow
from registry.services import audit

EDITABLE_FIELDS = (
    "interest_type",
    "description",
    "organisation_id",
    "organisation_text",
    "role",
    "share_percent",
    "holder_name",
    "relationship",
    "date_from",
    "date_to",
    "mitigation",
    "publish",
    "withheld_reason",
)
INTEREST_TYPES = {t.value for t in InterestType}
FIELD_LABELS = {
    "interest_type": "Type",
    "description": "Description",
    "organisation_id": "Organisation (directory)",
    "organisation_text": "Organisation (typed)",
    "role": "Role or nature",
    "share_percent": "Shareholding (%)",
    "holder_name": "Held by",
    "relationship": "Relationship",
    "date_from": "Date from",
    "date_to": "Date to",
    "mitigation": "Action taken",
    "publish": "Published",
    "withheld_reason": "Reason withheld",
    "version": "Version",
}


class InterestError(ValueError):
    """The change breaks a rule of the register; the message is safe to show."""


class StaleEdit(InterestError):
    """Someone else saved the interest after this edit began."""


def snapshot(interest: Interest) -> dict[str, Any]:
    out = {name: getattr(interest, name) for name in EDITABLE_FIELDS}
    out["version"] = interest.version
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in out.items()}


def _check(session: Session, values: dict[str, Any]) -> None:
    if values.get("interest_type") not in INTEREST_TYPES:
        raise InterestError("Select the type of interest")
    if not (values.get("description") or "").strip():
        raise InterestError("Enter a description of the interest")
    start, end = values.get("date_from"), values.get("date_to")
    if start and end and end < start:
        raise InterestError("The date the interest ended must be on or after the date it started")
    if values.get("interest_type") == InterestType.indirect.value and not (values.get("relationship") or "").strip():
        raise InterestError("Enter who holds the interest and their relationship to you")
    if values.get("publish") is False and not (values.get("withheld_reason") or "").strip():
        raise InterestError("Enter the reason for withholding the entry from the public register")
    share = values.get("share_percent")
    if share is not None and not (0 < share <= 100):
        raise InterestError("Shareholding must be a percentage between 0 and 100")
    org_id = values.get("organisation_id")
    if org_id is not None and session.get(Organisation, org_id) is None:
        raise InterestError("Select an organisation from the directory, or type its name")


def declare_interest(
    session: Session, person_id: int, *, actor_id: Optional[int], declared_at: Optional[datetime] = None, **values: Any
) -> Interest:
    """`declared_at` is for imports of an existing register; otherwise the register heard of it now."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise InterestError(f"Cannot set {', '.join(sorted(unknown))}")
    values.setdefault("publish", True)
    _check(session, values)
    interest = Interest(person_id=person_id, declared_at=declared_at or utcnow(), **values)
    session.add(interest)
    session.flush()
    _history(session, interest, "created", None, actor_id)
    return interest


def update_interest(
    session: Session,
    interest: Interest,
    *,
    expected_version: int,
    actor_id: Optional[int],
    change: str = "updated",
    **changes: Any,
) -> Interest:
    """Apply `changes` if nobody saved since `expected_version`; otherwise raise StaleEdit."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InterestError(f"Cannot change {', '.join(sorted(unknown))}")
    before = snapshot(interest)
    values = {**{k: getattr(interest, k) for k in EDITABLE_FIELDS}, **changes}
    _check(session, values)
    if all(getattr(interest, k) == v for k, v in changes.items()):
        return interest
    # Compare-and-set on the version column: on PostgreSQL's READ COMMITTED a plain read-modify-write
    # would silently lose one of two concurrent saves.
    saved = {**changes, "version": expected_version + 1, "updated_at": utcnow()}
    result = session.exec(
        update(Interest).where(Interest.id == interest.id, Interest.version == expected_version).values(**saved)
    )
    if result.rowcount != 1:
        raise StaleEdit(
            "This interest was changed by someone else while you were editing it. "
            "Check the latest version and make your change again."
        )
    for name, value in saved.items():  # the row now holds exactly these: no need to read it back
        set_committed_value(interest, name, value)
    _history(session, interest, change, before, actor_id)
    _redact_from_published(session, interest, before, actor_id)
    return interest


def _redact_from_published(session: Session, interest: Interest, before: dict, actor_id: Optional[int]) -> None:
    """Withholding a published entry, or ending it so long ago that its public period is over, takes it out of
    every snapshot already published as well as the next one."""
    from registry.services import publication

    if before["publish"] and not interest.publish:
        publication.redact(
            session, interest, kind=publication.WITHHELD, reason=interest.withheld_reason, actor_id=actor_id
        )
    elif (
        interest.date_to
        and interest.date_to.isoformat() != before["date_to"]
        and interest.date_to < publication.months_before(date.today(), publication.PUBLIC_TAIL_MONTHS)
    ):
        publication.redact(
            session,
            interest,
            kind=publication.PERIOD_ENDED,
            actor_id=actor_id,
            reason=f"Ended on {interest.date_to.isoformat()}: more than {publication.PUBLIC_TAIL_MONTHS} "
            f"months ago, so no longer public",
        )


def end_interest(
    session: Session, interest: Interest, date_to: date, *, expected_version: int, actor_id: Optional[int]
) -> Interest:
    """Interests are ended with a date, never deleted."""
    return update_interest(
        session, interest, expected_version=expected_version, actor_id=actor_id, change="ended", date_to=date_to
    )


def _history(session: Session, interest: Interest, change: str, before: Optional[dict], actor_id: Optional[int]):
    after = snapshot(interest)
    session.add(
        InterestHistory(
            interest_id=interest.id,
            version=interest.version,
            change=change,
            changed_by_id=actor_id,
            before=before,
            after=after,
        )
    )
    audit.record(
        session,
        f"interest.{change}",
        actor_id=actor_id,
        object_type="interest",
        object_id=interest.id,
        detail={"version": interest.version},
    )
    session.flush()


def history_of(session: Session, interest_id: int) -> list[InterestHistory]:
    return list(
        session.exec(
            select(InterestHistory).where(InterestHistory.interest_id == interest_id).order_by(InterestHistory.version)
        )
    )
