"""The public register: what is published, as immutable snapshots, and its exports.

Only decision-making staff appear; an interest stays for 6 months after it ends; entries withheld for an
overriding privacy or legal reason are left out (and counted, so the register can say some are withheld).

Redaction: the stored snapshots are never changed (they are the full record governance leads keep), but what
the public is served from any of them (page, CSV, Excel) leaves out every entry redacted since it was published:
withheld after publication, or its public period over (6 months after it ended). Each redaction is a
RegisterRedaction row and an audit event with its reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Sequence, Optional

from sqlmodel import Session, or_, select

from sqlalchemy import false, func

from registry.models import (
    Committee,
    DeclarationReturn,
    GiftOrHospitality,
    Interest,
    Membership,
    Organisation,
    Person,
    RegisterRedaction,
    RegisterSnapshot,
    utcnow,
)
from registry import policy
from registry.db import serialise_on_postgresql
from registry.services import audit

# An interest stays on the public register for 6 months after it ends (registry.policy, with its source; docs/rules.md).
# Gifts and hospitality: the last 12 months (this register's choice).
PUBLIC_TAIL_MONTHS = policy.PUBLIC_AFTER_END_MONTHS.value
GIFT_PUBLIC_MONTHS = 12
WITHHELD = "withheld"
PERIOD_ENDED = "public period ended"
COLUMNS = [
    ("name", "Name"),
    ("position", "Position"),
    ("committees", "Committees"),
    ("interest_type", "Type of interest"),
    ("description", "Description of interest"),
    ("organisation", "Organisation"),
    ("role", "Nature of interest"),
    ("date_from", "Date from"),
    ("date_to", "Date to"),
    ("action", "Action taken to mitigate risk"),
]
GIFT_COLUMNS = [
    ("name", "Name"),
    ("position", "Position"),
    ("kind", "Gift or hospitality"),
    ("donor", "Offered by"),
    ("description", "Description"),
    ("value", "Value"),
    ("offered_on", "Date offered"),
    ("outcome", "Accepted or declined"),
]


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def _committees_by_person(session: Session, on: date) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    rows = session.exec(
        select(Membership.person_id, Committee.name)
        .join(Committee, Committee.id == Membership.committee_id)
        .where(or_(Membership.date_to.is_(None), Membership.date_to >= on))
    )
    for person_id, name in rows:
        out.setdefault(person_id, [])
        if name not in out[person_id]:
            out[person_id].append(name)
    return out


def register_rows(session: Session, as_of: date) -> tuple[list[dict], list[dict], int]:
    """(interest rows, declared gifts and hospitality, number withheld) as they would be published on `as_of`."""
    cutoff = months_before(as_of, PUBLIC_TAIL_MONTHS)
    committees = _committees_by_person(session, as_of)
    people = {p.id: p for p in session.exec(select(Person).where(Person.decision_maker == True))}  # noqa: E712
    orgs = {}
    rows, withheld, with_interest = [], 0, set()
    query = (
        select(Interest)
        .where(Interest.person_id.in_(list(people)), or_(Interest.date_to.is_(None), Interest.date_to >= cutoff))
        .order_by(Interest.person_id, Interest.date_from, Interest.id)
    )
    for interest in session.exec(query):
        if interest.date_from and interest.date_from > as_of:
            continue
        with_interest.add(interest.person_id)
        if not interest.publish:
            withheld += 1
            continue
        person = people[interest.person_id]
        org_name = interest.organisation_text
        if interest.organisation_id:
            if interest.organisation_id not in orgs:
                org = session.get(Organisation, interest.organisation_id)
                orgs[interest.organisation_id] = f"{org.name} ({org.ods_code})" if org.ods_code else org.name
            org_name = orgs[interest.organisation_id]
        description = interest.description
        if interest.relationship:
            description = f"{description} (held by: {interest.relationship})"
        rows.append(
            {
                "interest_id": interest.id,  # not shown or exported: lets a later redaction find the entry
                "name": person.full_name,
                "position": person.position,
                "committees": "; ".join(committees.get(person.id, [])),
                "interest_type": interest.interest_type,
                "description": description,
                "organisation": org_name,
                "role": interest.role,
                "date_from": interest.date_from.isoformat() if interest.date_from else "",
                "date_to": interest.date_to.isoformat() if interest.date_to else "",
                "action": interest.mitigation,
            }
        )
    # Decision makers with a nil return and nothing current are listed too: an empty entry is information.
    nil_people = set(session.exec(select(DeclarationReturn.person_id).where(DeclarationReturn.kind == "nil")))
    for person_id in sorted(nil_people - with_interest):
        if person_id in people:
            person = people[person_id]
            rows.append(
                {
                    "name": person.full_name,
                    "position": person.position,
                    "committees": "; ".join(committees.get(person_id, [])),
                    "interest_type": "",
                    "description": "Nil return: no interests declared",
                    "organisation": "",
                    "role": "",
                    "date_from": "",
                    "date_to": "",
                    "action": "",
                }
            )
    rows.sort(key=lambda r: (r["name"].lower(), r["date_from"], r["description"]))

    gifts = []
    gift_cutoff = months_before(as_of, GIFT_PUBLIC_MONTHS)
    for gift in session.exec(
        select(GiftOrHospitality)
        .where(
            GiftOrHospitality.person_id.in_(list(people)),
            GiftOrHospitality.declarable == True,  # noqa: E712
            GiftOrHospitality.offered_on >= gift_cutoff,
            GiftOrHospitality.offered_on <= as_of,
        )
        .order_by(GiftOrHospitality.offered_on)
    ):
        person = people[gift.person_id]
        gifts.append(
            {
                "name": person.full_name,
                "position": person.position,
                "committees": "; ".join(committees.get(person.id, [])),  # so the committee filter reaches gifts
                "kind": gift.kind,
                "donor": gift.donor,
                "description": gift.description,
                "value": f"£{gift.value_pence / 100:,.2f}",
                "offered_on": gift.offered_on.isoformat(),
                "outcome": gift.outcome,
            }
        )
    return rows, gifts, withheld


def publish(session: Session, actor_id: Optional[int], as_of: Optional[date] = None) -> RegisterSnapshot:
    as_of = as_of or date.today()
    rows, gifts, withheld = register_rows(session, as_of)
    snapshot = RegisterSnapshot(
        published_at=utcnow(), published_by_id=actor_id, as_of=as_of, rows=rows, gifts=gifts, withheld_count=withheld
    )
    session.add(snapshot)
    session.flush()
    audit.record(
        session,
        "register.published",
        actor_id=actor_id,
        object_type="snapshot",
        object_id=snapshot.id,
        detail={"rows": len(rows), "gifts": len(gifts), "withheld": withheld, "as_of": as_of.isoformat()},
    )
    return snapshot


@dataclass(frozen=True)
class PublishPreview:
    """What publishing now would change on the public register, against the latest snapshot."""

    rows: list  # the entries that would be published
    gifts: list
    withheld_count: int
    added: list  # entries not on the last published register
    changed: list  # (before, after): the same entry, its words or dates changed
    ended: list  # entries whose interest has ended since (still listed with an end date, or their time is over)
    withheld: list  # entries on the last published register now withheld
    left: list  # entries gone for another reason (the person no longer makes decisions, or it was removed)
    first: bool  # nothing published yet
    fingerprint: str  # of what would be published: the confirmation must match it

    @property
    def nothing_changes(self) -> bool:
        return not self.first and not (self.added or self.changed or self.ended or self.withheld or self.left)


def _entry_key(row: dict):
    if row.get("interest_id") is not None:
        return ("interest", row["interest_id"])
    if not row.get("interest_type") and not row.get("date_from"):
        return ("nil", row["name"])
    return ("row", row_key(row["name"], row["description"], row["date_from"]))


def preview(session: Session, as_of: Optional[date] = None) -> PublishPreview:
    """Publishing now, compared with the latest snapshot (as stored: the full record), entry by entry."""
    as_of = as_of or date.today()
    rows, gifts, withheld_count = register_rows(session, as_of)
    fingerprint = hashlib.sha256(
        json.dumps([rows, gifts, withheld_count], sort_keys=True, default=str).encode()
    ).hexdigest()
    last = latest_snapshot(session)
    if last is None:
        return PublishPreview(rows, gifts, withheld_count, list(rows), [], [], [], [], True, fingerprint)
    before = {_entry_key(row): row for row in last.rows}
    # Rows of old snapshots carry no interest id: match them by their words instead.
    before_by_words = {("row", row_key(r["name"], r["description"], r["date_from"])): k for k, r in before.items()}
    added, changed, ended, seen = [], [], [], set()
    for row in rows:
        key = _entry_key(row)
        if key not in before:
            key = before_by_words.get(("row", row_key(row["name"], row["description"], row["date_from"])), key)
        old = before.get(key)
        if old is None:
            added.append(row)
            continue
        seen.add(key)
        if row["date_to"] and row["date_to"] != old.get("date_to"):
            ended.append(row)
        elif any(row.get(field) != old.get(field) for field, _ in COLUMNS):
            changed.append((old, row))
    withheld, left = [], []
    for key, old in before.items():
        if key in seen:
            continue
        interest = session.get(Interest, key[1]) if key[0] == "interest" else None
        if interest is not None and not interest.publish:
            withheld.append(old)
        elif interest is not None and interest.date_to is not None:
            ended.append(old)
        else:
            left.append(old)
    return PublishPreview(rows, gifts, withheld_count, added, changed, ended, withheld, left, False, fingerprint)


def row_key(name: str, description: str, date_from: str) -> str:
    """What identifies an entry in a snapshot published before rows carried their interest's id."""
    return hashlib.sha256(json.dumps([name, description, date_from]).encode()).hexdigest()


