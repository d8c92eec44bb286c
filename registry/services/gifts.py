"""Gifts and hospitality: the guidance's thresholds, applied as configurable defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Optional

from sqlmodel import Session, func, select

from registry import policy
from registry.models import GiftKind, GiftOrHospitality, GiftOutcome
from registry.services import audit


@dataclass(frozen=True)
class GiftPolicy:
    """Amounts in pence; the defaults and their sources are in registry.policy (GIFT_POLICY overrides them)."""

    supplier_gift_max: int = policy.SUPPLIER_GIFT_MAX_PENCE.value  # suppliers: decline unless worth this or less
    gift_declare_from: int = policy.GIFT_DECLARE_FROM_PENCE.value  # other gifts under this need not be declared
    gift_on_behalf_over: int = policy.GIFT_ON_BEHALF_OVER_PENCE.value  # over this: only for the organisation
    repeat_window_days: int = policy.GIFT_REPEAT_WINDOW_DAYS.value  # one donor's gifts in this window add up
    hospitality_declare_from: int = policy.HOSPITALITY_DECLARE_FROM_PENCE.value  # under this: no declaration
    hospitality_approval_over: int = policy.HOSPITALITY_APPROVAL_OVER_PENCE.value  # over this: senior approval

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Assessment:
    declare: bool = False  # goes on the register of gifts and hospitality
    must_decline: bool = False
    on_behalf_only: bool = False  # may be accepted only on behalf of the organisation
    needs_senior_approval: bool = False
    messages: list[str] = field(default_factory=list)


pounds = policy.pounds


def assess(
    kind: str,
    value_pence: int,
    *,
    donor_is_supplier: bool = False,
    cash_or_voucher: bool = False,
    earlier_from_donor_pence: int = 0,
    policy: GiftPolicy = GiftPolicy(),
) -> Assessment:
    """What the guidance says about an offer, in its words; one answer at every boundary (£6/£6.01,
    £49.99/£50/£50.01, £24.99/£25, £75/£75.01). `earlier_from_donor_pence` adds up the year's gifts."""
    a = Assessment()
    if kind == GiftKind.gift.value:
        if cash_or_voucher:
            a.must_decline = a.declare = True
            a.messages.append(
                "Cash and vouchers must always be declined, whatever their value. Record the declined offer."
            )
            return a
        if donor_is_supplier:
            if value_pence > policy.supplier_gift_max:
                a.must_decline = a.declare = True
                a.messages.append(
                    f"Gifts from suppliers or contractors must be declined, unless they are low-cost "
                    f"promotional items worth {pounds(policy.supplier_gift_max)} or less. Record the "
                    "declined offer."
                )
            else:
                a.messages.append(
                    f"Low-cost promotional items from suppliers or contractors worth "
                    f"{pounds(policy.supplier_gift_max)} or less may be accepted and need not be "
                    "declared; you may still record it."
                )
            return a
        total = value_pence + earlier_from_donor_pence
        if total >= policy.gift_declare_from:
            a.declare = True
            if earlier_from_donor_pence and value_pence < policy.gift_declare_from:
                a.messages.append(
                    f"With earlier gifts from this donor in the last year the total is {pounds(total)}: "
                    f"gifts from one source adding up to {pounds(policy.gift_declare_from)} or more "
                    "must be declared."
                )
            else:
                a.messages.append(f"Gifts worth {pounds(policy.gift_declare_from)} or more must be declared.")
            if value_pence > policy.gift_on_behalf_over or total > policy.gift_on_behalf_over:
                a.on_behalf_only = True
                a.messages.append(
                    f"Gifts over {pounds(policy.gift_on_behalf_over)} may be accepted only on behalf "
                    "of the organisation, not personally."
                )
        else:
            a.messages.append(
                f"Gifts under {pounds(policy.gift_declare_from)} need not be declared; you may still record it."
            )
        return a
    if value_pence < policy.hospitality_declare_from:
        a.messages.append(
            f"Hospitality under {pounds(policy.hospitality_declare_from)} need not be declared; "
            "you may still record it."
        )
    elif value_pence <= policy.hospitality_approval_over:
        a.declare = True
        a.messages.append(
            f"Hospitality worth {pounds(policy.hospitality_declare_from)} to "
            f"{pounds(policy.hospitality_approval_over)} must be declared."
        )
    else:
        a.declare = a.needs_senior_approval = True
        a.messages.append(
            f"Hospitality over {pounds(policy.hospitality_approval_over)} must be refused unless a "
            "senior manager approves it. Name who approved it, or record it as declined."
        )
    return a


