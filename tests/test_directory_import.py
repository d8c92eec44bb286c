"""Importing NHS Digital's files: as published, idempotent, and tolerant of bad rows."""

import csv

from click.testing import CliRunner
from sqlmodel import func, select

from coi.cli import cli
from coi.database import engine
from registry.db import session_scope
from registry.models import Organisation
from registry.services.directory import import_directory


def _epraccur_row(code, name, line1, town, postcode, commissioner, status="A", close="", setting="4"):
    row = [""] * 27
    row[0], row[1], row[2], row[3] = code, name, "Y56", "QWE"
    row[4], row[6], row[9] = line1, town, postcode
    row[10], row[11], row[12], row[13], row[14] = "19740401", close, status, "B", commissioner
    row[25] = setting
    return row


def write_epraccur(path, rows):
    with open(path, "w", encoding="latin-1", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)


PCN_HEADER = [
    "PUBLICATION",
    "EXTRACT_DATE",
    "PRACTICE_CODE",
    "PRACTICE_NAME",
    "PRACTICE_POSTCODE",
    "PCN_CODE",
    "PCN_NAME",
    "ONS_CCG_CODE",
    "CCG_CODE",
    "CCG_NAME",
    "ONS_STP_CODE",
    "STP_CODE",
    "STP_NAME",
    "ONS_COMM_REGION_CODE",
    "COMM_REGION_CODE",
    "COMM_REGION_NAME",
]


def write_pcn_map(path, rows, header=PCN_HEADER):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for practice, pcn_code, pcn_name in rows:
            w.writerow(
                [
                    "GP_PRAC_PAT_LIST",
                    "01Jan2022",
                    practice,
                    "",
                    "",
                    pcn_code,
                    pcn_name,
                    "E38000245",
                    "36L",
                    "NHS South West London CCG",
                    "",
                    "QWE",
                    "",
                    "",
                    "Y56",
                    "London",
                ]
            )


def _files(tmp_path):
    rows = [
        _epraccur_row(
            "H83001", "PORTLAND MEDICAL CENTRE", "PORTLAND MEDICAL CENTRE", "SOUTH NORWOOD", "SE25 4QB", "36L"
        ),
        _epraccur_row("H83004", "FARLEY ROAD MEDICAL PRACTICE", "53 FARLEY ROAD", "SOUTH CROYDON", "CR2 7NG", "36L"),
        _epraccur_row(
            "H83025", "OLD PRACTICE", "1 HIGH STREET", "CROYDON", "CR0 1AA", "36L", status="C", close="20190331"
        ),
    ]
    epraccur = tmp_path / "epraccur.csv"
    write_epraccur(epraccur, rows)
    pcn_map = tmp_path / "pcn_map.csv"
    write_pcn_map(
        pcn_map, [("H83001", "U85744", "PRIMARY CARE NORTH CROYDON PCN"), ("H83004", "U30526", "MAYDAY SOUTH PCN")]
    )
    return epraccur, pcn_map, rows


def test_import_is_idempotent_and_keeps_closed_practices(app, tmp_path):
    epraccur, pcn_map, _ = _files(tmp_path)
    with app.app_context():
        with session_scope(engine()) as s:
            first = import_directory(s, epraccur, pcn_map)
        with session_scope(engine()) as s:
            second = import_directory(s, epraccur, pcn_map)
            count = s.exec(select(func.count()).select_from(Organisation)).one()
            closed = s.exec(select(Organisation).where(Organisation.ods_code == "H83025")).one()
            portland = s.exec(select(Organisation).where(Organisation.ods_code == "H83001")).one()
            pcn = s.get(Organisation, portland.pcn_id)
            commissioner = s.get(Organisation, portland.commissioner_id)
    assert (first.created, second.created, second.unchanged) == (3, 0, 3)
    assert count == 3 + 2 + 1  # practices, PCNs, the commissioner
    assert closed.close_date.isoformat() == "2019-03-31" and closed.status == "C"
    assert pcn.name == "PRIMARY CARE NORTH CROYDON PCN" and pcn.kind == "pcn"
    assert commissioner.ods_code == "36L" and commissioner.name == "NHS South West London CCG"


def test_reimport_updates_changed_rows(app, tmp_path):
    epraccur, pcn_map, rows = _files(tmp_path)
    with app.app_context():
        with session_scope(engine()) as s:
            import_directory(s, epraccur, pcn_map)
        rows[1][1] = "FARLEY ROAD SURGERY"
        write_epraccur(epraccur, rows)
        with session_scope(engine()) as s:
            summary = import_directory(s, epraccur, pcn_map)
            farley = s.exec(select(Organisation).where(Organisation.ods_code == "H83004")).one()
    assert summary.updated == 1 and farley.name == "FARLEY ROAD SURGERY"


