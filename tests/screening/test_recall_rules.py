"""Names written in ways the rules for distinctive words cannot see (issue 12, recall): official names written word
for word whatever their words are, and PCN names against the places in other PCNs' brackets.

Practices and PCNs are read from NHS Digital's national files in ../shared/data/organisations (epraccur and the
January 2022 PCN map, OGL); the wording is ours.
"""

import pytest


from tests.screening.national import A, I, flags


# ------------------------------------------------------------------ official names written word for word
@pytest.mark.parametrize(
    "code, area, written",
    [
        ("H83608", "36L", "Branch closure – Your Family Practice"),  # a stop word and type words only
        ("F82033", "A3A8R", "Boundary change – Dr Vm Patel"),  # a person's name with initials
        ("F82033", "A3A8R", "Dr Vm Patel: remedial notice"),
        ("Y02987", "A3A8R", "Contract variation (At Medics - the Loxford Practice)"),  # a dash inside the name
        ("E83666", "93C", "REMEDIAL NOTICE - HOMELESS ACTION IN BARNET"),  # a function word, in capitals
        ("Y03441", "W2U3Z", "Premises grant – Health and Wellbeing Centre, Earls Court"),  # a comma inside the name
    ],
)
def test_official_name_written_in_full(nat, code, area, written):
    assert nat.practices[code].rec.commissioner == area
    other = sorted(c for c in nat.by_commissioner[area] if c != code)[0]
    decls = [I("M1", f"GP partner – practice code {code}"), I("M2", f"GP partner – practice code {other}")]
    assert flags(nat, decls, [A("1", written)], area={area}) == {("1", "M1"): "exclude"}


def test_full_name_of_type_words_only_needs_its_capitals_and_its_area(nat):
    # W94004 HEALTH SERVICES CENTRE: type words only; written as a name it is the one practice of that name in the
    # committee's area, and written in lower case inside a sentence it names nothing
    area = nat.practices["W94004"].rec.commissioner
    decls = [I("M1", "GP partner – practice code W94004")]
    assert flags(nat, decls, [A("1", "Remedial notice – Health Services Centre")], area={area}) == {
        ("1", "M1"): "exclude"
    }
    assert flags(nat, decls, [A("2", "Review of community health services centre funding")], area={area}) == {}


def test_practice_name_inside_a_longer_name_is_not_that_practice(nat):
    # Y02974 is named AT MEDICS; "At Medics - the Loxford Practice" (Y02987) is another practice
    decls = [I("M1", "GP partner – practice code Y02974")]
    assert "Y02974" in nat.practices and nat.practices["Y02974"].name.upper() == "AT MEDICS"
    area = nat.practices["Y02974"].rec.commissioner
    assert flags(nat, decls, [A("1", "Boundary change – At Medics - the Loxford Practice")], area={area}) == {}


# ------------------------------------------------------------------ PCN names
@pytest.mark.parametrize(
    "pcn, written",
    [
        ("U60450", "ARRS workforce funding – Health Alliance PCN"),  # type words only
        ("U60450", "ARRS WORKFORCE FUNDING - HEALTH ALLIANCE PCN"),
        ("U60450", "PCN DES: Health Alliance pcn – ARRS workforce plan"),
        ("U60450", "Enhanced access plan (Health Alliance Primary Care Network)"),
    ],
)
def test_pcn_name_of_type_words_written_in_full(nat, pcn, written):
    member = sorted(nat.pcns[pcn]["members"])[0]
    area = nat.practices[member].rec.commissioner
    decls = [I("M1", f"GP partner – practice code {member}")]
    assert flags(nat, decls, [A("1", written)], area={area}) == {("1", "M1"): "no-vote"}


