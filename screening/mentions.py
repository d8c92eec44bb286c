"""Find the organisations a piece of free text names: ODS codes, practice names and their variants, buildings,
PCNs and commissioner areas, with the town / postcode / code context that picks between same-named ones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .directory import STREET_END, Directory
from .normalise import (
    CODE_RE,
    canon_words,
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


def _plural_name(alias) -> bool:
    """Is the practice's official type word a plural ("WATERBEACH AND COTTENHAM SURGERIES")?"""
    return any(word.lower() in PLURAL_TYPE_WORDS for word in alias.label.split())


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
            if a.kind == "site" and any(m.start <= e and s <= m.end for m in mentions if m.exact_kind):
                continue  # a building of common words only where no name was read in them ("The Park Surgery")
            # a name with no word of its own, or a person's name alone ("Dr Singh M"), stands only for one practice
            # of the committee's own area
            bare = a.kind == "name" and (
                not [x for x in distinct if len(x) >= 3 and x not in WEAK_WORDS]
                or (not _types(key) and len([x for x in distinct if len(x) >= 3]) < 2)
            )
            how = {"pcn": "PCN name", "site": "building"}.get(a.kind, "name")
            bare = bare or a.kind == "site"
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


def find_mentions(text: str, directory: Directory, want_areas: bool = False) -> list[Mention]:
    """What a text names, read in stages, each a function below: ODS and PCN codes; names (practices, buildings,
    streets, PCNs) read run by run; official names written whole; what brackets after a name hold; the code,
    postcode or town context that picks between practices of the same name; postcodes that no name explains; and,
    for area-wide items only (``want_areas``), areas and places."""
    tokens = _repair_type_typos(tokenize(text), directory)
    codes_in_text, mentions = _code_mentions(text, directory)
    postcodes = {norm_postcode(found.group(1), found.group(2)) for found in POSTCODE_RE.finditer(text or "")}
    mentions.extend(_NameReader(tokens, directory, postcodes).read())
    mentions = _with_whole_names(tokens, directory, mentions)
    doctors = _doctor_mentions(text, tokens, directory, mentions)
    if doctors:
        # a doctor's name read as a slip for another name ("Dr Marks" as MARK STREET SURGERY) gives way to it
        mentions = [
            mention
            for mention in mentions
            if not (mention.dist and any(doctor.start <= mention.start <= doctor.end for doctor in doctors))
        ] + doctors
    if "(" in (text or ""):
        mentions = _without_bracketed_context(text, tokens, mentions)
    named = [mention for mention in mentions if mention.exact_kind]
    mentions = _narrowed_by_context(tokens, directory, codes_in_text, postcodes, named, mentions)
    if postcodes:
        # a postcode that no name in the text explains names the practices there ("the practice at NE46 4BU")
        mentions.extend(_postcode_mentions(text, tokens, directory, named, mentions))
    if want_areas:
        mentions.extend(_area_mentions(tokens, directory, mentions))
    return mentions


def _code_mentions(text: str, directory: Directory) -> tuple[set, list[Mention]]:
    """Stage 1: ODS codes of practices and PCN codes written in the text."""
    codes_in_text: set = set()
    mentions: list[Mention] = []
    for code_match in CODE_RE.finditer(text or ""):
        code = code_match.group(1).upper()
        if directory.is_practice(code):
            codes_in_text.add(code)
            mentions.append(Mention("practice", {code: "ODS code"}, code_match.group(1)))
        elif directory.is_pcn(code):
            codes_in_text.add(code)
            mentions.append(Mention("pcn", {code: "PCN code"}, code_match.group(1)))
    return codes_in_text, mentions


