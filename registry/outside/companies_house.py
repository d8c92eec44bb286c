"""Companies House officer appointments and persons with significant control, in the shapes its public API and its
PSC snapshot publish, read from files or (only when an API key is configured) from the API itself.

Shapes read (each file may be any of them; JSON Lines for the snapshot):

* ``GET /officers/{officer_id}/appointments`` — one officer (``name``, ``date_of_birth`` {month, year}) and
  ``items[]`` with ``appointed_to`` {company_name, company_number}, ``officer_role``, ``appointed_on``,
  ``resigned_on``;
* ``GET /company/{number}/officers`` and ``GET /company/{number}/appointments/{id}`` — the company's officers
  (the company number from ``links.self``; the name is not in the response);
* ``GET /company/{number}/persons-with-significant-control`` and snapshot lines ``{"company_number", "data"}``.

Corporate officers and corporate PSCs are read but marked corporate (they are never a member). Matching a member
to an officer is by name (surname and first forename, titles and case aside) and, where both are known, month
and year of birth: Companies House publishes no more than that.
"""

from __future__ import annotations

import base64
import json
import os
import re
import unicodedata
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Optional

from registry.outside.awards import normalise_company_number

TITLES = frozenset(
    "mr mrs ms miss mx dr prof professor sir dame lord lady rev revd reverend cllr councillor hon "
    "the right honourable capt captain".split()
)
SUFFIXES = frozenset("obe mbe cbe frcgp mrcgp frcp mrcp phd mb bs bch bchir md jr sr ii iii kc qc dl fmedsci".split())
PSC_ROLE = "person with significant control"
MAX_FILE_BYTES = 50 * 1024 * 1024


class CompaniesHouseFileError(Exception):
    def __init__(self, file, message, field=None, row=None):
        self.file, self.message, self.field, self.row = file, message, field, row
        super().__init__(str(self))

    def __str__(self):
        parts = [os.path.basename(str(self.file))]
        if self.row is not None:
            parts.append(f"line {self.row}")
        if self.field is not None:
            parts.append(f'field "{self.field}"')
        return ", ".join(parts) + ": " + self.message


