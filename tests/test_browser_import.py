"""Importing an existing register in real Chromium: upload, preview with a row error, confirm. Every page
visited (and every page reached by sending a form) is checked with axe-core."""

import csv
import io

import pytest
from playwright.sync_api import expect


pytestmark = pytest.mark.browser


def register_csv() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["Name", "Position", "Type of interest", "Description", "Date from", "Date to", "Action taken"],
            [
                "Dr Imogen Import",
                "GP member",
                "Financial interests",
                "Partner, Imported Medical Centre",
                "01/04/2019",
                "",
                "Leaves the meeting for items about the practice",
            ],
            [
                "Dr Imogen Import",
                "GP member",
                "Non-financial personal interests",
                "Trustee, Riverside Carers",
                "31/02/2020",
                "",
                "",
            ],
            ["Mr Nil Person", "Lay member", "", "Nothing to declare", "", "", ""],
        ]
    )
    return out.getvalue().encode("utf-8")


def test_import_a_register_with_preview(page, make_user):
    page.page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    email, _, _ = make_user("governance", name="Gov Importer")
    page.sign_in(email)

    p = page.goto("/governance/")
    p.get_by_role("link", name="Import an existing register").click()
    p.wait_for_url("**/governance/import")
    page.check_accessibility()

    # Sending the form with no file shows the error summary
    with p.expect_navigation():
        p.get_by_role("button", name="Upload and preview").click()
    page.check_accessibility()
    expect(p.locator(".nhsuk-error-summary")).to_contain_text("Select a CSV or Excel file to import")

    p.locator("input[type=file]").set_input_files(
        files=[{"name": "register.csv", "mimeType": "text/csv", "buffer": register_csv()}]
    )
    with p.expect_navigation():
        p.get_by_role("button", name="Upload and preview").click()
    p.wait_for_url("**/governance/import/preview")
    page.check_accessibility()
    expect(p.get_by_role("heading", level=1)).to_have_text("Check the import")
    expect(p.locator("#row-3")).to_contain_text('Row 3, column "Date from": "31/02/2020" is not a real date')
    expect(p.locator("#row-3")).to_contain_text("Not imported")
    expect(p.locator("#row-2")).to_contain_text("Will be added")
    expect(p.locator("#row-4")).to_contain_text("Record a nil return for Mr Nil Person")

    with p.expect_navigation():
        p.get_by_role("button", name="Import 2 rows").click()
    p.wait_for_url("**/governance/interests**")
    page.check_accessibility()
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Register imported: 1 interest added")

    p = page.goto("/governance/interests")
    expect(p.get_by_role("link", name="Partner, Imported Medical Centre")).to_be_visible()
    expect(p.locator("body")).to_contain_text("Leaves the meeting for items about the practice")
    expect(p.locator("body")).not_to_contain_text("Trustee, Riverside Carers")

    # The same file again: nothing new to add; Cancel deletes the upload and writes nothing
    p = page.goto("/governance/import")
    p.locator("input[type=file]").set_input_files(
        files=[{"name": "register.csv", "mimeType": "text/csv", "buffer": register_csv()}]
    )
    with p.expect_navigation():
        p.get_by_role("button", name="Upload and preview").click()
    p.wait_for_url("**/governance/import/preview")
    page.check_accessibility()
    expect(p.locator("#row-2")).to_contain_text("Skipped: already on the register")
    expect(p.get_by_role("button", name="Import", exact=False)).to_have_count(0)
    with p.expect_navigation():
        p.get_by_role("button", name="Cancel").click()
    p.wait_for_url("**/governance/import")
    page.check_accessibility()
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Nothing was added to the register")
