"""The quorum forecast: who is expected (apologies and deputies counted) and who is conflicted, item by item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from sqlmodel import Session, select

from registry.models import Committee, ItemKind, Meeting, Organisation, VotingOrganisation
from registry.services.meetings.agenda import items_of
from registry.services.meetings.attendance import seats
from registry.services.meetings.common import ACTION_WORDS
from registry.services.meetings.decisions import Conflict, conflicts
from screening.quorum import ItemQuorum, QuorumRuleError, VotingMember, forecast, parse_quorum_rule
from screening.quorum import VotingOrganisation as QuorumOrganisation

# --- Quorum ---------------------------------------------------------------------------------------------


@dataclass
class QuorumForecast:
    by_item: dict[int, ItemQuorum]
    error: Optional[str] = None  # the committee's rule could not be applied
    lost_votes: dict[int, list[str]] = field(default_factory=dict)  # item id: why each organisation loses its vote
    absent: list[str] = field(default_factory=list)  # why some organisations have fewer people in the room

    def inquorate(self) -> list[int]:
        return [item_id for item_id, q in self.by_item.items() if not q.quorate]


def quorum(session: Session, meeting: Meeting, found: Optional[list[Conflict]] = None) -> QuorumForecast:
    """Forecast each decision item's quorum from who is expected (apologies and deputies counted) and conflicts."""
    committee = session.get(Committee, meeting.committee_id)
    voting = session.exec(
        select(VotingOrganisation, Organisation)
        .join(Organisation, Organisation.id == VotingOrganisation.organisation_id)
        .where(VotingOrganisation.committee_id == committee.id)
    ).all()
    if not voting or not committee.quorum_rule.strip():
        return QuorumForecast({}, "The committee has no voting organisations or quorum rule set up")
    organisations = [QuorumOrganisation(org.name, v.voting_group) for v, org in voting]
    org_names = {org.id: org.name for _, org in voting}
    members, absent, names, org_of = [], [], {}, {}
    for seat in seats(session, meeting):
        carries_vote = seat.membership.voting and seat.membership.organisation_id in org_names
        present = seat.present_person
        if present is None:
            if carries_vote:
                absent.append(
                    f"{seat.member.full_name} ({org_names[seat.membership.organisation_id]}) has sent apologies"
                )
            continue
        names[present.id] = present.full_name
        org_of[present.id] = org_names.get(seat.membership.organisation_id, "")
        members.append(VotingMember(str(present.id), org_of[present.id], carries_vote))
    found = conflicts(session, meeting) if found is None else found
    conflicted: dict[str, set[str]] = {
        str(i.id): set() for i in items_of(session, meeting.id) if i.kind == ItemKind.decision
    }
    why: dict[tuple[str, int], str] = {}
    for c in found:
        if c.removes_vote and str(c.item.id) in conflicted:
            conflicted[str(c.item.id)].add(str(c.person.id))
            why[(str(c.item.id), c.person.id)] = ACTION_WORDS[c.action]
    try:
        rule = parse_quorum_rule(committee.quorum_rule, organisations)
        result = forecast(rule, organisations, members, conflicted)
    except (QuorumRuleError, ValueError) as error:
        return QuorumForecast({}, f"The quorum rule could not be applied: {error}")
    lost_votes: dict[int, list[str]] = {}
    for item_id, item_quorum in result.items():
        for lost in item_quorum.losing_vote:
            if lost.conflicted_member_ids:
                reasons = [f"{names[int(m)]} must {why[(item_id, int(m))]}" for m in lost.conflicted_member_ids]
                text = f"{lost.organisation} loses its vote: " + "; ".join(reasons)
            else:
                text = f"{lost.organisation} loses its vote: none of its voting members is expected"
            lost_votes.setdefault(int(item_id), []).append(text)
    return QuorumForecast({int(k): v for k, v in result.items()}, None, lost_votes, absent)
