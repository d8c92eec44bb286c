"""The `coi` command (built on Flask's CLI, so `coi --help` lists every command)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from coi import create_app


def _create_app(*_args):
    return create_app()


cli = FlaskGroup(
    name="coi",
    create_app=_create_app,
    add_version_option=False,
    help="Conflicts-of-interest register and pre-meeting screening.",
)


def _engine():
    from coi.database import engine

    return engine()


@cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database by applying the migrations."""
    from registry.migrate import upgrade

    upgrade(_engine())
    click.echo(f"Database ready: {_engine().url.render_as_string(hide_password=True)}")


@cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Load the demo only when the database has no people yet.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the South West London joint committee demo and print its sign-ins."""
    from registry.db import session_scope
    from registry.demo import DemoAlreadyLoaded, load_demo, read_demo_sign_ins

    instance = Path(current_app.instance_path)
    try:
        with session_scope(_engine()) as session:
            sign_ins = load_demo(session, if_empty=if_empty)
    except DemoAlreadyLoaded as exc:
        if not if_empty:
            raise click.ClickException(str(exc))
        sign_ins = read_demo_sign_ins(instance)
        click.echo("The database already has data; the demo was not loaded again.")
    else:
        if sign_ins:
            _write_sign_ins(instance, sign_ins)
            click.echo("Demo loaded.")
    if sign_ins:
        click.echo("Demo sign-ins (demo only; also in instance/demo-sign-ins.txt):")
        width = max(len(roles) for _, _, roles in sign_ins)
        for email, password, roles in sign_ins:
            click.echo(f"  {roles:<{width}}  {email:<40} {password}")


def _write_sign_ins(instance: Path, sign_ins) -> None:
    path = instance / "demo-sign-ins.txt"
    path.write_text("".join(f"{email}\t{password}\t{roles}\n" for email, password, roles in sign_ins))
    path.chmod(0o600)


@cli.command("create-user")
@click.argument("email")
@click.option("--name", default="", help="Full name as it appears on the register (prompted for when not given).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["member", "governance"]),
    default=["member"],
    show_default=True,
    help="Repeat for several roles. Chairs are named on their committee's page, not here.",
)
@click.option("--position", default="", help="Position with the commissioner (published on the register).")
@click.password_option(help="Prompted for when not given.")
@with_appcontext
def create_user(email: str, name: str, roles, position: str, password: str) -> None:
    """Add an account that can sign in."""
    from registry.db import session_scope
    from registry.services.accounts import AccountError, create_person

    if not name.strip():
        name = click.prompt("Full name")
    try:
        with session_scope(_engine()) as session:
            person = create_person(
                session,
                email=email,
                full_name=name,
                password=password,
                roles=sorted(set(roles) | {"member"}),
                position=position,
            )
            click.echo(f"Created {person.email} with roles: {', '.join(sorted(roles))}")
    except AccountError as exc:
        raise click.UsageError(str(exc))


@cli.command("import-directory")
@click.argument("epraccur", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--pcn-map",
    type=click.Path(dir_okay=False, path_type=Path),
    help="NHS Digital's practice-to-PCN map (CCG_* or SUB_ICB_LOCATION_* columns).",
)
@with_appcontext
def import_directory_command(epraccur: Path, pcn_map: Path | None) -> None:
    """Load NHS Digital's epraccur.csv (as published) and optionally the practice-to-PCN map."""
    from registry.db import session_scope
    from registry.services.directory import import_directory
    from screening.orgfiles import InputFileError

    try:
        with session_scope(_engine()) as session:
            summary = import_directory(session, epraccur, pcn_map)
    except InputFileError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    for line in summary.lines():
        click.echo(line)
    for problem in summary.problems[:200]:
        column = f", column {problem.column}" if problem.column else ""
        click.echo(f"  {Path(problem.file).name}, row {problem.row}{column}: {problem.message}", err=True)
    if len(summary.problems) > 200:
        click.echo(f"  … and {len(summary.problems) - 200} more", err=True)
    for line in summary.warning_lines():
        click.echo(line, err=True)
    for warning in summary.warnings[:200]:
        column = f", column {warning.column}" if warning.column else ""
        click.echo(f"  Warning: {Path(warning.file).name}, row {warning.row}{column}: {warning.message}", err=True)
    if len(summary.warnings) > 200:
        click.echo(f"  … and {len(summary.warnings) - 200} more warnings", err=True)


