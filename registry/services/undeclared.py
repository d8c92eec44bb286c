"""Possible undeclared interests: Companies House appointments and significant control held, in the register's
period, by a member who has not declared them.

A member is matched to an officer by name (surname and first forename) and, where the member's month and year of
birth are recorded, by those too: a different birth month is a namesake and is not listed; without a recorded
birth month a name match is listed as "name only" (it may be a namesake). An appointment counts as declared when one
of the member's interests in the period gives its company number or names the company (the screening engine's own
company-name matching, with legal suffixes, initialisms and trading names). Nothing is published or emailed: the
governance lead sees the list, and the member confirms ("I should declare this", which opens a prefilled
declaration) or explains. Functions take a session and an actor id and never commit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Optional
from urllib.parse import urlencode

from sqlmodel import Session, select

from registry.models import (
    Interest,
    Membership,
    Organisation,
    Person,
    PersonBirthMonth,
    PossibleUndeclaredInterest,
    UndeclaredStatus,
    utcnow,
)
from registry.outside.companies_house import PSC_ROLE, Appointment, fold, same_person_name, split_name
from registry.services import audit
from screening import AgendaItem, Engine
from screening import Interest as EngineInterest

# Officer roles that are declarable interests (directorships, LLP membership, being a PSC); a company secretary is
# an employee-like office the guidance does not list, but it is still shown: the lead decides.
DECLARABLE_ROLES = frozenset(
    {
        "director",
        "llp-member",
        "llp-designated-member",
        "member",
        "secretary",
        "nominee-director",
        "judicial-factor",
        "manager-of-an-eeig",
        "member-of-an-administrative-organ",
        "member-of-a-management-organ",
        "member-of-a-supervisory-organ",
        PSC_ROLE,
    }
)
REGISTER_PERIOD_DAYS = 365  # the register is declared at least annually: by default, the last twelve months
MAX_REASON = 2000
LEGAL_WORDS = re.compile(r"\b(limited|ltd|llp|plc|cic|community interest company|company|co|the)\b")
FORM_ROLES = {
    "director": "director",
    "nominee-director": "director",
    PSC_ROLE: "shareholder",
    "llp-member": "partner",
    "llp-designated-member": "partner",
}


class UndeclaredError(Exception):
    """Bad input: nothing changed."""


@dataclass
class FindSummary:
    new: list = field(default_factory=list)  # PossibleUndeclaredInterest rows added
    already_listed: int = 0
    declared: int = 0  # appointments matched to a declaration (rows listed before are marked declared)
    namesakes: int = 0  # name matched but the recorded birth month did not
    not_current: int = 0
    corporate: int = 0


def default_period(today: Optional[date] = None) -> tuple[date, date]:
    today = today or date.today()
    return date.fromordinal(today.toordinal() - REGISTER_PERIOD_DAYS), today


def _fingerprint(person_id: int, appointment: Appointment) -> str:
    body = "|".join(
        [
            str(person_id),
            appointment.company_number or fold(appointment.company_name),
            appointment.role,
            str(appointment.appointed_on or ""),
        ]
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _company_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", LEGAL_WORDS.sub(" ", fold(name).replace("&", " and "))).strip()


def _declared(
    appointment: Appointment, interests: list[tuple[Interest, Optional[Organisation]]], start: date, end: date
) -> Optional[Interest]:
    """The member's interest in the period that is this appointment, if any."""
    live = [
        (i, o)
        for i, o in interests
        if (i.date_to is None or i.date_to >= start) and (i.date_from is None or i.date_from <= end)
    ]
    number = appointment.company_number
    key = _company_key(appointment.company_name)
    for interest, org in live:
        text = " ".join([interest.description, interest.organisation_text, org.name if org else ""])
        if number and (number in re.sub(r"\s", "", text).upper() or number.lstrip("0") in re.findall(r"\d+", text)):
            return interest
        if key and len(key) >= 3 and f" {key} " in f" {_company_key(text)} ":
            return interest
    if not appointment.company_name or not live:
        return None
    # names written another way ("Nimbus Care" / "NIMBUS CARE LIMITED", "t/a" names): the engine decides
    engine_interests = [
        EngineInterest(
            str(i.id),
            "",
            "",
            i.interest_type or "financial",
            " ".join(filter(None, [i.description, i.organisation_text, org.name if org else ""])),
            interest_id=str(i.id),
        )
        for i, org in live
    ]
    flags = Engine().screen(engine_interests, [AgendaItem("appointment", appointment.company_name)], None)
    ids = {i for f in flags for i in f.interests}
    return next((i for i, _ in live if str(i.id) in ids), None)


