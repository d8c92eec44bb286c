"""The audit log: append-only, hash-chained, signed and anchored outside the database.

Four defences, each against a stronger adversary:
- the database refuses UPDATE, DELETE and TRUNCATE on the table (triggers; migration 0004), and on PostgreSQL
  the app's own role may only INSERT and SELECT it (`coi db-roles`): the app cannot change its own log;
- each row's hash covers the previous row's hash, so an edit or a removed row breaks the chain;
- each row is signed: an HMAC of its hash with the instance's audit key, which is never in the database. Whoever
  owns the database can drop the triggers, edit a row and recompute every hash after it, but cannot recompute
  the signatures;
- the head of the chain (the last row's id and hash) is appended, signed, to a file outside the database at
  intervals and by `coi audit export`, so removing rows from the end (which leaves a valid shorter chain) is
  seen too: an anchor names a row that is no longer there.

`verify_chain` checks all four: rows, signatures, sequence and anchors (`coi audit verify`, and the audit page's
"verify" link). Rows removed after the last anchor are the one thing it cannot see; anchors are written at
least every AUDIT_ANCHOR_EVERY events and every ANCHOR_AT_LEAST_EVERY_SECONDS with a change.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from sqlalchemy import event as sqlalchemy_event
from sqlmodel import Session, select

from registry.db import serialise_on_postgresql
from registry.models import AuditEvent, utcnow

AUDIT_CHAIN_LOCK = 7_300_001  # PostgreSQL advisory-lock key that serialises appends to the chain
ANCHOR_AT_LEAST_EVERY_SECONDS = 60  # with any change, the head is anchored at least this often (per worker)
SIGNATURE_CONTEXT = b"coi-audit-chain-head-v1\x00"
ANCHOR_CONTEXT = b"coi-audit-anchor-v1\x00"


@dataclass(frozen=True)
class AuditKeys:
    """What signs and anchors one database's log: a secret that is not in the database, and where anchors go."""

    key: bytes
    anchor_file: Optional[Path] = None
    anchor_every: int = 100


_configured: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # engine -> AuditKeys
_last_anchor: dict[str, tuple[int, float]] = {}  # anchor file -> (id, monotonic time) anchored by this process
_anchor_lock = threading.Lock()
_PENDING = "coi.audit_head"


def configure(engine, keys: Optional[AuditKeys]) -> None:
    """Sign and anchor every audit event written through `engine` (the app does this for its engine)."""
    if keys is None:
        _configured.pop(engine, None)
    else:
        _configured[engine] = keys


def keys_for(session_or_engine) -> Optional[AuditKeys]:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return _configured.get(getattr(bind, "engine", bind))


def sign(key: bytes, row_hash: str) -> str:
    return hmac.new(key, SIGNATURE_CONTEXT + row_hash.encode(), hashlib.sha256).hexdigest()


def _anchor_mac(key: bytes, event_id: int, row_hash: str, at: str) -> str:
    return hmac.new(key, ANCHOR_CONTEXT + f"{event_id}:{row_hash}:{at}".encode(), hashlib.sha256).hexdigest()


