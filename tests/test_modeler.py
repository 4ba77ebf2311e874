"""The modeler's server side: lint as you edit, deploy with a comment, previews, conventions."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import func, select

from app.cases.events import PUBLIC
from app.cases.models import ProcessVersion
from app.cases.service import active_version, submit_case
from app.db import get_session
from app.engine import DiagramProblem
from app.engine import conventions as names
from app.processes import modeler, service
from app.processes.service import deploy_file, form_files
from tests.conftest import login
from tests.support import ROOT, START_DATA

BPMN = ROOT / "process" / "pengaduan.bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


@pytest.fixture
def live_forms(app: Flask, demo_users: list[str]) -> dict[str, str]:
    """The real diagram deployed once; the files stored with it (what the modeler starts from)."""
    with app.app_context():
        return form_files(deploy_file(BPMN, ROOT / "forms").version)


@pytest.fixture
def owner(client: FlaskClient, live_forms: dict[str, str]) -> tuple[FlaskClient, str]:
    """The process owner, signed in, with the CSRF token of the modeler page."""
    login(client, "pemilik")
    page = client.get("/proses/modeler/")
    assert page.status_code == 200
    token = re.search(r'"csrf": "([^"]+)"', page.get_data(as_text=True))
    assert token
    return client, token.group(1)


def _post(owner: tuple[FlaskClient, str], url: str, body: dict[str, Any]) -> Any:
    client, token = owner
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def _edited(change: Any) -> str:
    """The real diagram with CHANGE applied to its parsed tree, as text."""
    root = etree.fromstring(BPMN.read_bytes())
    change(root)
    return etree.tostring(root, encoding="unicode")


def _drop_form_of(task_id: str) -> Any:
    def change(root: Any) -> None:
        for prop in root.xpath(f"//bpmn:userTask[@id='{task_id}']//spiffworkflow:property"
                               "[@name='formJsonSchemaFilename']", namespaces=NS):
            prop.getparent().remove(prop)
    return change


def _version_count(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count(ProcessVersion.id))) or 0)


def test_the_live_diagram_lints_without_errors(owner: tuple[FlaskClient, str],
                                               live_forms: dict[str, str]) -> None:
    response = _post(owner, "/proses/modeler/periksa",
                     {"xml": BPMN.read_text("utf-8"), "forms": live_forms})
    assert response.status_code == 200
    assert [p for p in response.get_json()["problems"] if p["severity"] == "error"] == []


def test_an_error_names_the_element_and_the_reason(owner: tuple[FlaskClient, str],
                                                   live_forms: dict[str, str]) -> None:
    xml = _edited(_drop_form_of("verifikasi_pengaduan"))
    problems = _post(owner, "/proses/modeler/periksa",
                     {"xml": xml, "forms": live_forms}).get_json()["problems"]
    assert {"element_id": "verifikasi_pengaduan",
            "element_name": "Menerima, mencatat dan memverifikasi pengaduan",
            "message": "tugas pengguna tanpa formulir", "severity": "error"} in problems


def test_a_form_the_diagram_names_but_nobody_sent_is_an_error(
        owner: tuple[FlaskClient, str], live_forms: dict[str, str]) -> None:
    forms = {k: v for k, v in live_forms.items() if k != "telaah.schema.json"}
    problems = _post(owner, "/proses/modeler/periksa",
                     {"xml": BPMN.read_text("utf-8"), "forms": forms}).get_json()["problems"]
    assert any(p["element_id"] == "telaah_pengaduan" and "telaah.schema.json tidak ada"
               in p["message"] and p["severity"] == "error" for p in problems)


def test_unsafe_condition_is_an_error_on_its_flow(owner: tuple[FlaskClient, str],
                                                  live_forms: dict[str, str]) -> None:
    def change(root: Any) -> None:
        expression = root.xpath("//bpmn:sequenceFlow/bpmn:conditionExpression",
                                namespaces=NS)[0]
        expression.text = "__import__('os').system('id')"
    problems = _post(owner, "/proses/modeler/periksa",
                     {"xml": _edited(change), "forms": live_forms}).get_json()["problems"]
    assert any(p["severity"] == "error" and p["element_id"].startswith("alur")
               for p in problems), problems


def test_warnings_are_told_apart_and_do_not_block_the_deploy(
        owner: tuple[FlaskClient, str], live_forms: dict[str, str], app: Flask,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The reachability/gateway rules that emit warnings arrive with the versions work; here
    # one warning is added to the real findings to prove the endpoint and deploy carry them.
    real = service.validate

    def with_warning(bpmn_xml: bytes, forms: dict[str, str]) -> list[DiagramProblem]:
        return [*real(bpmn_xml, forms),
                DiagramProblem("gw_sesuai_harapan", "", "contoh peringatan", "warning")]

    monkeypatch.setattr(service, "validate", with_warning)
    xml = BPMN.read_text("utf-8").replace("Pengaduan diajukan", "Pengaduan diterima", 1)
    problems = _post(owner, "/proses/modeler/periksa",
                     {"xml": xml, "forms": live_forms}).get_json()["problems"]
    assert problems == [{"element_id": "gw_sesuai_harapan", "element_name": "",
                         "message": "contoh peringatan", "severity": "warning"}]
    response = _post(owner, "/proses/modeler/pasang",
                     {"xml": xml, "forms": live_forms, "note": "Nama peristiwa mulai"})
    assert response.status_code == 201
    assert response.get_json()["version"] == 2


def test_errors_come_first_in_the_list() -> None:
    found = modeler.problems_json([DiagramProblem("a", "", "w", "warning"),
                                   DiagramProblem("b", "", "e")])
    assert [p["severity"] for p in found] == ["error", "warning"]


def test_a_refused_deploy_leaves_the_live_version_untouched(
        owner: tuple[FlaskClient, str], live_forms: dict[str, str], app: Flask) -> None:
    with app.app_context():
        before = active_version()
        before_id, before_hash = before.id, before.content_hash
    xml = _edited(_drop_form_of("verifikasi_pengaduan"))
    response = _post(owner, "/proses/modeler/pasang",
                     {"xml": xml, "forms": live_forms, "note": "Coba tanpa formulir"})
    assert response.status_code == 422
    assert any(p["element_id"] == "verifikasi_pengaduan" for p in response.get_json()["problems"])
    assert _version_count(app) == 1
    with app.app_context():
        live = active_version()
        assert (live.id, live.content_hash) == (before_id, before_hash)
        case = submit_case(dict(START_DATA), PUBLIC).case
        assert case.process_version_id == before_id


def test_a_deploy_needs_a_comment(owner: tuple[FlaskClient, str], live_forms: dict[str, str],
                                  app: Flask) -> None:
    xml = BPMN.read_text("utf-8").replace("Pengaduan diajukan", "Pengaduan diterima", 1)
    response = _post(owner, "/proses/modeler/pasang", {"xml": xml, "forms": live_forms,
                                                       "note": "   "})
    assert response.status_code == 400
    assert "komentar" in response.get_json()["error"]
    assert _version_count(app) == 1


def test_a_deploy_stores_the_new_form_the_comment_and_the_owner(
        owner: tuple[FlaskClient, str], live_forms: dict[str, str], app: Flask) -> None:
    def change(root: Any) -> None:
        [prop] = root.xpath("//bpmn:userTask[@id='telaah_pengaduan']//spiffworkflow:property"
                            "[@name='formJsonSchemaFilename']", namespaces=NS)
        prop.set("value", "telaah_baru.schema.json")
    schema = json.loads(live_forms["telaah.schema.json"])
    schema["properties"]["catatan_tambahan"] = {"type": "string", "title": "Catatan tambahan"}
    forms = {**live_forms, "telaah_baru.schema.json": json.dumps(schema),
             "tidak_dipakai.schema.json": "{}"}
    response = _post(owner, "/proses/modeler/pasang",
                     {"xml": _edited(change), "forms": forms, "note": "Telaah dengan catatan"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["message"] == "Versi 2 dipasang."
    with app.app_context():
        version = active_version()
        stored = form_files(version)
        assert (version.version, version.note, version.deployed_by) == (
            2, "Telaah dengan catatan", "pemilik")
        assert "catatan_tambahan" in json.loads(stored["telaah_baru.schema.json"])["properties"]
        assert "tidak_dipakai.schema.json" not in stored  # only the files the diagram names


@pytest.mark.parametrize(("body", "reason"), [
    ({}, "tidak berisi diagram"),
    ({"xml": "  "}, "Diagram kosong"),
    ({"xml": "<x/>", "forms": {"../rahasia.json": "{}"}}, "Nama berkas formulir tidak valid"),
    ({"xml": "<x/>", "forms": {"a.schema.json": 3}}, "Nama berkas formulir tidak valid"),
    ({"xml": "<x/>", "forms": {"a.json": "x" * (600 * 1024)}}, "lebih besar dari 512 KB"),
])
def test_a_request_that_cannot_be_read_is_refused_with_the_reason(
        owner: tuple[FlaskClient, str], body: dict[str, Any], reason: str) -> None:
    response = _post(owner, "/proses/modeler/periksa", body)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]


def test_broken_xml_is_a_finding_not_a_crash(owner: tuple[FlaskClient, str]) -> None:
    response = _post(owner, "/proses/modeler/periksa", {"xml": "<bpmn:definitions", "forms": {}})
    assert response.status_code == 200
    assert response.get_json()["problems"][0]["severity"] == "error"


def test_the_preview_draws_conditional_fields_with_the_staff_macros(
        owner: tuple[FlaskClient, str], live_forms: dict[str, str]) -> None:
    page = _post(owner, "/proses/modeler/formulir/pratinjau", {
        "schema": live_forms["konfirmasi_jawaban.schema.json"],
        "ui": live_forms["konfirmasi_jawaban.uischema.json"]}).get_data(as_text=True)
    assert "data-show-when" in page  # the field shown only when the answer is rejected
    assert "conditional.js" in page
    assert "Ada isian yang perlu diperbaiki" not in page


def test_try_validation_shows_the_servers_messages(owner: tuple[FlaskClient, str],
                                                   live_forms: dict[str, str]) -> None:
    body = {"schema": live_forms["konfirmasi_jawaban.schema.json"],
            "ui": live_forms["konfirmasi_jawaban.uischema.json"], "check": True}
    rejected = _post(owner, "/proses/modeler/formulir/pratinjau",
                     {**body, "values": [["sesuai_harapan", "false"]]}).get_data(as_text=True)
    assert "Ada isian yang perlu diperbaiki" in rejected
    assert "Wajib diisi." in rejected  # the reason becomes required once "no" is chosen
    accepted = _post(owner, "/proses/modeler/formulir/pratinjau", {**body, "values": [
        ["sesuai_harapan", "true"], ["nilai_kepuasan", "4"]]}).get_data(as_text=True)
    assert "lolos validasi server" in accepted


def test_a_preview_of_broken_json_says_why(owner: tuple[FlaskClient, str]) -> None:
    page = _post(owner, "/proses/modeler/formulir/pratinjau",
                 {"schema": "{\"type\": ", "ui": "{}"}).get_data(as_text=True)
    assert "JSON Schema bukan JSON yang valid" in page


def test_the_panel_offers_every_property_the_app_reads(owner: tuple[FlaskClient, str]) -> None:
    catalogue = owner[0].get("/proses/modeler/konvensi.json").get_json()
    offered = {row["name"] for row in catalogue}
    read = {names.SCHEMA_FILE, names.UI_FILE, names.PUBLIC_STATUS, names.PUBLIC_TEXT,
            names.PUBLIC_ACTION, names.NOTIFY_PUBLIC, names.NOTIFY_LEADS, names.NOTIFY_REMINDER,
            names.NOTIFY_DIGEST, names.DAYS,
            names.SERVICE_STANDARD, names.TRANSLATIONS, names.EMAIL_FOOTER, names.PUBLIC_LANE,
            names.REGISTRAR_LANE, names.LEADS_LANE, names.DIVISION_EXPRESSION, "milestone",
            "notification"}
    assert offered == read
    documented = (ROOT / "process" / "CONVENTIONS.md").read_text("utf-8")
    assert [name for name in offered if f"`{name}" not in documented] == []


def test_every_property_of_the_shipped_diagram_is_in_the_panel(
        owner: tuple[FlaskClient, str]) -> None:
    catalogue = owner[0].get("/proses/modeler/konvensi.json").get_json()
    used = set(etree.fromstring(BPMN.read_bytes()).xpath("//spiffworkflow:property/@name",
                                                         namespaces=NS))
    assert used <= {row["name"] for row in catalogue}


def test_bpmnlint_recommended_messages_are_translated() -> None:
    rules_dir = ROOT / "node_modules" / "bpmnlint" / "rules"
    if not rules_dir.is_dir():
        pytest.skip("npm packages not installed (make install)")
    recommended = (ROOT / "node_modules" / "bpmnlint" / "config" / "recommended.js").read_text()
    translations = (ROOT / "app" / "processes" / "assets" / "translate.js").read_text("utf-8")
    missing = []
    for rule in re.findall(r"'([a-z-]+)': '(?:error|warn)'", recommended):
        source = (rules_dir / f"{rule}.js").read_text("utf-8")
        for message in re.findall(r"reporter\.report\([^,]+,\s*'([^']+)'", source):
            if json.dumps(message) not in translations:
                missing.append(f"{rule}: {message}")
    assert missing == []


def test_a_deploy_over_a_version_deployed_meanwhile_tells_the_owner(
        owner: tuple[FlaskClient, str], live_forms: dict[str, str], app: Flask) -> None:
    with app.app_context():
        opened = active_version().id
        # Someone else deploys while the owner edits version 1.
        other = BPMN.read_bytes().replace(b"Pengaduan diajukan", b"Pengaduan masuk", 1)
        service.deploy(other, {k: v for k, v in live_forms.items()}, "admin", "Dari orang lain")
    mine = BPMN.read_text("utf-8").replace("Pengaduan diajukan", "Pengaduan diterima", 1)
    body = {"xml": mine, "forms": live_forms, "note": "Nama peristiwa mulai",
            "base_version": opened}
    response = _post(owner, "/proses/modeler/pasang", body)
    assert response.status_code == 409
    answer = response.get_json()
    assert answer["newest_version"] == 2
    assert "Versi 2 dipasang oleh" in answer["conflict"]
    assert _version_count(app) == 2  # nothing of the owner's was stored
    again = _post(owner, "/proses/modeler/pasang", {**body, "base_version": answer["newest_id"]})
    assert again.status_code == 201
    assert again.get_json()["version"] == 3