def _evidence(person: Person, appointment: Appointment, confidence: str, birth: Optional[PersonBirthMonth]) -> str:
    born = (
        f" (born {appointment.birth_month:02d}/{appointment.birth_year})"
        if appointment.birth_month and appointment.birth_year
        else ""
    )
    held = f"since {appointment.appointed_on.isoformat()}" if appointment.appointed_on else "with no start date given"
    if appointment.resigned_on:
        held += f", until {appointment.resigned_on.isoformat()}"
    role = appointment.role.replace("-", " ")
    control = (
        f" ({', '.join(n.replace('-', ' ') for n in appointment.natures_of_control)})"
        if appointment.natures_of_control
        else ""
    )
    text = (
        f"Companies House lists {appointment.officer_name}{born} as {role}{control} of "
        f"{appointment.company_label} {held} (source: {appointment.source}). No declaration by "
        f"{person.full_name} in the period gives this company number or names this company."
    )
    if confidence == "name and birth":
        text += f" Matched by name and month and year of birth ({birth.birth_month:02d}/{birth.birth_year})."
    else:
        text += (
            " Matched by name only: it may be a namesake. Record the member's month and year of birth to tell "
            "them apart."
        )
    return text


def decision_makers(session: Session) -> list[Person]:
    """Everyone who sits on a committee, or is decision-making staff (whose register is published)."""
    on_committees = select(Membership.person_id)
    return list(
        session.exec(
            select(Person)
            .where(
                Person.active.is_(True),
                (Person.decision_maker.is_(True)) | Person.id.in_(on_committees),
            )
            .order_by(Person.id)
        )
    )


def find_possible_undeclared(
    session: Session,
    appointments: Iterable[Appointment],
    *,
    actor_id: Optional[int],
    period: Optional[tuple[date, date]] = None,
    people: Optional[list[Person]] = None,
) -> FindSummary:
    start, end = period or default_period()
    people = people if people is not None else decision_makers(session)
    names = {p.id: split_name(p.full_name) for p in people}
    births = (
        {
            b.person_id: b
            for b in session.exec(
                select(PersonBirthMonth).where(PersonBirthMonth.person_id.in_([p.id for p in people]))
            )
        }
        if people
        else {}
    )
    interests_of: dict = {}
    existing = {row.fingerprint: row for row in session.exec(select(PossibleUndeclaredInterest))}
    summary = FindSummary()
    for appointment in appointments:
        if appointment.corporate:
            summary.corporate += 1
            continue
        if appointment.role not in DECLARABLE_ROLES or not appointment.current_in(start, end):
            summary.not_current += 1
            continue
        written = (appointment.surname, appointment.forenames)
        for person in people:
            if not same_person_name(names[person.id], written):
                continue
            birth = births.get(person.id)
            if birth and appointment.birth_month and appointment.birth_year:
                if (birth.birth_month, birth.birth_year) != (appointment.birth_month, appointment.birth_year):
                    summary.namesakes += 1
                    continue
                confidence = "name and birth"
            else:
                confidence = "name only"
            if person.id not in interests_of:
                interests_of[person.id] = list(
                    session.exec(
                        select(Interest, Organisation)
                        .outerjoin(Organisation, Organisation.id == Interest.organisation_id)
                        .where(Interest.person_id == person.id)
                    )
                )
            fingerprint = _fingerprint(person.id, appointment)
            row = existing.get(fingerprint)
            declared = _declared(appointment, interests_of[person.id], start, end)
            if declared is not None:
                summary.declared += 1
                if row is not None and row.status in (UndeclaredStatus.open.value, UndeclaredStatus.confirmed.value):
                    row.status, row.responded_at = UndeclaredStatus.declared.value, utcnow()
                    row.reason = f'Declared as interest {declared.id}: "{declared.description}"'
                    session.add(row)
                    audit.record(
                        session,
                        "undeclared.declared",
                        actor_id=actor_id,
                        object_type="possible-undeclared",
                        object_id=row.id,
                        detail={"interest": declared.id},
                    )
                continue
            if row is not None:
                summary.already_listed += 1
                continue
            row = PossibleUndeclaredInterest(
                fingerprint=fingerprint,
                person_id=person.id,
                company_number=appointment.company_number,
                company_name=appointment.company_name[:300],
                role=appointment.role[:100],
                appointed_on=appointment.appointed_on,
                resigned_on=appointment.resigned_on,
                officer_name=appointment.officer_name[:200],
                officer_birth_month=appointment.birth_month,
                officer_birth_year=appointment.birth_year,
                confidence=confidence,
                evidence=_evidence(person, appointment, confidence, birth),
                source=appointment.source[:300],
                found_by_id=actor_id,
            )
            session.add(row)
            session.flush()
            existing[fingerprint] = row
            summary.new.append(row)
            audit.record(
                session,
                "undeclared.found",
                actor_id=actor_id,
                object_type="possible-undeclared",
                object_id=row.id,
                detail={
                    "person": person.id,
                    "company": appointment.company_number,
                    "role": appointment.role,
                    "confidence": confidence,
                },
            )
    session.flush()
    return summary


