"""Cases walked through the real diagram for the audit tests, with the live state captured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import time_machine
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import HumanTask, Timer
from app.db import get_session
from app.engine import WIB
from app.engine.replay import describe
from tests.stores import events_of, reload, step
from tests.support import (
    ACCEPT,
    ANSWER,
    ASK_DATA,
    DELIVER,
    FORWARD,
    OFFICER,
    REJECT,
    START_DATA,
    STUDY_ALONE,
    STUDY_WITH_PCS,
    TEAM,
    TECHNICAL,
)

MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)


@dataclass(frozen=True)
class LiveMoment:
    """What the live case had right after one step: its last event, waiting tasks, timers, data."""

    last_seq: int
    waiting: list[tuple[str, str | None, str | None]]
    timers: list[tuple[str, datetime]]
    data: dict[str, Any]


def capture(case_id: int) -> LiveMoment:
    """The live case as stored now (task rows, timer rows, the state's data)."""
    session = get_session()
    session.expire_all()
    case = reload(case_id)
    waiting = sorted(
        (t.bpmn_id, t.lane, t.division)
        for t in session.scalars(
            select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.status == "ready"))
    )
    timers = sorted(
        (t.bpmn_id, t.due_at)
        for t in session.scalars(
            select(Timer).where(Timer.case_id == case_id, Timer.status == "waiting"))
    )
    data = describe(service.engine(), case.state_json).data
    return LiveMoment(events_of(case_id)[-1].seq, waiting, timers, data)


def full_journey() -> tuple[int, list[LiveMoment]]:
    """Data request, coordination with a division, one rejected answer, then accepted.

    Each step an hour after the previous one; the live case is captured after each.
    """
    moments: list[LiveMoment] = []
    walk: list[tuple[str, dict[str, Any], Any]] = [
        ("verifikasi_pengaduan", ASK_DATA, OFFICER),
        ("lengkapi_data", {"data_tambahan": "KK terbaru nomor 1605010101090001."}, PUBLIC),
        ("verifikasi_pengaduan", FORWARD, OFFICER),
        ("telaah_pengaduan", STUDY_WITH_PCS, TEAM),
        ("tindak_lanjut_teknis", {"hasil_tindak_lanjut": "Data akta sudah benar."}, TECHNICAL),
        ("susun_jawaban", ANSWER, TEAM),
        ("sampaikan_jawaban", DELIVER, OFFICER),
        ("konfirmasi_jawaban", REJECT, PUBLIC),
        ("telaah_pengaduan", STUDY_ALONE, TEAM),
        ("susun_jawaban", {"jawaban": "KTP-el Anda dicetak ulang hari ini."}, TEAM),
        ("sampaikan_jawaban", DELIVER, OFFICER),
        ("konfirmasi_jawaban", ACCEPT, PUBLIC),
    ]
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        case_id = service.submit_case(dict(START_DATA), PUBLIC).case.id
        moments.append(capture(case_id))
        for bpmn_id, data, actor in walk:
            traveller.shift(timedelta(hours=1))
            step(case_id, bpmn_id, data, actor)
            moments.append(capture(case_id))
    return case_id, moments


def closed_by_timer() -> int:
    """A case answered, then closed automatically after ten working days without a reply."""
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case_id = service.submit_case(dict(START_DATA), PUBLIC).case.id
        step(case_id, "verifikasi_pengaduan", FORWARD, OFFICER)
        step(case_id, "telaah_pengaduan", STUDY_ALONE, TEAM)
        step(case_id, "susun_jawaban", ANSWER, TEAM)
        step(case_id, "sampaikan_jawaban", DELIVER, OFFICER)
    with time_machine.travel(datetime(2026, 12, 15, 8, 0, tzinfo=WIB), tick=False):
        assert service.fire_case_timers(case_id)  # only this case: the database may be shared
    return case_id


def breached_then_answered() -> int:
    """A case past its 5-day standard (escalated by the timer sweep), then answered."""
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case_id = service.submit_case(dict(START_DATA), PUBLIC).case.id
        step(case_id, "verifikasi_pengaduan", FORWARD, OFFICER)
    with time_machine.travel(datetime(2026, 12, 8, 0, 1, tzinfo=WIB), tick=False):
        assert service.fire_case_timers(case_id)  # only this case: the database may be shared
        step(case_id, "telaah_pengaduan", STUDY_ALONE, TEAM)
        step(case_id, "susun_jawaban", ANSWER, TEAM)
        step(case_id, "sampaikan_jawaban", DELIVER, OFFICER)
        step(case_id, "konfirmasi_jawaban", ACCEPT, PUBLIC)
    return case_id


REFER = {
    "instansi_rujukan": "Dinas Pekerjaan Umum Kabupaten Musi Rawas",
    "alasan_rujukan": "Pengaduan tentang jalan rusak bukan urusan kependudukan.",
    "cara_pemberitahuan": "telepon",
    "pesan_kepada_pelanggan": "Pengaduan Anda kami teruskan ke Dinas PU Kabupaten Musi Rawas.",
}


def referred(**start: Any) -> int:
    """A complaint that is not the office's authority, referred to another agency."""
    with time_machine.travel(MONDAY_MORNING, tick=False):
        data = {**START_DATA, "jenis": "pengaduan", "layanan": "lainnya",
                "menyangkut_data_sendiri": False, "nik": None, "no_kk": None, **start}
        case_id = service.submit_case(data, PUBLIC).case.id
        step(case_id, "verifikasi_pengaduan",
             {"keputusan_verifikasi": "bukan_wewenang", "wewenang": False}, OFFICER)
        step(case_id, "rujuk_instansi", REFER, OFFICER)
    return case_id
