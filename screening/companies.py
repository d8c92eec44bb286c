"""Organisations that are not in the practice directory (GP federations, provider companies, trusts, charities):
found by their written names, matched by normalised name with legal-suffix variants, stated or formed
initialisms and "t/a" trading names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .normalise import GENERIC, STOP, close, deletes1, fold

LEGAL = [
    ("community", "interest", "company"),
    ("limited", "liability", "partnership"),
    ("nhs", "foundation", "trust"),
    ("foundation", "trust"),
    ("nhs", "trust"),
    ("limited",),
    ("ltd",),
    ("llp",),
    ("cic",),
    ("plc",),
    ("lp",),
    ("inc",),
    ("ft",),
    ("nhs", "ft"),
    ("company",),
    ("co",),
    ("nhs",),
    ("trust",),
]
LEGAL_WORDS = {w for t in LEGAL for w in t}
# institutions whose roles are never a conflict on their own (employment by commissioner, LMC, Healthwatch...)
INSTITUTION = frozenset(
    "healthwatch lmc icb ccg bma nmc gmc gphc rcgp university college school academy council "
    "committee nhse department government parliament".split()
)
NOT_NAME = INSTITUTION | frozenset(
    "ods gp gps apms gms pms qof cqc arrs pcn nhs les lcs lis des dspt caip iif ecg uk isa england ppg psr".split()
)
PRACTICE_TYPE = frozenset(
    {
        "surgery",
        "practice",
        "pcn",
        "network",
        "centre",
        "clinic",
        "surgeries",
        "practices",
    }
)
# words that make a name a charity or a voluntary organisation even with a practice's type word in it ("Dartford
# Carers Centre", "Citizens Advice", "Hospice"), or with no legal suffix at all
VOLUNTARY = frozenset(
    "carers carer advice hospice charity society association foundation mind samaritans volunteers "
    "voluntary befrienders wellbeing".split()
)
SCHEME_WORDS = frozenset(
    {"scheme", "schemes", "specification", "pathway", "programme", "framework", "les", "lcs", "lis", "des"}
)
JOIN = frozenset({"and", "the", "of", "for", "in", "on"})

_PRE = [
    (
        re.compile(r"\bp\.\s?c\.\s?n\b\.?|\bpcn\b", re.I),
        " PCN ",
    ),  # a PCN is not a company ("X P.C.N.", "X pcn")
    (re.compile(r"[\u2013\u2014]"), " | "),
    (re.compile(r"\b[Cc]\.\s?[Ii]\.\s?[Cc]\.?"), " CIC "),
    (re.compile(r"\b(t\s*/\s*a|trading as)\b", re.I), " |TA| "),
    (
        re.compile(r"\b(formerly|previously known as|known as|also known as|aka)\b", re.I),
        " |TA| ",
    ),
    (
        re.compile(r"\b([A-Za-z])\s?&\s?([A-Za-z]{1,3})\b"),
        lambda m: m.group(1) + m.group(2) if " " not in m.group(0) else m.group(0),
    ),
    (re.compile(r"[\u2019']s?\b"), ""),
    (re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])"), ""),
    (re.compile(r"&"), " and "),
]
_SEG = re.compile(r'(\|TA\||\(|\)|\[|\]|[,;:|/"]|\s-\s|\.\s)')
_WORD = re.compile(r"[A-Za-z0-9]+")
_HASDIGIT = re.compile(r"\d")
_RUN_TOGETHER = re.compile(r"(?<=[a-z])[A-Z0-9]")
_CODELIKE = re.compile(r"[A-Za-z]{1,2}\d[A-Za-z0-9]{0,4}|\d[A-Za-z]{2}|\d+")


@dataclass
class OrgName:
    written: str
    tokens: tuple  # canonical lower-case tokens (legal suffix removed)
    legal: bool  # written with a legal suffix
    acronym: str  # initialism formed from the name ('' if under 2 words)
    raw_caps: bool  # a single all-capitals token (an acronym as written)
    group: int = 0  # names stated together (X (ABC), X t/a Y) share a group
    alone: bool = True  # (acronyms) no full name stated beside it

    @property
    def distinctive(self):
        return [t for t in self.tokens if t not in GENERIC and t not in JOIN]


def _canon(w: str) -> str:
    w = w.lower()
    return {
        "grp": "group",
        "fed": "federation",
        "hlth": "health",
        "med": "medical",
        "ctr": "centre",
        "centre": "centre",
        "center": "centre",
        "svcs": "services",
        "assoc": "association",
        "limited": "ltd",
        "saint": "st",
        "co": "company",
    }.get(w, w)


def _acronym(raw_words: list[str]) -> list[str]:
    outs = set()
    for drop_nhs in (False, True):
        s = ""
        n = 0
        for w in raw_words:
            lw = w.lower()
            if lw in JOIN or (drop_nhs and lw == "nhs"):
                continue
            if w.isdigit():
                s += w
            elif w.isupper() and len(w) <= 4 and len(raw_words) > 1:
                s += lw
            else:
                s += lw[0]
            n += 1
        if n >= 2:
            outs.add(s)
    return sorted(outs)


def extract_org_names(text: str) -> list[OrgName]:
    s = fold(text or "")
    for rx, rep in _PRE:
        s = rx.sub(rep, s)
    parts = _SEG.split(s)
    out: list[OrgName] = []
    group = 0
    found_last = False  # the segment before held a name
    prev_group = None
    link_next = False
    bracket = False
    for part in parts:
        if part in ("|TA|", "("):
            link_next = True
            bracket = part == "(" and bool(out) and found_last
            continue
        if part is None or _SEG.fullmatch(part or ""):
            if part not in ("(", ")"):
                link_next = False if part != "|TA|" else link_next
            continue
        words = [w for w in _WORD.findall(part)]
        if bracket and len(words) == 1 and words[0][:1].isupper() and words[0].lower() not in NOT_NAME:
            # "Citizens Advice (Medway)": one capitalised word in brackets after a name is part of it
            named = next(o for o in reversed(out) if not o.acronym)
            if not _CODELIKE.fullmatch(words[0]) and not (words[0].isupper() and not named.written.isupper()):
                w = _canon(words[0])
                out.append(
                    OrgName(
                        named.written + " " + words[0],
                        named.tokens + (w,),
                        named.legal,
                        "",
                        False,
                        named.group,
                    )
                )
        bracket = False
        # split the segment at declaration / role vocabulary
        runs: list = []
        cur: list = []
        all_lower = not any(w[0].isupper() for w in words)
        for w in words:
            lw = w.lower()
            if _CODELIKE.fullmatch(w) and not (cur and w.isdigit()):
                if cur:
                    runs.append(cur)
                cur = []
                continue
            lower_break = not all_lower and w[0].islower() and lw not in JOIN and lw not in LEGAL_WORDS
            if lw in SCHEME_WORDS and cur:
                cur = []  # "Care Home Scheme", "Phlebotomy Service LES": a scheme's name, not a provider
                continue
            if lower_break or (lw in STOP and lw not in JOIN and lw not in GENERIC):
                if cur:
                    runs.append(cur)
                cur = []
                continue
            cur.append(w)
        if cur:
            runs.append(cur)
        found_here = False
        for run in runs:
            while run and run[0].lower() in JOIN:
                run = run[1:]
            while run and run[-1].lower() in JOIN:
                run = run[:-1]
            if not run:
                continue
            low = [_canon(w) for w in run]
            run_before_strip = list(run)
            legal = False
            trust = False
            # strip trailing legal suffixes (possibly several: "NHS Foundation Trust", "Ltd")
            changed = True
            while changed and low:
                changed = False
                for suf in LEGAL:
                    k = len(suf)
                    if len(low) > k and tuple(low[-k:]) == tuple(_canon(x) for x in suf):
                        low, run = low[:-k], run[:-k]
                        legal = True
                        trust = trust or "trust" in suf or "ft" in suf
                        changed = True
                        break
            if not low:
                continue
            full_run = list(run_before_strip)
            # an NHS trust may carry "University" in its name; other institution words mark a role, not a party
            if any(w in INSTITUTION and not (trust and w == "university") for w in low) or (
                len(low) == 1 and low[0] in NOT_NAME
            ):
                continue
            if not legal and not link_next and any(w in PRACTICE_TYPE for w in low) and not VOLUNTARY & set(low):
                continue
            caps = any(w[0].isupper() for w in run)
            dist = [w for w in low if w not in GENERIC and w not in JOIN]
            single_caps = len(run) == 1 and run[0].isupper() and len(run[0]) >= 3
            # a name run together, its words marked by capitals or digits ("MedHub4U"): a name, not a word
            joined = len(run) == 1 and len(run[0]) >= 5 and bool(_RUN_TOGETHER.search(run[0][1:]))
            if all_lower and not legal:
                continue
            usable = (
                legal
                or (caps and len(dist) >= 1 and len(low) >= 2)
                or single_caps
                or joined
                or (link_next and caps and len(low) >= 2)
            )
            if not usable:
                continue
            if not link_next or prev_group is None:
                group += 1
            g = group
            tokens = tuple(w for w in low if w not in ("the",))
            out.append(OrgName(" ".join(run), tokens, legal, "", single_caps, g))
            acs = set(_acronym(run)) | (set(_acronym(full_run)) if len(full_run) > len(run) else set())
            for ac in sorted(acs):
                if len(run) >= 2:
                    out.append(OrgName(" ".join(run) + " (initials)", (ac,), legal, ac, False, g))
            prev_group = g
            found_here = True
        found_last = found_here
    multi = {o.group for o in out if not o.acronym and not o.raw_caps and len(o.tokens) >= 2}
    for o in out:
        if o.raw_caps and o.group in multi:
            o.alone = False
        link_next = False
        if not found_here:
            prev_group = None
    return out


def _subseq(short: str, long_: str) -> bool:
    if len(short) >= len(long_):
        return False
    it = iter(long_)
    return all(c in it for c in short)


def _tok_eq(a: str, b: str) -> bool:
    if a == b:
        return True
    if a in GENERIC or b in GENERIC or a in JOIN or b in JOIN or _HASDIGIT.search(a) or _HASDIGIT.search(b):
        return False
    return close(a, b) is not None


def _joined_as_written(o: OrgName) -> str:
    """The name's words as written (no abbreviation spelt out), run together, legal suffix left out."""
    ws = [w.lower() for w in _WORD.findall(o.written) if w.lower() not in LEGAL_WORDS and w.lower() not in JOIN]
    return "".join(ws)


