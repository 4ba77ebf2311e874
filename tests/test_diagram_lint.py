"""Validation sees every expression the engine will evaluate and refuses unsafe forms at deploy."""

from __future__ import annotations

import io
import json
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app import create_app
from app.formrender.parse import convert
from app.formrender.validate import validate
from tests.conftest import csrf_token_from, login
from tests.support import ROOT

DIAGRAM = (ROOT / "process" / "pengaduan.bpmn").read_text(encoding="utf-8")
FORBIDDEN = "__import__('os').system('id')"
STUDY_TASK = '<bpmn:userTask id="telaah_pengaduan"'
PROCESS_END = "</bpmn:process>"
DEFINITIONS_END = "</bpmn:definitions>"


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    app = create_app("test", {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"})
    return app.test_cli_runner()


def _write(tmp_path: Path, xml: str, name: str = "varian.bpmn") -> Path:
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    return path


def _inside_study_task(fragment: str) -> str:
    """The real diagram with FRAGMENT as the first child of the study task."""
    start = DIAGRAM.index(STUDY_TASK)
    close = DIAGRAM.index(">", start) + 1
    return DIAGRAM[:close] + fragment + DIAGRAM[close:]


def _in_process(fragment: str) -> str:
    return DIAGRAM.replace(PROCESS_END, fragment + PROCESS_END, 1)


# Each kind of code SpiffWorkflow evaluates, holding CODE; and the element the refusal names.
KINDS: dict[str, tuple[Any, str]] = {
    "loopCardinality": (
        lambda code: _inside_study_task(
            "<bpmn:multiInstanceLoopCharacteristics>"
            f"<bpmn:loopCardinality>{code}</bpmn:loopCardinality>"
            "</bpmn:multiInstanceLoopCharacteristics>"
        ),
        "telaah_pengaduan",
    ),
    "completionCondition": (
        lambda code: _inside_study_task(
            "<bpmn:multiInstanceLoopCharacteristics>"
            "<bpmn:loopCardinality>2</bpmn:loopCardinality>"
            f"<bpmn:completionCondition>{code}</bpmn:completionCondition>"
            "</bpmn:multiInstanceLoopCharacteristics>"
        ),
        "telaah_pengaduan",
    ),
    "loopCondition": (
        lambda code: _inside_study_task(
            "<bpmn:standardLoopCharacteristics>"
            f"<bpmn:loopCondition>{code}</bpmn:loopCondition>"
            "</bpmn:standardLoopCharacteristics>"
        ),
        "telaah_pengaduan",
    ),
    "conditional event": (
        lambda code: _in_process(
            '<bpmn:intermediateCatchEvent id="tunggu_kondisi">'
            "<bpmn:conditionalEventDefinition>"
            f"<bpmn:condition>{code}</bpmn:condition>"
            "</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>"
        ),
        "tunggu_kondisi",
    ),
    "message payload": (
        lambda code: _in_process(
            '<bpmn:intermediateThrowEvent id="kirim_pesan">'
            '<bpmn:messageEventDefinition messageRef="pesan"><bpmn:extensionElements>'
            f"<spiffworkflow:messagePayload>{code}</spiffworkflow:messagePayload>"
            "</bpmn:extensionElements></bpmn:messageEventDefinition>"
            "</bpmn:intermediateThrowEvent>"
        ),
        "kirim_pesan",
    ),
    "correlation expression": (
        lambda code: DIAGRAM.replace(
            DEFINITIONS_END,
            '<bpmn:correlationProperty id="kunci_korelasi" name="kunci">'
            '<bpmn:correlationPropertyRetrievalExpression messageRef="pesan">'
            f"<bpmn:formalExpression>{code}</bpmn:formalExpression>"
            "</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>"
            + DEFINITIONS_END,
            1,
        ),
        "kunci_korelasi",
    ),
    "timer": (
        lambda code: DIAGRAM.replace("tambah_hari_kerja(tanggal_diterima, 5)", code, 1),
        "timer_standar_layanan",
    ),
    "script": (
        lambda code: DIAGRAM.replace(
            "standar_layanan_terlampaui = True", f"standar_layanan_terlampaui = {code}", 1
        ),
        "eskalasi_standar_layanan",
    ),
    "divisionExpression": (
        lambda code: DIAGRAM.replace(
            'name="divisionExpression" value="bidang_teknis"',
            f'name="divisionExpression" value="{code}"',
            1,
        ),
        "tindak_lanjut_teknis",
    ),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_forbidden_construct_is_refused_in_every_kind_of_expression(
    cli: Any, tmp_path: Path, kind: str
) -> None:
    build, element = KINDS[kind]
    xml = build(FORBIDDEN)
    assert xml != DIAGRAM, "the real diagram no longer has the place this test edits"
    result = cli.invoke(args=["process", "validate", str(_write(tmp_path, xml))])
    assert result.exit_code == 1, result.output
    assert element in result.output and "ditolak" in result.output


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("open('/etc/passwd').read() != ''", "nama 'open' tidak dikenal"),
        ("nilai_rahasia == 'teruskan'", "nama 'nilai_rahasia' tidak dikenal"),
        ("not " * 5000 + "True", "terlalu"),
    ],
)
def test_a_condition_that_cannot_run_is_refused_at_deploy(
    cli: Any, tmp_path: Path, condition: str, reason: str
) -> None:
    xml = DIAGRAM.replace("keputusan_verifikasi == 'teruskan'", condition, 1)
    path = _write(tmp_path, xml)
    for command in ("validate", "deploy"):
        result = cli.invoke(args=["process", command, str(path)])
        assert result.exit_code == 1, result.output
        assert "alur_teruskan" in result.output and reason in result.output


def test_the_web_upload_refuses_deeply_nested_code_with_a_message(
    app: Flask, demo_users: list[str]
) -> None:
    xml = DIAGRAM.replace("keputusan_verifikasi == 'teruskan'", "not " * 5000 + "True", 1)
    client = app.test_client()
    login(client, "pemilik")
    token = csrf_token_from(client.get("/proses").get_data(as_text=True))
    fields = MultiDict(
        {"csrf_token": token, "diagram": FileStorage(io.BytesIO(xml.encode()), "dalam.bpmn")}
    )
    boundary, body = encode_multipart(fields)
    response = client.post(
        "/proses/pasang", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 422
    assert "alur_teruskan" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("tambah_hari_kerja = 1", "variabel 'tambah_hari_kerja' menimpa"),
        ("sum = 1", "variabel 'sum' menimpa"),
        ("x = _getattr_", "_getattr_"),
    ],
)
def test_a_script_may_not_shadow_the_sandbox(
    cli: Any, tmp_path: Path, script: str, reason: str
) -> None:
    xml = DIAGRAM.replace("standar_layanan_terlampaui = True", script, 1)
    result = cli.invoke(args=["process", "validate", str(_write(tmp_path, xml))])
    assert result.exit_code == 1
    assert "eskalasi_standar_layanan" in result.output and reason in result.output


