"""The award audit in real Chromium: upload award notices, run the audit in the background, watch it finish, read
the results and download the workbook. Every page visited is checked with axe-core."""

from datetime import date
from io import BytesIO

import pytest

from openpyxl import load_workbook
from playwright.sync_api import expect

from coi.database import engine
from registry.db import session_scope
from registry.models import Committee, Membership, Organisation
from registry.services import interests
from registry.services.accounts import create_person
from tests.conftest import shared_data

pytestmark = pytest.mark.browser


def _sample() -> str:
    return shared_data("awards-sample", "contracts-finder-sample.json")


def test_upload_awards_run_the_audit_and_download_the_workbook(app, page, make_user):
    page.page.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)
    with app.app_context(), session_scope(engine()) as s:
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
        gp = create_person(s, email="gp@example.nhs.uk", full_name="Dr Mid Year", password=None)
        interests.declare_interest(
            s,
            gp.id,
            actor_id=None,
            interest_type="financial",
            description="Partner, Vallance Medical",
            date_from=date(2025, 6, 1),
        )
        committee = Committee(name="Primary care commissioning committee")
        s.add(committee)
        s.flush()
        s.add(Membership(person_id=gp.id, committee_id=committee.id))
    email, _, _ = make_user("governance", name="Gov Auditor")
    page.sign_in(email)

    p = page.goto("/governance/outside/")
    p.get_by_role("link", name="Contract awards screened against every committee").click()
    p.wait_for_url("**/governance/outside/awards")
    page.check_accessibility()

    with p.expect_navigation():  # no file: the error beside the field
        p.get_by_role("button", name="Run the audit").click()
    page.check_accessibility()
    expect(p.locator(".nhsuk-error-summary")).to_contain_text("Select one or more award files")

    awards_csv = (
        "award_id,date,supplier,value,title,buyer\n"
        "JAN-1,2025-01-10,Vallance Medical,100,APMS contract,NHS Manchester ICB\n"
        "JUL-1,2025-07-10,Vallance Medical,250000.75,APMS contract,NHS Manchester ICB\n"
    ).encode()
    p.locator("input[type=file]").set_input_files(
        files=[
            {"name": "awards.csv", "mimeType": "text/csv", "buffer": awards_csv},
            {"name": "contracts-finder.json", "mimeType": "application/json", "buffer": open(_sample(), "rb").read()},
        ]
    )
    with p.expect_navigation():
        p.get_by_role("button", name="Run the audit").click()
    p.wait_for_url("**/governance/outside/awards/*")
    page.check_accessibility()  # running (progress bar) or already done
    download_link = p.get_by_role("link", name="Download every award (Excel, .xlsx)")
    expect(download_link).to_be_visible()  # the page polls its status and reloads when the run ends
    page.check_accessibility()
    expect(p.locator("#audit-summary")).to_contain_text("72 awards")
    expect(p.locator("#audit-summary")).to_contain_text("£250,000.75")
    expect(p.get_by_text("Dr Mid Year", exact=True)).to_be_visible()

    with p.expect_download() as downloading:
        download_link.click()
    workbook = load_workbook(BytesIO(open(downloading.value.path(), "rb").read()))
    rows = list(workbook["Awards"].iter_rows(min_row=2))
    july = next(r for r in rows if r[1].value == "JUL-1")
    january = next(r for r in rows if r[1].value == "JAN-1")
    assert july[2].is_date and july[2].value.date() == date(2025, 7, 10)
    assert july[4].data_type == "n" and july[4].value == 250000.75 and july[9].value == "Dr Mid Year"
    assert january[9].value in ("", None)  # before the interest began

    p = page.goto("/governance/outside/awards")
    expect(p.get_by_role("link", name="Run 1")).to_be_visible()  # the run is kept
