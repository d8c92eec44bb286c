"""Entity linking between declarations and agenda items through the organisation directory.

Each link rule is one named object with its evidence (:class:`PracticeRule`, :class:`SiteRule`,
:class:`PcnThroughPracticeRule`, :class:`PcnRoleRule`, :class:`AreaRule`, :class:`CompanyRule`,
:class:`PossiblePracticeRule`) answering a :class:`Link` or None. The pruned path asks them only about the pairs
that inverted indexes (practice code, PCN code, area, company-name keys) bring together, so the cost grows with
what matches; :func:`screen_all_pairs` asks them about every (item, interest) pair and is the oracle the tests
compare against.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import pickle  # nosec B403 - only the answers of this process's own forked readers are unpickled
import re
import threading
from collections import Counter, defaultdict
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from .companies import CompanyIndex, OrgName, extract_org_names, names_match
from .declarations import Reading, is_current, is_financial, read_declaration
from .directory import Alias, Directory
from .mentions import WORDS_LEFT_OUT, Mention, find_mentions
from . import evidence as E
from .normalise import canon_words
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
FOUND_BY_ADDRESS = ("building", "street", "postcode")  # how such a practice was found (a mention's "how")


# A batch with this many distinct texts is read on several cores when the engine is given workers (the command
# line's batches); a meeting's few hundred texts never are: starting the readers would cost more than it saves
PARALLEL_FROM = 2000
TEXTS_KEPT = 20_000  # texts an engine remembers between screens (a few kilobytes each)
_reading_engine: "Engine | None" = None  # the engine a forked reader inherits (set only while readers run)


_collector_lock = threading.Lock()
_collector_pauses = [0, False]  # screens under way that paused it; whether it was on before the first


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector held off while a screen (or a directory index) is built. Both make
    millions of small objects that live until the end, so each collector pass walks them and the whole directory
    and frees nothing: about a fifth of a large batch's time. Nested and concurrent pauses count, and the collector
    comes back as it was when the last one ends."""
    with _collector_lock:
        if _collector_pauses[0] == 0:
            _collector_pauses[1] = gc.isenabled()
            gc.disable()
        _collector_pauses[0] += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses[0] -= 1
            if _collector_pauses[0] == 0 and _collector_pauses[1]:
                gc.enable()


def available_cores(most: int = 4) -> int:
    """How many workers a command-line batch uses: the cores this process may run on (at most ``most``) that other
    work is not already using, by the last minute's load average. On a shared machine whose cores are busy a second
    worker only adds the cost of handing its results back, so it reads alone."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        others = max(0.0, os.getloadavg()[0] - 1)  # this process is one of the load
    except (AttributeError, OSError):
        others = 0.0
    return max(1, min(most, round(cores - others)))


class _AnswerPickler(pickle.Pickler):
    """A reader's answers name the directory's aliases by number: the parent has the same directory, so the
    aliases are neither copied out nor copied back (they were most of what crossed between the processes)."""

    def persistent_id(self, obj):
        return obj.id if type(obj) is Alias else None


class _AnswerUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, directory: Directory):
        super().__init__(io.BytesIO(data))
        self.directory = directory

    def persistent_load(self, pid):
        return self.directory.aliases[pid]


def _read_in_child(jobs) -> bytes:
    engine = _reading_engine
    if engine is None:  # only a reader forked by Engine._read_unread has one
        raise RuntimeError("a screening reader started without its engine")
    answers = [engine._read_text(text, want_areas) for text, want_areas in jobs]
    out = io.BytesIO()
    _AnswerPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(answers)
    return out.getvalue()


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

    @property
    def reference(self) -> str:
        """The item as people know it ("4.2"): what the evidence's sentence names."""
        return self.item.reference or self.item.item_id


def _one_building(cands: dict, d: Directory) -> bool:
    """Were several practices found by one street or building they all share ("the North Road surgery": three
    practices in CLAYTON HEALTH CENTRE)? Written so, it names all of them."""
    aliases = {id(h[1]) for h in cands.values() if isinstance(h, tuple)}
    return (
        len(cands) > 1
        and len(aliases) == 1
        and all(isinstance(h, tuple) and h[1].kind in ("street", "site") for h in cands.values())
        and len({d.practices[c].rec.postcode for c in cands if c in d.practices}) == 1
    )


