"""The identity at rest: encrypted, authenticated, rotatable, findable by keyed hash only."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.cases import identity
from app.cases.events import PUBLIC
from app.cases.identity import IdentityKeyMissing, find_case_ids, identity_of
from app.cases.models import Complainant
from app.cases.service import submit_case
from app.cli import upgrade_database
from app.db import get_session
from app.processes.service import deploy_file
from tests.conftest import login
from tests.public.conftest import (
    ANONYMOUS,
    PNG,
    Actor,
    post_form,
    ready,
    staff_step,
    submit_ok,
)
from tests.support import (
    ASK_DATA,
    DELIVER,
    FORWARD,
    OFFICER,
    ROOT,
    START_DATA,
    TEAM,
    make_test_app,
)

# What must never be readable in the database file or the logs of an anonymous complaint.
CLEAR_TEXT = (
    ANONYMOUS["nik"],
    ANONYMOUS["no_kk"],
    ANONYMOUS["telepon"],
    "62" + ANONYMOUS["telepon"][1:],  # the phone number normalised
    ANONYMOUS["email"],
    ANONYMOUS["nama"],
    ANONYMOUS["alamat"],
)


def _database_bytes(app: Flask) -> bytes:
    """The SQLite database file and any journal beside it, as stored on disk."""
    app.extensions["db_engine"].dispose()
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_a_full_journey_leaves_no_anonymous_identity_in_the_database_file_or_the_logs(
        portal: Flask, client: FlaskClient, app: Flask, demo_users: list[str],
        staff_id: object, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sent = submit_ok(client, {**ANONYMOUS, "kirim_kode_surel": "true"},
                     files=[(PNG, "bukti.png")])
    officer = app.test_client()
    login(officer, "petugas")
    [verify] = [t.id for t in ready(portal, sent.tracking)]
    page = officer.get(f"/tugas/{verify}").get_data(as_text=True)
    assert ANONYMOUS["nik"] in page  # the desk officer reads it, decrypted
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", ASK_DATA, OFFICER)
    [task] = [t.id for t in ready(portal, sent.tracking) if t.bpmn_id == "lengkapi_data"]
    # The complainant writes their NIK and phone into the reply and marks it personal.
    reply = f"NIK saya {ANONYMOUS['nik']}, hubungi {ANONYMOUS['telepon']} bila perlu."
    post_form(client, f"/lacak/{sent.tracking}/tugas/{task}",
              {"data_tambahan": reply, "berisi_data_pribadi": "true",
               "lampiran": [(PNG, "bukti-kedua.png")]})
    [verify] = [t.id for t in ready(portal, sent.tracking)]
    assert reply in officer.get(f"/tugas/{verify}").get_data(as_text=True)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    tim = Actor("user", staff_id("tim"), TEAM.role)  # type: ignore[operator]
    staff_step(portal, sent.tracking, "telaah_pengaduan",
               {"hasil_telaah": "Blangko tersedia.", "perlu_koordinasi": False}, tim)
    staff_step(portal, sent.tracking, "susun_jawaban",
               {"jawaban": "KTP-el Anda sudah dicetak, silakan diambil."}, tim)
    staff_step(portal, sent.tracking, "sampaikan_jawaban", DELIVER, OFFICER)
    [confirm] = [t.id for t in ready(portal, sent.tracking)]
    post_form(client, f"/lacak/{sent.tracking}/tugas/{confirm}",
              {"sesuai_harapan": "true", "nilai_kepuasan": "4"})
    assert not ready(portal, sent.tracking)  # the journey is over

    stored = _database_bytes(app)
    assert len(stored) > 10_000
    for secret in CLEAR_TEXT:
        assert secret.encode() not in stored, secret
    for secret in CLEAR_TEXT:
        assert secret not in caplog.text, secret


def _keyed_app(folder: Path, keys: list[str], hmac_key: str) -> Flask:
    return make_test_app(folder, IDENTITY_KEYS=",".join(keys), IDENTITY_HMAC_KEY=hmac_key)


def test_rotation_re_encrypts_with_the_newest_key_and_lookups_still_find(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    hmac_key = "a-separate-lookup-key-for-this-test"
    first = _keyed_app(tmp_path, [old], hmac_key)
    with first.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        case_id = submit_case(dict(START_DATA), PUBLIC).case.id
        sealed_before = get_session().get(Complainant, case_id).sealed  # type: ignore[union-attr]
    first.extensions["db_engine"].dispose()

    both = _keyed_app(tmp_path, [new, old], hmac_key)
    with both.app_context():
        assert identity_of(case_id)["nama"] == START_DATA["nama"]  # old rows still readable
    result = both.test_cli_runner().invoke(args=["identity", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 identitas dienkripsi ulang" in result.output
    both.extensions["db_engine"].dispose()

    only_new = _keyed_app(tmp_path, [new], hmac_key)
    with only_new.app_context():
        row = get_session().get(Complainant, case_id)
        assert row is not None and row.sealed != sealed_before
        assert identity_of(case_id)["nik"] == START_DATA["nik"]
        assert find_case_ids("0812-3456-7890") == [case_id]  # phone, written differently
        assert find_case_ids("+6281234567890") == [case_id]
        assert find_case_ids(START_DATA["nik"]) == [case_id]
    only_new.extensions["db_engine"].dispose()

    only_old = _keyed_app(tmp_path, [old], hmac_key)
    with only_old.app_context(), pytest.raises(InvalidToken):
        identity_of(case_id)
    only_old.extensions["db_engine"].dispose()


def test_an_altered_identity_row_is_refused_not_misread(portal: Flask) -> None:
    with portal.app_context():
        case_id = submit_case(dict(START_DATA), PUBLIC).case.id
        session = get_session()
        row = session.scalars(select(Complainant)).one()
        token = bytearray(row.sealed.encode())
        token[40] = ord("A") if token[40] != ord("A") else ord("B")
        row.sealed = token.decode()
        session.commit()
        with pytest.raises(InvalidToken):
            identity_of(case_id)


def test_production_refuses_to_start_without_an_identity_key(tmp_path: Path) -> None:
    with pytest.raises(IdentityKeyMissing, match="Set IDENTITY_KEYS"):
        create_app("production", {"SECRET_KEY": "kJ8s-2vQz_pL0wXe9TnR4yB7uHc1mAg5dFi3oKs6",
                                  "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"})


def test_production_starts_with_its_keys(tmp_path: Path) -> None:
    app = create_app("production", {
        "SECRET_KEY": "kJ8s-2vQz_pL0wXe9TnR4yB7uHc1mAg5dFi3oKs6",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}",
        "IDENTITY_KEYS": Fernet.generate_key().decode(), "IDENTITY_HMAC_KEY": "lookup-key"})
    assert "identity" in app.extensions
    app.extensions["db_engine"].dispose()


def test_development_keeps_one_local_key_file_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / identity.KEY_FILE
    first = identity._local_keys(path, [], "")
    assert identity._local_keys(path, [], "") == first  # created once, then reused
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_identity_field_of_a_form_is_kept_even_one_the_code_never_heard_of(
        portal: Flask) -> None:
    schema = {"properties": {
        "nama": {"type": "string", "x-identitas": True},
        "nama_ibu_kandung": {"type": "string", "x-identitas": True},
        "nik": {"type": "string", "x-identitas": "nik"},
    }}
    with portal.app_context():
        case_id = submit_case(dict(START_DATA), PUBLIC).case.id
        session = get_session()
        session.delete(session.get(Complainant, case_id))
        session.flush()
        identity.store_identity(session, case_id, schema,
                                {"nama": "Siti", "nama_ibu_kandung": "Aminah Binti Umar",
                                 "nik": "1605011201900001"})
        session.commit()
        assert identity_of(case_id)["nama_ibu_kandung"] == "Aminah Binti Umar"
        assert find_case_ids("1605011201900001") == [case_id]


def test_the_migration_encrypts_identities_stored_before_it(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from app.cli import alembic_config

    app = make_test_app(tmp_path)
    url = app.config["DATABASE_URL"]
    with app.app_context():
        command.upgrade(alembic_config(url), "0002")
        session = get_session()
        now = "2026-11-30 02:00:00"
        session.execute(text(
            "INSERT INTO process_versions (id, process_id, version, name, bpmn_xml, forms_json, "
            "content_hash, deployed_at, deployed_by, note) VALUES "
            "(1, 'pengaduan', 1, 'p', x'00', '{}', 'h', :now, 's', '')"), {"now": now})
        session.execute(text(
            "INSERT INTO cases (id, tracking_code, access_code_hash, process_version_id, "
            "state_json, version, status, subject, anonim, rahasia, received_at, sla_breached, "
            "updated_at) VALUES (7, 'ADU-2026-000007', 'x', 1, '{}', 1, 'berjalan', 's', 1, 0, "
            ":now, 0, :now)"), {"now": now})
        session.execute(text(
            "INSERT INTO complainants (case_id, nama, nik, telepon, email) VALUES "
            "(7, 'Siti Lama', '1605011201900001', '081234567890', 'lama@example.com')"))
        session.execute(text(
            "INSERT INTO human_tasks (id, case_id, bpmn_id, name, lane, status, created_at, "
            "tracking_code, subject, received_at) VALUES "
            "('t-public', 7, 'b', 'n', 'Pelanggan', 'completed', :now, 'ADU-2026-000007', 's', "
            ":now), ('t-staff', 7, 'b', 'n', 'Tim Penanganan Pengaduan', 'completed', :now, "
            "'ADU-2026-000007', 's', :now)"), {"now": now})
        for name, task in (("ktp", None), ("kk", "t-public"), ("memo", "t-staff")):
            session.execute(text(
                "INSERT INTO attachments (id, case_id, task_id, original_name, stored_name, "
                "content_type, size, sha256, uploaded_at, uploaded_by) VALUES "
                "(:id, 7, :task, :id, :id, 'image/png', 1, 'h', :now, 'x')"),
                {"id": name, "task": task, "now": now})
        session.commit()
        upgrade_database()
        session = get_session()
        assert identity_of(7) == {"nama": "Siti Lama", "nik": "1605011201900001",
                                  "telepon": "081234567890", "email": "lama@example.com"}
        # The lookup digests were built (the case is anonymous: a search never returns it).
        digest = identity.lookup_digest("email", "lama@example.com")
        assert session.execute(text("SELECT case_id FROM identity_lookups WHERE digest = :d"),
                               {"d": digest}).scalars().all() == [7]
        assert find_case_ids("lama@example.com") == []
        assert identity.contact_email(7) == "lama@example.com"
        sides = dict(session.execute(text("SELECT id, supplied_by FROM attachments")).all())
        assert sides == {"ktp": "public", "kk": "public", "memo": "staff"}
    app.extensions["db_engine"].dispose()
    assert b"lama@example.com" not in Path(url.removeprefix("sqlite:///")).read_bytes()
