"""Import an existing register of interests from CSV or XLSX, with a preview before anything is written.

Registers come in as NHS bodies publish them. The heading row is found by its headings, not its position (a
title row and intro rows may sit above it), and case, spacing, punctuation and bracketed explanations in a
heading do not matter. Recognised layouts:
- NHS England's "Register of Interests" template: Name; Current position(s) held ...; Declared Interest (Name of
  the organisation and nature of business); Type of Interest over ticked sub-columns (Financial Interests,
  Non-Financial Professional Interests, Non-Financial Personal Interests, Indirect Interests); Description of
  Interest ...; Relevant Dates over From and To (a merged cell above a second heading row in Excel, a second
  heading row in CSV); Action taken to mitigate risk; Comments;
- the headings trusts and ICBs commonly use (Job title or Role, Organisation, Nature of interest, Interest
  category, Start date, End date, Mitigating action ...), which is also the layout of this register's own
  published CSV and Excel exports;
- the screening contract's register.csv: member_id, name, position, interest_type, description, date_from,
  date_to (extra columns ignored; a blank interest_type is a nil return).
Any other heading can be mapped to a register field by hand on the preview; the choice is remembered
(ImportColumnMapping) and applied to the next file with that heading.

`parse_register` reads the file and reports every row's problems, naming the row and column, without touching
the database; whole-file problems raise RegisterImportError. `plan_import` says what would happen to each row
(read-only, for the preview) and `apply_import` writes it in the caller's transaction. Rows with problems are
never written, re-importing a file does not duplicate interests, and an entry that closely matches an interest
the person already has is held back as a likely duplicate unless the lead asks for it to be added anyway.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import PurePath
from typing import Iterable, Mapping, Optional

from sqlmodel import Session, select

from registry.db import serialise_on_postgresql
from registry.models import (
    DeclarationReturn,
    ImportColumnMapping,
    Interest,
    InterestType,
    Person,
    ReturnKind,
    Role,
    RoleGrant,
    utcnow,
)
from registry.services import audit, directory, interests, returns
from registry.services.publication import xml_safe
from screening.documents.decoding import UndecodableText, decode_text

MAX_FILE_BYTES = 5 * 1024 * 1024  # a register of a few thousand rows is well under 1 MB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # an XLSX is a zip: refuse a "zip bomb" before opening it
MAX_ROWS = 5000  # data rows
MAX_PHYSICAL_ROWS = 100_000  # including blank ones (spreadsheets often carry thousands of empty formatted rows)
MAX_COLUMNS = 100
HEADER_SEARCH_ROWS = 20  # the headings may sit below a title row and a few rows of guidance
MAX_TEXT = {"name": 200, "position": 200, "description": 4000, "mitigation": 4000, "organisation": 300, "role": 100}

NHS_TEMPLATE = "NHS register template"
SCREENING_CONTRACT = "screening register.csv"

FIELD_TITLES = {
    "name": "Name",
    "position": "Position",
    "interest_type": "Type of interest",
    "description": "Description",
    "date_from": "Date from",
    "date_to": "Date to",
    "mitigation": "Action taken",
    "member_id": "member_id",
    "organisation": "Organisation",
    "role": "Nature of interest",
    "comments": "Comments",
    "date_range": "Relevant dates",
    "directness": "Direct or indirect",
    "tick_financial": "Financial interests",
    "tick_professional": "Non-financial professional interests",
    "tick_personal": "Non-financial personal interests",
    "tick_indirect": "Indirect interests",
}
REQUIRED_FIELDS = ("name", "interest_type", "description")

# The fields a governance lead may choose for a column the import did not recognise, in the order offered.
MAPPABLE_FIELDS = (
    ("name", "Name"),
    ("position", "Position held (job title)"),
    ("interest_type", "Type of interest"),
    ("description", "Description of the interest"),
    ("organisation", "Organisation (declared interest)"),
    ("role", "Nature of interest (partner, director ...)"),
    ("date_from", "Date from"),
    ("date_to", "Date to"),
    ("mitigation", "Action taken to mitigate risk"),
    ("comments", "Comments (kept with the action taken)"),
)
IGNORE = ""  # the mapping that says "ignore this column"
MAPPING_CHOICES = {name for name, _ in MAPPABLE_FIELDS} | {IGNORE}

# Normalised heading -> field. Headings are compared lower-cased with punctuation and spacing collapsed, "(s)"
# dropped and a bracketed explanation ignored: "Current position(s) held (i.e. Governing Body ...)" reads as
# "current position held".
HEADINGS = {
    "name": [
        "name",
        "full name",
        "member name",
        "name of member",
        "name of person",
        "member",
        "person",
        "staff name",
        "name of staff member",
        "employee name",
        "name of individual",
        "individual",
        "name of declarer",
        "declarer",
        "name of person declaring",
    ],
    "position": [
        "position",
        "position held",
        "job title",
        "position with the commissioner",
        "role with the commissioner",
        "position role",
        "position or role",
        "position within the organisation",
        "current position",
        "current position held",
        "current positions held",
        "role",
        "job role",
        "title",
        "designation",
        "post",
        "post held",
        "job title role",
        "role job title",
        "role title",
        "position title",
        "role in organisation",
        "role within organisation",
        "current role",
        "job title position",
    ],
    "interest_type": [
        "type of interest",
        "interest type",
        "type",
        "type of interests",
        "category",
        "category of interest",
        "nature of interest type",
        "interest category",
        "category of interests",
        "type of declaration",
        "declaration type",
    ],
    "description": [
        "description",
        "description of interest",
        "description of interests",
        "details",
        "details of interest",
        "details of the interest",
        "description of the interest",
        "interest description",
        "interest",
        "interest declared",
        "details of interests",
        "description of interest declared",
        "interest details",
        "details of declaration",
    ],
    "date_from": [
        "date from",
        "from",
        "start date",
        "date interest arose",
        "date of interest from",
        "from date",
        "date started",
        "valid from",
        "date interest started",
        "date of interest",
        "interest start date",
        "date interest commenced",
        "commenced",
        "start",
        "date of interest start",
    ],
    "date_to": [
        "date to",
        "to",
        "end date",
        "date interest ceased",
        "to date",
        "date ended",
        "valid to",
        "date interest ended",
        "date of interest to",
        "interest end date",
        "ceased",
        "end",
        "date of interest end",
        "date ceased",
    ],
    "mitigation": [
        "action taken",
        "action taken to mitigate risk",
        "action taken to mitigate the risk",
        "actions taken to mitigate risk",
        "action to mitigate risk",
        "mitigation",
        "mitigating action",
        "mitigating actions",
        "action taken to mitigate",
        "actions taken",
        "management action",
        "action taken to manage the conflict",
        "mitigation action",
        "mitigation actions",
        "action taken to manage",
        "actions to mitigate risk",
        "management of interest",
        "how the conflict is managed",
        "mitigation agreed",
        "action agreed",
    ],
    "member_id": ["member id", "member no", "member number"],
    "organisation": [
        "organisation",
        "organisation name",
        "declared interest",
        "declared interests",
        "name of organisation",
        "name of the organisation",
        "company",
        "company organisation",
        "organisation company",
        "name of company",
        "body",
        "organisation involved",
    ],
    "role": [
        "nature of interest",
        "nature of the interest",
        "nature of business",
        "role in the organisation",
        "capacity",
    ],
    "comments": ["comments", "comment", "notes", "note", "additional comments", "other comments", "remarks"],
    "date_range": ["relevant dates", "dates", "dates of interest", "relevant date", "date range", "period"],
    "directness": [
        "is the interest direct or indirect",
        "direct or indirect",
        "direct indirect",
        "direct indirect interest",
    ],
}
_HEADING_TO_FIELD = {h: f for f, names in HEADINGS.items() for h in names}
# Headings that name a group of sub-columns (a merged cell, or a cell with blanks to its right in CSV).
GROUP_HEADINGS = {
    "relevant dates",
    "dates",
    "dates of interest",
    "date of interest",
    "relevant date",
    "period",
    "type of interest",
    "interest type",
    "type of interests",
    "type",
    "category of interest",
    "interest category",
}
# Sub-column headings under a group.
SUB_HEADINGS = {
    "from": "date_from",
    "date from": "date_from",
    "start": "date_from",
    "start date": "date_from",
    "from date": "date_from",
    "to": "date_to",
    "date to": "date_to",
    "end": "date_to",
    "end date": "date_to",
    "to date": "date_to",
    "until": "date_to",
    "financial interests": "tick_financial",
    "financial interest": "tick_financial",
    "financial": "tick_financial",
    "non financial professional interests": "tick_professional",
    "non financial professional interest": "tick_professional",
    "non financial professional": "tick_professional",
    "professional": "tick_professional",
    "professional interests": "tick_professional",
    "non financial personal interests": "tick_personal",
    "non financial personal interest": "tick_personal",
    "non financial personal": "tick_personal",
    "personal": "tick_personal",
    "personal interests": "tick_personal",
    "indirect interests": "tick_indirect",
    "indirect interest": "tick_indirect",
    "indirect": "tick_indirect",
}
TICK_FIELDS = {
    "tick_financial": InterestType.financial.value,
    "tick_professional": InterestType.professional.value,
    "tick_personal": InterestType.personal.value,
    "tick_indirect": InterestType.indirect.value,
}
TICK_WORDS = {"x", "y", "yes", "✓", "✔", "√", "☑", "✗", "✘", "☒", "1", "true", "ticked", "tick", "*", "•"}
UNTICK_WORDS = {"", "n", "no", "0", "false", "-", "–", "n a", "na", "none"}

TYPE_HINT = "use Financial, Non-financial professional, Non-financial personal or Indirect"
DATE_HINT = "use a date such as 31/03/2024, 31 March 2024 or March 2024"
NIL_WORDS = {
    "nil",
    "nil return",
    "none",
    "no interests",
    "no interests to declare",
    "nothing to declare",
    "no declarations",
    "nil declaration",
    "none declared",
    "no interests declared",
    "n a",
    "na",
    "not applicable",
    "no relevant interests",
    "nil interests",
    "no interest to declare",
    "nothing to declare nil return",
    "nil to declare",
}
ONGOING_WORDS = {
    "",
    "ongoing",
    "on going",
    "current",
    "present",
    "to date",
    "continuing",
    "n a",
    "na",
    "not applicable",
    "-",
    "none",
    "to present",
    "till date",
    "until further notice",
    "open",
    "current ongoing",
    "ongoing current",
    "still current",
    "continues",
    "live",
}
RELATIONSHIP_WORDS = (
    "civil partner",
    "business partner",
    "spouse",
    "wife",
    "husband",
    "partner",
    "son",
    "daughter",
    "mother",
    "father",
    "brother",
    "sister",
    "parent",
    "child",
    "sibling",
    "son-in-law",
    "daughter-in-law",
    "family member",
    "relative",
    "close associate",
    "friend",
)
MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class RegisterImportError(ValueError):
    """The file as a whole cannot be imported; the message is safe to show and says what to do."""


@dataclass
class PreviewRow:
    """One data row of the file, as read. `problems` are messages naming the row and column."""

    number: int  # the row number as a spreadsheet shows it (the heading row counts)
    name: str = ""
    position: str = ""
    interest_type: str = ""  # an InterestType value; "" for a nil return or when unreadable
    type_text: str = ""  # as written in the file
    description: str = ""
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    mitigation: str = ""
    member_id: str = ""
    organisation: str = ""
    role: str = ""
    relationship: str = ""  # indirect interests: who holds it, found in the description
    nil: bool = False
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how something was read, when it is worth saying; not errors

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Column:
    """One column of the file as the import reads it."""

    index: int
    heading: str  # as written ("Relevant Dates: From" for a sub-column); "" when the column has no heading
    field: Optional[str]  # the register field it fills, or None when not read
    source: str  # RECOGNISED, REMEMBERED (mapped by hand earlier), IGNORED (by hand), UNRECOGNISED, UNNAMED,
    #              SECOND (a second column for a field another column already fills)

    @property
    def letter(self) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.index + 1)

    @property
    def key(self) -> str:
        """How a hand-made mapping for this heading is remembered."""
        return mapping_key(self.heading)

    @property
    def mappable(self) -> bool:
        return self.source in {REMEMBERED, IGNORED, UNRECOGNISED, SECOND} and bool(self.key)

    @property
    def label(self) -> str:
        return f'"{self.heading}" (column {self.letter})' if self.heading else f"column {self.letter} (no heading)"


RECOGNISED, REMEMBERED, IGNORED, UNRECOGNISED, UNNAMED, SECOND = (
    "recognised",
    "remembered",
    "ignored",
    "unrecognised",
    "unnamed",
    "second",
)


@dataclass
class ParsedRegister:
    filename: str
    layout: str  # NHS_TEMPLATE or SCREENING_CONTRACT
    columns: dict[str, str]  # field -> heading as written in the file
    ignored_columns: list[str]  # headings of columns not read
    rows: list[PreviewRow]
    sheet: Optional[str] = None  # the worksheet read, for XLSX
    all_columns: list[Column] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields with no column: nothing can be imported
    unread_rows: list[str] = field(default_factory=list)  # rows with text only in columns that are not read
    header_rows: tuple[int, ...] = ()  # the row number(s) of the headings

    @property
    def problem_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.problems]

    @property
    def good_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if not r.problems]

    @property
    def mappable_columns(self) -> list[Column]:
        return [c for c in self.all_columns if c.mappable]

    @property
    def unread_columns(self) -> list[Column]:
        return [c for c in self.all_columns if c.field is None]


# --- Reading ----------------------------------------------------------------------------------------------


def _norm_heading(text: str) -> str:
    text = re.sub(r"\(s\)", "", str(text or ""), flags=re.IGNORECASE)  # "position(s)" -> "position"
    return " ".join(re.sub(r"[\W_]+", " ", text.lower().replace("non-financial", "non financial")).split())


def _short_heading(text: str) -> str:
    """The heading without bracketed explanations or a trailing "- i.e. ..." gloss."""
    text = re.sub(r"\(s\)", "", str(text or ""), flags=re.IGNORECASE)
    text = re.sub(r"\([^)]*\)?|\[[^\]]*\]?", " ", text)
    text = re.split(r"\s[-–:]\s*(?:i\.?e\.?|e\.?g\.?)\b|\s-\s|\s–\s|:\s", text, maxsplit=1)[0]
    return _norm_heading(text)


def mapping_key(heading: str) -> str:
    """The key a hand-made mapping is remembered by: lower case, punctuation and spacing collapsed."""
    return _norm_heading(heading)[:200]


def heading_field(heading: str) -> Optional[str]:
    """The register field a heading names, or None. Exact names first, then the heading without its
    bracketed explanation, then a known heading the heading begins with ("Current position held in the ICB")."""
    full = _norm_heading(heading)
    if not full:
        return None
    for text in (full, _short_heading(heading)):
        if text in _HEADING_TO_FIELD:
            return _HEADING_TO_FIELD[text]
    short = _short_heading(heading)
    for prefix, name in _PREFIXES:
        if short.startswith(prefix + " "):
            return name
    return None


# Headings that may be followed by more words ("Current position held in the ICB/CCG/NHS England"). Only
# headings specific enough that no other field's heading starts with them ("name" is not one: "Name of the
# organisation" is not the person's name).
_PREFIXES = sorted(
    [
        (h, f)
        for h, f in _HEADING_TO_FIELD.items()
        if len(h.split()) >= 2
        and f not in {"member_id"}
        and h
        not in {
            "date of interest",
            "type of interest",
            "interest type",
            "name of organisation",
            "name of the organisation",
        }
    ],
    key=lambda pair: -len(pair[0]),
)


def _norm_words(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", (text or "").lower()).split())


def is_nil_text(text: str) -> bool:
    """Blank, or words that say there is nothing to declare ("Nil", "Nothing to declare", "Nil return: ...")."""
    words = _norm_words(text)
    return (
        not words
        or words in NIL_WORDS
        or words.startswith("nil ")
        or any(
            p in words
            for p in (
                "nothing to declare",
                "no interests",
                "no interest to declare",
                "no declarable",
                "no relevant interest",
            )
        )
    )


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = xml_safe(str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()  # no NUL or other controls
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]  # our own exports neutralise formulas with a leading apostrophe
    return text


def _read_csv(data: bytes, mappings: Mapping[str, str]) -> list[tuple[int, list]]:
    if b"\x00" in data[:4096]:
        raise RegisterImportError(
            "The file is not a CSV file (it contains binary data). Upload a CSV or Excel (.xlsx) file."
        )
    try:
        text = decode_text(data)  # the command line's register and agenda files go through the same decoder
    except UndecodableText:
        raise RegisterImportError(
            'The file\'s text is not in a recognised encoding. Save it as "CSV UTF-8" and upload it again.'
        ) from None
    # The delimiter that makes a heading row appear; failing that, the commonest (a title row above the headings
    # may have none, and descriptions may be full of commas).
    sample = "\n".join(text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS])
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    for candidate in sorted(counts, key=lambda d: -counts[d]):
        try:
            trial = [
                (n, r)
                for n, r in enumerate(csv.reader(io.StringIO(sample, newline=""), delimiter=candidate), 1)
                if any(c.strip() for c in r)
            ]
        except csv.Error:
            continue
        if counts[candidate] and _find_header(trial, mappings) is not None:
            delimiter = candidate
            break
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list = []
    try:
        for number, record in enumerate(reader, start=1):
            _check_size(number, len(rows), "The file")
            if any(cell.strip() for cell in record):
                rows.append((number, record[:MAX_COLUMNS]))
    except csv.Error as error:
        raise RegisterImportError(
            f"Row {reader.line_num} of the file cannot be read as CSV ({error}). Check for a stray quotation mark."
        ) from None
    return rows


def _check_size(physical_rows: int, kept_rows: int, what: str) -> None:
    if kept_rows > MAX_ROWS + HEADER_SEARCH_ROWS or physical_rows > MAX_PHYSICAL_ROWS:
        raise RegisterImportError(f"{what} has more than {MAX_ROWS:,} rows. Split it into smaller files.")


def _refuse_cfb(data: bytes) -> None:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise RegisterImportError(
                "The file is password-protected. Remove the password in Excel "
                "(File, Info, Protect Workbook) and upload it again."
            )
        raise RegisterImportError(
            "The file is an old Excel (.xls) workbook. Save it as .xlsx or CSV and upload it again."
        )


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')


def _vertical_merges(book, sheet) -> list[tuple[int, int, int]]:
    """(column index, first row, last row) of each merged range spanning rows: registers often merge a person's
    name down over all their interests, and Excel keeps the text only in the first cell. Read from the sheet's
    XML (the read-only worksheet does not load merges); only the mergeCell references are looked at."""
    from openpyxl.utils import column_index_from_string

    try:
        with book._archive.open(sheet._worksheet_path) as source:
            xml = source.read(MAX_UNZIPPED_BYTES)
    except Exception:  # an unusual workbook: read it without merges rather than fail
        return []
    out = []
    for first_col, first_row, _, last_row in _MERGE.findall(xml)[:10_000]:
        if int(last_row) > int(first_row):
            out.append((column_index_from_string(first_col.decode()) - 1, int(first_row), int(last_row)))
    return out


def _fill_merges(rows: list[tuple[int, list]], merges: list[tuple[int, int, int]], below: int) -> None:
    """Copy a vertically merged cell's text into the rows it covers, below the heading row(s) only."""
    by_number = {number: values for number, values in rows}
    for column, first, last in merges:
        if first <= below or first not in by_number or column >= MAX_COLUMNS:
            continue
        top = by_number[first][column] if column < len(by_number[first]) else None
        for number in range(first + 1, last + 1):
            values = by_number.get(number)
            if values is None:
                continue
            values.extend([None] * (column + 1 - len(values)))
            if _cell_text(values[column]) == "":
                values[column] = top


