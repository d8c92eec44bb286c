"""Every view × every role gets the expected status. A new route must be added to ROUTES to pass."""
import re
from datetime import date

import pytest

from coi.database import engine
from registry.db import session_scope
from registry.models import Committee, Meeting, Membership
from registry.services import breaches, interests, meetings, publication
from screening.documents import parse_agenda_text
from registry.services.accounts import create_person
from tests.conftest import csrf_from, sign_in

ANON, MEMBER, CHAIR, GOVERNANCE = "anonymous", "member", "chair", "governance"
SIGN_IN = "sign-in"  # anonymous visitors are redirected to the sign-in page
ALL = {ANON: 200, MEMBER: 200, CHAIR: 200, GOVERNANCE: 200}
SIGNED_IN = {ANON: SIGN_IN, MEMBER: 200, CHAIR: 200, GOVERNANCE: 200}
GOVERNANCE_ONLY = {ANON: SIGN_IN, MEMBER: 403, CHAIR: 403, GOVERNANCE: 200}
SOMEONE_ELSES = {ANON: SIGN_IN, MEMBER: 404, CHAIR: 404, GOVERNANCE: 404}  # another person's interest
CHAIRS = {ANON: SIGN_IN, MEMBER: 403, CHAIR: 200, GOVERNANCE: 200}
CHAIRS_REDIRECT = {ANON: SIGN_IN, MEMBER: 403, CHAIR: 302, GOVERNANCE: 302}  # POSTs that redirect back
GOVERNANCE_ONLY_REDIRECT = {ANON: SIGN_IN, MEMBER: 403, CHAIR: 403, GOVERNANCE: 302}  # nothing waiting: back to upload

# (method, path) -> expected status per role. {interest}, {breach}, {snapshot} are filled in by `world`.
ROUTES = {
    ("GET", "/"): SIGNED_IN,
    ("GET", "/sign-in"): {ANON: 200, MEMBER: 302, CHAIR: 302, GOVERNANCE: 302},
    ("POST", "/sign-out"): {ANON: SIGN_IN, MEMBER: 302, CHAIR: 302, GOVERNANCE: 302},
    ("GET", "/healthz"): ALL,
    ("GET", "/accessibility"): ALL,
    ("GET", "/static/coi.css"): ALL,
    ("GET", "/nhsuk/nhsuk-frontend.min.css"): ALL,
    ("GET", "/declarations/"): SIGNED_IN,
    ("GET", "/declarations/interests/new"): SIGNED_IN,
    ("GET", "/declarations/interests/{interest}/edit"): SOMEONE_ELSES,
    ("GET", "/declarations/interests/{interest}/end"): SOMEONE_ELSES,
    ("GET", "/declarations/interests/{interest}/history"): SOMEONE_ELSES,
    ("GET", "/declarations/nil-return"): SIGNED_IN,
    ("GET", "/declarations/confirm"): SIGNED_IN,
    ("GET", "/declarations/gifts/new"): SIGNED_IN,
    ("GET", "/directory/search?q=canbury"): SIGNED_IN,
    ("GET", "/governance/"): GOVERNANCE_ONLY,
    ("GET", "/governance/interests"): GOVERNANCE_ONLY,
    ("GET", "/governance/interests/{interest}"): GOVERNANCE_ONLY,
    ("GET", "/governance/publish"): GOVERNANCE_ONLY,
    ("GET", "/governance/breaches"): GOVERNANCE_ONLY,
    ("GET", "/governance/audit"): GOVERNANCE_ONLY,
    ("GET", "/governance/breaches/new"): GOVERNANCE_ONLY,
    ("GET", "/governance/breaches/{breach}"): GOVERNANCE_ONLY,
    ("GET", "/governance/import"): GOVERNANCE_ONLY,
    ("POST", "/governance/import"): GOVERNANCE_ONLY,  # no file chosen: the form again, with an error
    ("GET", "/governance/import/preview"): GOVERNANCE_ONLY_REDIRECT,
    ("POST", "/governance/import/confirm"): GOVERNANCE_ONLY_REDIRECT,
    ("POST", "/governance/import/cancel"): GOVERNANCE_ONLY_REDIRECT,
    ("GET", "/register"): ALL,
    ("GET", "/register/snapshots/{snapshot}"): ALL,
    ("GET", "/register.csv"): ALL,
    ("GET", "/register/snapshots/{snapshot}.csv"): ALL,
    ("GET", "/register.xlsx"): ALL,
    ("GET", "/register/snapshots/{snapshot}.xlsx"): ALL,
    ("GET", "/breaches"): ALL,
    ("GET", "/meetings/"): CHAIRS,
    ("GET", "/meetings/new"): CHAIRS,
    ("GET", "/meetings/mine"): SIGNED_IN,
    ("GET", "/meetings/{meeting}"): CHAIRS,
    ("GET", "/meetings/{meeting}/agenda"): CHAIRS,
    ("GET", "/meetings/{meeting}/items/{item}"): CHAIRS,
    ("POST", "/meetings/{meeting}/screen"): CHAIRS_REDIRECT,
    ("GET", "/meetings/{meeting}/screen"): CHAIRS,
    ("GET", "/meetings/{meeting}/conflicts/{item}/{person}"): CHAIRS,
    ("GET", "/meetings/{meeting}/conflicts/new"): CHAIRS,
    ("GET", "/meetings/{meeting}/minutes"): CHAIRS,
    ("GET", "/meetings/{meeting}/procurement.csv"): CHAIRS,
    ("POST", "/meetings/{meeting}/notices"): CHAIRS_REDIRECT,
    ("GET", "/meetings/{meeting}/outcomes"): CHAIRS,
    ("GET", "/account/password"): SIGNED_IN,
    ("GET", "/account/reset"): ALL,
    ("POST", "/account/reset"): ALL,  # no email entered: the form again, with an error
    ("GET", "/account/set-password/{person}"): {ANON: 410, MEMBER: 410, CHAIR: 410, GOVERNANCE: 410},  # not a link
    ("POST", "/governance/people/{person}/invite"): GOVERNANCE_ONLY,  # no SMTP here: the page shows the link
    ("POST", "/governance/people/{person}/unlock"): GOVERNANCE_ONLY_REDIRECT,
    ("POST", "/governance/people/{person}/deactivate"): GOVERNANCE_ONLY_REDIRECT,
    ("POST", "/governance/people/{person}/reactivate"): GOVERNANCE_ONLY_REDIRECT,
}


