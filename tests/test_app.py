"""The app factory, configuration, database set-up and template escaping."""

import threading

import pytest
from sqlmodel import Session, select

from coi import create_app
from registry.db import make_engine
from registry.models import Committee
from tests.conftest import make_app, sign_in


def test_secret_key_generated_into_instance_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("COI_INSTANCE_PATH", str(tmp_path / "inst"))
    app1 = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.sqlite"})
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists() and len(app1.config["SECRET_KEY"]) >= 32
    app2 = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.sqlite"})
    assert app2.config["SECRET_KEY"] == app1.config["SECRET_KEY"]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("COI_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite")
    monkeypatch.setenv("COI_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("COI_MAX_CONTENT_LENGTH", "1234")
    monkeypatch.setenv("COI_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app()
    assert app.config["DATABASE_URL"].endswith("env.sqlite")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["MAX_CONTENT_LENGTH"] == 1234


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/p.sqlite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_read_then_write_transactions_do_not_fail_on_sqlite(app):
    """With a plain BEGIN, a reader upgrading to a writer fails with 'database is locked'."""
    from coi.database import engine

    with app.app_context():
        eng = engine()
    errors, barrier = [], threading.Barrier(4)

    def worker(n):
        try:
            with Session(eng) as s:
                barrier.wait()
                for i in range(15):
                    s.exec(select(Committee)).all()  # read first, inside the transaction
                    s.add(Committee(name=f"c{n}-{i}"))
                    s.commit()
        except Exception as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(eng) as s:
        assert len(s.exec(select(Committee)).all()) == 60


def test_request_size_limit(client):
    response = client.post("/sign-in", data={"email": "x" * (11 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_templates_autoescape_jinja_files(app, client, make_user):
    email, password, _ = make_user("member", name="<script>alert('x')</script>")
    sign_in(client, email, password)
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_database_unreachable_gives_503_page(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "unavailable" in body and "Traceback" not in body


def test_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_render_readably_without_the_npm_assets(tmp_path):
    """Without npm the compiled NHS.UK frontend is missing: pages fall back to the app's own stylesheet."""
    app = make_app(f"sqlite:///{tmp_path}/f.sqlite", ASSETS_DIR=str(tmp_path / "no-assets"))
    client = app.test_client()
    html = client.get("/sign-in").get_data(as_text=True)
    assert "/static/fallback.css" in html and "nhsuk-frontend.min.css" not in html
    assert client.get("/static/fallback.css").status_code == 200
    assert client.get("/nhsuk/nhsuk-frontend.min.css").status_code == 404


def test_environment_settings_are_typed_by_their_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("COI_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("COI_SECRET_KEY", "12345678901234567890123456789012")
    monkeypatch.setenv("COI_SMTP_PASSWORD", "000123")
    monkeypatch.setenv("COI_SMTP_PORT", "2525")
    monkeypatch.setenv("COI_DATABASE_URL", f"sqlite:///{tmp_path}/e.sqlite")
    app = create_app()
    assert app.config["SECRET_KEY"] == "12345678901234567890123456789012"
    assert app.config["SMTP_PASSWORD"] == "000123" and app.config["SMTP_PORT"] == 2525
    monkeypatch.setenv("COI_SESSION_IDLE_MINUTES", "soon")
    with pytest.raises(ValueError, match="COI_SESSION_IDLE_MINUTES must be a whole number"):
        create_app()


def test_design_system_components_render_the_same_from_the_cache(app):
    """The cached stand-ins give byte-for-byte the design system's own HTML, for text and markup alike, and a
    call with a body (which cannot be cached) still reaches the real macro."""
    env = app.jinja_env
    cases = [
        ("input", "input", '{"label": {"text": "Name"}, "id": "n", "name": "n", "value": v}'),
        (
            "select",
            "select",
            '{"label": {"text": "Pick"}, "id": "s", "name": "s", "items": [{"value": "a", "text": v}],'
            ' "errorMessage": {"text": "Choose one"}}',
        ),
        ("button", "button", '{"text": v}'),
        ("header", "header", '{"service": {"text": v}, "account": {"items": [{"text": "Dr A"}]}}'),
    ]
    with app.test_request_context():
        for path, macro, params in cases:
            for value in ["<b>bold</b>", "plain", "plain"]:
                for wrap in ("v", "v | safe"):
                    body = (
                        "{{ "
                        + macro
                        + "("
                        + params.replace(": v", ": " + wrap).replace("[v]", "[" + wrap + "]")
                        + ") }}"
                    )
                    cached = env.from_string(
                        '{% from "nhsuk/components/' + path + '/macro.jinja" import ' + macro + " %}" + body
                    ).render(v=value)
                    real = env.from_string(
                        '{% from "nhsuk-uncached/components/' + path + '/macro.jinja" import ' + macro + " %}" + body
                    ).render(v=value)
                    assert cached == real
                    assert ("<b>bold</b>" in cached) == (value == "<b>bold</b>" and wrap == "v | safe")
        with_body = (
            '{% from "nhsuk/components/heading/macro.jinja" import heading %}'
            '{% call heading({"level": 2}) %}Made by <i>a</i> caller{% endcall %}'
        )
        assert "Made by <i>a</i> caller" in env.from_string(with_body).render()
