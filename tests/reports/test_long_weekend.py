"""A controlled clock around Christmas 2026: Thursday 24 December cuti bersama, Friday 25
Christmas, the weekend, New Year's Day (Friday 1 January 2027) and Isra Mi'raj (Tuesday 5
January 2027).

A complaint received on Wednesday 23 December at 10:00 WIB counts its five working days on
28, 29, 30, 31 December and 4 January: due Monday 4 January 23:59:59 WIB. The desk officer is
reminded from 08:00 on the working day before (Thursday 31 December); the standard passes
overnight, and the first digest goes out at 08:00 of the next working day (Wednesday 6 January,
Tuesday 5 being a holiday), to the task's holders and its lane's leads only.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app.auth.service import ensure_demo_users
from app.cases import service
from app.cases.models import CaseEvent, HumanTask, Timer
from app.cli import upgrade_database
from app.db import get_session
from app.engine import WIB
from app.notify.models import Outbox
from app.processes.service import deploy_file
from app.reports import reminders, workcalendar
from tests.reports.helpers import at, case_of, receive, wib
from tests.support import ROOT, make_test_app

DUE = datetime(2027, 1, 4, 23, 59, 59, tzinfo=WIB)


def _mail(kind: str) -> list[Outbox]:
    session = get_session()
    session.expire_all()
    return list(session.scalars(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)))


def _with_cuti_bersama(tmp_path: Path) -> Flask:
    app = make_test_app(tmp_path, CUTI_BERSAMA="2026-12-24")
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        ensure_demo_users(date(2026, 12, 1))
        ensure_demo_users(date(2027, 1, 1))  # Surat Tugas run by calendar year
    return app


def test_due_date_reminder_and_digest_moments_around_the_long_weekend(tmp_path: Path) -> None:
    app = _with_cuti_bersama(tmp_path)
    with app.app_context():
        case_id = receive(wib("2026-12-23", 10))
        case = case_of(case_id)
        assert case.due_at == DUE
        [task] = get_session().scalars(select(HumanTask).where(HumanTask.case_id == case_id))
        assert task.due_at == DUE  # the desk officer's task carries the standard's deadline

        # No reminder before Thursday 31 December 08:00; then one, to the officer's queue.
        assert at(wib("2026-12-30", 23), reminders.send_reminders) == 0
        assert at(wib("2026-12-31", 7, 59), reminders.send_reminders) == 0
        assert at(wib("2026-12-31", 8), reminders.send_reminders) == 1
        assert at(wib("2026-12-31", 9), reminders.send_reminders) == 0  # once only
        [reminder] = _mail("reminder")
        assert reminder.to == "petugas@example.go.id"
        assert case.tracking_code in reminder.body and "04-01-2027" in reminder.body

        # The timer waits through New Year's Day and fires after Monday 4 January.
        assert at(wib("2027-01-04", 23), service.fire_due_timers) == 0
        assert at(wib("2027-01-05", 0, 1), service.fire_due_timers) == 1
        assert case_of(case_id).sla_breached

        # Tuesday 5 January is Isra Mi'raj: no digest; Wednesday 08:00 the first.
        assert at(wib("2027-01-05", 9), reminders.send_digests) == 0
        assert at(wib("2027-01-06", 7, 59), reminders.send_digests) == 0
        assert at(wib("2027-01-06", 8), reminders.send_digests) == 1
        assert at(wib("2027-01-06", 14), reminders.send_digests) == 0  # one a day
        [digest] = _mail("digest")
        # The case waits at the desk officer: the team lead, who cannot reassign it, is spared.
        assert digest.to == "petugas@example.go.id"
        assert case.tracking_code in digest.body and "terlambat 1 hari kerja" in digest.body
        assert _mail("sla_breached") == []  # no e-mail per case any more
        assert at(wib("2027-01-07", 8), reminders.send_digests) == 1  # the next working day
    app.extensions["db_engine"].dispose()


def test_adding_a_cuti_bersama_day_moves_a_running_case(quality: Flask) -> None:
    # Without 24 December off, the five days are 24, 28, 29, 30, 31 December.
    case_id = receive(wib("2026-12-23", 10))
    first_due = datetime(2026, 12, 31, 23, 59, 59, tzinfo=WIB)
    assert case_of(case_id).due_at == first_due

    report = at(wib("2026-12-23", 12),
                lambda: workcalendar.add_day(datetime(2026, 12, 24).date(),
                                             "Cuti bersama Natal", "admin"))
    assert report.cases_moved == 1
    case = case_of(case_id)
    assert case.due_at == DUE  # past New Year's Day and the weekend to Monday 4 January
    [timer] = get_session().scalars(select(Timer).where(Timer.case_id == case_id))
    assert timer.due_at == DUE
    [task] = get_session().scalars(select(HumanTask).where(HumanTask.case_id == case_id))
    assert task.due_at == DUE
    [moved] = get_session().scalars(select(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.type == "due_date_moved"))
    assert "Cuti bersama Natal" in moved.data_json and "2026-12-24" in moved.data_json

    # The workflow's own timer moved too: nothing fires on 1 January, it fires on 5 January.
    assert at(wib("2027-01-01", 9), service.fire_due_timers) == 0
    assert at(wib("2027-01-05", 0, 1), service.fire_due_timers) == 1

    # A case received after the change counts the new calendar straight away.
    later = receive(wib("2026-12-23", 13))
    assert case_of(later).due_at == DUE


def test_removing_the_day_moves_the_deadline_back(quality: Flask) -> None:
    case_id = receive(wib("2026-12-23", 10))
    day = datetime(2026, 12, 24).date()
    at(wib("2026-12-23", 11), lambda: workcalendar.add_day(day, "Cuti bersama", "admin"))
    assert case_of(case_id).due_at == DUE
    at(wib("2026-12-23", 12), lambda: workcalendar.remove_day(day, "admin"))
    assert case_of(case_id).due_at == datetime(2026, 12, 31, 23, 59, 59, tzinfo=WIB)
    assert at(wib("2027-01-01", 0, 1), service.fire_due_timers) == 1


def test_a_day_that_is_already_off_is_refused_in_indonesian(quality: Flask) -> None:
    christmas = datetime(2026, 12, 25).date()
    try:
        workcalendar.add_day(christmas, "Natal", "admin")
    except workcalendar.CalendarError as exc:
        assert "sudah bukan hari kerja" in str(exc)
    else:
        raise AssertionError("Christmas was accepted as a new day off")
