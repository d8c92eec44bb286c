"""Running the register for an ICB: its name and area, committees, voting organisations, members, people."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from coi.admin_forms import (
    COMMITTEE_ROLE_HINTS,
    CloseCommitteeForm,
    CommitteeForm,
    DeputyForm,
    DirectoryUploadForm,
    MembershipForm,
    OrganisationForm,
    PersonForm,
    VotingOrganisationForm,
)
from coi.auth import role_required
from coi.database import db
from coi.forms import ConfirmForm, small_int
from coi.idempotency import commit_once
from coi.navigation import forget_organisation_name
from registry.models import Committee, Membership, Organisation, Person
from registry.services import committees as committee_service
from registry.services import people as people_service
from registry.services.directory import import_directory
from screening.orgfiles import InputFileError

bp = Blueprint("admin", __name__, url_prefix="/governance")
GOVERNANCE = ("governance",)


def _attach(form, error) -> None:
    """A service's error beside its field, or (without a field) in the summary through form.failure."""
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = list(form[field].errors or []) + [str(error)]
    else:
        form.failure = str(error)


def _carry_out(change, done: str, location: str):
    """A one-button post (remove, reopen): the service's change, then back to the page saying what happened or
    why it could not."""
    s = db()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(s)
    except committee_service.CommitteeError as error:
        s.rollback()
        flash(str(error), "error")
    else:
        commit_once(s, location)
        flash(done, "success")
    return redirect(location)


def _area_items(selected: set[str]) -> list[dict]:
    return [
        {"value": o.ods_code, "text": f"{o.name} ({o.ods_code})", "checked": o.ods_code in selected}
        for o in committee_service.commissioners(db())
    ]


# --- The organisation -----------------------------------------------------------------------------------


