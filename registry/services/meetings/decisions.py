"""The chair's decisions on each flag, and after the meeting what happened (a possible breach when a member neither
declared nor was managed as agreed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlmodel import Session, select

from registry.models import (
    Breach,
    ChairDecision,
    DecisionSource,
    FlagStatus,
    ManagementAction,
    Meeting,
    MeetingItem,
    MeetingOutcome,
    Person,
    ScreeningFlag,
    utcnow,
)
from registry.services import audit
from registry.services.meetings.agenda import items_of
from registry.services.meetings.attendance import people_screened
from registry.services.meetings.common import ACTION_WORDS, ACTIONS, OUTCOMES, MeetingError

# --- The chair's decisions ----------------------------------------------------------------------------


@dataclass
class Conflict:
    """One (member, item) pair the chair must manage: the proposal, the decision, and what applies."""

    item: MeetingItem
    person: Person
    flag: Optional[ScreeningFlag]
    decision: Optional[ChairDecision]

    @property
    def action(self) -> str:
        """What applies: the chair's decision, else the engine's proposal."""
        if self.decision is not None:
            return self.decision.action
        return self.flag.action if self.flag is not None and self.flag.status == FlagStatus.current else "none"

    @property
    def decision_outdated(self) -> bool:
        """The proposal changed (or went) after the chair decided: the chair should look again."""
        if self.decision is None or self.flag is None or self.decision.source == DecisionSource.added:
            return False
        return self.flag.fingerprint != self.decision.flag_fingerprint or self.flag.status != FlagStatus.current

    @property
    def awaiting_decision(self) -> bool:
        return self.decision is None and self.flag is not None and self.flag.status == FlagStatus.current

    @property
    def removes_vote(self) -> bool:
        return self.action in ("exclude", "no-vote")


def conflicts(session: Session, meeting: Meeting) -> list[Conflict]:
    items = {i.id: i for i in items_of(session, meeting.id)}
    flags = {
        (f.item_id, f.person_id): f
        for f in session.exec(select(ScreeningFlag).where(ScreeningFlag.meeting_id == meeting.id))
    }
    decisions = {
        (d.item_id, d.person_id): d
        for d in session.exec(
            select(ChairDecision).where(ChairDecision.meeting_id == meeting.id, ChairDecision.superseded.is_(False))
        )
    }
    keys = {k for k, f in flags.items() if f.status == FlagStatus.current} | set(decisions)
    people = {p.id: p for p in session.exec(select(Person).where(Person.id.in_([k[1] for k in keys])))}
    out = [Conflict(items[k[0]], people[k[1]], flags.get(k), decisions.get(k)) for k in keys if k[0] in items]
    out.sort(key=lambda c: (c.item.position, c.item.id, c.person.full_name))
    return out


def decide(
    session: Session,
    meeting: Meeting,
    item_id: int,
    person_id: int,
    *,
    action: str,
    reason: str,
    actor_id: Optional[int],
) -> ChairDecision:
    """Accept, change or dismiss a proposal, or add a conflict the engine missed. Earlier decisions are kept."""
    item = session.get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise MeetingError("That item is not on this meeting's agenda")
    if person_id not in {p.id for p in people_screened(session, meeting)}:
        raise MeetingError("That person is not a member of the committee, or an attending deputy, on the meeting date")
    if action not in ACTIONS + (ManagementAction.none.value,):
        raise MeetingError("Choose how the conflict is managed")
    if actor_id is not None and actor_id == person_id:
        raise MeetingError(
            "You cannot decide a conflict about yourself. The vice-chair, or a governance lead, decides it."
        )
    flag = session.exec(
        select(ScreeningFlag).where(ScreeningFlag.item_id == item_id, ScreeningFlag.person_id == person_id)
    ).first()
    live_flag = flag if flag is not None and flag.status == FlagStatus.current else None
    if live_flag is None:
        source = DecisionSource.added if action != ManagementAction.none else DecisionSource.dismissed
    elif action == live_flag.action:
        source = DecisionSource.accepted
    else:
        source = DecisionSource.dismissed if action == ManagementAction.none else DecisionSource.changed
    reason = (reason or "").strip()
    if source != DecisionSource.accepted and not reason:
        raise MeetingError("Give a reason for changing, dismissing or adding a conflict")
    for earlier in session.exec(
        select(ChairDecision).where(
            ChairDecision.item_id == item_id, ChairDecision.person_id == person_id, ChairDecision.superseded.is_(False)
        )
    ):
        earlier.superseded = True
        session.add(earlier)
    decision = ChairDecision(
        meeting_id=meeting.id,
        item_id=item_id,
        person_id=person_id,
        action=action,
        source=source.value,
        reason=reason,
        flag_fingerprint=live_flag.fingerprint if live_flag else "",
        decided_by_id=actor_id,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        "meeting.decision",
        actor_id=actor_id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"item": item_id, "person": person_id, "action": action, "source": source.value},
    )
    return decision


def decision_history(session: Session, item_id: int, person_id: int) -> list[ChairDecision]:
    return list(
        session.exec(
            select(ChairDecision)
            .where(ChairDecision.item_id == item_id, ChairDecision.person_id == person_id)
            .order_by(ChairDecision.decided_at, ChairDecision.id)
        )
    )


# --- After the meeting ----------------------------------------------------------------------------------

EXPECTED_OUTCOMES = {
    "exclude": ("left the room", "absent"),
    "no-vote": ("left the room", "did not vote", "absent"),
    "declare": ("left the room", "did not vote", "took part", "absent"),
}


def record_outcome(
    session: Session,
    meeting: Meeting,
    item_id: int,
    person_id: int,
    *,
    declared: bool,
    what_happened: str,
    actor_id: Optional[int],
) -> MeetingOutcome:
    """Record what happened; a flagged member who neither declared nor was managed raises a possible breach."""
    if meeting.meeting_date > date.today():
        raise MeetingError("What happened at a meeting can be recorded on or after the day of the meeting")
    if what_happened not in OUTCOMES:
        raise MeetingError("Choose what happened")
    conflict = next((c for c in conflicts(session, meeting) if c.item.id == item_id and c.person.id == person_id), None)
    if conflict is None:
        raise MeetingError("There is no conflict recorded for that member and item")
    outcome = session.exec(
        select(MeetingOutcome).where(MeetingOutcome.item_id == item_id, MeetingOutcome.person_id == person_id)
    ).first()
    if outcome is None:
        outcome = MeetingOutcome(
            meeting_id=meeting.id,
            item_id=item_id,
            person_id=person_id,
            declared=declared,
            what_happened=what_happened,
            recorded_by_id=actor_id,
        )
    else:
        outcome.declared, outcome.what_happened, outcome.recorded_by_id = declared, what_happened, actor_id
        outcome.recorded_at = utcnow()
    action = conflict.action
    managed = action == "none" or what_happened in EXPECTED_OUTCOMES.get(action, OUTCOMES)
    declared_ok = declared or what_happened == "absent" or action == "none"
    if not (managed and declared_ok) and outcome.breach_id is None:
        problems = []
        if not declared_ok:
            problems.append("did not declare the interest")
        if not managed:
            problems.append(f"{what_happened} although the agreed action was to {ACTION_WORDS[action]}")
        breach = Breach(
            occurred_on=meeting.meeting_date,
            status="possible",
            recorded_by_id=actor_id,
            what_happened=(
                f"{conflict.person.full_name} {' and '.join(problems)} at {meeting.title} "
                f"({meeting.meeting_date.isoformat()}), item {conflict.item.item_ref}: {conflict.item.title}."
            ),
            action_taken="",
            public_summary="",
        )
        session.add(breach)
        session.flush()
        outcome.breach_id = breach.id
        audit.record(
            session,
            "breach.possible",
            actor_id=actor_id,
            object_type="breach",
            object_id=breach.id,
            detail={"meeting": meeting.id, "item": item_id, "person": person_id},
        )
    session.add(outcome)
    session.flush()
    audit.record(
        session,
        "meeting.outcome",
        actor_id=actor_id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"item": item_id, "person": person_id, "declared": declared, "what_happened": what_happened},
    )
    return outcome


def outcomes_of(session: Session, meeting: Meeting) -> dict[tuple[int, int], MeetingOutcome]:
    return {
        (o.item_id, o.person_id): o
        for o in session.exec(select(MeetingOutcome).where(MeetingOutcome.meeting_id == meeting.id))
    }
