"""A diagram cannot reach the server: task data stays data, diagram code has a budget.

Each attack runs against the real diagram of process/, changed the way an attacker with a process
owner's password would change it, and is deployed through the same CLI and upload a process owner
uses.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.auth.service import ensure_demo_users
from app.cases import service
from app.cases.models import Case, HumanTask, Timer
from app.cli import upgrade_database
from app.db import get_session
from app.engine import ProcessEngine, WorkflowRuntimeError, WorkingCalendar, parse_diagram
from app.engine.sandbox import Budget
from app.processes.service import deploy_file
from tests.conftest import csrf_token_from, login
from tests.inbox.helpers import complete
from tests.public.conftest import submit_ok
from tests.support import FORWARD, OFFICER, ROOT, START_DATA, STUDY_ALONE, make_test_app

DIAGRAM = (ROOT / "process" / "pengaduan.bpmn").read_text(encoding="utf-8")
STUDY_FORM = '<spiffworkflow:property name="formJsonSchemaFilename" value="telaah.schema.json" />'
VERIFY_FORM = (
    '<spiffworkflow:property name="formJsonSchemaFilename" value="verifikasi.schema.json" />'
)
FORWARD_CONDITION = "keputusan_verifikasi == 'teruskan'"
SLA_TIMER = "tambah_hari_kerja(tanggal_diterima, 5)"
SLA_SCRIPT = "<bpmn:script>standar_layanan_terlampaui = True</bpmn:script>"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
QUICK = {"DIAGRAM_CODE_SECONDS": 0.5}
# What submit_case starts a case with: the form's data and the moment it was received.
START = dict(START_DATA, tanggal_diterima="2026-11-30T09:00:00+07:00")


def _inner_workflow(canary: Path) -> dict[str, Any]:
    """A serialized workflow whose own script writes CANARY: what the attacker plants as data."""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="k"/>
<bpmn:scriptTask id="k"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
<bpmn:script>open('{canary}', 'w').write('pwned')</bpmn:script></bpmn:scriptTask>
<bpmn:sequenceFlow id="f2" sourceRef="k" targetRef="e"/>
<bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
</bpmn:process></bpmn:definitions>"""
    parser = BpmnParser()
    parser.add_bpmn_xml(etree.fromstring(xml.encode()))
    workflow = BpmnWorkflow(parser.get_spec("p"))
    dct: dict[str, Any] = json.loads(BpmnWorkflowSerializer().serialize_json(workflow))
    dct.pop("serializer_version")
    assert dct["typename"] == "BpmnWorkflow"
    return dct


def _script(tag: str, source: str) -> str:
    return f"<spiffworkflow:{tag}>{source}</spiffworkflow:{tag}>"


def _escape(source: str) -> str:
    return source.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# The same attack, with the planted workflow at three depths.
HIDING_PLACES = {
    "plain": ("x = {payload}", "hasil = x.do_engine_steps()"),
    "in_a_list": ("x = [1, {payload}]", "hasil = x[1].do_engine_steps()"),
    "in_nested_dicts": (
        "x = {{'a': {{'b': [{payload}]}}}}",
        "hasil = x['a']['b'][0].do_engine_steps()",
    ),
}


def _after_properties(xml: str, anchor: str, tag: str, source: str) -> str:
    """XML with a Spiff pre- or post-script added after the properties holding ANCHOR."""
    assert anchor in xml, f"the real diagram no longer contains {anchor!r}"
    close = "</spiffworkflow:properties>"
    at = xml.index(close, xml.index(anchor)) + len(close)
    return xml[:at] + _script(tag, _escape(source)) + xml[at:]


def _attack_diagram(tmp_path: Path, canary: Path, place: str) -> Path:
    """The officer's verification plants the workflow; the team's study calls it."""
    plant, call = HIDING_PLACES[place]
    plant = plant.format(payload=repr(_inner_workflow(canary)))
    xml = _after_properties(DIAGRAM, VERIFY_FORM, "postScript", plant)
    xml = _after_properties(xml, STUDY_FORM, "postScript", call)
    path = tmp_path / "serangan.bpmn"
    path.write_text(xml, encoding="utf-8")
    return path


