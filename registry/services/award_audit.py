"""Auditing a year of published contract awards against the register: each award screened on its own date against
every member of every committee (interests current on that date), with totals by committee and by year.

Each supplier of an award becomes one engine item ("Contract award to <supplier>"), so the directory resolves it to
the practice, PCN, federation or company it is, and the evidence says how. Screening every award separately would
read every declaration once per award; instead the engine runs twice:

1. once over every award with every interest as if all were current (dates set aside): which members could
   conflict with which award at all;
2. then per award date, over those awards only and the interests that linked to them only, with the real date: the
   interests current on that date decide, as a meeting on that day would be screened.

A supplier the notice identifies by Companies House number also conflicts a member whose declaration gives that
number (the number is certain where names vary). Service functions take a session and never commit; the pure
part (:func:`audit_awards`) takes plain data and works without a database (``coi audit-awards --register``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Iterable, Optional

from sqlmodel import Session, or_, select

from registry.models import (
    AuditRunStatus,
    AwardAuditResult,
    AwardAuditRun,
    ChairDecision,
    Committee,
    Meeting,
    MeetingItem,
    MeetingOutcome,
    Membership,
    Person,
    utcnow,
)
from registry.outside.awards import Award, AwardFile, normalise_company_number
from registry.services import audit
from screening import AgendaItem, Engine, Interest

SEVERITY = {"exclude": 3, "no-vote": 2, "declare": 1}
REGISTER_COMMITTEE = "register"  # the one "committee" of a register file audited without a database
# A company number written in a declaration: "company number 01234567", "(Co. No. SC123456)", "CRN 1234567"
DECLARED_NUMBER = re.compile(
    r"\b(?:company|co\.?|crn|registered)\s*(?:no\.?|number|num\.?|reg(?:istration)?\.?)?"
    r"\s*[:#]?\s*([A-Z]{2}\d{6}|\d{6,8})\b",
    re.I,
)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Seat:
    """A member's place on a committee for a span of dates (None = open)."""

    committee: str
    date_from: Optional[date] = None
    date_to: Optional[date] = None

    def holds_on(self, day: date) -> bool:
        return (self.date_from is None or self.date_from <= day) and (self.date_to is None or self.date_to >= day)


@dataclass
class Register:
    """What the awards are screened against: interests (engine form), who sits where, and the committees' area."""

    interests: list  # screening.Interest
    seats: dict = field(default_factory=dict)  # member_id -> [Seat]
    names: dict = field(default_factory=dict)  # member_id -> name
    area: Optional[list] = None

    @classmethod
    def from_file_interests(cls, interests: list, committee: str = REGISTER_COMMITTEE) -> "Register":
        """A register file: everyone in it is a decision-maker of one committee."""
        seats: dict = {}
        names: dict = {}
        for it in interests:
            seats.setdefault(it.member_id, [Seat(committee)])
            names.setdefault(it.member_id, it.name)
        return cls(interests, seats, names)


@dataclass
class Conflict:
    member_id: str
    name: str
    committees: list
    interest: str
    interest_ids: list
    action: str
    evidence: list
    meeting: Optional[dict] = None  # where the award went to a meeting in the product: declared and managed?

    def to_dict(self) -> dict:
        out: dict = {
            "member_id": self.member_id,
            "name": self.name,
            "interest": self.interest,
            "action": self.action,
            "evidence": " | ".join(self.evidence),
            "committee": "; ".join(self.committees),
        }
        if self.meeting:
            out["meeting"] = self.meeting
        return out


@dataclass
class AwardResult:
    award: Award
    conflicts: list = field(default_factory=list)

    def to_dict(self) -> dict:
        a = self.award
        return {
            "ocid": a.ocid,
            "award_id": a.award_id,
            "date": a.date.isoformat(),
            "supplier": a.supplier_names,
            "value": _number(a.value),
            "currency": a.currency,
            "conflicts": [c.to_dict() for c in self.conflicts],
        }


@dataclass
class AuditReport:
    results: list  # AwardResult, by date
    totals: dict

    def to_json(self) -> dict:
        return {"awards": [r.to_dict() for r in self.results], "totals": self.totals}


