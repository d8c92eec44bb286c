"""Find the organisations a piece of free text names: ODS codes, practice names and their variants, buildings,
PCNs and commissioner areas, with the town / postcode / code context that picks between same-named ones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .directory import STREET_END, Directory
from .normalise import (
    CODE_RE,
    GENERIC,
    fold,
    POSTCODE_RE,
    STOP,
    TRANSPARENT,
    WEAK as WEAK_WORDS,
    close,
    norm_postcode,
    tokenize,
    type_prefix,
    type_word_typo,
)

_NUMERIC = re.compile(r"[a-z]{0,2}\d+[a-z]{0,2}|[a-z]\d{5}")
PCN_WORDS = frozenset({"pcn", "network"})
# words that make a name a company or a grouping of practices rather than a practice ("Ashby GP Federation",
# "Redlam Healthcare Ltd"); a practice alias is not matched through them unless its own name has the word
FEDERATION_WORDS = frozenset(
    {
        "federation",
        "alliance",
        "collaborative",
        "consortium",
        "cic",
        "confederation",
        "cooperative",
        "enterprise",
        "enterprises",
    }
)
LEGAL_WORDS = frozenset({"ltd", "limited", "llp", "plc"})
# words after a name that make it the name of a scheme or a service specification, not of a provider ("Minor
# Surgery Scheme", "Care Home LES", "Homeless Health Pathway")
SCHEME_WORDS = frozenset(
    {"scheme", "schemes", "specification", "pathway", "programme", "framework", "les", "lcs", "lis", "des"}
)
PRACTICE_TYPE_WORDS = frozenset({"surgery", "practice", "centre", "clinic", "partnership", "partners", "doctors"})
PRACTICE_ALIASES = ("name", "site", "street")
INNER_FUNCTION_WORDS = frozenset({"on", "upon", "in", "by", "under", "le", "sur", "super"})
PLURAL_TYPE_WORDS = frozenset({"practices", "surgeries", "centres", "centers", "clinics", "partnerships"})
# one-word localities too common to name an area on their own
WEAK_PLACE = frozenset(
    "north south east west central new old upper lower great little high low park green village "
    "town city county district".split()
)
TYPE_WORDS = frozenset(
    {
        "medical",
        "centre",
        "surgery",
        "health",
        "healthcare",
        "practice",
        "group",
        "clinic",
        "partnership",
        "partners",
        "family",
        "gp",
        "doctors",
        "primary",
        "care",
        "unit",
    }
)


@dataclass
class Mention:
    kind: str  # 'practice' | 'pcn' | 'area'
    cands: dict  # code -> how ('ods code', 'name', 'name variant', 'name variant (typo)', 'building')
    written: str  # the text as written
    start: int = 0
    end: int = 0
    dist: int = 0
    exact_kind: set = field(default_factory=set)  # alias kinds matched ('name', 'site', ...)
    context: str = ""  # disambiguating context used
    orig: set = field(default_factory=set)
    type_agree: set = field(default_factory=set)  # candidates whose official type words are the ones written
    bare: bool = False  # written without what makes it certain (its type word, a word of its name, or the
    # name is a common word): it stands only for exactly one practice of the committee's own area


def _bare_name(a) -> bool:
    """The official name is its distinctive word alone, with no type word ("OAKLANDS", "THE BLACKTHORN")."""
    return not [w for w in a.full if w in GENERIC and w not in ("the", "and", "dr")]


def _stands_alone(toks, run, tail) -> bool:
    """A capitalised one-word name written as a whole phrase: a break or a function word before it, a break or the
    end of the text after it ("Partner, Blackthorn", "grant application (Blackthorn)", "partner at OAKLANDS")."""
    first = run[0]
    if not first.raw[:1].isupper() or tail:
        return False
    before_ok = (
        first.boundary_before
        or first.pos == 0
        or toks[first.pos - 1].stop
        or toks[first.pos - 1].text in ("the", "of")  # "Director of Treflan"
    )
    j = run[-1].pos + 1
    # a break, the end, or a function word opening what follows ("Salaried GP at Treflan on Lower Cardiff Road")
    after_ok = j >= len(toks) or toks[j].boundary_before or (toks[j].stop and toks[j].raw.islower())
    return before_ok and after_ok


def _types(words) -> frozenset:
    """The type words (Surgery, Medical Centre ...) among a name's canonical words."""
    return frozenset(w for w in words if w in GENERIC and w not in ("the", "and", "dr"))


def _subsequence(ws, core) -> bool:
    it = iter(core)
    return all(any(w == c for c in it) for w in ws)


def _subject_alone(toks, run, tail) -> bool:
    """One capitalised word that opens a title or a phrase and is followed by lower-case topic words or nothing
    ("Riverbank boundary change", "Partner, Riverbank")."""
    first = run[0]
    if not first.raw[:1].isupper() or tail:
        return False
    if not (first.boundary_before or first.pos == 0):
        return False
    j = run[-1].pos + 1
    return j >= len(toks) or toks[j].boundary_before or toks[j].raw[:1].islower()


