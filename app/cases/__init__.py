"""Cases: one complaint = one process instance, with its state, task index, timers and event log."""

from __future__ import annotations

from flask import Flask

from ..engine import Budget, ProcessEngine, WorkingCalendar
from . import identity
from .cli import attachments_cli, identity_cli
from .service import diagram_by_hash


def init_app(app: Flask) -> None:
    """Give the app its process engine, on the working-day calendar the configuration names."""
    calendar = WorkingCalendar.from_setting(app.config.get("CUTI_BERSAMA", ""))
    budget = Budget(
        seconds=float(app.config.get("DIAGRAM_CODE_SECONDS", 2.0)),
        memory_mb=int(app.config.get("DIAGRAM_CODE_MEMORY_MB", 256)),
    )
    engine = ProcessEngine(calendar, budget)
    # A case's state names its version's diagram by content hash (see ProcessEngine.restore).
    engine.set_diagram_source(diagram_by_hash)
    app.extensions["process_engine"] = engine
    identity.init_app(app)
    app.cli.add_command(identity_cli)
    app.cli.add_command(attachments_cli)
