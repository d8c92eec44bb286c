"""Reading one declaration: whose interest it is (self / spouse / family), the role, whether it is a nil return,
and whether it is current on a date. Role vocabularies are general (how declarations are worded)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .model import Interest

NIL_RE = re.compile(
    r"^\s*(nil\b|none\b|n/?a\b|nothing\b|no\b.*\b(interests?|declarations?|change)\b|"
    r"not applicable|no relevant)",
    re.I,
)

_REL = (
    r"(?:civil\s+partner|spouse|wife|husband|son|daughter|mother|father|brother|sister|sibling|parent|"
    r"child|step-?\w+|\w+-in-law|close family member|family member|relative|partner|fianc[eé]e?|"
    r"grand(?:son|daughter|mother|father|parent))"
)
REL_RE = re.compile(
    r"\b(my|our|his|her)\s+" + _REL + r"\b|^\s*" + _REL + r"\b|\b" + _REL + r"\s*[:–\-(,]|"
    r"\bclose family\b|\b(civil partner|spouse|wife|husband|son|daughter|mother|father|brother|"
    r"sister|sibling|grandson|granddaughter|son-in-law|daughter-in-law)\b",
    re.I,
)
SPOUSE_WORDS = ("spouse", "wife", "husband", "civil partner", "partner", "fianc")

# role vocabulary, strongest first; each: (role, pattern)
ROLES = [
    (
        "patient",
        r"\bpatient\b|\bregistered (with|at)\b|\bmy (gp|gp practice|practice|surgery) is\b|"
        r"\bregistered (as a )?patient\b|\bmy gp\b",
    ),
    (
        "practice_manager",
        r"\bpractice (business )?manager\b|\bbusiness manager\b|\bpm\b|\boperations manager\b|"
        r"\bmanager\b",
    ),
    ("pcn_role", r"\bclinical directors?\b|\bdeputy cd\b|\bcd\b|\bpcn (lead|board|director)\b"),
    (
        "partner",
        r"\bpartners?\b|\bprincipal\b|\bcontract[- ](holder|holding)\b|\bequity\b|\bprofit[- ]sharing\b|"
        r"\bpartnership (share|stake|interest|agreement|in|at|with)\b|\b(a|my|the) partnership (in|at)\b|"
        r"\b(hold|holds|held|have|has|joined|resigned|left) (a |my |the |from )?partnership\b|"
        r"\bgp principal\b|\bsole (contractor|trader)\b|\bsingle[- ]handed\b",
    ),
    (
        "salaried",
        r"\bsalaried\b|\bemployed gp\b|\bsessional\b|\blocum\b|\bretained\b|\bgp registrar\b|"
        r"\bgp (at|in|with)\b|\bgeneral practitioner\b|\bregistrar\b|\bemployed (as a )?(gp|doctor)\b|"
        r"\bdoctor\b|\bgp\b",
    ),
    (
        "director",
        r"\bdirector\b|\bdirects?\b|\bboard (member|director)\b|\bcompany secretary\b|\bchair\b|"
        r"\bchief executive\b|\bceo\b|\bnon[- ]executive\b|\bsits on the board\b",
    ),
    ("shareholder", r"\bshares?\b|\bsharehold\w*\b|\bowner\b|\bowns?\b|\bproprietor\b"),
    ("trustee", r"\btrustees?\b|\bgovernor\b|\bboard\b|\bcommittee member\b"),
    ("adviser", r"\badvis[eo]r\b|\badvisory\b|\bconsultan(t|cy)\b"),
    (
        "employee",
        r"\bemploy\w*\b|\bworks?\b|\bstaff\b|\bnurse\b|\bpharmacist\b|\bpaid\b|\bremunerated\b|"
        r"\bmedical director\b|\bmember\b",
    ),
]
ROLES_RE = [(r, re.compile(p, re.I)) for r, p in ROLES]
FINANCIAL_ROLES = {"partner", "salaried", "practice_manager", "director", "shareholder", "employee", "owner"}
UNPAID_RE = re.compile(r"\b(unpaid|voluntary|volunteer|honorary|lay|pro bono|not remunerated|no remuneration)\b", re.I)
PAID_RE = re.compile(r"\((paid|remunerated)\)|\bpaid\b|\bremunerated\b|\bsalary\b|\bfees?\b", re.I)
ENDED_RE = re.compile(
    r"\b(former|formerly|previously|past role|ex[- ]|historic|retired from|until|resigned|"
    r"stood down|left)\b",
    re.I,
)


@dataclass
class Reading:
    nil: bool
    holder: str  # 'self' | 'spouse' | 'family'
    relationship: str  # as written ('' for self)
    role: str  # one of the ROLES keys or 'other'
    paid: bool | None  # True/False when the text says so


def is_nil(it: Interest) -> bool:
    t = (it.interest_type or "").strip()
    if not t:
        return True
    return False


def read_declaration(it: Interest) -> Reading:
    text = it.description or ""
    if is_nil(it):
        return Reading(True, "self", "", "none", None)
    itype = (it.interest_type or "").strip().lower()
    holder, rel = "self", ""
    body = text
    if it.holder:
        holder = it.holder
        rel = it.relationship or ""
    else:
        m = REL_RE.search(text)
        indirect = itype == "indirect"
        if m and (indirect or (m.group(1) if m.lastindex else None)):
            word = m.group(0).strip(" :–-(,").lower()
            is_my = bool(re.match(r"(my|our|his|her)\s", word))
            # "partner" is a relationship only in indirect rows or written as "my partner"
            if "partner" in word and "civil" not in word and not indirect and not is_my:
                pass
            else:
                rel = re.sub(r"^(my|our|his|her)\s+", "", word)
                holder = "spouse" if any(w in rel for w in SPOUSE_WORDS) else "family"
                body = text[: m.start()] + " " + text[m.end() :]
        elif indirect:
            holder, rel = "family", "associate"
    role = "other"
    if it.role:
        role = it.role
    else:
        for r, rx in ROLES_RE:
            if rx.search(body):
                role = r
                break
        # "partner" meaning a business partner vs "partner" as written in indirect rows handled above
    paid = None
    if UNPAID_RE.search(body):
        paid = False
    elif PAID_RE.search(body):
        paid = True
    if role in ("trustee", "adviser", "director") and paid is False:
        role = "trustee" if role != "adviser" else "adviser"
    return Reading(False, holder, rel, role, paid)


def is_current(it: Interest, on: date | None) -> bool:
    if on is None:
        return it.date_to is None
    if it.date_to is not None and it.date_to < on:
        return False
    if it.date_from is not None and it.date_from > on:
        return False
    return True


def is_financial(it: Interest, rd: Reading) -> bool:
    """Does this interest give a financial stake (directly or through a close associate)?"""
    if rd.role == "patient":
        return False
    if rd.paid is False:
        return False
    itype = (it.interest_type or "").lower()
    if rd.role in ("partner", "salaried", "practice_manager", "shareholder", "employee"):
        return True
    if rd.role == "director":
        return itype in ("financial", "indirect") or rd.paid is True
    if rd.role in ("trustee", "adviser"):
        return rd.paid is True and itype in ("financial", "indirect")
    return itype in ("financial", "indirect")
