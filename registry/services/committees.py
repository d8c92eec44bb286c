"""Committees, their voting organisations, memberships and deputies, and the organisation's own settings.

Every change is audited; edits name the version they were made against, so a stale form is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from sqlmodel import Session, or_, select

from registry.models import (
    CHAIRING_ROLES,
    Committee,
    CommitteeKind,
    CommitteeRole,
    Deputy,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    Setting,
    VotingOrganisation,
    utcnow,
)
from registry.services import audit
from screening.quorum import QuorumRuleError, parse_quorum_rule
from screening.quorum import VotingOrganisation as QuorumOrganisation


class CommitteeError(ValueError):
    """A change that breaks a rule. `field` names the form field it is about, when there is one."""

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


class StaleEdit(CommitteeError):
    def __init__(self):
        super().__init__("Someone else changed this while you were editing it. Check it and try again.")


# --- The organisation's settings ----------------------------------------------------------------------

ORGANISATION_NAME = "organisation_name"  # shown in the header of every page
ORGANISATION_AREA = "organisation_area"  # commissioner codes, comma-separated: the ICB's area
ANNUAL_ROUND_DATE = "annual_declaration_round"  # ISO date of the annual declaration round; it recurs each year
ANNUAL_ROUND_REMINDED = "annual_declaration_round_reminded"  # ISO date of the latest round whose reminders went
SETTING_KEYS = (ORGANISATION_NAME, ORGANISATION_AREA, ANNUAL_ROUND_DATE, ANNUAL_ROUND_REMINDED)


def setting(session: Session, key: str, default: str = "") -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else default


def set_setting(session: Session, key: str, value: str, actor_id: Optional[int]) -> None:
    if key not in SETTING_KEYS:
        raise CommitteeError(f"Unknown setting {key!r}")
    row = session.get(Setting, key) or Setting(key=key)
    before = row.value
    row.value, row.updated_at, row.updated_by_id = value, utcnow(), actor_id
    session.add(row)
    session.flush()
    audit.record(
        session,
        "setting.changed",
        actor_id=actor_id,
        object_type="setting",
        detail={"key": key, "before": before, "after": value},
    )


# --- Areas -----------------------------------------------------------------------------------------------


def commissioners(session: Session) -> list[Organisation]:
    """The directory's commissioners (sub-ICB locations, former CCGs): what an area is chosen from."""
    return list(
        session.exec(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.commissioner.value, Organisation.ods_code.is_not(None))
            .order_by(Organisation.name)
        )
    )


def parse_area_codes(text: str) -> list[str]:
    return [code for code in (part.strip().upper() for part in (text or "").split(",")) if code]


def check_area_codes(session: Session, codes: list[str]) -> list[str]:
    known = {o.ods_code for o in commissioners(session)}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise CommitteeError(f"{unknown[0]} is not a commissioner in the directory", field="areas")
    return sorted(set(codes), key=codes.index)


# --- Committees ---------------------------------------------------------------------------------------

KIND_VALUES = tuple(k.value for k in CommitteeKind)