def _published_row_key(session: Session, interest: Interest) -> str:
    person = session.get(Person, interest.person_id)
    description = interest.description
    if interest.relationship:
        description = f"{description} (held by: {interest.relationship})"
    return row_key(
        person.full_name if person else "", description, interest.date_from.isoformat() if interest.date_from else ""
    )


def redact(
    session: Session, interest: Interest, *, kind: str, reason: str, actor_id: Optional[int]
) -> RegisterRedaction:
    """Take `interest` out of every snapshot published so far, as the public is served them; audited."""
    redaction = RegisterRedaction(
        interest_id=interest.id,
        row_key=_published_row_key(session, interest),
        kind=kind,
        reason=reason[:1000],
        redacted_at=utcnow(),
        redacted_by_id=actor_id,
    )
    session.add(redaction)
    session.flush()
    audit.record(
        session,
        "register.redacted",
        actor_id=actor_id,
        object_type="interest",
        object_id=interest.id,
        detail={"kind": kind, "reason": reason[:1000]},
    )
    return redaction


def _expired_unredacted(session: Session, today: date):
    """Interests whose public period is over, that some snapshot may show and no redaction has taken out yet."""
    earliest = session.exec(select(func.min(RegisterSnapshot.as_of))).one()
    if earliest is None:
        return select(Interest).where(false())
    already = select(RegisterRedaction.interest_id).where(RegisterRedaction.kind == PERIOD_ENDED)
    return (
        select(Interest)
        .where(
            Interest.date_to < months_before(today, PUBLIC_TAIL_MONTHS),
            Interest.date_to >= months_before(earliest, PUBLIC_TAIL_MONTHS),
            Interest.id.not_in(already),
        )
        .order_by(Interest.id)
    )


