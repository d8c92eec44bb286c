"""Import NHS Digital's organisation files (epraccur, practice-to-PCN map) into the directory.

Rows that cannot be trusted are not loaded and are reported by file, row and column: a malformed row (found by
screening.orgfiles), and a practice whose status code is not one NHS Digital uses. A PCN-map row naming a
practice that is neither in the practice file nor already in the directory is reported as a warning; no PCN
membership is invented for it, and a PCN is created only when some known practice belongs to it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from sqlmodel import Session, select

from registry.models import Organisation, OrganisationKind, utcnow
from registry.services import audit
from screening.orgfiles import EPRACCUR_COLUMNS, FileProblem, read_epraccur, read_pcn_map

GP_PRESCRIBING_SETTING = "4"
STATUS_CODES = {"A": "active", "C": "closed", "D": "dormant", "P": "proposed"}  # epraccur column 13
STATUS_COLUMN = 12


@dataclass
class ImportSummary:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0  # practices in the file with a close date (kept, not deleted)
    pcns: int = 0
    commissioners: int = 0
    linked_to_pcn: int = 0
    problems: list[FileProblem] = field(default_factory=list)  # rows not loaded
    warnings: list[FileProblem] = field(default_factory=list)  # rows loaded in part, or skipped harmlessly

    def lines(self) -> list[str]:
        out = [
            f"Read {self.rows_read} practice rows: {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged ({self.closed} closed, kept with their close date).",
            f"{self.commissioners} commissioners and {self.pcns} PCNs in the directory; "
            f"{self.linked_to_pcn} practices linked to their PCN.",
        ]
        if self.problems:
            out.append(f"{len(self.problems)} rows could not be loaded:")
        return out

    def warning_lines(self) -> list[str]:
        if not self.warnings:
            return []
        return [f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}:"]


def _set(org: Organisation, values: dict) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(org, key) != value:
            setattr(org, key, value)
            changed = True
    if changed:
        org.updated_at = utcnow()
    return changed


def _status_rows(path: Path) -> dict[str, tuple[int, str]]:
    """Practice code -> (row number, status code as written) for each well-formed epraccur row (the records that
    screening.orgfiles returns do not carry their row numbers)."""
    raw = Path(path).read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8", errors="replace")
    else:
        try:
            text = raw.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any bytes
            text = raw.decode("utf-8", errors="replace")
    out: dict[str, tuple[int, str]] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
        if len(row) == len(EPRACCUR_COLUMNS):
            out.setdefault(row[0].strip().upper(), (number, row[STATUS_COLUMN].strip()))
    return out


def import_directory(
    session: Session, epraccur: Path, pcn_map: Optional[Path] = None, actor_id: Optional[int] = None
) -> ImportSummary:
    """Load the files; re-running updates rows in place and never duplicates them.

    Malformed rows are reported in the summary and skipped; the rest is loaded in the caller's
    transaction. A missing or unreadable file raises screening.orgfiles.InputFileError.
    """
    summary = ImportSummary()
    practices, problems = read_epraccur(epraccur)
    summary.problems.extend(problems)
    pcn_rows: list = []
    if pcn_map is not None:
        pcn_rows, problems = read_pcn_map(pcn_map)
        summary.problems.extend(problems)

    # A status code NHS Digital does not use: the row is not loaded (its meaning, open or closed, is unknown).
    if practices:
        numbers = _status_rows(epraccur)
        loaded = []
        for record in practices:
            if record.status in STATUS_CODES:
                loaded.append(record)
                continue
            number, written = numbers.get(record.code, (0, record.status))
            summary.problems.append(
                FileProblem(
                    str(epraccur),
                    number,
                    EPRACCUR_COLUMNS[STATUS_COLUMN],
                    f"unknown status code {written!r} (expected A active, C closed, D dormant or P proposed); "
                    "row not loaded",
                )
            )
        practices = loaded
        summary.problems.sort(key=lambda p: (p.file, p.row))

    by_code: dict[str, Organisation] = {
        o.ods_code: o for o in session.exec(select(Organisation).where(Organisation.ods_code.is_not(None)))
    }

    # PCN-map rows are kept only for practices the directory knows: in this practice file, or already loaded.
    if pcn_rows:
        in_file = {record.code for record in practices}
        pcn_kinds = {OrganisationKind.pcn.value, OrganisationKind.commissioner.value}
        known = in_file | {code for code, org in by_code.items() if org.kind not in pcn_kinds}
        kept = []
        for row, number in zip(pcn_rows, _pcn_row_numbers(pcn_map, pcn_rows)):
            if row.practice_code in known:
                kept.append(row)
            else:
                summary.warnings.append(
                    FileProblem(
                        str(pcn_map),
                        number,
                        _pcn_column(pcn_map),
                        f"practice {row.practice_code} is not in the directory (not in {Path(epraccur).name} or "
                        f"not loaded from it), so it was not linked to {row.pcn_code or 'its PCN'}",
                    )
                )
        pcn_rows = kept

    def ensure(code: str, name: str, kind: str) -> Organisation:
        org = by_code.get(code)
        if org is None:
            org = Organisation(ods_code=code, name=name, kind=kind)
            session.add(org)
            by_code[code] = org
        elif name and org.name != name and org.kind == kind:
            org.name = name
            org.updated_at = utcnow()
        return org

    commissioner_names = {row.commissioner_code: row.commissioner_name for row in pcn_rows if row.commissioner_code}
    commissioners = set()
    for code in sorted({p.commissioner for p in practices if p.commissioner} | set(commissioner_names)):
        existing = by_code.get(code)
        ensure(
            code,
            commissioner_names.get(code) or (existing.name if existing else code),
            OrganisationKind.commissioner.value,
        )
        commissioners.add(code)
    summary.commissioners = len(commissioners)
    pcn_codes = set()
    for row in pcn_rows:
        if row.pcn_code and row.pcn_code not in pcn_codes:
            pcn_codes.add(row.pcn_code)
            ensure(row.pcn_code, row.pcn_name, OrganisationKind.pcn.value)
    summary.pcns = len(pcn_codes)
    session.flush()

    practice_pcn = {row.practice_code: row.pcn_code for row in pcn_rows if row.pcn_code}
    in_this_file = {r.code for r in practices}
    for code, pcn_code in practice_pcn.items():  # practices loaded earlier that this practice file leaves out
        org = by_code.get(code)
        if org is not None and org.id is not None and code not in in_this_file:
            if _set(org, {"pcn_id": by_code[pcn_code].id}):
                summary.linked_to_pcn += 1
    for record in practices:
        summary.rows_read += 1
        lines = list(record.address_lines) + [""] * 5
        values = dict(
            name=record.name,
            kind=(
                OrganisationKind.practice.value
                if record.prescribing_setting == GP_PRESCRIBING_SETTING
                else OrganisationKind.other.value
            ),
            address_line1=lines[0],
            address_line2=lines[1],
            address_line3=lines[2],
            address_line4=lines[3],
            address_line5=lines[4],
            postcode=record.postcode,
            status=record.status,
            open_date=record.open_date,
            close_date=record.close_date,
            prescribing_setting=record.prescribing_setting,
            region=record.region,
            icb=record.icb,
            commissioner_id=by_code[record.commissioner].id if record.commissioner in by_code else None,
        )
        pcn_code = practice_pcn.get(record.code)
        if pcn_code:
            values["pcn_id"] = by_code[pcn_code].id
            summary.linked_to_pcn += 1
        if record.close_date is not None:
            summary.closed += 1
        org = by_code.get(record.code)
        if org is None:
            org = Organisation(ods_code=record.code, **values)
            session.add(org)
            by_code[record.code] = org
            summary.created += 1
        elif _set(org, values):
            summary.updated += 1
        else:
            summary.unchanged += 1
    session.flush()
    audit.record(
        session,
        "directory.imported",
        actor_id=actor_id,
        detail={
            "file": Path(epraccur).name,
            "created": summary.created,
            "updated": summary.updated,
            "problems": len(summary.problems),
            "warnings": len(summary.warnings),
        },
    )
    return summary


def _pcn_column(pcn_map: Path) -> str:
    """The practice-code column's heading as written in the PCN map (for messages)."""
    try:
        with open(pcn_map, encoding="utf-8-sig", errors="replace", newline="") as f:
            header = next(csv.reader(f), [])
    except OSError:
        return "PRACTICE_CODE"
    for name in header:
        if name.strip().upper().replace(" ", "_") in {"PRACTICE_CODE", "PRAC_CODE", "PARTNER_ORGANISATION_CODE"}:
            return name.strip()
    return "PRACTICE_CODE"


