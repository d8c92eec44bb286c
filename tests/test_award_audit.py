"""Auditing published contract awards against the register (issue 15): readers, each award on its own date, totals,
`coi audit-awards` with and without a database."""

import json
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest

from click.testing import CliRunner
from flask.cli import ScriptInfo
from openpyxl import load_workbook

from coi.cli import cli
from coi.database import engine as db_engine
from registry.db import session_scope
from registry.models import Committee, Meeting, MeetingItem, Membership, MeetingOutcome, Organisation
from registry.outside.awards import AwardFileError, read_award_file, read_award_files, read_ocds
from registry.services import award_audit, interests
from registry.services.accounts import create_person
from screening import Directory, Engine, Interest, read_register_csv
from tests.screening.conftest import PCN, PRACTICES
from tests.conftest import shared_data


def _sample() -> str:
    return shared_data("awards-sample", "contracts-finder-sample.json")


EPOCH_INTEREST = "Partner, Vallance Medical, Manchester"


@pytest.fixture(scope="module")
def engine():
    return Engine(Directory.from_records(PRACTICES, PCN))


def release(ocid, award_id, day, supplier, amount=1000, number=None, tag="award", release_date="2025-01-01T00:00:00Z"):
    party = {
        "id": f"GB-COH-{number}" if number else "GB-CFS-1",
        "name": supplier,
        "roles": ["supplier"],
        "identifier": {"scheme": "GB-COH", "id": number, "legalName": supplier} if number else {},
    }
    return {
        "ocid": ocid,
        "id": f"{ocid}-{award_id}-{tag}",
        "date": release_date,
        "tag": [tag],
        "tender": {"title": f"Contract for {supplier}"},
        "buyer": {"id": "B", "name": "NHS Manchester ICB"},
        "parties": [party, {"id": "B", "name": "NHS Manchester ICB", "roles": ["buyer"]}],
        "awards": [
            {
                "id": award_id,
                "date": f"{day}T00:00:00Z",
                "value": {"amount": amount, "currency": "GBP"},
                "suppliers": [{"id": party["id"], "name": supplier}],
            }
        ],
    }


