"""The pre-meeting screen: the directory index, what members have declared, screening an agenda, and re-screening
upcoming meetings when a declaration changes (drift)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Optional

from sqlalchemy import func
from sqlmodel import Session, or_, select

from registry.models import (
    ChairDecision,
    Committee,
    FlagStatus,
    Interest,
    Meeting,
    MeetingItem,
    MeetingNotice,
    Membership,
    Organisation,
    Person,
    ScreeningFlag,
    utcnow,
)
from registry.services import audit
from registry.services.meetings.agenda import items_of
from registry.services.meetings.attendance import people_screened
from registry.services.meetings.common import SPOUSE_WORDS
from screening import AgendaItem as EngineItem
from screening import Directory, Engine
from screening import Interest as EngineInterest
from screening.engine import collector_paused
from screening.orgfiles import PcnMapRow, PracticeRecord

# --- The organisation directory, from the database ------------------------------------------------

_directory_cache: dict = {}
_directory_lock = threading.Lock()


def _directory_key(session: Session) -> tuple:
    count, latest = session.exec(
        select(func.count(), func.max(Organisation.updated_at)).select_from(Organisation)
    ).one()
    return count, str(latest)


def directory_engine(session: Session) -> Engine:
    """The screening engine over the directory as it is in the database, indexed once per change."""
    key = _directory_key(session)
    with _directory_lock:
        cached = _directory_cache.get("engine")
        if cached and cached[0] == key:
            return cached[1]
    # Plain rows, not ORM objects: hydrating 16,000 organisations as objects costs more than indexing them.
    rows = session.exec(
        select(
            Organisation.id,
            Organisation.ods_code,
            Organisation.name,
            Organisation.kind,
            Organisation.region,
            Organisation.icb,
            Organisation.address_line1,
            Organisation.address_line2,
            Organisation.address_line3,
            Organisation.address_line4,
            Organisation.address_line5,
            Organisation.postcode,
            Organisation.open_date,
            Organisation.close_date,
            Organisation.status,
            Organisation.prescribing_setting,
            Organisation.pcn_id,
            Organisation.commissioner_id,
        )
    ).all()
    by_id = {r.id: r for r in rows}
    practices, pcn_rows = [], []
    for o in rows:
        if not o.ods_code or o.kind in ("pcn", "commissioner", "company") or not o.prescribing_setting:
            continue
        commissioner = by_id.get(o.commissioner_id)
        lines = tuple(
            line
            for line in (o.address_line1, o.address_line2, o.address_line3, o.address_line4, o.address_line5)
            if line
        )
        practices.append(
            PracticeRecord(
                code=o.ods_code,
                name=o.name,
                region=o.region,
                icb=o.icb,
                address_lines=lines,
                postcode=o.postcode,
                open_date=o.open_date,
                close_date=o.close_date,
                status=o.status,
                subtype="",
                commissioner=commissioner.ods_code if commissioner else "",
                prescribing_setting=o.prescribing_setting,
            )
        )
        pcn = by_id.get(o.pcn_id)
        if pcn is not None:
            pcn_rows.append(
                PcnMapRow(
                    practice_code=o.ods_code,
                    practice_name=o.name,
                    practice_postcode=o.postcode,
                    pcn_code=pcn.ods_code or "",
                    pcn_name=pcn.name,
                    commissioner_code=commissioner.ods_code if commissioner else "",
                    commissioner_name=commissioner.name if commissioner else "",
                )
            )
    with collector_paused():  # the index is millions of small objects that live as long as the worker
        engine = Engine(Directory.from_records(practices, pcn_rows))
    with _directory_lock:
        _directory_cache["engine"] = (key, engine)
    return engine


def committee_area(session: Session, committee_id: int) -> list[str]:
    """The commissioner codes a committee commissions for, else the organisation's area: what an area-wide item
    that names no area ("all practices", "the ICB") means."""
    from registry.services.committees import ORGANISATION_AREA, parse_area_codes, setting

    committee = session.get(Committee, committee_id)
    return parse_area_codes(committee.area_codes) or parse_area_codes(setting(session, ORGANISATION_AREA))


def _holder(interest: Interest) -> Optional[str]:
    if interest.interest_type != "indirect":
        return "self"
    relationship = (interest.relationship or "").lower()
    return "spouse" if any(word in relationship for word in SPOUSE_WORDS) else "family"


# The register's "role or nature" choices in the engine's vocabulary; anything else is read from the text.
ENGINE_ROLES = {
    "partner": "partner",
    "senior partner": "partner",
    "salaried GP": "salaried",
    "owner": "shareholder",
    "director": "director",
    "shareholder": "shareholder",
    "employee": "employee",
    "practice manager": "practice_manager",
    "clinical director": "pcn_role",
    "PCN role": "pcn_role",
    "trustee": "trustee",
    "governor": "trustee",
    "adviser": "adviser",
    "patient": "patient",
}


def engine_interests(session: Session, people: Iterable[Person], on: date) -> list[EngineInterest]:
    by_id = {p.id: p for p in people}
    rows = session.exec(
        select(Interest, Organisation)
        .outerjoin(Organisation, Organisation.id == Interest.organisation_id)
        .where(Interest.person_id.in_(list(by_id)), or_(Interest.date_to.is_(None), Interest.date_to >= on))
    )
    out = []
    for interest, org in rows:
        person = by_id[interest.person_id]
        description = interest.description
        named = org.name if org else interest.organisation_text
        if named and named.lower() not in description.lower():
            description = f"{description} – {named}"  # the engine reads the organisation from the text too
        out.append(
            EngineInterest(
                member_id=str(person.id),
                name=person.full_name,
                position=person.position,
                interest_type=interest.interest_type,
                description=description,
                date_from=interest.date_from,
                date_to=interest.date_to,
                interest_id=str(interest.id),
                organisation_code=org.ods_code if org else None,
                role=ENGINE_ROLES.get(interest.role),
                holder=_holder(interest),
                relationship=interest.relationship or None,
            )
        )
    return out


# --- Screening --------------------------------------------------------------------------------------


@dataclass
class ScreenSummary:
    new: list[ScreeningFlag] = field(default_factory=list)
    changed: list[ScreeningFlag] = field(default_factory=list)
    gone: list[ScreeningFlag] = field(default_factory=list)
    unchanged: int = 0


def _fingerprint(action: str, interest_ids, item_version: int) -> str:
    """What a chair's decision answers: the proposed action, the interests that link, and the item as it then read.
    Not the evidence's wording: a newer engine that words the same link better has found no new conflict."""
    body = json.dumps(["v2", action, sorted(map(str, interest_ids)), item_version])
    return hashlib.sha256(body.encode()).hexdigest()