def _street_follows(toks, i) -> bool:
    """Do the capitalised words from token i make a street ("on Lower Cardiff Road")? Then the small word before
    them opens where a practice is, and is not inside a name."""
    for k in range(i, min(len(toks), i + 5)):
        t = toks[k]
        if (k > i and t.boundary_before) or not t.raw[:1].isupper():
            return False
        if t.text in STREET_END and k > i:
            return True
    return False


def _leads_to_pcn(toks, i):
    """Does the name that token i sits in end with PCN / Network (before any break)?"""
    for k in range(i + 1, min(len(toks), i + 7)):
        t = toks[k]
        if t.boundary_before or t.stop:
            return False
        if t.text in PCN_WORDS:
            return True
    return False


def _runs(toks, name_numbers=frozenset()):
    """Maximal runs of distinctive tokens (transparent words skipped), with their generic tail. A number that is
    part of some practice's name ("4 SEASONS", "168 MEDICAL GROUP", "E12 HEALTH") stays in a run."""
    runs = []
    cur = []
    prev = ""
    for t in toks:
        initial = prev == "dr" and len(t.text) <= 2 and t.text.isalpha() and t.text != "dr"
        prev = t.text
        if initial:
            continue
        if t.boundary_before and cur:
            runs.append(cur)
            cur = []
        if t.text in TRANSPARENT:
            if t.text == "and" and cur:
                cur.append(t)  # keep as a split point
            continue
        if _NUMERIC.fullmatch(t.text) and len(t.text) <= 4 and not t.generic and _leads_to_pcn(toks, t.pos):
            if t.boundary_before and cur:
                runs.append(cur)
                cur = []
            cur.append(t)  # numbered PCNs: "Barnet 1W PCN", "A34 West Berkshire PCN", "Newham North East 2 Network"
            continue
        if (
            t.stop
            and t.text in INNER_FUNCTION_WORDS
            and cur
            and cur[-1].raw[:1].isupper()
            and t.raw.islower()
            and t.pos + 1 < len(toks)
            and toks[t.pos + 1].raw[:1].isupper()
            and not toks[t.pos + 1].boundary_before
            and not _street_follows(toks, t.pos + 1)
        ):
            continue  # "Bradford on Avon", "Stratford upon Avon": a small word inside a capitalised name
        if t.generic or t.stop or (_NUMERIC.fullmatch(t.text) and t.text not in name_numbers):
            if cur:
                runs.append(cur)
                cur = []
            continue
        cur.append(t)
    if cur:
        runs.append(cur)
    out = []
    for r in runs:
        # names are written with capitals: drop ordinary lower-case words in front ("concerning Silverdale")
        if any(t.raw[:1].isupper() for t in r) and not all(t.raw[:1].isupper() for t in r):
            while r and r[0].raw[:1].islower():
                r = r[1:]
            # ... and lower-case topic words after a capitalised name ("Roxbourne boundary change"), unless a type
            # word follows them ("St.chad's Surgery" is one name)
            nxt = r[-1].pos + 1 if r else 0
            if not (nxt < len(toks) and toks[nxt].generic):
                while r and r[-1].raw[:1].islower() and r[-1].text not in ("and", "dr"):
                    r = r[:-1]
        while r and r[-1].text == "and":
            r = r[:-1]
        if not r:
            continue
        end = r[-1].pos
        tail = []
        j = end + 1
        while (
            j < len(toks)
            and (toks[j].generic or toks[j].text in TRANSPARENT)
            and not (toks[j].boundary_before and tail)
        ):
            if toks[j].boundary_before and j != end + 1:
                break
            tail.append(toks[j].text)
            j += 1
            if toks[j - 1].text in ("pcn", "network"):
                break
        out.append((r, tail))
    return out


def _org_words(toks, run, tail):
    """Company / federation words written right after a name (its generic tail and the next word)."""
    j = run[-1].pos + 1 + len(tail)
    after = list(tail)
    if j < len(toks) and not toks[j].boundary_before:
        after.append(toks[j].text)
    fed = {w for w in after if w in FEDERATION_WORDS}
    if fed:
        return fed
    legal = {w for w in after if w in LEGAL_WORDS}
    if legal and not any(w in PRACTICE_TYPE_WORDS for w in after):
        return legal
    return set()


def _segments(run):
    """Sub-runs: the whole run (without 'and') and the pieces between 'and's."""
    words = [t for t in run if t.text != "and"]
    segs = [words]
    if len(words) != len(run):
        cur = []
        for t in run:
            if t.text == "and":
                if cur:
                    segs.append(cur)
                cur = []
            else:
                cur.append(t)
        if cur:
            segs.append(cur)
    for k, t in enumerate(words):
        if k and t.soft_before:
            segs.append(words[k:])  # the name may start after a spaced hyphen ("ARRS funding - Truro PCN")
    return segs


def _known_place(key: str, d: Directory) -> bool:
    """Is the written key itself a town or commissioner area of the directory?"""
    hit = d.place_cache.get(key)
    if hit is None:
        hit = (
            key in d.town_vocab
            or key in d.town_joined
            or any(d.aliases[a].kind == "area" and d.aliases[a].joined == key for a in d.token_index.get(key, ()))
        )
        d.place_cache[key] = hit
    return hit


