"""Every path through the real diagram in process/, stored on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select

from app import create_app
from app.cases import service
from app.cases.events import PUBLIC, SYSTEM, Actor, verify_chain
from app.cases.identity import identity_of
from app.cases.models import Case, CaseEvent, HumanTask, Timer
from app.cli import upgrade_database
from app.db import get_session
from app.engine import WIB
from app.processes.service import deploy_file
from tests.support import (
    ACCEPT,
    ANSWER,
    DELIVER,
    FORWARD,
    OFFICER,
    REJECT,
    ROOT,
    START_DATA,
    STUDY_ALONE,
    STUDY_WITH_PCS,
    TEAM,
    TECHNICAL,
    postgres_schema_url,
)

MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)


@pytest.fixture(params=["sqlite", "postgres"])
def store_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The app on a fresh, migrated database with the real diagram deployed."""
    if request.param == "sqlite":
        urls: Any = _nullcontext(f"sqlite:///{tmp_path / 'paths.sqlite'}")
    else:
        urls = postgres_schema_url()
    with urls as url:
        app = create_app("test", {"DATABASE_URL": url})
        with app.app_context():
            upgrade_database()
            deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
            yield app
        app.extensions["db_engine"].dispose()


class _nullcontext:
    def __init__(self, value: str) -> None:
        self.value = value

    def __enter__(self) -> str:
        return self.value

    def __exit__(self, *exc: object) -> None:
        return None


# -- helpers ------------------------------------------------------------------------------------


def _schema_for(task: HumanTask) -> dict[str, Any]:
    version = service.active_version()
    schema = service.form_document(version, task.form_schema)
    assert schema is not None, f"{task.bpmn_id} names no deployed form"
    return schema


def _valid(schema: dict[str, Any], data: dict[str, Any]) -> None:
    errors = list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(data))
    assert not errors, [e.message for e in errors]


def ready_tasks(case: Case) -> list[HumanTask]:
    session = get_session()
    return list(
        session.scalars(
            select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "ready")
        )
    )


def assert_reloads_equal(case: Case) -> None:
    """The stored state deserializes to a workflow that serializes back to the same state."""
    session = get_session()
    session.expire_all()
    stored = session.get(Case, case.id)
    assert stored is not None
    engine = service.engine()
    again = engine.serialize(engine.restore(stored.state_json))
    assert json.loads(again) == json.loads(stored.state_json)
    from_state = {t.task_id for t in engine.ready_tasks(stored.state_json)}
    assert from_state == {t.id for t in ready_tasks(stored)}


def submit(**overrides: Any) -> Case:
    data = {k: v for k, v in {**START_DATA, **overrides}.items() if v is not None}
    version = service.active_version()
    _valid(service.form_document(version, service.start_info(version).form.schema_file) or {}, data)
    case = service.submit_case(data, PUBLIC).case
    assert_reloads_equal(case)
    return case


def step(case: Case, bpmn_id: str, data: dict[str, Any], actor: Actor) -> HumanTask:
    """Complete the one ready task BPMN_ID of CASE with form-valid DATA."""
    matching = [t for t in ready_tasks(case) if t.bpmn_id == bpmn_id]
    names = [t.bpmn_id for t in ready_tasks(case)]
    assert len(matching) == 1, f"expected {bpmn_id} ready, found {names}"
    task = matching[0]
    _valid(_schema_for(task), data)
    service.complete_task(task.id, data, actor)
    assert_reloads_equal(case)
    return task


def reload(case: Case) -> Case:
    session = get_session()
    session.expire_all()
    fresh = session.get(Case, case.id)
    assert fresh is not None
    return fresh


