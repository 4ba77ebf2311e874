"""The office's extra non-working days (cuti bersama, local days) and what adding one moves.

The national calendar comes from the `holidays` package and CUTI_BERSAMA; the days kept in
`calendar_days` join them. Adding or removing a day re-counts the waiting timers, the task due
dates and the service-standard deadline of every running case, each case in its own transaction
with a `due_date_moved` event.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..cases.events import SYSTEM, Actor, EventLog
from ..cases.models import Case, HumanTask, Timer
from ..cases.service import engine
from ..db import get_session, transaction, utcnow
from ..engine import WIB, WorkingCalendar
from ..engine.calendar import END_OF_DAY
from ..engine.retime import move_timers, use_calendar
from ..logs import log_event
from .models import CalendarDay

REFRESH_SECONDS = 30.0  # how stale another process's calendar may be (admin page, CLI, worker)
_CHECKED = "calendar_checked_at"


class CalendarError(ValueError):
    """A day that cannot be added or removed; the message says why in Indonesian."""


@dataclass(frozen=True)
class MoveReport:
    """What a calendar change did to the running cases."""

    day: date
    cases_moved: int
    failed: int


def extra_days() -> list[CalendarDay]:
    """The office's extra non-working days, in date order."""
    return list(get_session().scalars(select(CalendarDay).order_by(CalendarDay.day)))


def configured_days() -> frozenset[date]:
    """The cuti bersama of the CUTI_BERSAMA setting (not editable on the admin page)."""
    return WorkingCalendar.from_setting(current_app.config.get("CUTI_BERSAMA", "")).cuti_bersama


def office_calendar() -> WorkingCalendar:
    """The configured calendar (CUTI_BERSAMA) with the days kept in the database."""
    configured = WorkingCalendar.from_setting(current_app.config.get("CUTI_BERSAMA", ""))
    kept = get_session().scalars(select(CalendarDay.day))
    return WorkingCalendar({*configured.cuti_bersama, *kept})


def refresh(force: bool = False) -> WorkingCalendar:
    """Give the process engine the current office calendar (read at most every 30 seconds)."""
    last = current_app.extensions.get(_CHECKED, 0.0)
    if force or time.monotonic() - last > REFRESH_SECONDS:
        use_calendar(engine(), office_calendar())
        current_app.extensions[_CHECKED] = time.monotonic()
    calendar: WorkingCalendar = engine().calendar
    return calendar


def today() -> date:
    """Today in WIB."""
    return utcnow().astimezone(WIB).date()


def add_day(day: date, reason: str, added_by: str) -> MoveReport:
    """Make DAY a non-working day and move the running cases' deadlines past it."""
    reason = " ".join(reason.split())
    if not reason:
        raise CalendarError(_("Keterangan hari libur wajib diisi."))
    if len(reason) > 200:
        raise CalendarError(_("Keterangan paling banyak 200 karakter."))
    calendar = refresh(force=True)
    if not calendar.is_working_day(day):
        raise CalendarError(_("%(day)s sudah bukan hari kerja.", day=day.isoformat()))
    try:
        with transaction() as session:
            session.add(CalendarDay(day=day, reason=reason, added_by=added_by,
                                    added_at=utcnow()))
    except IntegrityError as exc:
        raise CalendarError(_("%(day)s sudah ada di daftar.", day=day.isoformat())) from exc
    new = refresh(force=True)
    return _move_all(day, new, added=True, reason=reason)


def remove_day(day: date, removed_by: str) -> MoveReport:
    """Make DAY a working day again and move the running cases' deadlines back."""
    with transaction() as session:
        row = session.get(CalendarDay, day)
        if row is None:
            raise CalendarError(_("%(day)s bukan hari libur tambahan kantor.", day=day.isoformat()))
        reason = row.reason
        session.delete(row)
    new = refresh(force=True)
    log_event("calendar_day_removed", day=day.isoformat(), by=removed_by)
    return _move_all(day, new, added=False, reason=reason)


def shifted(moment: datetime, day: date, calendar: WorkingCalendar, added: bool) -> datetime:
    """MOMENT re-counted after DAY became a day off (ADDED) or a working day again.

    A deadline counted in working days moves by one working day when the changed day lies
    between now and the deadline's own day; others stay. Deadlines end the day (23:59:59 WIB).
    """
    local = moment.astimezone(WIB)
    if not today() <= day <= local.date():
        return moment
    if added:
        return calendar.add_working_days(local, 1)
    previous = local.date() - timedelta(days=1)
    while not calendar.is_working_day(previous):
        previous -= timedelta(days=1)
    return datetime.combine(previous, END_OF_DAY, WIB)


def _move_all(day: date, calendar: WorkingCalendar, added: bool, reason: str) -> MoveReport:
    ids = list(get_session().scalars(select(Case.id).where(Case.status == "berjalan")))
    get_session().rollback()
    moved = failed = 0
    for case_id in ids:
        try:
            if _move_with_retry(case_id, day, calendar, added, reason):
                moved += 1
        except Exception as exc:  # one case's failure is that case's: logged, the rest go on
            failed += 1
            log_event("due_date_move_failed", level=logging.ERROR, case_id=case_id,
                      error_type=type(exc).__name__)
    log_event("calendar_changed", day=day.isoformat(), added=added, cases_moved=moved,
              failed=failed)
    return MoveReport(day, moved, failed)


def _move_with_retry(case_id: int, day: date, calendar: WorkingCalendar, added: bool,
                     reason: str, attempts: int = 3) -> bool:
    """move_case, tried again when someone completed a task of the case at the same moment."""
    for attempt in range(attempts):
        try:
            return move_case(case_id, day, calendar, added, reason)
        except StaleDataError:
            if attempt == attempts - 1:
                raise
    return False


def move_case(case_id: int, day: date, calendar: WorkingCalendar, added: bool, reason: str,
              actor: Actor = SYSTEM) -> bool:
    """Re-count one running case's deadlines in its own transaction; True when any moved."""
    now = utcnow()
    with transaction() as session:
        case = session.get(Case, case_id)
        if case is None or case.status != "berjalan":
            return False
        timers = list(session.scalars(select(Timer).where(Timer.case_id == case_id,
                                                          Timer.status == "waiting")))
        moves = {}
        changes = []
        for timer in timers:
            new = shifted(timer.due_at, day, calendar, added)
            if new != timer.due_at:
                moves[timer.task_id] = new
                changes.append({"timer": timer.name or timer.bpmn_id,
                                "dari": timer.due_at.isoformat(), "ke": new.isoformat()})
                timer.due_at = new
        tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case_id,
                                                             HumanTask.status == "ready")))
        for task in tasks:
            if task.due_at is not None:
                task.due_at = shifted(task.due_at, day, calendar, added)
        old_due = case.due_at
        if old_due is not None and case.answered_at is None:
            case.due_at = shifted(old_due, day, calendar, added)
        if not moves and case.due_at == old_due:
            return False
        if moves:
            case.state_json = move_timers(engine(), case.state_json, moves)
        case.updated_at = now
        EventLog(session, case).append(
            "due_date_moved", actor, now,
            {"hari": day.isoformat(), "libur": added, "keterangan": reason,
             "batas_standar": case.due_at.isoformat() if case.due_at else None,
             "pengatur_waktu": changes})
    return True