def test_pcn_named_is_not_the_pcn_with_that_place_in_brackets(nat):
    # U94373 WYTHENSHAWE PCN (P84014) and U58188 NORTHENDEN & BROOKLANDS (WYTHENSHAWE) PCN (P84012), both 14L
    assert nat.practices["P84014"].pcn == "U94373" and nat.practices["P84012"].pcn == "U58188"
    decls = [I("M1", "GP partner – practice code P84014"), I("M2", "GP partner – practice code P84012")]
    items = [A("1", "ARRS workforce funding – Wythenshawe PCN")]
    assert flags(nat, decls, items, area={"14L"}) == {("1", "M1"): "no-vote"}
    # the bracketed place still names its PCN where no PCN has it as its own name
    items = [A("2", "ARRS workforce funding – Northenden & Brooklands PCN")]
    assert flags(nat, decls, items, area={"14L"}) == {("2", "M2"): "no-vote"}


def test_name_at_the_end_of_a_longer_name_is_part_of_it(nat):
    # K84013 ST BARTHOLOMEWS & HOLLOW WAY MED CENTRE holds the whole name of K84048 HOLLOW WAY MEDICAL CENTRE
    from screening.mentions import find_mentions

    ms = find_mentions("Sessional GP employed by THE ST BARTHOLOMEWS & HOLLOW WAY MED CENTRE", nat)
    assert {c for m in ms for c in m.cands} == {"K84013"}


# ------------------------------------------------------------------ 6. a practice named without its type word
def test_title_subject_followed_by_lower_case_topic_words(nat):
    # E84022 ROXBOURNE MEDICAL CENTRE (W2U3Z): its one distinctive word opens the title, topic words follow
    decls = [I("M1", "GP partner – practice code E84022"), I("M2", "GP partner – practice code E84031")]
    assert flags(nat, decls, [A("1", "Roxbourne boundary change")], area={"W2U3Z"}) == {("1", "M1"): "exclude"}


def test_title_subject_that_is_a_town_elsewhere_names_the_practice_of_the_area(nat):
    # E84062 THE SHAFTESBURY MEDICAL CENTRE (W2U3Z): Shaftesbury is a Dorset town, not a place of north-west London,
    # so opening a title there it is the practice; a town of the committee's own area stays a place ("Hexham")
    decls = [I("M1", "GP partner – practice code E84062")]
    assert flags(nat, decls, [A("1", "Shaftesbury premises grant")], area={"W2U3Z"}) == {("1", "M1"): "exclude"}
    hexham = sorted(c for c in nat.practices_at_place("hexham") if nat.is_practice(c))
    area = nat.practices[hexham[0]].rec.commissioner
    members = [I(f"M{k}", f"GP partner – practice code {c}") for k, c in enumerate(hexham)]
    assert flags(nat, members, [A("2", "Hexham premises review")], area={area}) == {}


# ------------------------------------------------------------------ 8. one building housing several practices
def test_building_names_every_practice_in_it(nat):
    # B82027 THE SPA SURGERY, B82016 EAST PARADE SURGERY and B82091 PARK PARADE SURGERY (42D, HG1 5AR) share the
    # MOWBRAY SQUARE MEDICAL CENTRE; B82027 also has MOWBRAY SQUARE as a street line
    decls = [I(f"M{k}", f"GP partner – practice code {c}") for k, c in enumerate(["B82027", "B82016", "B82091"])]
    got = flags(nat, decls, [A("1", "Extended access funding at Mowbray Square Med Centre")], area={"42D"})
    assert got == {("1", "M0"): "exclude", ("1", "M1"): "exclude", ("1", "M2"): "exclude"}


# ------------------------------------------------------------------ 14. a dormant practice is not the one meant
def test_dormant_practice_yields_to_the_operating_one_at_its_address(nat):
    # Y02442 ST THOMAS ROAD SURGERY is dormant (status D); C81072 LISTER HOUSE SURGERY operates at 207 ST THOMAS
    # ROAD (15M), the same building
    assert nat.practices["Y02442"].rec.status == "D" and nat.practices["C81072"].rec.status == "A"
    decls = [I("M1", "GP partner – practice code C81072")]
    got = flags(nat, decls, [A("1", "Car park lease at the St Thomas Road surgery")], area={"15M"})
    assert got == {("1", "M1"): "exclude"}


