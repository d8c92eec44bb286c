"""What the public sees, without signing in: the latest published register and breach summaries."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from coi.database import db
from registry.db import begin_writing
from registry.models import InterestType
from registry.services import audit, breaches, publication

bp = Blueprint("public", __name__)
PAGE_SIZE = 50


def _filter_from_request() -> publication.RegisterFilter:
    args = request.args
    return publication.RegisterFilter(
        name=args.get("name", "").strip()[:100],
        committee=args.get("committee", "").strip()[:200],
        organisation=args.get("organisation", "").strip()[:200],
        interest_type=args.get("type", "").strip()[:40],
    )


_swept: dict[str, date] = {}  # per database: the day this worker last redacted entries whose public period ended


def _redact_expired_once_a_day() -> None:
    """An entry's public period ends with the passing of time, not with a request: the first public read of each
    day (per worker) redacts, with an audit event each, whatever has expired since."""
    s = db()
    database, today = str(s.get_bind().engine.url), date.today()
    if _swept.get(database) == today:
        return
    if publication.needs_expiry_redactions(s, today):
        begin_writing(s)
        publication.redact_expired(s, today)
        s.commit()
    _swept[database] = today


def _snapshot(snapshot_id: int | None, listed=None) -> publication.PublishedRegister | None:
    _redact_expired_once_a_day()
    snapshot = publication.served(db(), snapshot_id, listed)
    if snapshot is None and snapshot_id is not None:
        abort(404)
    return snapshot


@bp.get("/register")
@bp.get("/register/snapshots/<int:snapshot_id>")
def register(snapshot_id: int | None = None):
    snapshots = publication.list_snapshots(db())
    snapshot = _snapshot(snapshot_id, snapshots)
    chosen = _filter_from_request()
    rows = snapshot.select(chosen) if snapshot else ()
    gifts = snapshot.select_gifts(chosen) if snapshot else ()
    committees = snapshot.committees if snapshot else ()
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(pages, max(1, request.args.get("page", 1, type=int) or 1))
    # Earlier versions: every other snapshot once, newest first (the one shown is not "earlier" than itself).
    earlier = [s for s in snapshots if snapshot is None or s.id != snapshot.id]
    return render_template(
        "public/register.jinja",
        snapshot=snapshot,
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(rows),
        page=page,
        pages=pages,
        chosen=chosen,
        committees=committees,
        types=[t.value for t in InterestType],
        snapshots=earlier,
        gifts=gifts,
        filtered=chosen != publication.RegisterFilter(),
        latest=snapshot_id is None,
        latest_id=snapshots[0].id if snapshots else None,
    )


EXPORTS = {  # format: (file name ending, media type)
    "csv": ("csv", "text/csv"),
    "gifts.csv": ("gifts-and-hospitality.csv", "text/csv"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _export(snapshot: publication.PublishedRegister, fmt: str, chosen: publication.RegisterFilter) -> bytes:
    if fmt == "csv":
        return publication.export_csv(snapshot, snapshot.select(chosen))
    if fmt == "gifts.csv":
        return publication.export_gifts_csv(snapshot, snapshot.select_gifts(chosen))
    return publication.export_xlsx(snapshot, snapshot.select(chosen), snapshot.select_gifts(chosen))


def _download(snapshot_id: int | None, fmt: str):
    snapshot = _snapshot(snapshot_id)
    if snapshot is None:
        abort(404)
    chosen = _filter_from_request()
    ending, mimetype = EXPORTS[fmt]
    name = f"register-of-interests-{snapshot.as_of.isoformat()}"
    _record_export(snapshot, fmt, len(snapshot.select_gifts(chosen) if fmt == "gifts.csv" else snapshot.select(chosen)))
    if chosen == publication.RegisterFilter():  # the whole register: the same bytes every time
        key = (snapshot.database, snapshot.id, snapshot.redaction, fmt)
        if key not in _whole_exports:
            if len(_whole_exports) >= 8:
                _whole_exports.clear()
            _whole_exports[key] = _export(snapshot, fmt, chosen)
        body = _whole_exports[key]
    else:
        body = _export(snapshot, fmt, chosen)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}.{ending}"'})


_whole_exports: dict[tuple, bytes] = {}  # a snapshot as served changes only with a redaction (part of the key)


def _record_export(snapshot: publication.PublishedRegister, fmt: str, rows: int) -> None:
    s = db()
    begin_writing(s)
    audit.record(
        s,
        "register.exported",
        actor_id=current_user.id if current_user.is_authenticated else None,
        object_type="snapshot",
        object_id=snapshot.id,
        detail={"format": fmt, "rows": rows},
    )
    s.commit()


@bp.get("/register.csv")
@bp.get("/register/snapshots/<int:snapshot_id>.csv")
def register_csv(snapshot_id: int | None = None):
    return _download(snapshot_id, "csv")


@bp.get("/register/gifts.csv")
@bp.get("/register/snapshots/<int:snapshot_id>/gifts.csv")
def register_gifts_csv(snapshot_id: int | None = None):
    """Declared gifts and hospitality: a second file, so each CSV is one table with its header first."""
    return _download(snapshot_id, "gifts.csv")


@bp.get("/register.xlsx")
@bp.get("/register/snapshots/<int:snapshot_id>.xlsx")
def register_xlsx(snapshot_id: int | None = None):
    return _download(snapshot_id, "xlsx")


@bp.get("/breaches")
def breach_summaries():
    return render_template("public/breaches.jinja", breaches=breaches.public_breaches(db()))
