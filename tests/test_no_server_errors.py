"""No 5xx on any input, and no duplicate from a keyless post: line breaks refused in single-line fields, `next`
with control characters sends people home, every signed-in form needs its idempotency key, and % and _ typed
into a filter are themselves, not LIKE wildcards. (The Hypothesis fuzz over every route is tests/test_fuzz.py.)"""

import re
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.fields import HiddenField

from coi.database import engine
from coi.forms import BaseForm
from coi.idempotency import new_key
from registry.db import session_scope
from registry.models import Committee, Interest, Meeting, Membership
from registry.services import interests
from tests.conftest import PASSWORD, csrf_from

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _every_form_class():
    found, queue = [], list(BaseForm.__subclasses__())
    while queue:
        form_class = queue.pop()
        found.append(form_class)
        queue.extend(form_class.__subclasses__())
    return found


def test_every_single_line_field_refuses_a_line_break(app):
    import coi.account, coi.admin_forms, coi.forms  # noqa: E401,F401 - every module that defines forms

    checked = 0
    with app.test_request_context("/", method="POST"):
        for form_class in _every_form_class():
            for name, field in form_class(formdata=MultiDict(), meta={"csrf": False})._fields.items():
                if not isinstance(field, StringField) or isinstance(field, (TextAreaField, PasswordField, HiddenField)):
                    continue
                for value in ("first line\r\nSecond: line", "a\nb", "a\rb", "a\u2028b"):
                    form = form_class(formdata=MultiDict({name: value}), meta={"csrf": False})
                    # the filter's error is the field's first when the form validates (process_errors)
                    assert any("on one line" in error for error in form[name].process_errors), (form_class, name)
                checked += 1
    assert checked >= 15


def test_a_meeting_title_with_a_line_break_is_refused_beside_its_field(app, signed_in):
    chair, chair_id = signed_in("chair")
    page = chair.get("/meetings/new").get_data(as_text=True)
    with app.app_context(), Session(engine()) as s:
        committee_id = s.exec(select(Membership.committee_id).where(Membership.person_id == chair_id)).first()
    soon = date.today() + timedelta(days=7)
    response = chair.post(
        "/meetings/new",
        data={
            "csrf_token": csrf_from(page),
            "idempotency_key": new_key(),
            "committee_id": committee_id,
            "title": "Premises\r\nBcc: everyone@example.nhs.uk",
            "meeting_date[day]": soon.day,
            "meeting_date[month]": soon.month,
            "meeting_date[year]": soon.year,
        },
    )
    assert response.status_code == 200
    assert "Meeting title must be on one line, without line breaks" in response.get_data(as_text=True)
    with app.app_context(), Session(engine()) as s:
        assert s.exec(select(func.count()).select_from(Meeting)).one() == 0


@pytest.mark.parametrize(
    "next_value",
    [
        "/%0d%0aSet-Cookie:%20x=1",
        "/%0aLocation:%20https://evil.example",
        "/%7f",
        "/%5c%5cevil.example",
        "/%5cevil.example",
        "/%09/evil.example",
    ],
)
def test_next_with_control_characters_or_a_backslash_goes_home(client, make_user, next_value):
    email, password, _ = make_user("member")
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        f"/sign-in?next={next_value}", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_safe_next_is_still_followed(client, make_user):
    email, password, _ = make_user("member")
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in?next=/declarations/", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.headers["Location"] == "/declarations/"


def _declaration(token, **extra):
    return {
        "csrf_token": token,
        "interest_type": "financial",
        "description": "Director, Canbury Health Ltd",
        "date_from[day]": "1",
        "date_from[month]": "2",
        "date_from[year]": "2024",
        "role": "",
        **extra,
    }


def _count_interests(app):
    with app.app_context(), Session(engine()) as s:
        return s.exec(select(func.count()).select_from(Interest)).one()


def test_a_signed_in_post_without_its_idempotency_key_is_refused_and_changes_nothing(app, signed_in):
    client, _ = signed_in("member")
    token = csrf_from(client.get("/declarations/interests/new").get_data(as_text=True))
    for key in (None, "", "short", "x" * 65):
        data = _declaration(token) if key is None else _declaration(token, idempotency_key=key)
        response = client.post("/declarations/interests/new", data=data)
        assert response.status_code == 400
        assert "Reload the form" in response.get_data(as_text=True)
    assert _count_interests(app) == 0
    assert (
        client.post("/declarations/interests/new", data=_declaration(token, idempotency_key=new_key())).status_code
        == 302
    )
    assert _count_interests(app) == 1


def test_four_parallel_posts_with_one_key_store_one_row(app, make_user):
    from tests.conftest import sign_in

    email, password, _ = make_user("member")
    clients = [app.test_client() for _ in range(4)]
    forms = []
    key = new_key()
    for client in clients:
        sign_in(client, email, password)
        forms.append(
            _declaration(
                csrf_from(client.get("/declarations/interests/new").get_data(as_text=True)), idempotency_key=key
            )
        )
    statuses = []
    start = threading.Barrier(4)

    def post(client, form):
        start.wait()
        statuses.append(client.post("/declarations/interests/new", data=form).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 303, 303, 303]
    assert _count_interests(app) == 1


def test_every_form_that_posts_carries_an_idempotency_key():
    anonymous_only = {"auth/sign_in.jinja"}  # posted before anyone is signed in: nothing stored against a person
    missing = []
    for path in sorted(TEMPLATES.rglob("*.jinja")):
        name = str(path.relative_to(TEMPLATES))
        for form in re.findall(r"<form\b[^>]*method=\"post\".*?</form>", path.read_text(), flags=re.S | re.I):
            if "new_idempotency_key()" not in form and name not in anonymous_only:
                missing.append(name)
    assert not missing, f"forms without an idempotency key: {missing}"


def test_percent_and_underscore_are_literal_in_the_name_and_audit_filters(app, signed_in):
    lead, _ = signed_in("governance")
    with app.app_context(), session_scope(engine()) as s:
        from registry.services.accounts import create_person

        for name in ("Dr Ann Percy", "Dr Bob Under", "Dr 100% Sure", "Dr Snake_Case"):
            person = create_person(
                s, email=f"{name.split()[-1].lower()}@example.nhs.uk", full_name=name, password=PASSWORD
            )
            interests.declare_interest(
                s,
                person.id,
                actor_id=person.id,
                interest_type="financial",
                description="Partner",
                date_from=date(2020, 1, 1),
            )
        s.add(Committee(name="Unused"))

    def names(query):
        page = lead.get(f"/governance/interests?show=all&name={query}").get_data(as_text=True)
        return {n for n in ("Dr Ann Percy", "Dr Bob Under", "Dr 100% Sure", "Dr Snake_Case") if n in page}

    assert names("%25") == {"Dr 100% Sure"}
    assert names("_") == {"Dr Snake_Case"}
    assert names("e_c") == {"Dr Snake_Case"} and names("a%25e") == set()

    def audit_total(action):
        page = lead.get(f"/governance/audit?action={action}").get_data(as_text=True)
        return int(re.search(r"<p>(\d+) entries\.</p>", page).group(1))

    assert audit_total("interest") > 0
    assert audit_total("%25") == 0 and audit_total("_nterest") == 0 and audit_total("interest_") == 0
    assert lead.get("/directory/search?q=%25%25").get_json() == []