# ------------------------------------------------------------------ 11. a street line without a house number
def test_street_line_without_a_number_that_is_one_building(nat):
    # G82224 OLD PARSONAGE SURGERY, BALCOMBES HILL, GOUDHURST (91Q): the only building on that line in its area
    decls = [I("M1", "GP partner – practice code G82224")]
    got = flags(nat, decls, [A("1", "Car park lease at the Balcombes Hill surgery")], area={"91Q"})
    assert got == {("1", "M1"): "exclude"}


# ------------------------------------------------------------------ 12. the committee's own area within its ICB
def test_a_street_several_towns_of_the_icb_share_is_the_one_in_the_committees_area(nat):
    # C84017 BELVOIR HEALTH GROUP is on Newgate Street, Bingham (52R); C84024 NEWGATE MEDICAL GROUP is on Newgate St,
    # Worksop, in the same ICB (QT1) but another sub-ICB area
    assert nat.practice_icb("C84017") == nat.practice_icb("C84024")
    assert nat.practices["C84024"].rec.commissioner != "52R"
    decls = [I("M1", "GP partner – practice code C84017"), I("M2", "GP partner – practice code C84024")]
    item = A("1", "Car park lease at the Newgate Street surgery")
    assert flags(nat, decls, [item], area={"52R"}) == {("1", "M1"): "exclude"}
    # named by its own name, the Worksop practice is still the one meant
    assert flags(nat, decls, [A("2", "Contract variation: Newgate Medical Group")], area={"52R"}) == {
        ("2", "M2"): "exclude"
    }


# ------------------------------------------------------------------ 4. slash abbreviations of address lines
def test_building_written_with_slash_abbreviations(nat):
    # N83024 PARK HOUSE MEDICAL CENTRE is in "PRESCOT P/CARE RES CTR" (01J): P/CARE is primary care, on the
    # register's side and the agenda's alike, whichever way it is written
    decls = [I("M1", "GP partner – practice code N83024")]
    for written in ("Prescot P/care Res Ctr", "PRESCOT P / CARE RES CTR", "Prescot Primary Care Res Centre"):
        got = flags(nat, decls, [A("1", f"List closure application at {written}")], area={"01J"})
        assert got == {("1", "M1"): "exclude"}, written


# ------------------------------------------------------------------ 5. a word left out, exact names elsewhere
def test_word_left_out_when_the_exact_name_is_a_practice_elsewhere(nat):
    # E84684 THE TUDOR HOUSE MEDICAL CENTRE (W2U3Z); TUDOR MEDICAL CENTRE practices exist in other ICBs only
    decls = [I("M1", "GP partner – practice code E84684")]
    got = flags(nat, decls, [A("1", "Boundary change: The Tudor Medical Centre")], area={"W2U3Z"})
    assert got == {("1", "M1"): "exclude"}


def test_word_left_out_stands_beside_a_typo_of_a_name_elsewhere(nat):
    # F81057 WHITLEY HOUSE SURGERY (06Q); "Whitley Surgery" is also one letter from WHITLEY/WHITLEY BAY names in
    # other ICBs: a typo elsewhere is no closer than the word left out, and the committee's area tells them apart
    decls = [I("M1", "GP partner – practice code F81057")]
    item = A("1", "Contract variation: Whitley Surgery")
    assert flags(nat, decls, [item], area={"06Q"}) == {("1", "M1"): "exclude"}


def test_word_left_out_with_the_type_words_written_over_a_name_with_other_type_words(nat):
    # 06Q has F81665 CHELMER VILLAGE SURGERY and F81122 CHELMER MEDICAL PARTNERSHIP: "Chelmer Surgery" keeps the
    # type word written, so it is the village surgery; where an official name with every word written agrees too
    # ("Riverside medical practices"), that name is meant (A81629 RIVERSIDE MEDICAL PRACTICE, 16C)
    assert nat.practices["F81122"].rec.commissioner == "06Q"
    decls = [I("M1", "GP partner – practice code F81665"), I("M2", "GP partner – practice code F81122")]
    got = flags(nat, decls, [A("1", "Contract variation: Chelmer Surgery")], area={"06Q"})
    assert got == {("1", "M1"): "exclude"}
    decls = [I("M1", "GP partner – practice code A81629")]
    item = A("1", "Proposed merger of the Whinfield and Riverside medical practices")
    assert flags(nat, decls, [item], area={"16C"}) == {("1", "M1"): "exclude"}


