"""The chair's meeting pages: agenda, screen, decisions, quorum, minutes, notices and outcomes."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from coi.auth import role_required
from coi.database import db
from coi.idempotency import commit_once
from coi.admin_forms import AttendanceForm
from coi.forms import (
    AddConflictForm,
    AgendaForm,
    ConfirmForm,
    DecisionForm,
    ItemForm,
    MeetingForm,
    OutcomeForm,
    small_int,
)
from registry.models import Committee, Meeting, MeetingItem, MeetingNotice, Person

from registry.services import meetings
from screening.documents import DocumentError, parse_agenda_text, read_agenda_document

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def build_screening_index(app) -> bool:
    """Index the organisation directory now, in this worker, so the first chair's screen does not wait for it
    (the national directory takes seconds), and read the declarations in force today, which are most of what a
    screen reads (the agenda is the rest). A database not yet created or migrated is left alone: the first screen
    indexes it then. Returns whether the index was built."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from coi.database import engine
    from screening.engine import collector_paused

    try:
        with app.app_context(), Session(engine()) as session, collector_paused():
            screening_engine = meetings.directory_engine(session)
            today = date.today()
            people = session.exec(select(Person)).all()
            screening_engine.prepare(meetings.engine_interests(session, people, today), [], today)
    except SQLAlchemyError as error:
        app.logger.warning("The screening index was not built at start-up (%s); the first screen builds it.", error)
        return False
    finally:
        with app.app_context():
            engine().dispose()  # workers forked from this process (gunicorn --preload) open their own connections
    return True


CHAIRS = ("chair", "governance")


def _meeting(meeting_id: int) -> Meeting:
    """The meeting, if the signed-in person runs its committee; otherwise 404 (as if it did not exist)."""
    meeting = db().get(Meeting, meeting_id)
    if meeting is None or not current_user.runs_committee(meeting.committee_id):
        abort(404)
    return meeting


def _committees_run_by_me() -> list[Committee]:
    query = select(Committee).where(Committee.closed_on.is_(None)).order_by(Committee.name)
    if not current_user.has_role("governance"):
        query = query.where(Committee.id.in_(list(current_user.chairs) or [-1]))
    return list(db().exec(query))


def _item(meeting: Meeting, item_id: int) -> MeetingItem:
    item = db().get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


@bp.get("/")
@role_required(*CHAIRS)
def index():
    s = db()
    query = select(Meeting, Committee).join(Committee, Committee.id == Meeting.committee_id)
    if not current_user.has_role("governance"):
        query = query.where(Meeting.committee_id.in_(list(current_user.chairs) or [-1]))
    rows = s.exec(query.order_by(Meeting.meeting_date.desc())).all()
    today = date.today()
    return render_template(
        "meetings/index.jinja",
        upcoming=[r for r in rows if r[0].meeting_date >= today],
        past=[r for r in rows if r[0].meeting_date < today],
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*CHAIRS)
def new():
    s = db()
    form = MeetingForm()
    form.committee_id.choices = [(c.id, c.name) for c in _committees_run_by_me()]
    if form.validate_on_submit():
        meeting = Meeting(
            committee_id=form.committee_id.data,
            title=form.title.data.strip(),
            meeting_date=form.meeting_date.data,
            created_by_id=current_user.id,
        )
        s.add(meeting)
        s.flush()
        location = url_for(".agenda", meeting_id=meeting.id)
        if commit_once(s, location):
            flash("Meeting created. Add its agenda.", "success")
        return redirect(location)
    return render_template("meetings/new.jinja", form=form)