def _check_committee(session: Session, name: str, kind: str, committee_id: Optional[int] = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CommitteeError("Enter the committee's name", field="name")
    if len(name) > 200:
        raise CommitteeError("The committee's name must be 200 characters or fewer", field="name")
    if kind not in KIND_VALUES:
        raise CommitteeError("Choose the kind of committee", field="kind")
    clash = session.exec(select(Committee).where(Committee.name == name)).first()
    if clash is not None and clash.id != committee_id:
        raise CommitteeError(f"There is already a committee called {name}", field="name")
    return name


def create_committee(
    session: Session, *, name: str, kind: str, area_codes: list[str], actor_id: Optional[int]
) -> Committee:
    name = _check_committee(session, name, kind)
    committee = Committee(name=name, kind=kind, area_codes=",".join(check_area_codes(session, area_codes)))
    session.add(committee)
    session.flush()
    audit.record(
        session,
        "committee.created",
        actor_id=actor_id,
        object_type="committee",
        object_id=committee.id,
        detail={"name": name, "kind": kind, "areas": committee.area_codes},
    )
    return committee


def update_committee(
    session: Session,
    committee: Committee,
    *,
    version: int,
    name: str,
    kind: str,
    area_codes: list[str],
    quorum_rule: str,
    actor_id: Optional[int],
) -> Committee:
    if committee.version != version:
        raise StaleEdit()
    name = _check_committee(session, name, kind, committee.id)
    codes = check_area_codes(session, area_codes)
    quorum_rule = " ".join((quorum_rule or "").split())
    if quorum_rule:
        check_quorum_rule(session, committee, quorum_rule)
    before = {
        "name": committee.name,
        "kind": committee.kind,
        "areas": committee.area_codes,
        "quorum_rule": committee.quorum_rule,
    }
    committee.name, committee.kind, committee.area_codes, committee.quorum_rule = (
        name,
        kind,
        ",".join(codes),
        quorum_rule,
    )
    committee.version += 1
    session.add(committee)
    session.flush()
    audit.record(
        session,
        "committee.updated",
        actor_id=actor_id,
        object_type="committee",
        object_id=committee.id,
        detail={
            "before": before,
            "after": {"name": name, "kind": kind, "areas": committee.area_codes, "quorum_rule": quorum_rule},
        },
    )
    return committee


def close_committee(
    session: Session, committee: Committee, *, version: int, closed_on: date, actor_id: Optional[int]
) -> Committee:
    """A closed committee keeps its meetings and records; it takes no new meetings."""
    if committee.version != version:
        raise StaleEdit()
    if committee.closed_on is not None:
        raise CommitteeError("This committee is already closed")
    committee.closed_on = closed_on
    committee.version += 1
    session.add(committee)
    session.flush()
    audit.record(
        session,
        "committee.closed",
        actor_id=actor_id,
        object_type="committee",
        object_id=committee.id,
        detail={"closed_on": closed_on.isoformat()},
    )
    return committee


def reopen_committee(session: Session, committee: Committee, *, version: int, actor_id: Optional[int]) -> Committee:
    if committee.version != version:
        raise StaleEdit()
    committee.closed_on = None
    committee.version += 1
    session.add(committee)
    session.flush()
    audit.record(session, "committee.reopened", actor_id=actor_id, object_type="committee", object_id=committee.id)
    return committee


def committees(session: Session, include_closed: bool = True) -> list[Committee]:
    query = select(Committee).order_by(Committee.closed_on.is_not(None), Committee.name)
    if not include_closed:
        query = query.where(Committee.closed_on.is_(None))
    return list(session.exec(query))


# --- Voting organisations and the quorum rule -------------------------------------------------------


def voting_organisations(session: Session, committee_id: int) -> list[tuple[VotingOrganisation, Organisation]]:
    return list(
        session.exec(
            select(VotingOrganisation, Organisation)
            .join(Organisation, Organisation.id == VotingOrganisation.organisation_id)
            .where(VotingOrganisation.committee_id == committee_id)
            .order_by(VotingOrganisation.voting_group, Organisation.name)
        )
    )


def quorum_organisations(session: Session, committee_id: int) -> list[QuorumOrganisation]:
    return [QuorumOrganisation(org.name, v.voting_group) for v, org in voting_organisations(session, committee_id)]


def describe_quorum_rule(session: Session, committee: Committee, rule_text: str) -> str:
    """The rule in plain words, checked against the committee's voting organisations; CommitteeError if wrong."""
    organisations = quorum_organisations(session, committee.id)
    try:
        return parse_quorum_rule(rule_text, organisations or None).describe()
    except QuorumRuleError as error:
        raise CommitteeError(str(error), field="quorum_rule") from error


def check_quorum_rule(session: Session, committee: Committee, rule_text: str) -> str:
    if not quorum_organisations(session, committee.id):
        raise CommitteeError("Add the committee's voting organisations before its quorum rule", field="quorum_rule")
    return describe_quorum_rule(session, committee, rule_text)


def add_voting_organisation(
    session: Session,
    committee: Committee,
    *,
    name: str,
    voting_group: str,
    organisation_id: Optional[int] = None,
    actor_id: Optional[int],
) -> VotingOrganisation:
    """An organisation with one vote. Chosen from the directory, or named (created as a non-directory body)."""
    group = " ".join((voting_group or "").split())
    if not group:
        raise CommitteeError("Enter the voting group, for example CCG, ICB or NHSE", field="voting_group")
    if len(group) > 40 or not all(ch.isalnum() or ch in " -" for ch in group):
        raise CommitteeError(
            "The voting group must be a short word or two, letters and numbers only", field="voting_group"
        )
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise CommitteeError("Choose an organisation", field="name")
    else:
        name = " ".join((name or "").split())
        if not name:
            raise CommitteeError("Enter the organisation's name", field="name")
        if len(name) > 300:
            raise CommitteeError("The organisation's name must be 300 characters or fewer", field="name")
        organisation = session.exec(
            select(Organisation).where(Organisation.name == name, Organisation.kind.in_(("commissioner", "other")))
        ).first()
        if organisation is None:
            organisation = Organisation(name=name, kind=OrganisationKind.other.value)
            session.add(organisation)
            session.flush()
    if session.exec(
        select(VotingOrganisation).where(
            VotingOrganisation.committee_id == committee.id, VotingOrganisation.organisation_id == organisation.id
        )
    ).first():
        raise CommitteeError(f"{organisation.name} already votes on this committee", field="name")
    voting = VotingOrganisation(committee_id=committee.id, organisation_id=organisation.id, voting_group=group)
    session.add(voting)
    session.flush()
    audit.record(
        session,
        "committee.voting-organisation-added",
        actor_id=actor_id,
        object_type="committee",
        object_id=committee.id,
        detail={"organisation": organisation.name, "group": group},
    )
    return voting


def remove_voting_organisation(session: Session, committee: Committee, voting_id: int, actor_id: Optional[int]) -> None:
    voting = session.get(VotingOrganisation, voting_id)
    if voting is None or voting.committee_id != committee.id:
        raise CommitteeError("That organisation does not vote on this committee")
    organisation = session.get(Organisation, voting.organisation_id)
    remaining = [o for o in quorum_organisations(session, committee.id) if o.name != organisation.name]
    if committee.quorum_rule:
        if not remaining:
            raise CommitteeError(f"The quorum rule needs {organisation.name}: change the rule first")
        try:
            parse_quorum_rule(committee.quorum_rule, remaining)
        except QuorumRuleError as error:
            raise CommitteeError(f"The quorum rule needs {organisation.name}: change the rule first ({error})")
    session.delete(voting)
    session.flush()
    audit.record(
        session,
        "committee.voting-organisation-removed",
        actor_id=actor_id,
        object_type="committee",
        object_id=committee.id,
        detail={"organisation": organisation.name},
    )


# --- Memberships and deputies ---------------------------------------------------------------------------

ROLE_VALUES = tuple(r.value for r in CommitteeRole)


def memberships(session: Session, committee_id: int) -> list[tuple[Membership, Person, Optional[Organisation]]]:
    return list(
        session.exec(
            select(Membership, Person, Organisation)
            .join(Person, Person.id == Membership.person_id)
            .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.committee_id == committee_id)
            .order_by(Membership.date_to.is_not(None), Person.full_name)
        )
    )


