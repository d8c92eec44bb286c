"""The register's main journeys in real Chromium: every page visited, and every page after a form is sent or
the script changes what is shown, is checked with axe-core (serious and critical problems fail the test)."""

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import Committee, Membership, Organisation
from registry.services import breaches, interests, publication
from registry.services.accounts import create_person
from registry.services.returns import make_return
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

CANBURY_LABEL = "CANBURY MEDICAL CENTRE (H84010), KT2 6HR"


# --- helpers ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fail_fast(page):
    """A missing element fails in seconds, not after Playwright's default 30."""
    page.page.set_default_timeout(5_000)  # expect() already gives up after 5 s


def sign_in(page, email: str):
    return page.sign_in(email)


def sign_out(page):
    p = page.page
    p.get_by_role("button", name="Sign out").click()
    p.wait_for_url("**/sign-in")
    page.check_accessibility()


def submit(page, button: str, url_glob: str | None = None):
    """Clicks a submit button, waits for the response page and checks it."""
    p = page.page
    with p.expect_navigation():
        p.get_by_role("button", name=button, exact=True).click()
    if url_glob:
        p.wait_for_url(url_glob)
    page.check_accessibility()
    return p


def fill_date(p, prefix: str, day: date):
    p.locator(f"#{prefix}-day").fill(str(day.day))
    p.locator(f"#{prefix}-month").fill(str(day.month))
    p.locator(f"#{prefix}-year").fill(str(day.year))


def focused_id(p) -> str:
    return p.evaluate("document.activeElement && document.activeElement.id")


def _committee(s, name="Primary Care Commissioning Committee"):
    committee = s.exec(select(Committee).where(Committee.name == name)).first()
    if committee is None:
        committee = Committee(name=name)
        s.add(committee)
        s.flush()
    return committee


def _member_of_committee(s, name, email=None, appointed_days_ago=400, position=""):
    person = create_person(s, email=email, full_name=name, password=PASSWORD if email else None, position=position)
    s.add(
        Membership(
            person_id=person.id,
            committee_id=_committee(s).id,
            date_from=date.today() - timedelta(days=appointed_days_ago),
        )
    )
    s.flush()
    return person


# --- 1. a member's declarations ---------------------------------------------------------------------


