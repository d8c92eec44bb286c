"""Running an ICB through the pages: committees, voting organisations, members, people, attendance; bad input
changes nothing; every select list offers its choices; roles are scoped to committees."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import AuditEvent, Committee, Membership, Person, Setting
from registry.services import committees as committee_service
from registry.services import meetings
from tests.conftest import PASSWORD, csrf_from, sign_in
from tests.meeting_world import AGENDA, build
from coi.idempotency import new_key  # every signed-in form carries one

HOSTILE = "<script>alert(1)</script>=cmd|' /C calc'!A0"


def _post(client, path, data, page=None):
    token = csrf_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"idempotency_key": new_key(), "csrf_token": token, **data})


def _count(app, model) -> int:
    with app.app_context(), session_scope(engine()) as s:
        return len(s.exec(select(model)).all())


def test_every_select_list_offers_its_choices(app, tmp_path, client):
    """On today's main, 'Add a meeting' and 'Add a conflict' rendered one empty <option>."""
    world = build(app, tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import Meeting
        from screening.documents import parse_agenda_text

        meetings.add_items(s, s.get(Meeting, world["meeting"]), parse_agenda_text(AGENDA), None)
    sign_in(client, "chair@example.nhs.uk")
    pages = ["/meetings/new", f"/meetings/{world['meeting']}/conflicts/new"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        selects = re.findall(r"<select.*?</select>", html, flags=re.S)
        assert selects, path
        for select_html in selects:
            options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_html)
            assert options and all(value and label.strip() for value, label in options), (path, select_html)
    assert "Joint Committee" in client.get("/meetings/new").get_data(as_text=True)


def test_a_chair_adds_a_meeting_for_their_committee_only(app, tmp_path, client, make_user):
    world = build(app, tmp_path)
    sign_in(client, "chair@example.nhs.uk")
    response = _post(
        client,
        "/meetings/new",
        {
            "committee_id": str(world["committee"]),
            "title": "Extra meeting",
            "meeting_date[day]": "1",
            "meeting_date[month]": "3",
            "meeting_date[year]": str(date.today().year + 1),
            "idempotency_key": "k" * 32,
        },
    )
    assert response.status_code == 302
    other_email, _, _ = make_user("chair")  # chairs a committee of their own
    client.post(
        "/sign-out",
        data={"idempotency_key": new_key(), "csrf_token": csrf_from(client.get("/").get_data(as_text=True))},
    )
    sign_in(client, other_email)
    response = _post(
        client,
        "/meetings/new",
        {
            "committee_id": str(world["committee"]),
            "title": "Sneaky",
            "meeting_date[day]": "1",
            "meeting_date[month]": "3",
            "meeting_date[year]": str(date.today().year + 1),
        },
    )
    assert (
        response.status_code == 200
        and "Not a valid choice" in response.get_data(as_text=True)
        or "Choose" in response.get_data(as_text=True)
    )
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import Meeting

        assert not s.exec(select(Meeting).where(Meeting.title == "Sneaky")).first()


def test_nobody_decides_a_conflict_about_themselves(app, tmp_path, client):
    world = build(app, tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        meeting = s.get(__import__("registry.models", fromlist=["Meeting"]).Meeting, world["meeting"])
        meetings.add_items(
            s, meeting, __import__("screening.documents", fromlist=["x"]).parse_agenda_text(AGENDA), None
        )
        membership = s.exec(select(Membership).where(Membership.person_id == world["people"]["croydon_gp"])).one()
        membership.committee_role = "vice-chair"  # the Croydon GP is vice-chair, and flagged on item 2.1
        s.add(membership)
    sign_in(client, "croydon_gp@example.nhs.uk")
    _post(client, f"/meetings/{world['meeting']}/screen", {}, page=f"/meetings/{world['meeting']}")
    with app.app_context(), session_scope(engine()) as s:
        flag = next(
            c
            for c in meetings.conflicts(
                s, s.get(__import__("registry.models", fromlist=["Meeting"]).Meeting, world["meeting"])
            )
            if c.person.id == world["people"]["croydon_gp"]
        )
        item_id = flag.item.id
    path = f"/meetings/{world['meeting']}/conflicts/{item_id}/{world['people']['croydon_gp']}"
    page = client.get(path).get_data(as_text=True)
    assert "cannot decide a conflict about yourself" in page
    response = _post(client, path, {"action": "none", "reason": "Not really"}, page=f"/meetings/{world['meeting']}")
    assert "cannot decide a conflict about yourself" in response.get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import ChairDecision

        assert not s.exec(select(ChairDecision)).all()


def test_committee_set_up_refuses_bad_input_and_changes_nothing(app, signed_in):
    client, lead_id = signed_in("governance")
    response = _post(
        client, "/governance/committees/new", {"name": "PCCC", "kind": "board", "idempotency_key": "a" * 32}
    )
    assert response.status_code == 302
    committee_id = int(response.headers["Location"].rsplit("/", 1)[1])
    _post(
        client,
        f"/governance/committees/{committee_id}/voting-organisations/new",
        {"name": "NHS England", "voting_group": "NHSE", "organisation_id": "", "idempotency_key": "b" * 32},
    )
    # an unknown organisation in the quorum rule: an error in the summary, the rule unchanged
    response = _post(
        client,
        f"/governance/committees/{committee_id}/edit",
        {"name": "PCCC", "kind": "board", "quorum_rule": "NHS England and Kent ICB", "version": "1"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "nhsuk-error-summary" in html and "Kent ICB" in html
    assert _committee(app, committee_id).quorum_rule == ""
    # the rule read back in plain words as typed
    answer = client.get(f"/governance/committees/{committee_id}/quorum-rule?rule=NHS+England").get_json()
    assert answer["ok"] and "NHS England" in answer["message"]
    # a stale version is refused
    _post(
        client,
        f"/governance/committees/{committee_id}/edit",
        {"name": "PCCC", "kind": "board", "quorum_rule": "NHS England", "version": "1"},
    )
    stale = _post(
        client,
        f"/governance/committees/{committee_id}/edit",
        {"name": "Renamed", "kind": "board", "quorum_rule": "NHS England", "version": "1"},
    )
    assert "Someone else changed this" in stale.get_data(as_text=True)
    assert _committee(app, committee_id).name == "PCCC"
    # a duplicate committee name
    again = _post(client, "/governance/committees/new", {"name": "PCCC", "kind": "board"})
    assert "already a committee called PCCC" in again.get_data(as_text=True)


def _committee(app, committee_id) -> Committee:
    with app.app_context(), session_scope(engine()) as s:
        committee = s.get(Committee, committee_id)
        s.expunge(committee)
        return committee


def test_people_and_memberships_refuse_bad_input(app, signed_in):
    client, _ = signed_in("governance")
    added = _post(
        client,
        "/governance/people/new",
        {
            "full_name": HOSTILE,
            "position": HOSTILE,
            "email": "new.person@example.nhs.uk",
            "decision_maker": "yes",
            "idempotency_key": "c" * 32,
        },
    )
    person_id = int(added.headers["Location"].rsplit("/", 1)[1])
    html = client.get(f"/governance/people/{person_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    people_before = _count(app, Person)
    duplicate = _post(
        client,
        "/governance/people/new",
        {"full_name": "Other", "email": "NEW.person@example.nhs.uk", "decision_maker": "yes"},
    )
    assert "is already the email address of" in duplicate.get_data(as_text=True)
    assert _count(app, Person) == people_before
    committee = _post(client, "/governance/committees/new", {"name": "Audit", "kind": "audit committee"})
    committee_id = int(committee.headers["Location"].rsplit("/", 1)[1])
    bad = _post(
        client,
        f"/governance/committees/{committee_id}/members/new",
        {
            "person_id": str(person_id),
            "committee_role": "attendee",
            "organisation_id": "",
            "voting": "no",
            "date_from[day]": "1",
            "date_from[month]": "5",
            "date_from[year]": "2026",
            "date_to[day]": "1",
            "date_to[month]": "4",
            "date_to[year]": "2026",
        },
    )
    assert "must be the same as or after" in bad.get_data(as_text=True)
    assert _count(app, Membership) == 0
    voting_without_organisation = _post(
        client,
        f"/governance/committees/{committee_id}/members/new",
        {"person_id": str(person_id), "committee_role": "member", "organisation_id": "", "voting": "yes"},
    )
    assert "voting member represents one of the committee" in voting_without_organisation.get_data(as_text=True)
    # marked not a decision-maker: kept, not published
    response = _post(
        client,
        f"/governance/people/{person_id}/edit",
        {
            "full_name": "Plain Name",
            "position": "",
            "email": "new.person@example.nhs.uk",
            "decision_maker": "no",
            "version": "1",
        },
    )
    assert response.status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        assert s.get(Person, person_id).decision_maker is False
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "person.updated")).first()


def test_organisation_name_is_shown_in_the_header(app, signed_in):
    client, _ = signed_in("governance")
    assert "NHS Example ICB" not in client.get("/").get_data(as_text=True)
    _post(client, "/governance/organisation", {"name": "NHS Example ICB"})
    assert "NHS Example ICB" in client.get("/").get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        assert s.get(Setting, "organisation_name").value == "NHS Example ICB"


def test_apologies_change_the_quorum_forecast_and_a_deputy_restores_it(app, tmp_path):
    world = build(app, tmp_path, quorum_rule="NHSE and majority of CCG")
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import Meeting
        from registry.services.meetings import attendance
        from registry.services.accounts import create_person
        from screening.documents import parse_agenda_text

        meeting = s.get(Meeting, world["meeting"])
        meetings.add_items(s, meeting, parse_agenda_text("1 Finance: approve the budget"), None)
        assert not meetings.quorum(s, meeting).inquorate()
        attendance.record_expected(
            s, meeting, world["people"]["nhse"], status="apologies", deputy_id=None, actor_id=None
        )
        forecast = meetings.quorum(s, meeting)
        assert forecast.inquorate() and "NHSE Director (NHS England) has sent apologies" in forecast.absent[0]
        assert "NHS England loses its vote" in next(iter(forecast.lost_votes.values()))[0]
        nhse_membership = s.exec(select(Membership).where(Membership.person_id == world["people"]["nhse"])).one()
        deputy = create_person(s, email="deputy@example.nhs.uk", full_name="NHSE Deputy", password=PASSWORD)
        committee_service.add_deputy(s, nhse_membership, deputy.id, None)
        attendance.record_expected(
            s, meeting, world["people"]["nhse"], status="deputy", deputy_id=deputy.id, actor_id=None
        )
        assert not meetings.quorum(s, meeting).inquorate()
        assert deputy.id in {p.id for p in meetings.people_screened(s, meeting)}  # the deputy is screened too
        try:
            attendance.confirm_attendance(s, meeting, {world["people"]["nhse"]: True}, None)
        except attendance.AttendanceError as error:
            assert "on or after the day of the meeting" in str(error)
        else:
            raise AssertionError("attendance confirmed before the meeting")


def test_outcomes_cannot_be_recorded_before_the_meeting(app, tmp_path):
    world = build(app, tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import Meeting
        from screening.documents import parse_agenda_text

        meeting = s.get(Meeting, world["meeting"])
        item = meetings.add_items(s, meeting, parse_agenda_text(AGENDA), None)[1]
        meetings.screen_meeting(s, meeting)
        try:
            meetings.record_outcome(
                s,
                meeting,
                item.id,
                world["people"]["croydon_gp"],
                declared=False,
                what_happened="took part",
                actor_id=None,
            )
        except meetings.MeetingError as error:
            assert "on or after the day of the meeting" in str(error)
        else:
            raise AssertionError("an outcome was recorded before the meeting")


def test_an_area_wide_item_naming_no_area_means_the_committee_area(app, tmp_path):
    world = build(app, tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import Meeting
        from screening.documents import parse_agenda_text

        committee = s.get(Committee, world["committee"])
        committee.area_codes = "36L"
        s.add(committee)
        meeting = s.get(Meeting, world["meeting"])
        meetings.add_items(s, meeting, parse_agenda_text("1 Local Incentive Scheme 2027/28 for all practices"), None)
        meetings.screen_meeting(s, meeting)
        flagged = {c.person.id for c in meetings.conflicts(s, meeting)}
        assert world["people"]["croydon_gp"] in flagged and world["people"]["kingston_gp"] in flagged


def test_ending_an_interest_rescreens_upcoming_meetings(app, tmp_path, client):
    world = build(app, tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import Interest, Meeting
        from screening.documents import parse_agenda_text

        meeting = s.get(Meeting, world["meeting"])
        meetings.add_items(s, meeting, parse_agenda_text(AGENDA), None)
        meetings.screen_meeting(s, meeting)
        interest = s.exec(select(Interest).where(Interest.person_id == world["people"]["croydon_gp"])).one()
        interest_id, version = interest.id, interest.version
    sign_in(client, "croydon_gp@example.nhs.uk")
    yesterday = date.today() - timedelta(days=1)
    response = _post(
        client,
        f"/declarations/interests/{interest_id}/end",
        {
            "date_to[day]": str(yesterday.day),
            "date_to[month]": str(yesterday.month),
            "date_to[year]": str(yesterday.year),
            "version": str(version),
            "idempotency_key": "e" * 32,
        },
    )
    assert response.status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import Meeting

        meeting = s.get(Meeting, world["meeting"])
        assert world["people"]["croydon_gp"] not in {c.person.id for c in meetings.conflicts(s, meeting)}


def test_the_demo_committee_can_be_edited_through_the_pages(app, client):
    from registry.demo import load_demo

    with app.app_context(), session_scope(engine()) as s:
        sign_ins = load_demo(s)
    lead = next(email for email, _, roles in sign_ins if "governance" in roles)
    password = next(pw for email, pw, _ in sign_ins if email == lead)
    sign_in(client, lead, password)
    committees = client.get("/governance/committees").get_data(as_text=True)
    committee_id = int(re.search(r'/governance/committees/(\d+)"', committees).group(1))
    page = client.get(f"/governance/committees/{committee_id}").get_data(as_text=True)
    assert "Priya Raman" in page and "Chair" in page and "NHS Richmond CCG" in page
    with app.app_context(), session_scope(engine()) as s:
        committee = s.get(Committee, committee_id)
        rule, version = committee.quorum_rule, committee.version
    response = _post(
        client,
        f"/governance/committees/{committee_id}/edit",
        {
            "name": "South West London Primary Care Joint Committee (renamed)",
            "kind": "joint committee",
            "areas": "36L",
            "quorum_rule": rule,
            "version": str(version),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _committee(app, committee_id).name.endswith("(renamed)")
    assert "NHS South West London" in client.get("/").get_data(as_text=True)  # the demo's organisation name


def test_removing_and_reopening_say_what_happened_and_refuse_what_would_break(app, signed_in):
    client, _ = signed_in("governance")
    made = _post(client, "/governance/committees/new", {"name": "Board", "kind": "board"})
    committee_id = int(made.headers["Location"].rsplit("/", 1)[1])
    base = f"/governance/committees/{committee_id}"
    _post(
        client,
        f"{base}/voting-organisations/new",
        {"name": "NHS England", "voting_group": "NHSE", "organisation_id": ""},
    )
    _post(client, f"{base}/edit", {"name": "Board", "kind": "board", "quorum_rule": "NHS England", "version": "1"})
    with app.app_context(), session_scope(engine()) as s:
        voting_id = committee_service.voting_organisations(s, committee_id)[0][0].id
    refused = _post(client, f"{base}/voting-organisations/{voting_id}/remove", {}, page=base)
    assert refused.status_code == 302
    assert "The quorum rule needs NHS England" in client.get(base).get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        assert committee_service.voting_organisations(s, committee_id)  # still there
    closed = _post(
        client,
        f"{base}/close",
        {"closed_on[day]": "1", "closed_on[month]": "1", "closed_on[year]": "2026", "version": "2"},
        page=base,
    )
    assert closed.status_code == 302 and "closed 1 January 2026" in client.get(base).get_data(as_text=True)
    reopened = _post(client, f"{base}/reopen", {"version": "3"}, page=base)
    assert reopened.status_code == 302
    assert "Committee reopened" in client.get(base).get_data(as_text=True)
    assert _committee(app, committee_id).closed_on is None
