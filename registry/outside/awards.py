"""Contract award notices as published: OCDS 1.1 release and record packages (Contracts Finder, Find a Tender) and a
plain CSV (award_id, date, supplier, value, title, buyer).

A malformed file raises :class:`AwardFileError` naming the file, the release and the field; a release without an
award is skipped and counted. An award published again (an ``awardUpdate`` release) counts once: its latest
release wins.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Iterable

# Company numbers as Companies House writes them: 8 digits, or a 2-letter prefix (Scotland, Northern Ireland,
# LLPs...) and 6 digits. Notices often drop leading zeros, so digits are padded to 8.
COMPANY_NUMBER = re.compile(r"^(?:[A-Z]{2}\d{6}|\d{1,8})$")
COMPANY_SCHEMES = ("GB-COH",)  # org-id.guide's scheme for Companies House numbers
CSV_COLUMNS = ("award_id", "date", "supplier", "value", "title", "buyer")
CSV_OPTIONAL = ("ocid", "currency", "company_number")
MAX_FILE_BYTES = 200 * 1024 * 1024


class AwardFileError(Exception):
    """A file that cannot be read as award notices; str() names the file, the release (or row) and the field."""

    def __init__(self, file, message, release=None, field=None, row=None):
        self.file, self.message, self.release, self.field, self.row = file, message, release, field, row
        super().__init__(str(self))

    def __str__(self):
        parts = [os.path.basename(str(self.file))]
        if self.release is not None:
            parts.append(f"release {self.release}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f'field "{self.field}"')
        return ", ".join(parts) + ": " + self.message


@dataclass(frozen=True)
class Supplier:
    name: str
    company_number: str = ""  # from a GB-COH identifier, when the notice gives one


@dataclass
class Award:
    ocid: str
    award_id: str
    date: date
    suppliers: list = field(default_factory=list)  # Supplier
    value: Decimal | None = None
    currency: str = ""
    title: str = ""
    buyer: str = ""
    release_id: str = ""
    release_date: str = ""  # ISO text: compared to keep the latest release of an award
    source: str = ""  # the file it came from

    @property
    def supplier_names(self) -> str:
        return "; ".join(s.name for s in self.suppliers)

    @property
    def key(self) -> tuple:
        return (self.ocid, self.award_id)


@dataclass
class AwardFile:
    awards: list = field(default_factory=list)
    releases: int = 0
    skipped_without_award: int = 0  # releases with no award (tender notices, planning): not an error
    replaced_by_update: int = 0  # earlier releases of an award published again


def normalise_company_number(value) -> str:
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if not text or not COMPANY_NUMBER.match(text):
        return ""
    return text.zfill(8) if text.isdigit() else text


def _date(file, release, field_name, value, required=True) -> date | None:
    if value in (None, ""):
        if required:
            raise AwardFileError(file, "missing (expected a date such as 2025-03-11)", release, field_name)
        return None
    if not isinstance(value, str):
        raise AwardFileError(file, f"not a date: {value!r}", release, field_name)
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise AwardFileError(
            file, f"not a date: {value!r} (expected ISO 8601, such as 2025-03-11)", release, field_name
        ) from None


def _money(file, release, field_name, value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise AwardFileError(file, f"not an amount: {value!r}", release, field_name)
    try:
        amount = Decimal(str(value).replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        raise AwardFileError(file, f"not an amount: {value!r}", release, field_name) from None
    if not amount.is_finite():
        raise AwardFileError(file, f"not an amount: {value!r}", release, field_name)
    return amount


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _company_number_of(party: dict) -> str:
    identifiers = [party.get("identifier")] + list(party.get("additionalIdentifiers") or [])
    for ident in identifiers:
        if isinstance(ident, dict) and ident.get("scheme") in COMPANY_SCHEMES:
            number = normalise_company_number(ident.get("id"))
            if number:
                return number
    party_id = str(party.get("id") or "")
    for scheme in COMPANY_SCHEMES:
        if party_id.startswith(scheme + "-"):
            return normalise_company_number(party_id[len(scheme) + 1 :])
    return ""


def _awards_of_release(file, release: dict, label: str) -> list[Award]:
    if not isinstance(release, dict):
        raise AwardFileError(file, "a release must be a JSON object", label)
    ocid = _text(release.get("ocid"))
    release_id = _text(release.get("id")) or label
    where = ocid or release_id
    if not ocid:
        raise AwardFileError(file, "missing", release_id, "ocid")
    awards = release.get("awards")
    if awards in (None, []):
        return []
    if not isinstance(awards, list):
        raise AwardFileError(file, "must be a list", where, "awards")
    parties = release.get("parties") or []
    if not isinstance(parties, list):
        raise AwardFileError(file, "must be a list", where, "parties")
    by_id = {str(p.get("id")): p for p in parties if isinstance(p, dict) and p.get("id") is not None}
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    buyer = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
    buyer_name = _text(buyer.get("name")) or next(
        (_text(p.get("name")) for p in parties if isinstance(p, dict) and "buyer" in (p.get("roles") or [])), ""
    )
    out = []
    for n, award in enumerate(awards):
        path = f"awards[{n}]"
        if not isinstance(award, dict):
            raise AwardFileError(file, "an award must be a JSON object", where, path)
        if award.get("status") in ("cancelled", "unsuccessful"):
            continue  # a cancelled award was never made
        award_id = award.get("id")
        if award_id in (None, ""):
            raise AwardFileError(file, "missing", where, f"{path}.id")
        day = _date(file, where, f"{path}.date", award.get("date"), required=False) or _date(
            file, where, f"{path}.date", release.get("date")
        )
        value = award.get("value") if award.get("value") is not None else {}
        if not isinstance(value, dict):
            raise AwardFileError(file, "must be an object with amount and currency", where, f"{path}.value")
        amount = _money(file, where, f"{path}.value.amount", value.get("amount"))
        suppliers = []
        raw_suppliers = award.get("suppliers") or []
        if not isinstance(raw_suppliers, list):
            raise AwardFileError(file, "must be a list", where, f"{path}.suppliers")
        for k, ref in enumerate(raw_suppliers):
            if not isinstance(ref, dict):
                raise AwardFileError(
                    file, "a supplier must be an object with id and name", where, f"{path}.suppliers[{k}]"
                )
            party = by_id.get(str(ref.get("id")), {})
            name = _text(ref.get("name")) or _text(party.get("name"))
            if not name:
                raise AwardFileError(file, "a supplier without a name", where, f"{path}.suppliers[{k}].name")
            suppliers.append(Supplier(name, _company_number_of(party) or _company_number_of(ref)))
        if not suppliers:
            # no supplier named on the award: the release's supplier parties are the suppliers
            suppliers = [
                Supplier(_text(p.get("name")), _company_number_of(p))
                for p in by_id.values()
                if "supplier" in (p.get("roles") or []) and _text(p.get("name"))
            ]
        out.append(
            Award(
                ocid=ocid,
                award_id=str(award_id),
                date=day,
                suppliers=suppliers,
                value=amount,
                currency=_text(value.get("currency")) or ("GBP" if amount is not None else ""),
                title=_text(award.get("title")) or _text(tender.get("title")) or _text(release.get("title")),
                buyer=buyer_name,
                release_id=release_id,
                release_date=_text(release.get("date")),
            )
        )
    return out


def _releases_of(file, data) -> Iterable[tuple[str, dict]]:
    """(label, release) pairs from a release package, a record package, a bare release or a list of releases."""
    if isinstance(data, list):
        for n, release in enumerate(data):
            yield f"#{n + 1}", release
        return
    if not isinstance(data, dict):
        raise AwardFileError(file, "not an OCDS release or record package (expected a JSON object)")
    if "releases" in data:
        if not isinstance(data["releases"], list):
            raise AwardFileError(file, "must be a list", field="releases")
        for n, release in enumerate(data["releases"]):
            yield f"#{n + 1}", release
    elif "records" in data:
        if not isinstance(data["records"], list):
            raise AwardFileError(file, "must be a list", field="records")
        for n, record in enumerate(data["records"]):
            if not isinstance(record, dict):
                raise AwardFileError(file, "a record must be a JSON object", f"record #{n + 1}")
            compiled = record.get("compiledRelease")
            if isinstance(compiled, dict):
                yield f"record #{n + 1}", compiled  # the record's current state: every award once
                continue
            embedded = [r for r in record.get("releases") or [] if isinstance(r, dict) and "awards" in r]
            if not embedded and record.get("releases"):
                # linked releases only (url, date, tag): nothing to read here
                yield f"record #{n + 1}", {"ocid": record.get("ocid") or f"record #{n + 1}", "id": f"record #{n + 1}"}
            for k, release in enumerate(embedded):
                yield f"record #{n + 1} release #{k + 1}", release
    elif "ocid" in data:
        yield "#1", data
    else:
        raise AwardFileError(file, 'not an OCDS release or record package (no "releases", "records" or "ocid")')


def read_ocds(file, data: bytes | str | None = None) -> AwardFile:
    """Awards in an OCDS 1.1 release or record package (a JSON document, or JSON Lines of releases)."""
    raw = _load(file, data)
    text = raw.decode("utf-8-sig", errors="strict") if isinstance(raw, bytes) else raw
    stripped = text.lstrip()
    documents = []
    try:
        documents.append(json.loads(text))
    except json.JSONDecodeError as error:
        if stripped.startswith("{") and "\n" in stripped.strip():
            for line_number, line in enumerate(text.splitlines(), 1):  # JSON Lines: one release per line
                if line.strip():
                    try:
                        documents.append(json.loads(line))
                    except json.JSONDecodeError as line_error:
                        raise AwardFileError(file, f"not valid JSON: {line_error.msg}", row=line_number) from None
        else:
            raise AwardFileError(
                file, f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
            ) from None
    result = AwardFile()
    latest: dict = {}
    for document in documents:
        for label, release in _releases_of(file, document):
            result.releases += 1
            found = _awards_of_release(file, release, label)
            if not found:
                result.skipped_without_award += 1
                continue
            for award in found:
                award.source = os.path.basename(str(file))
                held = latest.get(award.key)
                if held is None:
                    latest[award.key] = award
                elif award.release_date >= held.release_date:
                    latest[award.key] = award
                    result.replaced_by_update += 1
                else:
                    result.replaced_by_update += 1
    result.awards = list(latest.values())
    return result


def read_awards_csv(file, data: bytes | str | None = None) -> AwardFile:
    """award_id, date, supplier, value, title, buyer (and optionally ocid, currency, company_number)."""
    raw = _load(file, data)
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise AwardFileError(file, f"not valid UTF-8 (byte at offset {error.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise AwardFileError(file, "empty file (expected a header row)", row=1) from None
    except csv.Error as error:
        raise AwardFileError(file, f"not valid CSV: {error}", row=1) from None
    for column in CSV_COLUMNS:
        if column not in header:
            raise AwardFileError(file, "missing required column", row=1, field=column)
    index = {c: header.index(c) for c in CSV_COLUMNS + CSV_OPTIONAL if c in header}
    result = AwardFile()
    try:
        for n, row in enumerate(reader, 2):
            if not row or all(not cell.strip() for cell in row):
                continue
            cell = {c: (row[i].strip() if i < len(row) else "") for c, i in index.items()}
            result.releases += 1
            if not cell["award_id"]:
                raise AwardFileError(file, "empty", row=n, field="award_id")
            if not cell["supplier"]:
                raise AwardFileError(file, "empty", row=n, field="supplier")
            try:
                day = _date(file, None, "date", cell["date"])
            except AwardFileError as error:
                raise AwardFileError(file, error.message, row=n, field="date") from None
            try:
                amount = _money(file, None, "value", cell["value"])
            except AwardFileError as error:
                raise AwardFileError(file, error.message, row=n, field="value") from None
            number = cell.get("company_number", "")
            if number and not normalise_company_number(number):
                raise AwardFileError(file, f"not a company number: {number!r}", row=n, field="company_number")
            suppliers = [
                Supplier(name.strip(), normalise_company_number(number))
                for name in cell["supplier"].split(";")
                if name.strip()
            ]
            result.awards.append(
                Award(
                    ocid=cell.get("ocid", "") or cell["award_id"],
                    award_id=cell["award_id"],
                    date=day,
                    suppliers=suppliers,
                    value=amount,
                    currency=cell.get("currency", "") or ("GBP" if amount is not None else ""),
                    title=cell["title"],
                    buyer=cell["buyer"],
                    release_id=f"row {n}",
                    source=os.path.basename(str(file)),
                )
            )
    except csv.Error as error:
        raise AwardFileError(file, f"not valid CSV: {error}", row=reader.line_num) from None
    return result


def _load(file, data):
    if data is not None:
        return data
    if not os.path.isfile(file):
        raise AwardFileError(file, "file not found")
    if os.path.getsize(file) > MAX_FILE_BYTES:
        raise AwardFileError(file, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    with open(file, "rb") as handle:
        return handle.read()


def read_award_file(file, data: bytes | None = None) -> AwardFile:
    """By its name: .csv is the plain CSV, anything else (.json, .jsonl) OCDS."""
    if str(file).lower().endswith(".csv"):
        return read_awards_csv(file, data)
    try:
        return read_ocds(file, data)
    except UnicodeDecodeError as error:
        raise AwardFileError(file, f"not valid UTF-8 (byte at offset {error.start})") from None


def read_award_files(files: Iterable, period_from: date | None = None, period_to: date | None = None) -> AwardFile:
    """Several files as one: awards in the period (inclusive), each (ocid, award id) once."""
    total = AwardFile()
    seen: dict = {}
    for file in files:
        data = None
        if isinstance(file, tuple):
            file, data = file
        one = read_award_file(file, data)
        total.releases += one.releases
        total.skipped_without_award += one.skipped_without_award
        total.replaced_by_update += one.replaced_by_update
        for award in one.awards:
            if period_from and award.date < period_from or period_to and award.date > period_to:
                continue
            held = seen.get(award.key)
            if held is None or award.release_date >= held.release_date:
                seen[award.key] = award
    total.awards = sorted(seen.values(), key=lambda a: (a.date, a.ocid, a.award_id))
    return total