def _common_street(how) -> bool:
    """Was the practice found by a street of common words ("NORTH ROAD", "HIGH STREET")?"""
    return isinstance(how, tuple) and isinstance(how[1], Alias) and how[1].kind == "street" and how[1].weak


def _how(h):
    return h[0] if isinstance(h, tuple) else h


@dataclass(frozen=True)
class Link:
    """One reason a member's interest reaches an agenda item: the action it calls for, how sure it is, the matching
    path (what was read, how it was found, the rule) and one plain sentence for the chair."""

    action: str
    score: float
    path: str
    sentence: str


def _by_address(how: str) -> bool:
    """Was the practice found by where it is (its building, street or postcode) rather than by its name or code?"""
    return how.split(" variant")[0] in FOUND_BY_ADDRESS


def _partner_or_salaried(ri: ResolvedInterest):
    """Whose partner or salaried interest this is ('self', or the relative), or None when it is neither: only those
    roles reach a practice's PCN or area (practice managers and patients do not)."""
    rd = ri.reading
    if rd.role not in PCN_ROLES_OK or not is_financial(ri.interest, rd):
        return None
    return "self" if rd.holder == "self" else (rd.relationship or rd.holder)


def _practice_link(directory: Directory, ri: ResolvedInterest, code: str, item: ResolvedItem) -> Link | None:
    """What the practice and site rules share: the declaration and the item resolve to the same practice."""
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
    path = (
        f'Declared "{ri.interest.description}" → {directory.label(code)} by {dhow}'
        f'{" (" + dctx + ")" if dctx else ""}; item names "{iwritten}" → {code} by {ihow}'
        f"{' (' + ictx + ')' if ictx else ''}; rule: {rule}"
    )
    sentence = f"{E.is_role(ri.interest, rd)} {E.label(directory, code)}{E.item_names(item.reference, ihow, iwritten)}."
    score = 1.0 if ("typo" not in ihow and "typo" not in dhow) else 0.85
    return Link(action, score, path, sentence)


@dataclass(frozen=True)
class PracticeRule:
    """The declaration and the item name the same GP practice, by its name (or a variant of it) or its ODS code.

    Evidence: the practice's record in epraccur (its name and code); a financial interest (partner, salaried GP,
    practice manager, shareholder) excludes, a registered patient or an unpaid role declares."""

    directory: Directory

    def link(self, ri: ResolvedInterest, item: ResolvedItem, code: str) -> Link | None:
        if _by_address(item.practices[code][0]) or _by_address(ri.practices[code][0]):
            return None  # the site rule
        return _practice_link(self.directory, ri, code, item)


@dataclass(frozen=True)
class SiteRule:
    """The declaration or the item names a GP practice by where it is: its building, its street or its postcode.

    Evidence: the practice's address lines and postcode in epraccur (a building on the first lines, a street on any
    line); the action is the practice rule's."""

    directory: Directory

    def link(self, ri: ResolvedInterest, item: ResolvedItem, code: str) -> Link | None:
        if not (_by_address(item.practices[code][0]) or _by_address(ri.practices[code][0])):
            return None  # the practice rule
        return _practice_link(self.directory, ri, code, item)


@dataclass(frozen=True)
class PcnThroughPracticeRule:
    """The item is about a primary care network and the member (or a close relative) is a partner or salaried GP at
    one of its member practices: no vote.

    Evidence: the PCN map (pcn_map.csv), which lists each PCN's member practices."""

    directory: Directory

    def link(self, ri: ResolvedInterest, item: ResolvedItem, practice_code: str, pcn_code: str) -> Link | None:
        rd = ri.reading
        who = _partner_or_salaried(ri)
        if who is None:
            return None
        d = self.directory
        path = (
            f'Declared "{ri.interest.description}" → {d.label(practice_code)}, a member practice of '
            f"{d.label(pcn_code)} per the PCN map; item is about {d.label(pcn_code)} "
            f'("{item.pcns[pcn_code][1]}"); rule: {rd.role} ({who}) at a member practice of the PCN → no vote'
        )
        sentence = (
            f"{E.is_role(ri.interest, rd)} {E.label(d, practice_code)}, a member practice of "
            f"{E.label(d, pcn_code)}, which item {item.reference} is about."
        )
        return Link("no-vote", 0.9, path, sentence)


