"""One case's failing timer is that case's problem: logged with its element, retried with
backoff, listed for administrators, never in the way of the other cases or of a second worker."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select, text

from app.cases import service
from app.cases.models import CaseEvent, Timer
from app.db import get_session
from app.processes.service import deploy_file
from tests.conftest import csrf_token_from, login
from tests.stores import (
    AFTER_SLA,
    MONDAY_MORNING,
    deployed_app,
    reload,
    step,
    submit,
)
from tests.support import FORWARD, OFFICER, ROOT, postgres_schema_url, run_together

BROKEN_STATE = '{"kerusakan": "state tidak dapat dibaca"}'


def _break(case_id: int) -> str:
    """Corrupt the stored workflow state of a case (as a bad import would); return the old one."""
    session = get_session()
    state = reload(case_id).state_json
    session.execute(
        text("UPDATE cases SET state_json = :s WHERE id = :id"), {"s": BROKEN_STATE, "id": case_id}
    )
    session.commit()
    return state


def _repair(case_id: int, state: str) -> None:
    session = get_session()
    session.execute(
        text("UPDATE cases SET state_json = :s WHERE id = :id"), {"s": state, "id": case_id}
    )
    session.commit()


def _fired(case_id: int) -> int:
    return int(
        get_session().scalar(
            select(func.count()).where(
                CaseEvent.case_id == case_id, CaseEvent.type == "timer_fired"
            )
        )
        or 0
    )


def _sla_timer(case_id: int) -> Timer:
    session = get_session()
    session.expire_all()
    return session.scalars(select(Timer).where(Timer.case_id == case_id)).one()


def _log_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_a_failing_case_does_not_stop_the_sweep_and_is_retried_with_backoff(
    store: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        broken, *healthy = [submit() for _ in range(3)]
    good_state = _break(broken.id)
    capsys.readouterr()
    with time_machine.travel(AFTER_SLA, tick=False):
        assert service.fire_due_timers() == 2
        for case in healthy:
            assert reload(case.id).sla_breached and _fired(case.id) == 1
        timer = _sla_timer(broken.id)
        assert (timer.status, timer.attempts) == ("waiting", 1)
        assert timer.next_attempt_at == AFTER_SLA + timedelta(minutes=5)
        assert timer.bpmn_id in (timer.last_error or "")
        assert not reload(broken.id).sla_breached and _fired(broken.id) == 0
        assert reload(broken.id).state_json == BROKEN_STATE
        [failure] = [e for e in _log_lines(capsys.readouterr().out) if e["event"] == "timer_failed"]
        assert failure["tracking_code"] == broken.tracking_code
        assert (failure["bpmn_id"], failure["element_name"]) == (timer.bpmn_id, timer.name)
        assert failure["level"] == "error" and failure["attempts"] == 1
        # Backing off: the next sweep at the same moment leaves it alone.
        assert service.fire_due_timers() == 0
        assert _sla_timer(broken.id).attempts == 1
    with time_machine.travel(AFTER_SLA + timedelta(minutes=5), tick=False):
        assert service.fire_due_timers() == 0
        timer = _sla_timer(broken.id)
        assert timer.attempts == 2
        assert timer.next_attempt_at == AFTER_SLA + timedelta(minutes=15)
    _repair(broken.id, good_state)
    with time_machine.travel(AFTER_SLA + timedelta(minutes=15), tick=False):
        assert service.fire_due_timers() == 1
    assert reload(broken.id).sla_breached and _fired(broken.id) == 1
    assert _sla_timer(broken.id).status == "fired"


@pytest.mark.postgres
def test_two_workers_fire_each_case_exactly_once_while_one_case_keeps_failing() -> None:
    with postgres_schema_url() as url:
        app = deployed_app(url)
        with app.app_context(), time_machine.travel(MONDAY_MORNING, tick=False):
            ids = [submit().id for _ in range(8)]
            broken = ids[3]
            _break(broken)
        moved: list[int] = []
        errors: list[BaseException] = []

        def worker(start: threading.Barrier) -> None:
            # Each worker is its own app context: its own session and connection.
            with app.app_context():
                start.wait(timeout=30)
                try:
                    moved.append(service.fire_due_timers())
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

        for moment, attempts in ((AFTER_SLA, 1), (AFTER_SLA + timedelta(minutes=5), 2)):
            moved.clear()
            with time_machine.travel(moment, tick=False):
                run_together(worker, timeout=120)
            assert errors == []
            with app.app_context():
                assert sum(moved) == (7 if attempts == 1 else 0)
                for case_id in ids:
                    assert _fired(case_id) == (0 if case_id == broken else 1), case_id
                    assert reload(case_id).sla_breached is (case_id != broken)
                assert _sla_timer(broken).attempts == attempts
        app.extensions["db_engine"].dispose()


def _failing_case(app: Flask) -> str:
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        with time_machine.travel(MONDAY_MORNING, tick=False):
            case = submit()
        _break(case.id)
        with time_machine.travel(AFTER_SLA, tick=False):
            service.fire_due_timers()
        return case.tracking_code


def test_administrators_see_failing_timers_and_can_retry_now(
    app: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    code = _failing_case(app)
    login(client, "admin")
    page = client.get("/admin/timer").get_data(as_text=True)
    with app.app_context():
        [timer] = get_session().scalars(select(Timer)).all()
    assert code in page and timer.bpmn_id in page and timer.name in page
    assert "Coba lagi sekarang" in page
    assert "/admin/timer" in client.get("/admin/outbox").get_data(as_text=True)
    response = client.post(
        f"/admin/timer/{timer.id}/coba-lagi", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    assert "dicoba lagi pada putaran berikutnya" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context(), time_machine.travel(AFTER_SLA, tick=False):
        # Without the button this moment is inside the backoff; now the sweep tries again.
        service.fire_due_timers()
        assert _sla_timer(timer.case_id).attempts == 2


def test_other_staff_may_not_see_or_retry_failing_timers(
    app: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    _failing_case(app)
    login(client, "petugas")
    own_token = csrf_token_from(client.get("/tugas/antrean").get_data(as_text=True))
    assert client.get("/admin/timer").status_code == 403
    with app.app_context():
        [timer] = get_session().scalars(select(Timer)).all()
        before = timer.next_attempt_at
    response = client.post(f"/admin/timer/{timer.id}/coba-lagi", data={"csrf_token": own_token})
    assert response.status_code == 403
    with app.app_context():
        assert get_session().get(Timer, timer.id).next_attempt_at == before  # type: ignore[union-attr]


def test_the_cli_lists_failing_timers(app: Flask, runner: FlaskCliRunner) -> None:
    idle = runner.invoke(args=["timers", "failing"]).output
    assert "Tidak ada pengatur waktu yang gagal." in idle
    code = _failing_case(app)
    output = runner.invoke(args=["timers", "failing"]).output
    with app.app_context():
        [timer] = get_session().scalars(select(Timer)).all()
    [line] = [line for line in output.splitlines() if line.startswith(code)]
    assert f"{timer.bpmn_id} ({timer.name})" in line and "percobaan 1" in line


def test_a_long_running_worker_fires_cases_that_others_changed_meanwhile(store: Flask) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()  # the worker's session now holds this case as it was
        with store.app_context():  # a request elsewhere moves the case on
            step(case.id, "verifikasi_pengaduan", FORWARD, OFFICER)
    with time_machine.travel(AFTER_SLA, tick=False):
        assert service.fire_due_timers() == 1
    assert _fired(case.id) == 1 and reload(case.id).sla_breached


def test_firing_one_case_raises_its_own_error_with_the_case_and_element(store: Flask) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
    _break(case.id)
    with time_machine.travel(AFTER_SLA, tick=False), pytest.raises(Exception) as failure:
        service.fire_case_timers(case.id)
    timer = _sla_timer(case.id)
    context = failure.value.log_context  # type: ignore[attr-defined]
    assert (context["tracking_code"], context["bpmn_id"]) == (case.tracking_code, timer.bpmn_id)
    assert context["attempts"] == timer.attempts == 1
