"""The desk officer registers complaints received by other channels; the codes are shown once."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from app.cases.identity import identity_of
from app.cases.models import Case, CaseEvent, Complainant
from app.db import get_session
from tests.conftest import login
from tests.public.conftest import counts, post_form

LETTER = {
    "kanal": "surat",
    "jenis": "pengaduan",
    "layanan": "akta_kelahiran",
    "judul": "Surat pengaduan akta kelahiran",
    "uraian": "Surat tertanggal 1 Desember: akta kelahiran anak belum terbit sejak September.",
    "nama": "Pak Darmawan",
    "telepon": "081311112222",
    "alamat": "Desa Air Beliti",
}


def test_an_officer_registers_a_letter_and_sees_the_codes_once(
    portal: Flask, app: Flask, demo_users: list[str]
) -> None:
    officer = app.test_client()
    login(officer, "petugas")
    form = officer.get("/registrasi").get_data(as_text=True)
    assert 'name="kanal"' in form and "Surat" in form
    response = post_form(officer, "/registrasi", LETTER)
    assert response.status_code == 302
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    tracking = re.search(r'id="nomor-pelacakan">([^<]+)<', page)
    code = re.search(r'id="kode-akses">([^<]+)<', page)
    assert tracking and code and "Berikan nomor pelacakan dan kode akses" in page
    assert code.group(1) not in officer.get("/registrasi/terdaftar").get_data(as_text=True)
    with portal.app_context():
        session = get_session()
        case = session.scalars(select(Case)).one()
        assert (case.summary_channel, case.tracking_code) == ("surat", tracking.group(1))
        assert session.get(Complainant, case.id) is not None
        assert identity_of(case.id)["telepon"] == "081311112222"
        first = session.scalars(select(CaseEvent).order_by(CaseEvent.seq)).first()
        assert first is not None and first.actor.startswith("user:")
    # The complainant opens the case with the code the officer handed over.
    complainant = app.test_client()
    opened = complainant.get(f"/lacak/{tracking.group(1)}?kode={code.group(1)}")
    assert opened.status_code == 302
    assert "melalui surat" in complainant.get(opened.headers["Location"]).get_data(as_text=True)


def test_registration_needs_the_channel(portal: Flask, app: Flask, demo_users: list[str]) -> None:
    officer = app.test_client()
    login(officer, "petugas")
    response = post_form(officer, "/registrasi", {**LETTER, "kanal": ""})
    assert response.status_code == 422
    assert "Kanal pengaduan: Wajib diisi." in response.get_data(as_text=True)
    assert counts(portal)["Case"] == 0


def test_only_desk_officers_may_register(portal: Flask, app: Flask, demo_users: list[str]) -> None:
    team = app.test_client()
    login(team, "tim")
    assert team.get("/registrasi").status_code == 403
    assert app.test_client().get("/registrasi").status_code == 302  # to the sign-in page
