"""The process owner compares two versions on coloured diagrams and migrates a case in Chromium.

This module runs its own server: the versions it deploys must not become the newest version of
the session's shared server, where other tests start cases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Case
from app.db import get_session
from app.processes.service import deploy
from tests.browser.conftest import LiveServer, _setup, serving, sign_in
from tests.support import ROOT, START_DATA, make_test_app
from tests.test_process_versions import FORMS, safe_revision, unsafe_revision

SHOTS = os.environ.get("VERSIONS_SCREENSHOTS", "")  # a folder: save the deliverable shots there


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: version 1 with a running case, then a version 2 that renames."""
    app = make_test_app(tmp_path_factory.mktemp("versions"))
    _setup(app)
    with app.app_context():
        for _ in range(2):
            service.submit_case(dict(START_DATA), PUBLIC)
        xml, forms = safe_revision()
        xml = xml.replace("rujuk_instansi", "rujuk_ke_instansi")
        xml = xml.replace("perlu_koordinasi == True", "perlu_koordinasi")
        deploy(xml.encode(), forms, deployed_by="pemilik", note="Nama tugas diperjelas")
        deploy(unsafe_revision().encode(), FORMS, deployed_by="pemilik", note="Verifikasi manual")
    with serving(app, "versions-server") as server:
        yield server


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"versions-{name}.png"), full_page=True)


def test_the_diff_colours_both_diagrams_and_lists_the_changes(new_page: Any) -> None:
    page = new_page(width=1400, height=1000)
    sign_in(page, "pemilik")
    page.goto("/proses")
    page.get_by_role("row", name="Versi 2").get_by_role("link", name="dengan versi 1").click()
    canvases = page.locator(".bpmn-diff-canvas")
    expect(canvases.nth(0)).to_have_attribute("data-ready", "true")
    expect(canvases.nth(1)).to_have_attribute("data-ready", "true")
    old, new = canvases.nth(0), canvases.nth(1)
    expect(old.locator('.lp-removed[data-element-id="rujuk_instansi"]')).to_have_count(1)
    expect(new.locator('.lp-added[data-element-id="rujuk_ke_instansi"]')).to_have_count(1)
    expect(new.locator('.lp-changed[data-element-id="telaah_pengaduan"]')).to_have_count(1)
    expect(new.locator('.lp-changed[data-element-id="alur_perlu_koordinasi"]')).to_have_count(1)
    row = page.locator('tr[data-element="alur_perlu_koordinasi"]')
    expect(row).to_contain_text("perlu_koordinasi == True")
    expect(page.get_by_text("ditambahkan (1)")).to_be_visible()
    _shot(page, "diff")


def test_the_owner_previews_and_moves_one_case(new_page: Any, live_server: LiveServer) -> None:
    with live_server.app.app_context():
        codes = list(get_session().scalars(select(Case.tracking_code).order_by(Case.id)))
    page = new_page(width=1400, height=900)
    sign_in(page, "pemilik")
    page.goto("/proses")
    page.get_by_role("link", name="migrasi").click()
    # The newest version (3) turns the waiting task into a manual task: every case is refused.
    rows = page.locator("tr[data-case]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("ditolak")
    expect(rows.first).to_contain_text("jenis elemen verifikasi_pengaduan")
    expect(page.get_by_role("button", name=f"Pindahkan {codes[0]}")).to_have_count(0)
    expect(page.get_by_role("button", name="Pindahkan semua yang aman ke versi 3")).to_have_count(0)
    _shot(page, "migration-refused")
    page.get_by_label("Versi tujuan").select_option(label="Versi 2 · Nama tugas diperjelas")
    page.get_by_role("button", name="Tampilkan pratinjau").click()
    expect(rows.first).to_contain_text("aman")
    expect(rows.first).to_contain_text("Memverifikasi pengaduan")
    _shot(page, "migration-preview")
    page.get_by_role("button", name=f"Pindahkan {codes[0]}").click()
    expect(page.get_by_text("1 pengaduan dipindahkan, 0 ditolak.")).to_be_visible()
    expect(page.locator(f'tr[data-case="{codes[0]}"]')).to_contain_text("dipindahkan")
    with live_server.app.app_context():
        moved = get_session().scalars(select(Case).where(Case.tracking_code == codes[0])).one()
        assert moved.process_version.version == 2
    assert ROOT.exists()


def test_the_diff_and_the_preview_fit_a_phone(new_page: Any) -> None:
    page = new_page(width=390, height=844)
    sign_in(page, "pemilik")
    for path in ("/proses", "/proses/1/migrasi"):
        page.goto(path)
        if path == "/proses":
            row = page.get_by_role("row", name="Versi 2")
            row.get_by_role("link", name="dengan versi 1").click()
            expect(page.locator(".bpmn-diff-canvas").nth(1)).to_have_attribute("data-ready", "true")
            _shot(page, "diff-phone")
        wide = page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        assert not wide, f"{page.url} scrolls sideways on a phone"