def event_types(case: Case) -> list[str]:
    session = get_session()
    return list(
        session.scalars(
            select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


def assert_chain_intact(case: Case) -> None:
    session = get_session()
    events = list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )
    assert verify_chain(events) == []


# -- the paths ----------------------------------------------------------------------------------


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_forwarded_without_coordination_ends_selesai(store_app: Any) -> None:
    case = submit()
    assert case.tracking_code == "ADU-2026-000001"
    assert [t.lane for t in ready_tasks(case)] == ["Petugas Pengelola Layanan Pengaduan"]
    step(case, "verifikasi_pengaduan", FORWARD, OFFICER)
    task = ready_tasks(case)[0]
    assert (task.bpmn_id, task.lane) == ("telaah_pengaduan", "Tim Penanganan Pengaduan")
    step(case, "telaah_pengaduan", STUDY_ALONE, TEAM)
    step(case, "susun_jawaban", ANSWER, TEAM)
    step(case, "sampaikan_jawaban", DELIVER, OFFICER)
    task = ready_tasks(case)[0]
    assert (task.bpmn_id, task.lane) == ("konfirmasi_jawaban", "Pelanggan")
    step(case, "konfirmasi_jawaban", ACCEPT, PUBLIC)
    case = reload(case)
    assert (case.status, case.outcome) == ("selesai", "akhir_selesai")
    assert ready_tasks(case) == []
    # The SLA watch ended with the case: no timer is left waiting.
    assert (
        get_session()
        .scalars(select(Timer).where(Timer.case_id == case.id, Timer.status == "waiting"))
        .all()
        == []
    )
    assert event_types(case)[0] == "case_submitted"
    assert event_types(case)[-1] == "case_closed"
    assert_chain_intact(case)


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_coordination_goes_to_the_chosen_division_only(store_app: Any) -> None:
    case = submit()
    step(case, "verifikasi_pengaduan", FORWARD, OFFICER)
    step(case, "telaah_pengaduan", STUDY_WITH_PCS, TEAM)
    [task] = ready_tasks(case)
    assert (task.bpmn_id, task.lane, task.division) == (
        "tindak_lanjut_teknis",
        "Bidang Teknis",
        "pcs",
    )
    step(case, "tindak_lanjut_teknis", {"hasil_tindak_lanjut": "Data akta sudah benar."}, TECHNICAL)
    [task] = ready_tasks(case)
    assert task.bpmn_id == "susun_jawaban"
    step(case, "susun_jawaban", ANSWER, TEAM)
    step(case, "sampaikan_jawaban", DELIVER, OFFICER)
    step(case, "konfirmasi_jawaban", ACCEPT, PUBLIC)
    assert reload(case).outcome == "akhir_selesai"


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_incomplete_data_is_supplied_by_the_complainant(store_app: Any) -> None:
    case = submit()
    ask = {"keputusan_verifikasi": "minta_data", "data_yang_diminta": "Foto KK yang terbaru."}
    step(case, "verifikasi_pengaduan", ask, OFFICER)
    [task] = ready_tasks(case)
    assert (task.bpmn_id, task.lane) == ("lengkapi_data", "Pelanggan")
    # A Pelanggan task closes after 10 working days: its due moment is that deadline.
    assert task.due_at == datetime(2026, 12, 14, 23, 59, 59, tzinfo=WIB)
    assert reload(case).public_status == task.public_status
    step(case, "lengkapi_data", {"data_tambahan": "KK terbaru nomor 1605010101090001."}, PUBLIC)
    assert [t.bpmn_id for t in ready_tasks(case)] == ["verifikasi_pengaduan"]
    step(case, "verifikasi_pengaduan", FORWARD, OFFICER)
    assert [t.bpmn_id for t in ready_tasks(case)] == ["telaah_pengaduan"]


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_not_our_authority_is_referred_and_ends(store_app: Any) -> None:
    case = submit(
        jenis="pengaduan", layanan="lainnya", menyangkut_data_sendiri=False, nik=None, no_kk=None
    )
    step(
        case,
        "verifikasi_pengaduan",
        {"keputusan_verifikasi": "bukan_wewenang", "wewenang": False},
        OFFICER,
    )
    refer = {
        "instansi_rujukan": "Dinas Pekerjaan Umum Kabupaten Musi Rawas",
        "alasan_rujukan": "Pengaduan tentang jalan rusak bukan urusan kependudukan.",
        "cara_pemberitahuan": "telepon",
        "pesan_kepada_pelanggan": "Pengaduan Anda kami teruskan ke Dinas PU Kabupaten Musi Rawas.",
    }
    step(case, "rujuk_instansi", refer, OFFICER)
    case = reload(case)
    assert (case.status, case.outcome) == ("selesai", "akhir_dirujuk")
    assert ready_tasks(case) == []


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_rejected_answer_goes_back_to_the_team_then_is_accepted(store_app: Any) -> None:
    case = submit()
    step(case, "verifikasi_pengaduan", FORWARD, OFFICER)
    step(case, "telaah_pengaduan", STUDY_ALONE, TEAM)
    step(case, "susun_jawaban", ANSWER, TEAM)
    step(case, "sampaikan_jawaban", DELIVER, OFFICER)
    step(case, "konfirmasi_jawaban", REJECT, PUBLIC)
    [task] = ready_tasks(case)
    assert (task.bpmn_id, task.lane) == ("telaah_pengaduan", "Tim Penanganan Pengaduan")
    completed = (
        get_session()
        .scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.bpmn_id == "konfirmasi_jawaban"
            )
        )
        .one()
    )
    assert (
        json.loads(completed.data_json)["data"]["alasan_tidak_sesuai"]
        == REJECT["alasan_tidak_sesuai"]
    )
    step(case, "telaah_pengaduan", STUDY_ALONE, TEAM)
    step(
        case,
        "susun_jawaban",
        {"jawaban": "KTP-el Anda dicetak ulang hari ini; silakan ambil."},
        TEAM,
    )
    step(case, "sampaikan_jawaban", DELIVER, OFFICER)
    step(case, "konfirmasi_jawaban", ACCEPT, PUBLIC)
    assert reload(case).outcome == "akhir_selesai"
    assert_chain_intact(case)