def _postcodes_of(a, d: Directory) -> set:
    return {d.practices[c].rec.postcode for c in a.targets if c in d.practices}


def _brackets(text: str) -> list:
    """Token spans [a, b) of bracketed text, with whether the bracket holds an ODS code."""
    out = []
    f = fold(text or "")
    for m in re.finditer(r"\(([^()]*)\)", f):
        a = len(tokenize(f[: m.start()]))
        b = len(tokenize(f[: m.end()]))
        out.append((a, b, bool(CODE_RE.search(m.group(0)))))
    return out


def _repair_type_typos(toks, d: Directory):
    for t in toks:
        if t.generic or t.stop or t.text in d.vocab:
            continue
        c = type_word_typo(t.text) or (type_prefix(t.text) if t.raw[:1].isupper() else None)
        if c:
            t.text = c
            t.generic = c in GENERIC
            t.stop = c in STOP and c not in GENERIC
    return toks


SMALL_WORDS = frozenset({"the", "and", "of", "in", "on", "at", "upon", "by", "for", "le"})


def _distinctive_words(key) -> list:
    """The words of a name that identify it: not type words, stop words, "the"/"and"/"dr" or single letters."""
    return [w for w in key if w not in GENERIC and w not in STOP and w not in TRANSPARENT and len(w) > 1]


# how a name with a word left out is marked (a true value where a match is "bare": it needs the committee's area)
WORDS_LEFT_OUT = "words left out"

_STRENGTH = {"name": 0, "pcn": 0, "site": 1, "street": 2}


def _one_building(cands: dict, d: Directory, agree: set) -> None:
    """Practices found by where they are that share a postcode share a building: naming the building (or its
    street) names every practice in it, each as strongly as the best of them."""
    by_postcode: dict = {}
    for code, (how, a) in cands.items():
        if a.kind in ("site", "street") and code in d.practices and d.practices[code].rec.postcode:
            by_postcode.setdefault(d.practices[code].rec.postcode, []).append(code)
    for codes in by_postcode.values():
        best = min((cands[c] for c in codes), key=lambda h: (_STRENGTH[h[1].kind], "variant" in h[0]))
        for c in codes:
            cands[c] = best

    # a practice named after the building it shares with others ("WHITWICK HEALTH CENTRE" in Whitwick Health
    # Centre): the words name the building, and so every practice in it
    def postcode(c):
        return d.practices[c].rec.postcode if c in d.practices else None

    sites = {postcode(c): h for c, h in cands.items() if h[1].kind == "site" and postcode(c)}
    for code, (how, a) in list(cands.items()):
        if a.kind == "name" and "typo" not in how and postcode(code) in sites:
            cands[code] = sites[postcode(code)]
    # the type words written agree with the building as much as with any practice in it
    for pc in {postcode(c) for c in agree} & ({postcode(c) for c in cands if cands[c][1].kind == "site"}):
        agree.update(c for c in cands if postcode(c) == pc)


def _how_of(found) -> str:
    return found[0] if isinstance(found, tuple) else found


