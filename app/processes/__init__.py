"""Processes: deploying and versioning diagrams, and the pages that show deployed versions."""

from __future__ import annotations

from flask import Flask

from .modeler_views import bp as modeler_bp
from .versions_views import bp as versions_bp
from .views import bp


def init_app(app: Flask) -> None:
    """Register the process pages at /proses: versions, diff, migration and the modeler."""
    app.register_blueprint(bp)
    app.register_blueprint(versions_bp)
    app.register_blueprint(modeler_bp)