def _plain(tokens) -> list:
    """Tokens with plurals of generic words made singular ("GPs" is "GP")."""
    return [t[:-1] if t.endswith("s") and t[:-1] in GENERIC else t for t in tokens]


def names_match(a: OrgName, b: OrgName) -> str | None:
    """How two written organisation names refer to the same body, or None."""
    if a.acronym and b.acronym:
        return None  # two initialisms formed by us say nothing
    if (a.acronym and b.raw_caps and not b.alone) or (b.acronym and a.raw_caps and not a.alone):
        return None  # the stated acronym has its full name beside it: compare those
    ta = tuple(t for t in a.tokens if t not in JOIN)
    tb = tuple(t for t in b.tokens if t not in JOIN)
    if not ta or not tb:
        return None
    if len(ta) != len(tb) and "".join(ta) == "".join(tb) and len("".join(ta)) >= 4:
        return "name variant (spacing)"
    ra, rb = _joined_as_written(a), _joined_as_written(b)
    if ra == rb and len(ra) >= 6 and len(ta) != len(tb):
        return "name variant (spacing)"  # "Med Hub 4 U" and "MedHub4U"
    if len(ta) >= 2 and sorted(_plain(ta)) == sorted(_plain(tb)) and ta != tb and [t for t in ta if t not in GENERIC]:
        return "name variant (word order)"  # "Sevenoaks Federation of GPs", "Sevenoaks GP Federation"
    if len(ta) == len(tb) and len(ta) >= 3 and sum(x == y for x, y in zip(ta, tb)) == len(ta) - 1:
        x, y = next((x, y) for x, y in zip(ta, tb) if x != y)
        if (
            x not in GENERIC
            and y not in GENERIC
            and x[0] == y[0]
            and min(len(x), len(y)) >= 4
            and (_subseq(x, y) or _subseq(y, x))
        ):
            return "name variant (abbreviation)"
    if len(ta) == len(tb) and all(_tok_eq(x, y) for x, y in zip(ta, tb)):
        if not [t for t in ta if t not in GENERIC] and not (a.legal or b.legal):
            return None
        return "same name" if ta == tb else "name variant"
    # one name inside the other (e.g. "the local GP Federation Hartlepool and Stockton Health")
    short, long_ = (ta, tb) if len(ta) < len(tb) else (tb, ta)
    sd = [t for t in short if t not in GENERIC]
    if (
        len(short) >= 2
        and len(sd) >= 1
        or (
            len(short) == 1
            and len(short[0]) >= 3
            and ((a.raw_caps or a.acronym) if short is ta else (b.raw_caps or b.acronym))
        )
    ):
        k = len(short)
        for i in range(len(long_) - k + 1):
            if all(_tok_eq(x, y) for x, y in zip(short, long_[i : i + k])):
                # the rest of the longer name must not be distinctive words of a different company name
                rest = long_[:i] + long_[i + k :]
                rest_d = [t for t in rest if t not in GENERIC and t not in LEGAL_WORDS]
                if i + k == len(long_) or not rest_d or i > 0 and not [t for t in long_[i + k :] if t not in GENERIC]:
                    return "name within longer text"
    return None


