"""An ICB's first day, in a real browser from an empty database: the only command is `coi create-user`.

The governance lead sets up the organisation, the directory and a committee; invites three people (the
invitations read from a real SMTP server); two declare practice interests with the type-ahead; the chair adds a
meeting, uploads a Word agenda, screens it and decides a flag; the vice-chair decides the chair's own flag;
attendance changes the quorum forecast; the minutes are downloaded and read; a chair of another committee is
refused every page and post of this one. axe-core checks every page visited.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from email import message_from_bytes

import pyotp
import pytest
from click.testing import CliRunner
from docx import Document
from flask.cli import ScriptInfo

from coi.cli import cli
from tests.test_directory_import import _epraccur_row, write_epraccur, write_pcn_map

pytestmark = pytest.mark.browser

LEAD_EMAIL, LEAD_PASSWORD = "lead@icb.example.nhs.uk", "first day at the ICB, 2026"
PRACTICES = [
    ("H83012", "ST JAMES MEDICAL CENTRE", "ST.JAMES'S MEDICAL CENTRE", "CROYDON", "CR0 2BZ"),
    ("H83009", "NORBURY MEDICAL PRACTICE", "NORBURY HEALTH CENTRE", "NORBURY", "SW16 4NL"),
    ("H84010", "CANBURY MEDICAL CENTRE", "CANBURY MEDICAL CENTRE", "KINGSTON-UPON-THAMES", "KT2 6HR"),
]
PEOPLE = [  # name, position, email, their password
    ("Dr Amara Chair", "GP member, Croydon", "amara@icb.example.nhs.uk", "amara's own long password"),
    ("Dr Ben Vice", "GP member, Kingston", "ben@icb.example.nhs.uk", "ben's own long password!"),
    ("Cara Director", "Director of Primary Care, NHS England", "cara@icb.example.nhs.uk", "cara's own long password"),
]


def _directory_files(tmp_path):
    epraccur, pcn_map = tmp_path / "epraccur.csv", tmp_path / "pcn_map.csv"
    write_epraccur(epraccur, [_epraccur_row(c, n, b, t, p, "36L") for c, n, b, t, p in PRACTICES])
    write_pcn_map(
        pcn_map,
        [
            ("H83012", "U85744", "PRIMARY CARE NORTH CROYDON PCN"),
            ("H83009", "U85744", "PRIMARY CARE NORTH CROYDON PCN"),
            ("H84010", "U37262", "CANBURY CHURCHILL ORCHARD BERRYLANDS PCN"),
        ],
    )
    return epraccur, pcn_map


def _link_in(messages, to: str) -> str:
    for envelope in reversed(messages):
        if to in envelope.rcpt_tos:
            body = message_from_bytes(envelope.content).get_payload(decode=True).decode()
            return re.search(r"https?://\S+/account/set-password/\S+", body).group(0)
    raise AssertionError(f"no email to {to}")


def _sign_out(p):
    p.get_by_role("button", name="Sign out").click()
    p.wait_for_url("**/sign-in")


def _sign_out_of(p):
    """Sign out if signed in (the page ends with a request made by another committee's chair)."""
    p.goto(p.url.split("/", 3)[0] + "//" + p.url.split("/", 3)[2] + "/")
    if p.get_by_role("button", name="Sign out").count():
        _sign_out(p)


def _fill_date(p, legend: str, day: date):
    group = p.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_an_icb_runs_a_committee_from_an_empty_database(app, tmp_path, page, live_server, smtp_inbox):
    port, inbox = smtp_inbox
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="governance@icb.example.nhs.uk")

    # Day one: one command.
    result = CliRunner().invoke(
        cli,
        ["create-user", LEAD_EMAIL, "--name", "Grace Lead", "--role", "governance", "--password", LEAD_PASSWORD],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output

    p = page.sign_in(LEAD_EMAIL, LEAD_PASSWORD)
    p.get_by_role("link", name="Committees and people").first.click()
    page.check_accessibility()

    # The directory, so that people can name practices.
    epraccur, pcn_map = _directory_files(tmp_path)
    p.get_by_role("link", name="GP practice directory").click()
    page.check_accessibility()
    p.locator("input[type=file][name=epraccur]").set_input_files(str(epraccur))
    p.locator("input[type=file][name=pcn_map]").set_input_files(str(pcn_map))
    p.get_by_role("button", name="Load the directory").click()
    page.check_accessibility()
    assert "Directory loaded" in p.content()

    # The organisation's name (in the header) and area.
    page.goto("/governance/organisation")
    p.get_by_label("Organisation name").fill("NHS Example Integrated Care Board")
    p.get_by_role("checkbox").first.check()
    p.get_by_role("button", name="Save").click()
    page.check_accessibility()
    assert "NHS Example Integrated Care Board" in p.locator("header").inner_text()

    # A committee with two voting organisations and a quorum rule checked as it is typed.
    p.get_by_role("button", name="Add a committee").click()
    page.check_accessibility()
    p.get_by_label("Committee name").fill("Primary Care Commissioning Committee")
    p.get_by_label("Primary care commissioning committee").check()
    p.get_by_role("button", name="Add committee").click()
    page.check_accessibility()
    committee_url = p.url
    for name, group in (("NHS Example ICB", "ICB"), ("NHS England", "NHSE")):
        p.get_by_role("link", name="Add a voting organisation").click()
        page.check_accessibility()
        p.get_by_label("Or type the organisation's name").fill(name)
        p.get_by_label("Voting group").fill(group)
        p.get_by_role("button", name="Add organisation").click()
        page.check_accessibility()
    p.get_by_role("button", name="Edit name, area and quorum rule").click()
    page.check_accessibility()
    p.get_by_label("Quorum rule").fill("NHS England and Kent ICB")
    p.locator("#quorum-rule-reading", has_text="Not understood").wait_for()
    p.get_by_role("button", name="Save").click()
    page.check_accessibility()
    assert "Kent ICB" in p.locator(".nhsuk-error-summary").inner_text()  # an unknown organisation: refused
    p.get_by_label("Quorum rule").fill("NHS England and NHS Example ICB")
    p.locator("#quorum-rule-reading", has_text="Reads as").wait_for()
    p.get_by_role("button", name="Save").click()
    page.check_accessibility()
    assert p.url == committee_url and "NHS England and NHS Example ICB" in p.content()

    # Three people, each invited by email; each sets a password from the link.
    for name, position, email, _ in PEOPLE:
        page.goto("/governance/people/new")
        p.get_by_label("Full name").fill(name)
        p.get_by_label("Position").fill(position)
        p.get_by_label("Email address").fill(email)
        p.get_by_role("button", name="Add person").click()
        page.check_accessibility()
        p.get_by_role("button", name="Send an invitation").click()
        page.check_accessibility()
    # A duplicate email is refused beside its field and adds nobody.
    page.goto("/governance/people/new")
    p.get_by_label("Full name").fill("Someone Else")
    p.get_by_label("Email address").fill(PEOPLE[0][2].upper())
    p.get_by_role("button", name="Add person").click()
    page.check_accessibility()
    assert "already the email address of Dr Amara Chair" in p.locator("#email-error").inner_text()

    # Memberships: the chair and vice-chair vote for the ICB, the director for NHS England.
    for (name, *_), role, organisation in zip(
        PEOPLE, ("Chair", "Vice-chair", "Member"), ("NHS Example ICB", "NHS Example ICB", "NHS England")
    ):
        p.goto(committee_url)
        p.get_by_role("link", name="Add a member").click()
        page.check_accessibility()
        p.get_by_label("Person").select_option(label=f"{name}, " + next(x[1] for x in PEOPLE if x[0] == name))
        p.get_by_label(role, exact=True).check()
        p.get_by_label("Organisation they represent").select_option(label=organisation)
        p.get_by_label("Yes, they vote for their organisation").check()
        p.get_by_role("button", name="Add member").click()
        page.check_accessibility()
    # A membership ending before it starts is refused.
    p.get_by_role("link", name="Add a member").click()
    p.get_by_label("Person").select_option(label="Grace Lead")
    p.get_by_label("Attendee (no vote)").check()
    p.get_by_label("No, they attend without a vote").check()
    _fill_date(p, "Member from", date(2026, 5, 1))
    _fill_date(p, "Member until", date(2026, 4, 1))
    p.get_by_role("button", name="Add member").click()
    page.check_accessibility()
    assert "must be the same as or after" in p.locator(".nhsuk-error-summary").inner_text()
    _sign_out(p)

    for name, _, email, password in PEOPLE:
        page.goto("/account/" + _link_in(inbox, email).split("/account/", 1)[1])
        p.get_by_label("New password", exact=True).fill(password)
        p.get_by_label("Confirm new password").fill(password)
        p.get_by_role("button", name="Set password").click()
        page.check_accessibility()
    # The link is single use.
    page.goto("/account/" + _link_in(inbox, PEOPLE[2][2]).split("/account/", 1)[1])
    assert "no longer" in p.content() or "already been used" in p.content()

    # Two members declare practice interests, naming the practice with the type-ahead.
    for (name, _, email, password), practice, typed in (
        (PEOPLE[0], "ST JAMES MEDICAL CENTRE", "st james"),
        (PEOPLE[1], "CANBURY MEDICAL CENTRE", "canbury"),
    ):
        page.sign_in(email, password)
        page.goto("/declarations/interests/new")
        p.get_by_label("Financial", exact=True).check()
        p.get_by_label("Organisation").press_sequentially(typed, delay=30)
        option = p.locator(".autocomplete__option", has_text=re.compile(practice, re.IGNORECASE)).first
        option.wait_for()
        page.check_accessibility()  # with the suggestions open
        option.click()  # choosing the suggestion
        p.get_by_label("Role or nature of the interest").select_option("partner")
        p.get_by_label("Description").fill(f"Partner at {practice.title()}")
        _fill_date(p, "Date the interest started", date(2019, 4, 1))
        p.get_by_role("button", name="Declare interest").click()
        page.check_accessibility()
        assert "Partner at" in p.content()
        _sign_out(p)

    # The chair adds a meeting (the committee list offers the committee), uploads a Word agenda, screens it.
    chair_email, chair_password = PEOPLE[0][2], PEOPLE[0][3]
    page.sign_in(chair_email, chair_password)
    page.goto("/meetings/new")
    options = p.locator("#committee_id option").all_inner_texts()
    assert options == ["Primary Care Commissioning Committee"]
    p.get_by_label("Committee").select_option(label="Primary Care Commissioning Committee")
    p.get_by_label("Title").fill("Primary Care Commissioning Committee (part 1)")
    _fill_date(p, "Date of the meeting", date.today() + timedelta(days=14))
    p.get_by_role("button", name="Add meeting").click()
    page.check_accessibility()
    meeting_path = "/" + p.url.split("/", 3)[3].rsplit("/agenda", 1)[0]
    doc = Document()
    doc.add_heading("Primary Care Commissioning Committee: agenda", level=1)
    for line in (
        "1 Apologies",
        "2.1 St James Medical Centre (H83012): APMS contract extension",
        "2.2 Canbury Medical Centre: premises improvement grant",
        "3 Finance report (for information)",
    ):
        doc.add_paragraph(line)
    agenda = tmp_path / "agenda.docx"
    doc.save(agenda)
    p.locator("input[type=file][name=document]").set_input_files(str(agenda))
    p.get_by_role("button", name="Add items").click()
    page.check_accessibility()
    p.get_by_role("button", name="Screen the agenda").click()
    page.check_accessibility()
    assert p.get_by_role("link", name="Dr Amara Chair, item 2.1").count() == 1
    assert p.get_by_role("link", name="Dr Ben Vice, item 2.2").count() == 1

    # The chair decides the vice-chair's flag, and cannot decide their own.
    p.get_by_role("link", name="Dr Ben Vice, item 2.2").click()
    page.check_accessibility()
    p.get_by_label("Leave the meeting for the item").check()
    p.get_by_role("button", name="Record decision").click()
    page.check_accessibility()
    page.goto(meeting_path + "/screen")
    p.get_by_role("link", name="Dr Amara Chair, item 2.1").click()
    page.check_accessibility()
    assert "you cannot decide a conflict about yourself" in p.content()
    assert p.get_by_role("button", name="Record decision").count() == 0
    refused = p.request.post(
        p.url,
        form={
            "csrf_token": p.locator("input[name=csrf_token]").first.get_attribute("value"),
            "idempotency_key": secrets.token_hex(16),
            "action": "none",
            "reason": "Not a conflict",
        },
    )
    assert "cannot decide a conflict about yourself" in refused.text()  # the rule holds for a post too

    # Attendance: an apology from NHS England's only member makes every decision item inquorate.
    page.goto(meeting_path)
    assert "Inquorate" not in p.locator("table").first.inner_text()
    p.get_by_role("link", name=re.compile("Record apologies and deputies")).click()
    page.check_accessibility()
    p.get_by_role("link", name="Change attendance of Cara Director").click()
    page.check_accessibility()
    p.get_by_label("Apologies", exact=True).check()
    p.get_by_role("button", name="Save").click()
    page.check_accessibility()
    assert "Cara Director (NHS England) has sent apologies" in p.content()
    page.goto(meeting_path)
    agenda_table = p.locator("table").first.inner_text()
    assert "Inquorate" in agenda_table and "NHS England loses its vote" in agenda_table
    _sign_out(p)

    # The vice-chair decides the chair's own flag; the minutes say who decided.
    page.sign_in(PEOPLE[1][2], PEOPLE[1][3])
    page.goto(meeting_path + "/screen")
    p.get_by_role("link", name="Dr Amara Chair, item 2.1").click()
    page.check_accessibility()
    p.get_by_label("Leave the meeting for the item").check()
    p.get_by_role("button", name="Record decision").click()
    page.check_accessibility()
    page.goto(meeting_path + "/minutes")
    with p.expect_download() as download:
        p.get_by_role("link", name="Word", exact=True).click()
    minutes = Document(download.value.path())
    text = "\n".join(
        [para.text for para in minutes.paragraphs]
        + [cell.text for table in minutes.tables for row in table.rows for cell in row.cells]
    )
    assert "Dr Amara Chair" in text and "Dr Ben Vice" in text  # who decided the chair's flag
    assert "Apologies" in text and "Cara Director" in text
    _sign_out(p)

    # A chair of another committee is refused every page and post of this one.
    page.sign_in(LEAD_EMAIL, LEAD_PASSWORD)
    page.goto("/governance/committees/new")
    p.get_by_label("Committee name").fill("Audit Committee")
    p.get_by_label("Audit committee").check()
    p.get_by_role("button", name="Add committee").click()
    p.get_by_role("link", name="Add a member").click()
    p.get_by_label("Person").select_option(label="Cara Director, Director of Primary Care, NHS England")
    p.get_by_label("Chair", exact=True).check()
    p.get_by_label("No, they attend without a vote").check()
    p.get_by_role("button", name="Add member").click()
    page.check_accessibility()
    _sign_out(p)
    page.sign_in(PEOPLE[2][2], PEOPLE[2][3])
    page.goto("/meetings/")
    assert "Primary Care Commissioning Committee (part 1)" not in p.content()
    page.goto("/meetings/new")
    assert p.locator("#committee_id option").all_inner_texts() == ["Audit Committee"]
    token = p.locator("input[name=csrf_token]").first.get_attribute("value")
    for path in (
        "",
        "/agenda",
        "/screen",
        "/attendance",
        "/minutes",
        "/outcomes",
        "/conflicts/new",
        "/procurement.csv",
    ):
        assert p.request.get(meeting_path + path).status == 404, path
    for path in ("/screen", "/notices", "/agenda", "/outcomes", "/conflicts/new", "/attendance/confirm"):
        form = {"csrf_token": token, "idempotency_key": secrets.token_hex(16)}
        assert p.request.post(meeting_path + path, form=form).status == 404, path
    _sign_out_of(p)

    # NHS staff sign in with NHSmail: the ICB turns on single sign-on (a real OpenID provider on loopback), the
    # lead adds a person by their NHSmail address, and that person signs in through the provider, no password.
    from coi import sso
    from tests.conftest import skip_or_fail
    from tests.oidc import loopback

    problem = loopback.missing_prerequisite()
    if problem:
        skip_or_fail(problem)
    provider = loopback.start([live_server.url + "/sign-in/sso/callback"])
    try:
        app.config.update(
            OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=loopback.CLIENT_ID, OIDC_CLIENT_SECRET=loopback.CLIENT_SECRET
        )
        sso.init_app(app)
        page.sign_in(LEAD_EMAIL, LEAD_PASSWORD)
        page.goto("/governance/people/new")
        p.get_by_label("Full name").fill("Dr Sam Nhsmail")
        p.get_by_label("Email address").fill(loopback.ACCOUNTS["member"]["email"])
        p.get_by_role("button", name="Add person").click()
        page.check_accessibility()
        _sign_out(p)
        page.goto("/sign-in")
        p.get_by_role("button", name="Sign in with NHSmail / Microsoft").click()
        p.locator("input[name=login]").fill("member")  # the provider's own screens: not ours, not checked
        p.locator("input[name=password]").fill("anything")
        p.get_by_role("button", name="Sign-in").click()
        p.get_by_role("button", name="Continue").click()
        p.wait_for_url(live_server.url + "/")
        page.check_accessibility()
        assert "Dr Sam Nhsmail" in p.content()
        _sign_out(p)
    finally:
        provider.stop()

    # Chairs sign in with a password and a code from an authenticator app once the second factor is on.
    app.config["MFA_REQUIRED"] = True
    page.goto("/sign-in")
    p.get_by_label("Email address").fill(PEOPLE[0][2])
    p.get_by_label("Password", exact=True).fill(PEOPLE[0][3])
    p.get_by_role("button", name="Sign in", exact=True).click()
    p.wait_for_url(live_server.url + "/sign-in/set-up-code")
    page.check_accessibility()
    totp = pyotp.TOTP(p.locator("#secret").inner_text().replace(" ", ""))
    p.get_by_label("Security code").fill(totp.now())
    p.get_by_role("button", name="Continue").click()
    p.wait_for_selector("#recovery-codes")
    page.check_accessibility()
    p.get_by_role("button", name="I have kept my recovery codes: continue").click()
    p.wait_for_url(live_server.url + "/")
    page.check_accessibility()
    assert "Dr Amara Chair" in p.content()
