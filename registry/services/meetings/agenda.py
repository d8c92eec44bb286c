"""Agenda items: added from a pasted or uploaded agenda, edited, and guessed decision or information."""

from __future__ import annotations

from typing import Iterable, Optional

from sqlalchemy import func
from sqlmodel import Session, select

from registry.models import ItemKind, Meeting, MeetingItem
from registry.services import audit
from registry.services.meetings.common import MeetingError


def items_of(session: Session, meeting_id: int) -> list[MeetingItem]:
    return list(
        session.exec(
            select(MeetingItem)
            .where(MeetingItem.meeting_id == meeting_id)
            .order_by(MeetingItem.position, MeetingItem.id)
        )
    )


# --- Agenda items ------------------------------------------------------------------------------------


def add_items(session: Session, meeting: Meeting, parsed: Iterable, actor_id: Optional[int]) -> list[MeetingItem]:
    """Add items (anything with item_id, title, description) after the existing ones."""
    start = session.exec(
        select(func.coalesce(func.max(MeetingItem.position), 0)).where(MeetingItem.meeting_id == meeting.id)
    ).one()
    added = []
    for n, p in enumerate(parsed, start=1):
        title = (p.title or "").strip()[:500]
        if not title:
            continue
        item = MeetingItem(
            meeting_id=meeting.id,
            item_ref=(p.item_id or str(start + n))[:20],
            title=title,
            description=(p.description or "").strip()[:8000],
            kind=_guess_kind(title, p.description),
            contract_decision=_guess_contract(title, p.description),
            position=start + n,
        )
        session.add(item)
        added.append(item)
    if not added:
        raise MeetingError("No agenda items were found")
    session.flush()
    audit.record(
        session,
        "meeting.items-added",
        actor_id=actor_id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"count": len(added)},
    )
    return added


INFORMATION_WORDS = (
    "for noting",
    "for information",
    "noting:",
    "update",
    "report",
    "minutes",
    "apologies",
    "any other business",
    "declarations of interest",
    "register of interests",
)
CONTRACT_WORDS = ("contract", "procurement", "apms", "pms ", "gms ", "direct award", "award", "tender", "novation")


def _guess_kind(title: str, description: str = "") -> str:
    text = f"{title} {description or ''}".lower()
    if any(w in text for w in ("approve", "approval", "decision", "award", "agree", "ratify")):
        return ItemKind.decision.value
    return ItemKind.information.value if any(w in text for w in INFORMATION_WORDS) else ItemKind.decision.value


def _guess_contract(title: str, description: str = "") -> bool:
    text = f" {title} {description or ''} ".lower()
    return any(w in text for w in CONTRACT_WORDS)


def update_item(session: Session, item: MeetingItem, actor_id: Optional[int], **changes) -> MeetingItem:
    allowed = {"item_ref", "title", "description", "kind", "contract_decision"}
    for key, value in changes.items():
        if key in allowed:
            setattr(item, key, value)
    if not item.title.strip():
        raise MeetingError("Enter the item's title")
    if item.kind not in {k.value for k in ItemKind}:
        raise MeetingError("Choose decision or information")
    item.version += 1
    session.add(item)
    audit.record(session, "meeting.item-updated", actor_id=actor_id, object_type="meeting_item", object_id=item.id)
    return item
