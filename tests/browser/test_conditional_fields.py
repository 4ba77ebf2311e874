"""Fields that matter only after a choice appear when that choice is made (and are not sent)."""

from __future__ import annotations

import json
from typing import Any

import pytest
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


def test_confirmation_form_asks_for_a_reason_or_a_rating(
    live_server: LiveServer, new_page: Any
) -> None:
    tracking, code = _case_at_confirmation(live_server)
    phone = new_page(**PHONE)
    phone.goto(f"/lacak/{tracking}?kode={code}")
    phone.get_by_role("button", name="Tanggapi jawaban").click()
    reason = phone.locator("#field-alasan_tidak_sesuai")
    rating = phone.locator("#field-nilai_kepuasan")
    assert reason.is_hidden() and rating.is_hidden()  # nothing chosen yet

    phone.locator("#f-sesuai_harapan-1").check()  # Tidak
    assert reason.is_visible() and rating.is_hidden()
    phone.get_by_label("Mengapa jawaban belum sesuai harapan?").fill("Belum ada kepastian.")

    phone.locator("#f-sesuai_harapan-0").check()  # Ya, after all
    assert reason.is_hidden() and rating.is_visible()
    phone.get_by_label("Sangat baik").check()
    phone.get_by_role("button", name="Kirim").click()
    phone.wait_for_url(f"**/lacak/{tracking}")
    assert phone.locator("#status-pengaduan").inner_text() == "Selesai"

    # The reason typed and then hidden was not sent.
    with live_server.app.app_context():
        session = get_session()
        case = session.scalars(select(Case).where(Case.tracking_code == tracking)).one()
        event = session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.bpmn_id == "konfirmasi_jawaban")).one()
        sent = json.loads(event.data_json)["data"]
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
    assert request.is_hidden()
    page.get_by_label("Minta pelanggan melengkapi data").check()
    assert request.is_visible()
    page.get_by_label("Lengkap — teruskan ke Tim Penanganan Pengaduan").check()
    assert request.is_hidden()
