"""Translation and date helpers: Flask-Babel when the app has it, plain Indonesian otherwise."""

from __future__ import annotations

from datetime import date
from typing import Any

import flask_babel
from flask import current_app, has_app_context

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def _babel_active() -> bool:
    return has_app_context() and "babel" in current_app.extensions


def _(message: str, **variables: Any) -> str:
    """Translate MESSAGE (Indonesian source text) through Flask-Babel when it is available."""
    if _babel_active():
        return str(flask_babel.gettext(message, **variables))
    return message % variables if variables else message


def _current_language() -> str:
    if not _babel_active():
        return "id"
    locale = flask_babel.get_locale()
    return locale.language if locale is not None else "id"


def format_date(value: str | date) -> str:
    """An ISO date as people read it: '5 Desember 2026' (or the active locale's long form)."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if _current_language() != "id":
        return str(flask_babel.format_date(day, "d MMMM yyyy"))
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def join_alternatives(titles: list[str]) -> str:
    """'A', 'A atau B', 'A, B atau C'."""
    if len(titles) <= 1:
        return "".join(titles)
    return _("%(first)s atau %(last)s", first=", ".join(titles[:-1]), last=titles[-1])


def format_size(size: int | float | None) -> str:
    """A file size as people read it: '390 B', '12 KB', '1,5 MB' (decimal comma in Indonesian)."""
    count = int(size or 0)
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{round(count / 1024)} KB"
    value = f"{count / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
    return f"{value.replace('.', ',') if _current_language() == 'id' else value} MB"
