"""Meetings: agenda items, the pre-meeting screen, the chair's decisions, quorum, minutes and outcomes."""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Optional

from sqlalchemy import func
from sqlmodel import Session, or_, select

from registry.models import (Breach, ChairDecision, Committee, Interest, Meeting, MeetingItem, MeetingNotice,
                             MeetingOutcome, Membership, Organisation, Person, ScreeningFlag, VotingOrganisation,
                             utcnow)
from registry.services import audit
from screening import AgendaItem as EngineItem
from screening import Directory, Engine
from screening import Interest as EngineInterest
from screening.orgfiles import PcnMapRow, PracticeRecord
from screening.quorum import ItemQuorum, QuorumRuleError, VotingMember
from screening.quorum import VotingOrganisation as QuorumOrganisation
from screening.quorum import forecast, parse_quorum_rule

ACTIONS = ("exclude", "no-vote", "declare")
ACTION_WORDS = {
    "exclude": "leave the meeting for the item",
    "no-vote": "take part in the discussion but not the decision",
    "declare": "declare the interest and take part",
    "none": "no conflict (flag dismissed)",
}
OUTCOMES = ("left the room", "did not vote", "took part", "absent")
SPOUSE_WORDS = ("spouse", "wife", "husband", "civil partner", "partner")


class MeetingError(ValueError):
    """A request about a meeting that breaks a rule; the message is safe to show."""


# --- The organisation directory, from the database ------------------------------------------------

_directory_cache: dict = {}
_directory_lock = threading.Lock()


def _directory_key(session: Session) -> tuple:
    count, latest = session.exec(select(func.count(), func.max(Organisation.updated_at))
                                 .select_from(Organisation)).one()
    return count, str(latest)


def directory_engine(session: Session) -> Engine:
    """The screening engine over the directory as it is in the database, indexed once per change."""
    key = _directory_key(session)
    with _directory_lock:
        cached = _directory_cache.get("engine")
        if cached and cached[0] == key:
            return cached[1]
    # Plain rows, not ORM objects: hydrating 16,000 organisations as objects costs more than indexing them.
    rows = session.exec(select(
        Organisation.id, Organisation.ods_code, Organisation.name, Organisation.kind, Organisation.region,
        Organisation.icb, Organisation.address_line1, Organisation.address_line2, Organisation.address_line3,
        Organisation.address_line4, Organisation.address_line5, Organisation.postcode, Organisation.open_date,
        Organisation.close_date, Organisation.status, Organisation.prescribing_setting, Organisation.pcn_id,
        Organisation.commissioner_id)).all()
    by_id = {r.id: r for r in rows}
    practices, pcn_rows = [], []
    for o in rows:
        if not o.ods_code or o.kind in ("pcn", "commissioner", "company") or not o.prescribing_setting:
            continue
        commissioner = by_id.get(o.commissioner_id)
        lines = tuple(line for line in (o.address_line1, o.address_line2, o.address_line3, o.address_line4,
                                        o.address_line5) if line)
        practices.append(PracticeRecord(
            code=o.ods_code, name=o.name, region=o.region, icb=o.icb, address_lines=lines, postcode=o.postcode,
            open_date=o.open_date, close_date=o.close_date, status=o.status, subtype="",
            commissioner=commissioner.ods_code if commissioner else "", prescribing_setting=o.prescribing_setting))
        pcn = by_id.get(o.pcn_id)
        if pcn is not None:
            pcn_rows.append(PcnMapRow(practice_code=o.ods_code, practice_name=o.name, practice_postcode=o.postcode,
                                      pcn_code=pcn.ods_code or "", pcn_name=pcn.name,
                                      commissioner_code=commissioner.ods_code if commissioner else "",
                                      commissioner_name=commissioner.name if commissioner else ""))
    engine = Engine(Directory.from_records(practices, pcn_rows))
    with _directory_lock:
        _directory_cache["engine"] = (key, engine)
    return engine


# --- Who is on the committee, and what they have declared ---------------------------------------------

