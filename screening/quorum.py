"""Quorum arithmetic for joint committees.

A joint committee (DESIGN.md, "Joint committee voting") has **one vote per
organisation**: each CCG sends three representatives and NHS England three;
LMC, health and wellbeing board and Healthwatch representatives attend
without a vote. An organisation keeps its vote on an agenda item while at
least one of its *voting* representatives is unconflicted on that item. A
representative whom the chair asks to leave (``exclude``) or to stay without
voting (``no-vote``) is conflicted for voting; ``declare`` is not.

Which organisations must keep a vote for the item to be quorate is set per
committee by a rule written in plain words and parsed by
:func:`parse_quorum_rule`.

Rule grammar
------------
A rule is one or more *clauses* joined by ``and`` (or ``;``). Matching is
case-insensitive; ``the`` before a name is optional. A clause is one of::

    ORG                         that organisation must keep its vote
    GROUP                       every organisation in the group must keep its vote
    all of ORG, ORG[, ...]      each listed organisation (or group) must keep its vote
    majority of GROUP           more than half of the organisations in GROUP
    at least N of GROUP         N or more organisations in GROUP
    at least P% of GROUP        at least P per cent (rounded up) of GROUP
    at least A/B of GROUP       at least the fraction A/B (rounded up) of GROUP
    at least half of GROUP      also: a third, two-thirds, a quarter, three-quarters
    at least N organisations    N or more voting organisations on the committee

``GROUP`` is a group name (``CCG``, ``NHSE`` …; a plural ``CCGs`` also
matches group ``CCG``) or ``organisations`` / ``voting organisations`` for
every voting organisation on the committee. ``N`` is digits or a number word
from one to twelve. Names containing ``and`` or commas must be written in
double quotes (``"Brighton and Hove CCG"``) unless the organisations are
passed to :func:`parse_quorum_rule`, in which case their names are recognised
without quotes. Example rules::

    NHS England and a majority of the CCGs
    at least 4 voting organisations
    all of NHS England, "Brighton and Hove CCG" and at least 50% of CCGs

Organisations are declared with :class:`VotingOrganisation` (a name and a
group); representatives with :class:`VotingMember`. The engine is pure and
deterministic: results follow the order of the organisations and members
given.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

__all__ = [
    "AtLeast",
    "ItemQuorum",
    "LostVote",
    "QuorumRule",
    "QuorumRuleError",
    "RequireAll",
    "VotingMember",
    "VotingOrganisation",
    "conflicted_members",
    "forecast",
    "parse_quorum_rule",
]

#: Chair actions that take a representative's vote away on an item.
VOTE_REMOVING_ACTIONS = frozenset({"exclude", "no-vote"})


class QuorumRuleError(ValueError):
    """A quorum rule that cannot be understood or does not fit the committee.

    ``str()`` is a sentence a governance lead can act on.
    """


@dataclass(frozen=True)
class VotingOrganisation:
    """An organisation with one vote on the committee.

    ``group`` is the kind used by rules such as ``majority of CCGs``
    (e.g. ``"CCG"``, ``"NHSE"``, ``"ICB"``).
    """

    name: str
    group: str


@dataclass(frozen=True)
class VotingMember:
    """A committee member and the organisation they represent.

    Members with ``voting=False`` (LMC, HWB, Healthwatch …) never carry an
    organisation's vote; their organisation need not be declared.
    """

    member_id: str
    organisation: str
    voting: bool = True


@dataclass(frozen=True)
class LostVote:
    """An organisation without an unconflicted voting representative on an item."""

    organisation: str
    conflicted_member_ids: tuple[str, ...]

    @property
    def reason(self) -> str:
        if not self.conflicted_member_ids:
            return f"{self.organisation} has no voting representative on the committee"
        return (
            f"{self.organisation} has no unconflicted voting representative "
            f"(conflicted: {', '.join(self.conflicted_member_ids)})"
        )


@dataclass(frozen=True)
class ItemQuorum:
    """Quorum forecast for one agenda item."""

    item_id: str
    quorate: bool
    keeping_vote: tuple[str, ...]
    losing_vote: tuple[LostVote, ...]
    failures: tuple[str, ...] = ()

    @property
    def reason(self) -> str | None:
        """Plain-English reason the item is inquorate, or ``None`` when quorate."""
        if self.quorate:
            return None
        return "; ".join(self.failures) + "."

    @property
    def votes(self) -> int:
        """Number of organisations that keep a vote."""
        return len(self.keeping_vote)


# ---------------------------------------------------------------------------
# Names and references


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


def _strip_the(text: str) -> str:
    return re.sub(r"^the\s+", "", text.strip(), flags=re.IGNORECASE)


_ALL_ORGS = frozenset(
    {
        "organisations",
        "organizations",
        "voting organisations",
        "voting organizations",
        "all organisations",
        "all organizations",
        "members",
        "voting members",
    }
)


def _quote(name: str) -> str:
    if re.search(r"[,;\"]|\band\b", name, flags=re.IGNORECASE) or not name.strip():
        return '"' + name.replace('"', "'") + '"'
    return name


class _Directory:
    """Resolves names in a rule against the committee's organisations."""

    def __init__(self, organisations: Sequence[VotingOrganisation]):
        self.organisations = tuple(organisations)
        self.by_name: dict[str, VotingOrganisation] = {}
        for org in self.organisations:
            key = _norm(org.name)
            if not key:
                raise QuorumRuleError("Every voting organisation needs a name.")
            if key in self.by_name:
                raise QuorumRuleError(f"The organisation {org.name} is listed twice.")
            self.by_name[key] = org

    def group(self, ref: str) -> tuple[VotingOrganisation, ...] | None:
        key = _norm(_strip_the(ref))
        if key in _ALL_ORGS:
            return self.organisations
        candidates = [_norm(ref), key]
        if key.endswith("es"):
            candidates.append(key[:-2])
        if key.endswith("s"):
            candidates.append(key[:-1])
        for cand in dict.fromkeys(candidates):
            found = tuple(o for o in self.organisations if _norm(o.group) == cand)
            if found:
                return found
        return None

    def orgs_for(self, ref: str) -> tuple[VotingOrganisation, ...] | None:
        """An organisation by name, else every organisation in a group."""
        org = self.by_name.get(_norm(ref)) or self.by_name.get(_norm(_strip_the(ref)))
        if org is not None:
            return (org,)
        return self.group(ref)


