"""Every configuration key the service reads, declared once: its default and what it means.

`create_app` loads these defaults, then `instance/config.py`, then `COI_`-prefixed environment variables
(`COI_SMTP_HOST=…` sets SMTP_HOST), typed like the default. The README's configuration table lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    meaning: str
    kind: type = str  # how an environment variable is read: str, int or bool


SETTINGS: tuple[Setting, ...] = (
    # Where things are
    Setting(
        "DATABASE_URL", None, "SQLite (the embedded default, instance/coi.sqlite) or postgresql+psycopg://user@host/db"
    ),
    Setting("ASSETS_DIR", None, "the compiled NHS.UK frontend (fetched by npm into node_modules)"),
    Setting("SERVICE_URL", "http://127.0.0.1:5000", "the address people use, for links in emails sent by commands"),
    # Requests and cookies
    Setting("MAX_CONTENT_LENGTH", 10 * 1024 * 1024, "largest request in bytes (an uploaded agenda or register)", int),
    Setting("MAX_FORM_MEMORY_SIZE", 512 * 1024, "largest form body held in memory, in bytes", int),
    Setting("SESSION_COOKIE_HTTPONLY", True, "the session cookie is out of reach of scripts", bool),
    Setting("SESSION_COOKIE_SAMESITE", "Lax", "the session cookie is not sent on other sites' posts"),
    Setting("SESSION_COOKIE_SECURE", False, "set true behind HTTPS (also turns on HSTS)", bool),
    Setting("SESSION_COOKIE_NAME", "coi_session", "the session cookie's name"),
    Setting("PERMANENT_SESSION_LIFETIME", timedelta(hours=12), "the signed cookie's own lifetime"),
    Setting("WTF_CSRF_TIME_LIMIT", None, "CSRF tokens live as long as the session"),
    Setting("TRUSTED_PROXIES", 0, "reverse proxies in front whose X-Forwarded-For/-Proto/-Host are believed", int),
    # Sign-in
    Setting("SIGN_IN_WINDOW_MINUTES", 15, "the window over which failed sign-ins from one address are counted", int),
    Setting(
        "SIGN_IN_FAILURES_BEFORE_BACKOFF",
        5,
        "failures for one email from one address before each further try there waits (1 minute, doubling)",
        int,
    ),
    Setting("SIGN_IN_MAX_BACKOFF_MINUTES", 15, "the longest wait between tries for one email from one address", int),
    Setting(
        "SIGN_IN_MAX_FAILURES_PER_IP",
        50,
        "failures from one address in the window before it waits (addresses "
        "the account has signed in from before are exempt)",
        int,
    ),
    Setting(
        "SIGN_IN_MAX_FAILURES_PER_ACCOUNT_PER_HOUR",
        100,
        "failures for one email in an hour from addresses it "
        "has never signed in from, before those addresses wait (OWASP ASVS 2.2.1)",
        int,
    ),
    Setting(
        "SIGN_IN_ALERT_AFTER_FAILURES",
        5,
        "failed sign-ins since the last success after which the member is emailed (again each time the count doubles)",
        int,
    ),
    Setting(
        "PASSWORD_SIGN_IN",
        True,
        "people may sign in with an email address and password (switch off when everyone uses single sign-on)",
        bool,
    ),
    Setting(
        "MFA_REQUIRED",
        True,
        "governance leads, chairs and vice-chairs signing in with a password also give a "
        "code from an authenticator app (TOTP)",
        bool,
    ),
    Setting(
        "OIDC_ISSUER",
        "",
        "single sign-on: the OpenID Connect issuer, e.g. "
        "https://login.microsoftonline.com/TENANT-ID/v2.0 for NHSmail / Microsoft Entra ID (add the optional claim "
        "xms_edov to the app's ID token, so the email is vouched for); empty: no single sign-on",
    ),
    Setting("OIDC_CLIENT_ID", "", "single sign-on: this service's application (client) id at the issuer"),
    Setting(
        "OIDC_CLIENT_SECRET",
        "",
        "single sign-on: the client secret (in instance/config.py or the environment, never the repository)",
    ),
    Setting("OIDC_SCOPES", "openid email profile", "single sign-on: the scopes asked for"),
    Setting("SESSION_IDLE_MINUTES", 30, "a session ends after this long without a request", int),
    Setting("SESSION_ABSOLUTE_HOURS", 12, "a session ends this long after sign-in, whatever happens", int),
    Setting("INVITATION_HOURS", 72, "how long an emailed invitation link (to set a first password) works", int),
    Setting("PASSWORD_RESET_MINUTES", 60, "how long an emailed password-reset link works", int),
    Setting("PASSWORD_RESET_LINKS_PER_HOUR", 3, "reset links sent to one person in an hour; more send nothing", int),
    # Email
    Setting("MAIL_FROM", "governance@localhost", "the sender of every email the service sends"),
    Setting("SMTP_HOST", "", "the SMTP server; without one, emails are not sent and pages say so"),
    Setting("SMTP_PORT", 25, "the SMTP server's port", int),
    Setting("SMTP_TIMEOUT", 30, "seconds to wait for the SMTP server", int),
    Setting("SMTP_SSL", False, "connect with TLS from the start (port 465)", bool),
    Setting("SMTP_STARTTLS", False, "upgrade the connection with STARTTLS (port 587)", bool),
    Setting("SMTP_USERNAME", "", "SMTP sign-in name, if the server needs one"),
    Setting("SMTP_PASSWORD", "", "SMTP password (in instance/config.py or the environment, never the repository)"),
    # The organisation and its policy
    Setting(
        "ORGANISATION_NAME",
        "",
        "the header's organisation name until a governance lead sets it on /governance/organisation",
    ),
    Setting("GIFT_POLICY", None, "overrides of the gifts and hospitality thresholds (registry.services.gifts)"),
    Setting(
        "REGISTER_IMPORT_MAX_AGE_SECONDS",
        3600,
        "an uploaded file waiting for confirmation is refused after this long",
        int,
    ),
    # Rendering
    Setting(
        "COMPONENT_CACHE",
        True,
        "design-system components (form fields, header, footer) are rendered once per "
        "set of parameters and reused (coi/components.py); false renders every call afresh",
        bool,
    ),
    Setting(
        "SECOND_FACTOR_KEY",
        None,
        "seals each authenticator app's secret in the database, so a copy of the database alone cannot make "
        "codes; generated into instance/second_factor_key when unset; every server must share it",
    ),
    # Screening
    Setting(
        "SCREENING_INDEX_AT_START",
        True,
        "each web worker (coi.wsgi) indexes the organisation directory as it starts, so the first chair's screen "
        "does not wait for it; false indexes it on the first screen instead",
        bool,
    ),
    # The audit log (registry.services.audit)
    Setting(
        "AUDIT_KEY",
        None,
        "signs each audit event (HMAC-SHA256), so whoever owns the database cannot rewrite "
        "the log unseen; generated into instance/audit_key when unset; every server must share it",
    ),
    Setting(
        "AUDIT_ANCHOR_FILE",
        None,
        "append-only file, outside the database, that the head of the audit chain "
        "is written to (instance/audit-anchors.jsonl when unset)",
    ),
    Setting(
        "AUDIT_ANCHOR_EVERY",
        100,
        "the audit chain's head is anchored at least every this many events (and every minute with a change)",
        int,
    ),
    # Outside records (issue 15)
    Setting(
        "COMPANIES_HOUSE_API_KEY",
        "",
        "Companies House API key; without one, appointments are read only from "
        "uploaded files and the API is never called",
    ),
    Setting(
        "COMPANIES_HOUSE_API_URL",
        "https://api.company-information.service.gov.uk",
        "the Companies House public data API (HTTPS only)",
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS if s.default is not None or s.name in ("WTF_CSRF_TIME_LIMIT",)}
