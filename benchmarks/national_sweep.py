"""National sweep: every active GP practice and every PCN in NHS Digital's files, written in many shapes.

    python benchmarks/national_sweep.py [--orgs ../shared/data/organisations] [--sample 1.0] [--seed 12]
                                        [--shapes dash,colon,...] [--show 3]

For each subject (an active practice, a PCN, an area) and each *shape* (a way an agenda item or a declaration is
written), the sweep renders a positive case (the item or declaration names the subject) and a control (the same
shape naming a different practice / PCN / place in the same area that shares no distinctive word with the subject).
Cases are screened in one meeting per commissioner area (the committee's own area), and for each shape it reports
recall (positives flagged) and the false-positive rate (controls flagged), with a few misses for each shape.

The shapes are general ways of writing names (dash, colon, "for", brackets, capitals, code only, building only,
street only, abbreviated or dropped type words, two practices joined, name with town or postcode, area-wide items
by place, by former CCG and by "the ICB"; declarations by role, holder, abbreviation and trailing place phrase).
A rule that fits only particular names cannot move these figures.

Ground truth comes from the directory rows and the shape, never from the engine.  Subjects whose rendering is
ambiguous inside their own area (another practice there has the same name, or for two names joined the same name
before the same type words) are left out and counted.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from screening import AgendaItem, Directory, Interest  # noqa: E402
from screening.engine import Engine  # noqa: E402

D = date(2025, 6, 1)
DEFAULT_ORGS = os.path.join(os.path.dirname(HERE), "..", "shared", "data", "organisations")

# the sweep's own idea of which words are generic (independent of the engine's vocabulary)
GENERIC = set(
    "medical centre center surgery surgeries health healthcare practice practices group primary care nhs "
    "the and of family clinic gp doctors doctor partnership partners unit general dr drs st at on in for "
    "centres hc mc ctr".split()
)
STREET_WORDS = set(
    "road rd street st lane avenue ave way drive close crescent terrace place square gardens parade row "
    "walk grove hill green".split()
)
KEEP_UPPER = {"PCN", "GP", "NHS", "ICB", "UK", "CCG", "GPS"}
# words that qualify a place's name and never stand for it ("North End", "Upper Norwood", "Old Court")
QUALIFIERS = set("NORTH SOUTH EAST WEST CENTRAL UPPER LOWER MIDDLE OLD NEW GREAT LITTLE ST SAINT".split())
SMALL = {"AND", "OF", "THE", "AT", "IN", "ON", "FOR", "UPON", "BY"}


def words(s):
    return re.findall(r"[A-Z0-9]+", (s or "").upper().replace("'", ""))


def distinctive(s):
    s = re.sub(r"\([^)]*\)", " ", s or "")
    return {w for w in words(s) if w.lower() not in GENERIC and len(w) > 1}


def title(s):
    out = []
    for i, w in enumerate((s or "").split()):
        core = w.strip("(),")
        if core.upper() in KEEP_UPPER or any(ch.isdigit() for ch in core):
            out.append(w.upper())
        elif core.upper() in SMALL and i:
            out.append(w.lower())
        else:
            out.append(
                "-".join(re.sub(r"'S\b", "'s", p.capitalize()) for p in w.split("-")).replace(
                    "(" + core.lower(), "(" + core.capitalize()
                )
            )
    return " ".join(out)


TYPE_ABBREV = [  # (official words, how people shorten them) - rotated by practice
    ("MEDICAL CENTRE", ["Med Ctr", "Med. Centre", "MC", "Med Cntr"]),
    ("HEALTH CENTRE", ["H/C", "Health Ctr", "HC"]),
    ("FAMILY PRACTICE", ["Fam. Pract.", "Fam Prac"]),
    ("MEDICAL PRACTICE", ["Med. Pract.", "Med Prac"]),
    ("GROUP PRACTICE", ["Grp Pract.", "Group Prac"]),
    ("SURGERY", ["Surg.", "Surg"]),
    ("PARTNERSHIP", ["P'ship", "Pship"]),
    ("PRACTICE", ["Pract.", "Prac"]),
    ("MEDICAL GROUP", ["Med. Grp", "Med Group"]),
    ("HEALTHCARE", ["H/care", "Hcare"]),
]
TYPE_TAIL = re.compile(
    r"\b(MEDICAL CENTRE|HEALTH CENTRE|MEDICAL PRACTICE|FAMILY PRACTICE|GROUP PRACTICE|SURGERY|"
    r"PRACTICE|MEDICAL GROUP|HEALTH GROUP|PARTNERSHIP|HEALTHCARE|CLINIC|MEDICAL CENTER|"
    r"SURGERIES|HEALTH CENTER|MEDICAL)$"
)
PLURAL = {
    "SURGERY": "surgeries",
    "PRACTICE": "practices",
    "MEDICAL CENTRE": "medical centres",
    "HEALTH CENTRE": "health centres",
    "MEDICAL PRACTICE": "medical practices",
    "CLINIC": "clinics",
    "GROUP PRACTICE": "group practices",
    "PARTNERSHIP": "partnerships",
}


def abbreviate(name, k):
    up = name.upper()
    for full, shorts in TYPE_ABBREV:
        if re.search(r"\b" + full + r"\b", up):
            return re.sub(r"\b" + full + r"\b", "\x00", up).replace("\x00", shorts[k % len(shorts)].upper())
    return None


# what binds a name's word to the word after it: with that word left out, what remains is no name a person writes
# ("St Medical Centre" for ST JAMES MEDICAL CENTRE, "Craig Y Medical Practice"); an "&" or "and" goes with the word
# after it instead ("Leven Medical Practice" for LEVEN & BEEFORD MEDICAL PRACTICE)
JOINERS = {"-", "ON", "UPON", "Y", "ST", "ST.", "T/A", "OF", "LE", "UNDER"}


def _left_dangling(name, dropped):
    """Why leaving ``dropped`` out of ``name`` leaves a joining word or mark with nothing to join, or None."""
    tokens = name.split()
    at = tokens.index(dropped) if dropped in tokens else -1
    if at < 0:
        return "a joining word or mark left dangling"  # the word is fused to punctuation ("LANE,GOODMAYES")
    before = tokens[at - 1] if at else ""
    after = tokens[at + 1] if at + 1 < len(tokens) else ""
    if before in JOINERS or before.endswith((",", "-")) or after[:1] in (",", "-"):
        return "a joining word or mark left dangling"
    return None


def _name_key(s):
    return tuple(w for w in words(s) if w != "THE")


STREET_SHORT = {"ST": "STREET", "RD": "ROAD", "AVE": "AVENUE", "LN": "LANE", "SQ": "SQUARE"}


def _street_key(s):
    """A street's words with its usual shortenings spelt out ("High St" is "HIGH STREET")."""
    return tuple(STREET_SHORT.get(w, w) for w in words(s))


