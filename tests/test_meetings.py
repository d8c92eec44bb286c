"""The chair's meeting: agenda, screen, decisions, quorum, outputs, outcomes and drift."""

import csv
import io
from datetime import date

import pytest
from docx import Document
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import Breach, ChairDecision, MeetingItem, ScreeningFlag
from tests.conftest import csrf_from, sign_in
from tests.meeting_world import AGENDA, build
from coi.idempotency import new_key  # every signed-in form carries one


@pytest.fixture
def world(app, tmp_path):
    return build(app, tmp_path)


@pytest.fixture
def chair(app, world):
    client = app.test_client()
    assert sign_in(client, "chair@example.nhs.uk").status_code == 302
    return client


def _post(client, url, data, page=None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "idempotency_key": new_key(), "csrf_token": token})


def _screened(app, chair, world):
    m = world["meeting"]
    assert _post(chair, f"/meetings/{m}/agenda", {"text": AGENDA}).status_code == 302
    assert _post(chair, f"/meetings/{m}/screen", {}, page=f"/meetings/{m}").status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        items = {i.item_ref: i.id for i in s.exec(select(MeetingItem))}
        flags = {(f.item_id, f.person_id): f.action for f in s.exec(select(ScreeningFlag))}
    return items, flags


def test_screen_finds_the_conflicts(app, chair, world):
    items, flags = _screened(app, chair, world)
    p = world["people"]
    assert flags == {
        (items["2.1"], p["croydon_gp"]): "exclude",
        (items["2.2"], p["kingston_gp"]): "exclude",
        (items["2.2"], p["kingston_gp2"]): "exclude",
        (items["2.3"], p["croydon_lay"]): "declare",
    }
    grid = chair.get(f"/meetings/{world['meeting']}/screen").get_data(as_text=True)
    assert "Dr Croydon GP" in grid and "Leaves for the item" in grid and "Declares" in grid


def test_kingston_losing_its_vote_makes_the_merger_inquorate(app, chair, world):
    items, _ = _screened(app, chair, world)
    page = chair.get(f"/meetings/{world['meeting']}").get_data(as_text=True)
    assert "Items that would be inquorate" in page
    assert "NHS Kingston CCG" in page and "Inquorate" in page
    # The chair lets one Kingston member stay without voting… still no Kingston vote: still inquorate.
    m = world["meeting"]
    url = f"/meetings/{m}/conflicts/{items['2.2']}/{world['people']['kingston_gp2']}"
    assert (
        _post(
            chair, url, {"action": "declare", "reason": "Salaried, not a partner; agreed to declare only"}
        ).status_code
        == 302
    )
    page = chair.get(f"/meetings/{m}").get_data(as_text=True)
    assert "Items that would be inquorate" not in page


def test_decisions_need_reasons_and_are_versioned(app, chair, world):
    items, _ = _screened(app, chair, world)
    m, person = world["meeting"], world["people"]["croydon_gp"]
    url = f"/meetings/{m}/conflicts/{items['2.1']}/{person}"
    refused = _post(chair, url, {"action": "no-vote", "reason": ""})
    assert "Give a reason" in refused.get_data(as_text=True)
    assert _post(chair, url, {"action": "exclude", "reason": ""}).status_code == 302  # accepting needs no reason
    assert _post(chair, url, {"action": "none", "reason": "Resigned the partnership last week"}).status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        decisions = s.exec(select(ChairDecision).order_by(ChairDecision.id)).all()
    assert [(d.source, d.superseded) for d in decisions] == [("accepted", True), ("dismissed", False)]
    page = chair.get(url).get_data(as_text=True)
    assert "Resigned the partnership last week" in page and "(replaced)" in page


