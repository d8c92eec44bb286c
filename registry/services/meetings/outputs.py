"""What a meeting produces: the minutes (attendance and declarations) and the procurement record of each contract decision."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlmodel import Session, select

from registry.models import Committee, Interest, Meeting, MinutesApproval, Person
from registry.services import audit
from registry.services.meetings.agenda import items_of
from registry.services.meetings.attendance import members_on, seats
from registry.services.meetings.common import MeetingError
from registry.services.meetings.decisions import Conflict, conflicts, outcomes_of
from registry.services.publication import neutralise, xml_safe

DECIDED_WORDS = {  # what the chair decided, before the meeting records what happened
    "exclude": "To leave the meeting for the item",
    "no-vote": "To take part in the discussion but not the decision",
    "declare": "To declare the interest and take part",
}
PROPOSED_WORDS = {
    "exclude": "leave the meeting for the item",
    "no-vote": "take part in the discussion but not the decision",
    "declare": "declare the interest and take part",
}


@dataclass
class MinuteLine:
    item_ref: str
    item_title: str
    member: str
    interest: str
    managed: str
    decided_by: str = ""  # who decided how it was managed: the chair, or the vice-chair for the chair's own
    decided: bool = True  # False: the screen's proposal, awaiting the chair


@dataclass
class AttendanceRecord:
    """For the minutes: those present (confirmed after the meeting, else expected) and apologies."""

    present: list[str]
    apologies: list[str]
    confirmed: bool


def attendance_record(session: Session, meeting: Meeting) -> AttendanceRecord:
    present, apologies, confirmed = [], [], False
    for seat in seats(session, meeting):
        if seat.attended is not None:
            confirmed = True
        who = seat.present_person
        came = seat.attended if seat.attended is not None else who is not None
        if seat.status != "expected":
            apologies.append(seat.member.full_name)
        if came:
            person = who or seat.member
            present.append(person.full_name + (f" (deputy for {seat.member.full_name})" if seat.deputy else ""))
        elif seat.status == "expected":
            apologies.append(f"{seat.member.full_name} (absent)")
    return AttendanceRecord(present, apologies, confirmed)


def interest_text(session: Session, conflict: Conflict) -> str:
    ids = conflict.flag.interest_ids if conflict.flag is not None else []
    texts = [i.description for i in session.exec(select(Interest).where(Interest.id.in_(ids)))] if ids else []
    if not texts and conflict.decision is not None:
        texts = [f"Identified by the chair: {conflict.decision.reason}"]
    return "; ".join(texts)


def minutes_lines(session: Session, meeting: Meeting) -> list[MinuteLine]:
    """Each declaration: what was decided and by whom, or, while the chair has not decided, the screen's proposal
    marked as awaiting the chair (never written as if it had happened)."""
    outcomes = outcomes_of(session, meeting)
    out = []
    for c in conflicts(session, meeting):
        if c.action == "none":
            continue
        outcome = outcomes.get((c.item.id, c.person.id))
        if outcome is not None:
            managed = {
                "left the room": "left the meeting for the item",
                "did not vote": "did not vote",
                "took part": "took part",
                "absent": "was absent for the item",
            }[outcome.what_happened]
            managed = (
                "declared the interest and " if outcome.declared else "did not declare the interest and "
            ) + managed
        elif c.decision is not None:
            managed = DECIDED_WORDS[c.action] + (f" (reason: {c.decision.reason})" if c.decision.reason else "")
        else:
            managed = f"Proposed by the screen: {PROPOSED_WORDS[c.action]}. Awaiting the chair's decision."
        decider = session.get(Person, c.decision.decided_by_id) if c.decision and c.decision.decided_by_id else None
        out.append(
            MinuteLine(
                c.item.item_ref,
                c.item.title,
                c.person.full_name,
                interest_text(session, c),
                managed,
                decider.full_name if decider else "",
                decided=c.decision is not None,
            )
        )
    return out


@dataclass
class ItemRecord:
    item_ref: str
    title: str
    quorum: str  # in words: quorate, inquorate and why, or not needed for information


@dataclass
class Minutes:
    """The declarations section of the minutes, as HTML, Word and CSV all render it."""

    committee: str
    meeting: Meeting
    attendance: AttendanceRecord
    items: list[ItemRecord]
    lines: list[MinuteLine]
    approved: Optional[MinutesApproval]  # the approval of exactly this content, if any
    latest_approval: Optional[MinutesApproval]
    approver: str = ""

    @property
    def status(self) -> str:
        if self.approved is not None:
            return (
                f"Approved (version {self.approved.version}) by {self.approver} on "
                f"{self.approved.approved_at.strftime('%-d %B %Y')}"
            )
        if self.latest_approval is not None:
            return (
                f"DRAFT version {self.latest_approval.version + 1}: changed since version "
                f"{self.latest_approval.version} was approved"
            )
        return "DRAFT: not yet approved by the chair"

    @property
    def is_draft(self) -> bool:
        return self.approved is None

    @property
    def awaiting_decisions(self) -> int:
        return sum(1 for line in self.lines if not line.decided)


def _fingerprint(minutes: Minutes) -> str:
    body = json.dumps(
        [
            minutes.attendance.present,
            minutes.attendance.apologies,
            [(i.item_ref, i.title, i.quorum) for i in minutes.items],
            [(line.item_ref, line.member, line.interest, line.managed, line.decided_by) for line in minutes.lines],
        ]
    )
    return hashlib.sha256(body.encode()).hexdigest()


def minutes_of(session: Session, meeting: Meeting) -> Minutes:
    from registry.services.meetings.quorum import quorum

    found = conflicts(session, meeting)
    forecast = quorum(session, meeting, found)
    items = []
    for item in items_of(session, meeting.id):
        result = forecast.by_item.get(item.id)
        if item.kind != "decision":
            words = "Not needed (for information)"
        elif forecast.error or result is None:
            words = forecast.error or "Not checked"
        else:
            words = "Quorate" if result.quorate else f"Inquorate: {result.reason}"
            for lost in forecast.lost_votes.get(item.id, []):
                words += f" {lost}."
        items.append(ItemRecord(item.item_ref, item.title, words))
    approvals = list(
        session.exec(
            select(MinutesApproval).where(MinutesApproval.meeting_id == meeting.id).order_by(MinutesApproval.version)
        )
    )
    minutes = Minutes(
        session.get(Committee, meeting.committee_id).name,
        meeting,
        attendance_record(session, meeting),
        items,
        minutes_lines(session, meeting),
        None,
        approvals[-1] if approvals else None,
    )
    if approvals and approvals[-1].fingerprint == _fingerprint(minutes):
        minutes.approved = approvals[-1]
        approver = session.get(Person, approvals[-1].approved_by_id) if approvals[-1].approved_by_id else None
        minutes.approver = approver.full_name if approver else "the chair"
    return minutes


def approve_minutes(
    session: Session, meeting: Meeting, actor_id: Optional[int], today: Optional[date] = None
) -> MinutesApproval:
    """The chair approves the minutes as they now read. Not before the meeting, nor with flags undecided."""
    if meeting.meeting_date > (today or date.today()):
        raise MeetingError("Minutes are approved after the meeting")
    minutes = minutes_of(session, meeting)
    if minutes.awaiting_decisions:
        raise MeetingError(f"Decide the {minutes.awaiting_decisions} flag(s) still awaiting a decision first")
    if minutes.approved is not None:
        raise MeetingError("These minutes are already approved as they stand")
    version = (minutes.latest_approval.version if minutes.latest_approval else 0) + 1
    approval = MinutesApproval(
        meeting_id=meeting.id, version=version, fingerprint=_fingerprint(minutes), approved_by_id=actor_id
    )
    session.add(approval)
    session.flush()
    audit.record(
        session,
        "meeting.minutes-approved",
        actor_id=actor_id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"version": version, "fingerprint": approval.fingerprint},
    )
    return approval


MINUTES_COLUMNS = ["Item", "Item title", "Member", "Interest", "How it was managed", "Decided by", "Status"]


def minutes_csv(minutes: Minutes) -> bytes:
    """The header first, one row per declaration; the minutes' status on every row (a spreadsheet filters)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MINUTES_COLUMNS)
    status = "Approved" if not minutes.is_draft else "Draft"
    for line in minutes.lines:
        writer.writerow(
            [
                neutralise(v)
                for v in (
                    line.item_ref,
                    line.item_title,
                    line.member,
                    line.interest,
                    line.managed,
                    line.decided_by,
                    status if line.decided else "Proposal awaiting the chair",
                )
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def minutes_docx(minutes: Minutes) -> bytes:
    """A4, headed DRAFT until approved: attendance, each item's quorum, and each declaration with who decided."""
    from docx import Document
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    for section in document.sections:  # A4 with 20 mm margins, not the library's US Letter
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(20)
    meeting = minutes.meeting
    if minutes.is_draft:
        mark = document.add_paragraph()
        run = mark.add_run(xml_safe(minutes.status.upper() if minutes.latest_approval is None else minutes.status))
        run.bold, run.font.size, run.font.color.rgb = True, Pt(14), RGBColor(0xD5, 0x28, 0x1B)
        section = document.sections[0]
        section.header.paragraphs[0].text = "DRAFT"
    document.add_heading("Declarations of interest", level=1)
    document.add_paragraph(
        xml_safe(f"{minutes.committee}: {meeting.title}, {meeting.meeting_date.strftime('%-d %B %Y')}.")
    )
    if not minutes.is_draft:
        document.add_paragraph(xml_safe(minutes.status + "."))
    document.add_heading("Attendance", level=2)
    document.add_paragraph(
        xml_safe(
            ("Present: " if minutes.attendance.confirmed else "Expected: ")
            + (", ".join(minutes.attendance.present) or "none recorded")
            + "."
        )
    )
    document.add_paragraph(xml_safe("Apologies: " + (", ".join(minutes.attendance.apologies) or "none") + "."))
    document.add_heading("Declarations", level=2)
    if not minutes.lines:
        document.add_paragraph("No interests were declared in the business of the meeting.")
    else:
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("Item", "Member", "Interest", "How it was managed", "Decided by")):
            cell.text = text
        for line in minutes.lines:
            cells = table.add_row().cells
            cells[0].text = xml_safe(f"{line.item_ref} {line.item_title}")
            cells[1].text = xml_safe(line.member)
            cells[2].text = xml_safe(line.interest)
            cells[3].text = xml_safe(line.managed)
            cells[4].text = xml_safe(line.decided_by)
    document.add_heading("Quorum", level=2)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Item", "Quorum"
    for item in minutes.items:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = xml_safe(f"{item.item_ref} {item.title}"), xml_safe(item.quorum)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PROCUREMENT_COLUMNS = [
    "Meeting date",
    "Item",
    "Decision",
    "Decision-makers",
    "Conflicts declared",
    "How they were managed",
]


def procurement_rows(session: Session, meeting: Meeting) -> list[list[str]]:
    """For each contract decision: the Provider Selection Regime record of who decided and how conflicts were managed."""
    members = members_on(session, meeting.committee_id, meeting.meeting_date)
    found = conflicts(session, meeting)
    rows = []
    for item in items_of(session, meeting.id):
        if not item.contract_decision:
            continue
        mine = [c for c in found if c.item.id == item.id and c.action != "none"]
        excluded = {c.person.id for c in mine if c.removes_vote}
        deciders = [p.full_name for m, p in members if m.voting and p.id not in excluded]
        rows.append(
            [
                meeting.meeting_date.isoformat(),
                item.item_ref,
                item.title,
                "; ".join(deciders),
                "; ".join(f"{c.person.full_name}: {interest_text(session, c)}" for c in mine) or "None",
                "; ".join(
                    f"{c.person.full_name}: {DECIDED_WORDS[c.action].lower()}"
                    if c.decision is not None
                    else f"{c.person.full_name}: proposed to {PROPOSED_WORDS[c.action]} (awaiting the chair)"
                    for c in mine
                )
                or "Not applicable",
            ]
        )
    return rows


def procurement_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(PROCUREMENT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