# ---------------------------------------------------------------------------------------------------- the data
class Subjects:
    def __init__(self, orgdir):
        with open(os.path.join(orgdir, "epraccur.csv"), encoding="latin-1", newline="") as f:
            rows = [r for r in csv.reader(f) if len(r) >= 26]
        with open(os.path.join(orgdir, "pcn_map.csv"), encoding="utf-8-sig", newline="") as f:
            self.map_rows = list(csv.DictReader(f))
        self.active = {r[0]: r for r in rows if r[12] == "A" and r[25] == "4"}
        self.by_area = defaultdict(list)  # commissioner -> practice codes
        for c, r in sorted(self.active.items()):
            self.by_area[r[14]].append(c)
        self.area_of = {c: r[14] for c, r in self.active.items()}
        self.pcn_of, self.pcn_name, self.pcn_members = {}, {}, defaultdict(set)
        self.ccg_of, self.ccg_name = {}, {}
        for m in self.map_rows:
            if m["PCN_NAME"].strip().lower() in ("unallocated", ""):
                continue
            self.pcn_of[m["PRACTICE_CODE"]] = m["PCN_CODE"]
            self.pcn_name[m["PCN_CODE"]] = m["PCN_NAME"]
            self.pcn_members[m["PCN_CODE"]].add(m["PRACTICE_CODE"])
            self.ccg_of[m["PRACTICE_CODE"]] = m["CCG_CODE"]
            self.ccg_name[m["CCG_CODE"]] = m["CCG_NAME"]
        line_count = Counter()
        for r in self.active.values():
            for ln in set(r[5:9]):
                if ln.strip():
                    line_count[ln.strip()] += 1
        self.line_count = line_count
        self.town, self.street, self.building = {}, {}, {}
        plain = {}
        for c, r in self.active.items():
            lines = [x.strip() for x in r[4:9] if x.strip()]
            plain[c] = [
                ln
                for ln in lines[1:]
                if not re.search(r"\d", ln)
                and "," not in ln
                and not (set(words(ln)) & {w.upper() for w in STREET_WORDS})
            ]
        # a county is a plain line written last after another plain line (the post town) in most addresses
        last_after, seen = Counter(), Counter()
        for c, pl in plain.items():
            for k, ln in enumerate(pl):
                seen[ln] += 1
                if k == len(pl) - 1 and k >= 1:
                    last_after[ln] += 1
        county = {ln for ln, n in seen.items() if last_after[ln] >= 0.5 * n and n >= 3}
        self.area_labels = {
            re.sub(r"\s+", " ", re.sub(r"\b(NHS|CCG)\b", " ", v.upper())).strip() for v in self.ccg_name.values()
        }
        for c, pl in plain.items():
            towns = [
                ln
                for ln in pl
                if ln not in county
                and 2 <= line_count[ln]
                and ln not in self.area_labels
                and not (set(w.lower() for w in words(ln)) & GENERIC)
            ]
            if towns:
                self.town[c] = towns[-1]
        for c, r in self.active.items():
            lines = [x.strip() for x in r[4:9] if x.strip()]
            for ln in lines:
                for part in ln.split(","):
                    part = re.sub(r"\(.*?(\)|$)", " ", part).strip()  # "EAST ROAD(OFF NORTH ROAD)": a note, not said
                    part = re.sub(r"^[\d\-/ ]+[A-Z]?\s+", "", part.strip())
                    ws = words(part)
                    if (
                        len(ws) >= 2
                        and ws[-1].lower() in STREET_WORDS
                        and not re.search(r"\d", part)
                        and (distinctive(part) - {w.upper() for w in STREET_WORDS})
                    ):
                        self.street.setdefault(c, part)
                        break
                if c in self.street:
                    break
            if (
                lines
                and not re.search(r"\d", lines[0])
                and distinctive(lines[0])
                and distinctive(lines[0]) != distinctive(r[1])
                and not (distinctive(lines[0]) & distinctive(r[1]))
            ):
                self.building[c] = lines[0]
        self.dist = {c: distinctive(r[1]) for c, r in self.active.items()}
        self.bdist = {c: distinctive(b) for c, b in self.building.items()}
        self.placedist = {
            c: distinctive(self.street.get(c, "")) | distinctive(self.town.get(c, "")) for c in self.active
        }
        self.tail, self.bare = {}, {}  # official type words at the end, and the name before them
        for c, r in self.active.items():
            nm = re.sub(r"\([^)]*\)", " ", r[1]).strip()
            m = TYPE_TAIL.search(nm)
            if m:
                self.tail[c] = m.group(1)
                self.bare[c] = re.sub(r"^THE\s+", "", nm[: m.start()].strip())
        self.by_icb, self.by_region = defaultdict(list), defaultdict(list)
        for c, r in sorted(self.active.items()):
            self.by_icb[r[3]].append(c)
            self.by_region[r[2]].append(c)
        self.avoid = set()
        self.left_out = Counter()  # renderings of the subject left out of a shape, by why
        self.area_core = defaultdict(Counter)  # area -> distinctive-word-set counts (ambiguity)
        for c, r in self.active.items():
            self.area_core[r[14]][frozenset(self.dist[c])] += 1

    def name(self, c):
        return self.active[c][1]

    def written_alike(self, c):
        """Another active practice of the area has the same name as written ("THE" aside): no text tells them
        apart, so the subject is left out (the engine may at most call it possible)."""
        key = _name_key(self.active[c][1])
        return any(q != c and _name_key(self.active[q][1]) == key for q in self.by_area[self.area_of[c]])

    def bare_alike(self, c):
        """Another practice of the area has the same name before the same type words ("OLD SCHOOL SURGERY" and
        "THE OLD SCHOOL SURGERY (DR X)"): "the Old School and Elm surgeries" cannot tell them apart."""
        key = (_name_key(self.bare.get(c, "")), self.tail.get(c))
        return any(
            q != c and (_name_key(self.bare.get(q, "")), self.tail.get(q)) == key for q in self.by_area[self.area_of[c]]
        )

    def not_one_practice(self, c, written):
        """Why a shortened name does not name practice c alone, or None. Left out of a shape (and counted) like
        the same-name practices: "North Medical Centre" for NORTH END MEDICAL CENTRE keeps only a compass or
        position word, which names no practice; "Fulham Medical Centre" for FULHAM CROSS MEDICAL CENTRE is the
        name of another practice of the area; "Marple Surgery" fits MARPLE BRIDGE and MARPLE COTTAGE SURGERY
        alike (the engine flags those "possible", naming both)."""
        kept = distinctive(written)
        if not kept - QUALIFIERS:
            return "only a compass or position word kept"
        key = _name_key(written)
        others = [q for q in self.by_area[self.area_of[c]] if q != c]
        if any(_name_key(self.active[q][1]) == key for q in others):
            return "another practice of the area has that name"
        if any(
            (kept <= self.dist[q] and self.tail.get(q) == self.tail.get(c)) or kept == self.bdist.get(q) for q in others
        ):
            return "fits another practice of the area"  # by name with the same type words, or by its building
        return None

    def usable_building(self, c):
        """The building line as people would name it: not a floor or an entrance, not a street, and not the name
        of another practice of the area (then the text could mean either)."""
        b = self.building.get(c)
        if not b or re.search(r"\b(FLOOR|ENTRANCE|BLOCK|UNIT|SUITE|C/O|WING|ANNEXE?)\b|@|,", b.upper()):
            return None
        if re.search(r"\b(FEDERATION|FED|LTD|LIMITED|LLP|PLC|CIC)\b", b.upper()):
            return None  # an organisation on the address ("HARINGEY GP FEDERATION", "NIMBUSCARE LTD"), not a building
        ws = words(b)
        if ws[-1].lower() in STREET_WORDS or ws[-1] == "BROADWAY":
            return None
        if any(
            frozenset(self.bdist[c]) == frozenset(self.dist[q])
            for q in self.by_area[self.area_of[c]]
            if self.active[q][9] != self.active[c][9]
        ):
            return None
        return b

    def unique_street(self, c):
        """The practice's street, when no practice elsewhere in the area (another postcode) is on a street of
        that name (then "the High Street surgery" names neither)."""
        s = self.street.get(c)
        if not s:
            return None
        key = _street_key(s)
        if any(
            _street_key(self.street.get(q, "")) == key and self.active[q][9] != self.active[c][9]
            for q in self.by_area[self.area_of[c]]
            if q != c
        ):
            return None
        return s

    def street_alone(self, c):
        """The practice's street written alone ("the Queens Road surgery"), when it is one street of the area and
        no other practice of the area is named after it: "the Soho Road surgery" on a Birmingham agenda is as much
        SOHO ROAD HEALTH CENTRE as the practice on Soho Road (counted, like the same-name practices)."""
        s = self.unique_street(c)
        if not s:
            return None
        key = tuple(w for w in _street_key(s) if w.lower() not in GENERIC)
        if any(
            tuple(w for w in _street_key(self.active[q][1]) if w.lower() not in GENERIC) == key
            for q in self.by_area[self.area_of[c]]
            if q != c
        ):
            if c in self.avoid:  # counted for the subject only, not for each control tried
                self.left_out["street only: another practice of the area is named after the street"] += 1
            return None
        return s

    def control(self, c, rnd, need=None):
        """A practice in the same area sharing no distinctive word (name, building, street) with c."""
        area = self.area_of[c]
        mine = self.dist[c] | self.bdist.get(c, set()) | self.placedist[c]
        theirs = self.dist[c] | self.bdist.get(c, set())
        pool = [
            q
            for q in self.by_area[area]
            if q != c
            and not (self.dist[q] & mine)
            and self.dist[q]
            and self.active[q][9] != self.active[c][9]
            and not (self.bdist.get(q, set()) & mine)
            and not (self.placedist[q] & theirs)
        ]
        if not pool:
            pool = [q for q in self.by_icb[self.active[c][3]] if q != c and not (self.dist[q] & mine) and self.dist[q]]
        rnd.shuffle(pool)
        for q in pool:  # lazily: the first that the shape applies to
            if need is None or need(q):
                return q
        return None


