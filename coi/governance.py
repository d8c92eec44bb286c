"""The governance lead's pages: timeliness dashboard, review of declarations, breaches, publication."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import func, or_, select

from coi.auth import role_required
from coi.database import db
from coi.dates import uk_date
from coi.idempotency import commit_once
from coi.forms import AnnualRoundForm, BreachForm, ConfirmForm, ReviewForm, small_int
from registry.models import Breach, Interest, Organisation, Person
from registry.services import breaches, interests, publication, reminders, timeliness

bp = Blueprint("governance", __name__, url_prefix="/governance")
PAGE_SIZE = 50


@bp.get("/")
@role_required("governance")
def index():
    s = db()
    committees = timeliness.by_committee(s)
    latest = publication.latest_snapshot(s)
    open_breaches = s.exec(select(func.count()).select_from(Breach).where(Breach.status != "closed")).one()
    overdue = sum(1 for status in timeliness.statuses(s).values() if status.overdue)
    return render_template(
        "governance/index.jinja",
        committees=committees,
        latest=latest,
        open_breaches=open_breaches,
        states=timeliness,
        overdue=overdue,
        form=ConfirmForm(),
        round_date=reminders.round_date(s),
        next_round=reminders.next_round(s),
        round_due=reminders.round_due(s),
    )


@bp.post("/reminders")
@role_required("governance")
def send_reminders():
    """Email everyone whose annual declaration is overdue, now (as `coi remind --send`)."""
    from coi import navigation
    from coi.mail import MailError
    from coi.notifications import send_reminders as send

    s = db()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    due, no_email = reminders.overdue_reminders(s, request.url_root, navigation.organisation_name() or "")
    if not due:
        flash(
            "Nobody with an email address is overdue: no reminders were sent."
            + (f" Remind {', '.join(no_email)} another way: no email address is recorded." if no_email else ""),
            "info",
        )
        return redirect(url_for(".index"))
    try:
        sent = send(due)
    except MailError as error:
        # Governance leads run the service, so they see why (unlike chairs and members).
        flash(f"No reminders were sent. {error}", "error")
        return redirect(url_for(".index"))
    reminders.record_sent(s, due, actor_id=current_user.id)
    if commit_once(s, url_for(".index")):
        flash(
            f"Reminders emailed to {sent} people"
            + (f". No email address for {', '.join(no_email)}: remind them another way." if no_email else ""),
            "success",
        )
    return redirect(url_for(".index"))


@bp.route("/annual-round", methods=["GET", "POST"])
@role_required("governance")
def annual_round():
    """The date of the annual declaration round, after which `coi remind --if-due` sends reminders each year."""
    s = db()
    form = AnnualRoundForm()
    current = reminders.round_date(s)
    if request.method == "GET" and current:
        form.round_date.process(None, data=current)
    if form.validate_on_submit():
        reminders.set_round_date(s, form.round_date.data, current_user.id)
        due = reminders.round_due(s)
        when = (
            "at the next scheduled run (this round's date has come)"
            if due
            else f"on {uk_date(reminders.next_round(s))}, and on that day each year"
        )
        if commit_once(s, url_for(".index")):
            flash(f"Annual declaration round set: reminders go to everyone overdue {when}", "success")
        return redirect(url_for(".index"))
    return render_template("governance/annual_round.jinja", form=form, current=current)


@bp.get("/interests")
@role_required("governance")
def review_list():
    s = db()
    name = request.args.get("name", "").strip()[:100]
    show = request.args.get("show", "current")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = select(Interest, Person).join(Person, Person.id == Interest.person_id)
    if name:
        # autoescape: a % or _ typed in the box is that character, not a LIKE wildcard
        query = query.where(func.lower(Person.full_name).contains(name.lower(), autoescape=True))
    if show == "current":
        query = query.where(or_(Interest.date_to.is_(None), Interest.date_to >= date.today()))
    elif show == "withheld":
        query = query.where(Interest.publish == False)  # noqa: E712
    elif show == "no-mitigation":
        query = query.where(
            Interest.mitigation == "", or_(Interest.date_to.is_(None), Interest.date_to >= date.today())
        )
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    page = min(page, max(1, -(-total // PAGE_SIZE)))  # past the last page: the last page (and no OFFSET overflow)
    rows = s.exec(query.order_by(Person.full_name, Interest.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template(
        "governance/review_list.jinja",
        rows=rows,
        name=name,
        show=show,
        page=page,
        total=total,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


@bp.route("/interests/<int:interest_id>", methods=["GET", "POST"])
@role_required("governance")
def review(interest_id: int):
    s = db()
    interest = s.get(Interest, interest_id)
    if interest is None:
        abort(404)
    person = s.get(Person, interest.person_id)
    form = ReviewForm()
    if request.method == "GET":
        form.mitigation.data = interest.mitigation
        form.publish.data = "yes" if interest.publish else "no"
        form.withheld_reason.data = interest.withheld_reason
        form.version.data = str(interest.version)
    failure = None
    if form.validate_on_submit():
        publish = form.publish.data == "yes"
        try:
            interests.update_interest(
                s,
                interest,
                expected_version=small_int(form.version.data),
                actor_id=current_user.id,
                change="reviewed",
                mitigation=form.mitigation.data.strip(),
                publish=publish,
                withheld_reason="" if publish else form.withheld_reason.data.strip(),
            )
        except interests.InterestError as error:
            s.rollback()
            failure = str(error)
        else:
            if commit_once(s, url_for(".review_list")):
                flash("Review saved", "success")
            return redirect(url_for(".review_list"))
    org = s.get(Organisation, interest.organisation_id) if interest.organisation_id else None
    return render_template(
        "governance/review.jinja",
        form=form,
        interest=interest,
        person=person,
        org=org,
        failure=failure,
        history=interests.history_of(s, interest.id),
        labels=interests.FIELD_LABELS,
    )


@bp.get("/publish")
@role_required("governance")
def publish():
    """Step 1: what is published now, and the way to preview what publishing would change."""
    s = db()
    rows, gifts, withheld = publication.register_rows(s, date.today())
    return render_template(
        "governance/publish.jinja",
        preview_count=len(rows),
        gift_count=len(gifts),
        withheld=withheld,
        snapshots=publication.list_snapshots(s),
        redactions=publication.redactions_of(s),
    )


@bp.get("/publish/preview")
@role_required("governance")
def publish_preview():
    """Step 2: what publishing now would change (added, changed, ended, withheld since the last snapshot), with
    the button that publishes exactly this."""
    return _render_preview(ConfirmForm())


def _render_preview(form, problem: str | None = None):
    s = db()
    return render_template(
        "governance/publish_preview.jinja",
        form=form,
        preview=publication.preview(s),
        latest=publication.latest_snapshot(s),
        problem=problem,
    )


@bp.post("/publish")
@role_required("governance")
def publish_confirmed():
    s = db()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    current = publication.preview(s)
    if request.form.get("fingerprint") != current.fingerprint:
        # Not what was previewed (someone changed a declaration meanwhile, or no preview was seen): show it again.
        return _render_preview(
            form,
            "The register has changed since the preview was shown, or no preview was "
            "shown. Check what will change below, then publish.",
        )
    snapshot = publication.publish(s, current_user.id)
    if commit_once(s, url_for(".publish")):
        flash(f"Register published: {len(snapshot.rows)} entries, {snapshot.withheld_count} withheld", "success")
    return redirect(url_for(".publish"))


def _beside_its_field(form, error: breaches.BreachError):
    """A rule's message goes beside the field it is about (and so into the error summary); else the summary alone."""
    if error.field and error.field in form:
        form[error.field].errors = list(form[error.field].errors or []) + [str(error)]
        return None
    return str(error)


