"""One complaint from a phone to the auditor, every step through the real UI (no service calls).

The public works on a phone context, each staff member in a desktop context of their own. The
complaint is anonymous: every page the team, the technical divisions and the auditor load is kept
and searched for the complainant's name and phone number at the end.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser

PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                         "has_touch": True, "device_scale_factor": 2}
NAME = "Sri Wahyuningsih Anonim"
PHONE_NUMBER = "081299990001"
SUBJECT = "Akta perkawinan tidak terbaca di SIAK saat mengurus KK"
TASK_PAGE = re.compile(r"/tugas/(?!(antrean|selesai|semua)$)[^/?]+$")  # not an inbox view
SHOTS = os.environ.get("JOURNEY_SCREENSHOTS", "")  # a folder: save screenshots there too


def make_png(width: int = 24, height: int = 16) -> bytes:
    """A small real PNG (an RGB gradient), built with zlib alone."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        """One PNG chunk with its length and CRC."""
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (x * 10, y * 15, 120))
                    for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@dataclass
class Person:
    """A browser page used by one person; with `watched`, every page they load is kept."""

    page: Any
    watched: bool = False
    seen: list[str] = field(default_factory=list)

    def note(self) -> None:
        """Keep the current page's HTML (for the identity check)."""
        if self.watched:
            self.seen.append(self.page.content())

    def goto(self, path: str) -> Any:
        """Open PATH and keep what was shown."""
        response = self.page.goto(path)
        self.note()
        return response

    def click_to(self, locator: Any, url: str | re.Pattern[str]) -> None:
        """Click LOCATOR, wait for the page at URL, keep what was shown."""
        locator.click()
        self.page.wait_for_url(url)
        self.page.wait_for_load_state()
        self.note()

    def flash(self) -> str:
        """The flash messages on the current page."""
        return str(self.page.locator(".flashes").inner_text())


@pytest.fixture
def phone(browser: Any, live_server: LiveServer) -> Iterator[Person]:
    """The complainant's phone: a touch screen 390x844 in a context of its own."""
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    try:
        yield Person(context.new_page())
    finally:
        context.close()


def staff(new_page: Any, username: str, watched: bool = False) -> Person:
    """A staff member signed in through the login form in a desktop context of their own."""
    person = Person(new_page(), watched)
    sign_in(person.page, username)
    person.note()
    return person


def shot(person: Person, name: str) -> None:
    """Save a full-page screenshot when JOURNEY_SCREENSHOTS names a folder."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        person.page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def queue_row(person: Person, code: str) -> Any:
    """The row of CODE in the person's Antrean (opened through its tab)."""
    person.goto("/tugas")
    person.click_to(person.page.locator(".inbox-tabs").get_by_role("link", name=re.compile(
        "Antrean")), re.compile(r"/tugas/antrean"))
    return person.page.locator("tr", has_text=code)


def open_from_queue(person: Person, code: str, task_name: str) -> None:
    """Find CODE in Antrean as TASK_NAME and open it by its tracking number."""
    row = queue_row(person, code)
    assert task_name in row.locator(".task-name").inner_text()
    person.click_to(row.get_by_role("link", name=code), TASK_PAGE)
    assert person.page.get_by_role("heading", level=1).inner_text() == task_name


def take_from_queue(person: Person, code: str, task_name: str) -> None:
    """Find CODE in Antrean as TASK_NAME and take it (Ambil)."""
    row = queue_row(person, code)
    assert task_name in row.locator(".task-name").inner_text()
    person.click_to(row.get_by_role("button", name=f"Ambil tugas {code}"),
                    TASK_PAGE)
    assert f"Tugas {code} kini Anda kerjakan." in person.flash()
    assert "Anda mengerjakan tugas ini." in person.page.content()


