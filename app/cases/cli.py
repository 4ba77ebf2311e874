"""Commands of the case store: `flask identity rotate|reindex`, `flask attachments sweep`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
from flask.cli import AppGroup

from ..db import get_session
from . import identity
from .attachments import sweep_orphan_files
from .models import Case
from .service import form_document, start_info

identity_cli = AppGroup("identity", help="The complainants' encrypted identity.")
attachments_cli = AppGroup("attachments", help="Stored attachment files.")


@identity_cli.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every stored identity with the newest key (the first of IDENTITY_KEYS)."""
    count = identity.rotate(get_session())
    click.echo(f"{count} identitas dienkripsi ulang dengan kunci terbaru.")


@identity_cli.command("reindex")
def reindex_command() -> None:
    """Add the lookup digests a newer form marks (e.g. names) to identities stored before."""
    session = get_session()

    def start_schema(case_id: int) -> Any:
        case = session.get(Case, case_id)
        if case is None:
            return {}
        version = case.process_version
        return form_document(version, start_info(version).form.schema_file) or {}

    count = identity.reindex(session, start_schema)
    click.echo(f"{count} identitas diperiksa; digest pencarian dilengkapi.")


@attachments_cli.command("sweep")
@click.option("--older-than-minutes", default=60, show_default=True,
              help="Leave younger files alone: their request may still be running.")
def sweep_command(older_than_minutes: int) -> None:
    """Remove stored files that have no attachment row (left by a killed process)."""
    removed = sweep_orphan_files(timedelta(minutes=older_than_minutes))
    click.echo(f"{removed} berkas tanpa data lampiran dihapus.")
