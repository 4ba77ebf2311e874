"""The second round: after the complainant rejects the answer, the team has 5 working days
(hari_kerja_dari_sekarang(5) on the diagram's `serviceStandard="ulang"` timer)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Timer
from app.db import get_session
from app.engine import WIB
from app.reports import reminders
from app.reports import service as reports
from tests.reports.helpers import at, case_of, complete, receive, wib
from tests.support import DELIVER, FORWARD, OFFICER, REJECT, STUDY_ALONE, TEAM


def _first_answer_rejected(received: str, rejected: datetime) -> int:
    case_id = receive(wib(received, 9))
    complete(wib(received, 10), case_id, "verifikasi_pengaduan", FORWARD, OFFICER)
    complete(wib(received, 11), case_id, "telaah_pengaduan", STUDY_ALONE, TEAM)
    complete(wib(received, 12), case_id, "susun_jawaban", {"jawaban": "Sudah."}, TEAM)
    complete(wib(received, 13), case_id, "sampaikan_jawaban", DELIVER, OFFICER)
    complete(rejected, case_id, "konfirmasi_jawaban", REJECT, PUBLIC)
    return case_id


def _round_timer(case_id: int) -> Timer:
    session = get_session()
    session.expire_all()
    [timer] = session.scalars(select(Timer).where(Timer.case_id == case_id,
                                                  Timer.bpmn_id.in_(reports.round_standard_ids())))
    return timer


def test_a_rejected_answer_starts_a_five_day_standard_met_when_answered_again(
        quality: Flask) -> None:
    # Rejected on Wednesday 2 December: due Wednesday 9 December, end of day.
    case_id = _first_answer_rejected("2026-11-30", wib("2026-12-02", 9))
    timer = _round_timer(case_id)
    assert timer.due_at == datetime(2026, 12, 9, 23, 59, 59, tzinfo=WIB)
    assert timer.status == "waiting"
    complete(wib("2026-12-03", 9), case_id, "telaah_pengaduan", STUDY_ALONE, TEAM)
    complete(wib("2026-12-03", 10), case_id, "susun_jawaban", {"jawaban": "Diperbaiki."}, TEAM)
    complete(wib("2026-12-03", 11), case_id, "sampaikan_jawaban", DELIVER, OFFICER)
    assert _round_timer(case_id).status == "cancelled"  # the new answer reached the complainant
    report = at(wib("2026-12-10", 9), lambda: reports.build_report(
        reports.Period(date(2026, 11, 30), date(2026, 12, 10))))
    assert (report.second_round.met, report.second_round.breached) == (1, 0)


def test_a_second_round_past_its_standard_is_breached_and_in_the_digest(
        quality: Flask) -> None:
    case_id = _first_answer_rejected("2026-11-30", wib("2026-12-02", 9))
    assert at(wib("2026-12-09", 23), service.fire_due_timers) == 0
    assert at(wib("2026-12-10", 0, 1), service.fire_due_timers) == 1
    assert _round_timer(case_id).status == "fired"
    assert case_of(case_id).status == "berjalan"  # the case goes on; only the breach is kept
    report = at(wib("2026-12-10", 9), lambda: reports.build_report(
        reports.Period(date(2026, 11, 30), date(2026, 12, 10))))
    assert (report.second_round.met, report.second_round.breached) == (0, 1)
    # The first answer came on time, but the case is late again, waiting at the team.
    assert report.on_time.met == 1
    [late] = at(wib("2026-12-10", 9), lambda: reminders.overdue_cases(wib("2026-12-10", 9)))
    assert late.case.id == case_id and [t.lane for t in late.tasks] == [
        "Tim Penanganan Pengaduan"]
    assert at(wib("2026-12-10", 9), reminders.send_digests) >= 1  # team members and lead
