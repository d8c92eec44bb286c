"""Single sign-on through a real OpenID provider (oidc-provider from npm) started on loopback: the authorisation
code flow with PKCE, state and nonce checked, wrong audience and expired ID tokens refused, the account matched by
verified email to an existing person, password sign-in switched off."""

from __future__ import annotations

import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from coi.database import engine
from registry.db import session_scope
from registry.models import AuditEvent, UserSession
from registry.services.accounts import create_person
from tests.conftest import PASSWORD, csrf_from, make_app, skip_or_fail, sign_in
from tests.oidc import loopback

CALLBACK = "http://localhost/sign-in/sso/callback"  # where Flask's test client says the app is


@pytest.fixture(scope="module")
def provider():
    problem = loopback.missing_prerequisite()
    if problem:
        skip_or_fail(problem)
    started = loopback.start([CALLBACK])
    yield started
    started.stop()


def _app(tmp_path, migrated_sqlite, provider, **overrides):
    shutil.copyfile(migrated_sqlite, tmp_path / "sso.sqlite")
    config = {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": loopback.CLIENT_ID,
        "OIDC_CLIENT_SECRET": loopback.CLIENT_SECRET,
        "MFA_REQUIRED": True,
    }
    config.update(overrides)
    app = make_app(f"sqlite:///{tmp_path / 'sso.sqlite'}", migrate=False, **config)
    with app.app_context(), session_scope(engine()) as s:
        create_person(s, email=loopback.ACCOUNTS["member"]["email"], full_name="SSO Member", password=PASSWORD)
        create_person(s, email=loopback.ACCOUNTS["unverified"]["email"], full_name="Unverified", password=PASSWORD)
        create_person(
            s,
            email=loopback.ACCOUNTS["chair"]["email"],
            full_name="A Governance Lead",
            password=PASSWORD,
            roles=("governance",),
        )
    return app


@pytest.fixture
def sso_app(tmp_path, migrated_sqlite, provider):
    app = _app(tmp_path, migrated_sqlite, provider)
    yield app
    with app.app_context():
        engine().dispose()


def _start(client, path="/sign-in/sso"):
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _sso(client, login: str, start_path="/sign-in/sso"):
    return client.get(_callback_path(loopback.sign_in_at_provider(_start(client, start_path), login)))


