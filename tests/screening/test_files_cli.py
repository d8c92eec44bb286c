import io
import json
import os
import subprocess
import sys

import pytest

from screening import InputFileError, read_agenda_csv, read_epraccur, read_pcn_map, read_register_csv
from screening.cli import run_screen

REG = (
    "member_id,name,position,interest_type,description,date_from,date_to,extra\n"
    'M1,Dr A,GP Member,financial,"Partner, Bodey Medical Centre",2015-01-01,,x\n'
    "M2,B,Lay Member,,Nil return,,,\n"
)
AGENDA = (
    "item_id,title,description,meeting_date\n"
    "1,Apologies,,2025-05-01\n"
    "2,Bodey Medical Centre: premises grant,,2025-05-01\n"
)
EPRACCUR = (
    '"P84035","BODEY MEDICAL CENTRE","Y62","QOP","BODEY MEDICAL CENTRE","28 LADYBARN LANE","FALLOWFIELD",'
    '"MANCHESTER","","M14 6WP","19740401","","A","B","14L","20170401","","0161 2481234","","","","0","","14L",'
    '"","4",""\n'
)
PCNMAP = (
    "PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,SUB_ICB_LOCATION_CODE,"
    "SUB_ICB_LOCATION_NAME\nP84035,BODEY MEDICAL CENTRE,M14 6WP,U65853,WITHINGTON & FALLOWFIELD PCN,14L,"
    "NHS Greater Manchester ICB - 14L\n"
)