def finish(person: Person, code: str) -> None:
    """Press "Selesaikan tugas"; the page says the task is done: the inbox no longer lists it,
    or, when the case's next task is the same person's, that task's page opens."""
    person.click_to(person.page.get_by_role("button", name="Selesaikan tugas"),
                    re.compile(r"/tugas/?$|/tugas/[0-9a-f-]{36}$"))
    assert f"Tugas {code} selesai." in person.flash()
    if re.search(r"/tugas/?$", person.page.url):
        assert person.page.locator("tr", has_text=code).count() == 0


def track(phone: Person, tracking: str, code: str) -> None:
    """Open the case on the phone with its tracking number and access code."""
    phone.goto("/lacak")
    phone.page.get_by_label("Nomor pelacakan").fill(tracking)
    phone.page.get_by_label("Kode akses").fill(code)
    phone.click_to(phone.page.get_by_role("button", name="Lihat pengaduan"),
                   f"**/lacak/{tracking}")


def status(phone: Person) -> str:
    """The case's status as the tracking page states it."""
    return str(phone.page.locator("#status-pengaduan").inner_text()).strip()


def no_sideways_scroll(phone: Person) -> None:
    """The phone page fits its width."""
    assert not phone.page.evaluate(
        "document.documentElement.scrollWidth > window.innerWidth"), phone.page.url


def answer_round(team: Person, officer: Person, tracking: str, text: str) -> None:
    """The team drafts the answer; the desk officer delivers it through the portal."""
    open_from_queue(team, tracking, "Menyusun jawaban")
    team.page.get_by_label("Jawaban kepada pelanggan").fill(text)
    finish(team, tracking)
    open_from_queue(officer, tracking, "Menyampaikan jawaban kepada pelanggan")
    officer.page.get_by_label("Portal daring (halaman pelacakan)").check()
    officer.page.get_by_label("Tanggal penyampaian").fill(date.today().isoformat())
    finish(officer, tracking)


