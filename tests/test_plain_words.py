"""Words a person can act on: a late declaration explained where it is shown; no verdicts before a screen."""

from datetime import date, datetime, timedelta, timezone

from coi.database import engine
from registry.db import session_scope
from registry.services import interests
from tests.conftest import sign_in
from tests.meeting_world import AGENDA, build


def test_a_late_declaration_is_marked_and_explained(app, signed_in):
    client, person_id = signed_in("member")
    with app.app_context(), session_scope(engine()) as s:
        interests.declare_interest(
            s,
            person_id,
            actor_id=person_id,
            interest_type="financial",
            description="Director, Acme Health Ltd",
            date_from=date.today() - timedelta(days=90),
            declared_at=datetime.now(timezone.utc),
        )
        interests.declare_interest(
            s,
            person_id,
            actor_id=person_id,
            interest_type="financial",
            description="Partner, Elm Surgery",
            date_from=date.today() - timedelta(days=3),
        )
    html = client.get("/declarations/").get_data(as_text=True)
    assert html.count("Declared late") == 1
    assert "declared more than 28 days after it arose" in html and "within 28 days" in html


def test_before_a_screen_the_meeting_page_gives_no_verdicts(app, tmp_path, client):
    world = build(app, tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        from registry.models import Meeting
        from registry.services import meetings
        from screening.documents import parse_agenda_text

        meetings.add_items(s, s.get(Meeting, world["meeting"]), parse_agenda_text(AGENDA), None)
    sign_in(client, "chair@example.nhs.uk")
    html = client.get(f"/meetings/{world['meeting']}").get_data(as_text=True)
    assert "Not screened yet" in html and "Checked after the screen" in html
    assert ">Quorate" not in html and "None found" not in html
