"""The public register: what is published, as immutable snapshots, and its exports.

Only decision-making staff appear; an interest stays for 6 months after it ends; entries withheld for an
overriding privacy or legal reason are left out (and counted, so the register can say some are withheld).
"""
from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
import re
from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlmodel import Session, or_, select

from registry.models import (Committee, DeclarationReturn, GiftOrHospitality, Interest, Membership, Organisation,
                             Person, RegisterSnapshot, utcnow)
from registry.services import audit

PUBLIC_TAIL_MONTHS = 6
COLUMNS = [
    ("name", "Name"), ("position", "Position"), ("committees", "Committees"), ("interest_type", "Type of interest"),
    ("description", "Description of interest"), ("organisation", "Organisation"), ("role", "Nature of interest"),
    ("date_from", "Date from"), ("date_to", "Date to"), ("action", "Action taken to mitigate risk"),
]
GIFT_COLUMNS = [
    ("name", "Name"), ("position", "Position"), ("kind", "Gift or hospitality"), ("donor", "Offered by"),
    ("description", "Description"), ("value", "Value"), ("offered_on", "Date offered"), ("outcome", "Accepted or declined"),
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
    rows = session.exec(select(Membership.person_id, Committee.name).join(Committee, Committee.id == Membership.committee_id)
                        .where(or_(Membership.date_to.is_(None), Membership.date_to >= on)))
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
    query = (select(Interest).where(Interest.person_id.in_(list(people)),
                                    or_(Interest.date_to.is_(None), Interest.date_to >= cutoff))
             .order_by(Interest.person_id, Interest.date_from, Interest.id))
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
        rows.append({
            "name": person.full_name, "position": person.position,
            "committees": "; ".join(committees.get(person.id, [])), "interest_type": interest.interest_type,
            "description": description, "organisation": org_name, "role": interest.role,
            "date_from": interest.date_from.isoformat() if interest.date_from else "",
            "date_to": interest.date_to.isoformat() if interest.date_to else "",
            "action": interest.mitigation,
        })
    # Decision makers with a nil return and nothing current are listed too: an empty entry is information.
    nil_people = set(session.exec(select(DeclarationReturn.person_id).where(DeclarationReturn.kind == "nil")))
    for person_id in sorted(nil_people - with_interest):
        if person_id in people:
            person = people[person_id]
            rows.append({"name": person.full_name, "position": person.position,
                         "committees": "; ".join(committees.get(person_id, [])), "interest_type": "",
                         "description": "Nil return: no interests declared", "organisation": "", "role": "",
                         "date_from": "", "date_to": "", "action": ""})
    rows.sort(key=lambda r: (r["name"].lower(), r["date_from"], r["description"]))

    gifts = []
    gift_cutoff = months_before(as_of, 12)
    for gift in session.exec(select(GiftOrHospitality).where(GiftOrHospitality.person_id.in_(list(people)),
                                                             GiftOrHospitality.declarable == True,  # noqa: E712
                                                             GiftOrHospitality.offered_on >= gift_cutoff,
                                                             GiftOrHospitality.offered_on <= as_of)
                             .order_by(GiftOrHospitality.offered_on)):
        person = people[gift.person_id]
        gifts.append({"name": person.full_name, "position": person.position, "kind": gift.kind, "donor": gift.donor,
                      "description": gift.description, "value": f"£{gift.value_pence / 100:,.2f}",
                      "offered_on": gift.offered_on.isoformat(), "outcome": gift.outcome})
    return rows, gifts, withheld


def publish(session: Session, actor_id: Optional[int], as_of: Optional[date] = None) -> RegisterSnapshot:
    as_of = as_of or date.today()
    rows, gifts, withheld = register_rows(session, as_of)
    snapshot = RegisterSnapshot(published_at=utcnow(), published_by_id=actor_id, as_of=as_of, rows=rows,
                                gifts=gifts, withheld_count=withheld)
    session.add(snapshot)
    session.flush()
    audit.record(session, "register.published", actor_id=actor_id, object_type="snapshot", object_id=snapshot.id,
                 detail={"rows": len(rows), "gifts": len(gifts), "withheld": withheld, "as_of": as_of.isoformat()})
    return snapshot


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

    def select(self, register_filter: "RegisterFilter") -> tuple:
        """The rows a filter keeps, in register order; the whole register without copying when unfiltered."""
        if register_filter == RegisterFilter():
            return self.rows
        names, organisations, committees, types = self.search_columns
        kept = range(len(self.rows))
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


def published(session: Session, snapshot_id: Optional[int] = None,
              listed: Optional[list[RegisterSnapshot]] = None) -> Optional[PublishedRegister]:
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
    key = (str(session.get_bind().url), found)
    with _published_lock:
        cached = _published_cache.get(key)
        if cached is not None:
            _published_cache.move_to_end(key)
            return cached
    snapshot = session.get(RegisterSnapshot, found)
    register = PublishedRegister(
        id=snapshot.id, database=key[0], as_of=snapshot.as_of, published_at=snapshot.published_at,
        withheld_count=snapshot.withheld_count, rows=tuple(snapshot.rows), gifts=tuple(snapshot.gifts),
        committees=tuple(sorted({c for r in snapshot.rows for c in r["committees"].split("; ") if c})),
        search_columns=_search_columns(snapshot.rows))
    with _published_lock:
        _published_cache[key] = register
        while len(_published_cache) > PUBLISHED_CACHE_SIZE:
            _published_cache.popitem(last=False)
    return register


def latest_snapshot(session: Session) -> Optional[RegisterSnapshot]:
    return session.exec(select(RegisterSnapshot).order_by(RegisterSnapshot.published_at.desc(),
                                                          RegisterSnapshot.id.desc())).first()


def list_snapshots(session: Session) -> list[RegisterSnapshot]:
    from sqlalchemy.orm import defer

    return list(session.exec(select(RegisterSnapshot).options(defer(RegisterSnapshot.rows), defer(RegisterSnapshot.gifts))
                             .order_by(RegisterSnapshot.published_at.desc(), RegisterSnapshot.id.desc())))


@dataclass(frozen=True)
class RegisterFilter:
    name: str = ""
    committee: str = ""
    organisation: str = ""
    interest_type: str = ""


def _search_columns(rows) -> tuple:
    """Names, organisation + description (both lower-cased), committee sets and types, prepared once per
    published register so a filtered read does no per-row work beyond the comparison."""
    return (tuple(r["name"].lower() for r in rows),
            tuple((r["organisation"] + " " + r["description"]).lower() for r in rows),
            tuple(frozenset(r["committees"].split("; ")) for r in rows),
            tuple(r["interest_type"] for r in rows))


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


def export_csv(snapshot: RegisterSnapshot, rows: Optional[list[dict]] = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"Register of interests published {snapshot.as_of.isoformat()}"])
    if snapshot.withheld_count:
        writer.writerow([f"{snapshot.withheld_count} entries are withheld for privacy or legal reasons."])
    writer.writerow(["Publication date"] + [title for _, title in COLUMNS])
    for values in _table(snapshot.rows if rows is None else rows, COLUMNS):
        writer.writerow([snapshot.as_of.isoformat()] + values)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def export_xlsx(snapshot: RegisterSnapshot, rows: Optional[list[dict]] = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Interests"
    sheet.append([f"Register of interests published {snapshot.as_of.isoformat()}"])
    sheet["A1"].font = Font(bold=True)
    if snapshot.withheld_count:
        sheet.append([f"{snapshot.withheld_count} entries are withheld for privacy or legal reasons."])
    _append_table(sheet, ["Publication date"] + [t for _, t in COLUMNS],
                  [[snapshot.as_of.isoformat()] + r for r in _table(snapshot.rows if rows is None else rows, COLUMNS)])
    gifts = book.create_sheet("Gifts and hospitality")
    _append_table(gifts, ["Publication date"] + [t for _, t in GIFT_COLUMNS],
                  [[snapshot.as_of.isoformat()] + r for r in _table(snapshot.gifts, GIFT_COLUMNS)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append_table(sheet, header: list[str], rows: list[list[str]]) -> None:
    from openpyxl.styles import Font

    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # openpyxl would otherwise store text beginning with = as a formula
