"""Case summary fields follow the forms' `x-ringkasan` marks; a renamed diagram walks every path."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases.models import Case
from app.db import get_session
from app.engine.conventions import marker_problems
from app.processes.service import deploy_file
from tests.conftest import login
from tests.public.conftest import ANONYMOUS, post_form, ready, staff_step, submit_ok
from tests.support import ACCEPT, DELIVER, OFFICER, REJECT, STUDY_ALONE, TEAM
from tests.test_conventions import _outbox, _timeline, renamed_copy

ELEMENTS = {"verifikasi_pengaduan": "periksa_pengaduan", "lengkapi_data": "kirim_data",
            "konfirmasi_jawaban": "tanggapan_pelanggan"}
START_FIELDS = {"judul": "pokok_aduan", "layanan": "jenis_layanan", "kanal": "saluran",
                "anonim": "sembunyikan_identitas", "rahasia": "tertutup"}
CHECK_FIELDS = {"keputusan_verifikasi": "hasil_periksa", "layanan": "jenis_layanan",
                "data_yang_diminta": "rincian_permintaan"}
TITLE = "KTP-el belum dicetak tiga bulan"


def renamed(tmp_path: Path) -> tuple[Path, Path]:
    """The real process with task ids and the summary and decision fields renamed."""
    return renamed_copy(
        tmp_path, ELEMENTS, {"pengajuan.": START_FIELDS, "verifikasi.": CHECK_FIELDS}
    )


@pytest.fixture
def renamed_portal(app: Flask, tmp_path: Path, demo_users: list[str]) -> Flask:
    """The app with the renamed process deployed (and the demo staff)."""
    bpmn, forms = renamed(tmp_path)
    assert 'id="verifikasi_pengaduan"' not in bpmn.read_text("utf-8")
    with app.app_context():
        deploy_file(bpmn, forms)
    return app


def _submit(client: FlaskClient) -> str:
    data = {START_FIELDS.get(k, k): v for k, v in ANONYMOUS.items()}
    return submit_ok(client, data).tracking


def _case(app: Flask, tracking: str) -> Case:
    with app.app_context():
        return get_session().scalars(select(Case).where(Case.tracking_code == tracking)).one()


def _public_step(app: Flask, client: FlaskClient, tracking: str, bpmn_id: str,
                 data: dict[str, Any]) -> None:
    [task] = [t for t in ready(app, tracking) if t.bpmn_id == bpmn_id]
    response = post_form(client, f"/lacak/{tracking}/tugas/{task.id}", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def _staff(app: Flask) -> FlaskClient:
    staff = app.test_client()
    assert login(staff, "petugas").status_code == 302
    return staff


def test_renamed_summary_fields_fill_the_case_and_the_public_channel(
    renamed_portal: Flask, client: FlaskClient
) -> None:
    tracking = _submit(client)
    case = _case(renamed_portal, tracking)
    # Read through the marks: the renamed subject, service, flags, and the channel's default.
    assert (case.subject, case.summary_type, case.summary_service, case.summary_channel) == (
        TITLE, "keluhan", "ktp_el", "online")
    assert (case.anonymous, case.secret) == (True, True)
    page = client.get("/pengaduan/baru").get_data(as_text=True)
    assert 'name="saluran"' not in page and 'name="pokok_aduan"' in page


def test_the_public_cannot_choose_a_channel_under_its_new_name(
    renamed_portal: Flask, client: FlaskClient
) -> None:
    data = {START_FIELDS.get(k, k): v for k, v in ANONYMOUS.items()}
    tracking = submit_ok(client, {**data, "saluran": "lapor"}).tracking
    assert _case(renamed_portal, tracking).summary_channel == "online"


def test_the_staff_inbox_lists_and_filters_by_the_renamed_fields(
    renamed_portal: Flask, client: FlaskClient
) -> None:
    tracking = _submit(client)
    staff = _staff(renamed_portal)
    page = staff.get("/tugas/antrean").get_data(as_text=True)
    # The filters and the column are titled by the marked fields; values read as their options.
    assert '<label for="f-service">Layanan yang diadukan</label>' in page
    assert '<label for="f-channel">Kanal pengaduan</label>' in page
    assert tracking in page and "KTP-el" in page and "Portal daring" in page
    assert tracking in staff.get("/tugas/antrean?service=ktp_el").get_data(as_text=True)
    assert tracking not in staff.get("/tugas/antrean?service=kk").get_data(as_text=True)
    assert tracking in staff.get("/tugas/antrean?channel=online").get_data(as_text=True)


def test_a_later_form_marking_the_service_corrects_the_case_and_the_lists(
    renamed_portal: Flask, client: FlaskClient
) -> None:
    tracking = _submit(client)
    staff_step(renamed_portal, tracking, "periksa_pengaduan",
               {"hasil_periksa": "minta_data", "rincian_permintaan": "Mohon kirim foto KK.",
                "jenis_layanan": "kk"})
    assert _case(renamed_portal, tracking).summary_service == "kk"
    _public_step(renamed_portal, client, tracking, "kirim_data",
                 {"data_tambahan": "Foto KK sudah saya kirim."})
    staff = _staff(renamed_portal)
    assert tracking in staff.get("/tugas/antrean?service=kk").get_data(as_text=True)
    assert tracking not in staff.get("/tugas/antrean?service=ktp_el").get_data(as_text=True)
    # The correcting form opens on what is on record, not on the complainant's first choice.
    [task] = [t for t in ready(renamed_portal, tracking) if t.bpmn_id == "periksa_pengaduan"]
    form = staff.get(f"/tugas/{task.id}").get_data(as_text=True)
    assert re.search(r'<option value="kk"\s+selected', form)


def test_every_path_of_the_renamed_diagram_reaches_its_end(
    renamed_portal: Flask, client: FlaskClient
) -> None:
    asked = _submit(client)
    staff_step(renamed_portal, asked, "periksa_pengaduan",
               {"hasil_periksa": "minta_data", "rincian_permintaan": "Mohon kirim foto KK."})
    _public_step(renamed_portal, client, asked, "kirim_data",
                 {"data_tambahan": "Foto KK sudah saya kirim."})
    staff_step(renamed_portal, asked, "periksa_pengaduan", {"hasil_periksa": "teruskan"})
    staff_step(renamed_portal, asked, "telaah_pengaduan", STUDY_ALONE, TEAM)
    staff_step(renamed_portal, asked, "susun_jawaban", {"jawaban": "Jawaban pertama."}, TEAM)
    staff_step(renamed_portal, asked, "sampaikan_jawaban", DELIVER, OFFICER)
    _public_step(renamed_portal, client, asked, "tanggapan_pelanggan", REJECT)
    staff_step(renamed_portal, asked, "telaah_pengaduan", STUDY_ALONE, TEAM)
    staff_step(renamed_portal, asked, "susun_jawaban", {"jawaban": "Jawaban kedua."}, TEAM)
    staff_step(renamed_portal, asked, "sampaikan_jawaban", DELIVER, OFFICER)
    _public_step(renamed_portal, client, asked, "tanggapan_pelanggan", ACCEPT)

    referred = _submit(client)
    staff_step(renamed_portal, referred, "periksa_pengaduan",
               {"hasil_periksa": "bukan_wewenang", "wewenang": False})
    staff_step(renamed_portal, referred, "rujuk_instansi", {
        "instansi_rujukan": "Dinas Sosial", "alasan_rujukan": "Bukan urusan Disdukcapil.",
        "cara_pemberitahuan": "portal", "pesan_kepada_pelanggan": "Silakan hubungi Dinas Sosial."})

    assert [(c.status, c.outcome) for c in (_case(renamed_portal, asked),
                                           _case(renamed_portal, referred))] == [
        ("selesai", "akhir_selesai"), ("selesai", "akhir_dirujuk")]
    timeline = _timeline(client.get(f"/lacak/{asked}").get_data(as_text=True))
    assert timeline[0] == "Pengaduan ditutup: Selesai"
    assert "Petugas meminta Anda melengkapi data" in timeline
    assert "Pengaduan diterima melalui portal daring" in timeline
    kinds = [m.kind for m in _outbox(renamed_portal)]
    assert {"receipt", "data_request", "answer", "referral"} <= set(kinds)
    auditor = renamed_portal.test_client()
    login(auditor, "auditor")
    audit = auditor.get(f"/audit/kasus/{asked}")
    assert audit.status_code == 200 and TITLE in audit.get_data(as_text=True)
    assert '<span class="badge badge-muted">anonim</span>' in audit.get_data(as_text=True)


def test_an_unknown_summary_role_is_refused() -> None:
    schema = {"properties": {"judul": {"type": "string", "x-ringkasan": "judul"}}}
    [problem] = marker_problems(schema)
    assert "x-ringkasan" in problem and '"judul"' in problem and '"subject"' in problem


def test_the_inbox_columns_and_filters_read_english_from_the_catalogue(
    renamed_portal: Flask, client: FlaskClient
) -> None:
    tracking = _submit(client)
    staff = _staff(renamed_portal)
    staff.get("/?lang=en")
    page = staff.get("/tugas/antrean").get_data(as_text=True)
    assert '<label for="f-service">Service concerned</label>' in page
    assert '<label for="f-channel">Complaint channel</label>' in page
    assert tracking in page and "Electronic ID card (KTP-el)" in page and "Online portal" in page
    assert "Layanan yang diadukan" not in page and "Portal daring" not in page
