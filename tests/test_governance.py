"""Timeliness, review, breaches, reminders by email and the retention purge."""

from datetime import date, datetime, timedelta, timezone

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlmodel import func, select

from coi.cli import cli
from coi.database import engine
from registry.db import session_scope
from registry.models import AuditEvent, Interest, InterestHistory, Membership, Committee
from registry.services import audit, interests, timeliness
from registry.services.accounts import create_person
from registry.services.returns import make_return
from tests.conftest import csrf_from
from coi.idempotency import new_key  # every signed-in form carries one


def _person(s, name, appointed_days_ago=400, email=True):
    p = create_person(
        s, email=f"{name.lower().replace(' ', '.')}@example.nhs.uk" if email else None, full_name=name, password=None
    )
    committee = s.exec(select(Committee)).first()
    if committee is None:
        committee = Committee(name="Primary Care Commissioning Committee")
        s.add(committee)
        s.flush()
    s.add(
        Membership(
            person_id=p.id, committee_id=committee.id, date_from=date.today() - timedelta(days=appointed_days_ago)
        )
    )
    return p


def test_timeliness_states(app):
    today = date.today()
    with app.app_context(), session_scope(engine()) as s:
        new = _person(s, "New Member", appointed_days_ago=10)
        never = _person(s, "Never Declared")
        current = _person(s, "Current Member")
        make_return(s, current.id, "annual", today - timedelta(days=100), actor_id=None)
        stale = _person(s, "Stale Member")
        make_return(s, stale.id, "annual", today - timedelta(days=400), actor_id=None)
        late = _person(s, "Late Declarer")
        make_return(s, late.id, "annual", today - timedelta(days=10), actor_id=None)
        interests.declare_interest(
            s,
            late.id,
            actor_id=None,
            interest_type="financial",
            description="Director",
            date_from=today - timedelta(days=60),
        )
        long_ago = _person(s, "Long Ago Late")
        make_return(s, long_ago.id, "annual", today - timedelta(days=10), actor_id=None)
        interests.declare_interest(
            s,
            long_ago.id,
            actor_id=None,
            interest_type="financial",
            description="Adviser",
            date_from=today - timedelta(days=500),
            declared_at=datetime.now(timezone.utc) - timedelta(days=400),
        )
        status = timeliness.statuses(s, today)
        grouped = timeliness.by_committee(s, today)
    assert status[new.id].state == timeliness.UP_TO_DATE  # still within 28 days of appointment
    assert status[never.id].state == timeliness.OVERDUE
    assert status[current.id].state == timeliness.UP_TO_DATE
    assert status[stale.id].state == timeliness.OVERDUE
    assert status[late.id].state == timeliness.LATE
    assert status[long_ago.id].state == timeliness.UP_TO_DATE  # late, but more than a year ago
    committee, rows = grouped[0]
    assert [r.state for r in rows][:2] == [timeliness.OVERDUE, timeliness.OVERDUE]  # worst first


def test_dashboard_lists_overdue_per_committee(app, signed_in):
    with app.app_context(), session_scope(engine()) as s:
        _person(s, "Never Declared")
    client, _ = signed_in("governance")
    page = client.get("/governance/").get_data(as_text=True)
    assert "Primary Care Commissioning Committee" in page and "Never Declared" in page and "Overdue" in page


def test_review_records_mitigation_and_withholds_with_a_reason(app, signed_in):
    with app.app_context(), session_scope(engine()) as s:
        p = _person(s, "Reviewed Member")
        interest = interests.declare_interest(
            s, p.id, actor_id=p.id, interest_type="indirect", description="Spouse is a partner", relationship="spouse"
        )
    client, lead_id = signed_in("governance")
    url = f"/governance/interests/{interest.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    refused = client.post(
        url,
        data={
            "idempotency_key": new_key(),
            "csrf_token": token,
            "mitigation": "Leaves the room",
            "publish": "no",
            "withheld_reason": "",
            "version": "1",
        },
    )
    assert "Enter the overriding privacy or legal reason" in refused.get_data(as_text=True)
    ok = client.post(
        url,
        data={
            "idempotency_key": new_key(),
            "csrf_token": token,
            "mitigation": "Leaves the room",
            "publish": "no",
            "withheld_reason": "Family safety",
            "version": "1",
        },
    )
    assert ok.status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        saved = s.get(Interest, interest.id)
        history = s.exec(
            select(InterestHistory).where(InterestHistory.interest_id == interest.id).order_by(InterestHistory.version)
        ).all()
    assert (saved.mitigation, saved.publish, saved.withheld_reason) == ("Leaves the room", False, "Family safety")
    assert history[-1].change == "reviewed" and history[-1].changed_by_id == lead_id