def _signed_in_as(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return html if "Signed in as" in html else ""


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context(), Session(engine()) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_sign_in_page_offers_single_sign_on_only_when_configured(client, sso_app):
    assert "Sign in with NHSmail / Microsoft" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/sign-in/sso").status_code == 404  # not configured: no such page
    page = sso_app.test_client().get("/sign-in").get_data(as_text=True)
    assert "Sign in with NHSmail / Microsoft" in page and 'href="/sign-in/sso"' in page


def test_happy_path_code_flow_with_pkce_state_and_nonce(sso_app, provider):
    client = sso_app.test_client()
    authorize = _start(client, "/sign-in/sso?next=/declarations/")
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(provider.issuer + "/auth?")
    assert query["response_type"] == ["code"] and query["client_id"] == [loopback.CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0].split()
    back = loopback.sign_in_at_provider(authorize, "member")
    assert parse_qs(urlsplit(back).query)["state"] == query["state"]
    response = client.get(_callback_path(back))
    assert response.status_code == 302 and response.headers["Location"] == "/declarations/"
    assert "SSO Member" in _signed_in_as(client)
    event = _audit(sso_app, "sign-in")[-1]
    assert event.detail["method"] == "single-sign-on"
    with sso_app.app_context(), Session(engine()) as s:
        assert len(s.exec(select(UserSession)).all()) == 1  # a server-side session, as with a password


def test_single_sign_on_skips_the_services_own_second_factor(sso_app):
    """A governance lead (who must give a code after a password) is signed straight in: the identity provider's
    MFA applies."""
    client = sso_app.test_client()
    response = _sso(client, "chair")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "A Governance Lead" in _signed_in_as(client)
    password = sso_app.test_client()
    assert sign_in(password, loopback.ACCOUNTS["chair"]["email"]).headers["Location"] == "/sign-in/set-up-code"


@pytest.mark.parametrize("how", ["audience", "expired", "nonce"])
def test_an_id_token_for_another_client_expired_or_with_another_nonce_is_refused(sso_app, provider, how):
    """The provider signs these with its real key: only the audience, expiry or nonce is wrong."""
    client = sso_app.test_client()
    back = loopback.sign_in_at_provider(_start(client), "member")
    provider.tamper_with_next_id_token(how)
    response = client.get(_callback_path(back))
    assert response.status_code == 400
    assert "The sign-in could not be completed" in response.get_data(as_text=True)
    assert not _signed_in_as(client)
    assert not _audit(sso_app, "sign-in")


def test_a_state_that_is_not_ours_is_refused(sso_app):
    client = sso_app.test_client()
    back = loopback.sign_in_at_provider(_start(client), "member")
    forged = back.replace("state=", "state=forged")
    response = client.get(_callback_path(forged))
    assert response.status_code == 400 and not _signed_in_as(client)
    # A callback in a browser that never started a sign-in (login CSRF) is refused the same way.
    other = sso_app.test_client()
    assert other.get(_callback_path(back)).status_code == 400 and not _signed_in_as(other)


def test_the_same_code_cannot_be_used_twice(sso_app):
    client = sso_app.test_client()
    back = loopback.sign_in_at_provider(_start(client), "member")
    assert client.get(_callback_path(back)).status_code == 302
    thief = sso_app.test_client()
    thief.get("/sign-in/sso")
    assert thief.get(_callback_path(back)).status_code == 400 and not _signed_in_as(thief)


@pytest.mark.parametrize(
    "login, reason, message",
    [
        ("unverified", "unverified", "did not confirm its email address"),
        ("stranger", "unknown", "There is no account here for the email address"),
    ],
)
def test_an_unverified_or_unknown_email_is_refused_and_audited(sso_app, login, reason, message):
    client = sso_app.test_client()
    response = _sso(client, login)
    assert response.status_code == 403 and message in response.get_data(as_text=True)
    assert not _signed_in_as(client)
    event = _audit(sso_app, "sign-in.sso-refused")[-1]
    assert event.detail["reason"] == reason and event.detail["ip"] == "127.0.0.1"
    with sso_app.app_context(), Session(engine()) as s:
        assert s.exec(select(UserSession)).all() == []  # nobody registered, nobody signed in


def test_claims_from_the_userinfo_endpoint_when_the_id_token_has_none(tmp_path, migrated_sqlite):
    problem = loopback.missing_prerequisite()
    if problem:
        skip_or_fail(problem)
    provider = loopback.start([CALLBACK], claims_in_id_token=False)
    try:
        app = _app(tmp_path, migrated_sqlite, provider)
        client = app.test_client()
        assert _sso(client, "member").status_code == 302 and "SSO Member" in _signed_in_as(client)
        assert _sso(app.test_client(), "unverified").status_code == 403
        with app.app_context():
            engine().dispose()
    finally:
        provider.stop()


def test_password_sign_in_switched_off_hides_the_form_and_refuses_posts(tmp_path, migrated_sqlite, provider):
    app = _app(tmp_path, migrated_sqlite, provider, PASSWORD_SIGN_IN=False)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with NHSmail / Microsoft" in page
    assert 'type="password"' not in page and "Forgotten your password?" not in page
    token = csrf_from(client.get("/account/reset").get_data(as_text=True))  # a real token: refused all the same
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": loopback.ACCOUNTS["member"]["email"], "password": PASSWORD}
    )
    assert response.status_code == 403 and "switched off" in response.get_data(as_text=True)
    assert not _signed_in_as(client)
    assert _sso(client, "member").status_code == 302 and _signed_in_as(client)  # single sign-on still works
    with app.app_context():
        engine().dispose()


def test_the_email_is_trusted_only_when_the_provider_vouches_for_it():
    """Entra ID (NHSmail) sends no email_verified; its optional xms_edov claim vouches for the email's domain."""
    from coi.sso import verified_email

    assert verified_email({"email": "a@nhs.net", "email_verified": True}) == "a@nhs.net"
    assert verified_email({"email": "a@nhs.net", "xms_edov": True}) == "a@nhs.net"
    assert verified_email({"email": "a@nhs.net"}) is None
    assert verified_email({"email": "a@nhs.net", "email_verified": "true"}) is None  # a string is not a yes
    assert verified_email({"email": "a@nhs.net", "xms_edov": False, "email_verified": False}) is None
    assert verified_email({"email_verified": True}) is None
