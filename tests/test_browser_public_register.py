"""The public register in Chromium (issue 14, item 6): the filters reach gifts and hospitality, a search with
no results says so in words, every date reads one way in UK time, earlier versions are listed once each, and the
downloads are tables with their header first (gifts as a second CSV). axe runs on every page visited."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import Committee, Membership, RegisterSnapshot
from registry.services import gifts, interests, publication
from registry.services.accounts import create_person

pytestmark = pytest.mark.browser


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _world(app):
    offered = date.today() - timedelta(days=20)
    with app.app_context(), session_scope(engine()) as s:
        for name, committee_name, donor in (
            ("Dr Gwen Parry", "Primary Care Commissioning Committee", "Acme Pharma Ltd"),
            ("Lara Lay", "Audit Committee", "Kingston Hospice"),
        ):
            person = create_person(s, email=None, full_name=name, password=None, position="Member")
            committee = Committee(name=committee_name)
            s.add(committee)
            s.flush()
            s.add(Membership(person_id=person.id, committee_id=committee.id, date_from=date(2015, 1, 1)))
            interests.declare_interest(
                s,
                person.id,
                actor_id=person.id,
                interest_type="financial",
                description=f"Partner of {name}",
                date_from=date(2015, 12, 20),
            )
            gifts.record_offer(
                s,
                person.id,
                kind="hospitality",
                donor=donor,
                value_pence=40_00,
                offered_on=offered,
                description="Dinner",
                outcome="accepted",
            )
        # Two versions published on one day, the first late in a summer evening (UTC): each listed once, in UK time.
        first = publication.publish(s, None, as_of=date(2025, 7, 1))
        first.published_at = datetime(2025, 6, 30, 23, 30, tzinfo=timezone.utc)  # 12:30am on 1 July in London
        publication.publish(s, None)
    return offered


def test_public_register_filters_gifts_says_when_nothing_matches_and_reads_dates_one_way(page, app):
    offered = _world(app)
    p = page.goto("/register")
    main = p.locator("main")
    expect(main).to_contain_text("20 December 2015 to date")  # the interest's start, in words
    expect(main).not_to_contain_text("2015-12-20")
    gifts_table = p.locator("table", has=p.locator("caption", has_text="Declared gifts and hospitality"))
    expect(gifts_table).to_contain_text(_long(offered))
    expect(gifts_table).not_to_contain_text(offered.isoformat())

    # Earlier versions: the one shown is not among them, and the other is named by its UK date and time.
    earlier = p.locator("h2:has-text('Earlier versions') + ul li")
    expect(earlier).to_have_count(1)
    expect(earlier).to_contain_text("Published 1 July 2025 at 12:30am")

    # A committee filter reaches the gifts table too.
    p.get_by_label("Committee").select_option(label="Audit Committee")
    with p.expect_navigation():
        p.get_by_role("button", name="Search").click()
    page.check_accessibility()
    expect(gifts_table.locator("tbody tr")).to_have_count(1)
    expect(gifts_table).to_contain_text("Kingston Hospice")
    expect(gifts_table).not_to_contain_text("Acme Pharma Ltd")

    # The gifts CSV is its own file, filtered the same way, its header first.
    with p.expect_download() as download_info:
        p.get_by_role("link", name="gifts and hospitality (CSV)").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0][0] == "Publication date" and [r[4] for r in rows[1:]] == ["Kingston Hospice"]

    # A search that finds nothing says so, and how to see everything again; no empty table.
    p = page.goto("/register?name=zebedee")
    expect(p.get_by_role("heading", name="No entries match your search")).to_be_visible()
    expect(p.get_by_text("No declared gifts or hospitality match your search.")).to_be_visible()
    expect(p.locator("main table")).to_have_count(0)
    p.get_by_role("link", name="Clear the search").click()
    p.wait_for_url("**/register")
    page.check_accessibility()
    expect(p.locator("main table").first.locator("tbody tr")).to_have_count(2)

    # An earlier version links back to the latest and lists the latest once among the other versions.
    with app.app_context(), session_scope(engine()) as s:
        first_id = s.exec(select(RegisterSnapshot.id).order_by(RegisterSnapshot.id)).first()
    p = page.goto(f"/register/snapshots/{first_id}")
    expect(p.locator(".nhsuk-lede-text")).to_contain_text("published 1 July 2025 (an earlier version)")
    expect(p.locator("h2:has-text('Other versions') + ul li")).to_have_count(1)
    expect(p.get_by_role("link", name="See the latest register")).to_be_visible()
