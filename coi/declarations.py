"""A member's own declarations: interests, gifts and hospitality, nil returns and annual confirmations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlmodel import select

from coi.auth import role_required
from coi.database import db
from coi.dates import uk_date
from coi.idempotency import commit_once
from coi.forms import INTEREST_TYPE_HELP, EndInterestForm, GiftForm, InterestForm, ReturnForm, small_int
from registry.models import GiftOrHospitality, Interest, Organisation, ReturnKind
from registry.services import directory, gifts, interests, returns, timeliness

bp = Blueprint("declarations", __name__, url_prefix="/declarations")
ANY_ROLE = ("member", "chair", "governance")


def gift_policy() -> gifts.GiftPolicy:
    overrides = dict(current_app.config.get("GIFT_POLICY") or {})
    if "gift_declare_over" in overrides:  # the setting's earlier name
        overrides.setdefault("gift_declare_from", overrides.pop("gift_declare_over"))
    return gifts.GiftPolicy(**overrides)


def own_interest(interest_id: int) -> Interest:
    interest = db().get(Interest, interest_id)
    if interest is None or interest.person_id != current_user.id:
        abort(404)  # someone else's interest is not found, rather than forbidden: ids reveal nothing
    return interest


@bp.get("/")
@role_required(*ANY_ROLE)
def index():
    s = db()
    today = date.today()
    mine = s.exec(
        select(Interest)
        .where(Interest.person_id == current_user.id)
        .order_by(Interest.date_from.desc(), Interest.id.desc())
    ).all()
    current = [i for i in mine if i.date_to is None or i.date_to >= today]
    ended = [i for i in mine if i.date_to is not None and i.date_to < today]
    offers = s.exec(
        select(GiftOrHospitality)
        .where(GiftOrHospitality.person_id == current_user.id)
        .order_by(GiftOrHospitality.offered_on.desc())
    ).all()
    status = timeliness.statuses(s, today, [current_user.id]).get(current_user.id)
    org_ids = {i.organisation_id for i in mine if i.organisation_id}
    orgs = {o.id: o for o in s.exec(select(Organisation).where(Organisation.id.in_(org_ids)))} if org_ids else {}
    late = {
        i.id
        for i in mine
        if i.date_from and (i.declared_at.date() - i.date_from).days > timeliness.TimelinessPolicy().declare_within_days
    }
    return render_template(
        "declarations/index.jinja",
        current=current,
        ended=ended,
        offers=offers,
        status=status,
        last_return=returns.latest_return(s, current_user.id),
        orgs=orgs,
        late=late,
    )


def _interest_values(form: InterestForm) -> dict:
    org = (
        None
        if form.not_in_directory.data
        else directory.resolve_organisation(db(), form.organisation.data, form.organisation_id.data)
    )
    return dict(
        interest_type=form.interest_type.data,
        description=form.description.data.strip(),
        organisation_id=org.id if org else None,
        organisation_text="" if org else form.organisation.data.strip(),
        role=form.role.data or "",
        share_percent=float(form.share_percent.data) if form.share_percent.data else None,
        holder_name=form.holder_name.data.strip() if form.interest_type.data == "indirect" else "",
        relationship=form.relationship.data.strip() if form.interest_type.data == "indirect" else "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _organisation_chosen(form: InterestForm) -> bool:
    """Free text is kept only when the member says the organisation is not in the directory; otherwise what they
    typed must name a directory entry (chosen from the list, an ODS code, or an exact name)."""
    typed = (form.organisation.data or "").strip()
    if not typed or form.not_in_directory.data:
        return True
    if directory.resolve_organisation(db(), typed, form.organisation_id.data) is not None:
        return True
    form.organisation.errors = list(form.organisation.errors or []) + [
        "Choose the organisation from the list, or tick \u201cIt is not in the directory\u201d to keep the name "
        "as you typed it"
    ]
    return False


def _render_interest_form(form, interest=None, failure=None):
    return render_template(
        "declarations/interest_form.jinja", form=form, interest=interest, failure=failure, type_help=INTEREST_TYPE_HELP
    )


PREFILL_TEXT = {"organisation": 300, "description": 2000}


def _prefill(form: InterestForm) -> None:
    """Values a link suggests (a possible undeclared interest's "I should declare this"): shown in the form for the
    member to check and save; nothing is saved from the link itself, and values the form would refuse are left out."""
    args = request.args
    if args.get("interest_type") in {choice.value for choice in form.interest_type.choices}:
        form.interest_type.data = args["interest_type"]
    if args.get("role") in {choice.value for choice in form.role.choices}:
        form.role.data = args["role"]
    for name, limit in PREFILL_TEXT.items():
        if args.get(name):
            getattr(form, name).data = args[name].replace("\x00", "")[:limit]
    for name in ("date_from", "date_to"):
        try:
            day = date.fromisoformat(args.get(name, ""))
        except ValueError:
            continue
        getattr(form, name).process(None, data=day)


def _warn_if_it_starts_later(form: InterestForm) -> None:
    """An interest may be declared before it begins (a partnership agreed from next month), so a start after today
    is saved; but it is more often a mistyped year, so the member is told, with the date in words, what follows."""
    starts = form.date_from.data
    if starts and starts > date.today():
        flash(
            f"This interest starts on {uk_date(starts)}, which is after today. Check the date: if it is right, "
            f"the interest is on your record now and reaches the public register once it has begun. If not, edit "
            f"the interest and correct it.",
            "warning",
        )


@bp.route("/interests/new", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def new_interest():
    form = InterestForm()
    if request.method == "GET" and request.args:
        _prefill(form)
    if form.validate_on_submit() and _organisation_chosen(form):
        s = db()
        try:
            interests.declare_interest(s, current_user.id, actor_id=current_user.id, **_interest_values(form))
        except interests.InterestError as error:
            s.rollback()
            return _render_interest_form(form, failure=str(error))
        if commit_once(s, url_for(".index")):
            flash("Interest declared", "success")
            _warn_if_it_starts_later(form)
            rescreen_after_change(current_user.id)
        return redirect(url_for(".index"))
    return _render_interest_form(form)


@bp.route("/interests/<int:interest_id>/edit", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def edit_interest(interest_id: int):
    interest = own_interest(interest_id)
    org = db().get(Organisation, interest.organisation_id) if interest.organisation_id else None
    form = InterestForm(obj=interest) if request.method == "GET" else InterestForm()
    if request.method == "GET":
        form.organisation.data = directory.label(org) if org else interest.organisation_text
        form.organisation_id.data = str(org.id) if org else ""
        form.not_in_directory.data = org is None and bool(interest.organisation_text)
        form.share_percent.data = Decimal(str(interest.share_percent)) if interest.share_percent else None
        form.version.data = str(interest.version)
    if form.validate_on_submit() and _organisation_chosen(form):
        s = db()
        try:
            interests.update_interest(
                s,
                interest,
                expected_version=small_int(form.version.data),
                actor_id=current_user.id,
                **_interest_values(form),
            )
        except interests.InterestError as error:
            s.rollback()
            return _render_interest_form(form, interest, failure=str(error))
        if commit_once(s, url_for(".index")):
            flash("Interest updated", "success")
            _warn_if_it_starts_later(form)
            rescreen_after_change(current_user.id)
        return redirect(url_for(".index"))
    return _render_interest_form(form, interest)


@bp.route("/interests/<int:interest_id>/end", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def end_interest(interest_id: int):
    interest = own_interest(interest_id)
    form = EndInterestForm()
    if request.method == "GET":
        form.version.data = str(interest.version)
    failure = None
    if form.validate_on_submit():
        s = db()
        try:
            interests.end_interest(
                s, interest, form.date_to.data, expected_version=small_int(form.version.data), actor_id=current_user.id
            )
        except interests.InterestError as error:
            s.rollback()
            failure = str(error)
        else:
            if commit_once(s, url_for(".index")):
                flash("Interest ended. It stays on the register with its end date.", "success")
                rescreen_after_change(current_user.id)  # an ended interest may lift a flag on an upcoming meeting
            return redirect(url_for(".index"))
    return render_template("declarations/end_interest.jinja", form=form, interest=interest, failure=failure)


@bp.get("/interests/<int:interest_id>/history")
@role_required(*ANY_ROLE)
def interest_history(interest_id: int):
    interest = own_interest(interest_id)
    s = db()
    history = interests.history_of(s, interest.id)
    names = _names(s, {h.changed_by_id for h in history})
    return render_template(
        "declarations/history.jinja", interest=interest, history=history, names=names, labels=interests.FIELD_LABELS
    )


def _names(s, person_ids) -> dict[int, str]:
    from registry.models import Person

    ids = [i for i in person_ids if i is not None]
    return {p.id: p.full_name for p in s.exec(select(Person).where(Person.id.in_(ids)))} if ids else {}


def _return_view(kind: str):
    form = ReturnForm()
    if request.method == "GET":
        form.as_of.process(None, date.today())
    failure = None
    if form.validate_on_submit():
        s = db()
        try:
            returns.make_return(s, current_user.id, kind, form.as_of.data, actor_id=current_user.id)
        except returns.ReturnError as error:
            s.rollback()
            failure = str(error)
        else:
            if commit_once(s, url_for(".index")):
                flash("Nil return made" if kind == ReturnKind.nil.value else "Annual declaration confirmed", "success")
            return redirect(url_for(".index"))
    return render_template("declarations/return.jinja", form=form, kind=kind, failure=failure)


@bp.route("/nil-return", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def nil_return():
    return _return_view(ReturnKind.nil.value)


@bp.route("/confirm", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def confirm():
    return _return_view(ReturnKind.annual.value)


@bp.route("/gifts/new", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def new_gift():
    form = GiftForm()
    policy = gift_policy()
    s = db()
    failure, assessment = None, None
    if form.validate_on_submit():
        try:
            gifts.record_offer(
                s,
                current_user.id,
                kind=form.kind.data,
                donor=form.donor.data,
                value_pence=form.value.pence,
                offered_on=form.offered_on.data,
                description=form.description.data,
                outcome=form.outcome.data,
                donor_is_supplier=form.donor_is_supplier.data,
                cash_or_voucher=form.cash_or_voucher.data,
                on_behalf_of_organisation=form.on_behalf_of_organisation.data,
                senior_approval=form.senior_approval.data,
                actor_id=current_user.id,
                policy=policy,
            )
        except gifts.GiftError as error:
            s.rollback()
            if error.field and error.field in form:
                form[error.field].errors = list(form[error.field].errors or []) + [str(error)]  # beside its field
            else:
                failure = str(error)
        else:
            if commit_once(s, url_for(".index")):
                flash("Gift or hospitality recorded", "success")
            return redirect(url_for(".index"))
    if form.value.pence is not None and form.kind.data:
        assessment = _assess(
            s,
            policy,
            form.kind.data,
            form.value.pence,
            form.donor.data or "",
            form.donor_is_supplier.data,
            form.cash_or_voucher.data,
        )
    return render_template("declarations/gift_form.jinja", form=form, failure=failure, assessment=assessment)


def _assess(s, policy, kind: str, pence: int, donor: str, supplier: bool, cash: bool) -> gifts.Assessment:
    earlier = gifts.earlier_from_donor(s, current_user.id, donor, date.today(), policy) if donor.strip() else 0
    return gifts.assess(
        kind, pence, donor_is_supplier=supplier, cash_or_voucher=cash, earlier_from_donor_pence=earlier, policy=policy
    )


@bp.get("/gifts/assess")
@role_required(*ANY_ROLE)
def assess_gift():
    """What the rules say about an offer as the member types it: the page asks the server, so the browser never
    holds a second copy of the rules."""
    from coi.forms import parse_money

    kind = request.args.get("kind", "")
    pence = parse_money(request.args.get("value", ""))
    if kind not in ("gift", "hospitality") or pence is None:
        return jsonify({"messages": ["Enter the type and value to see what the rules say."]})
    flag = lambda name: request.args.get(name) in ("y", "true", "on")  # noqa: E731
    assessment = _assess(
        db(),
        gift_policy(),
        kind,
        pence,
        request.args.get("donor", "")[:300],
        flag("donor_is_supplier"),
        flag("cash_or_voucher"),
    )
    return jsonify(
        {
            "messages": assessment.messages,
            "declare": assessment.declare,
            "must_decline": assessment.must_decline,
            "on_behalf_only": assessment.on_behalf_only,
            "needs_senior_approval": assessment.needs_senior_approval,
        }
    )


def rescreen_after_change(person_id: int) -> None:
    """Drift: re-screen the person's upcoming meetings and tell their chairs of new flags."""
    from coi.mail import MailError
    from coi.notifications import send_new_conflict_alerts
    from registry.models import CHAIRING_ROLES, Membership, Person
    from registry.services.meetings import rescreen_for_person

    s = db()
    alerts = rescreen_for_person(s, person_id)
    s.commit()
    if not alerts or not current_app.config.get("SMTP_HOST"):
        return
    alerts_by_chair: list[tuple] = []
    for alert in alerts:
        chairs = (
            s.exec(
                select(Person)
                .join(Membership, Membership.person_id == Person.id)
                .where(
                    Membership.committee_role.in_(CHAIRING_ROLES),
                    Membership.committee_id == alert.meeting.committee_id,
                    Person.email.is_not(None),
                    Person.active.is_(True),
                )
            )
            .unique()
            .all()
        )
        alerts_by_chair.extend((chair, alert) for chair in chairs)
    try:
        send_new_conflict_alerts(alerts_by_chair)
    except MailError:
        current_app.logger.exception("could not email chairs about new flags")  # the meeting page still shows them


directory_bp = Blueprint("directory", __name__, url_prefix="/directory")


@directory_bp.get("/search")
@login_required
def search():
    """Type-ahead for the organisation field (any signed-in person)."""
    found = directory.search_organisations(db(), request.args.get("q", ""))
    return jsonify([{"id": o.id, "label": directory.label(o), "kind": o.kind} for o in found])