def write_package(tmp_path, releases, name="awards.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"version": "1.1", "releases": releases}))
    return path


def register(rows):
    return [Interest(m, n, "GP", t, d, f, to, interest_id=str(k)) for k, (m, n, t, d, f, to) in enumerate(rows, 1)]


# --- reading ---------------------------------------------------------------------------------------------------


def test_the_contracts_finder_sample_is_read_as_published():
    read = read_award_files([_sample()])
    assert read.releases == 70 and len(read.awards) == 70 and read.skipped_without_award == 0
    by_ocid = {a.ocid: a for a in read.awards}
    phoenix = by_ocid["ocds-b5fd17-d378d0af-d1f2-49c8-9b47-068917f66fd8"]
    assert phoenix.suppliers[0].name == "Phoenix Surfacing Limited"
    assert phoenix.suppliers[0].company_number == "02577303"  # from the party's GB-COH identifier
    assert phoenix.date == date(2025, 3, 5) and phoenix.value == Decimal("37467.13") and phoenix.currency == "GBP"
    assert phoenix.buyer == "NHS PROPERTY SERVICES LIMITED"
    assert any(len(a.suppliers) > 5 for a in read.awards)  # awards to several suppliers
    assert any(a.value == 0 for a in read.awards)
    assert sum(1 for a in read.awards if any(s.company_number for s in a.suppliers)) >= 10


def test_a_release_without_an_award_is_skipped_and_counted_and_an_update_replaces_the_award(tmp_path):
    tender_only = {
        "ocid": "ocds-x-1",
        "id": "t1",
        "date": "2025-01-01T00:00:00Z",
        "tag": ["tender"],
        "tender": {"title": "Planning"},
    }
    first = release("ocds-x-2", "A", "2025-02-01", "Old Name Ltd", amount=10)
    update = release(
        "ocds-x-2", "A", "2025-02-01", "New Name Ltd", amount=20, tag="awardUpdate", release_date="2025-03-01T00:00:00Z"
    )
    read = read_ocds(write_package(tmp_path, [tender_only, update, first]))
    assert read.releases == 3 and read.skipped_without_award == 1 and read.replaced_by_update == 1
    assert [(a.suppliers[0].name, a.value) for a in read.awards] == [("New Name Ltd", 20)]


def test_a_record_package_is_read_from_its_compiled_release(tmp_path):
    path = tmp_path / "records.json"
    path.write_text(
        json.dumps(
            {
                "records": [
                    {
                        "ocid": "ocds-r-1",
                        "releases": [{"url": "https://example.org/r1", "date": "2025-01-01"}],
                        "compiledRelease": release("ocds-r-1", "R1", "2025-04-01", "Vallance Medical"),
                    },
                    {"ocid": "ocds-r-2", "releases": [release("ocds-r-2", "R2", "2025-05-01", "Bodey Medical Centre")]},
                ]
            }
        )
    )
    read = read_ocds(path)
    assert sorted(a.award_id for a in read.awards) == ["R1", "R2"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r["awards"][0].update(date="1st March"), 'release ocds-bad-1, field "awards[0].date": not a date'),
        (lambda r: r["awards"][0]["value"].update(amount="lots"), 'field "awards[0].value.amount": not an amount'),
        (lambda r: r["awards"][0].pop("id"), 'field "awards[0].id": missing'),
        (lambda r: r["awards"][0].update(suppliers=[{"id": "nobody"}]), 'field "awards[0].suppliers[0].name"'),
        (lambda r: r.update(awards={"id": "x"}), 'field "awards": must be a list'),
    ],
)
def test_a_malformed_release_names_the_release_and_field(tmp_path, change, message):
    bad = release("ocds-bad-1", "A", "2025-02-01", "Supplier Ltd")
    change(bad)
    with pytest.raises(AwardFileError) as error:
        read_ocds(write_package(tmp_path, [release("ocds-ok", "B", "2025-01-01", "Fine Ltd"), bad]))
    assert message in str(error.value) and "awards.json" in str(error.value)