class _NameReader:
    """Stage 2: the names written in a text's runs of distinctive words (practices, buildings, streets, PCNs), each
    with the type words after it (its tail). One reader per text."""

    def __init__(self, tokens: list, directory: Directory, postcodes: set):
        self.tokens = tokens
        self.directory = directory
        self.postcodes = postcodes

    def read(self) -> list[Mention]:
        tokens = self.tokens
        runs = _runs(tokens, self.directory.name_numbers)
        mentions: list[Mention] = []
        consumed: set = set()
        # names with a generic word inside ("Beacon Health Kensington"): two runs joined across the generic words;
        # a match that spans both replaces what each part would match on its own
        for index in range(len(runs) - 1):
            (first_run, first_tail), (second_run, second_tail) = runs[index], runs[index + 1]
            gap = tokens[first_run[-1].pos + 1 : second_run[0].pos]
            numbered = all(_NUMERIC.fullmatch(token.text) for token in second_run)  # "Sasse Network 3 PCN"
            if (
                not gap
                or len(gap) != len(first_tail)
                or second_run[0].boundary_before
                or any(token.boundary_before or (token.text in PCN_WORDS and not numbered) for token in gap)
                or index in consumed
            ):
                continue
            written_full = (
                tuple(token.text for token in first_run if token.text != "and")
                + tuple(token.text for token in gap if token.text not in ("the", "and", "dr"))
                + tuple(token.text for token in second_run if token.text != "and")
                + tuple(word for word in second_tail if word not in ("the", "and", "dr"))
            )
            spanning = [
                mention
                for mention in self.read_run(first_run + second_run, second_tail, written_full)
                if mention.start <= first_run[-1].pos and mention.end >= second_run[0].pos
            ]
            if spanning:
                mentions.extend(spanning)
                consumed |= {index, index + 1}
        for index, (run, tail) in enumerate(runs):
            if index in consumed:
                continue
            written_full = tuple(token.text for token in run if token.text != "and") + tuple(
                word for word in tail if word not in ("the", "and", "dr")
            )
            mentions.extend(self.read_run(run, tail, written_full))
        return mentions

    def read_run(self, run: list, tail: list, written_full: tuple) -> list[Mention]:
        """The names one run holds: every span of up to five words against the directory's names (exact or within
        a typo), then names with a word left out, merged into one mention per kind (or per side of an 'and')."""
        tokens = self.tokens
        after = run[-1].pos + 1 + len(tail)
        if after < len(tokens) and tokens[after].text in SCHEME_WORDS and not tokens[after].boundary_before:
            return []  # "Minor Surgery Scheme", "Care Home LES": a scheme's name, not a provider
        shape = _RunShape(tokens, run, tail, written_full)
        matches = self._span_matches(shape)
        if shape.has_type:
            self._add_words_left_out(shape, matches)
        if not matches:
            return []
        return self._mentions(shape, matches)

    def _span_matches(self, shape: "_RunShape") -> dict:
        """{(is PCN, first position, last position): [(distance, alias, bare)]} for every span of the run that is a
        name of the directory, exactly or within a typo, and that the rules below let stand."""
        directory = self.directory
        tokens = self.tokens
        words = shape.words
        count = len(words)
        matches: dict = {}
        for first in range(count):
            for last in range(first + 1, min(count, first + 5) + 1):
                if 0 < first and last < count and any(first < split < last for split in shape.splits):
                    continue
                span = words[first:last]
                key = "".join(token.text for token in span)
                for alias_id in directory.lookup_joined(key):
                    alias = directory.alias(alias_id)
                    if alias.kind == "area":
                        continue
                    if alias.kind == "pcn" and not shape.is_pcn_context:
                        continue
                    if alias.kind in PRACTICE_ALIASES and (shape.is_pcn_context or shape.is_trust_context):
                        continue
                    if shape.org_words and alias.kind in PRACTICE_ALIASES and not shape.org_words & set(alias.full):
                        continue  # "X GP Federation", "X Healthcare Ltd": a company, not practice X
                    distance = close(key, alias.joined)
                    if distance is None:
                        continue
                    if distance and [token.text for token in span if _NUMERIC.fullmatch(token.text)] != [
                        word for word in alias.core if _NUMERIC.fullmatch(word)
                    ]:
                        continue  # numbers are never typos ("Sasse Network 3" is not "Sasse Network 1")
                    if distance and _known_place(key, directory):
                        continue  # "Halton" is a place, not a slip for "Walton"
                    whole = (span[0].pos, span[-1].pos) in shape.segment_spans
                    # "the Elm and Oak surgeries": each name joined by 'and' shares the type word written last
                    at_end = span[-1] is words[-1] or (
                        whole and shape.has_and and shape.has_type and alias.kind != "pcn"
                    )
                    if alias.kind == "street" and not (shape.has_type and at_end and whole):
                        continue  # a street names a practice only as "the Glebe Road surgery"
                    if alias.kind in PRACTICE_ALIASES and any(
                        _known_place("".join(token.text for token in words[wider_first:wider_last]), directory)
                        for wider_first in range(max(0, first - 3), first + 1)
                        for wider_last in range(last, min(count, last + 3) + 1)
                        if (wider_first, wider_last) != (first, last)
                    ):
                        continue  # inside a longer town / area name ("North West London" is not "West London")
                    # one word opening the text without its type word ("Shaftesbury premises grant"): whether it is a
                    # place of the committee's area, not of England, decides (Engine._resolve_mentions asks)
                    title_subject = (
                        alias.kind == "name"
                        and first == 0
                        and last == count
                        and distance == 0
                        and shape.run[0].pos == 0
                        and _subject_alone(tokens, shape.run, shape.tail)
                    )
                    if (
                        alias.kind in PRACTICE_ALIASES
                        and _known_place(key, directory)
                        and not (shape.has_type and at_end)
                        and not (self.postcodes & _postcodes_of(alias, directory))
                        and not title_subject
                    ):
                        continue  # a name that is a place's name needs its type word (or its postcode) to be
                        # the practice ("North West London" the area, "North West London Medical Centre")
                    if (
                        alias.kind in PRACTICE_ALIASES
                        and shape.plural_tail
                        and not shape.has_and
                        and _known_place(key, directory)
                    ):
                        continue  # "all Sutton practices": a place's practices, not the practice named after it
                        # (a plural after one name is otherwise a slip: "Culverhay Surgeries")
                    if not whole:
                        if len(alias.core) < 2 or not (distance == 0 or len(alias.joined) >= 9):
                            continue
                    bare = False
                    if alias.weak and not (
                        distance == 0
                        and whole
                        and shape.has_type
                        and at_end
                        and (alias.kind == "street" or _types(alias.full) == shape.written_types)
                    ):
                        continue  # "Park Surgery": a common word names a practice only with its own type words,
                        # and a street of common words only as "the North Road surgery"
                    if alias.weak:
                        bare = True
                    if title_subject and count > 1 and not shape.has_type and _known_place(key, directory):
                        bare = True  # "Friern Barnet boundary change": the place or its one practice of the area
                    if (
                        alias.kind in PRACTICE_ALIASES
                        and len(alias.core) == 1
                        and not (shape.has_type and at_end)
                        and not (
                            alias.kind == "name"
                            and distance == 0
                            and count == 1
                            and _bare_name(alias)
                            and _stands_alone(tokens, shape.run, shape.tail)
                        )
                    ):
                        # a one-word name must be followed by a type word ("Forest Surgery"), unless the practice's
                        # official name is that one word ("BLACKTHORN") and it stands alone, capitalised; or it is
                        # written as a title's subject without its type word ("Riverbank boundary change"), which
                        # then names a practice only if exactly one of the committee's area has that name
                        if not (
                            (
                                alias.kind == "name"
                                and _subject_alone(tokens, shape.run, shape.tail)
                                # a building's one-word name standing alone after "at" / "in" ("the practice in
                                # Corbrook"), one building of the committee's area
                                or alias.kind == "site"
                                and _stands_alone(tokens, shape.run, shape.tail)
                                and shape.run[0].pos > 0
                                and tokens[shape.run[0].pos - 1].text in ("at", "in", "the")
                            )
                            and distance == 0
                            and count == 1
                            and (title_subject or not _known_place(key, directory))
                            and len(key) >= 4
                        ):
                            continue
                        bare = True
                    if alias.kind == "pcn" and not at_end:
                        continue
                    matches.setdefault((alias.kind == "pcn", span[0].pos, span[-1].pos), []).append(
                        (distance, alias, bare)
                    )
        return matches

    def _add_words_left_out(self, shape: "_RunShape", matches: dict) -> None:
        """A word left out of a longer name ("Elm Medical Centre" for "ELM GROVE MEDICAL CENTRE"): the words written,
        in order, with the practice's own type words, where nothing closer was found for them but the exact name of
        practices elsewhere (which the committee's area then tells apart)."""
        directory = self.directory
        for segment in shape.segments:
            covered = [
                match
                for (_, start, end), found in matches.items()
                if start <= segment[0].pos and segment[-1].pos <= end
                for match in found
            ]
            exact = [alias for distance, alias, _ in covered if not distance]
            segment_words = [token.text for token in segment]
            if any(alias.kind == "street" and len(alias.core) == len(segment_words) for alias in exact):
                continue  # a street is closer (written as its words: "Forest" is not FORE ST run together)
            # a typo of a name elsewhere is no closer than a word left out ("Bacon Surgery": BEACON SURGERY in
            # another county, BACON LANE SURGERY in the committee's area): both stand, at the typo's distance,
            # and the committee's area tells them apart
            distance = min((found for found, _, _ in covered), default=0) if covered and not exact else 0
            if not (segment[-1] is shape.words[-1] or shape.has_and):
                continue
            keyed = [word for word in segment_words if directory.has_partial_word(word)]
            if not keyed or shape.plural_tail:
                continue  # "all Ealing practices" are a place's practices
            alias_ids = set.intersection(*(directory.aliases_with_word(word) for word in keyed))
            for alias_id in sorted(alias_ids):
                alias = directory.alias(alias_id)
                if shape.plural_written and not shape.has_and and not _plural_name(alias):
                    continue  # "Ealing practices" too, unless the plural is the practice's own ("Waterbeach
                    # Surgeries" for WATERBEACH AND COTTENHAM SURGERIES)
                if (
                    len(alias.core) > len(segment_words)
                    and _subsequence(segment_words, alias.core)
                    and _types(alias.full) == shape.written_types
                ):
                    matches.setdefault((False, segment[0].pos, segment[-1].pos), []).append(
                        (distance, alias, WORDS_LEFT_OUT)
                    )

    def _mentions(self, shape: "_RunShape", matches: dict) -> list[Mention]:
        """The run's matches merged into one mention per kind (practice or PCN), keeping the closest; names on
        either side of an 'and' are separate mentions."""
        mentions: list[Mention] = []
        by_kind: dict = {}
        for (is_pcn, start, end), found in matches.items():
            by_kind.setdefault(is_pcn, []).extend(
                (distance, alias, start, end, bare) for distance, alias, bare in found
            )
        for is_pcn, found in by_kind.items():
            closest = min(match[0] for match in found)
            found = [match for match in found if match[0] == closest]
            if is_pcn:
                # a PCN's own name before the place in another PCN's brackets ("Wythenshawe PCN" is that PCN, not
                # "Northenden & Brooklands (Wythenshawe) PCN")
                own = {(match[2], match[3]) for match in found if match[1].full}
                found = [match for match in found if match[1].full or (match[2], match[3]) not in own]
            # a name inside a longer matched name is part of it ("Haringey North East PCN" is not "North East PCN")
            found = [
                match
                for match in found
                if not any(
                    other[2] <= match[2] and match[3] <= other[3] and (other[2], other[3]) != (match[2], match[3])
                    for other in found
                )
            ]
            groups = [found]
            if shape.has_and:
                # "the Rothbury and Bellingham practices": names on either side of 'and' are two practices
                clusters: list = []
                for span in sorted({(match[2], match[3]) for match in found}):
                    if clusters and span[0] <= clusters[-1][1]:
                        clusters[-1] = (clusters[-1][0], max(clusters[-1][1], span[1]))
                    else:
                        clusters.append(span)
                if len(clusters) > 1:
                    groups = [
                        [match for match in found if cluster[0] <= match[2] and match[3] <= cluster[1]]
                        for cluster in clusters
                    ]
            for group in groups:
                mentions.append(self._mention(shape, is_pcn, group, closest))
        return mentions

    def _mention(self, shape: "_RunShape", is_pcn: bool, group: list, closest: int) -> Mention:
        """One mention from the matches of one name: each candidate with how it was found, the strongest kind of
        match kept (name, then building, then street)."""
        directory = self.directory
        candidates: dict = {}
        kinds = set()
        agree: set = set()
        agree_left_out: set = set()
        written_types = {word for word in shape.written_full if word in GENERIC}
        for distance, alias, _, _, bare in group:
            if (not bare or bare == WORDS_LEFT_OUT) and {
                word for word in alias.full if word in GENERIC and word not in ("the", "and", "dr")
            } == written_types:
                # the type words written are the practice's own ("Chelmer Surgery": CHELMER VILLAGE SURGERY
                # over CHELMER MEDICAL PARTNERSHIP); a weak or one-word name agrees with nothing written. A name
                # with words left out agrees as well as a name with every word written: the committee's area
                # comes first ("Forest Surgery" on a Charnwood agenda is FOREST HOUSE SURGERY in Shepshed, not
                # FOREST SURGERY in Kent), and only then the name written in full
                (agree_left_out if bare else agree).update(alias.targets)
            elif (
                alias.kind == "site"
                and not bare
                and not distance
                and written_types
                and tuple(word for word in canon_words(alias.label) if word != "the")
                == tuple(word for word in shape.written_full if word != "the")
            ):
                # a building named word for word with its type words ("at The Orchard Surgery", the building
                # RIVERPORT MEDICAL PRACTICE is in) agrees as much as a practice's name
                agree.update(alias.targets)
            for code in alias.targets:
                how = {"name": "name", "site": "building", "street": "street", "pcn": "PCN name"}[alias.kind]
                if bare == WORDS_LEFT_OUT:
                    how = how + " variant (" + WORDS_LEFT_OUT + ")"
                elif distance:
                    how = how + " variant (typo)"
                elif alias.kind in ("site", "street") and not bare:
                    pass  # buildings and streets are written many ways: the words are what count
                elif tuple(word for word in alias.full if word not in ("the", "and", "dr")) != shape.written_full:
                    how = how + " variant"
                had = candidates.get(code)
                if had is None or _STRENGTH[alias.kind] < _STRENGTH[had[1].kind]:
                    candidates[code] = (how, alias)  # a stronger match is kept over a weaker one
            kinds.add(alias.kind)
        agree = agree | agree_left_out
        if not agree and written_types:
            # the type words cut short ("Sherwood Medical" for SHERWOOD MEDICAL PARTNERSHIP): the names whose type
            # words begin with the ones written agree, over a building or a name without them
            for distance, alias, _, _, bare in group:
                types = [word for word in alias.full if word in GENERIC and word not in ("the", "and", "dr")]
                if alias.kind == "name" and not distance and not (bare and bare != WORDS_LEFT_OUT):
                    if len(types) > len(written_types) and set(types[: len(written_types)]) == written_types:
                        agree.update(alias.targets)
        _one_building(candidates, directory, agree)
        candidates = _without_dormant(candidates, directory)
        start = min(match[2] for match in group)
        end = max(match[3] for match in group)
        written = " ".join(token.raw for token in self.tokens[start : end + 1]) + (
            " " + " ".join(shape.tail) if shape.tail else ""
        )
        return Mention(
            "pcn" if is_pcn else "practice",
            candidates,
            written,
            start,
            end,
            closest,
            kinds,
            type_agree=agree,
            bare=all(match[4] for match in group),
        )


