"""A case's stored state holds the running part; the diagram is stored once, with its version."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Case, HumanTask
from app.db import get_session
from app.engine import ProcessEngine, UnknownDiagram, WorkingCalendar, parse_diagram
from app.processes.service import deploy_file
from tests.support import FORWARD, OFFICER, ROOT, START_DATA

XML = (ROOT / "process" / "pengaduan.bpmn").read_bytes()
START = {**START_DATA, "tanggal_diterima": "2026-11-30T09:00:00+07:00"}


def test_state_of_a_registered_diagram_names_it_instead_of_copying_it() -> None:
    engine = ProcessEngine(WorkingCalendar())
    full = engine.start(parse_diagram(XML), dict(START))
    compact = engine.start(engine.diagram("hash-1", XML), dict(START))
    stored = json.loads(compact.state)
    assert stored["spec_key"] == "hash-1"
    assert "spec" not in stored and "subprocess_specs" not in stored
    assert len(compact.state) * 3 <= len(full.state)


def test_compact_state_restores_exactly_and_runs_the_same() -> None:
    engine = ProcessEngine(WorkingCalendar())
    started = engine.start(engine.diagram("hash-1", XML), dict(START))
    again = engine.serialize(engine.restore(started.state))
    assert json.loads(again) == json.loads(started.state)
    after = engine.complete(started.state, started.ready_tasks[0].task_id, FORWARD)
    assert [t.bpmn_id for t in after.ready_tasks] == ["telaah_pengaduan"]
    assert "spec_key" in json.loads(after.state)


def test_a_fresh_engine_finds_the_diagram_through_its_source_or_says_it_cannot() -> None:
    started = ProcessEngine(WorkingCalendar())
    state = started.start(started.diagram("hash-1", XML), dict(START)).state
    blind = ProcessEngine(WorkingCalendar())
    with pytest.raises(UnknownDiagram):
        blind.restore(state)
    fresh = ProcessEngine(WorkingCalendar())
    fresh.set_diagram_source(lambda key: XML if key == "hash-1" else None)
    assert json.loads(fresh.serialize(fresh.restore(state))) == json.loads(state)


def test_old_states_with_the_spec_inside_still_complete_in_the_app(app: Flask) -> None:
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        case = service.submit_case(dict(START_DATA), PUBLIC).case
        assert json.loads(case.state_json)["spec_key"] == case.process_version.content_hash
        # Rewrite the stored state the way it was stored before: the full spec inside.
        legacy = _with_spec(case.state_json)
        assert "spec" in json.loads(legacy)
        session = get_session()
        case.state_json = legacy
        session.commit()
        task = session.scalars(
            select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "ready")
        ).one()
        service.complete_task(task.id, FORWARD, OFFICER)
        session.expire_all()
        ready = session.scalars(
            select(HumanTask.bpmn_id).where(HumanTask.case_id == case.id,
                                            HumanTask.status == "ready")
        ).all()
        assert ready == ["telaah_pengaduan"]
        stored = session.get(Case, case.id)
        # An old state keeps its format when rewritten: restoring it is what must keep working.
        assert stored is not None and "spec_key" not in json.loads(stored.state_json)


def _with_spec(state: str) -> str:
    """STATE as it was stored before the diagram was kept apart: with the full spec inside."""
    engine = ProcessEngine(WorkingCalendar())
    engine.set_diagram_source(lambda key: XML)
    workflow = engine.restore(state)
    # A spec parsed outside the engine's cache is written out in full.
    parsed = parse_diagram(XML)
    workflow.spec = parsed.spec
    workflow.subprocess_specs = parsed.subprocess_specs
    return engine.serialize(workflow)
