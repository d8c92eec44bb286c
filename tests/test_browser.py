"""Real Chromium through Playwright; every page visited is checked with axe-core."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_and_reach_home(page, make_user):
    email, _, _ = make_user("member", "chair", name="Browser Tester")
    p = page.goto("/")
    assert "/sign-in" in p.url
    p.get_by_label("Email address").fill(email)
    p.get_by_label("Password", exact=True).fill(PASSWORD)
    p.get_by_role("button", name="Sign in").click()
    p.wait_for_url(page.base_url + "/")
    page.check_accessibility()
    assert p.get_by_role("heading", level=1).inner_text() == "Conflicts of interest register"
    assert "Browser Tester" in p.content()
    p.get_by_role("button", name="Sign out").click()
    p.wait_for_url("**/sign-in")
    page.check_accessibility()


def test_wrong_password_shows_error_summary(page, make_user):
    email, _, _ = make_user("member")
    p = page.goto("/sign-in")
    p.get_by_label("Email address").fill(email)
    p.get_by_label("Password", exact=True).fill("this is not it at all")
    p.get_by_role("button", name="Sign in").click()
    page.check_accessibility()
    summary = p.locator(".nhsuk-error-summary")
    assert "Enter a correct email address and password" in summary.inner_text()
