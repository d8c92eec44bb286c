"""Every page a person can open, in Chromium: axe-core finds nothing serious, and at 375 px nothing scrolls
sideways. A GET route that is neither visited here nor listed as not a page fails the test, so a new page
cannot be added without being checked."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select

from coi.database import engine
from registry.db import session_scope

pytestmark = pytest.mark.browser

NOT_PAGES = {  # GET routes that answer with something other than an HTML page, and why
    "static": "files",
    "nhsuk_assets": "files",
    "autocomplete_assets": "files",
    "main.health": "a health check",
    "declarations.assess_gift": "JSON for the gift form",
    "directory.search": "JSON for the type-ahead",
    "admin.check_quorum_rule": "JSON for the quorum rule field",
    "meetings.procurement": "a CSV download",
    "public.register_csv": "a CSV download",
    "public.register_xlsx": "an Excel download",
    "public.register_gifts_csv": "a CSV download",
    "outside.award_run_xlsx": "an Excel download",
    "outside.award_run_status": "JSON for the progress bar",
    "sso.start": "a redirect to the identity provider",
    "sso.callback": "the identity provider's redirect back",
    "auth.code": "reached only half-way through a password sign-in (tests/test_browser_sign_in.py)",
    "auth.set_up_code": "reached only half-way through a password sign-in (tests/test_browser_sign_in.py)",
    "account.set_password": "reached from an emailed link (tests/test_browser_journey.py)",
    "register_import.preview": "reached after an upload (tests/test_browser_import.py)",
    "people_import.preview": "reached after an upload (tests/test_people_import.py)",
}


def _world(app):
    """The demo: a committee, its members and meeting, interests, gifts, a breach and a published register."""
    from registry.demo import load_demo
    from registry.models import (
        Breach,
        Committee,
        Interest,
        Meeting,
        MeetingItem,
        Membership,
        Person,
        RegisterSnapshot,
        ScreeningFlag,
    )

    with app.app_context(), session_scope(engine()) as s:
        sign_ins = load_demo(s)
        member_email = next(e for e, _, roles in sign_ins if roles == "member")
        member = s.exec(select(Person).where(Person.email == member_email)).one()
        flag = s.exec(select(ScreeningFlag)).first()
        ids = {
            "committee_id": s.exec(select(Committee.id)).first(),
            "membership_id": s.exec(select(Membership.id)).first(),
            "meeting_id": s.exec(select(Meeting.id)).first(),
            "item_id": flag.item_id if flag else s.exec(select(MeetingItem.id)).first(),
            "person_id": flag.person_id if flag else member.id,
            "interest_id": s.exec(select(Interest.id).where(Interest.person_id == member.id)).first(),
            "breach_id": s.exec(select(Breach.id)).first(),
            "snapshot_id": s.exec(select(RegisterSnapshot.id)).first(),
        }
        from registry.models import AwardAuditRun, PossibleUndeclaredInterest

        from registry.services.award_audit import totals

        # a finished run has totals, as the service writes them (the page reads them strictly)
        run = AwardAuditRun(status="done", progress=100, files=["awards.json"], totals=totals([]))
        undeclared = PossibleUndeclaredInterest(
            fingerprint="every-page",
            person_id=member.id,
            company_number="01234567",
            company_name="EXAMPLE LTD",
            role="director",
            officer_name=member.full_name.upper(),
            confidence="name only",
            evidence="A director of EXAMPLE LTD at Companies House with the same name",
        )
        if ids["breach_id"] is None:
            from registry.services.breaches import record_breach

            ids["breach_id"] = record_breach(s, occurred_on=date.today(), what_happened="Did not declare").id
        s.add(run)
        s.add(undeclared)
        s.flush()
        ids.update(run_id=run.id, row_id=undeclared.id)
    return sign_ins, ids


def _paths(app, ids) -> dict[str, str]:
    """Endpoint -> a path to visit, for every GET route that is a page."""
    out = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        path = rule.rule
        for name in re.findall(r"<(?:int:)?([a-z_]+)>", path):
            if name not in ids or ids[name] is None:
                raise AssertionError(f"{rule.rule}: no {name} to visit it with; add one to the world or to NOT_PAGES")
            path = re.sub(rf"<(?:int:)?{name}>", str(ids[name]), path)
        out[rule.endpoint + ":" + rule.rule] = path
    return out


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_every_page_is_accessible_and_fits_a_phone(app, page, live_server):
    sign_ins, ids = _world(app)
    paths = _paths(app, ids)
    lead = next((e, p) for e, p, roles in sign_ins if roles == "governance")
    member = next((e, p) for e, p, roles in sign_ins if roles == "member")
    own = {
        "declarations.edit_interest",
        "declarations.end_interest",
        "declarations.interest_history",
        "outside.mine",
        "outside.mine_explain",
    }
    anonymous = {"auth.sign_in", "account.reset"}
    problems, visited = [], set()

    def visit(key, path):
        p = page.goto(path)
        if p.url.endswith("/sign-in") and not key.startswith("auth.sign_in"):
            problems.append(f"{key}: sent to sign in")
            return
        if p.evaluate(
            "!!document.querySelector('.nhsuk-back-link') && !document.querySelector('main .nhsuk-back-link')"
        ):
            problems.append(f"{key}: the back link is outside the main landmark")
        p.set_viewport_size({"width": 375, "height": 800})
        p.reload()  # laid out afresh at phone width, as a phone would (the header's menu adapts on load)
        wide = _overflow(p)
        if wide > 0:
            culprit = p.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(-1).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))""")
            problems.append(f"{key}: scrolls {wide}px sideways at 375 px ({culprit})")
        p.set_viewport_size({"width": 1280, "height": 800})
        visited.add(key.split(":")[0])

    for key, path in paths.items():
        if key.split(":")[0] in anonymous:
            visit(key, path)
    page.sign_in(*member)
    for key, path in paths.items():
        if key.split(":")[0] in own or key.startswith(("meetings.mine", "declarations.", "account.change")):
            visit(key, path)
    page.page.context.clear_cookies()
    page.sign_in(*lead)
    for key, path in paths.items():
        endpoint = key.split(":")[0]
        if endpoint not in visited and endpoint not in own and endpoint not in anonymous:
            visit(key, path)
    missing = {key.split(":")[0] for key in paths} - visited
    assert not missing, f"pages never visited: {sorted(missing)}"
    assert not problems, "\n".join(problems)
