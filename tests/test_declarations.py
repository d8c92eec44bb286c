"""A member declares, edits, ends and reviews the history of interests, through the test client."""

from datetime import date, timedelta

from sqlmodel import select

from coi.database import engine
from registry.db import session_scope
from registry.models import Interest, InterestHistory, Organisation
from tests.conftest import csrf_from
from coi.idempotency import new_key  # every signed-in form carries one


def _post(client, url, data):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "idempotency_key": new_key(), "csrf_token": token})


def _date(prefix, d):
    return {f"{prefix}[day]": str(d.day), f"{prefix}[month]": str(d.month), f"{prefix}[year]": str(d.year)}


def _interest(description="Partner at Canbury Medical Centre", **extra):
    data = {
        "interest_type": "financial",
        "organisation": "",
        "role": "partner",
        "description": description,
        **_date("date_from", date.today() - timedelta(days=10)),
        "date_to[day]": "",
        "date_to[month]": "",
        "date_to[year]": "",
    }
    data.update(extra)
    return data


def _only_interest(app):
    with app.app_context(), session_scope(engine()) as s:
        return s.exec(select(Interest)).one()


def test_declare_edit_end_and_history(app, signed_in):
    client, person_id = signed_in("member")
    response = _post(client, "/declarations/interests/new", _interest())
    assert response.status_code == 302
    interest = _only_interest(app)
    assert interest.person_id == person_id and interest.version == 1

    edit = f"/declarations/interests/{interest.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="1"' in page  # the version being edited travels with the form
    assert (
        _post(
            client, edit, _interest("Senior partner at Canbury Medical Centre", version="1", role="senior partner")
        ).status_code
        == 302
    )
    end = f"/declarations/interests/{interest.id}/end"
    assert _post(client, end, {**_date("date_to", date.today()), "version": "2"}).status_code == 302
    ended = _only_interest(app)
    assert ended.version == 3 and ended.date_to == date.today()

    history = client.get(f"/declarations/interests/{interest.id}/history").get_data(as_text=True)
    assert "Senior partner at Canbury Medical Centre" in history and "Ended" in history
    with app.app_context(), session_scope(engine()) as s:
        rows = s.exec(select(InterestHistory).order_by(InterestHistory.version)).all()
    assert [r.change for r in rows] == ["created", "updated", "ended"]
    assert rows[1].before["description"] == "Partner at Canbury Medical Centre"
    assert rows[1].after["description"] == "Senior partner at Canbury Medical Centre"


def test_stale_edit_is_refused_and_changes_nothing(app, signed_in):
    client, _ = signed_in("member")
    _post(client, "/declarations/interests/new", _interest())
    interest = _only_interest(app)
    edit = f"/declarations/interests/{interest.id}/edit"
    _post(client, edit, _interest("First edit", version="1"))
    response = _post(client, edit, _interest("Edit from an old page", version="1"))
    assert response.status_code == 200
    assert "changed by someone else" in response.get_data(as_text=True)
    assert _only_interest(app).description == "First edit"


def test_form_errors_are_listed_and_nothing_is_saved(app, signed_in):
    client, _ = signed_in("member")
    response = _post(
        client,
        "/declarations/interests/new",
        _interest(description="", interest_type="indirect", relationship="", **{"date_from[month]": "13"}),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter a description of the interest" in html
    assert "Enter their relationship to you" in html
    assert "must be a real date" in html
    assert 'href="#date_from-day"' in html
    with app.app_context(), session_scope(engine()) as s:
        assert s.exec(select(Interest)).all() == []


def test_someone_elses_interest_is_not_found(app, signed_in, make_user):
    owner, _ = signed_in("member")
    _post(owner, "/declarations/interests/new", _interest())
    interest = _only_interest(app)
    intruder = app.test_client()
    email, password, _ = make_user("member")
    from tests.conftest import sign_in

    sign_in(intruder, email, password)
    assert intruder.get(f"/declarations/interests/{interest.id}/edit").status_code == 404
    token = csrf_from(intruder.get("/declarations/").get_data(as_text=True))
    response = intruder.post(
        f"/declarations/interests/{interest.id}/edit",
        data={**_interest("Hijacked"), "version": "1", "idempotency_key": new_key(), "csrf_token": token},
    )
    assert response.status_code == 404
    assert _only_interest(app).description == "Partner at Canbury Medical Centre"


def test_huge_id_is_a_404(signed_in):
    client, _ = signed_in("member")
    assert client.get("/declarations/interests/99999999999999999999/edit").status_code == 404


def test_script_in_a_declaration_is_shown_as_text(app, signed_in):
    client, _ = signed_in("member")
    _post(client, "/declarations/interests/new", _interest("<script>alert('owned')</script>"))
    html = client.get("/declarations/").get_data(as_text=True)
    assert "<script>alert('owned')</script>" not in html
    assert "&lt;script&gt;alert(" in html


def test_organisation_typed_as_a_code_is_linked_to_the_directory(app, signed_in):
    with app.app_context(), session_scope(engine()) as s:
        s.add(Organisation(ods_code="H84010", name="CANBURY MEDICAL CENTRE", kind="practice", postcode="KT2 6HR"))
    client, _ = signed_in("member")
    found = client.get("/directory/search?q=canbury").get_json()
    assert found[0]["label"] == "CANBURY MEDICAL CENTRE (H84010), KT2 6HR"
    _post(client, "/declarations/interests/new", _interest(organisation=found[0]["label"]))
    interest = _only_interest(app)
    assert interest.organisation_id is not None and interest.organisation_text == ""


def test_nil_return_refused_while_interests_are_current(app, signed_in):
    client, _ = signed_in("member")
    today = _date("as_of", date.today())
    assert _post(client, "/declarations/nil-return", {**today, "confirm": "y"}).status_code == 302
    _post(client, "/declarations/interests/new", _interest())
    response = _post(client, "/declarations/nil-return", {**today, "confirm": "y"})
    assert "cannot make a nil return" in response.get_data(as_text=True)
    assert _post(client, "/declarations/confirm", {**today, "confirm": "y"}).status_code == 302
    assert "Up to date" in client.get("/declarations/").get_data(as_text=True)
