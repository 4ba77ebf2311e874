"""`flask --app app outbox send`: deliver the queued e-mails through SMTP."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .service import send_due

outbox_cli = AppGroup("outbox", help="Send the queued e-mail notifications.")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="Most messages to try in one run.")
def send_command(limit: int) -> None:
    """Send due messages; a failure leaves them queued for a later retry."""
    if current_app.config.get("OUTBOX_DELIVERY") == "show":
        click.echo("OUTBOX_DELIVERY=show: pesan tidak dikirim; lihat /admin/outbox.")
        return
    report = send_due(limit)
    click.echo(f"{report.sent} terkirim, {report.failed} gagal (dicoba lagi nanti), "
               f"{report.remaining} dalam antrean.")