def test_rescreen_after_an_edit_keeps_decisions_and_marks_changes(app, chair, world):
    items, _ = _screened(app, chair, world)
    m, p = world["meeting"], world["people"]
    _post(chair, f"/meetings/{m}/conflicts/{items['2.1']}/{p['croydon_gp']}", {"action": "exclude", "reason": ""})
    _post(chair, f"/meetings/{m}/conflicts/{items['2.3']}/{p['croydon_lay']}", {"action": "declare", "reason": ""})
    edit = f"/meetings/{m}/items/{items['2.3']}"
    assert (
        _post(
            chair,
            edit,
            {
                "item_ref": "2.3",
                "title": "Norbury Medical Practice and St James Medical Centre: premises",
                "description": "",
                "kind": "decision",
                "version": "1",
            },
        ).status_code
        == 302
    )
    _post(chair, f"/meetings/{m}/screen", {}, page=f"/meetings/{m}")
    page = chair.get(f"/meetings/{m}").get_data(as_text=True)
    assert "changed since your decision" in page  # item 2.3's proposal changed (new evidence)
    with app.app_context(), session_scope(engine()) as s:
        kept = s.exec(select(ChairDecision).where(ChairDecision.item_id == items["2.1"])).one()
        assert kept.superseded is False
        flags = {
            (f.item_id, f.person_id) for f in s.exec(select(ScreeningFlag).where(ScreeningFlag.status == "current"))
        }
    assert (items["2.3"], p["croydon_gp"]) in flags  # the edit brought St James into item 2.3


def test_chair_adds_a_missed_conflict(app, chair, world):
    items, _ = _screened(app, chair, world)
    m = world["meeting"]
    response = _post(
        chair,
        f"/meetings/{m}/conflicts/new",
        {
            "person_id": world["people"]["nhse"],
            "item_id": items["2.1"],
            "action": "no-vote",
            "reason": "Told the chair of a family link",
        },
    )
    assert response.status_code == 302
    assert "NHSE Director" in chair.get(f"/meetings/{m}/minutes").get_data(as_text=True)