def _number(value: Optional[Decimal]):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# --- the pure audit ---------------------------------------------------------------------------------------------


def _items(awards: list[Award]) -> tuple[list[AgendaItem], dict]:
    items, owner = [], {}
    plain_ids: dict = {}
    for award in awards:
        plain_ids[award.award_id] = plain_ids.get(award.award_id, 0) + 1
    for n, award in enumerate(awards):
        # the award's own id, as the evidence may name the item (made unique where two notices share one)
        base = award.award_id if plain_ids[award.award_id] == 1 else f"{award.ocid} {award.award_id}"
        for k, supplier in enumerate(award.suppliers):
            item_id = base if len(award.suppliers) == 1 else f"{base} (supplier {k + 1})"
            # only the supplier's name: the tender's title names places and buildings that are not the party paid
            items.append(AgendaItem(item_id, f"Contract award to {supplier.name}", "", award.date))
            owner[item_id] = (n, k)
    return items, owner


def _declared_numbers(interest: Interest) -> set:
    numbers = {normalise_company_number(m) for m in DECLARED_NUMBER.findall(interest.description or "")}
    if interest.organisation_code:
        numbers.add(normalise_company_number(interest.organisation_code))
    return {n for n in numbers if n and len(n) == 8}


def _current(interest: Interest, day: date) -> bool:
    return not (
        (interest.date_to is not None and interest.date_to < day)
        or (interest.date_from is not None and interest.date_from > day)
    )


def _financial_action(interest: Interest) -> tuple[str, str]:
    if interest.interest_type in ("financial", "indirect"):
        return "exclude", "financial interest in the supplier"
    return "declare", "non-financial interest in the supplier"


def audit_awards(
    engine: Engine,
    awards: list[Award],
    register: Register,
    progress: Optional[Progress] = None,
    read: Optional[AwardFile] = None,
) -> AuditReport:
    """Screen every award on its own date against every decision-maker; ``progress(done, total)`` is called as the
    work goes (the engine's two passes count as one step each per date)."""
    awards = sorted(awards, key=lambda a: (a.date, a.ocid, a.award_id))
    items, owner = _items(awards)
    by_id = {it.interest_id: it for it in register.interests if it.interest_id is not None}
    live = [it for it in register.interests if it.interest_type]  # nil returns declare nothing
    found: dict = defaultdict(list)  # (award index, member_id) -> [(action, evidence, interest ids, supplier)]

    # 1. which interests could conflict with which award, dates set aside (each interest screened as if it were its
    #    own member, so a flag names exactly the interest that linked)
    undated = [replace(it, member_id=str(k), date_from=None, date_to=None) for k, it in enumerate(live)]
    candidates = defaultdict(set)  # item_id -> indexes into live
    if items and undated:
        for flag in engine.screen(undated, items, None, area=register.area):
            candidates[flag.item_id].add(int(flag.member_id))
    by_date = defaultdict(list)
    for it in items:
        if candidates.get(it.item_id):
            by_date[it.meeting_date].append(it)
    steps = len(by_date) + 1
    if progress:
        progress(1, steps)

    # 2. the real screen, per award date, of those awards and those interests current that day
    for step, (day, day_items) in enumerate(sorted(by_date.items()), 2):
        linked = sorted(set().union(*(candidates[it.item_id] for it in day_items)))
        interests = [live[k] for k in linked if _current(live[k], day)]
        if interests:
            for flag in engine.screen(interests, day_items, day, area=register.area):
                n, k = owner[flag.item_id]
                found[(n, flag.member_id)].append(
                    (flag.action, list(flag.evidence), list(flag.interests), awards[n].suppliers[k].name)
                )
        if progress:
            progress(step, steps)

    # the Companies House number, where both the notice and the declaration give one
    by_number = defaultdict(list)
    for it in live:
        for number in _declared_numbers(it):
            by_number[number].append(it)
    if by_number:
        for n, award in enumerate(awards):
            for supplier in award.suppliers:
                for it in by_number.get(supplier.company_number, ()) if supplier.company_number else ():
                    if _current(it, award.date):
                        action, rule = _financial_action(it)
                        said = (
                            f'Declared "{it.description}" gives company number {supplier.company_number}; '
                            f'the notice identifies supplier "{supplier.name}" as GB-COH '
                            f"{supplier.company_number}; rule: {rule}"
                        )
                        found[(n, it.member_id)].append((action, [said], [it.interest_id], supplier.name))

    results = [AwardResult(a) for a in awards]
    for (n, member_id), links in found.items():
        award = awards[n]
        committees = [s.committee for s in register.seats.get(member_id, ()) if s.holds_on(award.date)]
        if not committees:
            continue  # not a decision-maker on that date
        action = max((a for a, _, _, _ in links), key=SEVERITY.__getitem__)
        evidence = []
        ids = []
        for a, ev, iids, _ in sorted(links, key=lambda x: -SEVERITY[x[0]]):
            evidence += [e for e in ev if e not in evidence]
            ids += [i for i in iids if i not in ids]
        described = []
        for i in ids:
            text = by_id[i].description if i in by_id else ""
            if text and text not in described:
                described.append(text)
        results[n].conflicts.append(
            Conflict(
                member_id,
                register.names.get(member_id, member_id),
                sorted(set(committees)),
                "; ".join(described),
                ids,
                action,
                evidence,
            )
        )
    for r in results:
        r.conflicts.sort(key=lambda c: (-SEVERITY[c.action], c.name, c.member_id))
    return AuditReport(results, totals(results, read))


