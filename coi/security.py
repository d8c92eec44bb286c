"""CSRF on every form, refusal of malformed input, security headers, and no caching of signed-in pages."""

from __future__ import annotations

import re
import secrets
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


# C0 control characters other than tab, line feed and carriage return: no person types them, PostgreSQL refuses
# NUL in text, and XML (the .xlsx and .docx exports) cannot hold any of them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MALFORMED = "The request contained text that is not valid (bytes that are not UTF-8, or control characters)."


def _urlencoded_is_clean(raw: bytes) -> bool:
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not CONTROL_CHARACTERS.search(text)


def check_input() -> None:
    """400 for query strings and form fields that are not UTF-8 or hold control characters; files are not checked."""
    if request.query_string and not _urlencoded_is_clean(request.query_string):
        abort(400, MALFORMED)
    if request.method not in {"POST", "PUT", "PATCH"}:
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        if not _urlencoded_is_clean(request.get_data(cache=True)):  # bounded by MAX_CONTENT_LENGTH (413 past it)
            abort(400, MALFORMED)
    elif request.mimetype == "multipart/form-data":
        # Werkzeug decodes multipart fields with "replace": invalid UTF-8 arrives as U+FFFD. A part whose header
        # cannot be read has no name at all (None), which Flask-WTF's CSRF check would trip over.
        if any(not isinstance(key, str) for key in [*request.form.keys(), *request.files.keys()]):
            abort(400, MALFORMED)
        for value in request.form.values():
            if "\ufffd" in value or CONTROL_CHARACTERS.search(value):
                abort(400, MALFORMED)


def init_app(app: Flask) -> None:
    app.before_request(check_input)  # before CSRF's check, which parses the form
    csrf.init_app(app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response):
        nonce = csp_nonce()
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Referrer-Policy", "same-origin")  # a page may ask for less (account links)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.is_secure or app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if current_user.is_authenticated or request.endpoint in {"auth.sign_in"}:
            response.headers["Cache-Control"] = "no-store"
        return response
