"""The organisation directory, indexed once: practices (names, variants, buildings, towns, postcodes), PCNs and
commissioner areas, with an inverted index of distinctive tokens for candidate generation."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Iterable

from .normalise import GENERIC, STOP, TRANSPARENT, WEAK, deletes1, tokenize, ocr_key
from .orgfiles import InputFileError, PcnMapRow, PracticeRecord, read_epraccur, read_pcn_map

STREETISH = frozenset(
    "road st lane avenue way close drive crescent terrace place square gardens walk row "
    "grove parade hill court house centre".split()
)
# the words a street's name ends with (a place such as "Muswell Hill" or "Earls Court" may end with others)
STREET_END = frozenset(
    "road rd st street lane avenue way close drive crescent terrace place square gardens walk row parade".split()
)
STREET_END_NUMBERED = frozenset("hill green grove park rise mews vale view broadway parkway gate".split())
PLACE_GLUE = frozenset({"of", "the", "and", "on", "upon", "in", "le", "by"})
_BRACKET = re.compile(r"\(([^)]*)\)|\[([^\]]*)\]")
FUNCTION_WORDS = frozenset("a an at in on for to by with from as".split())


@dataclass
class Alias:
    """One way of writing an organisation's name: its distinctive core tokens."""

    id: int
    kind: str  # 'name' | 'site' | 'pcn' | 'area'
    core: tuple  # canonical distinctive tokens
    joined: str
    targets: tuple  # practice codes / pcn code / area code
    label: str  # official text (for evidence)
    full: tuple = ()  # all canonical tokens of the written form (generic included)
    weak: bool = False  # its distinctive words are common ones ("PARK SURGERY", "THE NEW SURGERY")


@dataclass
class Practice:
    rec: PracticeRecord
    code: str
    name: str
    pcn: str = ""
    map_commissioner: str = ""
    building: str = ""
    address_keys: set = field(default_factory=set)  # canonical tokens of address + town lines
    town_keys: set = field(default_factory=set)  # canonical joined town lines
    place_keys: set = field(default_factory=set)  # towns and localities on its address (area-wide items)


@lru_cache(maxsize=200_000)
def _words(line: str) -> tuple:
    """Canonical words of an address line (lines repeat across practices: "LONDON", "KENT")."""
    return tuple(t.text for t in tokenize(line))


@lru_cache(maxsize=200_000)
def name_core(text: str, drop_initials: bool = True) -> tuple[tuple, tuple]:
    """(distinctive core tokens, all tokens) of an official name, bracketed tags removed."""
    toks = tokenize(_BRACKET.sub(" ", text))
    full = tuple(t.text for t in toks)
    core = []
    prev = ""
    for t in toks:
        w = t.text
        if w in GENERIC or w in TRANSPARENT:
            prev = w
            continue
        if drop_initials and prev == "dr" and len(w) <= 2 and w.isalpha():
            continue  # initials after Dr
        if len(w) == 1 and w.isalpha():
            prev = w
            continue  # stray letters (H/CARE, initials)
        core.append(w)
        prev = w
    # "CENTRE FOR HEALTH", "SURGERY AT THE PARK": people write the name without its function words, and a
    # written name's run of distinctive words stops at them, so they cannot be part of what is matched
    distinctive = [w for w in core if w not in FUNCTION_WORDS]
    return tuple(distinctive or core), full


def whole_key(words) -> tuple:
    """A name's words as compared whole: "the" left out (written or not), "Primary Care Network" as "pcn"."""
    out: list = []
    for w in words:
        if w == "the":
            continue
        out.append(w)
        if out[-3:] == ["primary", "care", "network"]:
            out[-3:] = ["pcn"]
    return tuple(out)


def resolve_folder(path):
    """A folder path; a small text file holding a relative path (a git symlink checked out without symlink
    support) is followed."""
    path = str(path)
    for _ in range(3):
        if os.path.isfile(path) and os.path.getsize(path) < 1024:
            with open(path, encoding="utf-8", errors="replace") as f:
                target = f.read().strip()
            if target and "\n" not in target:
                path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), target))
                continue
        break
    return path


