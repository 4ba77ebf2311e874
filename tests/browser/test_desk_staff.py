"""In Chromium: the staff desk at 390 px and 1280 px — the inbox filter panel, the anonymity
badge, case search by NIK, bulk claim, and returning a draft answer to the team."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.service import get_user_by_username
from app.cases import service
from app.cases.events import PUBLIC, Actor
from app.cases.models import Case, HumanTask
from app.db import get_session
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.test_staff_inbox import COMPLAINT
from tests.support import ANSWER, FORWARD, ROOT, STUDY_ALONE

pytestmark = pytest.mark.browser

# Like tests/browser/test_staff_inbox.py: the committed screenshots change only on request.
SHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS")
         else Path(tempfile.gettempdir()) / "desk-staff-screenshots")
SHOTS.mkdir(parents=True, exist_ok=True)
SEEDED: list[str] = []


def submit(live: LiveServer, **overrides: Any) -> str:
    """A complaint from the public, seeded through the service (and cleared away afterwards)."""
    with live.app.app_context():
        code = service.submit_case({**COMPLAINT, **overrides}, PUBLIC).case.tracking_code
    SEEDED.append(code)
    return code


@pytest.fixture(autouse=True)
def _clear_queue(live_server: LiveServer) -> Iterator[None]:
    """The live server is shared by the session: this file's cases leave the desk's queue
    afterwards (held by the administrator), so other files' queue pages stay as they expect."""
    yield
    with live_server.app.app_context():
        session = get_session()
        admin = get_user_by_username("admin")
        assert admin is not None
        for task in session.scalars(select(HumanTask).join(Case).where(
                Case.tracking_code.in_(SEEDED), HumanTask.status == "ready",
                HumanTask.claimed_by.is_(None))):
            task.claimed_by = admin.id
        session.commit()
    SEEDED.clear()


def box(locator: Any) -> dict[str, float]:
    """The element's box once it is visible."""
    expect(locator).to_be_visible()
    found = locator.bounding_box()
    assert found is not None
    return dict(found)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_filter_panel_apply_button_is_an_ordinary_button(live_server: LiveServer,
                                                              new_page: Any, width: int) -> None:
    submit(live_server)
    page = new_page(width, 800)
    sign_in(page, "petugas")
    page.goto("/tugas/antrean")
    page.get_by_text("Saring dan urutkan").click()
    apply = page.get_by_role("button", name="Terapkan")
    shape = box(apply)
    search = box(page.locator("#q"))
    # A button as tall as one input, not a giant ellipse spanning the filter grid.
    assert shape["height"] <= search["height"] + 8, shape
    radius = apply.evaluate("b => parseFloat(getComputedStyle(b).borderTopLeftRadius)")
    assert radius < 20, radius
    if width == 1280:
        page.screenshot(path=str(SHOTS / "desk-staff-filters-1280.png"))


@pytest.mark.parametrize("width", [390, 1280])
def test_the_anonymity_badge_stays_inside_its_card(live_server: LiveServer, new_page: Any,
                                                   width: int) -> None:
    code = submit(live_server, anonim=True, judul="Anonim: lencana tidak boleh meluber")
    page = new_page(width, 800)
    sign_in(page, "petugas")
    page.goto("/tugas/antrean")
    page.locator("tr", has_text=code).get_by_role("link", name=code).click()
    badge = page.get_by_text("Pelapor meminta anonim")
    card = box(page.locator(".case-context"))
    shape = box(badge)
    assert shape["x"] >= card["x"] and shape["x"] + shape["width"] <= card["x"] + card["width"], (
        shape, card)


def advance(live: LiveServer, code: str, bpmn_id: str, data: dict[str, Any],
            username: str) -> None:
    """Complete CODE's ready task BPMN_ID as the demo user USERNAME (through the service)."""
    with live.app.app_context():
        session = get_session()
        task = session.scalars(select(HumanTask).join(Case).where(
            Case.tracking_code == code, HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == "ready")).one()
        user = get_user_by_username(username)
        assert user is not None
        service.complete_task(task.id, data, Actor("user", user.id, task.lane))


def task_id_of(live: LiveServer, code: str, bpmn_id: str) -> str:
    """The id of CODE's ready task BPMN_ID."""
    with live.app.app_context():
        return str(get_session().scalars(select(HumanTask.id).join(Case).where(
            Case.tracking_code == code, HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == "ready")).one())


