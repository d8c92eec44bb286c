"""Forms (WTForms with Flask-WTF's CSRF token) and the error-summary helper."""

from __future__ import annotations

import re
from datetime import date as _date
from decimal import Decimal
from typing import Optional

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DecimalField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.validators import Optional as OptionalValue

from registry import policy
from registry.models import InterestType


def _text(value):
    """Missing text fields read as "", and text is trimmed: views never see None (nor an uploaded file)."""
    if value is None or isinstance(value, str):
        return (value or "").strip()
    return ""  # a file posted under a text field's name is not text


DATABASE_INT_MAX = 2**31 - 1


def small_int(value, default: int = -1) -> int:
    """A posted number (a version, an id) as an int a database INTEGER can hold; `default` when it is not one."""
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= DATABASE_INT_MAX:
        return int(text)
    return default


LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() breaks on


def _one_line(label: str):
    """A filter for a single-line field: a line break is refused (a title or name holding one would break what it
    is written into: an email subject, a CSV heading, a header). WTForms makes the ValueError the field's error."""

    def check(value):
        if isinstance(value, str) and any(c in value for c in LINE_BREAKS):
            raise ValueError(f"{label} must be on one line, without line breaks")
        return value

    return check


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, (StringField, TextAreaField)) and not issubclass(field_class, HiddenField):
                label = unbound_field.kwargs.get("label") or next(iter(unbound_field.args), None) or "This field"
                one_line = [] if issubclass(field_class, (TextAreaField, PasswordField)) else [_one_line(str(label))]
                options["filters"] = [_text, *one_line, *unbound_field.kwargs.get("filters", [])]
            return unbound_field.bind(form=form, **options)

        def wrap_formdata(self, form, formdata):
            """Uploaded files reach only file fields: a file posted under a text or choice field's name is ignored."""
            data = super().wrap_formdata(form, formdata)
            if data is None or not request.files:
                return data
            file_fields = {name for name, field in form._unbound_fields if issubclass(field.field_class, FileField)}
            merged = MultiDict(request.form)
            for name, upload in request.files.items(multi=True):
                if name in file_fields:
                    merged.add(name, upload)
            return merged


class FiniteDecimalField(DecimalField):
    """A decimal that is a real, modest number: no NaN, infinity or 1e999999 (which would hang the arithmetic)."""

    def __init__(self, *args, largest: int = 10**12, **kwargs):
        super().__init__(*args, **kwargs)
        self.largest = largest

    def process_formdata(self, valuelist):
        if valuelist:
            raw = valuelist[0]
            try:
                number = Decimal(raw) if isinstance(raw, str) and len(raw) <= 40 else None
            except ArithmeticError:  # decimal.InvalidOperation: not a number at all
                number = None
            if raw != "" and (number is None or not number.is_finite() or number.copy_abs() > self.largest):
                self.data = None
                raise ValueError(self.gettext("Not a valid decimal value."))
        super().process_formdata(valuelist)


MONEY = re.compile(r"^£?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")


def parse_money(text) -> Optional[int]:
    """Pence from what people type for an amount: "£30", "30", "30.5", "£1,200.00". None when it is not one."""
    if not isinstance(text, str):
        return None
    match = MONEY.match(text.strip().replace(" ", ""))
    if match is None or len(text) > 30:
        return None
    pounds_part, pence_part = match.group(1).replace(",", ""), (match.group(2) or "0").ljust(2, "0")
    return int(pounds_part) * 100 + int(pence_part)