class _RunShape:
    """What the rules for names ask of one run: its words without 'and', where 'and' splits it, its type words
    and the context after it (a PCN, a trust, a company, a plural)."""

    def __init__(self, tokens: list, run: list, tail: list, written_full: tuple):
        self.run = run
        self.tail = tail
        self.written_full = written_full
        self.is_pcn_context = any(word in PCN_WORDS for word in tail)
        self.org_words = _org_words(tokens, run, tail)
        self.is_trust_context = "trust" in tail or "foundation" in tail
        self.has_type = any(word in TYPE_WORDS for word in tail)
        following = run[-1].pos + 1
        self.plural_tail = (
            following < len(tokens)
            and tokens[following].generic
            and tokens[following].raw.lower() in PLURAL_TYPE_WORDS
            and any(token.text in ("all", "every", "each") for token in tokens[max(0, run[0].pos - 2) : run[0].pos])
        )
        self.has_and = any(token.text == "and" for token in run)
        self.plural_written = following < len(tokens) and tokens[following].raw.lower() in PLURAL_TYPE_WORDS
        self.words = [token for token in run if token.text != "and"]
        self.segments = _segments(run)
        self.segment_spans = {(segment[0].pos, segment[-1].pos) for segment in self.segments}
        self.written_types = _types(written_full)
        # where 'and' splits the run: words on both sides belong to one name only from the run's first word or to
        # its last ("the Wonford Green and St Levan surgeries" holds no "Green St")
        words = self.words
        self.splits = [
            index
            for index in range(1, len(words))
            if words[index].pos > words[index - 1].pos + 1
            and any(token.text == "and" for token in tokens[words[index - 1].pos + 1 : words[index].pos])
        ]


