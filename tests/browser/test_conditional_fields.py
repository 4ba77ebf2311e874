"""Fields that matter only after a choice appear when that choice is made (and are not sent)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Case, CaseEvent
from app.db import get_session
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.test_public_portal import PHONE, answer, staff
from tests.support import FORWARD, START_DATA

pytestmark = pytest.mark.browser


def _case_at_confirmation(live: LiveServer) -> tuple[str, str]:
    with live.app.app_context():
        submitted = service.submit_case(dict(START_DATA), PUBLIC)
        tracking = submitted.case.tracking_code
    staff(live, tracking, "verifikasi_pengaduan", FORWARD)
    answer(live, tracking, "KTP-el Anda sudah dicetak dan dapat diambil besok.")
    return tracking, submitted.access_code


def _sent(live: LiveServer, tracking: str, bpmn_id: str) -> dict[str, Any]:
    """The data of the last completed task BPMN_ID of the case, as the case history keeps it."""
    with live.app.app_context():
        session = get_session()
        case = session.scalars(select(Case).where(Case.tracking_code == tracking)).one()
        events = session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.bpmn_id == bpmn_id)
            .order_by(CaseEvent.id)).all()
        data: dict[str, Any] = json.loads(events[-1].data_json)["data"]
    return data


def _shot(page: Any, name: str) -> None:
    """With COND_SCREENSHOTS=<folder>, keep a full-page screenshot there (for looking at)."""
    folder = os.environ.get("COND_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_start_form_keeps_nik_and_kk_in_view(live_server: LiveServer, new_page: Any) -> None:
    # NIK and KK are required only for one's own data, but they are identity fields that may be
    # given anyway (x-identitas): they stay in view whatever the tick, and the form has no
    # field that depends on a choice, so the script is not even loaded.
    page = new_page()
    page.goto("/pengaduan/baru")
    own = page.get_by_label("Pengaduan menyangkut data kependudukan saya sendiri")
    nik, kk = page.locator("#field-nik"), page.locator("#field-no_kk")
    expect(nik).to_be_visible()
    expect(kk).to_be_visible()
    own.check()
    expect(nik).to_be_visible()
    expect(kk).to_be_visible()
    expect(page.locator("#f-nik")).to_be_enabled()
    expect(page.locator("#f-no_kk")).to_be_enabled()
    own.uncheck()
    expect(nik).to_be_visible()
    expect(kk).to_be_visible()
    assert page.locator("script[src*='conditional.js']").count() == 0


def test_confirmation_form_asks_for_a_reason_or_a_rating(
    live_server: LiveServer, new_page: Any
) -> None:
    tracking, code = _case_at_confirmation(live_server)
    phone = new_page(**PHONE)
    phone.goto(f"/lacak/{tracking}?kode={code}")
    phone.get_by_role("button", name="Tanggapi jawaban").click()
    reason = phone.locator("#field-alasan_tidak_sesuai")
    rating = phone.locator("#field-nilai_kepuasan")
    expect(reason).to_be_hidden()  # nothing chosen yet
    expect(rating).to_be_hidden()

    phone.locator("#f-sesuai_harapan-1").check()  # Tidak
    expect(reason).to_be_visible()
    expect(rating).to_be_hidden()
    phone.get_by_label("Mengapa jawaban belum sesuai harapan?").fill("Belum ada kepastian.")

    phone.locator("#f-sesuai_harapan-0").check()  # Ya, after all
    expect(reason).to_be_hidden()
    expect(rating).to_be_visible()
    phone.get_by_label("Sangat baik").check()
    phone.get_by_role("button", name="Kirim").click()
    phone.wait_for_url(f"**/lacak/{tracking}")
    assert phone.locator("#status-pengaduan").inner_text() == "Selesai"

    # The reason typed and then hidden was not sent.
    sent = _sent(live_server, tracking, "konfirmasi_jawaban")
    assert sent["sesuai_harapan"] is True and sent["nilai_kepuasan"] == 4
    assert "alasan_tidak_sesuai" not in sent


def test_verification_shows_the_data_request_only_when_asking_for_data(
    live_server: LiveServer, new_page: Any
) -> None:
    with live_server.app.app_context():
        tracking = service.submit_case(dict(START_DATA), PUBLIC).case.tracking_code
    page = new_page()
    sign_in(page, "petugas")
    page.goto(f"/tugas/antrean?q={tracking}")
    page.get_by_role("link", name=tracking).first.click()
    request = page.locator("#field-data_yang_diminta")
    expect(request).to_be_hidden()
    page.get_by_label("Minta pelanggan melengkapi data").check()
    expect(request).to_be_visible()
    page.get_by_label("Lengkap — teruskan ke Tim Penanganan Pengaduan").check()
    expect(request).to_be_hidden()


def test_answering_no_sends_the_reason_and_not_the_rating(
    live_server: LiveServer, new_page: Any
) -> None:
    tracking, code = _case_at_confirmation(live_server)
    phone = new_page(**PHONE)
    phone.goto(f"/lacak/{tracking}?kode={code}")
    phone.get_by_role("button", name="Tanggapi jawaban").click()
    reason = phone.locator("#field-alasan_tidak_sesuai")
    rating = phone.locator("#field-nilai_kepuasan")
    _shot(phone, "1-confirmation-390-before")

    phone.get_by_label("Ya", exact=True).check()
    phone.get_by_label("Baik", exact=True).check()
    phone.get_by_label("Tidak", exact=True).check()  # changed her mind
    expect(reason).to_be_visible()
    expect(rating).to_be_hidden()
    expect(phone.locator("#f-nilai_kepuasan-2")).to_be_disabled()
    _shot(phone, "2-confirmation-390-after-tidak")

    # Sent without a reason: the server asks for it and the page shows it again, rating hidden.
    phone.get_by_role("button", name="Kirim").click()
    phone.wait_for_load_state()
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("Wajib diisi.")
    expect(rating).to_be_hidden()
    _shot(phone, "3-confirmation-390-error")

    phone.get_by_label("Mengapa jawaban belum sesuai harapan?").fill(
        "Belum ada kepastian tanggal pengambilan.")
    phone.get_by_role("button", name="Kirim").click()
    phone.wait_for_url(f"**/lacak/{tracking}")
    assert "Sedang ditelaah oleh tim" in phone.locator("#status-pengaduan").inner_text()
    sent = _sent(live_server, tracking, "konfirmasi_jawaban")
    assert sent["sesuai_harapan"] is False
    assert sent["alasan_tidak_sesuai"] == "Belum ada kepastian tanggal pengambilan."
    assert "nilai_kepuasan" not in sent


def test_study_asks_for_the_division_only_when_coordination_is_needed(
    live_server: LiveServer, new_page: Any
) -> None:
    with live_server.app.app_context():
        tracking = service.submit_case(dict(START_DATA), PUBLIC).case.tracking_code
    staff(live_server, tracking, "verifikasi_pengaduan", FORWARD)
    page = new_page()
    sign_in(page, "tim")
    page.goto(f"/tugas/antrean?q={tracking}")
    page.get_by_role("link", name=tracking).first.click()
    division = page.locator("#field-bidang_teknis")
    request = page.locator("#field-permintaan_koordinasi")
    expect(division).to_be_hidden()
    expect(request).to_be_hidden()
    page.get_by_label("Ya", exact=True).check()
    expect(division).to_be_visible()
    expect(request).to_be_visible()
    page.get_by_label("Tidak", exact=True).check()
    expect(division).to_be_hidden()
    expect(request).to_be_hidden()