def _digest(prev_hash: str, event: AuditEvent) -> str:
    body = json.dumps(
        {
            "prev": prev_hash,
            "at": event.at.isoformat(),
            "actor": event.actor_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "detail": event.detail,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor_id: Optional[int] = None,
    object_type: str = "",
    object_id: Optional[int] = None,
    detail: Optional[dict[str, Any]] = None,
) -> AuditEvent:
    """Append an event in the caller's transaction."""
    serialise_on_postgresql(session, AUDIT_CHAIN_LOCK)  # else two appends read the same last hash: a fork
    prev_hash = session.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first() or ""
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=json.loads(json.dumps(detail or {}, default=str)),
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = _digest(prev_hash, event)
    keys = keys_for(session)
    if keys is not None:
        event.signature = sign(keys.key, event.hash)
    session.add(event)
    session.flush()
    if keys is not None and keys.anchor_file is not None:
        _anchor_after_commit(session, keys, event.id, event.hash)
    return event


# --- Anchors: the chain's head, outside the database ----------------------------------------------------------


def _anchor_after_commit(session: Session, keys: AuditKeys, event_id: int, row_hash: str) -> None:
    """Remember the head; once the transaction commits (never before: a rolled-back row must not be anchored),
    append it to the anchor file if it is time to."""
    if _PENDING not in session.info:
        sqlalchemy_event.listen(session, "after_commit", _on_commit)
        sqlalchemy_event.listen(session, "after_rollback", _on_rollback)
    session.info[_PENDING] = (keys, event_id, row_hash)


def _on_rollback(session) -> None:
    if session.info.get(_PENDING):
        session.info[_PENDING] = None


def _on_commit(session) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    session.info[_PENDING] = None
    keys, event_id, row_hash = pending
    path = str(keys.anchor_file)
    with _anchor_lock:
        last_id, last_time = _last_anchor.get(path, (0, float("-inf")))
        due = (
            event_id // keys.anchor_every > last_id // keys.anchor_every
            or time.monotonic() - last_time >= ANCHOR_AT_LEAST_EVERY_SECONDS
        )
        if not due:
            return
        _last_anchor[path] = (max(event_id, last_id), time.monotonic())
    try:
        append_anchor(keys, event_id, row_hash, source="app")
    except OSError:
        pass  # a full disk must not fail the request whose change is already committed; verify reports gaps


def anchor_line(keys: AuditKeys, event_id: int, row_hash: str, source: str) -> str:
    at = utcnow().isoformat()
    return (
        json.dumps(
            {
                "id": event_id,
                "hash": row_hash,
                "at": at,
                "source": source,
                "mac": _anchor_mac(keys.key, event_id, row_hash, at),
            },
            sort_keys=True,
        )
        + "\n"
    )


def append_anchor(keys: AuditKeys, event_id: int, row_hash: str, source: str) -> None:
    """One line, one write() on a file opened for appending: lines from several workers never interleave."""
    line = anchor_line(keys, event_id, row_hash, source).encode()
    descriptor = os.open(keys.anchor_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def anchor_head(session: Session, keys: AuditKeys, source: str) -> Optional[tuple[int, str]]:
    """Anchor the current head now (the export command, and `coi audit anchor` from cron)."""
    head = session.exec(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    if head is not None and keys.anchor_file is not None:
        append_anchor(keys, head[0], head[1], source)
    return head


def read_anchors(text: str, where: str) -> tuple[list[dict], list[str]]:
    """The anchors in an anchor file or an export (whose rows count as anchors too), and lines that are neither."""
    anchors, problems = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict) and isinstance(value.get("anchor"), dict):
            value = value["anchor"]  # an export's closing anchor
        elif isinstance(value, dict) and "prev_hash" in value:
            value = {**value, "mac": None}  # an exported row: covered by the export's signed closing anchor
        if not (
            isinstance(value, dict)
            and isinstance(value.get("id"), int)
            and isinstance(value.get("hash"), str)
            and isinstance(value.get("at"), str)
            and (value.get("mac") is None or isinstance(value["mac"], str))
        ):
            problems.append(f"{where}, line {number}: neither an anchor nor an exported event")
            continue
        value["where"] = f"{where}, line {number}"
        anchors.append(value)
    return anchors, problems


# --- Export ---------------------------------------------------------------------------------------------------


def export_lines(session: Session, keys: Optional[AuditKeys]) -> Iterable[str]:
    """The whole log as JSON lines (every column), then a signed anchor of its head: keep it outside the database
    (write-once storage); `coi audit verify --anchors FILE` later checks the database still holds every row."""
    last = None
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.id)):
        last = event
        yield (
            json.dumps(
                {
                    "id": event.id,
                    "at": event.at.isoformat(),
                    "actor_id": event.actor_id,
                    "action": event.action,
                    "object_type": event.object_type,
                    "object_id": event.object_id,
                    "detail": event.detail,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                    "signature": event.signature,
                },
                sort_keys=True,
                default=str,
            )
            + "\n"
        )
    if last is not None and keys is not None:
        yield json.dumps({"anchor": json.loads(anchor_line(keys, last.id, last.hash, "export"))}, sort_keys=True) + "\n"


