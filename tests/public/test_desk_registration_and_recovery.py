"""Issue 13, public half: anonymous and paper complaints, the printed receipt, code recovery,
the sectioned public form, and the tracking page of a closed case."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases.identity import identity_of
from app.cases.models import Case, Complainant
from app.db import get_session
from app.notify.models import Outbox
from tests.conftest import login
from tests.public.conftest import ANONYMOUS, PNG, counts, post_form, submit_ok

SLIP = {
    "kanal": "kotak_saran",
    "tanggal_penerimaan": "2026-11-20",
    "nomor_referensi": "KS-11/2026",
    "jenis": "keluhan",
    "layanan": "pelayanan_umum",
    "judul": "Slip kotak saran: antrean loket KK",
    "uraian": "Slip tanpa nama: antrean loket KK terlalu lama dan nomor antrean habis pukul 09.00.",
    "tanpa_identitas": "true",
}
RECOVERED = "Permintaan Anda sudah kami terima."


def _register(app: Flask, data: dict[str, str]) -> tuple[FlaskClient, str]:
    officer = app.test_client()
    login(officer, "petugas")
    response = post_form(officer, "/registrasi", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return officer, officer.get(response.headers["Location"]).get_data(as_text=True)


def test_an_unsigned_slip_is_registered_without_name_or_contact(
    portal: Flask, app: Flask, demo_users: list[str]
) -> None:
    _officer, page = _register(app, SLIP)
    tracking = re.search(r'id="nomor-pelacakan">([^<]+)<', page)
    assert tracking and 'id="kode-akses"' in page
    # The printable receipt: codes, the QR code, how and when it came in; a print button.
    assert "Tanda terima pengaduan" in page and "<svg" in page and "data-print" in page
    assert "Kotak saran/pengaduan" in page and "KS-11/2026" in page and "20 November 2026" in page
    # No address on record: the receipt does not promise a recovery that cannot happen.
    assert "tidak ada surel yang tercatat" in page and "Lupa kode akses" not in page
    with portal.app_context():
        case = get_session().scalars(select(Case)).one()
        assert case.summary_channel == "kotak_saran" and identity_of(case.id) == {}
        assert get_session().get(Complainant, case.id) is not None


def test_a_signed_letter_still_needs_a_name_and_a_contact(
    portal: Flask, app: Flask, demo_users: list[str]
) -> None:
    officer = app.test_client()
    login(officer, "petugas")
    response = post_form(officer, "/registrasi", {**SLIP, "tanpa_identitas": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nama pelapor: Wajib diisi." in page and "Isi salah satu" in page
    assert counts(portal)["Case"] == 0


def test_the_registration_form_speaks_as_the_officer(
    portal: Flask, app: Flask, demo_users: list[str]
) -> None:
    officer = app.test_client()
    login(officer, "petugas")
    page = officer.get("/registrasi").get_data(as_text=True)
    assert "Tanggal diterima" in page and "Nomor surat/LAPOR!" in page
    assert "Pengaduan tanpa identitas" in page and "Nama pelapor" in page
    assert "data kependudukan pelapor sendiri" in page
    assert "saya sendiri" not in page and "Ringkasan singkat pengaduan Anda" not in page


def test_a_received_date_in_the_future_is_refused(
    portal: Flask, app: Flask, demo_users: list[str]
) -> None:
    officer = app.test_client()
    login(officer, "petugas")
    response = post_form(officer, "/registrasi", {**SLIP, "tanggal_penerimaan": "2099-01-01"})
    assert response.status_code == 422
    assert "Tanggal diterima: Tanggal tidak boleh setelah hari ini." in response.get_data(True)


def test_the_public_form_has_sections_and_none_of_the_officers_fields(
    portal: Flask, client: FlaskClient
) -> None:
    page = client.get("/pengaduan/baru").get_data(as_text=True)
    legends = re.findall(r'<fieldset class="form-section">\s*<legend>([^<]+)</legend>', page)
    assert legends == ["Pengaduan", "Identitas dan kontak", "Kerahasiaan"]
    for officer_field in ("tanggal_penerimaan", "nomor_referensi", "tanpa_identitas", "kanal"):
        assert f'name="{officer_field}"' not in page
    # The public must still give a name and a contact; the limits are stated.
    assert re.search(r'<label for="f-nama">Nama lengkap <abbr', page)
    assert "masing-masing paling besar 5 MB" in page and "5.000 karakter" in page
    assert 'data-unsaved-warning' in page and "forms.js" in page
    sneaky = post_form(client, "/pengaduan/baru", {**ANONYMOUS, "nama": "", "telepon": "",
                                                    "email": "", "tanpa_identitas": "true"})
    assert sneaky.status_code == 422 and "Nama lengkap: Wajib diisi." in sneaky.get_data(True)


def test_a_lost_code_is_replaced_through_the_address_on_record(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    sent = submit_ok(client)
    stranger = app.test_client()
    page = post_form(stranger, "/lacak/lupa-kode",
                     {"nomor": sent.tracking.lower(), "kontak": "0812-9988-7766"})
    assert page.status_code == 200 and RECOVERED in page.get_data(as_text=True)
    assert sent.code not in page.get_data(as_text=True)
    with portal.app_context():
        [mail] = [m for m in get_session().scalars(select(Outbox))
                  if m.kind == "access_code"]
        assert mail.to == "pelapor" and mail.sensitive
        new_code = re.search(r"Kode akses: (\S+)", mail.body)
    assert new_code and new_code.group(1) != sent.code
    # The old code no longer opens the case; the new one does.
    old = post_form(app.test_client(), "/lacak", {"nomor": sent.tracking, "kode": sent.code})
    assert old.status_code == 200
    new = post_form(app.test_client(), "/lacak", {"nomor": sent.tracking,
                                                  "kode": new_code.group(1)})
    assert new.status_code == 302


def test_recovery_never_tells_whether_a_case_exists(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    sent = submit_ok(client)
    answers = []
    for tracking, contact in [(sent.tracking, "orang.lain@example.com"),
                              ("ADU-2026-999999", ANONYMOUS["email"]),
                              (sent.tracking, ANONYMOUS["email"])]:
        page = post_form(app.test_client(), "/lacak/lupa-kode",
                         {"nomor": tracking, "kontak": contact}).get_data(as_text=True)
        answers.append(re.sub(r'value="[^"]*"', "", page).replace(tracking, "NOMOR"))
    assert answers[0] == answers[1] == answers[2] and RECOVERED in answers[0]
    with portal.app_context():
        sent_codes = [m for m in get_session().scalars(select(Outbox)) if m.kind == "access_code"]
    assert len(sent_codes) == 1  # only the matching contact got one


def test_a_complaint_without_an_address_gets_no_code_by_mail(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    sent = submit_ok(client, {**ANONYMOUS, "email": ""})
    page = post_form(app.test_client(), "/lacak/lupa-kode",
                     {"nomor": sent.tracking, "kontak": ANONYMOUS["telepon"]})
    assert RECOVERED in page.get_data(as_text=True)
    with portal.app_context():
        assert not [m for m in get_session().scalars(select(Outbox)) if m.kind == "access_code"]


def test_the_lookup_page_links_to_recovery(portal: Flask, client: FlaskClient) -> None:
    page = client.get("/lacak").get_data(as_text=True)
    assert 'href="/lacak/lupa-kode' in page and "Lupa kode akses?" in page


def test_the_public_form_states_the_file_limit_on_the_input(portal: Flask, client: FlaskClient
                                                            ) -> None:
    page = client.get("/pengaduan/baru").get_data(as_text=True)
    assert 'data-max-bytes="5242880" data-max-label="5 MB"' in page
    assert len(PNG) < 1024


def test_recovery_is_rate_limited(limited: Flask) -> None:
    client = limited.test_client()
    guess = {"nomor": "ADU-2026-000001", "kontak": "a@example.com"}
    statuses = [post_form(client, "/lacak/lupa-kode", guess).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_staff_task_pages_warn_about_unsaved_changes_too(
    portal: Flask, client: FlaskClient, app: Flask, demo_users: list[str]
) -> None:
    submit_ok(client)
    officer = app.test_client()
    login(officer, "petugas")
    with portal.app_context():
        from app.cases.models import HumanTask

        task = get_session().scalars(select(HumanTask)).one()
    page = officer.get(f"/tugas/{task.id}").get_data(as_text=True)
    form = re.search(r'<form [^>]*class="task-form"[^>]*>', page)
    assert form and "data-unsaved-warning" in form.group(0) and "forms.js" in page
