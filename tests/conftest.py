"""Shared fixtures: an app on a fresh SQLite database, a throwaway PostgreSQL cluster, a real browser.

Under CI (the CI environment variable is set) PostgreSQL and browser tests must run: a missing
prerequisite fails them instead of skipping.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
import threading

import pytest

# the command line's directory cache (screening/directory_cache.py) goes to a folder of this run, not the home folder
os.environ.setdefault("COI_SCREENING_CACHE", tempfile.mkdtemp(prefix="coi-screening-cache-"))

from coi import create_app
from registry.db import session_scope
from registry.migrate import upgrade
from registry.services.accounts import create_person

from tests.pgcluster import ThrowawayCluster, find_pg_bin

IN_CI = bool(os.environ.get("CI"))

from registry.services.accounts import configure_hasher  # noqa: E402

configure_hasher(time_cost=1, memory_cost=1024, parallelism=1)  # fast hashes: tests check logic, not cost
PASSWORD = "correct horse battery staple"


def skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI is set: these tests must run)")
    pytest.skip(reason)


SHARED_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")


def shared_data(*parts: str) -> str:
    """A file from ../shared/data beside the checkout (where CI lays it; never in the repository): the tests that
    read one are skipped without it, and fail under CI."""
    path = os.path.join(SHARED_DATA, *parts)
    if not os.path.exists(path):
        skip_or_fail(f"{os.path.join(*parts)} is not in ../shared/data beside the checkout")
    return path


def make_app(database_url: str, migrate: bool = True, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "SIGN_IN_MAX_FAILURES_PER_IP": 1000,
        # Off unless a test turns it on (tests/test_second_factor.py): most tests sign governance leads and
        # chairs in with a password alone, as `make run`'s demo does.
        "MFA_REQUIRED": False,
    }
    config.update(overrides)
    app = create_app(config)
    from coi.database import engine

    if migrate:
        with app.app_context():
            upgrade(engine())
    return app


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A database migrated once; each test gets a copy (migrating every test's database is slow)."""
    from registry.db import make_engine

    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    template = make_engine(f"sqlite:///{path}")
    upgrade(template)
    template.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(autouse=True)
def _isolated_instance(tmp_path, monkeypatch):
    """No test writes to the checkout's instance/ folder."""
    monkeypatch.setenv("COI_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture
def app(tmp_path, migrated_sqlite):
    shutil.copyfile(migrated_sqlite, tmp_path / "test.sqlite")
    app = make_app(f"sqlite:///{tmp_path / 'test.sqlite'}", migrate=False)
    yield app
    with app.app_context():
        from coi.database import engine

        engine().dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    from sqlmodel import Session

    from coi.database import engine

    with app.app_context():
        with Session(engine(), expire_on_commit=False) as session:
            yield session


_counter = itertools.count()


@pytest.fixture
def make_user(app):
    """Creates a person with the given roles; returns (email, password, id)."""

    def _make(*roles: str, name: str | None = None, email: str | None = None):
        """'chair' is a committee role: such a user chairs a committee of their own (and no other)."""
        from coi.database import engine
        from registry.models import Committee, Membership

        index = next(_counter)
        email = email or f"user{index}@example.nhs.uk"
        account_roles = tuple(r for r in roles if r != "chair") or ("member",)
        with app.app_context(), session_scope(engine()) as session:
            person = create_person(
                session, email=email, full_name=name or f"Test Person {index}", password=PASSWORD, roles=account_roles
            )
            person_id = person.id
            if "chair" in roles:
                committee = Committee(name=f"Committee chaired by user {index}")
                session.add(committee)
                session.flush()
                session.add(
                    Membership(person_id=person_id, committee_id=committee.id, committee_role="chair", voting=False)
                )
        return email, PASSWORD, person_id

    return _make


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def signed_in(client, make_user):
    """A client signed in with the given roles: signed_in('chair') -> (client, person_id)."""

    def _sign_in(*roles: str):
        email, password, person_id = make_user(*roles)
        response = sign_in(client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, person_id

    return _sign_in


# --- PostgreSQL -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster():
    bin_dir = find_pg_bin()
    if bin_dir is None:
        skip_or_fail("PostgreSQL binaries (initdb, pg_ctl) not found")
    cluster = ThrowawayCluster(bin_dir).start()
    yield cluster
    cluster.stop()


_db_counter = itertools.count()


@pytest.fixture
def pg_url(pg_cluster):
    return pg_cluster.create_database(f"coi_test_{os.getpid()}_{next(_db_counter)}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request, tmp_path):
    """Runs a test on SQLite and again on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'any.sqlite'}"
    return request.getfixturevalue("pg_url")


# --- Browser ----------------------------------------------------------------------------------------


def chromium_path() -> str | None:
    return os.environ.get("COI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        skip_or_fail("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    yield server
    server.stop()


class AccessiblePage:
    """A Playwright page whose every visited page is checked with axe-core."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.checked: list[str] = []

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        self.check_accessibility()
        return self.page

    def sign_in(self, email: str, password: str = PASSWORD):
        """Sign in through the form and land on the home page (checked with axe too)."""
        p = self.goto("/sign-in")
        p.get_by_label("Email address").fill(email)
        p.get_by_label("Password", exact=True).fill(password)
        p.get_by_role("button", name="Sign in", exact=True).click()
        p.wait_for_url(self.base_url + "/")
        self.check_accessibility()
        return p

    def check_accessibility(self):
        from axe_playwright_python.sync_playwright import Axe

        def serious():
            results = Axe().run(self.page)
            return [v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]

        bad = serious()
        if bad and all(v["id"] == "color-contrast" for v in bad):
            # The design system's header sorts its links into "More" once its script has run; a colour read
            # while that settles is not what a person sees. Look again when the page is still: a real fault stays.
            self.page.wait_for_load_state("networkidle")
            self.page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
            bad = serious()
        self.checked.append(self.page.url)
        assert not bad, f"axe-core found serious or critical problems on {self.page.url}:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in bad
        )


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    pw_page = context.new_page()
    yield AccessiblePage(pw_page, live_server.url)
    context.close()


# --- Email ------------------------------------------------------------------------------------------


@pytest.fixture
def smtp_inbox():
    """A real SMTP server on loopback (aiosmtpd): yields (port, list of received envelopes)."""
    import socket

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox.messages
    controller.stop()


# --- Order ------------------------------------------------------------------------------------------

# The longest files first: `make test`'s workers each take whole files in collection order, so the security scan
# and the fuzz (over half the suite's time between them) start at once rather than last.
LONGEST_FIRST = ("tests/test_scan.py", "tests/test_fuzz.py")


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # a stable sort: each file keeps its own order