def _forms_with(tmp_path: Path, name: str, change: Any) -> Path:
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    schema = json.loads((forms / name).read_text(encoding="utf-8"))
    change(schema)
    (forms / name).write_text(json.dumps(schema), encoding="utf-8")
    return forms


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: s["properties"].update(sum={"type": "string"}), "nama isian 'sum' menimpa"),
        (
            lambda s: s["properties"].update(tambah_hari_kerja={"type": "string"}),
            "nama isian 'tambah_hari_kerja' menimpa",
        ),
        (
            lambda s: s["properties"].update(catatan={"$ref": "http://127.0.0.1:9/skema.json"}),
            "merujuk ke luar formulir",
        ),
        (
            lambda s: s["properties"].update(kode={"type": "string", "pattern": "^(?=a)a$"}),
            "tidak didukung mesin RE2",
        ),
    ],
)
def test_an_unsafe_form_schema_is_refused_at_deploy(
    cli: Any, tmp_path: Path, change: Any, reason: str
) -> None:
    forms = _forms_with(tmp_path, "telaah.schema.json", change)
    path = str(ROOT / "process" / "pengaduan.bpmn")
    result = cli.invoke(args=["process", "validate", path, "--forms", str(forms)])
    assert result.exit_code == 1, result.output
    assert "telaah_pengaduan" in result.output and reason in result.output


def test_form_validation_never_fetches_a_remote_reference(monkeypatch: Any) -> None:
    fetched: list[Any] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: fetched.append(a))
    schema = {"type": "object", "properties": {"x": {"$ref": "http://127.0.0.1:9/s.json"}}}
    with pytest.raises(Exception, match="127.0.0.1"):
        validate(schema, {"x": "1"})
    assert fetched == []


def test_a_backtracking_pattern_is_matched_in_linear_time() -> None:
    schema = {"type": "object", "properties": {"kode": {"type": "string", "pattern": "^(a+)+$"}}}
    # Python's re takes seconds on this; RE2 answers at once.
    assert validate(schema, {"kode": "a" * 40 + "!"}) == {"kode": ["Format tidak sesuai."]}
    assert validate(schema, {"kode": "a" * 40}) == {}


def test_a_number_of_five_thousand_digits_is_a_wrong_type_not_a_crash() -> None:
    value = convert("integer", "9" * 5000)
    assert value == "9" * 5000  # kept as text
    schema = {"type": "object", "properties": {"nilai_kepuasan": {"type": "integer"}}}
    assert validate(schema, {"nilai_kepuasan": value}) == {
        "nilai_kepuasan": ["Jenis isian tidak sesuai."]
    }
