"""Command-line interface: `flask --app app setup`, `process ...`, `timers run-due|failing`."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .audit.cli import export_command
from .audit.verify import case_ids_in_scope as audit_case_ids
from .audit.verify import verify_all
from .auth.service import ensure_demo_users
from .benchseed import bench_cli
from .cases.service import failing_timers, fire_due_timers
from .engine import WIB, DiagramError, DiagramProblem
from .processes.cli import COMMANDS as PROCESS_COMMANDS
from .processes.service import deploy_file, read_forms, validate
from .reports import reminders

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

process_cli = AppGroup("process", help="Validate and deploy BPMN diagrams.")
timers_cli = AppGroup("timers", help="Run the process timers that are due.")
audit_cli = AppGroup("audit", help="Verify the stored history.")
audit_cli.add_command(export_command)


def alembic_config(database_url: str) -> AlembicConfig:
    """An Alembic configuration pointing at this app's migrations and DATABASE_URL."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database() -> None:
    """Apply every Alembic migration to the configured database."""
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), "head")


@click.command("setup")
@with_appcontext
@click.option("--demo", is_flag=True, help="Also create demo users for every role.")
def setup_command(demo: bool) -> None:
    """Migrate the database, deploy process/ if it is new, and optionally add demo users."""
    upgrade_database()
    click.echo("Basis data mutakhir.")
    process_dir = Path(current_app.config["PROCESS_DIR"])
    forms_dir = Path(current_app.config["FORMS_DIR"])
    for path in sorted(process_dir.glob("*.bpmn")):
        result = deploy_file(path, forms_dir, deployed_by="setup")
        state = "dipasang" if result.created else "sudah terpasang"
        click.echo(f"{path.name}: versi {result.version.version} {state}.")
    if demo:
        for username in ensure_demo_users():
            click.echo(f"Pengguna demo: {username} / demo12345")


def _refuse(file: Path, problems: list[DiagramProblem]) -> NoReturn:
    """Print why FILE was refused, one element per line, and exit 1."""
    click.echo(f"{file.name} ditolak:", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


@process_cli.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--forms", "forms_dir", type=click.Path(file_okay=False, path_type=Path), default=None
)
def validate_command(file: Path, forms_dir: Path | None) -> None:
    """Check a diagram and its forms; exit 1 listing each refused element and why."""
    folder = forms_dir or Path(current_app.config["FORMS_DIR"])
    bpmn_xml = file.read_bytes()
    problems = validate(bpmn_xml, read_forms(bpmn_xml, folder))
    errors = [problem for problem in problems if problem.blocks_deploy]
    if errors:
        _refuse(file, errors)
    for warning in problems:
        click.echo(f"  peringatan: {warning}", err=True)
    click.echo(f"{file.name} valid.")


@process_cli.command("deploy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--forms", "forms_dir", type=click.Path(file_okay=False, path_type=Path), default=None
)
@click.option("--comment", default="", help="What this version changes (shown in the list).")
def deploy_command(file: Path, forms_dir: Path | None, comment: str) -> None:
    """Deploy a diagram as a new immutable version (refused with reasons when invalid)."""
    folder = forms_dir or Path(current_app.config["FORMS_DIR"])
    try:
        result = deploy_file(file, folder, deployed_by="cli", note=comment)
    except DiagramError as exc:
        _refuse(file, exc.problems)
    state = "dipasang sebagai" if result.created else "sama dengan"
    click.echo(f"{file.name} {state} {result.version.process_id} versi {result.version.version}.")


@timers_cli.command("run-due")
@click.option("--limit", default=100, show_default=True, help="Most cases to move in one run.")
@click.option("--every", type=int, default=0,
              help="Keep running: check every N seconds, at once again after a full batch.")
def run_due_command(limit: int, every: int) -> None:
    """Fire every timer that is due (SLA escalations, automatic closing)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    while True:
        # A fresh app context per round: a fresh session, so no round works from stale rows.
        with app.app_context():
            moved = fire_due_timers(limit)
            reminders.run_safely()  # reminders and digests due now (app/reports/reminders.py)
        if not every:
            click.echo(f"{moved} kasus diproses.")
            return
        if moved:
            click.echo(f"{moved} kasus diproses.")
        if moved < limit:  # a full batch means a backlog: drain it without waiting
            time.sleep(every)


@timers_cli.command("failing")
def failing_command() -> None:
    """List the timers whose firing failed: case, element, attempts, next try, error."""
    rows = failing_timers()
    if not rows:
        click.echo("Tidak ada pengatur waktu yang gagal.")
        return
    for row in rows:
        timer = row.timer
        retry_at = timer.next_attempt_at.isoformat() if timer.next_attempt_at else "-"
        click.echo(
            f"{row.tracking_code}  {timer.bpmn_id} ({timer.name})  percobaan {timer.attempts}  "
            f"dicoba lagi {retry_at}  {timer.last_error or ''}"
        )


@audit_cli.command("verify")
@click.option("--case", "tracking_code", default=None, help="Only this tracking number.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only cases active since this date (YYYY-MM-DD).")
def verify_command(tracking_code: str | None, since: datetime | None) -> None:
    """Re-execute each case from its events, compare with what is stored; exit 1 on a problem."""
    moment = since.replace(tzinfo=WIB).astimezone(UTC) if since else None
    ids = audit_case_ids(tracking_code, moment)
    if tracking_code and not ids:
        click.echo(f"Nomor {tracking_code} tidak ditemukan.", err=True)
        sys.exit(2)
    with click.progressbar(length=len(ids), label="Memeriksa kasus", file=sys.stderr) as bar:
        report = verify_all(tracking_code, moment, bar.update, run_by="cli", case_ids=ids)
    for label, problems in report.problems.items():
        for problem in problems:
            click.echo(f"{label}: {problem}", err=True)
    click.echo(
        f"{report.cases_checked} kasus dan {report.versions_checked} versi proses diperiksa; "
        f"{len(report.problems)} bermasalah."
    )
    if report.problems:
        sys.exit(1)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(setup_command)
    app.cli.add_command(process_cli)
    for process_command in PROCESS_COMMANDS:  # versions, diff, migrate (app/processes/cli.py)
        process_cli.add_command(process_command)
    app.cli.add_command(timers_cli)
    app.cli.add_command(bench_cli)
    app.cli.add_command(audit_cli)
