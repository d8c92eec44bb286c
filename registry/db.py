"""Engines and sessions. No Flask here: the app (or a script) owns the engine."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")

# Whether this thread's transactions only read (a web request made with GET or HEAD). On SQLite in WAL mode a
# reading transaction needs no lock, so it starts with a plain BEGIN and never waits for a writer.
_reading = ContextVar("coi_reading_transactions", default=False)


class WriteInReadTransaction(RuntimeError):
    """A statement tried to write inside a read-only transaction: call begin_writing() before changing data."""


def reading_transactions(reading: bool = True):
    """Make this thread's next transactions read-only (or not); returns a token for end_reading()."""
    return _reading.set(reading)


def end_reading(token) -> None:
    _reading.reset(token)


def begin_writing(session) -> None:
    """Before the first change in a request that began by only reading: end its read transaction, so the next
    one takes the write lock from its start (BEGIN IMMEDIATE on SQLite) and cannot fail upgrading."""
    if not _reading.get():
        return
    _reading.set(False)
    if session.in_transaction():
        session.commit()  # nothing pending (a pending write would have been refused): this only ends the read


def serialise_on_postgresql(session, key: int) -> None:
    """Take a transaction-scoped advisory lock on PostgreSQL, so transactions that read-then-append under `key`
    run one after another (its READ COMMITTED isolation would let them interleave). SQLite needs nothing: a
    transaction that may write already holds the database's write lock from BEGIN IMMEDIATE."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=key))


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`, with SQLite set up for concurrent writers.

    On SQLite a transaction that may write starts with BEGIN IMMEDIATE: with a plain BEGIN a reader that later
    writes cannot take the write lock once another writer has it, and fails with "database is locked" instead
    of waiting for the busy timeout. Read-only transactions (see reading_transactions) start with a plain BEGIN
    and are refused any write, so that failure cannot happen to them either.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue the BEGIN itself (pysqlite would otherwise defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        reading = _reading.get()
        connection.info["reading"] = reading
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes_while_reading(connection, _cursor, statement, _parameters, _context, _executemany):
        if connection.info.get("reading") and statement.lstrip()[:7].upper().startswith(WRITE_STATEMENTS):
            raise WriteInReadTransaction(f"a write in a read-only transaction: {statement[:60]}")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        connection.info.pop("reading", None)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (for the CLI and scripts)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