# --- Verification ---------------------------------------------------------------------------------------------


@dataclass
class ChainCheck:
    rows: int
    first_bad_id: Optional[int]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signed: int = 0
    anchors: int = 0

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None and not self.problems


def verify_chain(
    session: Session,
    keys: Optional[AuditKeys] = None,
    extra_anchor_files: Iterable[Path] = (),
    use_configured: bool = True,
) -> ChainCheck:
    """Rows (each hash matches its content and follows the previous row), signatures (with the key), sequence
    (ids rise; no unsigned row after a signed one) and anchors (each anchored row is still there, unchanged)."""
    if keys is None and use_configured:
        keys = keys_for(session)
    problems: list[str] = []
    first_bad: Optional[int] = None
    hashes: dict[int, str] = {}
    prev_hash, count, signed, last_id = "", 0, 0, 0
    signed_ids: set[int] = set()

    def bad(event_id: int, message: str) -> None:
        nonlocal first_bad
        if first_bad is None:
            first_bad = event_id
        if len(problems) < 50:
            problems.append(message)

    for event in session.exec(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.prev_hash != prev_hash:
            bad(
                event.id,
                f"event {event.id} does not follow event {last_id or 'none'}: a row was removed, added or reordered",
            )
        if _digest(event.prev_hash, event) != event.hash:
            bad(event.id, f"event {event.id}'s content does not match its hash: it was edited")
        if event.signature:
            signed += 1
            signed_ids.add(event.id)
            if keys is not None and not hmac.compare_digest(event.signature, sign(keys.key, event.hash)):
                bad(event.id, f"event {event.id}'s signature is not the audit key's: the chain was rewritten")
        elif signed:
            bad(event.id, f"event {event.id} is not signed, though earlier events are: the chain was rewritten")
        hashes[event.id] = event.hash
        prev_hash, last_id = event.hash, event.id
    check = ChainCheck(count, first_bad, problems, signed=signed)
    if keys is None:
        check.notes.append("No audit key: signatures and anchors were not checked.")
        return check
    if count > signed:
        check.notes.append(
            f"{count - signed} events written before signing began are covered by the first signed event's hash."
        )
    first_signed_id = next((i for i in sorted(hashes) if i in signed_ids), None)
    files = ([keys.anchor_file] if keys.anchor_file is not None else []) + list(extra_anchor_files)
    for path in files:
        try:
            text = Path(path).read_text()
        except FileNotFoundError:
            if path == keys.anchor_file:
                if count and signed:
                    check.notes.append(f"No anchor file yet ({path}).")
                continue
            check.problems.append(f"{path}: no such file")
            continue
        anchors, reading = read_anchors(text, str(path))
        check.problems.extend(reading)
        for anchor in anchors:
            check.anchors += 1
            if (
                anchor["mac"] is not None
                and anchor["id"] in hashes
                and anchor["id"] not in signed_ids
                and (first_signed_id is None or anchor["id"] >= first_signed_id)
            ):
                # anchors began with signing: an unsigned row at or after an anchored one had its signature removed
                check.problems.append(
                    f"event {anchor['id']} is anchored ({anchor['where']}) but not signed: the signatures were stripped"
                )
            if anchor["mac"] is not None and not hmac.compare_digest(
                anchor["mac"], _anchor_mac(keys.key, anchor["id"], anchor["hash"], anchor["at"])
            ):
                check.problems.append(f"{anchor['where']}: the anchor is not signed with the audit key")
            elif anchor["id"] > last_id:
                check.problems.append(
                    f"the log ends at event {last_id or 'none'}, but {anchor['where']} shows event {anchor['id']} "
                    f"existed at {anchor['at']}: events were removed from the end"
                )
            elif anchor["id"] not in hashes:
                check.problems.append(f"event {anchor['id']} ({anchor['where']}, {anchor['at']}) is missing")
            elif hashes[anchor["id"]] != anchor["hash"]:
                check.problems.append(
                    f"event {anchor['id']} is not what was anchored at {anchor['at']} "
                    f"({anchor['where']}): the chain was rewritten"
                )
    if check.problems and check.first_bad_id is None:
        check.first_bad_id = last_id or 0
    return check