def _group_label(ref: str | None) -> str:
    if ref is None:
        return "organisations"
    ref = _strip_the(ref)
    if _norm(ref) in _ALL_ORGS:
        return ref
    if re.fullmatch(r"[A-Z][A-Za-z]*[A-Z]", ref) or re.fullmatch(r"[A-Z]{2,}", ref):
        return ref + "s"  # CCG -> CCGs, NHSE -> NHSEs
    return ref if ref.lower().endswith("s") else f"organisations in {ref}"


# ---------------------------------------------------------------------------
# Clauses


@dataclass(frozen=True)
class RequireAll:
    """Each named organisation (or every organisation in a named group) keeps its vote."""

    refs: tuple[str, ...]

    def text(self) -> str:
        if len(self.refs) == 1:
            return _quote(self.refs[0])
        return "all of " + ", ".join(_quote(r) for r in self.refs)

    def describe(self) -> str:
        if len(self.refs) == 1:
            return f"{self.refs[0]} must keep its vote"
        return f"each of {_english_list(self.refs)} must keep its vote"

    def _check(self, directory: _Directory) -> None:
        for ref in self.refs:
            if directory.orgs_for(ref) is None:
                raise QuorumRuleError(_unknown(ref, directory))

    def evaluate(self, directory: _Directory, keeping: set[str], lost: Mapping[str, LostVote]) -> list[str]:
        failures = []
        seen: set[str] = set()
        for ref in self.refs:
            for org in directory.orgs_for(ref) or ():
                if org.name in keeping or org.name in seen:
                    continue
                seen.add(org.name)
                failures.append(lost[org.name].reason)
        return failures


