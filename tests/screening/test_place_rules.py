"""Place words and bracketed addresses (found with the held-out-style stress set, benchmarks/heldout_style.py).

A name made of place words ("North West London", "Hayling Island") is the place unless the practice's type word is
written; a practice match inside a longer area / town name yields to the area; text in brackets straight after a
practice name is that practice's address, not another practice. Real practices (NHS Digital epraccur and the
January 2022 PCN map, OGL) from London (Y56) and the South East (Y59), regions in neither dev set.
"""

from datetime import date

import pytest

from screening import AgendaItem, Directory, Interest, PcnMapRow, screen
from screening.mentions import find_mentions

from tests.screening.records import practice

D = date(2025, 5, 1)


_p = practice


PRACTICES = [
    _p(
        "E86620",
        "WEST LONDON MEDICAL CENTRE",
        "Y56",
        "QRV",
        ["WEST LONDON MEDICAL CTR", "20 PIELD HEATH ROAD", "HILLINGDON", "MIDDLESEX"],
        "UB8 3NG",
        "W2U3Z",
    ),
    _p(
        "E84002",
        "FORTY WILLOWS SURGERY",
        "Y56",
        "QRV",
        ["FORTY WILLOWS SURGERY", "2 FORTY AVENUE", "WEMBLEY", "MIDDLESEX"],
        "HA9 9HA",
        "W2U3Z",
    ),
    _p(
        "F84119",
        "THE HERON PRACTICE",
        "Y56",
        "QMF",
        ["THE HERON PRACTICE", "JOHN SCOTT HEALTH CENTRE", "WOODBERRY DOWN", "GREEN LANES, LONDON"],
        "N4 2NU",
        "A3A8R",
    ),
    _p("F85708", "GREEN LANES (RAJA)", "Y56", "Q71", ["625 GREEN LANES", "HORNSEY", "LONDON"], "N8 0RE", "08D"),
    _p(
        "G82090",
        "THE HERON MEDICAL PRACTICE",
        "Y59",
        "QKS",
        ["HERON MEDICAL PRACTICE", "161 STATION ROAD", "HERNE BAY", "KENT"],
        "CT6 5NF",
        "91Q",
    ),
    _p(
        "J84004",
        "EAST COWES MEDICAL CENTRE",
        "Y59",
        "QRL",
        ["EAST COWES MEDICAL CENTRE", "CHURCH PATH", "EAST COWES", "ISLE OF WIGHT"],
        "PO32 6RP",
        "D9Y0V",
    ),
    _p(
        "J82021",
        "WATERSIDE MEDICAL PRACTICE",
        "Y59",
        "QRL",
        ["HAYLING ISLAND HEALTH CTR", "ELM GROVE, MENGHAM", "HAYLING ISLAND", "HAMPSHIRE"],
        "PO11 9AP",
        "D9Y0V",
    ),
]
PCN = [
    PcnMapRow(
        "E84002",
        "FORTY WILLOWS SURGERY",
        "HA9 9HA",
        "U89375",
        "BRENT CENTRAL KWH PCN",
        "W2U3Z",
        "NHS North West London CCG",
    ),
    PcnMapRow(
        "F84119",
        "THE HERON PRACTICE",
        "N4 2NU",
        "U46293",
        "WOODBERRY WETLANDS PCN",
        "A3A8R",
        "NHS North East London CCG",
    ),
    PcnMapRow(
        "G82090", "THE HERON MEDICAL PRACTICE", "CT6 5NF", "U21470", "HERNE BAY PCN", "91Q", "NHS Kent and Medway CCG"
    ),
    PcnMapRow(
        "J84004",
        "EAST COWES MEDICAL CENTRE",
        "PO32 6RP",
        "U75079",
        "NORTH & EAST (IW) PCN",
        "D9Y0V",
        "NHS Hampshire, Southampton and Isle of Wight CCG",
    ),
    PcnMapRow(
        "J82021",
        "WATERSIDE MEDICAL PRACTICE",
        "PO11 9AP",
        "U90861",
        "HAYLING ISLAND & EMSWORTH PCN",
        "D9Y0V",
        "NHS Hampshire, Southampton and Isle of Wight CCG",
    ),
]


@pytest.fixture(scope="module")
def d():
    return Directory.from_records(PRACTICES, PCN)


def I(member, itype, desc):
    return Interest(member, "Dr " + member, "GP Member", itype, desc, date(2015, 1, 1), None)


def A(item_id, title, desc=""):
    return AgendaItem(item_id, title, desc, D)


def flags_of(interests, items, directory):
    return {(f.item_id, f.member_id): f.action for f in screen(interests, items, directory, D)}


def practices_named(text, d):
    return {c for m in find_mentions(text, d) if m.kind == "practice" for c in m.cands}


# ---- an area name is not a practice named inside it, nor a practice named after the area without its type word
def test_area_name_is_not_the_practice_inside_it(d):
    assert practices_named("Enhanced services offered to every practice in North West London from 1 April.", d) == set()
    assert practices_named("Premises grant: West London Medical Centre", d) == {"E86620"}


def test_areawide_item_gives_no_vote_not_exclude(d):
    f = flags_of(
        [
            I("M1", "financial", "Partner, West London Medical Centre"),
            I("M2", "financial", "Salaried GP at Forty Willows Surgery"),
        ],
        [
            A(
                "1",
                "North West London GP enhanced service offer",
                "Enhanced services offered to every practice in North West London from 1 April.",
            ),
            A("2", "Premises improvement grant: West London Medical Centre"),
        ],
        d,
    )
    assert f == {("1", "M1"): "no-vote", ("1", "M2"): "no-vote", ("2", "M1"): "exclude"}


@pytest.mark.parametrize(
    "title,hit", [("Estates review: Hayling Island", False), ("Estates review: Hayling Island Health Centre", True)]
)
def test_place_named_building_needs_its_type_word(d, title, hit):
    f = flags_of([I("M1", "financial", "Partnership share held in WATERSIDE MEDICAL PRACTICE")], [A("1", title)], d)
    assert f == ({("1", "M1"): "exclude"} if hit else {})


# ---- brackets after a practice name: its address, not another practice
def test_bracketed_address_is_context_not_a_practice(d):
    assert practices_named("Partner at Heron Practice (Green Lanes, London)", d) == {"F84119"}
    # not after a practice name, the same words are still read as a practice
    assert practices_named("Salaried GP (Green Lanes, Hornsey)", d) == {"F85708"}


def test_bracketed_address_picks_the_practice_in_that_town(d):
    f = flags_of(
        [I("M1", "financial", "Partner at Heron Practice (Green Lanes, London)")],
        [
            A("1", "Premises grant: The Heron Practice, Woodberry Down"),
            A("2", "List closure application: The Heron Medical Practice, Herne Bay"),
            A("3", "Contract variation: Green Lanes Surgery, Hornsey"),
        ],
        d,
    )
    assert f == {("1", "M1"): "exclude"}


def test_bracketed_place_in_declaration_is_not_an_organisation(d):
    f = flags_of(
        [I("M1", "financial", "GP partner at East Cowes Surgery (Isle Of Wight)")],
        [
            A(
                "1",
                "Hampshire, Southampton & Isle of Wight-wide GP enhanced service offer",
                "Enhanced services offered to every practice in Hampshire, Southampton & Isle of Wight.",
            )
        ],
        d,
    )
    assert f == {("1", "M1"): "no-vote"}
