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
from registry.models import AuditEvent, DeclarationReturn, ImportColumnMapping, Interest, InterestHistory, Person
from registry.services import interests
from registry.services.accounts import create_person
from registry.services.register_import import (
    ADD,
    DUPLICATE,
    NEAR_DUPLICATE,
    NEAR_DUPLICATE_SCORE,
    NHS_TEMPLATE,
    NIL,
    NIL_SKIPPED,
    REPEATED,
    SCREENING_CONTRACT,
    RegisterImportError,
    apply_import,
    load_mappings,
    lock_for_import,
    normalise_interest_type,
    parse_date,
    parse_date_range,
    parse_register,
    plan_import,
    save_mappings,
    similarity,
)
from tests.conftest import csrf_from
from coi.idempotency import new_key  # every signed-in form carries one

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
    [
        "Dr Ann Carter",
        "GP member",
        "Financial interests",
        "Partner, Canbury Medical Centre",
        "01/04/2019",
        "",
        "Leaves the meeting for items about the practice",
    ],
    [
        "Dr Ann Carter",
        "GP member",
        "Non-financial professional interests",
        "Member of the local medical committee",
        "2018-06-01",
        "31/03/2020",
        "",
    ],
    ["Mr Ben Doyle", "Lay member", "", "Nothing to declare", "", "", ""],
    [
        "Ms Cara Evans",
        "Chief officer",
        "Indirect interests",
        "Husband is a director of Acme Health Ltd",
        "3 March 2021",
        "Ongoing",
        "Declares at meetings",
    ],
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
        2,
        "Dr Ann Carter",
        "financial",
        date(2019, 4, 1),
        None,
    )
    assert ann.mitigation == "Leaves the meeting for items about the practice"
    assert (lmc.interest_type, lmc.date_from, lmc.date_to) == (
        "non-financial professional",
        date(2018, 6, 1),
        date(2020, 3, 31),
    )
    assert ben.nil and ben.interest_type == ""
    assert (cara.interest_type, cara.relationship, cara.date_from, cara.date_to) == (
        "indirect",
        "husband",
        date(2021, 3, 3),
        None,
    )


def test_headings_are_case_and_spacing_insensitive_with_common_variants():
    headings = [
        "  NAME ",
        "Position",
        "Type of Interest",
        "Description of interest",
        "Date From",
        "Date  To",
        "Action taken to mitigate risk",
        "Internal reference",
    ]
    parsed = parse_register(
        "r.csv",
        csv_bytes(
            [headings, ["A Person", "GP", "Financial", "Director, X Ltd", "2020-01-01", "", "None needed", "ignored"]]
        ),
    )
    row = parsed.rows[0]
    assert row.problems == []
    assert (row.name, row.description, row.mitigation) == ("A Person", "Director, X Ltd", "None needed")
    assert parsed.ignored_columns == ["Internal reference"]


def test_parses_the_screening_contract_layout_with_extra_columns():
    rows = [
        CONTRACT_HEADINGS + ["source"],
        ["M1", "Dr Ann Carter", "GP member", "financial", "Partner, Canbury Medical Centre", "2019-04-01", "", "x"],
        ["M2", "Mr Ben Doyle", "Lay member", "", "", "", "", "y"],
        [
            "M3",
            "Ms Cara Evans",
            "Chief officer",
            "non-financial personal",
            "Trustee, Kingston Carers",
            "2020-02-01",
            "2021-02-01",
            "z",
        ],
    ]
    parsed = parse_register("register.csv", csv_bytes(rows))
    assert parsed.layout == SCREENING_CONTRACT
    assert parsed.ignored_columns == ["source"]
    assert [r.problems for r in parsed.rows] == [[], [], []]
    assert parsed.rows[0].member_id == "M1"
    assert parsed.rows[1].nil
    assert parsed.rows[2].interest_type == "non-financial personal"