def test_word_left_out_does_not_outweigh_a_building_named_exactly(nat):
    # RAVENSTHORPE HEALTH CTR houses B85650 DR MAHMOOD & PARTNERS; B85009 is named "NORTH ROAD SUITE,RAVENSTHORPE
    # HEALTH CTR", in the same building: the building's name reaches the practices housed there
    decls = [I("M1", "Partner, practice code B85650")]
    got = flags(nat, decls, [A("1", "Contract variation at Ravensthorpe Health Ctr")], area={"X2C4Y"})
    assert got == {("1", "M1"): "exclude"}


# ------------------------------------------------------------------ 7. two practices joined by 'and'
def test_each_of_two_joined_names_keeps_its_own_words_and_place(nat):
    # E85045 TWICKENHAM PARK MEDICAL CENTRE and E85658 HOLLY ROAD MEDICAL CENTRE (W2U3Z): "Twickenham" before
    # "Holly Road" is the other practice's name, not where Holly Road is (H84007 is on a Holly Road in Twickenham)
    decls = [I("M1", "GP partner – practice code E85658"), I("M2", "GP partner – practice code E85045")]
    items = [A("1", "Proposed merger of the Twickenham Park and Holly Road medical centres")]
    assert flags(nat, decls, items, area={"W2U3Z"}) == {("1", "M1"): "exclude", ("1", "M2"): "exclude"}
    # L83655 WONFORD GREEN SURGERY and L83646 ST. LEVAN SURGERY (15N): no "Green St" across the 'and'
    decls = [I("M1", "GP partner – practice code L83655"), I("M2", "GP partner – practice code L83646")]
    items = [A("2", "Proposed merger of the Wonford Green and St. Levan surgeries")]
    assert flags(nat, decls, items, area={"15N"}) == {("2", "M1"): "exclude", ("2", "M2"): "exclude"}


# ------------------------------------------------------------------ companies and charities (causes 1, 3, 10)
@pytest.mark.parametrize(
    "declared, item",
    [
        ("Director, Med Hub 4 U Ltd", "Phlebotomy contract award to MedHub4U"),  # short words run together
        ("Director of MedHub4U Ltd", "Phlebotomy contract: Med Hub 4 U Ltd"),
        ("Trustee of Dartford Carers Centre", "Carers support grant to Dartford Carers Centre"),  # no suffix
        ("Trustee, Citizens Advice (Medway)", "Social prescribing grant: Citizens Advice Medway"),  # a bracket
        ("Board member, Sevenoaks Federation of GPs", "Extended access contract: Sevenoaks GP Federation"),
        ("Shareholder in Sevenoaks GP Federation", "Award to the Sevenoaks Federation of GPs"),  # reordered
    ],
)
def test_organisation_names_written_differently(nat, declared, item):
    # (a trustee's role is declared; a director's or a shareholder's is an exclusion)
    action = "declare" if declared.startswith("Trustee") else "exclude"
    assert flags(nat, [I("M1", declared)], [A("1", item)]) == {("1", "M1"): action}


@pytest.mark.parametrize(
    "declared, item",
    [
        ("Trustee, Citizens Advice (Medway)", "Social prescribing grant: Citizens Advice Bexley"),
        ("Trustee of Dartford Carers Centre", "Carers support grant to Gravesham Carers Centre"),
        ("Board member, Sevenoaks GP Federation", "Extended access contract: Dartford GP Federation"),
        ("Director, Med Hub 4 U Ltd", "Phlebotomy contract award to MedHub2U"),
    ],
)
def test_organisations_of_other_places_or_words_are_not_matched(nat, declared, item):
    assert flags(nat, [I("M1", declared)], [A("1", item)]) == {}


