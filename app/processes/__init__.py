"""Processes: deploying and versioning diagrams, and the pages that show deployed versions."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from ..engine import WIB
from ..formrender import format_date
from .views import bp


def wib_time(value: datetime | None) -> str:
    """A moment as day and WIB clock time, e.g. 5 Desember 2026 09.30 WIB."""
    if value is None:
        return "—"
    local = value.astimezone(WIB)
    return f"{format_date(local.date())} {local:%H.%M} WIB"


def init_app(app: Flask) -> None:
    """Register the process pages at /proses and the `wib` date filter."""
    app.register_blueprint(bp)
    app.add_template_filter(wib_time, "wib")
