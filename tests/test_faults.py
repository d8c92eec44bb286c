"""Crashes under load lose nothing and duplicate nothing.

Members declare and edit interests against a real gunicorn while workers are SIGKILLed again and again, and
once the whole server (master and workers) is killed and started again. Members retry a post with the same
idempotency key when the connection fails, as a browser's user pressing the button again would. Afterwards the
database must hold every acknowledged declaration exactly once, with whole histories and audit rows.
"""

from __future__ import annotations

import random
import shutil
import threading
import time

import pytest

from registry.db import make_engine, session_scope
from registry.services.accounts import create_person
from tests.conftest import PASSWORD, csrf_from
from tests.gunicorn_harness import GaveUp, Gunicorn, Member, app_env, check_register
from coi.idempotency import new_key  # every signed-in form carries one

CLIENTS = 8
FAULTS = 9  # eight workers killed, and the whole server once
WRITES_BETWEEN_FAULTS = 3
MAX_SECONDS = 45  # a bound, not a target: the run ends when the faults are done
MARKER = "F"


def _run_with_faults(database_url: str, tmp_path) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as s:
        people = [
            create_person(s, email=f"fault{n}@example.nhs.uk", full_name=f"Fault Member {n}", password=PASSWORD)
            for n in range(CLIENTS)
        ]
        people = [(p.email, p.id) for p in people]

    env = app_env(database_url, tmp_path / "instance")
    server = Gunicorn(env, workers=3, log=tmp_path / "gunicorn.log").start()
    stop = threading.Event()
    events: list[str] = []
    saved = [0]  # writes acknowledged so far (any client)

    def count(kind, response) -> None:
        if kind in ("declare", "edit") and response.status == 302:
            saved[0] += 1

    members = [
        Member(
            server.port, email, PASSWORD, f"{MARKER}{n:02d}-", person_id=person_id, rng=random.Random(n), record=count
        )
        for n, (email, person_id) in enumerate(people)
    ]
    failures: list[BaseException] = []

    def drive(member: Member) -> None:
        try:
            member.sign_in()
            while not stop.is_set():
                want = member.declare(retry_deliberately=member.rng.random() < 0.1)
                if want is not None and member.rng.random() < 0.5:
                    member.edit(want)
        except GaveUp as gave_up:
            events.append(f"{member.email} gave up on {gave_up}")
        except BaseException as error:  # noqa: BLE001 - reported after the run
            failures.append(error)

    def inject_faults() -> None:
        """Each fault waits for a few more acknowledged writes (so a slow machine gets the same test), then
        lands at a random moment, usually mid-request. The middle fault kills the whole server."""
        rng = random.Random(7)
        deadline = time.monotonic() + MAX_SECONDS
        for fault in range(FAULTS):
            target = saved[0] + WRITES_BETWEEN_FAULTS
            while saved[0] < target and time.monotonic() < deadline and not stop.is_set():
                time.sleep(0.02)
            if time.monotonic() >= deadline or stop.is_set():
                return
            time.sleep(rng.uniform(0, 0.2))
            if fault == FAULTS // 2:
                server.restart()  # SIGKILL to the whole process group, then a fresh start on the same port
                events.append("server killed and restarted")
            elif server.kill_worker(rng):
                events.append("worker killed")
        target = saved[0] + WRITES_BETWEEN_FAULTS  # and some work after the last fault
        while saved[0] < target and time.monotonic() < deadline:
            time.sleep(0.02)

    threads = [threading.Thread(target=drive, args=(m,)) for m in members]
    injector = threading.Thread(target=inject_faults)
    try:
        for t in threads:
            t.start()
        injector.start()
        injector.join(timeout=MAX_SECONDS + 60)
        stop.set()
        for t in threads:
            t.join(timeout=90)
    finally:
        stop.set()
        server.stop()

    assert not failures, failures
    assert "server killed and restarted" in events
    assert events.count("worker killed") >= FAULTS - 3, events  # a kill can find every worker still booting
    server_errors = [e for m in members for e in m.server_errors]
    assert not server_errors, server_errors[:5]
    expected = [want for m in members for want in m.expected]
    assert len(expected) >= 2 * CLIENTS, f"only {len(expected)} declarations acknowledged"
    assert sum(m.connection_retries for m in members) > 0  # the kills did cut requests off
    problems = check_register(engine, expected, MARKER)
    engine.dispose()
    print(
        f"\n{database_url.split(':')[0]}: {len(expected)} declarations acknowledged, "
        f"{events.count('worker killed')} workers killed, 1 server crash, "
        f"{sum(m.connection_retries for m in members)} retries after connection errors, "
        f"{sum(m.deliberate_retries for m in members)} deliberate retries; {sum('gave up' in e for e in events)} gave up"
    )
    assert not problems, "\n".join(problems[:20])