def needs_expiry_redactions(session: Session, today: Optional[date] = None) -> bool:
    return session.exec(_expired_unredacted(session, today or date.today()).limit(1)).first() is not None


def redact_expired(session: Session, today: Optional[date] = None, actor_id: Optional[int] = None) -> int:
    """Redact every entry whose public period ended (6 months after the interest ended) from the snapshots."""
    today = today or date.today()
    serialise_on_postgresql(session, REDACTION_LOCK)  # two workers sweeping at once would redact twice
    count = 0
    for interest in session.exec(_expired_unredacted(session, today)).all():
        redact(
            session,
            interest,
            kind=PERIOD_ENDED,
            actor_id=actor_id,
            reason=f"The interest ended on {interest.date_to.isoformat()}: its {PUBLIC_TAIL_MONTHS} months on the "
            f"public register are over",
        )
        count += 1
    return count


def redactions_of(session: Session, limit: int = 200) -> list[RegisterRedaction]:
    return list(session.exec(select(RegisterRedaction).order_by(RegisterRedaction.id.desc()).limit(limit)))


REDACTION_LOCK = 7_300_002  # PostgreSQL advisory-lock key that serialises the expiry sweep


@dataclass(frozen=True)
class _Redactions:
    """Every redaction, as (when, kind) per interest id and per row key (the latest of each)."""

    marker: int
    by_interest: dict
    by_key: dict


_redactions_cache: dict[str, _Redactions] = {}