def members_on(session: Session, committee_id: int, on: date) -> list[tuple[Membership, Person]]:
    return list(session.exec(
        select(Membership, Person).join(Person, Person.id == Membership.person_id)
        .where(Membership.committee_id == committee_id,
               or_(Membership.date_from.is_(None), Membership.date_from <= on),
               or_(Membership.date_to.is_(None), Membership.date_to >= on))
        .order_by(Person.full_name)))


def committee_area(session: Session, committee_id: int) -> list[str]:
    """The commissioner codes a committee commissions for, else the organisation's area: what an area-wide item
    that names no area ("all practices", "the ICB") means."""
    from registry.services.committees import ORGANISATION_AREA, parse_area_codes, setting

    committee = session.get(Committee, committee_id)
    return parse_area_codes(committee.area_codes) or parse_area_codes(setting(session, ORGANISATION_AREA))


def people_screened(session: Session, meeting: Meeting) -> list[Person]:
    """The committee's members on the meeting date, and the deputies recorded as attending in their place."""
    from registry.services.attendance import attending_deputies

    people = {p.id: p for _, p in members_on(session, meeting.committee_id, meeting.meeting_date)}
    for deputy in attending_deputies(session, meeting):
        people.setdefault(deputy.id, deputy)
    return sorted(people.values(), key=lambda p: p.full_name)


def _holder(interest: Interest) -> Optional[str]:
    if interest.interest_type != "indirect":
        return "self"
    relationship = (interest.relationship or "").lower()
    return "spouse" if any(word in relationship for word in SPOUSE_WORDS) else "family"


# The register's "role or nature" choices in the engine's vocabulary; anything else is read from the text.
ENGINE_ROLES = {
    "partner": "partner", "senior partner": "partner", "salaried GP": "salaried", "owner": "shareholder",
    "director": "director", "shareholder": "shareholder", "employee": "employee",
    "practice manager": "practice_manager", "clinical director": "pcn_role", "PCN role": "pcn_role",
    "trustee": "trustee", "governor": "trustee", "adviser": "adviser", "patient": "patient",
}


def engine_interests(session: Session, people: Iterable[Person], on: date) -> list[EngineInterest]:
    people = {p.id: p for p in people}
    rows = session.exec(select(Interest, Organisation).outerjoin(Organisation, Organisation.id == Interest.organisation_id)
                        .where(Interest.person_id.in_(list(people)),
                               or_(Interest.date_to.is_(None), Interest.date_to >= on)))
    out = []
    for interest, org in rows:
        person = people[interest.person_id]
        description = interest.description
        named = org.name if org else interest.organisation_text
        if named and named.lower() not in description.lower():
            description = f"{description} – {named}"  # the engine reads the organisation from the text too
        out.append(EngineInterest(
            member_id=str(person.id), name=person.full_name, position=person.position,
            interest_type=interest.interest_type, description=description, date_from=interest.date_from,
            date_to=interest.date_to, interest_id=str(interest.id),
            organisation_code=org.ods_code if org else None, role=ENGINE_ROLES.get(interest.role),
            holder=_holder(interest), relationship=interest.relationship or None))
    return out


def items_of(session: Session, meeting_id: int) -> list[MeetingItem]:
    return list(session.exec(select(MeetingItem).where(MeetingItem.meeting_id == meeting_id)
                             .order_by(MeetingItem.position, MeetingItem.id)))


# --- Agenda items ------------------------------------------------------------------------------------

def add_items(session: Session, meeting: Meeting, parsed: Iterable, actor_id: Optional[int]) -> list[MeetingItem]:
    """Add items (anything with item_id, title, description) after the existing ones."""
    start = session.exec(select(func.coalesce(func.max(MeetingItem.position), 0))
                         .where(MeetingItem.meeting_id == meeting.id)).one()
    added = []
    for n, p in enumerate(parsed, start=1):
        title = (p.title or "").strip()[:500]
        if not title:
            continue
        item = MeetingItem(meeting_id=meeting.id, item_ref=(p.item_id or str(start + n))[:20], title=title,
                           description=(p.description or "").strip()[:8000], kind=_guess_kind(title, p.description),
                           contract_decision=_guess_contract(title, p.description), position=start + n)
        session.add(item)
        added.append(item)
    if not added:
        raise MeetingError("No agenda items were found")
    session.flush()
    audit.record(session, "meeting.items-added", actor_id=actor_id, object_type="meeting", object_id=meeting.id,
                 detail={"count": len(added)})
    return added