# ---------------------------------------------------------------------------------------------------- shapes
TOPICS = [
    "Contract variation",
    "Boundary change",
    "Premises improvement grant",
    "List closure application",
    "Remedial notice",
    "Branch closure",
    "Extended access funding",
]


def topic(rnd):
    return rnd.choice(TOPICS)


def item_shapes():
    """name -> function(S, code, rnd) returning the text naming practice `code` (or None when the shape does not
    apply to it). Practice item shapes."""

    def n(S, c):
        return title(S.name(c))

    def core_words(S, c):
        nm = re.sub(r"\([^)]*\)", " ", S.name(c)).upper()
        return (
            " ".join(w for w in nm.replace("&", " AND ").split() if w.lower() not in GENERIC or w == "AND")
            .replace(" AND", " and")
            .strip(" and")
        )

    def dropped_type(S, c, rnd):
        nm = re.sub(r"\([^)]*\)", " ", S.name(c)).strip()
        m = TYPE_TAIL.search(nm)
        if not m:
            return None
        bare = re.sub(r"^THE\s+", "", nm[: m.start()].strip())
        if not bare or not distinctive(bare) or bare in S.line_count or any(len(w) < 4 for w in distinctive(bare)):
            return None  # a bare name that is a place or a short word is not a practice on its own
        if any(q != c and _name_key(S.bare.get(q, "")) == _name_key(bare) for q in S.by_area[S.area_of[c]]):
            return None  # another practice of the area has that name before its type words
        return f"{title(bare)} {rnd.choice(['boundary change', 'list closure', 'premises grant'])}"

    def dropped_word(S, c, rnd):
        nm = re.sub(r"\([^)]*\)", " ", S.name(c)).strip().upper()
        ds = [w for w in nm.split() if w.lower() not in GENERIC]
        if len(ds) < 2 or not TYPE_TAIL.search(nm):
            return None
        drop = ds[-1]
        rest = set(ds) - {drop}
        if not any(len(w) >= 5 for w in rest):
            return None
        # "Leven Medical Practice" for LEVEN & BEEFORD MEDICAL PRACTICE: the joining word goes with the word after it
        out = re.sub(r"(\s(&|AND))?\s+" + re.escape(drop) + r"\b", " ", " " + nm)
        out = re.sub(r"\s+", " ", out).strip()
        reason = _left_dangling(nm, drop) or S.not_one_practice(c, out)
        if reason:
            if c in S.avoid:  # counted for the subject only, not for each control tried
                S.left_out["word dropped: " + reason] += 1
            return None
        return f"{topic(rnd)}: {title(out)}"

    def joined(sep):
        def f(S, c, rnd):
            tail = S.tail.get(c)
            if tail not in PLURAL or not S.bare.get(c) or S.bare_alike(c):
                return None
            other = [
                q
                for q in S.by_area[S.area_of[c]]
                if q != c
                and q not in S.avoid
                and S.tail.get(q) == tail
                and S.bare.get(q)
                and S.dist[q]
                and not (S.dist[q] & S.dist[c])
            ]
            if not other:
                return None
            q = rnd.choice(other)
            a, b = title(S.bare[c]), title(S.bare[q])
            pair = [a, b] if rnd.random() < 0.5 else [b, a]
            return f"Proposed merger of the {pair[0]}{sep}{pair[1]} {PLURAL[tail]}"

        return f

    def building(S, c, rnd):
        b = S.usable_building(c)
        return f"{topic(rnd)} at {title(b)}" if b else None

    def street(S, c, rnd):
        s = S.street_alone(c)
        return f"Car park lease at the {title(s)} surgery" if s else None

    def abbrev(S, c, rnd):
        a = abbreviate(S.name(c), rnd.randrange(4))
        return f"{topic(rnd)} – {title(a)}" if a else None

    def town(S, c, rnd):
        t = S.town.get(c)
        return f"{topic(rnd)} – {n(S, c)}, {title(t)}" if t else None

    shapes = {
        "item: topic – name": lambda S, c, rnd: f"{topic(rnd)} – {n(S, c)}",
        "item: name: topic": lambda S, c, rnd: f"{n(S, c)}: {topic(rnd).lower()}",
        "item: topic for name": lambda S, c, rnd: f"{topic(rnd)} for {n(S, c)}",
        "item: topic (name)": lambda S, c, rnd: f"{topic(rnd)} ({n(S, c)})",
        "item: CAPITALS": lambda S, c, rnd: f"{topic(rnd).upper()} - {S.name(c)}",
        "item: name in description": lambda S, c, rnd: (topic(rnd), f"An application from {n(S, c)} to the committee."),
        "item: code only": lambda S, c, rnd: f"{topic(rnd)} – practice {c}",
        "item: building only": building,
        "item: street only": street,
        "item: abbreviated type word": abbrev,
        "item: type word dropped": dropped_type,
        "item: a name word dropped": dropped_word,
        "item: two joined by and": joined(" and "),
        "item: two joined by &": joined("&"),
        "item: name, town": town,
        "item: name (postcode)": lambda S, c, rnd: f"{topic(rnd)} – {n(S, c)} ({S.active[c][9]})",
        "item: postcode only": lambda S, c, rnd: f"{topic(rnd)} – the practice at {S.active[c][9]}",
    }
    return shapes