def _redactions(session: Session, database: str) -> _Redactions:
    marker = session.exec(select(func.max(RegisterRedaction.id))).one() or 0
    cached = _redactions_cache.get(database)
    if cached is not None and cached.marker == marker:
        return cached
    by_interest, by_key = {}, {}
    for interest_id, key, kind, at in session.exec(
        select(
            RegisterRedaction.interest_id,
            RegisterRedaction.row_key,
            RegisterRedaction.kind,
            RegisterRedaction.redacted_at,
        )
        .where(RegisterRedaction.id <= marker)
        .order_by(RegisterRedaction.id)
    ):
        by_interest[interest_id] = (at, kind)  # later rows win: the latest redaction of each
        by_key[key] = (at, kind)
    loaded = _Redactions(marker, by_interest, by_key)
    _redactions_cache[database] = loaded
    return loaded


@dataclass(frozen=True)
class PublishedRegister:
    """A published snapshot, decoded once per process: snapshots never change, so reads need no database work
    beyond finding which one to show."""

    id: int
    database: str  # which database it came from: one process may serve several (tests do)
    as_of: date
    published_at: object
    withheld_count: int
    rows: tuple
    gifts: tuple
    committees: tuple
    search_columns: tuple  # what the filters compare, per row: see _search_columns
    redaction: tuple = ()  # which redactions this view leaves out ((marker, cutoff)); () for the stored snapshot

    def select_gifts(self, register_filter: "RegisterFilter") -> tuple:
        """The declared gifts and hospitality the same filter keeps: name, committee, and organisation (who offered
        it, or the description). A gift is not an interest, so none has a type of interest: choosing one keeps none."""
        if register_filter == RegisterFilter():
            return self.gifts
        if register_filter.interest_type:
            return ()
        by_name: dict = {}  # snapshots published before gift rows carried committees: the person's, from their entries
        for row in self.rows:
            by_name.setdefault(row["name"], row["committees"])
        name, organisation = register_filter.name.lower(), register_filter.organisation.lower()
        kept = []
        for gift in self.gifts:
            committees = gift.get("committees", by_name.get(gift["name"], ""))
            if name and name not in gift["name"].lower():
                continue
            if organisation and organisation not in (gift["donor"] + " " + gift["description"]).lower():
                continue
            if register_filter.committee and register_filter.committee not in committees.split("; "):
                continue
            kept.append(gift)
        return tuple(kept)

    def select(self, register_filter: "RegisterFilter") -> tuple:
        """The rows a filter keeps, in register order; the whole register without copying when unfiltered."""
        if register_filter == RegisterFilter():
            return self.rows
        names, organisations, committees, types = self.search_columns
        kept: Sequence[int] = range(len(self.rows))
        if register_filter.name:  # each filter narrows the previous one's survivors: no call per row
            needle = register_filter.name.lower()
            kept = [i for i in kept if needle in names[i]]
        if register_filter.organisation:
            needle = register_filter.organisation.lower()
            kept = [i for i in kept if needle in organisations[i]]
        if register_filter.committee:
            kept = [i for i in kept if register_filter.committee in committees[i]]
        if register_filter.interest_type:
            kept = [i for i in kept if types[i] == register_filter.interest_type]
        return tuple(self.rows[i] for i in kept)


_published_cache: "OrderedDict[tuple[str, int], PublishedRegister]" = OrderedDict()
_published_lock = threading.Lock()
PUBLISHED_CACHE_SIZE = 4


def published(
    session: Session, snapshot_id: Optional[int] = None, listed: Optional[list[RegisterSnapshot]] = None
) -> Optional[PublishedRegister]:
    """The latest published register (or the one asked for), from the cache when it is there. `listed`, from
    list_snapshots() in the same transaction, saves looking the id up again."""
    if listed is not None:
        found = next((listed_one.id for listed_one in listed if snapshot_id in (None, listed_one.id)), None)
    else:
        query = select(RegisterSnapshot.id)
        if snapshot_id is None:
            query = query.order_by(RegisterSnapshot.published_at.desc(), RegisterSnapshot.id.desc()).limit(1)
        else:
            query = query.where(RegisterSnapshot.id == snapshot_id)
        found = session.exec(query).first()  # also confirms it still exists (the retention purge removes old ones)
    if found is None:
        return None
    key = (str(session.get_bind().engine.url), found)
    with _published_lock:
        cached = _published_cache.get(key)
        if cached is not None:
            _published_cache.move_to_end(key)
            return cached
    snapshot = session.get(RegisterSnapshot, found)
    register = PublishedRegister(
        id=snapshot.id,
        database=key[0],
        as_of=snapshot.as_of,
        published_at=snapshot.published_at,
        withheld_count=snapshot.withheld_count,
        rows=tuple(snapshot.rows),
        gifts=tuple(snapshot.gifts),
        committees=tuple(sorted({c for r in snapshot.rows for c in r["committees"].split("; ") if c})),
        search_columns=_search_columns(snapshot.rows),
    )
    with _published_lock:
        _published_cache[key] = register
        while len(_published_cache) > PUBLISHED_CACHE_SIZE:
            _published_cache.popitem(last=False)
    return register