def test_not_json_and_bad_csv_rows_are_clear_errors(tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(AwardFileError, match="x.json: not valid JSON"):
        read_award_file(tmp_path / "x.json")
    (tmp_path / "a.csv").write_text("award_id,date,supplier,value,title\n")
    with pytest.raises(AwardFileError, match='a.csv, row 1, field "buyer": missing required column'):
        read_award_file(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("award_id,date,supplier,value,title,buyer\nA1,2025-01-01,X Ltd,£1k,T,B\n")
    with pytest.raises(AwardFileError, match='b.csv, row 2, field "value": not an amount'):
        read_award_file(tmp_path / "b.csv")
    (tmp_path / "c.csv").write_text("award_id,date,supplier,value,title,buyer\nA1,01/02/2025,X Ltd,1,T,B\n")
    with pytest.raises(AwardFileError, match='c.csv, row 2, field "date": not a date'):
        read_award_file(tmp_path / "c.csv")


# --- screening each award on its own date ----------------------------------------------------------------------


def _conflicts(report):
    return {(r.award.award_id, c.member_id): c for r in report.results for c in r.conflicts}


@pytest.mark.parametrize("fmt", ["ocds", "csv"])
def test_a_mid_year_interest_is_found_and_an_ended_one_is_not(engine, tmp_path, fmt):
    awards = [
        ("JAN", "2025-01-15", "Vallance Medical"),
        ("SEP", "2025-09-15", "Vallance Medical"),
        ("FEB", "2025-02-10", "Bodey Medical Centre"),
        ("OCT", "2025-10-10", "Bodey Medical Centre"),
    ]
    if fmt == "ocds":
        path = write_package(tmp_path, [release(f"ocds-t-{a}", a, d, s) for a, d, s in awards])
    else:
        path = tmp_path / "awards.csv"
        path.write_text(
            "award_id,date,supplier,value,title,buyer\n"
            + "".join(f"{a},{d},{s},1000,Contract,NHS Manchester ICB\n" for a, d, s in awards)
        )
    interests_ = register(
        [
            ("M1", "Dr Mid Year", "financial", EPOCH_INTEREST, date(2025, 6, 1), None),  # began mid-year
            ("M2", "Dr Ended", "financial", "Partner at Bodey Medical Centre", date(2019, 1, 1), date(2025, 3, 31)),
        ]
    )
    report = award_audit.audit_awards(
        engine, read_award_files([path]).awards, award_audit.Register.from_file_interests(interests_)
    )
    found = _conflicts(report)
    assert set(found) == {("SEP", "M1"), ("FEB", "M2")}
    assert found[("SEP", "M1")].action == "exclude" and "VALLANCE MEDICAL (P84005)" in " ".join(
        found[("SEP", "M1")].evidence
    )
    assert found[("SEP", "M1")].interest == EPOCH_INTEREST and found[("SEP", "M1")].committees == ["register"]


def test_the_batched_audit_matches_screening_every_award_alone(engine):
    from registry.outside.awards import Award, Supplier

    suppliers = [
        "Vallance Medical",
        "Bodey Medical Centre",
        "Ardwick and Longsight PCN",
        "Parkside Surgery, Longsight",
        "Nimbus Care Ltd",
        "Ladybarn Group Practice",
        "Acme Cleaning Ltd",
    ]
    awards = [
        Award(
            f"ocds-{n}",
            f"A{n}",
            date(2025, 1 + n % 12, 1 + n % 27),
            [Supplier(suppliers[n % len(suppliers)])],
            Decimal(n * 100),
        )
        for n in range(60)
    ]
    interests_ = register(
        [
            ("M1", "A", "financial", "Partner, Vallance Medical", date(2025, 4, 1), None),
            ("M2", "B", "financial", "Salaried GP at Parkside Surgery, Manchester", None, date(2025, 8, 31)),
            ("M3", "C", "financial", "Director of Nimbus Care Ltd", date(2025, 2, 1), date(2025, 10, 1)),
            ("M4", "D", "non-financial professional", "Trustee, Ladybarn Group Practice patient group", None, None),
            ("M5", "E", "financial", "Partner at Borchardt Medical Centre", None, None),
        ]
    )
    batched = _conflicts(award_audit.audit_awards(engine, awards, award_audit.Register.from_file_interests(interests_)))
    naive = {}
    for a in awards:  # the oracle: one screen per award with every interest, on the award's date
        item = [award_audit._items([a])[0][0]]
        for flag in engine.screen(interests_, item, a.date):
            naive[(a.award_id, flag.member_id)] = flag.action
    assert {k: c.action for k, c in batched.items()} == naive
    assert len(naive) >= 10


def test_a_company_number_in_the_notice_matches_a_declared_one_and_totals_are_by_committee_and_year(engine, tmp_path):
    path = tmp_path / "awards.csv"
    path.write_text(
        "award_id,date,supplier,value,title,buyer,company_number\n"
        "N1,2024-11-01,Totally Different Trading Name Ltd,1500.25,Contract,ICB,2577303\n"
        "N2,2025-02-01,Vallance Medical,100,Contract,ICB,\n"
        "N3,2025-03-01,Acme Ltd,5,Contract,ICB,\n"
    )
    interests_ = register(
        [
            ("M1", "Dr Number", "financial", "Shareholder in Phoenix Ltd (company number 02577303)", None, None),
            ("M2", "Dr Partner", "financial", EPOCH_INTEREST, None, None),
        ]
    )
    read = read_award_files([path])
    report = award_audit.audit_awards(
        engine,
        read.awards,
        award_audit.Register.from_file_interests(interests_, "Primary care commissioning committee"),
        read=read,
    )
    found = _conflicts(report)
    assert set(found) == {("N1", "M1"), ("N2", "M2")}
    assert "company number 02577303" in found[("N1", "M1")].evidence[0]
    totals = report.totals
    assert totals["awards"] == {"count": 3, "value": 1605.25}
    assert totals["conflicted"] == {"count": 2, "value": 1600.25}
    assert totals["by_year"] == {"2024": {"count": 1, "value": 1500.25}, "2025": {"count": 1, "value": 100}}
    assert totals["by_committee"] == {"Primary care commissioning committee": {"count": 2, "value": 1600.25}}


# --- the command ------------------------------------------------------------------------------------------------


def _invoke(app, *args):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


REGISTER_CSV = (
    "member_id,name,position,interest_type,description,date_from,date_to\n"
    'M1,Dr Ann Able,GP,financial,"Partner, Vallance Medical, Manchester",2025-06-01,\n'
    "M2,Dr Bob Baker,GP,financial,Director of Phoenix Surfacing Limited,2020-01-01,2024-12-31\n"
)


def test_audit_awards_without_a_database_prints_the_json_shape(app, tmp_path):
    (tmp_path / "register.csv").write_text(REGISTER_CSV)
    (tmp_path / "awards.csv").write_text(
        "award_id,date,supplier,value,title,buyer\n"
        "A1,2025-03-01,Vallance Medical,10,T,B\nA2,2025-07-01,Vallance Medical,20,T,B\n"
        "A3,2024-07-01,Phoenix Surfacing Ltd,30,T,B\n"
    )
    result = _invoke(
        app,
        "audit-awards",
        str(tmp_path / "awards.csv"),
        _sample(),
        "--register",
        str(tmp_path / "register.csv"),
        "--format",
        "json",
        "--from",
        "2024-01-01",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"awards", "totals"}
    assert {"ocid", "award_id", "date", "supplier", "value", "currency", "conflicts"} == set(out["awards"][0])
    conflicted = {a["award_id"]: a["conflicts"] for a in out["awards"] if a["conflicts"]}
    assert set(conflicted) == {"A2", "A3"}  # the sample's 2025 Phoenix award is after M2's directorship ended
    assert {"member_id", "name", "interest", "action", "evidence"} <= set(conflicted["A2"][0])
    assert conflicted["A2"][0]["member_id"] == "M1" and conflicted["A3"][0]["member_id"] == "M2"
    in_period = sum(1 for a in read_award_files([_sample()]).awards if a.date >= date(2024, 1, 1))
    assert 0 < in_period < 70  # --from left the older sample awards out
    assert out["totals"]["conflicted"]["count"] == 2 and out["totals"]["awards"]["count"] == in_period + 3


def test_audit_awards_errors_name_the_file_and_field(app, tmp_path):
    (tmp_path / "register.csv").write_text(REGISTER_CSV)
    (tmp_path / "bad.json").write_text(
        json.dumps({"releases": [{"ocid": "ocds-9", "id": "r", "awards": [{"id": "a", "date": "soon"}]}]})
    )
    result = _invoke(app, "audit-awards", str(tmp_path / "bad.json"), "--register", str(tmp_path / "register.csv"))
    assert result.exit_code == 2
    assert 'bad.json, release ocds-9, field "awards[0].date": not a date' in result.output


def test_audit_awards_writes_typed_xlsx_and_csv(app, tmp_path):
    (tmp_path / "register.csv").write_text(REGISTER_CSV)
    (tmp_path / "awards.csv").write_text(
        "award_id,date,supplier,value,title,buyer\nA2,2025-07-01,Vallance Medical,2000.50,=HYPERLINK(1),B\n"
    )
    out = tmp_path / "audit.xlsx"
    result = _invoke(
        app,
        "audit-awards",
        str(tmp_path / "awards.csv"),
        "--register",
        str(tmp_path / "register.csv"),
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(BytesIO(out.read_bytes()))["Awards"]
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2])}
    assert row["date"].is_date and row["date"].value.date() == date(2025, 7, 1)
    assert row["value"].value == 2000.5 and row["value"].data_type == "n" and "£" in row["value"].number_format
    assert row["title"].value == "'=HYPERLINK(1)" and row["member_id"].value == "M1"
    csv_result = _invoke(
        app,
        "audit-awards",
        str(tmp_path / "awards.csv"),
        "--register",
        str(tmp_path / "register.csv"),
        "--format",
        "csv",
    )
    assert csv_result.output.splitlines()[0].startswith("ocid,award_id,date,supplier,value")
    assert "'=HYPERLINK(1)" not in csv_result.output  # the CSV has no title column; the supplier is safe text


