"""Minutes a committee can approve: DRAFT until the chair approves them, proposals never written as fact, A4,
attendance and quorum, and HTML, Word and CSV agreeing."""

import csv
import io
from datetime import date
from html import unescape

import pytest
from docx import Document
from docx.shared import Mm
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import AuditEvent, Meeting, MinutesApproval
from registry.services import meetings
from screening.documents import parse_agenda_text
from tests.conftest import csrf_from, sign_in
from tests.meeting_world import AGENDA, build


@pytest.fixture
def world(app, tmp_path):
    world = build(app, tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        meeting = s.get(Meeting, world["meeting"])
        meetings.add_items(s, meeting, parse_agenda_text(AGENDA), None)
        meetings.screen_meeting(s, meeting, None)
    return world


def _minutes(app, meeting_id):
    with app.app_context(), session_scope(engine()) as s:
        return meetings.minutes_of(s, s.get(Meeting, meeting_id))


def _decide_all(app, world):
    with app.app_context(), session_scope(engine()) as s:
        meeting = s.get(Meeting, world["meeting"])
        for c in meetings.conflicts(s, meeting):
            meetings.decide(
                s, meeting, c.item.id, c.person.id, action=c.action, reason="", actor_id=world["people"]["chair"]
            )


def _held_today(app, meeting_id):
    with app.app_context(), session_scope(engine()) as s:
        s.get(Meeting, meeting_id).meeting_date = date.today()


def test_undecided_flags_are_proposals_not_facts(app, world):
    minutes = _minutes(app, world["meeting"])
    assert minutes.is_draft and minutes.awaiting_decisions == 4
    assert all(
        line.managed.startswith("Proposed by the screen") and "Awaiting the chair" in line.managed
        for line in minutes.lines
    )
    _decide_all(app, world)
    minutes = _minutes(app, world["meeting"])
    assert minutes.awaiting_decisions == 0
    assert all(line.decided_by == "Committee Chair" and line.managed.startswith("To ") for line in minutes.lines)


def test_approval_is_refused_before_the_meeting_and_with_flags_undecided(app, world):
    with app.app_context(), session_scope(engine()) as s:
        meeting = s.get(Meeting, world["meeting"])
        with pytest.raises(meetings.MeetingError, match="after the meeting"):
            meetings.approve_minutes(s, meeting, world["people"]["chair"])
    _held_today(app, world["meeting"])
    with app.app_context(), session_scope(engine()) as s:
        with pytest.raises(meetings.MeetingError, match="still awaiting a decision"):
            meetings.approve_minutes(s, s.get(Meeting, world["meeting"]), world["people"]["chair"])


def test_the_chair_approves_and_a_later_change_makes_a_new_draft(app, world, client):
    _decide_all(app, world)
    _held_today(app, world["meeting"])
    sign_in(client, "chair@example.nhs.uk")
    m = world["meeting"]
    page = client.get(f"/meetings/{m}/minutes").get_data(as_text=True)
    assert "DRAFT: not yet approved by the chair" in page
    response = client.post(
        f"/meetings/{m}/minutes/approve", data={"csrf_token": csrf_from(page), "idempotency_key": "m" * 32}
    )
    assert response.status_code == 302
    page = client.get(f"/meetings/{m}/minutes").get_data(as_text=True)
    assert "Approved (version 1) by Committee Chair" in page and "Approve these minutes" not in page
    doc = Document(io.BytesIO(client.get(f"/meetings/{m}/minutes?format=docx").get_data()))
    assert not doc.paragraphs[0].text.startswith("DRAFT")
    with app.app_context(), session_scope(engine()) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "meeting.minutes-approved")).first()
        meeting = s.get(Meeting, m)
        first = next(c for c in meetings.conflicts(s, meeting))
        meetings.decide(
            s,
            meeting,
            first.item.id,
            first.person.id,
            action="declare",
            reason="Reconsidered",
            actor_id=world["people"]["chair"],
        )
    minutes = _minutes(app, m)
    assert minutes.is_draft and minutes.status.startswith("DRAFT version 2")
    with app.app_context(), session_scope(engine()) as s:
        assert len(s.exec(select(MinutesApproval)).all()) == 1  # the approved version is kept


def test_word_is_a4_with_a_draft_mark_and_html_word_and_csv_agree(app, world, client):
    sign_in(client, "chair@example.nhs.uk")
    m = world["meeting"]
    doc = Document(io.BytesIO(client.get(f"/meetings/{m}/minutes?format=docx").get_data()))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert doc.paragraphs[0].text.startswith("DRAFT") and section.header.paragraphs[0].text == "DRAFT"
    rows = list(csv.reader(io.StringIO(client.get(f"/meetings/{m}/minutes?format=csv").get_data().decode("utf-8-sig"))))
    word_rows = [[c.text for c in row.cells] for row in doc.tables[0].rows][1:]
    html = unescape(client.get(f"/meetings/{m}/minutes").get_data(as_text=True))
    assert len(rows) - 1 == len(word_rows) == 4
    for csv_row, word_row in zip(rows[1:], word_rows):
        assert word_row[1] == csv_row[2] and word_row[3] == csv_row[4]
        assert csv_row[2] in html and csv_row[4] in html
    quorum_rows = [[c.text for c in row.cells] for row in doc.tables[1].rows][1:]
    assert any("Not needed" in row[1] for row in quorum_rows) and any(
        "Quorate" in row[1] or "Inquorate" in row[1] for row in quorum_rows
    )
    assert "Expected:" in html and "Apologies:" in html
