"""Bulk import of people and committee memberships (CSV or XLSX): upload, preview, then confirm or cancel.

Governance leads only. The same pattern as the register import (coi.register_import): between preview and
confirm the uploaded bytes wait in the instance folder (instance/imports/people/<token>.bin); only the random
token is kept in the signed session cookie, and on confirm the file is read again and the plan worked out
again, and refused if it no longer matches the preview. The file is deleted on confirm or cancel and refused
once older than an hour (REGISTER_IMPORT_MAX_AGE_SECONDS). Claiming the file by an atomic rename, and the
form's idempotency key, make a second click or a retried post import nothing twice.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from coi.admin_forms import PeopleImportForm
from coi.auth import role_required
from coi.uploads import PendingUploads, max_age, remove_file
from coi.database import db
from coi.idempotency import commit_once
from registry.services import committees as committee_service
from registry.services import people as people_service
from registry.services import people_import as importer

bp = Blueprint("people_import", __name__, url_prefix="/governance/people/import")
SESSION_KEY = "people_import"


class ConfirmPeopleImportForm(FlaskForm):
    """The preview's form: "Import" posts it to confirm, "Cancel" (formaction) to cancel."""

    plan = HiddenField()  # a digest of what the preview showed: if anything changed since, preview again


class CancelPeopleImportForm(FlaskForm):
    pass


UPLOADS = PendingUploads(SESSION_KEY, "people")  # the waiting file: coi/uploads.py
_imports_dir, _sweep, _pending_path = UPLOADS.folder, UPLOADS.sweep, UPLOADS.path
_forget_pending, _pending, _remove, _max_age = UPLOADS.forget, UPLOADS.pending, remove_file, max_age


@bp.route("", methods=["GET", "POST"])
@role_required("governance")
def upload():
    form = PeopleImportForm()
    failure = None
    if form.validate_on_submit():
        upload_file = form.document.data
        if not upload_file or not getattr(upload_file, "filename", None):
            failure = "Select a CSV or Excel file to import"
        else:
            data = upload_file.read(importer.MAX_FILE_BYTES + 1)
            filename = upload_file.filename or "upload"
            try:
                importer.parse_people(filename, data)
            except importer.RegisterImportError as error:
                failure = str(error)
            else:
                _forget_pending()
                _sweep()
                token = secrets.token_urlsafe(32)
                path = _imports_dir() / f"{token}.bin"
                path.write_bytes(data)
                path.chmod(0o600)
                session[SESSION_KEY] = {
                    "token": token,
                    "filename": Path(filename.replace("\\", "/")).name[:200],
                    "person": current_user.id,
                }
                return redirect(url_for(".preview"))
    elif form.is_submitted() and not form.errors.get("csrf_token"):
        failure = "Select a CSV or Excel file to import"
    committees = committee_service.committees(db(), include_closed=False)
    return render_template("admin/people_import.jinja", form=form, failure=failure, committees=committees)


@bp.get("/preview")
@role_required("governance")
def preview():
    pending = _pending()
    if pending is None:
        return redirect(url_for(".upload"))
    path, filename = pending
    try:
        parsed = importer.parse_people(filename, path.read_bytes())
    except (importer.RegisterImportError, FileNotFoundError):
        _forget_pending()
        return redirect(url_for(".upload"))
    plan = importer.plan_people(db(), parsed)
    confirm_form = ConfirmPeopleImportForm()
    confirm_form.plan.data = plan.digest()
    return render_template(
        "admin/people_import_preview.jinja", parsed=parsed, plan=plan, confirm=confirm_form, importer=importer
    )


@bp.post("/confirm")
@role_required("governance")
def confirm():
    form = ConfirmPeopleImportForm()
    if not form.validate_on_submit():
        return redirect(url_for(".preview"))
    taken = UPLOADS.claim()
    if taken is None:
        return redirect(url_for(".upload"))
    path, claimed, filename = taken
    s = db()
    location = url_for("admin.people")
    try:
        parsed = importer.parse_people(filename, claimed.read_bytes())
        plan = importer.plan_people(s, parsed)
        if plan.digest() != form.plan.data:
            claimed.rename(path)
            flash(
                "People or committees changed after the preview was shown. Check the preview again before importing.",
                "info",
            )
            return redirect(url_for(".preview"))
        result = importer.apply_people(s, parsed, current_user.id, plan=plan)
        committed = commit_once(s, location)
    except importer.RegisterImportError as error:  # only if the file could be read at upload but not now
        s.rollback()
        _remove(claimed)
        session.pop(SESSION_KEY, None)
        flash(f"The file could not be imported: {error}", "info")
        return redirect(url_for(".upload"))
    except (people_service.AccountError, committee_service.CommitteeError) as error:
        s.rollback()  # a rule refused a row the preview allowed: nothing is imported
        claimed.rename(path)
        flash(f"Nothing was imported. {error}. Check the preview again.", "info")
        return redirect(url_for(".preview"))
    except Exception:
        s.rollback()
        if claimed.exists():
            claimed.rename(path)
        raise
    _remove(claimed)
    session.pop(SESSION_KEY, None)
    if committed:
        flash(importer.describe(result), "success")
    return redirect(location)


@bp.post("/cancel")
@role_required("governance")
def cancel():
    form = CancelPeopleImportForm()
    if form.validate_on_submit():
        _forget_pending()
        flash("Import cancelled. Nobody was added and the uploaded file was deleted.", "info")
    return redirect(url_for(".upload"))
