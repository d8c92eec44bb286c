"""Bulk import of people and committee memberships (CSV or XLSX): parsing, the plan, writing, and the web flow."""

from __future__ import annotations

import csv
import html
import io
from datetime import date

import pytest
from sqlmodel import Session, func, select

from coi.database import engine
from registry.db import session_scope
from registry.models import AuditEvent, Committee, Membership, Organisation, Person
from registry.services import committees
from registry.services.accounts import chaired_committees, create_person
from registry.services.people_import import (
    ADD,
    ALREADY,
    PROBLEM,
    PeopleImportError,
    apply_people,
    parse_people,
    plan_people,
)
from tests.conftest import csrf_from
from coi.idempotency import new_key  # every signed-in form carries one

HEADINGS = [
    "Name",
    "Email",
    "Position",
    "Committee",
    "Committee role",
    "Voting",
    "Organisation represented",
    "Date from",
    "Date to",
    "Decision-maker",
]
COMMITTEE = "Primary Care Commissioning Committee"
ROWS = [
    HEADINGS,
    [
        "Dr Ann Carter",
        "Ann.Carter@example.nhs.uk",
        "GP member",
        COMMITTEE,
        "Chair",
        "Yes",
        "NHS Croydon CCG",
        "01/04/2024",
        "",
        "Yes",
    ],
    ["Ben Doyle", "ben.doyle@example.nhs.uk", "Lay member", COMMITTEE, "vice-chair", "N", "", "1 April 2024", "", ""],
    [
        "Cara Evans",
        "cara.evans@example.nhs.uk",
        "Healthwatch lead",
        COMMITTEE,
        "Attendee",
        "no",
        "Healthwatch Croydon",
        "",
        "",
        "No",
    ],
]


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows, title_rows=()) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "ESR export"
    for row in [*title_rows, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def s(app):
    with app.app_context(), Session(engine(), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def committee(app):
    """The committee, with NHS Croydon CCG and NHS England voting."""
    with app.app_context(), session_scope(engine()) as session:
        c = committees.create_committee(
            session, name=COMMITTEE, kind="primary care commissioning committee", area_codes=[], actor_id=None
        )
        committees.add_voting_organisation(session, c, name="NHS Croydon CCG", voting_group="CCG", actor_id=None)
        committees.add_voting_organisation(session, c, name="NHS England", voting_group="NHSE", actor_id=None)
        return c.id


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def problems(parsed_or_plan) -> dict[int, list[str]]:
    rows = [p.row for p in parsed_or_plan.rows] if hasattr(parsed_or_plan, "digest") else parsed_or_plan.rows
    return {r.number: r.problems for r in rows if r.problems}


# --- Parsing ------------------------------------------------------------------------------------------------


def test_reads_csv_and_xlsx_alike():
    from_csv = parse_people("esr.csv", csv_bytes(ROWS))
    from_xlsx = parse_people("esr.xlsx", xlsx_bytes(ROWS, title_rows=[["ESR export, committee members"]]))
    assert from_xlsx.header_row == 2 and from_xlsx.sheet == "ESR export"
    for parsed in (from_csv, from_xlsx):
        assert problems(parsed) == {}
        ann, ben, cara = parsed.rows
        assert (ann.name, ann.email, ann.committee_role, ann.voting, ann.date_from, ann.decision_maker) == (
            "Dr Ann Carter",
            "ann.carter@example.nhs.uk",
            "chair",
            True,
            date(2024, 4, 1),
            True,
        )
        assert (ben.committee_role, ben.voting, ben.date_from, ben.decision_maker) == (
            "vice-chair",
            False,
            date(2024, 4, 1),
            None,
        )
        assert (cara.committee_role, cara.voting, cara.organisation, cara.decision_maker) == (
            "attendee",
            False,
            "Healthwatch Croydon",
            False,
        )


def test_row_and_column_errors_name_the_heading_as_written():
    rows = [
        [
            "Full name",
            "E-mail",
            "Job title",
            "Committee",
            "Role on committee",
            "Voting (Y/N)",
            "Start date",
            "End date",
        ],
        ["Ann Carter", "not-an-email", "GP", COMMITTEE, "Treasurer", "maybe", "31/02/2024", ""],
        ["Ben Doyle", "ben@example.nhs.uk", "GP", COMMITTEE, "member", "no", "01/04/2024", "01/03/2024"],
        ["", "", "", "", "", "", "", ""],  # blank: skipped
        ["", "cara@example.nhs.uk", "", "", "", "", "", ""],
    ]
    parsed = parse_people("people.csv", csv_bytes(rows))
    found = problems(parsed)
    assert sorted(found) == [2, 3, 5]
    ann = " ".join(found[2])
    assert 'row 2, column "E-mail": "not-an-email" is not an email address' in ann
    assert (
        'row 2, column "Role on committee": "Treasurer" is not a committee role (use chair, vice-chair, member '
        "or attendee)" in ann
    )
    assert 'row 2, column "Voting (Y/N)": "maybe" is not yes or no' in ann
    assert 'row 2, column "Start date": "31/02/2024" is not a real date' in ann
    assert found[3] == [
        'row 3, column "End date": the membership must end on or after the date it starts (1 April 2024)'
    ]
    assert 'row 5, column "Full name": enter the person\'s full name' in found[5]
    assert 'row 5, column "Committee": enter the committee\'s name' in found[5]


def test_duplicate_email_within_the_file():
    rows = [
        HEADINGS,
        ["Ann Carter", "ann@example.nhs.uk", "", COMMITTEE, "member", "no", "", "", "", ""],
        ["Anne Other", "ANN@example.nhs.uk", "", "Audit committee", "member", "no", "", "", "", ""],
        ["Ann Carter", "ann@example.nhs.uk", "", COMMITTEE, "member", "no", "", "", "", ""],
        ["Ann Carter", "ann@example.nhs.uk", "", "Audit committee", "member", "no", "", "", "", ""],
    ]
    found = problems(parse_people("people.csv", csv_bytes(rows)))
    assert found[3] == [
        'row 3, column "Email": ann@example.nhs.uk is also in row 2, for Ann Carter: one email address is one person'
    ]
    assert found[4] == [
        f'row 4, column "Email": ann@example.nhs.uk is already in row 2 for {COMMITTEE}: each person once per committee'
    ]
    assert 5 not in found  # the same person on a second committee is a second membership


@pytest.mark.parametrize(
    "data,name,message",
    [
        (b"", "people.csv", "empty"),
        (csv_bytes([["Name", "Email"], ["Ann", "ann@example.nhs.uk"]]), "people.csv", "headings were not recognised"),
        (csv_bytes([HEADINGS]), "people.csv", "no rows of people"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "people.xls", "old Excel"),
        (b"PK\x03\x04 not really a zip", "people.xlsx", "not a valid Excel"),
        (b"hello", "people.pdf", "must be a CSV or an Excel"),
    ],
)
def test_whole_file_problems(data, name, message):
    with pytest.raises(PeopleImportError, match=message):
        parse_people(name, data)


# --- Planning and writing -------------------------------------------------------------------------------


def test_plan_checks_committee_role_vote_and_organisation_against_the_database(s, committee):
    create_person(s, email="zed@example.nhs.uk", full_name="Zed Young", password=None)
    s.commit()
    rows = [
        HEADINGS,
        ["Ann Carter", "ann@example.nhs.uk", "", "Finance committee", "member", "no", "", "", "", ""],
        ["Ben Doyle", "ben@example.nhs.uk", "", COMMITTEE.upper(), "member", "yes", "Acme Ltd", "", "", ""],
        ["Cara Evans", "cara@example.nhs.uk", "", COMMITTEE, "member", "yes", "", "", "", ""],
        ["Dan Ford", "zed@example.nhs.uk", "", COMMITTEE, "member", "no", "", "", "", ""],
        ["Eve Gray", "eve@example.nhs.uk", "", COMMITTEE, "chair", "yes", "NHS England", "", "", ""],
        ["Fay Hall", "fay@example.nhs.uk", "", COMMITTEE, "Chair", "no", "", "01/01/2025", "", ""],
        ["Gus Ide", "gus@example.nhs.uk", "", COMMITTEE, "member", "", "nhs croydon ccg", "", "", ""],
    ]
    plan = plan_people(s, parse_people("people.csv", csv_bytes(rows)))
    found = problems(plan)
    assert found[2] == [
        'row 2, column "Committee": there is no committee called "Finance committee": add it on the '
        "committees page first, or correct the name"
    ]
    assert found[3] == [
        f'row 3, column "Organisation represented": "Acme Ltd" does not vote on {COMMITTEE}: use one '
        "of NHS Croydon CCG, NHS England, or make the member non-voting"
    ]
    assert found[4][0].startswith('row 4, column "Voting": a voting member represents one of the committee')
    assert found[5] == ['row 5, column "Email": zed@example.nhs.uk is the email address of Zed Young, not Dan Ford']
    assert found[7] == [
        f'row 7, column "Committee role": row 6 already makes someone chair of {COMMITTEE} for those dates'
    ]
    outcomes = {p.row.number: p.outcome for p in plan.rows}
    assert outcomes[6] == ADD and outcomes[8] == ADD
    gus = plan.rows[-1]
    assert gus.voting is True and "No vote given: read as voting" in gus.row.notes


def test_apply_adds_people_and_memberships_once_and_makes_the_chair_able_to_run_meetings(s, committee):
    parsed = parse_people("esr.xlsx", xlsx_bytes(ROWS))
    plan = plan_people(s, parsed)
    assert [p.outcome for p in plan.rows] == [ADD, ADD, ADD]
    assert plan.new_people == ["Dr Ann Carter", "Ben Doyle", "Cara Evans"]
    result = apply_people(s, parsed, actor_id=None, plan=plan)
    s.commit()
    assert (result.people_created, result.memberships_added) == (3, 3)
    ann = s.exec(select(Person).where(Person.email == "ann.carter@example.nhs.uk")).one()
    assert (ann.full_name, ann.position, ann.decision_maker, ann.password_hash) == (
        "Dr Ann Carter",
        "GP member",
        True,
        None,
    )
    cara = s.exec(select(Person).where(Person.email == "cara.evans@example.nhs.uk")).one()
    assert cara.decision_maker is False
    assert chaired_committees(s, ann.id) == {committee}
    ben = s.exec(select(Person).where(Person.email == "ben.doyle@example.nhs.uk")).one()
    assert chaired_committees(s, ben.id) == {committee}  # vice-chair
    assert chaired_committees(s, cara.id) == frozenset()
    membership = s.exec(select(Membership).where(Membership.person_id == ann.id)).one()
    ccg = s.exec(select(Organisation).where(Organisation.name == "NHS Croydon CCG")).one()
    assert (membership.committee_role, membership.voting, membership.organisation_id, membership.date_from) == (
        "chair",
        True,
        ccg.id,
        date(2024, 4, 1),
    )
    healthwatch = s.exec(select(Membership).where(Membership.person_id == cara.id)).one()
    assert healthwatch.organisation_id is None  # not in the directory: said on the preview, not recorded
    actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("person.created") == 3 and actions.count("membership.added") == 3
    assert actions[-1] == "people.imported"

    # The same file again adds nothing
    people_before, memberships_before = count(s, Person), count(s, Membership)
    again = plan_people(s, parse_people("esr.csv", csv_bytes(ROWS)))
    assert [p.outcome for p in again.rows] == [ALREADY, ALREADY, ALREADY]
    result = apply_people(s, parse_people("esr.csv", csv_bytes(ROWS)), actor_id=None)
    s.commit()
    assert (result.people_created, result.memberships_added, result.already_members) == (0, 0, 3)
    assert (count(s, Person), count(s, Membership)) == (people_before, memberships_before)


def test_register_imported_person_without_email_is_linked_by_name(s, committee):
    imported = create_person(s, email=None, full_name="Dr Ann Carter", password=None, position="")
    s.commit()
    parsed = parse_people("esr.csv", csv_bytes(ROWS[:2]))
    plan = plan_people(s, parsed)
    assert plan.rows[0].person_action == "link" and plan.rows[0].person_id == imported.id
    result = apply_people(s, parsed, actor_id=None, plan=plan)
    s.commit()
    assert (result.people_created, result.people_linked, result.memberships_added) == (0, 1, 1)
    s.refresh(imported)
    assert (imported.email, imported.position) == ("ann.carter@example.nhs.uk", "GP member")
    assert chaired_committees(s, imported.id) == {committee}
    assert count(s, Person) == 1


def test_no_email_links_to_the_one_person_of_that_name_and_ambiguous_names_are_refused(s, committee):
    rows = [HEADINGS, ["Ann Carter", "", "", COMMITTEE, "member", "no", "", "", "", ""]]
    create_person(s, email=None, full_name="Ann Carter", password=None)
    s.commit()
    plan = plan_people(s, parse_people("p.csv", csv_bytes(rows)))
    assert (plan.rows[0].outcome, plan.rows[0].person_action) == (ADD, "existing")
    create_person(s, email=None, full_name="ann  carter", password=None)
    s.commit()
    plan = plan_people(s, parse_people("p.csv", csv_bytes(rows)))
    assert plan.rows[0].outcome == PROBLEM
    assert "2 people are called Ann Carter" in plan.rows[0].row.problems[0]


def test_existing_membership_with_another_role_and_existing_chair_are_problems(s, committee):
    holder = create_person(s, email="holder@example.nhs.uk", full_name="Holder", password=None)
    ann = create_person(s, email="ann.carter@example.nhs.uk", full_name="Dr Ann Carter", password=None)
    c = s.get(Committee, committee)
    committees.add_membership(
        s,
        c,
        person_id=holder.id,
        committee_role="chair",
        organisation_id=None,
        voting=False,
        date_from=None,
        date_to=None,
        actor_id=None,
    )
    committees.add_membership(
        s,
        c,
        person_id=ann.id,
        committee_role="member",
        organisation_id=None,
        voting=False,
        date_from=None,
        date_to=None,
        actor_id=None,
    )
    s.commit()
    plan = plan_people(s, parse_people("p.csv", csv_bytes(ROWS[:2])))
    assert plan.rows[0].outcome == PROBLEM
    assert "Dr Ann Carter is already a member of" in plan.rows[0].row.problems[0]


def test_existing_person_details_are_not_changed_but_a_difference_is_noted(s, committee):
    create_person(s, email="cara.evans@example.nhs.uk", full_name="Cara Evans", password=None, decision_maker=True)
    s.commit()
    plan = plan_people(s, parse_people("p.csv", csv_bytes([HEADINGS, ROWS[3]])))
    assert plan.rows[0].outcome == ADD and plan.rows[0].person_action == "existing"
    assert any("Not changed" in note for note in plan.rows[0].row.notes)
    apply_people(s, parse_people("p.csv", csv_bytes([HEADINGS, ROWS[3]])), actor_id=None)
    s.commit()
    assert s.exec(select(Person).where(Person.email == "cara.evans@example.nhs.uk")).one().decision_maker is True


# --- The pages --------------------------------------------------------------------------------------------


def upload(client, data: bytes, filename: str):
    page = client.get("/governance/people/import")
    assert page.status_code == 200
    return client.post(
        "/governance/people/import",
        data={
            "idempotency_key": new_key(),
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "document": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def confirm(client, preview_html: str):
    import re

    digest = re.search(r'name="plan"[^>]*value="([^"]+)"', preview_html) or re.search(
        r'value="([^"]+)"[^>]*name="plan"', preview_html
    )
    key = re.search(r'name="idempotency_key" value="([^"]+)"', preview_html).group(1)
    return client.post(
        "/governance/people/import/confirm",
        data={"csrf_token": csrf_from(preview_html), "plan": digest.group(1), "idempotency_key": key},
    )


def test_upload_preview_confirm_and_reimport(signed_in, committee, app):
    client, _ = signed_in("governance")
    assert "Import people and memberships" in client.get("/governance/people").get_data(as_text=True)
    response = upload(client, xlsx_bytes(ROWS), "esr.xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith("/governance/people/import/preview")
    preview = client.get("/governance/people/import/preview").get_data(as_text=True)
    assert "Import 3 memberships" in preview and "New person Dr Ann Carter" in preview
    assert "Healthwatch Croydon" in preview and "is not in the directory" in preview
    response = confirm(client, preview)
    assert response.status_code == 302
    people = client.get("/governance/people").get_data(as_text=True)
    assert "People and memberships imported: 3 memberships added, 3 new people" in people
    # A second confirm of the same preview (a double click) imports nothing
    response = confirm(client, preview)
    assert response.status_code in (302, 303)
    with app.app_context(), Session(engine()) as s:
        assert count(s, Membership) == 3 and count(s, Person) == 4  # and the lead
    # The same file again: nothing to add
    upload(client, csv_bytes(ROWS), "esr.csv")
    preview = client.get("/governance/people/import/preview").get_data(as_text=True)
    assert "There is nothing in this file to add" in preview and preview.count("Already a member") >= 3


def test_preview_shows_row_and_column_errors_and_cancel_deletes_the_upload(signed_in, committee, app):
    client, _ = signed_in("governance")
    rows = [HEADINGS, ["Ann Carter", "ann@example.nhs.uk", "", "Nowhere committee", "boss", "yes", "", "", "", ""]]
    upload(client, csv_bytes(rows), "people.csv")
    preview = html.unescape(client.get("/governance/people/import/preview").get_data(as_text=True))
    assert (
        'Row 2, column "Committee role": "boss" is not a committee role (use chair, vice-chair, member or '
        "attendee)" in preview
    )
    assert "There is nothing in this file to add" in preview
    response = client.post(
        "/governance/people/import/cancel", data={"idempotency_key": new_key(), "csrf_token": csrf_from(preview)}
    )
    assert response.status_code == 302
    assert client.get("/governance/people/import/preview").status_code == 302  # nothing waiting


def test_upload_refuses_a_bad_file_with_a_message(signed_in):
    client, _ = signed_in("governance")
    response = upload(client, b"hello", "people.pdf")
    assert response.status_code == 200
    assert "must be a CSV or an Excel" in response.get_data(as_text=True)
    page = client.get("/governance/people/import")
    response = client.post(
        "/governance/people/import",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page.get_data(as_text=True))},
        content_type="multipart/form-data",
    )
    assert "Select a CSV or Excel file to import" in response.get_data(as_text=True)


def test_post_without_csrf_is_refused(signed_in):
    client, _ = signed_in("governance")
    response = client.post(
        "/governance/people/import",
        data={"document": (io.BytesIO(csv_bytes(ROWS)), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 400)
    assert client.get("/governance/people/import/preview").status_code == 302  # nothing stored


@pytest.mark.parametrize("roles", [("member",), ("chair",)])
def test_not_governance_gets_403(signed_in, roles):
    client, _ = signed_in(*roles)
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    assert client.get("/governance/people/import").status_code == 403
    assert client.get("/governance/people/import/preview").status_code == 403
    for path in ("", "/confirm", "/cancel"):
        response = client.post(
            f"/governance/people/import{path}",
            data={
                "idempotency_key": new_key(),
                "csrf_token": token,
                "document": (io.BytesIO(csv_bytes(ROWS)), "p.csv"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 403, path


def test_hostile_text_is_stored_as_text_and_rendered_escaped(signed_in, committee, app):
    client, _ = signed_in("governance")
    formula = "=cmd|' /C calc'!A0"
    script = "<script>alert(1)</script>"
    rows = [HEADINGS, [formula, "hostile@example.nhs.uk", script, COMMITTEE, "member", "no", "", "", "", ""]]
    upload(client, csv_bytes(rows), "hostile.csv")
    preview = client.get("/governance/people/import/preview").get_data(as_text=True)
    assert script not in preview and "&lt;script&gt;alert(1)&lt;/script&gt;" in preview
    confirm(client, preview)
    with app.app_context(), Session(engine()) as s:
        person = s.exec(select(Person).where(Person.email == "hostile@example.nhs.uk")).one()
        assert (person.full_name, person.position) == (formula, script)
    people = client.get("/governance/people").get_data(as_text=True)
    assert script not in people and "&lt;script&gt;" in people


def test_confirm_after_the_register_changed_shows_the_preview_again(signed_in, committee, app):
    client, _ = signed_in("governance")
    upload(client, csv_bytes(ROWS), "esr.csv")
    preview = client.get("/governance/people/import/preview").get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:  # meanwhile someone adds Ann by hand
        create_person(s, email="ann.carter@example.nhs.uk", full_name="Dr Ann Carter", password=None)
    response = confirm(client, preview)
    assert response.status_code == 302 and response.headers["Location"].endswith("/governance/people/import/preview")
    with app.app_context(), Session(engine()) as s:
        assert count(s, Membership) == 0
    preview = client.get("/governance/people/import/preview").get_data(as_text=True)
    assert "Check the preview again" in preview
    assert confirm(client, preview).status_code == 302
    with app.app_context(), Session(engine()) as s:
        assert count(s, Membership) == 3 and count(s, Person) == 4
