"""Company appointments nobody declared (issue 15): Companies House files and recorded API responses, matching by
name and month/year of birth, the governance list, the member's answer and the prefilled declaration."""

import json
from datetime import date

import pytest
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import AuditEvent, Committee, Membership, PersonBirthMonth, PossibleUndeclaredInterest
from registry.outside.companies_house import (
    CompaniesHouseApi,
    CompaniesHouseFileError,
    read_companies_house,
    read_companies_house_files,
    split_name,
)
from registry.services import interests, undeclared
from registry.services.accounts import create_person
from tests.conftest import csrf_from, shared_data, sign_in


def _samples() -> str:
    return shared_data("companies-house-sample") + "/"


PERIOD = (date(2025, 1, 1), date(2025, 12, 31))


def appointments_file(tmp_path, name, birth, items, file="appointments.json"):
    path = tmp_path / file
    path.write_text(
        json.dumps(
            {
                "kind": "personal-appointment",
                "name": name,
                "date_of_birth": birth,
                "is_corporate_officer": False,
                "links": {"self": "/officers/abc/appointments"},
                "items": [
                    {
                        "appointed_to": {"company_name": company, "company_number": number, "company_status": "active"},
                        "name": name,
                        "officer_role": role,
                        "appointed_on": start,
                        **({"resigned_on": end} if end else {}),
                    }
                    for company, number, role, start, end in items
                ],
            }
        )
    )
    return path


# --- reading ---------------------------------------------------------------------------------------------------


def test_every_captured_response_shape_is_read():
    brin = read_companies_house(_samples() + "a_officer-appointments_uQNQ-blSo-8PiOaehWClTPmbZNI.json")[0]
    assert (brin.company_name, brin.company_number, brin.role) == ("GOOGLE UK LIMITED", "03977902", "director")
    assert (brin.appointed_on, brin.resigned_on, brin.birth_month, brin.birth_year) == (
        date(2000, 9, 27),
        date(2004, 8, 4),
        8,
        1973,
    )
    assert (brin.surname, brin.forenames) == ("brin", ("sergey",)) and not brin.corporate
    corporate = read_companies_house(_samples() + "a_officer-appointments_YwIOmduyS6PW5axJgQQrsTGyRD0_corporate.json")
    assert corporate[0].corporate
    officers = read_companies_house(_samples() + "b_company-officers_07798925.json")
    assert len(officers) == 14 and {o.company_number for o in officers} == {"07798925"}
    assert sum(1 for o in officers if o.resigned_on) == 6
    one = read_companies_house(_samples() + "b_company-appointment_00445790_gE7Pw_lx4HWJvqSfwqudfusS9Ig.json")[0]
    assert (one.surname, one.forenames, one.company_number, one.birth_month) == ("bethell", ("melissa",), "00445790", 9)
    psc = read_companies_house(_samples() + "c_psc-bulk-snapshot-line_09145694.jsonl")[0]
    assert (psc.role, psc.surname, psc.resigned_on, psc.birth_year) == (
        undeclared.PSC_ROLE,
        "wildman",
        date(2018, 5, 14),
        1977,
    )
    assert read_companies_house(_samples() + "c_psc-list_03977902.json")[0].corporate  # Alphabet, Inc.


def test_names_are_split_as_companies_house_and_people_write_them():
    assert split_name("BETHELL, Melissa") == split_name("Dr Melissa Bethell") == ("bethell", ("melissa",))
    assert split_name("Sergey BRIN") == ("brin", ("sergey",))
    assert split_name("Mrs Nga Thanh Wildman", {"forename": "Nga", "middle_name": "Thanh", "surname": "Wildman"}) == (
        "wildman",
        ("nga", "thanh"),
    )


def test_a_malformed_file_names_the_field(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "kind": "personal-appointment",
                "items": [
                    {
                        "appointed_to": {"company_number": "1"},
                        "name": "A B",
                        "officer_role": "director",
                        "appointed_on": "yesterday",
                    }
                ],
            }
        )
    )
    with pytest.raises(CompaniesHouseFileError, match='bad.json, field "items\\[0\\].appointed_on": not a date'):
        read_companies_house(bad)
    (tmp_path / "x.json").write_text("[1, 2]")
    with pytest.raises(CompaniesHouseFileError, match="not a Companies House response"):
        read_companies_house(tmp_path / "x.json")


