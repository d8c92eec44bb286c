"""Importing an existing register (CSV or XLSX): upload, preview, then confirm or cancel. Governance leads only.

Between preview and confirm the uploaded bytes wait in the instance folder (instance/imports/<token>.bin); only
the random token is kept in the (signed) session cookie, and nothing the browser sends back is trusted: the
file is read again and the plan worked out again on confirm. The file is deleted on confirm or cancel and
refused once older than an hour (REGISTER_IMPORT_MAX_AGE_SECONDS).

On the preview the lead can say which register field an unrecognised column holds (or ignore it); the choice is
saved for the next file (registry ImportColumnMapping) and the preview is read again with it. Entries that look
like an interest the person already has are held back unless the lead ticks them on the preview.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Optional

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from coi.auth import role_required
from coi.uploads import PendingUploads, max_age, remove_file
from coi.database import db
from registry.services import register_import as importer

bp = Blueprint("register_import", __name__, url_prefix="/governance")
SESSION_KEY = "register_import"


class UploadForm(FlaskForm):
    register_file = FileField("Upload the register", validators=[FileRequired("Select a CSV or Excel file to import")])


class ConfirmImportForm(FlaskForm):
    """The preview's one form: "Import N rows" posts it to confirm, "Cancel" (formaction) to cancel."""

    plan = HiddenField()  # a digest of what the preview showed: if the register changed since, preview again


class CancelImportForm(FlaskForm):
    pass


class ColumnsForm(FlaskForm):
    """The preview's column choices: one select per unrecognised column, posted as column-<index>; read by
    hand from the request because the columns depend on the file."""


UPLOADS = PendingUploads(SESSION_KEY)  # the waiting file: coi/uploads.py
_imports_dir, _sweep, _pending_path = UPLOADS.folder, UPLOADS.sweep, UPLOADS.path
_forget_pending, _pending, _remove, _max_age = UPLOADS.forget, UPLOADS.pending, remove_file, max_age


@bp.route("/import", methods=["GET", "POST"])
@role_required("governance")
def upload():
    form = UploadForm()
    failure = None
    if form.validate_on_submit():
        data = form.register_file.data.read(importer.MAX_FILE_BYTES + 1)
        filename = form.register_file.data.filename or "upload"
        try:
            importer.parse_register(filename, data, importer.load_mappings(db()))
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
    return render_template("governance/import.jinja", form=form, failure=failure)


def _read_pending():
    pending = _pending()
    if pending is None:
        return None, None, None
    path, filename = pending
    try:
        parsed = importer.parse_register(filename, path.read_bytes(), importer.load_mappings(db()))
    except (importer.RegisterImportError, FileNotFoundError):
        _forget_pending()
        return None, None, None
    return path, parsed, importer.plan_import(db(), parsed)


def _render_preview(parsed, plan, choices: Optional[dict] = None, errors: Optional[dict] = None, status: int = 200):
    confirm = ConfirmImportForm()
    confirm.plan.data = plan.digest()
    errors = errors or {}
    error_list = [{"text": message, "href": f"#column-{index}"} for index, message in errors.items()]
    return render_template(
        "governance/import_preview.jinja",
        parsed=parsed,
        plan=plan,
        confirm=confirm,
        columns_form=ColumnsForm(),
        choices=choices or {},
        column_errors=errors,
        error_list=error_list,
        importer=importer,
    ), status


@bp.get("/import/preview")
@role_required("governance")
def preview():
    path, parsed, plan = _read_pending()
    if parsed is None:
        return redirect(url_for(".upload"))
    return _render_preview(parsed, plan)


@bp.post("/import/columns")
@role_required("governance")
def columns():
    """Save the lead's choice of field for each unrecognised column, then show the preview read with them."""
    form = ColumnsForm()
    if not form.validate_on_submit():
        return redirect(url_for(".preview"))
    path, parsed, plan = _read_pending()
    if parsed is None:
        flash("There is no import waiting. Upload the file again.", "info")
        return redirect(url_for(".upload"))
    choices = {c.index: request.form.get(f"column-{c.index}", importer.IGNORE) for c in parsed.mappable_columns}
    errors = importer.check_mapping(parsed, choices)
    if errors:
        return _render_preview(parsed, plan, choices, errors)
    s = db()
    by_key = {}
    for column in parsed.mappable_columns:
        by_key[column.key] = choices[column.index]
    changed = importer.save_mappings(s, by_key, current_user.id)
    s.commit()
    if changed:
        flash(
            "Column choices saved. They will be used for this file and the next one with the same headings.", "success"
        )
    return redirect(url_for(".preview"))


@bp.post("/import/confirm")
@role_required("governance")
def confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        return redirect(url_for(".preview"))
    taken = UPLOADS.claim()
    if taken is None:
        return redirect(url_for(".upload"))
    path, claimed, filename = taken
    s = db()
    try:
        parsed = importer.parse_register(filename, claimed.read_bytes(), importer.load_mappings(s))
        importer.lock_for_import(s)
        plan = importer.plan_import(s, parsed)
        if parsed.missing or plan.digest() != form.plan.data:
            claimed.rename(path)
            flash("The register changed after the preview was shown. Check the preview again before importing.", "info")
            return redirect(url_for(".preview"))
        plan.add_anyway(request.form.getlist("add_anyway"))
        result = importer.apply_import(s, parsed, current_user.id, plan=plan)
        s.commit()
    except importer.RegisterImportError as error:  # only if the file could be read at upload but not now
        s.rollback()
        _remove(claimed)
        session.pop(SESSION_KEY, None)
        flash(f"The file could not be imported: {error}", "info")
        return redirect(url_for(".upload"))
    except Exception:
        s.rollback()
        if claimed.exists():
            claimed.rename(path)
        raise
    _remove(claimed)
    session.pop(SESSION_KEY, None)
    flash(importer.describe(result), "success")
    return redirect(url_for("governance.review_list", show="all"))


@bp.post("/import/cancel")
@role_required("governance")
def cancel():
    form = CancelImportForm()
    if form.validate_on_submit():
        _forget_pending()
        flash("Import cancelled. Nothing was added to the register and the uploaded file was deleted.", "info")
    return redirect(url_for(".upload"))