def decl_shapes():
    def n(S, c):
        return title(S.name(c))

    def abbrev(S, c, rnd):
        a = abbreviate(S.name(c), rnd.randrange(4))
        return f"Partner – {title(a)}" if a else None

    def trailing_street(S, c, rnd):
        s = S.street.get(c)
        return f"Salaried GP at {n(S, c)} on {title(s)}" if s else None

    def trailing_town(S, c, rnd):
        t = S.town.get(c)
        return f"Partner, {n(S, c)}, {title(t)}" if t else None

    def spouse_street(S, c, rnd):
        s = S.street_alone(c)
        return f"My husband is a partner at the {title(s)} surgery" if s else None

    def building(S, c, rnd):
        b = S.usable_building(c)
        return f"GP partner at the practice in {title(b)}" if b else None

    return {
        "decl: partner": (lambda S, c, rnd: f"Partner at {n(S, c)}", "exclude"),
        "decl: salaried": (lambda S, c, rnd: f"Salaried GP, {n(S, c)}", "exclude"),
        "decl: director": (lambda S, c, rnd: f"Director of {n(S, c)}", "exclude"),
        "decl: spouse partner": (lambda S, c, rnd: f"My wife is a partner at {n(S, c)}", "exclude"),
        "decl: patient": (lambda S, c, rnd: f"Registered patient at {n(S, c)}", "declare"),
        "decl: abbreviated": (abbrev, "exclude"),
        "decl: trailing street": (trailing_street, "exclude"),
        "decl: trailing town": (trailing_town, "exclude"),
        "decl: spouse, street only": (spouse_street, "exclude"),
        "decl: building only": (building, "exclude"),
        "decl: lower case": (lambda S, c, rnd: f"salaried gp at {S.name(c).lower()}", "exclude"),
        "decl: code only": (lambda S, c, rnd: f"Partner, practice code {c}", "exclude"),
    }


