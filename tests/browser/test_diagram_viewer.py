"""Process owners and auditors see the diagram drawn by bpmn-js, served by the app itself."""

from __future__ import annotations

from typing import Any

from app.audit.service import CURRENT_MARKER, DONE_MARKER
from app.cases import service
from app.cases.events import PUBLIC
from tests.browser.conftest import LiveServer, sign_in
from tests.support import FORWARD, OFFICER, START_DATA


def _watch_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


def test_process_owner_sees_the_deployed_diagram(new_page: Any) -> None:
    page = new_page()
    errors = _watch_errors(page)
    sign_in(page, "pemilik")
    page.goto("/proses")
    page.get_by_role("link", name="Versi 1").first.click()
    task = page.locator('#diagram [data-element-id="verifikasi_pengaduan"]')
    task.wait_for()
    assert page.locator("#diagram .djs-element").count() > 40
    for lane in ("Pelanggan", "Petugas Pengelola Layanan Pengaduan", "Tim Penanganan Pengaduan",
                 "Bidang Teknis"):
        assert page.locator("#diagram").get_by_text(lane, exact=True).count() >= 1
    assert errors == []


def test_auditor_sees_the_path_a_case_took(new_page: Any, live_server: LiveServer) -> None:
    with live_server.app.app_context():
        case = service.submit_case(dict(START_DATA), PUBLIC).case
        [task] = [t for t in service.engine().ready_tasks(case.state_json)]
        service.complete_task(task.task_id, FORWARD, OFFICER)
    page = new_page()
    errors = _watch_errors(page)
    sign_in(page, "auditor")
    page.goto(f"/audit/kasus/{case.tracking_code}")
    done = page.locator(f'#diagram .{DONE_MARKER}[data-element-id="verifikasi_pengaduan"]')
    done.wait_for()
    current = page.locator(f'#diagram .{CURRENT_MARKER}[data-element-id="telaah_pengaduan"]')
    assert current.count() == 1
    assert page.locator(f'#diagram .{DONE_MARKER}[data-element-id="mulai_pengaduan"]').count() == 1
    assert errors == []