class GiftError(ValueError):
    """The offer breaks a rule; the message is safe to show, beside `field` when it names one."""

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


def earlier_from_donor(
    session: Session,
    person_id: int,
    donor: str,
    offered_on: date,
    policy: GiftPolicy = GiftPolicy(),
    exclude_id: Optional[int] = None,
) -> int:
    since = offered_on - timedelta(days=policy.repeat_window_days)
    query = select(func.coalesce(func.sum(GiftOrHospitality.value_pence), 0)).where(
        GiftOrHospitality.person_id == person_id,
        func.lower(GiftOrHospitality.donor) == donor.strip().lower(),
        GiftOrHospitality.kind == GiftKind.gift.value,
        GiftOrHospitality.outcome == GiftOutcome.accepted.value,
        GiftOrHospitality.offered_on >= since,
        GiftOrHospitality.offered_on <= offered_on,
    )
    if exclude_id is not None:
        query = query.where(GiftOrHospitality.id != exclude_id)
    return int(session.exec(query).one())


def record_offer(
    session: Session,
    person_id: int,
    *,
    kind: str,
    donor: str,
    value_pence: int,
    offered_on: date,
    description: str,
    outcome: str,
    donor_is_supplier: bool = False,
    cash_or_voucher: bool = False,
    on_behalf_of_organisation: bool = False,
    senior_approval: str = "",
    actor_id: Optional[int] = None,
    policy: GiftPolicy = GiftPolicy(),
) -> GiftOrHospitality:
    if kind not in {k.value for k in GiftKind}:
        raise GiftError("Select whether it was a gift or hospitality", "kind")
    if outcome not in {o.value for o in GiftOutcome}:
        raise GiftError("Select whether you accepted or declined the offer", "outcome")
    if value_pence < 0:
        raise GiftError("Value must be £0 or more", "value")
    if not donor.strip():
        raise GiftError("Enter who offered it", "donor")
    if offered_on > date.today():  # an offer is recorded once it has been made: a later date is a mistyped one
        raise GiftError("The date offered must be today or in the past", "offered_on")
    earlier = earlier_from_donor(session, person_id, donor, offered_on, policy)
    a = assess(
        kind,
        value_pence,
        donor_is_supplier=donor_is_supplier,
        cash_or_voucher=cash_or_voucher,
        earlier_from_donor_pence=earlier,
        policy=policy,
    )
    if outcome == GiftOutcome.accepted.value:
        if a.must_decline:
            raise GiftError(
                a.messages[0].replace(" Record the declined offer.", "") + " Record it as declined.", "outcome"
            )
        if a.on_behalf_only and not on_behalf_of_organisation:
            raise GiftError(
                "This gift may be accepted only on behalf of the organisation: tick that box, or record it as declined",
                "on_behalf_of_organisation",
            )
        if a.needs_senior_approval and not senior_approval.strip():
            raise GiftError(
                "Name the senior manager who approved this hospitality, or record it as declined", "senior_approval"
            )
    offer = GiftOrHospitality(
        person_id=person_id,
        kind=kind,
        donor=donor.strip(),
        donor_is_supplier=donor_is_supplier,
        cash_or_voucher=cash_or_voucher,
        value_pence=value_pence,
        offered_on=offered_on,
        description=description.strip(),
        outcome=outcome,
        on_behalf_of_organisation=on_behalf_of_organisation,
        senior_approval=senior_approval.strip(),
        declarable=a.declare,
    )
    session.add(offer)
    session.flush()
    audit.record(
        session,
        "gift.recorded",
        actor_id=actor_id,
        object_type="gift",
        object_id=offer.id,
        detail={"kind": kind, "outcome": outcome, "value_pence": value_pence, "declare": a.declare},
    )
    return offer
