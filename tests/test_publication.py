"""The public register: who and what is published, snapshots, exports and formula injection."""

import csv
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import Interest
from registry.services import interests, publication
from registry.services.accounts import create_person
from registry.services.returns import make_return
from tests.conftest import csrf_from
from coi.idempotency import new_key  # every signed-in form carries one


def _seed(app):
    today = date.today()
    with app.app_context(), session_scope(engine()) as s:
        gp = create_person(s, email="gp@example.nhs.uk", full_name="Dr Gwen Parry", password=None, position="GP member")
        staff = create_person(
            s, email="staff@example.nhs.uk", full_name="Sam Staff", password=None, decision_maker=False
        )
        lay = create_person(s, email="lay@example.nhs.uk", full_name="Lay Member", password=None)

        def add(person, description, **fields):
            return interests.declare_interest(
                s,
                person.id,
                actor_id=person.id,
                interest_type="financial",
                description=description,
                date_from=date(2019, 1, 1),
                **fields,
            )

        add(gp, "Partner, Canbury Medical Centre")
        add(gp, "Ended five months ago", date_to=today - timedelta(days=150))
        add(gp, "Ended eight months ago", date_to=today - timedelta(days=240))
        add(gp, '=HYPERLINK("http://evil.example","click")')
        add(gp, "Spouse's role", publish=False, withheld_reason="Safety of a family member")
        add(staff, "Not a decision maker's interest")
        make_return(s, lay.id, "nil", today, actor_id=lay.id)


def test_rows_follow_the_publication_rules(app):
    _seed(app)
    with app.app_context(), session_scope(engine()) as s:
        rows, gifts, withheld = publication.register_rows(s, date.today())
    descriptions = {r["description"] for r in rows}
    assert "Partner, Canbury Medical Centre" in descriptions
    assert "Ended five months ago" in descriptions  # within the 6-month tail
    assert "Ended eight months ago" not in descriptions
    assert "Not a decision maker's interest" not in descriptions
    assert "Spouse's role" not in descriptions and withheld == 1
    assert "Nil return: no interests declared" in descriptions


def test_public_sees_the_published_snapshot_not_live_edits(app, client):
    _seed(app)
    assert "has not been published yet" in client.get("/register").get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        publication.publish(s, None)
        interest = s.exec(select(Interest).where(Interest.description == "Partner, Canbury Medical Centre")).one()
        interests.update_interest(s, interest, expected_version=1, actor_id=None, description="Edited after publishing")
    page = client.get("/register").get_data(as_text=True)
    assert "Partner, Canbury Medical Centre" in page and "Edited after publishing" not in page
    assert "withheld" in page
    with app.app_context(), session_scope(engine()) as s:
        second = publication.publish(s, None)
    assert "Edited after publishing" in client.get("/register").get_data(as_text=True)
    first_id = second.id - 1
    assert "Partner, Canbury Medical Centre" in client.get(f"/register/snapshots/{first_id}").get_data(as_text=True)
    assert client.get(f"/register/snapshots/{first_id}.csv").status_code == 200


def test_search_and_filter(app, client):
    _seed(app)
    with app.app_context(), session_scope(engine()) as s:
        publication.publish(s, None)
    page = client.get("/register?name=lay").get_data(as_text=True)
    assert "Lay Member" in page and "Dr Gwen Parry" not in page
    page = client.get("/register?organisation=canbury").get_data(as_text=True)
    assert "Partner, Canbury Medical Centre" in page and "Lay Member" not in page
    page = client.get("/register?type=financial").get_data(as_text=True)
    assert "Lay Member" not in page


def test_exports_carry_the_date_and_never_formulas(app, client):
    _seed(app)
    with app.app_context(), session_scope(engine()) as s:
        publication.publish(s, None)
    text = client.get("/register.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header_index = next(i for i, r in enumerate(rows) if r and r[0] == "Publication date")
    data = rows[header_index + 1 :]
    assert all(r[0] == date.today().isoformat() for r in data)
    cells = [c for r in data for c in r]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert any(c.startswith("'=HYPERLINK") for c in cells)

    book = load_workbook(io.BytesIO(client.get("/register.xlsx").get_data()))
    values = [cell for row in book["Interests"].iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in values)
    assert any(str(cell.value).startswith("'=HYPERLINK") for cell in values)


def test_governance_publishes_from_the_page(app, signed_in):
    _seed(app)
    client, _ = signed_in("governance")
    preview = client.get("/governance/publish/preview").get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', preview).group(1)
    assert (
        client.post(
            "/governance/publish",
            data={"idempotency_key": new_key(), "csrf_token": csrf_from(preview), "fingerprint": fingerprint},
        ).status_code
        == 302
    )
    assert "Partner, Canbury Medical Centre" in app.test_client().get("/register").get_data(as_text=True)


def test_publishing_shows_what_will_change_and_publishes_only_what_was_previewed(app, signed_in):
    _seed(app)
    with app.app_context(), session_scope(engine()) as s:
        publication.publish(s, None)
        gp = s.exec(select(Interest).where(Interest.description == "Partner, Canbury Medical Centre")).one()
        interests.declare_interest(
            s,
            gp.person_id,
            actor_id=None,
            interest_type="financial",
            description="Director, New Surgery Ltd",
            date_from=date(2020, 1, 1),
        )
        interests.end_interest(s, gp, date.today() - timedelta(days=3), expected_version=1, actor_id=None)
        gone = s.exec(select(Interest).where(Interest.description == "Ended five months ago")).one()
        interests.update_interest(
            s, gone, expected_version=1, actor_id=None, publish=False, withheld_reason="Legal reason"
        )
    client, _ = signed_in("governance")
    step_one = client.get("/governance/publish").get_data(as_text=True)
    assert "Preview the changes" in step_one and 'action="/governance/publish"' not in step_one
    preview = client.get("/governance/publish/preview").get_data(as_text=True)
    sections = {h: preview.split(f"<h2>{h}")[1].split("<h2>")[0] for h in ("Added (1)", "Ended (1)", "Withheld (1)")}
    assert "Director, New Surgery Ltd" in sections["Added (1)"]
    assert "Partner, Canbury Medical Centre" in sections["Ended (1)"]
    assert "Ended five months ago" in sections["Withheld (1)"]
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', preview).group(1)

    # Something changes after the preview: publishing is refused and the new preview shown.
    with app.app_context(), session_scope(engine()) as s:
        person_id = s.exec(select(Interest.person_id).where(Interest.description == "Director, New Surgery Ltd")).one()
        interests.declare_interest(
            s,
            person_id,
            actor_id=None,
            interest_type="financial",
            description="Late arrival",
            date_from=date(2020, 1, 1),
        )
    refused = client.post(
        "/governance/publish",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(preview), "fingerprint": fingerprint},
    )
    assert refused.status_code == 200
    assert "has changed since the preview was shown" in refused.get_data(as_text=True)
    assert "Late arrival" in refused.get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        assert len(publication.list_snapshots(s)) == 1


