"""Inbox: filled in by its issue."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to attach yet."""
