"""The English catalog: complete, current with the code, compiled, and used by the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from app.cases import service
from app.cases.events import PUBLIC
from app.processes.service import deploy_file
from tests.conftest import csrf_token_from, login
from tests.support import ROOT, START_DATA

TRANSLATIONS = ROOT / "app" / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _strings(message: Message) -> tuple[str, ...]:
    string = message.string
    return tuple(string) if isinstance(string, (list, tuple)) else (string,)


def _key(message: Message) -> str | tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id


# --- the catalog -----------------------------------------------------------------------------


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    catalog = _read_po(EN_PO)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 300
    untranslated = [m.id for m in messages if not all(s.strip() for s in _strings(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_translations_keep_the_placeholders() -> None:
    catalog = _read_po(EN_PO)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def test_the_compiled_catalog_matches_the_po_file() -> None:
    with EN_PO.open("rb") as f:
        po = {_key(m): _strings(m) for m in read_po(f) if m.id}
    with EN_MO.open("rb") as f:
        mo = {_key(m): _strings(m) for m in read_mo(f) if m.id}
    assert mo == po, "messages.mo is stale: run pybabel compile -d app/translations"


def test_the_catalog_holds_every_text_the_code_marks(tmp_path: Path) -> None:
    """Extract with the project's babel.cfg (as babel.cfg documents); nothing may be missing."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(BABEL_CFG),
            "-k",
            "_l",
            "-o",
            str(pot),
            str(ROOT / "app"),
        ]
    )
    extracted = {m.id for m in _read_po(pot) if m.id}
    translated = {m.id for m in _read_po(EN_PO) if m.id}
    assert len(extracted) > 300
    missing = sorted(map(str, extracted - translated))
    assert missing == [], "run pybabel extract/update (see babel.cfg) and translate these"


# --- pages in English ------------------------------------------------------------------------


@pytest.fixture
def deployed(app: Flask, demo_users: list[str]) -> Flask:
    """The app with the demo staff and the real diagram deployed."""
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    return app


def english(client: FlaskClient, url: str) -> str:
    """URL in English (?lang=en), as text; it must answer 200."""
    sep = "&" if "?" in url else "?"
    response = client.get(f"{url}{sep}lang=en")
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def assert_english(page: str, english_texts: list[str], indonesian_texts: list[str]) -> None:
    for text in english_texts:
        assert text in page
    for text in indonesian_texts:
        assert text not in page


def test_front_page_in_english(client: FlaskClient) -> None:
    page = english(client, "/")
    assert '<html lang="en">' in page
    assert_english(
        page,
        [
            "Complaint Service",
            "Submit a complaint",
            "Track a complaint",
            "Skip to main content",
            "Staff sign-in",
            "How complaints are handled",
        ],
        [
            "Ajukan pengaduan",
            "Lacak pengaduan",
            "Langsung ke isi halaman",
            "Masuk petugas",
            "Alur penanganan",
        ],
    )


def test_the_language_choice_is_kept_and_indonesian_stays_the_default(
    client: FlaskClient,
) -> None:
    assert "Ajukan pengaduan" in client.get("/").get_data(as_text=True)
    english(client, "/")
    assert "Staff sign-in" in client.get("/masuk").get_data(as_text=True)
    assert "Ajukan pengaduan" in client.get("/?lang=id").get_data(as_text=True)


def test_sign_in_page_in_english(client: FlaskClient) -> None:
    assert_english(
        english(client, "/masuk"),
        ["Staff sign-in", "Username", "Password", "This page is for Disdukcapil staff."],
        ["Masuk petugas", "Nama pengguna", "Kata sandi", "Halaman ini untuk petugas"],
    )


def test_lookup_page_in_english(client: FlaskClient) -> None:
    assert_english(
        english(client, "/lacak"),
        [
            "Track a complaint",
            "Tracking number",
            "Access code",
            "View complaint",
            "Lost your access code?",
        ],
        [
            "Lacak pengaduan",
            "Nomor pelacakan",
            "Kode akses",
            "Lihat pengaduan",
            "Kehilangan kode akses?",
        ],
    )


def test_wrong_codes_are_refused_in_english(client: FlaskClient) -> None:
    token = csrf_token_from(english(client, "/lacak"))
    page = client.post(
        "/lacak", data={"csrf_token": token, "nomor": "ADU-2026-999999", "kode": "ABCD-2345"}
    )
    assert_english(
        page.get_data(as_text=True),
        ["The tracking number or access code does not match."],
        ["tidak cocok"],
    )


def test_complaint_form_chrome_in_english(client: FlaskClient, deployed: Flask) -> None:
    # The form's own fields come from forms/*.json (the process owner's Indonesian content).
    assert_english(
        english(client, "/pengaduan/baru"),
        [
            "Your identity is safe",
            "Anonymous",
            "Confidential",
            "Send complaint",
            "Also send the tracking number and access code to my e-mail",
            "Leave this empty",
        ],
        ["Identitas Anda aman", "Kirim pengaduan", "Kirimkan juga nomor pelacakan", "Jangan diisi"],
    )


def test_tracking_page_in_english(client: FlaskClient, deployed: Flask) -> None:
    with deployed.app_context():
        submitted = service.submit_case(dict(START_DATA), PUBLIC)
        tracking, code = submitted.case.tracking_code, submitted.access_code
    english(client, "/")
    response = client.get(f"/lacak/{tracking}?kode={code}", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert_english(
        page,
        [
            "Complaint progress",
            "Answer due by",
            "History",
            "Complaint received via the online portal",
            "Your complaint",
            "Close this complaint on this device",
            " WIB",
        ],
        [
            "Perkembangan pengaduan",
            "Batas waktu jawaban",
            "Pengaduan diterima melalui",
            "Tutup pengaduan ini",
            " pukul ",
        ],
    )
    weekdays = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    assert any(day in page for day in weekdays)


def test_inbox_in_english(client: FlaskClient, deployed: Flask) -> None:
    with deployed.app_context():
        service.submit_case(dict(START_DATA), PUBLIC)
    login(client, "petugas")
    assert_english(
        english(client, "/tugas/antrean"),
        [
            "Task inbox",
            "My tasks",
            "Queue",
            "Filter and sort",
            "Tracking number",
            "Take",
            "Sign out",
        ],
        ["Kotak tugas", "Tugas saya", "Saring dan urutkan", "Nomor pelacakan", ">Keluar<"],
    )
    assert_english(
        english(client, "/tugas"),
        ["You hold no tasks. Take one from the queue."],
        ["Anda belum memegang tugas."],
    )