def _pcn_row_numbers(pcn_map: Path, pcn_rows: list) -> list[int]:
    """The row number in the file of each row read_pcn_map returned (it skips blank and malformed rows)."""
    column = _pcn_column(pcn_map)
    with open(pcn_map, encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        names = [h.strip() for h in header]
        index = names.index(column) if column in names else None
        numbers: list[int] = []
        wanted = iter(pcn_rows)
        current = next(wanted, None)
        for number, row in enumerate(reader, 2):
            if current is None:
                break
            if (
                index is not None
                and index < len(row)
                and len(row) >= len(header)
                and row[index].strip().upper() == current.practice_code
            ):
                numbers.append(number)
                current = next(wanted, None)
    numbers += [0] * (len(pcn_rows) - len(numbers))
    return numbers


def search_organisations(session: Session, query: str, limit: int = 10) -> list[Organisation]:
    """Type-ahead: by ODS code, name or postcode; open organisations first."""
    from sqlalchemy import case, func, or_

    q = " ".join(query.split())[:100]
    if len(q) < 2:
        return []
    compact_postcode = q.replace(" ", "").upper()
    rows = session.exec(
        select(Organisation)
        .where(
            or_(
                func.upper(Organisation.ods_code) == q.upper(),
                func.lower(Organisation.name).contains(q.lower(), autoescape=True),
                func.replace(Organisation.postcode, " ", "") == compact_postcode,
            )
        )
        .order_by(
            case((func.upper(Organisation.ods_code) == q.upper(), 0), else_=1),
            case((Organisation.close_date.is_(None), 0), else_=1),
            Organisation.name,
        )
        .limit(limit)
    )
    return list(rows)


def label(org: Organisation) -> str:
    """How an organisation is shown in lists and type-ahead: NAME (CODE), POSTCODE."""
    text = org.name
    if org.ods_code:
        text += f" ({org.ods_code})"
    if org.postcode:
        text += f", {org.postcode}"
    if org.close_date:
        text += f", closed {org.close_date.isoformat()}"
    return text


def resolve_organisation(session: Session, typed: str, chosen_id: Optional[str] = None) -> Optional[Organisation]:
    """The directory entry the person picked or typed: an id from the type-ahead, an ODS code, a
    'NAME (CODE)' label, or an exact unique name. None means free text."""
    import re

    if chosen_id and str(chosen_id).isdigit():
        org = session.get(Organisation, int(chosen_id))
        if org is not None and (not typed or label(org) == typed.strip() or org.name in typed.upper()):
            return org
    text = (typed or "").strip()
    if not text:
        return None
    match = re.search(r"\(([A-Z0-9]{3,12})\)", text.upper())
    code = match.group(1) if match else (text.upper() if re.fullmatch(r"[A-Z0-9]{3,12}", text.upper()) else None)
    if code:
        org = session.exec(select(Organisation).where(Organisation.ods_code == code)).first()
        if org is not None:
            return org
    same_name = session.exec(select(Organisation).where(Organisation.name == text.upper()).limit(2)).all()
    return same_name[0] if len(same_name) == 1 else None