_served_cache: "OrderedDict[tuple, PublishedRegister]" = OrderedDict()


def served(
    session: Session,
    snapshot_id: Optional[int] = None,
    listed: Optional[list[RegisterSnapshot]] = None,
    today: Optional[date] = None,
) -> Optional[PublishedRegister]:
    """A published register as the public is served it: without the entries redacted since it was published,
    those whose public period is over, and gifts older than their 12 months."""
    register = published(session, snapshot_id, listed)
    if register is None:
        return None
    today = today or date.today()
    redactions = _redactions(session, register.database)
    cutoff = months_before(today, PUBLIC_TAIL_MONTHS).isoformat()
    gift_cutoff = months_before(today, GIFT_PUBLIC_MONTHS).isoformat()
    key = (register.database, register.id, redactions.marker, cutoff)
    with _published_lock:
        cached = _served_cache.get(key)
        if cached is not None:
            _served_cache.move_to_end(key)
            return cached
    published_at = register.published_at
    rows, newly_withheld = [], 0
    for row in register.rows:
        found = (
            redactions.by_interest.get(row["interest_id"])
            if "interest_id" in row
            else redactions.by_key.get(row_key(row["name"], row["description"], row["date_from"]))
        )
        if found is not None and found[0] >= published_at:
            newly_withheld += found[1] == WITHHELD  # the register says how many are withheld
            continue
        if row["date_to"] and row["date_to"] < cutoff:
            continue
        rows.append(row)
    gifts = tuple(g for g in register.gifts if g["offered_on"] >= gift_cutoff)
    view = PublishedRegister(
        id=register.id,
        database=register.database,
        as_of=register.as_of,
        published_at=published_at,
        withheld_count=register.withheld_count + newly_withheld,
        rows=tuple(rows),
        gifts=gifts,
        committees=tuple(sorted({c for r in rows for c in r["committees"].split("; ") if c})),
        search_columns=_search_columns(rows),
        redaction=(redactions.marker, cutoff),
    )
    with _published_lock:
        _served_cache[key] = view
        while len(_served_cache) > PUBLISHED_CACHE_SIZE:
            _served_cache.popitem(last=False)
    return view


def latest_snapshot(session: Session) -> Optional[RegisterSnapshot]:
    return session.exec(
        select(RegisterSnapshot).order_by(RegisterSnapshot.published_at.desc(), RegisterSnapshot.id.desc())
    ).first()


def list_snapshots(session: Session) -> list[RegisterSnapshot]:
    from sqlalchemy.orm import defer

    return list(
        session.exec(
            select(RegisterSnapshot)
            .options(defer(RegisterSnapshot.rows), defer(RegisterSnapshot.gifts))
            .order_by(RegisterSnapshot.published_at.desc(), RegisterSnapshot.id.desc())
        )
    )


@dataclass(frozen=True)
class RegisterFilter:
    name: str = ""
    committee: str = ""
    organisation: str = ""
    interest_type: str = ""


