"""General naming rules found with the national sweep (benchmarks/national_sweep.py, issue 12).

Every test reads its practices from NHS Digital's national files in ../shared/data/organisations (epraccur and the
January 2022 PCN map, OGL) -- the whole directory, as a committee's screen sees it -- and writes an item or a
declaration the way people write them. The names are real; the wording is ours.
"""

import pytest

from screening.engine import Engine

from tests.screening.national import D, A, I, flags, organisations_folder


def row(d, code):
    return d.practices[code].rec


# ------------------------------------------------------------------ 12. areas: places and the committee's own area
def test_area_wide_item_naming_no_area_means_the_committees_own_area(nat):
    # H83006 NEW ADDINGTON GROUP PRACTICE is in sub-ICB 36L (South West London); G82013 AMHERST is in 91Q (Kent)
    assert row(nat, "H83006").commissioner == "36L" and row(nat, "G82013").commissioner == "91Q"
    decls = [I("M1", "GP partner – practice code H83006"), I("M2", "GP partner – practice code G82013")]
    items = [
        A("1", "Primary Care Network DES sign-up for all PCNs in the ICB"),
        A("2", "Local enhanced service offer for all practices 2027/28"),
    ]
    assert flags(nat, decls, items) == {}  # no area: nobody
    assert flags(nat, decls, items, area={"36L"}) == {("1", "M1"): "no-vote", ("2", "M1"): "no-vote"}
    assert flags(nat, decls, items, area=["91Q"]) == {("1", "M2"): "no-vote", ("2", "M2"): "no-vote"}
    assert flags(nat, decls, items, area="QWE") == {("1", "M1"): "no-vote", ("2", "M1"): "no-vote"}  # an ICB code


def test_borough_wide_scheme_reaches_the_practices_of_that_place_only(nat):
    # the six South West London boroughs share one sub-ICB code (36L); the borough is the town on the address
    assert row(nat, "H83006").address_lines[2] == "CROYDON" and row(nat, "H85018").address_lines[2] == "SUTTON"
    assert row(nat, "H85018").commissioner == row(nat, "H83006").commissioner
    decls = [I("M1", "Partner, practice code H83006"), I("M2", "Salaried GP – practice code H85018")]
    items = [
        A("1", "Croydon Local Incentive Scheme 2027/28 for all Croydon practices"),
        A("2", "LIS – all Sutton practices"),
    ]
    assert flags(nat, decls, items) == {("1", "M1"): "no-vote", ("2", "M2"): "no-vote"}
    # passed as the committee's area by place name, an area-wide item naming none reaches that borough only
    assert flags(nat, decls, [A("3", "Enhanced service offer to all practices")], area=["Sutton"]) == {
        ("3", "M2"): "no-vote"
    }


def test_area_identifiers_resolve(nat):
    assert nat.area_keys(["36l"]) == {"36L"}
    assert nat.area_keys("Croydon") == {"place:croydon"}
    assert "H83006" in nat.area_practices("place:croydon") and "H85018" not in nat.area_practices("place:croydon")
    assert nat.area_keys(["no such place"]) == set()


# ------------------------------------------------------------------ 9. a PCN written after a dash
@pytest.mark.parametrize(
    "title",
    [
        "ARRS workforce funding – Sevenoaks PCN",
        "ARRS WORKFORCE FUNDING - SEVENOAKS PCN",
        "ARRS workforce funding: Sevenoaks PCN",
        "ARRS workforce funding for Sevenoaks PCN",
    ],
)
def test_one_word_pcn_after_a_dash(nat, title):
    # G82013 AMHERST MEDICAL PRACTICE is a member of SEVENOAKS PCN (U24481); a one-word PCN name after a spaced
    # hyphen used to be read as the end of the topic ("funding Sevenoaks")
    assert nat.pcns["U24481"]["name"] == "SEVENOAKS PCN" and "G82013" in nat.pcns["U24481"]["members"]
    assert flags(nat, [I("M1", "Partner, practice code G82013")], [A("1", title)]) == {("1", "M1"): "no-vote"}


def test_borough_before_a_dash_stays_part_of_the_pcn_name(nat):
    # the spaced hyphen is soft: "HARINGEY - NORTH EAST PCN" is still one PCN, not the topic "Haringey"
    code = next(c for c, p in nat.pcns.items() if p["name"] == "HARINGEY - NORTH EAST PCN")
    member = sorted(nat.pcns[code]["members"])[0]
    got = flags(
        nat, [I("M1", f"Partner, practice code {member}")], [A("1", "Workforce plan – Haringey - North East PCN")]
    )
    assert got == {("1", "M1"): "no-vote"}


# ------------------------------------------------------------------ 4. abbreviated type words
@pytest.mark.parametrize("written", ["Forum Fam. Pract.", "Forum Fam Prac", "Forum Family Pract"])
def test_type_words_shortened_to_a_prefix(nat, written):
    # A84038 FORUM FAMILY PRACTICE (Cramlington)
    assert row(nat, "A84038").name == "FORUM FAMILY PRACTICE"
    assert flags(nat, [I("M1", f"Partner – {written}")], [A("1", "Contract variation – A84038")]) == {
        ("1", "M1"): "exclude"
    }


