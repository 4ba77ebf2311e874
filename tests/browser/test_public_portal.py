"""End to end on a phone (390x844): an anonymous complaint with a file, followed to the end."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.service import get_user_by_username
from app.cases import service
from app.cases.events import Actor
from app.cases.models import Case, HumanTask
from app.db import get_session
from tests.browser.conftest import LiveServer
from tests.public.conftest import PNG
from tests.support import ROOT

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NAME = "Nurhayati Rahasia"
NIK = "1605016012850004"


def staff(live: LiveServer, tracking: str, bpmn_id: str, data: dict[str, Any]) -> None:
    """A staff member completes the case's task BPMN_ID through the case service."""
    with live.app.app_context():
        session = get_session()
        case = session.scalars(select(Case).where(Case.tracking_code == tracking)).one()
        [task] = session.scalars(select(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.status == "ready",
            HumanTask.bpmn_id == bpmn_id)).all()
        # The demo users name the real diagram's lanes: the desk officer, else the team.
        username = "petugas" if task.lane == "Petugas Pengelola Layanan Pengaduan" else "tim"
        user = get_user_by_username(username)
        assert user is not None
        service.complete_task(task.id, data, Actor("user", user.id, task.lane))


def answer(live: LiveServer, tracking: str, text: str) -> None:
    """The team studies and drafts an answer; the desk officer delivers it."""
    staff(live, tracking, "telaah_pengaduan",
          {"hasil_telaah": "Perlu dicek di bagian cetak.", "perlu_koordinasi": False})
    staff(live, tracking, "susun_jawaban", {"jawaban": text})
    staff(live, tracking, "sampaikan_jawaban",
          {"cara_penyampaian": "portal", "tanggal_penyampaian": "2026-12-01"})


def fill_complaint(page: Any, attachment: Path) -> None:
    """Fill the public form as an anonymous complainant with one photo."""
    page.goto("/pengaduan/baru")
    page.get_by_label("Keluhan", exact=True).check()
    page.get_by_label("Layanan yang diadukan").select_option("ktp_el")
    page.get_by_label("Judul").fill("KTP-el belum dicetak tiga bulan")
    page.get_by_label("Uraian").fill(
        "Saya merekam KTP-el bulan Agustus di kantor Disdukcapil dan belum juga dicetak.")
    page.locator("#f-lampiran").set_input_files(str(attachment))
    page.get_by_label("Nama lengkap").fill(NAME)
    page.get_by_label("Nomor telepon/WhatsApp").fill("081355554444")
    page.get_by_label("Rahasiakan identitas saya (anonim)").check()


