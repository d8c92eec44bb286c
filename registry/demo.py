"""The demo: South West London's primary care joint committee with realistic declarations.

Six CCG delegations of three (chair, chief officer, lay member) with one vote per CCG, NHS England's
three with one vote, and non-voting LMC, health and wellbeing board and Healthwatch attendees. People are
fictitious; the practices, PCNs and the GP federation are real, from NHS Digital's directory.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

from sqlmodel import Session, func, select

from datetime import datetime, time, timezone

from registry.models import Committee, Membership, Organisation, Person, VotingOrganisation, Setting
from registry.services import gifts as gift_service
from registry.services.publication import publish
from registry.services.returns import make_return
from registry.services.accounts import create_person
from registry.services.directory import import_directory
from registry.services.interests import declare_interest

DEMO_DATA = Path(__file__).with_name("demo_data")
DEMO_DOMAIN = "demo.coi.invalid"  # .invalid never resolves: no demo email can reach a real person


class DemoAlreadyLoaded(Exception):
    pass


# (name, ODS code, voting group). Codes are the CCGs' own ODS codes before the 2020 merger into 36L.
VOTING_ORGANISATIONS = [
    ("NHS Croydon CCG", "07V", "CCG"),
    ("NHS Kingston CCG", "08J", "CCG"),
    ("NHS Merton CCG", "08R", "CCG"),
    ("NHS Richmond CCG", "08P", "CCG"),
    ("NHS Sutton CCG", "08T", "CCG"),
    ("NHS Wandsworth CCG", "08X", "CCG"),
    ("NHS England (London region)", "X24", "NHSE"),
]
ATTENDING_ORGANISATIONS = [
    "South West London Local Medical Committees",
    "Croydon Health and Wellbeing Board",
    "Healthwatch Croydon",
]
QUORUM_RULE = "NHSE and majority of CCG"

# Per CCG: (chair — a GP, chief officer, lay member) names. Fictitious.
DELEGATES = {
    "07V": ("Dr Amira Okafor", "Ruth Pemberton", "Colin Ashdown"),
    "08J": ("Dr Peter Lindqvist", "Sandra Bhatt", "Miriam Cole"),
    "08R": ("Dr Kwame Asante", "Helen Forsyth", "David Oyelaran"),
    "08P": ("Dr Fiona McAllister", "James Whitlock", "Priya Raman"),
    "08T": ("Dr Chidi Nwosu", "Angela Marsh", "Terence Hollis"),
    "08X": ("Dr Sarah Goldberg", "Michael Dunmore", "Yasmin Haddad"),
    "X24": ("Dr Imran Siddiqui", "Claire Beaumont", "Owen Fairbairn"),
}
NHSE_ROLES = ("Medical Director (primary care)", "Director of Commissioning", "Head of Primary Care Finance")
ATTENDEES = [
    ("Dr Rosa Delgado", "LMC representative"),
    ("Cllr Bernard Osei", "Health and wellbeing board representative"),
    ("Gillian Tranter", "Healthwatch representative"),
]

# Declarations: (delegate key, type, role, ODS code or None, free-text organisation, description, days ago
# the interest arose, days ago it ended or None, relationship for indirect)
INTERESTS = [
    ("07V:0", "financial", "partner", "H83012", "", "GP partner at St James Medical Centre, Croydon", 3650, None, ""),
    (
        "07V:0",
        "financial",
        "clinical director",
        "U85744",
        "",
        "Clinical director, Primary Care North Croydon PCN",
        1500,
        None,
        "",
    ),
    (
        "07V:0",
        "financial",
        "shareholder",
        "Y08402",
        "",
        "Shareholder (8%) in Croydon GP Collaborative, the borough's GP federation",
        900,
        None,
        "",
    ),
    (
        "07V:2",
        "non-financial personal",
        "patient",
        "H83034",
        "",
        "Registered patient at Whitehorse Practice",
        4000,
        None,
        "",
    ),
    ("08J:0", "financial", "partner", "H84010", "", "Senior partner, Canbury Medical Centre", 5000, None, ""),
    (
        "08J:0",
        "indirect",
        "salaried GP",
        "H84027",
        "",
        "Husband is a salaried GP at the Churchill Medical Centre",
        700,
        None,
        "spouse",
    ),
    ("08R:0", "financial", "director", "Y05890", "", "Director of Merton GP Federation", 1200, None, ""),
    ("08R:0", "financial", "partner", "H85020", "", "GP partner (practice in Merton)", 2900, 400, ""),
    (
        "08R:2",
        "non-financial professional",
        "trustee",
        None,
        "Age UK Merton",
        "Unpaid trustee, Age UK Merton",
        1100,
        None,
        "",
    ),
    ("08P:0", "financial", "salaried GP", "H84007", "", "Salaried GP, Acorn Group Practice, Twickenham", 800, None, ""),
    ("08T:0", "financial", "director", "Y05722", "", "Director, Sutton Primary Care Networks CIC", 1300, None, ""),
    (
        "08X:0",
        "financial",
        "partner",
        None,
        "Battersea Healthcare CIC",
        "Partner in a practice that holds shares in Battersea Healthcare CIC",
        2000,
        None,
        "",
    ),
    (
        "08X:1",
        "indirect",
        "practice manager",
        "H83001",
        "",
        "Sister is practice manager at Portland Medical Centre, South Norwood",
        600,
        None,
        "sister",
    ),
    (
        "X24:0",
        "non-financial professional",
        "member",
        None,
        "Royal College of General Practitioners",
        "Fellow of the Royal College of General Practitioners",
        6000,
        None,
        "",
    ),
    ("LMC:0", "financial", "partner", "H83009", "", "GP partner, Norbury Medical Practice", 3000, None, ""),
    (
        "08T:0",
        "financial",
        "shareholder",
        None,
        "Surrey Locum Chambers Ltd",
        "Shareholder (12%) in a GP locum agency",
        100,
        None,
        "",
    ),
]


LATE_DECLARATION = "Shareholder (12%) in a GP locum agency"  # declared two months after it arose
# The indirect interest of this person is withheld (a family member's safety).
WITHHELD = (
    "08X:1",
    "Disclosure would identify a family member at risk of harm (privacy, agreed by the Head of Corporate Governance)",
)
MITIGATION = {
    "partner": "Leaves the meeting for decisions about the practice; does not vote on its PCN's schemes.",
    "director": "Takes no part in decisions about contracts the company bids for.",
    "shareholder": "Takes no part in decisions about contracts the company bids for.",
    "salaried GP": "Declares at meetings; does not vote on decisions about the practice.",
}
# Annual confirmations and nil returns: (person, kind, days ago). People not listed are overdue.
RETURNS = [
    ("07V:0", "annual", 120),
    ("08J:0", "annual", 200),
    ("08R:0", "annual", 90),
    ("08P:0", "annual", 300),
    ("08T:0", "annual", 40),
    ("08X:0", "annual", 150),
    ("08X:1", "annual", 60),
    ("X24:0", "annual", 100),
    ("07V:1", "nil", 30),
    ("08J:1", "nil", 250),
    ("08J:2", "nil", 180),
    ("08R:1", "nil", 45),
    ("08P:1", "nil", 20),
    ("08P:2", "nil", 10),
    ("08T:1", "nil", 330),
    ("X24:1", "nil", 60),
    ("X24:2", "nil", 75),
    ("HW:0", "nil", 100),
    ("08R:2", "annual", 400),
    ("07V:2", "annual", 500),
]
# (person, kind, donor, value in pence, donor is a supplier, days ago, description, outcome, on behalf, approver)
GIFTS = [
    (
        "07V:0",
        "hospitality",
        "Royal College of General Practitioners",
        4500,
        False,
        70,
        "Dinner at the faculty's annual awards evening",
        "accepted",
        False,
        "",
    ),
    (
        "08J:0",
        "gift",
        "A pharmaceutical company's representative",
        12000,
        True,
        40,
        "Hamper offered after a training session",
        "declined",
        False,
        "",
    ),
    (
        "08P:2",
        "hospitality",
        "A digital health supplier",
        15000,
        True,
        25,
        "Conference place and dinner",
        "declined",
        False,
        "",
    ),
    (
        "08R:0",
        "gift",
        "Patient participation group",
        6500,
        False,
        15,
        "Framed print for the practice waiting room",
        "accepted",
        True,
        "",
    ),
]


def _org(session: Session, code: str) -> Optional[Organisation]:
    return session.exec(select(Organisation).where(Organisation.ods_code == code)).first()


def _ensure_org(session: Session, name: str, kind: str, code: Optional[str] = None) -> Organisation:
    org = (
        _org(session, code)
        if code
        else session.exec(select(Organisation).where(Organisation.name == name, Organisation.kind == kind)).first()
    )
    if org is None:
        org = Organisation(name=name, kind=kind, ods_code=code)
        session.add(org)
        session.flush()
    return org


def _password() -> str:
    return "demo-" + secrets.token_urlsafe(12)


def load_demo(session: Session, if_empty: bool = False, today: Optional[date] = None) -> list[tuple[str, str, str]]:
    """Load the demo in the caller's transaction; returns (email, password, roles) for the demo sign-ins."""
    today = today or date.today()
    if session.exec(select(func.count()).select_from(Person)).one():
        raise DemoAlreadyLoaded("The database already has people in it; the demo loads only into an empty register")

    if _org(session, "H83012") is None:
        import_directory(session, DEMO_DATA / "epraccur_swl.csv", DEMO_DATA / "pcn_map_swl.csv")

    session.add(Setting(key="organisation_name", value="NHS South West London"))
    committee = Committee(
        name="South West London Primary Care Joint Committee", quorum_rule=QUORUM_RULE, area_codes="36L"
    )
    session.add(committee)
    session.flush()
    voting = {}
    for name, code, group in VOTING_ORGANISATIONS:
        org = _ensure_org(session, name, "commissioner" if group == "CCG" else "other", code)
        voting[code] = org
        session.add(VotingOrganisation(committee_id=committee.id, organisation_id=org.id, voting_group=group))

    sign_ins: list[tuple[str, str, str]] = []
    people: dict[str, Person] = {}

    def person(key: str, full_name: str, position: str, roles: tuple[str, ...], with_password: bool) -> Person:
        local = full_name.lower().replace("dr ", "").replace("cllr ", "").replace(" ", ".")
        password = _password() if with_password else None
        p = create_person(
            session,
            email=f"{local}@{DEMO_DOMAIN}",
            full_name=full_name,
            password=password,
            roles=roles,
            position=position,
        )
        if password:
            sign_ins.append((p.email, password, ", ".join(roles)))
        people[key] = p
        return p

    for code, names in DELEGATES.items():
        ccg_name = next(n for n, c, _ in VOTING_ORGANISATIONS if c == code)
        positions = (
            NHSE_ROLES
            if code == "X24"
            else (f"Clinical chair, {ccg_name}", f"Chief officer, {ccg_name}", f"Lay member, {ccg_name}")
        )
        for index, (full_name, position) in enumerate(zip(names, positions)):
            committee_role, with_password, label = "member", False, "member"
            if code == "07V" and index == 0:
                with_password = True  # the demo GP member
            if code == "08P" and index == 2:
                # the committee's chair is a lay member; chairing is a committee role, not an account role
                committee_role, with_password, label = "chair", True, "member; chair of the joint committee"
            if code == "08J" and index == 2:
                committee_role, with_password, label = "vice-chair", True, "member; vice-chair of the joint committee"
            p = person(f"{code}:{index}", full_name, position, ("member",), with_password)
            if with_password:
                sign_ins[-1] = (p.email, sign_ins[-1][1], label)
            session.add(
                Membership(
                    person_id=p.id,
                    committee_id=committee.id,
                    organisation_id=voting[code].id,
                    committee_role=committee_role,
                    voting=True,
                    date_from=today - timedelta(days=1200),
                )
            )
    for index, (full_name, position) in enumerate(ATTENDEES):
        org = _ensure_org(session, ATTENDING_ORGANISATIONS[index], "other")
        key = ("LMC", "HWB", "HW")[index] + ":0"
        p = person(key, full_name, position, ("member",), False)
        session.add(
            Membership(
                person_id=p.id,
                committee_id=committee.id,
                organisation_id=org.id,
                committee_role="attendee",
                voting=False,
                date_from=today - timedelta(days=900),
            )
        )
    governance = create_person(
        session,
        email=f"governance.lead@{DEMO_DOMAIN}",
        full_name="Morag Ellison",
        password=(gpw := _password()),
        roles=("governance",),
        position="Head of Corporate Governance",
        decision_maker=False,
    )
    sign_ins.append((governance.email, gpw, "governance"))

    for n, (key, itype, role, code, org_text, description, days_ago, ended_days_ago, relationship) in enumerate(
        INTERESTS
    ):
        org = _org(session, code) if code else None
        started = today - timedelta(days=days_ago)
        # Most were declared within a fortnight; one was declared two months late.
        delay = 60 if description == LATE_DECLARATION else 3 + n % 10
        declare_interest(
            session,
            people[key].id,
            interest_type=itype,
            description=description,
            role=role,
            organisation_id=org.id if org else None,
            organisation_text="" if org else org_text,
            relationship=relationship,
            holder_name="" if not relationship else f"{people[key].full_name}'s {relationship}",
            date_from=started,
            date_to=today - timedelta(days=ended_days_ago) if ended_days_ago else None,
            mitigation=MITIGATION.get(role, ""),
            publish=key != WITHHELD[0] or itype != "indirect",
            withheld_reason=WITHHELD[1] if key == WITHHELD[0] and itype == "indirect" else "",
            declared_at=datetime.combine(min(started + timedelta(days=delay), today), time(10), tzinfo=timezone.utc),
            actor_id=people[key].id,
        )
    for key, kind, days_ago in RETURNS:
        make_return(session, people[key].id, kind, today - timedelta(days=days_ago), actor_id=people[key].id)
    for key, kind, donor, pence, supplier, days_ago, description, outcome, on_behalf, approval in GIFTS:
        gift_service.record_offer(
            session,
            people[key].id,
            kind=kind,
            donor=donor,
            value_pence=pence,
            donor_is_supplier=supplier,
            offered_on=today - timedelta(days=days_ago),
            description=description,
            outcome=outcome,
            on_behalf_of_organisation=on_behalf,
            senior_approval=approval,
            actor_id=people[key].id,
        )
    session.flush()
    publish(session, governance.id, today)
    _demo_meeting(session, committee, people["08P:2"].id, today)
    return sign_ins