def test_an_anonymous_complaint_travels_every_lane_through_the_ui(
    live_server: LiveServer, new_page: Any, phone: Person, tmp_path: Path
) -> None:
    # 1. The public submits anonymously from a phone, with a photo.
    photo = tmp_path / "foto-akta.png"
    photo.write_bytes(make_png())
    phone.goto("/pengaduan/baru")
    page = phone.page
    page.get_by_label("Pengaduan", exact=True).check()
    page.get_by_label("Layanan yang diadukan").select_option("akta_perkawinan")
    page.get_by_label("Judul").fill(SUBJECT)
    page.get_by_label("Uraian").fill(
        "Akta perkawinan kami terbit tahun lalu, tetapi petugas kecamatan mengatakan datanya "
        "tidak terbaca di SIAK sehingga KK tidak dapat diperbarui. Mohon dicek di bidang capil.")
    page.locator("#f-lampiran").set_input_files(str(photo))
    page.get_by_label("Nama lengkap").fill(NAME)
    page.get_by_label("Nomor telepon/WhatsApp").fill(PHONE_NUMBER)
    page.get_by_label("Rahasiakan identitas saya (anonim)").check()
    shot(phone, "1-phone-form")
    phone.click_to(page.get_by_role("button", name="Kirim pengaduan"), "**/pengaduan/terkirim")
    assert "Pengaduan Anda telah kami terima" in page.get_by_role("status").first.inner_text()
    tracking = page.locator("#nomor-pelacakan").inner_text().strip()
    code = page.locator("#kode-akses").inner_text().strip()
    assert re.fullmatch(r"ADU-\S+", tracking) and len(code) == 9
    shot(phone, "2-phone-submitted")
    no_sideways_scroll(phone)

    # 2. The desk officer finds it in Antrean and asks for missing data.
    officer = staff(new_page, "petugas")
    open_from_queue(officer, tracking, "Menerima, mencatat dan memverifikasi pengaduan")
    assert NAME in officer.page.content()  # the desk officer alone sees who complained
    assert "foto-akta.png" in officer.page.locator("#judul-lampiran + ul").inner_text()
    officer.page.get_by_label("Tidak lengkap").check()
    officer.page.get_by_label("Minta pelanggan melengkapi data").check()
    request = "Mohon sebutkan nomor akta perkawinan dan tanggal terbitnya."
    officer.page.get_by_label("Data yang diminta dari pelanggan").fill(request)
    finish(officer, tracking)

    # 3. The public sees the request on the tracking page and supplies the data.
    track(phone, tracking, code)
    assert status(phone) == "Menunggu Anda melengkapi data"
    assert request in page.locator(".call-to-action").inner_text()
    assert "Petugas meminta Anda melengkapi data" in page.locator(".timeline").inner_text()
    shot(phone, "3-phone-request")
    no_sideways_scroll(phone)
    phone.click_to(page.get_by_role("button", name="Lengkapi data"), re.compile(r"/lacak/.+/.+"))
    assert request in page.content()
    page.get_by_label("Data/keterangan yang diminta").fill(
        "Nomor akta 1605-KW-12032025-0007, terbit 12 Maret 2025.")
    phone.click_to(page.get_by_role("button", name="Kirim"), f"**/lacak/{tracking}")
    assert "Terima kasih, tanggapan Anda telah tersimpan." in phone.flash()
    assert status(phone) == "Sedang diverifikasi oleh petugas"
    assert "Anda melengkapi data yang diminta" in page.locator(".timeline").inner_text()

    # 4. The desk officer verifies again and forwards it to the team.
    open_from_queue(officer, tracking, "Menerima, mencatat dan memverifikasi pengaduan")
    assert "1605-KW-12032025-0007" in officer.page.content()
    officer.page.get_by_label("Lengkap", exact=True).check()
    officer.page.get_by_label("Ya", exact=True).check()
    officer.page.get_by_label("Lengkap — teruskan ke Tim Penanganan Pengaduan").check()
    finish(officer, tracking)

    # 5. The team lead takes it and asks the civil registration division (pcs).
    lead = staff(new_page, "tim", watched=True)
    take_from_queue(lead, tracking, "Menelaah pengaduan")
    assert "Identitas dirahasiakan (pelapor anonim)" in lead.page.content()
    lead.page.get_by_label("Hasil telaah").fill(
        "Data akta perkawinan belum tersinkron ke SIAK; perlu pengecekan bidang capil.")
    lead.page.get_by_label("Ya", exact=True).check()
    lead.page.get_by_label("Bidang Pelayanan Pencatatan Sipil").check()
    lead.page.get_by_label("Permintaan kepada bidang teknis").fill(
        "Mohon periksa dan sinkronkan data akta perkawinan pelapor di SIAK.")
    finish(lead, tracking)

    division = staff(new_page, "teknis_pcs", watched=True)
    row = queue_row(division, tracking)
    assert "Memberikan tindak lanjut teknis" in row.inner_text()
    task_url = row.get_by_role("link", name=tracking).get_attribute("href")
    assert task_url and TASK_PAGE.search(task_url)

    other = staff(new_page, "teknis_pp", watched=True)
    tabs = other.page.locator(".inbox-tabs a")
    views = [tabs.nth(i).get_attribute("href") for i in range(tabs.count())]
    assert len(views) >= 3
    for view in views:
        other.goto(str(view))
        assert tracking not in other.page.content(), view
    response = other.goto(task_url)
    assert response is not None and response.status == 403
    assert "Akses ditolak" in other.page.content()

    take_from_queue(division, tracking, "Memberikan tindak lanjut teknis")
    context = division.page.locator(".case-context").inner_text()
    assert "Identitas dirahasiakan (pelapor anonim)" in context
    # The complainant's photo is withheld, and the page says so rather than "no attachments".
    assert "hanya dapat dibuka Petugas" in context and "Tidak ada lampiran" not in context
    assert "Pelanggan (Pelanggan)" not in context and "foto-akta.png" not in context
    shot(division, "6-division-task")
    division.page.get_by_label("Hasil tindak lanjut").fill(
        "Data akta sudah disinkronkan ke SIAK; KK dapat diperbarui.")
    division.page.get_by_label("Data kependudukan telah diperbaiki/diterbitkan").check()
    finish(division, tracking)

    team = staff(new_page, "tim2", watched=True)
    first = "Data akta perkawinan Anda sudah tersinkron di SIAK; silakan perbarui KK di kecamatan."
    answer_round(team, officer, tracking, first)

    # 6. The public rejects the first answer with a reason.
    phone.goto(f"/lacak/{tracking}")
    assert status(phone) == "Jawaban telah disampaikan, menunggu konfirmasi Anda"
    assert first in page.locator("#jawaban-terbaru").inner_text()
    shot(phone, "4-phone-answer")
    no_sideways_scroll(phone)
    phone.click_to(page.get_by_role("button", name="Tanggapi jawaban"), re.compile(r"/lacak/.+/.+"))
    page.get_by_label("Tidak", exact=True).check()
    page.get_by_label("Mengapa jawaban belum sesuai harapan?").fill(
        "Kecamatan masih menolak; mohon surat keterangan bahwa data sudah benar.")
    phone.click_to(page.get_by_role("button", name="Kirim"), f"**/lacak/{tracking}")
    assert "Terima kasih, tanggapan Anda telah tersimpan." in phone.flash()
    assert status(phone) == "Sedang ditelaah oleh tim penanganan pengaduan"
    timeline = page.locator(".timeline").inner_text()
    assert "belum sesuai harapan; pengaduan ditelaah ulang" in timeline

    # The case is back with the team: the study again, then a second answer.
    open_from_queue(lead, tracking, "Menelaah pengaduan")
    assert "Kecamatan masih menolak" in lead.page.content()
    lead.page.get_by_label("Hasil telaah").fill(
        "Data sudah benar; pelapor perlu surat keterangan untuk kecamatan.")
    lead.page.get_by_label("Tidak", exact=True).check()
    finish(lead, tracking)
    second = ("Surat keterangan bahwa data akta perkawinan Anda sudah benar di SIAK telah kami "
              "kirim ke kecamatan; KK dapat diperbarui di sana.")
    answer_round(lead, officer, tracking, second)

    # The public accepts the second answer and rates it 4 (Sangat baik).
    phone.goto(f"/lacak/{tracking}")
    assert second in page.locator("#jawaban-terbaru").inner_text()
    phone.click_to(page.get_by_role("button", name="Tanggapi jawaban"), re.compile(r"/lacak/.+/.+"))
    page.get_by_label("Ya", exact=True).check()
    page.get_by_label("Sangat baik").check()
    page.get_by_label("Komentar atau saran").fill("Terima kasih, urusan KK kami sudah beres.")
    phone.click_to(page.get_by_role("button", name="Kirim"), f"**/lacak/{tracking}")
    assert status(phone) == "Selesai"
    assert "Anda menyatakan jawaban sesuai harapan" in page.locator(".timeline").inner_text()
    assert page.get_by_role("button", name="Tanggapi jawaban").count() == 0
    shot(phone, "5-phone-finished")
    no_sideways_scroll(phone)

    # 7. The auditor sees an intact chain and every step.
    auditor = staff(new_page, "auditor", watched=True)
    auditor.goto(f"/audit/kasus/{tracking}")
    assert "Rantai peristiwa utuh" in auditor.page.get_by_role("status").inner_text()
    steps = auditor.page.locator(".timeline").inner_text()
    for name, times in (("Menerima, mencatat dan memverifikasi pengaduan", 2),
                        ("Melengkapi data pengaduan", 1), ("Menelaah pengaduan", 2),
                        ("Memberikan tindak lanjut teknis", 1), ("Menyusun jawaban", 2),
                        ("Menyampaikan jawaban kepada pelanggan", 2),
                        ("Mengonfirmasi jawaban", 2)):
        assert steps.count(name) >= times, name
    shot(auditor, "7-audit")

    # The anonymous complainant's identity reached none of the team, division or audit pages.
    pages = lead.seen + division.seen + other.seen + team.seen + auditor.seen
    assert len(pages) > 20
    for html in pages:
        assert NAME not in html and PHONE_NUMBER not in html