def test_anonymous_complaint_on_a_phone_from_submission_to_rating(
    live_server: LiveServer, new_page: Any, tmp_path: Path
) -> None:
    photo = tmp_path / "bukti-rekam.png"
    photo.write_bytes(PNG)
    page = new_page(**PHONE)
    fill_complaint(page, photo)
    page.get_by_role("button", name="Kirim pengaduan").click()
    page.wait_for_url("**/pengaduan/terkirim")
    tracking = page.locator("#nomor-pelacakan").inner_text().strip()
    code = page.locator("#kode-akses").inner_text().strip()
    assert tracking.startswith("ADU-") and len(code) == 9
    expect(page.locator(".qr svg")).to_be_visible()
    assert NAME not in page.content()

    # Later, on the same phone without the session: open the case with the codes.
    phone = new_page(**PHONE)
    phone.goto("/lacak")
    phone.get_by_label("Nomor pelacakan").fill(tracking)
    phone.get_by_label("Kode akses").fill(code)
    phone.get_by_role("button", name="Lihat pengaduan").click()
    phone.wait_for_url(f"**/lacak/{tracking}")
    assert phone.locator("#status-pengaduan").inner_text() == "Sedang diverifikasi oleh petugas"
    assert "bukti-rekam.png" in phone.content()

    # The desk officer asks for more data; the complainant supplies it.
    staff(live_server, tracking, "verifikasi_pengaduan",
          {"keputusan_verifikasi": "minta_data",
           "data_yang_diminta": "Mohon sebutkan tanggal perekaman KTP-el."})
    phone.reload()
    assert phone.locator("#status-pengaduan").inner_text() == "Menunggu Anda melengkapi data"
    phone.get_by_role("button", name="Lengkapi data").click()
    phone.get_by_label("Data/keterangan yang diminta").fill("Perekaman tanggal 12 Agustus 2026.")
    phone.get_by_role("button", name="Kirim").click()
    phone.wait_for_url(f"**/lacak/{tracking}")
    assert "Anda melengkapi data yang diminta" in phone.content()

    # The office answers; the complainant rejects the first answer with a reason.
    staff(live_server, tracking, "verifikasi_pengaduan",
          {"kelengkapan_data": "lengkap", "wewenang": True, "keputusan_verifikasi": "teruskan"})
    answer(live_server, tracking, "KTP-el Anda sedang dalam antrean cetak.")
    phone.reload()
    latest = phone.locator("#jawaban-terbaru").inner_text()
    assert "KTP-el Anda sedang dalam antrean cetak." in latest
    phone.get_by_role("button", name="Tanggapi jawaban").click()
    phone.locator("#f-sesuai_harapan-1").check()  # Tidak
    phone.get_by_label("Mengapa jawaban belum sesuai harapan?").fill(
        "Sudah tiga bulan, saya perlu kepastian tanggal cetak.")
    phone.get_by_role("button", name="Kirim").click()
    phone.wait_for_url(f"**/lacak/{tracking}")
    assert "Sedang ditelaah oleh tim" in phone.locator("#status-pengaduan").inner_text()

    # The second answer is accepted and rated 4 (Sangat baik).
    answer(live_server, tracking, "KTP-el Anda sudah dicetak dan dapat diambil besok.")
    phone.reload()
    phone.get_by_role("button", name="Tanggapi jawaban").click()
    phone.locator("#f-sesuai_harapan-0").check()  # Ya
    phone.get_by_label("Sangat baik").check()
    phone.get_by_label("Komentar atau saran").fill("Terima kasih atas tindak lanjutnya.")
    phone.get_by_role("button", name="Kirim").click()
    phone.wait_for_url(f"**/lacak/{tracking}")
    assert phone.locator("#status-pengaduan").inner_text() == "Selesai"
    content = phone.content()
    assert "Anda menyatakan jawaban sesuai harapan" in content
    assert NAME not in content and NIK not in content
    overflow = phone.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the tracking page scrolls sideways on a phone"


def test_screenshots_of_the_public_pages(live_server: LiveServer, new_page: Any,
                                         tmp_path: Path) -> None:
    photo = tmp_path / "bukti.png"
    photo.write_bytes(PNG)
    shots: list[Path] = []
    for width, height in ((390, 844), (1280, 900)):
        page = new_page(width=width, height=height)
        page.goto("/pengaduan/baru")
        shots.append(tmp_path / f"public-form-{width}.png")
        # The whole form at phone width; on a desktop the first screens (the file stays small).
        clip = None if width < 600 else {"x": 0, "y": 0, "width": width, "height": 2400}
        page.screenshot(path=str(shots[-1]), full_page=True, clip=clip)
        fill_complaint(page, photo)
        page.get_by_role("button", name="Kirim pengaduan").click()
        page.wait_for_url("**/pengaduan/terkirim")
        tracking = page.locator("#nomor-pelacakan").inner_text().strip()
        shots.append(tmp_path / f"public-submitted-{width}.png")
        page.screenshot(path=str(shots[-1]), full_page=True)
        staff(live_server, tracking, "verifikasi_pengaduan",
              {"kelengkapan_data": "lengkap", "wewenang": True, "keputusan_verifikasi": "teruskan"})
        answer(live_server, tracking, "KTP-el Anda sudah dicetak dan dapat diambil di kantor "
                                      "Disdukcapil pada jam kerja dengan membawa bukti rekam.")
        page.goto(f"/lacak/{tracking}")
        shots.append(tmp_path / f"public-tracking-{width}.png")
        page.screenshot(path=str(shots[-1]), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"the tracking page scrolls sideways at {width}px"
    if os.environ.get("UPDATE_SCREENSHOTS"):
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, target / shot.name)
    for shot in shots:
        assert shot.stat().st_size > 10_000
