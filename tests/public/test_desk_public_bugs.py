"""Issue 13, the public and registration half: one test per bug, each written to fail first."""

from __future__ import annotations

import os
import re
import subprocess  # nosec B404 # runs this project's own Python and make
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases.identity import identity_of
from app.cases.models import Case
from app.cases.service import complete_task
from app.cli import upgrade_database
from app.config import default_public_base_url
from app.db import get_session
from app.formrender import build_spec, format_size, load_spec, parse_submission, validate
from app.processes.service import deploy_file
from tests.conftest import csrf_token_from, login
from tests.public.conftest import (
    ANONYMOUS,
    PNG,
    answer,
    counts,
    post_form,
    ready,
    staff_step,
    submit,
    submit_ok,
)
from tests.support import ACCEPT, FORWARD, OFFICER, ROOT, make_test_app

LETTER = {
    "kanal": "surat",
    "jenis": "pengaduan",
    "layanan": "akta_kelahiran",
    "judul": "Surat pengaduan akta kelahiran",
    "uraian": "Surat tertanggal 1 Desember: akta kelahiran anak belum terbit sejak September.",
    "nama": "Pak Darmawan",
    "telepon": "081311112222",
}


def _verification(data: list[tuple[str, str]]) -> dict[str, list[str]]:
    spec = load_spec(ROOT / "forms" / "verifikasi.schema.json")
    from werkzeug.datastructures import MultiDict

    parsed, _files = parse_submission(spec, MultiDict(data))
    return validate(spec.schema, parsed)


# 3 --------------------------------------------------------------------------------------------
def test_verification_refuses_contradictions_with_an_indonesian_message() -> None:
    errors = _verification([("kelengkapan_data", "lengkap"), ("wewenang", "false"),
                            ("keputusan_verifikasi", "minta_data"),
                            ("data_yang_diminta", "Mohon kirim foto KK.")])
    messages = " ".join(errors.get("keputusan_verifikasi", []))
    assert "Data dinyatakan lengkap: tidak perlu meminta pelanggan melengkapi data." in messages
    assert "bukan wewenang Disdukcapil" in messages
    incomplete = _verification([("kelengkapan_data", "tidak_lengkap"), ("wewenang", "true"),
                                ("keputusan_verifikasi", "teruskan")])
    assert "Data dinyatakan tidak lengkap" in " ".join(incomplete["keputusan_verifikasi"])
    # The consistent choices pass.
    assert _verification([("kelengkapan_data", "lengkap"), ("wewenang", "true"),
                          ("keputusan_verifikasi", "teruskan")]) == {}
    assert _verification([("kelengkapan_data", "lengkap"), ("wewenang", "false"),
                          ("keputusan_verifikasi", "bukan_wewenang")]) == {}


def test_a_custom_message_keyword_words_any_refusal() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer", "maximum": 3,
                                                     "x-pesan": "Paling banyak tiga."}}}
    assert validate(schema, {"a": 9}) == {"a": ["Paling banyak tiga."]}


