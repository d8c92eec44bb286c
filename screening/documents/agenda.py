"""Read agenda items from the documents a committee secretary has.

:func:`read_agenda_document` accepts ``.csv``, ``.txt``/``.text``, ``.docx`` and
``.pdf`` files and returns the agenda items, in order, as :class:`ParsedItem`.
The type is decided by the extension *and* checked against the content: a file
whose content does not match its name is refused. Anything hostile or broken
is refused with :class:`DocumentError`, whose message is a sentence naming the
file that a committee secretary can act on.

Formats
-------
CSV
    A header row is required and must name ``item_id`` and ``title``;
    ``description`` is optional, other columns (``meeting_date`` …) are
    ignored. A few obvious header spellings are accepted (``Item No``,
    ``Subject``, ``Details`` …). Every row needs an item id and a title, and
    ids must be unique; otherwise the file is refused naming the row.
Plain text (:func:`parse_agenda_text`)
    One item per line. Leading numbering is kept as the item id:
    ``4.2 Title``, ``4.2. Title``, ``1.0 Title``, ``Item 6a: Title``,
    ``Item 6a – Title``, ``(6) Title``, ``6) Title``, ``A1 Title``,
    ``B7. Title``, ``12 Title``, and committee references such as
    ``24/031 Title`` or ``PCCC 24-25/031 Title``. A time in front (``10:00``, ``10.00am``,
    ``10:00–10:15``) is dropped. After the id, ``Title – description`` (a dash
    with spaces round it) splits the title from a description.

    *Numbered agendas*: when any line carries numbering, only numbered lines
    start items. Unnumbered lines before the first item (committee name,
    "Agenda", date, venue) are ignored; unnumbered lines after an item continue
    that item's description (wrapped text, presenters, papers), except short
    section headings such as "Part 2" or "Items for decision". Numbering must
    go forward: of the numbered lines, the longest increasing run of ids is
    kept and a line whose number goes backwards or repeats (a page number, a
    street number in the venue, "3 practices" at the start of a wrapped line)
    is read as ordinary text. A line with a number only (as PDF tables often
    give) takes the next line as its title. Numbering written without a
    separator (``12 Title``) needs the title to start with a capital letter.

    *Unnumbered agendas*: every line is an item, numbered 1, 2, 3 … in order;
    a line that is indented or starts with a lower-case letter continues the
    previous item's description. Preamble is skipped: everything up to an
    "Agenda" heading near the top, and, before the first item, date lines and
    ``Date:``/``Time:``/``Venue:`` lines. Blank lines are always ignored.
    Dates (``12 March 2024``, ``12/03/24``) are never read as numbered items.
Word (.docx)
    Read with python-docx, in document order. Paragraphs numbered by typing
    are read as text lines (above). Paragraphs numbered by Word's list
    numbering get the number Word displays, computed from the numbering
    definitions (``1``, ``2``, ``2.1``; a level shown without its parents, such
    as ``a.`` under item 6, becomes ``6a``). Bulleted paragraphs continue the
    previous item. Agenda tables are read row by row: a header row is found
    from its words (``Item``/``No.``/``Ref`` for the number; ``Title``/
    ``Subject``/``Item`` for the title; ``Description``/``Summary``/
    ``Purpose``/``Details`` for the description; ``Lead``, ``Time``, ``Paper``
    are ignored); without a header, a column that mostly holds item numbers is
    the number and the next column the title. A row without a number continues
    the previous item; a row spanning the whole table is a section heading.
    Two items with the same number are refused.
PDF
    Text is extracted page by page with pypdf and read as plain text; page
    numbers and running headers/footers repeated on several pages are dropped.
    PDFs protected by a password are refused; PDFs that only restrict
    printing or copying (empty user password) are read.

Text encodings
--------------
UTF-8 (with or without a byte-order mark) is tried first, then UTF-16 if the
file starts with its byte-order mark (Excel's "Unicode text"), then
Windows-1252 (what Excel on Windows writes for "CSV"; it covers £ and the
en dash). Text that decodes under none of these, or that contains control
characters, is refused as not being a text file.

Limits (module constants): file size ``max_bytes`` (10 MB by default);
.docx archives with more than :data:`MAX_ZIP_ENTRIES` parts, more than
:data:`MAX_UNCOMPRESSED_BYTES` when expanded, or a part compressed more than
:data:`MAX_COMPRESSION_RATIO` to 1 are refused before python-docx opens
them; PDFs with more than :data:`MAX_PDF_PAGES` pages, or more than
:data:`MAX_EXTRACTED_CHARS` characters of text, are refused.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Iterator

from .decoding import UndecodableText, decode_text

__all__ = [
    "DocumentError",
    "ParsedItem",
    "parse_agenda_text",
    "read_agenda_document",
    "MAX_ZIP_ENTRIES",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_COMPRESSION_RATIO",
    "MAX_PDF_PAGES",
    "MAX_EXTRACTED_CHARS",
    "MAX_LINES",
]

MAX_ZIP_ENTRIES = 1000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # only checked for parts over 1 MB expanded
MAX_PDF_PAGES = 200
MAX_EXTRACTED_CHARS = 2_000_000
MAX_LINES = 20_000  # non-blank lines, table rows or paragraphs; real agendas have a few hundred

SUPPORTED = ".docx, .pdf, .csv or .txt"


@dataclass(frozen=True)
class ParsedItem:
    """One agenda item as read from a document."""

    item_id: str
    title: str
    description: str = ""


class DocumentError(Exception):
    """A document that cannot be read; ``str()`` is a sentence naming the file."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------
# Entry point


