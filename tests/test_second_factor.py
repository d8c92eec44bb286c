"""The second factor (TOTP with recovery codes) for governance leads, chairs and vice-chairs signing in with a
password; a governance lead resets a lost one; MFA_REQUIRED off (the demo) asks for nothing."""

from __future__ import annotations

import re
import shutil
import time

import pyotp
import pytest
from sqlmodel import Session, select

from coi.database import engine
from coi.idempotency import new_key
from registry.db import session_scope
from registry.models import AuditEvent, Committee, Membership, RecoveryCode, SecondFactor, UserSession
from registry.services.accounts import create_person
from tests.conftest import PASSWORD, csrf_from, make_app, sign_in


@pytest.fixture
def mfa_app(tmp_path, migrated_sqlite):
    shutil.copyfile(migrated_sqlite, tmp_path / "mfa.sqlite")
    app = make_app(f"sqlite:///{tmp_path / 'mfa.sqlite'}", migrate=False, MFA_REQUIRED=True)
    yield app
    with app.app_context():
        engine().dispose()


def _person(app, email: str, roles=("member",), committee_role: str | None = None) -> int:
    with app.app_context(), session_scope(engine()) as s:
        person = create_person(s, email=email, full_name=email.split("@")[0].title(), password=PASSWORD, roles=roles)
        if committee_role:
            committee = Committee(name=f"Committee of {email}")
            s.add(committee)
            s.flush()
            s.add(Membership(person_id=person.id, committee_id=committee.id, committee_role=committee_role))
        return person.id


def _signed_in(client) -> bool:
    return client.get("/declarations/").status_code == 200


def _post(client, path: str, code: str):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(page), "code": code})


USED: dict[str, str] = {}


def _enrol(client, email: str) -> tuple[str, list[str]]:
    """Password, then set up the app: returns the secret and the recovery codes shown (the code used is kept in
    USED)."""
    assert sign_in(client, email).headers["Location"] == "/sign-in/set-up-code"
    page = client.get("/sign-in/set-up-code").get_data(as_text=True)
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    USED[secret] = pyotp.TOTP(secret).now()
    done = _post(client, "/sign-in/set-up-code", USED[secret])
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", done.get_data(as_text=True))
    return secret, codes