DEMO_AGENDA = """1 Welcome, apologies and confirmation of quoracy
2 Declarations of interest
3 Minutes of the previous meeting and action log
4.1 St James Medical Centre (H83012): extension of the APMS contract
4.2 Primary Care North Croydon PCN: additional roles reimbursement scheme plan
4.3 Croydon GP Collaborative: award of the extended access hub contract
4.4 Proposed merger of Canbury Medical Centre and The Churchill Medical Centre, Kingston
4.5 Merton GP Federation: direct award of the care homes enhanced service
4.6 Whitehorse Practice: premises improvement grant
5 Primary care finance report, month 7 (for information)
6 Any other business"""


def _demo_meeting(session: Session, committee: Committee, chair_id: int, today: date) -> None:
    from registry.models import Meeting
    from registry.services.meetings import add_items, screen_meeting
    from screening.documents import parse_agenda_text

    meeting = Meeting(
        committee_id=committee.id,
        title="Primary Care Joint Committee (part 1, in public)",
        meeting_date=today + timedelta(days=9),
        created_by_id=chair_id,
    )
    session.add(meeting)
    session.flush()
    add_items(session, meeting, parse_agenda_text(DEMO_AGENDA), chair_id)
    screen_meeting(session, meeting, chair_id)


def read_demo_sign_ins(instance: Path) -> list[tuple[str, str, str]]:
    path = instance / "demo-sign-ins.txt"
    if not path.exists():
        return []
    return [
        (email, password, roles)
        for email, password, roles in (
            line.split("\t") for line in path.read_text().splitlines() if line.count("\t") == 2
        )
    ]
