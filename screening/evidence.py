"""Evidence in plain English: one sentence per flag for the chair ("Dr Okafor is a salaried GP at Eversley Medical
Centre (H83020), which item 4.1 names."). The matching path (what was read, how it was found, the rule) is kept
separately as the flag's ``path``."""

from __future__ import annotations

import re
from functools import lru_cache

from .declarations import Reading
from .model import Interest

ROLE_PHRASE = {
    "partner": "a partner at",
    "salaried": "a salaried GP at",
    "practice_manager": "the practice manager at",
    "director": "a director of",
    "shareholder": "a shareholder in",
    "trustee": "a trustee of",
    "adviser": "an adviser to",
    "employee": "employed by",
    "patient": "a registered patient at",
    "owner": "an owner of",
    "pcn_role": "in a leadership role at",
    "other": "connected with",
}
_SMALL = {"and", "of", "the", "at", "in", "on", "for", "upon", "by", "de", "le"}
_UPPER = {"PCN", "GP", "NHS", "ICB", "CCG", "UK", "LLP", "CIC", "PLC", "GPS"}


@lru_cache(maxsize=65536)
def nice(name: str) -> str:
    """An official name in capitals written as people read it: "THE DENSHAM SURGERY" -> "The Densham Surgery"."""
    if not name or not name.isupper():
        return name
    out = []
    for i, w in enumerate(name.split()):
        bare = w.strip("(),.&-")
        if bare in _UPPER or any(ch.isdigit() for ch in bare):
            out.append(w)
        elif i and bare.lower() in _SMALL:
            out.append(w.lower())
        else:
            out.append(re.sub(r"[A-Za-z]+('[A-Za-z]+)?", lambda m: m.group(0)[0].upper() + m.group(0)[1:].lower(), w))
    return " ".join(out)


def label(directory, code: str) -> str:
    """A practice or PCN as people read its name, with its code: "Eversley Medical Centre (H83020)"."""
    name = directory.practice_name(code)
    if name is None:
        name = directory.pcn_name(code)
    if name is not None:
        return f"{nice(name)} ({code})"
    return directory.label(code)


def who(it: Interest, rd: Reading) -> str:
    name = (it.name or "").strip() or f"Member {it.member_id}"
    if rd.holder == "self":
        return name
    rel = rd.relationship or ("spouse" if rd.holder == "spouse" else "family member")
    return f"{name}'s {rel}"


def is_role(it: Interest, rd: Reading) -> str:
    """ "Dr Okafor is a salaried GP at" / "Dr Okafor's wife is a partner at"."""
    role = rd.role
    phrase = ROLE_PHRASE.get(role, "connected with")
    if role == "pcn_role" and re.search(r"\bclinical director\b|\bcd\b", it.description or "", re.I):
        phrase = "clinical director of"
    return f"{who(it, rd)} is {phrase}"


FOUND_BY = {
    "building": "by its building",
    "street": "by its street",
    "postcode": "by its postcode",
    "ODS code": "by its ODS code",
    "PCN code": "by its code",
}


def item_names(item_id: str, how: str, written: str) -> str:
    """ ", which item 4.1 names" with how, when the item does not write the name itself."""
    base = how.split(" variant")[0]
    by = FOUND_BY.get(base)
    if by and base not in ("ODS code", "PCN code"):
        return f', which item {item_id} names {by} ("{written}")'
    if by:
        return f", which item {item_id} names {by}"
    return f", which item {item_id} names"