def _add(bucket: dict, value: Optional[Decimal]) -> None:
    bucket["count"] += 1
    bucket["value"] += value or Decimal(0)


def totals(results: list[AwardResult], read: Optional[AwardFile] = None) -> dict:
    """The number and value of awards to organisations where a decision-maker had an interest, by committee and by
    year (an award counts once per committee whichever of its members conflicted)."""

    def empty():
        return {"count": 0, "value": Decimal(0)}

    everything, conflicted = empty(), empty()
    by_committee: defaultdict = defaultdict(empty)
    by_year: defaultdict = defaultdict(empty)
    by_committee_year: defaultdict = defaultdict(lambda: defaultdict(empty))
    currencies = set()
    for r in results:
        a = r.award
        _add(everything, a.value)
        if a.currency:
            currencies.add(a.currency)
        if not r.conflicts:
            continue
        _add(conflicted, a.value)
        _add(by_year[str(a.date.year)], a.value)
        for committee in sorted({c for conflict in r.conflicts for c in conflict.committees}):
            _add(by_committee[committee], a.value)
            _add(by_committee_year[committee][str(a.date.year)], a.value)

    def plain(bucket):
        return {"count": bucket["count"], "value": _number(bucket["value"])}

    out = {
        "awards": plain(everything),
        "conflicted": plain(conflicted),
        "by_committee": {k: plain(v) for k, v in sorted(by_committee.items())},
        "by_year": {k: plain(v) for k, v in sorted(by_year.items())},
        "by_committee_and_year": {
            k: {y: plain(b) for y, b in sorted(v.items())} for k, v in sorted(by_committee_year.items())
        },
        "currencies": sorted(currencies),
    }
    if read is not None:
        out["releases_read"] = read.releases
        out["releases_without_award"] = read.skipped_without_award
    return out


# --- against the database ---------------------------------------------------------------------------------------


def register_from_database(session: Session, date_from: Optional[date] = None) -> Register:
    """Every member of every committee with their seats, and their interests that had not ended by ``date_from``."""
    from registry.services.meetings.screening import committee_area, engine_interests

    rows = session.exec(select(Membership, Committee).join(Committee, Committee.id == Membership.committee_id)).all()
    seats = defaultdict(list)
    areas = []
    for membership, committee in rows:
        seats[str(membership.person_id)].append(Seat(committee.name, membership.date_from, membership.date_to))
    for committee in session.exec(select(Committee)).all():
        areas += [a for a in committee_area(session, committee.id) if a not in areas]
    people = session.exec(select(Person).where(Person.id.in_([int(m) for m in seats]))).all() if seats else []
    interests = engine_interests(session, people, date_from or date.min) if people else []
    return Register(interests, dict(seats), {str(p.id): p.full_name for p in people}, areas or None)


