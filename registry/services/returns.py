"""Nil returns and annual confirmations."""

from __future__ import annotations

from datetime import date
from typing import Optional

from sqlmodel import Session, or_, select

from registry.models import DeclarationReturn, Interest, ReturnKind
from registry.services import audit

ANNUAL_STATEMENT = "My declarations of interests are complete and correct as of {as_of}."
NIL_STATEMENT = "I have no interests to declare as of {as_of}."


class ReturnError(ValueError):
    pass


def current_interests(session: Session, person_id: int, on: date) -> list[Interest]:
    return list(
        session.exec(
            select(Interest).where(
                Interest.person_id == person_id, or_(Interest.date_to.is_(None), Interest.date_to >= on)
            )
        )
    )


def make_return(session: Session, person_id: int, kind: str, as_of: date, actor_id: Optional[int]) -> DeclarationReturn:
    if kind not in {k.value for k in ReturnKind}:
        raise ReturnError("Choose a nil return or an annual confirmation")
    if as_of > date.today():
        raise ReturnError("The date cannot be in the future")
    if kind == ReturnKind.nil.value and current_interests(session, person_id, as_of):
        raise ReturnError(
            "You have current interests on the register, so you cannot make a nil return. "
            "Confirm that your declarations are complete and correct instead."
        )
    template = NIL_STATEMENT if kind == ReturnKind.nil.value else ANNUAL_STATEMENT
    record = DeclarationReturn(
        person_id=person_id, kind=kind, as_of=as_of, statement=template.format(as_of=as_of.strftime("%-d %B %Y"))
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        f"return.{kind}",
        actor_id=actor_id,
        object_type="person",
        object_id=person_id,
        detail={"as_of": as_of.isoformat()},
    )
    return record


def latest_return(session: Session, person_id: int) -> Optional[DeclarationReturn]:
    return session.exec(
        select(DeclarationReturn)
        .where(DeclarationReturn.person_id == person_id)
        .order_by(DeclarationReturn.as_of.desc(), DeclarationReturn.id.desc())
    ).first()
