"""What a meeting produces: the minutes (attendance and declarations) and the procurement record of each contract decision."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlmodel import Session, select

from registry.models import Committee, Interest, Meeting, Person
from registry.services.meetings.agenda import items_of
from registry.services.meetings.attendance import members_on, seats
from registry.services.meetings.decisions import Conflict, conflicts, outcomes_of
from registry.services.publication import neutralise, xml_safe

MANAGED_WORDS = {
    "exclude": "left the meeting for the item",
    "no-vote": "took part in the discussion but not the decision",
    "declare": "declared the interest and took part",
}


@dataclass
class MinuteLine:
    item_ref: str
    item_title: str
    member: str
    interest: str
    managed: str
    decided_by: str = ""  # who decided how it was managed: the chair, or the vice-chair for the chair's own


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
    outcomes = outcomes_of(session, meeting)
    out = []
    for c in conflicts(session, meeting):
        if c.action == "none":
            continue
        managed = MANAGED_WORDS[c.action]
        outcome = outcomes.get((c.item.id, c.person.id))
        if outcome is not None:
            managed = {"left the room": "left the meeting for the item", "did not vote": "did not vote",
                       "took part": "took part", "absent": "was absent for the item"}[outcome.what_happened]
            managed = ("declared the interest and " if outcome.declared else "did not declare the interest and ") + managed
        elif c.decision is not None and c.decision.reason:
            managed += f" (chair's decision: {c.decision.reason})"
        decider = session.get(Person, c.decision.decided_by_id) if c.decision and c.decision.decided_by_id else None
        out.append(MinuteLine(c.item.item_ref, c.item.title, c.person.full_name, interest_text(session, c), managed,
                              decider.full_name if decider else ""))
    return out


def minutes_csv(lines: list[MinuteLine]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Item", "Item title", "Member", "Interest", "How it was managed", "Decided by"])
    for line in lines:
        writer.writerow([neutralise(v) for v in (line.item_ref, line.item_title, line.member, line.interest,
                                                 line.managed, line.decided_by)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def minutes_docx(session: Session, meeting: Meeting, lines: list[MinuteLine]) -> bytes:
    from docx import Document

    committee = session.get(Committee, meeting.committee_id)
    document = Document()
    document.add_heading("Declarations of interest", level=1)
    document.add_paragraph(xml_safe(f"{committee.name}: {meeting.title}, {meeting.meeting_date.strftime('%-d %B %Y')}."))
    attendance = attendance_record(session, meeting)
    document.add_paragraph(xml_safe(("Present: " if attendance.confirmed else "Expected: ") +
                                    (", ".join(attendance.present) or "none recorded") + "."))
    document.add_paragraph(xml_safe("Apologies: " + (", ".join(attendance.apologies) or "none") + "."))
    if not lines:
        document.add_paragraph("No interests were declared in the business of the meeting.")
    else:
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("Item", "Member", "Interest", "How it was managed", "Decided by")):
            cell.text = text
        for line in lines:
            cells = table.add_row().cells
            cells[0].text = xml_safe(f"{line.item_ref} {line.item_title}")
            cells[1].text = xml_safe(line.member)
            cells[2].text = xml_safe(line.interest)
            cells[3].text = xml_safe(line.managed)
            cells[4].text = xml_safe(line.decided_by)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PROCUREMENT_COLUMNS = ["Meeting date", "Item", "Decision", "Decision-makers", "Conflicts declared", "How they were managed"]


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
        rows.append([meeting.meeting_date.isoformat(), item.item_ref, item.title, "; ".join(deciders),
                     "; ".join(f"{c.person.full_name}: {interest_text(session, c)}" for c in mine) or "None",
                     "; ".join(f"{c.person.full_name} {MANAGED_WORDS[c.action]}" for c in mine) or "Not applicable"])
    return rows


def procurement_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(PROCUREMENT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