@cli.command("remind")
@click.option("--send", is_flag=True, help="Send the emails (without it, only list who would get one).")
@click.option(
    "--if-due",
    "if_due",
    is_flag=True,
    help="For a daily cron job or systemd timer: send (as --send) only when the annual declaration round "
    "set on the governance dashboard has come and its reminders have not gone; else do nothing.",
)
@with_appcontext
def remind(send: bool, if_due: bool) -> None:
    """Email everyone whose annual declaration is overdue (dry run unless --send or --if-due)."""
    from coi.mail import MailError
    from coi.notifications import send_reminders
    from registry.db import session_scope
    from registry.services import reminders as annual

    cfg = current_app.config
    with session_scope(_engine()) as session:
        from registry.services.committees import ORGANISATION_NAME, setting

        due_round = None
        if if_due:
            due_round = annual.round_due(session)
            if due_round is None:
                upcoming = annual.next_round(session)
                click.echo(
                    f"Not due: the next annual declaration round is on {upcoming.day} {upcoming:%B %Y}."
                    if upcoming
                    else "Not due: no annual declaration round is set (governance dashboard)."
                )
                return
            send = True
        reminders, no_email = annual.overdue_reminders(
            session, cfg["SERVICE_URL"], setting(session, ORGANISATION_NAME) or cfg["ORGANISATION_NAME"]
        )
        for name in no_email:
            click.echo(f"No email address for {name}: remind them another way.", err=True)
        if not reminders:
            if due_round is not None:
                annual.mark_round_reminded(session, due_round)
            click.echo("Nobody is overdue.")
            return
        if not send:
            for r in reminders:
                click.echo(f"Would email {r.to}: {r.subject}")
            click.echo(f"Dry run: {len(reminders)} reminders not sent. Add --send to send them.")
            return
        try:
            sent = send_reminders(reminders)
        except MailError as error:
            raise click.ClickException(str(error))  # the round stays due: tomorrow's run tries again
        annual.record_sent(session, reminders)
        if due_round is not None:
            annual.mark_round_reminded(session, due_round)
        click.echo(
            f"Sent {sent} reminders"
            + (f" for the annual declaration round of {due_round.day} {due_round:%B %Y}." if due_round else ".")
        )


@cli.command("purge")
@click.option("--apply", "apply_", is_flag=True, help="Remove the records (without it, only list them).")
@with_appcontext
def purge(apply_: bool) -> None:
    """Remove records that ended more than 6 years ago (dry run unless --apply)."""
    from registry.db import session_scope
    from registry.services.retention import apply_purge, plan_purge

    with session_scope(_engine()) as session:
        plan = plan_purge(session)
        for line in plan.lines():
            click.echo(line)
        if plan.empty:
            return
        if not apply_:
            click.echo("Dry run: nothing removed. Add --apply to remove these records.")
            return
        apply_purge(session, plan)
        click.echo("Removed. An audit event lists every record removed.")


