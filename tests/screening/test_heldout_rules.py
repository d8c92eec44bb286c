"""General naming / wording rules found with the held-out-style stress set (benchmarks/heldout_style.py).

The directory here holds real practices (NHS Digital epraccur and the January 2022 PCN map, OGL) from London (Y56),
the South East (Y59) and the North West (Y62) -- regions that are in neither dev set.
"""

from datetime import date

import pytest

from screening import AgendaItem, Directory, Interest, PcnMapRow, screen
from screening.declarations import read_declaration

from tests.screening.records import practice

D = date(2025, 5, 1)


_p = practice


PRACTICES = [
    _p(
        "G81019",
        "BEACON SURGERY",
        "Y59",
        "QNX",
        ["BEACON SURGERY", "BEACON ROAD", "CROWBOROUGH", "EAST SUSSEX"],
        "TN6 1AH",
        "97R",
    ),
    _p(
        "G82028",
        "SWANLEY MEDICAL PRACTICE",
        "Y59",
        "QKS",
        ["SWANLEY MEDICAL PRACTICE", "26-28 SWANLEY CENTRE", "SWANLEY", "KENT"],
        "BR8 7AH",
        "91Q",
    ),
    _p(
        "J82155",
        "PORTSDOWN GROUP PRACTICE",
        "Y59",
        "QRL",
        ["KINGSTON CRESCENT SURGERY", "92 KINGSTON CRESCENT", "PORTSMOUTH", "HAMPSHIRE"],
        "PO2 8AL",
        "10R",
    ),
    _p(
        "K81081",
        "ABBEY MEDICAL CENTRE",
        "Y59",
        "QU9",
        ["ABBEY MEDICAL CENTRE", "41 RUSSELL STREET", "READING", "BERKSHIRE"],
        "RG1 7XD",
        "15A",
    ),
    _p(
        "N82022",
        "BEACON HEALTH KENSINGTON",
        "Y62",
        "QYG",
        ["EDGE HILL HEALTH CENTRE", "157 EDGE LANE", "LIVERPOOL", "MERSEYSIDE"],
        "L7 2AB",
        "99A",
    ),
    _p(
        "N82107",
        "BEACON HEALTH MOSSLEY HILL",
        "Y62",
        "QYG",
        ["73 QUEENS DRIVE", "MOSSLEY HILL", "LIVERPOOL"],
        "L18 2DU",
        "99A",
    ),
    _p(
        "P84033",
        "BEACON MEDICAL CENTRE",
        "Y62",
        "QOP",
        ["BEACON MEDICAL CENTRE", "156 VICTORIA AVE,BLACKLEY", "MANCHESTER"],
        "M9 0FN",
        "14L",
    ),
]
PCN = [
    PcnMapRow("G81019", "BEACON SURGERY", "TN6 1AH", "U54760", "HIGH WEALD PCN", "97R", "NHS East Sussex CCG"),
    PcnMapRow(
        "G82028", "THE CEDARS SURGERY", "BR8 7AH", "U40722", "SWANLEY & RURAL PCN", "91Q", "NHS Kent and Medway CCG"
    ),
    PcnMapRow("J82155", "PORTSDOWN GROUP PRACTICE", "PO2 8AL", "U07449", "PORTSDOWN PCN", "10R", "NHS Portsmouth CCG"),
    PcnMapRow("K81081", "ABBEY MEDICAL CENTRE", "RG1 7XD", "U03989", "WHITLEY PCN", "15A", "NHS Berkshire West CCG"),
    PcnMapRow("N82022", "EDGE HILL HEALTH CENTRE", "L7 2AB", "U53230", "THE PICTON PCN", "99A", "NHS Liverpool CCG"),
    PcnMapRow(
        "N82107",
        "EDGE HILL HEALTH @ MOSSLEY HILL SURGERY",
        "L18 2DU",
        "U65582",
        "CHILDWALL & WAVERTREE PCN",
        "99A",
        "NHS Liverpool CCG",
    ),
    PcnMapRow(
        "P84033",
        "BEACON MEDICAL CENTRE",
        "M9 0FN",
        "U85954",
        "H-BLACKLEY HARPURHEY & CHARLESTOWN PCN",
        "14L",
        "NHS Manchester CCG",
    ),
]