INFORMATION_WORDS = ("for noting", "for information", "noting:", "update", "report", "minutes", "apologies",
                     "any other business", "declarations of interest", "register of interests")
CONTRACT_WORDS = ("contract", "procurement", "apms", "pms ", "gms ", "direct award", "award", "tender", "novation")


def _guess_kind(title: str, description: str = "") -> str:
    text = f"{title} {description or ''}".lower()
    if any(w in text for w in ("approve", "approval", "decision", "award", "agree", "ratify")):
        return "decision"
    return "information" if any(w in text for w in INFORMATION_WORDS) else "decision"


def _guess_contract(title: str, description: str = "") -> bool:
    text = f" {title} {description or ''} ".lower()
    return any(w in text for w in CONTRACT_WORDS)


def update_item(session: Session, item: MeetingItem, actor_id: Optional[int], **changes) -> MeetingItem:
    allowed = {"item_ref", "title", "description", "kind", "contract_decision"}
    for key, value in changes.items():
        if key in allowed:
            setattr(item, key, value)
    if not item.title.strip():
        raise MeetingError("Enter the item's title")
    if item.kind not in ("decision", "information"):
        raise MeetingError("Choose decision or information")
    item.version += 1
    session.add(item)
    audit.record(session, "meeting.item-updated", actor_id=actor_id, object_type="meeting_item", object_id=item.id)
    return item


# --- Screening --------------------------------------------------------------------------------------

@dataclass
class ScreenSummary:
    new: list[ScreeningFlag] = field(default_factory=list)
    changed: list[ScreeningFlag] = field(default_factory=list)
    gone: list[ScreeningFlag] = field(default_factory=list)
    unchanged: int = 0


def _fingerprint(action: str, evidence, interest_ids, item_version: int) -> str:
    body = json.dumps([action, list(evidence), sorted(map(str, interest_ids)), item_version])
    return hashlib.sha256(body.encode()).hexdigest()


def screen_meeting(session: Session, meeting: Meeting, actor_id: Optional[int] = None) -> ScreenSummary:
    """Screen the agenda against the current interests of the committee's members.

    Flags are kept across re-screens: a proposal that still stands is left alone (so the chair's decision
    on it still applies), a changed one is marked changed, and one no longer raised is marked gone.
    """
    items = items_of(session, meeting.id)
    people = people_screened(session, meeting)
    engine = directory_engine(session)
    flags = engine.screen(
        engine_interests(session, people, meeting.meeting_date),
        [EngineItem(str(i.id), i.title, i.description, meeting.meeting_date) for i in items],
        meeting.meeting_date, area=committee_area(session, meeting.committee_id) or None)
    version = {i.id: i.version for i in items}
    existing = {(f.item_id, f.person_id): f for f in
                session.exec(select(ScreeningFlag).where(ScreeningFlag.meeting_id == meeting.id))}
    summary, seen, now = ScreenSummary(), set(), utcnow()
    for flag in flags:
        key = (int(flag.item_id), int(flag.member_id))
        seen.add(key)
        evidence = flag.evidence if isinstance(flag.evidence, list) else [flag.evidence]
        fingerprint = _fingerprint(flag.action, evidence, flag.interests, version[key[0]])
        row = existing.get(key)
        if row is None:
            row = ScreeningFlag(meeting_id=meeting.id, item_id=key[0], person_id=key[1], action=flag.action,
                                score=flag.score, evidence=evidence, interest_ids=[int(i) for i in flag.interests],
                                fingerprint=fingerprint, first_seen_at=now, changed_at=now)
            session.add(row)
            summary.new.append(row)
        elif row.fingerprint != fingerprint or row.status != "current":
            row.action, row.score, row.evidence = flag.action, flag.score, evidence
            row.interest_ids, row.fingerprint, row.status, row.changed_at = (
                [int(i) for i in flag.interests], fingerprint, "current", now)
            session.add(row)
            summary.changed.append(row)
        else:
            summary.unchanged += 1
    for key, row in existing.items():
        if key not in seen and row.status == "current":
            row.status, row.changed_at = "gone", now
            session.add(row)
            summary.gone.append(row)
    meeting.screened_at = now
    session.add(meeting)
    session.flush()
    audit.record(session, "meeting.screened", actor_id=actor_id, object_type="meeting", object_id=meeting.id,
                 detail={"flags": len(flags), "new": len(summary.new), "changed": len(summary.changed),
                         "gone": len(summary.gone)})
    return summary


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
        return self.flag.action if self.flag is not None and self.flag.status == "current" else "none"

    @property
    def decision_outdated(self) -> bool:
        """The proposal changed (or went) after the chair decided: the chair should look again."""
        if self.decision is None or self.flag is None or self.decision.source == "added":
            return False
        return self.flag.fingerprint != self.decision.flag_fingerprint or self.flag.status != "current"

    @property
    def awaiting_decision(self) -> bool:
        return self.decision is None and self.flag is not None and self.flag.status == "current"

    @property
    def removes_vote(self) -> bool:
        return self.action in ("exclude", "no-vote")