# ------------------------------------------------------------------ 14. a scheme's name is not a provider
def test_scheme_name_is_not_a_practice_or_a_company(nat):
    # M85033 THE MANOR PRACTICE ("Manor", one slip from "Minor") and Y00054 THE HOMELESS HEALTHCARE TEAM are practices; the
    # items are about schemes of those names
    area = nat.practices["M85033"].rec.commissioner
    decls = [I("M1", "GP partner – practice code M85033"), I("M2", "Director, Care Home Support Ltd")]
    items = [A("1", "Minor Surgery Scheme 2026/27"), A("2", "Care Home Scheme: enhanced support")]
    assert flags(nat, decls, items, area={area}) == {}
    area = nat.practices["Y00054"].rec.commissioner
    decls = [I("M1", "GP partner – practice code Y00054")]
    assert flags(nat, decls, [A("3", "Homeless Health Scheme: specification review")], area={area}) == {}
    # the provider itself is still found
    assert flags(nat, decls, [A("4", "Contract variation – practice Y00054")], area={area}) == {("4", "M1"): "exclude"}


# ------------------------------------------------------------------ one-word names in a declaration
@pytest.mark.parametrize(
    "code, declared",
    [
        ("W94011", "Director of Treflan"),  # TREFLAN: its whole official name, after "of"
        ("W94011", "Salaried GP at Treflan on Lower Cardiff Road"),  # a street phrase after it
        ("B87020", "Salaried GP at Chapelthorpe on Standbridge Lane"),
    ],
)
def test_one_word_practice_name_with_a_phrase_around_it(nat, code, declared):
    area = nat.practices[code].rec.commissioner
    item = A("1", f"Contract variation – practice {code}")
    assert flags(nat, [I("M1", declared)], [item], area={area}) == {("1", "M1"): "exclude"}


def test_word_left_out_after_a_place_name(nat):
    # E85657 EALING PARK HEALTH CENTRE (W2U3Z): "Ealing" is a place, but with the practice's own type words and
    # no practice or building of that exact name, the words in order name the one practice of the area they fit
    decls = [I("M1", "GP partner – practice code E85657")]
    got = flags(nat, decls, [A("1", "Contract variation: Ealing Health Centre")], area={"W2U3Z"})
    assert got == {("1", "M1"): "exclude"}


def test_practice_named_after_the_building_it_shares(nat):
    # C82120 WHITWICK HEALTH CENTRE and C82052 DR AM LEWIS' PRACTICE are both in Whitwick Health Centre (04V,
    # one postcode): the words name the building, and so both practices in it
    assert nat.practices["C82120"].rec.postcode == nat.practices["C82052"].rec.postcode
    decls = [I("M1", "GP partner – practice code C82120"), I("M2", "GP partner – practice code C82052")]
    got = flags(nat, decls, [A("1", "Remedial notice at Whitwick Health Centre")], area={"04V"})
    assert got == {("1", "M1"): "exclude", ("1", "M2"): "exclude"}


@pytest.mark.parametrize("written", ["Contract variation at Corbrook", "GP partner at the practice in Corbrook"])
def test_building_of_one_word_after_at_or_in(nat, written):
    # N82050 GATEACRE MEDICAL CENTRE is in CORBROOK (99A), the one building of that name in its area
    decls = [I("M1", "GP partner – practice code N82050")]
    assert flags(nat, decls, [A("1", written)], area={"99A"}) == {("1", "M1"): "exclude"}
    # in a sentence, after other words, it is not the building
    assert flags(nat, decls, [A("2", "Review of Corbrook ward staffing")], area={"99A"}) == {}


def test_joined_names_sharing_a_type_word_reach_the_building_too(nat):
    # E84069 BELMONT HEALTH CENTRE is in the Belmont Health Centre building with E84004 (W2U3Z, one postcode)
    assert nat.practices["E84069"].rec.postcode == nat.practices["E84004"].rec.postcode
    decls = [I("M1", "GP partner – practice code E84069"), I("M2", "GP partner – practice code E84004")]
    items = [A("1", "Proposed merger of the Belmont and Colville health centres")]
    got = flags(nat, decls, items, area={"W2U3Z"})
    assert got == {("1", "M1"): "exclude", ("1", "M2"): "exclude"}


