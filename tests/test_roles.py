"""Every view × every role gets the expected status. A new route must be added to ROUTES to pass."""
import pytest

from tests.conftest import sign_in

ANON, MEMBER, CHAIR, GOVERNANCE = "anonymous", "member", "chair", "governance"
SIGN_IN = "sign-in"  # anonymous visitors are redirected to the sign-in page

# (method, path) -> expected status per role
ROUTES = {
    ("GET", "/"): {ANON: SIGN_IN, MEMBER: 200, CHAIR: 200, GOVERNANCE: 200},
    ("GET", "/sign-in"): {ANON: 200, MEMBER: 302, CHAIR: 302, GOVERNANCE: 302},
    ("POST", "/sign-out"): {ANON: SIGN_IN, MEMBER: 302, CHAIR: 302, GOVERNANCE: 302},
    ("GET", "/healthz"): {ANON: 200, MEMBER: 200, CHAIR: 200, GOVERNANCE: 200},
    ("GET", "/accessibility"): {ANON: 200, MEMBER: 200, CHAIR: 200, GOVERNANCE: 200},
    ("GET", "/static/coi.css"): {ANON: 200, MEMBER: 200, CHAIR: 200, GOVERNANCE: 200},
    ("GET", "/nhsuk/nhsuk-frontend.min.css"): {ANON: 200, MEMBER: 200, CHAIR: 200, GOVERNANCE: 200},
}


def _rule_key(rule):
    path = rule.rule.replace("<path:filename>", "PLACEHOLDER")
    return path


def test_every_route_is_in_the_table(app):
    covered = {path for _, path in ROUTES}
    for rule in app.url_map.iter_rules():
        pattern = rule.rule
        if pattern == "/static/<path:filename>":
            assert "/static/coi.css" in covered
        elif pattern == "/nhsuk/<path:filename>":
            assert "/nhsuk/nhsuk-frontend.min.css" in covered
        else:
            concrete = pattern
            for arg in rule.arguments:
                concrete = concrete.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
            assert concrete in covered, f"{pattern} is not in the role table"


@pytest.mark.parametrize("role", [ANON, MEMBER, CHAIR, GOVERNANCE])
def test_role_table(app, client, make_user, role):
    if not app.config["HAVE_NHSUK_ASSETS"]:
        pytest.skip("the NHS.UK frontend assets have not been fetched (npm)")
    for (method, path), expected_by_role in ROUTES.items():
        if role != ANON:
            client.delete_cookie("coi_session")
            email, password, _ = make_user(role)
            sign_in(client, email, password)
        expected = expected_by_role[role]
        data = {}
        if method == "POST":
            from tests.conftest import csrf_from

            page = client.get("/" if role != ANON else "/sign-in").get_data(as_text=True)
            data["csrf_token"] = csrf_from(page)
        response = client.open(path, method=method, data=data)
        if expected == SIGN_IN:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], (method, path, role)
        else:
            assert response.status_code == expected, (method, path, role, response.status_code)