def _read_xlsx(data: bytes, mappings: Mapping[str, str]) -> tuple[str, list[tuple[int, list]], list]:
    _refuse_cfb(data)
    if not data.startswith(b"PK\x03\x04"):
        raise RegisterImportError("The file is not a valid Excel (.xlsx) workbook. Upload a CSV or .xlsx file.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RegisterImportError(
            "The file is not a valid Excel (.xlsx) workbook: it is damaged or incomplete."
        ) from None
    if any(info.flag_bits & 0x1 for info in entries):
        raise RegisterImportError("The file is password-protected. Remove the password in Excel and upload it again.")
    if sum(info.file_size for info in entries) > MAX_UNZIPPED_BYTES or len(entries) > 10_000:
        raise RegisterImportError(
            "The workbook is too large to import. Save the register sheet as CSV and upload that instead."
        )
    if "xl/workbook.xml" not in {info.filename for info in entries}:
        raise RegisterImportError("The file is not an Excel (.xlsx) workbook. Upload a CSV or .xlsx file.")

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on malformed XML
        raise RegisterImportError(
            "The Excel workbook cannot be read: it is damaged, or was not saved by "
            "a spreadsheet program. Save it again as .xlsx or CSV."
        ) from None
    try:
        first: Optional[tuple[str, list, list]] = None
        for sheet in book.worksheets:
            if not hasattr(sheet, "iter_rows"):
                continue  # a chart sheet
            rows: list = []
            sheet.reset_dimensions()  # some programs write a wrong <dimension>; read what is really there
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                _check_size(number, len(rows), f'The sheet "{sheet.title}"')
                if any(_cell_text(v) for v in values[:MAX_COLUMNS]):
                    rows.append((number, list(values[:MAX_COLUMNS])))
            if first is None:
                first = (sheet.title, rows, [])
            if _find_header(rows, mappings) is not None:
                return sheet.title, rows, _vertical_merges(book, sheet)
        if first is None:
            raise RegisterImportError("The workbook has no worksheets.")
        return first
    except RegisterImportError:
        raise
    except Exception:
        raise RegisterImportError(
            "The Excel workbook cannot be read: it is damaged. Save it again as .xlsx or CSV."
        ) from None
    finally:
        book.close()


