"""The three lists: who sees what, rows, filters, sorting, counts, pagination, language."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.engine import WIB
from tests.inbox.conftest import (
    advance,
    ready_task,
    submit,
)
from tests.inbox.helpers import text, token
from tests.support import FORWARD, STUDY_WITH_PCS

Clients = Callable[[str], FlaskClient]
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)


def test_a_new_complaint_waits_in_the_desk_officers_queue_only(deployed: Flask,
                                                                signed_in: Clients) -> None:
    _case_id, code = submit(deployed)
    assert code in text(signed_in("petugas").get("/tugas/antrean"))
    for username in ("tim", "tim2", "teknis_pp", "teknis_pcs"):
        assert code not in text(signed_in(username).get("/tugas/antrean")), username


def test_a_row_shows_number_task_subject_labels_dates_and_working_days_left(
        deployed: Flask, signed_in: Clients) -> None:
    with time_machine.travel(MONDAY, tick=False):
        _case_id, code = submit(deployed, kanal="telepon", layanan="kk")
        html = text(signed_in("petugas").get("/tugas/antrean"))
    assert code in html
    assert "Menerima, mencatat dan memverifikasi pengaduan" in html
    assert "KTP-el belum jadi setelah tiga bulan" in html
    assert "Kartu Keluarga (KK)" in html and "Telepon" in html  # labels, not codes
    assert "30 November 2026" in html  # received
    assert "7 Desember 2026" in html  # 5 working days later
    assert "5 hari kerja lagi" in html
    assert 'aria-label="1 tugas">1</span>' in html  # the queue's count


def test_an_overdue_task_is_marked_and_can_be_filtered(deployed: Flask,
                                                       signed_in: Clients) -> None:
    with time_machine.travel(MONDAY, tick=False):
        _old_id, old = submit(deployed, judul="Antrean panjang di loket KK")
    with time_machine.travel(MONDAY + timedelta(days=8), tick=False):
        _new_id, new = submit(deployed, judul="Akta kelahiran salah ketik")
        client = signed_in("petugas")
        html = text(client.get("/tugas/antrean"))
        assert "badge-overdue" in html and "Terlambat" in html
        assert html.index(old) < html.index(new)  # nearest due date first
        overdue = text(client.get("/tugas/antrean?terlambat=1"))
        assert old in overdue and new not in overdue
        later_first = text(client.get("/tugas/antrean?urut=-tenggat"))
        assert later_first.index(new) < later_first.index(old)


def test_filters_by_text_service_channel_and_task_type(deployed: Flask,
                                                       signed_in: Clients) -> None:
    _a, first = submit(deployed, judul="Antrean panjang di loket KK", layanan="kk",
                       kanal="surat")
    _b, second = submit(deployed, judul="Akta kelahiran salah ketik", layanan="akta_kelahiran")
    client = signed_in("petugas")
    assert second not in text(client.get("/tugas/antrean?q=loket"))
    assert first in text(client.get("/tugas/antrean?q=loket"))
    assert first not in text(client.get(f"/tugas/antrean?q={second}"))
    assert second in text(client.get(f"/tugas/antrean?q={second.lower()}"))
    assert first not in text(client.get("/tugas/antrean?service=akta_kelahiran"))
    by_channel = text(client.get("/tugas/antrean?channel=surat"))
    assert first in by_channel and second not in by_channel
    assert second in text(client.get("/tugas/antrean?jenis_tugas=verifikasi_pengaduan"))
    none = text(client.get("/tugas/antrean?jenis_tugas=susun_jawaban"))
    assert "Tidak ada tugas yang cocok" in none
    assert "Tidak ada tugas yang cocok" in text(client.get("/tugas/antrean?q=100%25_"))


def _next_link(html: str, rel: str) -> str | None:
    match = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_lists_are_paginated_twenty_a_page_with_a_cursor(deployed: Flask,
                                                         signed_in: Clients) -> None:
    codes = [submit(deployed)[1] for _ in range(23)]
    client = signed_in("petugas")
    first = text(client.get("/tugas/antrean"))
    assert "23 tugas" in first and _next_link(first, "prev") is None
    assert sum(code in first for code in codes) == 20
    later = _next_link(first, "next")
    assert later is not None and "setelah=" in later and "halaman" not in later
    second = text(client.get(later))
    assert sum(code in second for code in codes) == 3 and _next_link(second, "next") is None
    back = _next_link(second, "prev")
    assert back is not None and "sebelum=" in back
    assert [c for c in codes if c in text(client.get(back))] == [c for c in codes if c in first]
    # A cursor that is not one of ours shows the first page.
    assert sum(code in text(client.get("/tugas/antrean?setelah=xyz")) for code in codes) == 20


def _order(html: str, codes: list[str]) -> list[str]:
    return sorted(codes, key=html.index)


def test_same_due_date_is_ordered_by_arrival_and_every_sort_key_works(
        deployed: Flask, signed_in: Clients) -> None:
    with time_machine.travel(MONDAY, tick=False):
        _a, first = submit(deployed, judul="Zebra cross di depan kantor")
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        _b, second = submit(deployed, judul="Antrean panjang di loket KK")
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        _c, third = submit(deployed, judul="Akta kelahiran salah ketik")
    codes = [first, second, third]
    client = signed_in("petugas")
    # The first two fall due on the same day and moment: the earlier arrival comes first.
    assert _order(text(client.get("/tugas/antrean")), codes) == [first, second, third]
    # Descending is the same list reversed: the later arrival first among equal due moments.
    by_due_desc = text(client.get("/tugas/antrean?urut=due&arah=desc"))
    assert _order(by_due_desc, codes) == [third, second, first]
    assert _order(text(client.get("/tugas/antrean?urut=received&arah=desc")), codes) == [
        third, second, first]
    assert _order(text(client.get("/tugas/antrean?urut=case&arah=asc")), codes) == codes
    assert _order(text(client.get("/tugas/antrean?urut=case&arah=desc")), codes) == codes[::-1]
    # One task type for all three: ties again by arrival.
    assert _order(text(client.get("/tugas/antrean?urut=task")), codes) == codes
    # Unknown values fall back to the default order.
    assert _order(text(client.get("/tugas/antrean?urut=x&arah=y")), codes) == codes


def test_claimed_and_completed_tasks_move_between_the_lists(deployed: Flask,
                                                            signed_in: Clients) -> None:
    case_id, code = submit(deployed)
    client = signed_in("petugas")
    task = ready_task(deployed, case_id, "verifikasi_pengaduan")
    response = client.post(f"/tugas/{task.id}/ambil", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert code in text(client.get("/tugas"))
    assert code not in text(client.get("/tugas/antrean"))
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD, "petugas")
    assert code not in text(client.get("/tugas"))
    # Completed through the service by the same user: it is in their archive.
    assert code in text(client.get("/tugas/selesai"))


def test_a_division_sees_only_the_coordination_routed_to_it(deployed: Flask,
                                                            signed_in: Clients) -> None:
    case_id, code = submit(deployed)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD, "petugas")
    advance(deployed, case_id, "telaah_pengaduan", STUDY_WITH_PCS, "tim")
    task = ready_task(deployed, case_id, "tindak_lanjut_teknis")
    assert code in text(signed_in("teknis_pcs").get("/tugas/antrean"))
    other = signed_in("teknis_pp")
    assert code not in text(other.get("/tugas/antrean"))
    assert other.get(f"/tugas/{task.id}").status_code == 403


def test_users_without_a_lane_role_have_no_inbox(deployed: Flask, signed_in: Clients) -> None:
    assert signed_in("auditor").get("/tugas").status_code == 403
    assert signed_in("pemilik").get("/tugas/antrean").status_code == 403
    assert signed_in("tim2").get("/tugas/semua").status_code == 403
    admin = signed_in("admin")
    assert admin.get("/tugas").status_code == 302  # to the supervision list
    assert admin.get("/tugas/semua").status_code == 200


def test_the_inbox_speaks_english_when_chosen(deployed: Flask, signed_in: Clients) -> None:
    submit(deployed)
    html = text(signed_in("petugas").get("/tugas/antrean?lang=en"))
    assert "My tasks" in html and "Queue" in html and "Tracking number" in html
    assert "working days left" in html
