"""A small committee with real Croydon and Kingston practices, for meeting tests."""

from datetime import date, timedelta

from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import Committee, Meeting, Membership, Organisation, VotingOrganisation
from registry.services import interests
from registry.services.accounts import create_person
from registry.services.directory import import_directory
from tests.conftest import PASSWORD
from tests.test_directory_import import _epraccur_row, write_epraccur, write_pcn_map

PRACTICES = [
    ("H83012", "ST JAMES MEDICAL CENTRE", "ST.JAMES'S MEDICAL CENTRE", "CROYDON", "CR0 2BZ"),
    ("H83009", "NORBURY MEDICAL PRACTICE", "NORBURY HEALTH CENTRE", "NORBURY", "SW16 4NL"),
    ("H84010", "CANBURY MEDICAL CENTRE", "CANBURY MEDICAL CENTRE", "KINGSTON-UPON-THAMES", "KT2 6HR"),
    ("H84027", "CHURCHILL MEDICAL CENTRE", "THE CHURCHILL MED CTR", "KINGSTON-UPON-THAMES", "KT2 6PG"),
]


def build(app, tmp_path, quorum_rule="NHSE and majority of CCG"):
    """Returns ids: people by key, the committee and an upcoming meeting."""
    epraccur = tmp_path / "epraccur.csv"
    write_epraccur(epraccur, [_epraccur_row(c, n, b, t, p, "36L") for c, n, b, t, p in PRACTICES])
    pcn_map = tmp_path / "pcn_map.csv"
    write_pcn_map(
        pcn_map,
        [
            ("H83012", "U85744", "PRIMARY CARE NORTH CROYDON PCN"),
            ("H83009", "U85744", "PRIMARY CARE NORTH CROYDON PCN"),
            ("H84010", "U37262", "CANBURY CHURCHILL ORCHARD BERRYLANDS PCN"),
            ("H84027", "U37262", "CANBURY CHURCHILL ORCHARD BERRYLANDS PCN"),
        ],
    )
    today = date.today()
    with app.app_context(), session_scope(engine()) as s:
        import_directory(s, epraccur, pcn_map)
        committee = Committee(name="Joint Committee", quorum_rule=quorum_rule)
        s.add(committee)
        s.flush()
        orgs = {}
        for name, group in (("NHS Croydon CCG", "CCG"), ("NHS Kingston CCG", "CCG"), ("NHS England", "NHSE")):
            org = Organisation(name=name, kind="commissioner")
            s.add(org)
            s.flush()
            orgs[name] = org
            s.add(VotingOrganisation(committee_id=committee.id, organisation_id=org.id, voting_group=group))
        people = {}
        spec = [
            ("croydon_gp", "Dr Croydon GP", "NHS Croydon CCG"),
            ("croydon_lay", "Croydon Lay", "NHS Croydon CCG"),
            ("kingston_gp", "Dr Kingston GP", "NHS Kingston CCG"),
            ("kingston_gp2", "Dr Kingston Two", "NHS Kingston CCG"),
            ("nhse", "NHSE Director", "NHS England"),
        ]
        for key, name, org in spec:
            p = create_person(s, email=f"{key}@example.nhs.uk", full_name=name, password=PASSWORD, roles=("member",))
            s.add(
                Membership(
                    person_id=p.id,
                    committee_id=committee.id,
                    organisation_id=orgs[org].id,
                    voting=True,
                    date_from=today - timedelta(days=365),
                )
            )
            people[key] = p.id
        chair = create_person(
            s, email="chair@example.nhs.uk", full_name="Committee Chair", password=PASSWORD, roles=("member",)
        )
        # chairing is a committee role: an independent chair without a vote
        s.add(
            Membership(
                person_id=chair.id,
                committee_id=committee.id,
                committee_role="chair",
                voting=False,
                date_from=today - timedelta(days=365),
            )
        )
        people["chair"] = chair.id

        def code(ods_code):
            return s.exec(select(Organisation).where(Organisation.ods_code == ods_code)).one().id

        def declare(key, **fields):
            return interests.declare_interest(
                s, people[key], actor_id=people[key], date_from=date(2018, 1, 1), **fields
            )

        declare(
            "croydon_gp",
            interest_type="financial",
            role="partner",
            organisation_id=code("H83012"),
            description="Partner, St James Medical Centre",
        )
        declare(
            "kingston_gp",
            interest_type="financial",
            role="partner",
            organisation_id=code("H84010"),
            description="Partner at Canbury Medical Centre",
        )
        declare(
            "kingston_gp2",
            interest_type="financial",
            role="salaried GP",
            organisation_id=code("H84027"),
            description="Salaried GP, Churchill Medical Centre",
        )
        declare(
            "croydon_lay",
            interest_type="non-financial personal",
            role="patient",
            organisation_id=code("H83009"),
            description="Registered patient at Norbury Medical Practice",
        )
        meeting = Meeting(committee_id=committee.id, title="Committee meeting", meeting_date=today + timedelta(days=7))
        s.add(meeting)
        s.flush()
        return {"people": people, "committee": committee.id, "meeting": meeting.id}


AGENDA = """1 Apologies
2.1 St James Medical Centre (H83012): APMS contract extension
2.2 Proposed merger of Canbury Medical Centre and Churchill Medical Centre
2.3 Norbury Medical Practice: premises grant
3 Finance report (for information)"""