PRACTICES += [
    _p(
        "F82022",
        "THE ROSEWOOD MEDICAL CENTRE",
        "Y56",
        "QMF",
        ["THE ROSEWOOD MEDICAL CTR", "30 ASTRA CLOSE, ELM PARK", "HORNCHURCH", "ESSEX"],
        "RM12 5NJ",
        "A3A8R",
    ),
    _p(
        "F84711",
        "ROSEWOOD PRACTICE",
        "Y56",
        "QMF",
        ["ROSEWOOD PRACTICE", "1A FOUNTAYNE ROAD", "LONDON"],
        "N16 7EA",
        "A3A8R",
    ),
    _p(
        "N82048",
        "WALTON MEDICAL CENTRE",
        "Y62",
        "QYG",
        ["BREEZE HILL", "NEIGHBOURHOOD HEALTH CTR", "1-3 RICE LANE, WALTON", "LIVERPOOL"],
        "L9 1AD",
        "99A",
    ),
    _p(
        "N81011",
        "BEVAN GROUP PRACTICE",
        "Y62",
        "QYG",
        ["BEVAN GROUP PRACTICE", "BEVAN WAY", "WIDNES", "CHESHIRE"],
        "WA8 6TR",
        "01F",
    ),
    _p(
        "P81707",
        "WILLIAM HOPWOOD STREET SURGERY",
        "Y62",
        "QE1",
        ["THE SURGERY", "WILLIAM HOPWOOD ST,AUDLEY", "BLACKBURN", "LANCASHIRE"],
        "BB1 1LX",
        "00Q",
    ),
]
PCN += [
    PcnMapRow(
        "F82022",
        "THE ROSEWOOD MEDICAL CENTRE",
        "RM12 5NJ",
        "U00367",
        "HAVERING SOUTH PCN",
        "A3A8R",
        "NHS North East London CCG",
    ),
    PcnMapRow(
        "F84711", "ROSEWOOD PRACTICE", "N16 7EA", "U21268", "HACKNEY DOWNS PCN", "A3A8R", "NHS North East London CCG"
    ),
    PcnMapRow("N82048", "WALTON MEDICAL CENTRE", "L9 1AD", "U64639", "NORTH LIVERPOOL PCN", "99A", "NHS Liverpool CCG"),
    PcnMapRow("N81011", "BEVAN GROUP PRACTICE", "WA8 6TR", "U79408", "WIDNES PCN", "01F", "NHS Halton CCG"),
    PcnMapRow(
        "P81707",
        "WILLIAM HOPWOOD STREET SURGERY",
        "BB1 1LX",
        "U48502",
        "BLACKBURN EAST PCN",
        "00Q",
        "NHS Blackburn with Darwen CCG",
    ),
]

PRACTICES += [
    _p(
        "K81002",
        "EASTFIELD HOUSE SURGERY",
        "Y59",
        "QU9",
        ["EASTFIELD HOUSE SURGERY", "6 ST.JOHNS ROAD", "NEWBURY", "BERKSHIRE"],
        "RG14 7LW",
        "15A",
    ),
    _p(
        "F84088",
        "PLASHET ROAD MEDICAL CENTRE",
        "Y56",
        "QMF",
        ["152 PLASHET ROAD", "PLAISTOW", "LONDON"],
        "E13 0QT",
        "A3A8R",
    ),
    _p(
        "F84006",
        "THE SHREWSBURY CENTRE",
        "Y56",
        "QMF",
        ["SHREWSBURY ROAD HLTH CTR", "SHREWSBURY ROAD", "FOREST GATE", "LONDON"],
        "E7 8QP",
        "A3A8R",
    ),
]
PCN += [
    PcnMapRow(
        "K81002",
        "EASTFIELD HOUSE SURGERY",
        "RG14 7LW",
        "U16983",
        "A34 WEST BERKSHIRE PCN",
        "15A",
        "NHS Berkshire West CCG",
    ),
    PcnMapRow(
        "F84088",
        "PLASHET ROAD MEDICAL CENTRE",
        "E13 0QT",
        "U34188",
        "NEWHAM NORTH EAST 1 PCN",
        "A3A8R",
        "NHS North East London CCG",
    ),
    PcnMapRow(
        "F84006",
        "THE SHREWSBURY CENTRE",
        "E7 8QP",
        "U06978",
        "NEWHAM NORTH EAST 2 PCN",
        "A3A8R",
        "NHS North East London CCG",
    ),
]