def test_the_api_is_read_from_recorded_responses_only():
    recorded = {
        "/search/officers?q=Sergey+Brin&items_per_page=50": json.dumps(
            {
                "items": [
                    {"title": "Sergey BRIN", "links": {"self": "/officers/uQNQ-blSo-8PiOaehWClTPmbZNI/appointments"}},
                    {"title": "Sergei BRINE", "links": {"self": "/officers/other/appointments"}},
                ]
            }
        ).encode(),
        "/officers/uQNQ-blSo-8PiOaehWClTPmbZNI/appointments": open(
            _samples() + "a_officer-appointments_uQNQ-blSo-8PiOaehWClTPmbZNI.json", "rb"
        ).read(),
    }
    asked = []

    def fetch(url, headers):
        asked.append((url, headers["Authorization"]))
        return recorded[url.removeprefix("https://api.example.test")]

    found = CompaniesHouseApi("key", "https://api.example.test", fetch=fetch).appointments_of("Sergey Brin")
    assert [(a.company_number, a.role) for a in found] == [("03977902", "director")]
    assert len(asked) == 2 and asked[0][1] == "Basic a2V5Og=="  # the key as the user name, no password
    with pytest.raises(Exception, match="No Companies House API key"):
        CompaniesHouseApi("", "https://api.example.test")


# --- matching against the register ---------------------------------------------------------------------------


@pytest.fixture
def people(app):
    with app.app_context(), session_scope(engine()) as s:
        committee = Committee(name="Primary care commissioning committee")
        s.add(committee)
        s.flush()
        ids = {}
        for key, name in (
            ("planted", "Dr Alice Planted"),
            ("declared", "Dr Dora Declared"),
            ("namesake", "Dr Nora Namesake"),
            ("unrecorded", "Dr Ursula Unrecorded"),
        ):
            person = create_person(s, email=f"{key}@example.nhs.uk", full_name=name, password="a long enough password")
            s.add(Membership(person_id=person.id, committee_id=committee.id))
            ids[key] = person.id
        interests.declare_interest(
            s,
            ids["declared"],
            actor_id=None,
            interest_type="financial",
            description="Director of Meadow Health Ltd",
            date_from=date(2019, 5, 1),
        )
        undeclared.set_birth_month(s, ids["namesake"], 4, 1970, actor_id=None)
        undeclared.set_birth_month(s, ids["planted"], 6, 1968, actor_id=None)
    return ids


def _find(app, paths, period=PERIOD):
    with app.app_context(), session_scope(engine()) as s:
        summary = undeclared.find_possible_undeclared(
            s, read_companies_house_files(paths), actor_id=None, period=period
        )
        return summary, {(r.person_id, r.company_number): r for r in s.exec(select(PossibleUndeclaredInterest))}


def test_planted_undeclared_directorship_is_listed_declared_one_and_namesake_are_not(app, people, tmp_path):
    files = [
        appointments_file(
            tmp_path,
            "PLANTED, Alice",
            {"month": 6, "year": 1968},
            [
                ("RIVERSIDE GP SERVICES LIMITED", "11223344", "director", "2024-03-01", None),  # planted: undeclared
                ("OLD CO LIMITED", "55667788", "director", "2010-01-01", "2015-01-01"),
            ],
            "planted.json",
        ),  # ended long ago
        appointments_file(
            tmp_path,
            "DECLARED, Dora",
            {"month": 2, "year": 1975},
            [("MEADOW HEALTH LIMITED", "99887766", "director", "2019-05-01", None)],
            "declared.json",
        ),
        appointments_file(
            tmp_path,
            "NAMESAKE, Nora",
            {"month": 11, "year": 1970},
            [  # another birth month
                ("ELSEWHERE HOLDINGS LTD", "12121212", "director", "2022-01-01", None)
            ],
            "namesake.json",
        ),
        appointments_file(
            tmp_path,
            "UNRECORDED, Ursula",
            {"month": 1, "year": 1980},
            [("MAYBE HER LTD", "34343434", "llp-member", "2023-01-01", None)],
            "unrecorded.json",
        ),
    ]
    summary, rows = _find(app, files)
    assert set(rows) == {(people["planted"], "11223344"), (people["unrecorded"], "34343434")}
    planted = rows[(people["planted"], "11223344")]
    assert planted.confidence == "name and birth" and planted.status == "open"
    assert "RIVERSIDE GP SERVICES LIMITED (11223344)" in planted.evidence and "since 2024-03-01" in planted.evidence
    assert rows[(people["unrecorded"], "34343434")].confidence == "name only"
    assert summary.declared == 1 and summary.namesakes == 1 and summary.not_current == 1
    again, _ = _find(app, files)  # a second check lists nothing twice
    assert not again.new and again.already_listed == 2


