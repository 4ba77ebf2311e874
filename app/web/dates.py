"""Dates as people in Musi Rawas read them: WIB, Indonesian (or English) month and day names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date
from flask_babel import gettext as _

from ..engine import WIB


def _day(value: date | datetime) -> date:
    return value.astimezone(WIB).date() if isinstance(value, datetime) else value


def wib_date(value: date | datetime | None) -> str:
    """A day, e.g. '5 Desember 2026' ('5 December 2026' in English); a dash when unknown."""
    if value is None:
        return "—"
    return str(format_date(_day(value), "d MMMM y"))


def wib_datetime(value: datetime | None) -> str:
    """A moment, e.g. '5 Desember 2026 09.30 WIB'; a dash when unknown."""
    if value is None:
        return "—"
    return f"{wib_date(value)} {value.astimezone(WIB):%H.%M} WIB"


def wib_long(value: Any, with_time: bool = False) -> str:
    """A day with its weekday, e.g. 'Senin, 7 Desember 2026' (+ ' pukul 09.00 WIB')."""
    if value is None:
        return ""
    text = str(format_date(_day(value), "EEEE, d MMMM y"))
    if not with_time or not isinstance(value, datetime):
        return text
    return _("%(date)s pukul %(time)s WIB", date=text, time=f"{value.astimezone(WIB):%H.%M}")


def init_app(app: Flask) -> None:
    """Register the date filters every template uses."""
    app.add_template_filter(wib_date, "wib_date")
    app.add_template_filter(wib_datetime, "wib_datetime")
    app.add_template_filter(wib_long, "wib_long")
