"""Retention: records are kept 6 years after they end, then removed by `coi purge`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from sqlalchemy import delete
from sqlmodel import Session, select

from registry import policy
from registry.models import Breach, DeclarationReturn, GiftOrHospitality, Interest, InterestHistory, RegisterSnapshot
from registry.services import audit
from registry.services.publication import months_before

RETENTION_YEARS = policy.KEEP_RECORDS_YEARS.value


@dataclass
class PurgePlan:
    cutoff: date
    interests: list[Interest] = field(default_factory=list)
    gifts: list[GiftOrHospitality] = field(default_factory=list)
    returns: list[DeclarationReturn] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    snapshots: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.interests or self.gifts or self.returns or self.breaches or self.snapshots)

    def lines(self) -> list[str]:
        out = [f"Records that ended before {self.cutoff.isoformat()} ({RETENTION_YEARS} years ago):"]
        for i in self.interests:
            out.append(f"  interest {i.id} (person {i.person_id}), ended {i.date_to}: {i.description[:60]}")
        for g in self.gifts:
            out.append(f"  {g.kind} {g.id} (person {g.person_id}), offered {g.offered_on}: {g.donor[:40]}")
        for r in self.returns:
            out.append(f"  {r.kind} return {r.id} (person {r.person_id}) as of {r.as_of}")
        for b in self.breaches:
            out.append(f"  breach {b.id} of {b.occurred_on} (closed)")
        for s in self.snapshots:
            out.append(f"  published register snapshot {s}")
        if self.empty:
            out.append("  nothing to remove")
        return out


def plan_purge(session: Session, today: Optional[date] = None) -> PurgePlan:
    today = today or date.today()
    cutoff = months_before(today, RETENTION_YEARS * 12)
    plan = PurgePlan(cutoff)
    plan.interests = list(
        session.exec(
            select(Interest).where(Interest.date_to.is_not(None), Interest.date_to < cutoff).order_by(Interest.id)
        )
    )
    plan.gifts = list(
        session.exec(
            select(GiftOrHospitality).where(GiftOrHospitality.offered_on < cutoff).order_by(GiftOrHospitality.id)
        )
    )
    # A return is superseded by a later one; only returns older than the cutoff that are not a person's latest go.
    latest = {}
    for r in session.exec(select(DeclarationReturn).order_by(DeclarationReturn.as_of)):
        latest[r.person_id] = r.id
    plan.returns = [
        r
        for r in session.exec(
            select(DeclarationReturn).where(DeclarationReturn.as_of < cutoff).order_by(DeclarationReturn.id)
        )
        if latest.get(r.person_id) != r.id
    ]
    plan.breaches = list(
        session.exec(select(Breach).where(Breach.occurred_on < cutoff, Breach.status == "closed").order_by(Breach.id))
    )
    plan.snapshots = list(
        session.exec(select(RegisterSnapshot.id).where(RegisterSnapshot.as_of < cutoff).order_by(RegisterSnapshot.id))
    )
    return plan


def apply_purge(session: Session, plan: PurgePlan, actor_id: Optional[int] = None) -> None:
    """Remove what the plan lists, with one audit event naming every record removed."""
    interest_ids = [i.id for i in plan.interests]
    if interest_ids:
        session.exec(delete(InterestHistory).where(InterestHistory.interest_id.in_(interest_ids)))
        session.exec(delete(Interest).where(Interest.id.in_(interest_ids)))
    for model, ids in (
        (GiftOrHospitality, [g.id for g in plan.gifts]),
        (DeclarationReturn, [r.id for r in plan.returns]),
        (Breach, [b.id for b in plan.breaches]),
        (RegisterSnapshot, plan.snapshots),
    ):
        if ids:
            session.exec(delete(model).where(model.id.in_(ids)))
    audit.record(
        session,
        "retention.purged",
        actor_id=actor_id,
        detail={
            "cutoff": plan.cutoff.isoformat(),
            "interests": interest_ids,
            "gifts": [g.id for g in plan.gifts],
            "returns": [r.id for r in plan.returns],
            "breaches": [b.id for b in plan.breaches],
            "snapshots": plan.snapshots,
        },
    )