@dataclass(frozen=True)
class AtLeast:
    """At least a number (or a share) of the organisations in a group keep a vote.

    Exactly one of ``count`` / ``share`` is set; ``majority`` means more than
    half. ``scope`` is a group name, or ``None`` for every voting organisation.
    """

    scope: str | None
    count: int | None = None
    share: Fraction | None = None
    majority: bool = False
    share_text: str | None = field(default=None, compare=False)

    def _scope_text(self) -> str:
        return "organisations" if self.scope is None else _quote(self.scope)

    def text(self) -> str:
        if self.majority:
            return f"a majority of {self._scope_text()}"
        if self.count is not None:
            if self.scope is None:
                return f"at least {self.count} organisations"
            return f"at least {self.count} of {self._scope_text()}"
        return f"at least {self.share_text or _share_text(self.share)} of {self._scope_text()}"

    def describe(self) -> str:
        label = _group_label(self.scope)
        if self.majority:
            return f"more than half of the {label} must keep a vote"
        if self.count is not None:
            if self.scope is None:
                return f"at least {self.count} voting organisations must keep a vote"
            return f"at least {self.count} of the {label} must keep a vote"
        return f"at least {self.share_text or _share_text(self.share)} of the {label} must keep a vote"

    def needed(self, total: int) -> int:
        if self.majority:
            return total // 2 + 1
        if self.count is not None:
            return self.count
        assert self.share is not None  # nosec B101 - type narrowing: a share rule always has a share
        return max(1, math.ceil(self.share * total))

    def _check(self, directory: _Directory) -> None:
        if self.scope is not None and directory.group(self.scope) is None:
            raise QuorumRuleError(_unknown(self.scope, directory, group=True))

    def evaluate(self, directory: _Directory, keeping: set[str], lost: Mapping[str, LostVote]) -> list[str]:
        orgs = directory.organisations if self.scope is None else (directory.group(self.scope) or ())
        total = len(orgs)
        kept = sum(1 for o in orgs if o.name in keeping)
        need = self.needed(total)
        if kept >= need:
            return []
        label = _group_label(self.scope)
        if self.majority:
            rule = f"a majority needs {need}"
        elif self.count is not None:
            rule = f"at least {need} are needed"
        else:
            rule = f"at least {self.share_text or _share_text(self.share)} ({need}) are needed"
        if need > total:
            rule += f", but the committee has only {total}"
        return [f"{kept} of {total} {label} keep a vote; {rule}"]


def _share_text(share: Fraction | None) -> str:
    assert share is not None  # nosec B101 - type narrowing: only called for share rules
    pct = share * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    return f"{share.numerator}/{share.denominator}"


def _english_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _unknown(ref: str, directory: _Directory, group: bool = False) -> str:
    names = ", ".join(o.name for o in directory.organisations) or "none"
    groups = ", ".join(dict.fromkeys(o.group for o in directory.organisations)) or "none"
    what = "group" if group else "organisation or group"
    return (
        f'The quorum rule names the {what} "{ref}", which is not on this committee '
        f"(organisations: {names}; groups: {groups})."
    )


Clause = RequireAll | AtLeast


@dataclass(frozen=True)
class QuorumRule:
    """A committee's quorum rule: every clause must hold."""

    clauses: tuple[Clause, ...]

    def __str__(self) -> str:
        """The rule in its text form; ``parse_quorum_rule(str(rule)) == rule``."""
        return " and ".join(c.text() for c in self.clauses)

    def describe(self) -> str:
        """The rule in plain English."""
        parts = [c.describe() for c in self.clauses]
        sentence = _english_list(parts)
        return sentence[0].upper() + sentence[1:] + "."

    def validate(self, organisations: Sequence[VotingOrganisation]) -> None:
        """Raise :class:`QuorumRuleError` if the rule names anything not on the committee."""
        directory = _Directory(organisations)
        for clause in self.clauses:
            clause._check(directory)


# ---------------------------------------------------------------------------
# Parsing

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_FRACTION_WORDS = {
    "half": Fraction(1, 2),
    "one half": Fraction(1, 2),
    "a half": Fraction(1, 2),
    "a third": Fraction(1, 3),
    "one third": Fraction(1, 3),
    "one-third": Fraction(1, 3),
    "two thirds": Fraction(2, 3),
    "two-thirds": Fraction(2, 3),
    "a quarter": Fraction(1, 4),
    "one quarter": Fraction(1, 4),
    "one-quarter": Fraction(1, 4),
    "three quarters": Fraction(3, 4),
    "three-quarters": Fraction(3, 4),
}
_PLACEHOLDER = "\x00{}\x00"


def _tokenise_quotes(text: str) -> tuple[str, list[str]]:
    """Replace quoted names by placeholders so that ``and``/``,`` inside them are inert."""
    quoted: list[str] = []

    def repl(m: re.Match[str]) -> str:
        quoted.append(m.group(1) if m.group(1) is not None else m.group(2))
        return _PLACEHOLDER.format(len(quoted) - 1)

    out = re.sub(r'"([^"]*)"|\u201c([^\u201d]*)\u201d', repl, text)
    if '"' in out or "\u201c" in out or "\u201d" in out:
        raise QuorumRuleError("The quorum rule has a quotation mark that is not closed.")
    return out, quoted


def _restore(text: str, quoted: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: quoted[int(m.group(1))], text)


