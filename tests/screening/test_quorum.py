"""Quorum arithmetic for a joint committee (one vote per organisation)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.quorum import (
    AtLeast,
    ItemQuorum,
    LostVote,
    QuorumRule,
    QuorumRuleError,
    RequireAll,
    VotingMember,
    VotingOrganisation,
    conflicted_members,
    forecast,
    parse_quorum_rule,
)

CCG_NAMES = ["Leeds", "Bradford", "Brighton and Hove", "Wakefield", "Kirklees", "Calderdale"]
CCGS = [VotingOrganisation(f"{n} CCG", "CCG") for n in CCG_NAMES]
NHSE = VotingOrganisation("NHS England", "NHSE")
ORGS = [NHSE, *CCGS]


def _slug(name: str) -> str:
    return name.split()[0].lower()


def _committee() -> list[VotingMember]:
    members = [VotingMember(f"nhse-{role}", "NHS England") for role in ("director", "finance", "nurse")]
    for org in CCGS:
        for role in ("chair", "officer", "lay"):
            members.append(VotingMember(f"{_slug(org.name)}-{role}", org.name))
    members += [
        VotingMember("lmc-secretary", "Local Medical Committee", voting=False),
        VotingMember("hwb-rep", "Health and Wellbeing Board", voting=False),
        VotingMember("healthwatch-rep", "Healthwatch", voting=False),
    ]
    return members


MEMBERS = _committee()
VOTING_IDS = [m.member_id for m in MEMBERS if m.voting]
STANDARD = "NHS England and a majority of the CCGs"


def _delegation(org_name: str) -> set[str]:
    return {m.member_id for m in MEMBERS if m.organisation == org_name and m.voting}


# --- parsing -----------------------------------------------------------------


def test_parse_standard_rule():
    rule = parse_quorum_rule(STANDARD, ORGS)
    assert rule == QuorumRule((RequireAll(("NHS England",)), AtLeast(scope="the CCGs", majority=True)))
    assert str(rule) == "NHS England and a majority of the CCGs"
    assert rule.describe() == "NHS England must keep its vote and more than half of the CCGs must keep a vote."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("at least 4 voting organisations", AtLeast(scope=None, count=4)),
        ("At least four organisations", AtLeast(scope=None, count=4)),
        ("at least 3 of CCGs", AtLeast(scope="CCGs", count=3)),
        ("at least 50% of the CCGs", AtLeast(scope="the CCGs", share=Fraction(1, 2))),
        ("at least 2/3 of CCG", AtLeast(scope="CCG", share=Fraction(2, 3))),
        ("at least two-thirds of organisations", AtLeast(scope=None, share=Fraction(2, 3))),
        ("majority of organisations", AtLeast(scope=None, majority=True)),
        ("all of NHS England, Leeds CCG", RequireAll(("NHS England", "Leeds CCG"))),
    ],
)
def test_parse_single_clauses(text, expected):
    rule = parse_quorum_rule(text, ORGS)
    assert rule.clauses == (expected,)
    assert parse_quorum_rule(str(rule), ORGS) == rule


def test_names_with_and_need_quotes_unless_organisations_are_given():
    with_orgs = parse_quorum_rule("Brighton and Hove CCG and NHS England", ORGS)
    assert with_orgs.clauses == (RequireAll(("Brighton and Hove CCG",)), RequireAll(("NHS England",)))
    quoted = parse_quorum_rule('"Brighton and Hove CCG" and NHS England')
    assert quoted == with_orgs
    assert str(quoted) == '"Brighton and Hove CCG" and NHS England'
    # Unquoted and without the directory, "and" splits the name.
    with pytest.raises(QuorumRuleError, match="Brighton"):
        parse_quorum_rule("Brighton and Hove CCG and NHS England", [])


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("majority CCGs", "not understood"),
        ("most of the CCGs", "not understood"),
        ("at least 0 organisations", "at least 1"),
        ("at least 150% of CCGs", "percentage"),
        ("at least 3/2 of CCGs", "fraction"),
        ("at least several of CCGs", "not understood"),
        ("NHS England and", "empty part"),
        ('"NHS England and majority of CCGs', "quotation mark"),
        ("NHS Wales and a majority of CCGs", '"NHS Wales", which is not on this committee'),
        ("majority of ICBs", '"ICBs", which is not on this committee'),
        ("Leeds CCG, Bradford CCG", "all of A, B"),
        ("all of NHS England, , Leeds CCG", "empty name"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(text, fragment):
    with pytest.raises(QuorumRuleError) as err:
        parse_quorum_rule(text, ORGS)
    assert fragment in str(err.value)


def test_quorum_rule_error_is_a_value_error():
    assert issubclass(QuorumRuleError, ValueError)


# --- forecast on the realistic committee ---------------------------------------


def _forecast(conflicts: dict[str, set[str]], rule: str = STANDARD) -> dict[str, ItemQuorum]:
    return forecast(parse_quorum_rule(rule, ORGS), ORGS, MEMBERS, conflicts)


def test_no_conflicts_is_quorate_with_every_vote():
    result = _forecast({"1": set()})["1"]
    assert result.quorate and result.reason is None
    assert result.keeping_vote == tuple(o.name for o in ORGS)
    assert result.losing_vote == ()
    assert result.votes == 7


def test_one_unconflicted_representative_keeps_the_vote():
    # Two of the three Leeds representatives are conflicted: Leeds still votes.
    result = _forecast({"4.2": {"leeds-chair", "leeds-lay"}})["4.2"]
    assert "Leeds CCG" in result.keeping_vote
    assert result.quorate


def test_nhs_england_losing_its_vote_makes_the_item_inquorate():
    result = _forecast({"5": _delegation("NHS England")})["5"]
    assert not result.quorate
    assert result.losing_vote == (LostVote("NHS England", ("nhse-director", "nhse-finance", "nhse-nurse")),)
    assert result.reason == (
        "NHS England has no unconflicted voting representative (conflicted: nhse-director, nhse-finance, nhse-nurse)."
    )


def test_ccg_majority_failure_is_explained():
    conflicted = _delegation("Leeds CCG") | _delegation("Bradford CCG") | _delegation("Wakefield CCG")
    result = _forecast({"7": conflicted})["7"]
    assert not result.quorate
    assert result.failures == ("3 of 6 CCGs keep a vote; a majority needs 4",)
    assert [lv.organisation for lv in result.losing_vote] == ["Leeds CCG", "Bradford CCG", "Wakefield CCG"]


def test_two_ccgs_losing_their_vote_still_quorate():
    conflicted = _delegation("Leeds CCG") | _delegation("Kirklees CCG")
    assert _forecast({"8": conflicted})["8"].quorate


def test_non_voting_attendees_never_count():
    # LMC, HWB and Healthwatch conflicts change nothing.
    result = _forecast({"9": {"lmc-secretary", "hwb-rep", "healthwatch-rep", "unknown-person"}})["9"]
    assert result.quorate and result.votes == 7


def test_several_failures_are_all_reported():
    conflicted = _delegation("NHS England") | {m for org in CCGS[:4] for m in _delegation(org.name)}
    result = _forecast({"3": conflicted})["3"]
    assert result.failures == (
        "NHS England has no unconflicted voting representative (conflicted: nhse-director, nhse-finance, nhse-nurse)",
        "2 of 6 CCGs keep a vote; a majority needs 4",
    )


def test_count_and_percentage_rules():
    conflicted = {m for org in CCGS[:4] for m in _delegation(org.name)}
    at_least_4 = _forecast({"x": conflicted}, "at least 4 voting organisations")["x"]
    assert not at_least_4.quorate
    assert at_least_4.failures == ("3 of 7 organisations keep a vote; at least 4 are needed",)
    half = _forecast({"x": conflicted}, "at least 50% of CCGs")["x"]
    assert half.failures == ("2 of 6 CCGs keep a vote; at least 50% (3) are needed",)
    assert _forecast({"x": conflicted}, "at least 3 organisations")["x"].quorate


def test_impossible_count_says_so():
    result = _forecast({"x": set()}, "at least 8 of CCGs")["x"]
    assert result.failures == ("6 of 6 CCGs keep a vote; at least 8 are needed, but the committee has only 6",)


def test_organisation_with_no_voting_representative_loses_its_vote():
    members = [m for m in MEMBERS if m.organisation != "NHS England"]
    result = forecast(parse_quorum_rule(STANDARD, ORGS), ORGS, members, {"1": set()})["1"]
    assert not result.quorate
    assert result.reason == "NHS England has no voting representative on the committee."


def test_group_name_as_a_clause_requires_every_member_of_the_group():
    result = _forecast({"1": _delegation("Leeds CCG")}, "all of CCGs")["1"]
    assert result.failures == (
        "Leeds CCG has no unconflicted voting representative (conflicted: leeds-chair, leeds-officer, leeds-lay)",
    )


def test_forecast_validates_the_rule_and_members():
    with pytest.raises(QuorumRuleError, match="not on this committee"):
        forecast(parse_quorum_rule("majority of ICBs"), ORGS, MEMBERS, {"1": set()})
    stray = [*MEMBERS, VotingMember("x", "Nowhere CCG")]
    with pytest.raises(ValueError, match="Nowhere CCG"):
        forecast(parse_quorum_rule(STANDARD, ORGS), ORGS, stray, {"1": set()})


def test_forecast_keeps_item_order_and_is_deterministic():
    conflicts = {"10": set(), "2": _delegation("NHS England"), "1a": {"leeds-chair"}}
    first = _forecast(conflicts)
    assert list(first) == ["10", "2", "1a"]
    assert first == _forecast(dict(conflicts))


def test_conflicted_members_counts_only_exclude_and_no_vote():
    flags = [
        {"item_id": "1", "member_id": "a", "action": "exclude"},
        ("1", "b", "no-vote"),
        ("1", "c", "declare"),
        ("2", "d", "declare"),
    ]
    assert conflicted_members(flags) == {"1": {"a", "b"}, "2": set()}


# --- properties -----------------------------------------------------------------

RULES = [
    STANDARD,
    "at least 4 voting organisations",
    "at least 50% of CCGs and NHS England",
    "all of NHS England, Leeds CCG",
    "at least two-thirds of organisations",
    "majority of CCGs and at least 5 organisations",
]
conflict_sets = st.sets(st.sampled_from(VOTING_IDS + ["lmc-secretary"]))


@settings(max_examples=200, deadline=None)
@given(rule=st.sampled_from(RULES), base=conflict_sets, extra=conflict_sets)
def test_adding_conflicts_never_restores_quorum(rule, base, extra):
    result = _forecast({"a": base, "b": base | extra}, rule)
    if not result["a"].quorate:
        assert not result["b"].quorate
    assert set(result["b"].keeping_vote) <= set(result["a"].keeping_vote)


@settings(max_examples=200, deadline=None)
@given(rule=st.sampled_from(RULES), conflicted=conflict_sets)
def test_vote_kept_iff_some_voting_representative_is_unconflicted(rule, conflicted):
    result = _forecast({"i": conflicted}, rule)["i"]
    for org in ORGS:
        has_free_rep = any(m not in conflicted for m in _delegation(org.name))
        assert (org.name in result.keeping_vote) == has_free_rep
    assert {o.name for o in ORGS} == set(result.keeping_vote) | {lv.organisation for lv in result.losing_vote}
    assert not set(result.keeping_vote) & {lv.organisation for lv in result.losing_vote}
    assert result.quorate == (not result.failures) == (result.reason is None)


@settings(max_examples=200, deadline=None)
@given(conflicted=conflict_sets)
def test_standard_rule_matches_direct_arithmetic(conflicted):
    result = _forecast({"i": conflicted})["i"]
    nhse_votes = any(m not in conflicted for m in _delegation("NHS England"))
    ccg_votes = sum(any(m not in conflicted for m in _delegation(o.name)) for o in CCGS)
    assert result.quorate == (nhse_votes and ccg_votes >= 4)


clause_texts = st.one_of(
    st.sampled_from(["NHS England", "Leeds CCG", '"Brighton and Hove CCG"', "all of NHS England, Kirklees CCG"]),
    st.builds("majority of {}".format, st.sampled_from(["CCGs", "the CCGs", "organisations"])),
    st.builds("at least {} organisations".format, st.integers(1, 12)),
    st.builds("at least {} of CCGs".format, st.integers(1, 6)),
    st.builds("at least {}% of CCGs".format, st.integers(1, 100)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(clause_texts, min_size=1, max_size=4))
def test_text_form_round_trips(clauses):
    rule = parse_quorum_rule(" and ".join(clauses), ORGS)
    assert len(rule.clauses) == len(clauses)
    again = parse_quorum_rule(str(rule), ORGS)
    assert again == rule
    assert str(again) == str(rule)
    assert rule.describe().endswith(".")