def _worded_fingerprint(action: str, evidence, interest_ids, item_version: int) -> str:
    """How releases before the "v2" fingerprint made it (the wording included): recognised so that upgrading
    does not mark every decided flag as changed."""
    body = json.dumps([action, list(evidence), sorted(map(str, interest_ids)), item_version])
    return hashlib.sha256(body.encode()).hexdigest()


def _same_proposal_in_the_old_fingerprint(row: ScreeningFlag, flag, item_version: int) -> bool:
    return (
        row.status == FlagStatus.current
        and row.fingerprint == _worded_fingerprint(row.action, row.evidence, row.interest_ids, item_version)
        and row.action == flag.action
        and sorted(map(str, row.interest_ids)) == sorted(map(str, flag.interests))
    )


def _refingerprint(session: Session, row: ScreeningFlag, fingerprint: str) -> None:
    """The same proposal under the new fingerprint: the decisions that answered it still answer it."""
    for decision in session.exec(
        select(ChairDecision).where(
            ChairDecision.item_id == row.item_id,
            ChairDecision.person_id == row.person_id,
            ChairDecision.flag_fingerprint == row.fingerprint,
        )
    ):
        decision.flag_fingerprint = fingerprint
        session.add(decision)
    row.fingerprint = fingerprint


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
        [EngineItem(str(i.id), i.title, i.description, meeting.meeting_date, reference=i.item_ref) for i in items],
        meeting.meeting_date,
        area=committee_area(session, meeting.committee_id) or None,
    )
    version = {i.id: i.version for i in items}
    existing = {
        (f.item_id, f.person_id): f
        for f in session.exec(select(ScreeningFlag).where(ScreeningFlag.meeting_id == meeting.id))
    }
    summary, seen, now = ScreenSummary(), set(), utcnow()
    for flag in flags:
        key = (int(flag.item_id), int(flag.member_id))
        seen.add(key)
        evidence = flag.evidence if isinstance(flag.evidence, list) else [flag.evidence]
        fingerprint = _fingerprint(flag.action, flag.interests, version[key[0]])
        row = existing.get(key)
        if (
            row is not None
            and row.fingerprint != fingerprint
            and _same_proposal_in_the_old_fingerprint(row, flag, version[key[0]])
        ):
            _refingerprint(session, row, fingerprint)
        if row is None:
            row = ScreeningFlag(
                meeting_id=meeting.id,
                item_id=key[0],
                person_id=key[1],
                action=flag.action,
                score=flag.score,
                evidence=evidence,
                interest_ids=[int(i) for i in flag.interests],
                fingerprint=fingerprint,
                first_seen_at=now,
                changed_at=now,
            )
            session.add(row)
            summary.new.append(row)
        elif row.fingerprint != fingerprint or row.status != FlagStatus.current:
            row.action, row.score, row.evidence = flag.action, flag.score, evidence
            row.interest_ids, row.fingerprint, row.status, row.changed_at = (
                [int(i) for i in flag.interests],
                fingerprint,
                FlagStatus.current.value,
                now,
            )
            session.add(row)
            summary.changed.append(row)
        else:
            if row.evidence != evidence:  # the same proposal, worded as this engine words it
                row.evidence, row.score = evidence, flag.score
                session.add(row)
            summary.unchanged += 1
    for key, row in existing.items():
        if key not in seen and row.status == FlagStatus.current:
            row.status, row.changed_at = FlagStatus.gone.value, now
            session.add(row)
            summary.gone.append(row)
    meeting.screened_at = now
    session.add(meeting)
    session.flush()
    audit.record(
        session,
        "meeting.screened",
        actor_id=actor_id,
        object_type="meeting",
        object_id=meeting.id,
        detail={
            "flags": len(flags),
            "new": len(summary.new),
            "changed": len(summary.changed),
            "gone": len(summary.gone),
        },
    )
    return summary


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
        Membership.person_id == person_id, or_(Membership.date_to.is_(None), Membership.date_to >= today)
    )
    upcoming = session.exec(
        select(Meeting)
        .where(Meeting.committee_id.in_(sits_on), Meeting.meeting_date >= today, Meeting.screened_at.is_not(None))
        .order_by(Meeting.meeting_date, Meeting.id)
    ).all()  # one query: usually there are none
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
        message = (
            f"{person.full_name} changed their declarations; the screen now flags them on item(s) {refs}. "
            "Review the flags before the meeting."
        )
        session.add(MeetingNotice(meeting_id=meeting.id, message=message))
        alerts.append(DriftAlert(meeting, mine, message))
    session.flush()
    return alerts