def pcn_title(name):
    return title(name)


def _strip_pcn(nm):
    return re.sub(r"\s*PCN$", "", nm.strip(), flags=re.I)


PCN_GENERIC = {"PCN", "NETWORK", "PRIMARY", "CARE", "NORTH", "SOUTH", "EAST", "WEST", "CENTRAL", "RURAL"}


PCN_ITEM_SHAPES = {
    "pcn item: topic – name": lambda nm, code, rnd: f"ARRS workforce funding – {pcn_title(nm)}",
    "pcn item: name: topic": lambda nm, code, rnd: f"{pcn_title(nm)}: ARRS workforce funding",
    "pcn item: for name": lambda nm, code, rnd: f"ARRS workforce funding for {pcn_title(nm)}",
    "pcn item: (name)": lambda nm, code, rnd: f"Enhanced access plan ({pcn_title(nm)})",
    "pcn item: CAPITALS": lambda nm, code, rnd: f"ARRS WORKFORCE FUNDING - {nm.upper()}",
    "pcn item: Primary Care Network": lambda nm, code, rnd: (
        "ARRS workforce funding – " + pcn_title(_strip_pcn(nm)) + " Primary Care Network"
        if re.search(r"PCN$", nm.strip(), re.I)
        else None
    ),
    "pcn item: code only": lambda nm, code, rnd: f"ARRS workforce funding – PCN {code}",
}
PCN_DECL_SHAPES = {
    "pcn decl: clinical director": (lambda nm, code, rnd: f"Clinical Director, {pcn_title(nm)}", "no-vote"),
    "pcn decl: CD abbreviated": (lambda nm, code, rnd: f"CD – {pcn_title(nm)}", "no-vote"),
}
AREA_SHAPES = [
    "area: all <town> practices",
    "area: all practices in <former CCG>",
    "area: all PCNs in the ICB",
    "area: all practices (no area named)",
]


# ---------------------------------------------------------------------------------------------------- the run
class Meeting:
    def __init__(self, area):
        self.area = area
        self.items, self.interests = [], []
        self.item_ids, self.member_ids = {}, {}
        self.checks = []  # (shape, kind 'pos'|'ctrl', item_id, member_id, expected action, subject, texts)

    def item(self, text, desc=""):
        key = (text, desc)
        if key not in self.item_ids:
            iid = f"i{len(self.items) + 1}"
            self.item_ids[key] = iid
            self.items.append(AgendaItem(iid, text, desc, D))
        return self.item_ids[key]

    def member(self, text, itype="financial"):
        key = (text, itype)
        if key not in self.member_ids:
            mid = f"m{len(self.interests) + 1}"
            self.member_ids[key] = mid
            self.interests.append(
                Interest(mid, "Member", "GP member", itype, text, date(2015, 1, 1), None, interest_id=mid)
            )
        return self.member_ids[key]


