"""The gifts and hospitality thresholds from the guidance."""
from datetime import date, timedelta

import pytest

from coi.database import engine
from registry.db import session_scope
from registry.services.accounts import create_person
from registry.services.gifts import GiftError, GiftPolicy, assess, record_offer


@pytest.mark.parametrize("kind,pence,supplier,cash,earlier,expect", [
    ("gift", 600, True, False, 0, dict(must_decline=False, declare=False)),  # supplier, £6: may accept
    ("gift", 601, True, False, 0, dict(must_decline=True)),  # supplier, over £6: decline
    ("gift", 4999, False, False, 0, dict(declare=False, on_behalf_only=False)),  # under £50: no declaration
    ("gift", 5001, False, False, 0, dict(declare=True, on_behalf_only=True)),  # over £50: on behalf, declare
    ("gift", 3000, False, False, 2500, dict(declare=True, on_behalf_only=True)),  # repeat gifts add up
    ("gift", 100, False, True, 0, dict(must_decline=True)),  # cash: never
    ("hospitality", 2499, False, False, 0, dict(declare=False)),
    ("hospitality", 2500, False, False, 0, dict(declare=True, needs_senior_approval=False)),
    ("hospitality", 7500, False, False, 0, dict(declare=True, needs_senior_approval=False)),
    ("hospitality", 7501, False, False, 0, dict(declare=True, needs_senior_approval=True)),
])
def test_assessment(kind, pence, supplier, cash, earlier, expect):
    a = assess(kind, pence, donor_is_supplier=supplier, cash_or_voucher=cash, earlier_from_donor_pence=earlier)
    for key, value in expect.items():
        assert getattr(a, key) == value, (key, a)
    assert a.messages


def test_thresholds_are_configurable():
    strict = GiftPolicy(gift_declare_over=2000, gift_on_behalf_over=2000)
    assert assess("gift", 2500, policy=strict).declare
    assert not assess("gift", 2500).declare


def test_recording_enforces_the_rules_and_adds_up_repeat_gifts(app):
    with app.app_context(), session_scope(engine()) as s:
        person = create_person(s, email="g@example.nhs.uk", full_name="G", password=None)
        today = date.today()
        with pytest.raises(GiftError, match="declined"):
            record_offer(s, person.id, kind="gift", donor="Supplier Ltd", value_pence=2000, offered_on=today,
                         description="Pen set", outcome="accepted", donor_is_supplier=True)
        first = record_offer(s, person.id, kind="gift", donor="Friends of the Practice", value_pence=3000,
                             offered_on=today - timedelta(days=30), description="Book token", outcome="accepted")
        assert not first.declarable
        with pytest.raises(GiftError, match="on behalf of the organisation"):
            record_offer(s, person.id, kind="gift", donor="friends of the practice ", value_pence=3000,
                         offered_on=today, description="Flowers", outcome="accepted")
        second = record_offer(s, person.id, kind="gift", donor="Friends of the Practice", value_pence=3000,
                              offered_on=today, description="Flowers", outcome="accepted",
                              on_behalf_of_organisation=True)
        assert second.declarable
        with pytest.raises(GiftError, match="senior manager"):
            record_offer(s, person.id, kind="hospitality", donor="Conference", value_pence=9000, offered_on=today,
                         description="Dinner", outcome="accepted")
        declined = record_offer(s, person.id, kind="hospitality", donor="Conference", value_pence=9000,
                                offered_on=today, description="Dinner", outcome="declined")
        assert declined.declarable  # declined offers are recorded too
