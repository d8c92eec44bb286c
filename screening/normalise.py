"""How NHS organisation names are written: tokenising, canonical forms of generic type words, fuzzy keys.

Only general rules live here (abbreviations of type words, legal suffixes, role vocabulary), never lists of
particular organisations.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import OSA

# abbreviations of generic type words (token -> canonical tokens)
ABBREV = {
    "med": ("medical",),
    "meds": ("medical",),
    "medic": ("medical",),
    "mc": ("medical", "centre"),
    "hc": ("health", "centre"),
    "hlth": ("health",),
    "ctr": ("centre",),
    "cntr": ("centre",),
    "cent": ("centre",),
    "ctre": ("centre",),
    "cntre": ("centre",),
    "surgy": ("surgery",),
    "srgy": ("surgery",),
    "cen": ("centre",),
    "centr": ("centre",),
    "center": ("centre",),
    "centers": ("centre",),
    "centres": ("centre",),
    "surg": ("surgery",),
    "surgeries": ("surgery",),
    "grp": ("group",),
    "gp": ("gp",),
    "gps": ("gp",),
    "pract": ("practice",),
    "prac": ("practice",),
    "practices": ("practice",),
    "pr": ("practice",),
    "rd": ("road",),
    "st": ("st",),
    "saint": ("st",),
    "street": ("st",),
    "str": ("st",),
    "ave": ("avenue",),
    "av": ("avenue",),
    "ln": ("lane",),
    "sq": ("square",),
    "hse": ("house",),
    "drs": ("dr",),
    "doctor": ("dr",),
    "doctors": ("doctors",),
    "fed": ("federation",),
    "assoc": ("association",),
    "partnrs": ("partners",),
    "ptnrs": ("partners",),
    "healthcentre": ("health", "centre"),
    "medicalcentre": ("medical", "centre"),
    "groups": ("group",),
    "clinics": ("clinic",),
    "networks": ("network",),
    "pcns": ("pcn",),
    "grove": ("grove",),
    "fam": ("family",),
    "pship": ("partnership",),
    "pshp": ("partnership",),
    "hcare": ("healthcare",),
    "hlthcare": ("healthcare",),
    "ptnrship": ("partnership",),
    "mdcl": ("medical",),
}
# generic words: never identify an organisation on their own
GENERIC = frozenset(
    """
medical centre surgery health healthcare practice group primary care nhs pcn network family clinic gp doctors
partnership partners general services service unit community integrated trust foundation team hub
federation alliance provider providers the and of dr limited ltd llp plc cic company
""".split()
)
# words that may sit inside a name without breaking it
TRANSPARENT = frozenset({"and", "dr", "the"})
# words with too little meaning to be the whole distinctive core of a name
WEAK = frozenset(
    "road st lane avenue house way hill park green street close drive court square place north south "
    "east west new old upper lower".split()
)
# a name can stop here: function words and common role / declaration vocabulary break a run
STOP = frozenset(
    """