# a building called only this ("THE HEALTH CENTRE", "MEDICAL CENTRE") is every other building: never named alone
PLAIN_BUILDING_WORDS = frozenset({"surgery", "health", "centre", "medical", "practice", "clinic", "group", "the"})


class Directory:
    """Practices, PCNs and areas with the indexes the engine needs. Build once, screen many times."""

    def __init__(self, practices: Iterable[PracticeRecord] = (), pcn_rows: Iterable[PcnMapRow] = (), problems=None):
        self.problems = list(problems or [])
        self.practices: dict[str, Practice] = {}
        self.pcns: dict[str, dict] = {}
        self.areas: dict[str, dict] = {}
        self.aliases: list[Alias] = []
        self.token_index: dict[str, set] = defaultdict(set)  # token -> alias ids
        self.fuzzy_index: dict[str, set] = defaultdict(set)  # delete-1 key -> tokens
        self.by_postcode: dict[str, set] = defaultdict(set)
        self.partial_index: dict[str, set] = defaultdict(set)  # a word of a longer name -> name alias ids
        # first two words -> {every word of an official name (whole_key): alias id}: names found written in full
        # even when made of stop or type words ("Your Family Practice", "Dr Vm Patel", "Health Alliance PCN")
        self.whole_index: dict[tuple, dict] = defaultdict(dict)
        self.name_numbers: set = set()  # numbers written inside practice names
        self.by_commissioner: dict[str, set] = defaultdict(set)
        self.by_map_commissioner: dict[str, set] = defaultdict(set)
        self.town_vocab: set = set()
        self.town_joined: set = set()
        self.town_words: set = set()  # every word of a town / locality line
        self.by_town: dict[str, set] = defaultdict(set)  # canonical town / locality line -> practice codes
        self.vocab: set = set()  # every canonical word of names and addresses (typo repair leaves these alone)
        self._seen_joined: set = set()
        self._lookup_cache: dict = {}
        self.place_cache: dict = {}  # written key -> is it a town or area name (filled as texts are read)
        for r in practices:
            if r.prescribing_setting not in ("4", "") and not r.code.startswith("Y") and r.code in self.practices:
                continue
            if r.prescribing_setting not in ("4", ""):
                continue  # only GP practices are named as practices
            self.practices[r.code] = Practice(r, r.code, r.name)
        for row in pcn_rows:
            p = self.practices.get(row.practice_code)
            pcn = self.pcns.setdefault(row.pcn_code, {"code": row.pcn_code, "name": row.pcn_name, "members": set()})
            pcn["members"].add(row.practice_code)
            if row.commissioner_code:
                self.areas.setdefault(
                    row.commissioner_code, {"code": row.commissioner_code, "name": row.commissioner_name}
                )
                self.by_map_commissioner[row.commissioner_code].add(row.practice_code)
            if p is not None:
                p.pcn = row.pcn_code
                p.map_commissioner = row.commissioner_code
        self._build()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_records(cls, practices: Iterable[PracticeRecord], pcn_rows: Iterable[PcnMapRow]) -> "Directory":
        return cls(practices, pcn_rows)

    @classmethod
    def from_files(cls, org_dir) -> "Directory":
        org_dir = resolve_folder(org_dir)
        ep = os.path.join(org_dir, "epraccur.csv")
        pm = os.path.join(org_dir, "pcn_map.csv")
        if not os.path.isfile(ep):
            raise InputFileError(ep, "file not found")
        recs, probs = read_epraccur(ep)
        rows: list = []
        probs2: list = []
        if os.path.isfile(pm):
            rows, probs2 = read_pcn_map(pm)
        return cls(recs, rows, probs + probs2)

    def _add_alias(self, kind, core, targets, label, full=(), common=False):
        if not core:
            return
        weak = common or (all(w in WEAK for w in core) and len(core) < 2)
        if (
            weak
            and not common
            and (kind != "name" or not any(w in GENERIC and w not in ("the", "and", "dr") for w in full))
        ):
            return  # a common word names a practice only with the practice's own type words
        joined = "".join(core)
        a = Alias(len(self.aliases), kind, tuple(core), joined, tuple(sorted(targets)), label, tuple(full), weak)
        if kind == "name" and len(core) >= 2:
            for w in set(core):
                if len(w) >= 3 and w not in WEAK and not w.isdigit():
                    self.partial_index[w].add(a.id)
        for w in core:
            if any(ch.isdigit() for ch in w) and len(w) <= 4:
                self.name_numbers.add(w)
        self.aliases.append(a)
        self.token_index[joined].add(a.id)
        if joined not in self._seen_joined:
            self._seen_joined.add(joined)
            if len(joined) >= 5:
                for d in deletes1(joined):
                    self.fuzzy_index[d].add(joined)
            else:
                ok = ocr_key(joined)
                if ok != joined:
                    self.fuzzy_index[ok].add(joined)

    def _build(self):
        by_building = defaultdict(set)
        by_street: dict = {}
        loose_street: dict = {}
        # practice code -> its building's name where only the whole name can be read: made of common words only, or
        # with a stop word in it
        whole_buildings: dict = {}
        building_label = {}
        for code, p in self.practices.items():
            r = p.rec
            core, full = name_core(r.name)
            self.vocab.update(full)
            self._add_alias("name", core, (code,), r.name, full)
            # bracketed tag as an alias of its own if it is name-like (not just initials of a person)
            for m in _BRACKET.finditer(r.name):
                pass
            lines = r.address_lines
            bl = 0
            if (
                len(lines) > 1
                and name_core(lines[0])[0] == core
                and name_core(lines[1])[0]
                and not any(ch.isdigit() for ch in lines[1])
                and not STREETISH & set(name_core(lines[1])[0])
            ):
                bl = 1  # line 1 repeats the practice name; the building is on line 2
            if lines:
                bcore, bfull = name_core(lines[bl])
                if bcore and not any(ch.isdigit() for ch in lines[bl]) and bcore != core:
                    key = (bcore, r.postcode or " ".join(lines[1:2]))
                    by_building[key].add(code)
                    building_label[key] = lines[bl]
                    p.building = lines[bl]
                    if any(w in STOP and w not in GENERIC for w in _words(lines[bl])):
                        whole_buildings[code] = lines[bl]  # "ALL SAINTS HOUSE": a stop word breaks the runs read
                elif not bcore and len(lines) > 1:
                    if not any(ch.isdigit() for ch in lines[bl]):
                        whole_buildings[code] = lines[bl]  # "INTEGRATED CARE CENTRE": named whole or not at all
                    # building is generic ("THE SURGERY"): people name it by its street
                    street = re.sub(r"^[\d\-/ ]+[A-Z]?\s+", "", lines[1].split(",")[0].strip())
                    scores, sfull = name_core(street)
                    if len(scores) >= 2 and scores != core:
                        key = (scores, r.postcode)
                        by_building[key].add(code)
                        building_label[key] = street
            for ln in lines:
                # streets on any address line ("48 MULGRAVE ROAD", "TYNING LANE, CAMDEN ROAD"): people name a
                # practice by its street ("the Mulgrave Road surgery")
                for part in ln.split(","):
                    street = re.sub(r"^[\d\-/ ]+[A-Z]?\s+", "", part.strip())
                    numbered = street != part.strip()
                    sw = list(_words(street))
                    # a street ends with a street word, or (after a house number) with a word such as Hill, Green
                    if (
                        len(sw) >= 2
                        and (sw[-1] in STREET_END or numbered and sw[-1] in STREET_END_NUMBERED)
                        and not any(ch.isdigit() for ch in street)
                    ):
                        score = tuple(sw)
                        if not all(w in GENERIC for w in sw) and score != core:
                            # a street of common words ("North Road", "Park Lane") too: it is kept as a weak name,
                            # which stands only for exactly one practice of the committee's own area, and one for
                            # each building; any other street is one for each postcode district, as an area has a
                            # High Street in each of its towns
                            common = all(w in WEAK or w in GENERIC for w in score)
                            where = r.postcode if common else r.postcode.split(" ")[0]
                            ent = by_street.setdefault((score, r.commissioner, where), (set(), street))
                            ent[0].add(code)
                    elif len(sw) >= 2 and sw[-1] in STREET_END_NUMBERED and not any(ch.isdigit() for ch in street):
                        # "BALCOMBES HILL", "ELM GROVE, MENGHAM": a street or a locality; kept below only where it
                        # is one building of the area
                        score = tuple(sw)
                        if any(w not in WEAK and w not in GENERIC for w in sw) and score != core:
                            ent = loose_street.setdefault((score, r.commissioner), (set(), street))
                            ent[0].add(code)
            for ln in lines[1:]:
                lw = _words(ln)
                p.address_keys.update(lw)
                self.vocab.update(lw)
                if not any(ch.isdigit() for ch in ln):
                    tk = " ".join(lw)
                    tw = tk.split()
                    if tk and not all(w in GENERIC for w in tw) and not any(w in STREETISH for w in tw):
                        p.town_keys.add(tk)
                        self.town_words.update(tw)
                        if len(tw) <= 3:
                            self.town_vocab.add(tk)
                            self.town_joined.add("".join(tw))
                    if (
                        tk
                        and not any(w in GENERIC and w not in PLACE_GLUE for w in tw)
                        and tw[-1] not in STREET_END
                        and len(tw) <= 4
                        and tw[0] not in PLACE_GLUE
                    ):
                        # a place: a town or locality ("Croydon", "Wembley Park", "Earls Court", "Isle of Wight"),
                        # not a building or a street
                        p.place_keys.add(tk)
                        self.by_town[tk].add(code)
            lw = _words(lines[0] if lines else "")
            p.address_keys.update(lw)
            self.vocab.update(lw)
            if r.postcode:
                self.by_postcode[r.postcode].add(code)
            if r.commissioner:
                self.by_commissioner[r.commissioner].add(code)
        for key, codes in by_building.items():
            core, _ = key
            self._add_alias("site", core, codes, building_label[key])
        streets_known = {(core, comm) for core, comm, _ in by_street}
        for (core, comm), (codes, label) in loose_street.items():
            if (core, comm) in streets_known:
                continue
            there = codes | (self.by_town.get(" ".join(core), set()) & self.by_commissioner.get(comm, set()))
            if len({self.practices[c].rec.postcode for c in there}) == 1:
                by_street[(core, comm, "")] = (codes, label)  # one building: "the Balcombes Hill surgery" is it
        for (core, _, _), (codes, label) in by_street.items():
            self._add_alias("street", core, codes, label, common=all(w in WEAK or w in GENERIC for w in core))
        for code, pcn in self.pcns.items():
            name = pcn["name"]
            base = _BRACKET.sub(" ", name)
            core, full = name_core(base, drop_initials=False)
            self._add_alias("pcn", core, (code,), name, full)
            for m in _BRACKET.finditer(name):
                inner = m.group(1) or m.group(2) or ""
                icore, _ = name_core(inner, drop_initials=False)
                self._add_alias("pcn", core + icore, (code,), name)
                if len(icore) >= 2 or (icore and len(icore[0]) >= 3):
                    self._add_alias("pcn", icore, (code,), name)
        self._build_whole_names(whole_buildings)
        for code, area in self.areas.items():
            n = re.sub(
                r"\b(nhs|ccg|clinical commissioning group|sub icb location|icb)\b", " ", area["name"], flags=re.I
            )
            toks = tuple(t.text for t in tokenize(n) if t.text not in ("and", "the", "of"))
            if toks:
                a = Alias(len(self.aliases), "area", toks, "".join(toks), (code,), area["name"])
                self.aliases.append(a)
                self.token_index[a.joined].add(a.id)
                area["label"] = re.sub(r"\s+", " ", n).strip(" ,")

    def _build_whole_names(self, whole_buildings: dict):
        """Each official practice and PCN name as a whole word sequence (practices sharing a name share one), and
        each building named in common words only ("INTEGRATED CARE CENTRE", "THE NEW SURGERY") or with a stop word
        in it ("ALL SAINTS HOUSE"): such a building is read only word for word, and stands only for one building
        of the committee's own area."""
        groups: dict = defaultdict(set)
        labels: dict = {}
        for code, building in whole_buildings.items():
            key = whole_key(_words(building))
            if len(key) >= 2 and not set(key) <= PLAIN_BUILDING_WORDS:
                groups[("site", key)].add(code)
                labels[("site", key)] = building
        for code, p in self.practices.items():
            key = whole_key(_words(_BRACKET.sub(" ", p.name)))
            groups[("name", key)].add(code)
            labels[("name", key)] = p.name
        for code, pcn in self.pcns.items():
            key = whole_key(_words(_BRACKET.sub(" ", pcn["name"])))
            if key and key[-1] in ("pcn", "network"):
                groups[("pcn", key)].add(code)
                labels[("pcn", key)] = pcn["name"]
        for (kind, key), codes in sorted(groups.items()):
            if len(key) < 2:
                continue  # one word is left to the rules for names (places, common words)
            a = Alias(len(self.aliases), kind, key, "".join(key), tuple(sorted(codes)), labels[(kind, key)], key)
            self.aliases.append(a)
            self.whole_index[key[:2]][key] = a.id

    # ------------------------------------------------------------------ queries
    def lookup_joined(self, key: str) -> dict:
        """Aliases whose joined core is ``key`` or within one edit of it (delete-1 keys, raw and OCR forms):
        {alias id: joined key}."""
        hit = self._lookup_cache.get(key)
        if hit is not None:
            return hit
        keys = set()
        if key in self.token_index:
            keys.add(key)
        probes = deletes1(key) if len(key) >= 5 else {ocr_key(key)}
        for d in probes:
            keys |= self.fuzzy_index.get(d, set())
        out = {}
        for k in keys:
            for aid in self.token_index[k]:
                out[aid] = k
        if len(self._lookup_cache) > 200_000:
            self._lookup_cache.clear()
        self._lookup_cache[key] = out
        return out

    def alias(self, alias_id: int) -> Alias:
        return self.aliases[alias_id]

    def has_partial_word(self, word: str) -> bool:
        """Is ``word`` a word of some longer name (the words-left-out index)?"""
        return word in self.partial_index

    def aliases_with_word(self, word: str) -> set:
        """Ids of the names that have ``word`` among their words (for a name written with a word left out)."""
        return self.partial_index.get(word, set())

    def aliases_with_key(self, joined_key: str) -> set:
        """Ids of the aliases (names, buildings, streets, PCNs, areas) whose joined words are exactly ``joined_key``."""
        return self.token_index.get(joined_key, set())

    def whole_names_from(self, first: str, second: str) -> dict:
        """Official names (whole_key: alias id) whose first two words are ``first`` ``second``."""
        return self.whole_index.get((first, second), {})

    # ------------------------------------------------------------------ areas
    # An area is a commissioner (sub-ICB / former CCG) code, an ICB code ('icb:QHM') or a place ('place:croydon':
    # the practices with that town or locality on an address line).
    PLACE = "place:"
    ICB = "icb:"

    def area_keys(self, identifiers) -> set:
        """The area keys a committee's area identifiers name: commissioner / sub-ICB codes, ICB codes, or place
        names (a borough, town or former CCG name). Identifiers that name nothing are ignored."""
        if isinstance(identifiers, str):
            identifiers = [identifiers]
        out = set()
        icbs = None
        for ident in identifiers or ():
            raw = str(ident or "").strip()
            if not raw:
                continue
            code = raw.upper()
            if code in self.by_commissioner or code in self.areas:
                out.add(code)
                continue
            if icbs is None:
                icbs = {p.rec.icb for p in self.practices.values() if p.rec.icb}
            if code in icbs:
                out.add(self.ICB + code)
                continue
            key = " ".join(t.text for t in tokenize(raw))
            named = re.sub(r"\b(nhs|ccg|icb|sub icb location)\b", " ", key).split()
            joined = "".join(w for w in named if w not in ("and", "the", "of"))
            areas = {
                self.aliases[a].targets[0]
                for a in self.token_index.get(joined, ())
                if self.aliases[a].kind == "area" and self.aliases[a].joined == joined
            }
            if areas:
                out |= areas
            elif " ".join(named) in self.by_town:
                out.add(self.PLACE + " ".join(named))
        return out

    def area_practices(self, area_code: str) -> set:
        if area_code.startswith(self.PLACE):
            return self.by_town.get(area_code[len(self.PLACE) :], set())
        if area_code.startswith(self.ICB):
            icb = area_code[len(self.ICB) :]
            return {c for c, p in self.practices.items() if p.rec.icb == icb}
        s = self.by_commissioner.get(area_code)
        if s:
            return s
        return self.by_map_commissioner.get(area_code, set())

    def dormant(self, code: str) -> bool:
        """Is the practice dormant or closed with no date (epraccur status D, or C without a close date)? Such a
        practice is not the one meant when an operating practice fits the same words."""
        p = self.practices.get(code)
        return p is not None and (p.rec.status == "D" or (p.rec.status == "C" and p.rec.close_date is None))

    def practice_area(self, code: str) -> set:
        """Every area key the practice is in: its commissioner (and the map's former CCG when that is no current
        commissioner), its ICB and the places on its address."""
        p = self.practices.get(code)
        if not p:
            return set()
        out = set()
        if p.rec.commissioner:
            out.add(p.rec.commissioner)
        if p.map_commissioner and p.map_commissioner not in self.by_commissioner:
            out.add(p.map_commissioner)
        if p.rec.icb:
            out.add(self.ICB + p.rec.icb)
        for t in p.place_keys:
            out.add(self.PLACE + t)
        return out

    def area_label(self, area_code: str) -> str:
        if area_code.startswith(self.PLACE):
            return area_code[len(self.PLACE) :].title()
        if area_code.startswith(self.ICB):
            return "ICB " + area_code[len(self.ICB) :]
        a = self.areas.get(area_code)
        if a:
            return a.get("label", a["name"])
        return area_code

    def label(self, code: str) -> str:
        p = self.practices.get(code)
        if p:
            return f"{p.name} ({code})"
        pcn = self.pcns.get(code)
        if pcn:
            return f"{pcn['name']} ({code})"
        a = self.areas.get(code)
        if a:
            return f"{a['name']} ({code})"
        return code

    # Lookups for the engine's link rules
    def is_practice(self, code: str) -> bool:
        return code in self.practices

    def is_pcn(self, code: str) -> bool:
        return code in self.pcns

    def practice_name(self, code: str) -> str | None:
        p = self.practices.get(code)
        return p.name if p else None

    def pcn_name(self, code: str) -> str | None:
        pcn = self.pcns.get(code)
        return pcn["name"] if pcn else None

    def practice_icb(self, code: str) -> str | None:
        """The practice's ICB code ('' when epraccur gives none); None for a code that is not a practice."""
        p = self.practices.get(code)
        return p.rec.icb if p else None

    def practice_open_on(self, code: str, day) -> bool:
        p = self.practices.get(code)
        return p is not None and p.rec.is_open_on(day)

    def pcn_members(self, pcn_code: str) -> set:
        """The practice codes the PCN map lists for the PCN (empty for an unknown code)."""
        pcn = self.pcns.get(pcn_code)
        return pcn["members"] if pcn else set()

    def practices_at_place(self, place: str) -> set:
        """The practices with this town or locality (canonical words, "isle of wight") on an address line."""
        return self.by_town.get(place, set())

    def is_place_name(self, words: tuple) -> bool:
        """Do these canonical words name a town or locality, or a commissioner area ("Isle of Wight", "Croydon")?"""
        if " ".join(words) in self.town_vocab:
            return True
        key = "".join(t for t in words if t not in ("and", "the", "of"))
        return any(
            self.aliases[a].kind == "area" and self.aliases[a].joined == key for a in self.token_index.get(key, ())
        )
