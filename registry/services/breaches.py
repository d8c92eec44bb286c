"""The breaches register. Internal details stay internal; only the anonymised summary is published."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlmodel import Session, select

from registry.models import Breach
from registry.services import audit

STATUSES = ("possible", "open", "closed")


class BreachError(ValueError):
    pass


def _check(occurred_on: date, what_happened: str, status: str) -> None:
    if not what_happened.strip():
        raise BreachError("Enter what happened")
    if occurred_on > date.today():
        raise BreachError("The date of the breach cannot be in the future")
    if status not in STATUSES:
        raise BreachError("Choose a status")


def record_breach(session: Session, *, occurred_on: date, what_happened: str, action_taken: str = "",
                  public_summary: str = "", status: str = "open", actor_id: Optional[int] = None) -> Breach:
    _check(occurred_on, what_happened, status)
    breach = Breach(occurred_on=occurred_on, what_happened=what_happened.strip(), action_taken=action_taken.strip(),
                    public_summary=public_summary.strip(), status=status, recorded_by_id=actor_id)
    session.add(breach)
    session.flush()
    audit.record(session, "breach.recorded", actor_id=actor_id, object_type="breach", object_id=breach.id,
                 detail={"status": status})
    return breach


def update_breach(session: Session, breach: Breach, *, expected_version: int, actor_id: Optional[int],
                  **changes) -> Breach:
    from sqlalchemy import update

    allowed = {"occurred_on", "what_happened", "action_taken", "public_summary", "status"}
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items() if k in allowed}
    merged = {**{k: getattr(breach, k) for k in allowed}, **changes}
    _check(merged["occurred_on"], merged["what_happened"], merged["status"])
    result = session.exec(update(Breach).where(Breach.id == breach.id, Breach.version == expected_version)
                          .values(**changes, version=expected_version + 1))
    if result.rowcount != 1:
        raise BreachError("This breach was changed by someone else while you were editing it. Reload and try again.")
    session.refresh(breach)
    audit.record(session, "breach.updated", actor_id=actor_id, object_type="breach", object_id=breach.id,
                 detail={"changed": sorted(changes)})
    return breach


def public_breaches(session: Session) -> list[Breach]:
    """Breaches with an anonymised summary, newest first."""
    return list(session.exec(select(Breach).where(Breach.public_summary != "", Breach.status != "possible")
                             .order_by(Breach.occurred_on.desc(), Breach.id.desc())))
