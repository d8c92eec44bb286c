"""The breaches register. Internal details stay internal; only the anonymised summary is published."""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

from sqlmodel import Session, select

from registry.models import Breach, Person
from registry.services import audit

STATUSES = ("possible", "open", "closed")


class BreachError(ValueError):
    """A rule broken; the message is safe to show, beside `field` when it names one."""

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


TITLES = {"dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "rev", "cllr"}


def _ways_of_naming(full_name: str) -> set[str]:
    """How a summary could name someone: their whole name, without the title, first name and surname, title and
    surname, and 'Surname, First'. A first name or surname alone is not enough (Will, Green, Church are words)."""
    words = [w for w in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", full_name) if w]
    if not words:
        return set()
    titles = [w for w in words if w.lower().rstrip(".") in TITLES]
    names = [w for w in words if w.lower().rstrip(".") not in TITLES]
    ways = {" ".join(words)}
    if len(names) >= 2:
        first, surname = names[0], names[-1]
        ways |= {" ".join(names), f"{first} {surname}", f"{surname}, {first}"}
        ways |= {f"{title} {surname}" for title in TITLES}
        ways |= {f"{title}. {surname}" for title in TITLES}
    elif names and titles:
        ways.add(f"{titles[0]} {names[0]}")
    return {w.lower() for w in ways if len(w) > 2}


def people_named_in(session: Session, text: str) -> list[str]:
    """The people on the register (anyone whose declarations are held) whom `text` names, by their full names."""
    if not text.strip():
        return []
    folded = " ".join(text.lower().split())
    named = []
    for full_name in session.exec(select(Person.full_name)):
        for way in _ways_of_naming(full_name or ""):
            if re.search(r"(?<![\w])" + re.escape(way) + r"(?![\w])", folded):
                named.append(full_name)
                break
    return sorted(set(named))


def _check(session: Session, occurred_on: date, what_happened: str, status: str, public_summary: str) -> None:
    if not what_happened.strip():
        raise BreachError("Enter what happened", "what_happened")
    if occurred_on > date.today():
        raise BreachError("The date of the breach cannot be in the future", "occurred_on")
    if status not in STATUSES:
        raise BreachError("Choose a status", "status")
    named = people_named_in(session, public_summary)
    if named:  # anonymised means anonymised: the public page must not identify anyone
        raise BreachError(
            f"The anonymised summary names {' and '.join(named)}, who "
            f"{'is' if len(named) == 1 else 'are'} on the register. Describe people by their role "
            "instead, for example 'a member' or 'a GP partner'.",
            "public_summary",
        )


def record_breach(
    session: Session,
    *,
    occurred_on: date,
    what_happened: str,
    action_taken: str = "",
    public_summary: str = "",
    status: str = "open",
    actor_id: Optional[int] = None,
) -> Breach:
    _check(session, occurred_on, what_happened, status, public_summary)
    breach = Breach(
        occurred_on=occurred_on,
        what_happened=what_happened.strip(),
        action_taken=action_taken.strip(),
        public_summary=public_summary.strip(),
        status=status,
        recorded_by_id=actor_id,
    )
    session.add(breach)
    session.flush()
    audit.record(
        session,
        "breach.recorded",
        actor_id=actor_id,
        object_type="breach",
        object_id=breach.id,
        detail={"status": status},
    )
    return breach


def update_breach(
    session: Session, breach: Breach, *, expected_version: int, actor_id: Optional[int], **changes
) -> Breach:
    from sqlalchemy import update

    allowed = {"occurred_on", "what_happened", "action_taken", "public_summary", "status"}
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items() if k in allowed}
    merged = {**{k: getattr(breach, k) for k in allowed}, **changes}
    _check(session, merged["occurred_on"], merged["what_happened"], merged["status"], merged["public_summary"] or "")
    result = session.exec(
        update(Breach)
        .where(Breach.id == breach.id, Breach.version == expected_version)
        .values(**changes, version=expected_version + 1)
    )
    if result.rowcount != 1:
        raise BreachError("This breach was changed by someone else while you were editing it. Reload and try again.")
    session.refresh(breach)
    audit.record(
        session,
        "breach.updated",
        actor_id=actor_id,
        object_type="breach",
        object_id=breach.id,
        detail={"changed": sorted(changes)},
    )
    return breach


def public_breaches(session: Session) -> list[Breach]:
    """Breaches with an anonymised summary, newest first."""
    return list(
        session.exec(
            select(Breach)
            .where(Breach.public_summary != "", Breach.status != "possible")
            .order_by(Breach.occurred_on.desc(), Breach.id.desc())
        )
    )