def _whole_names(toks, d: Directory, mentions: list) -> list:
    """Official names written word for word, whatever their words are: stop words ("Your Family Practice",
    "Homeless Action in Barnet"), initials ("Dr Vm Patel", "Dr Ui Haque N"), punctuation inside the name ("Health
    and Wellbeing Centre, Earls Court", "At Medics - the Loxford Practice") or type words only ("Health Alliance
    PCN"). The name must be written as a whole phrase (not the tail of a longer name), and it is added only where
    the rules for names found nothing for it; what they found inside its words is then part of it."""
    # the words as compared (whole_key): "the" left out, "Primary Care Network" as one word
    seq: list = []  # (word, first token index, last token index)
    for t in toks:
        if t.text == "the":
            continue
        seq.append([t.text, t.pos, t.pos])
        if [w for w, _, _ in seq[-3:]] == ["primary", "care", "network"]:
            seq[-3:] = [["pcn", seq[-3][1], t.pos]]
    words = [w for w, _, _ in seq]
    capitals = any(t.raw[:1].isupper() for t in toks) and all(t.raw == t.raw.upper() for t in toks)
    lower_text = all(t.raw == t.raw.lower() for t in toks)
    out = []
    for i, (w, s, _) in enumerate(seq[:-1]):
        for key, aid in d.whole_names_from(w, seq[i + 1][0]).items():
            j = i + len(key)
            if tuple(words[i:j]) != key:
                continue
            e = seq[j - 1][2]
            a = d.aliases[aid]
            first, after = toks[s], (toks[e + 1] if e + 1 < len(toks) else None)
            before = toks[s - 1] if s else None
            while before is not None and before.text == "the" and not first.boundary_before:
                first, before = before, (toks[before.pos - 1] if before.pos else None)
            # a whole phrase: a break, a function word or a lower-case word on either side of a capitalised name
            upper = first.raw[:1].isupper()
            if not (
                before is None
                or first.boundary_before
                or first.soft_before
                or before.stop
                or (upper and before.raw[:1].islower() and not capitals)
            ):
                continue
            if not (after is None or after.boundary_before or after.stop or (after.raw[:1].islower() and not capitals)):
                if not (a.kind == "pcn" or after.text in GENERIC and after.text not in FEDERATION_WORDS | LEGAL_WORDS):
                    continue
                if after.text in GENERIC:
                    continue  # "X Surgery Group": a longer name
            if after is not None and (
                after.text in SCHEME_WORDS
                or a.kind == "name"
                and after.text in PCN_WORDS | FEDERATION_WORDS | LEGAL_WORDS
            ):
                continue  # "X PCN", "X Federation", "X Ltd": not the practice X; "X Scheme": a scheme
            distinct = _distinctive_words(key)
            # written as a name (capitals), or in a text written all in lower case; a name of type words only
            # ("health services centre") must have its capitals
            as_name = all(
                t.raw[:1].isupper() or t.raw[:1].isdigit() or t.text in SMALL_WORDS or t.text in PCN_WORDS
                for t in toks[s : e + 1]
            )
            if not as_name and not (lower_text and distinct):
                continue
            if any(m.exact_kind and m.start < s <= m.end for m in mentions):
                continue  # the tail of a longer name found by the rules for names ("St Bartholomews & Hollow Way
                # Med Centre" is not "Hollow Way Medical Centre")
            if a.kind == "name" and any(
                m.kind == "practice"
                and m.start >= s
                and m.end <= e
                and any(c in m.cands and not _how_of(m.cands[c]).endswith(WORDS_LEFT_OUT + ")") for c in a.targets)
                for m in mentions
            ):
                continue  # the rules for names found it already (not only as a shorter name with words left out)
            if a.kind == "pcn" and any(
                m.kind == "pcn" and m.start >= s and m.end <= e and set(m.cands) & set(a.targets) for m in mentions
            ):
                continue
            # a name with no word of its own, or a person's name alone ("Dr Singh M"), stands only for one practice
            # of the committee's own area
            bare = a.kind == "name" and (
                not [x for x in distinct if len(x) >= 3 and x not in WEAK_WORDS]
                or (not _types(key) and len([x for x in distinct if len(x) >= 3]) < 2)
            )
            how = "PCN name" if a.kind == "pcn" else "name"
            written = " ".join(t.raw for t in toks[first.pos : e + 1])
            out.append(
                Mention(
                    "pcn" if a.kind == "pcn" else "practice",
                    {c: (how, a) for c in a.targets},
                    written,
                    first.pos,
                    e,
                    0,
                    {a.kind},
                    type_agree=set(a.targets),
                    bare=bare,
                )
            )
    # a name inside a longer name written in full is part of it ("At Medics - the Loxford Practice")
    return [
        m
        for m in out
        if not any(o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start for o in out)
    ]