def _planted_values(state_json: str) -> list[Any]:
    """The values of the variable `x` in the stored task data (not in the stored diagram)."""
    state = json.loads(state_json)
    found = []
    for task in state["tasks"].values():
        for data in (task.get("data") or {}, (task.get("delta") or {}).get("updates") or {}):
            if "x" in data:
                found.append(data["x"])
    return found


def _upload(client: FlaskClient, path: Path) -> Any:
    token = csrf_token_from(client.get("/proses").get_data(as_text=True))
    fields = MultiDict(
        {"csrf_token": token, "diagram": FileStorage(io.BytesIO(path.read_bytes()), path.name)}
    )
    boundary, body = encode_multipart(fields)
    return client.post(
        "/proses/pasang", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _ready(app: Flask, tracking: str) -> list[HumanTask]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(HumanTask)
                .join(Case)
                .where(Case.tracking_code == tracking, HumanTask.status == "ready")
            )
        )


def _case(app: Flask, tracking: str) -> tuple[int, str]:
    with app.app_context():
        case = get_session().scalars(select(Case).where(Case.tracking_code == tracking)).one()
        return case.version, case.state_json


@pytest.mark.parametrize("place", sorted(HIDING_PLACES))
@pytest.mark.parametrize("deployed_by", ["cli", "upload"])
def test_a_planted_serialized_workflow_stays_inert_data(
    tmp_path: Path, demo_users: list[str], app: Flask, place: str, deployed_by: str
) -> None:
    canary = tmp_path / "canary"
    path = _attack_diagram(tmp_path, canary, place)
    if deployed_by == "cli":
        result = app.test_cli_runner().invoke(args=["process", "deploy", str(path)])
        assert result.exit_code == 0, result.output
    else:
        owner = app.test_client()
        login(owner, "pemilik")
        assert _upload(owner, path).status_code == 302
    tracking = submit_ok(app.test_client()).tracking
    officer = app.test_client()
    login(officer, "petugas")
    [verification] = _ready(app, tracking)
    assert complete(officer, verification.id, FORWARD).status_code == 302
    version_before, state_before = _case(app, tracking)
    [planted] = _planted_values(state_before)  # stored in the case as the data it is
    assert '"typename": "BpmnWorkflow"' in json.dumps(planted)

    team = app.test_client()
    login(team, "tim")
    [study] = _ready(app, tracking)
    response = complete(team, study.id, STUDY_ALONE)

    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert study.name in page and "tidak ada yang berubah" in page  # the element is named
    assert not canary.exists()
    assert _case(app, tracking) == (version_before, state_before)
    assert [t.id for t in _ready(app, tracking)] == [study.id]
    assert team.get("/tugas").status_code == 200  # the server still answers


