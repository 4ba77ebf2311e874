"""Tracking a case with its number and access code: status, timeline, due date, answer."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.public.conftest import (
    answer,
    post_form,
    ready,
    staff_step,
    submit_ok,
)
from tests.support import ASK_DATA, FORWARD, OFFICER, TEAM

MISMATCH = "Nomor pelacakan atau kode akses tidak cocok."


def _lookup(client: FlaskClient, tracking: str, code: str) -> str:
    response = post_form(client, "/lacak", {"nomor": tracking, "kode": code})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        return client.get(response.headers["Location"]).get_data(as_text=True)
    return response.get_data(as_text=True)


def _comparable(page: str, tracking: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page.replace(tracking, "X"))


def test_the_right_codes_open_the_case(portal: Flask, client: FlaskClient, app: Flask) -> None:
    sent = submit_ok(client)
    other = app.test_client()
    page = _lookup(other, sent.tracking, sent.code.lower().replace("-", ""))
    assert "Perkembangan pengaduan" in page and sent.tracking in page
    assert "Sedang diverifikasi oleh petugas" in page
    assert "Batas waktu jawaban" in page and "standar pelayanan 5 hari kerja" in page
    assert "Pengaduan diterima melalui portal daring" in page


def test_unknown_number_and_wrong_code_get_the_same_answer(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    sent = submit_ok(client)
    stranger = app.test_client()
    wrong_code = _lookup(stranger, sent.tracking, "AAAA-BBBB")
    unknown = _lookup(stranger, "ADU-2026-999999", "AAAA-BBBB")
    assert MISMATCH in wrong_code and MISMATCH in unknown
    assert _comparable(wrong_code, sent.tracking) == _comparable(unknown, "ADU-2026-999999")
    assert "KTP-el belum dicetak" not in wrong_code
    # Without the code the tracking page only asks for it.
    page = stranger.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "Kode akses" in page and "KTP-el belum dicetak" not in page
    assert stranger.get(f"/lacak/{sent.tracking}?kode=AAAA-BBBB").status_code == 200


def test_the_link_with_the_code_opens_the_case_and_drops_the_code(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    sent = submit_ok(client)
    phone = app.test_client()
    response = phone.get(f"/lacak/{sent.tracking}?kode={sent.code}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/lacak/{sent.tracking}")
    assert "Perkembangan pengaduan" in phone.get(response.headers["Location"]).get_data(True)


def test_opening_one_case_does_not_open_another(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    first = submit_ok(client)
    second = submit_ok(app.test_client())
    visitor = app.test_client()
    _lookup(visitor, first.tracking, first.code)
    assert "Perkembangan pengaduan" not in visitor.get(f"/lacak/{second.tracking}").get_data(True)


def test_closing_the_case_on_a_shared_phone_forgets_it(portal: Flask, client: FlaskClient) -> None:
    sent = submit_ok(client)
    post_form(client, f"/lacak/{sent.tracking}", {}, post_url=f"/lacak/{sent.tracking}/keluar")
    assert "Perkembangan pengaduan" not in client.get(f"/lacak/{sent.tracking}").get_data(True)


def test_timeline_uses_public_wording_without_staff(
    portal: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", ASK_DATA, OFFICER)
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "Menunggu Anda melengkapi data" in page
    assert "Mohon kirim foto bukti perekaman KTP-el." in page
    assert "Petugas meminta Anda melengkapi data" in page
    for internal in ("user:", "Siti Rahmawati", "Ahmad Fauzi", "catatan_verifikasi", OFFICER.role):
        assert internal not in page


def test_the_delivered_answer_is_shown(portal: Flask, client: FlaskClient) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "Sedang ditelaah oleh tim penanganan pengaduan" in page
    staff_step(
        portal,
        sent.tracking,
        "telaah_pengaduan",
        {"hasil_telaah": "Catatan internal tim.", "perlu_koordinasi": False},
        TEAM,
    )
    staff_step(
        portal,
        sent.tracking,
        "susun_jawaban",
        {"jawaban": "KTP-el Anda sudah dicetak dan dapat diambil."},
        TEAM,
    )
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "KTP-el Anda sudah dicetak" not in page  # drafted, not yet delivered
    staff_step(
        portal,
        sent.tracking,
        "sampaikan_jawaban",
        {"cara_penyampaian": "portal", "tanggal_penyampaian": "2026-12-01"},
        OFFICER,
    )
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "KTP-el Anda sudah dicetak dan dapat diambil." in page
    assert "Catatan internal tim." not in page
    assert "Jawaban telah disampaikan, menunggu konfirmasi Anda" in page
    assert "Tanggapi jawaban" in page


def test_a_second_answer_replaces_the_first(portal: Flask, client: FlaskClient) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    answer(portal, sent.tracking, "Jawaban pertama yang kurang lengkap untuk Anda.")
    [task] = [t.id for t in ready(portal, sent.tracking) if t.lane == "Pelanggan"]
    post_form(
        client,
        f"/lacak/{sent.tracking}/tugas/{task}",
        {"sesuai_harapan": "false", "alasan_tidak_sesuai": "Belum menjawab pertanyaan saya."},
    )
    answer(portal, sent.tracking, "Jawaban kedua yang lebih lengkap untuk Anda.")
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert page.index("Jawaban kedua") < page.index("Jawaban pertama")
    assert "Jawaban sebelumnya (1)" in page
