"""Notifications: an e-mail outbox filled from case events, a sender command, an admin page."""

from __future__ import annotations

from flask import Flask

from ..cases.signals import access_code_renewed, events_recorded
from .cli import outbox_cli
from .messages import on_access_code_renewed, on_events_recorded
from .views import bp


def init_app(app: Flask) -> None:
    """Subscribe to case events, register the outbox page and the `outbox` commands."""
    events_recorded.connect(on_events_recorded)
    access_code_renewed.connect(on_access_code_renewed)
    app.register_blueprint(bp)
    app.cli.add_command(outbox_cli)