def test_declaring_it_later_closes_the_listing(app, people, tmp_path):
    path = appointments_file(
        tmp_path,
        "PLANTED, Alice",
        {"month": 6, "year": 1968},
        [("RIVERSIDE GP SERVICES LIMITED", "11223344", "director", "2024-03-01", None)],
    )
    _find(app, [path])
    with app.app_context(), session_scope(engine()) as s:
        interests.declare_interest(
            s,
            people["planted"],
            actor_id=people["planted"],
            interest_type="financial",
            description="Director of Riverside GP Services",
            date_from=date(2024, 3, 1),
        )
    summary, rows = _find(app, [path])
    assert summary.declared == 1 and rows[(people["planted"], "11223344")].status == "declared"


def test_birth_month_must_be_real(app, people):
    with app.app_context(), session_scope(engine()) as s:
        with pytest.raises(undeclared.UndeclaredError, match="1 to 12"):
            undeclared.set_birth_month(s, people["planted"], 13, 1970, actor_id=None)
        assert s.get(PersonBirthMonth, people["planted"]).birth_month == 6


# --- the pages ------------------------------------------------------------------------------------------------


def test_governance_uploads_files_the_member_declares_with_a_prefilled_form_or_explains(
    app, client, people, make_user, tmp_path
):
    lead_email, password, _ = make_user("governance")
    sign_in(client, lead_email, password)
    page = client.get("/governance/outside/undeclared").get_data(as_text=True)
    planted = appointments_file(
        tmp_path,
        "PLANTED, Alice",
        {"month": 6, "year": 1968},
        [
            ("RIVERSIDE GP SERVICES LIMITED", "11223344", "director", "2024-03-01", None),
            ("HILLTOP CARE LTD", "22334455", "director", "2023-01-01", None),
        ],
    )
    today = date.today()
    response = client.post(
        "/governance/outside/undeclared",
        data={
            "csrf_token": csrf_from(page),
            "idempotency_key": "k" * 24,
            "ch_files": [(open(planted, "rb"), "planted.json")],
            "period_from[day]": "1",
            "period_from[month]": "1",
            "period_from[year]": str(today.year - 1),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    listing = client.get("/governance/outside/undeclared").get_data(as_text=True)
    assert "Dr Alice Planted" in listing and "RIVERSIDE GP SERVICES LIMITED" in listing
    bad = client.post(
        "/governance/outside/undeclared", data={"csrf_token": csrf_from(listing), "idempotency_key": "b" * 24}
    )
    assert bad.status_code == 200 and "Select one or more Companies House files" in bad.get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_from(listing)})

    sign_in(client, "planted@example.nhs.uk", "a long enough password")
    mine = client.get("/governance/outside/mine").get_data(as_text=True)
    assert "Riverside" in mine.title() or "RIVERSIDE" in mine
    with app.app_context(), session_scope(engine()) as s:
        rows = {r.company_number: r.id for r in s.exec(select(PossibleUndeclaredInterest))}
    declare = client.post(
        f"/governance/outside/mine/{rows['11223344']}/declare",
        data={"csrf_token": csrf_from(mine), "idempotency_key": "d" * 24},
    )
    assert declare.status_code == 302 and declare.headers["Location"].startswith("/declarations/interests/new?")
    form = client.get(declare.headers["Location"]).get_data(as_text=True)
    assert 'value="RIVERSIDE GP SERVICES LIMITED"' in form
    assert "Director of RIVERSIDE GP SERVICES LIMITED (company number 11223344)" in form
    assert 'value="2024"' in form and 'value="director" selected' in form
    explain_page = client.get(f"/governance/outside/mine/{rows['22334455']}/explain").get_data(as_text=True)
    empty = client.post(
        f"/governance/outside/mine/{rows['22334455']}/explain",
        data={"csrf_token": csrf_from(explain_page), "idempotency_key": "e" * 24, "reason": " "},
    )
    assert "Enter the reason" in empty.get_data(as_text=True)
    done = client.post(
        f"/governance/outside/mine/{rows['22334455']}/explain",
        data={
            "csrf_token": csrf_from(explain_page),
            "idempotency_key": "f" * 24,
            "reason": "Dormant company, never traded",
        },
    )
    assert done.status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        status = {r.company_number: (r.status, r.reason) for r in s.exec(select(PossibleUndeclaredInterest))}
        actions = [e.action for e in s.exec(select(AuditEvent))]
    assert status == {
        "11223344": ("confirmed", "The member said they should declare this"),
        "22334455": ("explained", "Dormant company, never traded"),
    }
    assert {"undeclared.found", "undeclared.confirmed", "undeclared.explained"} <= set(actions)
