"""Import an existing register of interests from CSV or XLSX, with a preview before anything is written.

Two layouts are recognised from the headings (case, spacing and punctuation do not matter):
- the NHS register template: Name; Position; Type of interest; Description; Date from; Date to; Action taken
  (with common variants such as "Description of interest" or "Action taken to mitigate risk"), which is also
  the layout of this register's own published CSV and Excel exports;
- the screening contract's register.csv: member_id, name, position, interest_type, description, date_from,
  date_to (extra columns ignored; a blank interest_type is a nil return).

`parse_register` reads the file and reports every row's problems, naming the row and column, without touching
the database; whole-file problems raise RegisterImportError. `plan_import` says what would happen to each row
(read-only, for the preview) and `apply_import` writes it in the caller's transaction. Rows with problems are
never written, and re-importing a file does not duplicate interests.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import PurePath
from typing import Iterable, Optional

from sqlmodel import Session, select

from registry.db import serialise_on_postgresql
from registry.models import (DeclarationReturn, Interest, InterestType, Person, ReturnKind, Role, RoleGrant,
                             utcnow)
from registry.services import audit, directory, interests, returns
from registry.services.publication import xml_safe

MAX_FILE_BYTES = 5 * 1024 * 1024  # a register of a few thousand rows is well under 1 MB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # an XLSX is a zip: refuse a "zip bomb" before opening it
MAX_ROWS = 5000  # data rows
MAX_PHYSICAL_ROWS = 100_000  # including blank ones (spreadsheets often carry thousands of empty formatted rows)
MAX_COLUMNS = 100
HEADER_SEARCH_ROWS = 10  # the headings may sit below a title row (as in the published exports)
MAX_TEXT = {"name": 200, "position": 200, "description": 4000, "mitigation": 4000, "organisation": 300, "role": 100}

NHS_TEMPLATE = "NHS register template"
SCREENING_CONTRACT = "screening register.csv"

FIELD_TITLES = {
    "name": "Name", "position": "Position", "interest_type": "Type of interest", "description": "Description",
    "date_from": "Date from", "date_to": "Date to", "mitigation": "Action taken", "member_id": "member_id",
    "organisation": "Organisation", "role": "Nature of interest",
}
REQUIRED_FIELDS = ("name", "interest_type", "description")

# Normalised heading -> field. Headings are compared lower-cased with punctuation and spacing collapsed.
HEADINGS = {
    "name": ["name", "full name", "member name", "name of member", "name of person", "member", "person"],
    "position": ["position", "position held", "job title", "position with the commissioner", "role with the commissioner",
                 "position role", "position or role", "position within the organisation", "current position"],
    "interest_type": ["type of interest", "interest type", "type", "type of interests", "category",
                      "category of interest", "nature of interest type"],
    "description": ["description", "description of interest", "description of interests", "details",
                    "details of interest", "details of the interest", "description of the interest",
                    "interest description", "interest", "interest declared"],
    "date_from": ["date from", "from", "start date", "date interest arose", "date of interest from", "from date",
                  "date started", "valid from", "date interest started"],
    "date_to": ["date to", "to", "end date", "date interest ceased", "to date", "date ended", "valid to",
                "date interest ended"],
    "mitigation": ["action taken", "action taken to mitigate risk", "action taken to mitigate the risk",
                   "actions taken to mitigate risk", "action to mitigate risk", "mitigation", "mitigating action",
                   "mitigating actions", "action taken to mitigate", "actions taken", "management action",
                   "action taken to manage the conflict"],
    "member_id": ["member id", "member no", "member number"],
    "organisation": ["organisation", "organisation name"],
    "role": ["nature of interest"],
}
_HEADING_TO_FIELD = {h: f for f, names in HEADINGS.items() for h in names}

TYPE_HINT = "use Financial, Non-financial professional, Non-financial personal or Indirect"
DATE_HINT = "use YYYY-MM-DD or DD/MM/YYYY"
NIL_WORDS = {"nil", "nil return", "none", "no interests", "no interests to declare", "nothing to declare",
             "no declarations", "nil declaration", "none declared", "no interests declared", "n a", "na",
             "not applicable", "no relevant interests", "nil interests", "no interest to declare",
             "nothing to declare nil return", "nil to declare"}
ONGOING_WORDS = {"", "ongoing", "on going", "current", "present", "to date", "continuing", "n a", "na",
                 "not applicable", "-", "none"}
RELATIONSHIP_WORDS = ("civil partner", "business partner", "spouse", "wife", "husband", "partner", "son",
                      "daughter", "mother", "father", "brother", "sister", "parent", "child", "sibling",
                      "son-in-law", "daughter-in-law", "family member", "relative", "close associate", "friend")
MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
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

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ParsedRegister:
    filename: str
    layout: str  # NHS_TEMPLATE or SCREENING_CONTRACT
    columns: dict[str, str]  # field -> heading as written in the file
    ignored_columns: list[str]
    rows: list[PreviewRow]
    sheet: Optional[str] = None  # the worksheet read, for XLSX

    @property
    def problem_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.problems]

    @property
    def good_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if not r.problems]


# --- Reading ----------------------------------------------------------------------------------------------

def _norm_heading(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", str(text or "").lower()).split())


def _norm_words(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", (text or "").lower()).split())


def is_nil_text(text: str) -> bool:
    """Blank, or words that say there is nothing to declare ("Nil", "Nothing to declare", "Nil return: ...")."""
    words = _norm_words(text)
    return (not words or words in NIL_WORDS or words.startswith("nil ")
            or any(p in words for p in ("nothing to declare", "no interests", "no interest to declare",
                                        "no declarable", "no relevant interest")))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = xml_safe(str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()  # no NUL or other controls
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]  # our own exports neutralise formulas with a leading apostrophe
    return text


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    if b"\x00" in data[:4096]:
        raise RegisterImportError("The file is not a CSV file (it contains binary data). "
                                  "Upload a CSV or Excel (.xlsx) file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise RegisterImportError("The file's text is not in a recognised encoding. "
                                      "Save it as \"CSV UTF-8\" and upload it again.") from None
    first_line = text.split("\n", 1)[0]
    delimiter = "," if "," in first_line else ("\t" if "\t" in first_line else (";" if ";" in first_line else ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for number, record in enumerate(reader, start=1):
            _check_size(number, len(rows), "The file")
            if any(cell.strip() for cell in record):
                rows.append((number, record[:MAX_COLUMNS]))
    except csv.Error as error:
        raise RegisterImportError(f"Row {reader.line_num} of the file cannot be read as CSV ({error}). "
                                  "Check for a stray quotation mark.") from None
    return rows


def _check_size(physical_rows: int, kept_rows: int, what: str) -> None:
    if kept_rows > MAX_ROWS + HEADER_SEARCH_ROWS or physical_rows > MAX_PHYSICAL_ROWS:
        raise RegisterImportError(f"{what} has more than {MAX_ROWS:,} rows. Split it into smaller files.")


def _refuse_cfb(data: bytes) -> None:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise RegisterImportError("The file is password-protected. Remove the password in Excel "
                                      "(File, Info, Protect Workbook) and upload it again.")
        raise RegisterImportError("The file is an old Excel (.xls) workbook. Save it as .xlsx or CSV and "
                                  "upload it again.")


def _read_xlsx(data: bytes) -> tuple[str, list[tuple[int, list]]]:
    _refuse_cfb(data)
    if not data.startswith(b"PK\x03\x04"):
        raise RegisterImportError("The file is not a valid Excel (.xlsx) workbook. Upload a CSV or .xlsx file.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RegisterImportError("The file is not a valid Excel (.xlsx) workbook: it is damaged or incomplete.") from None
    if any(info.flag_bits & 0x1 for info in entries):
        raise RegisterImportError("The file is password-protected. Remove the password in Excel and upload it again.")
    if sum(info.file_size for info in entries) > MAX_UNZIPPED_BYTES or len(entries) > 10_000:
        raise RegisterImportError("The workbook is too large to import. Save the register sheet as CSV and "
                                  "upload that instead.")
    if "xl/workbook.xml" not in {info.filename for info in entries}:
        raise RegisterImportError("The file is not an Excel (.xlsx) workbook. Upload a CSV or .xlsx file.")

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on malformed XML
        raise RegisterImportError("The Excel workbook cannot be read: it is damaged, or was not saved by "
                                  "a spreadsheet program. Save it again as .xlsx or CSV.") from None
    try:
        first: Optional[tuple[str, list]] = None
        for sheet in book.worksheets:
            if not hasattr(sheet, "iter_rows"):
                continue  # a chart sheet
            rows = []
            sheet.reset_dimensions()  # some programs write a wrong <dimension>; read what is really there
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                _check_size(number, len(rows), f"The sheet \"{sheet.title}\"")
                if any(_cell_text(v) for v in values[:MAX_COLUMNS]):
                    rows.append((number, list(values[:MAX_COLUMNS])))
            if first is None:
                first = (sheet.title, rows)
            if _find_header(rows) is not None:
                return sheet.title, rows
        if first is None:
            raise RegisterImportError("The workbook has no worksheets.")
        return first
    except RegisterImportError:
        raise
    except Exception:
        raise RegisterImportError("The Excel workbook cannot be read: it is damaged. Save it again as .xlsx or CSV.") from None
    finally:
        book.close()


def _find_header(rows: list[tuple[int, list]]) -> Optional[int]:
    """Index into `rows` of the heading row: the first of the first few with a name column and two more we know."""
    for index, (_, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = [_HEADING_TO_FIELD.get(_norm_heading(_cell_text(v))) for v in values]
        if "name" in fields and len({f for f in fields if f}) >= 3:
            return index
    return None


def _expected_headings() -> str:
    return ("Name, Position, Type of interest, Description, Date from, Date to, Action taken (the NHS template) "
            "or member_id, name, position, interest_type, description, date_from, date_to")


def parse_register(filename: str, data: bytes) -> ParsedRegister:
    """Read a register from CSV or XLSX bytes. Never writes; raises RegisterImportError for a whole-file problem."""
    filename = PurePath((filename or "").replace("\\", "/")).name[:200] or "upload"
    if not data:
        raise RegisterImportError("The selected file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise RegisterImportError(f"The selected file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    suffix = PurePath(filename).suffix.lower()
    sheet = None
    if suffix in {".xlsx", ".xlsm"} or data.startswith(b"PK\x03\x04"):
        sheet, rows = _read_xlsx(data)
    elif suffix in {".xls"} or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        _refuse_cfb(data)
        raise RegisterImportError("The file is not a valid Excel workbook. Upload a CSV or .xlsx file.")
    elif suffix in {"", ".csv", ".txt", ".tsv"}:
        rows = _read_csv(data)
    else:
        raise RegisterImportError("The selected file must be a CSV or an Excel (.xlsx) file.")

    header_index = _find_header(rows)
    if header_index is None:
        raise RegisterImportError("The file's headings were not recognised. The first row should have the "
                                  f"headings {_expected_headings()}.")
    header_number, headings = rows[header_index]
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    ignored: list[str] = []
    raw = [_cell_text(h) for h in headings]
    for position, heading in enumerate(raw):
        key = _norm_heading(heading)
        name = _HEADING_TO_FIELD.get(key)
        if name is None:
            if heading:
                ignored.append(heading)
            continue
        if name in columns:
            raise RegisterImportError(f"Row {header_number} has two columns for {FIELD_TITLES[name]} "
                                      f"(\"{titles[name]}\" and \"{heading}\"). Remove one and upload it again.")
        columns[name] = position
        titles[name] = heading
    missing = [FIELD_TITLES[f] for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise RegisterImportError(f"The file has no \"{missing[0]}\" column. Row {header_number} should have the "
                                  f"headings {_expected_headings()}.")
    written = {h.strip().lower() for h in raw}
    layout = SCREENING_CONTRACT if {"member_id", "interest_type"} <= written else NHS_TEMPLATE

    out: list[PreviewRow] = []
    for number, values in rows[header_index + 1:]:
        cells = {name: (values[i] if i < len(values) else None) for name, i in columns.items()}
        if all(_cell_text(v) == "" for v in cells.values()):
            continue  # blank rows (and rows with only ignored columns) are not data
        out.append(_parse_row(number, cells, titles))
    if len(out) > MAX_ROWS:
        raise RegisterImportError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
    if not out:
        raise RegisterImportError("The file has headings but no rows of interests.")
    return ParsedRegister(filename=filename, layout=layout, columns=titles, ignored_columns=ignored, rows=out,
                          sheet=sheet)


def _problem(row: PreviewRow, titles: dict[str, str], name: str, message: str) -> None:
    row.problems.append(f"row {row.number}, column \"{titles.get(name, FIELD_TITLES[name])}\": {message}")


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
    for name, limit in MAX_TEXT.items():
        if len(getattr(row, name)) > limit:
            _problem(row, titles, name, f"longer than {limit:,} characters")

    if not row.name:
        _problem(row, titles, "name", "enter the person's name")

    nil_text = is_nil_text(row.description)
    if not row.type_text:
        if nil_text:
            row.nil = True
        else:
            _problem(row, titles, "interest_type", f"enter the type of interest ({TYPE_HINT}), "
                                                   "or write \"Nil\" in the description for a nil return")
    else:
        kind = normalise_interest_type(row.type_text)
        if kind is None:
            if is_nil_text(row.type_text) and nil_text:
                row.nil = True
            else:
                _problem(row, titles, "interest_type", f"\"{row.type_text[:60]}\" is not a type of interest ({TYPE_HINT})")
        else:
            row.interest_type = kind
            if _norm_words(row.description) in NIL_WORDS | {""}:
                _problem(row, titles, "description", "enter a description of the interest")

    for name in ("date_from", "date_to"):
        if name not in cells or row.nil:
            continue
        try:
            setattr(row, name, parse_date(cells[name], ongoing_ok=(name == "date_to")))
        except ValueError as error:
            _problem(row, titles, name, str(error))
    if row.date_from and row.date_to and row.date_to < row.date_from:
        _problem(row, titles, "date_to", "the interest cannot end before it started (Date from)")
    if row.interest_type == InterestType.indirect.value:
        row.relationship = find_relationship(row.description)
        if not row.relationship:
            _problem(row, titles, "description", "for an indirect interest, say who holds it and their relationship "
                                                 "(for example \"Spouse: partner at ... practice\")")
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


def parse_date(value, ongoing_ok: bool = False) -> Optional[date]:
    """ISO, DD/MM/YYYY (also with - or .), D Month YYYY, or a real spreadsheet date. Blank is None."""
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
    problem = f"\"{text[:40]}\" is not a date ({DATE_HINT})"
    parts: Optional[tuple[int, int, int]] = None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text):
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
    if parts is None:
        raise ValueError(problem)
    year, month, day = parts
    if not 1900 <= year <= 2100:
        raise ValueError(f"\"{text[:40]}\" has a year outside 1900 to 2100 ({DATE_HINT})")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"\"{text[:40]}\" is not a real date ({DATE_HINT})") from None


# --- Planning and writing ---------------------------------------------------------------------------------

ADD = "add"
NIL = "nil"
DUPLICATE = "duplicate"  # already on the register
REPEATED = "repeated"  # the same interest appears earlier in the file
NIL_SKIPPED = "nil-skipped"  # the person has current interests, so a nil return would be wrong
NIL_DONE = "nil-done"  # a nil return as of today is already recorded
AMBIGUOUS = "ambiguous"
PROBLEM = "problem"
WRITES = {ADD, NIL}


@dataclass
class RowPlan:
    row: PreviewRow
    outcome: str  # one of the constants above
    person_id: Optional[int] = None  # None: a person will be created
    message: str = ""  # what will happen, in words

    @property
    def writes(self) -> bool:
        return self.outcome in WRITES


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    new_people: list[str]  # names of people who will be created (no account)

    def count(self, *outcomes: str) -> int:
        return sum(1 for p in self.rows if p.outcome in outcomes)

    @property
    def to_write(self) -> int:
        return self.count(*WRITES)

    def digest(self) -> str:
        """Changes when what the import would do changes (shown in the preview, checked on confirm)."""
        import hashlib

        body = "|".join(f"{p.row.number}:{p.outcome}:{p.person_id}" for p in self.rows)
        return hashlib.sha256(body.encode()).hexdigest()[:32]


@dataclass
class ImportResult:
    people_created: int = 0
    interests_added: int = 0
    nil_returns: int = 0
    already_on_register: int = 0  # including rows repeated within the file
    nil_not_recorded: int = 0
    rows_with_problems: int = 0
    audit_event_id: Optional[int] = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "audit_event_id"}


def name_key(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _description_key(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _interest_key(person_id, interest_type: str, description: str, date_from: Optional[date]) -> tuple:
    return (person_id, interest_type, _description_key(description), date_from)


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
    if wanted_ids:
        for interest in session.exec(select(Interest).where(Interest.person_id.in_(wanted_ids))):
            existing.add(_interest_key(interest.person_id, interest.interest_type, interest.description,
                                       interest.date_from))
            if interest.date_to is None or interest.date_to >= today:
                current.add(interest.person_id)
        nil_today = set(session.exec(select(DeclarationReturn.person_id).where(
            DeclarationReturn.person_id.in_(wanted_ids), DeclarationReturn.kind == ReturnKind.nil.value,
            DeclarationReturn.as_of == today)))
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
            plans.append(RowPlan(row, AMBIGUOUS, message=f"Not imported: {len(matches)} people on the register are "
                                                         f"called {row.name}; add this row by hand"))
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
        if person_id is None:
            new_people.setdefault(key, (row.number, row.name))
        if row.date_to is None or row.date_to >= today:
            will_have_current.add(who)
        what = "ended interest" if row.date_to and row.date_to < today else "interest"
        plans.append(RowPlan(row, ADD, person_id, f"Add {what} for {row.name}" + (
            "" if person_id is not None else " (new person, no account)")))

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
                "" if plan.person_id is not None else " (new person, no account)")
    return ImportPlan(plans, [name for _, name in sorted(new_people.values())])


def _create_person(session: Session, row: PreviewRow, actor_id: Optional[int]) -> Person:
    """Someone on the old register with no account yet: no email, no password (cannot sign in)."""
    person = Person(email=None, full_name=row.name, position=row.position, decision_maker=True, password_hash=None)
    session.add(person)
    session.flush()
    session.add(RoleGrant(person_id=person.id, role=Role.member.value))
    audit.record(session, "person.created", actor_id=actor_id, object_type="person", object_id=person.id,
                 detail={"imported": True, "roles": [Role.member.value]})
    return person


def _declared_at(row: PreviewRow) -> datetime:
    # The old register knew of the interest; when exactly is unknown. Dating the declaration from the
    # start of the interest avoids reporting every imported interest as a late declaration.
    if row.date_from and row.date_from <= date.today():
        return datetime.combine(row.date_from, time(0), tzinfo=timezone.utc)
    return utcnow()


def apply_import(session: Session, parsed: ParsedRegister, actor_id: Optional[int],
                 plan: Optional[ImportPlan] = None) -> ImportResult:
    """Write the rows without problems, in the caller's transaction (the caller commits or rolls back).

    People are matched by full name (case-insensitive), or created without an account; interests go through
    interests.declare_interest (history and audit rows); a nil return is recorded only for someone with no
    current interests. One `register.imported` audit event records the counts.
    """
    today = date.today()
    plan = plan or plan_import(session, parsed, today)
    result = ImportResult()
    created: dict[str, int] = {}

    def person_for(row_plan: RowPlan) -> int:
        if row_plan.person_id is not None:
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
                session, person_for(row_plan), actor_id=actor_id, declared_at=_declared_at(row),
                interest_type=row.interest_type, description=row.description.strip(), date_from=row.date_from,
                date_to=row.date_to, mitigation=row.mitigation.strip(), organisation_id=org.id if org else None,
                organisation_text="" if org else row.organisation, role=row.role, relationship=row.relationship)
            result.interests_added += 1
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
    event = audit.record(session, "register.imported", actor_id=actor_id, object_type="register",
                         detail={"file": parsed.filename, "layout": parsed.layout, "rows": len(parsed.rows),
                                 **result.as_dict()})
    session.flush()
    result.audit_event_id = event.id
    return result


def describe(result: ImportResult) -> str:
    """One sentence for the confirmation banner."""
    parts = [f"{result.interests_added} interest{'s' if result.interests_added != 1 else ''} added"]
    if result.nil_returns:
        parts.append(f"{result.nil_returns} nil return{'s' if result.nil_returns != 1 else ''} recorded")
    if result.people_created:
        parts.append(f"{result.people_created} new {'people' if result.people_created != 1 else 'person'} "
                     "(without an account)")
    if result.already_on_register:
        parts.append(f"{result.already_on_register} already on the register")
    if result.rows_with_problems:
        parts.append(f"{result.rows_with_problems} rows with problems not imported")
    return "Register imported: " + ", ".join(parts)


def iter_problems(parsed: ParsedRegister) -> Iterable[str]:
    for row in parsed.rows:
        yield from row.problems