def _with_whole_names(tokens: list, directory: Directory, mentions: list[Mention]) -> list[Mention]:
    """Stage 3: official names written word for word (see _whole_names) replace what the rules for names found
    inside them."""
    whole = _whole_names(tokens, directory, mentions)
    if not whole:
        return mentions
    kept = []
    for mention in mentions:
        within = [
            name for name in whole if mention.exact_kind and name.start <= mention.start and mention.end <= name.end
        ]
        if not within:
            kept.append(mention)
            continue
        # a name with a word left out, in the type words written, stays beside the name written in full: the
        # committee's area picks between them ("Castle Medical Practice" on a Monmouth agenda is CASTLE GATE
        # MEDICAL PRACTICE there, not CASTLE MEDICAL PRACTICE in Kent), and without an area the full name wins
        # So does a name of the same words with other type words ("Park View" is PARK VIEW in Liverpool and PARK
        # VIEW SURGERY in Hessle): written as exactly those words, it is the area's before it is the full name's
        for name in within:
            if name.kind != mention.kind:
                continue
            for code, how in mention.cands.items():
                if code in mention.type_agree and _how_of(how).endswith(WORDS_LEFT_OUT + ")"):
                    name.cands.setdefault(code, how)
                    name.type_agree.add(code)
                elif _how_of(how) == "name variant" and mention.end == name.end and mention.start >= name.start:
                    name.cands.setdefault(code, how)
            name.cands = _without_dormant(name.cands, directory)
    return kept + whole