@cli.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Back up the database while the app runs (SQLite backup API, or pg_dump for PostgreSQL)."""
    from registry.backup import BackupError, backup, table_counts

    try:
        backup(_engine(), destination)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error))
    counts = table_counts(_engine())
    click.echo(
        f"Backed up to {destination} ({destination.stat().st_size:,} bytes): "
        f"{counts.get('interest', 0)} interests, {counts.get('auditevent', 0)} audit events."
    )


@cli.command("restore", with_appcontext=False)  # works on the target URL only
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--to", "target_url", required=True, help="An EMPTY database to restore into (URL).")
def restore_command(source: Path, target_url: str) -> None:
    """Restore a backup into an empty database and check it."""
    from registry.backup import BackupError, integrity_problems, restore, table_counts

    try:
        engine = restore(source, target_url)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error))
    problems = integrity_problems(engine)
    counts = table_counts(engine)
    click.echo(f"Restored: {sum(counts.values())} rows in {len(counts)} tables.")
    if problems:
        raise click.ClickException("The restored database failed its checks: " + "; ".join(problems))
    click.echo("Integrity check passed.")


@cli.command("screen", with_appcontext=False)  # no app or database: start fast
@click.option("--register", required=True, help="register.csv")
@click.option("--agenda", required=True, help="agenda.csv")
@click.option(
    "--organisations",
    type=click.Path(),  # a folder, or a file naming one (a symlink checked out as text)
    help="Folder with NHS Digital's epraccur.csv and pcn_map.csv.",
)
@click.option("--date", "meeting_date", help="Meeting date YYYY-MM-DD (default: the agenda's).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.option(
    "--area",
    default=None,
    help="The committee's own area, for area-wide items that name none: commissioner / sub-ICB codes or "
    "place names, comma-separated (e.g. 36L,Croydon).",
)
def screen_command(register, agenda, organisations, meeting_date, fmt, area) -> None:
    """Screen an agenda against a register of interests (no database needed)."""
    from screening.cli import run_screen

    sys.exit(run_screen(register, agenda, organisations, meeting_date, fmt, out=sys.stdout, err=sys.stderr, area=area))


@cli.command("audit-awards", with_appcontext=False)  # the database only when no --register is given
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--from", "date_from", help="Only awards dated on or after this day (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Only awards dated on or before this day (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "xlsx"]), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write here instead of standard output (xlsx).")
@click.option("--register", help="register.csv (the screening contract's file): audit it without a database.")
@click.option("--organisations", type=click.Path(), help="With --register: folder with epraccur.csv and pcn_map.csv.")
@click.option(
    "--committee",
    default="register",
    show_default=True,
    help="With --register: the committee its members sit on, for the totals.",
)
def audit_awards_command(files, date_from, date_to, fmt, output, register, organisations, committee) -> None:
    """Screen published contract awards (OCDS JSON or CSV), each on its own date, against every committee's members."""
    from datetime import date as _date

    from registry.outside.awards import AwardFileError, read_award_files
    from registry.services import award_audit
    from screening import Directory, Engine, read_register_csv
    from screening.directory_cache import directory_from_files
    from screening.orgfiles import InputFileError

    def day(option, value):
        if not value:
            return None
        try:
            return _date.fromisoformat(value)
        except ValueError:
            raise click.UsageError(f"{option}: not a date (expected YYYY-MM-DD): {value!r}")

    period_from, period_to = day("--from", date_from), day("--to", date_to)
    try:
        read = read_award_files(files, period_from, period_to)
        if register:
            interests = read_register_csv(register)
            directory = directory_from_files(organisations) if organisations else Directory()
            report = award_audit.audit_awards(
                Engine(directory),
                read.awards,
                award_audit.Register.from_file_interests(interests, committee),
                read=read,
            )
        else:
            from registry.db import session_scope
            from registry.services.meetings.screening import directory_engine

            from flask.cli import ScriptInfo

            app = click.get_current_context().ensure_object(ScriptInfo).load_app()
            with app.app_context(), session_scope(_engine()) as session:
                report = award_audit.audit_database(session, directory_engine(session), read)
    except (AwardFileError, InputFileError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    if fmt == "xlsx":
        data = award_audit.render_xlsx(report.results, report.totals)
    else:
        data = {"text": award_audit.render_text, "json": award_audit.render_json, "csv": award_audit.render_csv}[fmt](
            report
        ).encode()
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


@cli.group("audit")
def audit_group() -> None:
    """The audit log: verify it, export it, anchor its head."""


def _audit_keys():
    from coi.database import audit_keys

    return audit_keys(current_app)


@audit_group.command("verify")
@click.option(
    "--anchors",
    "anchor_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An export or anchor file kept elsewhere, checked as well as the instance's (repeatable).",
)
@with_appcontext
def audit_verify(anchor_files) -> None:
    """Check every row's hash and signature, their sequence, and that every anchored row is still there unchanged."""
    from sqlmodel import Session

    from registry.services.audit import verify_chain

    with Session(_engine()) as session:
        check = verify_chain(session, _audit_keys(), extra_anchor_files=anchor_files)
    for note in check.notes:
        click.echo(note)
    if not check.intact:
        for problem in check.problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        raise click.ClickException(
            f"The audit log has been tampered with ({len(check.problems)} problems; "
            f"{check.rows} events, {check.anchors} anchors checked)."
        )
    click.echo(f"Audit log intact: {check.rows} events ({check.signed} signed), {check.anchors} anchors checked.")


@audit_group.command("export")
@click.argument("destination", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@with_appcontext
def audit_export(destination: Path) -> None:
    """Write the whole log (JSON lines, ending with a signed anchor of its head) and anchor the head; keep the
    file outside the database (write-once storage) and give it to `coi audit verify --anchors` later."""
    from sqlmodel import Session

    from registry.services.audit import anchor_head, export_lines

    keys = _audit_keys()
    with Session(_engine()) as session:
        lines = export_lines(session, keys)
        if str(destination) == "-":
            count = sum(1 for line in lines if sys.stdout.write(line) or True)
        else:
            with open(destination, "x", encoding="utf-8") as out:  # never overwrite an earlier export
                count = sum(1 for line in lines if out.write(line) or True)
        anchor_head(session, keys, "export")
    click.echo(f"Exported {max(0, count - 1)} events to {destination}; the head is anchored.", err=True)


@audit_group.command("anchor")
@with_appcontext
def audit_anchor() -> None:
    """Append the chain's head to the anchor file now (for cron, between the app's own anchors)."""
    from sqlmodel import Session

    from registry.services.audit import anchor_head

    with Session(_engine()) as session:
        head = anchor_head(session, _audit_keys(), "command")
    click.echo(f"Anchored event {head[0]}." if head else "The audit log is empty: nothing to anchor.")


@cli.command("db-roles")
@click.argument("app_role")
@click.option(
    "--password-env",
    metavar="VARIABLE",
    help="Set the role's password from this environment variable (else it signs in another way).",
)
@with_appcontext
def db_roles(app_role: str, password_env: str | None) -> None:
    """PostgreSQL: create or update APP_ROLE, the role the app connects as, with the rights it needs and no more:
    it may only INSERT and SELECT the audit log, and owns nothing (so cannot drop the triggers that keep the log
    append-only). Run as the database's owner after every `coi init-db`."""
    import os

    from registry.db_roles import RoleError, grant_app_role

    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"--password-env: {password_env} is not set")
    try:
        for line in grant_app_role(_engine(), app_role, password):
            click.echo(line)
    except RoleError as error:
        raise click.ClickException(str(error))


def main() -> None:
    cli.main(prog_name="coi")