def listed(session: Session, person_id: Optional[int] = None, statuses: Optional[Iterable[str]] = None):
    query = select(PossibleUndeclaredInterest, Person).join(Person, Person.id == PossibleUndeclaredInterest.person_id)
    if person_id is not None:
        query = query.where(PossibleUndeclaredInterest.person_id == person_id)
    if statuses:
        query = query.where(PossibleUndeclaredInterest.status.in_(list(statuses)))
    return session.exec(
        query.order_by(PossibleUndeclaredInterest.status, Person.full_name, PossibleUndeclaredInterest.id)
    ).all()


def _respond(
    session: Session,
    row: PossibleUndeclaredInterest,
    status: UndeclaredStatus,
    reason: str,
    actor_id: Optional[int],
    action: str,
) -> None:
    if row.status not in (UndeclaredStatus.open.value, UndeclaredStatus.confirmed.value):
        raise UndeclaredError("This has already been answered")
    row.status, row.reason, row.responded_at, row.responded_by_id = status.value, reason, utcnow(), actor_id
    row.version += 1
    session.add(row)
    audit.record(
        session,
        action,
        actor_id=actor_id,
        object_type="possible-undeclared",
        object_id=row.id,
        detail={"status": status.value, "reason": reason[:500]},
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise UndeclaredError("Enter the reason")
    if len(reason) > MAX_REASON:
        raise UndeclaredError(f"The reason must be {MAX_REASON} characters or fewer")
    return reason


def confirm(session: Session, row: PossibleUndeclaredInterest, *, actor_id: Optional[int]) -> None:
    """The member says "I should declare this" (the prefilled declaration is theirs to save)."""
    _respond(
        session,
        row,
        UndeclaredStatus.confirmed,
        "The member said they should declare this",
        actor_id,
        "undeclared.confirmed",
    )


def explain(session: Session, row: PossibleUndeclaredInterest, reason: str, *, actor_id: Optional[int]) -> None:
    _respond(session, row, UndeclaredStatus.explained, _reason(reason), actor_id, "undeclared.explained")


def dismiss(session: Session, row: PossibleUndeclaredInterest, reason: str, *, actor_id: Optional[int]) -> None:
    """The governance lead: a namesake, or not declarable."""
    _respond(session, row, UndeclaredStatus.dismissed, _reason(reason), actor_id, "undeclared.dismissed")


def set_birth_month(
    session: Session, person_id: int, month: int, year: int, *, actor_id: Optional[int], today: Optional[date] = None
) -> PersonBirthMonth:
    today = today or date.today()
    if not 1 <= month <= 12:
        raise UndeclaredError("Month of birth must be a number from 1 to 12")
    if not today.year - 120 <= year <= today.year - 16:
        raise UndeclaredError(f"Year of birth must be between {today.year - 120} and {today.year - 16}")
    row = session.get(PersonBirthMonth, person_id) or PersonBirthMonth(
        person_id=person_id, birth_month=month, birth_year=year
    )
    row.birth_month, row.birth_year, row.recorded_by_id, row.recorded_at = month, year, actor_id, utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session, "person.birth-month-recorded", actor_id=actor_id, object_type="person", object_id=person_id, detail={}
    )  # the month and year themselves stay out of the log
    return row


def prefill_query(row: PossibleUndeclaredInterest) -> str:
    """Query parameters for the member's new-declaration form (coi.declarations reads them)."""
    role = row.role.replace("-", " ")
    what = row.company_name or f"company {row.company_number}"
    description = f"{role.capitalize()} of {what}" + (
        f" (company number {row.company_number})" if row.company_number else ""
    )
    values = {
        "interest_type": "financial",
        "organisation": row.company_name,
        "role": FORM_ROLES.get(row.role, "other"),
        "description": description,
    }
    if row.appointed_on:
        values["date_from"] = row.appointed_on.isoformat()
    if row.resigned_on:
        values["date_to"] = row.resigned_on.isoformat()
    return urlencode({k: v for k, v in values.items() if v})
