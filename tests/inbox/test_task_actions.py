"""Claim, release, reassign, complete and draft: each refuses what it must, and says why."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.cases.models import Attachment, Case, CaseEvent, HumanTask
from app.db import get_session
from tests.conftest import csrf_token_from
from tests.inbox.conftest import (
    advance,
    ready_task,
    submit,
    task_row,
    user_id,
)
from tests.inbox.helpers import as_form, complete, open_task, text, token
from tests.support import FORWARD, STUDY_WITH_PCS

Clients = Callable[[str], FlaskClient]
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def snapshot(app: Flask, case_id: int) -> tuple[Any, ...]:
    """What a refused action must leave as it was: the case, its events and its task rows."""
    with app.app_context():
        session = get_session()
        case = session.get(Case, case_id)
        assert case is not None
        events = session.scalar(select(func.count()).where(CaseEvent.case_id == case_id))
        rows = session.execute(select(
            HumanTask.id, HumanTask.status, HumanTask.claimed_by, HumanTask.draft_json,
            HumanTask.completed_by).where(HumanTask.case_id == case_id).order_by(HumanTask.id)
        ).all()
        files = session.scalar(select(func.count()).select_from(Attachment))
        return case.version, case.state_json, events, rows, files


def test_every_staff_action_refuses_the_wrong_role(deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    task = ready_task(deployed, case_id, "verifikasi_pengaduan")
    before = snapshot(deployed, case_id)
    for username in ("tim", "teknis_pp", "auditor", "pemilik"):
        client = signed_in(username)
        # The user's own valid token: a 403 then proves the permission check, not CSRF.
        csrf = csrf_token_from(client.get("/").get_data(as_text=True))
        assert client.get(f"/tugas/{task.id}").status_code == 403, username
        for action in ("", "/ambil", "/lepas"):
            response = client.post(f"/tugas/{task.id}{action}", data={
                "csrf_token": csrf, "aksi": "selesai", **as_form(FORWARD)})
            assert response.status_code == 403, (username, action)
            assert "Akses ditolak" in text(response)
        response = client.post(f"/tugas/{task.id}/alihkan", data={
            "csrf_token": csrf, "pengguna": str(user_id(deployed, "petugas"))})
        assert response.status_code == 403, username
        assert client.get(f"/tugas/{task.id}/lampiran/x").status_code == 403, username
    assert snapshot(deployed, case_id) == before


def test_a_stale_claim_names_who_took_the_task(deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    task = ready_task(deployed, case_id, "telaah_pengaduan")
    lead, other = signed_in("tim"), signed_in("tim2")
    other_token = token(other)  # tim2 saw the task in the queue before tim took it
    assert lead.post(f"/tugas/{task.id}/ambil", data={"csrf_token": token(lead)}).status_code == 302
    before = snapshot(deployed, case_id)
    response = other.post(f"/tugas/{task.id}/ambil", data={"csrf_token": other_token})
    assert response.status_code == 409
    assert "Tugas ini sudah diambil oleh Ahmad Fauzi." in text(response)
    assert "Traceback" not in text(response)
    assert snapshot(deployed, case_id) == before
    # Nor can tim2 complete it or release it.
    response = other.post(f"/tugas/{task.id}", data={
        "csrf_token": other_token, "aksi": "selesai", "hasil_telaah": "x" * 20,
        "perlu_koordinasi": "false"})
    assert response.status_code == 409 and "sudah diambil oleh Ahmad Fauzi" in text(response)
    assert other.post(f"/tugas/{task.id}/lepas", data={"csrf_token": other_token}
                      ).status_code == 409
    assert snapshot(deployed, case_id) == before
    page = text(other.get(f"/tugas/{task.id}"))
    assert "sudah diambil oleh Ahmad Fauzi" in page and "Selesaikan tugas" not in page


def test_a_double_completion_is_refused_plainly(deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    task = ready_task(deployed, case_id, "verifikasi_pengaduan")
    client = signed_in("petugas")
    _html, csrf, version = open_task(client, task.id)
    form = {"csrf_token": csrf, "version": version, "aksi": "selesai", **as_form(FORWARD)}
    first = client.post(f"/tugas/{task.id}", data=form)
    assert first.status_code == 302
    assert "selesai" in text(client.get(first.headers["Location"]))
    before = snapshot(deployed, case_id)
    second = client.post(f"/tugas/{task.id}", data=form)
    assert second.status_code == 409
    assert "Tugas ini sudah diselesaikan oleh Siti Rahmawati." in text(second)
    assert snapshot(deployed, case_id) == before


def test_a_post_without_csrf_token_is_refused(deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    task = ready_task(deployed, case_id, "verifikasi_pengaduan")
    client = signed_in("petugas")
    _html, _csrf, version = open_task(client, task.id)
    before = snapshot(deployed, case_id)
    for action in ("", "/ambil", "/lepas", "/alihkan"):
        response = client.post(f"/tugas/{task.id}{action}", data={
            "version": version, "aksi": "selesai", **as_form(FORWARD)})
        assert response.status_code == 400, action
        assert "Permintaan tidak dapat diproses" in text(response)
    assert snapshot(deployed, case_id) == before


def test_invalid_form_data_is_shown_beside_the_fields_and_kept(deployed: Flask,
                                                               signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    task = ready_task(deployed, case_id, "telaah_pengaduan")
    before = snapshot(deployed, case_id)
    response = complete(signed_in("tim"), task.id, {
        "hasil_telaah": "Pendek", "perlu_koordinasi": True, "bidang_teknis": ""})
    html = text(response)
    assert response.status_code == 422
    assert "Ada isian yang perlu diperbaiki" in html
    assert 'id="f-hasil_telaah-error"' in html and "Minimal 10 karakter." in html
    assert 'id="f-bidang_teknis-error"' in html and "Wajib diisi." in html
    assert ">Pendek</textarea>" in html  # the input is kept
    assert 'value="true" checked' in html
    assert snapshot(deployed, case_id) == before  # not even claimed


def test_a_draft_is_kept_and_restored(deployed: Flask, signed_in: Clients) -> None:
    case_id, code = submit(deployed)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    task = ready_task(deployed, case_id, "telaah_pengaduan")
    client = signed_in("tim2")
    response = complete(client, task.id, {"hasil_telaah": "Sebagian telaah"}, action="draf")
    assert response.status_code == 302
    html = text(client.get(f"/tugas/{task.id}"))
    assert "Draf disimpan" in html and ">Sebagian telaah</textarea>" in html
    assert task_row(deployed, task.id).claimed_by == user_id(deployed, "tim2")
    assert code in text(client.get("/tugas"))


def test_release_returns_the_task_to_the_queue(deployed: Flask, signed_in: Clients) -> None:
    case_id, code = submit(deployed)
    task = ready_task(deployed, case_id, "verifikasi_pengaduan")
    client = signed_in("petugas")
    client.post(f"/tugas/{task.id}/ambil", data={"csrf_token": token(client)})
    response = client.post(f"/tugas/{task.id}/lepas", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert task_row(deployed, task.id).claimed_by is None
    assert code in text(client.get("/tugas/antrean"))


def test_the_team_lead_and_the_admin_reassign_others_may_not(deployed: Flask,
                                                              signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    task = ready_task(deployed, case_id, "telaah_pengaduan")
    lead, member, admin = signed_in("tim"), signed_in("tim2"), signed_in("admin")
    tim2, tim = user_id(deployed, "tim2"), user_id(deployed, "tim")
    response = lead.post(f"/tugas/{task.id}/alihkan", data={
        "csrf_token": token(lead), "pengguna": str(tim2), "pemegang": ""})
    assert response.status_code == 302
    assert task_row(deployed, task.id).claimed_by == tim2
    assert "dialihkan kepada Rina Marlina" in text(lead.get(response.headers["Location"]))
    # A plain member may not reassign.
    response = member.post(f"/tugas/{task.id}/alihkan", data={
        "csrf_token": token(member), "pengguna": str(tim), "pemegang": str(tim2)})
    assert response.status_code == 403
    # The target must hold the lane.
    admin_token = csrf_from_admin(admin)
    response = admin.post(f"/tugas/{task.id}/alihkan", data={
        "csrf_token": admin_token, "pengguna": str(user_id(deployed, "teknis_pp")),
        "pemegang": str(tim2)})
    assert response.status_code == 409
    assert "tidak memegang peran untuk tugas ini" in text(response)
    # A stale holder (the form still says nobody held it) is refused, not overwritten.
    response = admin.post(f"/tugas/{task.id}/alihkan", data={
        "csrf_token": admin_token, "pengguna": str(tim), "pemegang": ""})
    assert response.status_code == 409 and "Muat ulang" in text(response)
    response = admin.post(f"/tugas/{task.id}/alihkan", data={
        "csrf_token": admin_token, "pengguna": str(tim), "pemegang": str(tim2)})
    assert response.status_code == 302
    assert task_row(deployed, task.id).claimed_by == tim
    assert "Ahmad Fauzi" in text(admin.get("/tugas/semua"))


def csrf_from_admin(client: FlaskClient) -> str:
    """A CSRF token from the supervision list."""
    return csrf_token_from(text(client.get("/tugas/semua")))


def test_completing_moves_the_case_to_the_next_lane_queue(deployed: Flask,
                                                          signed_in: Clients) -> None:
    case_id, code = submit(deployed)
    task = ready_task(deployed, case_id, "verifikasi_pengaduan")
    response = complete(signed_in("petugas"), task.id, FORWARD)
    assert response.status_code == 302
    assert code in text(signed_in("tim2").get("/tugas/antrean"))
    assert code not in text(signed_in("petugas").get("/tugas/antrean"))


def test_a_file_field_stores_the_upload_and_links_it(deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    advance(deployed, case_id, "telaah_pengaduan", STUDY_WITH_PCS, "tim")
    task = ready_task(deployed, case_id, "tindak_lanjut_teknis")
    client = signed_in("teknis_pcs")
    _html, csrf, version = open_task(client, task.id)
    response = client.post(f"/tugas/{task.id}", content_type="multipart/form-data", data={
        "csrf_token": csrf, "version": version, "aksi": "selesai",
        "hasil_tindak_lanjut": "Data akta sudah diperbaiki di SIAK.",
        "lampiran": (io.BytesIO(PNG), "bukti.png")})
    assert response.status_code == 302, text(response)[:3000]
    answer = ready_task(deployed, case_id, "susun_jawaban")
    team = signed_in("tim")
    page = text(team.get(f"/tugas/{answer.id}"))
    assert "bukti.png" in page
    with deployed.app_context():
        attachment = get_session().scalars(select(Attachment)).one()
    assert f"/tugas/{answer.id}/lampiran/{attachment.id}" in page
    with team.get(f"/tugas/{answer.id}/lampiran/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == PNG
    # A bad file is reported beside its field and nothing is stored.
    before = snapshot(deployed, case_id)
    _html, csrf, version = open_task(team, answer.id)
    response = team.post(f"/tugas/{answer.id}", content_type="multipart/form-data", data={
        "csrf_token": csrf, "version": version, "aksi": "selesai",
        "jawaban": "Data Anda sudah diperbaiki, silakan cetak ulang.",
        "lampiran": (io.BytesIO(b"MZ not a picture"), "virus.exe")})
    assert response.status_code == 422
    assert "bukan JPG, PNG, WEBP atau PDF" in text(response)
    assert snapshot(deployed, case_id) == before