a an at in on of for to by with from between as is are was be been being its it this that these those his her
their my our your i we he she they who which will would has have had not no or nor but if then than so
per via into onto over under within without across all every each any some about after before during until
since following formerly former previously past ended left retired now currently also only both either
partner partners principal salaried employed employee employs employ works working work sessional locum
director directors shareholder shareholding shares share owner owns owned member members board trustee
governor adviser advisor chair vice deputy clinical lead manager business registered patient registration
husband wife spouse son daughter mother father brother sister sibling parent child children civil family
relative holds hold holding post role paid unpaid voluntary volunteer remunerated non executive
senior managing equity profit sharing contract holder interim caretaker award awards decision approve
approval proposed proposal application variation novation merger closure dispersal notice breach
remedial sanction review report update list branch premises grant rent lease payment scheme plan
""".split()
)
LEGAL_SUFFIXES = (
    "community interest company",
    "limited liability partnership",
    "limited",
    "ltd",
    "llp",
    "cic",
    "plc",
    "lp",
    "inc",
)

_CURLY = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": " - ",
        "\u2014": " - ",
        "\u00a0": " ",
        "`": "'",
    }
)
BOUNDARY = "|"


def fold(s: str) -> str:
    s = (s or "").translate(_CURLY)
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


_PCN_GUARD = ("PCN", "Network")  # rules about PCN names run only on texts that hold one of these
_PRE = [
    (re.compile(r"\bh\s*/\s*care\b", re.I), " healthcare "),
    (
        re.compile(r"\b(m|h)\s*/\s*c\b", re.I),
        lambda m: " medical centre " if m.group(1).lower() == "m" else " health centre ",
    ),
    # slash abbreviations of address lines ("PRESCOT P/CARE RES CTR", "THE BATHS HLTH & W/B CTR",
    # "SUMMERFIELD P\\C CENTRE", "THE QUEENS ROAD P/SHIP")
    (
        re.compile(r"\bp\s*[/\\]\s*(?:care\b|c\b(?=\s*(?:centre|ctr|ctre|cntr)\b))", re.I),
        " primary care ",
        ("/", "\\"),
    ),
    (re.compile(r"\bw\s*/\s*b\b", re.I), " wellbeing ", ("/",)),
    (re.compile(r"\bp\s*/\s*ship\b", re.I), " partnership ", ("/",)),
    (re.compile(r"\bc\.\s?i\.\s?c\.?", re.I), " cic "),
    (re.compile(r"\bt\s*/\s*a\b", re.I), " | trading as | "),
    (
        re.compile(r"\b([A-Za-z])\s*&\s*([A-Za-z]{1,3})\b(?=[^A-Za-z]|$)"),
        lambda m: " " + m.group(1) + m.group(2) + " " if m.group(0).replace(" ", "") == m.group(0) else m.group(0),
    ),
    (re.compile(r"'s\b", re.I), "s"),
    (re.compile(r"'"), ""),
    (re.compile(r"&"), " and "),
    (
        re.compile(r"\b([A-Za-z]+)\.(?=\s+[A-Z])"),
        lambda m: (
            m.group(1)
            + (
                " "
                if m.group(1).lower() in ABBREV
                or len(m.group(1)) <= 2
                or m.group(1).lower() in ("mr", "mrs", "ms")
                or type_prefix(m.group(1).lower())
                else " | "
            )
        ),
    ),  # sentence end (not after an abbreviation)
    (re.compile(r"\bP\.\s?C\.\s?N\.?", re.I), " PCN "),
    (re.compile(r"\bC\.\s?C\.\s?G\.?", re.I), " CCG "),
    # "HARINGEY - NORTH EAST PCN": a borough or town before a spaced hyphen is part of a PCN's name, so the
    # hyphen joins rather than breaks when a capitalised name ending in PCN / Network follows
    # ... but the words before the hyphen may be a topic ("ARRS funding - Truro PCN"): the hyphen is a soft break,
    # after which the PCN's name may also start
    (
        re.compile(
            r"(?<=[A-Za-z0-9])\s+-\s+(?=(?:[A-Z0-9][A-Za-z0-9+]*\s+){1,4}(?:PCN|Primary Care Network|Network)\b)"
        ),
        " ~ ",
        _PCN_GUARD,
    ),
    # a PCN's name may hold a bracketed qualifier or a list of places: "NEXUS (DEVON) PCN", "BALSALL HEATH,
    # SPARKHILL & MOSELEY PCN"
    (re.compile(r"\(([A-Za-z][A-Za-z ]{0,30})\)(?=\s*(?:PCN|Primary Care Network)\b)"), r" \1 ", _PCN_GUARD),
    (
        re.compile(
            r"(?<=[A-Za-z]),\s+(?=(?:[A-Z][A-Za-z]+\s+){1,3}(?:&|and)\s+(?:[A-Z][A-Za-z]+\s+){1,3}"
            r"(?:PCN|Primary Care Network)\b)"
        ),
        " and ",
        _PCN_GUARD,
    ),
    (re.compile(r'\s-\s|[,;:()\[\]{}/\\"!?\n\t]|--'), " | "),
    (re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])"), ""),  # hyphenated compound -> joined (joined forms compared)
    (re.compile(r"\."), " "),
]


@dataclass
class Tok:
    text: str  # canonical token
    raw: str  # as written (for evidence)
    generic: bool
    stop: bool
    boundary_before: bool
    pos: int
    soft_before: bool = False  # a spaced hyphen before it that may or may not break the name


_TOKEN_RE = re.compile(r"\||~|[A-Za-z0-9]+")


def tokenize(s: str) -> list[Tok]:
    s = fold(s)
    for rule in _PRE:
        if len(rule) == 3 and not any(g in s for g in rule[2]):
            continue
        s = rule[0].sub(rule[1], s)
    out: list[Tok] = []
    boundary = True
    soft = False
    for m in _TOKEN_RE.finditer(s):
        w = m.group(0)
        if w == BOUNDARY:
            boundary = True
            continue
        if w == "~":
            soft = True
            continue
        low = w.lower()
        canon = ABBREV.get(low, (low,))
        for c in canon:
            out.append(Tok(c, w, c in GENERIC, c in STOP and c not in GENERIC, boundary, len(out), soft))
            boundary = False
            soft = soft and c == "the"  # "- The Ridge PCN": the name may start after "The" too
    return out


def canon_words(s: str) -> list[str]:
    return [t.text for t in tokenize(s)]


_OCR = [("rn", "m"), ("1", "l"), ("0", "o"), ("vv", "w"), ("|", "l")]


def ocr_key(s: str) -> str:
    for a, b in _OCR:
        s = s.replace(a, b)
    return s


def allowed_edits(n: int) -> int:
    if n >= 9:
        return 2
    if n >= 5:
        return 1
    return 0


def close(a: str, b: str) -> int | None:
    """Edit distance between two joined keys if within the typo allowance, else None."""
    if a == b:
        return 0
    oa, ob = ocr_key(a), ocr_key(b)
    if oa == ob:
        return 1
    k = allowed_edits(min(len(a), len(b)))
    if k == 0:
        return None
    best = None
    for x, y in ((a, b), (oa, ob)):
        if abs(len(x) - len(y)) > k:
            continue
        dd = OSA.distance(x, y, score_cutoff=k)
        if dd <= k and (best is None or dd < best):
            best = dd
    return best


def deletes1(w: str) -> set[str]:
    out = set()
    for v in {w, ocr_key(w)}:
        out.add(v)
        for i in range(len(v)):
            out.add(v[:i] + v[i + 1 :])
    return out


def initialism(words: list[str]) -> str:
    return "".join(w[0] for w in words if w and w not in ("and", "of", "the"))


POSTCODE_RE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.I)
CODE_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][0-9]{5}|[A-Za-z][0-9][A-Za-z][0-9]{3})(?![A-Za-z0-9])")


def norm_postcode(a: str, b: str) -> str:
    return (a + " " + b).upper()


# type and address words people mistype ("Strret", "Surgrey", "Medcial"): a word one slip away from one of these,
# and not itself a word of any name or address in the directory, is read as that word
TYPO_PRONE = {
    "street": "st",
    "surgery": "surgery",
    "medical": "medical",
    "practice": "practice",
    "centre": "centre",
    "health": "health",
    "healthcare": "healthcare",
    "partnership": "partnership",
    "partners": "partners",
    "clinic": "clinic",
    "avenue": "avenue",
    "group": "group",
    "family": "family",
}
_TYPO_KEYS: dict = {}
for _w, _c in TYPO_PRONE.items():
    for _k in deletes1(_w):
        _TYPO_KEYS.setdefault(_k, set()).add(_w)


TYPE_PREFIXED = ("medical", "centre", "surgery", "practice", "partnership", "family", "group", "clinic")


def type_prefix(word: str) -> str | None:
    """The type word ``word`` shortens ("Pract" practice, "Surg" surgery, "Fam" family), when it begins exactly one
    of them and is at least three letters long."""
    if len(word) < 3 or not word.isalpha():
        return None
    hits = [w for w in TYPE_PREFIXED if w.startswith(word) and w != word]
    return hits[0] if len(hits) == 1 else None


def type_word_typo(word: str) -> str | None:
    """The canonical type / address word ``word`` is a one-slip misspelling of, or None."""
    if len(word) < 5 or not word.isalpha() or word in ABBREV or word in GENERIC:
        return None
    hits = set()
    for k in deletes1(word):
        for w in _TYPO_KEYS.get(k, ()):
            if OSA.distance(word, w) <= 1:
                hits.add(w)
    if len(hits) == 1:
        return TYPO_PRONE[hits.pop()]
    return None