@bp.route("/organisation", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def organisation():
    s = db()
    form = OrganisationForm()
    form.failure = None
    if request.method == "GET":
        form.name.data = committee_service.setting(s, committee_service.ORGANISATION_NAME)
        form.areas.data = committee_service.parse_area_codes(
            committee_service.setting(s, committee_service.ORGANISATION_AREA)
        )
    if form.validate_on_submit():
        try:
            codes = committee_service.check_area_codes(s, form.areas.data or [])
            committee_service.set_setting(
                s, committee_service.ORGANISATION_NAME, " ".join(form.name.data.split()), current_user.id
            )
            committee_service.set_setting(s, committee_service.ORGANISATION_AREA, ",".join(codes), current_user.id)
        except committee_service.CommitteeError as error:
            s.rollback()
            _attach(form, error)
        else:
            s.commit()
            forget_organisation_name()
            flash("Organisation details saved", "success")
            return redirect(url_for(".committees"))
    return render_template("admin/organisation.jinja", form=form, area_items=_area_items(set(form.areas.data or [])))


# --- The directory ----------------------------------------------------------------------------------------


@bp.route("/directory", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def directory():
    """Load NHS Digital's practice file (and PCN map) as published, so people can name practices and PCNs."""
    s = db()
    form = DirectoryUploadForm()
    failure, summary = None, None
    if form.validate_on_submit():
        upload, pcn_upload = form.epraccur.data, form.pcn_map.data
        if not upload or not upload.filename:
            form.epraccur.errors = ["Choose the GP practices file (epraccur.csv)"]
        else:
            with tempfile.TemporaryDirectory() as folder:
                epraccur = Path(folder) / "epraccur.csv"
                upload.save(epraccur)
                pcn_map = None
                if pcn_upload and pcn_upload.filename:
                    pcn_map = Path(folder) / "pcn_map.csv"
                    pcn_upload.save(pcn_map)
                try:
                    summary = import_directory(s, epraccur, pcn_map)
                except (InputFileError, UnicodeDecodeError, ValueError) as error:
                    s.rollback()
                    failure = str(error).replace(folder + "/", "")
                else:
                    s.commit()
                    flash("Directory loaded. " + " ".join(summary.lines()[:1]), "success")
                    for warning in summary.warnings[:20]:
                        flash(str(warning), "info")
                    return redirect(url_for(".directory"))
    count = s.exec(select(Organisation.id).where(Organisation.ods_code.is_not(None))).all()
    return render_template("admin/directory.jinja", form=form, failure=failure, organisations=len(count))


# --- Committees ---------------------------------------------------------------------------------------


def _committee(committee_id: int) -> Committee:
    committee = db().get(Committee, committee_id)
    if committee is None:
        abort(404)
    return committee


@bp.get("/committees")
@role_required(*GOVERNANCE)
def committees():
    s = db()
    rows = []
    for committee in committee_service.committees(s):
        members = committee_service.memberships(s, committee.id)
        chairs = [p.full_name for m, p, _ in members if m.committee_role == "chair" and m.date_to is None]
        rows.append((committee, len(members), chairs))
    return render_template(
        "admin/committees.jinja",
        rows=rows,
        organisation_label=committee_service.setting(s, committee_service.ORGANISATION_NAME),
    )


@bp.route("/committees/new", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def new_committee():
    s = db()
    form = CommitteeForm()
    form.failure = None
    if request.method == "GET":
        form.areas.data = committee_service.parse_area_codes(
            committee_service.setting(s, committee_service.ORGANISATION_AREA)
        )
    if form.validate_on_submit():
        try:
            committee = committee_service.create_committee(
                s, name=form.name.data, kind=form.kind.data, area_codes=form.areas.data or [], actor_id=current_user.id
            )
        except committee_service.CommitteeError as error:
            s.rollback()
            _attach(form, error)
        else:
            location = url_for(".committee", committee_id=committee.id)
            if commit_once(s, location):
                flash("Committee created. Add its voting organisations, quorum rule and members.", "success")
            return redirect(location)
    return render_template(
        "admin/committee_form.jinja", form=form, committee=None, area_items=_area_items(set(form.areas.data or []))
    )


@bp.get("/committees/<int:committee_id>")
@role_required(*GOVERNANCE)
def committee(committee_id: int):
    s = db()
    committee = _committee(committee_id)
    quorum_words, quorum_error = None, None
    if committee.quorum_rule:
        try:
            quorum_words = committee_service.describe_quorum_rule(s, committee, committee.quorum_rule)
        except committee_service.CommitteeError as error:
            quorum_error = str(error)
    names = {o.ods_code: o.name for o in committee_service.commissioners(s)}
    return render_template(
        "admin/committee.jinja",
        committee=committee,
        quorum_words=quorum_words,
        quorum_error=quorum_error,
        areas=[(code, names.get(code, code)) for code in committee_service.parse_area_codes(committee.area_codes)],
        voting=committee_service.voting_organisations(s, committee.id),
        members=committee_service.memberships(s, committee.id),
        deputies=committee_service.deputies(s, committee.id),
        confirm=ConfirmForm(),
        close_form=CloseCommitteeForm(),
    )


@bp.route("/committees/<int:committee_id>/edit", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def edit_committee(committee_id: int):
    s = db()
    committee = _committee(committee_id)
    form = CommitteeForm(obj=committee) if request.method == "GET" else CommitteeForm()
    form.failure = None
    if request.method == "GET":
        form.areas.data = committee_service.parse_area_codes(committee.area_codes)
        form.version.data = str(committee.version)
    if form.validate_on_submit():
        try:
            committee_service.update_committee(
                s,
                committee,
                version=small_int(form.version.data),
                name=form.name.data,
                kind=form.kind.data,
                area_codes=form.areas.data or [],
                quorum_rule=form.quorum_rule.data,
                actor_id=current_user.id,
            )
        except committee_service.CommitteeError as error:
            s.rollback()
            _attach(form, error)
        else:
            s.commit()
            flash("Committee saved", "success")
            return redirect(url_for(".committee", committee_id=committee.id))
    return render_template(
        "admin/committee_form.jinja", form=form, committee=committee, area_items=_area_items(set(form.areas.data or []))
    )


@bp.get("/committees/<int:committee_id>/quorum-rule")
@role_required(*GOVERNANCE)
def check_quorum_rule(committee_id: int):
    """The rule as typed, read back in plain words (the form calls this as the lead types)."""
    committee = _committee(committee_id)
    rule = request.args.get("rule", "")[:500]
    if not rule.strip():
        return jsonify({"ok": False, "message": "Write the rule, for example: NHS England and a majority of CCGs"})
    try:
        words = committee_service.check_quorum_rule(db(), committee, rule)
    except committee_service.CommitteeError as error:
        return jsonify({"ok": False, "message": str(error)})
    return jsonify({"ok": True, "message": words})


@bp.post("/committees/<int:committee_id>/close")
@role_required(*GOVERNANCE)
def close_committee(committee_id: int):
    s = db()
    committee = _committee(committee_id)
    form = CloseCommitteeForm()
    if form.validate_on_submit():
        try:
            committee_service.close_committee(
                s,
                committee,
                version=small_int(form.version.data),
                closed_on=form.closed_on.data,
                actor_id=current_user.id,
            )
        except committee_service.CommitteeError as error:
            s.rollback()
            flash(str(error), "error")
        else:
            commit_once(s, url_for(".committee", committee_id=committee.id))
            flash("Committee closed. Its meetings and records are kept.", "success")
    else:
        flash(next(iter(form.errors.values()))[0] if form.errors else "Enter the date the committee closed", "error")
    return redirect(url_for(".committee", committee_id=committee.id))


@bp.post("/committees/<int:committee_id>/reopen")
@role_required(*GOVERNANCE)
def reopen_committee(committee_id: int):
    committee = _committee(committee_id)
    version = small_int(request.form.get("version"))
    return _carry_out(
        lambda s: committee_service.reopen_committee(s, committee, version=version, actor_id=current_user.id),
        "Committee reopened",
        url_for(".committee", committee_id=committee.id),
    )


# --- Voting organisations -----------------------------------------------------------------------------


@bp.route("/committees/<int:committee_id>/voting-organisations/new", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def add_voting_organisation(committee_id: int):
    s = db()
    committee = _committee(committee_id)
    form = VotingOrganisationForm()
    form.failure = None
    form.organisation_id.choices = [("", "Not in the directory: type its name below")] + [
        (str(o.id), f"{o.name} ({o.ods_code})") for o in committee_service.commissioners(s)
    ]
    if form.validate_on_submit():
        chosen = small_int(form.organisation_id.data, default=0) or None
        try:
            committee_service.add_voting_organisation(
                s,
                committee,
                name=form.name.data,
                voting_group=form.voting_group.data,
                organisation_id=chosen,
                actor_id=current_user.id,
            )
        except committee_service.CommitteeError as error:
            s.rollback()
            _attach(form, error)
        else:
            location = url_for(".committee", committee_id=committee.id)
            if commit_once(s, location):
                flash("Voting organisation added", "success")
            return redirect(location)
    return render_template("admin/voting_organisation_form.jinja", form=form, committee=committee)


@bp.post("/committees/<int:committee_id>/voting-organisations/<int:voting_id>/remove")
@role_required(*GOVERNANCE)
def remove_voting_organisation(committee_id: int, voting_id: int):
    committee = _committee(committee_id)
    return _carry_out(
        lambda s: committee_service.remove_voting_organisation(s, committee, voting_id, current_user.id),
        "Voting organisation removed",
        url_for(".committee", committee_id=committee.id),
    )


# --- Memberships ----------------------------------------------------------------------------------------


def _membership_choices(form: MembershipForm, committee: Committee, person_choice: bool) -> None:
    s = db()
    if person_choice:
        form.person_id.choices = [("", "Choose a person")] + [
            (str(p.id), f"{p.full_name}{', ' + p.position if p.position else ''}")
            for p in people_service.people(s, include_inactive=False)
        ]
    form.organisation_id.choices = [("", "None")] + [
        (str(org.id), org.name) for _, org in committee_service.voting_organisations(s, committee.id)
    ]


def _membership_values(form: MembershipForm) -> dict:
    return {
        "committee_role": form.committee_role.data,
        "organisation_id": small_int(form.organisation_id.data, default=0) or None,
        "voting": form.voting.data == "yes",
        "date_from": form.date_from.data,
        "date_to": form.date_to.data,
    }


@bp.route("/committees/<int:committee_id>/members/new", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def add_member(committee_id: int):
    s = db()
    committee = _committee(committee_id)
    form = MembershipForm()
    form.failure = None
    _membership_choices(form, committee, person_choice=True)
    if request.method == "GET" and request.args.get("person"):
        form.person_id.data = request.args["person"]
    if form.validate_on_submit():
        person_id = small_int(form.person_id.data, default=0)
        try:
            if not person_id:
                raise committee_service.CommitteeError("Choose the person", field="person_id")
            committee_service.add_membership(
                s, committee, person_id=person_id, actor_id=current_user.id, **_membership_values(form)
            )
        except committee_service.CommitteeError as error:
            s.rollback()
            _attach(form, error)
        else:
            location = url_for(".committee", committee_id=committee.id)
            if commit_once(s, location):
                flash("Member added", "success")
            return redirect(location)
    return render_template(
        "admin/membership_form.jinja",
        form=form,
        committee=committee,
        membership=None,
        person=None,
        role_hints=COMMITTEE_ROLE_HINTS,
    )


def _membership(committee: Committee, membership_id: int) -> Membership:
    membership = db().get(Membership, membership_id)
    if membership is None or membership.committee_id != committee.id:
        abort(404)
    return membership


@bp.route("/committees/<int:committee_id>/members/<int:membership_id>", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def edit_member(committee_id: int, membership_id: int):
    s = db()
    committee = _committee(committee_id)
    membership = _membership(committee, membership_id)
    form = MembershipForm(obj=membership) if request.method == "GET" else MembershipForm()
    form.failure = None
    _membership_choices(form, committee, person_choice=False)
    if request.method == "GET":
        form.organisation_id.data = str(membership.organisation_id or "")
        form.voting.data = "yes" if membership.voting else "no"
        form.version.data = str(membership.version)
    deputy_form = DeputyForm(prefix="deputy")
    deputy_form.person_id.choices = [("", "Choose a deputy")] + [
        (str(p.id), p.full_name)
        for p in people_service.people(s, include_inactive=False)
        if p.id != membership.person_id
    ]
    if form.validate_on_submit():
        try:
            committee_service.update_membership(
                s,
                membership,
                version=small_int(form.version.data),
                actor_id=current_user.id,
                **_membership_values(form),
            )
        except committee_service.CommitteeError as error:
            s.rollback()
            _attach(form, error)
        else:
            s.commit()
            flash("Membership saved", "success")
            return redirect(url_for(".committee", committee_id=committee.id))
    return render_template(
        "admin/membership_form.jinja",
        form=form,
        committee=committee,
        membership=membership,
        person=s.get(Person, membership.person_id),
        role_hints=COMMITTEE_ROLE_HINTS,
        deputy_form=deputy_form,
        deputies=committee_service.deputies(s, committee.id).get(membership.id, []),
        confirm=ConfirmForm(),
    )


@bp.post("/committees/<int:committee_id>/members/<int:membership_id>/deputies")
@role_required(*GOVERNANCE)
def add_deputy(committee_id: int, membership_id: int):
    s = db()
    committee = _committee(committee_id)
    membership = _membership(committee, membership_id)
    form = DeputyForm(prefix="deputy")
    if not form.validate_on_submit():
        abort(400)
    try:
        person_id = small_int(form.person_id.data, default=0)
        if not person_id:
            raise committee_service.CommitteeError("Choose the deputy")
        committee_service.add_deputy(s, membership, person_id, current_user.id)
    except committee_service.CommitteeError as error:
        s.rollback()
        flash(str(error), "error")
    else:
        commit_once(s, url_for(".edit_member", committee_id=committee.id, membership_id=membership.id))
        flash("Deputy added", "success")
    return redirect(url_for(".edit_member", committee_id=committee.id, membership_id=membership.id))


@bp.post("/committees/<int:committee_id>/members/<int:membership_id>/deputies/<int:deputy_id>/remove")
@role_required(*GOVERNANCE)
def remove_deputy(committee_id: int, membership_id: int, deputy_id: int):
    committee = _committee(committee_id)
    membership = _membership(committee, membership_id)
    return _carry_out(
        lambda s: committee_service.remove_deputy(s, membership, deputy_id, current_user.id),
        "Deputy removed",
        url_for(".edit_member", committee_id=committee.id, membership_id=membership.id),
    )


# --- People -----------------------------------------------------------------------------------------------


@bp.get("/people")
@role_required(*GOVERNANCE)
def people():
    s = db()
    query = request.args.get("q", "").strip()[:100].lower()
    everyone = people_service.people(s)
    if query:
        everyone = [p for p in everyone if query in p.full_name.lower() or query in (p.email or "")]
    return render_template("admin/people.jinja", people=everyone, query=query)


@bp.route("/people/new", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def new_person():
    s = db()
    form = PersonForm()
    form.failure = None
    if request.method == "GET":
        form.decision_maker.data = "yes"
    if form.validate_on_submit():
        roles = ["member"] + (["governance"] if form.governance.data else [])
        try:
            person = people_service.add_person(
                s,
                full_name=form.full_name.data,
                position=form.position.data,
                email=form.email.data,
                decision_maker=form.decision_maker.data == "yes",
                roles=roles,
                actor_id=current_user.id,
            )
        except people_service.AccountError as error:
            s.rollback()
            _attach(form, error)
        else:
            location = url_for(".person", person_id=person.id)
            if commit_once(s, location):
                flash(
                    f"{person.full_name} added. Invite them to set a password, and add them to a committee.", "success"
                )
            return redirect(location)
    return render_template("admin/person_form.jinja", form=form, person=None)


def _person(person_id: int) -> Person:
    person = db().get(Person, person_id)
    if person is None:
        abort(404)
    return person


@bp.get("/people/<int:person_id>")
@role_required(*GOVERNANCE)
def person(person_id: int):
    s = db()
    person = _person(person_id)
    account_state = None
    try:
        from registry.services import account_links

        account_state = account_links.account_state(s, person)
    except (ImportError, AttributeError):  # the invitation service is optional in older deployments
        account_state = None
    return render_template(
        "admin/person.jinja",
        person=person,
        roles=people_service.roles_granted(s, person.id),
        memberships=committee_service.memberships_of(s, person.id),
        account_state=account_state,
        committees=committee_service.committees(s, include_closed=False),
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@role_required(*GOVERNANCE)
def edit_person(person_id: int):
    s = db()
    person = _person(person_id)
    form = PersonForm(obj=person) if request.method == "GET" else PersonForm()
    form.failure = None
    if request.method == "GET":
        form.decision_maker.data = "yes" if person.decision_maker else "no"
        form.governance.data = "governance" in people_service.roles_granted(s, person.id)
        form.email.data = person.email or ""
        form.version.data = str(person.version)
    if form.validate_on_submit():
        roles = ["member"] + (["governance"] if form.governance.data else [])
        try:
            people_service.update_person(
                s,
                person,
                version=small_int(form.version.data),
                full_name=form.full_name.data,
                position=form.position.data,
                email=form.email.data,
                decision_maker=form.decision_maker.data == "yes",
                roles=roles,
                actor_id=current_user.id,
            )
        except people_service.AccountError as error:
            s.rollback()
            _attach(form, error)
        else:
            s.commit()
            flash("Details saved", "success")
            return redirect(url_for(".person", person_id=person.id))
    return render_template("admin/person_form.jinja", form=form, person=person)