def test_parses_xlsx_with_real_date_cells_and_a_title_row():
    rows = [
        NHS_HEADINGS,
        ["Dr Ann Carter", "GP", "Financial interests", "Partner, Canbury", datetime(2019, 4, 1), None, None],
        [
            "Dr Ann Carter",
            "GP",
            "Non-financial personal interests",
            "Trustee",
            date(2020, 5, 6),
            datetime(2021, 1, 2),
            "Noted",
        ],
    ]
    parsed = parse_register("register.xlsx", xlsx_bytes(rows, title_rows=[["Register of interests 2024"], []]))
    assert parsed.sheet == "Register"
    assert [r.number for r in parsed.rows] == [4, 5]
    assert [r.problems for r in parsed.rows] == [[], []]
    assert parsed.rows[0].date_from == date(2019, 4, 1)
    assert (parsed.rows[1].date_from, parsed.rows[1].date_to) == (date(2020, 5, 6), date(2021, 1, 2))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-31", date(2024, 3, 31)),
        ("31/03/2024", date(2024, 3, 31)),
        ("1/4/2019", date(2019, 4, 1)),
        ("31.03.2024", date(2024, 3, 31)),
        ("31 March 2024", date(2024, 3, 31)),
        ("1 Sept 2020", date(2020, 9, 1)),
        ("3rd March 2021", date(2021, 3, 3)),
        ("", None),
        (datetime(2020, 1, 2, 0, 0), date(2020, 1, 2)),
        ("April 2019", date(2019, 4, 1)),
        ("Sept 2020", date(2020, 9, 1)),
        ("01/04/2019 00:00", date(2019, 4, 1)),
        (43556, date(2019, 4, 1)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["31/02/2024", "03/31/2024", "2024", "Smarch 2019", "01/04/19", "yesterday", "1 Smarch 2020", "Ongoing"]
)
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Financial interests", "financial"),
        ("Non-financial professional interests", "non-financial professional"),
        ("Non-Financial Personal Interests", "non-financial personal"),
        ("Indirect interests", "indirect"),
        ("financial", "financial"),
        ("non-financial professional", "non-financial professional"),
        ("non-financial personal", "non-financial personal"),
        ("indirect", "indirect"),
        ("Gifts", None),
        ("", None),
    ],
)
def test_interest_types(text, expected):
    assert normalise_interest_type(text) == expected


def test_row_problems_name_the_row_and_column():
    rows = [
        NHS_HEADINGS,
        ["Dr Ann Carter", "GP", "Financial interests", "Partner", "31/31/2020", "", ""],
        ["", "GP", "Financial interests", "Partner", "2020-01-01", "", ""],
        ["Dr Dan Ford", "GP", "Gifts", "A bottle of wine", "2020-01-01", "", ""],
        ["Dr Eve Gray", "GP", "Financial interests", "Director", "2021-01-01", "2020-01-01", ""],
        ["Dr Fay Hill", "GP", "", "Director of a company", "2021-01-01", "", ""],
        ["Dr Gus Ives", "GP", "Indirect interests", "Director of Acme Ltd", "2021-01-01", "", ""],
    ]
    parsed = parse_register("r.csv", csv_bytes(rows))
    problems = [r.problems for r in parsed.rows]
    assert problems[0] == [
        'row 2, column "Date from": "31/31/2020" is not a real date (use a date such as '
        "31/03/2024, 31 March 2024 or March 2024)"
    ]
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


