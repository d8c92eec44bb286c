"""Online backups: SQLite's backup API (consistent while the app writes), or pg_dump for PostgreSQL."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess  # nosec B404 - runs only pg_dump and pg_restore, with a fixed argument list and no shell
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from registry.db import make_engine


class BackupError(RuntimeError):
    pass


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(f"{name} was not found: install PostgreSQL's client tools")
    return found


def _libpq(url) -> tuple[str, dict]:
    """A libpq connection string without the password, and an environment carrying it instead
    (a password on the command line would be visible to other users of the machine)."""
    url = make_url(url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def backup(engine: Engine, destination: Path) -> Path:
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database, timeout=30)
        target = sqlite3.connect(str(destination))
        try:
            with target:
                source.backup(target, pages=1024)  # copies in steps, so writers are only briefly held up
        finally:
            target.close()
            source.close()
        return destination
    conninfo, env = _libpq(url)
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(destination), conninfo]
    result = subprocess.run(command, capture_output=True, text=True, env=env)  # nosec B603 - fixed argv, no shell
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return destination


def restore(source: Path, target_url: str) -> Engine:
    """Restore a backup into an empty database; returns an engine on it."""
    if make_url(target_url).get_backend_name() == "sqlite":
        target = Path(make_url(target_url).database)
        if target.exists() and target.stat().st_size:
            raise BackupError(f"{target} already exists: restore into a new file")
        shutil.copyfile(source, target)
        return make_engine(target_url)
    conninfo, env = _libpq(target_url)
    result = subprocess.run(
        [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", conninfo, str(source)],
        capture_output=True,
        text=True,
        env=env,
    )  # nosec B603 - fixed argv, no shell
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    return make_engine(target_url)


def integrity_problems(engine: Engine) -> list[str]:
    """Empty when the database passes its integrity check (and, for the audit log, its hash chain)."""
    from sqlmodel import Session

    from registry.services.audit import verify_chain

    problems = []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            if result != "ok":
                problems.append(f"integrity_check: {result}")
            bad_keys = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if bad_keys:
                problems.append(f"{len(bad_keys)} rows break a foreign key")
    with Session(engine) as session:
        chain = verify_chain(session)
        if not chain.intact:
            problems.append(f"audit chain broken at event {chain.first_bad_id}")
    return problems


def table_counts(engine: Engine) -> dict[str, int]:
    names = sorted(n for n in inspect(engine).get_table_names() if n != "alembic_version")
    with engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() for name in names}  # nosec B608 - names come from the schema, not input
