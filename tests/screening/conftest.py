"""A small directory of real Manchester / Burnley / Derbyshire practices (NHS Digital epraccur, OGL), built here so
the unit tests need nothing from outside the repository. None of these practices is in the dev sets' agendas."""

import pytest

from screening import Directory, PcnMapRow
from tests.screening.records import practice


def _p(code, name, icb, lines, postcode, comm):
    return practice(code, name, "Y62", icb, lines, postcode, comm)


PRACTICES = [
    _p(
        "P84005", "VALLANCE MEDICAL", "QOP", ["THE VALLANCE CENTRE", "BRUNSWICK STREET", "MANCHESTER"], "M13 9UJ", "14L"
    ),
    _p(
        "P84009",
        "AILSA CRAIG MEDICAL CENTRE",
        "QOP",
        ["AILSA CRAIG MEDICAL GROUP", "270 DICKENSON ROAD", "LONGSIGHT", "MANCHESTER"],
        "M13 0YL",
        "14L",
    ),
    _p(
        "P84010",
        "THE BORCHARDT MEDICAL CENTRE",
        "QOP",
        ["THE BORCHARDT MEDICAL CTR", "62 WHITCHURCH ROAD", "WITHINGTON", "MANCHESTER"],
        "M20 1EB",
        "14L",
    ),
    _p(
        "P84012",
        "NORTHENDEN GROUP PRACTICE",
        "QOP",
        ["THE NORTHENDEN GROUP PRAC", "489 PALATINE ROAD", "NORTHENDEN", "MANCHESTER"],
        "M22 4DH",
        "14L",
    ),
    _p(
        "P84017",
        "LADYBARN GROUP PRACTICE",
        "QOP",
        ["LADYBARN GROUP PRACTICE", "54 BRIARFIELD ROAD", "WITHINGTON", "MANCHESTER"],
        "M20 4SS",
        "14L",
    ),
    _p(
        "P84035",
        "BODEY MEDICAL CENTRE",
        "QOP",
        ["BODEY MEDICAL CENTRE", "28 LADYBARN LANE", "FALLOWFIELD", "MANCHESTER"],
        "M14 6WP",
        "14L",
    ),
    _p(
        "P84644",
        "PARKSIDE SURGERY",
        "QOP",
        ["PARKSIDE SURGERY", "187 NORTHMOOR ROAD", "LONGSIGHT", "MANCHESTER"],
        "M12 5RU",
        "14L",
    ),
    _p(
        "P81047",
        "PARKSIDE SURGERY",
        "QE1",
        ["PARKSIDE SURGERY", "PRESTIGE PK, COLNE RD", "BURNLEY", "LANCASHIRE"],
        "BB11 1PS",
        "01A",
    ),
]
PCN = [
    PcnMapRow(
        "P84005", "THE VALLANCE CENTRE", "M13 9UJ", "U07506", "ARDWICK AND LONGSIGHT PCN", "14L", "NHS Manchester CCG"
    ),
    PcnMapRow(
        "P84009",
        "AILSA CRAIG MEDICAL CENTRE",
        "M13 0YL",
        "U07506",
        "ARDWICK AND LONGSIGHT PCN",
        "14L",
        "NHS Manchester CCG",
    ),
    PcnMapRow(
        "P84644", "PARKSIDE SURGERY", "M12 5RU", "U07506", "ARDWICK AND LONGSIGHT PCN", "14L", "NHS Manchester CCG"
    ),
    PcnMapRow(
        "P84010",
        "THE BORCHARDT MEDICAL CENTRE",
        "M20 1EB",
        "U65853",
        "WITHINGTON & FALLOWFIELD PCN",
        "14L",
        "NHS Manchester CCG",
    ),
    PcnMapRow(
        "P84017",
        "LADYBARN GROUP PRACTICE",
        "M20 4SS",
        "U65853",
        "WITHINGTON & FALLOWFIELD PCN",
        "14L",
        "NHS Manchester CCG",
    ),
    PcnMapRow(
        "P84035",
        "BODEY MEDICAL CENTRE",
        "M14 6WP",
        "U65853",
        "WITHINGTON & FALLOWFIELD PCN",
        "14L",
        "NHS Manchester CCG",
    ),
    PcnMapRow(
        "P84012",
        "NORTHENDEN GROUP PRACTICE",
        "M22 4DH",
        "U58188",
        "NORTHENDEN & BROOKLANDS (WYTHENSHAWE) PCN",
        "14L",
        "NHS Manchester CCG",
    ),
    PcnMapRow("P81047", "PARKSIDE SURGERY", "BB11 1PS", "U12345", "BURNLEY EAST PCN", "01A", "NHS East Lancashire CCG"),
]


@pytest.fixture(scope="session")
def directory():
    return Directory.from_records(PRACTICES, PCN)


from tests.screening.national import nat  # noqa: E402,F401 - the national directory fixture, for the naming-rule tests