def test_a_planted_workflow_in_form_data_stays_inert(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    xml = _after_properties(
        DIAGRAM, VERIFY_FORM, "postScript", "hasil = lampiran.do_engine_steps()"
    )
    engine = ProcessEngine(WorkingCalendar())
    started = engine.start(parse_diagram(xml.encode()), dict(START))
    [task] = started.ready_tasks
    planted = {**FORWARD, "lampiran": _inner_workflow(canary)}
    with pytest.raises(WorkflowRuntimeError) as failure:
        engine.complete(started.state, task.task_id, planted)
    assert failure.value.element_id == "verifikasi_pengaduan"
    assert "not callable" in failure.value.reason  # a dict has no do_engine_steps
    assert not canary.exists()


def test_restored_data_keeps_typename_dicts_as_dicts() -> None:
    engine = ProcessEngine(WorkingCalendar())
    started = engine.start(parse_diagram(DIAGRAM.encode()), dict(START))
    [task] = started.ready_tasks
    shaped = {"typename": "datetime", "value": "2026-11-30T09:00:00"}
    after = engine.complete(started.state, task.task_id, {**FORWARD, "catatan": shaped})
    restored = engine.restore(after.state)
    values = [t.data.get("catatan") for t in restored.get_tasks() if "catatan" in t.data]
    assert values and all(v == shaped for v in values)


# -- budgets ----------------------------------------------------------------------------------

ENDLESS = "sum(range(10 ** 15)) > 0"
BOMBS = {  # expression -> what the refusal says
    ENDLESS: "dihentikan",
    "len('a' * 10 ** 10) > 0": "MemoryError",
    "2 ** 10 ** 10 > 0": "dihentikan",
    "len([0] * 10 ** 9) > 0": "MemoryError",
}


@pytest.fixture
def quick_engine() -> ProcessEngine:
    """The engine with a half-second budget, as the app builds it from its configuration."""
    return ProcessEngine(WorkingCalendar(), Budget(seconds=0.5, memory_mb=256))


def _run_to_verification(engine: ProcessEngine, xml: str) -> tuple[str, str]:
    started = engine.start(parse_diagram(xml.encode()), dict(START))
    [task] = started.ready_tasks
    return started.state, task.task_id


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_a_condition_over_budget_fails_at_its_gateway(
    quick_engine: ProcessEngine, bomb: str
) -> None:
    xml = DIAGRAM.replace(FORWARD_CONDITION, f"{FORWARD_CONDITION} and {bomb}", 1)
    state, task_id = _run_to_verification(quick_engine, xml)
    with pytest.raises(WorkflowRuntimeError) as failure:
        quick_engine.complete(state, task_id, FORWARD)
    # SpiffWorkflow evaluates a flow's condition at the gateway it leaves.
    assert failure.value.element_id == "gw_hasil_verifikasi"
    assert BOMBS[bomb] in failure.value.reason
    # The engine still works for the next case.
    state, task_id = _run_to_verification(quick_engine, DIAGRAM)
    assert quick_engine.complete(state, task_id, FORWARD).ready_tasks


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("while True:\n    pass", "dihentikan"),
        ("x = 'a' * 10 ** 10", "MemoryError"),
        ("x = 2 ** 10 ** 10", "dihentikan"),
        ("x = [0] * 10 ** 9", "MemoryError"),
    ],
)
def test_a_script_over_budget_fails_at_its_element(
    quick_engine: ProcessEngine, script: str, reason: str
) -> None:
    xml = _after_properties(DIAGRAM, VERIFY_FORM, "postScript", script)
    state, task_id = _run_to_verification(quick_engine, xml)
    with pytest.raises(WorkflowRuntimeError) as failure:
        quick_engine.complete(state, task_id, FORWARD)
    assert failure.value.element_id == "verifikasi_pengaduan"
    assert reason in failure.value.reason


@pytest.mark.parametrize(
    ("timer", "reason"),
    [
        (f"{SLA_TIMER} if {ENDLESS} else ''", "dihentikan"),
        (f"{SLA_TIMER} if len('a' * 10 ** 10) else ''", "MemoryError"),
        ("tambah_hari_kerja(tanggal_diterima, 10 ** 9)", "hari kerja harus"),
    ],
)
def test_a_timer_expression_over_budget_fails_the_start(
    quick_engine: ProcessEngine, timer: str, reason: str
) -> None:
    xml = DIAGRAM.replace(SLA_TIMER, timer, 1)
    with pytest.raises(WorkflowRuntimeError) as failure:
        quick_engine.start(parse_diagram(xml.encode()), dict(START))
    assert reason in failure.value.reason


def test_a_script_that_returns_an_object_is_refused_naming_its_variable(
    quick_engine: ProcessEngine,
) -> None:
    xml = _after_properties(DIAGRAM, VERIFY_FORM, "postScript", "urutan = reversed([1, 2])")
    state, task_id = _run_to_verification(quick_engine, xml)
    with pytest.raises(WorkflowRuntimeError) as failure:
        quick_engine.complete(state, task_id, FORWARD)
    assert failure.value.element_id == "verifikasi_pengaduan"
    assert "urutan" in failure.value.reason and "bukan data JSON" in failure.value.reason