def _without_dormant(candidates: dict, directory: Directory) -> dict:
    """A dormant practice is not the one meant when an operating practice fits the same words ("Wetherby Surgery":
    the dormant WETHERBY SURGERY or WETHERBY & BRAMHAM SURGERY with a word left out)."""
    if any(directory.dormant(code) for code in candidates) and not all(directory.dormant(code) for code in candidates):
        return {code: how for code, how in candidates.items() if not directory.dormant(code)}
    return candidates


DOCTORS_NAME = "doctor's name"
# closed-class words that make what follows a name a sentence about a person rather than a title's noun phrase
CLAUSE_WORDS = frozenset(
    "the a an to is was are were be been being will would shall should can could may might must has have had "
    "does did do".split()
)


def _opens_a_clause(tokens: list, start: int) -> bool:
    """Does the phrase from ``start`` to the next break read as a sentence ("presented the report", "to attend")
    rather than a title's topic ("boundary change", "list closure")?"""
    for token in tokens[start:]:
        if token.boundary_before and token.pos > start:
            break
        if token.text in CLAUSE_WORDS:
            return True
    return False


def _doctor_mentions(text: str, tokens: list, directory: Directory, mentions: list[Mention]) -> list[Mention]:
    """Stage 3b: a practice named after its doctor, written as that doctor's name with no type word: in the
    possessive ("Dr Khan's list closure" for DR KHAN'S PRACTICE, "Dr Fateh's boundary change" for DR M FATEH'S
    PRACTICE), which says the doctor has something (a list, a contract), or as the subject of a title ("Dr Dhital
    boundary change"), not of a sentence. Like any name without its type word it stands only for exactly one practice
    of the committee's own area, and initials, where written, must be the practice's own."""
    found = []
    for index, token in enumerate(tokens):
        if token.text != "dr" or index + 1 >= len(tokens):
            continue
        position = index + 1
        initials = []
        while position < len(tokens) - 1 and len(tokens[position].raw) <= 2 and tokens[position].raw.isupper():
            initials.append(tokens[position].text)
            position += 1
        surname = tokens[position]
        if surname.boundary_before or surname.stop or surname.generic or not surname.raw[:1].isupper():
            continue
        if len(surname.text) >= 4 and re.search(
            r"\b" + re.escape(surname.raw[:-1]) + r"['’]s\b", text or "", re.IGNORECASE
        ):
            keys: tuple = (surname.text, surname.text[:-1])  # "Dr Khan's", "Dr Jones's"
            as_written = surname.raw[:-1] + "'s"
        elif len(surname.text) >= 4 and re.search(
            r"\b" + re.escape(surname.raw) + r"['’](?!\w)", text or "", re.IGNORECASE
        ):
            keys = (surname.text,)  # "Dr Suares'"
            as_written = surname.raw + "'"
        elif (
            (index == 0 or token.boundary_before)
            and _subject_alone(tokens, tokens[index : position + 1], [])
            and not _opens_a_clause(tokens, position + 1)
        ):
            # the doctor's name as the subject of a title, as the practice's own name is written without its type
            # word ("Dr Dhital boundary change" for DR DHITAL PRACTICE); a person who does something in a sentence
            # ("Dr Khan presented the report", "Dr Khan to attend") is not this
            keys = (surname.text,)
            as_written = surname.raw
        else:
            continue
        if any(
            mention.kind == "practice" and not mention.dist and mention.start <= surname.pos <= mention.end
            for mention in mentions
        ):
            continue  # read already ("Dr Fateh's practice"); a typo's reading is not ("Dr Marks" is not MARK ST)
        candidates: dict = {}
        for key in keys:
            for alias_id in directory.aliases_with_key(key):
                alias = directory.alias(alias_id)
                if alias.kind != "name" or alias.full[:1] != ("dr",) or alias.core != (key,):
                    continue  # a practice named after this one doctor
                their_initials = alias.full[1 : alias.full.index(key)]
                if initials and "".join(initials) != "".join(their_initials):
                    continue
                for code in alias.targets:
                    candidates.setdefault(code, ("name variant (" + DOCTORS_NAME + ")", alias))
        if candidates:
            written = " ".join([token.raw] + [t.raw for t in tokens[index + 1 : surname.pos]] + [as_written])
            found.append(
                Mention("practice", candidates, written, index, surname.pos, 0, {"name"}, type_agree=set(), bare=True)
            )
    return found


