"""The gifts and hospitality thresholds from the guidance."""

from datetime import date, timedelta

import pytest

from coi.database import engine
from registry.db import session_scope
from registry.services.accounts import create_person
from registry.services.gifts import GiftError, GiftPolicy, assess, record_offer


@pytest.mark.parametrize(
    "kind,pence,supplier,cash,earlier,expect",
    [
        ("gift", 600, True, False, 0, dict(must_decline=False, declare=False)),  # supplier, £6: may accept
        ("gift", 601, True, False, 0, dict(must_decline=True)),  # supplier, over £6: decline
        ("gift", 4999, False, False, 0, dict(declare=False, on_behalf_only=False)),  # under £50: no declaration
        ("gift", 5000, False, False, 0, dict(declare=True, on_behalf_only=False)),  # £50: not "under £50": declare
        ("gift", 5001, False, False, 0, dict(declare=True, on_behalf_only=True)),  # over £50: on behalf, declare
        ("gift", 3000, False, False, 2500, dict(declare=True, on_behalf_only=True)),  # repeat gifts add up
        ("gift", 100, False, True, 0, dict(must_decline=True)),  # cash: never
        ("hospitality", 2499, False, False, 0, dict(declare=False)),
        ("hospitality", 2500, False, False, 0, dict(declare=True, needs_senior_approval=False)),
        ("hospitality", 7500, False, False, 0, dict(declare=True, needs_senior_approval=False)),
        ("hospitality", 7501, False, False, 0, dict(declare=True, needs_senior_approval=True)),
    ],
)
def test_assessment(kind, pence, supplier, cash, earlier, expect):
    a = assess(kind, pence, donor_is_supplier=supplier, cash_or_voucher=cash, earlier_from_donor_pence=earlier)
    for key, value in expect.items():
        assert getattr(a, key) == value, (key, a)
    assert a.messages


def test_thresholds_are_configurable():
    strict = GiftPolicy(gift_declare_from=2000, gift_on_behalf_over=2000)
    assert assess("gift", 2500, policy=strict).declare
    assert not assess("gift", 2500).declare


def test_recording_enforces_the_rules_and_adds_up_repeat_gifts(app):
    with app.app_context(), session_scope(engine()) as s:
        person = create_person(s, email="g@example.nhs.uk", full_name="G", password=None)
        today = date.today()
        with pytest.raises(GiftError, match="declined"):
            record_offer(
                s,
                person.id,
                kind="gift",
                donor="Supplier Ltd",
                value_pence=2000,
                offered_on=today,
                description="Pen set",
                outcome="accepted",
                donor_is_supplier=True,
            )
        first = record_offer(
            s,
            person.id,
            kind="gift",
            donor="Friends of the Practice",
            value_pence=3000,
            offered_on=today - timedelta(days=30),
            description="Book token",
            outcome="accepted",
        )
        assert not first.declarable
        with pytest.raises(GiftError, match="on behalf of the organisation"):
            record_offer(
                s,
                person.id,
                kind="gift",
                donor="friends of the practice ",
                value_pence=3000,
                offered_on=today,
                description="Flowers",
                outcome="accepted",
            )
        second = record_offer(
            s,
            person.id,
            kind="gift",
            donor="Friends of the Practice",
            value_pence=3000,
            offered_on=today,
            description="Flowers",
            outcome="accepted",
            on_behalf_of_organisation=True,
        )
        assert second.declarable
        with pytest.raises(GiftError, match="senior manager"):
            record_offer(
                s,
                person.id,
                kind="hospitality",
                donor="Conference",
                value_pence=9000,
                offered_on=today,
                description="Dinner",
                outcome="accepted",
            )
        declined = record_offer(
            s,
            person.id,
            kind="hospitality",
            donor="Conference",
            value_pence=9000,
            offered_on=today,
            description="Dinner",
            outcome="declined",
        )
        assert declined.declarable  # declined offers are recorded too


# One answer at every boundary, in the guidance's words: (kind, typed value, supplier, what the rules say, declared)
BOUNDARIES = [
    ("gift", "£6", True, "worth £6 or less may be accepted and need not be declared", False),
    ("gift", "6.00", True, "worth £6 or less may be accepted and need not be declared", False),
    ("gift", "£6.01", True, "must be declined, unless they are low-cost promotional items worth £6 or less", True),
    ("gift", "£49.99", False, "Gifts under £50 need not be declared", False),
    ("gift", "£50", False, "Gifts worth £50 or more must be declared.", True),
    ("gift", "50.00", False, "Gifts worth £50 or more must be declared.", True),
    ("gift", "£50.01", False, "may be accepted only on behalf of the organisation", True),
    ("gift", "£30", False, "Gifts under £50 need not be declared", False),
    ("hospitality", "£24.99", False, "Hospitality under £25 need not be declared", False),
    ("hospitality", "£25", False, "Hospitality worth £25 to £75 must be declared.", True),
    ("hospitality", "£75", False, "Hospitality worth £25 to £75 must be declared.", True),
    ("hospitality", "£75.01", False, "must be refused unless a senior manager approves it", True),
]


@pytest.mark.parametrize("kind,typed,supplier,words,declared", BOUNDARIES)
def test_each_boundary_has_one_answer_in_the_guidance_words(signed_in, kind, typed, supplier, words, declared):
    client, _ = signed_in("member")
    answer = client.get(
        "/declarations/gifts/assess",
        query_string={"kind": kind, "value": typed, "donor_is_supplier": "y" if supplier else ""},
    ).get_json()
    assert any(words in message for message in answer["messages"]), answer
    assert answer["declare"] is declared


def test_money_is_accepted_as_people_write_it_and_rule_errors_sit_beside_their_field(signed_in):
    from coi.forms import parse_money
    from tests.conftest import csrf_from

    assert [parse_money(t) for t in ("£30", "30.00", "30", "£1,200.50", "30.5", " £ 7 ")] == [
        3000,
        3000,
        3000,
        120050,
        3050,
        700,
    ]
    assert [parse_money(t) for t in ("thirty", "£3O", "1e9", "-5", "30.001", "1,20", "")] == [None] * 7
    client, _ = signed_in("member")
    page = client.get("/declarations/gifts/new").get_data(as_text=True)
    response = client.post(
        "/declarations/gifts/new",
        data={
            "csrf_token": csrf_from(page),
            "idempotency_key": "g" * 32,
            "kind": "gift",
            "donor": "A friend",
            "value": "£75",
            "offered_on[day]": "1",
            "offered_on[month]": "11",
            "offered_on[year]": "2026",
            "description": "A hamper",
            "outcome": "accepted",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="on_behalf_of_organisation-error"' in html and "only on behalf of the organisation" in html
    bad = client.post(
        "/declarations/gifts/new",
        data={
            "csrf_token": csrf_from(page),
            "idempotency_key": "h" * 32,
            "kind": "gift",
            "donor": "A friend",
            "value": "thirty pounds",
            "offered_on[day]": "1",
            "offered_on[month]": "11",
            "offered_on[year]": "2026",
            "description": "A hamper",
            "outcome": "declined",
        },
    ).get_data(as_text=True)
    assert 'id="value-error"' in bad and "like £30 or £30.50" in bad
