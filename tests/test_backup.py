"""Backups taken while the app writes restore to a database that passes its checks, with matching counts."""

import threading
import time

from click.testing import CliRunner
from flask.cli import ScriptInfo

from coi.cli import cli
from registry.backup import backup, integrity_problems, restore, table_counts
from registry.db import make_engine, session_scope
from registry.migrate import upgrade
from registry.services import interests
from registry.services.accounts import create_person


def _writer(engine, stop, person_id, written):
    n = 0
    while not stop.is_set():
        with session_scope(engine) as s:
            interests.declare_interest(
                s, person_id, actor_id=person_id, interest_type="financial", description=f"Interest {n}"
            )
        n += 1
        written.append(n)  # committed: the test waits on this count, not on the clock
        time.sleep(0.005)  # leave the database to the backup between writes


def _wait_until(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writer made no progress"
        time.sleep(0.01)


def test_backup_under_load_restores_and_checks(any_db_url, tmp_path, request):
    engine = make_engine(any_db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        person_id = create_person(s, email="w@example.nhs.uk", full_name="Writer", password=None).id
    stop = threading.Event()
    written: list[int] = []
    thread = threading.Thread(target=_writer, args=(engine, stop, person_id, written))
    thread.start()
    try:
        _wait_until(lambda: len(written) >= 20)  # the backup starts while writes are under way, however slow
        destination = backup(engine, tmp_path / "backup.bin")
        after_backup = len(written)
        _wait_until(lambda: len(written) >= after_backup + 5)  # and writes go on after it
    finally:
        stop.set()
        thread.join()
    if any_db_url.startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    else:
        target_url = request.getfixturevalue("pg_cluster").create_database(
            "restored_" + str(abs(hash(str(tmp_path))))[:8]
        )
    restored = restore(destination, target_url)
    assert integrity_problems(restored) == []
    counts = table_counts(restored)
    # A consistent snapshot: every interest has its history row and its audit event, none half-written.
    assert counts["interest"] > 0
    assert counts["interesthistory"] == counts["interest"]
    assert counts["auditevent"] == counts["interest"] + 1  # + the person.created event
    assert table_counts(engine)["interest"] >= counts["interest"]
    engine.dispose()
    restored.dispose()


def test_backup_and_restore_commands(app, tmp_path):
    runner = CliRunner()
    info = ScriptInfo(create_app=lambda: app)
    result = runner.invoke(cli, ["backup", str(tmp_path / "b.sqlite")], obj=info)
    assert result.exit_code == 0, result.output
    restored = runner.invoke(
        cli, ["restore", str(tmp_path / "b.sqlite"), "--to", f"sqlite:///{tmp_path / 'r.sqlite'}"], obj=info
    )
    assert restored.exit_code == 0 and "Integrity check passed" in restored.output
    again = runner.invoke(
        cli, ["restore", str(tmp_path / "b.sqlite"), "--to", f"sqlite:///{tmp_path / 'r.sqlite'}"], obj=info
    )
    assert again.exit_code == 1 and "already exists" in again.output