@bp.get("/breaches")
@role_required("governance")
def breach_list():
    items = db().exec(select(Breach).order_by(Breach.occurred_on.desc(), Breach.id.desc())).all()
    return render_template("governance/breaches.jinja", breaches=items)


@bp.route("/breaches/new", methods=["GET", "POST"])
@role_required("governance")
def new_breach():
    form = BreachForm()
    failure = None
    if form.validate_on_submit():
        s = db()
        try:
            breaches.record_breach(
                s,
                occurred_on=form.occurred_on.data,
                what_happened=form.what_happened.data,
                action_taken=form.action_taken.data,
                public_summary=form.public_summary.data,
                status=form.status.data,
                actor_id=current_user.id,
            )
        except breaches.BreachError as error:
            s.rollback()
            failure = _beside_its_field(form, error)
        else:
            if commit_once(s, url_for(".breach_list")):
                flash("Breach recorded", "success")
            return redirect(url_for(".breach_list"))
    return render_template("governance/breach_form.jinja", form=form, breach=None, failure=failure)


@bp.route("/breaches/<int:breach_id>", methods=["GET", "POST"])
@role_required("governance")
def edit_breach(breach_id: int):
    s = db()
    breach = s.get(Breach, breach_id)
    if breach is None:
        abort(404)
    form = BreachForm(obj=breach) if request.method == "GET" else BreachForm()
    if request.method == "GET":
        form.version.data = str(breach.version)
    failure = None
    if form.validate_on_submit():
        try:
            breaches.update_breach(
                s,
                breach,
                expected_version=small_int(form.version.data),
                actor_id=current_user.id,
                occurred_on=form.occurred_on.data,
                what_happened=form.what_happened.data,
                action_taken=form.action_taken.data,
                public_summary=form.public_summary.data,
                status=form.status.data,
            )
        except breaches.BreachError as error:
            s.rollback()
            failure = _beside_its_field(form, error)
        else:
            if commit_once(s, url_for(".breach_list")):
                flash("Breach updated", "success")
            return redirect(url_for(".breach_list"))
    return render_template("governance/breach_form.jinja", form=form, breach=breach, failure=failure)