# ------------------------------------------------------------------ 5. a postcode alone names the practice there
def test_postcode_alone_names_the_practice(nat):
    # A84040 HUMSHAUGH & WARK MED GRP is the only practice at NE46 4BU
    assert nat.by_postcode["NE46 4BU"] == {"A84040"}
    decls = [I("M1", "GP partner – practice code A84040"), I("M2", "GP partner – practice code A84005")]
    assert flags(nat, decls, [A("1", "Remedial notice – the practice at NE46 4BU")]) == {("1", "M1"): "exclude"}
    # written beside a named practice, the postcode is that practice's context, not a second practice
    assert flags(nat, decls, [A("2", "Learning from elsewhere: Bedlingtonshire Medical Group, NE46 4BU")]) == {}


# ------------------------------------------------------------------ 11. a street on any address line
def test_practice_named_by_its_street(nat):
    # A84005 BEDLINGTONSHIRE MED.GROUP is on GLEBE ROAD (address line 2; line 1 repeats the name)
    assert row(nat, "A84005").address_lines[1] == "GLEBE ROAD"
    decls = [
        I("M1", "GP partner – practice code A84005"),
        I("M2", "My husband is a partner at the Glebe Road surgery", "indirect"),
    ]
    got = flags(
        nat,
        decls,
        [A("1", "Car park lease at the Glebe Road surgery"), A("2", "Contract variation – A84005")],
        area={"00L"},
    )
    assert got == {(i, m): "exclude" for i in "12" for m in ("M1", "M2")}
    # a street written without a type word is where something is, not a practice
    assert flags(nat, decls[:1], [A("3", "Road closure on Glebe Road")], area={"00L"}) == {}


# ------------------------------------------------------------------ 7. two practices joined by 'and' / '&'
@pytest.mark.parametrize(
    "title",
    [
        "Proposed merger of the Rothbury and Bellingham practices",
        "Proposed merger of the Bellingham&Rothbury practices",
    ],
)
def test_two_practices_sharing_one_type_word(nat, title):
    # A84002 THE ROTHBURY PRACTICE and A84027 BELLINGHAM PRACTICE (Northumberland; both also town names)
    decls = [
        I("M1", "Partner, practice code A84002"),
        I("M2", "Partner, practice code A84027"),
        I("M3", "Partner, practice code A84005"),
    ]
    assert flags(nat, decls, [A("1", title)], area={"00L"}) == {("1", "M1"): "exclude", ("1", "M2"): "exclude"}


# ------------------------------------------------------------------ names made of common words ("Park Surgery")
def test_common_word_name_with_its_own_type_word_in_the_committees_area(nat):
    # A81016 PARK SURGERY (Stockton, sub-ICB 16C) is the only one of its name in its ICB; "park" alone is a
    # common word, so it names the practice only written with the practice's own type word, in its own area
    decls = [I("M1", "Partner, practice code A81016")]
    assert flags(nat, decls, [A("1", "Park Surgery: contract variation")], area={"16C"}) == {("1", "M1"): "exclude"}
    assert flags(nat, decls, [A("2", "Park Medical Centre: contract variation")], area={"16C"}) == {}
    # two PARK SURGERY practices in one sub-ICB (H82017, H82039, 70F): nothing tells them apart, so neither
    both = [I("M2", "Partner, practice code H82017"), I("M3", "Partner, practice code H82039")]
    assert flags(nat, both, [A("3", "Park Surgery: contract variation")], area={"70F"}) == {}


# ------------------------------------------------------------------ 6. a practice named without its type word
def test_title_subject_without_its_type_word(nat):
    # A84009 RAILWAY MEDICAL GROUP (Blyth, 00L) is the only practice of its ICB named "Railway"
    decls = [I("M1", "GP partner – practice code A84009")]
    assert flags(nat, decls, [A("1", "Railway list closure")], area={"00L"}) == {("1", "M1"): "exclude"}
    # not in a sentence, and not a place ("Blyth boundary change" is about the town)
    assert flags(nat, decls, [A("2", "Update on the railway list closure")], area={"00L"}) == {}


def test_a_word_standing_after_a_named_practice_is_where_it_is(nat):
    # the place written after a practice is its location, even when a practice elsewhere has that one-word name
    decls = [I("M1", "Partner, Forum Family Practice, Railway")]
    assert flags(nat, decls, [A("1", "Contract variation – A84009")], area={"00L"}) == {}


# ------------------------------------------------------------------ 5. a word left out of a longer name
def test_name_with_a_word_left_out(nat):
    # A84039 GAS HOUSE LANE SURGERY (Morpeth): "Gas House Surgery" keeps the words in order and the type word
    decls = [I("M1", "GP partner – practice code A84039")]
    assert flags(nat, decls, [A("1", "Boundary change: Gas House Surgery")], area={"00L"}) == {("1", "M1"): "exclude"}
    # with another type word it is not the practice
    assert flags(nat, decls, [A("2", "Boundary change: Gas House Medical Centre")], area={"00L"}) == {}