def _known(heading: str, mappings: Mapping[str, str]) -> Optional[str]:
    """The field a heading names, built in or mapped by hand; group headings count as known."""
    found = heading_field(heading)
    if found is None and mappings.get(mapping_key(heading)):
        found = mappings[mapping_key(heading)]
    if found is None and _short_heading(heading) in GROUP_HEADINGS:
        found = "group"
    return found


def _find_header(rows: list[tuple[int, list]], mappings: Mapping[str, str]) -> Optional[int]:
    """Index into `rows` of the heading row: the first of the first few with a name column and two more we know."""
    for index, (_, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = [_known(_cell_text(v), mappings) for v in values]
        if "name" in fields and len({f for f in fields if f}) >= 3:
            return index
    return None


def _sub_heading(text: str) -> Optional[str]:
    return SUB_HEADINGS.get(_norm_heading(text)) or SUB_HEADINGS.get(_short_heading(text))


def _is_sub_header(values: list, mappings: Mapping[str, str]) -> bool:
    """A second heading row: every cell a heading, at least one of them a sub-column ("From", "Financial")."""
    texts = [_cell_text(v) for v in values]
    texts = [t for t in texts if t]
    return (
        bool(texts)
        and any(_sub_heading(t) for t in texts)
        and all(_sub_heading(t) or _known(t, mappings) for t in texts)
    )


def _resolve_columns(top: list, sub: Optional[list], mappings: Mapping[str, str]) -> list[Column]:
    """The columns from one heading row, or two (a group heading over sub-columns)."""
    width = max(len(top), len(sub or []))
    tops = [_cell_text(v) for v in top] + [""] * (width - len(top))
    subs = ([_cell_text(v) for v in sub] + [""] * (width - len(sub))) if sub is not None else [""] * width
    columns: list[Column] = []
    group = ""
    for i in range(width):
        heading, below = tops[i], subs[i]
        if heading:
            group = heading if _short_heading(heading) in GROUP_HEADINGS else ""
        elif below and group:
            heading = group  # a merged cell (Excel keeps the text in its first cell) or CSV blanks after a group
        name: Optional[str] = None
        if below:
            kind = _sub_heading(below)
            group_words = _short_heading(heading)
            if kind and kind.startswith("tick_") and group_words and "date" in group_words:
                kind = None
            if kind and kind.startswith("date_") and group_words and "type" in group_words:
                kind = None
            if kind:
                name = kind
                title = f"{heading}: {below}" if heading else below
            else:
                name = heading_field(below) or (heading_field(heading) if heading else None)
                title = below if heading_field(below) or not heading else f"{heading}: {below}"
        else:
            name = heading_field(heading)
            title = heading
        source = RECOGNISED if name else UNRECOGNISED
        if name is None and title:
            remembered = mappings.get(mapping_key(title))
            if remembered is not None:
                name, source = (remembered or None), (REMEMBERED if remembered else IGNORED)
        if not title:
            source = UNNAMED
        columns.append(Column(i, title, name, source))
    return columns


def _expected_headings() -> str:
    return (
        "Name, Position, Type of interest, Description, Date from, Date to, Action taken (the NHS template) "
        "or member_id, name, position, interest_type, description, date_from, date_to"
    )


def load_mappings(session: Session) -> dict[str, str]:
    """Headings mapped by hand on earlier imports: normalised heading -> field ("" = ignore the column)."""
    return {
        m.heading: m.field_name for m in session.exec(select(ImportColumnMapping)) if m.field_name in MAPPING_CHOICES
    }


def save_mappings(session: Session, choices: Mapping[str, str], actor_id: Optional[int]) -> dict[str, str]:
    """Remember the lead's choices (heading key -> field or "" to ignore) for the next file; audited.
    Returns what changed. The caller checks the choices make sense for the file (see `check_mapping`)."""
    changed: dict[str, str] = {}
    for key, choice in choices.items():
        key = mapping_key(key)
        if not key or choice not in MAPPING_CHOICES:
            raise ValueError(f"not a register field: {choice!r}")
        row = session.get(ImportColumnMapping, key)
        if row is None:
            session.add(ImportColumnMapping(heading=key, field_name=choice, saved_by_id=actor_id))
        elif row.field_name != choice:
            row.field_name, row.saved_by_id, row.saved_at = choice, actor_id, utcnow()
        else:
            continue
        changed[key] = choice
    if changed:
        session.flush()
        audit.record(
            session,
            "register.import_columns_mapped",
            actor_id=actor_id,
            object_type="register",
            detail={"columns": changed},
        )
    return changed


def check_mapping(parsed: ParsedRegister, choices: Mapping[int, str]) -> dict[int, str]:
    """Problems with the lead's choices for the columns of `parsed` (column index -> field): a field chosen for
    two columns, or one already read from a recognised column. Returns column index -> message."""
    errors: dict[int, str] = {}
    taken = {c.field: c for c in parsed.all_columns if c.field and not c.mappable}
    chosen: dict[str, Column] = {}
    for column in parsed.mappable_columns:
        choice = choices.get(column.index, IGNORE)
        if choice not in MAPPING_CHOICES:
            errors[column.index] = f'Choose a register field for {column.label}, or "Ignore this column"'
        elif choice and choice in taken:
            errors[column.index] = (
                f"{column.label}: {FIELD_TITLES[choice]} is already read from "
                f'"{taken[choice].heading}". Choose another field or ignore this column'
            )
        elif choice and choice in chosen:
            errors[column.index] = (
                f"{column.label}: {FIELD_TITLES[choice]} is also chosen for "
                f'"{chosen[choice].heading}". Choose it for one column only'
            )
        elif choice:
            chosen[choice] = column
    return errors


def parse_register(filename: str, data: bytes, mappings: Optional[Mapping[str, str]] = None) -> ParsedRegister:
    """Read a register from CSV or XLSX bytes. Never writes; raises RegisterImportError for a whole-file problem.

    `mappings` are the headings mapped by hand on earlier imports (`load_mappings`)."""
    mappings = dict(mappings or {})
    filename = PurePath((filename or "").replace("\\", "/")).name[:200] or "upload"
    if not data:
        raise RegisterImportError("The selected file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise RegisterImportError(f"The selected file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    suffix = PurePath(filename).suffix.lower()
    sheet = None
    merges: list = []
    if suffix in {".xlsx", ".xlsm"} or data.startswith(b"PK\x03\x04"):
        sheet, rows, merges = _read_xlsx(data, mappings)
    elif suffix in {".xls"} or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        _refuse_cfb(data)
        raise RegisterImportError("The file is not a valid Excel workbook. Upload a CSV or .xlsx file.")
    elif suffix in {"", ".csv", ".txt", ".tsv"}:
        rows = _read_csv(data, mappings)
    else:
        raise RegisterImportError("The selected file must be a CSV or an Excel (.xlsx) file.")

    header_index = _find_header(rows, mappings)
    if header_index is None:
        raise RegisterImportError(
            f"The file's headings were not recognised. The first row should have the headings {_expected_headings()}."
        )
    header_number, headings = rows[header_index]
    header_rows: tuple[int, ...] = (header_number,)
    sub = None
    data_start = header_index + 1
    if data_start < len(rows) and _is_sub_header(rows[data_start][1], mappings):
        header_rows = (header_number, rows[data_start][0])
        sub = rows[data_start][1]
        data_start += 1
    all_columns = _resolve_columns(headings, sub, mappings)
    if merges:
        _fill_merges(rows, merges, header_rows[-1])

    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    for column in all_columns:
        if column.field is None:
            continue
        if column.field in columns:
            first = all_columns[columns[column.field]]
            if mapping_key(first.heading) == column.key:
                raise RegisterImportError(
                    f"Row {header_number} has two columns for {FIELD_TITLES[column.field]} "
                    f'("{titles[column.field]}" and "{column.heading}"). Remove one and upload it again.'
                )
            column.field, column.source = None, SECOND  # shown on the preview, where the lead can map it
            continue
        columns[column.field] = column.index
        titles[column.field] = column.heading

    has_type = "interest_type" in columns or any(t in columns for t in TICK_FIELDS)
    has_description = any(f in columns for f in ("description", "organisation", "role"))
    missing = [
        FIELD_TITLES[f]
        for f, present in (("name", "name" in columns), ("interest_type", has_type), ("description", has_description))
        if not present
    ]
    # Columns without a heading that hold data cannot be read either: say so.
    data_rows = rows[data_start:]
    for column in all_columns:
        if column.source == UNNAMED and not any(
            column.index < len(values) and _cell_text(values[column.index]) for _, values in data_rows
        ):
            column.source = "empty"
    all_columns = [c for c in all_columns if c.source != "empty"]
    ignored = [c.heading or f"column {c.letter}" for c in all_columns if c.field is None]
    parsed = ParsedRegister(
        filename=filename,
        layout=NHS_TEMPLATE,
        columns=titles,
        ignored_columns=ignored,
        rows=[],
        sheet=sheet,
        all_columns=all_columns,
        header_rows=header_rows,
    )
    if missing:
        if not parsed.mappable_columns:
            raise RegisterImportError(
                f'The file has no "{missing[0]}" column. Row {header_number} should have '
                f"the headings {_expected_headings()}."
            )
        parsed.missing = missing  # the lead can say which column holds it on the preview
        return parsed
    written = {_cell_text(h).strip().lower() for h in headings}
    if {"member_id", "interest_type"} <= written:
        parsed.layout = SCREENING_CONTRACT

    unread = [c for c in all_columns if c.field is None]
    for number, values in data_rows:
        cells = {name: (values[i] if i < len(values) else None) for name, i in columns.items()}
        if all(_cell_text(v) == "" for v in cells.values()):
            # blank as far as the register goes; say so if it has text in columns that are not read
            where = [c.label for c in unread if c.index < len(values) and _cell_text(values[c.index])]
            if where:
                parsed.unread_rows.append(
                    f"Row {number} was not read: it has text only in "
                    f"{', '.join(where[:3])}{' ...' if len(where) > 3 else ''}, "
                    "which the import does not read"
                )
            continue
        parsed.rows.append(_parse_row(number, cells, titles))
    if len(parsed.rows) > MAX_ROWS:
        raise RegisterImportError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
    if not parsed.rows:
        raise RegisterImportError("The file has headings but no rows of interests.")
    return parsed


# Where a field's text came from when the file has no column of its own for it.
_STAND_INS = {"description": ("organisation", "role"), "date_from": ("date_range",), "date_to": ("date_range",)}


def _column_title(titles: dict[str, str], name: str) -> str:
    for candidate in (name, *_STAND_INS.get(name, ())):
        if candidate in titles:
            return titles[candidate]
    return FIELD_TITLES[name]


def _problem(row: PreviewRow, titles: dict[str, str], name: str, message: str) -> None:
    row.problems.append(f'row {row.number}, column "{_column_title(titles, name)}": {message}')


def _is_ticked(text: str) -> Optional[bool]:
    """True for X, Y, Yes, ✓ ...; False for blank, No, N, 0; None for anything else."""
    words = _norm_words(text) or text.strip().lower()
    if words in UNTICK_WORDS:
        return False
    if words in TICK_WORDS or text.strip().lower() in TICK_WORDS:
        return True
    return None


def _parse_row(number: int, cells: dict, titles: dict[str, str]) -> PreviewRow:
    row = PreviewRow(number=number)
    text = {name: _cell_text(value) for name, value in cells.items()}
    row.name = " ".join(text.get("name", "").split())
    row.position = " ".join(text.get("position", "").split())
    row.description = text.get("description", "")
    row.mitigation = text.get("mitigation", "")
    row.member_id = text.get("member_id", "")[:50]
    row.organisation = " ".join(text.get("organisation", "").split())
    row.role = " ".join(text.get("role", "").split())
    row.type_text = text.get("interest_type", "")

    # The NHS template's "Declared Interest (Name of the organisation and nature of business)" and a trust's
    # "Nature of interest" stand in for the description when there is none; text too long for the organisation
    # or role is kept in the description rather than refused.
    if len(row.role) > MAX_TEXT["role"]:
        row.description = "\n".join(t for t in (row.description, row.role) if t)
        row.role = ""
    if len(row.organisation) > MAX_TEXT["organisation"]:
        row.description = "\n".join(t for t in (row.organisation, row.description) if t)
        row.organisation = ""
    if not row.description.strip():
        row.description = row.organisation or row.role
    comments = text.get("comments", "")
    if comments:
        row.mitigation = "\n".join(t for t in (row.mitigation, f"Comments: {comments}") if t)
    for name, limit in MAX_TEXT.items():
        if len(getattr(row, name)) > limit:
            _problem(row, titles, name, f"longer than {limit:,} characters")

    if not row.name:
        _problem(row, titles, "name", "enter the person's name")

    ticked: list[str] = []
    for tick, kind in TICK_FIELDS.items():
        if tick not in cells:
            continue
        state = _is_ticked(text[tick])
        if state is None:
            _problem(
                row,
                titles,
                tick,
                f'"{text[tick][:30]}" is not a tick: mark the type of interest with X or leave it blank',
            )
        elif state:
            ticked.append(kind)

    nil_text = is_nil_text(row.description)
    if row.type_text:
        kind = normalise_interest_type(row.type_text)
        if kind is None:
            if is_nil_text(row.type_text) and nil_text:
                row.nil = True
            else:
                _problem(
                    row, titles, "interest_type", f'"{row.type_text[:60]}" is not a type of interest ({TYPE_HINT})'
                )
        else:
            row.interest_type = kind
    elif ticked:
        row.type_text = ", ".join(FIELD_TITLES[t] for t, k in TICK_FIELDS.items() if k in ticked)
        if InterestType.indirect.value in ticked:
            row.interest_type = InterestType.indirect.value
        else:
            row.interest_type = ticked[0]  # financial, then professional, then personal
        if len(ticked) > 1:
            row.notes.append(
                f"Row {number}: {row.type_text} are ticked; imported as "
                f"{row.interest_type.replace('-', ' ').capitalize()} (one type per entry)"
            )
    elif nil_text and not row.problems:
        row.nil = True
    elif not any(tick in cells and _is_ticked(text[tick]) is None for tick in TICK_FIELDS):
        where = "interest_type" if "interest_type" in titles else next(t for t in TICK_FIELDS if t in titles)
        _problem(
            row,
            titles,
            where,
            (f"enter the type of interest ({TYPE_HINT})" if where == "interest_type" else "tick the type of interest")
            + ', or write "Nil" in the description for a nil return',
        )
    if "directness" in cells and not row.nil:
        words = _norm_words(text["directness"])
        if words.startswith("indirect"):
            if row.interest_type and row.interest_type != InterestType.indirect.value:
                row.notes.append(f"Row {number}: marked indirect, so imported as an indirect interest")
            row.interest_type = InterestType.indirect.value
        elif words not in {"", "direct"}:
            _problem(row, titles, "directness", f'"{text["directness"][:30]}" is not Direct or Indirect')
    if row.interest_type and _norm_words(row.description) in NIL_WORDS | {""}:
        _problem(row, titles, "description", "enter a description of the interest")

    if not row.nil:
        for name in ("date_from", "date_to"):
            if name not in cells:
                continue
            try:
                setattr(
                    row, name, parse_date(cells[name], ongoing_ok=(name == "date_to"), month_end=(name == "date_to"))
                )
            except ValueError as error:
                _problem(row, titles, name, str(error))
        if "date_range" in cells:
            try:
                start, end = parse_date_range(cells["date_range"])
            except ValueError as error:
                _problem(row, titles, "date_range", str(error))
            else:
                row.date_from = row.date_from or start
                row.date_to = row.date_to or end
        if row.date_from and row.date_to and row.date_to < row.date_from:
            where = "date_to" if "date_to" in titles else "date_range"
            _problem(row, titles, where, "the interest cannot end before it started (Date from)")
    if row.interest_type == InterestType.indirect.value:
        row.relationship = find_relationship(row.description)
        if not row.relationship:
            _problem(
                row,
                titles,
                "description",
                "for an indirect interest, say who holds it and their relationship "
                '(for example "Spouse: partner at ... practice")',
            )
    return row


def normalise_interest_type(text: str) -> Optional[str]:
    """An InterestType value from the NHS template's wording or the contract's exact strings, or None."""
    words = _norm_words(text).replace("nonfinancial", "non financial")
    if words.startswith("indirect"):
        return InterestType.indirect.value  # "Indirect interests", "Indirect – financial"...
    words = " ".join(re.sub(r"\b(interests?|direct)\b", " ", words).split())
    return {
        "financial": InterestType.financial.value,
        "non financial professional": InterestType.professional.value,
        "professional": InterestType.professional.value,
        "non financial personal": InterestType.personal.value,
        "personal": InterestType.personal.value,
        "indirect": InterestType.indirect.value,
    }.get(words)


def find_relationship(description: str) -> str:
    """The first relationship word in an indirect interest's description ("wife", "business partner"...)."""
    lowered = (description or "").lower()
    best: Optional[tuple[int, int, str]] = None
    for word in RELATIONSHIP_WORDS:
        match = re.search(rf"\b{re.escape(word)}\b", lowered)
        if match and (best is None or (match.start(), -len(word)) < (best[0], best[1])):
            best = (match.start(), -len(word), word)
    return best[2] if best else ""


def parse_date(value, ongoing_ok: bool = False, month_end: bool = False) -> Optional[date]:
    """ISO, DD/MM/YYYY (also with - or .), D Month YYYY, Month YYYY, or a real spreadsheet date. Blank is None;
    with `ongoing_ok`, so are "Ongoing", "Present" and the like. "March 2024" is the 1st of the month, or the
    last day with `month_end` (an interest that ended in March 2024 was current all that month)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 18264 <= value <= 73051:  # 1950 to 2100 as a spreadsheet serial number (days since 1899-12-30)
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        raise ValueError(f"not a date ({DATE_HINT})")
    text = " ".join(str(value or "").split())
    if not text or (ongoing_ok and _norm_words(text) in ONGOING_WORDS):
        return None
    problem = f'"{text[:40]}" is not a date ({DATE_HINT})'
    parts: Optional[tuple[int, int, int]] = None
    midnight = r"(?:[ T]00:00(?::00)?)?"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})" + midnight, text):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})" + midnight, text):
        parts = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
    elif m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]+)\.?,?[ \-](\d{4})", text):
        month = MONTHS.get(m.group(2).lower())
        if month is None:
            raise ValueError(problem)
        parts = (int(m.group(3)), month, int(m.group(1)))
    elif m := re.fullmatch(r"([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})", text):
        month = MONTHS.get(m.group(1).lower())
        if month is None:
            raise ValueError(problem)
        parts = (int(m.group(3)), month, int(m.group(2)))
    elif m := re.fullmatch(r"([A-Za-z]+)\.?,?[ \-](\d{4})", text):
        month = MONTHS.get(m.group(1).lower())
        if month is None:
            raise ValueError(problem)
        year = int(m.group(2))
        day = calendar.monthrange(year, month)[1] if month_end and 1900 <= year <= 2100 else 1
        parts = (year, month, day)
    if parts is None:
        raise ValueError(problem)
    year, month, day = parts
    if not 1900 <= year <= 2100:
        raise ValueError(f'"{text[:40]}" has a year outside 1900 to 2100 ({DATE_HINT})')
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f'"{text[:40]}" is not a real date ({DATE_HINT})') from None


def parse_date_range(value) -> tuple[Optional[date], Optional[date]]:
    """One cell holding both dates: "01/04/2019 - 31/03/2021", "April 2019 to present", "From 3 May 2020"."""
    if isinstance(value, (date, int, float)) and not isinstance(value, bool):
        return parse_date(value), None
    text = " ".join(str(value or "").split())
    text = re.sub(r"^(?:from|since)\s+", "", text, flags=re.IGNORECASE)
    parts = re.split(r"\s+(?:-|–|—|to|until|till)\s+", text, maxsplit=1, flags=re.IGNORECASE)
    start = parse_date(parts[0], ongoing_ok=True)
    end = None
    if len(parts) > 1 and _norm_words(parts[1]) != "date":  # "1 April 2019 to date"
        end = parse_date(parts[1], ongoing_ok=True, month_end=True)
    return start, end


# --- Planning and writing ---------------------------------------------------------------------------------

ADD = "add"
NIL = "nil"
DUPLICATE = "duplicate"  # already on the register
REPEATED = "repeated"  # the same interest appears earlier in the file
NIL_SKIPPED = "nil-skipped"  # the person has current interests, so a nil return would be wrong
NIL_DONE = "nil-done"  # a nil return as of today is already recorded
NEAR_DUPLICATE = "near-duplicate"  # closely matches an interest the person already has: added only if ticked
AMBIGUOUS = "ambiguous"
PROBLEM = "problem"
WRITES = {ADD, NIL}


@dataclass
class RowPlan:
    row: PreviewRow
    outcome: str  # one of the constants above
    person_id: Optional[int] = None  # None: a person will be created
    message: str = ""  # what will happen, in words
    similar: Optional[Interest] = None  # NEAR_DUPLICATE: the interest on the register it resembles
    similarity: float = 0.0
    added_anyway: bool = False  # a NEAR_DUPLICATE the lead asked to add

    @property
    def writes(self) -> bool:
        return self.outcome in WRITES


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    new_people: list[str]  # names of people who will be created (no account)
    columns: tuple = ()  # (field, heading) pairs read: a changed column choice changes the digest

    def count(self, *outcomes: str) -> int:
        return sum(1 for p in self.rows if p.outcome in outcomes)

    @property
    def to_write(self) -> int:
        return self.count(*WRITES)

    @property
    def near_duplicates(self) -> list[RowPlan]:
        return [p for p in self.rows if p.outcome == NEAR_DUPLICATE or p.added_anyway]

    def add_anyway(self, row_numbers: Iterable) -> list[int]:
        """Add the likely duplicates in these rows after all (the lead ticked them). Call after `digest`.
        Numbers that are not a likely duplicate's row are ignored. Returns the rows switched to ADD."""
        wanted = {int(n) for n in row_numbers if str(n).strip().isdigit()}
        switched = []
        for p in self.rows:
            if p.outcome == NEAR_DUPLICATE and p.row.number in wanted:
                p.outcome, p.added_anyway = ADD, True
                p.message = f"Add interest for {p.row.name} (you chose to add it beside the similar one)"
                switched.append(p.row.number)
        return switched

    def digest(self) -> str:
        """Changes when what the import would do changes (shown in the preview, checked on confirm)."""
        import hashlib

        body = "|".join(f"{p.row.number}:{p.outcome}:{p.person_id}" for p in self.rows) + repr(self.columns)
        return hashlib.sha256(body.encode()).hexdigest()[:32]


@dataclass
class ImportResult:
    people_created: int = 0
    interests_added: int = 0
    nil_returns: int = 0
    already_on_register: int = 0  # including rows repeated within the file
    nil_not_recorded: int = 0
    rows_with_problems: int = 0
    likely_duplicates_skipped: int = 0
    likely_duplicates_added: int = 0
    positions_filled: int = 0
    audit_event_id: Optional[int] = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "audit_event_id"}


def name_key(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _description_key(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _interest_key(person_id, interest_type: str, description: str, date_from: Optional[date]) -> tuple:
    return (person_id, interest_type, _description_key(description), date_from)


# Likely duplicates: an imported entry whose words closely match an interest the person already has. The texts
# are compared after lower-casing, dropping punctuation and little words ("at", "of", "the") and writing
# "Limited" as "Ltd", with RapidFuzz's token_sort_ratio (word order does not matter; 0 to 100).
# "GP Partner, St James Medical Centre, Croydon" and "GP partner at St James Medical Centre, Croydon" score 100;
# "Partner, St James Medical Centre" and "Partner, St Johns Medical Centre" score 90 and are different
# practices, so the line is drawn just above that. A false alarm costs the lead one tick; a miss, a duplicate.
NEAR_DUPLICATE_SCORE = 92
_LITTLE_WORDS = {"a", "an", "and", "at", "for", "in", "of", "on", "the", "to", "with", "as", "is", "by"}
_SAME_WORDS = {
    "limited": "ltd",
    "centre": "center",
    "co": "company",
    "plc": "plc",
    "dr": "dr",
    "doctor": "dr",
    "drs": "dr",
    "saint": "st",
    "surgery": "surgery",
    "practise": "practice",
}


def similarity_text(text: str) -> str:
    words = re.sub(r"[\W_]+", " ", (text or "").lower().replace("&", " and ")).split()
    return " ".join(_SAME_WORDS.get(w, w) for w in words if w not in _LITTLE_WORDS)


def similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    left, right = similarity_text(a), similarity_text(b)
    if not left or not right:
        return 0.0
    return float(fuzz.token_sort_ratio(left, right))


def _entry_text(description: str, organisation: str) -> str:
    """An entry's words for comparison: the description, with the organisation if it does not already say it."""
    if organisation and organisation.lower() not in (description or "").lower():
        return f"{description} {organisation}"
    return description or ""


REGISTER_IMPORT_LOCK = 7_300_002  # PostgreSQL advisory-lock key that serialises confirmed imports


def lock_for_import(session: Session) -> None:
    """Before planning an import that will be applied: wait for any other import to commit, so this plan sees
    its rows as already on the register. Without it two leads importing overlapping files at the same moment
    on PostgreSQL would both plan to add the same interests; on SQLite the write transaction already waits."""
    serialise_on_postgresql(session, REGISTER_IMPORT_LOCK)


def plan_import(session: Session, parsed: ParsedRegister, today: Optional[date] = None) -> ImportPlan:
    """What `apply_import` would do with each row, without writing anything."""
    today = today or date.today()
    people: dict[str, list[Person]] = {}
    for person in session.exec(select(Person)):
        people.setdefault(name_key(person.full_name), []).append(person)
    wanted_ids = {p.id for r in parsed.rows for p in people.get(name_key(r.name), [])}
    existing: set[tuple] = set()
    current: set[int] = set()
    held: dict[int, list[Interest]] = {}
    if wanted_ids:
        for interest in session.exec(select(Interest).where(Interest.person_id.in_(wanted_ids)).order_by(Interest.id)):
            held.setdefault(interest.person_id, []).append(interest)
            existing.add(
                _interest_key(interest.person_id, interest.interest_type, interest.description, interest.date_from)
            )
            if interest.date_to is None or interest.date_to >= today:
                current.add(interest.person_id)
        nil_today = set(
            session.exec(
                select(DeclarationReturn.person_id).where(
                    DeclarationReturn.person_id.in_(wanted_ids),
                    DeclarationReturn.kind == ReturnKind.nil.value,
                    DeclarationReturn.as_of == today,
                )
            )
        )
    else:
        nil_today = set()

    plans: list[RowPlan] = []
    seen: dict[tuple, int] = {}
    new_people: dict[str, tuple[int, str]] = {}  # name key -> (first row, name as written)
    will_have_current: set = set()  # person ids, or name keys of people to be created
    unsettled: set[str] = set()  # names with a row not imported: a nil return for them could be wrong
    for row in parsed.rows:
        if row.problems:
            plans.append(RowPlan(row, PROBLEM, message="Not imported: fix the problem in the file"))
            if not row.nil:
                unsettled.add(name_key(row.name))
            continue
        key = name_key(row.name)
        matches = people.get(key, [])
        if len(matches) > 1:
            plans.append(
                RowPlan(
                    row,
                    AMBIGUOUS,
                    message=f"Not imported: {len(matches)} people on the register are "
                    f"called {row.name}; add this row by hand",
                )
            )
            unsettled.add(key)
            continue
        person_id = matches[0].id if matches else None
        who = person_id if person_id is not None else key
        if row.nil:
            plans.append(RowPlan(row, NIL, person_id))
            continue
        ikey = _interest_key(who, row.interest_type, row.description, row.date_from)
        if person_id is not None and ikey in existing:
            plans.append(RowPlan(row, DUPLICATE, person_id, "Skipped: already on the register"))
            continue
        if ikey in seen:
            plans.append(RowPlan(row, REPEATED, person_id, f"Skipped: the same interest as row {seen[ikey]}"))
            continue
        seen[ikey] = row.number
        if row.date_to is None or row.date_to >= today:
            will_have_current.add(who)
        if person_id is not None and held.get(person_id):
            text = _entry_text(row.description, row.organisation)
            score, like = max(
                ((similarity(text, _entry_text(i.description, i.organisation_text)), i) for i in held[person_id]),
                key=lambda pair: pair[0],
            )
            if score >= NEAR_DUPLICATE_SCORE:
                dates = ""
                if like.date_from:
                    dates = f", from {like.date_from.strftime('%-d %b %Y')}"
                if like.date_to:
                    dates += f" to {like.date_to.strftime('%-d %b %Y')}"
                plans.append(
                    RowPlan(
                        row,
                        NEAR_DUPLICATE,
                        person_id,
                        f'Not added: likely a duplicate of "{like.description[:200]}"{dates}, '
                        f"already on the register for {row.name}",
                        similar=like,
                        similarity=score,
                    )
                )
                continue
        if person_id is None:
            new_people.setdefault(key, (row.number, row.name))
        what = "ended interest" if row.date_to and row.date_to < today else "interest"
        plans.append(
            RowPlan(
                row,
                ADD,
                person_id,
                f"Add {what} for {row.name}" + ("" if person_id is not None else " (new person, no account)"),
            )
        )

    nil_planned: set = set()
    for plan in plans:
        if plan.outcome != NIL:
            continue
        key = name_key(plan.row.name)
        who = plan.person_id if plan.person_id is not None else key
        if who in current or who in will_have_current:
            plan.outcome = NIL_SKIPPED
            plan.message = f"No nil return: {plan.row.name} has current interests on the register"
        elif key in unsettled:
            plan.outcome = NIL_SKIPPED
            plan.message = f"No nil return: another row for {plan.row.name} has a problem to fix first"
        elif who in nil_today or who in nil_planned:
            plan.outcome = NIL_DONE
            plan.message = "Skipped: a nil return as of today is already recorded"
        else:
            nil_planned.add(who)
            if plan.person_id is None:
                new_people.setdefault(key, (plan.row.number, plan.row.name))
            plan.message = f"Record a nil return for {plan.row.name}" + (
                "" if plan.person_id is not None else " (new person, no account)"
            )
    return ImportPlan(
        plans, [name for _, name in sorted(new_people.values())], columns=tuple(sorted(parsed.columns.items()))
    )


def _fill_position(session: Session, person_id: int, position: str, actor_id: Optional[int]) -> bool:
    """An existing person with no position on record takes the one in the file; a different recorded position is
    kept (the file may be older than the register)."""
    position = " ".join((position or "").split())
    person = session.get(Person, person_id)
    if not position or person is None or (person.position or "").strip():
        return False
    person.position = position
    session.add(person)
    session.flush()
    audit.record(
        session,
        "person.updated",
        actor_id=actor_id,
        object_type="person",
        object_id=person.id,
        detail={"before": {"position": ""}, "after": {"position": position}, "imported": True},
    )
    return True


def _create_person(session: Session, row: PreviewRow, actor_id: Optional[int]) -> Person:
    """Someone on the old register with no account yet: no email, no password (cannot sign in)."""
    person = Person(email=None, full_name=row.name, position=row.position, decision_maker=True, password_hash=None)
    session.add(person)
    session.flush()
    session.add(RoleGrant(person_id=person.id, role=Role.member.value))
    audit.record(
        session,
        "person.created",
        actor_id=actor_id,
        object_type="person",
        object_id=person.id,
        detail={"imported": True, "roles": [Role.member.value]},
    )
    return person


def _declared_at(row: PreviewRow) -> datetime:
    # The old register knew of the interest; when exactly is unknown. Dating the declaration from the
    # start of the interest avoids reporting every imported interest as a late declaration.
    if row.date_from and row.date_from <= date.today():
        return datetime.combine(row.date_from, time(0), tzinfo=timezone.utc)
    return utcnow()


def apply_import(
    session: Session, parsed: ParsedRegister, actor_id: Optional[int], plan: Optional[ImportPlan] = None
) -> ImportResult:
    """Write the rows without problems, in the caller's transaction (the caller commits or rolls back).

    People are matched by full name (case-insensitive), or created without an account; interests go through
    interests.declare_interest (history and audit rows); a nil return is recorded only for someone with no
    current interests. One `register.imported` audit event records the counts.
    """
    today = date.today()
    plan = plan or plan_import(session, parsed, today)
    result = ImportResult()
    created: dict[str, int] = {}
    positioned: set[int] = set()

    def person_for(row_plan: RowPlan) -> int:
        if row_plan.person_id is not None:
            if row_plan.person_id not in positioned and row_plan.row.position:
                positioned.add(row_plan.person_id)
                if _fill_position(session, row_plan.person_id, row_plan.row.position, actor_id):
                    result.positions_filled += 1
            return row_plan.person_id
        key = name_key(row_plan.row.name)
        if key not in created:
            created[key] = _create_person(session, row_plan.row, actor_id).id
            result.people_created += 1
        return created[key]

    for row_plan in plan.rows:
        row = row_plan.row
        if row_plan.outcome == ADD:
            org = directory.resolve_organisation(session, row.organisation) if row.organisation else None
            interests.declare_interest(
                session,
                person_for(row_plan),
                actor_id=actor_id,
                declared_at=_declared_at(row),
                interest_type=row.interest_type,
                description=row.description.strip(),
                date_from=row.date_from,
                date_to=row.date_to,
                mitigation=row.mitigation.strip(),
                organisation_id=org.id if org else None,
                organisation_text="" if org else row.organisation,
                role=row.role,
                relationship=row.relationship,
            )
            result.interests_added += 1
            if row_plan.added_anyway:
                result.likely_duplicates_added += 1
        elif row_plan.outcome == NEAR_DUPLICATE:
            result.likely_duplicates_skipped += 1
        elif row_plan.outcome in {DUPLICATE, REPEATED, NIL_DONE}:
            result.already_on_register += 1
        elif row_plan.outcome == NIL_SKIPPED:
            result.nil_not_recorded += 1
        elif row_plan.outcome in {PROBLEM, AMBIGUOUS}:
            result.rows_with_problems += 1
    for row_plan in plan.rows:  # after the interests, so "no current interests" is checked on the final state
        if row_plan.outcome != NIL:
            continue
        person_id = person_for(row_plan)
        if returns.current_interests(session, person_id, today):
            result.nil_not_recorded += 1
            continue
        returns.make_return(session, person_id, ReturnKind.nil.value, today, actor_id)
        result.nil_returns += 1
    event = audit.record(
        session,
        "register.imported",
        actor_id=actor_id,
        object_type="register",
        detail={
            "file": parsed.filename,
            "layout": parsed.layout,
            "rows": len(parsed.rows),
            "columns": {f: h for f, h in parsed.columns.items()},
            "not_read": parsed.ignored_columns,
            "likely_duplicates_added_rows": [p.row.number for p in plan.rows if p.added_anyway],
            **result.as_dict(),
        },
    )
    session.flush()
    result.audit_event_id = event.id
    return result


def describe(result: ImportResult) -> str:
    """One sentence for the confirmation banner."""
    parts = [f"{result.interests_added} interest{'s' if result.interests_added != 1 else ''} added"]
    if result.nil_returns:
        parts.append(f"{result.nil_returns} nil return{'s' if result.nil_returns != 1 else ''} recorded")
    if result.people_created:
        parts.append(
            f"{result.people_created} new {'people' if result.people_created != 1 else 'person'} (without an account)"
        )
    if result.already_on_register:
        parts.append(f"{result.already_on_register} already on the register")
    if result.likely_duplicates_skipped:
        n = result.likely_duplicates_skipped
        parts.append(f"{n} likely duplicate{'s' if n != 1 else ''} not added")
    if result.rows_with_problems:
        parts.append(f"{result.rows_with_problems} rows with problems not imported")
    return "Register imported: " + ", ".join(parts)


def iter_problems(parsed: ParsedRegister) -> Iterable[str]:
    for row in parsed.rows:
        yield from row.problems
