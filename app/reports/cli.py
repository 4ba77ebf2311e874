"""Commands: `flask --app app calendar add-day|remove-day|list` and `reports notify`."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup

from . import reminders, workcalendar

calendar_cli = AppGroup("calendar", help="Hari libur tambahan kantor (cuti bersama, libur daerah).")
reports_cli = AppGroup("reports", help="Pengingat dan ringkasan harian mutu pelayanan.")


def _parse(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} bukan tanggal TTTT-BB-HH") from exc


@calendar_cli.command("add-day")
@click.argument("day")
@click.option("--reason", required=True, help="Keterangan, mis. 'Cuti bersama Idulfitri'.")
def add_day_command(day: str, reason: str) -> None:
    """Make DAY (YYYY-MM-DD) a non-working day; running cases' deadlines move past it."""
    try:
        report = workcalendar.add_day(_parse(day), reason, "cli")
    except workcalendar.CalendarError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"{report.day.isoformat()} menjadi hari libur; {report.cases_moved} kasus digeser"
               + (f", {report.failed} gagal (lihat log)." if report.failed else "."))


@calendar_cli.command("remove-day")
@click.argument("day")
def remove_day_command(day: str) -> None:
    """Make an added DAY a working day again; deadlines move back."""
    try:
        report = workcalendar.remove_day(_parse(day), "cli")
    except workcalendar.CalendarError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"{report.day.isoformat()} kembali hari kerja; {report.cases_moved} kasus digeser.")


@calendar_cli.command("list")
def list_command() -> None:
    """List the office's extra non-working days and the configured cuti bersama."""
    extra, configured = workcalendar.extra_days(), sorted(workcalendar.configured_days())
    for row in extra:
        click.echo(f"{row.day.isoformat()}  {row.reason}  ({row.added_by})")
    for day in configured:
        click.echo(f"{day.isoformat()}  Cuti bersama (CUTI_BERSAMA)")
    if not extra and not configured:
        click.echo("Belum ada hari libur tambahan; hanya akhir pekan dan libur nasional.")


@reports_cli.command("notify")
def notify_command() -> None:
    """Queue the reminders and digests that are due now (also run by `timers run-due`)."""
    sent, digests = reminders.run()
    click.echo(f"{sent} pengingat dan {digests} ringkasan harian dimasukkan ke kotak keluar.")