def test_word_left_out_in_the_committees_area_over_the_full_name_elsewhere(nat):
    # 03L has C87608 SHAKESPEARE ROAD SURGERY; P92653 SHAKESPEARE SURGERY is in Greater Manchester. On a 03L agenda
    # "Shakespeare Surgery" is the one in the area
    assert nat.practices["C87608"].rec.commissioner == "03L"
    assert nat.practices["P92653"].rec.commissioner != "03L"
    decls = [I("M1", "GP partner – practice code C87608"), I("M2", "GP partner – practice code P92653")]
    item = A("1", "Premises improvement grant: Shakespeare Surgery")
    assert flags(nat, decls, [item], area={"03L"}) == {("1", "M1"): "exclude"}
    # P92653 is dormant: with no area it still gives way to the operating practice
    assert nat.dormant("P92653")
    assert flags(nat, decls, [item]) == {("1", "M1"): "exclude"}


def test_word_left_out_in_the_area_and_the_full_name_with_no_area(nat):
    # ELM TREE SURGERY (A81608, 16C) and ELM SURGERY (L83019, 15N), both operating: on a 16C agenda "Elm Surgery"
    # is the one in the area, and with no area the name written in full
    decls = [I("M1", "GP partner – practice code A81608"), I("M2", "GP partner – practice code L83019")]
    item = A("1", "Premises improvement grant: Elm Surgery")
    assert flags(nat, decls, [item], area={"16C"}) == {("1", "M1"): "exclude"}
    assert flags(nat, decls, [item]) == {("1", "M2"): "exclude"}


def test_one_word_run_together_from_a_street_does_not_block_a_word_left_out(nat):
    # "Forest" is FORE ST run together; on a 04V agenda "Forest Surgery" is C82064 FOREST HOUSE SURGERY (Shepshed)
    assert nat.practices["C82064"].rec.commissioner == "04V"
    decls = [I("M1", "GP partner – practice code C82064")]
    item = A("1", "List closure application: Forest Surgery")
    assert flags(nat, decls, [item], area={"04V"}) == {("1", "M1"): "exclude"}


@pytest.mark.parametrize(
    "code, area, written",
    [
        ("F82003", "A3A8R", "Dr M Fateh's list closure"),  # DR M FATEH'S PRACTICE, initials as the practice's
        ("F82003", "A3A8R", "Dr Fateh’s branch closure"),  # no initials, a typographic apostrophe
        ("P84637", "14L", "Dr Khan's boundary change"),  # DR KHAN'S PRACTICE; DR KHAN & PARTNERS is in Essex
    ],
)
def test_doctors_name_in_the_possessive_names_the_practice_of_the_area(nat, code, area, written):
    assert nat.practices[code].rec.commissioner == area
    decls = [I("M1", f"GP partner – practice code {code}")]
    assert flags(nat, decls, [A("1", written)], area={area}) == {("1", "M1"): "exclude"}


def test_doctors_name_alone_other_initials_or_no_possessive_names_no_practice(nat):
    decls = [I("M1", "GP partner – practice code F82003"), I("M2", "GP partner – practice code P84637")]
    items = [A("1", "Dr K Fateh's list closure"), A("2", "Dr Khan presented the prescribing report")]
    assert flags(nat, decls, items, area={"A3A8R", "14L"}) == {}


def test_practice_named_after_a_place_whose_open_practices_are_its_own(nat):
    # GRIMETHORPE SURGERY (C85018, 02P): the place Grimethorpe is known from CAXTON HOUSE SURGERY's address, which
    # is closed; read as the place or as the practice, "Grimethorpe" names the same open practice
    assert nat.practices["C85018"].rec.commissioner == "02P"
    decls = [I("M1", "GP partner – practice code C85018")]
    assert flags(nat, decls, [A("1", "Grimethorpe boundary change")], area={"02P"}) == {("1", "M1"): "exclude"}


