"""Import NHS Digital's organisation files (epraccur, practice-to-PCN map) into the directory."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from sqlmodel import Session, select

from registry.models import Organisation, OrganisationKind, utcnow
from registry.services import audit
from screening.orgfiles import FileProblem, read_epraccur, read_pcn_map

GP_PRESCRIBING_SETTING = "4"


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
    problems: list[FileProblem] = field(default_factory=list)

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


def _set(org: Organisation, values: dict) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(org, key) != value:
            setattr(org, key, value)
            changed = True
    if changed:
        org.updated_at = utcnow()
    return changed


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
    pcn_rows = []
    if pcn_map is not None:
        pcn_rows, problems = read_pcn_map(pcn_map)
        summary.problems.extend(problems)

    by_code: dict[str, Organisation] = {
        o.ods_code: o for o in session.exec(select(Organisation).where(Organisation.ods_code.is_not(None)))
    }

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
        ensure(code, commissioner_names.get(code) or (existing.name if existing else code),
               OrganisationKind.commissioner.value)
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
    for record in practices:
        summary.rows_read += 1
        lines = list(record.address_lines) + [""] * 5
        values = dict(
            name=record.name,
            kind=(OrganisationKind.practice.value if record.prescribing_setting == GP_PRESCRIBING_SETTING
                  else OrganisationKind.other.value),
            address_line1=lines[0], address_line2=lines[1], address_line3=lines[2],
            address_line4=lines[3], address_line5=lines[4],
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
    audit.record(session, "directory.imported", actor_id=actor_id,
                 detail={"file": Path(epraccur).name, "created": summary.created, "updated": summary.updated,
                         "problems": len(summary.problems)})
    return summary


def search_organisations(session: Session, query: str, limit: int = 10) -> list[Organisation]:
    """Type-ahead: by ODS code, name or postcode; open organisations first."""
    from sqlalchemy import case, func, or_

    q = " ".join(query.split())[:100]
    if len(q) < 2:
        return []
    like = f"%{q.lower()}%"
    compact_postcode = q.replace(" ", "").upper()
    rows = session.exec(
        select(Organisation)
        .where(or_(func.upper(Organisation.ods_code) == q.upper(), func.lower(Organisation.name).like(like),
                   func.replace(Organisation.postcode, " ", "") == compact_postcode))
        .order_by(case((func.upper(Organisation.ods_code) == q.upper(), 0), else_=1),
                  case((Organisation.close_date.is_(None), 0), else_=1), Organisation.name)
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
