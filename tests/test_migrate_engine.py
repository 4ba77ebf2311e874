"""`migrate_state` on the real diagram: waiting timers, removed tasks, the migrated rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import time_machine
from flask import Flask
from lxml import etree
from sqlalchemy import select, update

from app.auth.service import ensure_demo_users, get_user_by_username
from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Case, HumanTask, Timer
from app.cli import upgrade_database
from app.db import get_session
from app.engine import WIB, parse_diagram
from app.engine.migrate import migrate_state
from app.inbox.service import claim
from app.processes import migration
from app.processes.migration import plan_or_migrate, version_by_number
from app.processes.service import deploy
from tests.support import (
    ASK_DATA,
    FORWARD,
    OFFICER,
    START_DATA,
    make_test_app,
    postgres_schema_url,
)
from tests.test_process_versions import DIAGRAM, FORMS, safe_revision

MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
DATA_TIMER = (
    "hari_kerja_dari_sekarang(10)</bpmn:timeDate>\n      </bpmn:timerEventDefinition>\n"
    '    </bpmn:boundaryEvent>\n    <bpmn:userTask id="konfirmasi_jawaban"'
)
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _waiting_for_data(app: Flask) -> Case:
    """A case whose officer asked the complainant for data: a 10-working-day timer runs."""
    deploy(DIAGRAM.encode(), FORMS)
    case = service.submit_case(dict(START_DATA), PUBLIC).case
    task = get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    service.complete_task(task.id, ASK_DATA, OFFICER)
    return case


def _due(case: Case) -> datetime:
    return (
        get_session()
        .scalars(
            select(Timer.due_at).where(
                Timer.case_id == case.id,
                Timer.status == "waiting",
                Timer.bpmn_id == "batas_lengkapi_data",
            )
        )
        .one()
    )


def test_an_unchanged_timer_keeps_its_due_moment_across_a_migration(app: Flask) -> None:
    with app.app_context():
        with time_machine.travel(MONDAY_MORNING, tick=False):
            case = _waiting_for_data(app)
            due = _due(case)
            xml, forms = safe_revision()
            deploy(xml.encode(), forms)
        with time_machine.travel(MONDAY_MORNING + timedelta(days=3), tick=False):
            plan = plan_or_migrate(case.id, version_by_number(2), OFFICER, dry_run=False)
        assert plan.applied and plan.lost == []
        timer = next(t for t in plan.timers if t.bpmn_id == "batas_lengkapi_data")
        assert timer.old_due == timer.new_due
        assert _due(case) == due


def test_a_changed_timer_starts_again_and_the_preview_says_so(app: Flask) -> None:
    with app.app_context():
        with time_machine.travel(MONDAY_MORNING, tick=False):
            case = _waiting_for_data(app)
            due = _due(case)
            xml = DIAGRAM.replace(DATA_TIMER, DATA_TIMER.replace("(10)", "(5)"), 1)
            assert xml != DIAGRAM
            deploy(xml.encode(), FORMS)
        with time_machine.travel(MONDAY_MORNING + timedelta(days=3), tick=False):
            plan = plan_or_migrate(case.id, version_by_number(2), OFFICER, dry_run=False)
        assert plan.applied
        assert any(
            "batas_lengkapi_data (10 hari kerja) menunggu lagi dari awal" in item
            for item in plan.lost
        )
        # Five working days from Thursday 3 December: not the ten from Monday 30 November.
        assert _due(case) != due
        assert _due(case).astimezone(WIB).date().isoformat() == "2026-12-10"


def _without_verification() -> bytes:
    """The real diagram with the verification task deleted (its inputs lead to its gateway)."""
    root = etree.fromstring(DIAGRAM.encode())
    gone = {"verifikasi_pengaduan", "alur_verifikasi_selesai"}
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            continue
        if node.get("id") in gone or node.get("bpmnElement") in gone or (node.text or "") in gone:
            node.getparent().remove(node)
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        if flow.get("targetRef") == "verifikasi_pengaduan":
            flow.set("targetRef", "gw_hasil_verifikasi")
    return etree.tostring(root)


def test_a_case_waiting_on_a_deleted_task_is_refused(app: Flask) -> None:
    with app.app_context():
        deploy(DIAGRAM.encode(), FORMS)
        case = service.submit_case(dict(START_DATA), PUBLIC).case
        engine: Any = service.engine()
        outcome = migrate_state(
            engine,
            case.state_json,
            service.parsed_diagram(case.process_version),
            parse_diagram(_without_verification()),
        )
        assert not outcome.safe and outcome.state is None
        assert outcome.refusal == (
            "tugas yang sedang menunggu verifikasi_pengaduan "
            "(Menerima, mencatat dan memverifikasi pengaduan) tidak ada di versi baru"
        )


def test_a_case_that_passed_a_deleted_task_is_refused(app: Flask) -> None:
    with app.app_context():
        deploy(DIAGRAM.encode(), FORMS)
        case = service.submit_case(dict(START_DATA), PUBLIC).case
        task = get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
        service.complete_task(task.id, FORWARD, OFFICER)
        get_session().refresh(case)
        outcome = migrate_state(
            service.engine(),
            case.state_json,
            service.parsed_diagram(case.process_version),
            parse_diagram(_without_verification()),
        )
        assert outcome.refusal is not None
        assert "riwayat kasus memuat verifikasi_pengaduan" in outcome.refusal


def test_a_case_changed_during_its_migration_is_left_alone_and_the_owner_told(
    tmp_path: Any, monkeypatch: Any
) -> None:
    """Another writer moves the case between the read and the write: the migration loses."""
    with postgres_schema_url() as url:
        app = make_test_app(tmp_path, DATABASE_URL=url)
        try:
            with app.app_context():
                upgrade_database()
                deploy(DIAGRAM.encode(), FORMS)
                case = service.submit_case(dict(START_DATA), PUBLIC).case
                case_id, version_before = case.id, case.version
                xml, forms = safe_revision()
                deploy(xml.encode(), forms)
                real = migration.migrate_state

                def racing(*args: Any) -> Any:
                    outcome = real(*args)
                    with app.extensions["db_engine"].begin() as other:  # the other writer
                        other.execute(
                            update(Case).where(Case.id == case_id).values(version=Case.version + 1)
                        )
                    return outcome

                monkeypatch.setattr(migration, "migrate_state", racing)
                plan = plan_or_migrate(case_id, version_by_number(2), OFFICER, dry_run=False)
                assert not plan.applied
                assert plan.refusal == "kasus diubah orang lain saat dipindahkan; coba lagi"
                get_session().expire_all()
                stored = get_session().get(Case, case_id)
                assert stored is not None
                assert stored.process_version.version == 1
                assert stored.version == version_before + 1
        finally:
            app.extensions["db_engine"].dispose()


def test_a_longer_service_standard_moves_the_cases_due_date(app: Flask) -> None:
    with app.app_context(), time_machine.travel(MONDAY_MORNING, tick=False):
        deploy(DIAGRAM.encode(), FORMS)
        case = service.submit_case(dict(START_DATA), PUBLIC).case
        due = case.due_at
        assert due is not None
        deploy(DIAGRAM.replace("tanggal_diterima, 5)", "tanggal_diterima, 7)").encode(), FORMS)
        plan = plan_or_migrate(case.id, version_by_number(2), OFFICER, dry_run=False)
        assert plan.applied
        get_session().refresh(case)
        # Five working days after Monday 30 November end on Monday 7 December; seven on Wednesday 9.
        assert due.astimezone(WIB).date().isoformat() == "2026-12-07"
        assert case.due_at is not None
        assert case.due_at.astimezone(WIB).date().isoformat() == "2026-12-09"
        task = get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
        assert task.due_at == case.due_at  # the inbox shows the new deadline


def test_a_task_moved_to_another_lane_loses_its_claim_and_the_preview_says_so(
    app: Flask,
) -> None:
    with app.app_context():
        deploy(DIAGRAM.encode(), FORMS)
        ensure_demo_users()
        case = service.submit_case(dict(START_DATA), PUBLIC).case
        task = get_session().scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
        officer = get_user_by_username("petugas")
        claim(task.id, officer)
        ref = "<bpmn:flowNodeRef>verifikasi_pengaduan</bpmn:flowNodeRef>"
        moved = DIAGRAM.replace(ref, "", 1).replace(
            '<bpmn:lane id="lane_tim" name="Tim Penanganan Pengaduan">',
            '<bpmn:lane id="lane_tim" name="Tim Penanganan Pengaduan">' + ref,
            1,
        )
        deploy(moved.encode(), FORMS)
        preview = plan_or_migrate(case.id, version_by_number(2), OFFICER, dry_run=True)
        assert preview.lost == [
            "tugas verifikasi_pengaduan pindah lajur; yang mengambilnya melepasnya"
        ]
        plan_or_migrate(case.id, version_by_number(2), OFFICER, dry_run=False)
        get_session().expire_all()
        row = get_session().get(HumanTask, task.id)
        assert row is not None
        assert (row.lane, row.claimed_by, row.status) == ("Tim Penanganan Pengaduan", None, "ready")