@dataclass
class Appointment:
    officer_name: str  # as Companies House writes it
    surname: str  # folded, for matching
    forenames: tuple
    company_number: str
    company_name: str
    role: str  # officer_role (director, llp-member, secretary…) or PSC_ROLE
    appointed_on: Optional[date] = None
    resigned_on: Optional[date] = None
    birth_month: Optional[int] = None
    birth_year: Optional[int] = None
    corporate: bool = False
    source: str = ""
    natures_of_control: tuple = ()

    def current_in(self, start: Optional[date], end: Optional[date]) -> bool:
        """Held at some time in the period (inclusive)."""
        if end is not None and self.appointed_on is not None and self.appointed_on > end:
            return False
        return not (start is not None and self.resigned_on is not None and self.resigned_on < start)

    @property
    def company_label(self) -> str:
        if self.company_name and self.company_number:
            return f"{self.company_name} ({self.company_number})"
        return self.company_name or f"company {self.company_number}"


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]+(?:['-][a-z]+)*", fold(text)) if w not in TITLES and w not in SUFFIXES]


def split_name(written: str, elements: Optional[dict] = None) -> tuple[str, tuple]:
    """(surname, forenames) from "SURNAME, Forenames", "Forenames SURNAME", "Dr Forename Surname" or name_elements."""
    if isinstance(elements, dict) and elements.get("surname"):
        forenames = _words(" ".join(str(elements.get(k) or "") for k in ("forename", "other_forenames", "middle_name")))
        return " ".join(_words(elements["surname"])), tuple(forenames)
    if "," in (written or ""):
        surname, _, rest = written.partition(",")
        return " ".join(_words(surname)), tuple(_words(rest))
    raw = [w for w in re.findall(r"[^\s]+", written or "") if fold(w).strip(".") not in TITLES | SUFFIXES]
    capitals = [w for w in raw if len(w) > 1 and w.isupper()]
    if capitals and len(capitals) < len(raw):  # "Sergey BRIN": the surname is the word in capitals
        surname = " ".join(_words(" ".join(capitals)))
        return surname, tuple(_words(" ".join(w for w in raw if w not in capitals)))
    words = _words(written)
    return (words[-1], tuple(words[:-1])) if words else ("", ())


def same_person_name(a: tuple[str, tuple], b: tuple[str, tuple]) -> bool:
    """Same surname and the same first forename (or its initial)."""
    (surname_a, fore_a), (surname_b, fore_b) = a, b
    if not surname_a or surname_a != surname_b or not fore_a or not fore_b:
        return False
    first_a, first_b = fore_a[0], fore_b[0]
    if len(first_a) == 1 or len(first_b) == 1:
        return first_a[0] == first_b[0]
    return first_a == first_b


def _date(file, field_name, value) -> Optional[date]:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise CompaniesHouseFileError(file, f"not a date: {value!r}", field_name) from None


def _birth(file, field_name, value) -> tuple[Optional[int], Optional[int]]:
    if not value:
        return None, None
    if not isinstance(value, dict):
        raise CompaniesHouseFileError(file, "must be an object with month and year", field_name)
    month, year = value.get("month"), value.get("year")
    if month is not None and (not isinstance(month, int) or not 1 <= month <= 12):
        raise CompaniesHouseFileError(file, f"not a month: {month!r}", field_name + ".month")
    if year is not None and (not isinstance(year, int) or not 1850 <= year <= 2100):
        raise CompaniesHouseFileError(file, f"not a year: {year!r}", field_name + ".year")
    return month, year


def _company_from_link(link: str) -> str:
    match = re.match(r"^/company/([A-Za-z0-9]+)/", link or "")
    return normalise_company_number(match.group(1)) if match else ""


def _officer_item(
    file, item: dict, path: str, company_number: str, company_name: str, envelope: dict, source: str
) -> Appointment:
    if not isinstance(item, dict):
        raise CompaniesHouseFileError(file, "must be an object", path)
    name = item.get("name") or envelope.get("name") or ""
    if not name:
        raise CompaniesHouseFileError(file, "missing", f"{path}.name")
    role = item.get("officer_role")
    if not role:
        raise CompaniesHouseFileError(file, "missing", f"{path}.officer_role")
    month, year = _birth(file, f"{path}.date_of_birth", item.get("date_of_birth") or envelope.get("date_of_birth"))
    surname, forenames = split_name(name, item.get("name_elements"))
    corporate = bool(
        envelope.get("is_corporate_officer") or item.get("identification") or str(role).startswith("corporate")
    )
    return Appointment(
        name,
        surname,
        forenames,
        company_number,
        company_name,
        str(role),
        _date(file, f"{path}.appointed_on", item.get("appointed_on")),
        _date(file, f"{path}.resigned_on", item.get("resigned_on")),
        month,
        year,
        corporate,
        source,
    )


def _psc_item(file, item: dict, path: str, company_number: str, source: str) -> Appointment:
    if not isinstance(item, dict):
        raise CompaniesHouseFileError(file, "must be an object", path)
    name = item.get("name") or ""
    if not name:
        raise CompaniesHouseFileError(file, "missing", f"{path}.name")
    month, year = _birth(file, f"{path}.date_of_birth", item.get("date_of_birth"))
    surname, forenames = split_name(name, item.get("name_elements"))
    kind = str(item.get("kind") or "")
    return Appointment(
        name,
        surname,
        forenames,
        company_number,
        "",
        PSC_ROLE,
        _date(file, f"{path}.notified_on", item.get("notified_on")),
        _date(file, f"{path}.ceased_on", item.get("ceased_on")),
        month,
        year,
        not kind.startswith("individual"),
        source,
        tuple(item.get("natures_of_control") or ()),
    )


def appointments_from_document(file, document, source: str = "") -> list[Appointment]:
    """The appointments in one API response (or snapshot line)."""
    source = source or os.path.basename(str(file))
    if not isinstance(document, dict):
        raise CompaniesHouseFileError(file, "not a Companies House response (expected a JSON object)")
    if "company_number" in document and isinstance(document.get("data"), dict):  # PSC snapshot line
        number = normalise_company_number(document["company_number"])
        if not number:
            raise CompaniesHouseFileError(file, "not a company number", "company_number")
        return [_psc_item(file, document["data"], "data", number, source)]
    self_link = str((document.get("links") or {}).get("self") or "")
    items = document.get("items")
    if items is not None and not isinstance(items, list):
        raise CompaniesHouseFileError(file, "must be a list", "items")
    if (
        document.get("kind") == "personal-appointment"
        or self_link.startswith("/officers/")
        or (items and isinstance(items[0], dict) and "appointed_to" in items[0])
    ):
        out = []
        for n, item in enumerate(items or []):
            target = item.get("appointed_to") if isinstance(item, dict) else None
            if not isinstance(target, dict) or not target.get("company_number"):
                raise CompaniesHouseFileError(file, "missing", f"items[{n}].appointed_to.company_number")
            out.append(
                _officer_item(
                    file,
                    item,
                    f"items[{n}]",
                    normalise_company_number(target["company_number"]),
                    str(target.get("company_name") or ""),
                    document,
                    source,
                )
            )
        return out
    number = _company_from_link(self_link)
    if "persons-with-significant-control" in self_link:
        return [_psc_item(file, item, f"items[{n}]", number, source) for n, item in enumerate(items or [])]
    if document.get("kind") == "officer-list" or "/officers" in self_link:
        return [_officer_item(file, item, f"items[{n}]", number, "", {}, source) for n, item in enumerate(items or [])]
    if "officer_role" in document:  # one appointment: /company/{number}/appointments/{id}
        return [_officer_item(file, document, "appointment", number, "", {}, source)]
    raise CompaniesHouseFileError(file, "not a Companies House officer, appointment or PSC response")


def read_companies_house(file, data: Optional[bytes] = None) -> list[Appointment]:
    if data is None:
        if not os.path.isfile(file):
            raise CompaniesHouseFileError(file, "file not found")
        if os.path.getsize(file) > MAX_FILE_BYTES:
            raise CompaniesHouseFileError(file, "too large")
        with open(file, "rb") as handle:
            data = handle.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CompaniesHouseFileError(file, f"not valid UTF-8 (byte at offset {error.start})") from None
    try:
        return appointments_from_document(file, json.loads(text))
    except json.JSONDecodeError as error:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise CompaniesHouseFileError(file, f"not valid JSON: {error.msg}") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):  # the PSC snapshot: one JSON object a line
        if not line.strip():
            continue
        try:
            out += appointments_from_document(file, json.loads(line))
        except json.JSONDecodeError as error:
            raise CompaniesHouseFileError(file, f"not valid JSON: {error.msg}", row=n) from None
    return out


def read_companies_house_files(files: Iterable) -> list[Appointment]:
    out = []
    for file in files:
        data = None
        if isinstance(file, tuple):
            file, data = file
        out += read_companies_house(file, data)
    return out


# --- the API (only with a key) ----------------------------------------------------------------------------------

Fetch = Callable[[str, dict], bytes]


class CompaniesHouseApiError(Exception):
    pass


def _urlopen(url: str, headers: dict) -> bytes:
    if not url.startswith("https://"):
        raise CompaniesHouseApiError("the Companies House API is only called over HTTPS")
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:  # nosec B310 - https only, checked above
        return response.read()


class CompaniesHouseApi:
    """The public data API with an API key (HTTP basic auth, the key as the user name). ``fetch`` is injectable:
    tests pass recorded responses, so no test touches the network."""

    def __init__(self, api_key: str, base_url: str, fetch: Optional[Fetch] = None):
        if not api_key:
            raise CompaniesHouseApiError("No Companies House API key is configured (COMPANIES_HOUSE_API_KEY)")
        self.base_url = base_url.rstrip("/")
        self.headers = {
            "Authorization": "Basic " + base64.b64encode(f"{api_key}:".encode()).decode(),
            "Accept": "application/json",
        }
        self.fetch = fetch or _urlopen

    def get(self, path: str) -> dict:
        try:
            return json.loads(self.fetch(self.base_url + path, self.headers))
        except CompaniesHouseApiError:
            raise
        except Exception as error:  # network, HTTP status, JSON: one message for the page
            raise CompaniesHouseApiError(f"Companies House did not answer {path}: {error}") from None

    def appointments_of(self, full_name: str, items: int = 50) -> list[Appointment]:
        """Officers found by searching the name, kept when the name matches, and all their appointments."""
        wanted = split_name(full_name)
        found = self.get("/search/officers?" + urllib.parse.urlencode({"q": full_name, "items_per_page": items}))
        out = []
        for hit in found.get("items") or []:
            link = str((hit.get("links") or {}).get("self") or "")
            if not re.fullmatch(r"/officers/[A-Za-z0-9_-]+/appointments", link):
                continue
            if not same_person_name(wanted, split_name(str(hit.get("title") or ""))):
                continue
            out += appointments_from_document(link, self.get(link), source="Companies House API " + link)
        return out