def _without_bracketed_context(text: str, tokens: list, mentions: list[Mention]) -> list[Mention]:
    """Stage 4: text in brackets right after a practice name is that name's context (address, town, postcode), not
    another practice ("Heron Practice (Green Lanes, London)"), unless it holds an ODS code."""
    for opening, closing, has_code in _brackets(text):
        if has_code or not any(
            mention.kind == "practice"
            and mention.exact_kind
            and mention.end < opening
            and all(
                tokens[position].generic or tokens[position].text in TRANSPARENT
                for position in range(mention.end + 1, opening)
            )
            for mention in mentions
        ):
            continue
        mentions = [
            mention
            for mention in mentions
            if not (mention.exact_kind and opening <= mention.start and mention.end < closing)
        ]
    return mentions


def _narrowed_by_context(
    tokens: list, directory: Directory, codes_in_text: set, postcodes: set, named: list, mentions: list[Mention]
) -> list[Mention]:
    """Stage 5: codes, postcodes and towns near each named practice pick between practices of the same name; a name
    that context ruled out anywhere in the text is ruled out everywhere in it."""
    for mention in named:
        mention.orig = set(mention.cands)
        mention.orig_exact = any("variant" not in how[0] for how in mention.cands.values() if isinstance(how, tuple))
    for mention in named:
        if mention.kind == "practice":
            following = min([other.start for other in named if other.start > mention.end] + [len(tokens)])
            preceding = max([other.end + 1 for other in named if other.end < mention.start] + [0])
            _apply_context(mention, tokens, codes_in_text, postcodes, directory, following, preceding)
    # the same name written twice in one text means one practice: context that ruled it out anywhere applies
    ruled_out = {frozenset(mention.orig) for mention in named if not mention.cands and mention.orig}
    for mention in named:
        if mention.cands and frozenset(mention.orig) in ruled_out:
            mention.cands = {}
    mentions = [mention for mention in mentions if mention.cands]
    # a word standing alone after a named practice is where it is ("Partner, The Densham Surgery, Stockton")
    firm = [
        mention.end for mention in mentions if mention.kind == "practice" and mention.exact_kind and not mention.bare
    ]
    return [
        mention
        for mention in mentions
        if not (mention.bare and len(mention.written.split()) == 1 and any(end < mention.start for end in firm))
    ]


