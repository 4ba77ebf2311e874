"""The Indonesian working-day calendar: weekends, national holidays, cuti bersama."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone

import holidays

# Asia/Jakarta has had no daylight saving since 1964: a fixed offset needs no tz database.
WIB = timezone(timedelta(hours=7), "WIB")
END_OF_DAY = time(23, 59, 59)


class WorkingCalendar:
    """Counts hari kerja: Monday to Friday, less national holidays and cuti bersama."""

    def __init__(self, cuti_bersama: Iterable[date] = ()) -> None:
        self._holidays = holidays.country_holidays("ID")
        self.cuti_bersama = frozenset(cuti_bersama)

    @classmethod
    def from_setting(cls, setting: str) -> WorkingCalendar:
        """Build a calendar from a comma-separated list of ISO dates (the CUTI_BERSAMA setting)."""
        days = [date.fromisoformat(part.strip()) for part in setting.split(",") if part.strip()]
        return cls(days)

    def setting(self) -> str:
        """The cuti bersama as the CUTI_BERSAMA setting writes them (sorted ISO dates)."""
        return ",".join(sorted(day.isoformat() for day in self.cuti_bersama))

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name when DAY is a national holiday or cuti bersama, else None."""
        if day in self.cuti_bersama:
            return "Cuti bersama"
        name = self._holidays.get(day)
        return str(name) if name else None

    def is_working_day(self, day: date) -> bool:
        """True when DAY is a hari kerja."""
        return day.weekday() < 5 and day not in self.cuti_bersama and day not in self._holidays

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end (23:59:59 WIB) of the DAYS-th working day after START's own day."""
        if start.tzinfo is None:
            raise ValueError("start must carry a timezone")
        day = start.astimezone(WIB).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return datetime.combine(day, END_OF_DAY, WIB)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after START up to and including END; negative when END is before START."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
