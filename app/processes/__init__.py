"""Processes: deploying and versioning diagrams (the modeler and diffs come later)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to attach yet: deploying is reached through the CLI."""