# ------------------------------------------------------------------ numbers inside names
def test_number_inside_a_practice_name(nat):
    # N81645 4 SEASONS MEDICAL CENTRE
    decls = [I("M1", "Partner, practice code N81645")]
    assert flags(nat, decls, [A("1", "Contract variation – 4 Seasons Medical Centre")]) == {("1", "M1"): "exclude"}


# ------------------------------------------------------------------ 9. PCN names with 'The', brackets, lists, 'on'
@pytest.mark.parametrize(
    "title, member",
    [
        ("ARRS workforce funding – The Ridge PCN", "G82074"),  # THE RIDGE PCN
        ("ARRS workforce funding – Nexus (Devon) PCN", "L83066"),  # NEXUS (DEVON) PCN
        ("ARRS – Balsall Heath, Sparkhill & Moseley PCN", "M85051"),  # BALSALL HEATH, SPARKHILL & MOSELEY PCN
        ("ARRS – Bradford on Avon & Melksham PCN", "J83011"),  # BRADFORD ON AVON & MELKSHAM PCN
    ],
)
def test_pcn_names_written_in_full(nat, title, member):
    assert flags(nat, [I("M1", f"GP partner – practice code {member}")], [A("1", title)]) == {("1", "M1"): "no-vote"}


# ------------------------------------------------------------------ 5. a postcode beside a topic that reads as a name
def test_postcode_after_topic_words(nat):
    # "Extended access" is also a practice's name (EXTENDED ACCESS, Y05088); E84020 is the only practice at HA8 5LP
    assert nat.practices["Y05088"].name == "EXTENDED ACCESS" and nat.by_postcode["HA8 5LP"] == {"E84020"}
    got = flags(
        nat, [I("M1", "Partner, practice code E84020")], [A("1", "Extended access funding – the practice at HA8 5LP")]
    )
    assert got == {("1", "M1"): "exclude"}


# ------------------------------------------------------------------ 13. names that fit several practices: possible
def test_name_fitting_several_practices_is_a_possible_flag_naming_them(nat):
    both = [I("M2", "Partner, practice code H82017"), I("M3", "Partner, practice code H82039")]
    items = [A("3", "Park Surgery: contract variation")]
    assert flags(nat, both, items, area={"70F"}) == {}  # not a flag ...
    got = Engine(nat).screen(both, items, D, area={"70F"}, possible=True)
    oracle = Engine(nat).screen(both, items, D, area={"70F"}, possible=True, all_pairs=True)
    assert [f.to_dict() for f in got] == [f.to_dict() for f in oracle]
    assert [(f.item_id, f.member_id, f.action, f.possible) for f in got] == [
        ("3", "M2", "exclude", True),
        ("3", "M3", "exclude", True),
    ]
    assert "H82017" in got[0].evidence[0] and "H82039" in got[0].evidence[0]  # ... but possible, naming both
    # where the text says which one (its postcode), it is that one and nothing is possible
    pc = nat.practices["H82039"].rec.postcode
    got = Engine(nat).screen(both, [A("4", f"Park Surgery ({pc}): contract variation")], D, area={"70F"}, possible=True)
    assert [(f.member_id, f.possible) for f in got] == [("M3", False)]


def test_cli_lists_possible_flags_apart(nat, tmp_path):
    import json
    from screening.cli import run_screen
    import io

    (tmp_path / "register.csv").write_text(
        "member_id,name,position,interest_type,description,date_from,date_to\n"
        'M2,Dr A,GP,financial,"Partner, practice code H82017",2015-01-01,\n'
    )
    (tmp_path / "agenda.csv").write_text(
        "item_id,title,description,meeting_date\n3,Park Surgery: contract variation,,2025-06-01\n"
    )
    out, err = io.StringIO(), io.StringIO()
    assert (
        run_screen(
            str(tmp_path / "register.csv"),
            str(tmp_path / "agenda.csv"),
            organisations_folder(),
            None,
            "json",
            out,
            err,
            area="70F",
        )
        == 0
    )
    data = json.loads(out.getvalue())
    assert data["flags"] == [] and [(f["item_id"], f["member_id"], f["possible"]) for f in data["possible"]] == [
        ("3", "M2", True)
    ]


# ------------------------------------------------------------------ 2. a street match yields to a name match
def test_street_yields_to_a_practice_named_after_it(nat):
    # G82006 DR CJ SHIMMINS & PARTNERS is on PILGRIMS WAY; G82212 PILGRIMS WAY SURGERY is named after it (same
    # building): "Pilgrims Way Health Centre" is the practice of that name (type word swapped), not its neighbour
    decls = [I("M1", "Contract-holding GP partner, PILGRIMS WAY HEALTH CENTRE in Dartford")]
    items = [A("1", "Contract variation – G82006"), A("2", "Contract variation – G82212")]
    assert flags(nat, decls, items) == {("2", "M1"): "exclude"}
