"""The organisation field: a directory entry is chosen from the list, and free text is kept only when the member
says the organisation is not in the directory (with JavaScript, by choosing that option; without, by the box)."""

import pytest
from sqlmodel import select

from coi.database import engine
from coi.idempotency import new_key
from registry.db import session_scope
from registry.models import Interest
from tests.conftest import csrf_from, sign_in
from tests.meeting_world import build


def _declare(client, organisation, **extra):
    page = client.get("/declarations/interests/new").get_data(as_text=True)
    return client.post(
        "/declarations/interests/new",
        data={
            "csrf_token": csrf_from(page),
            "idempotency_key": new_key(),
            "interest_type": "financial",
            "organisation": organisation,
            "role": "director",
            "description": "Director",
            "date_from[day]": "1",
            "date_from[month]": "4",
            "date_from[year]": "2020",
            **extra,
        },
    )


def _interests(app):
    with app.app_context(), session_scope(engine()) as s:
        return [(i.organisation_id, i.organisation_text) for i in s.exec(select(Interest).order_by(Interest.id))]


def test_free_text_is_kept_only_when_chosen(app, tmp_path, client):
    build(app, tmp_path)
    sign_in(client, "chair@example.nhs.uk")
    before = _interests(app)
    refused = _declare(client, "Acme Health Partners")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'id="organisation-error"' in html and "not in the directory" in html
    assert _interests(app) == before
    assert _declare(client, "Acme Health Partners", not_in_directory="y").status_code == 302
    assert _interests(app)[-1] == (None, "Acme Health Partners")
    assert _declare(client, "H83012").status_code == 302  # an ODS code names the directory entry
    organisation_id, text = _interests(app)[-1]
    assert organisation_id is not None and text == ""


@pytest.mark.browser
def test_the_type_ahead_is_accessible_and_offers_not_in_the_directory(app, tmp_path, page):
    build(app, tmp_path)
    p = page.sign_in("chair@example.nhs.uk")
    page.goto("/declarations/interests/new")
    field = p.get_by_role("combobox", name="Organisation")
    field.press_sequentially("canbury", delay=30)
    p.locator(".autocomplete__option", has_text="CANBURY MEDICAL CENTRE").first.wait_for()
    page.check_accessibility()
    field.fill("")
    field.press_sequentially("Acme Health", delay=30)
    option = p.locator(".autocomplete__option", has_text="Not in the directory")
    option.wait_for()
    option.click()
    assert field.input_value() == "Acme Health"
    p.get_by_label("Financial", exact=True).check()
    p.get_by_label("Description").fill("Director of Acme Health")
    group = p.get_by_role("group", name="Date the interest started")
    for part, value in (("Day", "1"), ("Month", "4"), ("Year", "2020")):
        group.get_by_label(part).fill(value)
    p.get_by_role("button", name="Declare interest").click()
    p.wait_for_url("**/declarations/")
    assert _interests(app)[-1] == (None, "Acme Health")
