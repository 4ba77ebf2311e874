"""Public: submission without an account, tracking by number and code, public-lane tasks."""

from __future__ import annotations

from flask import Flask

from . import (
    models,  # noqa: F401 - the submission tokens' table
    texts,
)
from .views import bp


def init_app(app: Flask) -> None:
    """Register the public pages (and the desk officer's registration page)."""
    app.register_blueprint(bp)
    texts.init_app(app)