def _area_mentions(tokens: list, directory: Directory, mentions: list[Mention]) -> list[Mention]:
    """Stage 7 (area-wide items only): commissioner areas by name, then places (towns, boroughs)."""
    # an area name inside a PCN's name ("Central Liverpool PCN") is the PCN's name, not the area
    inside = {
        position
        for mention in mentions
        if mention.kind == "pcn" and mention.exact_kind
        for position in range(mention.start, mention.end + 1)
    }
    kept = [token for token in tokens if token.text not in ("and", "the", "of", "nhs", "ccg")]
    words = [token.text for token in kept]
    positions = [token.pos for token in kept]
    found = []
    for first in range(len(words)):
        for length in range(1, 7):
            if first + length > len(words):
                break
            key = "".join(words[first : first + length])
            for alias_id in directory.aliases_with_key(key):
                alias = directory.alias(alias_id)
                if (
                    alias.kind == "area"
                    and alias.joined == key
                    and not any(positions[index] in inside for index in range(first, first + length))
                ):
                    found.append((first, first + length, alias))
    areas = []
    for first, last, alias in found:
        if any(
            (other_first <= first and last <= other_last and (other_last - other_first) > (last - first))
            for other_first, other_last, _ in found
        ):
            continue
        area_code = alias.targets[0]
        areas.append(Mention("area", {area_code: "area name"}, directory.areas[area_code].get("label", alias.label)))
    areas.extend(_places(tokens, directory, mentions + areas, found, positions))
    return areas


def _places(toks, d: Directory, mentions, area_spans, wpos) -> list:
    """Places named by an area-wide item ("all Croydon practices", "for practices in Hexham"): a town or locality
    written with a capital that is on practices' addresses, outside any name (practice, PCN, area) and outside
    the context written right after a practice's name."""
    taken: set = set()
    for m in mentions:
        if m.bare and d.is_place_name(tuple(canon_words(m.written))):
            continue  # a place written as a title's subject is read both ways (Engine._resolve_mentions chooses)
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
