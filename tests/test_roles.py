"""Every view × every role gets the expected status. A new route must be added to ROUTES to pass."""

import re
from datetime import date

import pytest

from coi.database import engine
from registry.db import session_scope
from registry.models import Committee, Deputy, Meeting, Membership, Organisation, VotingOrganisation
from registry.services import breaches, interests, meetings, publication
from screening.documents import parse_agenda_text
from registry.services.accounts import create_person
from tests.conftest import csrf_from, sign_in
from coi.idempotency import new_key  # every signed-in form carries one

ANON, MEMBER, CHAIR, CHAIR_HERE, GOVERNANCE = "anonymous", "member", "chair", "chair-here", "governance"
ROLES = [ANON, MEMBER, CHAIR, CHAIR_HERE, GOVERNANCE]
# CHAIR chairs another committee (so it is refused this committee's meetings); CHAIR_HERE chairs this one.
SIGN_IN = "sign-in"  # anonymous visitors are redirected to the sign-in page
OK = "allowed"  # served: a page (200), a redirect after the action (302), or a form's own refusal (400/410)
ALLOWED_STATUSES = {200, 302, 400, 410}


def each(anon, member, chair, chair_here, governance) -> dict:
    return dict(zip(ROLES, (anon, member, chair, chair_here, governance)))


ALL = each(200, 200, 200, 200, 200)
SIGNED_IN = each(SIGN_IN, OK, OK, OK, OK)
GOVERNANCE_ONLY = each(SIGN_IN, 403, 403, 403, OK)
SOMEONE_ELSES = each(SIGN_IN, 404, 404, 404, 404)  # another person's interest
CHAIRS_OF_THIS_COMMITTEE = each(SIGN_IN, 403, 404, OK, OK)  # another committee's chair: as if it did not exist
CHAIRS_ANYWHERE = each(SIGN_IN, 403, OK, OK, OK)  # lists and forms showing only the chair's own committees
PUBLIC_FORM = each(OK, OK, OK, OK, OK)

