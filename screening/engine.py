"""Entity linking between declarations and agenda items through the organisation directory.

Candidates come from inverted indexes (practice code, PCN code, commissioner area, company-name keys), so the
cost grows with what matches; :func:`screen_all_pairs` scores every (item, interest) pair and is the oracle the
tests compare against.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from .companies import CompanyIndex, OrgName, extract_org_names, names_match
from .declarations import Reading, is_current, is_financial, read_declaration
from .directory import Directory
from .mentions import Mention, find_mentions
from . import evidence as E
from .model import SEVERITY, AgendaItem, Flag, Interest

AREAWIDE_RE = re.compile(
    r"\ball (?:of )?(?:the )?(?:general |gp |member |local )?practices\b|\bevery (?:gp |general )?practice\b|"
    r"\beach practice\b|\blocal(?:ly)? (?:enhanced|commissioned) services?\b|\benhanced services?\b|"
    r"\bincentive scheme\b|\bquality (?:and outcomes |& outcomes )?scheme\b|\bqof\b|\barea[- ]wide\b|"
    r"\bper[- ]patient payment\b|\b[a-z]+ practices\b(?= (?:for|across|in)\b)",
    re.I,
)
AREAWIDE_ABBR = re.compile(r"\b(LES|LCS|LIS|DES)\b")
PCN_ROLES_OK = {"partner", "salaried"}
ADDRESS_KINDS = {"site", "street", "postcode"}  # a practice found by where it is rather than by its name


def _is_areawide(text: str) -> bool:
    return bool(AREAWIDE_RE.search(text) or AREAWIDE_ABBR.search(text))


@dataclass
class ResolvedInterest:
    idx: int
    interest: Interest
    reading: Reading
    practices: dict = field(default_factory=dict)  # code -> how
    pcns: dict = field(default_factory=dict)  # code -> how
    orgs: list = field(default_factory=list)  # OrgName
    mentions: list = field(default_factory=list)
    possible: dict = field(default_factory=dict)  # code -> (how, written, candidates): a name fitting several

    @property
    def iid(self):
        return self.interest.interest_id if self.interest.interest_id is not None else str(self.idx + 1)


@dataclass
class ResolvedItem:
    item: AgendaItem
    practices: dict = field(default_factory=dict)  # code -> (how, written)
    pcns: dict = field(default_factory=dict)
    areas: dict = field(default_factory=dict)
    orgs: list = field(default_factory=list)
    areawide: bool = False
    possible: dict = field(default_factory=dict)


def _how(h):
    return h[0] if isinstance(h, tuple) else h


class Engine:
    """Index a directory once; screen many meetings against it."""

    def __init__(self, directory: Directory | None = None):
        self.directory = directory if directory is not None else Directory()

    # ------------------------------------------------------------------ resolution
    def _mentions(self, text, want_areas=False):
        return find_mentions(text, self.directory, want_areas=want_areas)

    def _resolve_mentions(
        self, mentions: list[Mention], home: set, day: date | None, is_decl: bool, possible: dict | None = None
    ):
        """What the mentions are about: {code: (how, written, context)} for practices, PCNs and areas. Names that
        fit several practices of the area with nothing to tell them apart go to ``possible`` (code -> (how,
        written, all the candidates))."""
        d = self.directory
        practices: dict = {}
        pcns: dict = {}
        areas: dict = {}
        if possible is None:
            possible = {}
        named = set()
        for m in mentions:
            if m.kind == "practice" and not (m.exact_kind and m.exact_kind <= ADDRESS_KINDS):
                named |= set(m.cands)
        for m in mentions:
            cands = dict(m.cands)
            if m.kind == "practice" and m.bare:
                # written without what makes it certain: it stands only for exactly one open practice of the
                # committee's own area (its practices when the area is given, else the ICBs the meeting is about),
                # and not for a place of that area ("Hexham premises review")
                own = getattr(self, "_own", None)
                local = (lambda c: c in own) if own else (lambda c: d.practices[c].rec.icb in home)
                key = m.written.split()[0].lower() if len(m.written.split()) == 1 else ""
                if key and any(local(c) for c in d.by_town.get(key, ()) if c in d.practices):
                    continue
                cands = {
                    c: h
                    for c, h in cands.items()
                    if c in d.practices and local(c) and d.practices[c].rec.is_open_on(day)
                }
                if len(cands) != 1:
                    self._note_possible(possible, cands, m, home)
                    continue
            if m.kind == "practice":
                if len(cands) > 1:
                    amb: dict = {}
                    cands = self._disambiguate(cands, home, day, m.type_agree, amb)
                    if amb:
                        self._note_possible(possible, amb, m, home)
                if is_decl and m.exact_kind and m.exact_kind <= ADDRESS_KINDS and named and not (set(cands) & named):
                    continue  # building written as the address of a practice named in the same declaration
                if is_decl and m.exact_kind and m.exact_kind <= ADDRESS_KINDS and named:
                    cands = {c: h for c, h in cands.items() if c in named}
                for c, h in cands.items():
                    practices.setdefault(c, (_how(h), m.written, m.context))
            elif m.kind == "pcn":
                if len(cands) > 1 and home:
                    loc = {c: h for c, h in cands.items() if self._pcn_icbs(c) & home}
                    cands = loc or cands
                for c, h in cands.items():
                    pcns.setdefault(c, (_how(h), m.written, m.context))
            elif m.kind == "area":
                for c, h in cands.items():
                    areas.setdefault(c, (_how(h), m.written, ""))
        return practices, pcns, areas

    def _is_place(self, o) -> bool:
        d = self.directory
        key = "".join(t for t in o.tokens if t not in ("and", "the", "of"))
        if " ".join(o.tokens) in d.town_vocab:
            return True
        return any(d.aliases[a].kind == "area" and d.aliases[a].joined == key for a in d.token_index.get(key, ()))

    def _pcn_icbs(self, pcn_code):
        d = self.directory
        return {d.practices[c].rec.icb for c in d.pcns.get(pcn_code, {}).get("members", ()) if c in d.practices}

    def _note_possible(self, possible: dict, cands: dict, m: Mention, home: set):
        """Several open practices of the committee's area (at most five) that the name fits equally."""
        d = self.directory
        codes = sorted(c for c in cands if c in d.practices and d.practices[c].rec.icb in home)
        if home and 2 <= len(codes) <= 5 and len(codes) == len(cands):
            for c in codes:
                possible.setdefault(c, (_how(cands[c]), m.written, tuple(codes)))

    def _disambiguate(
        self,
        cands: dict,
        home: set,
        day: date | None,
        type_agree: frozenset | set = frozenset(),
        ambiguous: dict | None = None,
    ) -> dict:
        d = self.directory
        out = cands
        if home:
            loc = {c: h for c, h in out.items() if c in d.practices and d.practices[c].rec.icb in home}
            if loc:
                out = loc
        if day is not None and len(out) > 1:
            op = {c: h for c, h in out.items() if c in d.practices and d.practices[c].rec.is_open_on(day)}
            if op:
                out = op
        if len(out) > 1 and type_agree:
            # of several names the words fit, the one whose type words (Surgery, Medical Centre ...) were written
            agree = {c: h for c, h in out.items() if c in type_agree}
            if agree:
                out = agree
        if len(out) > 1:
            exact = {c: h for c, h in out.items() if _how(h) in ("name", "building")}
            if exact:
                out = exact
        if len(out) > 1:
            by_name = {c: h for c, h in out.items() if not _how(h).startswith(("building", "street"))}
            if by_name and len(by_name) < len(out):
                out = by_name
        # a street written as "the Church Road surgery" must be one street in the area: two practices on
        # different streets of that name leave it unknown
        if len(out) > 1 and all(_how(h).startswith("street") for h in out.values()):
            if len({id(h[1]) for h in out.values() if isinstance(h, tuple)}) > 1:
                if ambiguous is not None:
                    ambiguous.update(out)
                return {}
        # a variant (typo, swapped or dropped type word, words left out) must still point at exactly one practice
        # (or one building): written so that it fits several names, it names none of them
        if len(out) > 1 and all("variant" in _how(h) for h in out.values()):
            alias_ids = {id(h[1]) for h in out.values() if isinstance(h, tuple)}
            if len(alias_ids) > 1:
                if ambiguous is not None:
                    ambiguous.update(out)
                return {}
        return out

    def _home(self, mention_lists) -> set:
        d = self.directory
        cnt: Counter = Counter()
        for ms in mention_lists:
            for m in ms:
                if m.kind == "practice" and len(m.cands) == 1 and not m.bare:
                    c = next(iter(m.cands))
                    if c in d.practices:
                        cnt[d.practices[c].rec.icb] += 1
        if not cnt:
            return set()
        top = max(cnt.values())
        return {k for k, v in cnt.items() if v >= max(1, 0.3 * top)}

    def prepare(self, interests: list[Interest], items: list[AgendaItem], meeting_date: date | None, area=None):
        d = self.directory
        own_area = d.area_keys(area) if area else set()
        # the committee's own practices: where a name written without what makes it certain must be unique
        self._own = set().union(*(d.area_practices(a) for a in own_area)) if own_area else set()
        decl_m: list = []
        item_m: list = []
        readings = []
        for i, it in enumerate(interests):
            rd = read_declaration(it)
            readings.append(rd)
            if rd.nil:
                decl_m.append([])
                continue
            ms = self._mentions(it.description or "")
            if it.organisation_code:
                code = it.organisation_code.strip().upper()
                if code in d.practices:
                    ms.append(Mention("practice", {code: "ODS code"}, code))
                elif code in d.pcns:
                    ms.append(Mention("pcn", {code: "PCN code"}, code))
            decl_m.append(ms)
        areawide = []
        for agenda_item in items:
            text = (agenda_item.title or "") + " | " + (agenda_item.description or "")
            aw = _is_areawide(text)
            areawide.append(aw)
            item_m.append(self._mentions(text, want_areas=aw))
        home = self._home(item_m + decl_m)
        if own_area:
            # the committee's own area is where its names are most likely to be
            home = home | {
                d.practices[c].rec.icb
                for a in own_area
                for c in d.area_practices(a)
                if c in d.practices and d.practices[c].rec.icb
            }
        rints = []
        for i, it in enumerate(interests):
            rd = readings[i]
            ri = ResolvedInterest(i, it, rd)
            if not rd.nil:
                ri.practices, ri.pcns, _ = self._resolve_mentions(decl_m[i], home, meeting_date, True, ri.possible)
                for c in ri.practices:
                    ri.possible.pop(c, None)
                # a place written in a declaration ("X Surgery (Isle of Wight)") is where, not whom
                ri.orgs = [o for o in extract_org_names(it.description or "") if not self._is_place(o)]
                ri.mentions = decl_m[i]
            rints.append(ri)
        ritems = []
        for k, agenda_item in enumerate(items):
            text = (agenda_item.title or "") + " | " + (agenda_item.description or "")
            rit = ResolvedItem(agenda_item, areawide=areawide[k])
            rit.practices, rit.pcns, rit.areas = self._resolve_mentions(
                item_m[k], home, meeting_date, False, rit.possible
            )
            for c in rit.practices:
                rit.possible.pop(c, None)
            if rit.areawide and own_area and not (rit.areas or rit.practices or rit.pcns):
                # an area-wide item that names no area ("all practices", "all PCNs in the ICB") is about the
                # committee's own area
                rit.areas = {a: ("committee area", "the committee's own area", "") for a in sorted(own_area)}
            rit.orgs = [o for o in extract_org_names(text) if not self._is_place(o)]
            ritems.append(rit)
        return rints, ritems

    # ------------------------------------------------------------------ linking rules
    def _link_practice(self, ri: ResolvedInterest, code: str, item: ResolvedItem):
        rd = ri.reading
        if rd.role == "pcn_role":
            return None
        ihow, iwritten, ictx = item.practices[code]
        dhow, dwritten, dctx = ri.practices[code]
        if rd.role == "patient":
            action, rule = "declare", "registered patient of the practice the item decides on"
        elif is_financial(ri.interest, rd):
            who = "own" if rd.holder == "self" else f"{rd.relationship or rd.holder}'s"
            action, rule = (
                "exclude",
                f"{who} financial interest ({rd.role.replace('_', ' ')}) in the practice the item decides on",
            )
        else:
            action, rule = "declare", "non-financial interest in the practice the item decides on"
        ev = (
            f'Declared "{ri.interest.description}" → {self.directory.label(code)} by {dhow}'
            f'{" (" + dctx + ")" if dctx else ""}; item names "{iwritten}" → {code} by {ihow}'
            f"{' (' + ictx + ')' if ictx else ''}; rule: {rule}"
        )
        plain = (
            f"{E.is_role(ri.interest, rd)} {E.label(self.directory, code)}"
            f"{E.item_names(item.item.item_id, ihow, iwritten)}."
        )
        score = 1.0 if ("typo" not in ihow and "typo" not in dhow) else 0.85
        return action, score, ev, plain

    @staticmethod
    def _partner_or_salaried(ri):
        """Whose partner or salaried interest this is ('self', or the relative), or None when it is neither:
        only those roles reach a practice's PCN or area (practice managers and patients do not)."""
        rd = ri.reading
        if rd.role not in PCN_ROLES_OK or not is_financial(ri.interest, rd):
            return None
        return "self" if rd.holder == "self" else (rd.relationship or rd.holder)

    def _link_pcn_via_practice(self, ri, practice_code, pcn_code, item):
        rd = ri.reading
        who = self._partner_or_salaried(ri)
        if who is None:
            return None
        d = self.directory
        ev = (
            f'Declared "{ri.interest.description}" → {d.label(practice_code)}, a member practice of '
            f"{d.label(pcn_code)} per the PCN map; item is about {d.label(pcn_code)} "
            f'("{item.pcns[pcn_code][1]}"); rule: {rd.role} ({who}) at a member practice of the PCN → no vote'
        )
        plain = (
            f"{E.is_role(ri.interest, rd)} {E.label(d, practice_code)}, a member practice of "
            f"{E.label(d, pcn_code)}, which item {item.item.item_id} is about."
        )
        return "no-vote", 0.9, ev, plain

    def _link_pcn_role(self, ri, pcn_code, item):
        rd = ri.reading
        if rd.role in ("patient", "practice_manager"):
            return None
        d = self.directory
        ev = (
            f'Declared "{ri.interest.description}" → {d.label(pcn_code)} by {ri.pcns[pcn_code][0]}; item is about '
            f'{d.label(pcn_code)} ("{item.pcns[pcn_code][1]}"); rule: declared role in the PCN → no vote'
        )
        plain = f"{E.is_role(ri.interest, rd)} {E.label(d, pcn_code)}, which item {item.item.item_id} is about."
        return "no-vote", 0.9, ev, plain

    def _link_area(self, ri, practice_code, area_code, item):
        rd = ri.reading
        who = self._partner_or_salaried(ri)
        if who is None:
            return None
        d = self.directory
        how = item.areas.get(area_code, ("",))[0]
        where = d.area_label(area_code) + (" (the committee's own area)" if how == "committee area" else "")
        ev = (
            f'Declared "{ri.interest.description}" → {d.label(practice_code)}, '
            f"{'in ' + d.area_label(area_code) if area_code.startswith(d.PLACE) else 'area ' + area_code}; "
            f"item is an area-wide scheme for {where}; rule: {rd.role} ({who}) at a practice in the area → no vote"
        )
        plain = (
            f"{E.is_role(ri.interest, rd)} {E.label(d, practice_code)}, one of the practices of {where} that "
            f"the area-wide scheme in item {item.item.item_id} covers."
        )
        return "no-vote", 0.8, ev, plain

    def _link_company(self, ri, dorg: OrgName, iorg: OrgName, how: str, item_id: str = ""):
        rd = ri.reading
        if rd.role == "patient":
            action, rule = "declare", "patient/service user of the organisation"
        elif is_financial(ri.interest, rd):
            who = "own" if rd.holder == "self" else f"{rd.relationship or rd.holder}'s"
            action, rule = (
                "exclude",
                f"{who} financial interest ({rd.role.replace('_', ' ')}) in the organisation the item decides on",
            )
        else:
            action, rule = "declare", "non-financial interest (unpaid role) in the organisation the item decides on"
        ev = (
            f'Declared "{ri.interest.description}" names "{dorg.written}"; item names "{iorg.written}" '
            f"({how}); rule: {rule}"
        )
        plain = (
            f"{E.is_role(ri.interest, rd)} {dorg.written}, which item {item_id} names"
            f"{'' if how == 'same name' else ' as ' + chr(34) + iorg.written + chr(34)}."
        )
        return action, (0.95 if how == "same name" else 0.85), ev, plain

    # ------------------------------------------------------------------ screening
    def screen(
        self,
        interests: Iterable[Interest],
        items: Iterable[AgendaItem],
        meeting_date: date | None = None,
        all_pairs: bool = False,
        area=None,
        possible: bool = False,
    ) -> list[Flag]:
        """Flags for every (item, member) pair with a current interest that reaches what the item is about.

        ``area`` (optional, keyword) is the committee's own area: an iterable (set, list, tuple) of area
        identifiers, or one identifier as a string.  Each identifier may be a commissioner / sub-ICB code as in
        epraccur column 15 (``'36L'``, ``'W2U3Z'``), an ICB code (``'QWE'``), or a place name (a borough, town or
        former CCG name as it appears on practice addresses or in the PCN map: ``'Croydon'``, ``'Sutton'``).
        Identifiers the directory does not know are ignored.  An area-wide item that names no area ("all
        practices", "all PCNs in the ICB") then concerns every member with a partner / salaried interest in a
        practice of that area, and ambiguous names prefer the area's practices.  Without ``area`` such items
        flag nobody.  Example: ``engine.screen(interests, items, meeting_date, area={'36L', 'Croydon'})``.

        ``possible=True`` also returns flags marked ``possible`` (``Flag.possible``): a name that fits several
        practices of the area with nothing in the text to tell them apart, and a member's interest is in one of
        them; the evidence names the candidates. They are never returned unless asked for.
        """
        interests = list(interests)
        items = list(items)
        if meeting_date is None:
            ds = [it.meeting_date for it in items if it.meeting_date]
            meeting_date = min(ds) if ds else None
        rints, ritems = self.prepare(interests, items, meeting_date, area=area)
        live = [ri for ri in rints if not ri.reading.nil and is_current(ri.interest, meeting_date)]
        found = defaultdict(list)  # (item_id, member_id) -> [(action, score, ev, iid)]
        if all_pairs:
            for item in ritems:
                for ri in live:
                    for res in self._pair(ri, item):
                        found[(item.item.item_id, ri.interest.member_id)].append(res + (ri.iid,))
        else:
            self._pruned(live, ritems, found)
        flags = self._flags(found)
        if possible:
            maybe = defaultdict(list)
            if all_pairs:
                for item in ritems:
                    for ri in live:
                        for code in sorted(set(item.possible) & set(ri.practices)):
                            maybe[(item.item.item_id, ri.interest.member_id)].append(
                                self._link_possible(ri, code, item, True) + (ri.iid,)
                            )
                        for code in sorted(set(ri.possible) & set(item.practices)):
                            maybe[(item.item.item_id, ri.interest.member_id)].append(
                                self._link_possible(ri, code, item, False) + (ri.iid,)
                            )
            else:
                by_practice, by_possible = defaultdict(list), defaultdict(list)
                for ri in live:
                    for code in ri.practices:
                        by_practice[code].append(ri)
                    for code in ri.possible:
                        by_possible[code].append(ri)
                for item in ritems:
                    for code in sorted(item.possible):
                        for ri in by_practice.get(code, ()):
                            maybe[(item.item.item_id, ri.interest.member_id)].append(
                                self._link_possible(ri, code, item, True) + (ri.iid,)
                            )
                    for code in sorted(item.practices):
                        for ri in by_possible.get(code, ()):
                            maybe[(item.item.item_id, ri.interest.member_id)].append(
                                self._link_possible(ri, code, item, False) + (ri.iid,)
                            )
            sure = {(f.item_id, f.member_id) for f in flags}
            extra = self._flags({k: v for k, v in maybe.items() if k not in sure})
            for f in extra:
                f.possible = True
            flags = sorted(flags + extra, key=lambda f: (_natural(f.item_id), _natural(f.member_id)))
        return flags

    def _link_possible(self, ri: ResolvedInterest, code: str, item: ResolvedItem, item_side: bool):
        """A member's practice is one of several that a name fits (in the item, or in the declaration)."""
        rd = ri.reading
        d = self.directory
        if rd.role == "patient":
            action = "declare"
        elif is_financial(ri.interest, rd):
            action = "exclude"
        else:
            action = "declare"
        how, written, cands = (item.possible if item_side else ri.possible)[code]
        others = ", ".join(E.label(d, c) for c in cands)
        if item_side:
            plain = (
                f'Possible: item {item.item.item_id} names "{written}", which fits {len(cands)} practices of the '
                f"area ({others}) with nothing to tell them apart; {E.is_role(ri.interest, rd)} "
                f"{E.label(d, code)}, one of them."
            )
        else:
            plain = (
                f'Possible: {E.who(ri.interest, rd)} declared "{written}", which fits {len(cands)} practices of '
                f"the area ({others}); item {item.item.item_id} names {E.label(d, code)}, one of them."
            )
        ev = (
            f'Declared "{ri.interest.description}"; item "{item.item.title}"; "{written}" fits {others} ({how}); '
            f"rule: a name that fits several practices of the area is flagged as possible"
        )
        return action, 0.5, ev, plain

    def _pair(self, ri: ResolvedInterest, item: ResolvedItem):
        """Every link between one interest and one item (used by the all-pairs oracle)."""
        d = self.directory
        out = []
        for code in item.practices:
            if code in ri.practices:
                r = self._link_practice(ri, code, item)
                if r:
                    out.append(r)
        for pcn in item.pcns:
            members = d.pcns.get(pcn, {}).get("members", set())
            for code in ri.practices:
                if code in members:
                    r = self._link_pcn_via_practice(ri, code, pcn, item)
                    if r:
                        out.append(r)
            if pcn in ri.pcns:
                r = self._link_pcn_role(ri, pcn, item)
                if r:
                    out.append(r)
        for area in item.areas:
            for code in ri.practices:
                if area in d.practice_area(code):
                    r = self._link_area(ri, code, area, item)
                    if r:
                        out.append(r)
        seen = set()
        for iorg in item.orgs:
            for dorg in ri.orgs:
                if (dorg.group, iorg.group) in seen:
                    continue
                how = names_match(dorg, iorg)
                if how:
                    seen.add((dorg.group, iorg.group))
                    r = self._link_company(ri, dorg, iorg, how, item.item.item_id)
                    if r:
                        out.append(r)
        return out

    def _pruned(self, live, ritems, found):
        d = self.directory
        by_practice = defaultdict(list)
        by_pcn_member = defaultdict(list)
        by_pcn = defaultdict(list)
        by_area = defaultdict(list)
        companies = CompanyIndex()
        for ri in live:
            for code in ri.practices:
                by_practice[code].append(ri)
                p = d.practices.get(code)
                if p and p.pcn:
                    by_pcn_member[p.pcn].append((ri, code))
                for a in d.practice_area(code):
                    by_area[a].append((ri, code))
            for pcn in ri.pcns:
                by_pcn[pcn].append(ri)
            for o in ri.orgs:
                companies.add(ri, o)
        for item in ritems:
            key_item = item.item.item_id
            for code in item.practices:
                for ri in by_practice.get(code, ()):
                    r = self._link_practice(ri, code, item)
                    if r:
                        found[(key_item, ri.interest.member_id)].append(r + (ri.iid,))
            for pcn in item.pcns:
                members = d.pcns.get(pcn, {}).get("members", set())
                for code in members:
                    for ri in by_practice.get(code, ()):
                        r = self._link_pcn_via_practice(ri, code, pcn, item)
                        if r:
                            found[(key_item, ri.interest.member_id)].append(r + (ri.iid,))
                for ri in by_pcn.get(pcn, ()):
                    r = self._link_pcn_role(ri, pcn, item)
                    if r:
                        found[(key_item, ri.interest.member_id)].append(r + (ri.iid,))
            for area in item.areas:
                for ri, code in by_area.get(area, ()):
                    r = self._link_area(ri, code, area, item)
                    if r:
                        found[(key_item, ri.interest.member_id)].append(r + (ri.iid,))
            seen = set()
            for iorg in item.orgs:
                for ri, dorg in companies.candidates(iorg):
                    if (ri.idx, dorg.group, iorg.group) in seen:
                        continue
                    how = names_match(dorg, iorg)
                    if how:
                        seen.add((ri.idx, dorg.group, iorg.group))
                        r = self._link_company(ri, dorg, iorg, how, item.item.item_id)
                        if r:
                            found[(key_item, ri.interest.member_id)].append(r + (ri.iid,))

    @staticmethod
    def _flags(found) -> list[Flag]:
        """One flag per (item, member): the strongest action; ``evidence[0]`` is one plain sentence (the link that
        decides the action), ``path`` every link's matching path."""
        flags = []
        for (item_id, member_id), links in found.items():
            best = max(SEVERITY[lk[0]] for lk in links)
            action = next(a for a, s in SEVERITY.items() if s == best)
            path = []
            ids = []
            ordered = sorted(links, key=lambda x: (-SEVERITY[x[0]], -x[1], x[2]))
            for a, s, e, plain, iid in ordered:
                if e not in path:
                    path.append(e)
                if iid not in ids:
                    ids.append(iid)
            score = max(lk[1] for lk in links if lk[0] == action)
            # evidence: the plain sentence first, then the path (until every caller shows ``path`` on its own,
            # behind a "How this was found" detail)
            flags.append(
                Flag(item_id, member_id, sorted(ids, key=_natural), action, score, [ordered[0][3]] + path, path)
            )
        flags.sort(key=lambda f: (_natural(f.item_id), _natural(f.member_id)))
        return flags


@lru_cache(maxsize=65536)
def _natural(s):
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(s)) if p)


def screen(
    interests, items, directory: Directory | None = None, meeting_date: date | None = None, *, area=None
) -> list[Flag]:
    """Screen once (see :meth:`Engine.screen`; ``area`` is the committee's own area, e.g. ``area={'36L'}``)."""
    return Engine(directory).screen(interests, items, meeting_date, area=area)


def screen_all_pairs(
    interests, items, directory: Directory | None = None, meeting_date: date | None = None, *, area=None
) -> list[Flag]:
    """The oracle: score every (item, interest) pair without candidate pruning."""
    return Engine(directory).screen(interests, items, meeting_date, all_pairs=True, area=area)
