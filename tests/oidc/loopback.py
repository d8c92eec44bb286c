"""Starts the real OpenID provider (tests/oidc/provider.mjs, oidc-provider from npm) on loopback, and signs in at it
the way a person would (its login and consent forms), for tests/test_sso.py and tests/test_browser_sign_in.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")

CLIENT_ID = "coi-register"
CLIENT_SECRET = "loopback-test-secret-0123456789abcdef"
OTHER_CLIENT_ID = "another-service"  # a second client at the same provider: its tokens are not for us

ACCOUNTS = {
    "member": {"email": "sso.member@example.nhs.uk", "email_verified": True, "name": "SSO Member"},
    "unverified": {"email": "sso.unverified@example.nhs.uk", "email_verified": False},
    "stranger": {"email": "nobody.here@example.nhs.uk", "email_verified": True},
    "chair": {"email": "sso.chair@example.nhs.uk", "email_verified": True},
}


def missing_prerequisite() -> str | None:
    if not shutil.which("node"):
        return "node is not installed"
    if not (ROOT / "node_modules" / "oidc-provider" / "package.json").is_file():
        return "oidc-provider is not installed (make assets runs npm ci)"
    return None


@dataclass
class LoopbackProvider:
    issuer: str
    process: subprocess.Popen
    redirect_uris: list[str] = field(default_factory=list)

    def tamper_with_next_id_token(self, how: str) -> None:
        """ "audience" (issued to the other client), "expired" or "nonce", re-signed with the provider's key."""
        requests.post(f"{self.issuer}/__test__/tamper", json={"next": how}, timeout=5).raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.process.kill()


def start(redirect_uris: list[str], claims_in_id_token: bool = True) -> LoopbackProvider:
    config = {
        "clients": [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris},
            {
                "client_id": OTHER_CLIENT_ID,
                "client_secret": "another-secret-0123456789abcdefgh",
                "redirect_uris": ["http://127.0.0.1:9/another/callback"],
            },
        ],
        "accounts": ACCOUNTS,
        "claimsInIdToken": claims_in_id_token,
    }
    process = subprocess.Popen(
        ["node", str(SCRIPT), json.dumps(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise RuntimeError("the loopback OpenID provider did not start")
    return LoopbackProvider(json.loads(line)["issuer"], process, redirect_uris)


def _form(html: str, base: str) -> tuple[str, dict]:
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', html).group(1))
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
    }
    return urljoin(base, action), fields


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """Follow the app's redirect to the provider, sign in as `login` and consent; returns the URL the provider
    sends the browser back to (the app's callback, with code, state and iss)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=True, timeout=10)
    for _ in range(4):
        html = response.text
        if 'name="login"' in html:
            action, fields = _form(html, response.url)
            fields.update(login=login, password="anything")
        elif 'value="consent"' in html:
            action, fields = _form(html, response.url)
        else:
            raise AssertionError(f"unexpected page at the provider: {response.status_code} {html[:300]}")
        response = browser.post(action, data=fields, allow_redirects=False, timeout=10)
        while response.status_code in (302, 303) and "/sign-in/sso/callback" not in response.headers["Location"]:
            response = browser.get(
                urljoin(response.url, response.headers["Location"]), allow_redirects=False, timeout=10
            )
        if response.status_code in (302, 303):
            return response.headers["Location"]
    raise AssertionError("the provider never sent the browser back")