# (method, path) -> expected status per role. {ids} are filled in by `world`. Every route and method is listed.
ROUTES = {
    ("GET", "/"): SIGNED_IN,
    ("GET", "/sign-in"): each(200, 302, 302, 302, 302),
    ("POST", "/sign-in"): each(200, 302, 302, 302, 302),  # signed in already: home
    ("POST", "/sign-out"): each(SIGN_IN, 302, 302, 302, 302),
    ("GET", "/sign-in/sso"): each(404, 404, 404, 404, 404),  # single sign-on not configured here (tests/test_sso.py)
    ("GET", "/sign-in/sso/callback"): each(404, 404, 404, 404, 404),
    ("GET", "/sign-in/code"): each(SIGN_IN, OK, OK, OK, OK),  # only after a right password: else back to sign-in
    ("POST", "/sign-in/code"): each(SIGN_IN, OK, OK, OK, OK),
    ("GET", "/sign-in/set-up-code"): each(SIGN_IN, OK, OK, OK, OK),
    ("POST", "/sign-in/set-up-code"): each(SIGN_IN, OK, OK, OK, OK),
    ("GET", "/healthz"): ALL,
    ("GET", "/accessibility"): ALL,
    ("GET", "/static/coi.css"): ALL,
    ("GET", "/nhsuk/nhsuk-frontend.min.css"): ALL,
    ("GET", "/vendor/accessible-autocomplete/accessible-autocomplete.min.js"): ALL,
    ("GET", "/declarations/"): SIGNED_IN,
    ("GET", "/declarations/interests/new"): SIGNED_IN,
    ("POST", "/declarations/interests/new"): SIGNED_IN,
    ("GET", "/declarations/interests/{interest}/edit"): SOMEONE_ELSES,
    ("POST", "/declarations/interests/{interest}/edit"): SOMEONE_ELSES,
    ("GET", "/declarations/interests/{interest}/end"): SOMEONE_ELSES,
    ("POST", "/declarations/interests/{interest}/end"): SOMEONE_ELSES,
    ("GET", "/declarations/interests/{interest}/history"): SOMEONE_ELSES,
    ("GET", "/declarations/nil-return"): SIGNED_IN,
    ("POST", "/declarations/nil-return"): SIGNED_IN,
    ("GET", "/declarations/confirm"): SIGNED_IN,
    ("POST", "/declarations/confirm"): SIGNED_IN,
    ("GET", "/declarations/gifts/new"): SIGNED_IN,
    ("POST", "/declarations/gifts/new"): SIGNED_IN,
    ("GET", "/declarations/gifts/assess?kind=gift&value=30"): SIGNED_IN,
    ("GET", "/directory/search?q=canbury"): SIGNED_IN,
    ("GET", "/governance/"): GOVERNANCE_ONLY,
    ("GET", "/governance/interests"): GOVERNANCE_ONLY,
    ("GET", "/governance/interests/{interest}"): GOVERNANCE_ONLY,
    ("POST", "/governance/interests/{interest}"): GOVERNANCE_ONLY,
    ("GET", "/governance/publish"): GOVERNANCE_ONLY,
    ("POST", "/governance/publish"): GOVERNANCE_ONLY,
    ("GET", "/governance/publish/preview"): GOVERNANCE_ONLY,
    ("POST", "/governance/reminders"): GOVERNANCE_ONLY,
    ("GET", "/governance/annual-round"): GOVERNANCE_ONLY,
    ("POST", "/governance/annual-round"): GOVERNANCE_ONLY,
    ("GET", "/governance/breaches"): GOVERNANCE_ONLY,
    ("GET", "/governance/audit"): GOVERNANCE_ONLY,
    ("GET", "/governance/breaches/new"): GOVERNANCE_ONLY,
    ("POST", "/governance/breaches/new"): GOVERNANCE_ONLY,
    ("GET", "/governance/breaches/{breach}"): GOVERNANCE_ONLY,
    ("POST", "/governance/breaches/{breach}"): GOVERNANCE_ONLY,
    ("GET", "/governance/import"): GOVERNANCE_ONLY,
    ("POST", "/governance/import"): GOVERNANCE_ONLY,
    ("GET", "/governance/import/preview"): GOVERNANCE_ONLY,
    ("POST", "/governance/import/confirm"): GOVERNANCE_ONLY,
    ("POST", "/governance/import/cancel"): GOVERNANCE_ONLY,
    ("POST", "/governance/import/columns"): GOVERNANCE_ONLY,
    ("GET", "/governance/organisation"): GOVERNANCE_ONLY,
    ("POST", "/governance/organisation"): GOVERNANCE_ONLY,
    ("GET", "/governance/directory"): GOVERNANCE_ONLY,
    ("POST", "/governance/directory"): GOVERNANCE_ONLY,
    ("GET", "/governance/committees"): GOVERNANCE_ONLY,
    ("GET", "/governance/committees/new"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/new"): GOVERNANCE_ONLY,
    ("GET", "/governance/committees/{committee}"): GOVERNANCE_ONLY,
    ("GET", "/governance/committees/{committee}/edit"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/edit"): GOVERNANCE_ONLY,
    ("GET", "/governance/committees/{committee}/quorum-rule?rule=NHSE"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/close"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/reopen"): GOVERNANCE_ONLY,
    ("GET", "/governance/committees/{committee}/voting-organisations/new"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/voting-organisations/new"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/voting-organisations/{voting}/remove"): GOVERNANCE_ONLY,
    ("GET", "/governance/committees/{committee}/members/new"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/members/new"): GOVERNANCE_ONLY,
    ("GET", "/governance/committees/{committee}/members/{membership}"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/members/{membership}"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/members/{membership}/deputies"): GOVERNANCE_ONLY,
    ("POST", "/governance/committees/{committee}/members/{membership}/deputies/{deputy}/remove"): GOVERNANCE_ONLY,
    ("GET", "/governance/people"): GOVERNANCE_ONLY,
    ("GET", "/governance/people/new"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/new"): GOVERNANCE_ONLY,
    ("GET", "/governance/people/{person}"): GOVERNANCE_ONLY,
    ("GET", "/governance/people/{person}/edit"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/{person}/edit"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/{person}/invite"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/{person}/unlock"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/{person}/second-factor/reset"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/{person}/deactivate"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/{person}/reactivate"): GOVERNANCE_ONLY,
    ("GET", "/governance/people/import"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/import"): GOVERNANCE_ONLY,
    ("GET", "/governance/people/import/preview"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/import/confirm"): GOVERNANCE_ONLY,
    ("POST", "/governance/people/import/cancel"): GOVERNANCE_ONLY,
    ("GET", "/register"): ALL,
    ("GET", "/register/snapshots/{snapshot}"): ALL,
    ("GET", "/register.csv"): ALL,
    ("GET", "/register/snapshots/{snapshot}.csv"): ALL,
    ("GET", "/register.xlsx"): ALL,
    ("GET", "/register/gifts.csv"): ALL,
    ("GET", "/register/snapshots/{snapshot}/gifts.csv"): ALL,
    ("GET", "/register/snapshots/{snapshot}.xlsx"): ALL,
    ("GET", "/breaches"): ALL,
    ("GET", "/meetings/"): CHAIRS_ANYWHERE,
    ("GET", "/meetings/new"): CHAIRS_ANYWHERE,
    ("POST", "/meetings/new"): CHAIRS_ANYWHERE,
    ("GET", "/meetings/mine"): SIGNED_IN,
    ("GET", "/meetings/{meeting}"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/agenda"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/agenda"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/items/{item}"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/items/{item}"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/screen"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/screen"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/conflicts/{item}/{person}"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/conflicts/{item}/{person}"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/conflicts/new"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/conflicts/new"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/attendance"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/attendance/{person}"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/attendance/{person}"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/attendance/confirm"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/minutes"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/minutes/approve"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/procurement.csv"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/notices"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/meetings/{meeting}/outcomes"): CHAIRS_OF_THIS_COMMITTEE,
    ("POST", "/meetings/{meeting}/outcomes"): CHAIRS_OF_THIS_COMMITTEE,
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("GET", "/account/reset"): PUBLIC_FORM,
    ("POST", "/account/reset"): PUBLIC_FORM,  # no email entered: the form again, with an error
    ("GET", "/account/set-password/{person}"): each(410, 410, 410, 410, 410),  # not a real link
    ("GET", "/governance/outside/"): GOVERNANCE_ONLY,
    ("GET", "/governance/outside/awards"): GOVERNANCE_ONLY,
    ("POST", "/governance/outside/awards"): GOVERNANCE_ONLY,  # no file: the form again, with an error
    ("GET", "/governance/outside/awards/{run}"): GOVERNANCE_ONLY,
    ("GET", "/governance/outside/awards/{run}/status"): GOVERNANCE_ONLY,
    ("GET", "/governance/outside/awards/{run}.xlsx"): GOVERNANCE_ONLY,
    ("GET", "/governance/outside/undeclared"): GOVERNANCE_ONLY,
    ("POST", "/governance/outside/undeclared"): GOVERNANCE_ONLY,
    ("GET", "/governance/outside/undeclared/{undeclared}"): GOVERNANCE_ONLY,
    ("POST", "/governance/outside/undeclared/{undeclared}"): GOVERNANCE_ONLY,
    ("GET", "/governance/outside/people/{person}/birth"): GOVERNANCE_ONLY,
    ("POST", "/governance/outside/people/{person}/birth"): GOVERNANCE_ONLY,
    ("GET", "/governance/outside/mine"): SIGNED_IN,
    ("POST", "/governance/outside/mine/{undeclared}/declare"): SOMEONE_ELSES,
    ("GET", "/governance/outside/mine/{undeclared}/explain"): SOMEONE_ELSES,
    ("POST", "/governance/outside/mine/{undeclared}/explain"): SOMEONE_ELSES,
    ("POST", "/account/set-password/{person}"): each(410, 410, 410, 410, 410),
}


@pytest.fixture
def world(app):
    """Someone else's interest, a breach and a published snapshot, so id routes have something to show."""
    with app.app_context(), session_scope(engine()) as s:
        other = create_person(s, email="other@example.nhs.uk", full_name="Other Person", password=None)
        interest = interests.declare_interest(
            s,
            other.id,
            actor_id=other.id,
            interest_type="financial",
            description="Partner, Canbury Medical Centre",
            date_from=date(2020, 1, 1),
        )
        breach = breaches.record_breach(s, occurred_on=date(2025, 1, 1), what_happened="Did not declare")
        snapshot = publication.publish(s, None)
        committee = Committee(name="Committee")
        s.add(committee)
        s.flush()
        membership = Membership(person_id=other.id, committee_id=committee.id)
        s.add(membership)
        deputy_person = create_person(s, email="deputy@example.nhs.uk", full_name="Deputy Person", password=None)
        nhse = Organisation(name="NHS England", kind="other")
        s.add(nhse)
        s.flush()
        voting = VotingOrganisation(committee_id=committee.id, organisation_id=nhse.id, voting_group="NHSE")
        deputy = Deputy(membership_id=membership.id, person_id=deputy_person.id)
        s.add(voting)
        s.add(deputy)
        meeting = Meeting(committee_id=committee.id, title="Meeting", meeting_date=date.today())
        s.add(meeting)
        s.flush()
        item = meetings.add_items(s, meeting, parse_agenda_text("1 Canbury Medical Centre: contract award"), None)[0]
        meetings.decide(s, meeting, item.id, other.id, action="declare", reason="Told the chair", actor_id=None)
        from registry.models import AwardAuditRun, PossibleUndeclaredInterest
        from registry.services.award_audit import totals as award_totals

        run = AwardAuditRun(status="done", progress=100, totals=award_totals([]))
        undeclared_row = PossibleUndeclaredInterest(
            fingerprint="world",
            person_id=other.id,
            company_number="01234567",
            company_name="OTHER LTD",
            role="director",
            officer_name="PERSON, Other",
            confidence="name only",
            evidence="Companies House lists it",
        )
        s.add_all([run, undeclared_row])
        s.flush()
        return {
            "interest": interest.id,
            "breach": breach.id,
            "snapshot": snapshot.id,
            "meeting": meeting.id,
            "item": item.id,
            "person": other.id,
            "committee": committee.id,
            "membership": membership.id,
            "run": run.id,
            "undeclared": undeclared_row.id,
            "voting": voting.id,
            "deputy": deputy.id,
        }


def _pattern_of(path: str) -> str:
    return re.sub(r"\{[a-z]+\}", "<id>", path.split("?")[0])


def test_every_route_and_method_is_in_the_table(app):
    covered = {(method, _pattern_of(path)) for method, path in ROUTES}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.rule == "/static/<path:filename>":
                assert ("GET", "/static/coi.css") in covered
            elif rule.rule == "/nhsuk/<path:filename>":
                assert ("GET", "/nhsuk/nhsuk-frontend.min.css") in covered
            elif rule.rule == "/vendor/accessible-autocomplete/<path:filename>":
                assert ("GET", "/vendor/accessible-autocomplete/accessible-autocomplete.min.js") in covered
            else:
                pattern = re.sub(r"<(?:int:)?[a-z_]+>", "<id>", rule.rule)
                assert (method, pattern) in covered, f"{method} {rule.rule} is not in the role table"


@pytest.mark.parametrize("role", ROLES)
def test_role_table(app, client, make_user, world, role):
    """Every route and method for every role; the chair of another committee is refused this one's meetings."""
    failures = []
    if role == ANON:
        email = password = None
    elif role == CHAIR_HERE:
        email, password, person_id = make_user("member")
        with app.app_context(), session_scope(engine()) as s:
            s.add(
                Membership(person_id=person_id, committee_id=world["committee"], committee_role="chair", voting=False)
            )
    else:
        email, password, _ = make_user(role)
    signed_in = False
    for (method, template), expected_by_role in ROUTES.items():
        path = template.format(**world)
        if role != ANON and not signed_in:
            sign_in(client, email, password)
            signed_in = True
        expected = expected_by_role[role]
        data = {}
        if method == "POST":
            page = client.get("/" if signed_in else "/sign-in").get_data(as_text=True)
            data["csrf_token"] = csrf_from(page)
            data["idempotency_key"] = new_key()
        response = client.open(path, method=method, data=data)
        if path == "/sign-out":
            signed_in = False
        if expected == SIGN_IN:
            ok = response.status_code == 302 and "/sign-in" in response.headers["Location"]
        elif expected == OK:
            ok = response.status_code in ALLOWED_STATUSES
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{method} {path} as {role}: {response.status_code}, expected {expected}")
    assert not failures, "\n".join(failures)