PRACTICES += [
    _p(
        "G82098",
        "BLACKTHORN",
        "Y59",
        "QKS",
        ["BLACKTHORN MEDICAL CENTRE", "ST ANDREWS ROAD, BARMING", "MAIDSTONE", "KENT"],
        "ME16 9AN",
        "91Q",
    ),
    _p(
        "N81039",
        "OAKLANDS",
        "Y62",
        "QYG",
        ["OAKLANDS", "MIDDLEWICH MEDICAL CENTRE", "ST.ANN'S WALK, MIDDLEWICH", "CHESHIRE"],
        "CW10 9BE",
        "27D",
    ),
]
PCN += [
    PcnMapRow("G82098", "BLACKTHORN", "ME16 9AN", "U47228", "ABC PCN", "91Q", "NHS Kent and Medway CCG"),
    PcnMapRow("N81039", "OAKLANDS", "CW10 9BE", "U25799", "SMASH PCN", "27D", "NHS Cheshire CCG"),
]

PRACTICES += [
    _p(
        "F85017",
        "CHARLTON HOUSE MEDICAL CENTRE",
        "Y56",
        "QMJ",
        ["CHARLTON HOUSE MEDICAL CTR", "581 HIGH ROAD", "TOTTENHAM", "LONDON"],
        "N17 6SB",
        "93C",
    ),
    _p("J82080", "BEAR VIEW SURGERY", "Y59", "QRL", ["BEAR VIEW SURGERY", "ISLE OF WIGHT"], "PO30 1AA", "10L"),
    _p(
        "F85023",
        "THE ORDNANCE UNITY CENTRE FOR HEALTH",
        "Y56",
        "QMJ",
        ["ORDNANCE UNITY CTR FOR HLTH", "645 HERTFORD ROAD", "ENFIELD"],
        "EN3 6ND",
        "93C",
    ),
]
PCN += [
    PcnMapRow(
        "F85017",
        "CHARLTON HOUSE MEDICAL CENTRE",
        "N17 6SB",
        "U96599",
        "HARINGEY - NORTH EAST PCN",
        "93C",
        "NHS North Central London CCG",
    ),
    PcnMapRow(
        "J82080", "BEAR VIEW SURGERY", "PO30 1AA", "U75079", "NORTH & EAST (IW) PCN", "10L", "NHS Isle of Wight CCG"
    ),
    PcnMapRow(
        "F85023",
        "THE ORDNANCE UNITY CENTRE FOR HEALTH",
        "EN3 6ND",
        "U27893",
        "ENFIELD UNITY PCN",
        "93C",
        "NHS North Central London CCG",
    ),
]


@pytest.fixture(scope="module")
def d():
    return Directory.from_records(PRACTICES, PCN)


def I(member, itype, desc, date_from=date(2015, 1, 1), date_to=None):
    return Interest(member, "Dr " + member, "GP Member", itype, desc, date_from, date_to)


def A(item_id, title, desc=""):
    return AgendaItem(item_id, title, desc, D)


def flags_of(interests, items, directory):
    return {(f.item_id, f.member_id): f.action for f in screen(interests, items, directory, D)}


# ---- declarations: "partnership share" is a partner, not a shareholder
@pytest.mark.parametrize(
    "text",
    [
        "Partnership share held in Portsdown Group Practice",
        "I hold a partnership at Portsdown Group Practice",
        "Contract-holding GP partner, Portsdown Group Practice",
    ],
)
def test_partnership_wording_is_partner(text):
    assert read_declaration(I("M1", "financial", text)).role == "partner"


def test_partnership_share_reaches_pcn_and_area_items(d):
    f = flags_of(
        [I("M1", "financial", "Partnership share held in PORTSDOWN GROUP PRACTICE")],
        [
            A("1", "PCN DES: Portsdown PCN – ARRS workforce plan"),
            A("2", "Local Incentive Scheme 2025-26 for Portsmouth practices"),
        ],
        d,
    )
    assert f == {("1", "M1"): "no-vote", ("2", "M1"): "no-vote"}


# ---- a federation / company named after a place is not the practice of that place
@pytest.mark.parametrize(
    "company",
    [
        "Swanley GP Federation Ltd",
        "Swanley Primary Care Alliance CIC",
        "Swanley Healthcare Ltd",
        "Swanley GP Collaborative",
    ],
)
def test_federation_is_not_the_practice(d, company):
    f = flags_of(
        [I("M1", "financial", "Partner, Swanley Medical Practice")],
        [A("1", f"Contract award: {company}", f"Award of the wound-care hub to {company}.")],
        d,
    )
    assert f == {}