class MoneyField(Field):
    """An amount in pounds as people write it; `pence` holds it in pence (thresholds are compared in pence)."""

    def __init__(self, label=None, validators=None, largest_pence: int = 100_000_000, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.largest_pence = largest_pence
        self.pence: Optional[int] = None

    def _value(self):
        return self.raw_data[0] if self.raw_data else ("" if self.pence is None else f"{self.pence / 100:.2f}")

    def process_formdata(self, valuelist):
        self.pence = self.data = None
        if valuelist and isinstance(valuelist[0], str) and valuelist[0].strip():
            self.pence = parse_money(valuelist[0])
            if self.pence is None:
                raise ValueError("Enter the value in pounds, like £30 or £30.50")
            if self.pence > self.largest_pence:
                self.pence = None
                raise ValueError(f"Enter a value of £{self.largest_pence // 100:,} or less")
            self.data = self.pence

    def pre_validate(self, form):
        if self.pence is None and not self.process_errors:
            raise ValidationError("Enter the estimated value in pounds")


def form_error_list(form: Optional[FlaskForm], extra: Optional[str] = None, extra_href: str = "#email") -> list[dict]:
    """The error summary's list: each field's first error, linked to the field."""
    errors = []
    if extra:
        errors.append({"text": extra, "href": extra_href})
    if form is not None:
        for field in form:
            if field.errors and field.type != "CSRFTokenField":
                target = field.id
                if isinstance(field, DateParts):
                    first = next((p for p in ("day", "month", "year") if p in field.problem_parts), "day")
                    target = f"{field.id}-{first}"
                errors.append({"text": field.errors[0], "href": f"#{target}"})
    return errors


def options(*pairs: tuple[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class DateParts(Field):
    """The NHS.UK date input: day, month and year boxes posted as NAME[day], NAME[month], NAME[year]."""

    def __init__(self, label=None, validators=None, required=True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.parts = {"day": "", "month": "", "year": ""}
        self.problem_parts: set[str] = set()

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.data = data if isinstance(data, _date) else None
        if isinstance(data, _date):
            self.parts = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
        if formdata is not None and any(f"{self.name}[{p}]" in formdata for p in self.parts):
            self.parts = {p: (formdata.get(f"{self.name}[{p}]") or "").strip()[:10] for p in self.parts}
            self.data = None
            self.raw_data = [self.parts["day"], self.parts["month"], self.parts["year"]]

    def pre_validate(self, form):
        if self.raw_data is None:
            if self.required and self.data is None:
                self.problem_parts = set(self.parts)
                raise ValidationError(f"Enter {self.label.text.lower()}")
            return
        label = self.label.text
        missing = [p for p, v in self.parts.items() if not v]
        if len(missing) == 3:
            if self.required:
                self.problem_parts = set(self.parts)
                raise ValidationError(f"Enter {label.lower()}")
            self.data = None
            return
        if missing:
            self.problem_parts = set(missing)
            raise ValidationError(f"{label} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(self.parts[p]) for p in ("day", "month", "year"))
            if year < 1900 or year > 2100:
                self.problem_parts = {"year"}
                raise ValidationError(f"{label} must have a year with 4 numbers, like 2024")
            self.data = _date(year, month, day)
        except (ValueError, OverflowError):  # OverflowError: a day or month past what C's int holds
            self.problem_parts = set(self.parts)
            raise ValidationError(f"{label} must be a real date")


INTEREST_TYPE_HELP = {
    InterestType.financial.value: "You could gain or lose money: for example a partner, salaried GP, owner or "
    "director of a practice or company, or a shareholding over 5%.",
    InterestType.professional.value: "Your professional standing could be affected: for example an unpaid "
    "advisory role, a position in a professional body or a research role.",
    InterestType.personal.value: "You could benefit personally in a way that is not professional or "
    "financial: for example a trustee of a health charity, or a patient at a practice.",
    InterestType.indirect.value: "Someone close to you holds one of the interests above: your spouse or "
    "partner, a close family member or a business partner.",
}
ROLES = options(
    ("", "Choose a role or nature"),
    ("partner", "Partner"),
    ("senior partner", "Senior or managing partner"),
    ("salaried GP", "Salaried GP"),
    ("owner", "Owner"),
    ("director", "Director"),
    ("shareholder", "Shareholder"),
    ("employee", "Employee"),
    ("practice manager", "Practice manager"),
    ("clinical director", "PCN clinical director"),
    ("PCN role", "Other PCN role"),
    ("trustee", "Trustee"),
    ("governor", "Governor"),
    ("adviser", "Adviser"),
    ("patient", "Registered patient"),
    ("member", "Member"),
    ("research funding", "Research funding"),
    ("other", "Other"),
)


class InterestForm(BaseForm):
    interest_type = RadioField(
        "Type of interest",
        choices=options(*[(t.value, t.value.capitalize()) for t in InterestType]),
        validators=[InputRequired("Select the type of interest")],
    )
    organisation = StringField("Organisation", validators=[Length(max=300)])
    organisation_id = HiddenField()
    not_in_directory = BooleanField("It is not in the directory: keep the name as I typed it")
    role = SelectField("Role or nature of the interest", choices=ROLES, validators=[Length(max=100)])
    share_percent = FiniteDecimalField(
        "Shareholding (%)",
        places=2,
        validators=[
            OptionalValue(),
            NumberRange(min=0.01, max=100, message="Shareholding must be a percentage between 0.01 and 100"),
        ],
    )
    holder_name = StringField("Who holds the interest", validators=[Length(max=200)])
    relationship = StringField("Their relationship to you", validators=[Length(max=100)])
    description = TextAreaField(
        "Description", validators=[DataRequired("Enter a description of the interest"), Length(max=2000)]
    )
    date_from = DateParts("Date the interest started")
    date_to = DateParts("Date the interest ended", required=False)
    version = HiddenField()

    def validate_relationship(self, field):
        if self.interest_type.data == InterestType.indirect.value and not field.data.strip():
            raise ValidationError("Enter their relationship to you, for example spouse or daughter")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Date the interest ended must be the same as or after the date it started")


class EndInterestForm(BaseForm):
    date_to = DateParts("Date the interest ended")
    version = HiddenField()


class ReturnForm(BaseForm):
    as_of = DateParts("Complete and correct as of")
    confirm = BooleanField("I confirm this is true", validators=[DataRequired("Confirm that this is true")])


class GiftForm(BaseForm):
    kind = RadioField(
        "Was it a gift or hospitality?",
        choices=options(("gift", "Gift"), ("hospitality", "Hospitality")),
        validators=[InputRequired("Select whether it was a gift or hospitality")],
    )
    donor = StringField("Who offered it", validators=[DataRequired("Enter who offered it"), Length(max=300)])
    donor_is_supplier = BooleanField("The donor is a supplier or contractor, or could become one")
    cash_or_voucher = BooleanField("It is cash or a voucher")
    value = MoneyField("Estimated value")
    offered_on = DateParts("Date offered")
    description = TextAreaField(
        "Description", validators=[DataRequired("Describe the gift or hospitality"), Length(max=2000)]
    )
    outcome = RadioField(
        "Did you accept or decline it?",
        choices=options(("accepted", "Accepted"), ("declined", "Declined")),
        validators=[InputRequired("Select whether you accepted or declined it")],
    )
    on_behalf_of_organisation = BooleanField("Accepted on behalf of the organisation, not personally")
    senior_approval = StringField(
        f"Senior manager who approved it (hospitality over "
        f"{policy.pounds(policy.HOSPITALITY_APPROVAL_OVER_PENCE.value)})",
        validators=[Length(max=300)],
    )


class ReviewForm(BaseForm):
    mitigation = TextAreaField("Action taken to mitigate risk", validators=[Length(max=4000)])
    publish = RadioField(
        "Publish on the public register?",
        choices=options(("yes", "Yes, publish"), ("no", "No, withhold it")),
        validators=[InputRequired("Choose whether to publish the entry")],
    )
    withheld_reason = TextAreaField("Reason for withholding", validators=[Length(max=1000)])
    version = HiddenField()

    def validate_withheld_reason(self, field):
        if self.publish.data == "no" and not field.data.strip():
            raise ValidationError("Enter the overriding privacy or legal reason for withholding the entry")


class BreachForm(BaseForm):
    occurred_on = DateParts("Date of the breach")
    what_happened = TextAreaField("What happened", validators=[DataRequired("Enter what happened"), Length(max=8000)])
    action_taken = TextAreaField("Action taken", validators=[Length(max=8000)])
    public_summary = TextAreaField("Anonymised summary for publication", validators=[Length(max=2000)])
    status = RadioField(
        "Status",
        choices=options(("possible", "Possible breach, to be investigated"), ("open", "Open"), ("closed", "Closed")),
        default="open",
        validators=[InputRequired("Choose a status")],
    )
    version = HiddenField()


class ConfirmForm(BaseForm):
    """A form with only a CSRF token, for buttons that change state."""


class MeetingForm(BaseForm):
    committee_id = SelectField("Committee", coerce=int, validators=[InputRequired("Choose the committee")])
    title = StringField("Meeting title", validators=[DataRequired("Enter the meeting's title"), Length(max=200)])
    meeting_date = DateParts("Date of the meeting")


class AgendaForm(BaseForm):
    text = TextAreaField("Paste the agenda", validators=[Length(max=200_000)])
    document = FileField("Or upload the agenda")


class ItemForm(BaseForm):
    item_ref = StringField("Item number", validators=[DataRequired("Enter the item number"), Length(max=20)])
    title = StringField("Title", validators=[DataRequired("Enter the item's title"), Length(max=500)])
    description = TextAreaField("Description", validators=[Length(max=8000)])
    kind = RadioField(
        "Decision or information",
        choices=options(("decision", "Decision"), ("information", "Information")),
        validators=[InputRequired("Choose decision or information")],
    )
    contract_decision = BooleanField("This is a contract decision (needs a procurement record)")
    version = HiddenField()


ACTION_CHOICES = options(
    ("exclude", "Leave the meeting for the item"),
    ("no-vote", "Stay for the discussion but not the decision"),
    ("declare", "Declare the interest and take part"),
)


class DecisionForm(BaseForm):
    action = RadioField(
        "How the conflict is managed",
        choices=ACTION_CHOICES + options(("none", "Not a conflict: dismiss the flag")),
        validators=[InputRequired("Choose how the conflict is managed")],
    )
    reason = TextAreaField("Reason", validators=[Length(max=2000)])


class AddConflictForm(BaseForm):
    person_id = SelectField("Member", coerce=int, validators=[InputRequired("Choose the member")])
    item_id = SelectField("Agenda item", coerce=int, validators=[InputRequired("Choose the item")])
    action = RadioField(
        "How the conflict is managed",
        choices=ACTION_CHOICES,
        validators=[InputRequired("Choose how the conflict is managed")],
    )
    reason = TextAreaField("Reason", validators=[DataRequired("Say why this is a conflict"), Length(max=2000)])


class OutcomeForm(BaseForm):
    item_id = HiddenField()
    person_id = HiddenField()
    declared = RadioField(
        "Did they declare the interest at the meeting?",
        choices=options(("yes", "Yes"), ("no", "No")),
        validators=[InputRequired("Say whether they declared the interest")],
    )
    what_happened = RadioField(
        "What happened",
        choices=options(
            ("left the room", "Left the room"),
            ("did not vote", "Stayed but did not vote"),
            ("took part", "Took part and voted"),
            ("absent", "Absent for the item"),
        ),
        validators=[InputRequired("Choose what happened")],
    )


class AnnualRoundForm(BaseForm):
    """The day each year when annual-declaration reminders go out (registry.services.reminders)."""

    round_date = DateParts("Date of the annual declaration round")