def canon_decl(c):
    return f"GP partner – practice code {c}"


def canon_item(S, c):
    return f"Contract variation – {title(S.name(c))} ({c})"


def build(S, subjects, rnd, only=None):
    meetings = {}
    skipped = Counter()

    def mt(area):
        if area not in meetings:
            meetings[area] = Meeting(area)
        return meetings[area]

    def want(shape):
        return only is None or any(o in shape for o in only)

    ishapes, dshapes = item_shapes(), decl_shapes()
    for c in subjects:
        area = S.area_of[c]
        M = mt(area)
        if not S.dist[c]:
            skipped["name has no distinctive word"] += 1
            continue
        if S.written_alike(c):
            skipped["another practice of the area has the same name"] += 1
            continue
        q = S.control(c, rnd)
        if q is None:
            skipped["no control"] += 1
            continue
        S.avoid = {c}
        me = M.member(canon_decl(c))
        for shape, f in ishapes.items():
            if not want(shape):
                continue
            seed = rnd.random()
            pos = f(S, c, random.Random(seed))
            neg = f(S, q, random.Random(seed))
            if pos is None:
                continue
            if neg is None:
                q2 = S.control(c, rnd, need=lambda x: f(S, x, random.Random(seed)) is not None)
                if q2 is None:
                    skipped[shape] += 1
                    continue
                neg = f(S, q2, random.Random(seed))
            pt, pd = pos if isinstance(pos, tuple) else (pos, "")
            nt, nd = neg if isinstance(neg, tuple) else (neg, "")
            M.checks.append((shape, "pos", M.item(pt, pd), me, "exclude", c, (pt + " " + pd).strip(), canon_decl(c)))
            M.checks.append((shape, "ctrl", M.item(nt, nd), me, None, c, (nt + " " + nd).strip(), canon_decl(c)))
        it = M.item(canon_item(S, c))
        for shape, (f, action) in dshapes.items():
            if not want(shape):
                continue
            seed = rnd.random()
            pos = f(S, c, random.Random(seed))
            if pos is None:
                continue
            q2 = (
                q
                if f(S, q, random.Random(seed)) is not None
                else S.control(c, rnd, need=lambda x: f(S, x, random.Random(seed)) is not None)
            )
            if q2 is None:
                skipped[shape] += 1
                continue
            neg = f(S, q2, random.Random(seed))
            itype = (
                "non-financial personal" if action == "declare" else ("indirect" if "spouse" in shape else "financial")
            )
            M.checks.append((shape, "pos", it, M.member(pos, itype), action, c, pos, canon_item(S, c)))
            M.checks.append((shape, "ctrl", it, M.member(neg, itype), None, c, neg, canon_item(S, c)))
        # ---- areas
        if want("area"):
            t = S.town.get(c)
            if t and want("area: all <town> practices"):
                others = [
                    x
                    for x in S.by_area[area]
                    if t not in S.active[x][5:9]
                    and not (set(words(t)) & set(words(" ".join(S.active[x][4:9]))))
                    and not (set(words(t)) & set(words(S.ccg_name.get(S.ccg_of.get(x), ""))))
                    and not (set(words(t)) & S.dist[x])
                ]
                if others:
                    qq = rnd.choice(others)
                    i = M.item(f"{title(t)} Local Incentive Scheme 2027/28 for all {title(t)} practices")
                    M.checks.append(
                        (
                            "area: all <town> practices",
                            "pos",
                            i,
                            me,
                            "no-vote",
                            c,
                            M.items[int(i[1:]) - 1].title,
                            canon_decl(c),
                        )
                    )
                    M.checks.append(
                        (
                            "area: all <town> practices",
                            "ctrl",
                            i,
                            M.member(canon_decl(qq)),
                            None,
                            c,
                            M.items[int(i[1:]) - 1].title,
                            canon_decl(qq),
                        )
                    )
            ccg = S.ccg_of.get(c)
            if ccg and want("area: all practices in <former CCG>") and (ccg == area or ccg not in S.by_area):
                label = re.sub(r"\b(NHS|CCG)\b", " ", S.ccg_name[ccg]).strip()
                label = re.sub(r"\s+", " ", label)
                others = [
                    x for x in S.by_icb[S.active[c][3]] if S.ccg_of.get(x) not in (ccg, None) and S.area_of[x] != area
                ]
                if not others:
                    others = [
                        x
                        for x in S.by_region[S.active[c][2]]
                        if S.ccg_of.get(x) not in (ccg, None) and S.area_of[x] != area
                    ]
                if others and label:
                    qq = rnd.choice(others)
                    i = M.item(f"Enhanced service offer to all practices in {label}")
                    M.checks.append(
                        (
                            "area: all practices in <former CCG>",
                            "pos",
                            i,
                            me,
                            "no-vote",
                            c,
                            M.items[int(i[1:]) - 1].title,
                            canon_decl(c),
                        )
                    )
                    M.checks.append(
                        (
                            "area: all practices in <former CCG>",
                            "ctrl",
                            i,
                            M.member(canon_decl(qq)),
                            None,
                            c,
                            M.items[int(i[1:]) - 1].title,
                            canon_decl(qq),
                        )
                    )
            qq = rnd.choice(S.by_region[S.active[c][2]])
            if S.area_of[qq] != area:
                for shape, text in (
                    ("area: all PCNs in the ICB", "Primary Care Network DES sign-up for all PCNs in the ICB"),
                    ("area: all practices (no area named)", "Local enhanced service offer for all practices 2027/28"),
                ):
                    if not want(shape):
                        continue
                    i = M.item(text)
                    M.checks.append((shape, "pos", i, me, "no-vote", c, text, canon_decl(c)))
                    M.checks.append((shape, "ctrl", i, M.member(canon_decl(qq)), None, c, text, canon_decl(qq)))
    skipped.update(S.left_out)
    S.left_out.clear()
    return meetings, skipped


