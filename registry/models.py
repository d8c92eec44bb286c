"""Tables of the register. A field's policy meaning is noted beside it.

Dates are plain dates (the guidance works in days); instants are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import Enum
from typing import Optional

from sqlalchemy import BigInteger, Column, Index, JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Role(str, Enum):
    """Account roles. Chairing is not one: it is a committee role, held on a membership (CommitteeRole)."""

    member = "member"  # declares their own interests, sees their own items
    governance = "governance"  # keeps the register, publishes it, answers audit, runs every committee


class CommitteeRole(str, Enum):
    """What a person does on one committee. A chair or vice-chair runs that committee's meetings only."""

    chair = "chair"
    vice_chair = "vice-chair"
    member = "member"
    attendee = "attendee"  # attends without a vote (LMC, health and wellbeing board, Healthwatch)


CHAIRING_ROLES = (CommitteeRole.chair.value, CommitteeRole.vice_chair.value)


class CommitteeKind(str, Enum):
    primary_care = "primary care commissioning committee"
    joint = "joint committee"
    board = "board"
    audit = "audit committee"
    other = "other committee"


class OrganisationKind(str, Enum):
    practice = "practice"
    branch = "branch"
    pcn = "pcn"
    commissioner = "commissioner"
    company = "company"
    other = "other"


class ManagementAction(str, Enum):
    """How a conflict is managed at the meeting; the engine proposes one and the chair decides."""

    exclude = "exclude"  # leave the meeting for the item
    no_vote = "no-vote"  # take part in the discussion but not the decision
    declare = "declare"  # declare the interest and take part
    none = "none"  # not a conflict: the chair dismissed the flag


class DecisionSource(str, Enum):
    accepted = "accepted"  # the engine's proposal, as it stood
    changed = "changed"  # a different action, with a reason
    dismissed = "dismissed"  # not a conflict, with a reason
    added = "added"  # a conflict the engine missed, with a reason


class FlagStatus(str, Enum):
    current = "current"
    gone = "gone"  # a re-screen no longer raises it; kept with any decision on it


class ItemKind(str, Enum):
    decision = "decision"
    information = "information"  # needs no quorum


class InterestType(str, Enum):
    financial = "financial"
    professional = "non-financial professional"
    personal = "non-financial personal"
    indirect = "indirect"  # held by a close associate (spouse, partner, family, business partner)


class Person(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    email: Optional[str] = Field(
        default=None, max_length=254, unique=True, index=True
    )  # lower-cased; None = no account yet (imported)
    full_name: str = Field(max_length=200)
    position: str = Field(default="", max_length=200)  # role with the commissioner, as published
    decision_maker: bool = True  # only decision-making staff appear on the public register
    password_hash: Optional[str] = Field(default=None, max_length=255)  # argon2id; None = cannot sign in
    active: bool = True
    failed_sign_ins: int = 0  # consecutive failures; reset on success; lock-out threshold is configurable
    locked_until: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)
    deactivated_at: Optional[datetime] = None  # never deleted: their declarations stay on record
    version: int = 1  # optimistic lock for the governance lead's edits


class RoleGrant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "role"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=20)  # a Role value


class Organisation(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    ods_code: Optional[str] = Field(default=None, max_length=12, unique=True, index=True)
    name: str = Field(max_length=300, index=True)
    kind: str = Field(max_length=20, index=True)  # an OrganisationKind value
    address_line1: str = Field(default="", max_length=200)  # usually the building the practice occupies
    address_line2: str = Field(default="", max_length=200)
    address_line3: str = Field(default="", max_length=200)
    address_line4: str = Field(default="", max_length=200)
    address_line5: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=10, index=True)
    status: str = Field(default="A", max_length=1)  # ODS status: A active, C closed, D dormant, P proposed
    open_date: Optional[date] = None
    close_date: Optional[date] = None  # closed practices are kept: old declarations still point at them
    prescribing_setting: str = Field(default="", max_length=3)  # 4 = GP practice in epraccur
    region: str = Field(default="", max_length=6)  # epraccur national grouping
    icb: str = Field(default="", max_length=6)  # epraccur high-level health geography: tells same names apart
    pcn_id: Optional[int] = Field(default=None, foreign_key="organisation.id", index=True)
    commissioner_id: Optional[int] = Field(default=None, foreign_key="organisation.id", index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class OrganisationName(SQLModel, table=True):
    """Other names an organisation is known by (trading names, former names, initialisms)."""

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=300)


