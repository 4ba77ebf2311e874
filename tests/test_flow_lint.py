"""The server-side flow checks: each fires on a diagram made to break it; only errors refuse."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.cases.models import ProcessVersion
from app.cases.service import active_version
from app.db import get_session
from app.engine import DiagramError, DiagramProblem
from app.processes.service import deploy, read_forms, validate
from tests.support import ROOT

DIAGRAM = (ROOT / "process" / "pengaduan.bpmn").read_text(encoding="utf-8")
FORMS = read_forms(DIAGRAM.encode(), ROOT / "forms")
PROCESS_END = "</bpmn:process>"


def _problems(app: Flask, xml: str) -> list[DiagramProblem]:
    with app.app_context():
        return validate(xml.encode("utf-8"), FORMS)


def _about(problems: list[DiagramProblem], element_id: str) -> list[DiagramProblem]:
    return [p for p in problems if p.element_id == element_id]


def _in_process(fragment: str) -> str:
    return DIAGRAM.replace(PROCESS_END, fragment + PROCESS_END, 1)


def _replace(old: str, new: str, xml: str = DIAGRAM) -> str:
    assert old in xml, old
    return xml.replace(old, new, 1)


ORPHAN_TASK = """
    <bpmn:userTask id="tugas_yatim" name="Tugas tanpa masukan">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="telaah.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="alur_yatim" sourceRef="tugas_yatim" targetRef="akhir_selesai" />
"""
DEAD_END_TIMER = """
    <bpmn:boundaryEvent id="batas_buntu" name="3 hari kerja" attachedToRef="telaah_pengaduan"
        cancelActivity="false">
      <bpmn:timerEventDefinition id="batas_buntu_waktu">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">hari_kerja_dari_sekarang(3)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
"""
UNGUARDED = (
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
    "sesuai_harapan == True</bpmn:conditionExpression>"
)
EMPTY_LANE = '<bpmn:lane id="lajur_kosong" name="Lajur Kosong" />\n    </bpmn:laneSet>'


def test_the_shipped_diagram_has_no_errors(app: Flask) -> None:
    problems = _problems(app, DIAGRAM)
    assert [p for p in problems if p.blocks_deploy] == []


def test_an_element_no_flow_reaches_is_an_error_naming_it(app: Flask) -> None:
    found = _about(_problems(app, _in_process(ORPHAN_TASK)), "tugas_yatim")
    assert [(p.message, p.severity) for p in found] == [
        ("tidak dapat dicapai dari awal proses", "error")
    ]
    assert found[0].element_name == "Tugas tanpa masukan"


def test_an_element_with_no_way_to_an_end_is_an_error(app: Flask) -> None:
    found = _about(_problems(app, _in_process(DEAD_END_TIMER)), "batas_buntu")
    assert [(p.message, p.severity) for p in found] == [
        ("tidak ada jalur ke akhir proses dari sini", "error")
    ]


def test_a_gateway_flow_without_condition_or_default_is_an_error(app: Flask) -> None:
    broken = _replace(UNGUARDED, "")
    found = _about(_problems(app, broken), "gw_sesuai_harapan")
    assert [p.severity for p in found] == ["error"]
    assert "'Ya' tanpa kondisi" in found[0].message


def test_marking_the_bare_flow_as_default_fixes_the_gateway(app: Flask) -> None:
    broken = _replace(UNGUARDED, "")
    fixed = _replace(
        '<bpmn:exclusiveGateway id="gw_sesuai_harapan" name="Jawaban sesuai harapan?">',
        '<bpmn:exclusiveGateway id="gw_sesuai_harapan" name="Jawaban sesuai harapan?" '
        'default="alur_sesuai_harapan">',
        broken,
    )
    assert _about(_problems(app, fixed), "gw_sesuai_harapan") == []


def test_a_user_task_without_a_form_is_an_error(app: Flask) -> None:
    start = DIAGRAM.index('<bpmn:userTask id="telaah_pengaduan"')
    prop = DIAGRAM.index('name="formJsonSchemaFilename"', start)
    line_start = DIAGRAM.rindex("<", 0, prop)
    line_end = DIAGRAM.index("/>", prop) + 2
    broken = DIAGRAM[:line_start] + DIAGRAM[line_end:]
    found = _about(_problems(app, broken), "telaah_pengaduan")
    assert ("tugas pengguna tanpa formulir", "error") in [(p.message, p.severity) for p in found]


def test_a_lane_without_tasks_is_only_a_warning_and_deploys(app: Flask) -> None:
    xml = _replace("</bpmn:laneSet>", EMPTY_LANE)
    found = _about(_problems(app, xml), "lajur_kosong")
    assert [p.severity for p in found] == ["warning"]
    with app.app_context():
        assert deploy(xml.encode(), FORMS).created


@pytest.mark.parametrize(
    "broken",
    [_in_process(ORPHAN_TASK), _in_process(DEAD_END_TIMER), _replace(UNGUARDED, "")],
    ids=["unreachable", "dead-end", "unguarded-gateway"],
)
def test_a_refused_deploy_leaves_the_live_version_untouched(app: Flask, broken: str) -> None:
    with app.app_context():
        live = deploy(DIAGRAM.encode(), FORMS, note="awal").version
        with pytest.raises(DiagramError):
            deploy(broken.encode(), FORMS, note="rusak")
        session = get_session()
        assert session.scalar(select(func.count(ProcessVersion.id))) == 1
        current: Any = active_version()
        assert (current.id, current.content_hash, current.note) == (
            live.id,
            live.content_hash,
            "awal",
        )
