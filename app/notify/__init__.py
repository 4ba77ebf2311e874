"""Notifications to complainants and staff (e-mail outbox); a placeholder until it is written."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the notification subsystem to APP (nothing yet)."""