def index_keys(org: OrgName) -> set:
    toks = [t for t in org.tokens if t not in JOIN]
    keys = {"".join(toks)}
    if not org.acronym:
        keys.add(_joined_as_written(org))  # "MedHub4U" is found from "Med Hub 4 U"
    for t in toks:
        if t not in GENERIC:
            keys.add(t)
            if len(t) >= 5 and not _HASDIGIT.search(t):
                keys |= {"~" + k for k in deletes1(t)}
    return keys


def lookup_keys(org: OrgName) -> set:
    return index_keys(org)


@dataclass
class CompanyIndex:
    """Written organisation names (from declarations) indexed by distinctive tokens / acronyms."""

    names: list = field(default_factory=list)  # (payload, OrgName)
    by_key: dict = field(default_factory=dict)

    def add(self, payload, org: OrgName):
        i = len(self.names)
        self.names.append((payload, org))
        toks = [t for t in org.tokens if t not in JOIN]
        keys = index_keys(org)
        for a in range(len(toks)):  # joined windows: "G Doc" is found from "GDoc"
            for b in range(a + 2, min(len(toks), a + 5) + 1):
                keys.add("".join(toks[a:b]))
        for k in keys:
            self.by_key.setdefault(k, []).append(i)

    def candidates(self, org: OrgName):
        seen = set()
        for k in lookup_keys(org):
            for i in self.by_key.get(k, ()):
                if i not in seen:
                    seen.add(i)
                    yield self.names[i]
