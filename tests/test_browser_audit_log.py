"""The audit log as a governance lead reads it (issue 14, item 5): a table of people, actions in words and UK
times, filtered by person, kind of action and period, each event's recorded detail behind a disclosure; the
chain verification stays."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import AuditEvent
from registry.services import interests
from registry.services.accounts import create_person

pytestmark = pytest.mark.browser


def test_audit_log_reads_as_a_table_of_people_actions_and_uk_times(page, app, make_user):
    with app.app_context(), session_scope(engine()) as s:
        gwen = create_person(s, email=None, full_name="Dr Gwen Parry", password=None)
        interests.declare_interest(
            s,
            gwen.id,
            actor_id=gwen.id,
            interest_type="financial",
            description="Partner, Canbury Medical Centre",
            date_from=datetime(2019, 1, 1).date(),
        )
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "interest.created")).one()
        summer_evening = datetime(2025, 6, 30, 23, 30, tzinfo=timezone.utc)  # 12:30am on 1 July in London
    email, _, _ = make_user("governance", name="Gina Governance")
    page.sign_in(email)
    p = page.goto("/governance/audit")
    with app.app_context():
        from coi.dates import uk_date, uk_time

        assert (uk_date(summer_evening), uk_time(summer_evening)) == ("1 July 2025", "12:30am")
        when = f"{uk_date(event.at)}, {uk_time(event.at)}"
    row = p.locator("tbody tr", has_text="Interest created")
    expect(row).to_contain_text("Dr Gwen Parry")
    expect(row).to_contain_text("Interest created: Partner, Canbury Medical Centre")
    expect(row).to_contain_text(when)
    expect(p.locator("thead")).to_contain_text("When (UK time)")
    # The raw record is there for whoever needs it, behind a disclosure.
    detail = row.locator("details")
    expect(detail.locator(".nhsuk-details__text")).not_to_be_visible()
    detail.locator("summary").click()
    expect(detail.locator(".nhsuk-details__text")).to_contain_text('"action": "interest.created"')
    page.check_accessibility()

    # Filter by who and by kind of action.
    p.get_by_label("Who").fill("gwen")
    p.get_by_label("What").select_option(label="Interests")
    with p.expect_navigation():
        p.get_by_role("button", name="Filter").click()
    page.check_accessibility()
    expect(p.locator("tbody tr")).to_have_count(1)
    p.get_by_label("Who").fill("nobody here")
    with p.expect_navigation():
        p.get_by_role("button", name="Filter").click()
    expect(p.get_by_text("No entries match.")).to_be_visible()
    page.check_accessibility()

    # The chain verification is still one link away.
    p = page.goto("/governance/audit")
    p.get_by_role("link", name="Verify the whole chain").click()
    expect(p.get_by_text("Chain intact")).to_be_visible()