def _search_columns(rows) -> tuple:
    """Names, organisation + description (both lower-cased), committee sets and types, prepared once per
    published register so a filtered read does no per-row work beyond the comparison."""
    return (
        tuple(r["name"].lower() for r in rows),
        tuple((r["organisation"] + " " + r["description"]).lower() for r in rows),
        tuple(frozenset(r["committees"].split("; ")) for r in rows),
        tuple(r["interest_type"] for r in rows),
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML (.xlsx, .docx) cannot hold these


def xml_safe(value) -> str:
    """Text without the control characters an .xlsx or .docx file cannot hold (they would stop the export)."""
    return CONTROL_CHARACTERS.sub("", "" if value is None else str(value))


def neutralise(value) -> str:
    """Text a spreadsheet will never run as a formula: a leading apostrophe before =, +, -, @, tab or CR."""
    text = xml_safe(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _table(snapshot_rows: list[dict], columns) -> list[list[str]]:
    return [[neutralise(row.get(key, "")) for key, _ in columns] for row in snapshot_rows]


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)  # the header first: a spreadsheet or a program reads the file as a table
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def export_csv(snapshot: RegisterSnapshot, rows: Optional[list[dict]] = None) -> bytes:
    """The interests as one table, header first; dates as 2015-12-20 (the form every program reads). Gifts and
    hospitality are a second file (export_gifts_csv); what is withheld is said on the page and in the Excel file."""
    return _csv(
        ["Publication date"] + [title for _, title in COLUMNS],
        [[snapshot.as_of.isoformat()] + values for values in _table(snapshot.rows if rows is None else rows, COLUMNS)],
    )


def export_gifts_csv(snapshot: RegisterSnapshot, gifts: Optional[list[dict]] = None) -> bytes:
    """Declared gifts and hospitality as one table, header first, the value as a plain number of pounds."""
    gifts = snapshot.gifts if gifts is None else gifts
    return _csv(
        ["Publication date"] + [title for _, title in GIFT_COLUMNS],
        [
            [snapshot.as_of.isoformat()] + values[:5] + [f"{pence_of(gift['value']) / 100:.2f}"] + values[6:]
            for gift, values in zip(gifts, _table(gifts, GIFT_COLUMNS))
        ],
    )


def pence_of(value) -> int:
    """A published value ("£1,234.50") in pence."""
    return round(float(str(value).replace("£", "").replace(",", "") or 0) * 100)


def _day(text: str):
    """A published ISO date as a date (an Excel date cell), or None for an open end."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return neutralise(text)


DATE_FORMAT = "d mmmm yyyy"  # 20 December 2015, as the pages write it
MONEY_FORMAT = '"£"#,##0.00'


def export_xlsx(
    snapshot: RegisterSnapshot, rows: Optional[list[dict]] = None, gifts: Optional[list[dict]] = None
) -> bytes:
    """Interests and gifts as two sheets, each a table with its header in the first row, dates as date cells
    and money as number cells; a third sheet says what the register is and how many entries are withheld."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Interests"
    date_columns = {"date_from", "date_to"}
    _append_table(
        sheet,
        ["Publication date"] + [t for _, t in COLUMNS],
        [
            [snapshot.as_of]
            + [_day(row.get(key, "")) if key in date_columns else neutralise(row.get(key, "")) for key, _ in COLUMNS]
            for row in (snapshot.rows if rows is None else rows)
        ],
    )
    gift_sheet = book.create_sheet("Gifts and hospitality")
    _append_table(
        gift_sheet,
        ["Publication date"] + [t for _, t in GIFT_COLUMNS],
        [
            [snapshot.as_of]
            + [
                pence_of(gift["value"]) / 100
                if key == "value"
                else _day(gift[key])
                if key == "offered_on"
                else neutralise(gift.get(key, ""))
                for key, _ in GIFT_COLUMNS
            ]
            for gift in (snapshot.gifts if gifts is None else gifts)
        ],
    )
    about = book.create_sheet("About this register")
    about.append([f"Register of interests published {snapshot.as_of.day} {snapshot.as_of:%B %Y}"])
    about["A1"].font = Font(bold=True)
    about.append(
        [
            "Decision-making staff only; an interest stays on the register for "
            f"{PUBLIC_TAIL_MONTHS} months after it ends; gifts and hospitality from the last "
            f"{GIFT_PUBLIC_MONTHS} months."
        ]
    )
    if snapshot.withheld_count:
        about.append([f"{snapshot.withheld_count} entries are withheld for an overriding privacy or legal reason."])
    for cell in about["A"]:
        cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append_table(sheet, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, float):
                cell.number_format = MONEY_FORMAT
            elif cell.value is not None:
                cell.data_type = "s"  # openpyxl would otherwise store text beginning with = as a formula
    for column in sheet.columns:  # wide enough to read without dragging every column
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(12, len(str(column[0].value)) + 4))
