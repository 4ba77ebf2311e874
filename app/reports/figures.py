"""Pure arithmetic of the reports: working time, median and p90, the SKM index and its grade."""

from __future__ import annotations

import math
import statistics
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..engine import WIB, WorkingCalendar

SECONDS_PER_DAY = 86400
# Permenpan RB 14/2017: the index (mean x 25) and its grades, lowest bound first.
GRADES: tuple[tuple[float, str, str], ...] = (
    (88.31, "A", "Sangat baik"),
    (76.61, "B", "Baik"),
    (65.00, "C", "Kurang baik"),
    (25.00, "D", "Tidak baik"),
)
SKM_ELEMENTS = tuple(f"U{n}" for n in range(1, 10))
SINGLE_RATING = "nilai"


_KNOWN: weakref.WeakKeyDictionary[WorkingCalendar, dict[date, bool]] = (
    weakref.WeakKeyDictionary())


def is_working_day(calendar: WorkingCalendar, day: date) -> bool:
    """CALENDAR.is_working_day(DAY), remembered per calendar (a report asks thousands of times)."""
    known = _KNOWN.setdefault(calendar, {})
    found = known.get(day)
    if found is None:
        found = known[day] = calendar.is_working_day(day)
    return found


def working_days_elapsed(calendar: WorkingCalendar, start: datetime, end: datetime) -> float:
    """Working days between START and END: the part of the span on hari kerja, in days (WIB).

    A span within one working day counts its fraction (six hours = 0.25); weekends, national
    holidays and the office's extra days count nothing.
    """
    if end <= start:
        return 0.0
    local_start, local_end = start.astimezone(WIB), end.astimezone(WIB)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if is_working_day(calendar, day):
            day_start = datetime(day.year, day.month, day.day, tzinfo=WIB)
            lo = max(local_start, day_start)
            hi = min(local_end, day_start + timedelta(days=1))
            total += max((hi - lo).total_seconds(), 0.0) / SECONDS_PER_DAY
        day += timedelta(days=1)
    return total


def median(values: Sequence[float]) -> float | None:
    """The median (mean of the middle two for an even count); None for no values."""
    return float(statistics.median(values)) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank: the ceil(0.9 n)-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(math.ceil(0.9 * len(ordered)), 1) - 1])


def grade(index: float | None) -> tuple[str, str] | None:
    """(letter, meaning) of an SKM index per Permenpan RB 14/2017; None without an index."""
    if index is None:
        return None
    for lower, letter, meaning in GRADES:
        if index >= lower - 1e-9:
            return letter, meaning
    return "D", "Tidak baik"


@dataclass(frozen=True)
class SatisfactionIndex:
    """The SKM index of a set of answers: from single ratings or from the nine elements."""

    respondents: int
    index: float | None
    grade: tuple[str, str] | None
    # U1..U9 -> (respondents, mean, element index = mean x 25); empty for single ratings
    elements: Mapping[str, tuple[int, float, float]]
    method: str  # "nilai" (one rating) or "unsur" (U1..U9)


def single_rating_index(ratings: Sequence[int]) -> SatisfactionIndex:
    """Index = mean of the 1-4 ratings x 25."""
    if not ratings:
        return SatisfactionIndex(0, None, None, {}, SINGLE_RATING)
    value = statistics.fmean(ratings) * 25
    return SatisfactionIndex(len(ratings), value, grade(value), {}, SINGLE_RATING)


def element_index(answers: Sequence[Mapping[str, int]]) -> SatisfactionIndex:
    """Per Permenpan RB 14/2017: each element's mean, weighted 1/9, summed, x 25.

    ANSWERS are the respondents' U1..U9 ratings; an element nobody rated leaves the index
    undefined (the regulation needs all nine).
    """
    means: dict[str, tuple[int, float, float]] = {}
    for element in SKM_ELEMENTS:
        values = [a[element] for a in answers if element in a]
        if values:
            mean = statistics.fmean(values)
            means[element] = (len(values), mean, mean * 25)
    complete = len(means) == len(SKM_ELEMENTS)
    value = sum(m for _n, m, _i in means.values()) / len(SKM_ELEMENTS) * 25 if complete else None
    return SatisfactionIndex(len(answers), value, grade(value), means, "unsur")
