"""Throttling that slows an attacker without locking a member out, tested with two client addresses (through
COI_TRUSTED_PROXIES and X-Forwarded-For): per (email, address) back-off, per-address and per-account limits that
never hold an address the member has signed in from, an email to the member after repeated failures, anonymous
failures counted rather than written row by row, and a governance lead clearing a throttle."""

from __future__ import annotations

import email
import shutil

import pytest
from sqlmodel import Session, func, select

from coi.database import engine
from coi.idempotency import new_key
from registry.db import session_scope
from registry.models import AuditEvent, SignInAttempt, SignInThrottle
from registry.services.accounts import create_person
from tests.conftest import PASSWORD, csrf_from, make_app, sign_in

ATTACKER, OTHER_ATTACKER, MEMBER = "203.0.113.9", "203.0.113.10", "198.51.100.7"
TARGET = "target@example.nhs.uk"


@pytest.fixture
def proxied(tmp_path, migrated_sqlite):
    def _make(**overrides):
        shutil.copyfile(migrated_sqlite, tmp_path / "throttle.sqlite")
        config = {"TRUSTED_PROXIES": 1, "SIGN_IN_MAX_FAILURES_PER_IP": 50}
        config.update(overrides)
        app = make_app(f"sqlite:///{tmp_path / 'throttle.sqlite'}", migrate=False, **config)
        with app.app_context(), session_scope(engine()) as s:
            create_person(s, email=TARGET, full_name="Target Member", password=PASSWORD)
            create_person(s, email="lead@example.nhs.uk", full_name="Lead", password=PASSWORD, roles=("governance",))
        apps.append(app)
        return app

    apps = []
    yield _make
    for app in apps:
        with app.app_context():
            engine().dispose()


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client


def _try(app, address: str, address_email: str = TARGET, password: str = "not the password at all") -> int:
    return sign_in(_from(app, address), address_email, password).status_code


def _count(app, model, *where) -> int:
    with app.app_context(), Session(engine()) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_strangers_failures_never_stop_the_member_signing_in(proxied):
    app = proxied()
    assert [_try(app, ATTACKER) for _ in range(5)] == [200] * 5
    assert {_try(app, ATTACKER) for _ in range(40)} == {429}  # that address waits, and waiting counts nothing
    assert _try(app, ATTACKER, password=PASSWORD) == 429  # even the right password, from there
    assert _try(app, MEMBER, password=PASSWORD) == 302  # the member, from their own address, is never held
    with app.app_context(), Session(engine()) as s:
        pair = s.exec(select(SignInThrottle).where(SignInThrottle.key.like(f"pair:%:{ATTACKER}"))).one()
        assert pair.failures == 5  # the 41 refused tries did not extend the wait


def test_the_per_address_limit_spans_every_email_but_spares_the_members_familiar_address(proxied):
    app = proxied(SIGN_IN_MAX_FAILURES_PER_IP=6)
    assert _try(app, MEMBER, password=PASSWORD) == 302  # the member has signed in from here before
    # A password spray from the attacker's address: one try an email, so no single email is slowed …
    statuses = [_try(app, ATTACKER, f"someone{i}@example.nhs.uk") for i in range(8)]
    assert statuses == [200] * 6 + [429] * 2  # … but the address is
    assert _try(app, ATTACKER, TARGET, PASSWORD) == 429
    assert _try(app, OTHER_ATTACKER, "someone99@example.nhs.uk") == 200  # another address is not held by it
    # The same spray from the member's own (shared, NATed) address leaves the member able to sign in.
    for i in range(8):
        _try(app, MEMBER, f"spray{i}@example.nhs.uk")
    assert _try(app, MEMBER, password=PASSWORD) == 302
    assert _count(app, AuditEvent, AuditEvent.action == "sign-in.throttled") == 2  # once an address, not a refusal


def test_the_per_account_limit_holds_unfamiliar_addresses_only(proxied):
    app = proxied(SIGN_IN_MAX_FAILURES_PER_ACCOUNT_PER_HOUR=6)
    assert _try(app, MEMBER, password=PASSWORD) == 302
    # Many addresses, a few tries each (no address reaches its own back-off): the account's hourly limit is reached.
    statuses = [_try(app, f"203.0.113.{20 + i // 3}") for i in range(9)]
    assert statuses == [200] * 6 + [429] * 3
    assert _try(app, "203.0.113.99", password=PASSWORD) == 429  # a new address waits, right password or not
    assert _try(app, MEMBER, password=PASSWORD) == 302  # the member's familiar address does not


def test_anonymous_failures_are_counted_not_written_row_by_row(proxied):
    app = proxied()
    for i in range(30):
        _try(app, ATTACKER, f"nobody{i % 3}@example.nhs.uk")
    assert _count(app, SignInAttempt) == 0
    assert _count(app, AuditEvent, AuditEvent.action.like("sign-in%")) == 0
    # One row a key: three emails from one address, the address, and the three emails' hourly counts.
    assert _count(app, SignInThrottle) == 7


def test_an_unknown_email_is_slowed_exactly_like_a_real_one(proxied):
    app = proxied()
    real = [_try(app, ATTACKER, TARGET) for _ in range(6)]
    unknown = [_try(app, OTHER_ATTACKER, "nobody@example.nhs.uk") for _ in range(6)]
    assert real == unknown == [200] * 5 + [429]


def test_the_member_is_emailed_after_repeated_failures(proxied, smtp_inbox):
    port, messages = smtp_inbox
    app = proxied(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    for _ in range(4):
        _try(app, ATTACKER)
    assert messages == []
    _try(app, ATTACKER)  # the fifth failure since the last success
    assert len(messages) == 1 and messages[0].rcpt_tos == [TARGET]
    body = email.message_from_bytes(messages[0].content).get_payload(decode=True).decode()
    assert "5 unsuccessful attempts" in body and ATTACKER in body and "has not been locked" in body
    for _ in range(5):
        _try(app, OTHER_ATTACKER)  # failures 6-10: the next email is at 10 (each time the count doubles)
    assert (
        len(messages) == 2
        and "10 unsuccessful attempts"
        in email.message_from_bytes(messages[1].content).get_payload(decode=True).decode()
    )
    assert _try(app, MEMBER, password=PASSWORD) == 302  # and the member was never locked out


def test_a_governance_lead_clears_a_throttle(proxied):
    app = proxied()
    for _ in range(5):
        _try(app, MEMBER)  # the member mistypes, from their own address, until it waits
    assert _try(app, MEMBER, password=PASSWORD) == 429
    lead = _from(app, "192.0.2.1")
    assert sign_in(lead, "lead@example.nhs.uk").status_code == 302
    with app.app_context(), Session(engine()) as s:
        from registry.models import Person

        target = s.exec(select(Person.id).where(Person.email == TARGET)).one()
    page = lead.get(f"/governance/people/{target}").get_data(as_text=True)
    assert "sign-in is slowed" in page and "Clear failed sign-ins and throttles" in page
    response = lead.post(
        f"/governance/people/{target}/unlock",
        data={"csrf_token": csrf_from(page), "idempotency_key": new_key(), "next": f"/governance/people/{target}"},
    )
    assert response.status_code == 302
    assert _try(app, MEMBER, password=PASSWORD) == 302
    assert _count(app, SignInThrottle, SignInThrottle.person_id == target) == 0
