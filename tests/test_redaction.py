"""Redaction reaches every published snapshot: withholding an entry after publication, or its public period
ending, takes it out of every snapshot the public is served (page, CSV, Excel); the stored snapshots keep it
(the full record), and each redaction is audited with its reason."""

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlmodel import select

from coi.database import engine
from coi.idempotency import new_key
from registry.db import session_scope
from registry.models import AuditEvent, Interest, RegisterRedaction, RegisterSnapshot
from registry.services import interests, publication
from registry.services.accounts import create_person
from tests.conftest import csrf_from

SECRET = "Partner, Hidden Lane Surgery"


def _public_texts(client, snapshot_ids):
    """Everything the public can fetch of each snapshot: the page, the CSV and the Excel file."""
    out = {}
    for snapshot_id in snapshot_ids:
        for suffix in ("", ".csv", ".xlsx"):
            response = client.get(f"/register/snapshots/{snapshot_id}{suffix}")
            assert response.status_code == 200
            if suffix == ".xlsx":
                book = load_workbook(io.BytesIO(response.get_data()))
                text = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)
            else:
                text = response.get_data().decode("utf-8-sig")
            out[f"{snapshot_id}{suffix}"] = text
    for suffix in ("", ".csv", ".xlsx"):  # and the latest, at its own address
        response = client.get(f"/register{suffix}")
        out[f"latest{suffix}"] = (
            " ".join(
                str(c.value)
                for sheet in load_workbook(io.BytesIO(response.get_data()))
                for row in sheet.iter_rows()
                for c in row
            )
            if suffix == ".xlsx"
            else response.get_data().decode("utf-8-sig")
        )
    return out


def _seed_and_publish_twice(app, **interest):
    with app.app_context(), session_scope(engine()) as s:
        gp = create_person(s, email="gp@example.nhs.uk", full_name="Dr Gwen Parry", password=None)
        secret = interests.declare_interest(
            s,
            gp.id,
            actor_id=gp.id,
            interest_type="financial",
            description=SECRET,
            date_from=date(2019, 1, 1),
            **interest,
        )
        interests.declare_interest(
            s,
            gp.id,
            actor_id=gp.id,
            interest_type="financial",
            description="Director, Open Health Ltd",
            date_from=date(2019, 1, 1),
        )
        first = publication.publish(s, None, as_of=date.today() - timedelta(days=120)).id
        second = publication.publish(s, None).id
        return secret.id, [first, second]


def test_withholding_after_publication_removes_the_entry_from_every_snapshot(app, client, signed_in):
    interest_id, snapshots = _seed_and_publish_twice(app)
    before = _public_texts(client, snapshots)
    assert all(SECRET in text for text in before.values())

    lead, lead_id = signed_in("governance")
    page = lead.get(f"/governance/interests/{interest_id}").get_data(as_text=True)
    response = lead.post(
        f"/governance/interests/{interest_id}",
        data={
            "csrf_token": csrf_from(page),
            "idempotency_key": new_key(),
            "mitigation": "",
            "publish": "no",
            "withheld_reason": "Risk to the member's safety",
            "version": "1",
        },
    )
    assert response.status_code == 302

    anonymous = app.test_client()
    after = _public_texts(anonymous, snapshots)
    assert not [where for where, text in after.items() if SECRET in text]
    assert all("Director, Open Health Ltd" in text for text in after.values())  # nothing else went
    # The count of withheld entries is stated on the page and in the Excel file (the CSV is one table, header first).
    assert "withheld" in after[str(snapshots[0])] and "withheld" in after[f"{snapshots[0]}.xlsx"]
    with app.app_context(), session_scope(engine()) as s:
        stored = s.get(RegisterSnapshot, snapshots[0])
        assert SECRET in {row["description"] for row in stored.rows}  # the full record is kept
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "register.redacted")).one()
        assert event.object_id == interest_id and event.actor_id == lead_id
        assert event.detail == {"kind": "withheld", "reason": "Risk to the member's safety"}
    publish_page = lead.get("/governance/publish").get_data(as_text=True)
    assert "Risk to the member&#39;s safety" in publish_page and f"Interest {interest_id}" in publish_page


def test_an_ended_public_period_removes_the_entry_from_old_snapshots(app, client):
    # Ended 200 days ago: inside the 6 months when the first snapshot was published (120 days ago), over today.
    interest_id, snapshots = _seed_and_publish_twice(app, date_to=date.today() - timedelta(days=200))
    with app.app_context(), session_scope(engine()) as s:
        assert SECRET in {row["description"] for row in s.get(RegisterSnapshot, snapshots[0]).rows}
    texts = _public_texts(client, snapshots)
    assert not [where for where, text in texts.items() if SECRET in text]
    with app.app_context(), session_scope(engine()) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "register.redacted")).one()
        assert event.object_id == interest_id and event.detail["kind"] == "public period ended"
        assert "ended on" in event.detail["reason"]
    _public_texts(client, snapshots)
    with app.app_context(), session_scope(engine()) as s:  # redacted once, not on every read
        assert len(s.exec(select(RegisterRedaction)).all()) == 1


def test_ending_an_interest_long_ago_after_publication_removes_it_at_once(app, client):
    interest_id, snapshots = _seed_and_publish_twice(app)
    with app.app_context(), session_scope(engine()) as s:
        interest = s.get(Interest, interest_id)
        interests.end_interest(s, interest, date.today() - timedelta(days=400), expected_version=1, actor_id=None)
    assert not [where for where, text in _public_texts(client, snapshots).items() if SECRET in text]


def test_snapshots_published_before_rows_carried_ids_are_redacted_too(app, client):
    interest_id, _ = _seed_and_publish_twice(app)
    with app.app_context(), session_scope(engine()) as s:
        latest = s.exec(select(RegisterSnapshot).order_by(RegisterSnapshot.id.desc())).first()
        old_style = RegisterSnapshot(
            as_of=latest.as_of,
            rows=[{k: v for k, v in row.items() if k != "interest_id"} for row in latest.rows],
            gifts=[],
        )
        s.add(old_style)
        s.flush()
        old_id = old_style.id
    assert SECRET in client.get(f"/register/snapshots/{old_id}.csv").get_data(as_text=True)
    with app.app_context(), session_scope(engine()) as s:
        interests.update_interest(
            s,
            s.get(Interest, interest_id),
            expected_version=1,
            actor_id=None,
            publish=False,
            withheld_reason="Legal reason",
        )
    assert SECRET not in client.get(f"/register/snapshots/{old_id}.csv").get_data(as_text=True)
    assert SECRET not in client.get(f"/register/snapshots/{old_id}").get_data(as_text=True)


def test_an_entry_published_again_appears_in_later_snapshots_only(app, client):
    interest_id, snapshots = _seed_and_publish_twice(app)
    with app.app_context(), session_scope(engine()) as s:
        interest = s.get(Interest, interest_id)
        interests.update_interest(
            s, interest, expected_version=1, actor_id=None, publish=False, withheld_reason="Safety, for now"
        )
        interests.update_interest(s, interest, expected_version=2, actor_id=None, publish=True, withheld_reason="")
        third = publication.publish(s, None).id
    assert SECRET not in client.get(f"/register/snapshots/{snapshots[1]}.csv").get_data(as_text=True)
    assert SECRET in client.get(f"/register/snapshots/{third}.csv").get_data(as_text=True)