@pytest.mark.parametrize(
    "filename, data, message",
    [
        ("r.csv", b"", "empty"),
        ("r.csv", b"just,some,words\n1,2,3\n", "headings were not recognised"),
        ("r.csv", b"Name,Position,Date from\nA,B,2020-01-01\n", 'no "Type of interest" column'),
        ("r.csv", b"Name,Type of interest,Date from,Date to\nA,Financial,,\n", 'no "Description" column'),
        ("r.csv", b"Name,Type of interest,Description,Name\nA,Financial,x,B\n", "two columns for Name"),
        ("r.csv", b"Name,Type of interest,Description\n", "no rows"),
        ("r.xlsx", b"this is not a zip file", "not a valid Excel"),
        (
            "r.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64,
            "password-protected",
        ),
        ("r.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "old Excel"),
        ("r.pdf", b"%PDF-1.4", "must be a CSV or an Excel"),
        ("r.csv", b"Name,Type\x00", "binary"),
    ],
)
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
    existing = create_person(
        s, email="ann@example.nhs.uk", full_name="DR ANN CARTER", password=None, position="Existing position"
    )
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
        lead_id = create_person(
            setup, email="lead@example.nhs.uk", full_name="Gov Lead", password=None, roles=["governance"]
        ).id
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
    rows = [
        NHS_HEADINGS,
        ["Dr Ann Carter", "GP", "Financial", "Partner", "not a date", "", ""],
        ["Dr Bob Good", "GP", "Financial", "Director, Good Ltd", "2020-01-01", "", ""],
        ["Dr Ann Carter", "GP", "", "Nil", "", "", ""],
    ]
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
    interests.declare_interest(
        s, person.id, actor_id=None, interest_type="financial", description="Partner", date_from=date(2020, 1, 1)
    )
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
    return client.post(
        "/governance/import",
        data={"idempotency_key": new_key(), "csrf_token": token, "register_file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


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
    response = client.post(
        "/governance/import/confirm",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "plan": plan.group(1)},
    )
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
    response = client.post(
        "/governance/import/confirm",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "plan": plan.group(1)},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/governance/import")
    with app.app_context(), session_scope(engine()) as s:
        assert count(s, Interest) == 3


def test_upload_then_cancel_writes_nothing(app, signed_in):
    client, _ = signed_in("governance")
    before = table_counts(app)
    upload(client, csv_bytes(NHS_ROWS))
    page = client.get("/governance/import/preview").get_data(as_text=True)
    assert len(pending_files(app)) == 1
    response = client.post(
        "/governance/import/cancel", data={"idempotency_key": new_key(), "csrf_token": csrf_from(page)}
    )
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
    response = client.post(
        "/governance/import/confirm",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "plan": plan.group(1)},
    )
    assert response.headers["Location"].endswith("/governance/import")
    assert "more than an hour" in client.get("/governance/import").get_data(as_text=True)
    assert pending_files(app) == []
    assert table_counts(app) == before


def test_confirm_after_the_register_changed_shows_the_preview_again(app, signed_in):
    client, _ = signed_in("governance")
    upload(client, csv_bytes(NHS_ROWS))
    page = client.get("/governance/import/preview").get_data(as_text=True)
    response = client.post(
        "/governance/import/confirm",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "plan": "stale"},
    )
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
    page = client.post(
        "/governance/import",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page)},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Select a CSV or Excel file to import" in page


