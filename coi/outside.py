"""Auditing the register against outside records (governance leads): published contract awards screened against
every committee as a background job, and Companies House appointments nobody declared. Members answer their own
possible undeclared interests under /governance/outside/mine.

An award audit runs in a thread of the worker that received the upload; its status and progress are in the
database (AwardAuditRun), so any worker can show the page, and the page polls a small status document.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from datetime import date
from pathlib import Path
from typing import Optional

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlmodel import Session, func, select
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from coi.auth import role_required
from coi.database import db, engine
from coi.forms import DateParts
from coi.idempotency import commit_once
from registry.db import begin_writing, end_reading, reading_transactions, session_scope
from registry.models import AuditRunStatus, AwardAuditRun, Person, PersonBirthMonth, PossibleUndeclaredInterest
from registry.outside.awards import AwardFileError, read_award_files
from registry.outside.companies_house import (
    CompaniesHouseApi,
    CompaniesHouseApiError,
    CompaniesHouseFileError,
    read_companies_house_files,
)
from registry.services import award_audit, undeclared

bp = Blueprint("outside", __name__, url_prefix="/governance/outside")
log = logging.getLogger(__name__)
ANY_ROLE = ("member", "chair", "governance")
MAX_FILES = 20
RESULTS_SHOWN = 500  # conflicted awards listed on the page; the workbook has every award
SAFE_NAME = "".join(chr(c) for c in range(ord("a"), ord("z") + 1)) + "0123456789._-"


class AwardsForm(FlaskForm):
    award_files = MultipleFileField("Award notices")
    date_from = DateParts("Awards from", required=False)
    date_to = DateParts("Awards to", required=False)


class CompaniesHouseForm(FlaskForm):
    ch_files = MultipleFileField("Companies House files")
    period_from = DateParts("Register period from", required=False)
    period_to = DateParts("Register period to", required=False)


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Enter the reason"), Length(max=2000)])


class BirthForm(FlaskForm):
    birth_month = IntegerField(
        "Month of birth",
        validators=[
            DataRequired("Enter the month of birth as a number from 1 to 12"),
            NumberRange(min=1, max=12, message="Month of birth must be a number from 1 to 12"),
        ],
    )
    birth_year = IntegerField(
        "Year of birth",
        validators=[
            DataRequired("Enter the year of birth"),
            NumberRange(min=1900, max=2100, message="Enter a real year"),
        ],
    )


class DeclareForm(FlaskForm):
    pass


# --- award audits ------------------------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    base = Path((name or "upload").replace("\\", "/")).name.lower()
    cleaned = "".join(c if c in SAFE_NAME else "-" for c in base).strip(".-") or "upload"
    return cleaned[-100:]


def _uploads_dir() -> Path:
    folder = Path(current_app.instance_path) / "outside"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _work(app, run_id: int, folder: Path, date_from: Optional[date], date_to: Optional[date]) -> None:
    """The audit, in its own thread: reads with no lock held, writes progress in short transactions."""
    with app.app_context():
        eng = engine()

        def write(change) -> None:
            token = reading_transactions(False)
            try:
                with session_scope(eng) as session:
                    change(session, session.get(AwardAuditRun, run_id))
            finally:
                end_reading(token)

        try:
            paths = sorted(p for p in folder.iterdir() if p.is_file())
            read = read_award_files(paths, date_from, date_to)
            write(lambda s, run: award_audit.mark_running(s, run, len(read.awards), read.skipped_without_award))
            token = reading_transactions(True)
            try:
                with Session(eng, expire_on_commit=False) as session:
                    from registry.services.meetings.screening import directory_engine

                    report = award_audit.audit_database(
                        session,
                        directory_engine(session),
                        read,
                        progress=lambda done, total: write(
                            lambda s, run: award_audit.record_progress(s, run, 5 + 90 * done // max(1, total))
                        ),
                    )
            finally:
                end_reading(token)
            write(lambda s, run: award_audit.store_results(s, run, report))
        except AwardFileError as error:
            message = str(error)
            write(lambda s, run: award_audit.fail_run(s, run, message))
        except Exception as error:  # the run must end as failed, whatever happened, or the page polls for ever
            log.exception("award audit %s failed", run_id)
            message = f"The audit stopped unexpectedly ({type(error).__name__})."
            write(lambda s, run: award_audit.fail_run(s, run, message))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def start_in_background(app, run_id: int, folder: Path, date_from, date_to) -> threading.Thread:
    thread = threading.Thread(
        target=_work, args=(app, run_id, folder, date_from, date_to), name=f"award-audit-{run_id}", daemon=True
    )
    thread.start()
    return thread


@bp.route("/awards", methods=["GET", "POST"])
@role_required("governance")
def awards():
    s = db()
    form = AwardsForm()
    failure = None
    if form.validate_on_submit():
        uploads = [f for f in request.files.getlist(form.award_files.name) if f and f.filename]
        if not uploads:
            failure = "Select one or more award files (OCDS JSON or CSV)"
        elif len(uploads) > MAX_FILES:
            failure = f"Upload at most {MAX_FILES} files at once"
        elif form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
            failure = "Awards to must be the same as or after awards from"
        else:
            contents = [(_safe_name(f.filename), f.read()) for f in uploads]
            try:  # read now, so a malformed file is refused beside the field and nothing is started
                read_award_files(contents, form.date_from.data, form.date_to.data)
            except AwardFileError as error:
                failure = str(error)
            else:
                run = award_audit.start_run(
                    s, current_user.id, [name for name, _ in contents], form.date_from.data, form.date_to.data
                )
                folder = _uploads_dir() / f"run-{run.id}-{secrets.token_hex(8)}"
                folder.mkdir(mode=0o700)
                for n, (name, data) in enumerate(contents):
                    (folder / f"{n:02d}-{name}").write_bytes(data)
                location = url_for(".award_run", run_id=run.id)
                if commit_once(s, location):
                    start_in_background(
                        current_app._get_current_object(), run.id, folder, form.date_from.data, form.date_to.data
                    )
                return redirect(location)
    _end_stalled_runs()
    runs = s.exec(select(AwardAuditRun).order_by(AwardAuditRun.id.desc()).limit(50)).all()
    return render_template("outside/awards.jinja", form=form, failure=failure, runs=runs)


def _end_stalled_runs() -> None:
    """A run whose worker died (a restart, a killed process) is ended as failed when someone next looks."""
    s = db()
    if award_audit.stalled_runs(s):  # a read on every look; a write only when there is something to end
        begin_writing(s)
        award_audit.end_stalled_runs(s)
        s.commit()


def _run(run_id: int) -> AwardAuditRun:
    _end_stalled_runs()
    run = db().get(AwardAuditRun, run_id)
    if run is None:
        abort(404)
    return run


@bp.get("/awards/<int:run_id>")
@role_required("governance")
def award_run(run_id: int):
    run = _run(run_id)
    results = award_audit.stored_results(db(), run.id, conflicted_only=True) if run.status == "done" else []
    return render_template(
        "outside/award_run.jinja",
        run=run,
        results=results[:RESULTS_SHOWN],
        more=max(0, len(results) - RESULTS_SHOWN),
        running=run.status in (AuditRunStatus.queued.value, AuditRunStatus.running.value),
    )


@bp.get("/awards/<int:run_id>/status")
@role_required("governance")
def award_run_status(run_id: int):
    run = _run(run_id)
    return jsonify(status=run.status, progress=run.progress, error=run.error)


@bp.get("/awards/<int:run_id>.xlsx")
@role_required("governance")
def award_run_xlsx(run_id: int):
    run = _run(run_id)
    if run.status != AuditRunStatus.done.value:
        abort(404)
    data = award_audit.render_xlsx(award_audit.stored_results(db(), run.id), run.totals)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="award-audit-{run.id}.xlsx"'},
    )


# --- Companies House ---------------------------------------------------------------------------------------------


@bp.route("/undeclared", methods=["GET", "POST"])
@role_required("governance")
def undeclared_list():
    s = db()
    form = CompaniesHouseForm()
    failure = None
    api_key = current_app.config.get("COMPANIES_HOUSE_API_KEY") or ""
    if form.validate_on_submit():
        period = undeclared.default_period()
        period = (form.period_from.data or period[0], form.period_to.data or period[1])
        uploads = [f for f in request.files.getlist(form.ch_files.name) if f and f.filename]
        use_api = request.form.get("use_api") == "yes" and bool(api_key)
        try:
            if uploads:
                appointments = read_companies_house_files([(_safe_name(f.filename), f.read()) for f in uploads])
            elif use_api:
                api = CompaniesHouseApi(api_key, current_app.config["COMPANIES_HOUSE_API_URL"])
                appointments = [
                    a for person in undeclared.decision_makers(s) for a in api.appointments_of(person.full_name)
                ]
            else:
                raise CompaniesHouseFileError("upload", "Select one or more Companies House files")
        except (CompaniesHouseFileError, CompaniesHouseApiError) as error:
            failure = (
                str(error)
                if not isinstance(error, CompaniesHouseFileError) or error.file != "upload"
                else error.message
            )
        else:
            if period[1] < period[0]:
                failure = "Register period to must be the same as or after register period from"
            else:
                summary = undeclared.find_possible_undeclared(s, appointments, actor_id=current_user.id, period=period)
                if commit_once(s, url_for(".undeclared_list")):
                    flash(
                        f"{len(summary.new)} new possible undeclared interest(s); {summary.declared} appointment(s) "
                        f"already declared; {summary.namesakes} namesake(s) with another birth month left out.",
                        "success",
                    )
                return redirect(url_for(".undeclared_list"))
    rows = undeclared.listed(s)
    births = {b.person_id for b in s.exec(select(PersonBirthMonth))}
    return render_template(
        "outside/undeclared.jinja", form=form, failure=failure, rows=rows, births=births, api=bool(api_key)
    )


def _row(row_id: int) -> PossibleUndeclaredInterest:
    row = db().get(PossibleUndeclaredInterest, row_id)
    if row is None:
        abort(404)
    return row


@bp.route("/undeclared/<int:row_id>", methods=["GET", "POST"])
@role_required("governance")
def undeclared_detail(row_id: int):
    s = db()
    row = _row(row_id)
    form = ReasonForm()
    failure = None
    if form.validate_on_submit():
        try:
            undeclared.dismiss(s, row, form.reason.data, actor_id=current_user.id)
        except undeclared.UndeclaredError as error:
            s.rollback()
            failure = str(error)
        else:
            if commit_once(s, url_for(".undeclared_list")):
                flash("Dismissed, with your reason", "success")
            return redirect(url_for(".undeclared_list"))
    return render_template(
        "outside/undeclared_detail.jinja", row=row, person=s.get(Person, row.person_id), form=form, failure=failure
    )


@bp.route("/people/<int:person_id>/birth", methods=["GET", "POST"])
@role_required("governance")
def person_birth(person_id: int):
    s = db()
    person = s.get(Person, person_id)
    if person is None:
        abort(404)
    form = BirthForm()
    existing = s.get(PersonBirthMonth, person_id)
    if request.method == "GET" and existing:
        form.birth_month.data, form.birth_year.data = existing.birth_month, existing.birth_year
    failure = None
    if form.validate_on_submit():
        try:
            undeclared.set_birth_month(
                s, person_id, form.birth_month.data, form.birth_year.data, actor_id=current_user.id
            )
        except undeclared.UndeclaredError as error:
            s.rollback()
            failure = str(error)
        else:
            if commit_once(s, url_for(".undeclared_list")):
                flash(f"Month and year of birth recorded for {person.full_name}", "success")
            return redirect(url_for(".undeclared_list"))
    return render_template("outside/birth.jinja", person=person, form=form, failure=failure)


# --- the member's own --------------------------------------------------------------------------------------------


def _own_row(row_id: int) -> PossibleUndeclaredInterest:
    row = db().get(PossibleUndeclaredInterest, row_id)
    if row is None or row.person_id != current_user.id:
        abort(404)  # someone else's is not found, rather than forbidden
    return row


@bp.get("/mine")
@role_required(*ANY_ROLE)
def mine():
    rows = undeclared.listed(db(), person_id=current_user.id)
    return render_template(
        "outside/mine.jinja", rows=rows, form=DeclareForm(), open_count=sum(1 for r, _ in rows if r.status == "open")
    )


@bp.post("/mine/<int:row_id>/declare")
@role_required(*ANY_ROLE)
def mine_declare(row_id: int):
    s = db()
    row = _own_row(row_id)
    form = DeclareForm()
    if not form.validate_on_submit():
        abort(400)
    location = url_for("declarations.new_interest") + "?" + undeclared.prefill_query(row)
    try:
        undeclared.confirm(s, row, actor_id=current_user.id)
    except undeclared.UndeclaredError:
        s.rollback()
        return redirect(location)  # answered before: the prefilled form is still what they want
    commit_once(s, location)
    return redirect(location)


@bp.route("/mine/<int:row_id>/explain", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def mine_explain(row_id: int):
    s = db()
    row = _own_row(row_id)
    form = ReasonForm()
    failure = None
    if form.validate_on_submit():
        try:
            undeclared.explain(s, row, form.reason.data, actor_id=current_user.id)
        except undeclared.UndeclaredError as error:
            s.rollback()
            failure = str(error)
        else:
            if commit_once(s, url_for(".mine")):
                flash("Thank you: your explanation is recorded for the governance lead", "success")
            return redirect(url_for(".mine"))
    return render_template("outside/explain.jinja", row=row, form=form, failure=failure)


@bp.get("/")
@role_required("governance")
def index():
    s = db()
    runs = s.exec(select(func.count()).select_from(AwardAuditRun)).one()
    open_rows = s.exec(
        select(func.count()).select_from(PossibleUndeclaredInterest).where(PossibleUndeclaredInterest.status == "open")
    ).one()
    return render_template("outside/index.jinja", runs=runs, open_rows=open_rows)