def pcn_declarant(S, pcn):
    """The member practice (first active one by code) whose partner the PCN items are screened against."""
    members = sorted(x for x in S.pcn_members[pcn] if x in S.active)
    return members[0] if members else None


def build_pcns(S, meetings, rnd, pcns, only=None):
    skipped = Counter()

    def want(shape):
        return only is None or any(o in shape for o in only)

    for pcn in pcns:
        members = sorted(x for x in S.pcn_members[pcn] if x in S.active)
        if not members:
            skipped["pcn: no active member"] += 1
            continue
        c = members[0]
        area = S.area_of[c]
        M = meetings.setdefault(area, Meeting(area))
        mine = distinctive(S.pcn_name[pcn]) - PCN_GENERIC
        pool = sorted({S.pcn_of[x] for x in S.by_area[area] if x in S.pcn_of} - {pcn})
        pool = [
            p for p in pool if not ((distinctive(S.pcn_name[p]) - PCN_GENERIC) & mine) and c not in S.pcn_members[p]
        ]
        if not pool:
            skipped["pcn: no control"] += 1
            continue
        qp = rnd.choice(pool)
        me = M.member(canon_decl(c))
        for shape, f in PCN_ITEM_SHAPES.items():
            if not want(shape):
                continue
            seed = rnd.random()
            pos = f(S.pcn_name[pcn], pcn, random.Random(seed))
            neg = f(S.pcn_name[qp], qp, random.Random(seed))
            if pos is None or neg is None:
                skipped[shape] += 1
                continue
            M.checks.append((shape, "pos", M.item(pos), me, "no-vote", pcn, pos, canon_decl(c)))
            M.checks.append((shape, "ctrl", M.item(neg), me, None, pcn, neg, canon_decl(c)))
        it = M.item(f"ARRS workforce funding – {pcn_title(S.pcn_name[pcn])} ({pcn})")
        for shape, (f, action) in PCN_DECL_SHAPES.items():
            if not want(shape):
                continue
            seed = rnd.random()
            pos = f(S.pcn_name[pcn], pcn, random.Random(seed))
            neg = f(S.pcn_name[qp], qp, random.Random(seed))
            M.checks.append(
                (
                    shape,
                    "pos",
                    it,
                    M.member(pos, "non-financial professional"),
                    action,
                    pcn,
                    pos,
                    M.items[int(it[1:]) - 1].title,
                )
            )
            M.checks.append(
                (
                    shape,
                    "ctrl",
                    it,
                    M.member(neg, "non-financial professional"),
                    None,
                    pcn,
                    neg,
                    M.items[int(it[1:]) - 1].title,
                )
            )
    return skipped


_STATE = {}


