"""Reminders from the dashboard and on a schedule (issue 14, item 7): a governance lead sends reminders with a
button on /governance/ and sets the annual declaration round's date; `coi remind --if-due`, run daily by cron or
a systemd timer, then emails everyone overdue once per round."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from playwright.sync_api import expect

from coi.cli import cli
from coi.database import engine
from registry.db import session_scope
from registry.models import Committee, Membership
from registry.services import reminders
from registry.services.accounts import create_person


def _overdue(s, name="Olive Overdue"):
    person = create_person(s, email=f"{name.split()[0].lower()}@example.nhs.uk", full_name=name, password=None)
    committee = Committee(name="Primary Care Commissioning Committee")
    s.add(committee)
    s.flush()
    s.add(Membership(person_id=person.id, committee_id=committee.id, date_from=date.today() - timedelta(days=400)))
    s.flush()
    return person


def _run(app, *args):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_round_dates_recur_each_year(app):
    with app.app_context(), session_scope(engine()) as s:
        assert reminders.round_due(s) is None and reminders.next_round(s) is None
        reminders.set_round_date(s, date(2025, 4, 1), actor_id=None)
        assert reminders.current_round(s, date(2025, 3, 31)) is None
        assert reminders.next_round(s, date(2025, 3, 31)) == date(2025, 4, 1)
        assert reminders.round_due(s, date(2025, 4, 1)) == date(2025, 4, 1)
        assert reminders.round_due(s, date(2026, 2, 1)) == date(2025, 4, 1)  # missed runs catch up
        reminders.mark_round_reminded(s, date(2025, 4, 1))
        assert reminders.round_due(s, date(2026, 3, 31)) is None
        assert reminders.next_round(s, date(2026, 3, 31)) == date(2026, 4, 1)
        assert reminders.round_due(s, date(2026, 4, 1)) == date(2026, 4, 1)
        reminders.set_round_date(s, date(2024, 2, 29), actor_id=None)
        assert reminders.current_round(s, date(2025, 3, 1)) == date(2025, 2, 28)


def test_remind_if_due_sends_once_per_round(app, smtp_inbox):
    port, messages = smtp_inbox
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="governance@example.nhs.uk")
    with app.app_context(), session_scope(engine()) as s:
        _overdue(s)
    not_set = _run(app, "remind", "--if-due")
    assert not_set.exit_code == 0 and "no annual declaration round is set" in not_set.output and messages == []

    with app.app_context(), session_scope(engine()) as s:
        reminders.set_round_date(s, date.today() + timedelta(days=10), actor_id=None)
    later = _run(app, "remind", "--if-due")
    upcoming = date.today() + timedelta(days=10)
    assert (
        later.exit_code == 0 and f"next annual declaration round is on {upcoming.day} {upcoming:%B %Y}" in later.output
    )
    assert messages == []

    with app.app_context(), session_scope(engine()) as s:
        reminders.set_round_date(s, date.today(), actor_id=None)
    due = _run(app, "remind", "--if-due")
    assert due.exit_code == 0, due.output
    assert "Sent 1 reminders for the annual declaration round" in due.output
    assert [m.rcpt_tos for m in messages] == [["olive@example.nhs.uk"]]
    again = _run(app, "remind", "--if-due")  # the next day's run, or a second run today: nothing more
    assert again.exit_code == 0 and "Not due" in again.output and len(messages) == 1


def test_remind_if_due_tries_again_when_the_mail_server_fails(app):
    with app.app_context(), session_scope(engine()) as s:
        _overdue(s)
        reminders.set_round_date(s, date.today() - timedelta(days=1), actor_id=None)
    failed = _run(app, "remind", "--if-due")
    assert failed.exit_code == 1 and "No SMTP server is configured" in failed.output
    with app.app_context(), session_scope(engine()) as s:
        assert reminders.round_due(s) == date.today() - timedelta(days=1)  # still due tomorrow


def test_the_readme_documents_the_schedule():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "coi remind --if-due" in readme and "OnCalendar=" in readme and "crontab" in readme


@pytest.mark.browser
def test_governance_lead_sends_reminders_and_sets_the_round(page, app, make_user, smtp_inbox):
    port, messages = smtp_inbox
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="governance@example.nhs.uk")
    with app.app_context(), session_scope(engine()) as s:
        _overdue(s)
    email, _, _ = make_user("governance")
    page.sign_in(email)
    p = page.goto("/governance/")
    expect(p.get_by_text("1 person has an overdue annual declaration.")).to_be_visible()
    expect(p.get_by_text("No annual declaration round is set")).to_be_visible()
    with p.expect_navigation():
        p.get_by_role("button", name="Email reminders now").click()
    page.check_accessibility()
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text("Reminders emailed to 1 people")
    assert [m.rcpt_tos for m in messages] == [["olive@example.nhs.uk"]]

    p.get_by_role("link", name="Set the date of the annual declaration round").click()
    p.wait_for_url("**/governance/annual-round")
    page.check_accessibility()
    next_april = date(date.today().year + 1, 4, 1)
    p.locator("#round_date-day").fill("1")
    p.locator("#round_date-month").fill("4")
    p.locator("#round_date-year").fill(str(next_april.year))
    with p.expect_navigation():
        p.get_by_role("button", name="Save the date").click()
    page.check_accessibility()
    expect(p.locator(".nhsuk-notification-banner")).to_contain_text(
        f"on 1 April {next_april.year}, and on that day each year"
    )
    expect(p.get_by_text(f"Reminders go out automatically on 1 April {next_april.year}")).to_be_visible()
