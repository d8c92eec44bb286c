"""Reading the screening contract's CSV files (register.csv, agenda.csv) with errors that name file/row/column.
Text is UTF-8 (with or without a byte-order mark), UTF-16 with its mark, or Windows-1252 (Excel's "CSV")."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date

from .documents.decoding import UndecodableText, decode_text
from .model import INTEREST_TYPES, AgendaItem, Interest
from .orgfiles import InputFileError

REGISTER_COLUMNS = ("member_id", "name", "position", "interest_type", "description", "date_from", "date_to")
AGENDA_COLUMNS = ("item_id", "title", "description", "meeting_date")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _read(path, required):
    if not os.path.isfile(path):
        raise InputFileError(path, "file not found")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = decode_text(raw)  # the web app's uploads go through the same decoder
    except UndecodableText as e:
        raise InputFileError(path, str(e), row=e.line)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(path, "empty file (expected a header row)", row=1)
    except csv.Error as e:
        raise InputFileError(path, f"not valid CSV: {e}", row=1)
    names = [h.strip().lower() for h in header]
    for col in required:
        if col not in names:
            raise InputFileError(path, "missing required column", row=1, column=col)
    idx = {c: names.index(c) for c in required}
    rows = []
    try:
        for n, row in enumerate(reader, 2):
            if not row or all(not c.strip() for c in row):
                continue
            rows.append((n, {c: (row[i].strip() if i < len(row) else "") for c, i in idx.items()}))
    except csv.Error as e:
        raise InputFileError(path, f"not valid CSV: {e}", row=reader.line_num)
    return rows


def parse_date(path, row, column, value) -> date | None:
    v = (value or "").strip()
    if not v:
        return None
    if not _DATE.match(v):
        raise InputFileError(path, "not a date (expected YYYY-MM-DD)", row=row, column=column)
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise InputFileError(path, "not a date (expected YYYY-MM-DD)", row=row, column=column)


def read_register_csv(path) -> list[Interest]:
    """register.csv -> interests; interest_id is the 1-based data-row number."""
    out = []
    for k, (n, r) in enumerate(_read(path, REGISTER_COLUMNS), 1):
        if not r["member_id"]:
            raise InputFileError(path, "member_id is empty", row=n, column="member_id")
        t = r["interest_type"].strip().lower()
        t = re.sub(r"\s+", " ", t).replace("non financial", "non-financial")
        if t and t not in INTEREST_TYPES:
            raise InputFileError(
                path,
                f"unknown interest type {r['interest_type']!r} (expected one of: "
                + ", ".join(INTEREST_TYPES)
                + ", or blank for a nil return)",
                row=n,
                column="interest_type",
            )
        df = parse_date(path, n, "date_from", r["date_from"])
        dt = parse_date(path, n, "date_to", r["date_to"])
        out.append(Interest(r["member_id"], r["name"], r["position"], t, r["description"], df, dt, interest_id=str(k)))
    return out


def read_agenda_csv(path) -> list[AgendaItem]:
    out = []
    for n, r in _read(path, AGENDA_COLUMNS):
        if not r["item_id"]:
            raise InputFileError(path, "item_id is empty", row=n, column="item_id")
        out.append(
            AgendaItem(
                r["item_id"], r["title"], r["description"], parse_date(path, n, "meeting_date", r["meeting_date"])
            )
        )
    return out