def link_meetings(session: Session, report: AuditReport) -> None:
    """Where a contract decision in the product names the award (its ocid or award id), say whether each conflicted
    member declared at that meeting and how it was managed."""
    items = session.exec(
        select(MeetingItem, Meeting)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(
            or_(
                MeetingItem.contract_decision.is_(True),
                MeetingItem.title.contains("ocds-"),
                MeetingItem.description.contains("ocds-"),
            )
        )
    ).all()
    if not items:
        return
    for result in report.results:
        if not result.conflicts:
            continue
        keys = [k for k in (result.award.ocid, result.award.award_id) if k and len(k) >= 6]
        match = next(
            ((item, meeting) for item, meeting in items if any(k in f"{item.title} {item.description}" for k in keys)),
            None,
        )
        if match is None:
            continue
        item, meeting = match
        for conflict in result.conflicts:
            if not conflict.member_id.isdigit():
                continue
            person_id = int(conflict.member_id)
            outcome = session.exec(
                select(MeetingOutcome).where(MeetingOutcome.item_id == item.id, MeetingOutcome.person_id == person_id)
            ).first()
            decision = session.exec(
                select(ChairDecision)
                .where(
                    ChairDecision.item_id == item.id,
                    ChairDecision.person_id == person_id,
                    ChairDecision.superseded.is_(False),
                )
                .order_by(ChairDecision.decided_at.desc())
            ).first()
            conflict.meeting = {
                "meeting_id": meeting.id,
                "meeting": meeting.title,
                "date": meeting.meeting_date.isoformat(),
                "item": item.item_ref,
                "declared": None if outcome is None else outcome.declared,
                "what_happened": outcome.what_happened if outcome else "not recorded",
                "managed": decision.action if decision else "no decision recorded",
            }


def audit_database(
    session: Session, engine: Engine, read: AwardFile, progress: Optional[Progress] = None
) -> AuditReport:
    first = min((a.date for a in read.awards), default=None)
    report = audit_awards(engine, read.awards, register_from_database(session, first), progress, read)
    link_meetings(session, report)
    return report


# --- runs kept in the database (the governance page) ------------------------------------------------------------

# How long a run may go without a heartbeat before it is taken for dead. The longest stretch without one is the
# first pass (every award against every interest, dates set aside) plus loading the national directory: under a
# minute for a year of one region's awards (benchmarks/award_audit_bench.py), so fifteen minutes is far beyond a
# slow machine and short enough that nobody waits long on a run that will never end.
STALLED_AFTER = timedelta(minutes=15)
STALLED_MESSAGE = (
    "The audit stopped without finishing: the server was restarted or the work was interrupted. "
    "Start it again with the same files."
)


def start_run(
    session: Session, actor_id: Optional[int], files: list[str], date_from: Optional[date], date_to: Optional[date]
) -> AwardAuditRun:
    run = AwardAuditRun(
        created_by_id=actor_id, files=list(files), date_from=date_from, date_to=date_to, heartbeat_at=utcnow()
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        "award-audit.started",
        actor_id=actor_id,
        object_type="award-audit-run",
        object_id=run.id,
        detail={"files": list(files), "from": str(date_from or ""), "to": str(date_to or "")},
    )
    return run


def mark_running(session: Session, run: AwardAuditRun, awards_read: int, releases_skipped: int) -> None:
    run.status, run.started_at = AuditRunStatus.running.value, utcnow()
    run.heartbeat_at = run.started_at
    run.awards_read, run.releases_skipped = awards_read, releases_skipped
    session.add(run)


def record_progress(session: Session, run: AwardAuditRun, percent: int) -> None:
    run.progress = max(0, min(100, percent))
    run.heartbeat_at = utcnow()
    session.add(run)