def find_mentions(text: str, d: Directory, want_areas: bool = False) -> list[Mention]:
    toks = _repair_type_typos(tokenize(text), d)
    mentions: list[Mention] = []
    # ---- codes
    codes_in_text = set()
    for code_match in CODE_RE.finditer(text or ""):
        c = code_match.group(1).upper()
        if c in d.practices:
            codes_in_text.add(c)
            mentions.append(Mention("practice", {c: "ODS code"}, code_match.group(1)))
        elif c in d.pcns:
            codes_in_text.add(c)
            mentions.append(Mention("pcn", {c: "PCN code"}, code_match.group(1)))
    postcodes = {norm_postcode(m.group(1), m.group(2)) for m in POSTCODE_RE.finditer(text or "")}

    # ---- names
    def match_run(run, tail, written_full):
        out = []
        is_pcn_ctx = any(w in PCN_WORDS for w in tail)
        org_words = _org_words(toks, run, tail)
        after = run[-1].pos + 1 + len(tail)
        if after < len(toks) and toks[after].text in SCHEME_WORDS and not toks[after].boundary_before:
            return out  # "Minor Surgery Scheme", "Care Home LES": a scheme's name, not a provider
        is_trust_ctx = "trust" in tail or "foundation" in tail
        has_type = any(w in TYPE_WORDS for w in tail)
        nxt = run[-1].pos + 1
        plural_tail = (
            nxt < len(toks)
            and toks[nxt].generic
            and toks[nxt].raw.lower() in PLURAL_TYPE_WORDS
            and any(t.text in ("all", "every", "each") for t in toks[max(0, run[0].pos - 2) : run[0].pos])
        )
        has_and = any(t.text == "and" for t in run)
        plural_written = nxt < len(toks) and toks[nxt].raw.lower() in PLURAL_TYPE_WORDS
        words = [t for t in run if t.text != "and"]
        n = len(words)
        segs = _segments(run)
        seg_spans = {(seg[0].pos, seg[-1].pos) for seg in segs}
        wtypes = _types(written_full)
        best = {}
        # where 'and' splits the run: words on both sides belong to one name only from the run's first word or to
        # its last ("the Wonford Green and St Levan surgeries" holds no "Green St")
        splits = [
            k
            for k in range(1, n)
            if words[k].pos > words[k - 1].pos + 1
            and any(t.text == "and" for t in toks[words[k - 1].pos + 1 : words[k].pos])
        ]
        for i in range(n):
            for j in range(i + 1, min(n, i + 5) + 1):
                if 0 < i and j < n and any(i < k < j for k in splits):
                    continue
                w = words[i:j]
                key = "".join(t.text for t in w)
                for aid in d.lookup_joined(key):
                    a = d.aliases[aid]
                    if a.kind == "area":
                        continue
                    if a.kind == "pcn" and not is_pcn_ctx:
                        continue
                    if a.kind in PRACTICE_ALIASES and (is_pcn_ctx or is_trust_ctx):
                        continue
                    if org_words and a.kind in PRACTICE_ALIASES and not org_words & set(a.full):
                        continue  # "X GP Federation", "X Healthcare Ltd": a company, not practice X
                    dd = close(key, a.joined)
                    if dd is None:
                        continue
                    if dd and [t.text for t in w if _NUMERIC.fullmatch(t.text)] != [
                        x for x in a.core if _NUMERIC.fullmatch(x)
                    ]:
                        continue  # numbers are never typos ("Sasse Network 3" is not "Sasse Network 1")
                    if dd and _known_place(key, d):
                        continue  # "Halton" is a place, not a slip for "Walton"
                    whole = (w[0].pos, w[-1].pos) in seg_spans
                    # "the Elm and Oak surgeries": each name joined by 'and' shares the type word written last
                    at_end = w[-1] is words[-1] or (whole and has_and and has_type and a.kind != "pcn")
                    if a.kind == "street" and not (has_type and at_end and whole):
                        continue  # a street names a practice only as "the Glebe Road surgery"
                    if a.kind in PRACTICE_ALIASES and any(
                        _known_place("".join(t.text for t in words[i2:j2]), d)
                        for i2 in range(max(0, i - 3), i + 1)
                        for j2 in range(j, min(n, j + 3) + 1)
                        if (i2, j2) != (i, j)
                    ):
                        continue  # inside a longer town / area name ("North West London" is not "West London")
                    if (
                        a.kind in PRACTICE_ALIASES
                        and _known_place(key, d)
                        and not (has_type and at_end)
                        and not (postcodes & _postcodes_of(a, d))
                    ):
                        continue  # a name that is a place's name needs its type word (or its postcode) to be
                        # the practice ("North West London" the area, "North West London Medical Centre")
                    if a.kind in PRACTICE_ALIASES and plural_tail and not has_and and _known_place(key, d):
                        continue  # "all Sutton practices": a place's practices, not the practice named after it
                        # (a plural after one name is otherwise a slip: "Culverhay Surgeries")
                    if not whole:
                        if len(a.core) < 2 or not (dd == 0 or len(a.joined) >= 9):
                            continue
                    bare = False
                    if a.weak and not (dd == 0 and whole and has_type and at_end and _types(a.full) == wtypes):
                        continue  # "Park Surgery": a common word names a practice only with its own type words
                    if a.weak:
                        bare = True
                    if (
                        a.kind in PRACTICE_ALIASES
                        and len(a.core) == 1
                        and not (has_type and at_end)
                        and not (
                            a.kind == "name" and dd == 0 and n == 1 and _bare_name(a) and _stands_alone(toks, run, tail)
                        )
                    ):
                        # a one-word name must be followed by a type word ("Forest Surgery"), unless the practice's
                        # official name is that one word ("BLACKTHORN") and it stands alone, capitalised; or it is
                        # written as a title's subject without its type word ("Riverbank boundary change"), which
                        # then names a practice only if exactly one of the committee's area has that name
                        if not (
                            (
                                a.kind == "name"
                                and _subject_alone(toks, run, tail)
                                # a building's one-word name standing alone after "at" / "in" ("the practice in
                                # Corbrook"), one building of the committee's area
                                or a.kind == "site"
                                and _stands_alone(toks, run, tail)
                                and run[0].pos > 0
                                and toks[run[0].pos - 1].text in ("at", "in", "the")
                            )
                            and dd == 0
                            and n == 1
                            and not _known_place(key, d)
                            and len(key) >= 4
                        ):
                            continue
                        bare = True
                    if a.kind == "pcn" and not at_end:
                        continue
                    best.setdefault((a.kind == "pcn", w[0].pos, w[-1].pos), []).append((dd, a, bare))
        if has_type:
            # a word left out of a longer name ("Elm Medical Centre" for "ELM GROVE MEDICAL CENTRE"): the words
            # written, in order, with the practice's own type words, and nothing closer found for them but the
            # exact name of practices elsewhere (which the committee's area then tells apart)
            for seg in segs:
                covered = [
                    r for (_, s0, e0), recs in best.items() if s0 <= seg[0].pos and seg[-1].pos <= e0 for r in recs
                ]
                exact = [a for dd, a, _ in covered if not dd]
                if any(a.kind == "street" for a in exact):
                    continue  # a street is closer
                # a typo of a name elsewhere is no closer than a word left out ("Bacon Surgery": BEACON SURGERY in
                # another county, BACON LANE SURGERY in the committee's area): both stand, at the typo's distance,
                # and the committee's area tells them apart
                distance = min((dd for dd, _, _ in covered), default=0) if covered and not exact else 0
                if not (seg[-1] is words[-1] or has_and):
                    continue
                ws = [t.text for t in seg]
                keyed = [w for w in ws if w in d.partial_index]
                if not keyed or (plural_written and not has_and):
                    continue  # "all Ealing practices" are a place's practices
                ids = set.intersection(*(d.partial_index[w] for w in keyed))
                for aid in sorted(ids):
                    a = d.aliases[aid]
                    if len(a.core) > len(ws) and _subsequence(ws, a.core) and _types(a.full) == wtypes:
                        best.setdefault((False, seg[0].pos, seg[-1].pos), []).append((distance, a, WORDS_LEFT_OUT))

        if not best:
            return out
        # merge hits on this run into one mention per kind; keep only the closest matches
        by_kind = {}
        for (is_pcn, s, e), recs in best.items():
            by_kind.setdefault(is_pcn, []).extend((dd, a, s, e, bare) for dd, a, bare in recs)
        for is_pcn, recs in by_kind.items():
            mind = min(r[0] for r in recs)
            recs = [r for r in recs if r[0] == mind]
            if is_pcn:
                # a PCN's own name before the place in another PCN's brackets ("Wythenshawe PCN" is that PCN, not
                # "Northenden & Brooklands (Wythenshawe) PCN")
                own = {(r[2], r[3]) for r in recs if r[1].full}
                recs = [r for r in recs if r[1].full or (r[2], r[3]) not in own]
            # a name inside a longer matched name is part of it ("Haringey North East PCN" is not "North East PCN")
            recs = [
                r for r in recs if not any(o[2] <= r[2] and r[3] <= o[3] and (o[2], o[3]) != (r[2], r[3]) for o in recs)
            ]
            groups = [recs]
            if has_and:
                # "the Rothbury and Bellingham practices": names on either side of 'and' are two practices
                clusters = []
                for sp in sorted({(r[2], r[3]) for r in recs}):
                    if clusters and sp[0] <= clusters[-1][1]:
                        clusters[-1] = (clusters[-1][0], max(clusters[-1][1], sp[1]))
                    else:
                        clusters.append(sp)
                if len(clusters) > 1:
                    groups = [[r for r in recs if c[0] <= r[2] and r[3] <= c[1]] for c in clusters]
            for recs in groups:
                cands = {}
                kinds = set()
                agree: set = set()
                agree_left_out: set = set()
                wtypes = {w for w in written_full if w in GENERIC}
                for dd, a, s, e, bare in recs:
                    if (not bare or bare == WORDS_LEFT_OUT) and {
                        w for w in a.full if w in GENERIC and w not in ("the", "and", "dr")
                    } == wtypes:
                        # the type words written are the practice's own ("Chelmer Surgery": CHELMER VILLAGE SURGERY
                        # over CHELMER MEDICAL PARTNERSHIP); a weak or one-word name agrees with nothing written, and
                        # a name with words left out only where no name with every word written agrees
                        (agree_left_out if bare else agree).update(a.targets)
                    for code in a.targets:
                        how = {"name": "name", "site": "building", "street": "street", "pcn": "PCN name"}[a.kind]
                        if bare == WORDS_LEFT_OUT:
                            how = how + " variant (" + WORDS_LEFT_OUT + ")"
                        elif dd:
                            how = how + " variant (typo)"
                        elif a.kind in ("site", "street") and not bare:
                            pass  # buildings and streets are written many ways: the words are what count
                        elif tuple(w for w in a.full if w not in ("the", "and", "dr")) != written_full:
                            how = how + " variant"
                        had = cands.get(code)
                        if had is None or _STRENGTH[a.kind] < _STRENGTH[had[1].kind]:
                            cands[code] = (
                                how,
                                a,
                            )  # a stronger match is kept over a weaker one (name, building, street)
                    kinds.add(a.kind)
                agree = agree or agree_left_out
                _one_building(cands, d, agree)
                if any(d.dormant(c) for c in cands) and not all(d.dormant(c) for c in cands):
                    cands = {c: h for c, h in cands.items() if not d.dormant(c)}
                s = min(r[2] for r in recs)
                e = max(r[3] for r in recs)
                written = " ".join(t.raw for t in toks[s : e + 1] if True) + (
                    " " + " ".join(x for x in tail) if tail else ""
                )
                out.append(
                    Mention(
                        "pcn" if is_pcn else "practice",
                        cands,
                        written,
                        s,
                        e,
                        mind,
                        kinds,
                        type_agree=agree,
                        bare=all(r[4] for r in recs),
                    )
                )
        return out

    runs = _runs(toks, d.name_numbers)
    consumed = set()
    # names with a generic word inside ("Beacon Health Kensington"): two runs joined across the generic words;
    # a match that spans both replaces what each part would match on its own
    for k in range(len(runs) - 1):
        (r1, t1), (r2, t2) = runs[k], runs[k + 1]
        gap = toks[r1[-1].pos + 1 : r2[0].pos]
        numbered = all(_NUMERIC.fullmatch(t.text) for t in r2)  # "Sasse Network 3 PCN"
        if (
            not gap
            or len(gap) != len(t1)
            or r2[0].boundary_before
            or any(t.boundary_before or (t.text in PCN_WORDS and not numbered) for t in gap)
            or k in consumed
        ):
            continue
        bridged = r1 + r2
        wf = (
            tuple(t.text for t in r1 if t.text != "and")
            + tuple(t.text for t in gap if t.text not in ("the", "and", "dr"))
            + tuple(t.text for t in r2 if t.text != "and")
            + tuple(w for w in t2 if w not in ("the", "and", "dr"))
        )
        ms = [m for m in match_run(bridged, t2, wf) if m.start <= r1[-1].pos and m.end >= r2[0].pos]
        if ms:
            mentions.extend(ms)
            consumed |= {k, k + 1}
    for k, (run, tail) in enumerate(runs):
        if k in consumed:
            continue
        wf = tuple(t.text for t in run if t.text != "and") + tuple(w for w in tail if w not in ("the", "and", "dr"))
        mentions.extend(match_run(run, tail, wf))
    whole = _whole_names(toks, d, mentions)
    if whole:
        spans = [(m.start, m.end) for m in whole]
        mentions = [
            m for m in mentions if not (m.exact_kind and any(s <= m.start and m.end <= e for s, e in spans))
        ] + whole
    # ---- text in brackets right after a practice name is that name's context (address, town, postcode), not
    # another practice ("Heron Practice (Green Lanes, London)"), unless it holds an ODS code
    if "(" in (text or ""):
        for a, b, has_code in _brackets(text):
            if has_code or not any(
                m.kind == "practice"
                and m.exact_kind
                and m.end < a
                and all(toks[k].generic or toks[k].text in TRANSPARENT for k in range(m.end + 1, a))
                for m in mentions
            ):
                continue
            mentions = [m for m in mentions if not (m.exact_kind and a <= m.start and m.end < b)]
    # ---- context: codes, postcodes, towns near the mention
    named = [m for m in mentions if m.exact_kind]
    for m in named:
        m.orig = set(m.cands)
        m.orig_exact = any("variant" not in h[0] for h in m.cands.values() if isinstance(h, tuple))
    for m in named:
        if m.kind == "practice":
            nxt = min([o.start for o in named if o.start > m.end] + [len(toks)])
            prv = max([o.end + 1 for o in named if o.end < m.start] + [0])
            _apply_context(m, toks, codes_in_text, postcodes, d, nxt, prv)
    # the same name written twice in one text means one practice: context that ruled it out anywhere applies
    dropped = {frozenset(m.orig) for m in named if not m.cands and m.orig}
    for m in named:
        if m.cands and frozenset(m.orig) in dropped:
            m.cands = {}
    mentions = [m for m in mentions if m.cands]
    # a word standing alone after a named practice is where it is ("Partner, The Densham Surgery, Stockton")
    firm = [m.end for m in mentions if m.kind == "practice" and m.exact_kind and not m.bare]
    mentions = [m for m in mentions if not (m.bare and len(m.written.split()) == 1 and any(e < m.start for e in firm))]
    # ---- a postcode that no name in the text explains names the practices there ("the practice at NE46 4BU")
    if postcodes:
        mentions.extend(_postcode_mentions(text, toks, d, named, mentions))
    # ---- areas (only looked for when the caller asks: area-wide items)
    if want_areas:
        # an area name inside a PCN's name ("Central Liverpool PCN") is the PCN's name, not the area
        inside = {p for m in mentions if m.kind == "pcn" and m.exact_kind for p in range(m.start, m.end + 1)}
        words = [t.text for t in toks if t.text not in ("and", "the", "of", "nhs", "ccg")]
        wpos = [t.pos for t in toks if t.text not in ("and", "the", "of", "nhs", "ccg")]
        found = []
        for i in range(len(words)):
            for k in range(1, 7):
                if i + k > len(words):
                    break
                key = "".join(words[i : i + k])
                for aid in d.token_index.get(key, ()):
                    a = d.aliases[aid]
                    if a.kind == "area" and a.joined == key and not any(wpos[x] in inside for x in range(i, i + k)):
                        found.append((i, i + k, a))
        for i, j, a in found:
            if any((i2 <= i and j <= j2 and (j2 - i2) > (j - i)) for i2, j2, _ in found):
                continue
            mentions.append(Mention("area", {a.targets[0]: "area name"}, d.areas[a.targets[0]].get("label", a.label)))
        mentions.extend(_places(toks, d, mentions, found, wpos))
    return mentions


