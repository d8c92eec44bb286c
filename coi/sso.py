"""Single sign-on with OpenID Connect (NHSmail / Microsoft Entra ID, or any OpenID provider), through Authlib.

The authorisation code flow with PKCE (S256): Authlib keeps the state, nonce and code verifier in the signed
session cookie, refuses a callback whose state is not the one it sent, and checks the ID token's signature (the
issuer's published keys), issuer, audience (this client), expiry and nonce. The account is the existing, active
person whose email is the one the provider vouches for (`email_verified`): nobody registers themselves this way.
A refusal says why; one about a real identity (unknown or unverified email, deactivated account) is audited.
Sign-ins this way skip the service's own second factor: the identity provider's MFA applies.
"""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError
from sqlmodel import select

from coi.auth import _safe_next, complete_sign_in, sso_configured
from coi.database import db
from registry.db import begin_writing
from registry.models import Person
from registry.services import audit
from registry.services.accounts import email_key, normalise_email

bp = Blueprint("sso", __name__)

CLIENT = "coi_sso_client"


def init_app(app) -> None:
    if not (app.config.get("OIDC_ISSUER") and app.config.get("OIDC_CLIENT_ID")):
        return
    oauth = OAuth(app)
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    app.extensions[CLIENT] = oauth.register(
        "nhs",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10},
    )


def _client():
    if not sso_configured() or CLIENT not in current_app.extensions:
        abort(404)
    return current_app.extensions[CLIENT]


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sign-in/sso")
def start():
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    next_url = _safe_next(request.args.get("next"))
    try:
        response = client.authorize_redirect(url_for("sso.callback", _external=True))
    except requests.RequestException as error:
        current_app.logger.error("single sign-on: the identity provider could not be reached: %s", error)
        return _refused("unreachable", status=503)
    session["sso_next"] = next_url
    return response


REASONS = {
    "unreachable": "The NHSmail / Microsoft sign-in service could not be reached. Try again in a few minutes, or "
    "sign in with your email address and password.",
    "refused": "The sign-in could not be completed: it may have taken too long, been started in another browser "
    "window, or been changed on the way. Start again from the sign-in page.",
    "unverified": "Your NHSmail / Microsoft account did not confirm its email address, so it cannot be matched to an "
    "account here. Ask your governance lead.",
    "unknown": "There is no account here for the email address of your NHSmail / Microsoft account. Accounts are set "
    "up by your governance lead: ask them to add you, or to correct the email address they hold for you.",
    "inactive": "Your account here has been deactivated. Contact your governance lead if you need it again.",
}


def _refused(reason: str, status: int = 400, claims: dict | None = None):
    if claims is not None:  # the provider vouched for an identity: who tried, and why they were turned away
        audit.record(
            db(),
            "sign-in.sso-refused",
            detail={
                "reason": reason,
                "ip": request.remote_addr or "",
                "email_key": email_key(str(claims.get("email") or ""))[:12],
                "issuer": str(claims.get("iss") or ""),
            },
        )
        db().commit()
    return render_template("auth/sso_refused.jinja", message=REASONS[reason]), status


def verified_email(claims: dict) -> str | None:
    """The email the identity provider vouches for, or None. Standard providers say so with `email_verified`;
    Microsoft Entra ID (NHSmail) does not send that claim, but can send `xms_edov` (the email's domain owner is
    verified: an optional claim the tenant's administrator turns on for this app). Either vouches; nothing else."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return None
    if claims.get("email_verified") is True or claims.get("xms_edov") is True:
        return email
    return None


@bp.get("/sign-in/sso/callback")
def callback():
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    try:
        token = client.authorize_access_token()
    except requests.RequestException as error:
        current_app.logger.error("single sign-on: the identity provider could not be reached: %s", error)
        return _refused("unreachable", status=503)
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError) as error:
        # A state that is not ours, a code the provider would not exchange, an ID token with a bad signature,
        # another audience, an expired one, or another nonce. Not audited: anyone can send junk to this address.
        current_app.logger.warning("single sign-on refused: %s: %s", type(error).__name__, error)
        return _refused("refused")
    begin_writing(db())  # a GET that records a sign-in (or an audited refusal)
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        current_app.logger.warning("single sign-on refused: no ID token in the token response")
        return _refused("refused")
    if "email" not in claims:
        # Providers that keep claims out of the ID token give them at the userinfo endpoint, for the same subject.
        try:
            info = client.userinfo(token=token)
        except (requests.RequestException, AuthlibBaseError, ValueError) as error:
            current_app.logger.warning("single sign-on: userinfo failed: %s", error)
            return _refused("refused")
        if info.get("sub") == claims["sub"]:
            claims.update({k: info[k] for k in ("email", "email_verified", "xms_edov") if k in info})
    email = verified_email(claims)
    if email is None:
        return _refused("unverified", status=403, claims=claims)
    s = db()
    person = s.exec(select(Person).where(Person.email == normalise_email(email))).first()
    if person is None:
        return _refused("unknown", status=403, claims=claims)
    if not person.active:
        return _refused("inactive", status=403, claims=claims)
    next_url = session.get("sso_next") or url_for("main.home")
    return complete_sign_in(person, "single-sign-on", next_url)
