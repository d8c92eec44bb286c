"""Plain words (issue 14, item 5): a chair whose notices cannot be emailed is told what happened and what to do,
never the SMTP configuration (a governance lead, who runs the service, sees the detail); the upload limit is
stated beside the file chooser and again, with a way back to the form, when a file is too large."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.meeting_world import AGENDA, build

pytestmark = pytest.mark.browser


def _screened_meeting(page, app, tmp_path) -> int:
    world = build(app, tmp_path)
    meeting = world["meeting"]
    page.sign_in("chair@example.nhs.uk")
    p = page.goto(f"/meetings/{meeting}/agenda")
    p.get_by_label("Paste the agenda").fill(AGENDA)
    with p.expect_navigation():
        p.get_by_role("button", name="Add items").click()
    return meeting


def test_a_chair_never_sees_the_mail_configuration(page, app, tmp_path, make_user):
    app.config.update(SMTP_HOST="")  # no email server configured
    meeting = _screened_meeting(page, app, tmp_path)
    p = page.goto(f"/meetings/{meeting}")
    with p.expect_navigation():
        p.get_by_role("button", name="Email each flagged member their items").click()
    page.check_accessibility()
    banner = p.locator(".nhsuk-notification-banner")
    expect(banner).to_contain_text("The notices could not be emailed, so none were sent. Tell your governance lead")
    expect(p.locator("main")).not_to_contain_text("SMTP")
    expect(p.locator("main")).not_to_contain_text("COI_")

    p.context.clear_cookies()
    email, _, _ = make_user("governance")
    page.sign_in(email)
    p = page.goto(f"/meetings/{meeting}")
    with p.expect_navigation():
        p.get_by_role("button", name="Email each flagged member their items").click()
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("COI_SMTP_HOST")  # theirs to fix


def test_the_upload_limit_is_stated_before_and_after_a_too_large_upload(page, app, tmp_path):
    app.config.update(MAX_CONTENT_LENGTH=1024 * 1024)
    world = build(app, tmp_path)
    meeting = world["meeting"]
    page.sign_in("chair@example.nhs.uk")
    p = page.goto(f"/meetings/{meeting}/agenda")
    expect(p.locator("#document-hint")).to_contain_text("up to 1 MB")
    big = tmp_path / "agenda.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    p.locator("input[type=file][name=document]").set_input_files(str(big))
    with p.expect_navigation():
        p.get_by_role("button", name="Add items").click()
    page.check_accessibility()
    expect(p.get_by_role("heading", level=1)).to_have_text("The file is too large")
    expect(p.locator("main")).to_contain_text("larger than the 1 MB the service accepts")
    p.get_by_role("link", name="Go back to the form").click()
    p.wait_for_url(f"**/meetings/{meeting}/agenda")
    expect(p.locator("#document-hint")).to_be_visible()