def _actions(app) -> list[str]:
    with app.app_context(), Session(engine()) as s:
        return list(s.exec(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_governance_lead_sets_up_an_app_with_a_qr_code_then_is_signed_in(mfa_app):
    _person(mfa_app, "lead@example.nhs.uk", roles=("governance",))
    client = mfa_app.test_client()
    assert sign_in(client, "lead@example.nhs.uk").headers["Location"] == "/sign-in/set-up-code"
    assert not _signed_in(client)  # the password alone signs nobody in
    page = client.get("/sign-in/set-up-code")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "<svg" in html and "QR code to scan with your authenticator app" in html  # inline SVG: no script, no fetch
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert len(secret) >= 32
    wrong = _post(client, "/sign-in/set-up-code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status_code == 200 and "The security code is not correct" in wrong.get_data(as_text=True)
    assert not _signed_in(client)
    done = _post(client, "/sign-in/set-up-code", pyotp.TOTP(secret).now())
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", done.get_data(as_text=True))
    assert len(set(codes)) == 10 and done.headers["Cache-Control"] == "no-store"
    assert _signed_in(client)
    with mfa_app.app_context(), Session(engine()) as s:
        stored = [r.code_hash for r in s.exec(select(RecoveryCode))]
        assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
        assert not any(c.replace("-", "") in h for c in codes for h in stored)  # only hashes are kept
        assert s.exec(select(SecondFactor)).one().confirmed_at is not None
    assert "account.second-factor-set-up" in _actions(mfa_app)


def test_a_code_is_asked_for_at_every_password_sign_in_and_cannot_be_replayed(mfa_app):
    _person(mfa_app, "lead@example.nhs.uk", roles=("governance",))
    secret, _ = _enrol(mfa_app.test_client(), "lead@example.nhs.uk")
    totp = pyotp.TOTP(secret)
    client = mfa_app.test_client()
    assert sign_in(client, "lead@example.nhs.uk").headers["Location"] == "/sign-in/code"
    # The code just used to set up the app is refused (its step is spent); the next step's code is taken.
    replay = _post(client, "/sign-in/code", USED[secret])
    assert "The security code is not correct" in replay.get_data(as_text=True) and not _signed_in(client)
    next_code = totp.at(time.time() + 30)  # computed once: a step boundary between two reads gives another code
    response = _post(client, "/sign-in/code", next_code)
    assert response.status_code == 302 and response.headers["Location"] == "/" and _signed_in(client)
    again = mfa_app.test_client()
    sign_in(again, "lead@example.nhs.uk")
    assert "not correct" in _post(again, "/sign-in/code", next_code).get_data(as_text=True)
    with mfa_app.app_context(), Session(engine()) as s:
        methods = [e.detail["method"] for e in s.exec(select(AuditEvent).where(AuditEvent.action == "sign-in"))]
    assert methods == ["password+code", "password+code"]


def test_a_recovery_code_works_once(mfa_app):
    _person(mfa_app, "lead@example.nhs.uk", roles=("governance",))
    _, codes = _enrol(mfa_app.test_client(), "lead@example.nhs.uk")
    first = mfa_app.test_client()
    sign_in(first, "lead@example.nhs.uk")
    assert _post(first, "/sign-in/code", codes[3].upper()).status_code == 302 and _signed_in(first)
    second = mfa_app.test_client()
    sign_in(second, "lead@example.nhs.uk")
    assert "not correct" in _post(second, "/sign-in/code", codes[3]).get_data(as_text=True)
    assert not _signed_in(second)
    assert _post(second, "/sign-in/code", codes[4].replace("-", " ")).status_code == 302
    assert _actions(mfa_app).count("account.recovery-code-used") == 2


@pytest.mark.parametrize(
    "roles, committee_role, asked",
    [
        (("member",), None, False),
        (("member",), "member", False),
        (("member",), "chair", True),
        (("member",), "vice-chair", True),
        (("governance",), None, True),
    ],
)
def test_who_is_asked_for_a_code(mfa_app, roles, committee_role, asked):
    _person(mfa_app, "someone@example.nhs.uk", roles=roles, committee_role=committee_role)
    response = sign_in(mfa_app.test_client(), "someone@example.nhs.uk")
    assert (response.headers["Location"] == "/sign-in/set-up-code") is asked
    assert (response.headers["Location"] == "/") is not asked


def test_with_mfa_off_nobody_is_asked_and_the_sign_in_page_says_so(app, client, make_user):
    assert app.config["MFA_REQUIRED"] is False  # tests/conftest.py, like `make run`'s demo
    email, _, _ = make_user("governance")
    assert "Two-step verification is switched off" in client.get("/sign-in").get_data(as_text=True)
    assert sign_in(client, email).headers["Location"] == "/"


def test_the_mfa_default_is_on_and_the_demo_turns_it_off():
    from pathlib import Path

    from coi.settings import BY_NAME

    assert BY_NAME["MFA_REQUIRED"].default is True
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "COI_MFA_REQUIRED=false" in run_target


def test_guessing_codes_is_slowed(mfa_app):
    _person(mfa_app, "lead@example.nhs.uk", roles=("governance",))
    secret, _ = _enrol(mfa_app.test_client(), "lead@example.nhs.uk")
    client = mfa_app.test_client()
    sign_in(client, "lead@example.nhs.uk")
    wrong = "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"
    for _ in range(mfa_app.config["SIGN_IN_FAILURES_BEFORE_BACKOFF"]):
        assert _post(client, "/sign-in/code", wrong).status_code == 200
    refused = _post(client, "/sign-in/code", pyotp.TOTP(secret).at(time.time() + 30))
    assert refused.status_code == 429 and "Wait 1 minute" in refused.get_data(as_text=True)
    assert not _signed_in(client)


def test_the_code_step_expires_and_needs_the_password_step(mfa_app):
    _person(mfa_app, "lead@example.nhs.uk", roles=("governance",))
    client = mfa_app.test_client()
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"  # no password given
    sign_in(client, "lead@example.nhs.uk")
    with client.session_transaction() as sess:
        sess["mfa_since"] = time.time() - 601
    assert client.get("/sign-in/set-up-code").headers["Location"] == "/sign-in"


def test_a_governance_lead_resets_a_lost_factor_from_the_persons_page(mfa_app):
    chair = _person(mfa_app, "chair@example.nhs.uk", committee_role="chair")
    secret, _ = _enrol(chair_client := mfa_app.test_client(), "chair@example.nhs.uk")
    assert _signed_in(chair_client)
    with mfa_app.app_context(), session_scope(engine()) as s:
        create_person(s, email="lead@example.nhs.uk", full_name="Lead", password=PASSWORD, roles=("governance",))
    lead = mfa_app.test_client()
    _, _ = _enrol(lead, "lead@example.nhs.uk")
    page = lead.get(f"/governance/people/{chair}").get_data(as_text=True)
    assert "Reset security codes (lost phone)" in page and "Has an authenticator app" in page
    response = lead.post(
        f"/governance/people/{chair}/second-factor/reset",
        data={"csrf_token": csrf_from(page), "idempotency_key": new_key(), "next": f"/governance/people/{chair}"},
    )
    assert response.status_code == 302
    assert "security codes are reset" in lead.get(response.headers["Location"]).get_data(as_text=True)
    assert not _signed_in(chair_client)  # whoever has the lost phone is signed out
    with mfa_app.app_context(), Session(engine()) as s:
        assert s.exec(select(SecondFactor).where(SecondFactor.person_id == chair)).first() is None
        assert s.exec(select(RecoveryCode).where(RecoveryCode.person_id == chair)).all() == []
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "account.second-factor-reset")).one()
        lead_id = s.exec(select(UserSession.person_id).where(UserSession.ended_at.is_(None))).first()
        assert event.object_id == chair and event.actor_id == lead_id
    # The chair sets up an app again at the next password sign-in.
    assert sign_in(mfa_app.test_client(), "chair@example.nhs.uk").headers["Location"] == "/sign-in/set-up-code"
    assert "Reset security codes" not in lead.get(f"/governance/people/{chair}").get_data(as_text=True)


def test_the_apps_secret_is_stored_sealed_with_a_key_outside_the_database(mfa_app):
    """A copy of the database alone cannot make codes: the secret is sealed with instance/second_factor_key. A
    secret stored before sealing (an upgraded database) still works and is sealed at its next use; under another
    key the person is told to have the app reset, not shown an error page."""
    from sqlalchemy import update

    _person(mfa_app, "lead@example.nhs.uk", roles=("governance",))
    secret, _ = _enrol(mfa_app.test_client(), "lead@example.nhs.uk")
    with mfa_app.app_context(), Session(engine()) as s:
        stored = s.exec(select(SecondFactor)).one().secret
    assert stored.startswith("sealed1:") and secret not in stored
    totp = pyotp.TOTP(secret)

    # an upgraded database: the secret as the previous version stored it
    with mfa_app.app_context(), session_scope(engine()) as s:
        s.exec(update(SecondFactor).values(secret=secret))
    client = mfa_app.test_client()
    sign_in(client, "lead@example.nhs.uk")
    assert _post(client, "/sign-in/code", totp.at(time.time() + 30)).status_code == 302 and _signed_in(client)
    with mfa_app.app_context(), Session(engine()) as s:
        resealed = s.exec(select(SecondFactor)).one().secret
    assert resealed.startswith("sealed1:") and secret not in resealed

    # the same database under another instance's key
    other = make_app(mfa_app.config["DATABASE_URL"], migrate=False, MFA_REQUIRED=True, SECOND_FACTOR_KEY="another")
    stranger = other.test_client()
    sign_in(stranger, "lead@example.nhs.uk")
    refused = _post(stranger, "/sign-in/code", totp.at(time.time() + 60))
    assert refused.status_code == 409 and "ask a governance lead to reset it" in refused.get_data(as_text=True)
    assert not _signed_in(stranger)