def test_five_working_days_escalate_without_stopping_the_case(store_app: Any) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
        # Received Monday 30 Nov: the fifth working day is Monday 7 Dec (weekend skipped).
        assert reload(case).due_at == datetime(2026, 12, 7, 23, 59, 59, tzinfo=WIB)
        step(case, "verifikasi_pengaduan", FORWARD, OFFICER)
        assert service.fire_due_timers() == 0
    with time_machine.travel(datetime(2026, 12, 7, 23, 0, tzinfo=WIB), tick=False):
        assert service.fire_due_timers() == 0
        assert not reload(case).sla_breached
    with time_machine.travel(datetime(2026, 12, 8, 0, 1, tzinfo=WIB), tick=False):
        assert service.fire_due_timers() == 1
        case = reload(case)
        assert case.sla_breached and case.status == "berjalan"
        assert "timer_fired" in event_types(case) and "sla_breached" in event_types(case)
        assert [t.bpmn_id for t in ready_tasks(case)] == ["telaah_pengaduan"]
        assert_reloads_equal(case)
        step(case, "telaah_pengaduan", STUDY_ALONE, TEAM)
        assert service.fire_due_timers() == 0  # fired once, not again
    assert_chain_intact(case)


def test_ten_working_days_without_reply_close_the_case(store_app: Any) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
        step(case, "verifikasi_pengaduan", FORWARD, OFFICER)
        step(case, "telaah_pengaduan", STUDY_ALONE, TEAM)
        step(case, "susun_jawaban", ANSWER, TEAM)
        step(case, "sampaikan_jawaban", DELIVER, OFFICER)
        [task] = ready_tasks(case)
        assert task.bpmn_id == "konfirmasi_jawaban"
        assert task.due_at == datetime(2026, 12, 14, 23, 59, 59, tzinfo=WIB)
        assert reload(case).answered_at is not None
    with time_machine.travel(datetime(2026, 12, 15, 8, 0, tzinfo=WIB), tick=False):
        assert service.fire_due_timers() == 1
        case = reload(case)
        assert (case.status, case.outcome) == ("selesai", "akhir_ditutup_otomatis")
        assert not case.sla_breached  # answered on time
        assert ready_tasks(case) == []
        assert get_session().get(HumanTask, task.id).status == "cancelled"  # type: ignore[union-attr]
    assert_chain_intact(case)


def test_due_date_spans_a_weekend_and_a_national_holiday(store_app: Any) -> None:
    # Wednesday 23 Dec 2026; Friday 25 Dec is Christmas, then a weekend.
    with time_machine.travel(datetime(2026, 12, 23, 10, 0, tzinfo=WIB), tick=False):
        case = submit()
    assert reload(case).due_at == datetime(2026, 12, 31, 23, 59, 59, tzinfo=WIB)
    assert reload(case).tracking_code.startswith("ADU-2026-")


def test_cuti_bersama_from_configuration_moves_the_due_date(tmp_path: Path) -> None:
    app = create_app(
        "test", {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}", "CUTI_BERSAMA": "2026-12-24"}
    )
    with (
        app.app_context(),
        time_machine.travel(datetime(2026, 12, 23, 10, 0, tzinfo=WIB), tick=False),
    ):
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        case = submit()
        # 24 Dec off, 25 Dec Christmas, 1 Jan New Year: the fifth working day is Monday 4 Jan.
        assert reload(case).due_at == datetime(2027, 1, 4, 23, 59, 59, tzinfo=WIB)
    app.extensions["db_engine"].dispose()


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_stale_completion_is_refused_and_changes_nothing(store_app: Any) -> None:
    case = submit()
    [task] = ready_tasks(case)
    version_seen = reload(case).version
    before_state = reload(case).state_json
    before_events = event_types(case)
    # Someone else moves the case on first (a draft save or another step bumps the version).
    service.complete_task(task.id, FORWARD, OFFICER, expected_version=version_seen)
    after_first = reload(case)
    assert after_first.version == version_seen + 1
    events_after_first = event_types(case)
    tasks_after_first = {
        (t.id, t.status)
        for t in get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id))
    }
    # The second person still holds the old page: same task, old version.
    with pytest.raises(service.TaskUnavailable):
        service.complete_task(task.id, FORWARD, Actor("user", 9), expected_version=version_seen)
    [next_task] = ready_tasks(case)
    with pytest.raises(service.CaseConflict):
        service.complete_task(next_task.id, STUDY_ALONE, TEAM, expected_version=version_seen)
    after = reload(case)
    assert after.version == after_first.version and after.state_json == after_first.state_json
    assert event_types(case) == events_after_first
    assert {
        (t.id, t.status)
        for t in get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id))
    } == tasks_after_first
    assert before_state != after.state_json and len(before_events) < len(events_after_first)


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_racing_writer_loses_at_commit_time(store_app: Any) -> None:
    """Two sessions read the same case version; the second commit is refused and rolled back."""
    case = submit()
    [task] = ready_tasks(case)
    engine_obj = store_app.extensions["db_engine"]
    from sqlalchemy.orm import Session

    with Session(engine_obj) as other:
        stale = other.get(Case, case.id)
        assert stale is not None
        service.complete_task(task.id, FORWARD, OFFICER)
        stale.subject = "diubah oleh penulis yang kalah"
        from sqlalchemy.orm.exc import StaleDataError

        with pytest.raises(StaleDataError):
            other.commit()
    assert reload(case).subject == START_DATA["judul"]


