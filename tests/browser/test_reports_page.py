"""In Chromium: the office head's report draws its charts over their tables, on a phone too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from app.cases import service
from app.cases.events import PUBLIC
from tests.browser.conftest import LiveServer, sign_in
from tests.support import START_DATA

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_draws_each_chart_from_its_table(
        live_server: LiveServer, new_page: Any, width: int) -> None:
    with live_server.app.app_context():
        service.submit_case(dict(START_DATA), PUBLIC)
    page = new_page(width=width)
    sign_in(page, "kepala")
    page.goto("/laporan")
    expect(page.get_by_role("heading", name="Laporan mutu pelayanan")).to_be_visible()
    # Chart.js sizes every canvas it draws; the table behind each chart stays readable.
    for key in ("tren", "channel", "tunggakan"):
        canvas = page.locator(f'canvas[data-table="tabel-{key}"]')
        expect(canvas).to_have_attribute("style", re.compile("box-sizing"))
        expect(page.locator(f"#tabel-{key} tbody tr").first).to_be_attached()
    expect(page.get_by_role("button", name="Unduh XLSX")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_the_public_recap_needs_no_login(new_page: Any) -> None:
    page = new_page(width=390)
    page.goto("/transparansi")
    expect(page.get_by_role("heading", name=re.compile("Rekap layanan pengaduan"))).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("kurang dari 5")
