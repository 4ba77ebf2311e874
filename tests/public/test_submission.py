"""Submitting without an account: the codes shown once, and bad input refused cleanly."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases.models import Attachment, Case
from app.db import get_session
from tests.public.conftest import ANONYMOUS, PNG, counts, submit, submit_ok

NOTHING = {"Case": 0, "Complainant": 0, "Attachment": 0, "HumanTask": 0, "Outbox": 0}


def _uploaded_files(app: Flask) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return list(folder.iterdir()) if folder.exists() else []


def test_form_hides_the_channel_and_explains_privacy(portal: Flask, client: FlaskClient) -> None:
    page = client.get("/pengaduan/baru").get_data(as_text=True)
    assert 'name="kanal"' not in page
    assert "Identitas Anda aman" in page and "Anonim" in page and "Rahasia" in page
    assert 'name="csrf_token"' in page and 'name="situs_web"' in page
    assert 'enctype="multipart/form-data"' in page


def test_anonymous_submission_shows_codes_once_with_link_and_qr(
    portal: Flask, client: FlaskClient
) -> None:
    sent = submit_ok(client, files=[(PNG, "bukti.png")])
    assert sent.tracking.startswith("ADU-")
    assert len(sent.code) == 9 and sent.code[4] == "-"
    assert "<svg" in sent.page and f"kode={sent.code}" in sent.page
    again = client.get("/pengaduan/terkirim").get_data(as_text=True)
    assert sent.code not in again and "hanya ditampilkan sekali" in again
    with portal.app_context():
        case = get_session().scalars(select(Case)).one()
        assert (case.summary_channel, case.anonymous, case.secret) == ("online", True, True)
        [attachment] = get_session().scalars(select(Attachment)).all()
        assert attachment.case_id == case.id and attachment.content_type == "image/png"
        assert not case.access_code_hash.endswith(sent.code)


def test_the_public_cannot_choose_another_channel(portal: Flask, client: FlaskClient) -> None:
    submit_ok(client, {**ANONYMOUS, "kanal": "lapor"})
    with portal.app_context():
        assert get_session().scalars(select(Case.summary_channel)).one() == "online"


def test_missing_required_fields_are_named_and_nothing_is_stored(
    portal: Flask, client: FlaskClient
) -> None:
    response = submit(client, {"uraian": "pendek"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ada isian yang perlu diperbaiki" in page
    assert "Judul: Wajib diisi." in page and "Nama lengkap: Wajib diisi." in page
    assert "Isi salah satu" in page  # telephone or e-mail
    assert counts(portal) == NOTHING


def test_a_fifteen_digit_nik_is_refused(portal: Flask, client: FlaskClient) -> None:
    response = submit(client, {**ANONYMOUS, "nik": "160501550788000"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "NIK: Harus 16 digit angka." in page
    assert counts(portal) == NOTHING


def test_an_oversized_attachment_is_refused_and_no_file_is_kept(
    portal: Flask, client: FlaskClient
) -> None:
    portal.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024
    big = PNG + b"\0" * (1024 * 1024)
    response = submit(client, files=[(big, "foto-besar.png")])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Berkas foto-besar.png lebih dari 1 MB." in page
    assert counts(portal) == NOTHING
    assert _uploaded_files(portal) == []


def test_a_disguised_attachment_is_refused(portal: Flask, client: FlaskClient) -> None:
    zip_as_jpg = b"PK\x03\x04" + b"\0" * 200
    response = submit(client, files=[(zip_as_jpg, "foto.jpg")])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Berkas foto.jpg bukan JPG, PNG, WEBP atau PDF (diperiksa dari isinya)." in page
    text_as_jpg = submit(client, files=[(b"hello, this is text", "ktp.jpg")])
    assert "Berkas ktp.jpg bukan JPG" in text_as_jpg.get_data(as_text=True)
    assert counts(portal) == NOTHING
    assert _uploaded_files(portal) == []


def test_too_many_attachments_are_refused(portal: Flask, client: FlaskClient) -> None:
    response = submit(client, files=[(PNG, f"f{i}.png") for i in range(6)])
    assert "Maksimal 5 berkas lampiran." in response.get_data(as_text=True)
    assert counts(portal) == NOTHING


def test_a_filled_honeypot_stores_nothing(portal: Flask, client: FlaskClient) -> None:
    response = submit(client, {**ANONYMOUS, "situs_web": "http://spam.example"})
    assert response.status_code == 400
    assert "Pengaduan tidak dapat diproses" in response.get_data(as_text=True)
    assert counts(portal) == NOTHING


def test_a_post_without_csrf_token_is_refused(portal: Flask, client: FlaskClient) -> None:
    response = client.post("/pengaduan/baru", data=ANONYMOUS)
    assert response.status_code == 400
    assert counts(portal) == NOTHING


def test_the_form_keeps_what_was_typed_after_an_error(portal: Flask, client: FlaskClient) -> None:
    response = submit(client, {**ANONYMOUS, "nik": "123"})
    page = response.get_data(as_text=True)
    assert "KTP-el belum dicetak tiga bulan" in page
