"""Forms for running the register: the organisation, committees, memberships, people, attendance."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from coi.forms import BaseForm, DateParts, options
from registry.models import AttendanceStatus, CommitteeKind, CommitteeRole

KIND_CHOICES = options(*[(k.value, k.value[0].upper() + k.value[1:]) for k in CommitteeKind])
COMMITTEE_ROLE_CHOICES = options(
    (CommitteeRole.member.value, "Member"),
    (CommitteeRole.chair.value, "Chair"),
    (CommitteeRole.vice_chair.value, "Vice-chair"),
    (CommitteeRole.attendee.value, "Attendee (no vote)"),
)
COMMITTEE_ROLE_HINTS = {
    CommitteeRole.chair.value: "Runs this committee's meetings: screens agendas and decides conflicts.",
    CommitteeRole.vice_chair.value: "Runs the meetings with the chair, and decides any conflict of the chair's.",
}


class OrganisationForm(BaseForm):
    name = StringField("Organisation name", validators=[DataRequired("Enter the organisation's name"), Length(max=200)])
    areas = SelectMultipleField("Area", choices=[], validate_choice=False)
    version = HiddenField()


class CommitteeForm(BaseForm):
    name = StringField("Committee name", validators=[DataRequired("Enter the committee's name"), Length(max=200)])
    kind = RadioField(
        "Kind of committee", choices=KIND_CHOICES, validators=[InputRequired("Choose the kind of committee")]
    )
    areas = SelectMultipleField("Area it commissions for", choices=[], validate_choice=False)
    quorum_rule = TextAreaField("Quorum rule", validators=[Length(max=500)])
    version = HiddenField()


class CloseCommitteeForm(BaseForm):
    closed_on = DateParts("Date the committee closed")
    version = HiddenField()


class VotingOrganisationForm(BaseForm):
    organisation_id = SelectField("Organisation from the directory", choices=[], validate_choice=False)
    name = StringField("Or type the organisation's name", validators=[Length(max=300)])
    voting_group = StringField("Voting group", validators=[Length(max=40)])


class MembershipForm(BaseForm):
    person_id = SelectField("Person", choices=[], validate_choice=False)
    committee_role = RadioField(
        "Role on the committee",
        choices=COMMITTEE_ROLE_CHOICES,
        validators=[InputRequired("Choose their role on the committee")],
    )
    organisation_id = SelectField("Organisation they represent", choices=[], validate_choice=False)
    voting = RadioField(
        "Do they vote?",
        choices=options(("yes", "Yes, they vote for their organisation"), ("no", "No, they attend without a vote")),
        validators=[InputRequired("Say whether they vote")],
    )
    date_from = DateParts("Member from", required=False)
    date_to = DateParts("Member until", required=False)
    version = HiddenField()


class DeputyForm(BaseForm):
    person_id = SelectField("Deputy", choices=[], validate_choice=False)


class PersonForm(BaseForm):
    full_name = StringField("Full name", validators=[DataRequired("Enter the person's full name"), Length(max=200)])
    position = StringField("Position", validators=[Length(max=200)])
    email = StringField("Email address", validators=[Length(max=254)])
    decision_maker = RadioField(
        "Are they decision-making staff?",
        choices=options(
            ("yes", "Yes: their interests are published on the public register"),
            ("no", "No: their declarations are kept but not published"),
        ),
        validators=[InputRequired("Say whether they are decision-making staff")],
    )
    governance = BooleanField("Governance lead: keeps the register, runs every committee")
    version = HiddenField()


class AttendanceForm(BaseForm):
    person_id = HiddenField()
    status = RadioField(
        "Attendance",
        choices=options(
            (AttendanceStatus.expected.value, "Expected"),
            (AttendanceStatus.apologies.value, "Apologies"),
            (AttendanceStatus.deputy.value, "Apologies, a deputy attends in their place"),
        ),
        validators=[InputRequired("Choose whether they are expected")],
    )
    deputy_id = SelectField("Deputy attending", choices=[], validate_choice=False)


class DirectoryUploadForm(BaseForm):
    epraccur = FileField("GP practices file (epraccur.csv)")
    pcn_map = FileField("Practice to PCN map (optional)")


class PeopleImportForm(BaseForm):
    document = FileField("People and memberships file (CSV or Excel)")
    token = HiddenField()