def memberships_of(session: Session, person_id: int) -> list[tuple[Membership, Committee]]:
    return list(
        session.exec(
            select(Membership, Committee)
            .join(Committee, Committee.id == Membership.committee_id)
            .where(Membership.person_id == person_id)
            .order_by(Committee.name)
        )
    )


def _overlapping(
    session: Session,
    committee_id: int,
    person_id: Optional[int],
    date_from: Optional[date],
    date_to: Optional[date],
    exclude_id: Optional[int],
    roles: tuple[str, ...] = (),
) -> list[Membership]:
    query = select(Membership).where(
        Membership.committee_id == committee_id,
        or_(Membership.date_to.is_(None), Membership.date_to >= (date_from or date.min)),
        or_(Membership.date_from.is_(None), Membership.date_from <= (date_to or date.max)),
    )
    if person_id is not None:
        query = query.where(Membership.person_id == person_id)
    if roles:
        query = query.where(Membership.committee_role.in_(roles))
    return [m for m in session.exec(query) if m.id != exclude_id]


def _check_membership(
    session: Session,
    committee: Committee,
    *,
    person_id: int,
    committee_role: str,
    organisation_id: Optional[int],
    voting: bool,
    date_from: Optional[date],
    date_to: Optional[date],
    membership_id: Optional[int] = None,
) -> None:
    person = session.get(Person, person_id)
    if person is None:
        raise CommitteeError("Choose the person", field="person_id")
    if not person.active:
        raise CommitteeError(f"{person.full_name}'s account is deactivated", field="person_id")
    if committee_role not in ROLE_VALUES:
        raise CommitteeError("Choose their role on the committee", field="committee_role")
    if date_from and date_to and date_to < date_from:
        raise CommitteeError(
            "The date the membership ends must be the same as or after the date it starts", field="date_to"
        )
    voting_orgs = {v.organisation_id for v, _ in voting_organisations(session, committee.id)}
    if voting and organisation_id not in voting_orgs:
        raise CommitteeError(
            "A voting member represents one of the committee's voting organisations: choose it, "
            "or make the member non-voting",
            field="organisation_id",
        )
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise CommitteeError("Choose the organisation they represent", field="organisation_id")
    if _overlapping(session, committee.id, person_id, date_from, date_to, membership_id):
        raise CommitteeError(
            f"{person.full_name} is already a member of this committee for those dates", field="person_id"
        )
    if committee_role in CHAIRING_ROLES:
        other = _overlapping(session, committee.id, None, date_from, date_to, membership_id, (committee_role,))
        if other:
            holder = session.get(Person, other[0].person_id)
            raise CommitteeError(
                f"{holder.full_name} is already {committee_role} for those dates: end that role first",
                field="committee_role",
            )