def read_agenda_document(filename: str, data: bytes, max_bytes: int = 10 * 1024 * 1024) -> list[ParsedItem]:
    """Read the agenda items from an uploaded document.

    Raises :class:`DocumentError` for an empty, oversized, mislabelled,
    damaged, protected or hostile file, or one in which no items are found.
    """
    name = _display_name(filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("data must be bytes")
    data = bytes(data)
    if not data:
        raise DocumentError(f"The file '{name}' is empty.")
    if len(data) > max_bytes:
        raise DocumentError(
            f"The file '{name}' is {_size(len(data))}; the largest agenda file accepted is {_size(max_bytes)}."
        )

    ext = _extension(filename)
    kind = _sniff(data)
    if ext in (".csv", ".txt", ".text"):
        if kind not in ("text", "utf16"):
            raise DocumentError(
                f"The file '{name}' is named {ext} but is not a text file: it {_KIND_DESCRIPTION[kind]}."
            )
        text = _decode_text(name, data)
        _check_lines(name, text)
        items = _read_csv(name, text) if ext == ".csv" else parse_agenda_text(text)
        hint = "" if ext == ".csv" else ' Put one agenda item on each line, for example "1 Welcome and apologies".'
    elif ext == ".docx":
        if kind == "ole":
            raise DocumentError(
                f"The file '{name}' is either protected by a password or saved in the old Word (.doc) format. "
                "Remove the password or save it as a .docx file, and upload it again."
            )
        if kind != "zip":
            raise DocumentError(
                f"The file '{name}' is named .docx but is not a Word document: it {_KIND_DESCRIPTION[kind]}."
            )
        items = _read_docx(name, data)
        hint = " Number the agenda items or put them in a table with an item number column."
    elif ext == ".pdf":
        if kind != "pdf":
            raise DocumentError(
                f"The file '{name}' is named .pdf but is not a PDF document: it {_KIND_DESCRIPTION[kind]}."
            )
        items = _read_pdf(name, data)
        hint = " If it is a scanned image, upload the original Word document or a CSV file instead."
    elif ext == ".doc":
        raise DocumentError(
            f"The file '{name}' is in the old Word (.doc) format. Save it as a .docx or PDF file and upload it again."
        )
    else:
        shown = f"a {ext} file" if ext else "a file without an extension"
        raise DocumentError(f"The file '{name}' is {shown}; agenda files must be {SUPPORTED}.")

    if not items:
        raise DocumentError(f"No agenda items were found in '{name}'.{hint}")
    return items


def _too_long(name: str) -> DocumentError:
    return DocumentError(
        f"The file '{name}' has more than {MAX_LINES:,} lines, far more than an agenda; upload the agenda only."
    )


def _check_lines(name: str, text: str) -> None:
    if text.count("\n") > MAX_LINES and sum(1 for ln in text.splitlines() if ln.strip()) > MAX_LINES:
        raise _too_long(name)


# ---------------------------------------------------------------------------
# Names, sizes, sniffing, decoding


def _display_name(filename: str) -> str:
    base = re.split(r"[\\/]", str(filename or ""))[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "(unnamed file)"
    return base if len(base) <= 80 else base[:77] + "..."


def _extension(filename: str) -> str:
    base = re.split(r"[\\/]", str(filename or ""))[-1].strip().lower()
    return base[base.rfind(".") :] if "." in base.lstrip(".") else ""


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


_KIND_DESCRIPTION = {
    "pdf": "is a PDF document",
    "zip": "is a zip archive (such as a Word or Excel file)",
    "ole": "is an old-format Office file (such as a .doc or .xls) or a password-protected Office file",
    "rtf": "is a Rich Text (.rtf) file",
    "image": "is an image",
    "binary": "contains binary data",
    "text": "is a plain text file",
    "utf16": "is a plain text file",
}


def _sniff(data: bytes) -> str:
    head = data[:1024]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf16"
    if b"%PDF-" in head:
        return "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    if data[:5] == b"{\\rtf":
        return "rtf"
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff" or data[:4] in (b"GIF8", b"II*\x00", b"MM\x00*"):
        return "image"
    if b"\x00" in data[:65536]:
        return "binary"
    return "text"


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decode_text(name: str, data: bytes) -> str:
    try:
        text: str | None = decode_text(data)
    except UndecodableText:
        text = None
    if text is None or _CONTROL.search(text):
        raise DocumentError(
            f"The file '{name}' is not a readable text file. Save it as plain text (UTF-8) or CSV and upload it again."
        )
    return text


# ---------------------------------------------------------------------------
# Text cleaning and item numbering


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def _clean(text: str) -> str:
    text = text.translate(_ZERO_WIDTH).replace("\u00a0", " ").replace("\u2009", " ").replace("\u202f", " ")
    return " ".join(text.split())


_NUM_ID = r"\d{1,3}(?:\.\d{1,3})*[a-z]?"
_LETTER_ID = r"[A-Z]\d{1,3}(?:\.\d{1,3})*[a-z]?"
_REF_ID = r"(?:[A-Z]{2,6}[ /])?\d{2}(?:[-/]\d{2})?/\d{2,3}"  # committee references: 24/031, PCCC 24-25/031
_ID = rf"(?:{_REF_ID}|{_LETTER_ID}|{_NUM_ID})"
_ITEM_ID = rf"(?:{_ID}|[A-Z])"
_DASH = "-\u2013\u2014\u2012\u2212"
_ITEM_WORD = r"(?i:agenda\s+)?(?i:item)\b(?i:\s+(?:no\.?|number))?\s*"

_T_ANY = r"\d{1,2}[.:]\d{2}(?:\s*(?:am|pm|hrs))?"
_T_STRICT = r"\d{1,2}:\d{2}(?:\s*(?:am|pm|hrs))?|\d{1,2}[.:]\d{2}\s*(?:am|pm|hrs)|\d{1,2}\s*(?:am|pm)"
_TIME_LEAD = re.compile(rf"^(?:(?:{_T_ANY})\s*(?:[{_DASH}]|to)\s*(?:{_T_ANY})|{_T_STRICT})(?:\s+|$)", re.I)
_TIME_TAIL = re.compile(rf"\s+(?:(?:{_T_ANY})\s*(?:[{_DASH}]|to)\s*(?:{_T_ANY})|{_T_STRICT})$", re.I)

# Strong forms: the numbering is unmistakable.
_STRONG = [
    re.compile(rf"^{_ITEM_WORD}({_ITEM_ID})(?:\s*[.:){_DASH}]\s*|\s+|$)(.*)$"),
    re.compile(rf"^\(({_ID})\)\s*(.*)$"),
    re.compile(rf"^({_ID})\)\s*(.*)$"),
    re.compile(rf"^({_ID})\s*(?:\.|:|\s[{_DASH}])(?:\s+(.*)|$)"),
    re.compile(rf"^({_ID})\.([A-Z].*)$"),
]
# Weak forms: "12 Title" / "A1 Title" (the title must start with a capital), and a number alone.
_WEAK = re.compile(rf"^({_ID})\s+([A-Z\"'\u201c\u2018(\[].*)$")
_BARE = re.compile(rf"^\(?({_ID})[.)]?$")

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)
_DATE_START = re.compile(
    rf"^(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?(?:\s*,?\s*\d{{4}}\b|\s*$|\s*,)|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}\b)",
    re.I,
)
_DATE_ANY = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b|\b{_MONTHS}\s+\d{{1,2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)
_PREAMBLE_LABEL = re.compile(
    r"^(?:date|time|venue|location|place|where|when|chair(?:ed by)?|present|attendees|dial[- ]in|teams|"
    r"zoom|meeting link|meeting|join)\s*[:\-\u2013]",
    re.I,
)
_SECTION_HEADING = re.compile(
    r"^(?:part\s+[a-z0-9]+\b|section\s+[a-z0-9]+\b|items?\s+for\s+(?:decision|information|discussion|noting|"
    r"assurance|approval)|(?:closed|private|public)\s+(?:session|business|part)\b)",
    re.I,
)
_AGENDA_HEADING = re.compile(r"\bagenda\b", re.I)


def _id_key(item_id: str) -> tuple:
    """Order of item ids: letter prefix, then the numbers in turn, then a letter suffix (4 < 4a < 4.2 < 5 < A1)."""
    prefix = re.match(r"[A-Za-z]*", item_id).group(0)
    numbers = tuple(int(n) for n in re.findall(r"\d+", item_id))
    suffix = item_id[-1] if item_id[-1:].isalpha() and numbers else ""
    return (prefix.upper(), numbers, suffix)


@dataclass
class _Entry:
    """One line (or table row) on its way to becoming an item or text."""

    kind: str  # "item" (certain), "candidate" (numbered by text), "text"
    text: str = ""
    item_id: str = ""
    title: str = ""
    description: str = ""
    weight: int = 1
    indented: bool = False
    heading: bool = False


_SPACED_DASH = re.compile(rf"\s[{_DASH}]\s")


def _split_title(title: str, description: str) -> tuple[str, str]:
    """Split "Title – description" at the first spaced dash."""
    m = _SPACED_DASH.search(title, 0, 300)
    if m and len(title[: m.start()].strip()) >= 3 and title[m.end() :].strip():
        head, tail = title[: m.start()].strip(), title[m.end() :].strip()
        return head, _join(tail, description)
    return title, description


def _join(*parts: str) -> str:
    return " ".join(p for p in (q.strip() for q in parts) if p)


def _strip_times(text: str) -> str:
    m = _TIME_LEAD.match(text)
    if m:
        text = text[m.end() :]
    tail = _TIME_TAIL.search(text[-40:])
    if tail:
        text = text[: len(text) - 40 + tail.start()] if len(text) > 40 else text[: tail.start()]
    return text.strip()


def _line_entry(raw: str, indented: bool | None = None, heading: bool = False) -> _Entry | None:
    """Classify one line of text; ``None`` for a blank line."""
    if indented is None:
        indented = bool(re.match(r"^[ \t]", raw))
    line = _clean(raw)
    if not line:
        return None
    body = _strip_times(line)
    if body and not _DATE_START.match(body):
        for weight, pattern in ((2, p) for p in _STRONG):
            m = pattern.match(body)
            if m:
                return _candidate(m.group(1), m.group(2) or "", weight, line)
        m = _WEAK.match(body)
        if m:
            return _candidate(m.group(1), m.group(2), 1, line)
        m = _BARE.match(body)
        if m:
            return _candidate(m.group(1), "", 1, line)
    return _Entry("text", text=line, indented=indented, heading=heading)


def _candidate(item_id: str, title: str, weight: int, line: str) -> _Entry:
    title = _strip_times(title.strip())
    title, description = _split_title(title, "")
    return _Entry(
        "candidate", text=line, item_id=item_id.rstrip("."), title=title, description=description, weight=weight
    )


def _select_candidates(entries: list[_Entry]) -> None:
    """Keep the heaviest run of candidates whose ids increase; the rest become text."""
    # A number alone takes the following text line as its title, else it is dropped.
    merged: list[_Entry] = []
    i = 0
    while i < len(entries):
        e = entries[i]
        if e.kind == "candidate" and not e.title:
            nxt = entries[i + 1] if i + 1 < len(entries) else None
            if nxt is not None and nxt.kind == "text" and not nxt.heading:
                e.title, e.description = _split_title(nxt.text, "")
                e.text = _join(e.text, nxt.text)
                i += 1
            else:
                e.kind, e.text = "drop", ""
        merged.append(e)
        i += 1
    entries[:] = merged

    # Numbers typed in the text never override Word's own numbering or table numbers.
    certain = {e.item_id for e in entries if e.kind == "item"}
    for e in entries:
        if e.kind == "candidate" and e.item_id in certain:
            e.kind = "text"

    cand = [(i, _id_key(e.item_id), e.weight) for i, e in enumerate(entries) if e.kind == "candidate"]
    if not cand:
        return
    keys = sorted({k for _, k, _ in cand})
    size = len(keys)
    tree: list[tuple[int, int]] = [(0, -1)] * (size + 1)  # Fenwick tree of (best weight, candidate index)

    def query(pos: int) -> tuple[int, int]:
        best = (0, -1)
        while pos > 0:
            if tree[pos][0] > best[0]:
                best = tree[pos]
            pos -= pos & -pos
        return best

    def update(pos: int, value: tuple[int, int]) -> None:
        while pos <= size:
            if value[0] > tree[pos][0]:
                tree[pos] = value
            pos += pos & -pos

    prev = [-1] * len(cand)
    score = [0] * len(cand)
    for n, (_, key, weight) in enumerate(cand):
        rank = bisect.bisect_left(keys, key)  # strictly smaller keys occupy ranks 1..rank
        best, before = query(rank)
        score[n], prev[n] = best + weight, before
        update(rank + 1, (score[n], n))
    end = max(range(len(cand)), key=lambda n: (score[n], -n))
    chosen: set[int] = set()
    while end != -1:
        chosen.add(cand[end][0])
        end = prev[end]
    for i, _, _ in cand:
        if i not in chosen:
            entries[i].kind = "text"


_CLOCK_ID = re.compile(r"^(?:0?[7-9]|1\d|2[01])\.[0-5][05]$")


def _unmask_clock_times(entries: list[_Entry]) -> list[_Entry]:
    """In an agenda run by clock times ("10.00 Welcome", "10.15 Minutes"), the times are not item ids."""
    cands = [e for e in entries if e.kind == "candidate"]
    clocks = [e for e in cands if _CLOCK_ID.match(e.item_id)]
    if len(clocks) < 2 or len(clocks) * 2 < len(cands):
        return entries
    out = []
    for e in entries:
        if e.kind == "candidate" and _CLOCK_ID.match(e.item_id):
            rest = re.sub(r"^\S+\s*", "", _clean(e.text))
            again = _line_entry(rest, indented=False, heading=e.heading) if rest else None
            if again is not None:
                out.append(again)
        else:
            out.append(e)
    return out


def _assemble(entries: list[_Entry]) -> list[ParsedItem]:
    entries = [e for e in entries if e.kind != "drop"]
    entries = _unmask_clock_times(entries)
    _select_candidates(entries)
    items: list[tuple[str, str, list[str]]] = []  # (id, title, description parts)
    numbered = any(e.kind in ("item", "candidate") for e in entries)
    if numbered:
        for e in entries:
            if e.kind in ("item", "candidate"):
                items.append((e.item_id, e.title, [e.description]))
            elif (
                items
                and e.text
                and not e.heading
                and not _is_section_heading(e.text)
                and not _PAGE_NUMBER.match(e.text)
            ):
                items[-1][2].append(e.text)
        return _finish(items)

    # Unnumbered: every line is an item, with preamble skipped.
    texts = [e for e in entries if e.kind == "text"]
    start = 0
    for n, e in enumerate(texts[:12]):
        words = e.text.lower().strip(" :.-").split()
        if words and "agenda" in (words[0], words[-1]) and len(words) <= 8:
            start = n + 1
    for e in texts[start:]:
        line = e.text
        if _is_preamble(line) and not items:
            continue
        if items and (e.indented or line[:1].islower()):
            items[-1][2].append(line)
            continue
        if _is_section_heading(line) and len(line.split()) <= 6:
            continue
        title, description = _split_title(_strip_times(line), "")
        if title:
            items.append((str(len(items) + 1), title, [description]))
    return _finish(items)


def _is_preamble(line: str) -> bool:
    if _PREAMBLE_LABEL.match(line):
        return True
    if len(line) > 200:
        return False
    words = len(line.split())
    if _DATE_ANY.search(line) and words <= 8:
        return True
    return bool(_AGENDA_HEADING.search(line)) and words <= 6


def _is_section_heading(line: str) -> bool:
    return bool(_SECTION_HEADING.match(line)) and len(line.split()) <= 10


def _finish(items: list[tuple[str, str, list[str]]]) -> list[ParsedItem]:
    out = []
    for item_id, title, parts in items:
        title, description = _clean(title), _clean(" ".join(parts))
        if not title and description:
            title, description = description, ""
        if title:
            out.append(ParsedItem(item_id, title, description))
    return out


def parse_agenda_text(text: str) -> list[ParsedItem]:
    """Read agenda items from plain text, one item per line (see the module notes).

    Returns an empty list when no items are found; never raises for odd input.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    entries = [e for e in (_line_entry(line) for line in text.split("\n")) if e is not None]
    return _assemble(entries)


# ---------------------------------------------------------------------------
# CSV

_CSV_COLUMNS = {
    "item_id": (
        "item_id",
        "itemid",
        "item_no",
        "item_number",
        "item_ref",
        "agenda_item_no",
        "ref",
        "no",
        "number",
        "id",
    ),
    "title": ("title", "item_title", "subject", "topic", "agenda_item"),
    "description": ("description", "item_description", "details", "summary", "detail"),
}


def _read_csv(name: str, text: str) -> list[ParsedItem]:
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = "\t" if "\t" in first else (";" if ";" in first else ",")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise DocumentError(
            f"The CSV file '{name}' could not be read ({exc}). Check it opens in a spreadsheet."
        ) from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return []
    header = [re.sub(r"[^a-z0-9]+", "_", c.strip().lower()).strip("_") for c in rows[0]]
    where: dict[str, int] = {}
    for field, names in _CSV_COLUMNS.items():
        for alias in names:
            if alias in header and header.index(alias) not in where.values():
                where[field] = header.index(alias)
                break
    if "item_id" not in where or "title" not in where:
        shown = ", ".join(c.strip() for c in rows[0][:6])
        raise DocumentError(
            f"The first row of the CSV file '{name}' must be a header naming the columns item_id, title and "
            f"description; it reads: {shown[:200]}."
        )
    items: list[ParsedItem] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):

        def cell(field: str) -> str:
            idx = where.get(field)
            return _clean(row[idx]) if idx is not None and idx < len(row) else ""

        item_id, title = cell("item_id").rstrip("."), cell("title")
        if not item_id:
            raise DocumentError(f"Row {number} of the CSV file '{name}' has no item_id.")
        if not title:
            raise DocumentError(f"Row {number} of the CSV file '{name}' (item {item_id}) has no title.")
        if item_id in seen:
            raise DocumentError(
                f"The CSV file '{name}' uses item_id {item_id} twice (rows {seen[item_id]} and {number}); "
                "each agenda item needs its own number."
            )
        seen[item_id] = number
        items.append(ParsedItem(item_id, title, cell("description")))
    return items


# ---------------------------------------------------------------------------
# Word


def _check_zip(name: str, data: bytes) -> None:
    """Refuse archives that are damaged, not Word documents, or built to exhaust memory."""
    damaged = (
        f"The file '{name}' is not a valid Word document (it may be damaged). "
        "Open it in Word, save it as .docx and upload it again."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise DocumentError(damaged) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise DocumentError(
            f"The file '{name}' has {len(infos)} parts inside it, more than a Word agenda ever needs "
            f"({MAX_ZIP_ENTRIES}); it has been refused."
        )
    total = 0
    names = set()
    for info in infos:
        total += info.file_size
        if info.filename in names:
            raise DocumentError(damaged)
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise DocumentError(
                f"The file '{name}' is protected by a password. Remove the password and upload it again."
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise DocumentError(damaged)
        if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise DocumentError(
                f"The file '{name}' contains a part that expands {info.file_size // max(info.compress_size, 1)} "
                "times its stored size, which is how harmful files are built; it has been refused."
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise DocumentError(
            f"The file '{name}' would expand to {_size(total)} when opened, more than the "
            f"{_size(MAX_UNCOMPRESSED_BYTES)} allowed; it has been refused."
        )
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        what = "a zip archive"
        if "xl/workbook.xml" in names:
            what = "an Excel workbook"
        elif "ppt/presentation.xml" in names:
            what = "a PowerPoint presentation"
        elif "mimetype" in names and "content.xml" in names:
            what = "an OpenDocument file"
        raise DocumentError(f"The file '{name}' is named .docx but is not a Word document: it is {what}.")


def _read_docx(name: str, data: bytes) -> list[ParsedItem]:
    _check_zip(name, data)
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        if len(document.element.body) > MAX_LINES:
            raise _too_long(name)
        numbering = _WordNumbering(document)
        entries: list[_Entry] = []
        for block in document.iter_inner_content():
            if len(entries) > MAX_LINES:
                raise _too_long(name)
            if isinstance(block, Paragraph):
                entry = _paragraph_entry(block, numbering)
                if entry is not None:
                    entries.append(entry)
            elif isinstance(block, Table):
                cells = sum(len(tr.tc_lst) for tr in block._tbl.tr_lst)
                if len(block._tbl.tr_lst) > MAX_LINES or cells > 10 * MAX_LINES:
                    raise _too_long(name)
                entries.extend(_table_entries(block, numbering))
    except DocumentError:
        raise
    except Exception:
        raise DocumentError(
            f"The file '{name}' could not be opened as a Word document (it may be damaged). "
            "Open it in Word, save it as .docx and upload it again."
        ) from None
    items = _assemble(entries)
    _refuse_duplicates(name, items)
    return items


def _refuse_duplicates(name: str, items: list[ParsedItem]) -> None:
    seen: set[str] = set()
    for item in items:
        if item.item_id in seen:
            raise DocumentError(
                f"Item number {item.item_id} appears more than once in '{name}'. Give each agenda item its own "
                "number (for example carry on 6, 7, 8 after a section break, or use A1 and B1) and upload it again."
            )
        seen.add(item.item_id)


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


def _val(el, tag: str) -> str | None:
    child = el.find(_w(tag)) if el is not None else None
    return child.get(_w("val")) if child is not None else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


_HEADING_STYLE = re.compile(r"^(heading|title|subtitle)\b", re.I)


def _paragraph_entry(paragraph, numbering: "_WordNumbering") -> _Entry | None:
    raw = paragraph.text or ""
    label, is_bullet = numbering.label(paragraph._p)
    lines = [_clean(x) for x in raw.split("\n")]
    lines = [x for x in lines if x]
    if not lines:
        return None
    ppr = paragraph._p.find(_w("pPr"))
    style_name = numbering.style_name(_val(ppr, "pStyle"))
    if label is not None:
        title, description = _split_title(_strip_times(lines[0]), " ".join(lines[1:]))
        return _Entry("item", text=" ".join(lines), item_id=label, title=title, description=description)
    ind = ppr.find(_w("ind")) if ppr is not None else None
    left = ind.get(_w("left")) or ind.get(_w("start")) if ind is not None else None
    indent = _int(left, 0) > 0
    if is_bullet:
        return _Entry("text", text=" ".join(lines), indented=True)
    entry = _line_entry(lines[0], indented=indent, heading=bool(_HEADING_STYLE.match(style_name or "")))
    if entry is None:
        return None
    rest = " ".join(lines[1:])
    if entry.kind == "candidate":
        entry.description = _join(entry.description, rest)
        if not entry.title and lines[1:]:
            entry.title, entry.description = lines[1], " ".join(lines[2:])
    else:
        entry.text = _join(entry.text, rest)
    return entry


def _roman(n: int) -> str:
    out = ""
    for value, letters in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while n >= value:
            out += letters
            n -= value
    return out or "0"


def _letters(n: int) -> str:
    if n <= 0:
        return "0"
    letter = "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26]
    return letter * ((n - 1) // 26 + 1)


def _format_number(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    legal: bool = False
    style: str | None = None


class _WordNumbering:
    """Computes the numbers Word displays for list paragraphs (best effort)."""

    def __init__(self, document):
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, _Level]]] = {}
        self.styles: dict[str, tuple[str | None, str | None, str | None]] = {}  # id -> (numId, ilvl, basedOn)
        self.names: dict[str, str] = {}
        self.default_style: str | None = None
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except Exception:
            root = None
        try:
            styles_root = document.styles.element
        except Exception:
            styles_root = None
        if styles_root is not None:
            for style in styles_root.findall(_w("style")):
                if style.get(_w("type")) != "paragraph":
                    continue
                sid = style.get(_w("styleId"))
                ppr = style.find(_w("pPr"))
                numpr = ppr.find(_w("numPr")) if ppr is not None else None
                self.styles[sid] = (_val(numpr, "numId"), _val(numpr, "ilvl"), _val(style, "basedOn"))
                self.names[sid] = _val(style, "name") or sid or ""
                if style.get(_w("default")) in ("1", "true"):
                    self.default_style = sid
        if root is None:
            return
        links: dict[str, str] = {}
        for absn in root.findall(_w("abstractNum")):
            aid = absn.get(_w("abstractNumId"))
            self.abstract[aid] = {int(lvl.get(_w("ilvl"), "0")): self._level(lvl) for lvl in absn.findall(_w("lvl"))}
            link = _val(absn, "numStyleLink")
            if link:
                links[aid] = link
        for num in root.findall(_w("num")):
            nid = num.get(_w("numId"))
            aid = _val(num, "abstractNumId")
            starts: dict[int, int] = {}
            overrides: dict[int, _Level] = {}
            for ov in num.findall(_w("lvlOverride")):
                ilvl = _int(ov.get(_w("ilvl")), 0)
                so = _val(ov, "startOverride")
                if so is not None:
                    starts[ilvl] = max(0, min(_int(so, 1), 10_000))
                lvl = ov.find(_w("lvl"))
                if lvl is not None:
                    overrides[ilvl] = self._level(lvl)
            self.nums[nid] = (aid, starts, overrides)
        # An abstract list that only links to a numbering style takes that style's list.
        for aid, link in links.items():
            style_num = self.styles.get(link, (None, None, None))[0]
            target = self.nums.get(style_num or "", (None,))[0]
            if target and self.abstract.get(target) and not self.abstract.get(aid):
                self.abstract[aid] = self.abstract[target]

    def style_name(self, style_id: str | None) -> str:
        style_id = style_id or self.default_style
        return self.names.get(style_id or "", style_id or "")

    @staticmethod
    def _level(lvl) -> _Level:
        return _Level(
            fmt=_val(lvl, "numFmt") or "decimal",
            text=_val(lvl, "lvlText") if _val(lvl, "lvlText") is not None else "",
            start=max(0, min(_int(_val(lvl, "start"), 1), 10_000)),
            legal=lvl.find(_w("isLgl")) is not None,
            style=_val(lvl, "pStyle"),
        )

    def _style_numpr(self, style_id: str | None) -> tuple[str | None, str | None, str | None]:
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            num_id, ilvl, based_on = self.styles.get(style_id, (None, None, None))
            if num_id is not None:
                return num_id, ilvl, style_id
            style_id = based_on
        return None, None, None

    def label(self, p) -> tuple[str | None, bool]:
        """(displayed item id or None, is a bullet) for a ``w:p`` element; advances the counters."""
        ppr = p.find(_w("pPr"))
        numpr = ppr.find(_w("numPr")) if ppr is not None else None
        num_id, ilvl = _val(numpr, "numId"), _val(numpr, "ilvl")
        style_id = _val(ppr, "pStyle") or self.default_style
        if num_id is None:
            num_id, style_ilvl, numbered_style = self._style_numpr(style_id)
            ilvl = ilvl if ilvl is not None else style_ilvl
        else:
            numbered_style = None
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return None, False
        aid, starts, overrides = self.nums[num_id]
        levels = dict(self.abstract.get(aid, {}))
        levels.update(overrides)
        if ilvl is None:
            ilvl = "0"
            for n, lvl in levels.items():
                if lvl.style and lvl.style in (style_id, numbered_style):
                    ilvl = str(n)
                    break
        level = max(0, min(8, _int(ilvl, 0)))
        if level not in levels:
            return None, False
        counters = self.counters.setdefault(aid, [None] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for n, start in starts.items():
                if 0 <= n < 9:
                    counters[n] = start - 1
                    for deeper in range(n + 1, 9):
                        counters[deeper] = None
        current = counters[level]
        counters[level] = levels[level].start if current is None else current + 1
        for deeper in range(level + 1, 9):
            counters[deeper] = None
        lvl = levels[level]
        if lvl.fmt in ("bullet", "none") or not lvl.text.strip():
            return None, lvl.fmt == "bullet"

        def shown(n: int) -> str:
            value = counters[n] if counters[n] is not None else levels.get(n, _Level()).start
            fmt = "decimal" if lvl.legal else levels.get(n, _Level()).fmt
            return _format_number(value, fmt)

        text = re.sub(
            r"%([1-9])", lambda m: shown(int(m.group(1)) - 1) if int(m.group(1)) - 1 <= level else "", lvl.text
        )
        own = _normalise_label(text)
        if own is None:
            return None, False
        referenced = {int(x) - 1 for x in re.findall(r"%([1-9])", lvl.text)}
        if level > 0 and not any(n < level for n in referenced):
            parent_levels = [n for n in range(level) if n in levels and levels[n].fmt not in ("bullet", "none")]
            if parent_levels:
                parent_level = parent_levels[-1]
                parent_text = re.sub(r"%([1-9])", lambda m: shown(int(m.group(1)) - 1), levels[parent_level].text)
                parent = _normalise_label(parent_text)
                if parent:
                    sep = "" if re.fullmatch(r"[A-Za-z]", own) and parent[-1].isdigit() else "."
                    own = parent + sep + own
        return own, False


def _normalise_label(text: str) -> str | None:
    """Turn a displayed list label ("2.1.", "(a)", "Item 6") into an item id."""
    label = _clean(text)
    label = re.sub(r"^(?:agenda\s+)?item\b\s*", "", label, flags=re.I)
    label = label.strip().strip("()[]").rstrip(".):").strip()
    if not label or len(label) > 20 or " " in label:
        return None
    return label


def _normalise_cell_id(text: str) -> str | None:
    label = _clean(text)
    if not label:
        return None
    m = re.fullmatch(rf"(?:{_ITEM_WORD})?\(?({_ITEM_ID})[.):]?", label)
    if m and not re.fullmatch(_T_STRICT, label, flags=re.I):
        return m.group(1)
    return None


_TH_ID = re.compile(r"^(?:agenda\s+)?(?:item\s*)?(?:no|number|num|ref|reference|id|#)$|^(?:item|agenda item)$")
_TH_TITLE = {
    "title",
    "item title",
    "subject",
    "topic",
    "agenda item",
    "item",
    "business",
    "matter",
    "heading",
    "report",
    "paper title",
    "report title",
}
_TH_DESC = {
    "description",
    "details",
    "detail",
    "summary",
    "purpose",
    "notes",
    "decision required",
    "action required",
    "action",
    "outcome",
    "purpose action",
    "comments",
    "content",
    "item description",
}


def _header_norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9#]+", " ", text.lower())).strip()


def _table_rows(table, numbering: "_WordNumbering") -> list[tuple[list[tuple[int, int, str, str | None]], int]]:
    """Rows as ([(grid column, span, text, numbering label)], grid width)."""
    from docx.table import _Cell

    out = []
    width = 0
    for tr in table._tbl.tr_lst:
        col = _int(str(tr.grid_before), 0) if getattr(tr, "grid_before", 0) else 0
        cells = []
        for tc in tr.tc_lst:
            span = max(1, _int(str(tc.grid_span), 1))
            vmerge = tc.vMerge
            cell = _Cell(tc, table)
            texts, label = [], None
            for p in cell.paragraphs:
                lab, _ = numbering.label(p._p)
                if lab is not None and label is None:
                    label = lab
                texts.append(p.text or "")
            text = "\n".join(t for t in texts if _clean(t))
            if vmerge == "continue":
                text, label = "", None
            cells.append((col, span, text, label))
            col += span
        width = max(width, col)
        out.append((cells, col))
    return [(cells, width) for cells, _ in out]


def _table_entries(table, numbering: "_WordNumbering") -> list[_Entry]:
    rows = _table_rows(table, numbering)
    if not rows:
        return []
    width = rows[0][1]

    def by_col(cells) -> dict[int, tuple[str, str | None]]:
        return {c: (t, lab) for c, _, t, lab in cells}

    # Find a header row among the first three rows.
    header_at, id_col, title_col, desc_cols = -1, None, None, []
    for r, (cells, _) in enumerate(rows[:3]):
        heads = {c: _header_norm(t) for c, _, t, _ in cells if _clean(t)}
        ids = [c for c, h in heads.items() if _TH_ID.match(h)]
        titles = [c for c, h in heads.items() if h in _TH_TITLE]
        explicit_ids = [c for c in ids if heads[c] not in ("item", "agenda item")]
        i_col = explicit_ids[0] if explicit_ids else None
        t_candidates = [c for c in titles if c != i_col]
        if i_col is None and len(ids) >= 1 and len(t_candidates) >= 2:
            i_col = ids[0]
            t_candidates = [c for c in t_candidates if c != i_col]
        if t_candidates:
            exact = [c for c in t_candidates if heads[c] not in ("item", "agenda item")]
            t_col = exact[0] if exact else t_candidates[0]
            header_at, id_col, title_col = r, i_col, t_col
            desc_cols = [c for c, h in heads.items() if h in _TH_DESC and c not in (t_col, i_col)]
            break

    body = rows[header_at + 1 :]
    if header_at < 0:
        id_col, title_col, desc_cols = _infer_columns(body, width)

    entries: list[_Entry] = []
    for cells, _ in body:
        cols = by_col(cells)
        texts = [_clean(t) for _, _, t, _ in cells if _clean(t)]
        if not texts and not any(lab for _, _, _, lab in cells):
            continue
        spanning = len(cells) == 1 and cells[0][1] >= max(2, width)
        if spanning:
            entries.append(_Entry("text", text=" ".join(texts), heading=True))
            continue
        if title_col is None:
            joined = " ".join(texts)
            entry = _line_entry(joined)
            if entry is not None:
                entries.append(entry)
            continue
        title_text, title_label = cols.get(title_col, ("", None))
        title_lines = [x for x in (_clean(t) for t in title_text.split("\n")) if x]
        desc = _join(" ".join(title_lines[1:]), *(_clean(cols.get(c, ("", None))[0]) for c in desc_cols))
        title = title_lines[0] if title_lines else ""
        item_id = None
        if id_col is not None:
            id_text, id_label = cols.get(id_col, ("", None))
            item_id = _normalise_cell_id(id_text) or (id_label if not _clean(id_text) else None)
            if item_id is None and _clean(id_text):
                entries.append(_Entry("text", text=" ".join(texts)))
                continue
        elif title_label is not None:
            item_id = title_label
        if item_id is None:
            entry = _line_entry(title) if title else None
            if entry is not None and entry.kind == "candidate":
                entry.description = _join(entry.description, desc)
                entries.append(entry)
            elif title or desc:
                entries.append(_Entry("text", text=_join(title, desc)))
            continue
        title, desc = _split_title(_strip_times(title), desc)
        if title or desc:
            entries.append(_Entry("item", item_id=item_id, title=title, description=desc))
    return entries


def _infer_columns(rows, width) -> tuple[int | None, int | None, list[int]]:
    """Guess the number, title and description columns of a table without a header."""
    columns: dict[int, list[tuple[str, str | None]]] = {}
    for cells, _ in rows:
        for c, _, t, lab in cells:
            columns.setdefault(c, []).append((_clean(t), lab))
    id_col = None
    for c in sorted(columns):
        values = [(t, lab) for t, lab in columns[c] if t or lab]
        if not values:
            continue
        ids = sum(1 for t, lab in values if (_normalise_cell_id(t) if t else lab))
        if ids >= max(1, 0.6 * len(values)) and len(values) >= 0.5 * len(rows):
            id_col = c
            break
    if id_col is None:
        return None, None, []
    later = [c for c in sorted(columns) if c > id_col and any(t for t, _ in columns[c])]
    if not later:
        return None, None, []
    title_col = later[0]
    desc_cols = []
    for c in later[1:]:
        texts = [t for t, _ in columns[c] if t]
        if texts and sum(len(v) for v in texts) / len(texts) > 40:
            desc_cols.append(c)
    return id_col, title_col, desc_cols


# ---------------------------------------------------------------------------
# PDF

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-\u2013]?\s*\d{1,4}\s*[-\u2013]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)


def _read_pdf(name: str, data: bytes) -> list[ParsedItem]:
    import pypdf
    from pypdf.errors import DependencyError

    damaged = (
        f"The file '{name}' could not be read as a PDF (it may be damaged). "
        "Save or export it as PDF again, or upload the Word document instead."
    )
    protected = (
        f"The file '{name}' is protected by a password. "
        "Upload a copy without a password, or the original Word document."
    )
    pages: list[str] = []
    try:
        with pypdf.apply_configuration(
            jbig2dec_binary=None,
            zlib_maximum_output_length=20_000_000,
            stream_decoding_work_maximum_length=100_000_000,
            xform_maximum_invocations_per_extraction=500,
        ):
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except DependencyError:
                    # AES needs the optional 'cryptography' package, which is not installed.
                    raise DocumentError(
                        f"The file '{name}' is encrypted in a way this service cannot open. "
                        "Upload a copy saved without security settings, or the original Word document."
                    ) from None
                if not opened:
                    raise DocumentError(protected)
            count = len(reader.pages)
            if count > MAX_PDF_PAGES:
                raise DocumentError(
                    f"The file '{name}' has {count} pages; agenda PDFs of up to {MAX_PDF_PAGES} pages are accepted. "
                    "Upload the agenda pages only."
                )
            if count == 0:
                raise DocumentError(damaged)
            total = 0
            for page in reader.pages:
                text = page.extract_text() or ""
                total += len(text)
                if total > MAX_EXTRACTED_CHARS:
                    raise DocumentError(
                        f"The file '{name}' holds more text than an agenda ever does; upload the agenda pages only."
                    )
                pages.append(text)
    except DocumentError:
        raise
    except Exception:
        raise DocumentError(damaged) from None
    text = "\n".join(_strip_page_furniture(pages))
    _check_lines(name, text)
    return parse_agenda_text(text)


def _strip_page_furniture(pages: list[str]) -> Iterator[str]:
    """Drop page numbers and running headers/footers from each page's text."""
    split = [[ln for ln in page.replace("\r", "\n").split("\n") if ln.strip()] for page in pages]
    edges: dict[str, int] = {}
    for lines in split:
        for ln in {_clean(x) for x in lines[:2] + lines[-2:]}:
            edges[ln] = edges.get(ln, 0) + 1
    repeated = {ln for ln, n in edges.items() if n >= 2 and n * 2 >= len(split)} if len(split) >= 2 else set()
    for lines in split:
        keep = list(lines)
        for _ in range(2):
            if keep and (_PAGE_NUMBER.match(_clean(keep[0])) or _clean(keep[0]) in repeated):
                keep.pop(0)
            if keep and (_PAGE_NUMBER.match(_clean(keep[-1])) or _clean(keep[-1]) in repeated):
                keep.pop()
        yield "\n".join(keep)