@dataclass(frozen=True)
class PcnRoleRule:
    """The member declares a role in the primary care network itself (clinical director, a PCN post) and the item is
    about that PCN: no vote.

    Evidence: the PCN's name or code in the PCN map, written in the declaration and in the item."""

    directory: Directory

    def link(self, ri: ResolvedInterest, item: ResolvedItem, pcn_code: str) -> Link | None:
        rd = ri.reading
        if rd.role in ("patient", "practice_manager") or pcn_code not in ri.pcns:
            return None
        d = self.directory
        path = (
            f'Declared "{ri.interest.description}" → {d.label(pcn_code)} by {ri.pcns[pcn_code][0]}; item is about '
            f'{d.label(pcn_code)} ("{item.pcns[pcn_code][1]}"); rule: declared role in the PCN → no vote'
        )
        sentence = f"{E.is_role(ri.interest, rd)} {E.label(d, pcn_code)}, which item {item.reference} is about."
        return Link("no-vote", 0.9, path, sentence)


@dataclass(frozen=True)
class AreaRule:
    """The item is an area-wide scheme (a local enhanced service, an incentive scheme, "all practices in X") and the
    member (or a close relative) is a partner or salaried GP at a practice of that area: no vote.

    Evidence: the practice's commissioner and ICB in epraccur, the former CCG in the PCN map and the places on its
    address; an item that names no area means the committee's own area."""

    directory: Directory

    def link(self, ri: ResolvedInterest, item: ResolvedItem, practice_code: str, area_code: str) -> Link | None:
        rd = ri.reading
        who = _partner_or_salaried(ri)
        if who is None:
            return None
        d = self.directory
        how = item.areas.get(area_code, ("",))[0]
        where = d.area_label(area_code) + (" (the committee's own area)" if how == "committee area" else "")
        path = (
            f'Declared "{ri.interest.description}" → {d.label(practice_code)}, '
            f"{'in ' + d.area_label(area_code) if area_code.startswith(d.PLACE) else 'area ' + area_code}; "
            f"item is an area-wide scheme for {where}; rule: {rd.role} ({who}) at a practice in the area → no vote"
        )
        sentence = (
            f"{E.is_role(ri.interest, rd)} {E.label(d, practice_code)}, one of the practices of {where} that "
            f"the area-wide scheme in item {item.reference} covers."
        )
        return Link("no-vote", 0.8, path, sentence)


@dataclass(frozen=True)
class CompanyRule:
    """The declaration and the item name the same organisation that is not a practice (a company, federation,
    charity or trust), compared by its written name (legal suffix, acronym, spacing and word order aside).

    Evidence: the two written names and how they match; no directory row is needed. It answers None only when the
    two names do not match, whoever wrote them (the pruned path relies on this to ask once per written name)."""

    directory: Directory

    def link(self, ri: ResolvedInterest, item: ResolvedItem, declared: OrgName, named: OrgName) -> Link | None:
        how = names_match(declared, named)
        if not how:
            return None
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
        path = (
            f'Declared "{ri.interest.description}" names "{declared.written}"; item names "{named.written}" '
            f"({how}); rule: {rule}"
        )
        sentence = (
            f"{E.is_role(ri.interest, rd)} {declared.written}, which item {item.reference} names"
            f"{'' if how == 'same name' else ' as ' + chr(34) + named.written + chr(34)}."
        )
        return Link(action, (0.95 if how == "same name" else 0.85), path, sentence)


@dataclass(frozen=True)
class PossiblePracticeRule:
    """A name that fits several practices of the committee's area with nothing in the text to tell them apart (in the
    item, or in the declaration), and the member's practice is one of them: a flag marked possible, naming every
    candidate, instead of nothing.

    Evidence: the directory rows of every practice the name fits (at most five, all in the area)."""

    directory: Directory

    def link(self, ri: ResolvedInterest, item: ResolvedItem, code: str, item_side: bool) -> Link | None:
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
            sentence = (
                f'Possible: item {item.reference} names "{written}", which fits {len(cands)} practices of the '
                f"area ({others}) with nothing to tell them apart; {E.is_role(ri.interest, rd)} "
                f"{E.label(d, code)}, one of them."
            )
        else:
            sentence = (
                f'Possible: {E.who(ri.interest, rd)} declared "{written}", which fits {len(cands)} practices of '
                f"the area ({others}); item {item.reference} names {E.label(d, code)}, one of them."
            )
        path = (
            f'Declared "{ri.interest.description}"; item "{item.item.title}"; "{written}" fits {others} ({how}); '
            f"rule: a name that fits several practices of the area is flagged as possible"
        )
        return Link(action, 0.5, path, sentence)


