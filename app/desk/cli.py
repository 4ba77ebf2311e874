"""`flask --app app notices daily`: queue the daily e-mail of waiting tasks (run it from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .notices import send_daily

notices_cli = AppGroup("notices", help="Notices of waiting tasks for staff.")


@notices_cli.command("daily")
def daily_command() -> None:
    """Queue today's e-mail for each officer who asked for it (once per WIB day)."""
    click.echo(f"{send_daily()} pesan harian dimasukkan ke kotak keluar.")
