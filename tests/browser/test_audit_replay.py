"""Auditors in the browser: search across cases, step through a case's history, the heatmap."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from app.cases.models import Case
from app.db import get_session
from tests.audit.journeys import breached_then_answered, closed_by_timer, full_journey, referred
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.test_diagram_viewer import _watch_errors

# Screenshots go to docs/screenshots only with UPDATE_SCREENSHOTS=1 (as the desk's tests do);
# otherwise to a temporary folder, so running the tests leaves the checkout as it was.
SHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
         if os.environ.get("UPDATE_SCREENSHOTS") else Path(tempfile.gettempdir()) / "audit-shots")
SHOTS.mkdir(parents=True, exist_ok=True)


def _journey_code(live_server: LiveServer) -> str:
    with live_server.app.app_context():
        case_id, _moments = full_journey()
        case = get_session().get(Case, case_id)
        assert case is not None
        return case.tracking_code


def test_auditor_searches_steps_through_a_case_and_reads_the_heatmap(
    new_page: Any, live_server: LiveServer
) -> None:
    code = _journey_code(live_server)
    page = new_page(1280, 1100)
    errors = _watch_errors(page)
    sign_in(page, "auditor")
    page.goto("/audit/")
    page.get_by_label("Bidang teknis").select_option("pcs")
    page.get_by_label("Standar layanan").select_option("terpenuhi")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.get_by_role("link", name=code)).to_be_visible()
    expect(page.get_by_test_id("audit-counts")).to_contain_text("standar terpenuhi")
    page.screenshot(path=str(SHOTS / "audit-search-desktop.png"), full_page=True)

    page.get_by_role("link", name=code).click()
    frame = page.get_by_test_id("player-frame")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Peristiwa pertama").click()
    expect(frame).to_contain_text("#1")
    expect(frame).to_contain_text("Pengaduan diajukan")
    expect(frame).to_contain_text("Menerima, mencatat dan memverifikasi pengaduan")
    current = '#diagram .lp-current[data-element-id="verifikasi_pengaduan"]'
    expect(page.locator(current)).to_have_count(1)
    expect(page.locator('#diagram .lp-done[data-element-id="telaah_pengaduan"]')).to_have_count(0)
    page.keyboard.press("ArrowRight")
    expect(frame).to_contain_text("#2")
    expect(frame).to_contain_text("Melengkapi data pengaduan")  # the data request waits
    expect(frame).to_contain_text("Pelanggan")
    page.locator("#player-slider").fill("4")  # the fifth event: the team asked the division
    expect(frame).to_contain_text("#5")
    expect(frame).to_contain_text("Memberikan tindak lanjut teknis")
    expect(frame).to_contain_text("PCS")
    expect(page.locator(
        '#diagram .lp-current[data-element-id="tindak_lanjut_teknis"]')).to_have_count(1)
    expect(frame).to_contain_text("5 hari kerja sejak diterima")  # the SLA timer waits
    page.set_viewport_size({"width": 1280, "height": 1700})
    page.locator("#putar-judul").evaluate("heading => heading.scrollIntoView()")
    page.screenshot(path=str(SHOTS / "audit-replay-desktop.png"), full_page=False)
    page.get_by_role("button", name="Peristiwa terakhir").click()
    expect(frame).to_contain_text("Pengaduan selesai")

    with live_server.app.app_context():  # more cases, other paths, for a telling heatmap
        referred()
        closed_by_timer()
        breached_then_answered()
    page.goto("/audit/peta-panas")
    expect(page.locator("#diagram")).to_have_attribute("data-heat", "true")
    badge = page.locator('.heat-badge[data-element="telaah_pengaduan"]')
    expect(badge).to_contain_text("n=")
    heated = '#diagram [data-element-id="telaah_pengaduan"][class*="lp-heat-"]'
    expect(page.locator(heated)).to_have_count(1)
    page.screenshot(path=str(SHOTS / "audit-heatmap-desktop.png"), full_page=True)
    assert errors == []


def test_the_step_through_works_on_a_phone(new_page: Any, live_server: LiveServer) -> None:
    code = _journey_code(live_server)
    page = new_page(390, 844)
    sign_in(page, "auditor")
    page.goto(f"/audit/kasus/{code}")
    frame = page.get_by_test_id("player-frame")
    page.get_by_role("button", name="Peristiwa sebelumnya").click()
    expect(frame).to_contain_text("Mengonfirmasi jawaban")
    page.locator("#putar-ulang").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "audit-replay-phone.png"), full_page=False)
    page.goto("/audit/")
    page.screenshot(path=str(SHOTS / "audit-search-phone.png"), full_page=False)