class Engine:
    """Index a directory once; screen many meetings against it."""

    def __init__(self, directory: Directory | None = None, workers: int = 1):
        """``workers`` above 1 reads a large batch's texts in that many processes (forked, so on POSIX only); the
        flags are the same either way."""
        self.directory = directory if directory is not None else Directory()
        self.workers = max(1, int(workers or 1))
        self._texts: dict = {}  # (text, want_areas) -> what it names, kept across screens (see _read_all)
        # the link rules: both the pruned path and the all-pairs oracle ask these same objects
        self.practice = PracticeRule(self.directory)
        self.site = SiteRule(self.directory)
        self.pcn_through_practice = PcnThroughPracticeRule(self.directory)
        self.pcn_role = PcnRoleRule(self.directory)
        self.area = AreaRule(self.directory)
        self.company = CompanyRule(self.directory)
        self.possible_practice = PossiblePracticeRule(self.directory)

    # ------------------------------------------------------------------ resolution
    def _mentions(self, text, want_areas=False):
        return find_mentions(text, self.directory, want_areas=want_areas)

    def _read_text(self, text: str, want_areas: bool) -> tuple[list, list]:
        """What one text names: its mentions of practices, PCNs (and areas), and its organisation names (a place
        written in a text, "X Surgery (Isle of Wight)", is where, not whom)."""
        orgs = [o for o in extract_org_names(text) if not self._is_place(o)]
        return self._mentions(text, want_areas=want_areas), orgs

    def _read_all(self, jobs: list) -> dict:
        """Each distinct (text, want_areas) read once: {job: (mentions, organisation names)}. Texts read by an
        earlier screen on this engine are not read again (a committee's register is the same from meeting to
        meeting, and every declaration change re-screens the upcoming meetings); the rest are split over the
        workers when there are enough of them to pay for starting the workers."""
        known = self._texts
        results = {}
        unread = []
        for job in dict.fromkeys(jobs):
            found = known.get(job)
            if found is None:
                unread.append(job)
            else:
                results[job] = found
        fresh = self._read_unread(unread)
        if len(fresh) <= TEXTS_KEPT:
            if len(known) + len(fresh) > TEXTS_KEPT:
                known.clear()  # simpler than least-recently-used, and rare: a worker's texts are a few thousand
            known.update(fresh)
        results.update(fresh)
        return results

    def _read_unread(self, jobs: list) -> dict:
        global _reading_engine
        if self.workers < 2 or len(jobs) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
            return {job: self._read_text(*job) for job in jobs}
        chunks = [jobs[k :: self.workers] for k in range(self.workers)]
        _reading_engine = self
        try:
            with multiprocessing.get_context("fork").Pool(self.workers - 1) as pool:
                pending = pool.map_async(_read_in_child, chunks[1:])
                results = {job: self._read_text(*job) for job in chunks[0]}
                for chunk, answers in zip(chunks[1:], pending.get()):
                    results.update(zip(chunk, _AnswerUnpickler(answers, self.directory).load()))
        finally:
            _reading_engine = None
        return results

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
        own = getattr(self, "_own", None)
        local = (lambda c: c in own) if own else (lambda c: d.practice_icb(c) in home)
        for m in mentions:
            cands = dict(m.cands)
            if m.kind == "practice" and not m.bare:
                # a street of common words ("the North Road surgery") read beside other names stands only for the
                # committee's own area, as it does alone
                cands = {c: h for c, h in cands.items() if not _common_street(h) or local(c)}
            if m.kind == "practice" and m.bare:
                # written without what makes it certain: it stands only for exactly one open practice of the
                # committee's own area (its practices when the area is given, else the ICBs the meeting is about),
                # and not for a place of that area ("Hexham premises review")
                key = " ".join(canon_words(m.written))
                # the place read as its open practices: where those are the name's own, both readings name them
                at_place = {
                    c
                    for c in (d.practices_at_place(key) if key else ())
                    if d.is_practice(c) and local(c) and d.practice_open_on(c, day)
                }
                if at_place and not at_place <= set(cands):
                    continue
                cands = {c: h for c, h in cands.items() if d.is_practice(c) and local(c) and d.practice_open_on(c, day)}
                if len(cands) != 1 and not _one_building(cands, d):
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
        return self.directory.is_place_name(tuple(o.tokens))

    def _pcn_icbs(self, pcn_code):
        d = self.directory
        return {d.practice_icb(c) for c in d.pcn_members(pcn_code) if d.is_practice(c)}

    def _note_possible(self, possible: dict, cands: dict, m: Mention, home: set):
        """Several open practices of the committee's area (at most five) that the name fits equally."""
        d = self.directory
        codes = sorted(c for c in cands if d.is_practice(c) and d.practice_icb(c) in home)
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
            loc = {c: h for c, h in out.items() if d.is_practice(c) and d.practice_icb(c) in home}
            if loc:
                out = loc
        own = getattr(self, "_own", None)
        if own and len(out) > 1:
            # within the ICB, the committee's own area: "the Newgate Street surgery" on a Bingham agenda is the one
            # on Bingham's Newgate Street, not the one in Worksop
            mine = {c: h for c, h in out.items() if c in own}
            if mine:
                out = mine
        if day is not None and len(out) > 1:
            op = {c: h for c, h in out.items() if d.practice_open_on(c, day)}
            if op:
                out = op
        if len(out) > 1 and type_agree:
            # of several names the words fit, the one whose type words (Surgery, Medical Centre ...) were written
            agree = {c: h for c, h in out.items() if c in type_agree}
            if agree:
                out = agree
        if len(out) > 1:
            # then a name with every word written over one with words left out ("Kingswood surgeries" is KINGSWOOD
            # SURGERY before KINGSWOOD HEALTH CENTRE's surgery); the area came first
            whole = {c: h for c, h in out.items() if not _how(h).endswith("(" + WORDS_LEFT_OUT + ")")}
            if whole:
                out = whole
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
                    if d.is_practice(c):
                        cnt[d.practice_icb(c)] += 1
        if not cnt:
            return set()
        top = max(cnt.values())
        return {k for k, v in cnt.items() if v >= max(1, 0.3 * top)}

    def prepare(self, interests: list[Interest], items: list[AgendaItem], meeting_date: date | None, area=None):
        """Read every declaration and item once. Registers and agendas repeat their wording (the same declaration
        in many members' rows, the same kind of item every month), and what a text names depends on nothing but
        the text within one screen, so each distinct text is read once (a quarter to a third of a large batch)."""
        d = self.directory
        own_area = d.area_keys(area) if area else set()
        # the committee's own practices: where a name written without what makes it certain must be unique
        self._own = set().union(*(d.area_practices(a) for a in own_area)) if own_area else set()
        readings_of: dict = {}
        readings = []
        for it in interests:
            wording = (it.interest_type, it.description, it.role, it.holder, it.relationship)
            rd = readings_of.get(wording)
            if rd is None:
                rd = readings_of[wording] = read_declaration(it)
            readings.append(rd)
        texts = [(agenda_item.title or "") + " | " + (agenda_item.description or "") for agenda_item in items]
        areawide = [_is_areawide(text) for text in texts]
        jobs = [(it.description or "", False) for it, rd in zip(interests, readings) if not rd.nil]
        read = self._read_all(jobs + list(zip(texts, areawide)))
        mentions_of: dict = {}
        decl_m: list = []
        decl_keys: list = []
        for it, rd in zip(interests, readings):
            if rd.nil:
                decl_m.append([])
                decl_keys.append(None)
                continue
            code = (it.organisation_code or "").strip().upper()
            key = (it.description or "", code)
            ms = mentions_of.get(key)
            if ms is None:
                ms = list(read[(it.description or "", False)][0])
                if d.is_practice(code):
                    ms.append(Mention("practice", {code: "ODS code"}, code))
                elif d.is_pcn(code):
                    ms.append(Mention("pcn", {code: "PCN code"}, code))
                mentions_of[key] = ms
            decl_m.append(ms)
            decl_keys.append(key)
        item_m = [read[job][0] for job in zip(texts, areawide)]
        home = self._home(item_m + decl_m)
        if own_area:
            # the committee's own area is where its names are most likely to be
            home = home | {
                d.practice_icb(c)
                for a in own_area
                for c in d.area_practices(a)
                if d.is_practice(c) and d.practice_icb(c)
            }
        resolved_of: dict = {}

        def resolved(key, mentions, is_decl):
            """(practices, pcns, areas, possible) of one distinct text, copied: callers change their own."""
            found = resolved_of.get((key, is_decl))
            if found is None:
                possible: dict = {}
                practices, pcns, areas = self._resolve_mentions(mentions, home, meeting_date, is_decl, possible)
                for c in practices:
                    possible.pop(c, None)
                found = resolved_of[(key, is_decl)] = (practices, pcns, areas, possible)
            return tuple(dict(part) for part in found)

        rints = []
        for i, it in enumerate(interests):
            rd = readings[i]
            ri = ResolvedInterest(i, it, rd)
            if not rd.nil:
                ri.practices, ri.pcns, _, ri.possible = resolved(decl_keys[i], decl_m[i], True)
                ri.orgs = list(read[(it.description or "", False)][1])
                ri.mentions = decl_m[i]
            rints.append(ri)
        ritems = []
        for k, agenda_item in enumerate(items):
            text = texts[k]
            rit = ResolvedItem(agenda_item, areawide=areawide[k])
            rit.practices, rit.pcns, rit.areas, rit.possible = resolved((text, areawide[k]), item_m[k], False)
            if rit.areawide and own_area and not (rit.areas or rit.practices or rit.pcns):
                # an area-wide item that names no area ("all practices", "all PCNs in the ICB") is about the
                # committee's own area
                rit.areas = {a: ("committee area", "the committee's own area", "") for a in sorted(own_area)}
            rit.orgs = list(read[(text, areawide[k])][1])
            ritems.append(rit)
        return rints, ritems

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
        with collector_paused():
            return self._screen(list(interests), list(items), meeting_date, all_pairs, area, possible)

    def _screen(self, interests, items, meeting_date, all_pairs, area, possible) -> list[Flag]:
        if meeting_date is None:
            ds = [it.meeting_date for it in items if it.meeting_date]
            meeting_date = min(ds) if ds else None
        rints, ritems = self.prepare(interests, items, meeting_date, area=area)
        live = [ri for ri in rints if not ri.reading.nil and is_current(ri.interest, meeting_date)]
        found = defaultdict(list)  # (item_id, member_id) -> [(Link, interest id)]
        if all_pairs:
            for item in ritems:
                for ri in live:
                    for link in self._pair(ri, item):
                        found[(item.item.item_id, ri.interest.member_id)].append((link, ri.iid))
        else:
            self._pruned(live, ritems, found)
        flags = self._flags(found)
        if possible:
            maybe = defaultdict(list)
            rule = self.possible_practice
            if all_pairs:
                for item in ritems:
                    for ri in live:
                        for code in sorted(set(item.possible) & set(ri.practices)):
                            maybe[(item.item.item_id, ri.interest.member_id)].append(
                                (rule.link(ri, item, code, True), ri.iid)
                            )
                        for code in sorted(set(ri.possible) & set(item.practices)):
                            maybe[(item.item.item_id, ri.interest.member_id)].append(
                                (rule.link(ri, item, code, False), ri.iid)
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
                                (rule.link(ri, item, code, True), ri.iid)
                            )
                    for code in sorted(item.practices):
                        for ri in by_possible.get(code, ()):
                            maybe[(item.item.item_id, ri.interest.member_id)].append(
                                (rule.link(ri, item, code, False), ri.iid)
                            )
            sure = {(f.item_id, f.member_id) for f in flags}
            extra = self._flags({k: v for k, v in maybe.items() if k not in sure})
            for f in extra:
                f.possible = True
            flags = sorted(flags + extra, key=lambda f: (_natural(f.item_id), _natural(f.member_id)))
        return flags

    def _practice_or_site(self, ri: ResolvedInterest, item: ResolvedItem, code: str) -> Link | None:
        return self.practice.link(ri, item, code) or self.site.link(ri, item, code)

    def _pair(self, ri: ResolvedInterest, item: ResolvedItem) -> list[Link]:
        """Every link between one interest and one item (the all-pairs oracle): each rule asked about every pair."""
        d = self.directory
        out = []
        for code in item.practices:
            if code in ri.practices:
                link = self._practice_or_site(ri, item, code)
                if link:
                    out.append(link)
        for pcn in item.pcns:
            members = d.pcn_members(pcn)
            for code in ri.practices:
                if code in members:
                    link = self.pcn_through_practice.link(ri, item, code, pcn)
                    if link:
                        out.append(link)
            if pcn in ri.pcns:
                link = self.pcn_role.link(ri, item, pcn)
                if link:
                    out.append(link)
        for area in item.areas:
            for code in ri.practices:
                if area in d.practice_area(code):
                    link = self.area.link(ri, item, code, area)
                    if link:
                        out.append(link)
        seen = set()
        for iorg in item.orgs:
            for dorg in ri.orgs:
                if (dorg.group, iorg.group) in seen:
                    continue
                link = self.company.link(ri, item, dorg, iorg)
                if link:
                    seen.add((dorg.group, iorg.group))
                    out.append(link)
        return out

    def _pruned(self, live, ritems, found):
        """The same rules, asked only about the pairs the indexes (practice, PCN, area, company-name keys) bring
        together."""
        d = self.directory
        by_practice = defaultdict(list)
        by_pcn = defaultdict(list)
        by_area = defaultdict(list)
        companies = CompanyIndex()
        holders: dict = {}  # id(written name) -> (the name, the interests that wrote it)
        for ri in live:
            for code in ri.practices:
                by_practice[code].append(ri)
                for a in d.practice_area(code):
                    by_area[a].append((ri, code))
            for pcn in ri.pcns:
                by_pcn[pcn].append(ri)
            for o in ri.orgs:
                holders.setdefault(id(o), (o, []))[1].append(ri)
        # one entry per written name: interests with the same wording share their names (see prepare)
        for o, ris in holders.values():
            companies.add(ris, o)
        for item in ritems:
            key_item = item.item.item_id
            for code in item.practices:
                for ri in by_practice.get(code, ()):
                    link = self._practice_or_site(ri, item, code)
                    if link:
                        found[(key_item, ri.interest.member_id)].append((link, ri.iid))
            for pcn in item.pcns:
                members = d.pcn_members(pcn)
                for code in members:
                    for ri in by_practice.get(code, ()):
                        link = self.pcn_through_practice.link(ri, item, code, pcn)
                        if link:
                            found[(key_item, ri.interest.member_id)].append((link, ri.iid))
                for ri in by_pcn.get(pcn, ()):
                    link = self.pcn_role.link(ri, item, pcn)
                    if link:
                        found[(key_item, ri.interest.member_id)].append((link, ri.iid))
            for area in item.areas:
                for ri, code in by_area.get(area, ()):
                    link = self.area.link(ri, item, code, area)
                    if link:
                        found[(key_item, ri.interest.member_id)].append((link, ri.iid))
            seen = set()
            for iorg in item.orgs:
                for ris, dorg in companies.candidates(iorg):
                    for ri in ris:
                        if (ri.idx, dorg.group, iorg.group) in seen:
                            continue
                        link = self.company.link(ri, item, dorg, iorg)
                        if not link:
                            break  # the names do not match: the same for every interest that wrote this one
                        seen.add((ri.idx, dorg.group, iorg.group))
                        found[(key_item, ri.interest.member_id)].append((link, ri.iid))

    @staticmethod
    def _flags(found) -> list[Flag]:
        """One flag per (item, member): the strongest action; ``evidence[0]`` is one plain sentence (the link that
        decides the action), ``path`` every link's matching path."""
        flags = []
        for (item_id, member_id), links in found.items():
            if len(links) == 1:  # most pairs: one link decides it
                link, iid = links[0]
                flags.append(
                    Flag(item_id, member_id, [iid], link.action, link.score, [link.sentence, link.path], [link.path])
                )
                continue
            best = max(SEVERITY[link.action] for link, _ in links)
            action = next(a for a, s in SEVERITY.items() if s == best)
            path = []
            ids = []
            ordered = sorted(links, key=lambda x: (-SEVERITY[x[0].action], -x[0].score, x[0].path))
            for link, iid in ordered:
                if link.path not in path:
                    path.append(link.path)
                if iid not in ids:
                    ids.append(iid)
            score = max(link.score for link, _ in links if link.action == action)
            # evidence: the plain sentence first, then the path (until every caller shows ``path`` on its own,
            # behind a "How this was found" detail)
            flags.append(
                Flag(
                    item_id, member_id, sorted(ids, key=_natural), action, score, [ordered[0][0].sentence] + path, path
                )
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
