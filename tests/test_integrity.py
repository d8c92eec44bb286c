"""Nothing is lost or duplicated: idempotent posts, optimistic locking, an append-only audit chain.

The database tests run on SQLite and on PostgreSQL (a throwaway cluster) alike.
"""

import threading
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, func, select

from registry.db import make_engine, session_scope
from registry.migrate import upgrade
from registry.models import AuditEvent, Interest, InterestHistory
from registry.services import audit, interests
from registry.services.accounts import create_person
from tests.conftest import csrf_from


@pytest.fixture
def db_engine(any_db_url):
    engine = make_engine(any_db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_a_retried_post_creates_one_declaration(app, signed_in):
    client, _ = signed_in("member")
    page = client.get("/declarations/interests/new").get_data(as_text=True)
    key = __import__("re").search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    data = {
        "csrf_token": csrf_from(page),
        "idempotency_key": key,
        "interest_type": "financial",
        "description": "Director, Canbury Health Ltd",
        "date_from[day]": "1",
        "date_from[month]": "2",
        "date_from[year]": "2024",
        "role": "",
    }
    first = client.post("/declarations/interests/new", data=data)
    retry = client.post("/declarations/interests/new", data=data)  # the response to the first was "lost"
    assert first.status_code == 302 and retry.status_code == 303
    assert retry.headers["Location"] == first.headers["Location"]
    from coi.database import engine

    with app.app_context(), Session(engine()) as s:
        assert s.exec(select(func.count()).select_from(Interest)).one() == 1


def test_concurrent_edits_one_wins_the_other_is_told(db_engine):
    """Two governance leads save the same interest, 100 rounds: exactly one save succeeds each round."""
    with session_scope(db_engine) as s:
        person = create_person(s, email="m@example.nhs.uk", full_name="Member", password=None)
        interest = interests.declare_interest(
            s, person.id, actor_id=None, interest_type="financial", description="Partner", date_from=date(2020, 1, 1)
        )
        interest_id = interest.id
    for round_no in range(100):
        with Session(db_engine) as s:
            version = s.get(Interest, interest_id).version
        results, barrier = [], threading.Barrier(2)

        def save(lead: int):
            barrier.wait(timeout=30)  # both leads opened the form at `version`; both press Save now
            with Session(db_engine, expire_on_commit=False) as s:
                row = s.get(Interest, interest_id)
                try:
                    interests.update_interest(
                        s, row, expected_version=version, actor_id=None, mitigation=f"round {round_no} by lead {lead}"
                    )
                    s.commit()
                    results.append("saved")
                except interests.StaleEdit:
                    s.rollback()
                    results.append("stale")

        threads = [threading.Thread(target=save, args=(n,)) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["saved", "stale"], (round_no, results)
    with Session(db_engine) as s:
        final = s.get(Interest, interest_id)
        history = s.exec(select(InterestHistory).where(InterestHistory.interest_id == interest_id)).all()
    assert final.version == 101 and len(history) == 101  # one created row + one per successful save


def test_audit_log_is_append_only(db_engine):
    with session_scope(db_engine) as s:
        audit.record(s, "test.event", detail={"n": 1})
    for statement in ("UPDATE auditevent SET action = 'forged'", "DELETE FROM auditevent"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db_engine.begin() as conn:
                conn.execute(text(statement))
    with Session(db_engine) as s:
        assert s.exec(select(AuditEvent.action)).all() == ["test.event"]


def test_audit_chain_stays_linear_under_concurrent_writers(db_engine):
    errors = []

    def writer(n):
        try:
            for i in range(15):
                with session_scope(db_engine) as s:
                    audit.record(s, "test.concurrent", detail={"writer": n, "i": i})
        except Exception as exc:  # pragma: no cover - the failure under test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(db_engine) as s:
        check = audit.verify_chain(s)
        assert check.rows == 60 and check.intact
        hashes = s.exec(select(AuditEvent.prev_hash)).all()
        assert len(set(hashes)) == 60  # no two rows chained to the same predecessor: no fork


def test_tampering_is_detected(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/t.sqlite")
    upgrade(engine)
    with session_scope(engine) as s:
        for n in range(3):
            audit.record(s, "test.event", detail={"n": n})
    with engine.begin() as conn:  # someone with file access drops the guard and edits a row
        conn.exec_driver_sql("DROP TRIGGER auditevent_no_update")
        conn.exec_driver_sql("UPDATE auditevent SET detail = '{\"n\": 99}' WHERE id = 2")
    with Session(engine) as s:
        check = audit.verify_chain(s)
    assert not check.intact and check.first_bad_id == 2


def test_pages_read_without_waiting_for_a_writer(app, signed_in, tmp_path):
    """On SQLite a GET's transaction needs no lock: with another connection holding the write lock, reading
    pages still answer at once, while a form post waits for the lock (and gets it once it is free)."""
    import sqlite3
    import time

    client, _ = signed_in("member")
    client.get("/declarations/")  # the session's last-seen time is fresh: the page below has nothing to record
    holder = sqlite3.connect(tmp_path / "test.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.perf_counter()
        for path in ("/declarations/", "/register", "/declarations/interests/new"):
            assert client.get(path).status_code == 200
        # Waiting for the lock would take the whole busy timeout (15 s); half of it tells the two apart even on a
        # machine loaded enough to make three pages slow.
        assert time.perf_counter() - started < 7.5
        page = client.get("/declarations/interests/new").get_data(as_text=True)
        result = {}

        def post():
            from tests.gunicorn_harness import form_tokens, interest_form

            form = {**form_tokens(page), **interest_form("Partner at Example Surgery", date(2024, 1, 1))}
            result["status"] = client.post("/declarations/interests/new", data=form).status_code

        writer = threading.Thread(target=post)
        writer.start()
        writer.join(timeout=1)
        assert writer.is_alive()  # the post waits for the write lock...
    finally:
        holder.execute("COMMIT")
        holder.close()
    writer.join(timeout=15)
    assert result == {"status": 302}  # ...and saves once it is free


def test_a_write_in_a_reading_transaction_is_refused_until_begin_writing(tmp_path):
    from registry.db import WriteInReadTransaction, begin_writing, end_reading, reading_transactions

    engine = make_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    upgrade(engine)
    token = reading_transactions()
    try:
        with Session(engine) as s:
            s.exec(select(func.count()).select_from(AuditEvent)).one()
            with pytest.raises(WriteInReadTransaction):
                audit.record(s, "test.refused")  # it flushes its row
            s.rollback()
            s.exec(select(func.count()).select_from(AuditEvent)).one()
            begin_writing(s)
            audit.record(s, "test.allowed")
            s.commit()
    finally:
        end_reading(token)
    with Session(engine) as s:
        assert [e.action for e in s.exec(select(AuditEvent))] == ["test.allowed"]
    engine.dispose()