def conflicts(session: Session, meeting: Meeting) -> list[Conflict]:
    items = {i.id: i for i in items_of(session, meeting.id)}
    flags = {(f.item_id, f.person_id): f for f in
             session.exec(select(ScreeningFlag).where(ScreeningFlag.meeting_id == meeting.id))}
    decisions = {(d.item_id, d.person_id): d for d in
                 session.exec(select(ChairDecision).where(ChairDecision.meeting_id == meeting.id,
                                                          ChairDecision.superseded == False))}  # noqa: E712
    keys = {k for k, f in flags.items() if f.status == "current"} | set(decisions)
    people = {p.id: p for p in session.exec(select(Person).where(Person.id.in_([k[1] for k in keys])))}
    out = [Conflict(items[k[0]], people[k[1]], flags.get(k), decisions.get(k)) for k in keys if k[0] in items]
    out.sort(key=lambda c: (c.item.position, c.item.id, c.person.full_name))
    return out


def decide(session: Session, meeting: Meeting, item_id: int, person_id: int, *, action: str, reason: str,
           actor_id: Optional[int]) -> ChairDecision:
    """Accept, change or dismiss a proposal, or add a conflict the engine missed. Earlier decisions are kept."""
    item = session.get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise MeetingError("That item is not on this meeting's agenda")
    if person_id not in {p.id for p in people_screened(session, meeting)}:
        raise MeetingError("That person is not a member of the committee, or an attending deputy, on the meeting date")
    if action not in ACTIONS + ("none",):
        raise MeetingError("Choose how the conflict is managed")
    if actor_id is not None and actor_id == person_id:
        raise MeetingError("You cannot decide a conflict about yourself. The vice-chair, or a governance lead, "
                           "decides it.")
    flag = session.exec(select(ScreeningFlag).where(ScreeningFlag.item_id == item_id,
                                                    ScreeningFlag.person_id == person_id)).first()
    live_flag = flag if flag is not None and flag.status == "current" else None
    if live_flag is None:
        source = "added" if action != "none" else "dismissed"
    elif action == live_flag.action:
        source = "accepted"
    else:
        source = "dismissed" if action == "none" else "changed"
    reason = (reason or "").strip()
    if source != "accepted" and not reason:
        raise MeetingError("Give a reason for changing, dismissing or adding a conflict")
    for earlier in session.exec(select(ChairDecision).where(ChairDecision.item_id == item_id,
                                                            ChairDecision.person_id == person_id,
                                                            ChairDecision.superseded == False)):  # noqa: E712
        earlier.superseded = True
        session.add(earlier)
    decision = ChairDecision(meeting_id=meeting.id, item_id=item_id, person_id=person_id, action=action,
                             source=source, reason=reason, flag_fingerprint=live_flag.fingerprint if live_flag else "",
                             decided_by_id=actor_id)
    session.add(decision)
    session.flush()
    audit.record(session, "meeting.decision", actor_id=actor_id, object_type="meeting", object_id=meeting.id,
                 detail={"item": item_id, "person": person_id, "action": action, "source": source})
    return decision


