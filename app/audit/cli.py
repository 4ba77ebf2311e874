"""`flask --app app audit export`: the event log for process-mining tools, or CSV."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from ..engine import WIB
from .export import cases_csv, cases_since, events_csv, xes


@click.command("export")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(["xes", "csv"]), required=True,
              help="xes: event log (IEEE 1849-2016); csv: a table.")
@click.option("--table", type=click.Choice(["events", "cases"]), default="events",
              help="With --format csv: the events (default) or the cases.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only cases received on or after this date (YYYY-MM-DD).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of the standard output.")
def export_command(fmt: str, table: str, since: datetime | None, output: str | None) -> None:
    """Export the cases' history without any identity: XES or CSV."""
    moment = since.replace(tzinfo=WIB).astimezone(UTC) if since else None
    cases = cases_since(moment)
    if fmt == "xes":
        pieces = list(xes(cases))
    else:
        pieces = [cases_csv(cases) if table == "cases" else events_csv(cases)]
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.writelines(pieces)
        click.echo(f"{len(cases)} kasus diekspor ke {output}.", err=True)
    else:
        sys.stdout.writelines(pieces)