def _protect_names(text: str, organisations: Sequence[VotingOrganisation]) -> str:
    """Quote known names that contain ``and`` or commas so clause splitting leaves them whole."""
    names = {o.name for o in organisations} | {o.group for o in organisations}
    risky = sorted((n for n in names if re.search(r",|\band\b", n, re.IGNORECASE)), key=len, reverse=True)
    for name in risky:
        pattern = r"(?<![\w\"])" + r"\s+".join(re.escape(w) for w in name.split()) + r"(?![\w\"])"
        text = re.sub(pattern, lambda m: '"' + name + '"', text, flags=re.IGNORECASE)
    return text


def _number(token: str) -> int | None:
    token = token.strip().lower()
    if token.isdigit():
        return int(token)
    return _NUMBER_WORDS.get(token)


def _scope(raw: str, quoted: list[str]) -> str | None:
    ref = _restore(raw, quoted).strip()
    if not _strip_the(ref):
        raise QuorumRuleError('The quorum rule is missing the group after "of".')
    if _norm(_strip_the(ref)) in _ALL_ORGS:
        return None
    return ref


def _full(pattern: str, text: str) -> re.Match[str] | None:
    return re.fullmatch(pattern, text, flags=re.IGNORECASE)


def _parse_clause(raw: str, quoted: list[str], original: str) -> Clause:
    clause = " ".join(raw.split())
    shown = _restore(clause, quoted)
    if not clause:
        raise QuorumRuleError(f'The quorum rule "{original}" has an empty part (check "and" and ";").')

    m = _full(r"(?:an?\s+|simple\s+)?majority\s+of\s+(.+)", clause)
    if m:
        return AtLeast(scope=_scope(m.group(1), quoted), majority=True)

    m = _full(r"(?:at\s+least|no\s+fewer\s+than|a\s+minimum\s+of|minimum\s+of)\s+(.+)", clause)
    if m:
        rest = m.group(1)
        m2 = _full(r"(\w+)\s+(?:voting\s+)?(?:organisations?|organizations?|members)", rest)
        if m2 and _number(m2.group(1)) is not None:
            return _count_clause(_number(m2.group(1)), None, shown)
        m2 = _full(r"(\d+(?:\.\d+)?)\s*(?:%|per\s*cent|percent)\s+of\s+(.+)", rest)
        if m2:
            pct = Fraction(m2.group(1))
            if not 0 < pct <= 100:
                raise QuorumRuleError(f'"{shown}": a percentage must be more than 0 and at most 100.')
            return AtLeast(scope=_scope(m2.group(2), quoted), share=pct / 100, share_text=f"{m2.group(1)}%")
        m2 = _full(r"(\d+)\s*/\s*(\d+)\s+of\s+(.+)", rest)
        if m2:
            num, den = int(m2.group(1)), int(m2.group(2))
            if den == 0 or not 0 < Fraction(num, den) <= 1:
                raise QuorumRuleError(f'"{shown}": a fraction must be more than 0 and at most 1.')
            return AtLeast(scope=_scope(m2.group(3), quoted), share=Fraction(num, den), share_text=f"{num}/{den}")
        for words, share in sorted(_FRACTION_WORDS.items(), key=lambda kv: -len(kv[0])):
            m2 = _full(re.escape(words) + r"\s+of\s+(.+)", rest)
            if m2:
                return AtLeast(scope=_scope(m2.group(1), quoted), share=share, share_text=words)
        m2 = _full(r"(\w+)\s+of\s+(.+)", rest)
        if m2 and _number(m2.group(1)) is not None:
            return _count_clause(_number(m2.group(1)), _scope(m2.group(2), quoted), shown)
        raise QuorumRuleError(
            f'"{shown}" is not understood. Write "at least N organisations", "at least N of GROUP", '
            f'"at least N% of GROUP" or "at least half of GROUP".'
        )

    m = _full(r"(?:all|each|every\s+one)\s+of\s+(.+)", clause)
    if m:
        refs = tuple(_restore(p, quoted).strip() for p in m.group(1).split(","))
        if any(not _strip_the(r) for r in refs):
            raise QuorumRuleError(f'"{shown}" has an empty name in its list.')
        return RequireAll(refs)

    if re.match(r"(?:majority|most|more\s+than|over|half|quorum|at\s+most)\b|\d", clause, flags=re.IGNORECASE):
        raise QuorumRuleError(
            f'"{shown}" is not understood. Write for example "majority of CCGs" or "at least 4 organisations".'
        )
    if "," in clause:
        raise QuorumRuleError(
            f'"{shown}" lists several names; write "all of A, B" or put a name containing a comma in quotes.'
        )
    return RequireAll((shown.strip(),))


