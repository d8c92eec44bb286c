"""Sign-in, sign-out, throttling and sessions."""

from sqlmodel import func, select

from coi.database import engine
from registry.models import SignInAttempt, SignInThrottle, UserSession
from tests.conftest import PASSWORD, csrf_from, make_app, sign_in
from coi.idempotency import new_key  # every signed-in form carries one


def test_sign_in_and_reach_home(client, make_user):
    email, password, _ = make_user("member")
    response = sign_in(client, email, password)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Signed in as" in client.get("/").get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_failure_never_says_whether_email_exists(client, make_user):
    email, _, _ = make_user("member")
    wrong_password = sign_in(client, email, "not the password at all").get_data(as_text=True)
    unknown_email = sign_in(client, "nobody@example.nhs.uk", "not the password at all").get_data(as_text=True)
    message = "Enter a correct email address and password"
    assert message in wrong_password and message in unknown_email
    import re

    def strip(html, typed):  # tokens and nonces differ per response; nothing else may
        html = re.sub(r'(nonce|value)="[^"]*"', "", html)
        return html.replace(typed, "")

    assert strip(wrong_password, email) == strip(unknown_email, "nobody@example.nhs.uk")


def test_form_without_csrf_token_is_refused(client, make_user):
    email, password, _ = make_user("member")
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 400
    assert "Signed in as" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_sign_in_attempts_are_rate_limited_in_the_database(app, tmp_path, make_user):
    email, password, _ = make_user("member")
    client = app.test_client()
    allowance = app.config["SIGN_IN_FAILURES_BEFORE_BACKOFF"]
    for _ in range(allowance):
        assert sign_in(client, email, "wrong password here").status_code == 200
    refused = sign_in(client, email, password)
    assert refused.status_code == 429  # from this address even the right password now waits
    assert "Too many attempts to sign in. Wait 1 minute" in refused.get_data(as_text=True)
    with app.app_context():
        from sqlmodel import Session

        with Session(engine()) as s:
            # Counted under keys (this email from this address, this address, this email), not a row an attempt.
            assert s.exec(select(func.count()).select_from(SignInThrottle)).one() == 3
            assert s.exec(select(func.count()).select_from(SignInAttempt)).one() == 0
            assert s.exec(select(SignInThrottle.failures)).all() == [allowance] * 3
    # A second app (another worker, or a restart) on the same database sees the same count.
    other = make_app(app.config["DATABASE_URL"])
    assert sign_in(other.test_client(), email, password).status_code == 429


def test_session_is_renewed_at_sign_in(client, make_user):
    email, password, _ = make_user("member")
    client.get("/sign-in")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    sign_in(client, email, password)
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess.get("sid")


def test_sign_out_ends_the_session_on_the_server(app, client, make_user):
    email, password, _ = make_user("member")
    sign_in(client, email, password)
    copied_cookie = client.get_cookie("coi_session").value
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/sign-out", data={"idempotency_key": new_key(), "csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("coi_session", copied_cookie)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    with app.app_context():
        from sqlmodel import Session

        with Session(engine()) as s:
            assert all(u.ended_at is not None for u in s.exec(select(UserSession)))


def test_session_cookie_flags(client, make_user):
    email, password, _ = make_user("member")
    response = sign_in(client, email, password)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookie_when_configured(tmp_path, make_user):
    app = make_app(f"sqlite:///{tmp_path}/s.sqlite", SESSION_COOKIE_SECURE=True)
    from registry.db import session_scope
    from registry.services.accounts import create_person

    with app.app_context(), session_scope(engine()) as s:
        create_person(s, email="secure@example.nhs.uk", full_name="S", password=PASSWORD)
    client = app.test_client()
    response = sign_in(client, "secure@example.nhs.uk")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers


def test_open_redirect_after_sign_in_is_refused(client, make_user):
    email, password, _ = make_user("member")
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in?next=https://evil.example/", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.headers["Location"] == "/"
