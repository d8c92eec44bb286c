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
    out = subprocess.run([sys.executable, "-c", "from coi.cli import main; main()", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for command in ("run", "init-db", "seed-demo", "create-user", "import-directory", "screen"):
        assert f"  {command}" in out


def test_create_user(app):
    result = _invoke(app, "create-user", "lead@example.nhs.uk", "--name", "Lead Person", "--role", "governance",
                     "--role", "member", "--password", "a long enough password")
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