def _count_clause(n: int | None, scope: str | None, shown: str) -> AtLeast:
    if n is None or n < 1:
        raise QuorumRuleError(f'"{shown}": the number must be at least 1.')
    return AtLeast(scope=scope, count=n)


def parse_quorum_rule(text: str, organisations: Sequence[VotingOrganisation] | None = None) -> QuorumRule:
    """Parse a quorum rule written in the grammar described in this module.

    With ``organisations`` the rule is also checked against the committee
    (:meth:`QuorumRule.validate`), and names containing ``and`` or commas are
    recognised without quotes. Raises :class:`QuorumRuleError`.
    """
    if not isinstance(text, str) or not text.strip():
        raise QuorumRuleError('The quorum rule is empty. Write for example "NHS England and a majority of CCGs".')
    if len(text) > 2000:
        raise QuorumRuleError("The quorum rule is too long (more than 2,000 characters).")
    original = " ".join(text.split())
    work = text.replace("\x00", " ")
    if organisations:
        work = _protect_names(work, organisations)
    work, quoted = _tokenise_quotes(work)
    work = work.strip().rstrip(".")
    parts = re.split(r";|\band\b", work, flags=re.IGNORECASE)
    clauses = tuple(_parse_clause(p, quoted, original) for p in parts)
    rule = QuorumRule(clauses)
    if organisations is not None:
        rule.validate(organisations)
    return rule


# ---------------------------------------------------------------------------
# Forecast


def conflicted_members(flags: Iterable[Any]) -> dict[str, set[str]]:
    """Member ids conflicted for voting, by item, from screening flags or chair decisions.

    Each flag is a mapping or object with ``item_id``, ``member_id`` and
    ``action``, or an ``(item_id, member_id, action)`` tuple. Only ``exclude``
    and ``no-vote`` count; ``declare`` does not.
    """
    out: dict[str, set[str]] = {}
    for flag in flags:
        if isinstance(flag, Mapping):
            item_id, member_id, action = flag["item_id"], flag["member_id"], flag["action"]
        elif isinstance(flag, tuple):
            item_id, member_id, action = flag
        else:
            item_id, member_id, action = flag.item_id, flag.member_id, flag.action
        out.setdefault(str(item_id), set())
        if str(action).strip().lower() in VOTE_REMOVING_ACTIONS:
            out[str(item_id)].add(str(member_id))
    return out


def forecast(
    rule: QuorumRule,
    organisations: Sequence[VotingOrganisation],
    members: Sequence[VotingMember],
    conflicted_member_ids_by_item: Mapping[str, Iterable[str]],
) -> dict[str, ItemQuorum]:
    """Forecast, for each item, which organisations keep their vote and whether it is quorate.

    ``conflicted_member_ids_by_item`` maps every item to forecast (include
    items with no conflicts, as an empty set) to the members conflicted for
    voting on it (``exclude`` / ``no-vote``; see :func:`conflicted_members`).
    Ids of non-voting or unknown members are ignored. Raises
    :class:`QuorumRuleError` when the rule names an organisation or group not
    on the committee, and :class:`ValueError` when a voting member belongs to
    an organisation that is not declared.
    """
    directory = _Directory(organisations)
    rule.validate(organisations)
    reps: dict[str, list[str]] = {o.name: [] for o in directory.organisations}
    for member in members:
        if not member.voting:
            continue
        org = directory.by_name.get(_norm(member.organisation))
        if org is None:
            raise ValueError(
                f"Voting member {member.member_id} represents {member.organisation}, "
                f"which is not a voting organisation on this committee."
            )
        reps[org.name].append(member.member_id)

    results: dict[str, ItemQuorum] = {}
    for item_id, conflicted in conflicted_member_ids_by_item.items():
        conflicted_set = set(conflicted)
        keeping: list[str] = []
        lost: dict[str, LostVote] = {}
        for org in directory.organisations:
            ids = reps[org.name]
            if any(m not in conflicted_set for m in ids):
                keeping.append(org.name)
            else:
                lost[org.name] = LostVote(org.name, tuple(ids))
        keeping_set = set(keeping)
        failures: list[str] = []
        for clause in rule.clauses:
            for failure in clause.evaluate(directory, keeping_set, lost):
                if failure not in failures:
                    failures.append(failure)
        results[item_id] = ItemQuorum(
            item_id=item_id,
            quorate=not failures,
            keeping_vote=tuple(keeping),
            losing_vote=tuple(lost.values()),
            failures=tuple(failures),
        )
    return results
