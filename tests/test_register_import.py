"""Importing an existing register from CSV or XLSX: parsing, the preview plan, writing, and the web flow."""
from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from coi.database import engine
from registry.db import session_scope
from registry.models import AuditEvent, DeclarationReturn, Interest, InterestHistory, Person
from registry.services import interests
from registry.services.accounts import create_person
from registry.services.register_import import (
    ADD, DUPLICATE, NHS_TEMPLATE, NIL, NIL_SKIPPED, REPEATED, SCREENING_CONTRACT, RegisterImportError,
    apply_import, lock_for_import, normalise_interest_type, parse_date, parse_register, plan_import)
from tests.conftest import csrf_from

NHS_HEADINGS = ["Name", "Position", "Type of interest", "Description", "Date from", "Date to", "Action taken"]
CONTRACT_HEADINGS = ["member_id", "name", "position", "interest_type", "description", "date_from", "date_to"]


def csv_bytes(rows, encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def xlsx_bytes(rows, title_rows=()) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Register"
    for row in [*title_rows, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


NHS_ROWS = [
    NHS_HEADINGS,
    ["Dr Ann Carter", "GP member", "Financial interests", "Partner, Canbury Medical Centre", "01/04/2019", "",
     "Leaves the meeting for items about the practice"],
    ["Dr Ann Carter", "GP member", "Non-financial professional interests", "Member of the local medical committee",
     "2018-06-01", "31/03/2020", ""],
    ["Mr Ben Doyle", "Lay member", "", "Nothing to declare", "", "", ""],
    ["Ms Cara Evans", "Chief officer", "Indirect interests", "Husband is a director of Acme Health Ltd",
     "3 March 2021", "Ongoing", "Declares at meetings"],
]


@pytest.fixture
def s(app):
    with app.app_context(), Session(engine(), expire_on_commit=False) as session:
        yield session


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


# --- Parsing ------------------------------------------------------------------------------------------------

def test_parses_the_nhs_template_from_csv():
    parsed = parse_register("register.csv", csv_bytes(NHS_ROWS))
    assert parsed.layout == NHS_TEMPLATE
    assert [r.problems for r in parsed.rows] == [[], [], [], []]
    ann, lmc, ben, cara = parsed.rows
    assert (ann.number, ann.name, ann.interest_type, ann.date_from, ann.date_to) == (
        2, "Dr Ann Carter", "financial", date(2019, 4, 1), None)
    assert ann.mitigation == "Leaves the meeting for items about the practice"
    assert (lmc.interest_type, lmc.date_from, lmc.date_to) == ("non-financial professional", date(2018, 6, 1),
                                                               date(2020, 3, 31))
    assert ben.nil and ben.interest_type == ""
    assert (cara.interest_type, cara.relationship, cara.date_from, cara.date_to) == (
        "indirect", "husband", date(2021, 3, 3), None)


def test_headings_are_case_and_spacing_insensitive_with_common_variants():
    headings = ["  NAME ", "Position", "Type of Interest", "Description of interest", "Date From", "Date  To",
                "Action taken to mitigate risk", "Notes"]
    parsed = parse_register("r.csv", csv_bytes([headings, ["A Person", "GP", "Financial", "Director, X Ltd",
                                                            "2020-01-01", "", "None needed", "ignored"]]))
    row = parsed.rows[0]
    assert row.problems == []
    assert (row.name, row.description, row.mitigation) == ("A Person", "Director, X Ltd", "None needed")
    assert parsed.ignored_columns == ["Notes"]


def test_parses_the_screening_contract_layout_with_extra_columns():
    rows = [CONTRACT_HEADINGS + ["source"],
            ["M1", "Dr Ann Carter", "GP member", "financial", "Partner, Canbury Medical Centre", "2019-04-01", "", "x"],
            ["M2", "Mr Ben Doyle", "Lay member", "", "", "", "", "y"],
            ["M3", "Ms Cara Evans", "Chief officer", "non-financial personal", "Trustee, Kingston Carers",
             "2020-02-01", "2021-02-01", "z"]]
    parsed = parse_register("register.csv", csv_bytes(rows))
    assert parsed.layout == SCREENING_CONTRACT
    assert parsed.ignored_columns == ["source"]
    assert [r.problems for r in parsed.rows] == [[], [], []]
    assert parsed.rows[0].member_id == "M1"
    assert parsed.rows[1].nil
    assert parsed.rows[2].interest_type == "non-financial personal"


def test_parses_xlsx_with_real_date_cells_and_a_title_row():
    rows = [NHS_HEADINGS,
            ["Dr Ann Carter", "GP", "Financial interests", "Partner, Canbury", datetime(2019, 4, 1), None, None],
            ["Dr Ann Carter", "GP", "Non-financial personal interests", "Trustee", date(2020, 5, 6),
             datetime(2021, 1, 2), "Noted"]]
    parsed = parse_register("register.xlsx", xlsx_bytes(rows, title_rows=[["Register of interests 2024"], []]))
    assert parsed.sheet == "Register"
    assert [r.number for r in parsed.rows] == [4, 5]
    assert [r.problems for r in parsed.rows] == [[], []]
    assert parsed.rows[0].date_from == date(2019, 4, 1)
    assert (parsed.rows[1].date_from, parsed.rows[1].date_to) == (date(2020, 5, 6), date(2021, 1, 2))


@pytest.mark.parametrize("text, expected", [
    ("2024-03-31", date(2024, 3, 31)), ("31/03/2024", date(2024, 3, 31)), ("1/4/2019", date(2019, 4, 1)),
    ("31.03.2024", date(2024, 3, 31)), ("31 March 2024", date(2024, 3, 31)), ("1 Sept 2020", date(2020, 9, 1)),
    ("3rd March 2021", date(2021, 3, 3)), ("", None), (datetime(2020, 1, 2, 0, 0), date(2020, 1, 2)),
])
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2024", "03/31/2024", "2024", "April 2019", "01/04/19", "yesterday",
                                  "1 Smarch 2020"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("text, expected", [
    ("Financial interests", "financial"), ("Non-financial professional interests", "non-financial professional"),
    ("Non-Financial Personal Interests", "non-financial personal"), ("Indirect interests", "indirect"),
    ("financial", "financial"), ("non-financial professional", "non-financial professional"),
    ("non-financial personal", "non-financial personal"), ("indirect", "indirect"), ("Gifts", None), ("", None),
])
def test_interest_types(text, expected):
    assert normalise_interest_type(text) == expected


def test_row_problems_name_the_row_and_column():
    rows = [NHS_HEADINGS,
            ["Dr Ann Carter", "GP", "Financial interests", "Partner", "31/31/2020", "", ""],
            ["", "GP", "Financial interests", "Partner", "2020-01-01", "", ""],
            ["Dr Dan Ford", "GP", "Gifts", "A bottle of wine", "2020-01-01", "", ""],
            ["Dr Eve Gray", "GP", "Financial interests", "Director", "2021-01-01", "2020-01-01", ""],
            ["Dr Fay Hill", "GP", "", "Director of a company", "2021-01-01", "", ""],
            ["Dr Gus Ives", "GP", "Indirect interests", "Director of Acme Ltd", "2021-01-01", "", ""]]
    parsed = parse_register("r.csv", csv_bytes(rows))
    problems = [r.problems for r in parsed.rows]
    assert problems[0] == ['row 2, column "Date from": "31/31/2020" is not a real date (use YYYY-MM-DD or DD/MM/YYYY)']
    assert problems[1] == ['row 3, column "Name": enter the person\'s name']
    assert problems[2][0].startswith('row 4, column "Type of interest": "Gifts" is not a type of interest')
    assert problems[3] == ['row 5, column "Date to": the interest cannot end before it started (Date from)']
    assert problems[4][0].startswith('row 6, column "Type of interest": enter the type of interest')
    assert problems[5][0].startswith('row 7, column "Description": for an indirect interest, say who holds it')


def test_csv_encodings():
    rows = [NHS_HEADINGS, ["Dr Zoë Ní Bhriain", "GP", "Financial", "Partner – Canbury", "2020-01-01", "", ""]]
    for data in (csv_bytes(rows), csv_bytes(rows, bom=True), csv_bytes(rows, encoding="cp1252")):
        parsed = parse_register("r.csv", data)
        assert parsed.rows[0].name == "Dr Zoë Ní Bhriain"
        assert parsed.rows[0].description == "Partner – Canbury"


@pytest.mark.parametrize("filename, data, message", [
    ("r.csv", b"", "empty"),
    ("r.csv", b"just,some,words\n1,2,3\n", "headings were not recognised"),
    ("r.csv", b"Name,Position,Date from\nA,B,2020-01-01\n", "no \"Type of interest\" column"),
    ("r.csv", b"Name,Type of interest,Date from,Date to\nA,Financial,,\n", 'no "Description" column'),
    ("r.csv", b"Name,Type of interest,Description,Name\nA,Financial,x,B\n", "two columns for Name"),
    ("r.csv", b"Name,Type of interest,Description\n", "no rows"),
    ("r.xlsx", b"this is not a zip file", "not a valid Excel"),
    ("r.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64, "password-protected"),
    ("r.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "old Excel"),
    ("r.pdf", b"%PDF-1.4", "must be a CSV or an Excel"),
    ("r.csv", b"Name,Type\x00", "binary"),
])
def test_whole_file_problems(filename, data, message):
    with pytest.raises(RegisterImportError, match=message):
        parse_register(filename, data)


def test_refuses_a_zip_that_is_not_a_workbook_and_oversized_files(monkeypatch):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(RegisterImportError, match="not an Excel"):
        parse_register("r.xlsx", out.getvalue())
    from registry.services import register_import

    monkeypatch.setattr(register_import, "MAX_FILE_BYTES", 100)
    with pytest.raises(RegisterImportError, match="smaller than"):
        parse_register("r.csv", b"x" * 101)
    monkeypatch.setattr(register_import, "MAX_FILE_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(register_import, "MAX_ROWS", 3)
    rows = [NHS_HEADINGS] + [[f"P{i}", "", "Financial", "x", "", "", ""] for i in range(20)]
    with pytest.raises(RegisterImportError, match="more than 3 rows"):
        parse_register("r.csv", csv_bytes(rows))
    with pytest.raises(RegisterImportError, match="more than 3 rows"):
        parse_register("r.xlsx", xlsx_bytes(rows))


def test_refuses_a_workbook_whose_xml_declares_entities():
    """An uploaded workbook's XML is parsed without entity expansion (defusedxml), so an XML bomb is refused
    before it expands; here a harmless entity stands in for one."""
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
    original = zipfile.ZipFile(io.BytesIO(xlsx_bytes(NHS_ROWS)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":  # openpyxl writes text inline in the sheet
                text = data.decode().replace("<worksheet", '<!DOCTYPE worksheet [<!ENTITY name "Name">]><worksheet', 1)
                data = text.replace("<t>Name</t>", "<t>&name;</t>", 1).encode()
            archive.writestr(info, data)
    assert b"&name;" in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    with pytest.raises(RegisterImportError, match="cannot be read"):
        parse_register("r.xlsx", out.getvalue())


# --- Writing ------------------------------------------------------------------------------------------------

def test_apply_import_writes_people_interests_history_nil_returns_and_one_audit_event(app, s):
    lead = create_person(s, email="lead@example.nhs.uk", full_name="Gov Lead", password=None, roles=["governance"])
    existing = create_person(s, email="ann@example.nhs.uk", full_name="DR ANN CARTER", password=None,
                             position="Existing position")
    s.commit()
    parsed = parse_register("register.csv", csv_bytes(NHS_ROWS))
    plan = plan_import(s, parsed)
    assert [p.outcome for p in plan.rows] == [ADD, ADD, NIL, ADD]
    assert plan.new_people == ["Mr Ben Doyle", "Ms Cara Evans"]
    assert count(s, Interest) == 0  # planning writes nothing

    result = apply_import(s, parsed, lead.id)
    s.commit()
    assert (result.people_created, result.interests_added, result.nil_returns) == (2, 3, 1)

    ann = s.exec(select(Interest).where(Interest.person_id == existing.id).order_by(Interest.id)).all()
    assert [i.interest_type for i in ann] == ["financial", "non-financial professional"]
    assert ann[0].mitigation == "Leaves the meeting for items about the practice"
    assert ann[0].declared_at.date() == date(2019, 4, 1)
    assert s.get(Person, existing.id).position == "Existing position"  # matched, not changed
    ben = s.exec(select(Person).where(Person.full_name == "Mr Ben Doyle")).one()
    assert (ben.email, ben.password_hash, ben.position, ben.decision_maker) == (None, None, "Lay member", True)
    nil = s.exec(select(DeclarationReturn).where(DeclarationReturn.person_id == ben.id)).one()
    assert (nil.kind, nil.as_of) == ("nil", date.today())
    cara = s.exec(select(Person).where(Person.full_name == "Ms Cara Evans")).one()
    indirect = s.exec(select(Interest).where(Interest.person_id == cara.id)).one()
    assert (indirect.relationship, indirect.mitigation) == ("husband", "Declares at meetings")

    for interest in s.exec(select(Interest)):
        history = interests.history_of(s, interest.id)
        assert [(h.change, h.changed_by_id) for h in history] == [("created", lead.id)]
    events = s.exec(select(AuditEvent).where(AuditEvent.action == "register.imported")).all()
    assert len(events) == 1
    assert events[0].actor_id == lead.id
    assert events[0].detail["interests_added"] == 3 and events[0].detail["people_created"] == 2


def test_imports_confirmed_at_the_same_moment_add_each_interest_once(any_db_url):
    """Two leads confirm overlapping imports together: the second plans only after the first commits, so it
    finds the rows already there (on PostgreSQL an advisory lock; on SQLite the write lock)."""
    import threading

    from registry.db import make_engine
    from registry.migrate import upgrade

    engine = make_engine(any_db_url)
    upgrade(engine)
    with session_scope(engine) as setup:
        lead_id = create_person(setup, email="lead@example.nhs.uk", full_name="Gov Lead", password=None,
                                roles=["governance"]).id
    parsed = parse_register("register.csv", csv_bytes(NHS_ROWS))
    first = Session(engine, expire_on_commit=False)
    lock_for_import(first)
    apply_import(first, parsed, lead_id, plan=plan_import(first, parsed))  # not committed yet
    outcomes = []

    def second_lead():
        with Session(engine) as second:
            lock_for_import(second)
            plan = plan_import(second, parsed)
            outcomes.extend(p.outcome for p in plan.rows)
            apply_import(second, parsed, lead_id, plan=plan)
            second.commit()

    thread = threading.Thread(target=second_lead)
    thread.start()
    thread.join(timeout=1.5)
    assert thread.is_alive()  # waiting for the first import
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert ADD not in outcomes and DUPLICATE in outcomes
    with Session(engine) as check:
        assert count(check, Interest) == 3
    engine.dispose()


def test_rows_with_problems_are_never_written(s):
    rows = [NHS_HEADINGS,
            ["Dr Ann Carter", "GP", "Financial", "Partner", "not a date", "", ""],
            ["Dr Bob Good", "GP", "Financial", "Director, Good Ltd", "2020-01-01", "", ""],
            ["Dr Ann Carter", "GP", "", "Nil", "", "", ""]]
    parsed = parse_register("r.csv", csv_bytes(rows))
    result = apply_import(s, parsed, None)
    s.commit()
    assert result.interests_added == 1 and result.rows_with_problems == 1
    assert [p.full_name for p in s.exec(select(Person))] == ["Dr Bob Good"]  # Ann is not even created
    assert count(s, DeclarationReturn) == 0  # Ann's nil return waits until her other row is fixed


def test_re_importing_the_same_file_adds_nothing(s):
    data = csv_bytes(NHS_ROWS)
    apply_import(s, parse_register("r.csv", data), None)
    s.commit()
    before = (count(s, Person), count(s, Interest), count(s, InterestHistory), count(s, DeclarationReturn))
    again = parse_register("r.xlsx", xlsx_bytes(NHS_ROWS))  # the same register, saved as Excel
    plan = plan_import(s, again)
    assert [p.outcome for p in plan.rows].count(DUPLICATE) == 3
    assert plan.to_write == 0
    assert "already on the register" in plan.rows[0].message
    result = apply_import(s, again, None)
    s.commit()
    assert (count(s, Person), count(s, Interest), count(s, InterestHistory), count(s, DeclarationReturn)) == before
    assert result.already_on_register == 4 and result.interests_added == 0


def test_repeated_rows_in_one_file_are_added_once(s):
    row = ["Dr Ann Carter", "GP", "Financial", "Partner,  Canbury", "2020-01-01", "", ""]
    parsed = parse_register("r.csv", csv_bytes([NHS_HEADINGS, row, row[:3] + ["partner, canbury"] + row[4:]]))
    plan = plan_import(s, parsed)
    assert [p.outcome for p in plan.rows] == [ADD, REPEATED]
    apply_import(s, parsed, None)
    assert count(s, Interest) == 1


def test_no_nil_return_for_someone_with_current_interests(s):
    person = create_person(s, email="a@example.nhs.uk", full_name="Dr Ann Carter", password=None)
    interests.declare_interest(s, person.id, actor_id=None, interest_type="financial", description="Partner",
                               date_from=date(2020, 1, 1))
    s.commit()
    parsed = parse_register("r.csv", csv_bytes([NHS_HEADINGS, ["Dr Ann Carter", "GP", "", "Nil", "", "", ""]]))
    assert [p.outcome for p in plan_import(s, parsed).rows] == [NIL_SKIPPED]
    result = apply_import(s, parsed, None)
    assert result.nil_returns == 0 and result.nil_not_recorded == 1
    assert count(s, DeclarationReturn) == 0


def test_same_name_twice_on_the_register_is_not_guessed(s):
    create_person(s, email="a1@example.nhs.uk", full_name="Dr Ann Carter", password=None)
    create_person(s, email="a2@example.nhs.uk", full_name="Dr Ann Carter", password=None)
    s.commit()
    parsed = parse_register("r.csv", csv_bytes(NHS_ROWS[:2]))
    assert plan_import(s, parsed).rows[0].outcome == "ambiguous"
    assert apply_import(s, parsed, None).interests_added == 0
    assert count(s, Interest) == 0


# --- Web flow -----------------------------------------------------------------------------------------------

def upload(client, data: bytes, filename: str = "register.csv"):
    token = csrf_from(client.get("/governance/import").get_data(as_text=True))
    return client.post("/governance/import", data={"csrf_token": token, "register_file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def pending_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "imports"
    return sorted(folder.glob("*")) if folder.exists() else []


def table_counts(app):
    with app.app_context(), session_scope(engine()) as s:
        return tuple(count(s, m) for m in (Person, Interest, InterestHistory, DeclarationReturn, AuditEvent))


PROBLEM_ROWS = NHS_ROWS + [["Dr Dan Ford", "GP", "Financial", "Partner, Ford Surgery", "32/01/2020", "", ""]]


def test_upload_preview_confirm(app, signed_in):
    client, lead_id = signed_in("governance")
    response = upload(client, csv_bytes(PROBLEM_ROWS))
    assert response.status_code == 302 and response.headers["Location"].endswith("/governance/import/preview")
    assert len(pending_files(app)) == 1
    before = table_counts(app)
    page = html.unescape(client.get("/governance/import/preview").get_data(as_text=True))
    assert "Check the import" in page
    assert 'Row 6, column "Date from": "32/01/2020" is not a real date' in page
    assert "Import 4 rows" in page
    assert table_counts(app) == before  # the preview writes nothing

    plan = re.search(r'name="plan"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="plan"', page)
    response = client.post("/governance/import/confirm", data={"csrf_token": csrf_from(page), "plan": plan.group(1)})
    assert response.status_code == 302 and "/governance/interests" in response.headers["Location"]
    assert pending_files(app) == []
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Register imported: 3 interests added" in listing
    assert "Partner, Canbury Medical Centre" in listing
    assert "Partner, Ford Surgery" not in listing
    with app.app_context(), session_scope(engine()) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "register.imported")).one()
        assert event.actor_id == lead_id and event.detail["rows_with_problems"] == 1

    # confirming again (a double click) imports nothing more
    response = client.post("/governance/import/confirm", data={"csrf_token": csrf_from(page), "plan": plan.group(1)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/governance/import")
    with app.app_context(), session_scope(engine()) as s:
        assert count(s, Interest) == 3


def test_upload_then_cancel_writes_nothing(app, signed_in):
    client, _ = signed_in("governance")
    before = table_counts(app)
    upload(client, csv_bytes(NHS_ROWS))
    page = client.get("/governance/import/preview").get_data(as_text=True)
    assert len(pending_files(app)) == 1
    response = client.post("/governance/import/cancel", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert "Nothing was added" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert pending_files(app) == []
    assert table_counts(app) == before
    assert client.get("/governance/import/preview").status_code == 302  # nothing waiting any more


def test_confirm_without_csrf_or_after_expiry_writes_nothing(app, signed_in):
    client, _ = signed_in("governance")
    upload(client, csv_bytes(NHS_ROWS))
    page = client.get("/governance/import/preview").get_data(as_text=True)
    before = table_counts(app)
    assert client.post("/governance/import/confirm", data={}).status_code == 400
    app.config["REGISTER_IMPORT_MAX_AGE_SECONDS"] = 0
    plan = re.search(r'name="plan"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="plan"', page)
    import time

    time.sleep(0.05)
    response = client.post("/governance/import/confirm", data={"csrf_token": csrf_from(page), "plan": plan.group(1)})
    assert response.headers["Location"].endswith("/governance/import")
    assert "more than an hour" in client.get("/governance/import").get_data(as_text=True)
    assert pending_files(app) == []
    assert table_counts(app) == before


def test_confirm_after_the_register_changed_shows_the_preview_again(app, signed_in):
    client, _ = signed_in("governance")
    upload(client, csv_bytes(NHS_ROWS))
    page = client.get("/governance/import/preview").get_data(as_text=True)
    response = client.post("/governance/import/confirm", data={"csrf_token": csrf_from(page), "plan": "stale"})
    assert response.headers["Location"].endswith("/governance/import/preview")
    assert len(pending_files(app)) == 1
    with app.app_context(), session_scope(engine()) as s:
        assert count(s, Interest) == 0


def test_bad_file_shows_an_error_summary(app, signed_in):
    client, _ = signed_in("governance")
    response = upload(client, b"%PDF-1.4 not a register", "minutes.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "must be a CSV or an Excel" in page
    assert 'href="#register_file"' in page
    assert pending_files(app) == []
    page = client.post("/governance/import", data={"csrf_token": csrf_from(page)},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Select a CSV or Excel file to import" in page


@pytest.mark.parametrize("role", ["member", "chair"])
def test_only_governance_leads_can_import(app, signed_in, role):
    client, _ = signed_in(role)
    assert client.get("/governance/import").status_code == 403
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/governance/import", data={"csrf_token": token,
                                                       "register_file": (io.BytesIO(csv_bytes(NHS_ROWS)), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert client.post("/governance/import/confirm", data={"csrf_token": token}).status_code == 403
    assert pending_files(app) == []