def test_identity_stays_out_of_state_tasks_and_events(store_app: Any) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit(anonim=True, email="siti@example.org")
    case = reload(case)
    stored = case.state_json + "".join(
        e.data_json
        for e in get_session().scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    )
    for secret in ("Siti Aminah", "1605011201900001", "081234567890", "siti@example.org"):
        assert secret not in stored
    assert case.complainant is not None and identity_of(case.id)["nama"] == "Siti Aminah"
    assert case.anonymous is True


def test_tracking_numbers_count_per_year(store_app: Any) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        assert submit().tracking_code == "ADU-2026-000001"
        assert submit().tracking_code == "ADU-2026-000002"
    with time_machine.travel(MONDAY_MORNING + timedelta(days=40), tick=False):
        assert submit().tracking_code == "ADU-2027-000001"


def test_system_actor_is_recorded_for_timers(store_app: Any) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
    with time_machine.travel(datetime(2026, 12, 9, 9, 0, tzinfo=WIB), tick=False):
        service.fire_due_timers()
    fired = (
        get_session()
        .scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == "timer_fired")
        )
        .one()
    )
    assert fired.actor == SYSTEM.label


def test_events_cannot_be_edited_and_an_edit_is_detected(store_app: Any) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
        step(case, "verifikasi_pengaduan", FORWARD, OFFICER)
    session = get_session()
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE case_events SET actor = 'someone' WHERE seq = 1"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM case_events"))
    session.rollback()
    # A database owner who drops the guard still cannot hide an edit from the hash chain.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER case_events_append_only ON case_events"))
    else:
        session.execute(text("DROP TRIGGER case_events_no_update"))
    session.execute(
        text(
            "UPDATE case_events SET data_json = replace(data_json, 'teruskan', 'minta_data') "
            "WHERE type = 'task_completed'"
        )
    )
    session.commit()
    events = list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )
    problems = verify_chain(events)
    assert problems and "isi telah diubah" in problems[0]


def test_two_people_completing_one_task_at_once_exactly_one_wins(store_app: Any) -> None:
    import threading

    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
    [task] = ready_tasks(case)
    events_before = len(event_types(case))
    seen_version = reload(case).version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user_id: int) -> None:
        with store_app.app_context():
            barrier.wait()
            try:
                service.complete_task(
                    task.id, FORWARD, Actor("user", user_id), expected_version=seen_version
                )
                outcomes.append("won")
            except (service.CaseConflict, service.TaskUnavailable) as exc:
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1, outcomes
    case = reload(case)
    assert case.version == seen_version + 1
    completions = [t for t in event_types(case) if t == "task_completed"]
    assert len(completions) == 1 and len(event_types(case)) > events_before
    assert [t.bpmn_id for t in ready_tasks(case)] == ["telaah_pengaduan"]


def test_a_crash_in_the_middle_of_a_step_leaves_the_case_as_it_was(store_app: Any) -> None:
    from app.cases.signals import events_recorded

    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
    [task] = ready_tasks(case)
    before = reload(case)
    state, version, events = before.state_json, before.version, event_types(case)

    def crash(_sender: object, **_kwargs: object) -> None:
        raise RuntimeError("listrik padam")

    events_recorded.connect(crash)
    try:
        with pytest.raises(RuntimeError, match="listrik padam"):
            service.complete_task(task.id, FORWARD, OFFICER)
    finally:
        events_recorded.disconnect(crash)
    after = reload(case)
    assert (after.state_json, after.version) == (state, version)
    assert event_types(case) == events
    assert [(t.id, t.status) for t in ready_tasks(case)] == [(task.id, "ready")]
    # and the same task can still be completed afterwards
    service.complete_task(task.id, FORWARD, OFFICER)
    assert [t.bpmn_id for t in ready_tasks(case)] == ["telaah_pengaduan"]