def test_breaches_register_and_public_summaries(app, signed_in, client):
    lead, _ = signed_in("governance")
    token = csrf_from(lead.get("/governance/breaches/new").get_data(as_text=True))
    when = date.today() - timedelta(days=3)
    response = lead.post(
        "/governance/breaches/new",
        data={
            "idempotency_key": new_key(),
            "csrf_token": token,
            "occurred_on[day]": when.day,
            "occurred_on[month]": when.month,
            "occurred_on[year]": when.year,
            "what_happened": "Dr X voted on item 5 despite a declared partnership",
            "action_taken": "Decision re-taken",
            "public_summary": "A member voted on a decision about a practice in which they were a partner. The decision was re-taken.",
            "status": "closed",
        },
    )
    assert response.status_code == 302
    public = app.test_client().get("/breaches").get_data(as_text=True)
    assert "The decision was re-taken" in public and "Dr X" not in public


def test_remind_is_a_dry_run_unless_sent(app, smtp_inbox):
    port, messages = smtp_inbox
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="governance@example.nhs.uk")
    with app.app_context(), session_scope(engine()) as s:
        _person(s, "Overdue Person")
        _person(s, "No Email Person", email=False)
        ok = _person(s, "Up To Date Person")
        make_return(s, ok.id, "nil", date.today(), actor_id=None)
    run = lambda *a: CliRunner().invoke(cli, list(a), obj=ScriptInfo(create_app=lambda: app))  # noqa: E731
    dry = run("remind")
    assert dry.exit_code == 0, dry.output
    assert (
        "Would email overdue.person@example.nhs.uk" in dry.output
        and "No email address for No Email Person" in dry.output
    )
    assert messages == []
    sent = run("remind", "--send")
    assert sent.exit_code == 0, sent.output
    assert [m.rcpt_tos for m in messages] == [["overdue.person@example.nhs.uk"]]
    body = messages[0].content.decode()
    assert "Your declaration of interests is overdue" in body and "/declarations/" in body


def test_remind_without_smtp_is_a_clear_error(app):
    with app.app_context(), session_scope(engine()) as s:
        _person(s, "Overdue Person")
    result = CliRunner().invoke(cli, ["remind", "--send"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 1 and "No SMTP server is configured" in result.output


def test_purge_removes_only_what_ended_six_years_ago(app):
    today = date.today()
    with app.app_context(), session_scope(engine()) as s:
        p = _person(s, "Long Serving")
        old = interests.declare_interest(
            s,
            p.id,
            actor_id=None,
            interest_type="financial",
            description="Old",
            date_from=date(2010, 1, 1),
            date_to=today - timedelta(days=6 * 366 + 2),
        )
        recent = interests.declare_interest(
            s,
            p.id,
            actor_id=None,
            interest_type="financial",
            description="Recent",
            date_from=date(2010, 1, 1),
            date_to=today - timedelta(days=5 * 365),
        )
        old_id, recent_id = old.id, recent.id
    run = lambda *a: CliRunner().invoke(cli, list(a), obj=ScriptInfo(create_app=lambda: app))  # noqa: E731
    dry = run("purge")
    assert f"interest {old_id}" in dry.output and f"interest {recent_id}" not in dry.output
    with app.app_context(), session_scope(engine()) as s:
        assert s.get(Interest, old_id) is not None
    applied = run("purge", "--apply")
    assert applied.exit_code == 0, applied.output
    with app.app_context(), session_scope(engine()) as s:
        assert s.get(Interest, old_id) is None and s.get(Interest, recent_id) is not None
        assert (
            s.exec(select(func.count()).select_from(InterestHistory).where(InterestHistory.interest_id == old_id)).one()
            == 0
        )
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "retention.purged")).one()
        assert event.detail["interests"] == [old_id]
        assert audit.verify_chain(s).intact
