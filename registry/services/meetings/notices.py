"""Notices to flagged members before a meeting: their items and what is asked of them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from registry.models import Meeting, Person
from registry.services.meetings.common import ACTION_WORDS
from registry.services.meetings.decisions import Conflict, conflicts
from registry.services.meetings.outputs import interest_text


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
        lines = [
            f"- Item {c.item.item_ref}, {c.item.title}: you are asked to {ACTION_WORDS[c.action]}."
            f"\n  Because of: {interest_text(session, c) or 'a conflict identified by the chair'}"
            for c in found
        ]
        body = (
            f"Dear {person.full_name},\n\nThe agenda for {meeting.title} on {when} has been screened against "
            "the register of interests. You have a conflict of interest on these items:\n\n"
            + "\n".join(lines)
            + "\n\nPlease declare these interests at the start of the meeting. If anything here is wrong or "
            "out of date, update your declarations and tell the chair before the meeting.\n"
        )
        notices.append(MemberNotice(person, f"Conflicts of interest for {meeting.title} on {when}", body))
    return notices