@pytest.fixture
def world(app):
    """Someone else's interest, a breach and a published snapshot, so id routes have something to show."""
    with app.app_context(), session_scope(engine()) as s:
        other = create_person(s, email="other@example.nhs.uk", full_name="Other Person", password=None)
        interest = interests.declare_interest(s, other.id, actor_id=other.id, interest_type="financial",
                                              description="Partner, Canbury Medical Centre", date_from=date(2020, 1, 1))
        breach = breaches.record_breach(s, occurred_on=date(2025, 1, 1), what_happened="Did not declare")
        snapshot = publication.publish(s, None)
        committee = Committee(name="Committee")
        s.add(committee)
        s.flush()
        s.add(Membership(person_id=other.id, committee_id=committee.id))
        meeting = Meeting(committee_id=committee.id, title="Meeting", meeting_date=date.today())
        s.add(meeting)
        s.flush()
        item = meetings.add_items(s, meeting, parse_agenda_text("1 Canbury Medical Centre: contract award"), None)[0]
        meetings.decide(s, meeting, item.id, other.id, action="declare", reason="Told the chair", actor_id=None)
        return {"interest": interest.id, "breach": breach.id, "snapshot": snapshot.id, "meeting": meeting.id,
                "item": item.id, "person": other.id}


def _pattern_of(path: str) -> str:
    return re.sub(r"\{[a-z]+\}", "<id>", path.split("?")[0])


def test_every_route_is_in_the_table(app):
    covered = {_pattern_of(path) for _, path in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.rule == "/static/<path:filename>":
            assert "/static/coi.css" in covered
        elif rule.rule == "/nhsuk/<path:filename>":
            assert "/nhsuk/nhsuk-frontend.min.css" in covered
        else:
            pattern = re.sub(r"<(?:int:)?[a-z_]+>", "<id>", rule.rule)
            assert pattern in covered, f"{rule.rule} is not in the role table"


@pytest.mark.parametrize("role", [ANON, MEMBER, CHAIR, GOVERNANCE])
def test_role_table(app, client, make_user, world, role):
    if not app.config["HAVE_NHSUK_ASSETS"]:
        pytest.skip("the NHS.UK frontend assets have not been fetched (npm)")
    failures = []
    email, password, _ = make_user(role) if role != ANON else (None, None, None)
    signed_in = False
    for (method, template), expected_by_role in ROUTES.items():
        path = template.format(**world)
        if role != ANON and not signed_in:
            sign_in(client, email, password)
            signed_in = True
        if path == "/sign-out":
            signed_in = False
        expected = expected_by_role[role]
        data = {}
        if method == "POST":
            page = client.get("/" if role != ANON else "/sign-in").get_data(as_text=True)
            data["csrf_token"] = csrf_from(page)
        response = client.open(path, method=method, data=data)
        if expected == SIGN_IN:
            ok = response.status_code == 302 and "/sign-in" in response.headers["Location"]
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{method} {path} as {role}: {response.status_code}, expected {expected}")
    assert not failures, "\n".join(failures)
