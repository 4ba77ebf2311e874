"""Process commands for owners who keep diagrams in git: `versions`, `diff A B`, `migrate`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..cases.events import Actor
from ..engine.diffing import DiagramDiff
from . import migration
from .migration import CasePlan
from .service import list_versions

CLI_ACTOR = Actor("system", role="cli")  # a command run on the server, by whoever may log in
KINDS = {"added": "ditambah", "removed": "dihapus", "changed": "diubah"}


@click.command("versions")
@with_appcontext
def versions_command() -> None:
    """List every deployed version: author, time, comment, hash, running and finished cases."""
    groups = list_versions()
    if not groups:
        click.echo("Belum ada diagram yang dipasang.")
    for process_id, rows in groups.items():
        click.echo(f"{process_id} ({rows[0].version.name})")
        for row in rows:
            version = row.version
            active = " aktif" if row.is_active else ""
            click.echo(
                f"  versi {version.version}{active}  {version.deployed_at:%Y-%m-%d %H:%M} UTC  "
                f"oleh {row.deployed_by_name or '-'}  sidik {version.content_hash[:12]}  "
                f"berjalan {row.running_count}  selesai {row.finished_count}"
            )
            if version.note:
                click.echo(f"      catatan: {version.note}")


def echo_diff(diff: DiagramDiff) -> None:
    """Print DIFF: one line per element, one indented line per changed field, then the files."""
    if diff.empty:
        click.echo("Tidak ada perbedaan.")
    for element in diff.elements:
        label = f"{element.element_id} ({element.name})" if element.name else element.element_id
        click.echo(f"{KINDS[element.kind]:9} {element.element_type} {label}")
        for change in element.changes:
            click.echo(f"    {change.field}: {change.old or '-'} → {change.new or '-'}")
    for file in diff.files:
        click.echo(f"{KINDS[file.kind]:9} berkas {file.filename}")
        for detail in file.details:
            click.echo(f"    {detail}")


@click.command("diff")
@with_appcontext
@click.argument("old", type=int)
@click.argument("new", type=int)
@click.option(
    "--process", "process_id", default=None, help="Process id (default: the last deployed)."
)
def diff_command(old: int, new: int, process_id: str | None) -> None:
    """Show what changed from version OLD to version NEW (numbers)."""
    try:
        first = migration.version_by_number(old, process_id)
        second = migration.version_by_number(new, first.process_id)
    except migration.VersionNotFound as exc:
        click.echo(f"Versi {exc.args[0]} tidak ditemukan.", err=True)
        sys.exit(1)
    click.echo(f"{first.process_id}: versi {old} → versi {new}")
    echo_diff(migration.compare(first, second))


def echo_plan(plan: CasePlan, dry_run: bool) -> None:
    """Print one case's migration preview or result."""
    head = f"{plan.tracking_code}: versi {plan.from_version} → {plan.to_version}"
    if plan.refusal:
        click.echo(f"{head} DITOLAK: {plan.refusal}")
        return
    click.echo(f"{head} {'dapat dipindahkan' if dry_run else 'dipindahkan'}")
    for old_id, name, new_id in plan.waiting:
        click.echo(
            f"    tugas {old_id} → {new_id} ({name})" if name else f"    {old_id} → {new_id}"
        )
    for timer in plan.timers:
        before = f"{timer.old_due:%Y-%m-%d %H:%M}" if timer.old_due else "-"
        after = f"{timer.new_due:%Y-%m-%d %H:%M}" if timer.new_due else "-"
        click.echo(f"    pewaktu {timer.bpmn_id}: {before} → {after} UTC")
    for lost in plan.lost:
        click.echo(f"    hilang: {lost}")


@click.command("migrate")
@with_appcontext
@click.option("--case", "tracking_code", default=None, help="The case's tracking number.")
@click.option(
    "--from-version",
    "from_version",
    type=int,
    default=None,
    help="Move every running case of this version.",
)
@click.option("--to-version", "to_version", type=int, required=True)
@click.option("--dry-run", is_flag=True, help="Only show what would happen.")
@click.option(
    "--process", "process_id", default=None, help="Process id (default: the last deployed)."
)
def migrate_command(
    tracking_code: str | None,
    from_version: int | None,
    to_version: int,
    dry_run: bool,
    process_id: str | None,
) -> None:
    """Move running cases to a newer version: one case (--case) or all of --from-version."""
    if (tracking_code is None) == (from_version is None):
        click.echo("Pilih salah satu: --case NOMOR atau --from-version N.", err=True)
        sys.exit(2)
    try:
        if tracking_code is not None:
            case_id = migration.case_id_of(tracking_code)
            target = migration.version_by_number(to_version, process_id)
            plans = [migration.plan_or_migrate(case_id, target, CLI_ACTOR, dry_run)]
        else:
            source = migration.version_by_number(int(from_version or 0), process_id)
            target = migration.version_by_number(to_version, source.process_id)
            plans = migration.migrate_version(source, target, CLI_ACTOR, dry_run)
    except migration.VersionNotFound as exc:
        click.echo(f"Versi {exc.args[0]} tidak ditemukan.", err=True)
        sys.exit(1)
    except migration.CaseNotFound:
        click.echo(f"Pengaduan {tracking_code} tidak ditemukan.", err=True)
        sys.exit(1)
    if not plans:
        click.echo("Tidak ada pengaduan berjalan pada versi itu.")
    for plan in plans:
        echo_plan(plan, dry_run)
    if any(plan.refusal for plan in plans):
        sys.exit(1)


COMMANDS = (versions_command, diff_command, migrate_command)
