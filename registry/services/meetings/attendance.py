"""Who sits on a committee on a date, who is expected at a meeting, who sent apologies, which deputies attend, and who was there.

Before the meeting the chair records apologies and deputies; the quorum forecast counts only those expected
(a deputy votes in the member's place). After the meeting the chair confirms who attended, for the minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlmodel import Session, or_, select

from registry.models import Attendance, AttendanceStatus, Deputy, Meeting, Membership, Organisation, Person, utcnow
from registry.services import audit

STATUS_WORDS = {
    AttendanceStatus.expected.value: "Expected",
    AttendanceStatus.apologies.value: "Apologies",
    AttendanceStatus.deputy.value: "Apologies, deputy attending",
}


class AttendanceError(ValueError):
    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


@dataclass
class Seat:
    """One member's place at the meeting: who fills it (the member or their deputy), and whether they came."""

    membership: Membership
    member: Person
    organisation: Optional[Organisation]
    status: str
    deputy: Optional[Person]
    attended: Optional[bool]
    deputies_named: list[Person]

    @property
    def present_person(self) -> Optional[Person]:
        """Who is expected in the room for this seat (None when apologies were sent without a deputy)."""
        if self.status == AttendanceStatus.apologies.value:
            return None
        if self.status == AttendanceStatus.deputy.value:
            return self.deputy
        return self.member

    @property
    def status_words(self) -> str:
        words = STATUS_WORDS.get(self.status, self.status)
        return f"{words}: {self.deputy.full_name}" if self.deputy is not None else words


def _current(on: date):
    return (
        or_(Membership.date_from.is_(None), Membership.date_from <= on),
        or_(Membership.date_to.is_(None), Membership.date_to >= on),
    )


def seats(session: Session, meeting: Meeting) -> list[Seat]:
    rows = session.exec(
        select(Membership, Person, Organisation)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.committee_id == meeting.committee_id, *_current(meeting.meeting_date))
        .order_by(Person.full_name)
    ).all()
    recorded = {a.person_id: a for a in session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id))}
    named: dict[int, list[Person]] = {}
    membership_ids = [m.id for m, _, _ in rows]
    for named_deputy, person in session.exec(
        select(Deputy, Person)
        .join(Person, Person.id == Deputy.person_id)
        .where(Deputy.membership_id.in_(membership_ids or [-1]))
        .order_by(Person.full_name)
    ):
        named.setdefault(named_deputy.membership_id, []).append(person)
    out = []
    for membership, person, organisation in rows:
        record = recorded.get(person.id)
        deputy = session.get(Person, record.deputy_id) if record is not None and record.deputy_id else None
        out.append(
            Seat(
                membership,
                person,
                organisation,
                record.status if record is not None else AttendanceStatus.expected.value,
                deputy,
                record.attended if record is not None else None,
                named.get(membership.id, []),
            )
        )
    return out


def attending_deputies(session: Session, meeting: Meeting) -> list[Person]:
    """Deputies recorded as attending: they are screened like members, since they vote on the items."""
    return [
        seat.deputy
        for seat in seats(session, meeting)
        if seat.deputy is not None and seat.status == AttendanceStatus.deputy.value
    ]


def record_expected(
    session: Session,
    meeting: Meeting,
    person_id: int,
    *,
    status: str,
    deputy_id: Optional[int],
    actor_id: Optional[int],
) -> Attendance:
    """Before the meeting: expected, apologies, or apologies with a named deputy attending."""
    seat = next((s for s in seats(session, meeting) if s.member.id == person_id), None)
    if seat is None:
        raise AttendanceError("That person is not a member of the committee on the meeting date")
    if status not in STATUS_WORDS:
        raise AttendanceError("Choose whether they are expected or have sent apologies", field="status")
    if status == AttendanceStatus.deputy.value:
        if deputy_id not in {d.id for d in seat.deputies_named}:
            raise AttendanceError(f"Choose one of {seat.member.full_name}'s named deputies", field="deputy_id")
    else:
        deputy_id = None
    record = session.exec(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.person_id == person_id)
    ).first()
    if record is None:
        record = Attendance(meeting_id=meeting.id, person_id=person_id)
    record.status, record.deputy_id, record.recorded_by_id, record.recorded_at = status, deputy_id, actor_id, utcnow()
    session.add(record)
    session.flush()
    audit.record(
        session,
        "meeting.attendance-expected",
        actor_id=actor_id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"person": person_id, "status": status, "deputy": deputy_id},
    )
    return record


def confirm_attendance(
    session: Session, meeting: Meeting, attended: dict[int, bool], actor_id: Optional[int], today: Optional[date] = None
) -> None:
    """After the meeting: who was there (the member, or their deputy). Not before the meeting date."""
    if meeting.meeting_date > (today or date.today()):
        raise AttendanceError("Attendance is confirmed on or after the day of the meeting")
    members = {s.member.id: s for s in seats(session, meeting)}
    for person_id, came in attended.items():
        if person_id not in members:
            raise AttendanceError("That person is not a member of the committee on the meeting date")
        record = session.exec(
            select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.person_id == person_id)
        ).first()
        if record is None:
            record = Attendance(meeting_id=meeting.id, person_id=person_id)
        record.attended, record.recorded_by_id, record.recorded_at = came, actor_id, utcnow()
        session.add(record)
    session.flush()
    audit.record(
        session,
        "meeting.attendance-confirmed",
        actor_id=actor_id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"attended": sorted(p for p, came in attended.items() if came)},
    )


def members_on(session: Session, committee_id: int, on: date) -> list[tuple[Membership, Person]]:
    return list(
        session.exec(
            select(Membership, Person)
            .join(Person, Person.id == Membership.person_id)
            .where(
                Membership.committee_id == committee_id,
                or_(Membership.date_from.is_(None), Membership.date_from <= on),
                or_(Membership.date_to.is_(None), Membership.date_to >= on),
            )
            .order_by(Person.full_name)
        )
    )


def people_screened(session: Session, meeting: Meeting) -> list[Person]:
    """The committee's members on the meeting date, and the deputies recorded as attending in their place."""
    people = {p.id: p for _, p in members_on(session, meeting.committee_id, meeting.meeting_date)}
    for deputy in attending_deputies(session, meeting):
        people.setdefault(deputy.id, deputy)
    return sorted(people.values(), key=lambda p: p.full_name)