def write(tmp_path, name, text, enc="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(enc) if isinstance(text, str) else text)
    return str(p)


@pytest.fixture
def files(tmp_path):
    org = tmp_path / "orgs"
    org.mkdir()
    write(org, "epraccur.csv", EPRACCUR, "latin-1")
    write(org, "pcn_map.csv", PCNMAP)
    return write(tmp_path, "register.csv", REG), write(tmp_path, "agenda.csv", AGENDA), str(org)


def test_readers(files):
    reg, ag, org = files
    ints = read_register_csv(reg)
    assert [i.member_id for i in ints] == ["M1", "M2"] and ints[1].interest_type == ""
    assert ints[0].date_from.isoformat() == "2015-01-01" and ints[0].interest_id == "1"
    items = read_agenda_csv(ag)
    assert items[1].title.startswith("Bodey") and items[1].meeting_date.isoformat() == "2025-05-01"
    recs, probs = read_epraccur(os.path.join(org, "epraccur.csv"))
    assert recs[0].code == "P84035" and recs[0].address_lines[0] == "BODEY MEDICAL CENTRE" and not probs
    rows, probs = read_pcn_map(os.path.join(org, "pcn_map.csv"))
    assert rows[0].commissioner_code == "14L" and rows[0].pcn_code == "U65853"


def test_epraccur_bad_rows_reported(tmp_path):
    bad = EPRACCUR + '"P8X","BROKEN"\n' + EPRACCUR.replace("19740401", "1974-04-01").replace("P84035", "P84036")
    recs, probs = read_epraccur(write(tmp_path, "epraccur.csv", bad, "latin-1"))
    assert [r.code for r in recs] == ["P84035"]
    assert (probs[0].row, probs[0].column) == (2, None)
    assert (probs[1].row, probs[1].column) == (3, "Open Date")


@pytest.mark.parametrize(
    "text,row,column,fragment",
    [
        (REG.replace("2015-01-01", "01/01/2015"), 2, "date_from", "not a date"),
        (REG.replace(",financial,", ",money,"), 2, "interest_type", "unknown interest type"),
        (REG.replace("date_to,", "ended,"), 1, "date_to", "missing required column"),
    ],
)
def test_register_errors_name_file_row_column(tmp_path, text, row, column, fragment):
    p = write(tmp_path, "register.csv", text)
    with pytest.raises(InputFileError) as e:
        read_register_csv(p)
    assert (e.value.row, e.value.column) == (row, column)
    assert str(e.value).startswith(f'register.csv, row {row}, column "{column}": {fragment}')


def test_agenda_errors(tmp_path):
    with pytest.raises(InputFileError) as e:
        read_agenda_csv(write(tmp_path, "agenda.csv", AGENDA.replace("2025-05-01\n2,", "2025-13-45\n2,")))
    assert str(e.value) == 'agenda.csv, row 2, column "meeting_date": not a date (expected YYYY-MM-DD)'
    with pytest.raises(InputFileError) as e:
        # 0x81 is neither UTF-8 nor Windows-1252 (a byte that encoding leaves unused)
        read_agenda_csv(write(tmp_path, "agenda2.csv", AGENDA.encode("utf-8") + b"3,Caf\x81,,2025-05-01\n"))
    assert e.value.row == 4 and "not valid UTF-8 or Windows-1252 (byte 0x81" in str(e.value)


def test_a_windows_1252_register_and_agenda_are_read_by_the_command_line(files, tmp_path):
    """Excel on Windows saves "CSV" in Windows-1252: £, é and the en dash are single bytes."""
    _, _, org = files
    reg = write(
        tmp_path,
        "register1252.csv",
        REG.replace("Dr A", "Dr Aimée") + "M3,C,GP,financial,Fees £500 – talks,,,\n",
        "cp1252",
    )
    ag = write(tmp_path, "agenda1252.csv", AGENDA.replace("premises grant", "premises grant £5000 – décor"), "cp1252")
    interests = read_register_csv(reg)
    assert interests[0].name == "Dr Aimée" and interests[2].description == "Fees £500 – talks"
    assert read_agenda_csv(ag)[1].title == "Bodey Medical Centre: premises grant £5000 – décor"
    out, err = io.StringIO(), io.StringIO()
    assert run_screen(reg, ag, org, fmt="json", out=out, err=err) == 0, err.getvalue()
    assert [(f["item_id"], f["member_id"]) for f in json.loads(out.getvalue())["flags"]] == [("2", "M1")]


def test_the_command_line_and_the_web_upload_decode_alike(tmp_path):
    """One decoder: the agenda a secretary uploads and the file given to `coi screen` read the same."""
    from screening.documents import read_agenda_document

    text = (
        'item_id,title,description,meeting_date\n1,"Premises grant £5,000 – Hillside Surgery",Café lease,2025-05-01\n'
    )
    for encoding, data in (
        ("cp1252", text.encode("cp1252")),
        ("utf-8", text.encode("utf-8")),
        ("utf-8 with its mark", b"\xef\xbb\xbf" + text.encode("utf-8")),
    ):
        by_command = read_agenda_csv(write(tmp_path, "agenda.csv", data))
        by_upload = read_agenda_document("agenda.csv", data)
        assert [(i.item_id, i.title, i.description) for i in by_command] == [
            (i.item_id, i.title, i.description) for i in by_upload
        ], encoding
        assert by_command[0].title == "Premises grant £5,000 – Hillside Surgery", encoding


def test_cli_json(files):
    reg, ag, org = files
    out, err = io.StringIO(), io.StringIO()
    assert run_screen(reg, ag, org, fmt="json", out=out, err=err) == 0
    data = json.loads(out.getvalue())
    assert [(f["item_id"], f["member_id"], f["action"]) for f in data["flags"]] == [("2", "M1", "exclude")]
    assert set(data["flags"][0]) >= {"item_id", "member_id", "interests", "action", "score", "evidence"}


def test_cli_text_and_csv(files):
    reg, ag, org = files
    out = io.StringIO()
    assert run_screen(reg, ag, org, fmt="text", out=out) == 0
    assert "Item 2: Bodey Medical Centre: premises grant" in out.getvalue() and "EXCLUDE" in out.getvalue()
    # one sentence for the reader, the matching path under it, not repeated
    lines = out.getvalue().splitlines()
    sentence = "    Dr A is a partner at Bodey Medical Centre (P84035), which item 2 names."
    assert lines.count(sentence) == 1
    path = [line for line in lines if line.startswith("      how this was found: ")]
    assert len(path) == 1 and "rule:" in path[0] and lines.index(path[0]) == lines.index(sentence) + 1
    out = io.StringIO()
    assert run_screen(reg, ag, org, fmt="csv", out=out) == 0
    assert out.getvalue().splitlines()[1].startswith("2,M1,exclude,")


def test_cli_broken_file_exit_2_and_empty_stdout(files, tmp_path):
    reg, ag, org = files
    bad = write(tmp_path, "bad_register.csv", REG.replace("2015-01-01", "2015-02-30"))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "screening",
            "--register",
            bad,
            "--agenda",
            ag,
            "--organisations",
            org,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert r.returncode == 2
    assert r.stdout == ""
    assert 'bad_register.csv, row 2, column "date_from"' in r.stderr
    out, err = io.StringIO(), io.StringIO()
    assert run_screen(reg, ag, str(tmp_path / "missing"), fmt="json", out=out, err=err) == 2
    assert out.getvalue() == "" and "epraccur.csv" in err.getvalue()


# The labelled development set, in ../shared/data beside the checkout (where CI has it; not in the repository).
DEV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "screening-dev")


@pytest.mark.skipif(not os.path.isdir(DEV) and not os.environ.get("CI"), reason="dev set not beside the checkout")
def test_dev_set_accuracy_if_present():
    import csv

    tp = fp = fn = 0
    for m in sorted(os.listdir(DEV)):
        md = os.path.join(DEV, m)
        if not os.path.isfile(os.path.join(md, "truth.csv")):
            continue
        out = io.StringIO()
        run_screen(
            os.path.join(md, "register.csv"),
            os.path.join(md, "agenda.csv"),
            os.path.join(DEV, "organisations"),
            fmt="json",
            out=out,
        )
        got = {(f["item_id"], f["member_id"]) for f in json.loads(out.getvalue())["flags"]}
        pos = {
            (r["item_id"], r["member_id"])
            for r in csv.DictReader(open(os.path.join(md, "truth.csv")))
            if r["conflict"] == "1"
        }
        tp += len(got & pos)
        fp += len(got - pos)
        fn += len(pos - got)
    assert tp / (tp + fn) >= 0.98 and tp / (tp + fp) >= 0.95