def test_same_words_with_other_type_words_in_the_area_over_the_name_elsewhere(nat):
    # "Park View" is the whole name of N82670 PARK VIEW (Liverpool) and PARK VIEW SURGERY's without its type word
    # (B81619, Hessle, 02Y): on a 02Y agenda it is the Hessle practice
    assert nat.practices["B81619"].rec.commissioner == "02Y"
    decls = [I("M1", "GP partner – practice code B81619"), I("M2", "GP partner – practice code N82670")]
    item = A("1", "Park View premises grant")
    assert flags(nat, decls, [item], area={"02Y"}) == {("1", "M1"): "exclude"}
    # N82670 is dormant: with no area it gives way to the operating practice
    assert nat.dormant("N82670")
    assert flags(nat, decls, [item]) == {("1", "M1"): "exclude"}


@pytest.mark.parametrize(
    "code, written",
    [
        # on a 42D agenda: B82027 THE SPA SURGERY has every word written; B82010 RIPON SPA SURGERY, in the same
        # area, fits only with a word left out
        ("B82027", "Proposed merger of the Kingswood&Spa surgeries"),
        # D81606 RIVERPORT MEDICAL PRACTICE is in the building THE ORCHARD SURGERY: written word for word, the
        # building agrees with the type words as much as a practice's name with a word left out would
        ("D81606", "Boundary change at The Orchard Surgery"),
    ],
)
def test_every_word_written_over_a_word_left_out_in_the_area(nat, code, written):
    area = nat.practices[code].rec.commissioner
    decls = [I("M1", f"GP partner – practice code {code}")]
    assert flags(nat, decls, [A("1", written)], area={area}) == {("1", "M1"): "exclude"}


@pytest.mark.parametrize(
    "code, area, written",
    [
        ("F86086", "A3A8R", "Dr Dhital boundary change"),  # DR DHITAL PRACTICE, the subject of a title
        ("Y00347", "00X", "Dr R Baghdjian: boundary change"),  # DR R BAGHDJIAN SURGERY, initials as the practice's
        ("F82663", "A3A8R", "Dr Marks premises grant"),  # DR MARKS PRACTICE, not a slip for MARK STREET SURGERY
        ("N83030", "01J", "Dr M Suares' premises grant"),  # DR M SUARES' PRACTICE, the possessive of a name in s
    ],
)
def test_doctors_name_as_a_titles_subject_names_the_practice_of_the_area(nat, code, area, written):
    assert nat.practices[code].rec.commissioner == area
    decls = [I("M1", f"GP partner – practice code {code}")]
    assert flags(nat, decls, [A("1", written)], area={area}) == {("1", "M1"): "exclude"}


def test_doctors_name_opening_a_sentence_names_no_practice(nat):
    decls = [I("M1", "GP partner – practice code F86086")]
    items = [A("1", "Dr Dhital to present the prescribing report"), A("2", "Dr Dhital has been appointed")]
    assert flags(nat, decls, items, area={"A3A8R"}) == {}


def test_place_name_of_two_words_as_a_titles_subject_names_its_one_practice(nat):
    # EMPEROR'S GATE SURGERY (E87043, W2U3Z) and FRIERN BARNET MEDICAL CENTRE (E83045, 93C) are named after places
    # of their areas; written without the type word as a title's subject, each is the one practice of that name
    decls = [I("M1", "GP partner – practice code E87043"), I("M2", "GP partner – practice code E83045")]
    items = [A("1", "Emperor's Gate list closure"), A("2", "Friern Barnet boundary change")]
    assert flags(nat, decls, items, area={"W2U3Z", "93C"}) == {("1", "M1"): "exclude", ("2", "M2"): "exclude"}


def test_type_words_cut_short_agree_over_a_building_without_them(nat):
    # "Sherwood Medical" is SHERWOOD MEDICAL PARTNERSHIP (C84059), not the building SHERWOOD HEALTH CENTRE where
    # C84011 is, in the same area (52R)
    assert nat.practices["C84011"].rec.commissioner == nat.practices["C84059"].rec.commissioner == "52R"
    decls = [I("M1", "GP partner – practice code C84059"), I("M2", "GP partner – practice code C84011")]
    assert flags(nat, decls, [A("1", "Sherwood Medical premises grant")], area={"52R"}) == {("1", "M1"): "exclude"}


