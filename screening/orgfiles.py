"""Readers for NHS Digital's organisation files (stdlib only).

* ``epraccur.csv`` - the GP practice file exactly as published: no header, 27 quoted columns, Latin-1.
* ``pcn_map.csv`` - the "patients registered at a GP practice" practice -> PCN -> CCG/sub-ICB map, with a
  header (January 2022 layout uses CCG_CODE/CCG_NAME; later files SUB_ICB_LOCATION_* and ICB_*).

Malformed rows become :class:`FileProblem` entries and the rest of the file still loads; problems that make
the whole file unusable (missing file, missing required header) raise :class:`InputFileError`.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "InputFileError",
    "FileProblem",
    "PracticeRecord",
    "PcnMapRow",
    "read_epraccur",
    "read_pcn_map",
    "EPRACCUR_COLUMNS",
]

EPRACCUR_COLUMNS = (
    "Organisation Code",
    "Name",
    "National Grouping",
    "High Level Health Geography",
    "Address Line 1",
    "Address Line 2",
    "Address Line 3",
    "Address Line 4",
    "Address Line 5",
    "Postcode",
    "Open Date",
    "Close Date",
    "Status Code",
    "Organisation Sub-Type Code",
    "Commissioner",
    "Join Provider/Purchaser Date",
    "Left Provider/Purchaser Date",
    "Contact Telephone Number",
    "Null 19",
    "Null 20",
    "Null 21",
    "Amended Record Indicator",
    "Null 23",
    "Provider/Purchaser",
    "Null 25",
    "Prescribing Setting",
    "Null 27",
)

_ODS_RE = re.compile(r"^[A-Z0-9]{3,6}$")


class InputFileError(Exception):
    """A fatal problem with an input file; str() names the file, row and column."""

    def __init__(self, file, message, row=None, column=None):
        self.file = file
        self.row = row
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self):
        parts = [os.path.basename(str(self.file))]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f'column "{self.column}"')
        return ", ".join(parts) + ": " + self.message


@dataclass(frozen=True)
class FileProblem:
    file: str
    row: int
    column: str | None
    message: str

    def __str__(self):
        col = f', column "{self.column}"' if self.column else ""
        return f"{os.path.basename(self.file)}, row {self.row}{col}: {self.message}"


@dataclass(frozen=True)
class PracticeRecord:
    code: str
    name: str
    region: str = ""
    icb: str = ""
    address_lines: tuple = ()
    postcode: str = ""
    open_date: date | None = None
    close_date: date | None = None
    status: str = "A"
    subtype: str = ""
    commissioner: str = ""
    prescribing_setting: str = "4"
    phone: str = ""

    def is_open_on(self, day: date | None) -> bool:
        if day is None:
            return self.status in ("A", "P", "") and self.close_date is None
        if self.open_date and self.open_date > day:
            return False
        if self.close_date and self.close_date < day:
            return False
        if self.close_date is None and self.status == "C":
            return False
        return True


@dataclass(frozen=True)
class PcnMapRow:
    practice_code: str
    practice_name: str
    practice_postcode: str
    pcn_code: str
    pcn_name: str
    commissioner_code: str
    commissioner_name: str


def _parse_yyyymmdd(s: str) -> date | None:
    s = s.strip()
    if not s:
        return None
    if not re.fullmatch(r"\d{8}", s):
        raise ValueError(f"not a date (expected YYYYMMDD): {s!r}")
    return date(int(s[:4]), int(s[4:6]), int(s[6:]))


def _open_text(path, encoding):
    if not os.path.isfile(path):
        raise InputFileError(path, "file not found")
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_epraccur(path) -> tuple[list[PracticeRecord], list[FileProblem]]:
    """Read NHS Digital's epraccur.csv (no header, 27 columns, Latin-1)."""
    text = _open_text(path, "latin-1")
    records: list[PracticeRecord] = []
    problems: list[FileProblem] = []
    fname = str(path)
    for lineno, row in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != 27:
            problems.append(FileProblem(fname, lineno, None, f"expected 27 columns, found {len(row)}"))
            continue
        row = [c.strip() for c in row]
        code = row[0].upper()
        if not _ODS_RE.match(code):
            problems.append(FileProblem(fname, lineno, EPRACCUR_COLUMNS[0], f"not an organisation code: {row[0]!r}"))
            continue
        if not row[1]:
            problems.append(FileProblem(fname, lineno, EPRACCUR_COLUMNS[1], "empty name"))
            continue
        try:
            od = _parse_yyyymmdd(row[10])
        except ValueError as e:
            problems.append(FileProblem(fname, lineno, EPRACCUR_COLUMNS[10], str(e)))
            continue
        try:
            cd = _parse_yyyymmdd(row[11])
        except ValueError as e:
            problems.append(FileProblem(fname, lineno, EPRACCUR_COLUMNS[11], str(e)))
            continue
        records.append(
            PracticeRecord(
                code=code,
                name=row[1],
                region=row[2],
                icb=row[3],
                address_lines=tuple(x for x in row[4:9] if x),
                postcode=row[9].upper(),
                open_date=od,
                close_date=cd,
                status=row[12].upper(),
                subtype=row[13],
                commissioner=row[14].upper(),
                prescribing_setting=row[25],
                phone=row[17],
            )
        )
    return records, problems


