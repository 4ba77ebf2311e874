"""The process owner changes the process in the browser: a new task, a new form, lint, deploy.

The modeler deploys a new version, so this module runs on its own server: the session's
`live_server` keeps the shipped diagram for every other browser test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from app.cases.events import PUBLIC
from app.cases.service import active_version, submit_case
from app.processes.service import deploy, form_files
from tests.browser.conftest import LiveServer, _setup, page_opener, serving, sign_in
from tests.support import START_DATA, make_test_app

# Drives bpmn-js through its API (dragging from the palette is impractical in a test): a user
# task below the target's lane, on the flow that led to the target, then a flow on to it.
ADD_TASK = """({ flowId, targetId, laneId, name }) => {
  const modeler = window.lpModeler;
  const registry = modeler.get("elementRegistry");
  const modeling = modeler.get("modeling");
  const target = registry.get(targetId);
  const lane = registry.get(laneId);
  const participant = registry.filter((e) => e.type === "bpmn:Participant")[0];
  const shape = modeler.get("elementFactory").createShape({ type: "bpmn:UserTask" });
  const task = modeling.createShape(shape,
    { x: target.x + target.width / 2 + 130, y: lane.y + lane.height - 45 }, participant);
  modeling.updateLabel(task, name);
  modeling.reconnectEnd(registry.get(flowId), task, { x: task.x, y: task.y + task.height / 2 });
  modeling.connect(task, target);
  modeler.get("selection").select(task);
  return task.id;
}"""
NEW_TASK = "Catatan awal petugas"


@pytest.fixture(scope="module")
def modeler_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own, set up like `make run`."""
    app = make_test_app(tmp_path_factory.mktemp("modeler"))
    _setup(app)
    with serving(app, "modeler-server") as server:
        yield server


@pytest.fixture
def open_page(browser: Any, modeler_server: LiveServer) -> Iterator[Any]:
    """Pages on the modeler's server, one browser context each."""
    make, contexts = page_opener(browser, modeler_server, 1400, 1000, 15_000)
    yield make
    for context in contexts:
        context.close()


def _watch_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_owner_adds_a_task_with_a_new_form_and_a_new_case_reaches_it(
        open_page: Any, modeler_server: LiveServer) -> None:
    page = open_page()
    errors = _watch_errors(page)
    sign_in(page, "pemilik")
    page.goto("/proses/modeler/")
    summary = page.locator("#lint-summary")
    expect(summary).to_have_attribute("data-state", "done")
    expect(summary).to_have_attribute("data-errors", "0")
    deploy = page.get_by_role("button", name="Pasang versi baru")
    expect(deploy).to_be_enabled()

    task_id = page.evaluate(ADD_TASK, {"flowId": "alur_ke_verifikasi",
                                       "targetId": "verifikasi_pengaduan",
                                       "laneId": "lane_petugas", "name": NEW_TASK})
    # The server's lint: a user task without a form is an error, on the list and the canvas.
    problem = page.locator(f'#lint-list li.lint-error[data-element-id="{task_id}"]',
                           has_text="tugas pengguna tanpa formulir")
    expect(problem).to_have_count(1)
    expect(page.locator('.djs-overlay .lp-server-error[title*="tanpa formulir"]')).to_have_count(1)
    expect(deploy).to_be_disabled()

    # A new form in the form editor: one required long-text field, previewed by the server.
    page.get_by_label("Nama formulir baru").fill("catatan_awal")
    page.get_by_role("button", name="Buat formulir").click()
    expect(page.locator("#pilih-formulir")).to_have_value("catatan_awal.schema.json")
    page.get_by_role("button", name="Tambah isian").click()
    page.locator("#isian-0-name").fill("catatan")
    page.locator("#isian-0-name").press("Tab")
    page.locator("#isian-0-title").fill("Catatan petugas")
    page.locator("#isian-0-title").press("Tab")
    page.locator("#isian-0-type").select_option("textarea")
    page.locator("#isian-0-required").check()
    preview = page.frame_locator("#pratinjau-formulir")
    expect(preview.get_by_label("Catatan petugas")).to_be_visible()
    page.get_by_role("button", name="Coba validasi").click()
    expect(preview.get_by_text("Ada isian yang perlu diperbaiki")).to_be_visible()
    preview.get_by_label("Catatan petugas").fill("Pengadu datang langsung ke loket.")
    page.get_by_role("button", name="Coba validasi").click()
    expect(preview.get_by_text("Isian contoh lolos validasi server.")).to_be_visible()

    # The properties panel: the task's form, chosen from the files being edited.
    panel = page.locator("#modeler-properties")
    panel.get_by_label("Formulir (JSON Schema)").select_option("catatan_awal.schema.json")
    panel.get_by_label("Petunjuk tampilan formulir").select_option("catatan_awal.uischema.json")
    expect(problem).to_have_count(0)
    expect(summary).to_have_attribute("data-state", "done")
    expect(summary).to_have_attribute("data-errors", "0")

    page.get_by_label("Komentar pemasangan").fill("Petugas mencatat kesan awal sebelum verifikasi")
    expect(deploy).to_be_enabled()
    deploy.click()
    expect(page.locator("#hasil-pasang")).to_contain_text("Versi 2 dipasang.")
    assert errors == []

    with modeler_server.app.app_context():
        version = active_version()
        assert version.version == 2
        assert version.note == "Petugas mencatat kesan awal sebelum verifikasi"
        schema = json.loads(form_files(version)["catatan_awal.schema.json"])
        assert schema["required"] == ["catatan"]
        case = submit_case(dict(START_DATA), PUBLIC).case
        code = case.tracking_code

    officer = open_page()
    sign_in(officer, "petugas")
    officer.goto("/tugas/antrean")
    expect(officer.locator("tr", has_text=code)).to_contain_text(NEW_TASK)
    officer.locator("tr", has_text=code).get_by_role("link", name=code).click()
    expect(officer.get_by_label("Catatan petugas")).to_be_visible()


