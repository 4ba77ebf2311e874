"""Speed and size of one step of a case: `make bench` (pytest-benchmark), never timed in tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.cases import service
from app.cases.events import PUBLIC, Actor
from app.cases.models import HumanTask
from app.cli import upgrade_database
from app.db import get_session
from app.engine import ProcessEngine, WorkingCalendar, parse_diagram
from app.engine.restricted import diagram_functions, restricted_globals, run_code
from app.engine.sandbox import Budget, pool_for
from app.processes.service import deploy_file
from tests.support import FORWARD, ROOT, START_DATA

OFFICER = Actor("user", 1, "Petugas Pengelola Layanan Pengaduan")


@pytest.fixture(scope="module")
def engine_and_state() -> tuple[ProcessEngine, str, str]:
    engine = ProcessEngine(WorkingCalendar())
    parsed = parse_diagram((ROOT / "process" / "pengaduan.bpmn").read_bytes())
    result = engine.start(parsed, {**START_DATA, "tanggal_diterima": "2026-11-30T09:00:00+07:00"})
    return engine, result.state, result.ready_tasks[0].task_id


def test_bench_engine_step(
    benchmark: Any, engine_and_state: tuple[ProcessEngine, str, str]
) -> None:
    """Deserialize, complete the verification task, run to the next wait, serialize."""
    engine, state, task_id = engine_and_state
    result = benchmark(engine.complete, state, task_id, FORWARD)
    benchmark.extra_info["state_bytes"] = len(result.state.encode("utf-8"))
    assert [t.bpmn_id for t in result.ready_tasks] == ["telaah_pengaduan"]


def test_bench_parse_diagram(benchmark: Any) -> None:
    """Parsing the diagram (done once per deployed version, then cached)."""
    xml = (ROOT / "process" / "pengaduan.bpmn").read_bytes()
    parsed = benchmark(parse_diagram, xml)
    assert parsed.process_id == "pengaduan"


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Any:
    app: Flask = create_app("test", {"DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite'}"})
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        yield app
    app.extensions["db_engine"].dispose()


def test_bench_submit_case_sqlite(benchmark: Any, sqlite_app: Flask) -> None:
    """A complaint submitted end to end: engine start plus one transaction on SQLite."""
    submitted = benchmark(service.submit_case, dict(START_DATA), PUBLIC)
    assert submitted.case.tracking_code.startswith("ADU-")


def test_bench_complete_task_sqlite(benchmark: Any, sqlite_app: Flask) -> None:
    """Completing a task end to end (load, engine step, state + tasks + timers + events, commit)."""
    cases = [service.submit_case(dict(START_DATA), PUBLIC).case for _ in range(60)]
    task_ids = iter(
        get_session()
        .scalars(
            select(HumanTask.id).where(
                HumanTask.case_id.in_([c.id for c in cases]), HumanTask.status == "ready"
            )
        )
        .all()
    )
    benchmark.pedantic(
        lambda: service.complete_task(next(task_ids), FORWARD, OFFICER), rounds=50, iterations=1
    )


# -- the price of the sandbox process: one evaluation over the pipe vs the same code in-process --

CONDITION = "keputusan_verifikasi == 'teruskan' and len(judul) > 0"


def test_bench_sandbox_evaluation(benchmark: Any) -> None:
    """One condition evaluated in the sandbox process (JSON over a pipe, the worker reused)."""
    pool = pool_for(Budget(), "")
    request = {"mode": "eval", "source": CONDITION, "context": {**START_DATA, **FORWARD}}
    reply = benchmark(pool.run, request)
    assert reply == {"ok": True, "value": True}


def test_bench_restricted_evaluation_in_process(benchmark: Any) -> None:
    """The same condition run in this process (what the sandbox adds is the difference)."""
    scope = restricted_globals(diagram_functions(WorkingCalendar()))
    data = {**START_DATA, **FORWARD}
    assert benchmark(run_code, CONDITION, "eval", scope, data, {}) == {"value": True}