def test_member_declares_edits_ends_reviews_history_and_confirms(page, app, make_user):
    with app.app_context(), session_scope(engine()) as s:
        org = Organisation(ods_code="H84010", name="CANBURY MEDICAL CENTRE", kind="practice", postcode="KT2 6HR")
        s.add(org)
        s.flush()
        org_id = org.id
    email, _, _ = make_user("member", name="Dr Mina Member")
    sign_in(page, email)

    p = page.goto("/declarations/")
    p.get_by_role("button", name="Declare an interest").click()  # a link drawn as a button
    p.wait_for_url("**/declarations/interests/new")
    page.check_accessibility()

    # The four types, each with its plain-English hint on show.
    for label, hint in [
        ("Financial", "You could gain or lose money"),
        ("Non-financial professional", "Your professional standing could be affected"),
        ("Non-financial personal", "You could benefit personally"),
        ("Indirect", "Someone close to you holds one of the interests above"),
    ]:
        expect(p.get_by_label(label, exact=True)).to_be_visible()
        expect(p.locator(".nhsuk-radios__hint", has_text=hint)).to_be_visible()
    p.get_by_label("Financial", exact=True).check()

    # Type-ahead (accessible-autocomplete): a few letters list the directory's matches; choosing one records its id.
    organisation = p.locator("#organisation")
    organisation.press_sequentially("canbu", delay=30)
    p.locator(".autocomplete__option", has_text=CANBURY_LABEL).first.click()
    expect(organisation).to_have_value(CANBURY_LABEL)
    expect(p.locator("input[name=organisation_id]")).to_have_value(str(org_id))
    page.check_accessibility()

    p.get_by_label("Role or nature of the interest").select_option(label="Partner")
    fill_date(p, "date_from", date(2021, 4, 1))
    p.get_by_label("Description").fill("Partner at Canbury Medical Centre")
    submit(page, "Declare interest", "**/declarations/")

    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Interest declared")
    current = p.locator("table").first
    expect(current).to_contain_text("Partner at Canbury Medical Centre")
    expect(current).to_contain_text("CANBURY MEDICAL CENTRE (H84010)")
    expect(current).to_contain_text("1 Apr 2021 to date")

    # Edit: the form comes back filled in, with the directory entry still chosen.
    p.get_by_role("link", name="Edit Partner at Canbury Medical Centre").click()
    p.wait_for_url(re.compile(r".*/interests/\d+/edit$"))
    page.check_accessibility()
    expect(p.locator("#organisation")).to_have_value(CANBURY_LABEL)
    expect(p.get_by_label("Financial", exact=True)).to_be_checked()
    expect(p.locator("#date_from-year")).to_have_value("2021")
    p.get_by_label("Role or nature of the interest").select_option(label="Senior or managing partner")
    p.get_by_label("Description").fill("Senior partner at Canbury Medical Centre")
    submit(page, "Save changes", "**/declarations/")
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Interest updated")
    expect(p.locator("table").first).to_contain_text("Senior partner at Canbury Medical Centre")

    # End it: it moves to ended interests, with its end date.
    p.get_by_role("link", name="End Senior partner at Canbury Medical Centre").click()
    p.wait_for_url(re.compile(r".*/interests/\d+/end$"))
    page.check_accessibility()
    ended_on = date.today() - timedelta(days=2)
    fill_date(p, "date_to", ended_on)
    submit(page, "End interest", "**/declarations/")
    expect(p.get_by_text("You have no current interests on the register.")).to_be_visible()
    ended = p.locator("h2:has-text('Ended interests') + table")
    expect(ended).to_contain_text("Senior partner at Canbury Medical Centre")
    expect(ended).to_contain_text(f"1 Apr 2021 to {ended_on.strftime('%-d %b %Y')}")

    # History shows each version and what changed.
    ended.get_by_role("link", name="History of Senior partner at Canbury Medical Centre").click()
    p.wait_for_url(re.compile(r".*/interests/\d+/history$"))
    page.check_accessibility()
    history = p.locator("table tbody")
    expect(history.locator("tr")).to_have_count(3)
    expect(history).to_contain_text("Declared")
    expect(history).to_contain_text(
        "Description: Partner at Canbury Medical Centre → Senior partner at Canbury Medical Centre"
    )
    expect(history).to_contain_text("Role or nature: partner → senior partner")
    expect(history).to_contain_text(f"Date to: (blank) → {ended_on.isoformat()}")

    # Annual confirmation: the date defaults to today.
    p = page.goto("/declarations/confirm")
    expect(p.locator("#as_of-day")).to_have_value(str(date.today().day))
    p.get_by_label("I confirm this is true").check()
    submit(page, "Confirm declarations", "**/declarations/")
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Annual declaration confirmed")
    expect(p.get_by_text(f"Last annual confirmation: {date.today().strftime('%-d %B %Y')}")).to_be_visible()
    # Confirmed, so not overdue; but an interest from 2021 declared today was declared late, and the status says so.
    expect(p.locator("main .nhsuk-tag").first).to_have_text(
        "Late declaration"
    )  # the status; the entry says "Declared late"
    sign_out(page)

    # Someone with nothing to declare makes a nil return.
    other, _, _ = make_user("member", name="Nat Nil")
    sign_in(page, other)
    p = page.goto("/declarations/")
    expect(p.get_by_text("You have no current interests on the register.")).to_be_visible()
    p.get_by_role("button", name="Make a nil return").click()
    p.wait_for_url("**/declarations/nil-return")
    page.check_accessibility()
    expect(p.get_by_text("I have no interests to declare.")).to_be_visible()
    p.get_by_label("I confirm this is true").check()
    submit(page, "Make nil return", "**/declarations/")
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Nil return made")
    expect(p.get_by_text(f"Last nil return: {date.today().strftime('%-d %B %Y')}")).to_be_visible()


# --- 2. errors ---------------------------------------------------------------------------------------


