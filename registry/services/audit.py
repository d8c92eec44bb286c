"""The audit log: append-only and tamper-evident (each row's hash covers the previous row's)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Optional

from sqlmodel import Session, select

from registry.db import serialise_on_postgresql
from registry.models import AuditEvent, utcnow

AUDIT_CHAIN_LOCK = 7_300_001  # PostgreSQL advisory-lock key that serialises appends to the chain


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
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainCheck:
    rows: int
    first_bad_id: Optional[int]

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session) -> ChainCheck:
    prev_hash = ""
    count = 0
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.prev_hash != prev_hash or _digest(prev_hash, event) != event.hash:
            return ChainCheck(count, event.id)
        prev_hash = event.hash
    return ChainCheck(count, None)
