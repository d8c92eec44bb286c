"""Issue 14, item 7: an anonymised breach summary that names a person on the register is refused beside its
field; a gift offered after today is refused beside its date; an interest starting after today is saved with a
warning. Browser tests (axe on every page) and the service rules they rest on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import Breach, GiftOrHospitality, Interest
from registry.services import breaches, gifts
from registry.services.accounts import create_person


def fill_date(p, prefix: str, day: date):
    p.locator(f"#{prefix}-day").fill(str(day.day))
    p.locator(f"#{prefix}-month").fill(str(day.month))
    p.locator(f"#{prefix}-year").fill(str(day.year))


def submit(page, button: str):
    p = page.page
    with p.expect_navigation():
        p.get_by_role("button", name=button, exact=True).click()
    page.check_accessibility()
    return p


@pytest.mark.parametrize(
    "summary, refused",
    [
        ("Dr Gwen Parry voted on a decision about her practice.", True),
        ("Gwen Parry voted on a decision.", True),
        ("A member (Dr Parry) voted on a decision.", True),
        ("PARRY, GWEN voted.", True),
        ("A member voted on a decision about a practice in which they were a partner.", False),
        ("A member voted about Parry Lane Surgery.", False),  # a surname alone is not a name: it is a street here
        ("", False),
    ],
)
def test_a_summary_naming_someone_on_the_register_is_refused(app, summary, refused):
    with app.app_context(), session_scope(engine()) as s:
        create_person(s, email=None, full_name="Dr Gwen Parry", password=None)
        if refused:
            with pytest.raises(breaches.BreachError) as error:
                breaches.record_breach(s, occurred_on=date.today(), what_happened="x", public_summary=summary)
            assert error.value.field == "public_summary" and "Dr Gwen Parry" in str(error.value)
        else:
            breaches.record_breach(s, occurred_on=date.today(), what_happened="x", public_summary=summary)


def test_a_gift_offered_after_today_is_refused(app):
    with app.app_context(), session_scope(engine()) as s:
        person = create_person(s, email=None, full_name="Dr Gwen Parry", password=None)
        with pytest.raises(gifts.GiftError) as error:
            gifts.record_offer(
                s,
                person.id,
                kind="gift",
                donor="Acme",
                value_pence=1000,
                description="Pen",
                offered_on=date.today() + timedelta(days=1),
                outcome="declined",
            )
        assert error.value.field == "offered_on"
        gifts.record_offer(
            s,
            person.id,
            kind="gift",
            donor="Acme",
            value_pence=1000,
            description="Pen",
            offered_on=date.today(),
            outcome="declined",
        )


@pytest.mark.browser
def test_breach_summary_naming_a_member_is_refused_beside_the_field(page, app, make_user):
    with app.app_context(), session_scope(engine()) as s:
        create_person(s, email=None, full_name="Dr Rhys Reviewed", password=None)
    email, _, _ = make_user("governance")
    page.sign_in(email)
    p = page.goto("/governance/breaches/new")
    fill_date(p, "occurred_on", date.today() - timedelta(days=3))
    p.get_by_label("What happened").fill("Dr Rhys Reviewed voted on the Canbury contract variation")
    p.get_by_label("Anonymised summary for publication").fill("Dr Reviewed voted on a contract variation.")
    submit(page, "Save")
    assert p.url.endswith("/governance/breaches/new")
    expect(p.locator("#public_summary-error")).to_contain_text("names Dr Rhys Reviewed, who is on the register")
    expect(p.locator(".nhsuk-error-summary a[href='#public_summary']")).to_be_visible()
    expect(p.get_by_label("What happened")).to_have_value("Dr Rhys Reviewed voted on the Canbury contract variation")
    p.get_by_label("Anonymised summary for publication").fill("A member voted on a contract variation.")
    submit(page, "Save")
    p.wait_for_url("**/governance/breaches")
    with app.app_context(), session_scope(engine()) as s:
        assert s.exec(select(Breach.public_summary)).one() == "A member voted on a contract variation."


@pytest.mark.browser
def test_future_gift_refused_and_future_interest_warned(page, app, make_user):
    email, _, person_id = make_user("member")
    page.sign_in(email)
    tomorrow = date.today() + timedelta(days=1)
    p = page.goto("/declarations/gifts/new")
    p.get_by_label("Gift", exact=True).check()
    p.get_by_label("Who offered it").fill("Acme Pharma Ltd")
    p.get_by_label("Estimated value").fill("10")
    fill_date(p, "offered_on", tomorrow)
    p.get_by_label("Description").fill("Pen")
    p.get_by_label("Declined", exact=True).check()
    submit(page, "Record")
    assert p.url.endswith("/declarations/gifts/new")
    expect(p.locator("#offered_on-error")).to_contain_text("The date offered must be today or in the past")
    with app.app_context(), session_scope(engine()) as s:
        assert s.exec(select(GiftOrHospitality)).first() is None

    starts = date(date.today().year + 4, 1, 1)
    p = page.goto("/declarations/interests/new")
    p.get_by_label("Non-financial personal", exact=True).check()
    p.get_by_label("Description").fill("Trustee of Kingston Hospice")
    fill_date(p, "date_from", starts)
    submit(page, "Declare interest")
    p.wait_for_url("**/declarations/")
    banners = p.locator(".nhsuk-notification-banner")
    expect(banners.first).to_contain_text("Interest declared")
    expect(p.locator("main")).to_contain_text(f"This interest starts on 1 January {starts.year}, which is after today")
    with app.app_context(), session_scope(engine()) as s:
        assert s.exec(select(Interest.date_from).where(Interest.person_id == person_id)).one() == starts