def add_membership(
    session: Session,
    committee: Committee,
    *,
    person_id: int,
    committee_role: str,
    organisation_id: Optional[int],
    voting: bool,
    date_from: Optional[date],
    date_to: Optional[date],
    actor_id: Optional[int],
) -> Membership:
    if committee.closed_on is not None:
        raise CommitteeError("This committee is closed")
    _check_membership(
        session,
        committee,
        person_id=person_id,
        committee_role=committee_role,
        organisation_id=organisation_id,
        voting=voting,
        date_from=date_from,
        date_to=date_to,
    )
    membership = Membership(
        person_id=person_id,
        committee_id=committee.id,
        organisation_id=organisation_id,
        committee_role=committee_role,
        voting=voting,
        date_from=date_from,
        date_to=date_to,
    )
    session.add(membership)
    session.flush()
    audit.record(
        session,
        "membership.added",
        actor_id=actor_id,
        object_type="committee",
        object_id=committee.id,
        detail=_membership_detail(membership),
    )
    return membership


def _membership_detail(m: Membership) -> dict:
    return {
        "membership": m.id,
        "person": m.person_id,
        "role": m.committee_role,
        "organisation": m.organisation_id,
        "voting": m.voting,
        "from": m.date_from.isoformat() if m.date_from else None,
        "to": m.date_to.isoformat() if m.date_to else None,
    }


def update_membership(
    session: Session,
    membership: Membership,
    *,
    version: int,
    committee_role: str,
    organisation_id: Optional[int],
    voting: bool,
    date_from: Optional[date],
    date_to: Optional[date],
    actor_id: Optional[int],
) -> Membership:
    if membership.version != version:
        raise StaleEdit()
    committee = session.get(Committee, membership.committee_id)
    _check_membership(
        session,
        committee,
        person_id=membership.person_id,
        committee_role=committee_role,
        organisation_id=organisation_id,
        voting=voting,
        date_from=date_from,
        date_to=date_to,
        membership_id=membership.id,
    )
    before = _membership_detail(membership)
    membership.committee_role, membership.organisation_id, membership.voting = committee_role, organisation_id, voting
    membership.date_from, membership.date_to = date_from, date_to
    membership.version += 1
    session.add(membership)
    session.flush()
    audit.record(
        session,
        "membership.updated",
        actor_id=actor_id,
        object_type="committee",
        object_id=committee.id,
        detail={"before": before, "after": _membership_detail(membership)},
    )
    return membership


def deputies(session: Session, committee_id: int) -> dict[int, list[Person]]:
    """Named deputies by membership id."""
    out: dict[int, list[Person]] = {}
    for deputy, person in session.exec(
        select(Deputy, Person)
        .join(Person, Person.id == Deputy.person_id)
        .join(Membership, Membership.id == Deputy.membership_id)
        .where(Membership.committee_id == committee_id)
        .order_by(Person.full_name)
    ):
        out.setdefault(deputy.membership_id, []).append(person)
    return out


def add_deputy(session: Session, membership: Membership, person_id: int, actor_id: Optional[int]) -> Deputy:
    person = session.get(Person, person_id)
    if person is None:
        raise CommitteeError("Choose the deputy", field="person_id")
    if person.id == membership.person_id:
        raise CommitteeError("A member cannot be their own deputy", field="person_id")
    if not membership.voting:
        raise CommitteeError("Only a voting member has a deputy who votes in their place", field="person_id")
    if session.exec(select(Deputy).where(Deputy.membership_id == membership.id, Deputy.person_id == person_id)).first():
        raise CommitteeError(f"{person.full_name} is already a deputy for this member", field="person_id")
    deputy = Deputy(membership_id=membership.id, person_id=person_id)
    session.add(deputy)
    session.flush()
    audit.record(
        session,
        "membership.deputy-added",
        actor_id=actor_id,
        object_type="committee",
        object_id=membership.committee_id,
        detail={"membership": membership.id, "deputy": person_id},
    )
    return deputy


def remove_deputy(session: Session, membership: Membership, deputy_id: int, actor_id: Optional[int]) -> None:
    deputy = session.get(Deputy, deputy_id)
    if deputy is None or deputy.membership_id != membership.id:
        raise CommitteeError("That person is not a deputy for this member")
    session.delete(deputy)
    session.flush()
    audit.record(
        session,
        "membership.deputy-removed",
        actor_id=actor_id,
        object_type="committee",
        object_id=membership.committee_id,
        detail={"membership": membership.id, "deputy": deputy.person_id},
    )
