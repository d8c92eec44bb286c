"""Signing in in a real browser (Chromium through Playwright, axe-core on every page of ours): once through the
loopback OpenID provider (single sign-on), once with a password and a code from an authenticator app (TOTP)."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pyotp
import pytest
from werkzeug.serving import make_server

from coi.database import engine
from registry.db import session_scope
from registry.services.accounts import create_person
from tests.conftest import PASSWORD, AccessiblePage, make_app, skip_or_fail
from tests.oidc import loopback

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def site(tmp_path, migrated_sqlite, browser):
    """The app on a loopback port that the provider knows as this client's redirect URI, with MFA on."""
    problem = loopback.missing_prerequisite()
    if problem:
        skip_or_fail(problem)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    provider = loopback.start([f"{base}/sign-in/sso/callback"])
    shutil.copyfile(migrated_sqlite, tmp_path / "browser.sqlite")
    app = make_app(
        f"sqlite:///{tmp_path / 'browser.sqlite'}",
        migrate=False,
        MFA_REQUIRED=True,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=loopback.CLIENT_ID,
        OIDC_CLIENT_SECRET=loopback.CLIENT_SECRET,
    )
    with app.app_context(), session_scope(engine()) as s:
        create_person(s, email=loopback.ACCOUNTS["member"]["email"], full_name="Sam Single-Sign-On", password=None)
        create_person(
            s, email="lead@example.nhs.uk", full_name="Lee Governance", password=PASSWORD, roles=("governance",)
        )
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(base_url=base)
    yield AccessiblePage(context.new_page(), base)
    context.close()
    server.shutdown()
    provider.stop()
    with app.app_context():
        engine().dispose()


def test_single_sign_on_through_the_loopback_provider(site):
    p = site.goto("/sign-in")
    p.get_by_role("button", name="Sign in with NHSmail / Microsoft").click()
    # The provider's own (development) screens: not ours, so not checked with axe.
    p.locator("input[name=login]").fill("member")
    p.locator("input[name=password]").fill("anything")
    p.get_by_role("button", name="Sign-in").click()
    p.get_by_role("button", name="Continue").click()
    p.wait_for_url(site.base_url + "/")
    site.check_accessibility()
    assert "Sam Single-Sign-On" in p.content()
    site.goto("/declarations/")


def test_password_and_a_code_from_an_authenticator_app(site):
    p = site.goto("/sign-in")
    p.get_by_label("Email address").fill("lead@example.nhs.uk")
    p.get_by_label("Password", exact=True).fill(PASSWORD)
    p.get_by_role("button", name="Sign in", exact=True).click()
    p.wait_for_url(site.base_url + "/sign-in/set-up-code")
    site.check_accessibility()
    assert p.locator(".coi-qr svg").count() == 1
    secret = p.locator("#secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    p.get_by_label("Security code").fill(totp.now())
    p.get_by_role("button", name="Continue").click()
    p.wait_for_selector("#recovery-codes")
    site.check_accessibility()
    assert p.locator("#recovery-codes li").count() == 10
    p.get_by_role("button", name="I have kept my recovery codes: continue").click()
    p.wait_for_url(site.base_url + "/")
    site.check_accessibility()
    assert "Lee Governance" in p.content()

    # Signed out, then in again: the password, then the app's next code.
    p.get_by_role("button", name="Sign out").click()
    p.wait_for_url("**/sign-in")
    p.get_by_label("Email address").fill("lead@example.nhs.uk")
    p.get_by_label("Password", exact=True).fill(PASSWORD)
    p.get_by_role("button", name="Sign in", exact=True).click()
    p.wait_for_url(site.base_url + "/sign-in/code")
    site.check_accessibility()
    p.get_by_label("Security code").fill(totp.at(time.time() + 30))
    p.get_by_role("button", name="Continue").click()
    p.wait_for_url(site.base_url + "/")
    site.check_accessibility()
    site.goto("/governance/")
