"""Bulk import of people and their committee memberships from CSV or XLSX (an HR or ESR export).

One row per membership: Name, Email, Position, Committee, Committee role, Voting, Organisation represented,
Date from, Date to, Decision-maker (headings matched case- and punctuation-insensitively; common alternatives
such as "Job title", "Start date" and "Represents" are read too). Files are read by the register import's
readers (same size limits, hostile-file refusals and date formats).

`parse_people` reads the file and reports every row's problems, naming the row and the column heading as
written, without touching the database. `plan_people` works out what each row would do (read-only, for the
preview): a new person or an existing one, a membership to add or already held. `apply_people` writes the rows
without problems in the caller's transaction through people.add_person, people.update_person and
committees.add_membership, so every rule and audit of the pages applies; applying the same file twice adds
nothing twice.

A row links to an existing person when its email matches theirs (case-insensitive). Failing that, a person
with the same name and no email address (someone who came in from a register import) is linked when there is
exactly one, and is given the row's email, so they can be invited to set a password.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Optional

from sqlmodel import Session, select

from registry.models import CHAIRING_ROLES, Committee, CommitteeRole, Membership, Organisation, Person
from registry.services import audit, committees, people
from registry.services.accounts import normalise_email
from registry.services.register_import import (
    HEADER_SEARCH_ROWS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    RegisterImportError,
    _cell_text,
    _norm_heading,
    _read_csv,
    _read_xlsx,
    _refuse_cfb,
    name_key,
    parse_date,
)


class PeopleImportError(RegisterImportError):
    """The file as a whole cannot be imported; the message is safe to show and says what to do."""


FIELD_TITLES = {
    "name": "Name",
    "email": "Email",
    "position": "Position",
    "committee": "Committee",
    "committee_role": "Committee role",
    "voting": "Voting",
    "organisation": "Organisation represented",
    "date_from": "Date from",
    "date_to": "Date to",
    "decision_maker": "Decision-maker",
}
REQUIRED_FIELDS = ("name", "committee")
HEADINGS = {
    "name": {"name", "full name", "employee name", "person", "member name", "member"},
    "email": {
        "email",
        "email address",
        "e mail",
        "e mail address",
        "work email",
        "work email address",
        "nhs mail",
        "nhsmail",
    },
    "position": {
        "position",
        "job title",
        "position title",
        "job role",
        "current position",
        "title of post",
        "post",
        "position held",
    },
    "committee": {"committee", "committee name", "board", "committee board"},
    "committee_role": {
        "committee role",
        "role on committee",
        "role on the committee",
        "role",
        "membership role",
        "member role",
    },
    "voting": {"voting", "voting member", "vote", "votes", "has a vote", "voting rights"},
    "organisation": {
        "organisation represented",
        "organisation",
        "represents",
        "representing",
        "organisation they represent",
        "represented organisation",
        "on behalf of",
    },
    "date_from": {
        "date from",
        "from",
        "start date",
        "membership start",
        "membership start date",
        "start",
        "valid from",
        "date joined",
        "joined",
    },
    "date_to": {
        "date to",
        "to",
        "end date",
        "membership end",
        "membership end date",
        "end",
        "valid to",
        "date left",
        "left",
    },
    "decision_maker": {"decision maker", "decision making", "decision making staff", "is decision maker"},
}
_HEADING_TO_FIELD = {h: f for f, names in HEADINGS.items() for h in names}

ROLE_WORDS = {
    "chair": CommitteeRole.chair.value,
    "chairman": CommitteeRole.chair.value,
    "chairperson": CommitteeRole.chair.value,
    "chairwoman": CommitteeRole.chair.value,
    "vice chair": CommitteeRole.vice_chair.value,
    "vicechair": CommitteeRole.vice_chair.value,
    "deputy chair": CommitteeRole.vice_chair.value,
    "member": CommitteeRole.member.value,
    "voting member": CommitteeRole.member.value,
    "attendee": CommitteeRole.attendee.value,
    "non voting attendee": CommitteeRole.attendee.value,
    "in attendance": CommitteeRole.attendee.value,
}
ROLE_HINT = "use chair, vice-chair, member or attendee"
YES_WORDS = {"yes", "y", "true", "1"}
NO_WORDS = {"no", "n", "false", "0"}
YES_NO_HINT = "use yes or no (Y, N, true or false also work)"

# What a row will do
ADD = "add"  # a membership to add (and perhaps a person to create or link)
ALREADY = "already"  # the person already holds this membership: nothing to add
PROBLEM = "problem"


@dataclass
class PersonRow:
    """One data row as read. `problems` name the row number and the column heading as written."""

    number: int
    name: str = ""
    email: str = ""
    position: str = ""
    committee: str = ""
    role_text: str = ""
    committee_role: str = ""  # a CommitteeRole value, "" when unreadable
    voting: Optional[bool] = None  # None: not given
    organisation: str = ""
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    decision_maker: Optional[bool] = None  # None: not given
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ParsedPeople:
    filename: str
    columns: dict[str, str]  # field -> heading as written
    ignored_columns: list[str]
    rows: list[PersonRow]
    sheet: Optional[str] = None
    header_row: int = 1

    def title(self, name: str) -> str:
        return self.columns.get(name, FIELD_TITLES[name])


@dataclass
class RowPlan:
    row: PersonRow
    outcome: str  # ADD, ALREADY or PROBLEM
    person_id: Optional[int] = None  # None: a new person will be created
    person_action: str = ""  # "new", "existing", "link" (existing person given the row's email)
    committee_id: Optional[int] = None
    organisation_id: Optional[int] = None
    voting: bool = False
    message: str = ""

    @property
    def writes(self) -> bool:
        return self.outcome == ADD


@dataclass
class PeoplePlan:
    rows: list[RowPlan]

    def count(self, *outcomes: str) -> int:
        return sum(1 for p in self.rows if p.outcome in outcomes)

    @property
    def to_write(self) -> int:
        return self.count(ADD)

    @property
    def new_people(self) -> list[str]:
        seen, out = set(), []
        for p in self.rows:
            if p.outcome == ADD and p.person_action == "new":
                key = _person_key(p.row)
                if key not in seen:
                    seen.add(key)
                    out.append(p.row.name)
        return out

    @property
    def linked_people(self) -> list[str]:
        return sorted({p.row.name for p in self.rows if p.outcome == ADD and p.person_action == "link"})

    def digest(self) -> str:
        """Changes when what the import would do changes (shown in the preview, checked on confirm)."""
        body = "|".join(
            f"{p.row.number}:{p.outcome}:{p.person_id}:{p.person_action}:{p.committee_id}:"
            f"{p.organisation_id}:{p.voting}"
            for p in self.rows
        )
        return hashlib.sha256(body.encode()).hexdigest()[:32]


@dataclass
class PeopleResult:
    people_created: int = 0
    people_linked: int = 0  # existing people without an email given the file's email
    memberships_added: int = 0
    already_members: int = 0
    rows_with_problems: int = 0
    audit_event_id: Optional[int] = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "audit_event_id"}


# --- Reading ------------------------------------------------------------------------------------------------


def heading_field(heading: str) -> Optional[str]:
    text = _norm_heading(heading)
    if text in _HEADING_TO_FIELD:
        return _HEADING_TO_FIELD[text]
    short = _norm_heading(re.sub(r"\([^)]*\)?", " ", str(heading or "")))  # "Voting (Y/N)" -> "voting"
    return _HEADING_TO_FIELD.get(short)


def _find_header(rows: list[tuple[int, list]]) -> Optional[int]:
    for index, (_, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = {heading_field(_cell_text(v)) for v in values}
        if set(REQUIRED_FIELDS) <= fields:
            return index
    return None


def parse_people(filename: str, data: bytes) -> ParsedPeople:
    """Read a people-and-memberships file from CSV or XLSX bytes. Never writes; raises PeopleImportError (a
    RegisterImportError) for a whole-file problem."""
    try:
        return _parse_people(filename, data)
    except PeopleImportError:
        raise
    except RegisterImportError as error:  # from the register import's readers: the same refusals
        raise PeopleImportError(str(error)) from None


def _parse_people(filename: str, data: bytes) -> ParsedPeople:
    filename = PurePath((filename or "").replace("\\", "/")).name[:200] or "upload"
    if not data:
        raise PeopleImportError("The selected file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise PeopleImportError(f"The selected file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    suffix = PurePath(filename).suffix.lower()
    sheet = None
    if suffix in {".xlsx", ".xlsm"} or data.startswith(b"PK\x03\x04"):
        sheet, rows, _ = _read_xlsx(data, {})
    elif suffix == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        _refuse_cfb(data)
        raise PeopleImportError("The file is not a valid Excel workbook. Upload a CSV or .xlsx file.")
    elif suffix in {"", ".csv", ".txt", ".tsv"}:
        rows = _read_csv(data, {})
    else:
        raise PeopleImportError("The selected file must be a CSV or an Excel (.xlsx) file.")

    header_index = _find_header(rows)
    if header_index is None:
        raise PeopleImportError(
            "The file's headings were not recognised. The first row should have the headings "
            + ", ".join(FIELD_TITLES.values())
            + " (Name and Committee are needed)."
        )
    header_number, headings = rows[header_index]
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    ignored: list[str] = []
    for index, value in enumerate(headings):
        heading = _cell_text(value)
        name = heading_field(heading)
        if name is None:
            if heading:
                ignored.append(heading)
            continue
        if name in columns:
            raise PeopleImportError(
                f"Row {header_number} has two columns for {FIELD_TITLES[name]} "
                f'("{titles[name]}" and "{heading}"). Remove one and upload it again.'
            )
        columns[name], titles[name] = index, heading
    parsed = ParsedPeople(
        filename=filename, columns=titles, ignored_columns=ignored, rows=[], sheet=sheet, header_row=header_number
    )
    for number, values in rows[header_index + 1 :]:
        cells = {name: (values[i] if i < len(values) else None) for name, i in columns.items()}
        if all(_cell_text(v) == "" for v in cells.values()):
            continue
        parsed.rows.append(_parse_row(number, cells, parsed))
    if len(parsed.rows) > MAX_ROWS:
        raise PeopleImportError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
    if not parsed.rows:
        raise PeopleImportError("The file has headings but no rows of people.")
    _check_repeats(parsed)
    return parsed


def _problem(row: PersonRow, parsed: ParsedPeople, name: str, message: str) -> None:
    row.problems.append(f'row {row.number}, column "{parsed.title(name)}": {message}')


def _yes_no(text: str) -> Optional[bool]:
    word = text.strip().lower().rstrip(".")
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError(f'"{text[:40]}" is not yes or no ({YES_NO_HINT})')


def _parse_row(number: int, cells: dict, parsed: ParsedPeople) -> PersonRow:
    text = {name: _cell_text(value) for name, value in cells.items()}
    row = PersonRow(number=number)
    row.name = " ".join(text.get("name", "").split())
    row.position = " ".join(text.get("position", "").split())
    row.committee = " ".join(text.get("committee", "").split())
    row.organisation = " ".join(text.get("organisation", "").split())
    if not row.name:
        _problem(row, parsed, "name", "enter the person's full name")
    elif len(row.name) > 200:
        _problem(row, parsed, "name", "the name must be 200 characters or fewer")
    if len(row.position) > 200:
        _problem(row, parsed, "position", "the position must be 200 characters or fewer")
    email = text.get("email", "")
    if email:
        row.email = normalise_email(email)
        local, _, domain = row.email.partition("@")
        if not local or "." not in domain or len(row.email) > 254 or any(ch.isspace() for ch in row.email):
            _problem(row, parsed, "email", f'"{email[:60]}" is not an email address, like name@example.nhs.uk')
    if not row.committee:
        _problem(row, parsed, "committee", "enter the committee's name")
    row.role_text = " ".join(text.get("committee_role", "").split())
    if not row.role_text:
        row.committee_role = CommitteeRole.member.value
        if "committee_role" in parsed.columns:
            row.notes.append("No committee role given: read as member")
    else:
        row.committee_role = ROLE_WORDS.get(_norm_heading(row.role_text), "")
        if not row.committee_role:
            _problem(row, parsed, "committee_role", f'"{row.role_text[:40]}" is not a committee role ({ROLE_HINT})')
    for name in ("voting", "decision_maker"):
        value = text.get(name, "")
        if value:
            try:
                setattr(row, name, _yes_no(value))
            except ValueError as error:
                _problem(row, parsed, name, str(error))
    for name in ("date_from", "date_to"):
        value = cells.get(name)
        try:
            setattr(row, name, parse_date(value, ongoing_ok=name == "date_to", month_end=name == "date_to"))
        except ValueError as error:
            _problem(row, parsed, name, str(error))
    if row.date_from and row.date_to and row.date_to < row.date_from:
        _problem(
            row,
            parsed,
            "date_to",
            f"the membership must end on or after the date it starts ({row.date_from.strftime('%-d %B %Y')})",
        )
    if row.committee_role == CommitteeRole.attendee.value and row.voting:
        _problem(row, parsed, "voting", "an attendee has no vote: make them a member, or answer no")
    return row


def _person_key(row: PersonRow) -> str:
    return row.email or "name:" + name_key(row.name)


def _check_repeats(parsed: ParsedPeople) -> None:
    """Within the file: one email is one person (the same name each time), on each committee once."""
    names_by_email: dict[str, tuple[int, str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in parsed.rows:
        if row.email:
            first = names_by_email.setdefault(row.email, (row.number, row.name))
            if first[0] != row.number and name_key(first[1]) != name_key(row.name):
                _problem(
                    row,
                    parsed,
                    "email",
                    f"{row.email} is also in row {first[0]}, for {first[1]}: one email address is one person",
                )
                continue
        if not row.committee:
            continue
        key = (_person_key(row), name_key(row.committee))
        if key in seen:
            _problem(
                row,
                parsed,
                "email" if row.email else "name",
                f"{row.email or row.name} is already in row {seen[key]} for {row.committee}: "
                "each person once per committee",
            )
        else:
            seen[key] = row.number


# --- Planning and writing ---------------------------------------------------------------------------------


def _overlaps(a_from: Optional[date], a_to: Optional[date], b_from: Optional[date], b_to: Optional[date]) -> bool:
    return (a_to is None or b_from is None or a_to >= b_from) and (b_to is None or a_from is None or b_to >= a_from)


def plan_people(session: Session, parsed: ParsedPeople) -> PeoplePlan:
    """What `apply_people` would do with each row, without writing anything. The plan's rows are copies of the
    parsed rows, with the problems found against the database added; `parsed` is left as read."""
    parsed = copy.deepcopy(parsed)
    by_email = {p.email: p for p in session.exec(select(Person).where(Person.email.is_not(None)))}
    by_name: dict[str, list[Person]] = {}
    for person in session.exec(select(Person)):
        by_name.setdefault(name_key(person.full_name), []).append(person)
    committee_by_name = {name_key(c.name): c for c in session.exec(select(Committee))}
    voting_orgs: dict[int, dict[str, Organisation]] = {}
    held: dict[int, list[Membership]] = {}  # committee id -> memberships already held
    planned: dict[int, list[tuple[str, str, Optional[date], Optional[date], int]]] = {}  # committee -> rows planned
    linked: dict[int, str] = {}  # person id -> email the file gives them
    plans = []
    for row in parsed.rows:
        plan = RowPlan(row=row, outcome=PROBLEM)
        plans.append(plan)
        if row.problems:
            continue
        committee = committee_by_name.get(name_key(row.committee))
        if committee is None:
            _problem(
                row,
                parsed,
                "committee",
                f'there is no committee called "{row.committee[:100]}": add it on '
                "the committees page first, or correct the name",
            )
            continue
        if committee.closed_on is not None:
            _problem(row, parsed, "committee", f"{committee.name} is closed")
            continue
        plan.committee_id = committee.id
        # The person
        person = None
        if row.email:
            person = by_email.get(row.email)
            if person is not None:
                if name_key(person.full_name) != name_key(row.name):
                    _problem(
                        row, parsed, "email", f"{row.email} is the email address of {person.full_name}, not {row.name}"
                    )
                    continue
                plan.person_action = "existing"
            else:
                unlinked = [p for p in by_name.get(name_key(row.name), []) if p.email is None]
                if len(unlinked) > 1:
                    _problem(
                        row,
                        parsed,
                        "name",
                        f"{len(unlinked)} people called {row.name} have no email address: "
                        "give the right one this email on their page, then import again",
                    )
                    continue
                if unlinked:
                    person = unlinked[0]
                    if linked.setdefault(person.id, row.email) != row.email:
                        _problem(row, parsed, "email", f"{row.name} is given a different email address in another row")
                        continue
                    plan.person_action = "link"
                else:
                    plan.person_action = "new"
        else:
            named = by_name.get(name_key(row.name), [])
            if len(named) > 1:
                _problem(
                    row,
                    parsed,
                    "name",
                    f"{len(named)} people are called {row.name}: add their email address to say which",
                )
                continue
            person = named[0] if named else None
            plan.person_action = "existing" if person is not None else "new"
        if person is not None:
            if not person.active:
                _problem(row, parsed, "name", f"{person.full_name}'s account is deactivated: reactivate it first")
                continue
            plan.person_id = person.id
            if (
                plan.person_action == "existing"
                and row.decision_maker is not None
                and row.decision_maker != person.decision_maker
            ):
                row.notes.append(
                    f"The file says decision-maker {'yes' if row.decision_maker else 'no'}; "
                    f"{person.full_name} is {'' if person.decision_maker else 'not '}a decision-maker "
                    "here. Not changed: edit it on their page"
                )
        # The organisation represented and the vote
        if committee.id not in voting_orgs:
            voting_orgs[committee.id] = {
                name_key(org.name): org for _, org in committees.voting_organisations(session, committee.id)
            }
        orgs = voting_orgs[committee.id]
        organisation = orgs.get(name_key(row.organisation)) if row.organisation else None
        voting = (
            row.voting
            if row.voting is not None
            else (organisation is not None and row.committee_role != CommitteeRole.attendee.value)
        )
        if row.voting is None and row.organisation:
            row.notes.append("No vote given: read as " + ("voting" if voting else "non-voting"))
        if voting:
            if not orgs:
                _problem(
                    row,
                    parsed,
                    "voting",
                    f"{committee.name} has no voting organisations yet: add them on the committee's page, or answer no",
                )
                continue
            if organisation is None:
                choices = ", ".join(org.name for org in orgs.values())
                where = "organisation" if row.organisation else "voting"
                said = (
                    f'"{row.organisation[:100]}" does not vote on {committee.name}'
                    if row.organisation
                    else "a voting member represents one of the committee's voting organisations"
                )
                _problem(row, parsed, where, f"{said}: use one of {choices}, or make the member non-voting")
                continue
        elif row.organisation and organisation is None:
            organisation = session.exec(select(Organisation).where(Organisation.name == row.organisation)).first()
            if organisation is None:
                row.notes.append(
                    f'"{row.organisation[:100]}" is not in the directory, so the organisation '
                    "represented is not recorded"
                )
        plan.organisation_id = organisation.id if organisation is not None else None
        plan.voting = voting
        # Already a member, or a clash with a membership held or planned
        if committee.id not in held:
            held[committee.id] = list(session.exec(select(Membership).where(Membership.committee_id == committee.id)))
        clash = False
        overlapping = [m for m in held[committee.id] if _overlaps(m.date_from, m.date_to, row.date_from, row.date_to)]
        overlapping.sort(key=lambda m: person is None or m.person_id != person.id)  # their own membership first
        for m in overlapping:
            if person is not None and m.person_id == person.id:
                if m.committee_role == row.committee_role:
                    plan.outcome = ALREADY
                    plan.message = f"{person.full_name} is already {_role_words(m.committee_role)} of {committee.name}"
                else:
                    _problem(
                        row,
                        parsed,
                        "committee_role",
                        f"{person.full_name} is already {_role_words(m.committee_role)} of {committee.name} for "
                        "those dates: change it on the committee's page",
                    )
                clash = True
                break
            if row.committee_role in CHAIRING_ROLES and m.committee_role == row.committee_role:
                holder = session.get(Person, m.person_id)
                _problem(
                    row,
                    parsed,
                    "committee_role",
                    f"{holder.full_name} is already {row.committee_role} of "
                    f"{committee.name} for those dates: end that role first",
                )
                clash = True
                break
        if clash:
            continue
        if row.committee_role in CHAIRING_ROLES:
            other = next(
                (
                    n
                    for role, _, f, t, n in planned.get(committee.id, [])
                    if role == row.committee_role and _overlaps(f, t, row.date_from, row.date_to)
                ),
                None,
            )
            if other is not None:
                _problem(
                    row,
                    parsed,
                    "committee_role",
                    f"row {other} already makes someone {row.committee_role} of {committee.name} for those dates",
                )
                continue
        planned.setdefault(committee.id, []).append(
            (row.committee_role, _person_key(row), row.date_from, row.date_to, row.number)
        )
        plan.outcome = ADD
        who = {
            "new": f"New person {row.name}",
            "existing": row.name,
            "link": f"{row.name} (already on the register, without an email: given {row.email})",
        }[plan.person_action]
        plan.message = (
            f"{who}: add as {_role_words(row.committee_role)} of {committee.name}"
            f"{', voting' if voting else ', non-voting'}"
        )
    return PeoplePlan(rows=plans)


def _role_words(role: str) -> str:
    return {"attendee": "an attendee", "member": "a member"}.get(role, role)


def apply_people(
    session: Session, parsed: ParsedPeople, actor_id: Optional[int], plan: Optional[PeoplePlan] = None
) -> PeopleResult:
    """Write the rows without problems, in the caller's transaction (the caller commits or rolls back).

    Raises people.PersonError or committees.CommitteeError, naming the row, if a rule refuses a row the plan
    allowed (the caller rolls the whole import back)."""
    plan = plan or plan_people(session, parsed)
    result = PeopleResult()
    created: dict[str, int] = {}
    done_links: set[int] = set()
    for p in plan.rows:
        row = p.row
        if p.outcome == ALREADY:
            result.already_members += 1
            continue
        if p.outcome != ADD:
            result.rows_with_problems += 1
            continue
        try:
            if p.person_action == "new":
                key = _person_key(row)
                if key not in created:
                    person = people.add_person(
                        session,
                        full_name=row.name,
                        position=row.position,
                        email=row.email or None,
                        decision_maker=row.decision_maker if row.decision_maker is not None else True,
                        actor_id=actor_id,
                    )
                    created[key] = person.id
                    result.people_created += 1
                person_id = created[key]
            else:
                person_id = p.person_id
                if p.person_action == "link" and person_id not in done_links:
                    person = session.get(Person, person_id)
                    people.update_person(
                        session,
                        person,
                        version=person.version,
                        full_name=person.full_name,
                        position=person.position or row.position,
                        email=row.email,
                        decision_maker=person.decision_maker if row.decision_maker is None else row.decision_maker,
                        roles=people.roles_granted(session, person_id),
                        actor_id=actor_id,
                    )
                    done_links.add(person_id)
                    result.people_linked += 1
            committee = session.get(Committee, p.committee_id)
            committees.add_membership(
                session,
                committee,
                person_id=person_id,
                committee_role=row.committee_role,
                organisation_id=p.organisation_id,
                voting=p.voting,
                date_from=row.date_from,
                date_to=row.date_to,
                actor_id=actor_id,
            )
        except (people.PersonError, committees.CommitteeError, people.AccountError) as error:
            raise type(error)(f"Row {row.number}: {error}") from error
        result.memberships_added += 1
    event = audit.record(
        session,
        "people.imported",
        actor_id=actor_id,
        object_type="person",
        detail={
            "file": parsed.filename,
            "rows": len(parsed.rows),
            "columns": dict(parsed.columns),
            "not_read": parsed.ignored_columns,
            **result.as_dict(),
        },
    )
    result.audit_event_id = event.id
    return result


def describe(result: PeopleResult) -> str:
    """One sentence for the confirmation banner."""

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    parts = [n(result.memberships_added, "membership", "memberships") + " added"]
    if result.people_created:
        parts.append(n(result.people_created, "new person", "new people"))
    if result.people_linked:
        parts.append(n(result.people_linked, "person", "people") + " already on the register given an email address")
    if result.already_members:
        parts.append(n(result.already_members, "row", "rows") + " already a member")
    if result.rows_with_problems:
        parts.append(n(result.rows_with_problems, "row", "rows") + " with problems not imported")
    return "People and memberships imported: " + ", ".join(parts)