def test_the_dense_inbox_shows_more_than_twelve_rows_at_1280_by_800(
        live_server: LiveServer, new_page: Any) -> None:
    for number in range(14):
        submit(live_server, judul=f"Padat {number:02d}: permohonan perbaikan data KK")
    page = new_page(1280, 800)
    sign_in(page, "petugas")
    page.goto("/tugas/antrean")
    rows = page.locator("tbody tr")
    expect(rows.nth(13)).to_be_attached()
    visible = [b for b in (rows.nth(i).bounding_box() for i in range(rows.count()))
               if b is not None and b["y"] + b["height"] <= 800]
    assert len(visible) > 12, len(visible)
    # The subject dominates the task name.
    first = rows.first
    subject_weight = first.locator(".subject").evaluate("e => getComputedStyle(e).fontWeight")
    name_weight = first.locator(".task-name").evaluate("e => getComputedStyle(e).fontWeight")
    assert int(subject_weight) > int(name_weight)
    # Column headers sort through urut/arah.
    header = page.get_by_role("link", name=re.compile("^Tenggat"))
    assert "urut=due" in (header.get_attribute("href") or "")
    assert "arah=asc" in (header.get_attribute("href") or "")
    page.screenshot(path=str(SHOTS / "desk-staff-inbox-1280.png"))


@pytest.mark.parametrize("width", [390, 1280])
def test_the_desk_officer_finds_a_case_by_nik_and_the_team_is_refused(
        live_server: LiveServer, new_page: Any, width: int) -> None:
    nik = f"16050112019{width:05d}"
    code = submit(live_server, nik=nik, judul="Dicari lewat NIK di daftar pengaduan")
    page = new_page(width, 800)
    sign_in(page, "petugas")
    page.goto("/perkara")
    page.get_by_label("Cari", exact=True).fill(nik[:4] + " " + nik[4:])
    page.get_by_label("Menurut").select_option("nik")
    page.get_by_role("button", name="Cari", exact=True).click()
    expect(page.get_by_text(code)).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.screenshot(path=str(SHOTS / f"desk-staff-search-nik-{width}.png"), full_page=True)
    team = new_page(width, 800)
    sign_in(team, "tim")
    team.goto("/perkara")
    expect(team.get_by_label("Menurut").locator("option")).to_have_count(1)
    response = team.goto(f"/perkara/?cari={nik}&menurut=nik")
    assert response is not None and response.status == 403
    expect(team.get_by_role("heading", name="Akses ditolak")).to_be_visible()
    team.screenshot(path=str(SHOTS / f"desk-staff-search-refused-{width}.png"))


@pytest.mark.parametrize("width", [390, 1280])
def test_bulk_claim_takes_the_ticked_tasks(live_server: LiveServer, new_page: Any,
                                           width: int) -> None:
    codes = [submit(live_server, judul=f"Ambil sekaligus {width} nomor {i}") for i in range(2)]
    page = new_page(width, 800)
    sign_in(page, "petugas")
    page.goto(f"/tugas/antrean?q=Ambil+sekaligus+{width}")
    for code in codes:
        page.get_by_label(f"Pilih {code}").check()
    page.get_by_role("button", name="Ambil yang dicentang").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"desk-staff-bulk-claim-{width}.png"))
    page.get_by_role("button", name="Ambil yang dicentang").click()
    expect(page.locator(".flashes")).to_contain_text("2 tugas kini Anda kerjakan")
    for code in codes:
        expect(page.locator("tbody").get_by_role("link", name=code)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Tugas saya"))).to_have_attribute(
        "aria-current", "page")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_officer_returns_a_draft_answer_to_the_team(live_server: LiveServer,
                                                        new_page: Any, width: int) -> None:
    code = submit(live_server, judul=f"Jawaban dikembalikan ({width})")
    advance(live_server, code, "verifikasi_pengaduan", FORWARD, "petugas")
    advance(live_server, code, "telaah_pengaduan", STUDY_ALONE, "tim")
    advance(live_server, code, "susun_jawaban", ANSWER, "tim")
    page = new_page(width, 800)
    sign_in(page, "petugas")
    page.goto(f"/tugas/{task_id_of(live_server, code, 'sampaikan_jawaban')}")
    answer = page.locator(".pending-answer")
    expect(answer).to_contain_text(ANSWER["jawaban"])
    assert box(answer)["y"] < box(page.locator(".case-context"))["y"]
    page.get_by_label("Kembalikan kepada tim untuk disusun ulang").check()
    reason = "Sebutkan tanggal KTP-el dapat diambil dan lokasinya."
    page.get_by_label("Alasan pengembalian kepada tim").fill(reason)
    expect(page.get_by_label("Cara penyampaian").first).to_be_hidden()
    page.screenshot(path=str(SHOTS / f"desk-staff-return-to-team-{width}.png"), full_page=True)
    page.get_by_role("button", name="Selesaikan tugas").click()
    expect(page.locator(".flashes")).to_contain_text("Menyusun jawaban")
    team = new_page(width, 800)
    sign_in(team, "tim")
    team.goto(f"/tugas/{task_id_of(live_server, code, 'susun_jawaban')}")
    marker = team.locator(".sent-back")
    expect(marker).to_contain_text("Dikembalikan: jawaban perlu disusun ulang")
    expect(marker).to_contain_text(reason)
    assert box(marker)["y"] < box(team.locator(".case-context"))["y"]
    team.screenshot(path=str(SHOTS / f"desk-staff-sent-back-{width}.png"), full_page=True)