@pytest.mark.parametrize("role", ["member", "chair"])
def test_only_governance_leads_can_import(app, signed_in, role):
    client, _ = signed_in(role)
    assert client.get("/governance/import").status_code == 403
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(
        "/governance/import",
        data={
            "idempotency_key": new_key(),
            "csrf_token": token,
            "register_file": (io.BytesIO(csv_bytes(NHS_ROWS)), "r.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert (
        client.post("/governance/import/confirm", data={"idempotency_key": new_key(), "csrf_token": token}).status_code
        == 403
    )
    assert pending_files(app) == []


# --- Registers as NHS bodies publish them -------------------------------------------------------------------

# NHS England's "Register of Interests" template: a title row and guidance above two heading rows, "Type of
# Interest" over four ticked sub-columns and "Relevant Dates" merged over From and To.
TEMPLATE_TOP = [
    "Name",
    "Current position(s) held in the ICB/CCG/NHS England",
    "Declared Interest (Name of the organisation and nature of business)",
    "Type of Interest",
    None,
    None,
    None,
    "Description of Interest (including for indirect Interests, details of the relationship with "
    "the person who has the interest)",
    "Relevant Dates",
    None,
    "Action taken to mitigate risk",
    "Comments",
]
TEMPLATE_SUB = [
    None,
    None,
    None,
    "Financial Interests",
    "Non-Financial Professional Interests",
    "Non-Financial Personal Interests",
    "Indirect Interests",
    None,
    "From",
    "To",
    None,
    None,
]
TEMPLATE_ROWS = [
    [
        "Dr Ann Carter",
        "GP Partner / Clinical Director",
        "St James Medical Centre – GMS practice",
        "X",
        None,
        None,
        None,
        "GP partner at St James Medical Centre, Croydon",
        datetime(2019, 4, 1),
        "Ongoing",
        "Leaves the meeting for items about the practice",
        "Declared at the committee on 3 May 2023",
    ],
    [
        "Dr Ann Carter",
        "GP Partner / Clinical Director",
        "Croydon GP Collaborative Ltd",
        "✓",
        "✓",
        None,
        None,
        "Shareholder and director",
        "1 June 2020",
        "March 2023",
        "Excluded from procurement decisions",
        None,
    ],
    [
        "Ms Cara Evans",
        "Chief Finance Officer",
        "Acme Health Ltd",
        None,
        None,
        None,
        "Y",
        "Husband is a director of Acme Health Ltd",
        "Sept 2021",
        "Present",
        "Declares at meetings",
        None,
    ],
    ["Mr Ben Doyle", "Lay member", "Nil", None, None, None, None, None, None, None, None, None],
    ["Dr Dan Ford", "GP member", "Ford Surgery", "maybe", None, None, None, "Partner", "31/02/2020", None, None, None],
    [
        "Dr Eve Gray",
        "GP member",
        "Gray Practice",
        None,
        "X",
        None,
        None,
        "Member of the LMC",
        "1 May 2022",
        "1 April 2022",
        None,
        None,
    ],
]


def template_xlsx(rows=TEMPLATE_ROWS) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Register of Interests"
    sheet.append(["NHS South West London Integrated Care Board – Register of Interests"])
    sheet.append(["Published 1 April 2024. Lists decision-making staff only."])
    sheet.append([])
    sheet.append(TEMPLATE_TOP)
    sheet.append(TEMPLATE_SUB)
    for cells in ("A1:L1", "A4:A5", "B4:B5", "C4:C5", "D4:G4", "H4:H5", "I4:J4", "K4:K5", "L4:L5"):
        sheet.merge_cells(cells)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    def text(value):
        return "" if value is None else value.strftime("%d/%m/%Y") if isinstance(value, datetime) else value

    return csv_bytes(
        [
            ["Register of Interests 2024/25"],
            [],
            [text(c) for c in TEMPLATE_TOP],
            [text(c) for c in TEMPLATE_SUB],
            *[[text(c) for c in row] for row in TEMPLATE_ROWS],
        ]
    )


@pytest.mark.parametrize(
    "filename, make, first_row", [("register.xlsx", template_xlsx, 6), ("register.csv", template_csv, 5)]
)
def test_reads_the_nhs_england_template(filename, make, first_row):
    parsed = parse_register(filename, make())
    assert parsed.header_rows == (first_row - 2, first_row - 1)
    assert parsed.ignored_columns == [] and parsed.missing == []
    assert parsed.columns["date_from"] == "Relevant Dates: From"
    assert parsed.columns["tick_indirect"] == "Type of Interest: Indirect Interests"
    ann, ann2, cara, ben, dan, eve = parsed.rows
    assert [r.number for r in parsed.rows] == list(range(first_row, first_row + 6))
    assert ann.problems == [] and ann2.problems == [] and cara.problems == [] and ben.problems == []
    assert (ann.position, ann.interest_type, ann.date_from, ann.date_to) == (
        "GP Partner / Clinical Director",
        "financial",
        date(2019, 4, 1),
        None,
    )
    assert ann.description == "GP partner at St James Medical Centre, Croydon"
    assert ann.organisation == "St James Medical Centre – GMS practice"
    assert ann.mitigation == (
        "Leaves the meeting for items about the practice\nComments: Declared at the committee on 3 May 2023"
    )
    # two types ticked: one type per entry, and the preview says which
    assert (ann2.interest_type, ann2.date_from, ann2.date_to) == ("financial", date(2020, 6, 1), date(2023, 3, 31))
    assert "imported as Financial" in ann2.notes[0]
    assert (cara.interest_type, cara.relationship, cara.date_from, cara.date_to) == (
        "indirect",
        "husband",
        date(2021, 9, 1),
        None,
    )
    assert ben.nil
    assert dan.problems == [
        f'row {first_row + 4}, column "Type of Interest: Financial Interests": "maybe" is not a tick: mark the type '
        "of interest with X or leave it blank",
        f'row {first_row + 4}, column "Relevant Dates: From": "31/02/2020" is not a real date (use a date such as '
        "31/03/2024, 31 March 2024 or March 2024)",
    ]
    assert eve.interest_type == "non-financial professional"
    assert eve.problems == [
        f'row {first_row + 5}, column "Relevant Dates: To": the interest cannot end before it started (Date from)'
    ]


def test_template_without_a_description_column_reads_the_declared_interest():
    rows = [
        ["Register of interests"],
        [
            "Name",
            "Current position(s) held- i.e. Governing Body, Member practice, Employee or other",
            "Declared Interest- (Name of the organisation and nature of business)",
            "Type of Interest",
            "",
            "",
            "",
            "Is the interest direct or indirect?",
            "Date of Interest",
            "",
            "Action taken to mitigate risk",
        ],
        [
            "",
            "",
            "",
            "Financial Interests",
            "Non-Financial Professional Interests",
            "Non-Financial Personal Interests",
            "Indirect Interests",
            "",
            "From",
            "To",
            "",
        ],
        [
            "Dr Gus Ives",
            "Governing Body GP",
            "Director, Ives Health Ltd",
            "X",
            "",
            "",
            "",
            "Direct",
            "April 2018",
            "",
            "Excluded from decisions",
        ],
        [
            "Dr Gus Ives",
            "Governing Body GP",
            "Wife is practice manager at Riverside Surgery",
            "X",
            "",
            "",
            "",
            "Indirect",
            "01/01/2020",
            "",
            "",
        ],
    ]
    parsed = parse_register("ccg.csv", csv_bytes(rows))
    direct, indirect = parsed.rows
    assert direct.problems == [] and indirect.problems == []
    assert (direct.description, direct.position, direct.date_from) == (
        "Director, Ives Health Ltd",
        "Governing Body GP",
        date(2018, 4, 1),
    )
    assert (indirect.interest_type, indirect.relationship) == ("indirect", "wife")


def test_reads_the_headings_trusts_and_icbs_commonly_use():
    rows = [
        ["Declarations of interest – Board and committees"],
        [
            "Full name",
            "Job title",
            "Organisation",
            "Nature of interest",
            "Interest category",
            "Start date",
            "End date",
            "Mitigating action",
        ],
        [
            "Ms Ann Lee",
            "Director of Finance",
            "Kingston Carers",
            "Trustee",
            "Non-financial personal",
            "3rd March 2021",
            "Present",
            "None required",
        ],
        [
            "Ms Ann Lee",
            "Director of Finance",
            "Acme Health Ltd",
            "Shareholder (2%)",
            "Financial",
            "Jan 2019",
            "Dec 2020",
            "",
        ],
        ["Mr Bob Kay", "Chair", "", "", "", "", "", ""],
        ["Mr Cy Moss", "Non-executive director", "Moss Consulting", "Director", "Financial", "2019", "next year", ""],
    ]
    parsed = parse_register("trust.csv", csv_bytes(rows))
    assert parsed.columns == {
        "name": "Full name",
        "position": "Job title",
        "organisation": "Organisation",
        "role": "Nature of interest",
        "interest_type": "Interest category",
        "date_from": "Start date",
        "date_to": "End date",
        "mitigation": "Mitigating action",
    }
    trustee, shares, nil, bad = parsed.rows
    assert (trustee.position, trustee.description, trustee.organisation, trustee.role) == (
        "Director of Finance",
        "Kingston Carers",
        "Kingston Carers",
        "Trustee",
    )
    assert (trustee.date_from, trustee.date_to, trustee.mitigation) == (date(2021, 3, 3), None, "None required")
    assert (shares.date_from, shares.date_to) == (date(2019, 1, 1), date(2020, 12, 31))
    assert nil.nil
    assert bad.problems == [
        'row 6, column "Start date": "2019" is not a date (use a date such as 31/03/2024, 31 March 2024 or March 2024)',
        'row 6, column "End date": "next year" is not a date (use a date such as 31/03/2024, 31 March 2024 or '
        "March 2024)",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("01/04/2019 - 31/03/2021", (date(2019, 4, 1), date(2021, 3, 31))),
        ("April 2019 to present", (date(2019, 4, 1), None)),
        ("From 3 May 2020", (date(2020, 5, 3), None)),
        ("1 April 2019 to date", (date(2019, 4, 1), None)),
        ("Ongoing", (None, None)),
        ("Jan 2019 – Feb 2020", (date(2019, 1, 1), date(2020, 2, 29))),
    ],
)
def test_date_ranges_in_one_cell(text, expected):
    assert parse_date_range(text) == expected


def test_a_relevant_dates_column_holding_both_dates():
    rows = [
        ["Name", "Role", "Type of interest", "Description", "Relevant dates"],
        ["A Person", "GP", "Financial", "Partner, X Surgery", "01/04/2019 - 31/03/2021"],
        ["B Person", "GP", "Financial", "Partner, Y Surgery", "soon"],
    ]
    good, bad = parse_register("r.csv", csv_bytes(rows)).rows
    assert (good.date_from, good.date_to, good.position) == (date(2019, 4, 1), date(2021, 3, 31), "GP")
    assert bad.problems[0].startswith('row 3, column "Relevant dates": "soon" is not a date')


def test_every_column_and_row_not_read_is_reported():
    rows = [
        ["Name", "Position", "Type of interest", "Description", "Internal ref", ""],
        ["A Person", "GP", "Financial", "Partner, X Surgery", "R1", "stray"],
        ["", "", "", "", "R2", ""],
    ]
    parsed = parse_register("r.csv", csv_bytes(rows))
    assert [c.label for c in parsed.unread_columns] == ['"Internal ref" (column E)', "column F (no heading)"]
    assert [c.heading for c in parsed.mappable_columns] == ["Internal ref"]
    assert parsed.unread_rows == [
        'Row 3 was not read: it has text only in "Internal ref" (column E), which the import does not read'
    ]


def test_an_unrecognised_column_can_be_mapped_and_the_choice_is_remembered(s):
    rows = [
        ["Name", "Post", "Category", "Particulars of interest", "Action"],
        ["Dr Ann Carter", "GP", "Financial", "Partner, Canbury Medical Centre", "Leaves for items"],
    ]
    parsed = parse_register("r.csv", csv_bytes(rows))
    assert parsed.missing == ["Description"] and parsed.rows == []
    assert [c.heading for c in parsed.mappable_columns] == ["Particulars of interest", "Action"]

    lead = create_person(s, email="lead@example.nhs.uk", full_name="Gov Lead", password=None, roles=["governance"])
    save_mappings(s, {"Particulars of interest": "description", "Action": "mitigation"}, lead.id)
    s.commit()
    assert load_mappings(s) == {"particulars of interest": "description", "action": "mitigation"}
    parsed = parse_register("r.csv", csv_bytes(rows), load_mappings(s))
    row = parsed.rows[0]
    assert (row.description, row.mitigation, row.problems) == (
        "Partner, Canbury Medical Centre",
        "Leaves for items",
        [],
    )
    assert {c.heading: c.source for c in parsed.mappable_columns} == {
        "Particulars of interest": "remembered",
        "Action": "remembered",
    }
    event = s.exec(select(AuditEvent).where(AuditEvent.action == "register.import_columns_mapped")).one()
    assert event.actor_id == lead.id and event.detail["columns"]["action"] == "mitigation"
    # saving the same choices again changes nothing and audits nothing
    assert save_mappings(s, {"action": "mitigation"}, lead.id) == {}


# --- Likely duplicates --------------------------------------------------------------------------------------


def test_similarity_threshold():
    assert (
        similarity("GP Partner, St James Medical Centre, Croydon", "GP partner at St James Medical Centre, Croydon")
        >= NEAR_DUPLICATE_SCORE
    )
    assert similarity("Director, Acme Health Ltd", "Director of Acme Health Limited") >= NEAR_DUPLICATE_SCORE
    assert similarity("Partner, St James Medical Centre", "Partner, St Johns Medical Centre") < NEAR_DUPLICATE_SCORE
    assert similarity("Partner, Canbury Medical Centre", "Salaried GP, Canbury Medical Centre") < NEAR_DUPLICATE_SCORE
    assert similarity("Trustee, Kingston Carers", "Member of the LMC") < NEAR_DUPLICATE_SCORE


NEAR_ROWS = [
    NHS_HEADINGS,
    [
        "Dr Ann Carter",
        "GP member",
        "Financial interests",
        "GP Partner, St James Medical Centre, Croydon",
        "01/04/2019",
        "",
        "",
    ],
    [
        "Dr Ann Carter",
        "GP member",
        "Non-financial personal interests",
        "Trustee, Kingston Carers",
        "01/04/2020",
        "",
        "",
    ],
]


def test_a_near_duplicate_is_flagged_and_added_only_when_asked(s):
    lead = create_person(s, email="lead@example.nhs.uk", full_name="Gov Lead", password=None, roles=["governance"])
    ann = create_person(s, email="ann@example.nhs.uk", full_name="Dr Ann Carter", password=None)
    interests.declare_interest(
        s,
        ann.id,
        actor_id=ann.id,
        interest_type="financial",
        description="GP partner at St James Medical Centre, Croydon",
        date_from=date(2019, 4, 1),
    )
    s.commit()
    parsed = parse_register("r.csv", csv_bytes(NEAR_ROWS))
    plan = plan_import(s, parsed)
    assert [p.outcome for p in plan.rows] == [NEAR_DUPLICATE, ADD]
    assert plan.rows[0].similar.description == "GP partner at St James Medical Centre, Croydon"
    assert "likely a duplicate" in plan.rows[0].message and plan.to_write == 1
    result = apply_import(s, parsed, lead.id, plan=plan)
    s.commit()
    assert (result.interests_added, result.likely_duplicates_skipped) == (1, 1)
    assert count(s, Interest) == 2

    plan = plan_import(s, parsed)  # again, now the lead ticks the likely duplicate
    assert [p.outcome for p in plan.rows] == [NEAR_DUPLICATE, DUPLICATE]
    assert plan.add_anyway(["2", "3", "junk", "99"]) == [2]
    result = apply_import(s, parsed, lead.id, plan=plan)
    s.commit()
    assert (result.interests_added, result.likely_duplicates_added) == (1, 1)
    assert count(s, Interest) == 3
    event = s.exec(
        select(AuditEvent).where(AuditEvent.action == "register.imported").order_by(AuditEvent.id.desc())
    ).first()
    assert event.detail["likely_duplicates_added_rows"] == [2]


def test_positions_go_to_the_person(s):
    blank = create_person(s, email="ann@example.nhs.uk", full_name="Dr Ann Carter", password=None)
    kept = create_person(
        s, email="cara@example.nhs.uk", full_name="Ms Cara Evans", password=None, position="Chief Finance Officer"
    )
    s.commit()
    parsed = parse_register("register.xlsx", template_xlsx())
    apply_import(s, parsed, None)
    s.commit()
    assert s.get(Person, blank.id).position == "GP Partner / Clinical Director"
    assert s.get(Person, kept.id).position == "Chief Finance Officer"
    assert s.exec(select(Person).where(Person.full_name == "Mr Ben Doyle")).one().position == "Lay member"
    ann = s.exec(select(Interest).where(Interest.person_id == blank.id).order_by(Interest.id)).first()
    assert ann.mitigation.startswith("Leaves the meeting for items about the practice")
    assert ann.organisation_text == "St James Medical Centre – GMS practice"


# --- Web flow: column choices and likely duplicates ---------------------------------------------------------


def _plan_digest(page: str) -> str:
    found = re.search(r'name="plan"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="plan"', page)
    return found.group(1)


def test_preview_maps_an_unrecognised_column_by_hand_and_remembers_it(app, signed_in):
    client, lead_id = signed_in("governance")
    rows = [
        ["Name", "Post", "Category", "Particulars of interest", "Internal ref"],
        ["Dr Ann Carter", "GP", "Financial", "Partner, Canbury Medical Centre", "R1"],
    ]
    assert upload(client, csv_bytes(rows)).status_code == 302
    page = html.unescape(client.get("/governance/import/preview").get_data(as_text=True))
    assert "Some columns are needed" in page and "no column the import recognises for Description" in page
    assert "Import 1 row" not in page
    assert "Column D: “Particulars of interest”" in page and "Column E: “Internal ref”" in page
    select_d = re.search(r'<select[^>]*name="column-3".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', select_d)
    assert ("description", "Description of the interest") in options and ("", "Ignore this column") in options
    assert all(label.strip() for _, label in options)

    # a choice that clashes with a recognised column is refused, naming the column; nothing is saved
    response = client.post(
        "/governance/import/columns",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "column-3": "name", "column-4": ""},
    )
    refused = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "There is a problem" in refused
    assert '"Particulars of interest" (column D): Name is already read from "Name"' in refused
    assert 'href="#column-3"' in refused
    # without the CSRF token nothing is saved either
    assert client.post("/governance/import/columns", data={"column-3": "description"}).status_code == 400
    with app.app_context(), session_scope(engine()) as s:
        assert count(s, ImportColumnMapping) == 0

    response = client.post(
        "/governance/import/columns",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "column-3": "description", "column-4": ""},
    )
    assert response.headers["Location"].endswith("/governance/import/preview")
    page = html.unescape(client.get("/governance/import/preview").get_data(as_text=True))
    assert "Column choices saved" in page and "Import 1 row" in page
    assert "Partner, Canbury Medical Centre" in page
    with app.app_context(), session_scope(engine()) as s:
        saved = {m.heading: (m.field_name, m.saved_by_id) for m in s.exec(select(ImportColumnMapping))}
    assert saved == {"particulars of interest": ("description", lead_id), "internal ref": ("", lead_id)}

    # the next file with the same headings is read with the remembered choices
    client.post("/governance/import/cancel", data={"idempotency_key": new_key(), "csrf_token": csrf_from(page)})
    rows[1][0] = "Dr Ben Doyle"
    upload(client, csv_bytes(rows))
    page = html.unescape(client.get("/governance/import/preview").get_data(as_text=True))
    assert "Some columns are needed" not in page and "Import 1 row" in page
    assert "Chosen on an earlier import" in page and "Ignored on an earlier import" in page
    assert re.search(r'<option value="description" selected\s*>', page)
    response = client.post(
        "/governance/import/confirm",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "plan": _plan_digest(page)},
    )
    assert "/governance/interests" in response.headers["Location"]
    with app.app_context(), session_scope(engine()) as s:
        interest = s.exec(select(Interest)).one()
        assert interest.description == "Partner, Canbury Medical Centre"