def _places(toks, d: Directory, mentions, area_spans, wpos) -> list:
    """Places named by an area-wide item ("all Croydon practices", "for practices in Hexham"): a town or locality
    written with a capital that is on practices' addresses, outside any name (practice, PCN, area) and outside
    the context written right after a practice's name."""
    taken: set = set()
    for m in mentions:
        if m.kind in ("practice", "pcn") and m.exact_kind:
            taken.update(range(m.start, m.end + (4 if m.kind == "practice" else 1)))
    for i, j, _ in area_spans:
        taken.update(range(wpos[i], wpos[j - 1] + 1))
    out = []
    n = len(toks)
    i = 0
    while i < n:
        hit = None
        for L in (3, 2, 1):
            seg = toks[i : i + L]
            if len(seg) < L or any(t.pos in taken or (k and t.boundary_before) for k, t in enumerate(seg)):
                continue
            key = " ".join(t.text for t in seg)
            if key not in d.by_town or not seg[0].raw[:1].isupper() or seg[0].generic or seg[0].stop:
                continue
            if L == 1 and (len(key) < 3 or key in WEAK_PLACE):
                continue
            if key in d.by_town:
                hit = (L, key)
                break
        if hit:
            L, key = hit
            out.append(
                Mention("area", {d.PLACE + key: "place name"}, " ".join(t.raw for t in toks[i : i + L]), i, i + L - 1)
            )
            i += L
        else:
            i += 1
    return out