def decision_history(session: Session, item_id: int, person_id: int) -> list[ChairDecision]:
    return list(session.exec(select(ChairDecision).where(ChairDecision.item_id == item_id,
                                                         ChairDecision.person_id == person_id)
                             .order_by(ChairDecision.decided_at, ChairDecision.id)))


# --- Quorum ---------------------------------------------------------------------------------------------

@dataclass
class QuorumForecast:
    by_item: dict[int, ItemQuorum]
    error: Optional[str] = None  # the committee's rule could not be applied
    lost_votes: dict[int, list[str]] = field(default_factory=dict)  # item id: why each organisation loses its vote
    absent: list[str] = field(default_factory=list)  # why some organisations have fewer people in the room

    def inquorate(self) -> list[int]:
        return [item_id for item_id, q in self.by_item.items() if not q.quorate]


def quorum(session: Session, meeting: Meeting, found: Optional[list[Conflict]] = None) -> QuorumForecast:
    """Forecast each decision item's quorum from who is expected (apologies and deputies counted) and conflicts."""
    from registry.services.attendance import seats

    committee = session.get(Committee, meeting.committee_id)
    voting = session.exec(select(VotingOrganisation, Organisation)
                          .join(Organisation, Organisation.id == VotingOrganisation.organisation_id)
                          .where(VotingOrganisation.committee_id == committee.id)).all()
    if not voting or not committee.quorum_rule.strip():
        return QuorumForecast({}, "The committee has no voting organisations or quorum rule set up")
    organisations = [QuorumOrganisation(org.name, v.voting_group) for v, org in voting]
    org_names = {org.id: org.name for _, org in voting}
    members, absent, names, org_of = [], [], {}, {}
    for seat in seats(session, meeting):
        carries_vote = seat.membership.voting and seat.membership.organisation_id in org_names
        present = seat.present_person
        if present is None:
            if carries_vote:
                absent.append(f"{seat.member.full_name} ({org_names[seat.membership.organisation_id]}) "
                              "has sent apologies")
            continue
        names[present.id] = present.full_name
        org_of[present.id] = org_names.get(seat.membership.organisation_id, "")
        members.append(VotingMember(str(present.id), org_of[present.id], carries_vote))
    found = conflicts(session, meeting) if found is None else found
    conflicted: dict[str, set[str]] = {str(i.id): set() for i in items_of(session, meeting.id) if i.kind == "decision"}
    why: dict[tuple[str, int], str] = {}
    for c in found:
        if c.removes_vote and str(c.item.id) in conflicted:
            conflicted[str(c.item.id)].add(str(c.person.id))
            why[(str(c.item.id), c.person.id)] = ACTION_WORDS[c.action]
    try:
        rule = parse_quorum_rule(committee.quorum_rule, organisations)
        result = forecast(rule, organisations, members, conflicted)
    except (QuorumRuleError, ValueError) as error:
        return QuorumForecast({}, f"The quorum rule could not be applied: {error}")
    lost_votes: dict[int, list[str]] = {}
    for item_id, item_quorum in result.items():
        for lost in item_quorum.losing_vote:
            if lost.conflicted_member_ids:
                reasons = [f"{names[int(m)]} must {why[(item_id, int(m))]}" for m in lost.conflicted_member_ids]
                text = f"{lost.organisation} loses its vote: " + "; ".join(reasons)
            else:
                text = f"{lost.organisation} loses its vote: none of its voting members is expected"
            lost_votes.setdefault(int(item_id), []).append(text)
    return QuorumForecast({int(k): v for k, v in result.items()}, None, lost_votes, absent)


