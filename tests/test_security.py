"""Security headers, caching of signed-in pages, account lock-out across app instances, session time-outs and
the password policy."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select, update

from coi.cli import cli
from coi.database import engine
from registry.db import session_scope
from registry.models import Person, SignInThrottle, UserSession, utcnow
from registry.services.accounts import AccountError, create_person, password_problem
from tests.conftest import PASSWORD, make_app, sign_in
from tests.test_roles import ROUTES, world  # noqa: F401 - world is a fixture used below

PAGES = ["/sign-in", "/register", "/breaches", "/accessibility"]


def _nonce(response) -> str:
    match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'", response.headers["Content-Security-Policy"])
    assert match, response.headers["Content-Security-Policy"]
    return match.group(1)


def test_csp_has_no_unsafe_inline_and_every_script_carries_the_nonce(client, make_user):
    email, _, _ = make_user("member", "chair", "governance")
    nonces = set()
    for signed_in in (False, True):
        if signed_in:
            sign_in(client, email)
        for path in PAGES + (["/", "/declarations/gifts/new", "/declarations/interests/new"] if signed_in else []):
            response = client.get(path)
            csp = response.headers["Content-Security-Policy"]
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'self'" in csp
            assert "default-src 'self'" in csp and "form-action 'self'" in csp
            nonce = _nonce(response)
            nonces.add(nonce)
            html = response.get_data(as_text=True)
            for tag in re.findall(r"<script\b[^>]*>", html):
                assert f'nonce="{nonce}"' in tag, f"{path}: {tag}"
            assert not re.search(r"\son[a-z]+\s*=", html), f"{path}: an inline event handler"
            assert 'href="javascript:' not in html
    assert len(nonces) >= 8, "a new nonce for every response"


@pytest.mark.parametrize("path", PAGES + ["/healthz", "/no-such-page", "/static/coi.css", "/register.csv"])
def test_security_headers_on_every_kind_of_response(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP on a developer's machine


def test_hsts_when_cookies_are_secure(tmp_path, migrated_sqlite):
    shutil.copyfile(migrated_sqlite, tmp_path / "hsts.sqlite")
    app = make_app(f"sqlite:///{tmp_path / 'hsts.sqlite'}", migrate=False, SESSION_COOKIE_SECURE=True)
    for path in ("/sign-in", "/register", "/no-such-page"):
        hsts = app.test_client().get(path).headers.get("Strict-Transport-Security", "")
        assert (
            re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
            and int(hsts.split("=")[1].split(";")[0]) >= 31536000
        )
    with app.app_context():
        engine().dispose()


def test_every_signed_in_page_is_no_store(app, client, make_user, world):  # noqa: F811
    email, _, _ = make_user("member", "chair", "governance")
    sign_in(client, email)
    checked = 0
    for (method, template), _expected in ROUTES.items():
        if method != "GET":
            continue
        path = template.format(**world)
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", f"{path}: {response.headers.get('Cache-Control')}"
        checked += 1
    for path in (
        f"/meetings/{world['meeting']}/minutes?format=csv",
        f"/meetings/{world['meeting']}/minutes?format=docx",
        "/no-such-page",
        "/governance/interests/99999",
    ):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    assert checked >= 40


# --- Throttling across instances and restarts (and no lock-out) -------------------------------------------------

ATTACKER, MEMBER_ADDRESS = "203.0.113.9", "198.51.100.7"


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address  # believed: TRUSTED_PROXIES=1 below
    return client


def _fail(app, email: str, times: int, address: str = ATTACKER) -> list[int]:
    return [sign_in(_from(app, address), email, "not the password at all").status_code for _ in range(times)]


def _can_sign_in(app, email: str, address: str = MEMBER_ADDRESS) -> bool:
    return sign_in(_from(app, address), email).status_code == 302


def test_backoff_holds_across_two_instances_and_a_restart_and_never_locks_the_account(tmp_path, migrated_sqlite):
    shutil.copyfile(migrated_sqlite, tmp_path / "shared.sqlite")
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    first, second = make_app(url, migrate=False, TRUSTED_PROXIES=1), make_app(url, migrate=False, TRUSTED_PROXIES=1)
    with first.app_context(), session_scope(engine()) as s:
        create_person(s, email="target@example.nhs.uk", full_name="Target", password=PASSWORD)

    # Five failures from the attacker's address, split over two workers: that address now waits on both…
    assert _fail(first, "target@example.nhs.uk", 3) + _fail(second, "target@example.nhs.uk", 2) == [200] * 5
    assert _fail(first, "target@example.nhs.uk", 1) == [429] and _fail(second, "target@example.nhs.uk", 1) == [429]
    assert not _can_sign_in(second, "target@example.nhs.uk", ATTACKER)  # even with the right password
    # … and dozens more tries while it waits change nothing and lock nothing: the member signs in from their own.
    assert set(_fail(second, "target@example.nhs.uk", 30)) == {429}
    assert _can_sign_in(first, "target@example.nhs.uk")

    # A restart (a new app object on the same database) keeps the attacker's wait.
    for app in (first, second):
        with app.app_context():
            engine().dispose()
    restarted = make_app(url, migrate=False, TRUSTED_PROXIES=1)
    assert _fail(restarted, "target@example.nhs.uk", 1) == [429]
    with restarted.app_context(), session_scope(engine()) as s:
        person = s.exec(select(Person).where(Person.email == "target@example.nhs.uk")).scalars().one()
        assert person.locked_until is None
        # The first wait (1 minute) passes: one more try, then the wait doubles.
        s.execute(
            update(SignInThrottle)
            .where(SignInThrottle.key.like("pair:%"))
            .values(last_failure_at=utcnow() - timedelta(minutes=1, seconds=1))
        )
    assert _fail(restarted, "target@example.nhs.uk", 1) == [200]
    response = sign_in(_from(restarted, ATTACKER), "target@example.nhs.uk", "another wrong guess")
    assert response.status_code == 429 and "Wait 2 minutes" in response.get_data(as_text=True)
    assert _can_sign_in(restarted, "target@example.nhs.uk")
    with restarted.app_context():
        engine().dispose()


# --- Session time-outs ----------------------------------------------------------------------------------------


def _age_session(app, person_id: int, *, idle: timedelta, age: timedelta) -> None:
    now = utcnow()
    with app.app_context(), engine().begin() as conn:
        conn.execute(
            update(UserSession)
            .where(UserSession.person_id == person_id)
            .values(last_seen_at=now - idle, created_at=now - age)
        )


def _signed_in(client) -> bool:
    response = client.get("/declarations/")
    return response.status_code == 200


@pytest.mark.parametrize(
    "idle,age,still_in",
    [
        (timedelta(minutes=29), timedelta(hours=11, minutes=59), True),
        (timedelta(minutes=31), timedelta(hours=1), False),  # idle too long
        (timedelta(seconds=5), timedelta(hours=12, minutes=1), False),  # too old however busy
    ],
)
def test_idle_and_absolute_session_timeouts(app, signed_in, idle, age, still_in):
    assert app.config["SESSION_IDLE_MINUTES"] == 30 and app.config["SESSION_ABSOLUTE_HOURS"] == 12
    client, person_id = signed_in("member")
    assert _signed_in(client)
    _age_session(app, person_id, idle=idle, age=age)
    assert _signed_in(client) is still_in
    if not still_in:
        response = client.get("/declarations/")
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
        with app.app_context(), engine().connect() as conn:
            ended = conn.execute(
                select(func.count())
                .select_from(UserSession)
                .where(UserSession.person_id == person_id, UserSession.ended_at.is_not(None))
            ).scalar()
        assert ended == 1, "the expired session is ended on the server, not only ignored"
        _age_session(app, person_id, idle=timedelta(0), age=timedelta(0))
        assert not _signed_in(client), "an ended session cannot be revived"


def test_timeouts_follow_configuration(tmp_path, migrated_sqlite):
    shutil.copyfile(migrated_sqlite, tmp_path / "short.sqlite")
    app = make_app(
        f"sqlite:///{tmp_path / 'short.sqlite'}", migrate=False, SESSION_IDLE_MINUTES=5, SESSION_ABSOLUTE_HOURS=1
    )
    with app.app_context(), session_scope(engine()) as s:
        person_id = create_person(s, email="short@example.nhs.uk", full_name="Short", password=PASSWORD).id
    client = app.test_client()
    sign_in(client, "short@example.nhs.uk")
    _age_session(app, person_id, idle=timedelta(minutes=6), age=timedelta(minutes=6))
    assert not _signed_in(client)
    with app.app_context():
        engine().dispose()


# --- Password policy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password,ok",
    [
        ("short", False),
        ("elevenchars", False),
        ("aaaaaaaaaaaaaaaa", False),
        ("abababababababab", False),
        ("x" * 1025, False),
        ("correct horse battery staple", True),
        ("Twelve chars", True),
    ],
)
def test_password_policy(app, password, ok):
    assert (password_problem(password) is None) is ok
    result = CliRunner().invoke(
        cli,
        ["create-user", f"p{len(password)}{ok}@example.nhs.uk", "--name", "P", "--password", password],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert (result.exit_code == 0) is ok, result.output
    if not ok:
        assert "Password must" in result.output
    with app.app_context(), session_scope(engine()) as s:
        if not ok:
            with pytest.raises(AccountError):
                create_person(s, email="direct@example.nhs.uk", full_name="D", password=password)