def stalled_runs(session: Session) -> list[AwardAuditRun]:
    """Queued or running runs with no heartbeat for STALLED_AFTER: their worker is gone."""
    cutoff = utcnow() - STALLED_AFTER
    return list(
        session.exec(
            select(AwardAuditRun).where(
                AwardAuditRun.status.in_([AuditRunStatus.queued.value, AuditRunStatus.running.value]),
                or_(AwardAuditRun.heartbeat_at.is_(None), AwardAuditRun.heartbeat_at < cutoff),
            )
        ).all()
    )


def end_stalled_runs(session: Session) -> list[int]:
    """End as failed (audited) every run whose worker is gone; returns their ids."""
    stalled = stalled_runs(session)
    for run in stalled:
        fail_run(session, run, STALLED_MESSAGE)
    return [run.id for run in stalled]


def store_results(session: Session, run: AwardAuditRun, report: AuditReport) -> None:
    session.add_all(
        [
            AwardAuditResult(
                run_id=run.id,
                position=n,
                ocid=r.award.ocid[:200],
                award_id=r.award.award_id[:200],
                award_date=r.award.date,
                supplier=r.award.supplier_names,
                company_numbers=" ".join(s.company_number for s in r.award.suppliers if s.company_number)[:200],
                value_pence=int((r.award.value * 100).to_integral_value()) if r.award.value is not None else None,
                currency=r.award.currency[:3],
                title=r.award.title,
                buyer=r.award.buyer[:300],
                conflicts=[c.to_dict() for c in r.conflicts],
            )
            for n, r in enumerate(report.results)
        ]
    )
    run.status, run.progress, run.finished_at = AuditRunStatus.done.value, 100, utcnow()
    run.totals = report.totals
    run.conflicted_awards = sum(1 for r in report.results if r.conflicts)
    session.add(run)
    audit.record(
        session,
        "award-audit.finished",
        actor_id=run.created_by_id,
        object_type="award-audit-run",
        object_id=run.id,
        detail={"awards": len(report.results), "conflicted": run.conflicted_awards},
    )


def fail_run(session: Session, run: AwardAuditRun, message: str) -> None:
    run.status, run.error, run.finished_at = AuditRunStatus.failed.value, message[:2000], utcnow()
    session.add(run)
    audit.record(
        session,
        "award-audit.failed",
        actor_id=run.created_by_id,
        object_type="award-audit-run",
        object_id=run.id,
        detail={"error": message[:500]},
    )


def stored_results(session: Session, run_id: int, conflicted_only: bool = False) -> list[AwardAuditResult]:
    query = select(AwardAuditResult).where(AwardAuditResult.run_id == run_id)
    rows = session.exec(query.order_by(AwardAuditResult.position)).all()
    return [r for r in rows if r.conflicts] if conflicted_only else list(rows)


# --- outputs ----------------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(value: str) -> str:
    """Text can never become a formula in a spreadsheet."""
    return "'" + value if value and value.startswith(FORMULA_START) else value


def render_text(report: AuditReport) -> str:
    t = report.totals
    lines = [
        f"{t['awards']['count']} award(s) worth {_money(t['awards']['value'])} screened; "
        f"{t['conflicted']['count']} to organisations where a decision-maker had an interest, worth "
        f"{_money(t['conflicted']['value'])}."
    ]
    if t.get("releases_without_award"):
        lines.append(f"{t['releases_without_award']} release(s) without an award skipped.")
    for r in report.results:
        if not r.conflicts:
            continue
        a = r.award
        lines += [
            "",
            f"{a.date.isoformat()}  {a.ocid} / {a.award_id}: {a.supplier_names} — {_money(_number(a.value))}"
            f" {a.currency}".rstrip()
            + (f" ({a.title})" if a.title else ""),
        ]
        for c in r.conflicts:
            lines.append(f"  {c.name} ({c.member_id}), {'; '.join(c.committees)}: {c.action.upper()} — {c.interest}")
            lines += [f"    - {e}" for e in c.evidence]
            if c.meeting:
                m = c.meeting
                lines.append(
                    f"    at {m['meeting']} ({m['date']}) item {m['item']}: declared "
                    f"{'not recorded' if m['declared'] is None else ('yes' if m['declared'] else 'no')}, "
                    f"managed: {m['managed']}"
                )
    for heading, key in (("By committee", "by_committee"), ("By year", "by_year")):
        if t[key]:
            lines += ["", heading + ":"]
            lines += [f"  {k}: {v['count']} award(s), {_money(v['value'])}" for k, v in t[key].items()]
    return "\n".join(lines) + "\n"


