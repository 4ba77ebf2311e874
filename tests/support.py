"""Helpers shared by tests: databases (SQLite and PostgreSQL), schema creation, the real diagram."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from app import create_app
from app.cases.events import Actor

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_available() -> str | None:
    """None when the test PostgreSQL server answers, else the reason it does not."""
    try:
        engine = create_engine("postgresql+psycopg://" + POSTGRES_URL.split("://", 1)[1])
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


def require_postgres() -> None:
    """Skip (on a user's machine) or fail (in CI) when PostgreSQL cannot be reached."""
    reason = postgres_available()
    if reason is None:
        return
    message = f"PostgreSQL at {POSTGRES_URL} is not reachable ({reason})"
    if IN_CI:
        pytest.fail(message + ": CI must run the PostgreSQL tests")
    pytest.skip(message + "; set TEST_POSTGRES_URL to run these tests")


def make_test_app(folder: Path, **overrides: Any) -> Flask:
    """The app for tests: SQLite in FOLDER, the real process/ and forms/, fast password hashes."""
    config: dict[str, Any] = {
        "DATABASE_URL": f"sqlite:///{folder / 'app.sqlite'}",
        "PROCESS_DIR": str(ROOT / "process"),
        "FORMS_DIR": str(ROOT / "forms"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "NODE_MODULES_DIR": str(ROOT / "node_modules"),
        # Fast hashes: scrypt's cost is for attackers, not for the test suite.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    return create_app("test", config)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A database URL whose search_path is a fresh schema, dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine("postgresql+psycopg://" + POSTGRES_URL.split("://", 1)[1])
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# -- the data each form of the real diagram accepts, shared by every test that moves a case --

OFFICER = Actor("user", 1, "Petugas Pengelola Layanan Pengaduan")
TEAM = Actor("user", 2, "Tim Penanganan Pengaduan")
TECHNICAL = Actor("user", 3, "Bidang Teknis")

START_DATA: dict[str, Any] = {
    "kanal": "online",
    "jenis": "keluhan",
    "layanan": "ktp_el",
    "judul": "KTP-el belum jadi setelah tiga bulan",
    "uraian": "Saya merekam KTP-el pada bulan Agustus dan sampai sekarang belum dicetak.",
    "nama": "Siti Aminah",
    "telepon": "081234567890",
    "menyangkut_data_sendiri": True,
    "nik": "1605011201900001",
    "no_kk": "1605010101090001",
    "anonim": False,
    "rahasia": False,
}
FORWARD = {"kelengkapan_data": "lengkap", "wewenang": True, "keputusan_verifikasi": "teruskan"}
ASK_DATA = {
    "keputusan_verifikasi": "minta_data",
    "data_yang_diminta": "Mohon kirim foto bukti perekaman KTP-el.",
}
STUDY_ALONE = {"hasil_telaah": "Blangko tersedia; pencetakan tertunda.", "perlu_koordinasi": False}
STUDY_WITH_PCS = {
    "hasil_telaah": "Perlu pengecekan data akta.",
    "perlu_koordinasi": True,
    "bidang_teknis": "pcs",
    "permintaan_koordinasi": "Mohon cek data akta kelahiran pemohon.",
}
ANSWER = {"jawaban": "KTP-el Anda sudah dicetak dan dapat diambil di kantor Disdukcapil."}
# A past day: the delivery date may not be in the future (x-bukan-masa-depan).
DELIVER = {"cara_penyampaian": "portal", "tanggal_penyampaian": "2026-11-20"}
ACCEPT = {"sesuai_harapan": True, "nilai_kepuasan": 4, "komentar": "Terima kasih."}
REJECT = {"sesuai_harapan": False, "alasan_tidak_sesuai": "Di kantor KTP-el saya belum ada."}


def run_together(target: Callable[[threading.Barrier], None], count: int = 2,
                 timeout: float = 120) -> None:
    """Run TARGET in COUNT threads that start together (each waits on the barrier it is given)."""
    start = threading.Barrier(count)
    threads = [threading.Thread(target=target, args=(start,)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
