"""The `coi` command: help, accounts, the demo."""

import subprocess
import sys

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlmodel import func, select

from coi.cli import cli
from coi.database import engine
from registry.models import Committee, Interest, Membership, Person, VotingOrganisation


def _invoke(app, *args, input=None):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)


def test_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-c", "from coi.cli import main; main()", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("run", "init-db", "seed-demo", "create-user", "import-directory", "screen"):
        assert f"  {command}" in out


def test_create_user(app):
    result = _invoke(
        app,
        "create-user",
        "lead@example.nhs.uk",
        "--name",
        "Lead Person",
        "--role",
        "governance",
        "--role",
        "member",
        "--password",
        "a long enough password",
    )
    assert result.exit_code == 0, result.output
    assert "governance, member" in result.output
    again = _invoke(app, "create-user", "LEAD@example.nhs.uk", "--name", "Dup", "--password", "a long enough password")
    assert again.exit_code == 2 and "already exists" in again.output


def test_create_user_refuses_a_weak_password(app):
    result = _invoke(app, "create-user", "x@example.nhs.uk", "--name", "X", "--password", "short")
    assert result.exit_code == 2 and "at least 12 characters" in result.output


def test_seed_demo_loads_the_joint_committee_once(app):
    result = _invoke(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "governance.lead@" in result.output and "chair" in result.output
    with app.app_context():
        from sqlmodel import Session

        with Session(engine()) as s:
            people = s.exec(select(func.count()).select_from(Person)).one()
            committee = s.exec(select(Committee)).one()
            voting_orgs = s.exec(select(VotingOrganisation)).all()
            voting = s.exec(select(Membership).where(Membership.voting == True)).all()  # noqa: E712
            attendees = s.exec(select(Membership).where(Membership.voting == False)).all()  # noqa: E712
            interests = s.exec(select(func.count()).select_from(Interest)).one()
    assert len(voting_orgs) == 7  # six CCGs and NHS England, one vote each
    assert len(voting) == 21 and len(attendees) == 3
    assert committee.quorum_rule and interests >= 10
    second = _invoke(app, "seed-demo", "--if-empty")
    assert second.exit_code == 0 and "not loaded again" in second.output
    with app.app_context():
        from sqlmodel import Session

        with Session(engine()) as s:
            assert s.exec(select(func.count()).select_from(Person)).one() == people


def test_screen_accepts_an_organisations_file_naming_the_folder(tmp_path):
    """Checked-out symlinks are plain files holding a relative path; `coi screen` must follow them."""
    from tests.test_directory_import import _epraccur_row, write_epraccur, write_pcn_map

    folder = tmp_path / "organisations-data"
    folder.mkdir()
    write_epraccur(
        folder / "epraccur.csv",
        [
            _epraccur_row(
                "H84010", "CANBURY MEDICAL CENTRE", "CANBURY MEDICAL CENTRE", "KINGSTON-UPON-THAMES", "KT2 6HR", "36L"
            )
        ],
    )
    write_pcn_map(folder / "pcn_map.csv", [("H84010", "U37262", "CANBURY CHURCHILL ORCHARD BERRYLANDS PCN")])
    meeting = tmp_path / "m01"
    meeting.mkdir()
    (meeting / "organisations").write_text("../organisations-data")
    (meeting / "register.csv").write_text(
        "member_id,name,position,interest_type,description,date_from,date_to\n"
        "R1,Dr A,GP,financial,Partner at Canbury Medical Centre,2020-01-01,\n"
    )
    (meeting / "agenda.csv").write_text(
        "item_id,title,description,meeting_date\n4,Canbury Medical Centre: contract variation,,2025-01-01\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from coi.cli import main; main()",
            "screen",
            "--register",
            str(meeting / "register.csv"),
            "--agenda",
            str(meeting / "agenda.csv"),
            "--organisations",
            str(meeting / "organisations"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    import json

    flags = json.loads(out.stdout)["flags"]
    assert [(f["item_id"], f["member_id"], f["action"]) for f in flags] == [("4", "R1", "exclude")]