def _apply_context(m: Mention, toks, codes_in_text, postcodes, d: Directory, nxt: int, prv: int = 0):
    cands = m.cands
    # an ODS code in the same text that belongs to one of the candidates decides
    hit = [c for c in cands if c in codes_in_text]
    if hit:
        m.cands = {c: cands[c] for c in hit}
        m.context = "ODS code " + ", ".join(hit)
        return
    # a postcode
    pcs = [c for c in cands if d.practices.get(c) and d.practices[c].rec.postcode in postcodes]
    if pcs:
        m.cands = {c: cands[c] for c in pcs}
        m.context = "postcode"
        return
    window = toks[m.end + 1 : min(nxt, m.end + 9)]
    # an ODS code written right after the name that is none of the candidates: a different practice
    for t in window[:6]:
        if CODE_RE.fullmatch(t.raw) and t.raw.upper() not in cands:
            m.cands = {}
            m.context = "ODS code " + t.raw.upper() + " is another practice"
            return
    if _postcode_after(m, window, d):
        return
    before = toks[max(prv, m.start - 3) : m.start]  # (another name written before is not this one's place)
    # towns written next to the name
    towns = []
    for seq in (window, before):
        words = [t.text for t in seq]
        for i in range(len(words)):
            for L in (3, 2, 1):
                g = " ".join(words[i : i + L])
                if len(words[i : i + L]) == L and g in d.town_vocab:
                    towns.append(g)
                    break
    if towns:
        keep = []
        for c in cands:
            p = d.practices.get(c)
            if p is None:
                continue
            addr = p.town_keys | {" ".join(x.text for x in tokenize(l)) for l in p.rec.address_lines}
            addr_words = p.address_keys
            if any(t in addr or all(w in addr_words for w in t.split()) for t in towns):
                keep.append(c)
        if keep:
            m.cands = {c: cands[c] for c in keep}
            m.context = "town " + towns[0]
            return
        # the town written beside the name is where a same-named practice elsewhere is: that one is meant
        aliases = {h[1].id for h in cands.values() if isinstance(h, tuple)}
        others: set = set()
        for aid in aliases:
            a = d.aliases[aid]
            for other in d.token_index.get(a.joined, ()):
                oa = d.aliases[other]
                if oa.joined == a.joined and oa.kind in PRACTICE_ALIASES:
                    others.update(c for c in oa.targets if c not in cands)
        for c in others:
            p = d.practices.get(c)
            if p and any(t in p.town_keys or all(w in p.address_keys for w in t.split()) for t in towns):
                m.cands = {}
                m.context = "town " + towns[0] + " is another practice of that name"
                return
    return