def test_minutes_in_three_formats_and_procurement_record(app, chair, world):
    _screened(app, chair, world)
    m = world["meeting"]
    html = chair.get(f"/meetings/{m}/minutes").get_data(as_text=True)
    assert "Dr Croydon GP" in html and "Partner, St James Medical Centre" in html and "leave the meeting" in html
    rows = list(csv.reader(io.StringIO(chair.get(f"/meetings/{m}/minutes?format=csv").get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Item", "Item title", "Member", "Interest", "How it was managed", "Decided by", "Status"]
    assert len(rows) == 5 and all(row[-1] == "Proposal awaiting the chair" for row in rows[1:])
    doc = Document(io.BytesIO(chair.get(f"/meetings/{m}/minutes?format=docx").get_data()))
    assert doc.paragraphs[0].text.startswith("DRAFT") and "Declarations of interest" in [p.text for p in doc.paragraphs]
    assert "Dr Croydon GP" in [c.text for c in doc.tables[0].columns[1].cells]
    proc = list(csv.reader(io.StringIO(chair.get(f"/meetings/{m}/procurement.csv").get_data().decode("utf-8-sig"))))
    assert proc[1][1] == "2.1" and "Dr Croydon GP" not in proc[1][3] and "Dr Kingston GP" in proc[1][3]
    assert "Dr Croydon GP: proposed to leave the meeting for the item (awaiting the chair)" in proc[1][5]


def _held_today(app, meeting_id):
    """Outcomes are recorded on or after the day of the meeting."""
    from registry.models import Meeting

    with app.app_context(), session_scope(engine()) as s:
        s.get(Meeting, meeting_id).meeting_date = date.today()


def test_outcome_without_declaration_raises_a_possible_breach(app, chair, world):
    items, _ = _screened(app, chair, world)
    m, person = world["meeting"], world["people"]["croydon_gp"]
    _held_today(app, m)
    response = _post(
        chair,
        f"/meetings/{m}/outcomes",
        {"item_id": items["2.1"], "person_id": person, "declared": "no", "what_happened": "took part"},
    )
    assert response.status_code == 302
    ok = _post(
        chair,
        f"/meetings/{m}/outcomes",
        {
            "item_id": items["2.3"],
            "person_id": world["people"]["croydon_lay"],
            "declared": "yes",
            "what_happened": "took part",
        },
    )
    assert ok.status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        breaches = s.exec(select(Breach)).all()
    assert len(breaches) == 1 and breaches[0].status == "possible"
    assert "Dr Croydon GP did not declare the interest" in breaches[0].what_happened


def test_drift_new_declaration_rescreens_and_tells_the_chair(app, chair, world):
    _screened(app, chair, world)
    member = app.test_client()
    sign_in(member, "nhse@example.nhs.uk")
    data = {
        "interest_type": "indirect",
        "organisation": "NORBURY MEDICAL PRACTICE (H83009)",
        "role": "partner",
        "holder_name": "A. Director",
        "relationship": "spouse",
        "description": "Wife is a partner at Norbury Medical Practice",
        "date_from[day]": "1",
        "date_from[month]": "1",
        "date_from[year]": "2024",
        "date_to[day]": "",
        "date_to[month]": "",
        "date_to[year]": "",
    }
    assert _post(member, "/declarations/interests/new", data).status_code == 302
    page = chair.get(f"/meetings/{world['meeting']}").get_data(as_text=True)
    assert "The register changed after the screen" in page and "NHSE Director" in page
    assert "2.3" in member.get("/meetings/mine").get_data(as_text=True)


def test_docx_agenda_upload_and_hostile_files(app, chair, world):
    from docx import Document as NewDocument

    doc = NewDocument()
    doc.add_paragraph("Agenda")
    doc.add_paragraph("4.1 Canbury Medical Centre: contract variation")
    doc.add_paragraph("4.2 Finance report")
    buffer = io.BytesIO()
    doc.save(buffer)
    m = world["meeting"]
    token = csrf_from(chair.get(f"/meetings/{m}/agenda").get_data(as_text=True))
    ok = chair.post(
        f"/meetings/{m}/agenda",
        data={
            "idempotency_key": new_key(),
            "csrf_token": token,
            "text": "",
            "document": (io.BytesIO(buffer.getvalue()), "agenda.docx"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        assert [i.item_ref for i in s.exec(select(MeetingItem).order_by(MeetingItem.position))] == ["4.1", "4.2"]
    bad = chair.post(
        f"/meetings/{m}/agenda",
        data={
            "idempotency_key": new_key(),
            "csrf_token": token,
            "text": "",
            "document": (io.BytesIO(b"not a pdf at all"), "agenda.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and "There is a problem" in bad.get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        assert len(s.exec(select(MeetingItem)).all()) == 2


def test_notices_are_emailed(app, chair, world, smtp_inbox):
    port, messages = smtp_inbox
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="governance@example.nhs.uk")
    _screened(app, chair, world)
    m = world["meeting"]
    assert _post(chair, f"/meetings/{m}/notices", {}, page=f"/meetings/{m}").status_code == 302
    recipients = sorted(r for msg in messages for r in msg.rcpt_tos)
    assert recipients == [
        "croydon_gp@example.nhs.uk",
        "croydon_lay@example.nhs.uk",
        "kingston_gp2@example.nhs.uk",
        "kingston_gp@example.nhs.uk",
    ]
    body = next(msg.content.decode() for msg in messages if "croydon_gp@" in msg.rcpt_tos[0])
    assert "2.1" in body and "leave the meeting for the item" in body


def test_screen_is_fast_enough(app, chair, world):
    """30 items x 25 members screens well under a second (a guard, not the benchmark)."""
    import time

    from registry.models import Meeting
    from registry.services import meetings

    with app.app_context(), session_scope(engine()) as s:
        meeting = s.get(Meeting, world["meeting"])
        meetings.add_items(
            s,
            meeting,
            [
                type(
                    "P",
                    (),
                    {
                        "item_id": str(n),
                        "title": f"Canbury Medical Centre item {n}",
                        "description": "St James Medical Centre (H83012)",
                    },
                )()
                for n in range(30)
            ],
            None,
        )
        meetings.directory_engine(s)  # indexing happens once per directory change, not per screen
        started = time.process_time()  # this process's CPU time: other processes on the cores do not count
        meetings.screen_meeting(s, meeting)
        assert time.process_time() - started < 1.0


def test_the_conflict_page_gives_one_sentence_and_the_path_behind_how_this_was_found(app, chair, world):
    import re

    from markupsafe import escape

    items, _ = _screened(app, chair, world)
    person = world["people"]["croydon_gp"]
    with app.app_context(), session_scope(engine()) as s:
        flag = s.exec(select(ScreeningFlag).where(ScreeningFlag.person_id == person)).one()
        sentence, path = flag.evidence[0], flag.evidence[1:]
    # the item as printed on the agenda (2.1), not the database's key for it
    assert (
        sentence
        == "Dr Croydon GP is a partner at St James Medical Centre (H83012), which item 2.1 names by its ODS code."
    )
    assert path and not any(line in sentence or sentence in line for line in path)
    page = chair.get(f"/meetings/{world['meeting']}/conflicts/{items['2.1']}/{person}").get_data(as_text=True)
    found = re.search(r"<details[^>]*>(.*?)</details>", page, re.S)
    assert found, "the matching path sits in a details component"
    inside, outside = found.group(1), page[: found.start()] + page[found.end() :]
    assert "How this was found" in inside
    assert all(str(escape(line)) in inside for line in path)
    assert page.count(sentence) == 1 and sentence in outside  # the sentence once, in the open
    assert not any(str(escape(line)) in outside for line in path)  # the path only behind the detail


def test_a_web_worker_indexes_the_directory_as_it_starts(app, world, monkeypatch):
    """coi.wsgi builds the screening index before the first request, so the first chair's screen does not wait."""
    from coi.meetings import build_screening_index
    from registry.services.meetings import screening as web_screening

    web_screening._directory_cache.clear()
    try:
        assert build_screening_index(app) and "engine" in web_screening._directory_cache
        read = web_screening._directory_cache["engine"][1]._texts
        assert ("Partner, St James Medical Centre", False) in read  # today's declarations are read already

        def no_second_index(*args, **kwargs):
            raise AssertionError("the first screen indexed the directory again")

        monkeypatch.setattr(web_screening.Directory, "from_records", no_second_index)
        chair = app.test_client()
        assert sign_in(chair, "chair@example.nhs.uk").status_code == 302
        _, flags = _screened(app, chair, world)
        assert len(flags) == 4
    finally:
        web_screening._directory_cache.clear()


def test_the_wsgi_entry_point_builds_the_index_unless_the_setting_is_off(app, world, tmp_path):
    import os
    import subprocess
    import sys

    with app.app_context():
        url = str(engine().url)
    probe = (
        "import coi.wsgi; from registry.services.meetings import screening; "
        "print('indexed' if 'engine' in screening._directory_cache else 'not indexed')"
    )
    for setting, expected in (("1", "indexed"), ("0", "not indexed")):
        env = dict(
            os.environ,
            COI_DATABASE_URL=url,
            COI_INSTANCE_PATH=str(tmp_path / "instance"),
            COI_SCREENING_INDEX_AT_START=setting,
        )
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
        assert done.stdout.strip().splitlines()[-1:] == [expected], done.stderr[-2000:]


def test_a_database_not_yet_created_leaves_the_index_to_the_first_screen(tmp_path):
    from coi import create_app
    from coi.meetings import build_screening_index

    bare = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}", "SECRET_KEY": "x"})
    assert build_screening_index(bare) is False


def test_a_windows_1252_agenda_csv_is_read_by_the_web_upload(app, chair, world):
    """The same decoder as `coi screen` (screening.documents.decoding): Excel's "CSV" on Windows is Windows-1252."""
    data = "Item No,Subject\r\n4.1,Canbury Medical Centre \u2013 premises grant \u00a35k\r\n".encode("cp1252")
    assert b"\x96" in data and b"\xa3" in data  # the en dash and the pound sign as single bytes
    m = world["meeting"]
    token = csrf_from(chair.get(f"/meetings/{m}/agenda").get_data(as_text=True))
    sent = chair.post(
        f"/meetings/{m}/agenda",
        data={
            "idempotency_key": new_key(),
            "csrf_token": token,
            "text": "",
            "document": (io.BytesIO(data), "agenda.csv"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    with app.app_context(), session_scope(engine()) as s:
        titles = [(i.item_ref, i.title) for i in s.exec(select(MeetingItem).order_by(MeetingItem.position))]
    assert titles == [("4.1", "Canbury Medical Centre \u2013 premises grant \u00a35k")]


def test_a_newer_engines_wording_is_not_a_new_conflict(app, chair, world, monkeypatch):
    """The chair's decision answers the action and the interests that link; an engine that words the same link
    differently (a new release) changes the evidence shown, not the decision. Flags stored by a release whose
    fingerprint included the wording are recognised, so upgrading does not ask every decision again."""
    from registry.services.meetings import screening as meeting_screening

    items, _ = _screened(app, chair, world)
    m, p = world["meeting"], world["people"]
    _post(chair, f"/meetings/{m}/conflicts/{items['2.1']}/{p['croydon_gp']}", {"action": "exclude", "reason": ""})

    real_engine = meeting_screening.directory_engine

    class Reworded:
        def __init__(self, engine):
            self.engine = engine

        def screen(self, *args, **kwargs):
            flags = self.engine.screen(*args, **kwargs)
            for flag in flags:
                flag.evidence = ["Newly worded: " + flag.evidence[0], *flag.evidence[1:]]
            return flags

    monkeypatch.setattr(meeting_screening, "directory_engine", lambda session: Reworded(real_engine(session)))
    _post(chair, f"/meetings/{m}/screen", {}, page=f"/meetings/{m}")
    page = chair.get(f"/meetings/{m}").get_data(as_text=True)
    assert "changed since your decision" not in page
    with app.app_context(), session_scope(engine()) as s:
        flag = s.exec(
            select(ScreeningFlag).where(
                ScreeningFlag.item_id == items["2.1"], ScreeningFlag.person_id == p["croydon_gp"]
            )
        ).one()
        assert flag.evidence[0].startswith("Newly worded: ") and flag.status == "current"
        # as an older release stored it: the fingerprint with the wording, answered by the chair's decision
        item_version = s.get(MeetingItem, items["2.1"]).version
        old = meeting_screening._worded_fingerprint(flag.action, flag.evidence, flag.interest_ids, item_version)
        decision = s.exec(select(ChairDecision).where(ChairDecision.item_id == items["2.1"])).one()
        flag.fingerprint = decision.flag_fingerprint = old
        s.add(flag)
        s.add(decision)
    monkeypatch.setattr(meeting_screening, "directory_engine", real_engine)
    _post(chair, f"/meetings/{m}/screen", {}, page=f"/meetings/{m}")
    assert "changed since your decision" not in chair.get(f"/meetings/{m}").get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        decision = s.exec(select(ChairDecision).where(ChairDecision.item_id == items["2.1"])).one()
        flag = s.exec(
            select(ScreeningFlag).where(
                ScreeningFlag.item_id == items["2.1"], ScreeningFlag.person_id == p["croydon_gp"]
            )
        ).one()
        assert decision.flag_fingerprint == flag.fingerprint != old and not decision.superseded
        assert not flag.evidence[0].startswith("Newly worded: ")
