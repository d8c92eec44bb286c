"""Error pages: a clear message, never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("There is a problem with your request", "The request could not be understood. Go back and try again."),
    403: (
        "You do not have permission to see this page",
        "Your account does not have the role this page needs. "
        "Contact your governance lead if you think you should have access.",
    ),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("There is a problem with your request", "That action is not allowed on this page."),
    413: ("The file or form is too large", "Make the file or text smaller and try again."),
    429: ("Too many requests", "Wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
    503: (
        "Sorry, the service is unavailable",
        "The register's database cannot be reached. Try again in a few minutes.",
    ),
}


def render_error(status: int, detail: str | None = None):
    title, body = MESSAGES.get(status, MESSAGES[500])
    return render_template("error.jinja", status=status, title=title, body=detail or body), status


def upload_limit() -> str:
    """The largest request the service takes (MAX_CONTENT_LENGTH), in the words a file chooser's hint uses."""
    limit = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    if limit >= 1024 * 1024:
        megabytes = limit / (1024 * 1024)
        return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    return f"{max(1, limit // 1024)} KB"


def too_large():
    """413: the limit stated, and a way back to the form (forms post to their own address) rather than home."""
    back = request.path if request.method == "POST" else None
    body = (
        f"The file or form you sent is larger than the {upload_limit()} the service accepts, so nothing was "
        "saved. Choose a smaller file (for a Word or PDF document, remove pictures or split it into parts) "
        "and send it again."
    )
    return render_template(
        "error.jinja", status=413, title="The file is too large", body=body, back=back, back_text="Go back to the form"
    ), 413


def init_app(app: Flask) -> None:
    app.jinja_env.globals["upload_limit"] = upload_limit

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(
            400, "The form has expired or was not sent from this service. Go back, reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code == 413:
            return too_large()
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(OperationalError)
    def _db_down(error):
        app.logger.error("database unavailable: %s", error)
        return render_error(503)

    @app.errorhandler(DBAPIError)
    def _db_error(error):
        if getattr(error, "connection_invalidated", False):
            return render_error(503)
        app.logger.exception("database error")
        return render_error(500)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("unhandled error")
        return render_error(500)
