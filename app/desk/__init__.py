"""Desk: the staff's case list and search, notices of new tasks (count and daily e-mail)."""

from __future__ import annotations

from flask import Flask

from .cli import notices_cli
from .notices import nav_counts
from .views import bp


def init_app(app: Flask) -> None:
    """Register the case list at /perkara, the notice preference page and `flask notices`."""
    app.register_blueprint(bp)
    app.context_processor(nav_counts)
    app.cli.add_command(notices_cli)
