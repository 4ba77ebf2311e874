"""The Pelanggan lane's tasks done from the tracking page: supply data, confirm the answer."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases.models import Attachment, Case, CaseEvent
from app.db import get_session
from tests.public.conftest import (
    PNG,
    answer,
    counts,
    post_form,
    ready,
    staff_step,
    submit_ok,
)
from tests.support import ASK_DATA, FORWARD, OFFICER


def _public_task(app: Flask, tracking: str, bpmn_id: str) -> str:
    [task] = [t.id for t in ready(app, tracking) if t.bpmn_id == bpmn_id]
    return task


def _task_url(app: Flask, tracking: str, bpmn_id: str) -> str:
    return f"/lacak/{tracking}/tugas/{_public_task(app, tracking, bpmn_id)}"


def test_supplying_missing_data_with_a_file_goes_back_to_the_officer(
    portal: Flask, client: FlaskClient
) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", ASK_DATA, OFFICER)
    task = _public_task(portal, sent.tracking, "lengkapi_data")
    url = f"/lacak/{sent.tracking}/tugas/{task}"
    page = client.get(url).get_data(as_text=True)
    assert "Mohon kirim foto bukti perekaman KTP-el." in page and 'type="file"' in page
    empty = post_form(client, url, {"data_tambahan": ""})
    assert empty.status_code == 422 and "Wajib diisi." in empty.get_data(as_text=True)
    done = post_form(
        client,
        url,
        {
            "data_tambahan": "Foto bukti perekaman terlampir.",
            "lampiran": [(PNG, "bukti-rekam.png")],
        },
    )
    assert done.status_code == 302
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "Anda melengkapi data yang diminta" in page
    assert "Sedang diverifikasi oleh petugas" in page
    assert "bukti-rekam.png" in page
    with portal.app_context():
        [attachment] = get_session().scalars(select(Attachment)).all()
        assert attachment.task_id == task
    with client.get(f"/lacak/{sent.tracking}/lampiran/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == PNG
        assert "attachment" in download.headers["Content-Disposition"]
        assert download.headers["Cache-Control"] == "private, no-store"


def test_rejecting_then_accepting_the_answer_with_a_rating(
    portal: Flask, client: FlaskClient
) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    answer(portal, sent.tracking, "Jawaban pertama yang kurang lengkap untuk Anda.")
    url = _task_url(portal, sent.tracking, "konfirmasi_jawaban")
    page = client.get(url).get_data(as_text=True)
    assert "Jawaban pertama yang kurang lengkap" in page
    assert "Sangat baik" in page and "Tidak baik" in page
    no_reason = post_form(client, url, {"sesuai_harapan": "false"})
    assert no_reason.status_code == 422
    assert "Mengapa jawaban belum sesuai harapan?: Wajib diisi." in no_reason.get_data(True)
    rejected = post_form(
        client,
        url,
        {"sesuai_harapan": "false", "alasan_tidak_sesuai": "KTP-el saya belum ada di kantor."},
    )
    assert rejected.status_code == 302
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "belum sesuai harapan; pengaduan ditelaah ulang" in page
    assert "Sedang ditelaah oleh tim penanganan pengaduan" in page
    answer(portal, sent.tracking, "KTP-el Anda sudah kami cetak ulang hari ini.")
    url = _task_url(portal, sent.tracking, "konfirmasi_jawaban")
    no_rating = post_form(client, url, {"sesuai_harapan": "true"})
    assert "Penilaian Anda atas layanan pengaduan: Wajib diisi." in no_rating.get_data(True)
    accepted = post_form(
        client,
        url,
        {"sesuai_harapan": "true", "nilai_kepuasan": "4", "komentar": "Terima kasih, cepat."},
    )
    assert accepted.status_code == 302
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "Anda menyatakan jawaban sesuai harapan" in page and ">Selesai<" in page
    with portal.app_context():
        case = get_session().scalars(select(Case)).one()
        assert (case.status, case.outcome) == ("selesai", "akhir_selesai")
        last = (
            get_session()
            .scalars(
                select(CaseEvent)
                .where(CaseEvent.type == "task_completed")
                .order_by(CaseEvent.seq.desc())
            )
            .first()
        )
        assert last is not None and last.actor == "public"
        assert '"nilai_kepuasan":4' in last.data_json


def test_a_staff_task_cannot_be_done_from_the_tracking_link(
    portal: Flask, client: FlaskClient
) -> None:
    sent = submit_ok(client)
    staff_task = _public_task(portal, sent.tracking, "verifikasi_pengaduan")
    url = f"/lacak/{sent.tracking}/tugas/{staff_task}"
    assert client.get(url).status_code == 302
    post_form(client, f"/lacak/{sent.tracking}", {"keputusan_verifikasi": "teruskan"}, post_url=url)
    assert [t.bpmn_id for t in ready(portal, sent.tracking)] == ["verifikasi_pengaduan"]


def test_tasks_and_files_need_the_access_code(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    sent = submit_ok(client, files=[(PNG, "bukti.png")])
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", ASK_DATA, OFFICER)
    task = _public_task(portal, sent.tracking, "lengkapi_data")
    with portal.app_context():
        attachment_id = get_session().scalars(select(Attachment.id)).one()
    stranger = app.test_client()
    assert stranger.get(f"/lacak/{sent.tracking}/tugas/{task}").status_code == 404
    assert stranger.get(f"/lacak/{sent.tracking}/lampiran/{attachment_id}").status_code == 404
    before = counts(portal)
    token_page = stranger.get("/lacak").get_data(as_text=True)
    assert "csrf_token" in token_page
    assert counts(portal) == before


def test_a_rating_of_five_thousand_digits_is_refused_with_a_message(
    portal: Flask, client: FlaskClient
) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    answer(portal, sent.tracking, "KTP-el Anda sudah kami cetak ulang hari ini.")
    url = _task_url(portal, sent.tracking, "konfirmasi_jawaban")
    huge = post_form(client, url, {"sesuai_harapan": "true", "nilai_kepuasan": "9" * 5000})
    assert huge.status_code == 422
    assert "Jenis isian tidak sesuai." in huge.get_data(as_text=True)
    assert [t.bpmn_id for t in ready(portal, sent.tracking)] == ["konfirmasi_jawaban"]