def _run_area(area):
    """Render one committee area's cases and screen them (in a worker: the index is shared by fork)."""
    st = _STATE
    S, eng = st["S"], st["engine"]
    rnd = random.Random(f"{st['seed']}:{area}")
    meetings, skipped = build(S, st["subjects"].get(area, []), rnd, st["only"])
    skipped.update(build_pcns(S, meetings, rnd, st["pcns"].get(area, []), st["only"]))
    out, n_items, n_int = [], 0, 0
    for code, M in meetings.items():
        kw = {"area": {code}} if st["takes_area"] else {}
        if st["takes_possible"]:
            kw["possible"] = True  # as the app and the command line screen: names fitting several practices
        flags = eng.screen(M.interests, M.items, D, **kw)
        got = {(f.item_id, f.member_id): f for f in flags if not f.possible}
        maybe = {(f.item_id, f.member_id) for f in flags if f.possible}
        n_items += len(M.items)
        n_int += len(M.interests)
        for shape, kind, iid, mid, action, subj, text, other in M.checks:
            f = got.get((iid, mid))
            out.append(
                (
                    shape,
                    kind,
                    bool(f),
                    bool(f) and f.action == action,
                    not f and (iid, mid) in maybe,
                    subj,
                    text,
                    other,
                    f.evidence[0] if f and f.evidence else "",
                )
            )
    return out, skipped, n_items, n_int


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orgs", default=DEFAULT_ORGS)
    ap.add_argument("--sample", type=float, default=1.0, help="share of practices and PCNs to sweep (default all)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--shapes", default=None, help="comma-separated substrings: only shapes whose name has one")
    ap.add_argument("--show", type=int, default=2, help="misses / false positives to print per shape")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--no-area", action="store_true", help="do not pass the committee's area to the engine")
    a = ap.parse_args(argv)
    only = [s.strip() for s in a.shapes.split(",")] if a.shapes else None
    t0 = time.perf_counter()
    S = Subjects(a.orgs)
    directory = Directory.from_files(a.orgs)
    eng = Engine(directory)
    t_load = time.perf_counter() - t0
    rnd = random.Random(a.seed)
    subjects = sorted(S.active)
    pcns = sorted(S.pcn_members)
    if a.sample < 1:
        subjects = [c for c in subjects if rnd.random() < a.sample]
        pcns = [p for p in pcns if rnd.random() < a.sample]
    by_area, pcn_by_area = defaultdict(list), defaultdict(list)
    for c in subjects:
        by_area[S.area_of[c]].append(c)
    skipped = Counter()
    for p in pcns:
        c = pcn_declarant(S, p)
        if c is None:
            skipped["pcn: no active member"] += 1
        else:
            pcn_by_area[S.area_of[c]].append(p)
    takes_area = "area" in inspect.signature(eng.screen).parameters and not a.no_area
    takes_possible = "possible" in inspect.signature(eng.screen).parameters
    _STATE.update(
        S=S,
        engine=eng,
        seed=a.seed,
        only=only,
        subjects=by_area,
        pcns=pcn_by_area,
        takes_area=takes_area,
        takes_possible=takes_possible,
    )
    areas = sorted(set(by_area) | set(pcn_by_area), key=lambda k: -len(by_area.get(k, ())))
    t1 = time.perf_counter()
    if a.jobs > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(a.jobs) as pool:  # workers share the index built above
            results = pool.map(_run_area, areas, chunksize=1)
    else:
        results = [_run_area(k) for k in areas]
    res = defaultdict(
        lambda: {"pos": 0, "tp": 0, "maybe": 0, "ctrl": 0, "fp": 0, "fp_maybe": 0, "act": 0, "miss": [], "fps": []}
    )
    n_items = n_int = 0
    for out, sk, ni, nn in results:
        skipped.update(sk)
        n_items += ni
        n_int += nn
        for shape, kind, hit, act_ok, possible, subj, text, other, ev in out:
            r = res[shape]
            if kind == "pos":
                r["pos"] += 1
                if hit:
                    r["tp"] += 1
                    r["act"] += act_ok
                else:
                    r["maybe"] += possible
                    r["miss"].append((subj, text + (" [possible]" if possible else ""), other))
            else:
                r["ctrl"] += 1
                r["fp_maybe"] += possible
                if hit:
                    r["fp"] += 1
                    r["fps"].append((subj, text, other, ev))
    meetings = areas
    t_screen = time.perf_counter() - t1
    print(
        f"National sweep: {len(subjects)} active practices{'' if a.sample >= 1 else f' (a {a.sample:.0%} sample)'}"
        f", {len(pcns)} PCNs{'' if a.sample >= 1 else ' (sampled alike)'}, {len(meetings)} committee "
        f"areas; {n_items:,} items x {n_int:,} declarations; committee area passed to the engine: "
        f"{'yes' if takes_area else 'no'}"
    )
    print(
        f"load+index {t_load:.1f} s, render and screen {t_screen:.1f} s ({a.jobs} worker"
        f"{'s' if a.jobs > 1 else ''}); total {time.perf_counter() - t0:.0f} s\n"
    )
    # "possible" columns: a name that fits several practices of the area is flagged "possible" (naming them all)
    # instead of a flag; the recall and false-positive columns count flags only, never possible ones
    print(
        "| shape | positives | recall | missed but possible | controls | false-positive rate | possible on controls "
        "| action right |"
    )
    print("|---|---|---|---|---|---|---|---|")
    worst = []
    tot = Counter()
    for shape in sorted(res, key=lambda s: (s.split(":")[0], s)):
        r = res[shape]
        rec = r["tp"] / r["pos"] if r["pos"] else float("nan")
        fpr = r["fp"] / r["ctrl"] if r["ctrl"] else float("nan")
        act = r["act"] / r["tp"] if r["tp"] else float("nan")
        tot.update({k: r[k] for k in ("pos", "tp", "maybe", "ctrl", "fp", "fp_maybe", "act")})
        ok = "" if rec >= 0.98 and fpr <= 0.005 else " ✗"
        print(
            f"| {shape}{ok} | {r['pos']} | {rec:.3f} | {r['maybe']} | {r['ctrl']} | {fpr:.2%} | "
            f"{r['fp_maybe'] / max(1, r['ctrl']):.2%} | {act:.3f} |"
        )
        worst.append((rec, shape))
    print(
        f"| **all shapes** | {tot['pos']} | {tot['tp'] / max(1, tot['pos']):.3f} | {tot['maybe']} | {tot['ctrl']} | "
        f"{tot['fp'] / max(1, tot['ctrl']):.2%} | {tot['fp_maybe'] / max(1, tot['ctrl']):.2%} | "
        f"{tot['act'] / max(1, tot['tp']):.3f} |"
    )
    below = sum(1 for s in res if not (res[s]["tp"] >= 0.98 * res[s]["pos"] and res[s]["fp"] <= 0.005 * res[s]["ctrl"]))
    print(f"\nshapes meeting the target (recall >= 0.98, false positives <= 0.5%): {len(res) - below} of {len(res)}")
    if skipped:
        print(
            "left out (shape does not apply or no control in the area): "
            + ", ".join(f"{k} {v}" for k, v in sorted(skipped.items()))
        )
    if a.show:
        print("\nexamples (subject | text screened | the other side):")
        for shape in sorted(res):
            r = res[shape]
            for subj, text, other in r["miss"][: a.show]:
                print(f"  MISS {shape}: {subj} | {text} | {other}")
            for subj, text, other, ev in r["fps"][: a.show]:
                print(f"  FP   {shape}: {subj} | {text} | {other} | {ev[:160]}")


if __name__ == "__main__":
    main()