_PCN_ALIASES = {
    "practice_code": ("PRACTICE_CODE", "PRAC_CODE", "PARTNER_ORGANISATION_CODE"),
    "practice_name": ("PRACTICE_NAME", "PRAC_NAME", "PARTNER_NAME"),
    "practice_postcode": ("PRACTICE_POSTCODE", "POSTCODE"),
    "pcn_code": ("PCN_CODE",),
    "pcn_name": ("PCN_NAME",),
    "commissioner_code": ("CCG_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOC_CODE", "ICB_CODE"),
    "commissioner_name": ("CCG_NAME", "SUB_ICB_LOCATION_NAME", "SUB_ICB_LOC_NAME", "ICB_NAME"),
}
_PCN_REQUIRED = ("practice_code", "pcn_code", "pcn_name")


def read_pcn_map(path) -> tuple[list[PcnMapRow], list[FileProblem]]:
    """Read NHS Digital's practice -> PCN map (header row; CCG_* or SUB_ICB_LOCATION_*/ICB_* names)."""
    text = _open_text(path, "utf-8")
    fname = str(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(path, "empty file (expected a header row)", row=1)
    norm = [h.strip().upper().replace(" ", "_") for h in header]
    idx = {}
    for field, names in _PCN_ALIASES.items():
        for n in names:  # first alias present wins (CCG before SUB_ICB before ICB)
            if n in norm:
                idx[field] = norm.index(n)
                break
    for field in _PCN_REQUIRED:
        if field not in idx:
            raise InputFileError(path, "missing required column", row=1, column=_PCN_ALIASES[field][0])
    rows: list[PcnMapRow] = []
    problems: list[FileProblem] = []
    for lineno, row in enumerate(reader, 2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < len(header):
            problems.append(FileProblem(fname, lineno, None, f"expected {len(header)} columns, found {len(row)}"))
            continue

        def g(field):
            i = idx.get(field)
            return row[i].strip() if i is not None else ""

        code = g("practice_code").upper()
        if not _ODS_RE.match(code):
            problems.append(
                FileProblem(fname, lineno, header[idx["practice_code"]], f"not an organisation code: {code!r}")
            )
            continue
        rows.append(
            PcnMapRow(
                code,
                g("practice_name"),
                g("practice_postcode").upper(),
                g("pcn_code").upper(),
                g("pcn_name"),
                g("commissioner_code").upper(),
                g("commissioner_name"),
            )
        )
    return rows, problems
