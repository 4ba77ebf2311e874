"""End to end in Chromium: a complaint worked by each staff lane through its inbox and forms."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Case, HumanTask
from app.db import get_session
from tests.browser.conftest import LiveServer, sign_in
from tests.support import ROOT

pytestmark = pytest.mark.browser

COMPLAINT: dict[str, Any] = {
    "kanal": "online", "jenis": "keluhan", "layanan": "akta_kelahiran",
    "judul": "Nama ibu salah ketik di akta kelahiran anak",
    "uraian": "Di akta kelahiran anak saya nama ibu tertulis Sulastri, seharusnya Sulastriani.",
    "nama": "Rahmat Hidayat", "telepon": "081377788899", "anonim": False, "rahasia": False,
}
ACCEPT = {"sesuai_harapan": True, "nilai_kepuasan": 4}


def submit(live: LiveServer, **overrides: Any) -> str:
    """A complaint from the public (the public portal's own tests drive its form)."""
    with live.app.app_context():
        return service.submit_case({**COMPLAINT, **overrides}, PUBLIC).case.tracking_code


def case_state(live: LiveServer, code: str) -> tuple[str, list[str]]:
    """The case's status and the BPMN ids of its waiting tasks."""
    with live.app.app_context():
        session = get_session()
        case = session.scalars(select(Case).where(Case.tracking_code == code)).one()
        waiting = session.scalars(select(HumanTask.bpmn_id).where(
            HumanTask.case_id == case.id, HumanTask.status == "ready")).all()
        return case.status, list(waiting)


def confirm_as_customer(live: LiveServer, code: str) -> None:
    """The Pelanggan lane's confirmation (through the tracking link in the public portal)."""
    with live.app.app_context():
        session = get_session()
        task = session.scalars(select(HumanTask).join(Case).where(
            Case.tracking_code == code, HumanTask.status == "ready")).one()
        assert task.bpmn_id == "konfirmasi_jawaban"
        service.complete_task(task.id, ACCEPT, PUBLIC)


def open_from_queue(page: Any, code: str, claim: bool = False) -> None:
    """Find CODE in the queue; take it (Ambil) or open it."""
    page.goto("/tugas/antrean")
    row = page.locator("tr", has_text=code)
    if claim:
        row.get_by_role("button", name="Ambil").click()
    else:
        row.get_by_role("link", name=code).click()
    page.wait_for_load_state()
    page.locator("#judul-konteks").wait_for()


def finish(page: Any) -> None:
    """Press "Selesaikan tugas" and check that the page says so (the inbox, or the case's next
    task when it is the same user's)."""
    page.get_by_role("button", name="Selesaikan tugas").click()
    page.wait_for_url(re.compile(r"/tugas/?$|/tugas/[0-9a-f-]{36}$"))
    assert "selesai. Berikutnya:" in page.locator(".flashes").inner_text()


def test_a_complaint_is_worked_by_every_lane_to_the_end(live_server: LiveServer,
                                                        new_page: Any) -> None:
    code = submit(live_server)
    officer = new_page()
    sign_in(officer, "petugas")
    open_from_queue(officer, code, claim=True)
    assert "Anda mengerjakan tugas ini." in officer.content()
    officer.get_by_label("Lengkap — teruskan ke Tim Penanganan Pengaduan").check()
    finish(officer)
    assert case_state(live_server, code) == ("berjalan", ["telaah_pengaduan"])

    team = new_page()
    sign_in(team, "tim2")
    open_from_queue(team, code)
    assert "Rahmat Hidayat" in team.content()  # not anonymous: the team sees who complained
    assert "Lengkap — teruskan ke Tim Penanganan Pengaduan" in team.content()  # earlier step
    # First an incomplete answer: the error stands beside the field, the input stays.
    team.get_by_label("Hasil telaah").fill("Pendek")
    team.get_by_label("Tidak", exact=True).check()
    team.get_by_role("button", name="Selesaikan tugas").click()
    assert "Minimal 10 karakter." in team.locator("#f-hasil_telaah-error").inner_text()
    assert team.get_by_label("Hasil telaah").input_value() == "Pendek"
    team.get_by_label("Hasil telaah").fill("Salah ketik saat entri; cukup diperbaiki tim.")
    finish(team)
    open_from_queue(team, code)
    team.locator("#f-jawaban").fill(
        "Akta kelahiran anak Anda sudah diperbaiki dan dapat diambil di kantor Disdukcapil.")
    finish(team)
    team.goto("/tugas/selesai")
    assert team.locator("tr", has_text=code).count() == 2

    open_from_queue(officer, code)
    officer.get_by_label("Portal daring (halaman pelacakan)").check()
    officer.get_by_label("Tanggal penyampaian").fill(date.today().isoformat())
    finish(officer)
    assert case_state(live_server, code) == ("berjalan", ["konfirmasi_jawaban"])
    confirm_as_customer(live_server, code)
    assert case_state(live_server, code) == ("selesai", [])


def test_coordination_reaches_the_chosen_division_and_no_other(live_server: LiveServer,
                                                               new_page: Any) -> None:
    code = submit(live_server, judul="Data akta perkawinan tidak muncul di SIAK")
    officer = new_page()
    sign_in(officer, "petugas")
    open_from_queue(officer, code)
    officer.get_by_label("Lengkap — teruskan ke Tim Penanganan Pengaduan").check()
    finish(officer)

    lead = new_page()
    sign_in(lead, "tim")
    open_from_queue(lead, code)
    lead.get_by_label("Hasil telaah").fill("Perlu pengecekan data akta di bidang capil.")
    lead.get_by_label("Ya", exact=True).check()
    lead.get_by_label("Bidang Pelayanan Pencatatan Sipil").check()
    lead.get_by_label("Permintaan kepada bidang teknis").fill("Mohon cek dan perbaiki data akta.")
    finish(lead)
    status, waiting = case_state(live_server, code)
    assert waiting == ["tindak_lanjut_teknis"]
    with live_server.app.app_context():
        task_id = get_session().scalars(select(HumanTask.id).join(Case).where(
            Case.tracking_code == code, HumanTask.status == "ready")).one()

    other_division = new_page()
    sign_in(other_division, "teknis_pp")
    other_division.goto("/tugas/antrean")
    assert code not in other_division.content()
    response = other_division.goto(f"/tugas/{task_id}")
    assert response is not None and response.status == 403
    assert "Akses ditolak" in other_division.content()

    division = new_page()
    sign_in(division, "teknis_pcs")
    open_from_queue(division, code, claim=True)
    division.get_by_label("Hasil tindak lanjut").fill("Data akta sudah diperbaiki di SIAK.")
    finish(division)
    other_division.goto("/tugas/selesai")
    assert code not in other_division.content()

    open_from_queue(lead, code)
    lead.locator("#f-jawaban").fill(
        "Data akta perkawinan Anda sudah diperbaiki oleh Bidang Pencatatan Sipil.")
    finish(lead)
    open_from_queue(officer, code)
    officer.get_by_label("Surel").check()
    officer.get_by_label("Tanggal penyampaian").fill(date.today().isoformat())
    finish(officer)
    confirm_as_customer(live_server, code)
    assert case_state(live_server, code) == ("selesai", [])


def test_screenshots_of_the_inbox_and_a_task_page(live_server: LiveServer, new_page: Any,
                                                  tmp_path: Path) -> None:
    for title, layanan, kanal in (
            ("KTP-el belum dicetak setelah tiga bulan", "ktp_el", "online"),
            ("Antrean pelayanan KK sangat panjang", "kk", "langsung"),
            ("Aplikasi pendaftaran daring tidak bisa dibuka", "layanan_daring", "lapor")):
        code = submit(live_server, judul=title, layanan=layanan, kanal=kanal)
    target = ROOT / "docs" / "screenshots"
    shots = []
    for width in (390, 1280):
        page = new_page(width=width, height=844 if width == 390 else 900)
        sign_in(page, "petugas")
        page.goto("/tugas/antrean")
        shots.append(tmp_path / f"inbox-{width}.png")
        page.screenshot(path=str(shots[-1]), full_page=True)
        # Every column (the Ambil button too) fits: the table never needs a sideways scroll.
        hidden = page.evaluate("(() => { const w = document.querySelector('.table-wrap');"
                               " return w.scrollWidth > w.clientWidth; })()")
        assert not hidden, f"the task table scrolls sideways at {width}px"
        open_from_queue(page, code)
        shots.append(tmp_path / f"task-{width}.png")
        page.screenshot(path=str(shots[-1]), full_page=True)
        # No horizontal scrolling on a phone: the table became cards.
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"the task page scrolls sideways at {width}px"
    if os.environ.get("UPDATE_SCREENSHOTS"):
        target.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, target / shot.name)
    for shot in shots:
        assert shot.stat().st_size > 10_000