# --- After the meeting ----------------------------------------------------------------------------------

EXPECTED_OUTCOMES = {
    "exclude": ("left the room", "absent"),
    "no-vote": ("left the room", "did not vote", "absent"),
    "declare": ("left the room", "did not vote", "took part", "absent"),
}


def record_outcome(session: Session, meeting: Meeting, item_id: int, person_id: int, *, declared: bool,
                   what_happened: str, actor_id: Optional[int]) -> MeetingOutcome:
    """Record what happened; a flagged member who neither declared nor was managed raises a possible breach."""
    if meeting.meeting_date > date.today():
        raise MeetingError("What happened at a meeting can be recorded on or after the day of the meeting")
    if what_happened not in OUTCOMES:
        raise MeetingError("Choose what happened")
    conflict = next((c for c in conflicts(session, meeting) if c.item.id == item_id and c.person.id == person_id), None)
    if conflict is None:
        raise MeetingError("There is no conflict recorded for that member and item")
    outcome = session.exec(select(MeetingOutcome).where(MeetingOutcome.item_id == item_id,
                                                        MeetingOutcome.person_id == person_id)).first()
    if outcome is None:
        outcome = MeetingOutcome(meeting_id=meeting.id, item_id=item_id, person_id=person_id, declared=declared,
                                 what_happened=what_happened, recorded_by_id=actor_id)
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
            occurred_on=meeting.meeting_date, status="possible", recorded_by_id=actor_id,
            what_happened=(f"{conflict.person.full_name} {' and '.join(problems)} at {meeting.title} "
                           f"({meeting.meeting_date.isoformat()}), item {conflict.item.item_ref}: {conflict.item.title}."),
            action_taken="",
            public_summary="",
        )
        session.add(breach)
        session.flush()
        outcome.breach_id = breach.id
        audit.record(session, "breach.possible", actor_id=actor_id, object_type="breach", object_id=breach.id,
                     detail={"meeting": meeting.id, "item": item_id, "person": person_id})
    session.add(outcome)
    session.flush()
    audit.record(session, "meeting.outcome", actor_id=actor_id, object_type="meeting", object_id=meeting.id,
                 detail={"item": item_id, "person": person_id, "declared": declared, "what_happened": what_happened})
    return outcome


def outcomes_of(session: Session, meeting: Meeting) -> dict[tuple[int, int], MeetingOutcome]:
    return {(o.item_id, o.person_id): o for o in
            session.exec(select(MeetingOutcome).where(MeetingOutcome.meeting_id == meeting.id))}


# --- Drift: new declarations re-screen upcoming meetings ----------------------------------------------

@dataclass
class DriftAlert:
    meeting: Meeting
    new_flags: list[ScreeningFlag]
    message: str


def rescreen_for_person(session: Session, person_id: int, today: Optional[date] = None) -> list[DriftAlert]:
    """Re-screen the upcoming, already-screened meetings of the person's committees; note new flags for the chair."""
    today = today or date.today()
    sits_on = select(Membership.committee_id).where(
        Membership.person_id == person_id, or_(Membership.date_to.is_(None), Membership.date_to >= today))
    upcoming = session.exec(select(Meeting).where(Meeting.committee_id.in_(sits_on), Meeting.meeting_date >= today,
                                                  Meeting.screened_at.is_not(None))
                            .order_by(Meeting.meeting_date, Meeting.id)).all()  # one query: usually there are none
    if not upcoming:
        return []
    person = session.get(Person, person_id)
    alerts = []
    for meeting in upcoming:
        summary = screen_meeting(session, meeting)
        mine = [f for f in summary.new + summary.changed if f.person_id == person_id]
        if not mine:
            continue
        refs = ", ".join(session.get(MeetingItem, f.item_id).item_ref for f in mine)
        message = (f"{person.full_name} changed their declarations; the screen now flags them on item(s) {refs}. "
                   "Review the flags before the meeting.")
        session.add(MeetingNotice(meeting_id=meeting.id, message=message))
        alerts.append(DriftAlert(meeting, mine, message))
    session.flush()
    return alerts
