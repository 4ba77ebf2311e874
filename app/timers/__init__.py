"""The administrators' view of the timer worker: timers whose firing failed, and a retry."""

from __future__ import annotations

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    """Register the failing-timers page."""
    app.register_blueprint(bp)