def test_error_summary_links_move_focus_to_the_field(page, make_user):
    email, _, _ = make_user("member")
    sign_in(page, email)
    p = page.goto("/declarations/interests/new")
    p.locator("#date_from-day").fill("31")
    p.locator("#date_from-month").fill("2")
    submit(page, "Declare interest")

    summary = p.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    assert p.title().startswith("Error: ")
    expect(summary).to_be_focused()  # the design system's script moves focus to the summary on load
    links = summary.locator("a")
    expect(links).to_have_text(
        [
            "Select the type of interest",
            "Enter a description of the interest",
            "Date the interest started must include a year",
        ]
    )

    for text, field_id in [
        ("Enter a description of the interest", "description"),
        ("Date the interest started must include a year", "date_from-year"),
        ("Select the type of interest", "interest_type"),
    ]:
        summary.get_by_role("link", name=text).click()
        expect(p.locator(f"#{field_id}")).to_be_focused()
        assert focused_id(p) == field_id
    # Each field shows its own message, and what was typed is kept.
    expect(p.locator("#description-error")).to_contain_text("Enter a description of the interest")
    expect(p.locator("#date_from-day")).to_have_value("31")
    expect(p.locator("#date_from-year")).to_have_class(re.compile(r"nhsuk-input--error"))


# --- 3. gifts and hospitality -------------------------------------------------------------------------


def test_gift_consequence_is_announced_as_you_type_and_the_server_refuses_a_supplier_gift(page, make_user):
    email, _, _ = make_user("member")
    sign_in(page, email)
    p = page.goto("/declarations/gifts/new")
    live = p.locator("#gift-consequence")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_contain_text("Enter the type and value to see what the rules say.")
    value = p.locator("#value")

    p.get_by_label("Hospitality", exact=True).check()
    value.press_sequentially("3")
    expect(live).to_contain_text("need not be declared")
    value.press_sequentially("0")  # £30
    expect(live).to_contain_text("Hospitality worth £25 to £75 must be declared.")
    expect(live).not_to_contain_text("need not be declared")
    page.check_accessibility()

    value.fill("")
    value.press_sequentially("80")
    expect(live).to_contain_text("must be refused unless a senior manager approves it")

    p.get_by_label("Gift", exact=True).check()
    p.get_by_label("The donor is a supplier or contractor, or could become one").check()
    value.fill("")
    value.press_sequentially("10")
    expect(live).to_contain_text(
        "Gifts from suppliers or contractors must be declined, unless they are low-cost "
        "promotional items worth £6 or less."
    )
    page.check_accessibility()

    # Accepting it anyway: the server refuses, and says why.
    p.get_by_label("Who offered it").fill("Acme Pharma Ltd")
    fill_date(p, "offered_on", date.today() - timedelta(days=1))
    p.get_by_label("Description").fill("Branded fountain pen")
    p.get_by_label("Accepted", exact=True).check()
    submit(page, "Record")
    assert p.url.endswith("/declarations/gifts/new")
    summary = p.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text(
        "Gifts from suppliers or contractors must be declined, unless they are low-cost "
        "promotional items worth £6 or less. Record it as declined."
    )
    expect(p.locator("#outcome-error")).to_contain_text("must be declined")  # beside its field too
    # What was entered is kept, and the rules are still shown for it.
    expect(value).to_have_value("10")
    expect(p.get_by_label("The donor is a supplier or contractor, or could become one")).to_be_checked()
    expect(live).to_contain_text("must be declined")

    # Declined, it is recorded.
    p.get_by_label("Declined", exact=True).check()
    submit(page, "Record", "**/declarations/")
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Gift or hospitality recorded")
    offers = p.locator("h2:has-text('Gifts and hospitality') + table")
    expect(offers).to_contain_text("Acme Pharma Ltd")
    expect(offers).to_contain_text("£10.00")
    expect(offers).to_contain_text("Declined")


# --- 4. the governance lead ------------------------------------------------------------------------------