# --- against the database: committees, seats and meetings ----------------------------------------------------


def test_against_the_database_seats_decide_and_a_linked_meeting_says_what_was_declared(app, tmp_path):
    with app.app_context(), session_scope(db_engine()) as s:
        s.add(
            Organisation(
                ods_code="P84005",
                name="VALLANCE MEDICAL",
                kind="practice",
                prescribing_setting="4",
                address_line1="THE VALLANCE CENTRE",
                address_line2="BRUNSWICK STREET",
                address_line3="MANCHESTER",
                postcode="M13 9UJ",
                icb="QOP",
                status="A",
            )
        )
        gp = create_person(s, email="gp@example.nhs.uk", full_name="Dr Seated", password=None)
        left = create_person(s, email="left@example.nhs.uk", full_name="Dr Left Committee", password=None)
        for person in (gp, left):
            interests.declare_interest(
                s,
                person.id,
                actor_id=None,
                interest_type="financial",
                description="Partner, Vallance Medical, Manchester",
                date_from=date(2020, 1, 1),
            )
        committee = Committee(name="Primary care commissioning committee")
        s.add(committee)
        s.flush()
        s.add(Membership(person_id=gp.id, committee_id=committee.id))
        s.add(Membership(person_id=left.id, committee_id=committee.id, date_to=date(2024, 12, 31)))
        meeting = Meeting(committee_id=committee.id, title="PCCC March", meeting_date=date(2025, 3, 1))
        s.add(meeting)
        s.flush()
        item = MeetingItem(
            meeting_id=meeting.id,
            item_ref="5",
            title="APMS award ocds-db-1 to Vallance Medical",
            contract_decision=True,
        )
        s.add(item)
        s.flush()
        s.add(
            MeetingOutcome(
                meeting_id=meeting.id, item_id=item.id, person_id=gp.id, declared=True, what_happened="left the room"
            )
        )
        gp_id = gp.id
    path = write_package(tmp_path, [release("ocds-db-1", "A1", "2025-03-01", "Vallance Medical", amount=5000)])
    result = _invoke(app, "audit-awards", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    conflicts = out["awards"][0]["conflicts"]
    assert [c["member_id"] for c in conflicts] == [str(gp_id)]  # the member who had left the committee is not
    assert conflicts[0]["committee"] == "Primary care commissioning committee"
    assert conflicts[0]["meeting"]["declared"] is True and conflicts[0]["meeting"]["what_happened"] == "left the room"
    assert out["totals"]["by_committee"]["Primary care commissioning committee"] == {"count": 1, "value": 5000}


def test_register_reader_is_reused(tmp_path):
    (tmp_path / "register.csv").write_text(REGISTER_CSV)
    assert [i.member_id for i in read_register_csv(str(tmp_path / "register.csv"))] == ["M1", "M2"]


# --- the governance page: upload, background run, results kept, workbook ----------------------------------------


def _wait_for(client, run_path, seconds=60):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(run_path + "/status").get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError("the audit did not finish")


def test_the_governance_page_runs_the_audit_in_the_background_and_keeps_the_results(app, client, make_user, tmp_path):
    from tests.conftest import csrf_from, sign_in

    with app.app_context(), session_scope(db_engine()) as s:
        s.add(
            Organisation(
                ods_code="P84005",
                name="VALLANCE MEDICAL",
                kind="practice",
                prescribing_setting="4",
                address_line1="THE VALLANCE CENTRE",
                address_line3="MANCHESTER",
                postcode="M13 9UJ",
                icb="QOP",
                status="A",
            )
        )
        gp = create_person(s, email="gp2@example.nhs.uk", full_name="Dr Mid Year", password=None)
        interests.declare_interest(
            s,
            gp.id,
            actor_id=None,
            interest_type="financial",
            description="Partner, Vallance Medical",
            date_from=date(2025, 6, 1),
        )
        committee = Committee(name="PCCC")
        s.add(committee)
        s.flush()
        s.add(Membership(person_id=gp.id, committee_id=committee.id))
    email, password, _ = make_user("governance")
    sign_in(client, email, password)
    page = client.get("/governance/outside/awards").get_data(as_text=True)
    awards_csv = tmp_path / "awards.csv"
    awards_csv.write_text(
        "award_id,date,supplier,value,title,buyer\nJAN,2025-01-10,Vallance Medical,100,T,B\n"
        "JUL,2025-07-10,Vallance Medical,250.75,T,B\n"
    )
    missing = client.post(
        "/governance/outside/awards", data={"csrf_token": csrf_from(page), "idempotency_key": "m" * 24}
    )
    assert "Select one or more award files" in missing.get_data(as_text=True)
    bad = client.post(
        "/governance/outside/awards",
        data={
            "csrf_token": csrf_from(page),
            "idempotency_key": "b" * 24,
            "award_files": [
                (BytesIO(b'{"releases": [{"ocid": "ocds-z", "awards": [{"id": "1", "date": "x"}]}]}'), "bad.json")
            ],
        },
        content_type="multipart/form-data",
    )
    assert "bad.json, release ocds-z, field &#34;awards[0].date&#34;: not a date" in bad.get_data(as_text=True)
    response = client.post(
        "/governance/outside/awards",
        data={
            "csrf_token": csrf_from(page),
            "idempotency_key": "g" * 24,
            "award_files": [(open(awards_csv, "rb"), "awards.csv"), (open(_sample(), "rb"), "contracts-finder.json")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    run_path = response.headers["Location"]
    assert _wait_for(client, run_path)["status"] == "done"
    shown = client.get(run_path).get_data(as_text=True)
    assert "Dr Mid Year" in shown and "£250.75" in shown and "JAN" not in shown.split("Awards where")[1]
    workbook = client.get(run_path + ".xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(BytesIO(workbook.data))["Awards"]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 72  # every award kept: 70 from the sample and 2 written here
    july = next(r for r in rows if r[1].value == "JUL")
    assert july[2].is_date and july[4].value == 250.75 and july[9].value == "Dr Mid Year"
    assert client.get("/governance/outside/awards").get_data(as_text=True).count("Run ") >= 1


def test_a_run_whose_worker_died_ends_as_failed_and_says_to_start_again(app, client, make_user, monkeypatch, tmp_path):
    """A restart or a killed worker leaves no thread to finish the run: once it has shown no sign of life for
    STALLED_AFTER, the page says it stopped instead of polling for ever; a live run is left alone."""
    from datetime import timedelta

    import coi.outside
    from registry.models import utcnow
    from tests.conftest import csrf_from, sign_in

    monkeypatch.setattr(coi.outside, "start_in_background", lambda *args: None)  # the worker dies before it runs
    email, password, _ = make_user("governance")
    sign_in(client, email, password)
    page = client.get("/governance/outside/awards").get_data(as_text=True)
    awards_csv = tmp_path / "awards.csv"
    awards_csv.write_text("award_id,date,supplier,value,title,buyer\nA1,2025-01-10,Somebody Ltd,100,T,B\n")

    def start(key):
        response = client.post(
            "/governance/outside/awards",
            data={
                "csrf_token": csrf_from(page),
                "idempotency_key": key * 24,
                "award_files": [(open(awards_csv, "rb"), "awards.csv")],
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        return response.headers["Location"]

    dead = start("d")
    assert client.get(dead + "/status").get_json()["status"] == "queued"  # not yet taken for dead
    later = utcnow() + award_audit.STALLED_AFTER + timedelta(minutes=1)
    monkeypatch.setattr(award_audit, "utcnow", lambda: later)
    alive = start("a")  # started at the later time: its heartbeat is fresh
    status = client.get(dead + "/status").get_json()
    assert status["status"] == "failed" and "Start it again" in status["error"]
    assert client.get(alive + "/status").get_json()["status"] == "queued"
    assert "Start it again with the same files" in client.get(dead).get_data(as_text=True)
    with app.app_context(), session_scope(db_engine()) as s:
        from sqlmodel import select

        from registry.models import AuditEvent

        assert s.exec(select(AuditEvent).where(AuditEvent.action == "award-audit.failed")).all()