class Setting(SQLModel, table=True):
    """The organisation's own settings, set by a governance lead (its name in the header, its area)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="person.id")


class Committee(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(default=CommitteeKind.primary_care.value, max_length=60)  # a CommitteeKind value
    quorum_rule: str = Field(default="", max_length=500)  # text form parsed by screening.quorum
    area_codes: str = Field(default="", max_length=200)  # commissioner codes the committee commissions for
    closed_on: Optional[date] = None  # closed committees keep their meetings and records
    version: int = 1


class VotingOrganisation(SQLModel, table=True):
    """An organisation with one vote on a committee (a CCG, NHS England)."""

    __table_args__ = (UniqueConstraint("committee_id", "organisation_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    voting_group: str = Field(default="", max_length=40)  # e.g. CCG, NHSE: named by the quorum rule


class Membership(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    organisation_id: Optional[int] = Field(default=None, foreign_key="organisation.id")  # organisation represented
    committee_role: str = Field(default=CommitteeRole.member.value, max_length=100)  # a CommitteeRole value
    voting: bool = True  # LMC, health and wellbeing board and Healthwatch attend without a vote
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    version: int = 1


class Deputy(SQLModel, table=True):
    """A named deputy who may attend and vote in a member's place."""

    __table_args__ = (UniqueConstraint("membership_id", "person_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)


class AttendanceStatus(str, Enum):
    expected = "expected"
    apologies = "apologies"
    deputy = "deputy"  # apologies, and a named deputy attends in the member's place


class Attendance(SQLModel, table=True):
    """Who is expected at a meeting (before) and who was there (after). One row per member."""

    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id")  # the member
    status: str = Field(default=AttendanceStatus.expected.value, max_length=20)  # an AttendanceStatus value
    deputy_id: Optional[int] = Field(default=None, foreign_key="person.id")  # when status is deputy
    attended: Optional[bool] = None  # confirmed after the meeting (the member, or their deputy)
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class TokenPurpose(str, Enum):
    invitation = "invitation"  # set a first password
    password_reset = "password-reset"  # nosec B105 - the name of a link's purpose, not a password


class AccountToken(SQLModel, table=True):
    """A single-use, time-limited link sent by email. Only the token's hash is kept."""

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    purpose: str = Field(max_length=20)  # a TokenPurpose value
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: Optional[datetime] = None
    created_by_id: Optional[int] = Field(default=None, foreign_key="person.id")


class ImportColumnMapping(SQLModel, table=True):
    """A heading a governance lead mapped by hand on an import preview, remembered for the next file."""

    heading: str = Field(primary_key=True, max_length=200)  # normalised: lower case, single spaces
    field_name: str = Field(max_length=40)  # a register field, or "" to ignore the column
    saved_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    saved_at: datetime = Field(default_factory=utcnow)


class Interest(SQLModel, table=True):
    __table_args__ = (Index("ix_interest_person_dates", "person_id", "date_to"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    interest_type: str = Field(max_length=30)  # an InterestType value
    description: str = Field(sa_column=Column(Text, nullable=False))
    organisation_id: Optional[int] = Field(default=None, foreign_key="organisation.id", index=True)
    organisation_text: str = Field(default="", max_length=300)  # as typed when not in the directory
    role: str = Field(default="", max_length=100)  # nature of the interest: partner, director, trustee…
    share_percent: Optional[float] = None  # shareholdings over 5% are declarable
    holder_name: str = Field(default="", max_length=200)  # indirect only: who holds the interest
    relationship: str = Field(default="", max_length=100)  # indirect only: spouse, daughter, business partner…
    date_from: Optional[date] = None  # when the interest arose; declaring >28 days later is late
    date_to: Optional[date] = None  # None = ongoing; published for 6 months and kept 6 years after this
    declared_at: datetime = Field(default_factory=utcnow)  # when the register first heard of it
    mitigation: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # action agreed
    publish: bool = True  # consent to publish
    withheld_reason: str = Field(default="", max_length=1000)  # required when publish is False
    version: int = 1  # optimistic lock: a save must name the version it edited
    updated_at: datetime = Field(default_factory=utcnow)


class InterestHistory(SQLModel, table=True):
    """Every change to an interest, never edited: who, when, before and after."""

    __table_args__ = (UniqueConstraint("interest_id", "version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    interest_id: int = Field(foreign_key="interest.id", index=True)
    version: int
    change: str = Field(max_length=20)  # created, updated, ended, reviewed
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    before: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    after: dict = Field(sa_column=Column(JSON, nullable=False))


class AuditEvent(SQLModel, table=True):
    """Append-only log; each row's hash covers the previous row's hash (tamper-evident)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: Optional[int] = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=60, index=True)  # e.g. sign-in, interest.created, register.published
    object_type: str = Field(default="", max_length=40)
    object_id: Optional[int] = None
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(max_length=64)
    # HMAC-SHA256 of `hash` with the instance's audit key, which is not in the database: whoever can rewrite the
    # table cannot recompute these (registry.services.audit). Empty only for rows written before signing began.
    signature: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class UserSession(SQLModel, table=True):
    """Server-side record of a signed-in session, so sign-out really ends it."""

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 of the cookie's token
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: Optional[datetime] = None


class SignInAttempt(SQLModel, table=True):
    """Kept in the database so rate limits hold across workers and restarts."""

    id: Optional[int] = Field(default=None, primary_key=True)
    email_key: str = Field(max_length=64, index=True)  # sha256 of the lower-cased email
    ip: str = Field(default="", max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    succeeded: bool = False


class GiftKind(str, Enum):
    gift = "gift"
    hospitality = "hospitality"


class GiftOutcome(str, Enum):
    accepted = "accepted"
    declined = "declined"
    offered = "offered"  # not yet decided


class GiftOrHospitality(SQLModel, table=True):
    """Offers of gifts and hospitality; declined offers are recorded too."""

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=20)  # a GiftKind value
    donor: str = Field(max_length=300)
    donor_is_supplier: bool = False  # suppliers and contractors: decline unless worth £6 or less
    cash_or_voucher: bool = False  # never accepted, whatever the value
    value_pence: int  # estimated value; thresholds are compared in pence to avoid rounding
    offered_on: date
    description: str = Field(sa_column=Column(Text, nullable=False))
    outcome: str = Field(max_length=20)  # a GiftOutcome value
    on_behalf_of_organisation: bool = False  # gifts over £50 may only be accepted for the organisation
    senior_approval: str = Field(default="", max_length=300)  # who approved hospitality over £75
    declarable: bool = False  # the thresholds required a declaration: it goes on the published register
    declared_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class ReturnKind(str, Enum):
    nil = "nil"  # nothing to declare
    annual = "annual"  # "my declarations are complete and correct as of …"


class DeclarationReturn(SQLModel, table=True):
    """A nil return or an annual confirmation; either counts as the annual declaration."""

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=10)  # a ReturnKind value
    as_of: date  # the date the person says the declaration is complete and correct
    made_at: datetime = Field(default_factory=utcnow)
    statement: str = Field(default="", max_length=500)


class Breach(SQLModel, table=True):
    """The breaches register; only the anonymised summary is published."""

    id: Optional[int] = Field(default=None, primary_key=True)
    occurred_on: date
    what_happened: str = Field(sa_column=Column(Text, nullable=False))  # internal: may name people
    action_taken: str = Field(sa_column=Column(Text, nullable=False, default=""))
    public_summary: str = Field(sa_column=Column(Text, nullable=False, default=""))  # anonymised, published
    status: str = Field(default="open", max_length=20)  # open, closed; possible = raised by a meeting check
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class RegisterSnapshot(SQLModel, table=True):
    """A published register: the public sees the latest snapshot, never live edits."""

    id: Optional[int] = Field(default=None, primary_key=True)
    published_at: datetime = Field(default_factory=utcnow, index=True)
    published_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    as_of: date  # the publication date printed on the register and its exports
    rows: list = Field(sa_column=Column(JSON, nullable=False))  # interests as published
    gifts: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # declared gifts/hospitality
    withheld_count: int = 0  # entries withheld for privacy or legal reasons (not shown; the count is)


class Meeting(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    title: str = Field(max_length=200)
    meeting_date: date = Field(index=True)
    created_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    screened_at: Optional[datetime] = None  # last screen of the agenda against the register


class MeetingItem(SQLModel, table=True):
    """An agenda item or a contract decision."""

    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_ref: str = Field(max_length=20)  # as printed on the agenda: 4.2, 6a, B7
    title: str = Field(max_length=500)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    kind: str = Field(default="decision", max_length=20)  # decision or information
    contract_decision: bool = False  # a Provider Selection Regime decision: needs a procurement record
    position: int = 0  # order on the agenda
    version: int = 1  # edits bump it, so a re-screen can tell what changed


class ScreeningFlag(SQLModel, table=True):
    """What the engine proposed for a (member, item) pair, kept across re-screens."""

    __table_args__ = (UniqueConstraint("item_id", "person_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int = Field(foreign_key="meetingitem.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    action: str = Field(max_length=10)  # exclude, no-vote or declare: the engine's proposal
    score: float = 0.0
    evidence: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interest_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fingerprint: str = Field(max_length=64)  # changes when the proposal or its evidence changes
    status: str = Field(default="current", max_length=10)  # current, or gone when a re-screen no longer raises it
    first_seen_at: datetime = Field(default_factory=utcnow)
    changed_at: datetime = Field(default_factory=utcnow)


class ChairDecision(SQLModel, table=True):
    """How the chair decided to manage a (member, item) pair. Versioned: a new row per change."""

    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int = Field(foreign_key="meetingitem.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    action: str = Field(max_length=10)  # exclude, no-vote, declare, or none (a dismissed false flag)
    source: str = Field(max_length=10)  # accepted, changed, dismissed, added (a conflict the engine missed)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # required unless accepted
    flag_fingerprint: str = Field(default="", max_length=64)  # the proposal this decision answered
    decided_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    decided_at: datetime = Field(default_factory=utcnow)
    superseded: bool = False  # a later decision replaced it; kept for the record


class MeetingOutcome(SQLModel, table=True):
    """After the meeting: what the member declared and what happened."""

    __table_args__ = (UniqueConstraint("item_id", "person_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int = Field(foreign_key="meetingitem.id")
    person_id: int = Field(foreign_key="person.id")
    declared: bool  # the member declared the interest at the meeting
    what_happened: str = Field(max_length=20)  # left the room, did not vote, took part, absent
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    breach_id: Optional[int] = Field(default=None, foreign_key="breach.id")  # possible breach raised


class MeetingNotice(SQLModel, table=True):
    """Told to the chair on the meeting page: new flags after a declaration (drift)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    message: str = Field(sa_column=Column(Text, nullable=False))
    seen: bool = False


class IdempotencyKey(SQLModel, table=True):
    """A form post already carried out: a client that retries after a lost response gets the same answer."""

    key: str = Field(primary_key=True, max_length=64)  # random, generated into the form when it was shown
    person_id: int = Field(foreign_key="person.id")
    location: str = Field(max_length=500)  # where the first, successful post redirected to
    created_at: datetime = Field(default_factory=utcnow, index=True)


# --- Outside records: contract awards and Companies House (issue 15) ---------------------------------------------


class AuditRunStatus(str, Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class AwardAuditRun(SQLModel, table=True):
    """One audit of published contract awards against the register, run in the background; kept with its results."""

    id: Optional[int] = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    status: str = Field(default=AuditRunStatus.queued.value, max_length=10)  # an AuditRunStatus value
    progress: int = 0  # percent done, for the progress bar
    files: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # uploaded file names
    date_from: Optional[date] = None  # awards dated in this period only (inclusive); None = open
    date_to: Optional[date] = None
    awards_read: int = 0
    releases_skipped: int = 0  # releases without an award (not an error)
    conflicted_awards: int = 0
    totals: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # why a failed run failed
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    # the last sign of life from the thread doing the work: a run whose worker died (a restart, a killed
    # process) stops showing progress, and is then ended as failed rather than left "running" for ever
    heartbeat_at: Optional[datetime] = None


class AwardAuditResult(SQLModel, table=True):
    """One award of a run: what was awarded to whom, and each decision-maker who had an interest on its date."""

    id: Optional[int] = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="awardauditrun.id", index=True)
    position: int = 0  # order in the report (by date)
    ocid: str = Field(max_length=200)
    award_id: str = Field(max_length=200)
    award_date: date
    supplier: str = Field(sa_column=Column(Text, nullable=False))  # as published; several joined with "; "
    company_numbers: str = Field(default="", max_length=200)  # GB-COH identifiers in the notice
    value_pence: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # exact money
    currency: str = Field(default="", max_length=3)
    title: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    buyer: str = Field(default="", max_length=300)
    conflicts: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class PersonBirthMonth(SQLModel, table=True):
    """A member's month and year of birth, recorded only to tell them from namesakes at Companies House (which
    publishes the same two fields). Kept beside the person, not on it, so it stays out of every other export."""

    person_id: int = Field(primary_key=True, foreign_key="person.id")
    birth_month: int  # 1-12
    birth_year: int
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class UndeclaredStatus(str, Enum):
    open = "open"  # found; waiting for the member
    confirmed = "confirmed"  # the member said "I should declare this" and was taken to a prefilled declaration
    explained = "explained"  # the member explained why it need not be declared (the reason is kept)
    declared = "declared"  # a later check found a matching declaration
    dismissed = "dismissed"  # the governance lead judged it a namesake or not declarable (with a reason)


class PossibleUndeclaredInterest(SQLModel, table=True):
    """A company appointment or significant control at Companies House that the member has not declared.
    Nothing about it is published or emailed: the governance lead and the member see it."""

    id: Optional[int] = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True)  # person, company, role, appointed: found once
    person_id: int = Field(foreign_key="person.id", index=True)
    company_number: str = Field(default="", max_length=10)
    company_name: str = Field(default="", max_length=300)
    role: str = Field(max_length=100)  # officer_role (director, llp-member…) or "person with significant control"
    appointed_on: Optional[date] = None
    resigned_on: Optional[date] = None
    officer_name: str = Field(max_length=200)  # as Companies House writes it
    officer_birth_month: Optional[int] = None
    officer_birth_year: Optional[int] = None
    confidence: str = Field(max_length=20)  # "name and birth" or "name only" (a possible namesake)
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(default="", max_length=300)  # the file or API path it came from
    status: str = Field(default=UndeclaredStatus.open.value, max_length=12)  # an UndeclaredStatus value
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # an explanation
    found_at: datetime = Field(default_factory=utcnow)
    found_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    responded_at: Optional[datetime] = None
    responded_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    version: int = 1


class SecondFactor(SQLModel, table=True):
    """A person's authenticator app (TOTP, RFC 6238): asked for after the password by governance leads, chairs and
    vice-chairs. Unconfirmed until the first code from the app is entered."""

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True, index=True)
    secret: str = Field(max_length=255)  # sealed (second_factor.SecretBox); legacy rows: base32 as shown
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: Optional[datetime] = None
    last_used_step: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))  # no replays


class RecoveryCode(SQLModel, table=True):
    """A single-use code for when the authenticator app is lost: shown once, only its argon2id hash kept."""

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: Optional[datetime] = None


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins counted under one key: an address, an email from one address, an email from unfamiliar
    addresses, or a person's second-factor codes. One row a key (not a row an attempt), forgotten after a day."""

    key: str = Field(primary_key=True, max_length=200)
    person_id: Optional[int] = Field(default=None, foreign_key="person.id", index=True)  # so a lead can clear it
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow)
    last_failure_at: datetime = Field(default_factory=utcnow, index=True)


class MinutesApproval(SQLModel, table=True):
    """The chair approved the minutes' declarations section as it then read; a later change makes a new draft."""

    __table_args__ = (UniqueConstraint("meeting_id", "version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    version: int  # 1 for the first approval; each later approval of changed minutes adds one
    fingerprint: str = Field(max_length=64)  # sha256 of the minutes' content as approved
    approved_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    approved_at: datetime = Field(default_factory=utcnow)


class RegisterRedaction(SQLModel, table=True):
    """An entry taken out of every published snapshot the public is served (withheld after publication, or its
    public period over). The stored snapshots keep it, so governance leads keep the full record."""

    id: Optional[int] = Field(default=None, primary_key=True)
    interest_id: int = Field(index=True)  # no foreign key: the retention purge may remove the interest
    row_key: str = Field(max_length=64, index=True)  # matches the entry in snapshots published before rows had ids
    kind: str = Field(max_length=30)  # "withheld" or "public period ended"
    reason: str = Field(default="", max_length=1000)
    redacted_at: datetime = Field(default_factory=utcnow)
    redacted_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