def test_preview_flags_near_duplicates_and_adds_only_the_ticked(app, signed_in):
    client, lead_id = signed_in("governance")
    with app.app_context(), session_scope(engine()) as s:
        ann = create_person(s, email="ann@example.nhs.uk", full_name="Dr Ann Carter", password=None)
        interests.declare_interest(
            s,
            ann.id,
            actor_id=ann.id,
            interest_type="financial",
            description="GP partner at St James Medical Centre, Croydon",
            date_from=date(2019, 4, 1),
        )
    upload(client, csv_bytes(NEAR_ROWS))
    page = html.unescape(client.get("/governance/import/preview").get_data(as_text=True))
    assert "Likely duplicate" in page
    assert "Looks like “GP partner at St James Medical Centre, Croydon”, already on the register" in page
    assert 'name="add_anyway" type="checkbox" value="2"' in page
    assert "Import 1 row and any ticked" in page
    response = client.post(
        "/governance/import/confirm",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "plan": _plan_digest(page)},
    )
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 interest added" in listing and "1 likely duplicate not added" in listing
    with app.app_context(), session_scope(engine()) as s:
        assert count(s, Interest) == 2

    # the same file again, the likely duplicate ticked this time
    upload(client, csv_bytes(NEAR_ROWS))
    page = html.unescape(client.get("/governance/import/preview").get_data(as_text=True))
    assert "Import the ticked rows" in page
    response = client.post(
        "/governance/import/confirm",
        data={
            "idempotency_key": new_key(),
            "csrf_token": csrf_from(page),
            "plan": _plan_digest(page),
            "add_anyway": "2",
        },
    )
    assert "/governance/interests" in response.headers["Location"]
    with app.app_context(), session_scope(engine()) as s:
        assert count(s, Interest) == 3


