"""Processes: deploying and versioning diagrams, and the pages that show deployed versions."""

from __future__ import annotations

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    """Register the process pages at /proses."""
    app.register_blueprint(bp)