def _postcode_after(m, window, d):
    after_text = " ".join(t.raw for t in window[:4])
    for pm in POSTCODE_RE.finditer(after_text):
        pc = norm_postcode(pm.group(1), pm.group(2))
        if pc not in {d.practices[c].rec.postcode for c in m.cands if c in d.practices}:
            m.cands = {}
            m.context = "postcode " + pc + " is elsewhere"
            return True
    return False


def _postcode_mentions(text, toks, d: Directory, named, mentions) -> list:
    """Practices named by a postcode alone: the postcode is not written beside a named practice (where it is that
    practice's context) and no practice found in the text has it."""
    explained = {
        d.practices[c].rec.postcode for m in mentions if m.kind == "practice" for c in m.cands if c in d.practices
    }
    out = []
    f = fold(text or "")
    for pm in POSTCODE_RE.finditer(f):
        pc = norm_postcode(pm.group(1), pm.group(2))
        codes = d.by_postcode.get(pc)
        if not codes or pc in explained:
            continue
        near = [m for m in named if m.kind == "practice" and getattr(m, "orig_exact", False)]
        at = len(tokenize(f[: pm.start()])) if near else 0
        if any(m.kind == "practice" and m.end < at <= m.end + 5 and getattr(m, "orig_exact", False) for m in named):
            continue  # a postcode written after a name is where that name is (or says it is another practice)
        pos = at if near else -10  # (where it is only matters beside a name)
        out.append(
            Mention("practice", {c: "postcode" for c in sorted(codes)}, pc, pos, pos + 1, exact_kind={"postcode"})
        )
    return out