def test_template_xlsx_through_the_preview(app, signed_in):
    client, _ = signed_in("governance")
    upload(client, template_xlsx(), "register.xlsx")
    page = html.unescape(client.get("/governance/import/preview").get_data(as_text=True))
    assert "headings in rows 4 and 5" in page
    assert re.search(r"Columns not read\s*</dt>\s*<dd[^>]*>\s*None\s*</dd>", page)
    assert 'Row 10, column "Type of Interest: Financial Interests": "maybe" is not a tick' in page
    assert 'Row 11, column "Relevant Dates: To": the interest cannot end before it started' in page
    assert "imported as Financial (one type per entry)" in page
    assert "Import 4 rows" in page


def test_a_name_merged_down_over_several_interests_is_read_for_each():
    rows = [
        [
            "Dr Ann Carter",
            "GP Partner",
            "St James Medical Centre",
            "X",
            None,
            None,
            None,
            "Partner",
            "01/04/2019",
            None,
            None,
            None,
        ],
        [
            None,
            None,
            "Croydon GP Collaborative Ltd",
            None,
            "X",
            None,
            None,
            "Board member",
            "01/04/2020",
            None,
            None,
            None,
        ],
        ["Dr Dan Ford", "GP member", "Ford Surgery", "X", None, None, None, "Partner", "01/04/2018", None, None, None],
        [
            None,
            "GP member",
            "Ford Surgery",
            "X",
            None,
            None,
            None,
            "Owner of the premises",
            "01/04/2018",
            None,
            None,
            None,
        ],
    ]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template_xlsx(rows)))
    book.active.merge_cells("A6:A7")
    book.active.merge_cells("B6:B7")
    out = io.BytesIO()
    book.save(out)
    parsed = parse_register("r.xlsx", out.getvalue())
    first, second, dan, unnamed = parsed.rows
    assert (second.name, second.position, second.problems) == ("Dr Ann Carter", "GP Partner", [])
    assert unnamed.problems == ['row 9, column "Name": enter the person\'s name']  # blank, not merged: not guessed


def test_tab_separated_file_with_commas_in_the_text():
    text = (
        "Register of interests, 2024\n"
        "Name\tRole\tType of interest\tDescription\n"
        "A Person\tGP, partner\tFinancial\tPartner, X Surgery, Croydon, CR0 1AA\n"
    )
    parsed = parse_register("r.tsv", text.encode())
    assert (parsed.rows[0].position, parsed.rows[0].description) == (
        "GP, partner",
        "Partner, X Surgery, Croydon, CR0 1AA",
    )
