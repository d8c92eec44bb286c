"""Account self-service: invitation and reset links, password change, and the governance lead's unlock,
deactivate and reactivate."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from coi.database import engine
from registry.db import session_scope
from registry.models import AccountToken, AuditEvent, Person, TokenPurpose, UserSession, utcnow
from registry.services import account_links
from registry.services.accounts import create_person
from tests.conftest import PASSWORD, csrf_from, sign_in
from coi.idempotency import new_key  # every signed-in form carries one

NEW_PASSWORD = "a brand new passphrase 42"
LINK = re.compile(r"https?://[^\s\"<]+/account/set-password/([A-Za-z0-9_\-]+)")


# --- helpers -------------------------------------------------------------------------------------------------


def _person(app, person_id: int) -> Person:
    with app.app_context(), Session(engine(), expire_on_commit=False) as s:
        return s.get(Person, person_id)


def _change(app, person_id: int, **values) -> None:
    with app.app_context(), session_scope(engine()) as s:
        person = s.get(Person, person_id)
        for name, value in values.items():
            setattr(person, name, value)
        s.add(person)


def _tokens(app, person_id: int) -> list[AccountToken]:
    with app.app_context(), Session(engine(), expire_on_commit=False) as s:
        return list(s.exec(select(AccountToken).where(AccountToken.person_id == person_id).order_by(AccountToken.id)))


def _actions(app) -> list[str]:
    with app.app_context(), Session(engine()) as s:
        return list(s.exec(select(AuditEvent.action).order_by(AuditEvent.id)))


def _invitee(app, name: str = "Dr New Member", email_address: str = "new.member@example.nhs.uk") -> int:
    """A person on the register with an email address but no password yet."""
    with app.app_context(), session_scope(engine()) as s:
        return create_person(s, email=email_address, full_name=name, password=None).id


def _with_smtp(app, smtp_inbox):
    port, messages = smtp_inbox
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    return messages


def _read(envelope):
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return message, message.get_body(("plain",)).get_content()


def _link_in(text: str) -> str:
    match = LINK.search(text)
    assert match, f"no set-password link in {text!r}"
    return match.group(0)


def _path(link: str) -> str:
    return "/account/set-password/" + LINK.search(link).group(1)


def _post(client, path: str, data: dict | None = None, token_from: str = "/"):
    data = dict(data or {})
    data["csrf_token"] = csrf_from(client.get(token_from).get_data(as_text=True))
    data["idempotency_key"] = new_key()
    return client.post(path, data=data)


def _set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(
        path,
        data={
            "idempotency_key": new_key(),
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "new_password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def _issue(app, person_id: int, purpose=TokenPurpose.password_reset) -> str:
    with app.app_context(), session_scope(engine()) as s:
        return account_links.issue_link(s, person_id, purpose)


def _is_signed_out(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# --- invitations ---------------------------------------------------------------------------------------------


def test_invitation_link_sets_a_password_then_sign_in_works(app, signed_in, smtp_inbox):
    messages = _with_smtp(app, smtp_inbox)
    lead, lead_id = signed_in("governance")
    invitee = _invitee(app)
    response = _post(lead, f"/governance/people/{invitee}/invite", {"next": "/governance/"})
    assert response.status_code == 302 and response.headers["Location"] == "/governance/"
    assert "Invitation sent to new.member@example.nhs.uk" in lead.get("/").get_data(as_text=True)

    assert len(messages) == 1 and messages[0].rcpt_tos == ["new.member@example.nhs.uk"]
    message, body = _read(messages[0])
    assert message["From"] == app.config["MAIL_FROM"] == "governance@localhost"
    assert "72 hours" in body and "Dr New Member" in body
    link = _link_in(body)
    assert link.startswith("http://localhost/account/set-password/")  # absolute, built by url_for(_external=True)

    token = LINK.search(link).group(1)
    (stored,) = _tokens(app, invitee)
    assert stored.token_hash != token and len(stored.token_hash) == 64  # only the hash is kept
    assert stored.purpose == "invitation" and stored.created_by_id == lead_id
    lifetime = stored.expires_at - stored.created_at
    assert timedelta(hours=71, minutes=59) < lifetime <= timedelta(hours=72)

    newcomer = app.test_client()
    page = newcomer.get(_path(link)).get_data(as_text=True)
    assert "Set your password" in page and "new.member@example.nhs.uk" in page
    response = _set_password(newcomer, _path(link))
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert "Your password has been set" in newcomer.get("/sign-in").get_data(as_text=True)
    assert sign_in(newcomer, "new.member@example.nhs.uk", NEW_PASSWORD).status_code == 302
    assert "Signed in as Dr New Member" in newcomer.get("/").get_data(as_text=True)
    assert {"account.invitation-sent", "account.password-set"} <= set(_actions(app))


def test_without_smtp_the_lead_sees_a_clear_message_and_the_link(app, signed_in):
    app.config["SMTP_HOST"] = ""
    lead, _ = signed_in("governance")
    invitee = _invitee(app)
    response = _post(lead, f"/governance/people/{invitee}/invite", {"next": "/governance/"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No email server is configured" in page and "sensitive" in page
    link = _link_in(page)
    assert _set_password(app.test_client(), _path(link)).status_code == 302
    assert _person(app, invitee).password_hash is not None


def test_invitation_is_refused_for_someone_with_a_password_or_no_email(app, signed_in, make_user):
    lead, _ = signed_in("governance")
    _, _, member = make_user("member")
    response = _post(lead, f"/governance/people/{member}/invite", {"next": "/"})
    assert response.status_code == 302
    assert "already has a password" in lead.get("/").get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        imported = create_person(s, email=None, full_name="Imported Person", password=None).id
    _post(lead, f"/governance/people/{imported}/invite", {"next": "/"})
    assert "has no email address" in lead.get("/").get_data(as_text=True)
    assert not _tokens(app, member) and not _tokens(app, imported)
    assert (
        lead.post(
            "/governance/people/999999/invite",
            data={"idempotency_key": new_key(), "csrf_token": csrf_from(lead.get("/").get_data(as_text=True))},
        ).status_code
        == 404
    )


# --- refused links -------------------------------------------------------------------------------------------


def test_a_used_link_is_refused(app, make_user):
    _, _, person = make_user("member")
    path = "/account/set-password/" + _issue(app, person)
    client = app.test_client()
    assert _set_password(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    hash_after_first_use = _person(app, person).password_hash
    reuse = client.post(
        path,
        data={
            "idempotency_key": new_key(),
            "csrf_token": csrf_from(client.get("/sign-in").get_data(as_text=True)),
            "new_password": "an attacker's password",
            "confirm": "an attacker's password",
        },
    )
    assert reuse.status_code == 410
    assert _person(app, person).password_hash == hash_after_first_use


def test_an_expired_link_is_refused_and_changes_nothing(app, make_user):
    email_address, _, person = make_user("member")
    token = _issue(app, person)
    path = "/account/set-password/" + token
    client = app.test_client()
    form_page = client.get(path).get_data(as_text=True)  # opened while the link was live
    with app.app_context(), session_scope(engine()) as s:
        record = s.exec(select(AccountToken).where(AccountToken.person_id == person)).one()
        record.expires_at = utcnow() - timedelta(minutes=1)
        s.add(record)
    expired = client.get(path)
    assert expired.status_code == 410
    assert "expired" in expired.get_data(as_text=True) and "Ask for a new link" in expired.get_data(as_text=True)
    late = client.post(
        path,
        data={
            "idempotency_key": new_key(),
            "csrf_token": csrf_from(form_page),
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert late.status_code == 410
    assert sign_in(app.test_client(), email_address, PASSWORD).status_code == 302  # the old password still works
    assert sign_in(app.test_client(), email_address, NEW_PASSWORD).status_code == 200


def test_an_unknown_link_is_refused(client):
    response = client.get("/account/set-password/not-a-real-token")
    assert response.status_code == 410 and "not valid" in response.get_data(as_text=True)


def test_a_new_link_voids_the_earlier_unused_one(app, make_user):
    _, _, person = make_user("member")
    first, second = _issue(app, person), _issue(app, person)
    client = app.test_client()
    assert client.get("/account/set-password/" + first).status_code == 410
    assert client.get("/account/set-password/" + second).status_code == 200
    # A link of the other purpose is left alone.
    invitation = _issue(app, person, TokenPurpose.invitation)
    assert client.get("/account/set-password/" + second).status_code == 200
    assert client.get("/account/set-password/" + invitation).status_code == 200


def test_a_weak_or_mismatched_password_is_explained_beside_the_field_and_the_link_stays_usable(app, make_user):
    _, _, person = make_user("member")
    path = "/account/set-password/" + _issue(app, person)
    client = app.test_client()
    before = _person(app, person).password_hash
    short = _set_password(client, path, "too short")
    assert short.status_code == 200
    page = short.get_data(as_text=True)
    assert "Password must be at least 12 characters" in page and 'href="#new_password"' in page
    assert "nhsuk-error-message" in page
    mismatch = _set_password(client, path, NEW_PASSWORD, "something else entirely")
    assert "The passwords do not match" in mismatch.get_data(as_text=True)
    assert _person(app, person).password_hash == before
    assert _tokens(app, person)[0].used_at is None
    assert _set_password(client, path).status_code == 302


# --- password reset --------------------------------------------------------------------------------------------


def _ask_reset(client, address: str, delivered: bool = True):
    """Ask for a reset; with `delivered`, return once any email it sent has reached the mail server (the link is
    emailed after the answer, from a thread)."""
    page = client.get("/account/reset").get_data(as_text=True)
    response = client.post(
        "/account/reset", data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "email": address}
    )
    if delivered:
        _wait_for_reset_mail()
    return response


def _wait_for_reset_mail(seconds: float = 30) -> None:
    import threading
    import time

    from coi.account import RESET_MAIL_THREAD

    deadline = time.monotonic() + seconds
    while any(t.name == RESET_MAIL_THREAD for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the reset email was still being sent"
        time.sleep(0.02)


def test_reset_answers_identically_for_known_and_unknown_emails(app, make_user, smtp_inbox):
    messages = _with_smtp(app, smtp_inbox)
    known, _, person = make_user("member")
    unknown = "nobody.here@example.nhs.uk"
    answer_known, answer_unknown = _ask_reset(app.test_client(), known), _ask_reset(app.test_client(), unknown)
    assert answer_known.status_code == answer_unknown.status_code == 200

    def strip(html, typed):  # per-response tokens and nonces differ; nothing else may
        return re.sub(r'(nonce|value)="[^"]*"', "", html).replace(typed, "")

    text = answer_known.get_data(as_text=True)
    assert "If an account exists for that email, we have sent a link" in text
    assert strip(text, known) == strip(answer_unknown.get_data(as_text=True), unknown)
    assert [m.rcpt_tos for m in messages] == [[known]]
    _, body = _read(messages[0])
    assert "60 minutes" in body or "1 hour" in body
    (stored,) = _tokens(app, person)
    assert stored.purpose == "password-reset"
    assert timedelta(minutes=59) < stored.expires_at - stored.created_at <= timedelta(minutes=60)


def test_the_answer_does_not_wait_for_the_mail_server(app, make_user):
    """How long the mail server takes must not show which addresses have an account: the answer comes while the
    server is still holding the email (sent in the request, it would come only after the server let it go)."""
    import socket
    import threading

    from aiosmtpd.controller import Controller

    release, received = threading.Event(), []

    class SlowInbox:
        async def handle_DATA(self, server, session, envelope):
            import asyncio

            await asyncio.get_running_loop().run_in_executor(None, release.wait, 30)
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(SlowInbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # the client waits longer than the server holds, so a request that sent the email itself would answer
        # only after the email had arrived
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=60)
        address, _, _ = make_user("member")
        answer = _ask_reset(app.test_client(), address, delivered=False)
        assert answer.status_code == 200 and received == []  # answered while the server holds the email
        release.set()
        _wait_for_reset_mail()
        assert [m.rcpt_tos for m in received] == [[address]]
    finally:
        release.set()
        controller.stop()


def test_reset_is_the_same_answer_for_a_deactivated_account_and_sends_nothing(app, make_user, smtp_inbox):
    messages = _with_smtp(app, smtp_inbox)
    address, _, person = make_user("member")
    _change(app, person, active=False)
    response = _ask_reset(app.test_client(), address)
    assert response.status_code == 200 and "If an account exists" in response.get_data(as_text=True)
    assert messages == [] and not _tokens(app, person)


def test_after_a_reset_every_old_session_is_ended(app, make_user, smtp_inbox):
    messages = _with_smtp(app, smtp_inbox)
    address, _, person = make_user("member")
    laptop, phone = app.test_client(), app.test_client()
    assert sign_in(laptop, address).status_code == 302 and sign_in(phone, address).status_code == 302
    old_cookie = laptop.get_cookie("coi_session").value

    _ask_reset(app.test_client(), address)
    _, body = _read(messages[0])
    assert _set_password(app.test_client(), _path(_link_in(body))).status_code == 302

    assert _is_signed_out(laptop) and _is_signed_out(phone)
    thief = app.test_client()
    thief.set_cookie("coi_session", old_cookie)
    assert _is_signed_out(thief)
    with app.app_context(), Session(engine()) as s:
        rows = s.exec(select(UserSession).where(UserSession.person_id == person)).all()
        assert rows and all(row.ended_at is not None for row in rows)
    assert sign_in(app.test_client(), address, PASSWORD).status_code == 200  # the old password no longer works
    assert sign_in(app.test_client(), address, NEW_PASSWORD).status_code == 302
    assert "account.password-set" in _actions(app)


def test_reset_requests_are_throttled_so_a_mailbox_is_not_flooded(app, make_user, smtp_inbox):
    messages = _with_smtp(app, smtp_inbox)
    address, _, person = make_user("member")
    limit = app.config["PASSWORD_RESET_LINKS_PER_HOUR"]
    answers = [_ask_reset(app.test_client(), address) for _ in range(limit + 2)]
    assert {a.status_code for a in answers} == {200}
    assert all("If an account exists" in a.get_data(as_text=True) for a in answers)
    assert len(messages) == limit and len(_tokens(app, person)) == limit
    assert "account.password-reset-throttled" in _actions(app)


def test_reset_without_smtp_answers_the_same(app, make_user):
    app.config["SMTP_HOST"] = ""
    address, _, person = make_user("member")
    response = _ask_reset(app.test_client(), address)
    assert response.status_code == 200 and "If an account exists" in response.get_data(as_text=True)


def test_reset_needs_an_email_address(client):
    page = client.get("/account/reset").get_data(as_text=True)
    response = client.post(
        "/account/reset", data={"idempotency_key": new_key(), "csrf_token": csrf_from(page), "email": ""}
    )
    assert response.status_code == 200 and "Enter your email address" in response.get_data(as_text=True)


def test_a_reset_link_unlocks_a_locked_account(app, make_user):
    address, _, person = make_user("member")
    _change(app, person, failed_sign_ins=10, locked_until=utcnow() + timedelta(minutes=30))
    assert _set_password(app.test_client(), "/account/set-password/" + _issue(app, person)).status_code == 302
    after = _person(app, person)
    assert after.failed_sign_ins == 0 and after.locked_until is None
    assert sign_in(app.test_client(), address, NEW_PASSWORD).status_code == 302


# --- change password -----------------------------------------------------------------------------------------


def _change_password(client, current: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get("/account/password")
    assert page.status_code == 200
    return client.post(
        "/account/password",
        data={
            "idempotency_key": new_key(),
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def test_change_password_needs_the_right_current_password(app, make_user):
    address, _, person = make_user("member")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, address), sign_in(elsewhere, address)
    before = _person(app, person).password_hash

    wrong = _change_password(here, "not my password at all")
    assert wrong.status_code == 200
    assert "Your current password is not correct" in wrong.get_data(as_text=True)
    assert 'href="#current_password"' in wrong.get_data(as_text=True)
    assert _person(app, person).password_hash == before and not _is_signed_out(elsewhere)

    weak = _change_password(here, PASSWORD, "short")
    assert "Password must be at least 12 characters" in weak.get_data(as_text=True)
    assert _person(app, person).password_hash == before

    done = _change_password(here, PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Your password has been changed" in here.get("/").get_data(as_text=True)
    assert not _is_signed_out(here) and _is_signed_out(elsewhere)  # this session stays; the others end
    assert sign_in(app.test_client(), address, PASSWORD).status_code == 200
    assert sign_in(app.test_client(), address, NEW_PASSWORD).status_code == 302
    actions = _actions(app)
    assert "account.password-change-refused" in actions and "account.password-changed" in actions


def test_guessing_the_current_password_is_limited(app, make_user):
    address, _, person = make_user("member")
    client = app.test_client()
    sign_in(client, address)
    for _ in range(app.config["SIGN_IN_FAILURES_BEFORE_BACKOFF"]):
        _change_password(client, "a wrong guess here")
    refused = _change_password(client, PASSWORD)
    assert "Too many wrong passwords" in refused.get_data(as_text=True)
    assert sign_in(app.test_client(), address, NEW_PASSWORD).status_code != 302


def test_change_password_is_for_signed_in_people(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_signed_in_pages_link_to_change_password_and_sign_in_links_to_reset(client, signed_in):
    assert 'href="/account/reset"' in client.get("/sign-in").get_data(as_text=True)
    assert "Forgotten your password?" in client.get("/sign-in").get_data(as_text=True)
    signed_in("member")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/account/password"' in home and "Change your password" in home


# --- the governance lead's actions -------------------------------------------------------------------------------


def test_unlock_clears_a_throttle_on_the_members_own_address(app, signed_in, make_user):
    """Sign-in never locks an account now; a member who mistyped from their own address until it waits can be let
    straight back in by a governance lead (the old lock-out is lifted too)."""
    address, _, person = make_user("member")
    for _ in range(app.config["SIGN_IN_FAILURES_BEFORE_BACKOFF"]):
        assert sign_in(app.test_client(), address, "not the password at all").status_code == 200
    assert sign_in(app.test_client(), address).status_code == 429  # this address waits, even for the right password
    _change(app, person, locked_until=utcnow() + timedelta(minutes=30))
    lead, lead_id = signed_in("governance")
    assert "Clear failed sign-ins and throttles" in lead.get(f"/governance/people/{person}").get_data(as_text=True)
    response = _post(lead, f"/governance/people/{person}/unlock", {"next": "/governance/interests?name=x"})
    assert response.status_code == 302 and response.headers["Location"] == "/governance/interests?name=x"
    after = _person(app, person)
    assert after.failed_sign_ins == 0 and after.locked_until is None
    assert sign_in(app.test_client(), address).status_code == 302
    with app.app_context(), Session(engine()) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "account.unlocked")).one()
        assert event.actor_id == lead_id and event.object_id == person


def test_deactivate_stops_sign_in_and_ends_sessions_and_reactivate_restores(app, signed_in, make_user):
    address, _, person = make_user("member")
    member = app.test_client()
    sign_in(member, address)
    lead, _ = signed_in("governance")
    response = _post(lead, f"/governance/people/{person}/deactivate", {"next": "/"})
    assert response.status_code == 302
    assert "account is deactivated" in lead.get("/").get_data(as_text=True)
    after = _person(app, person)
    assert after.active is False and after.deactivated_at is not None
    assert _is_signed_out(member)
    assert sign_in(app.test_client(), address).status_code == 200
    with app.app_context(), Session(engine()) as s:
        assert s.get(Person, person) is not None  # never deleted
        assert all(r.ended_at for r in s.exec(select(UserSession).where(UserSession.person_id == person)))

    _post(lead, f"/governance/people/{person}/reactivate", {"next": "/"})
    after = _person(app, person)
    assert after.active is True and after.deactivated_at is None
    assert sign_in(app.test_client(), address).status_code == 302
    assert {"account.deactivated", "account.reactivated"} <= set(_actions(app))


def test_a_governance_lead_cannot_deactivate_themselves(app, signed_in):
    lead, lead_id = signed_in("governance")
    _post(lead, f"/governance/people/{lead_id}/deactivate", {"next": "/"})
    page = lead.get("/").get_data(as_text=True)
    assert "You cannot deactivate your own account" in page
    assert _person(app, lead_id).active is True


def test_deactivating_voids_an_outstanding_link(app, signed_in):
    invitee = _invitee(app)
    token = _issue(app, invitee, TokenPurpose.invitation)
    lead, _ = signed_in("governance")
    _post(lead, f"/governance/people/{invitee}/deactivate", {"next": "/"})
    assert app.test_client().get("/account/set-password/" + token).status_code == 410


@pytest.mark.parametrize("action", ["invite", "unlock", "deactivate", "reactivate"])
def test_governance_routes_refuse_everyone_else(app, client, make_user, action):
    _, _, target = make_user("member")
    anonymous = app.test_client()
    token = csrf_from(anonymous.get("/sign-in").get_data(as_text=True))
    response = anonymous.post(
        f"/governance/people/{target}/{action}", data={"idempotency_key": new_key(), "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    member_email, _, _ = make_user("member")
    sign_in(client, member_email)
    response = _post(client, f"/governance/people/{target}/{action}", {"next": "/"})
    assert response.status_code == 403
    assert _person(app, target).active is True and not _tokens(app, target)


def test_next_must_be_a_path_on_this_site(app, signed_in, make_user):
    _, _, person = make_user("member")
    lead, _ = signed_in("governance")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""):
        response = _post(lead, f"/governance/people/{person}/unlock", {"next": target})
        assert response.headers["Location"] == "/governance/", target


def test_every_form_needs_its_csrf_token(app, signed_in, make_user):
    address, _, person = make_user("member")
    _change(app, person, locked_until=utcnow() + timedelta(minutes=30), failed_sign_ins=10)
    token = _issue(app, person)
    lead, _ = signed_in("governance")
    for action in ("invite", "unlock", "deactivate", "reactivate"):
        assert lead.post(f"/governance/people/{person}/{action}", data={"next": "/"}).status_code == 400
    stranger = app.test_client()
    assert stranger.post("/account/reset", data={"email": address}).status_code == 400
    assert (
        stranger.post(
            "/account/set-password/" + token, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        ).status_code
        == 400
    )
    member = app.test_client()
    _change(app, person, locked_until=None, failed_sign_ins=0)
    sign_in(member, address)
    assert (
        member.post(
            "/account/password",
            data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        ).status_code
        == 400
    )
    after = _person(app, person)
    assert after.active and after.password_hash and not [t for t in _tokens(app, person) if t.used_at]
    assert sign_in(app.test_client(), address, PASSWORD).status_code == 302
    assert len(_tokens(app, person)) == 1


def test_link_pages_are_never_cached_nor_sent_as_referrer(app, make_user):
    _, _, person = make_user("member")
    response = app.test_client().get("/account/set-password/" + _issue(app, person))
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"


# --- the partial on the governance lead's person page ------------------------------------------------------------


def _render_actions(app, person_id: int, pass_state: bool = True) -> str:
    from flask import render_template_string

    with app.test_request_context("/governance/people/1"):
        from coi.database import db

        person = db().get(Person, person_id)
        state = account_links.account_state(db(), person) if pass_state else None
        return render_template_string(
            '{% include "account/_person_account_actions.jinja" %}', person=person, account_state=state
        )


def test_the_account_actions_partial_says_the_state_and_offers_the_right_buttons(app, make_user):
    invitee = _invitee(app)
    html = _render_actions(app, invitee)
    assert "No account yet: not invited" in html and "Send an invitation" in html
    assert 'name="csrf_token"' in html and 'name="next" value="/governance/people/1"' in html
    assert "nhsuk-button--secondary" in html
    _issue(app, invitee, TokenPurpose.invitation)
    html = _render_actions(app, invitee)
    assert "Invited: the link expires" in html and "Send a new invitation" in html
    assert "Invited: the link expires" in _render_actions(app, invitee, pass_state=False)

    _, _, member = make_user("member")
    html = _render_actions(app, member)
    assert "Active" in html and "Deactivate the account" in html and "invitation" not in html
    _change(app, member, failed_sign_ins=10)
    html = _render_actions(app, member)
    assert "Active (10 failed sign-ins since the last success)" in html
    assert "Clear failed sign-ins and throttles" in html and "Reset security codes" not in html
    _change(app, member, active=False, deactivated_at=utcnow())
    html = _render_actions(app, member)
    assert "Deactivated on" in html and "Reactivate the account" in html and "Deactivate the account" not in html


# --- in a browser ------------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_reset_journey_in_a_browser(app, page, make_user, smtp_inbox):
    """Sign-in page → "Forgotten your password?" → email → the emailed link → new password → sign in."""
    messages = _with_smtp(app, smtp_inbox)
    address, _, _ = make_user("member", name="Forgetful Member")
    p = page.goto("/sign-in")
    p.get_by_role("link", name="Forgotten your password?").click()
    p.wait_for_url("**/account/reset")
    page.check_accessibility()
    p.get_by_label("Email address").fill(address)
    p.get_by_role("button", name="Send the link").click()
    p.get_by_role("heading", name="Check your email").wait_for()
    page.check_accessibility()

    _wait_for_reset_mail()
    assert len(messages) == 1
    _, body = _read(messages[0])
    link = _link_in(body)
    assert link.startswith(page.base_url + "/account/set-password/")
    p.goto(link)
    page.check_accessibility()
    p.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    p.get_by_label("Confirm new password", exact=True).fill("not the same password")
    p.get_by_role("button", name="Change password").click()
    assert "The passwords do not match" in p.locator(".nhsuk-error-summary").inner_text()
    page.check_accessibility()
    p.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    p.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    p.get_by_role("button", name="Change password").click()
    p.wait_for_url("**/sign-in")
    assert "Your password has been changed" in p.content()
    page.check_accessibility()

    page.sign_in(address, NEW_PASSWORD)
    assert "Signed in as Forgetful Member" in p.content()
    p.get_by_role("link", name="Change your password").click()
    p.wait_for_url("**/account/password")
    page.check_accessibility()
    p.goto(link)  # the link worked once
    assert "already been used" in p.content()
    page.check_accessibility()