# 4 --------------------------------------------------------------------------------------------
def test_registration_reports_the_channel_with_the_other_errors_at_once(
    portal: Flask, app: Flask, demo_users: list[str]
) -> None:
    officer = app.test_client()
    login(officer, "petugas")
    form = officer.get("/registrasi").get_data(as_text=True)
    channel = re.search(r'<select id="f-kanal"[^>]*>', form)
    assert channel and " required" in channel.group(0)
    assert re.search(r'<label for="f-kanal">Kanal pengaduan <abbr', form)
    assert "Portal daring" not in form
    response = post_form(officer, "/registrasi", {**LETTER, "kanal": "", "judul": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kanal pengaduan: Wajib diisi." in page and "Judul: Wajib diisi." in page
    online = post_form(officer, "/registrasi", {**LETTER, "kanal": "online"})
    assert online.status_code == 422 and counts(portal)["Case"] == 0


# 5 --------------------------------------------------------------------------------------------
def test_refused_forms_do_not_count_against_the_submission_limit(limited: Flask) -> None:
    client = limited.test_client()
    statuses = [submit(client, {**ANONYMOUS, "judul": ""}).status_code for _ in range(8)]
    assert statuses == [422] * 8
    assert submit(client, ANONYMOUS).status_code == 302
    assert counts(limited)["Case"] == 1


# 6 --------------------------------------------------------------------------------------------
def test_a_30_mb_attachment_comes_back_to_the_form_with_everything_typed(
    portal: Flask, client: FlaskClient
) -> None:
    big = PNG + b"\0" * (30 * 1024 * 1024)
    response = submit(client, ANONYMOUS, files=[(big, "foto-besar.png")])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Berkas foto-besar.png lebih dari 5 MB." in page
    assert ANONYMOUS["uraian"] in page and ANONYMOUS["judul"] in page
    assert counts(portal)["Case"] == 0
    # The file input checks the size before sending, so nothing typed is lost at all.
    assert 'data-max-bytes="5242880"' in page


def test_a_body_over_the_servers_limit_shows_the_form_not_a_bare_413(
    tmp_path: Path
) -> None:
    app = make_test_app(tmp_path, MAX_CONTENT_LENGTH=1024 * 1024)
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    client = app.test_client()
    response = submit(client, ANONYMOUS, files=[(PNG + b"\0" * (2 * 1024 * 1024), "a.png")])
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Lampiran terlalu besar untuk dikirim" in page and 'name="judul"' in page
    app.extensions["db_engine"].dispose()


# 8 --------------------------------------------------------------------------------------------
def test_the_page_showing_the_code_once_is_never_cached(
    portal: Flask, client: FlaskClient, app: Flask, demo_users: list[str]
) -> None:
    response = submit(client)
    shown = client.get(response.headers["Location"])
    assert "no-store" in shown.headers["Cache-Control"]
    assert "no-store" in client.get("/pengaduan/terkirim").headers["Cache-Control"]
    officer = app.test_client()
    login(officer, "petugas")
    registered = post_form(officer, "/registrasi", LETTER)
    assert "no-store" in officer.get(registered.headers["Location"]).headers["Cache-Control"]


# 9 --------------------------------------------------------------------------------------------
def test_a_too_long_description_is_refused_and_kept_not_cut(
    portal: Flask, client: FlaskClient
) -> None:
    form = client.get("/pengaduan/baru").get_data(as_text=True)
    textarea = re.search(r'<textarea id="f-uraian"[^>]*>', form)
    assert textarea and " maxlength=" not in textarea.group(0)
    assert 'data-maxlength="5000"' in textarea.group(0)
    long_text = "Antrean panjang sekali. " * 840  # 20,160 characters
    response = submit(client, {**ANONYMOUS, "uraian": long_text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Uraian: Maksimal 5000 karakter." in page
    assert long_text.strip() in page  # all of it, for shortening


# 10 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("0812-3456-7890", "081234567890"), ("+62 812 3456 7890", "081234567890"),
     ("62812.3456.7890", "081234567890"), ("(0733) 451 234", "0733451234")],
)
def test_phone_numbers_are_cleaned_like_nik(
    portal: Flask, client: FlaskClient, typed: str, stored: str
) -> None:
    sent = submit_ok(client, {**ANONYMOUS, "telepon": typed, "nik": "1605 0155-0788 0003"})
    with portal.app_context():
        case = get_session().scalars(select(Case).where(Case.tracking_code == sent.tracking)).one()
        identity = identity_of(case.id)
    assert identity["telepon"] == stored and identity["nik"] == "1605015507880003"


def test_the_browser_does_not_refuse_a_phone_with_dashes(portal: Flask, client: FlaskClient
                                                         ) -> None:
    form = client.get("/pengaduan/baru").get_data(as_text=True)
    phone = re.search(r'<input type="tel" id="f-telepon"[^>]*>', form)
    assert phone and "pattern=" not in phone.group(0)


def test_normalisation_follows_the_declared_kind_not_the_name() -> None:
    schema = {"type": "object", "properties": {
        "nomor_hp": {"type": "string", "x-identitas": "telepon"},
        "telepon": {"type": "string"},
    }}
    from werkzeug.datastructures import MultiDict

    data, _files = parse_submission(build_spec(schema), MultiDict(
        [("nomor_hp", "+62 811-222-333"), ("telepon", "+62 811-222-333")]))
    assert data == {"nomor_hp": "0811222333", "telepon": "+62 811-222-333"}


# 11 -------------------------------------------------------------------------------------------
def test_sizes_have_one_format() -> None:
    assert [format_size(n) for n in (390, 1023, 1024, 5 * 1024 * 1024, 1536 * 1024)] == [
        "390 B", "1023 B", "1 KB", "5 MB", "1,5 MB"]


def test_a_390_byte_file_reads_390_b_for_staff_and_public(
    portal: Flask, client: FlaskClient, app: Flask, demo_users: list[str]
) -> None:
    small = PNG + b"\0" * (390 - len(PNG))
    sent = submit_ok(client, {**ANONYMOUS, "anonim": "false"}, files=[(small, "bukti.png")])
    assert "(390 B)" in client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    officer = app.test_client()
    login(officer, "petugas")
    [task] = ready(portal, sent.tracking)
    page = officer.get(f"/tugas/{task.id}").get_data(as_text=True)
    assert "(390 B)" in page and "(0 KB)" not in page


# 12 -------------------------------------------------------------------------------------------
def test_a_date_in_the_future_is_refused_in_wib(portal: Flask, client: FlaskClient) -> None:
    # 20:00 UTC on 1 December is already 2 December in Musi Rawas (WIB, UTC+7).
    with time_machine.travel(datetime(2026, 12, 1, 20, 0, tzinfo=UTC), tick=False):
        tomorrow = submit(client, {**ANONYMOUS, "tanggal_kejadian": "2026-12-03"})
        assert tomorrow.status_code == 422
        assert "Tanggal kejadian: Tanggal tidak boleh setelah hari ini." in tomorrow.get_data(True)
        form = client.get("/pengaduan/baru").get_data(as_text=True)
        assert 'max="2026-12-02"' in form
        assert submit(client, {**ANONYMOUS, "tanggal_kejadian": "2026-12-02"}).status_code == 302


# 13a / 13b ------------------------------------------------------------------------------------
def test_a_closed_case_reads_selesai_once_on_the_audit_page(
    portal: Flask, client: FlaskClient, app: Flask, demo_users: list[str]
) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    answer(portal, sent.tracking, "KTP-el Anda sudah dicetak.")
    [task] = [t for t in ready(portal, sent.tracking) if t.lane == "Pelanggan"]
    with portal.app_context():
        from app.cases.events import PUBLIC

        complete_task(task.id, ACCEPT, PUBLIC)
    auditor = app.test_client()
    login(auditor, "auditor")
    page = auditor.get(f"/audit/kasus/{sent.tracking}").get_data(as_text=True)
    status = re.search(r"<dt>Status</dt><dd>(.*?)</dd>", page, re.S)
    assert status and re.sub(r"<[^>]+>|\s+", " ", status.group(1)).split() == ["Selesai"]
    # ... and the tracking page no longer shows a deadline to wait for.
    assert "Batas waktu jawaban" not in client.get(f"/lacak/{sent.tracking}").get_data(True)


def test_the_outbox_shows_wib(portal: Flask, client: FlaskClient, app: Flask,
                              demo_users: list[str]) -> None:
    with time_machine.travel(datetime(2026, 12, 1, 2, 30, tzinfo=UTC), tick=False):
        submit_ok(client)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "09.30 WIB" in page and "UTC" not in page


# 14 -------------------------------------------------------------------------------------------
def test_links_follow_the_port_the_app_is_served_on() -> None:
    assert default_public_base_url({"PORT": "8080"}) == "http://127.0.0.1:8080"
    assert default_public_base_url({}) == "http://127.0.0.1:5000"
    assert default_public_base_url({"PORT": "8080", "PUBLIC_BASE_URL": "https://x.id/"}) == (
        "https://x.id")
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"} | {"PORT": "8080"}
    printed = subprocess.run(  # nosec B603 # this interpreter, fixed arguments
        [sys.executable, "-c", "from app.config import Config; print(Config.PUBLIC_BASE_URL)"],
        capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert printed.stdout.strip() == "http://127.0.0.1:8080"


def test_make_run_passes_the_port_to_the_app() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^export PORT\b", makefile, re.M)


def test_receipts_and_mails_use_the_configured_address(tmp_path: Path) -> None:
    app = make_test_app(tmp_path, PUBLIC_BASE_URL="http://127.0.0.1:8080")
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    client = app.test_client()
    response = submit(client, {**ANONYMOUS, "kirim_kode_surel": "true"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "http://127.0.0.1:8080/lacak/" in page and ":5000" not in page
    with app.app_context():
        from app.notify.models import Outbox

        bodies = " ".join(m.body for m in get_session().scalars(select(Outbox)))
    assert "http://127.0.0.1:8080/lacak/" in bodies and ":5000" not in bodies
    app.extensions["db_engine"].dispose()


# 15 -------------------------------------------------------------------------------------------
def test_a_second_tab_is_told_and_keeps_what_was_typed(portal: Flask, client: FlaskClient
                                                        ) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    answer(portal, sent.tracking, "Jawaban pertama.")
    [task] = [t for t in ready(portal, sent.tracking) if t.lane == "Pelanggan"]
    url = f"/lacak/{sent.tracking}/tugas/{task.id}"
    # Two tabs open the same task; the first sends its answer.
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    first = post_form(client, url, {"sesuai_harapan": "true", "nilai_kepuasan": "4"})
    assert first.status_code == 302
    reason = "KTP-el saya ternyata belum dapat diambil di kantor."
    second = client.post(url, data={"csrf_token": token, "sesuai_harapan": "false",
                                    "alasan_tidak_sesuai": reason})
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "sudah dikirim dari tab atau perangkat lain" in page and reason in page


def test_the_citizen_reads_the_delivery_date_the_officer_recorded(
    portal: Flask, client: FlaskClient
) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    with time_machine.travel(datetime(2026, 11, 28, 3, 0, tzinfo=UTC), tick=False):
        staff_step(portal, sent.tracking, "telaah_pengaduan",
                   {"hasil_telaah": "Sudah dicek.", "perlu_koordinasi": False}, OFFICER)
        staff_step(portal, sent.tracking, "susun_jawaban", {"jawaban": "Sudah dicetak."}, OFFICER)
        staff_step(portal, sent.tracking, "sampaikan_jawaban",
                   {"cara_penyampaian": "langsung", "tanggal_penyampaian": "2026-11-20"})
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    delivered = re.search(r'id="judul-jawaban".*?</p>', page, re.S)
    assert delivered and "Disampaikan Jumat, 20 November 2026" in delivered.group(0)
    assert "28 November" not in delivered.group(0)
