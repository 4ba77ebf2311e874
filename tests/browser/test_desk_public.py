"""Issue 13, public half, in Chromium at 390 px and 1280 px: an anonymous paper slip registered
by the desk officer with a printed receipt, access-code recovery, the error summary brought
into view, the character counter, Back + resubmit, and the unsaved-changes warning.

With DESK_PUBLIC_SCREENSHOTS=1 the screenshots are saved to docs/screenshots/desk-public-*.png.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.cases.models import Case
from app.db import get_session
from app.notify.models import Outbox
from tests.browser.conftest import LiveServer, sign_in
from tests.support import ROOT

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("DESK_PUBLIC_SCREENSHOTS") else None
WIDTHS = [pytest.param((390, 844), id="390"), pytest.param((1280, 900), id="1280")]


def _shot(page: Any, name: str, width: int) -> None:
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"desk-public-{name}-{width}.png"), full_page=True)


def _cases(live: LiveServer) -> int:
    with live.app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(Case)) or 0)


def _no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, "the page scrolls sideways"


@pytest.mark.parametrize("size", WIDTHS)
def test_registering_an_anonymous_paper_slip_with_a_printed_receipt(
    live_server: LiveServer, new_page: Any, size: tuple[int, int]
) -> None:
    width, height = size
    page = new_page(width=width, height=height)
    sign_in(page, "petugas")
    page.goto("/registrasi")
    expect(page.get_by_role("group", name="Penerimaan")).to_be_visible()
    channel = page.get_by_label("Kanal pengaduan")
    expect(channel.locator("option", has_text="Portal daring")).to_have_count(0)
    channel.select_option("kotak_saran")
    page.get_by_label("Tanggal diterima").fill("2026-11-20")
    page.get_by_label("Nomor surat/LAPOR!").fill("KS-11/2026")
    page.get_by_label("Keluhan", exact=True).check()
    page.get_by_label("Layanan yang diadukan").select_option("pelayanan_umum")
    page.get_by_label("Judul").fill("Slip kotak saran: antrean loket KK")
    page.get_by_label("Uraian").fill(
        "Slip tanpa nama: antrean loket KK terlalu lama, nomor antrean habis pukul 09.00.")
    page.get_by_label("Pengaduan tanpa identitas").check()
    _shot(page, "register-form", width)
    page.get_by_role("button", name="Daftarkan pengaduan").click()
    page.wait_for_url("**/registrasi/terdaftar")
    receipt = page.locator("#tanda-terima")
    expect(receipt.get_by_role("heading", name="Tanda terima pengaduan")).to_be_visible()
    expect(receipt.locator(".qr svg")).to_be_visible()
    expect(receipt).to_contain_text("Kotak saran/pengaduan")
    expect(receipt).to_contain_text("KS-11/2026")
    tracking = page.locator("#nomor-pelacakan").inner_text().strip()
    assert tracking.startswith("ADU-")
    _no_sideways_scroll(page)
    _shot(page, "registered", width)
    # "Cetak tanda terima" opens the browser's print dialog ...
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="Cetak tanda terima").click()
    assert page.evaluate("window.__printed === true")
    # ... and the printed page is the receipt alone.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Cetak tanda terima")).to_be_hidden()
    expect(receipt).to_be_visible()
    _shot(page, "receipt-print", width)


@pytest.mark.parametrize("size", WIDTHS)
def test_recovering_a_lost_access_code(
    live_server: LiveServer, new_page: Any, size: tuple[int, int]
) -> None:
    width, height = size
    page = new_page(width=width, height=height)
    page.goto("/pengaduan/baru")
    page.get_by_label("Saran", exact=True).check()
    page.get_by_label("Layanan yang diadukan").select_option("kk")
    page.get_by_label("Judul").fill("Tambah loket pencetakan KK")
    page.get_by_label("Uraian").fill("Mohon loket pencetakan KK ditambah pada hari Senin pagi.")
    page.get_by_label("Nama lengkap").fill("Rahmat Hidayat")
    page.get_by_label("Surel", exact=True).fill(f"rahmat{width}@example.com")
    page.get_by_role("button", name="Kirim pengaduan").click()
    page.wait_for_url("**/pengaduan/terkirim")
    tracking = page.locator("#nomor-pelacakan").inner_text().strip()
    lost = page.locator("#kode-akses").inner_text().strip()

    # Another day, another phone: the code is lost.
    phone = new_page(width=width, height=height)
    phone.goto("/lacak")
    phone.get_by_role("link", name="Lupa kode akses?").click()
    phone.get_by_label("Nomor pelacakan").fill(tracking)
    phone.get_by_label("Surel atau nomor telepon yang tercatat").fill(f"Rahmat{width}@example.com")
    _shot(phone, "recover-form", width)
    phone.get_by_role("button", name="Kirim kode akses baru").click()
    expect(phone.locator("#hasil-pemulihan")).to_contain_text("Permintaan Anda sudah kami terima")
    assert lost not in phone.content()
    _no_sideways_scroll(phone)
    _shot(phone, "recover-sent", width)
    with live_server.app.app_context():
        bodies = [m.body for m in get_session().scalars(
            select(Outbox).where(Outbox.kind == "access_code"))]
    codes = [m.group(1) for b in bodies if tracking in b
             for m in [re.search(r"Kode akses: (\S+)", b)] if m]
    assert codes and codes[-1] != lost
    # The new code opens the case.
    phone.goto("/lacak")
    phone.get_by_label("Nomor pelacakan").fill(tracking)
    phone.get_by_label("Kode akses").fill(codes[-1])
    phone.get_by_role("button", name="Lihat pengaduan").click()
    phone.wait_for_url(f"**/lacak/{tracking}")
    expect(phone.get_by_role("heading", name="Perkembangan pengaduan")).to_be_visible()


def test_a_refused_form_brings_its_error_summary_into_view_on_a_phone(
    live_server: LiveServer, new_page: Any
) -> None:
    page = new_page(width=390, height=844)
    page.goto("/pengaduan/baru")
    page.get_by_label("Keluhan", exact=True).check()
    page.get_by_label("Layanan yang diadukan").select_option("ktp_el")
    page.get_by_label("Judul").fill("KTP-el belum dicetak")
    page.get_by_label("Uraian").fill("Sudah tiga bulan KTP-el saya belum dicetak juga oleh kantor.")
    page.get_by_label("Nama lengkap").fill("Budi")
    page.get_by_label("Nomor telepon/WhatsApp").fill("12")  # refused by the server
    page.get_by_role("button", name="Kirim pengaduan").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Nomor telepon/WhatsApp")
    expect(page.get_by_label("Uraian")).to_have_value(
        "Sudah tiga bulan KTP-el saya belum dicetak juga oleh kantor.")
    _shot(page, "error-summary", 390)


def test_the_description_counts_its_characters_and_warns_when_over(
    live_server: LiveServer, new_page: Any
) -> None:
    page = new_page(width=390, height=844)
    page.goto("/pengaduan/baru")
    counter = page.locator("#f-uraian-count")
    expect(counter).to_have_text("0 / 5000 karakter")
    page.get_by_label("Uraian").fill("x" * 5003)
    expect(counter).to_contain_text("kelebihan 3 karakter")
    expect(page.get_by_label("Uraian")).to_have_value("x" * 5003)  # nothing cut


def test_back_and_send_again_shows_the_first_receipt(
    live_server: LiveServer, new_page: Any
) -> None:
    page = new_page(width=390, height=844)
    page.goto("/pengaduan/baru")
    page.get_by_label("Saran", exact=True).check()
    page.get_by_label("Layanan yang diadukan").select_option("kia")
    page.get_by_label("Judul").fill("Blangko KIA kosong")
    page.get_by_label("Uraian").fill("Blangko KIA di kecamatan kosong sejak dua minggu terakhir.")
    page.get_by_label("Nama lengkap").fill("Siti")
    page.get_by_label("Nomor telepon/WhatsApp").fill("0812-1111-2222")
    page.get_by_role("button", name="Kirim pengaduan").click()
    page.wait_for_url("**/pengaduan/terkirim")
    before = _cases(live_server)
    page.go_back()
    page.wait_for_url("**/pengaduan/baru")
    if not page.get_by_label("Judul").input_value():  # the browser reloaded an empty form
        page.get_by_label("Judul").fill("Blangko KIA kosong")
    page.get_by_role("button", name="Kirim pengaduan").click()
    page.wait_for_url("**/pengaduan/terkirim")
    expect(page.get_by_role("heading", name="Pengaduan ini sudah terkirim sebelumnya")
           ).to_be_visible()
    assert _cases(live_server) == before


def test_leaving_a_form_with_unsaved_changes_asks_first(
    live_server: LiveServer, new_page: Any
) -> None:
    page = new_page(width=1280, height=900)
    page.goto("/pengaduan/baru")
    page.get_by_label("Judul").fill("Belum selesai diketik")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.goto("/lacak")
    assert asked == ["beforeunload"]
