"""Is each person's declaration up to date, overdue, or was something declared late?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Optional

from sqlmodel import Session, func, select

from registry import policy
from registry.models import Committee, DeclarationReturn, Interest, Membership, Person

UP_TO_DATE, OVERDUE, LATE = "up to date", "annual declaration overdue", "late declaration"


@dataclass(frozen=True)
class TimelinessPolicy:
    annual_days: int = 365  # a nil return or annual confirmation at least this often
    declare_within_days: int = policy.DECLARE_WITHIN_DAYS.value  # of an interest arising, and of appointment
    late_lookback_days: int = 365  # late declarations older than this no longer colour the status


@dataclass
class PersonStatus:
    person_id: int
    full_name: str
    email: Optional[str]
    state: str
    last_return: Optional[date]
    due_by: date
    late_interests: list[int] = field(default_factory=list)  # ids of interests declared late

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def late(self) -> bool:
        return bool(self.late_interests)


def statuses(
    session: Session,
    today: Optional[date] = None,
    person_ids: Optional[Iterable[int]] = None,
    policy: TimelinessPolicy = TimelinessPolicy(),
) -> dict[int, PersonStatus]:
    today = today or date.today()
    people_q = select(Person).where(Person.active == True)  # noqa: E712
    if person_ids is not None:
        people_q = people_q.where(Person.id.in_(list(person_ids)))
    people = session.exec(people_q).all()
    ids = [p.id for p in people]
    last_return = dict(
        session.exec(
            select(DeclarationReturn.person_id, func.max(DeclarationReturn.as_of))
            .where(DeclarationReturn.person_id.in_(ids))
            .group_by(DeclarationReturn.person_id)
        ).all()
    )
    appointed = dict(
        session.exec(
            select(Membership.person_id, func.min(Membership.date_from))
            .where(Membership.person_id.in_(ids))
            .group_by(Membership.person_id)
        ).all()
    )
    late: dict[int, list[int]] = {}
    since = today - timedelta(days=policy.late_lookback_days)
    recent = session.exec(
        select(Interest.id, Interest.person_id, Interest.declared_at, Interest.date_from).where(
            Interest.person_id.in_(ids),
            Interest.date_from.is_not(None),
            Interest.declared_at >= datetime.combine(since, time.min, tzinfo=timezone.utc),
        )
    )
    for interest_id, person_id, declared_at, date_from in recent:  # columns, not entities: registers are large
        if (declared_at.date() - date_from).days > policy.declare_within_days:
            late.setdefault(person_id, []).append(interest_id)

    out = {}
    for person in people:
        last = last_return.get(person.id)
        if last is not None:
            due_by = last + timedelta(days=policy.annual_days)
        else:
            start = appointed.get(person.id) or person.created_at.date()
            due_by = start + timedelta(days=policy.declare_within_days)
        if today > due_by:
            state = OVERDUE
        elif person.id in late:
            state = LATE
        else:
            state = UP_TO_DATE
        out[person.id] = PersonStatus(
            person.id, person.full_name, person.email, state, last, due_by, sorted(late.get(person.id, []))
        )
    return out


def by_committee(
    session: Session, today: Optional[date] = None, policy: TimelinessPolicy = TimelinessPolicy()
) -> list[tuple[Committee, list[PersonStatus]]]:
    """Each committee with its current members' statuses, worst first."""
    today = today or date.today()
    all_status = statuses(session, today, policy=policy)
    order = {OVERDUE: 0, LATE: 1, UP_TO_DATE: 2}
    out = []
    for committee in session.exec(select(Committee).order_by(Committee.name)):
        member_ids = set(
            session.exec(
                select(Membership.person_id).where(
                    Membership.committee_id == committee.id,
                    (Membership.date_to.is_(None)) | (Membership.date_to >= today),
                )
            )
        )
        rows = sorted(
            (all_status[i] for i in member_ids if i in all_status), key=lambda s: (order[s.state], s.full_name)
        )
        out.append((committee, rows))
    return out