def test_sqlite_wal_survives_killed_workers_and_a_server_crash(tmp_path, migrated_sqlite):
    shutil.copyfile(migrated_sqlite, tmp_path / "faults.sqlite")
    _run_with_faults(f"sqlite:///{tmp_path / 'faults.sqlite'}", tmp_path)


@pytest.mark.postgres
def test_postgresql_survives_killed_workers_and_a_server_crash(tmp_path, pg_url):
    from registry.migrate import upgrade

    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    _run_with_faults(pg_url, tmp_path)


def test_the_check_finds_duplicates_lost_writes_and_partial_declarations(tmp_path, migrated_sqlite):
    """The check above would fail if the server duplicated, lost or half-wrote a declaration."""
    from datetime import date

    from registry.models import Interest, InterestHistory
    from registry.services import interests
    from tests.gunicorn_harness import Expected

    shutil.copyfile(migrated_sqlite, tmp_path / "check.sqlite")
    engine = make_engine(f"sqlite:///{tmp_path / 'check.sqlite'}")
    with session_scope(engine) as s:
        person = create_person(s, email="c@example.nhs.uk", full_name="Check", password=None)
        for marker in ("F1", "F2", "F2"):  # F2 twice: a duplicate
            interests.declare_interest(
                s,
                person.id,
                actor_id=person.id,
                interest_type="financial",
                role="partner",
                description=f"{marker} Partner",
                date_from=date(2022, 1, 1),
            )
        half = Interest(person_id=person.id, interest_type="financial", role="partner", description="F4 Partner")
        s.add(half)  # written without its history and audit rows
        s.flush()
        s.add(InterestHistory(interest_id=half.id, version=2, change="updated", after={"description": "F4 Partner"}))
    wanted = [
        Expected("F1", {"F1 Partner"}),
        Expected("F2", {"F2 Partner"}),
        Expected("F3", {"F3 Partner"}),
        Expected("F4", {"F4 Partner"}),
    ]
    problems = "\n".join(check_register(engine, wanted, "F"))
    engine.dispose()
    assert "F2 is in the database 2 times" in problems
    assert "F3 is missing" in problems
    assert "its history has [2]" in problems
    assert "F1" not in problems


def test_pages_render_without_holding_the_sqlite_write_lock(app, signed_in, tmp_path):
    """A form post's SQLite transaction takes the write lock at BEGIN; a post that saves nothing (its form
    shown again with errors) must let it go before the template renders, or one worker's page render holds
    every other worker's writes back. A GET never takes the lock at all."""
    import sqlite3

    from flask import template_rendered

    client, _ = signed_in("member")
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    held = []

    def try_lock(_sender, **_extra):
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            held.append(False)
        except sqlite3.OperationalError:
            held.append(True)
        finally:
            other.close()

    template_rendered.connect(try_lock, app)
    for page in ("/declarations/", "/declarations/interests/new", "/register"):
        assert client.get(page).status_code == 200
    form_page = client.get("/declarations/interests/new").get_data(as_text=True)
    refused = client.post(
        "/declarations/interests/new",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(form_page), "description": ""},
    )
    assert refused.status_code == 200 and "There is a problem" in refused.get_data(as_text=True)
    assert held == [False] * 5


def _read_secret_key(instance: str, start, keys) -> None:
    from coi import _secret_key
    from pathlib import Path

    start.wait()
    keys.put(_secret_key(Path(instance)))


def test_workers_starting_together_agree_on_one_secret_key(tmp_path):
    """Without COI_SECRET_KEY the first run generates instance/secret_key; gunicorn's workers start at once."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    start, keys = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_read_secret_key, args=(str(tmp_path), start, keys)) for _ in range(8)]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=30)
    found = {keys.get(timeout=5) for _ in workers}
    assert len(found) == 1 and len(found.pop()) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