@bp.get("/<int:meeting_id>")
@role_required(*CHAIRS)
def show(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    items = meetings.items_of(s, meeting.id)
    found = meetings.conflicts(s, meeting)
    forecast = meetings.quorum(s, meeting, found)
    notices = s.exec(
        select(MeetingNotice).where(MeetingNotice.meeting_id == meeting.id).order_by(MeetingNotice.created_at.desc())
    ).all()
    return render_template(
        "meetings/show.jinja",
        meeting=meeting,
        committee=s.get(Committee, meeting.committee_id),
        items=items,
        conflicts=found,
        forecast=forecast,
        notices=notices,
        form=ConfirmForm(),
        today=date.today(),
    )


@bp.route("/<int:meeting_id>/agenda", methods=["GET", "POST"])
@role_required(*CHAIRS)
def agenda(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    form = AgendaForm()
    failure = None
    if form.validate_on_submit():
        upload = form.document.data
        try:
            if upload and upload.filename:
                parsed = read_agenda_document(
                    upload.filename, upload.read(), max_bytes=current_app.config["MAX_CONTENT_LENGTH"]
                )
            elif (form.text.data or "").strip():
                parsed = parse_agenda_text(form.text.data)
            else:
                raise DocumentError("Paste the agenda or choose a file to upload")
            if not parsed:
                raise DocumentError("No agenda items were found. Number each item, for example 4.2 or Item 6a.")
            added = meetings.add_items(s, meeting, parsed, current_user.id)
        except (DocumentError, meetings.MeetingError) as error:
            s.rollback()
            failure = str(error)
        else:
            if commit_once(s, url_for(".show", meeting_id=meeting.id)):
                flash(f"{len(added)} agenda items added. Check them, then screen the agenda.", "success")
            return redirect(url_for(".show", meeting_id=meeting.id))
    return render_template(
        "meetings/agenda.jinja", meeting=meeting, form=form, failure=failure, items=meetings.items_of(s, meeting.id)
    )


@bp.route("/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
@role_required(*CHAIRS)
def edit_item(meeting_id: int, item_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    item = _item(meeting, item_id)
    form = ItemForm(obj=item) if request.method == "GET" else ItemForm()
    if request.method == "GET":
        form.version.data = str(item.version)
    failure = None
    if form.validate_on_submit():
        if str(item.version) != form.version.data:
            failure = "This item was changed by someone else while you were editing it. Check it and try again."
        else:
            try:
                meetings.update_item(
                    s,
                    item,
                    current_user.id,
                    item_ref=form.item_ref.data.strip(),
                    title=form.title.data.strip(),
                    description=form.description.data.strip(),
                    kind=form.kind.data,
                    contract_decision=form.contract_decision.data,
                )
            except meetings.MeetingError as error:
                s.rollback()
                failure = str(error)
            else:
                s.commit()
                flash("Item saved. Screen the agenda again to check it.", "success")
                return redirect(url_for(".show", meeting_id=meeting.id))
    return render_template("meetings/item.jinja", meeting=meeting, item=item, form=form, failure=failure)


@bp.post("/<int:meeting_id>/screen")
@role_required(*CHAIRS)
def screen(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not meetings.items_of(s, meeting.id):
        flash("Add the agenda before screening it", "info")
        return redirect(url_for(".agenda", meeting_id=meeting.id))
    summary = meetings.screen_meeting(s, meeting, current_user.id)
    s.commit()
    flash(
        f"Agenda screened: {len(summary.new)} new flags, {len(summary.changed)} changed, "
        f"{len(summary.gone)} no longer raised.",
        "success",
    )
    return redirect(url_for(".grid", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/screen")
@role_required(*CHAIRS)
def grid(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    items = meetings.items_of(s, meeting.id)
    seats = {m.person_id: m for m, _ in meetings.members_on(s, meeting.committee_id, meeting.meeting_date)}
    members = [
        (p, "" if p.id not in seats else ("" if seats[p.id].voting else "no vote")) if p.id in seats else (p, "deputy")
        for p in meetings.people_screened(s, meeting)
    ]
    found = meetings.conflicts(s, meeting)
    cells = {(c.person.id, c.item.id): c for c in found}
    flagged_people = {c.person.id for c in found if c.action != "none"}
    return render_template(
        "meetings/grid.jinja",
        meeting=meeting,
        items=items,
        members=members,
        cells=cells,
        flagged_people=flagged_people,
        forecast=meetings.quorum(s, meeting, found),
        show_all=request.args.get("all") == "1",
    )


@bp.route("/<int:meeting_id>/conflicts/<int:item_id>/<int:person_id>", methods=["GET", "POST"])
@role_required(*CHAIRS)
def conflict(meeting_id: int, item_id: int, person_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    item = _item(meeting, item_id)
    person = s.get(Person, person_id)
    if person is None:
        abort(404)
    current = next(
        (c for c in meetings.conflicts(s, meeting) if c.item.id == item_id and c.person.id == person_id), None
    )
    if current is None:
        abort(404)
    form = DecisionForm()
    if request.method == "GET":
        form.action.data = current.action
    failure = None
    if form.validate_on_submit():
        try:
            meetings.decide(
                s,
                meeting,
                item_id,
                person_id,
                action=form.action.data,
                reason=form.reason.data,
                actor_id=current_user.id,
            )
        except meetings.MeetingError as error:
            s.rollback()
            failure = str(error)
        else:
            commit_once(s, url_for(".grid", meeting_id=meeting.id))
            flash("Decision recorded", "success")
            return redirect(url_for(".grid", meeting_id=meeting.id))
    history = meetings.decision_history(s, item_id, person_id)
    ids = [d.decided_by_id for d in history if d.decided_by_id]
    deciders = {p.id: p.full_name for p in s.exec(select(Person).where(Person.id.in_(ids)))} if ids else {}
    return render_template(
        "meetings/conflict.jinja",
        meeting=meeting,
        item=item,
        person=person,
        conflict=current,
        form=form,
        failure=failure,
        history=history,
        words=meetings.ACTION_WORDS,
        deciders=deciders,
        deciding_own=person.id == current_user.id,
    )


@bp.route("/<int:meeting_id>/conflicts/new", methods=["GET", "POST"])
@role_required(*CHAIRS)
def add_conflict(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    form = AddConflictForm()
    form.person_id.choices = [(p.id, p.full_name) for p in meetings.people_screened(s, meeting)]
    form.item_id.choices = [(i.id, f"{i.item_ref} {i.title}") for i in meetings.items_of(s, meeting.id)]
    failure = None
    if form.validate_on_submit():
        try:
            meetings.decide(
                s,
                meeting,
                form.item_id.data,
                form.person_id.data,
                action=form.action.data,
                reason=form.reason.data,
                actor_id=current_user.id,
            )
        except meetings.MeetingError as error:
            s.rollback()
            failure = str(error)
        else:
            commit_once(s, url_for(".grid", meeting_id=meeting.id))
            flash("Conflict added", "success")
            return redirect(url_for(".grid", meeting_id=meeting.id))
    return render_template("meetings/add_conflict.jinja", meeting=meeting, form=form, failure=failure)


@bp.get("/<int:meeting_id>/attendance")
@role_required(*CHAIRS)
def attendance(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    return render_template(
        "meetings/attendance.jinja",
        meeting=meeting,
        seats=meetings.seats(s, meeting),
        after=meeting.meeting_date <= date.today(),
        form=ConfirmForm(),
        forecast=meetings.quorum(s, meeting),
        items=meetings.items_of(s, meeting.id),
    )


@bp.route("/<int:meeting_id>/attendance/<int:person_id>", methods=["GET", "POST"])
@role_required(*CHAIRS)
def expected(meeting_id: int, person_id: int):
    """Before the meeting: whether a member is expected, has sent apologies, or sends a named deputy."""
    s = db()
    meeting = _meeting(meeting_id)
    seat = next((seat for seat in meetings.seats(s, meeting) if seat.member.id == person_id), None)
    if seat is None:
        abort(404)
    form = AttendanceForm()
    form.failure = None
    form.deputy_id.choices = [("", "No deputy")] + [(str(p.id), p.full_name) for p in seat.deputies_named]
    if request.method == "GET":
        form.status.data = seat.status
        form.deputy_id.data = str(seat.deputy.id) if seat.deputy else ""
    if form.validate_on_submit():
        try:
            meetings.record_expected(
                s,
                meeting,
                person_id,
                status=form.status.data,
                deputy_id=small_int(form.deputy_id.data, default=0) or None,
                actor_id=current_user.id,
            )
            if meeting.screened_at is not None:
                meetings.screen_meeting(s, meeting, current_user.id)  # an attending deputy is screened too
        except meetings.AttendanceError as error:
            s.rollback()
            if error.field and error.field in form:
                form[error.field].errors = [str(error)]
            else:
                form.failure = str(error)
        else:
            s.commit()
            flash(f"Attendance recorded for {seat.member.full_name}", "success")
            return redirect(url_for(".attendance", meeting_id=meeting.id))
    return render_template("meetings/expected.jinja", meeting=meeting, seat=seat, form=form)


@bp.post("/<int:meeting_id>/attendance/confirm")
@role_required(*CHAIRS)
def confirm_attendance(meeting_id: int):
    """After the meeting: who attended (ticked), for the minutes."""
    s = db()
    meeting = _meeting(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    present = {small_int(value) for value in request.form.getlist("attended")}
    try:
        meetings.confirm_attendance(
            s,
            meeting,
            {seat.member.id: seat.member.id in present for seat in meetings.seats(s, meeting)},
            current_user.id,
        )
    except meetings.AttendanceError as error:
        s.rollback()
        flash(str(error), "error")
    else:
        s.commit()
        flash("Attendance confirmed", "success")
    return redirect(url_for(".attendance", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/minutes")
@role_required(*CHAIRS)
def minutes(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    record = meetings.minutes_of(s, meeting)
    fmt = request.args.get("format", "html")
    name = f"declarations-of-interest-{meeting.meeting_date.isoformat()}" + ("-draft" if record.is_draft else "")
    if fmt == "csv":
        return Response(
            meetings.minutes_csv(record),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "docx":
        return Response(
            meetings.minutes_docx(record),
            mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers={"Content-Disposition": f'attachment; filename="{name}.docx"'},
        )
    return render_template(
        "meetings/minutes.jinja",
        meeting=meeting,
        minutes=record,
        form=ConfirmForm(),
        can_approve=meeting.meeting_date <= date.today(),
    )


@bp.post("/<int:meeting_id>/minutes/approve")
@role_required(*CHAIRS)
def approve_minutes(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        approval = meetings.approve_minutes(s, meeting, current_user.id)
    except meetings.MeetingError as error:
        s.rollback()
        flash(str(error), "error")
    else:
        commit_once(s, url_for(".minutes", meeting_id=meeting.id))
        flash(f"Minutes approved (version {approval.version})", "success")
    return redirect(url_for(".minutes", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/procurement.csv")
@role_required(*CHAIRS)
def procurement(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    rows = meetings.procurement_rows(s, meeting)
    return Response(
        meetings.procurement_csv(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="procurement-record-{meeting.meeting_date.isoformat()}.csv"'
        },
    )


@bp.post("/<int:meeting_id>/notices")
@role_required(*CHAIRS)
def send_notices(meeting_id: int):
    from coi.mail import MailError
    from coi.notifications import send_meeting_notices
    from registry.services import audit

    s = db()
    meeting = _meeting(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    notices = [n for n in meetings.member_notices(s, meeting) if n.person.email]
    try:
        sent = send_meeting_notices(notices)
    except MailError as error:
        current_app.logger.error("meeting notices not sent: %s", error)
        if current_user.has_role("governance"):  # they run the service: the configuration detail is theirs
            flash(f"No notices were emailed. {error}", "info")
        else:  # a chair cannot act on SMTP settings: say what happened and what to do
            flash(
                "The notices could not be emailed, so none were sent. Tell your governance lead, who can check "
                "the email settings. Members can also see their items under 'My meeting items' when they sign in.",
                "info",
            )
        return redirect(url_for(".show", meeting_id=meeting.id))
    audit.record(
        s,
        "meeting.notices-sent",
        actor_id=current_user.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"people": [n.person.id for n in notices]},
    )
    s.commit()
    flash(f"Notices emailed to {sent} members", "success")
    return redirect(url_for(".show", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/outcomes", methods=["GET", "POST"])
@role_required(*CHAIRS)
def outcomes(meeting_id: int):
    s = db()
    meeting = _meeting(meeting_id)
    form = OutcomeForm()
    failure = None
    if form.validate_on_submit():
        try:
            outcome = meetings.record_outcome(
                s,
                meeting,
                small_int(form.item_id.data),
                small_int(form.person_id.data),
                declared=form.declared.data == "yes",
                what_happened=form.what_happened.data,
                actor_id=current_user.id,
            )
        except (meetings.MeetingError, ValueError) as error:
            s.rollback()
            failure = str(error)
        else:
            s.commit()
            if outcome.breach_id:
                flash(
                    "Recorded. This looks like a breach: a possible breach has been added to the breaches "
                    "register for the governance lead.",
                    "info",
                )
            else:
                flash("Recorded", "success")
            return redirect(url_for(".outcomes", meeting_id=meeting.id))
    found = [c for c in meetings.conflicts(s, meeting) if c.action != "none"]
    return render_template(
        "meetings/outcomes.jinja",
        meeting=meeting,
        conflicts=found,
        form=form,
        failure=failure,
        recorded=meetings.outcomes_of(s, meeting),
        words=meetings.ACTION_WORDS,
    )


@bp.get("/mine")
@role_required("member", "chair", "governance")
def mine():
    """A member sees the items of upcoming meetings they are flagged on, and what is expected of them."""
    s = db()
    rows = []
    for meeting in s.exec(select(Meeting).where(Meeting.meeting_date >= date.today()).order_by(Meeting.meeting_date)):
        for c in meetings.conflicts(s, meeting):
            if c.person.id == current_user.id and c.action != "none":
                rows.append((meeting, c))
    return render_template("meetings/mine.jinja", rows=rows, words=meetings.ACTION_WORDS)