def test_a_diagram_downloaded_from_the_modeler_keeps_the_conventions(
        open_page: Any, modeler_server: LiveServer) -> None:
    page = open_page()
    sign_in(page, "pemilik")
    page.goto("/proses/modeler/")
    expect(page.locator("#lint-summary")).to_have_attribute("data-state", "done")
    # bpmn-js knows every element of the shipped diagram (spiffworkflow moddle included).
    expect(page.locator("#modeler-status")).to_have_attribute("data-import-warnings", "0")
    # The palette keeps bpmn-js's look: the page's CSS does not paint its entries as buttons.
    tool = page.locator(".djs-palette .entry").first
    expect(tool).to_have_css("background-color", "rgba(0, 0, 0, 0)")
    expect(tool).to_have_css("padding", "0px")
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh .bpmn").click()
    text = download.value.path().read_text("utf-8")
    assert 'name="publicLane"' in text
    assert 'name="formJsonSchemaFilename" value="verifikasi.schema.json"' in text
    # Upload it back: the modeler opens it (nothing is deployed until the owner says so).
    page.locator("#unggah-bpmn").set_input_files(str(download.value.path()))
    expect(page.locator("#modeler-status")).to_contain_text("belum dipasang")


def test_a_flow_without_its_condition_is_a_lint_error_until_the_panel_sets_it(
        open_page: Any) -> None:
    page = open_page()
    sign_in(page, "pemilik")
    page.goto("/proses/modeler/")
    summary = page.locator("#lint-summary")
    expect(summary).to_have_attribute("data-state", "done")
    page.evaluate("""(id) => {
      const modeler = window.lpModeler;
      modeler.get("selection").select(modeler.get("elementRegistry").get(id));
    }""", "alur_teruskan")
    condition = page.locator("#modeler-properties").get_by_label("Kondisi (ekspresi Python")
    expect(condition).to_have_value("keputusan_verifikasi == 'teruskan'")
    condition.fill("")
    problem = page.locator('#lint-list li.lint-error[data-element-id="alur_teruskan"]')
    from_bpmnlint = problem.and_(page.locator('[data-source="bpmnlint"]'))
    expect(from_bpmnlint).to_contain_text("Alur tidak punya kondisi")  # in Indonesian
    expect(page.get_by_role("button", name="Pasang versi baru")).to_be_disabled()
    condition.fill("keputusan_verifikasi == 'teruskan'")
    expect(problem).to_have_count(0)
    expect(summary).to_have_attribute("data-errors", "0")


def test_a_version_deployed_meanwhile_is_announced_before_the_owners_deploy(
        open_page: Any, modeler_server: LiveServer) -> None:
    page = open_page()
    sign_in(page, "pemilik")
    page.goto("/proses/modeler/")
    expect(page.locator("#lint-summary")).to_have_attribute("data-state", "done")
    with modeler_server.app.app_context():
        live = active_version()
        other = live.bpmn_xml.replace(b'name="Pengaduan diajukan"', b'name="Pengaduan masuk"', 1)
        assert other != live.bpmn_xml
        deployed = deploy(other, form_files(live), "admin", "Perubahan rekan").version.version
    page.evaluate("""() => {
      const modeler = window.lpModeler;
      const start = modeler.get("elementRegistry").filter((e) => e.type === "bpmn:StartEvent")[0];
      modeler.get("modeling").updateLabel(start, "Pengaduan diterima");
    }""")
    expect(page.locator("#lint-summary")).to_have_attribute("data-errors", "0")
    page.get_by_label("Komentar pemasangan").fill("Nama peristiwa mulai")
    page.get_by_role("button", name="Pasang versi baru").click()
    conflict = page.locator(".deploy-conflict")
    expect(conflict).to_contain_text(f"Versi {deployed} dipasang oleh")
    conflict.get_by_role("button", name="Pasang tetap di atasnya").click()
    expect(page.locator("#hasil-pasang")).to_contain_text(f"Versi {deployed + 1} dipasang.")