@pytest.fixture
def quick_app(tmp_path: Path) -> Iterator[Flask]:
    """The app with a half-second budget for diagram code, its schema migrated."""
    app = make_test_app(tmp_path, **QUICK)
    with app.app_context():
        upgrade_database()
    yield app
    app.extensions["db_engine"].dispose()


def _deploy_endless_escalation(app: Flask, tmp_path: Path) -> None:
    """Deploy the real diagram with its SLA escalation script turned into an endless loop."""
    path = tmp_path / "lambat.bpmn"
    path.write_text(
        DIAGRAM.replace(SLA_SCRIPT, "<bpmn:script>while True:\n    pass</bpmn:script>", 1),
        encoding="utf-8",
    )
    with app.app_context():
        deploy_file(path, ROOT / "forms")


def test_an_endless_escalation_script_leaves_the_case_as_it_was(
    quick_app: Flask, tmp_path: Path
) -> None:
    """The timer worker fires the SLA escalation: an endless script fails that case alone."""
    app = quick_app
    _deploy_endless_escalation(app, tmp_path)
    with app.app_context():
        case = service.submit_case(dict(START_DATA), OFFICER).case
        case_id, version, state = case.id, case.version, case.state_json
    with app.app_context():
        with time_machine.travel("2027-01-30 09:00 +0700", tick=False):
            with pytest.raises(WorkflowRuntimeError) as failure:
                service.fire_case_timers(case_id)
    assert failure.value.element_id == "eskalasi_standar_layanan"
    with app.app_context():
        stored = get_session().get(Case, case_id)
        assert stored is not None and (stored.version, stored.state_json) == (version, state)


def test_an_endless_condition_in_a_request_tells_the_officer_and_changes_nothing(
    quick_app: Flask, tmp_path: Path
) -> None:
    app = quick_app
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")  # lanes are roles
        ensure_demo_users()
    xml = DIAGRAM.replace(FORWARD_CONDITION, f"{FORWARD_CONDITION} and {ENDLESS}", 1)
    path = tmp_path / "lambat.bpmn"
    path.write_text(xml, encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["process", "deploy", str(path)]).exit_code == 0
    tracking = submit_ok(app.test_client()).tracking
    before = _case(app, tracking)
    officer = app.test_client()
    login(officer, "petugas")
    [task] = _ready(app, tracking)

    response = complete(officer, task.id, FORWARD)

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Hasil verifikasi?" in page and "tidak ada yang berubah" in page
    assert _case(app, tracking) == before
    assert [t.id for t in _ready(app, tracking)] == [task.id]
    assert officer.get(f"/tugas/{task.id}").status_code == 200  # still answering, task intact


def test_the_timer_sweep_fires_healthy_cases_while_an_endless_script_fails_its_own(
    quick_app: Flask, tmp_path: Path
) -> None:
    """An escalation script over budget fails its case alone; other due cases still fire."""
    app = quick_app
    _deploy_endless_escalation(app, tmp_path)
    with app.app_context():
        stuck = service.submit_case(dict(START_DATA), OFFICER).case
        stuck_id, stuck_state = stuck.id, stuck.state_json
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        healthy_ids = [service.submit_case(dict(START_DATA), OFFICER).case.id for _ in range(2)]
    with app.app_context(), time_machine.travel("2027-01-30 09:00 +0700", tick=False):
        moved = service.fire_due_timers()
    assert moved == 2
    with app.app_context():
        session = get_session()
        for case_id in healthy_ids:
            case = session.get(Case, case_id)
            assert case is not None and case.sla_breached
        stuck_case = session.get(Case, stuck_id)
        assert stuck_case is not None and stuck_case.state_json == stuck_state
        assert not stuck_case.sla_breached
        [timer] = session.scalars(
            select(Timer).where(Timer.case_id == stuck_id, Timer.status == "waiting")
        )
        assert timer.attempts == 1 and "dihentikan" in (timer.last_error or "")