def test_practice_written_with_ltd_after_type_word_still_matches(d):
    f = flags_of(
        [I("M1", "financial", "Director, Portsdown Group Practice Ltd")],
        [A("1", "Remedial notice: Portsdown Group Practice")],
        d,
    )
    assert f == {("1", "M1"): "exclude"}


# ---- a generic word inside a name: "Beacon Health Kensington" is one name, not "Beacon Health" + "Kensington"
def test_name_with_generic_word_inside(d):
    f = flags_of(
        [
            I("M1", "financial", "Partner, Beacon Health Kensington"),
            I("M2", "financial", "Salaried GP at Beacon Health Mossley Hill"),
        ],
        [
            A("1", "Premises improvement grant application (BEACON HEALTH MOSSLEY HILL)"),
            A("2", "Remedial notice: Beacon Health Kensington"),
        ],
        d,
    )
    assert f == {("1", "M2"): "exclude", ("2", "M1"): "exclude"}


# ---- a variant that fits several practices names none of them
def test_ambiguous_variant_names_no_practice(d):
    # "Beacon Health" is a variant of BEACON SURGERY, BEACON MEDICAL CENTRE and both BEACON HEALTH ... practices
    f = flags_of(
        [I("M1", "financial", "Partner, Beacon Medical Centre")], [A("1", "Contract variation – Beacon Health")], d
    )
    assert f == {}


# ---- an area name inside a PCN's name does not make a PCN item area-wide
def test_area_word_inside_pcn_name_is_not_area(d):
    f = flags_of(
        [
            I("M1", "financial", "Partner, Beacon Health Kensington"),
            I("M2", "financial", "Partner, Beacon Health Mossley Hill"),
        ],
        [A("1", "PCN DES: Childwall & Wavertree PCN – ARRS workforce plan"), A("2", "LES for all Liverpool practices")],
        d,
    )
    assert f == {("1", "M2"): "no-vote", ("2", "M1"): "no-vote", ("2", "M2"): "no-vote"}


# ---- an NHS trust may have "University" in its name (other institution words mark a role, not a party)
def test_university_trust_is_an_organisation(d):
    f = flags_of(
        [
            Interest(
                "L1",
                "Ms L1",
                "Lay member",
                "non-financial professional",
                "Elected governor of Manchester University NHS Foundation Trust (MFT) (unpaid)",
                date(2015, 1, 1),
                None,
            ),
            Interest(
                "L2",
                "Mr L2",
                "Lay member",
                "non-financial professional",
                "Member of the University of Manchester court",
                date(2015, 1, 1),
                None,
            ),
        ],
        [A("1", "Community phlebotomy – contract with Manchester University NHS Foundation Trust")],
        d,
    )
    assert f == {("1", "L1"): "declare"}


# ---- type and address words mistyped ("Strret", "Surgrey") are still those words
def test_mistyped_type_and_street_words(d):
    f = flags_of(
        [I("M1", "financial", "Sessional GP employed by WILLIAM HOPWOOD STERET SURGERY")],
        [
            A("1", "Remedial notice: William Hopwood Street Medical Centre"),
            A("2", "Boundary change – William Hopwood Strret Surgrey"),
        ],
        d,
    )
    assert f == {("1", "M1"): "exclude", ("2", "M1"): "exclude"}


# ---- of several practices a (typo) variant fits, the one with the type words written is meant
def test_type_words_pick_between_same_word_practices(d):
    f = flags_of(
        [
            I("M1", "financial", "Rosewoood Medical Centre, The: partner (GMS)"),
            I("M2", "financial", "Salaried GP, Rosewod Practice"),
        ],
        [
            A("1", "THE ROSEWWOOD MEDICAL CENTRE – APMS contract: direct award recommendation"),
            A("2", "Rosewood Practice: boundary change"),
        ],
        d,
    )
    assert f == {("1", "M1"): "exclude", ("2", "M2"): "exclude"}