def test_governance_lead_reviews_withholds_records_a_breach_and_publishes(page, app, make_user):
    with app.app_context(), session_scope(engine()) as s:
        _member_of_committee(s, "Olive Overdue")
        reviewed = _member_of_committee(s, "Rhys Reviewed", position="GP member")
        make_return(s, reviewed.id, "annual", date.today() - timedelta(days=30), actor_id=None)
        interests.declare_interest(
            s,
            reviewed.id,
            actor_id=reviewed.id,
            interest_type="indirect",
            description="Spouse is a partner at Canbury Medical Centre",
            holder_name="Sian Reviewed",
            relationship="spouse",
            date_from=date(2020, 1, 1),
            declared_at=datetime(2020, 1, 10, tzinfo=timezone.utc),
        )
        interests.declare_interest(
            s,
            reviewed.id,
            actor_id=reviewed.id,
            interest_type="financial",
            description="Shareholder in Kingston Pharmacy Ltd",
            date_from=date(2020, 1, 1),
            declared_at=datetime(2020, 1, 10, tzinfo=timezone.utc),
        )
    email, _, _ = make_user("governance", name="Gina Governance")
    sign_in(page, email)

    # Dashboard: the overdue member is flagged in their committee.
    p = page.goto("/governance/")
    expect(p.get_by_role("heading", name="Primary Care Commissioning Committee")).to_be_visible()
    expect(p.get_by_text("2 members: 1 overdue")).to_be_visible()
    overdue_row = p.locator("tr", has_text="Olive Overdue")
    expect(overdue_row.locator(".nhsuk-tag")).to_have_text("Overdue")
    expect(overdue_row).to_contain_text("Never")
    expect(p.locator("tr", has_text="Rhys Reviewed").locator(".nhsuk-tag")).to_have_text("Up to date")

    # Review: record the mitigation and withhold the entry, giving a reason.
    p.get_by_role("link", name="Review declarations").click()
    p.wait_for_url("**/governance/interests")
    page.check_accessibility()
    p.get_by_role("link", name="Spouse is a partner at Canbury Medical Centre").click()
    p.wait_for_url(re.compile(r".*/governance/interests/\d+$"))
    page.check_accessibility()
    expect(p.locator(".nhsuk-summary-list")).to_contain_text("Sian Reviewed (spouse)")
    p.get_by_label("Action taken to mitigate risk").fill("Leaves the room for decisions about Canbury Medical Centre")
    p.get_by_label("No, withhold it").check()
    submit(page, "Save review")  # no reason yet: refused
    expect(p.locator(".nhsuk-error-summary")).to_contain_text("Enter the overriding privacy or legal reason")
    p.get_by_label("Reason for withholding").fill("Risk to the safety of a family member")
    submit(page, "Save review", "**/governance/interests")
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Review saved")
    row = p.locator("tr", has_text="Spouse is a partner at Canbury Medical Centre")
    expect(row).to_contain_text("Leaves the room for decisions about Canbury Medical Centre")
    expect(row).to_contain_text("Withheld")

    # The breaches register: internal detail stays internal, the anonymised summary is for publication.
    p = page.goto("/governance/breaches")
    p.get_by_role("button", name="Record a breach").click()
    p.wait_for_url("**/governance/breaches/new")
    page.check_accessibility()
    fill_date(p, "occurred_on", date.today() - timedelta(days=5))
    p.get_by_label("What happened").fill("Dr Rhys Reviewed voted on the Canbury contract variation")
    p.get_by_label("Action taken").fill("The decision was re-taken without him")
    p.get_by_label("Anonymised summary for publication").fill(
        "A member took part in a decision about a practice in which a close family member is a partner. "
        "The decision was re-taken."
    )
    p.get_by_label("Closed").check()
    submit(page, "Save", "**/governance/breaches")
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Breach recorded")
    expect(p.locator("tbody tr")).to_have_count(1)
    expect(p.locator("tbody tr")).to_contain_text("The decision was re-taken.")
    expect(p.locator("tbody tr")).to_contain_text("Closed")

    # Publish: the preview counts the withheld entry, and the public register then shows the snapshot.
    p = page.goto("/governance/publish")
    expect(p.get_by_text("The register has not been published yet.")).to_be_visible()
    expect(p.locator("main")).to_contain_text("1 entries are withheld")
    p.get_by_role("button", name="Preview the changes").click()  # a link drawn as a button
    p.wait_for_url("**/governance/publish/preview")
    page.check_accessibility()
    expect(p.locator("h2", has_text="Added (1)")).to_be_visible()
    expect(p.locator("main")).to_contain_text("Shareholder in Kingston Pharmacy Ltd")
    submit(page, "Publish the register", "**/governance/publish")
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Register published")
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("1 withheld")
    expect(p.get_by_role("link", name=re.compile(r"^Published "))).to_have_count(1)
    p = page.goto("/register")
    expect(p.locator("table").first).to_contain_text("Shareholder in Kingston Pharmacy Ltd")
    expect(p.locator("table").first).not_to_contain_text("Spouse is a partner")


