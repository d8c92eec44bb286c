"""What a meeting produces: the minutes' declarations section, notices to members, procurement records."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlmodel import Session, select

from registry.models import Committee, Interest, Meeting, Person
from registry.services.meetings import ACTION_WORDS, Conflict, conflicts, items_of, members_on, outcomes_of
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


def _interest_text(session: Session, conflict: Conflict) -> str:
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
        out.append(MinuteLine(c.item.item_ref, c.item.title, c.person.full_name, _interest_text(session, c), managed))
    return out


def minutes_csv(lines: list[MinuteLine]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Item", "Item title", "Member", "Interest", "How it was managed"])
    for line in lines:
        writer.writerow([neutralise(v) for v in (line.item_ref, line.item_title, line.member, line.interest, line.managed)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def minutes_docx(session: Session, meeting: Meeting, lines: list[MinuteLine]) -> bytes:
    from docx import Document

    committee = session.get(Committee, meeting.committee_id)
    document = Document()
    document.add_heading("Declarations of interest", level=1)
    document.add_paragraph(xml_safe(f"{committee.name}: {meeting.title}, {meeting.meeting_date.strftime('%-d %B %Y')}."))
    if not lines:
        document.add_paragraph("No interests were declared in the business of the meeting.")
    else:
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("Item", "Member", "Interest", "How it was managed")):
            cell.text = text
        for line in lines:
            cells = table.add_row().cells
            cells[0].text = xml_safe(f"{line.item_ref} {line.item_title}")
            cells[1].text = xml_safe(line.member)
            cells[2].text = xml_safe(line.interest)
            cells[3].text = xml_safe(line.managed)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass
class MemberNotice:
    person: Person
    subject: str
    body: str


def member_notices(session: Session, meeting: Meeting) -> list[MemberNotice]:
    by_person: dict[int, list[Conflict]] = {}
    for c in conflicts(session, meeting):
        if c.action != "none":
            by_person.setdefault(c.person.id, []).append(c)
    notices = []
    when = meeting.meeting_date.strftime("%-d %B %Y")
    for found in by_person.values():
        person = found[0].person
        lines = [f"- Item {c.item.item_ref}, {c.item.title}: you are asked to {ACTION_WORDS[c.action]}."
                 f"\n  Because of: {_interest_text(session, c) or 'a conflict identified by the chair'}" for c in found]
        body = (f"Dear {person.full_name},\n\nThe agenda for {meeting.title} on {when} has been screened against "
                "the register of interests. You have a conflict of interest on these items:\n\n" + "\n".join(lines) +
                "\n\nPlease declare these interests at the start of the meeting. If anything here is wrong or "
                "out of date, update your declarations and tell the chair before the meeting.\n")
        notices.append(MemberNotice(person, f"Conflicts of interest for {meeting.title} on {when}", body))
    return notices


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
                     "; ".join(f"{c.person.full_name}: {_interest_text(session, c)}" for c in mine) or "None",
                     "; ".join(f"{c.person.full_name} {MANAGED_WORDS[c.action]}" for c in mine) or "Not applicable"])
    return rows


def procurement_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(PROCUREMENT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