def test_dormant_practice_of_the_whole_name_gives_way_to_an_open_one_with_a_word_left_out(nat):
    # WETHERBY SURGERY (B86625) is dormant; "Wetherby Surgery" on its area's agenda is WETHERBY & BRAMHAM SURGERY
    assert nat.dormant("B86625") and not nat.dormant("B86673")
    area = nat.practices["B86673"].rec.commissioner
    decls = [I("M1", "GP partner – practice code B86673")]
    assert flags(nat, decls, [A("1", "Boundary change: Wetherby Surgery")], area={area}) == {("1", "M1"): "exclude"}


@pytest.mark.parametrize(
    "code, area, written",
    [
        ("D81042", "06H", "Branch closure: Waterbeach Surgeries"),  # WATERBEACH AND COTTENHAM SURGERIES
        ("D83002", "26A", "Contract variation: Alexandra Surgeries"),  # ALEXANDRA & CRESTVIEW SURGERIES
    ],
)
def test_practices_own_plural_type_word_with_a_place_left_out(nat, code, area, written):
    assert nat.practices[code].rec.commissioner == area
    decls = [I("M1", f"GP partner – practice code {code}")]
    assert flags(nat, decls, [A("1", written)], area={area}) == {("1", "M1"): "exclude"}


def test_street_of_common_words_names_the_one_building_on_it_in_the_area(nat):
    # "the North Road surgery" on a 14L agenda: CLAYTON HEALTH CENTRE, 89 NORTH ROAD, holds P84637, P84032 and
    # P84051; on another area's agenda it names none of them
    decls = [I("M1", "GP partner – practice code P84637"), I("M2", "GP partner – practice code P84032")]
    item = A("1", "Car park lease at the North Road surgery")
    assert flags(nat, decls, [item], area={"14L"}) == {("1", "M1"): "exclude", ("1", "M2"): "exclude"}
    assert flags(nat, decls, [item], area={"16C"}) == {}
    spouse = [I("M3", "My husband is a partner at the New Road surgery")]
    assert nat.practices["J84016"].rec.commissioner == "D9Y0V"
    member = [I("M4", "GP partner – practice code J84016")]
    assert flags(nat, member, [A("2", "Car park lease at the New Road surgery")], area={"D9Y0V"}) == {
        ("2", "M4"): "exclude"
    }
    assert flags(nat, spouse, [A("3", "Contract variation – J84016")], area={"D9Y0V"}) == {("3", "M3"): "exclude"}


def test_high_streets_of_two_towns_in_one_area_name_neither(nat):
    # 03K: WEST TOWN SURGERY on Barton-upon-Humber's High Street, SOUTH AXHOLME PRACTICE on Epworth's
    decls = [I("M1", "GP partner – practice code B81647"), I("M2", "GP partner – practice code B81043")]
    assert flags(nat, decls, [A("1", "Car park lease at the High Street surgery")], area={"03K"}) == {}


def test_building_named_in_common_words_only_names_its_practices_in_the_area(nat):
    # Oldham's INTEGRATED CARE CENTRE (00Y) holds P85003 and P85601 among others: named word for word, the one
    # building of that name in the committee's area; on another area's agenda, none
    decls = [I("M1", "GP partner – practice code P85003"), I("M2", "GP partner – practice code P85601")]
    item = A("1", "Boundary change at Integrated Care Centre")
    assert flags(nat, decls, [item], area={"00Y"}) == {("1", "M1"): "exclude", ("1", "M2"): "exclude"}
    assert flags(nat, decls, [item], area={"14L"}) == {}
    assert flags(nat, decls, [A("2", "an integrated care centre for the town")], area={"00Y"}) == {}


def test_building_with_a_stop_word_in_its_name_is_read_whole(nat):
    # LIGHTWATER SURGERY (H81130, D4U1Y) is in ALL SAINTS HOUSE: "All" opens no run of a name, so only the whole
    # building name reads it
    assert nat.practices["H81130"].rec.commissioner == "D4U1Y"
    decls = [I("M1", "GP partner – practice code H81130")]
    item = A("1", "Premises improvement grant at All Saints House")
    assert flags(nat, decls, [item], area={"D4U1Y"}) == {("1", "M1"): "exclude"}