def _seed_gifts(app):
    """Two decision makers on two committees, each with a declared gift; published."""
    from registry.models import Committee, Membership
    from registry.services import gifts

    today = date.today()
    with app.app_context(), session_scope(engine()) as s:
        for name, committee_name, donor, pence in (
            ("Dr Gwen Parry", "Primary Care Commissioning Committee", "Acme Pharma Ltd", 30_000),
            ("Lay Member", "Audit Committee", "Kingston Hospice", 4_000_00),
        ):
            person = create_person(s, email=None, full_name=name, password=None)
            committee = Committee(name=committee_name)
            s.add(committee)
            s.flush()
            s.add(Membership(person_id=person.id, committee_id=committee.id, date_from=date(2019, 1, 1)))
            interests.declare_interest(
                s,
                person.id,
                actor_id=person.id,
                interest_type="financial",
                description=f"Interest of {name}",
                date_from=date(2019, 1, 1),
            )
            gifts.record_offer(
                s,
                person.id,
                kind="hospitality",
                donor=donor,
                value_pence=pence,
                offered_on=today - timedelta(days=10),
                description="Dinner",
                outcome="declined",
            )
        publication.publish(s, None)


def test_filters_reach_gifts_and_an_empty_search_says_so(app, client):
    _seed_gifts(app)
    page = client.get("/register?committee=Audit+Committee").get_data(as_text=True)
    assert "Kingston Hospice" in page and "Acme Pharma Ltd" not in page
    page = client.get("/register?name=gwen").get_data(as_text=True)
    assert "Acme Pharma Ltd" in page and "Kingston Hospice" not in page
    page = client.get("/register?organisation=acme").get_data(as_text=True)
    assert "Acme Pharma Ltd" in page and "Kingston Hospice" not in page
    page = client.get("/register?type=indirect").get_data(as_text=True)
    assert "Acme Pharma Ltd" not in page and "none is shown when a type of interest is chosen" in page
    page = client.get("/register?name=nobody-at-all").get_data(as_text=True)
    assert "No entries match your search" in page and "Clear the search" in page
    assert "<table" not in page  # no empty table
    assert "No declared gifts or hospitality match your search" in page


def test_csv_header_first_gifts_in_their_own_file_and_typed_excel(app, client):
    import datetime as dt

    _seed_gifts(app)
    rows = list(csv.reader(io.StringIO(client.get("/register.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Publication date", "Name", "Position"]
    assert len(rows) == 3 and all(r[0] == date.today().isoformat() for r in rows[1:])

    response = client.get("/register/gifts.csv?committee=Audit+Committee")
    assert response.status_code == 200
    assert "gifts-and-hospitality.csv" in response.headers["Content-Disposition"]
    gift_rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert gift_rows[0] == [
        "Publication date",
        "Name",
        "Position",
        "Gift or hospitality",
        "Offered by",
        "Description",
        "Value",
        "Date offered",
        "Accepted or declined",
    ]
    assert len(gift_rows) == 2 and gift_rows[1][4] == "Kingston Hospice" and gift_rows[1][6] == "4000.00"
    assert client.get("/register/gifts.csv").status_code == 200

    book = load_workbook(io.BytesIO(client.get("/register.xlsx").get_data()))
    interests_sheet, gift_sheet = book["Interests"], book["Gifts and hospitality"]
    assert interests_sheet["A1"].value == "Publication date"
    header = [c.value for c in interests_sheet[1]]
    date_from = interests_sheet.cell(row=2, column=header.index("Date from") + 1)
    assert date_from.is_date and date_from.value.date() == dt.date(2019, 1, 1)
    assert date_from.number_format == "d mmmm yyyy"
    assert interests_sheet["A2"].is_date
    gift_header = [c.value for c in gift_sheet[1]]
    values = sorted(gift_sheet.cell(row=r, column=gift_header.index("Value") + 1).value for r in (2, 3))
    assert values == [300.0, 4000.0]
    assert gift_sheet.cell(row=2, column=gift_header.index("Value") + 1).data_type == "n"
    assert gift_sheet.cell(row=2, column=gift_header.index("Date offered") + 1).is_date
    assert "About this register" in book.sheetnames