# --- 5. the public -------------------------------------------------------------------------------------


def test_public_register_search_filter_download_and_breaches(page, app):
    today = date.today()
    with app.app_context(), session_scope(engine()) as s:
        gwen = _member_of_committee(s, "Dr Gwen Parry", position="GP member")
        lay = _member_of_committee(s, "Lara Lay", position="Lay member")
        interests.declare_interest(
            s,
            gwen.id,
            actor_id=gwen.id,
            interest_type="financial",
            description="Partner, Canbury Medical Centre",
            date_from=date(2019, 1, 1),
            mitigation="Does not take part in decisions about the practice",
        )
        interests.declare_interest(
            s,
            gwen.id,
            actor_id=gwen.id,
            interest_type="non-financial professional",
            description="Member of the Local Medical Committee",
            date_from=date(2020, 6, 1),
        )
        interests.declare_interest(
            s,
            gwen.id,
            actor_id=gwen.id,
            interest_type="indirect",
            description="Spouse works for a supplier",
            relationship="spouse",
            date_from=date(2021, 1, 1),
            publish=False,
            withheld_reason="Family safety",
        )
        interests.declare_interest(
            s,
            lay.id,
            actor_id=lay.id,
            interest_type="non-financial personal",
            description="Trustee of Kingston Hospice",
            date_from=date(2018, 3, 1),
        )
        breaches.record_breach(
            s,
            occurred_on=today - timedelta(days=20),
            what_happened="Dr Gwen Parry voted on item 5 despite a declared partnership",
            action_taken="Decision re-taken",
            public_summary="A member voted on a decision about a practice in which they were "
            "a partner. The decision was re-taken.",
            status="closed",
        )
        publication.publish(s, None)

    p = page.goto("/register")
    expect(p.get_by_role("heading", level=1)).to_have_text("Register of interests")
    expect(p.locator(".nhsuk-lede-text")).to_contain_text(f"published {today.strftime('%-d %B %Y')}")
    expect(p.locator(".nhsuk-inset-text")).to_contain_text("Some entries (1) are withheld")
    register = p.locator("table").first
    expect(register.locator("tbody tr")).to_have_count(3)
    expect(register).not_to_contain_text("Spouse works for a supplier")
    expect(register).to_contain_text("Does not take part in decisions about the practice")

    # Search by name.
    p.get_by_label("Name", exact=True).fill("lara")
    submit(page, "Search")
    assert "name=lara" in p.url
    expect(register.locator("tbody tr")).to_have_count(1)
    expect(register).to_contain_text("Trustee of Kingston Hospice")
    expect(p.get_by_text("1 entry matches your search.")).to_be_visible()

    # Filter by type.
    p.get_by_label("Name", exact=True).fill("")
    p.get_by_label("Type of interest").select_option(label="Non-financial professional")
    submit(page, "Search")
    expect(register.locator("tbody tr")).to_have_count(1)
    expect(register).to_contain_text("Member of the Local Medical Committee")
    expect(p.get_by_label("Type of interest")).to_have_value("non-financial professional")

    # Download: the CSV link carries the filter, and every row carries the publication date.
    with p.expect_download() as download_info:
        p.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"register-of-interests-{today.isoformat()}.csv"
    with open(download.path(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0][0] == "Publication date"  # the header first: one table
    data = rows[1:]
    assert len(data) == 1
    assert data[0][0] == today.isoformat()
    assert "Member of the Local Medical Committee" in data[0]

    # The breaches page shows only the anonymised summary.
    p = page.goto("/breaches")
    expect(p.locator("main")).to_contain_text(
        "A member voted on a decision about a practice in which they were a partner. The decision was re-taken."
    )
    expect(p.locator("main")).to_contain_text((today - timedelta(days=20)).strftime("%B %Y"))
    expect(p.locator("main")).not_to_contain_text("Gwen")
    expect(p.locator("main")).not_to_contain_text("item 5")
