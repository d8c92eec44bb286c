"""The chair's meeting flow and the member's view, in a real browser with axe-core on every page."""

import pytest
from docx import Document

from tests.meeting_world import build

pytestmark = pytest.mark.browser


def test_chair_screens_a_word_agenda_and_writes_the_minutes(app, tmp_path, page):
    world = build(app, tmp_path)
    m = world["meeting"]
    doc = Document()
    doc.add_heading("Joint Committee: agenda", level=1)
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Item", "Title"
    for ref, title in (
        ("2.1", "St James Medical Centre (H83012): APMS contract extension"),
        ("2.2", "Proposed merger of Canbury Medical Centre and Churchill Medical Centre"),
        ("3", "Finance report (for information)"),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = ref, title
    agenda = tmp_path / "agenda.docx"
    doc.save(agenda)

    p = page.sign_in("chair@example.nhs.uk")
    page.goto(f"/meetings/{m}/agenda")
    p.locator("input[type=file][name=document]").set_input_files(str(agenda))
    p.get_by_role("button", name="Add items").click()
    p.wait_for_url(f"**/meetings/{m}")
    page.check_accessibility()
    assert "3 agenda items added" in p.content()

    p.get_by_role("button", name="Screen the agenda").click()
    p.wait_for_url(f"**/meetings/{m}/screen")
    page.check_accessibility()
    assert (
        p.locator("table.coi-grid-table").get_by_text("Leaves for the item").count() == 3
    )  # the grid (phones get a list)

    page.goto(f"/meetings/{m}")
    warning = p.locator(".nhsuk-card--warning", has_text="Items that would be inquorate")
    assert "Items that would be inquorate" in warning.inner_text() and "2.2" in warning.inner_text()

    page.goto(f"/meetings/{m}/screen")
    p.get_by_role("link", name="Dr Kingston Two, item 2.2").click()
    page.check_accessibility()
    # one plain sentence in the open, naming the item as the agenda prints it; the matching path behind a detail
    sentence = p.locator("p.coi-evidence").inner_text()
    assert sentence.startswith("Dr Kingston Two is a salaried GP at Churchill Medical Centre (") and sentence.endswith(
        "which item 2.2 names."
    )
    detail = p.locator("details", has_text="How this was found")
    path = detail.locator("li").first
    assert not path.is_visible() and "rule:" not in sentence
    detail.get_by_text("How this was found").click()
    assert path.is_visible() and 'Declared "Salaried GP, Churchill Medical Centre"' in path.inner_text()
    page.check_accessibility()
    p.get_by_label("Declare the interest and take part").check()
    p.get_by_role("button", name="Record decision").click()
    page.check_accessibility()
    assert "Give a reason" in p.locator(".nhsuk-error-summary").inner_text()
    p.get_by_label("Declare the interest and take part").check()
    p.get_by_label("Reason").fill("Salaried, not a partner: the chair agreed declaring is enough")
    p.get_by_role("button", name="Record decision").click()
    p.wait_for_url(f"**/meetings/{m}/screen")
    page.check_accessibility()

    page.goto(f"/meetings/{m}")
    assert p.locator("text=Items that would be inquorate").count() == 0

    page.goto(f"/meetings/{m}/minutes")
    assert "Dr Croydon GP" in p.content()
    with p.expect_download() as download:
        p.get_by_role("link", name="Word", exact=True).click()
    minutes = Document(download.value.path())
    assert minutes.paragraphs[0].text.startswith("DRAFT") and "Declarations of interest" in [
        p.text for p in minutes.paragraphs
    ]
    cells = [c.text for row in minutes.tables[0].rows for c in row.cells]
    assert any("chair agreed declaring is enough" in c for c in cells)


def test_member_sees_the_items_they_are_flagged_on(app, tmp_path, page):
    from coi.database import engine
    from registry.db import session_scope
    from registry.models import Meeting
    from registry.services import meetings
    from screening.documents import parse_agenda_text

    world = build(app, tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        meeting = s.get(Meeting, world["meeting"])
        meetings.add_items(s, meeting, parse_agenda_text("4 St James Medical Centre: APMS contract extension"), None)
        meetings.screen_meeting(s, meeting)
    p = page.sign_in("croydon_gp@example.nhs.uk")
    page.goto("/meetings/mine")
    row = p.locator("tbody tr").first.inner_text()
    assert "St James Medical Centre" in row and "Leave the meeting for the item" in row