def test_malformed_row_is_reported_and_the_rest_loads(app, tmp_path):
    epraccur, pcn_map, rows = _files(tmp_path)
    with open(epraccur, "a", encoding="latin-1") as f:
        f.write('"H83999","TOO FEW COLUMNS"\n')
    result = CliRunner().invoke(
        cli, ["import-directory", str(epraccur), "--pcn-map", str(pcn_map)], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    assert "epraccur.csv, row 4" in result.output
    assert "3 new" in result.output


def test_missing_file_is_a_clear_error(app, tmp_path):
    result = CliRunner().invoke(cli, ["import-directory", str(tmp_path / "nope.csv")], obj=_script_info(app))
    assert result.exit_code == 2
    assert "nope.csv" in result.output


def test_sub_icb_column_names_are_accepted(app, tmp_path):
    epraccur, _, _ = _files(tmp_path)
    header = [
        h.replace("CCG_CODE", "SUB_ICB_LOCATION_CODE").replace("CCG_NAME", "SUB_ICB_LOCATION_NAME") for h in PCN_HEADER
    ]
    pcn_map = tmp_path / "later.csv"
    write_pcn_map(pcn_map, [("H83001", "U85744", "PRIMARY CARE NORTH CROYDON PCN")], header=header)
    with app.app_context(), session_scope(engine()) as s:
        summary = import_directory(s, epraccur, pcn_map)
    assert summary.linked_to_pcn == 1 and not summary.problems


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_unknown_status_code_is_a_row_error_and_the_row_is_not_loaded(app, tmp_path):
    epraccur, pcn_map, rows = _files(tmp_path)
    rows.append(_epraccur_row("H83050", "NEW ROAD SURGERY", "2 NEW ROAD", "CROYDON", "CR0 2BB", "36L", status="Z"))
    write_epraccur(epraccur, rows)
    with app.app_context(), session_scope(engine()) as s:
        summary = import_directory(s, epraccur, pcn_map)
        loaded = s.exec(select(Organisation).where(Organisation.ods_code == "H83050")).first()
    assert loaded is None
    assert summary.created == 3 and summary.rows_read == 3
    assert [str(p) for p in summary.problems] == [
        "epraccur.csv, row 4, column \"Status Code\": unknown status code 'Z' (expected A active, C closed, "
        "D dormant or P proposed); row not loaded"
    ]

    result = CliRunner().invoke(
        cli, ["import-directory", str(epraccur), "--pcn-map", str(pcn_map)], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    assert "1 rows could not be loaded" in result.output
    assert "epraccur.csv, row 4, column Status Code: unknown status code 'Z'" in result.output


def test_pcn_map_row_for_an_unknown_practice_is_a_warning_and_invents_no_membership(app, tmp_path):
    epraccur, _, _ = _files(tmp_path)
    pcn_map = tmp_path / "pcn_map.csv"
    write_pcn_map(
        pcn_map,
        [
            ("H83001", "U85744", "PRIMARY CARE NORTH CROYDON PCN"),
            ("Y99999", "U85744", "PRIMARY CARE NORTH CROYDON PCN"),  # unknown, known PCN
            ("Y88888", "U00001", "GHOST PCN"),
        ],
    )  # unknown practice, PCN with nobody known
    with app.app_context(), session_scope(engine()) as s:
        summary = import_directory(s, epraccur, pcn_map)
        codes = set(s.exec(select(Organisation.ods_code)))
        portland = s.exec(select(Organisation).where(Organisation.ods_code == "H83001")).one()
        pcn = s.exec(select(Organisation).where(Organisation.ods_code == "U85744")).one()
        members = s.exec(select(func.count()).select_from(Organisation).where(Organisation.pcn_id == pcn.id)).one()
    assert not summary.problems
    assert [str(w) for w in summary.warnings] == [
        'pcn_map.csv, row 3, column "PRACTICE_CODE": practice Y99999 is not in the directory (not in epraccur.csv '
        "or not loaded from it), so it was not linked to U85744",
        'pcn_map.csv, row 4, column "PRACTICE_CODE": practice Y88888 is not in the directory (not in epraccur.csv '
        "or not loaded from it), so it was not linked to U00001",
    ]
    assert "Y99999" not in codes and "Y88888" not in codes
    assert "U00001" not in codes  # no PCN made up of practices nobody knows
    assert portland.pcn_id == pcn.id and members == 1
    assert summary.pcns == 1 and summary.linked_to_pcn == 1

    result = CliRunner().invoke(
        cli, ["import-directory", str(epraccur), "--pcn-map", str(pcn_map)], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    assert "2 warnings:" in result.output
    assert "Warning: pcn_map.csv, row 3, column PRACTICE_CODE: practice Y99999 is not in the directory" in result.output


def test_pcn_map_links_a_practice_already_in_the_directory(app, tmp_path):
    epraccur, _, rows = _files(tmp_path)
    with app.app_context(), session_scope(engine()) as s:
        import_directory(s, epraccur)
    write_epraccur(epraccur, rows[:1])  # a later, smaller file: Farley Road is known from the first one
    pcn_map = tmp_path / "pcn_map.csv"
    write_pcn_map(pcn_map, [("H83004", "U30526", "MAYDAY SOUTH PCN")])
    with app.app_context(), session_scope(engine()) as s:
        summary = import_directory(s, epraccur, pcn_map)
        farley = s.exec(select(Organisation).where(Organisation.ods_code == "H83004")).one()
        pcn = s.get(Organisation, farley.pcn_id)
    assert not summary.warnings and pcn.name == "MAYDAY SOUTH PCN" and summary.linked_to_pcn == 1
