"""An audit chain a database owner cannot rewrite unseen: every row signed with a key outside the database, the
head anchored outside it; `coi audit verify` and the audit page report an edit, a recomputed chain, stripped
signatures and a truncation. On PostgreSQL the app's role may only INSERT and SELECT the log."""

import json

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from coi.cli import cli
from coi.database import audit_keys, engine
from registry.db import make_engine, session_scope
from registry.models import AuditEvent
from registry.services import audit
from registry.services.accounts import create_person
from tests.conftest import PASSWORD, make_app, sign_in


def _invoke(app, *args):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def _write_events(app, count):
    with app.app_context():
        for n in range(count):
            with session_scope(engine()) as s:  # one commit each, as requests do
                audit.record(s, "test.event", detail={"n": n})


def _rewrite(app, statements):
    """What a database owner can do: drop the append-only triggers, change rows, put the triggers back."""
    with app.app_context(), engine().begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER auditevent_no_update")
        connection.exec_driver_sql("DROP TRIGGER auditevent_no_delete")
        for statement in statements:
            connection.execute(*statement) if isinstance(statement, tuple) else connection.exec_driver_sql(statement)
        connection.exec_driver_sql(
            "CREATE TRIGGER auditevent_no_update BEFORE UPDATE ON auditevent "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER auditevent_no_delete BEFORE DELETE ON auditevent "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def _recompute_from(app, first_id):
    """Recompute every hash from `first_id` on, as someone with the code but not the audit key would."""
    statements = []
    with app.app_context(), Session(engine()) as s:
        events = s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    prev = ""
    for event in events:
        if event.id >= first_id:
            event.prev_hash = prev
            event.hash = audit._digest(prev, event)
            statements.append(
                (
                    text("UPDATE auditevent SET prev_hash = :p, hash = :h WHERE id = :i"),
                    {"p": event.prev_hash, "h": event.hash, "i": event.id},
                )
            )
        prev = event.hash
    return statements


def _verify(app):
    with app.app_context(), Session(engine()) as s:
        return audit.verify_chain(s)


def test_rows_are_signed_with_a_key_outside_the_database(app, tmp_path):
    _write_events(app, 3)
    keys = audit_keys(app)
    assert (tmp_path / "instance" / "audit_key").is_file()  # generated into the instance folder
    with app.app_context(), Session(engine()) as s:
        events = s.exec(select(AuditEvent)).all()
    assert all(e.signature == audit.sign(keys.key, e.hash) for e in events)
    check = _verify(app)
    assert check.intact and check.signed == 3 and check.anchors >= 1
    result = _invoke(app, "audit", "verify")
    assert result.exit_code == 0 and "Audit log intact: 3 events (3 signed)" in result.output


def test_an_edited_and_recomputed_chain_is_reported(app, client, make_user):
    _write_events(app, 5)
    assert _verify(app).intact
    edit = (text("UPDATE auditevent SET detail = :d WHERE id = 2"), {"d": json.dumps({"n": 99})})
    _rewrite(app, [edit])
    _rewrite(app, _recompute_from(app, 2))  # hashes now agree again: before signing, "Chain intact"
    check = _verify(app)
    assert not check.intact and check.first_bad_id == 2
    assert any("signature is not the audit key's" in p for p in check.problems)
    result = _invoke(app, "audit", "verify")
    assert result.exit_code != 0 and "event 2's signature is not the audit key's" in result.output

    email, password, _ = make_user("governance")
    sign_in(client, email, password)
    page = client.get("/governance/audit?verify=1").get_data(as_text=True)
    assert "Chain broken" in page and "Chain intact" not in page


def test_stripped_signatures_are_reported(app):
    _write_events(app, 4)
    _rewrite(app, ["UPDATE auditevent SET signature = ''"])
    check = _verify(app)
    assert not check.intact and any("signatures were stripped" in p for p in check.problems)


def test_removing_the_last_rows_is_reported_by_the_anchors(tmp_path, migrated_sqlite):
    import shutil

    shutil.copyfile(migrated_sqlite, tmp_path / "t.sqlite")
    app = make_app(f"sqlite:///{tmp_path / 't.sqlite'}", migrate=False, AUDIT_ANCHOR_EVERY=1)
    _write_events(app, 6)
    anchors = (tmp_path / "instance" / "audit-anchors.jsonl").read_text().splitlines()
    assert json.loads(anchors[-1])["id"] == 6  # anchored after the commit
    _rewrite(app, ["DELETE FROM auditevent WHERE id > 4"])  # what is left is a valid, signed, shorter chain
    check = _verify(app)
    assert not check.intact
    assert any("ends at event 4" in p and "event 6 existed" in p for p in check.problems)
    with app.app_context():
        engine().dispose()


def test_an_export_anchors_the_head_and_verify_checks_against_it(app, tmp_path):
    _write_events(app, 3)
    exported = tmp_path / "audit-export.jsonl"
    result = _invoke(app, "audit", "export", str(exported))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [line["id"] for line in lines[:-1]] == [1, 2, 3] and lines[-1]["anchor"]["id"] == 3
    assert _invoke(app, "audit", "verify", "--anchors", str(exported)).exit_code == 0
    (tmp_path / "instance" / "audit-anchors.jsonl").unlink()  # the instance's own anchors lost too
    _rewrite(app, ["DELETE FROM auditevent WHERE id = 3"])
    result = _invoke(app, "audit", "verify", "--anchors", str(exported))
    assert result.exit_code != 0 and "events were removed from the end" in result.output
    assert _invoke(app, "audit", "export", str(exported)).exit_code != 0  # an export is never overwritten


def test_a_forged_anchor_is_reported(app, tmp_path):
    _write_events(app, 2)
    with (tmp_path / "instance" / "audit-anchors.jsonl").open("a") as anchors:
        anchors.write(json.dumps({"id": 1, "hash": "0" * 64, "at": "2026-01-01T00:00:00", "mac": "0" * 64}) + "\n")
    check = _verify(app)
    assert not check.intact and any("not signed with the audit key" in p for p in check.problems)


# --- PostgreSQL: the app's role ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_app_role_may_only_insert_and_select_the_audit_log(pg_url, pg_cluster, tmp_path):
    import itertools
    import os

    owner_app = make_app(pg_url)  # migrated by the owner (here the cluster's superuser)
    role = f"coi_app_{os.getpid()}_{next(itertools.count())}"
    result = _invoke(owner_app, "db-roles", role)
    assert result.exit_code == 0, result.output
    assert _invoke(owner_app, "db-roles", role).exit_code == 0  # again, after a later migration: no harm

    app_url = pg_url.replace("postgresql+psycopg://postgres@", f"postgresql+psycopg://{role}@")
    app = make_app(app_url, migrate=False)
    with app.app_context(), session_scope(engine()) as s:  # the app works as that role
        create_person(s, email="lead@example.nhs.uk", full_name="Lead", password=PASSWORD, roles=("governance",))
    client = app.test_client()
    assert sign_in(client, "lead@example.nhs.uk").status_code == 302
    assert "Chain intact" in client.get("/governance/audit?verify=1").get_data(as_text=True)

    as_app = make_engine(app_url)
    for statement in (
        "UPDATE auditevent SET action = 'forged'",
        "DELETE FROM auditevent",
        "TRUNCATE auditevent",
        "ALTER TABLE auditevent DISABLE TRIGGER auditevent_append_only",
        "DROP TRIGGER auditevent_append_only ON auditevent",
        "DROP TABLE auditevent",
    ):
        with pytest.raises(DBAPIError) as refused, as_app.begin() as connection:
            connection.exec_driver_sql(statement)
        assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value), statement
    as_app.dispose()
    for each in (app, owner_app):
        with each.app_context():
            engine().dispose()


@pytest.mark.postgres
def test_db_roles_refuses_the_owner_and_sqlite(pg_url, app):
    owner_app = make_app(pg_url)
    result = _invoke(owner_app, "db-roles", "postgres")
    assert result.exit_code != 0 and ("superuser" in result.output or "owns the tables" in result.output)
    assert _invoke(app, "db-roles", "coi_app").exit_code != 0  # SQLite has no roles
    with owner_app.app_context():
        engine().dispose()