def _money(value) -> str:
    return f"£{value:,.2f}" if value is not None else "no value"


CSV_HEADINGS = [
    "ocid",
    "award_id",
    "date",
    "supplier",
    "value",
    "currency",
    "member_id",
    "name",
    "committee",
    "interest",
    "action",
    "evidence",
]


def render_csv(report: AuditReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADINGS)
    for r in report.results:
        d = r.to_dict()
        for c in d["conflicts"] or [None]:
            writer.writerow(
                [
                    _cell_text(str(x)) if isinstance(x, str) else x
                    for x in (
                        d["ocid"],
                        d["award_id"],
                        d["date"],
                        d["supplier"],
                        d["value"],
                        d["currency"],
                        *(
                            (c["member_id"], c["name"], c["committee"], c["interest"], c["action"], c["evidence"])
                            if c
                            else ("",) * 6
                        ),
                    )
                ]
            )
    return out.getvalue()


def render_json(report: AuditReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def xlsx_rows(results: Iterable) -> Iterable[list]:
    """Rows of the workbook from AwardResult or stored AwardAuditResult: a date cell, a money cell (exact pence)."""
    for r in results:
        if isinstance(r, AwardResult):
            a = r.award
            head = [a.ocid, a.award_id, a.date, a.supplier_names, a.value, a.currency, a.title, a.buyer]
            conflicts = [c.to_dict() for c in r.conflicts]
        else:
            value = Decimal(r.value_pence) / 100 if r.value_pence is not None else None
            head = [r.ocid, r.award_id, r.award_date, r.supplier, value, r.currency, r.title, r.buyer]
            conflicts = r.conflicts
        for c in conflicts or [None]:
            yield head + (
                [c["member_id"], c["name"], c.get("committee", ""), c["interest"], c["action"], c["evidence"]]
                if c
                else [""] * 6
            )


XLSX_HEADINGS = [
    "ocid",
    "award_id",
    "date",
    "supplier",
    "value",
    "currency",
    "title",
    "buyer",
    "member_id",
    "name",
    "committee",
    "interest",
    "action",
    "evidence",
]


def render_xlsx(results: Iterable, totals_: dict) -> bytes:
    """A workbook with one row per (award, conflicted member) — awards without a conflict once — and a totals
    sheet; dates are date cells and values are number cells in pounds (formatted £#,##0.00)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Awards")
    sheet.append(XLSX_HEADINGS)
    for row in xlsx_rows(results):
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                cells.append(_typed(book, sheet, value, "£#,##0.00"))
            elif isinstance(value, date):
                cells.append(_typed(book, sheet, value, "yyyy-mm-dd"))
            elif isinstance(value, str):
                cells.append(_cell_text(value))
            else:
                cells.append(value)
        sheet.append(cells)
    summary = book.create_sheet("Totals")
    summary.append(["grouping", "key", "awards", "value"])
    summary.append(
        ["all awards", "", totals_["awards"]["count"], _typed(book, summary, totals_["awards"]["value"], "£#,##0.00")]
    )
    summary.append(
        [
            "conflicted",
            "",
            totals_["conflicted"]["count"],
            _typed(book, summary, totals_["conflicted"]["value"], "£#,##0.00"),
        ]
    )
    for grouping in ("by_committee", "by_year"):
        for key, bucket in totals_[grouping].items():
            summary.append(
                [
                    grouping.replace("_", " "),
                    _cell_text(key),
                    bucket["count"],
                    _typed(book, summary, bucket["value"], "£#,##0.00"),
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _typed(book, sheet, value, number_format):
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)  # a spreadsheet number; pence are exact at two decimal places
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