# ---- a place or area name is not a typing slip for a practice name one letter away
def test_area_name_is_not_a_typo_of_a_practice(d):
    f = flags_of(
        [I("M1", "financial", "I work as a salaried GP at Walton Medical Centre, The")],
        [
            A("1", "Halton Primary Care Quality Scheme 2025/26", "Offer to all practices in Halton."),
            A("2", "Waltn Medical Centre – list closure"),
        ],
        d,
    )
    assert f == {("2", "M1"): "exclude"}


# ---- numbered PCNs: the number is part of the name
def test_numbered_pcn_names(d):
    f = flags_of(
        [
            I("M1", "financial", "Partner, Eastfield House Surgery"),
            I("M2", "financial", "Partner, Plashet Road Medical Centre"),
            I("M3", "financial", "Partner, The Shrewsbury Centre"),
        ],
        [
            A("1", "Enhanced Access – A34 West Berkshire pcn delivery plan 2025/26"),
            A("2", "Enhanced Access – the Newham North East 2 Network delivery plan"),
            A("3", "Capacity and Access Improvement Payment: NEWHAM NORTH EAST 1 PCN"),
            A("4", "Finance report – month 5", "Network Contract DES 2025/26: 2 PCN changes"),
        ],
        d,
    )
    assert f == {("1", "M1"): "no-vote", ("2", "M3"): "no-vote", ("3", "M2"): "no-vote"}


# ---- a practice whose official name is one word without a type word, written alone
def test_bare_one_word_official_name(d):
    f = flags_of(
        [
            I("M1", "financial", "Contract-holding GP partner, Blackthorn"),
            I("M2", "financial", "Salaried general practitioner – The Oaklands"),
        ],
        [
            A("1", "Premises improvement grant application (Blackthorn)"),
            A("2", "SMASH PCN – request to change core network practice"),
            A("3", "Tree survey of the blackthorn hedges at the Oaklands site car park"),
        ],
        d,
    )
    assert f == {("1", "M1"): "exclude", ("2", "M2"): "no-vote"}


# ---- a PCN role is a PCN role, not a directorship of a company called "X P.C.N."
def test_pcn_board_member_is_not_a_company_director(d):
    f = flags_of(
        [
            I("M1", "financial", "Board member of Portsdown P.C.N."),
            I("M2", "financial", "Clinical Director, Portsdown pcn"),
        ],
        [A("1", "PCN DES: Portsdown P.C.N. – ARRS workforce plan")],
        d,
    )
    assert f == {("1", "M1"): "no-vote", ("1", "M2"): "no-vote"}


# ---- numbers are never typing slips ("... 3 PCN" is not "... 1 PCN")
def test_numbers_are_not_typos(d):
    f = flags_of(
        [
            I("M1", "financial", "Partner, Plashet Road Medical Centre"),
            I("M2", "financial", "Partner, The Shrewsbury Centre"),
        ],
        [A("1", "Capacity and Access Improvement Payment: Newham North East 3 PCN")],
        d,
    )
    assert f == {}


# ---- PCN names written "BOROUGH - LOCALITY PCN": the spaced hyphen is inside the name


@pytest.mark.parametrize(
    "title",
    [
        "Enhanced Access – Haringey - North East P.C.N. delivery plan 2025/26",
        "PCN DES: Haringey - North East Primary Care Network – ARRS plan",
    ],
)
def test_borough_before_a_spaced_hyphen_is_part_of_the_pcn_name(d, title):
    f = flags_of(
        [
            I("M1", "financial", "Partner, Charlton House Medical Centre"),
            I("M2", "financial", "Partner, Bear View Surgery"),
        ],
        [A("1", title)],
        d,
    )
    assert f == {("1", "M1"): "no-vote"}  # not NORTH & EAST (IW) PCN, whose member is M2's practice


def test_a_spaced_hyphen_still_separates_an_item_number_from_a_pcn(d):
    f = flags_of([I("M2", "financial", "Partner, Bear View Surgery")], [A("1", "Item 4 - North & East PCN")], d)
    assert f == {("1", "M2"): "no-vote"}


# ---- function words inside an official name ("CENTRE FOR HEALTH") are not what people write


@pytest.mark.parametrize(
    "written",
    ["The Ordnance Unity Centre for Health", "Ordnance Unity Centre", "The Orrdnance Unity Centre For Health"],
)
def test_name_with_a_function_word(d, written):
    f = flags_of(
        [I("M1", "indirect", "My brother – practice manager, ODS f85023")], [A("1", f"Remedial notice: {written}")], d
    )
    assert f == {("1", "M1"): "exclude"}
