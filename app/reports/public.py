"""The public recap: aggregates only, never a secret case, small counts suppressed.

No subject, tracking number or identity leaves this module: only counts, shares, medians and
the satisfaction index, per month. A count below PUBLIC_MIN_COUNT (config) is shown as
"fewer than N", and a figure computed from it (share, median, index) is not shown at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from ..db import utcnow
from ..engine import WIB
from . import figures
from .service import (
    CaseRow,
    Period,
    calendar,
    count_outcomes,
    period_cases,
    responded_at,
    satisfaction,
    standard_outcome,
)

DEFAULT_MIN_COUNT = 5


@dataclass(frozen=True)
class MonthFigures:
    """One month of the recap; None means suppressed (too few cases) or nothing to show."""

    month: str  # "2026-03"
    received: int | None  # None: fewer than the threshold
    on_time_share: float | None
    median_days: float | None


@dataclass(frozen=True)
class PublicRecap:
    """The figures of the public page."""

    year: int
    threshold: int
    months: list[MonthFigures]
    received: int | None
    on_time_share: float | None
    median_days: float | None
    index: float | None
    grade: tuple[str, str] | None
    respondents: int | None


def threshold() -> int:
    """The smallest count published (PUBLIC_MIN_COUNT, at least 1)."""
    return max(int(current_app.config.get("PUBLIC_MIN_COUNT", DEFAULT_MIN_COUNT)), 1)


def _public_cases(year: int) -> list[CaseRow]:
    """The year's cases, secret ones left out (the report's columns only)."""
    return period_cases(Period(date(year, 1, 1), date(year, 12, 31)), include_secret=False)


def _figures(cases: list[CaseRow], now: datetime, least: int
             ) -> tuple[int | None, float | None, float | None]:
    """(count, on-time share, median working days to the response), each suppressed if small."""
    if len(cases) < least:
        return None, None, None
    tally = count_outcomes(standard_outcome(c, now) for c in cases)
    decided = tally.met + tally.breached
    share = tally.share if decided >= least else None
    cal = calendar()
    days = [figures.working_days_elapsed(cal, c.received_at, r)
            for c in cases if (r := responded_at(c)) is not None]
    middle = figures.median(days) if len(days) >= least else None
    return len(cases), share, middle


def recap(year: int | None = None, now: datetime | None = None) -> PublicRecap:
    """The public figures of YEAR (default: this year), secret cases left out."""
    now = now or utcnow()
    year = year or now.astimezone(WIB).year
    least = threshold()
    cases = _public_cases(year)
    by_month: dict[str, list[CaseRow]] = defaultdict(list)
    for case in cases:
        local = case.received_at.astimezone(WIB)
        by_month[f"{local.year}-{local.month:02d}"].append(case)
    last_month = now.astimezone(WIB).month if year == now.astimezone(WIB).year else 12
    months = []
    for month in range(1, last_month + 1):
        key = f"{year}-{month:02d}"
        count, share, middle = _figures(by_month.get(key, []), now, least)
        months.append(MonthFigures(key, count, share, middle))
    total, share, middle = _figures(cases, now, least)
    single, elements = satisfaction([c.id for c in cases])
    # The nine-element index when the confirmation form asks U1..U9, else the single rating.
    chosen = elements if elements.index is not None else single
    shown = chosen.respondents >= least and chosen.index is not None
    return PublicRecap(year, least, months, total, share, middle,
                       chosen.index if shown else None, chosen.grade if shown else None,
                       chosen.respondents if shown else None)


def years_available(now: datetime | None = None) -> list[int]:
    """This year and the previous two (the page's year choice)."""
    this = (now or utcnow()).astimezone(WIB).year
    return [this, this - 1, this - 2]
