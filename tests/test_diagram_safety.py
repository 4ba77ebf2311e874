"""A diagram is untrusted input: unsafe or broken diagrams are refused at deploy and at run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.engine import ProcessEngine, WorkflowRuntimeError, WorkingCalendar, parse_diagram
from app.engine.restricted import (
    RestrictedCodeError,
    diagram_functions,
    restricted_globals,
    run_code,
)
from tests.support import ROOT

DIAGRAM = (ROOT / "process" / "pengaduan.bpmn").read_text(encoding="utf-8")
FORWARD_CONDITION = "keputusan_verifikasi == 'teruskan'"
EVIL = "__import__('os').system('touch {marker}')"


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in DIAGRAM, f"the real diagram no longer contains {old!r}"
    path = tmp_path / "variant.bpmn"
    path.write_text(DIAGRAM.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    app = create_app("test", {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"})
    return app.test_cli_runner()


def test_the_real_diagram_validates(cli: Any) -> None:
    result = cli.invoke(args=["process", "validate", str(ROOT / "process" / "pengaduan.bpmn")])
    assert result.exit_code == 0, result.output
    assert "pengaduan.bpmn valid." in result.output


def test_import_in_a_condition_is_refused_by_validate(cli: Any, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = _variant(tmp_path, FORWARD_CONDITION, EVIL.format(marker=marker))
    result = cli.invoke(args=["process", "validate", str(path)])
    assert result.exit_code == 1
    assert "ditolak" in result.output
    assert "alur_teruskan" in result.output  # the element is named
    assert "__import__" in result.output and "invalid" in result.output
    deploy = cli.invoke(args=["process", "deploy", str(path)])
    assert deploy.exit_code == 1 and "alur_teruskan" in deploy.output
    assert not marker.exists()


def test_import_in_a_condition_cannot_run_even_without_lint(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = _variant(tmp_path, FORWARD_CONDITION, EVIL.format(marker=marker))
    parsed = parse_diagram(path.read_bytes())  # the parser alone does not judge the code
    engine = ProcessEngine(WorkingCalendar())
    result = engine.start(parsed, {"tanggal_diterima": "2026-11-30T09:00:00+07:00"})
    [task] = result.ready_tasks
    with pytest.raises(WorkflowRuntimeError):
        engine.complete(result.state, task.task_id, {"keputusan_verifikasi": "teruskan"})
    assert not marker.exists()


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('id')",
        "().__class__.__bases__[0].__subclasses__()",
        "open('/etc/passwd').read()",
        "getattr(len, '__self__')",
        "exec('import os')",
        "eval('1+1')",
        "globals()",
    ],
)
def test_restricted_code_refuses_escapes(expression: str) -> None:
    scope = restricted_globals(diagram_functions(WorkingCalendar()))
    with pytest.raises((RestrictedCodeError, NameError, AttributeError, TypeError)):
        run_code(expression, "eval", scope, {}, {})


def test_restricted_code_still_runs_ordinary_expressions() -> None:
    scope = restricted_globals(diagram_functions(WorkingCalendar()))
    data = {"perlu_koordinasi": True, "nilai": [1, 2, 3]}
    result = run_code("perlu_koordinasi == True and sum(nilai) == 6", "eval", scope, data, {})
    assert result == {"value": True}
    assert run_code("hasil = max(nilai) + 1", "exec", scope, data, {})["variables"]["hasil"] == 4


@pytest.mark.parametrize(
    ("old", "new", "element", "reason"),
    [
        (
            'value="telaah.schema.json"',
            'value="hilang.schema.json"',
            "telaah_pengaduan",
            "hilang.schema.json tidak ada",
        ),
        (
            '<bpmn:lane id="lane_bidang_teknis" name="Bidang Teknis">',
            # Lanes are roles: any lane name is one, but not an office role's name.
            '<bpmn:lane id="lane_bidang_teknis" name="Administrator">',
            "lane_bidang_teknis",
            "nama lajur sama dengan peran kantor",
        ),
        (
            "tambah_hari_kerja(tanggal_diterima, 5)",
            "tambah_hari_kerja(tanggal_diterima, 5",
            "timer_standar_layanan",
            "ditolak",
        ),
        (
            '<bpmn:sequenceFlow id="alur_teruskan"',
            '<bpmn:sequenceFlowX id="alur_teruskan"',
            "",
            "XML",
        ),
    ],
)
def test_broken_diagrams_are_refused_with_element_and_reason(
    cli: Any, tmp_path: Path, old: str, new: str, element: str, reason: str
) -> None:
    path = _variant(tmp_path, old, new)
    result = cli.invoke(args=["process", "validate", str(path)])
    assert result.exit_code == 1, result.output
    assert element in result.output and reason in result.output


def test_invalid_form_schema_is_refused(cli: Any, tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)  # with its email/ folder
    (forms / "telaah.schema.json").write_text('{"type": "objek"}', encoding="utf-8")
    result = cli.invoke(
        args=[
            "process",
            "validate",
            str(ROOT / "process" / "pengaduan.bpmn"),
            "--forms",
            str(forms),
        ]
    )
    assert result.exit_code == 1
    assert "telaah_pengaduan" in result.output and "bukan JSON Schema" in result.output
