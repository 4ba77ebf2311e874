"""Audit: case timelines, hash-chain verification, diagram overlays and event exports."""

from __future__ import annotations

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    """Register the audit pages at /audit."""
    app.register_blueprint(bp)