AUDIT_AREAS = (  # the start of an action's code, and what the filter calls it
    ("sign-in", "Signing in and out"),
    ("account", "Accounts and passwords"),
    ("interest", "Interests"),
    ("return", "Annual declarations and nil returns"),
    ("gift", "Gifts and hospitality"),
    ("register", "Publishing, exports and imports"),
    ("breach", "Breaches"),
    ("meeting", "Meetings"),
    ("committee", "Committees"),
    ("membership", "Committee members"),
    ("person", "People"),
    ("reminders", "Reminders"),
    ("setting", "Settings"),
    ("retention", "Removal of old records"),
)
AUDIT_PERIODS = (("", "Any time"), ("1", "Today"), ("7", "The last 7 days"), ("30", "The last 30 days"))


def plain_action(action: str) -> str:
    """'interest.declared' -> 'Interest declared'; 'account.password-changed' -> 'Account: password changed'."""
    area, _, what = action.partition(".")
    area = area.replace("-", " ").capitalize()
    if not what:
        return area
    what = what.replace("-", " ").replace("_", " ")
    return f"{area} {what}" if " " not in what else f"{area}: {what}"


def _audit_objects(s, events) -> dict:
    """(object type, id) -> words a person reads: the name, the interest's description, the meeting's title."""
    from registry.models import Committee, Meeting

    wanted: dict[str, set] = {}
    for e in events:
        if e.object_id is not None:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
    out = {}
    for kind, model, words in (
        ("person", Person, lambda o: o.full_name),
        ("interest", Interest, lambda o: o.description),
        ("meeting", Meeting, lambda o: o.title),
        ("committee", Committee, lambda o: o.name),
        ("breach", Breach, lambda o: f"breach of {o.occurred_on.day} {o.occurred_on:%B %Y}"),
    ):
        ids = wanted.get(kind)
        if ids:
            for found in s.exec(select(model).where(model.id.in_(ids))):
                out[(kind, found.id)] = words(found)
    return out


@bp.get("/audit")
@role_required("governance")
def audit_log():
    """The audit log, read-only: no route changes or removes an event, and the database refuses to. A table of
    who did what and when (UK time), filtered by person, kind of action and period; each event's detail behind
    a disclosure."""
    from datetime import datetime, timedelta, timezone

    from coi.dates import UK
    from registry.models import AuditEvent
    from registry.services import audit

    s = db()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    action = request.args.get("action", "").strip()[:60]
    who = request.args.get("who", "").strip()[:100]
    period = request.args.get("period", "")
    period = period if period in {value for value, _ in AUDIT_PERIODS} else ""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))  # % and _ are literal
    if who:
        people = select(Person.id).where(func.lower(Person.full_name).contains(who.lower(), autoescape=True))
        query = query.where(AuditEvent.actor_id.in_(people))
    if period:
        uk_midnight = datetime.now(UK).replace(hour=0, minute=0, second=0, microsecond=0)
        since = (uk_midnight - timedelta(days=int(period) - 1)).astimezone(timezone.utc)
        query = query.where(AuditEvent.at >= since.replace(tzinfo=None))  # stored as UTC without a zone
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    page = min(page, max(1, -(-total // PAGE_SIZE)))  # past the last page: the last page (and no OFFSET overflow)
    events = s.exec(query.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    actors = {
        p.id: p.full_name
        for p in s.exec(select(Person).where(Person.id.in_({e.actor_id for e in events if e.actor_id})))
    }
    check = audit.verify_chain(s) if request.args.get("verify") == "1" else None
    return render_template(
        "governance/audit.jinja",
        events=events,
        actors=actors,
        page=page,
        action=action,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        check=check,
        who=who,
        period=period,
        areas=AUDIT_AREAS,
        periods=AUDIT_PERIODS,
        plain_action=plain_action,
        objects=_audit_objects(s, events),
    )
