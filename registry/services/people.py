"""People on the register: added and edited by a governance lead, never deleted (their declarations stay)."""

from __future__ import annotations

from typing import Iterable, Optional

from sqlmodel import Session, select

from registry.models import Person, Role, RoleGrant
from registry.services import audit
from registry.services.accounts import AccountError, create_person, normalise_email

ACCOUNT_ROLES = tuple(r.value for r in Role)


class PersonError(AccountError):
    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


def people(session: Session, include_inactive: bool = True) -> list[Person]:
    query = select(Person).order_by(Person.active.desc(), Person.full_name)
    if not include_inactive:
        query = query.where(Person.active == True)  # noqa: E712
    return list(session.exec(query))


def _check(
    session: Session, *, full_name: str, position: str, email: Optional[str], person_id: Optional[int] = None
) -> tuple[str, str, Optional[str]]:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise PersonError("Enter the person's full name", field="full_name")
    if len(full_name) > 200:
        raise PersonError("The name must be 200 characters or fewer", field="full_name")
    position = " ".join((position or "").split())
    if len(position) > 200:
        raise PersonError("The position must be 200 characters or fewer", field="position")
    email = normalise_email(email) or None
    if email is not None:
        local, _, domain = email.partition("@")
        if not local or "." not in domain or len(email) > 254 or any(ch.isspace() for ch in email):
            raise PersonError("Enter an email address in the correct format, like name@example.nhs.uk", field="email")
        clash = session.exec(select(Person).where(Person.email == email)).first()
        if clash is not None and clash.id != person_id:
            raise PersonError(f"{email} is already the email address of {clash.full_name}", field="email")
    return full_name, position, email


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ACCOUNT_ROLES]
    if unknown:
        raise PersonError(f"Unknown role {unknown[0]!r}", field="roles")
    return roles


def add_person(
    session: Session,
    *,
    full_name: str,
    position: str,
    email: Optional[str],
    decision_maker: bool,
    roles: Iterable[str] = (Role.member.value,),
    actor_id: Optional[int],
) -> Person:
    """A person on the register; with an email address they can be invited to set a password."""
    full_name, position, email = _check(session, full_name=full_name, position=position, email=email)
    return create_person(
        session,
        email=email,
        full_name=full_name,
        password=None,
        roles=_check_roles(roles),
        position=position,
        decision_maker=decision_maker,
        actor_id=actor_id,
    )


def roles_granted(session: Session, person_id: int) -> set[str]:
    return set(session.exec(select(RoleGrant.role).where(RoleGrant.person_id == person_id)))


def update_person(
    session: Session,
    person: Person,
    *,
    version: int,
    full_name: str,
    position: str,
    email: Optional[str],
    decision_maker: bool,
    roles: Iterable[str],
    actor_id: Optional[int],
) -> Person:
    if person.version != version:
        raise PersonError("Someone else changed this person while you were editing. Check the details and try again.")
    full_name, position, email = _check(
        session, full_name=full_name, position=position, email=email, person_id=person.id
    )
    roles = _check_roles(roles)
    if email is None and person.password_hash is not None:
        raise PersonError("This person signs in with their email address: it cannot be removed", field="email")
    if actor_id == person.id and Role.governance.value not in roles:
        raise PersonError("You cannot remove your own governance role: ask another governance lead", field="roles")
    before = {
        "full_name": person.full_name,
        "position": person.position,
        "email": person.email,
        "decision_maker": person.decision_maker,
        "roles": sorted(roles_granted(session, person.id)),
    }
    person.full_name, person.position, person.email, person.decision_maker = full_name, position, email, decision_maker
    person.version += 1
    session.add(person)
    current = roles_granted(session, person.id)
    for role in set(roles) - current:
        session.add(RoleGrant(person_id=person.id, role=role))
    for grant in session.exec(select(RoleGrant).where(RoleGrant.person_id == person.id)):
        if grant.role not in roles:
            session.delete(grant)
    session.flush()
    after = {
        "full_name": full_name,
        "position": position,
        "email": email,
        "decision_maker": decision_maker,
        "roles": roles,
    }
    audit.record(
        session,
        "person.updated",
        actor_id=actor_id,
        object_type="person",
        object_id=person.id,
        detail={"before": before, "after": after},
    )
    return person
