"""Inbox: the staff's task lists, claiming, the task page with its generated form, completing."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from ..engine import WIB
from ..formrender import format_date
from .views import bp


def _local_date(value: date | datetime | None) -> str:
    """A date or moment as a day people read (WIB), e.g. 5 Desember 2026."""
    if value is None:
        return ""
    day = value.astimezone(WIB).date() if isinstance(value, datetime) else value
    return format_date(day)


def _local_time(value: datetime | None) -> str:
    """A moment as day and WIB clock time."""
    if value is None:
        return ""
    local = value.astimezone(WIB)
    return f"{format_date(local.date())} {local:%H.%M} WIB"


def init_app(app: Flask) -> None:
    """Register the inbox pages at /tugas and their date filters."""
    app.register_blueprint(bp)
    app.add_template_filter(_local_date, "inbox_date")
    app.add_template_filter(_local_time, "inbox_time")
