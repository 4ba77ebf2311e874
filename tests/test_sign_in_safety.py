"""Sign-in under attack: no open redirect, sign-out ends copied cookies, passwords, throttling."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.auth import service, sessions
from app.auth.passwords import common_passwords
from app.auth.service import ensure_demo_users
from app.cli import upgrade_database
from app.db import utcnow
from app.processes.service import deploy_file
from tests.conftest import csrf_token_from, login
from tests.support import ROOT, make_test_app, postgres_schema_url

NEXT_INPUT = re.compile(r'name="next"[^>]*value="([^"]*)"')
WRONG = "Nama pengguna atau kata sandi salah."
LOCKED = "Terlalu banyak percobaan masuk yang gagal untuk akun ini."
COMMON = "Kata sandi ini terlalu umum dan mudah ditebak."


def _login_from(client: FlaskClient, next_target: str, username: str = "petugas") -> str:
    """Open /masuk?next=NEXT_TARGET, sign in with the form as rendered; the redirect target."""
    page = client.get("/masuk?next=" + quote(next_target, safe="")).get_data(as_text=True)
    match = NEXT_INPUT.search(page)
    carried = html.unescape(match.group(1)) if match else ""
    response = client.post("/masuk", data={
        "csrf_token": csrf_token_from(page), "username": username, "password": "demo12345",
        "next": carried})
    assert response.status_code == 302
    return response.headers["Location"]


def copy_session(source: FlaskClient, target: FlaskClient) -> None:
    """Give TARGET the session cookie of SOURCE (what a thief with the cookie can do)."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def _logout(client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    assert client.post("/keluar", data={"csrf_token": token}).status_code == 302


# --- open redirect -------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example",
    "\\/evil.example", "https://evil.example/", "http:/evil.example", " /evil.example",
    "/tugas\x00", "javascript:alert(1)", "evil.example",
])
def test_sign_in_never_redirects_to_another_site(
    client: FlaskClient, demo_users: list[str], target: str
) -> None:
    assert _login_from(client, target) == "/tugas"  # the user's own home page instead


def test_sign_in_returns_to_the_page_that_asked_for_it(
    client: FlaskClient, demo_users: list[str]
) -> None:
    asked = client.get("/admin/pengguna?urut=nama").headers["Location"]
    assert asked.startswith("/masuk?next=")
    assert _login_from(client, "/admin/pengguna?urut=nama", "admin") == "/admin/pengguna?urut=nama"


# --- staff sessions end server-side --------------------------------------------------------------

def test_a_copied_staff_cookie_stops_working_after_sign_out(
    app: Flask, demo_users: list[str]
) -> None:
    officer, thief = app.test_client(), app.test_client()
    login(officer, "petugas")
    copy_session(officer, thief)
    assert thief.get("/tugas").status_code == 200  # the copy works while the session lives
    _logout(officer)
    response = thief.get("/tugas")
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")


def test_signing_out_ends_the_users_sessions_on_every_device(
    app: Flask, demo_users: list[str]
) -> None:
    desk, phone, colleague = app.test_client(), app.test_client(), app.test_client()
    login(desk, "petugas")
    login(phone, "petugas")
    login(colleague, "tim")
    _logout(desk)
    assert phone.get("/tugas").status_code == 302
    assert colleague.get("/tugas").status_code == 200  # another user's session is untouched


def test_a_new_password_ends_the_users_other_sessions(app: Flask, demo_users: list[str]) -> None:
    officer, admin = app.test_client(), app.test_client()
    login(officer, "petugas")
    login(admin, "admin")
    with app.app_context():
        user = service.get_user_by_username("petugas")
        assert user is not None
        user_id = user.id
    page = admin.get(f"/admin/pengguna/{user_id}").get_data(as_text=True)
    response = admin.post(f"/admin/pengguna/{user_id}", data={
        "csrf_token": csrf_token_from(page), "full_name": "Siti Rahmawati",
        "email": "petugas@example.go.id", "is_active": "y", "new_password": "lada hitam 2 sendok"})
    assert response.status_code == 302
    assert officer.get("/tugas").status_code == 302
    assert login(officer, "petugas", "lada hitam 2 sendok").status_code == 302
    assert admin.get("/admin/pengguna").status_code == 200  # the admin stays signed in


def test_an_administrator_who_changes_their_own_password_stays_signed_in(
    app: Flask, demo_users: list[str]
) -> None:
    admin, other_device = app.test_client(), app.test_client()
    login(admin, "admin")
    login(other_device, "admin")
    with app.app_context():
        user = service.get_user_by_username("admin")
        assert user is not None
        user_id = user.id
    page = admin.get(f"/admin/pengguna/{user_id}").get_data(as_text=True)
    admin.post(f"/admin/pengguna/{user_id}", data={
        "csrf_token": csrf_token_from(page), "full_name": "Administrator Sistem",
        "email": "admin@example.go.id", "is_active": "y", "new_password": "teh manis tanpa gula"})
    assert admin.get("/admin/pengguna").status_code == 200
    assert other_device.get("/admin/pengguna").status_code == 302


# --- passwords -----------------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "12345678", "password", "qwerty123", "iloveyou", "sayang123", "indonesia", "bismillah",
    "Bismillah123", "P@ssw0rd", "disdukcapil123",
])
def test_common_passwords_are_refused_in_indonesian(app: Flask, password: str) -> None:
    with app.app_context(), pytest.raises(service.AuthValidationError, match=COMMON):
        service.create_user("baru", "Pegawai Baru", password)


def test_admin_sees_why_12345678_is_refused(
    app: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    login(client, "admin")
    token = csrf_token_from(client.get("/admin/pengguna/baru").get_data(as_text=True))
    response = client.post("/admin/pengguna/baru", data={
        "csrf_token": token, "username": "baru", "full_name": "Pegawai Baru",
        "password": "12345678"})
    assert response.status_code == 422
    assert COMMON in response.get_data(as_text=True)
    with app.app_context():
        assert service.get_user_by_username("baru") is None


def test_a_long_uncommon_passphrase_needs_no_symbols_or_digits(app: Flask) -> None:
    with app.app_context():
        user = service.create_user("baru", "Pegawai Baru", "kopi pagi di muara beliti")
        assert service.authenticate("baru", "kopi pagi di muara beliti") == user


def test_short_passwords_and_the_username_itself_are_refused(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(service.AuthValidationError, match="minimal 8 karakter"):
            service.create_user("baru", "Pegawai Baru", "Kp9!x")
        with pytest.raises(service.AuthValidationError, match="nama pengguna"):
            service.create_user("rudihartono", "Rudi", "rudihartono-dukcapil")


def test_the_shipped_list_is_large() -> None:
    words = common_passwords()
    assert len(words) > 10_000
    assert all(len(word) >= 8 for word in words)


# --- per-account throttle ------------------------------------------------------------------------

def test_many_failures_lock_the_account_even_from_many_addresses(
    client: FlaskClient, demo_users: list[str]
) -> None:
    for i in range(10):
        page = client.get("/masuk").get_data(as_text=True)
        response = client.post("/masuk", data={
            "csrf_token": csrf_token_from(page), "username": "petugas", "password": f"tebak{i}xx"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"})
        assert WRONG in response.get_data(as_text=True)
    locked = login(client, "petugas")  # even the right password waits
    assert locked.status_code == 429
    assert LOCKED in locked.get_data(as_text=True)
    assert client.get("/tugas").status_code == 302
    assert login(client, "tim").status_code == 302  # other accounts are not affected


def test_the_lock_ends_after_the_window(client: FlaskClient, demo_users: list[str]) -> None:
    start = utcnow()
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            login(client, "petugas", "salah-salah")
        assert login(client, "petugas").status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert login(client, "petugas").status_code == 302


def test_unknown_usernames_lock_the_same_way(client: FlaskClient, demo_users: list[str]) -> None:
    for _ in range(10):
        assert WRONG in login(client, "tidakada", "salah-salah").get_data(as_text=True)
    assert LOCKED in login(client, "tidakada", "salah-salah").get_data(as_text=True)


def test_a_success_forgets_earlier_failures(client: FlaskClient, demo_users: list[str]) -> None:
    for _ in range(9):
        login(client, "petugas", "salah-salah")
    assert login(client, "petugas").status_code == 302
    _logout(client)
    for _ in range(9):
        login(client, "petugas", "salah-salah")
    assert login(client, "petugas").status_code == 302


# --- the same records on PostgreSQL --------------------------------------------------------------

@pytest.mark.postgres
def test_sign_out_lock_and_one_time_codes_hold_on_postgresql(tmp_path: Path) -> None:
    with postgres_schema_url() as url:
        app = make_test_app(tmp_path, DATABASE_URL=url)
        with app.app_context():
            upgrade_database()
            deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")  # lanes are roles
            ensure_demo_users()
        desk, phone = app.test_client(), app.test_client()
        login(desk, "petugas")
        copy_session(desk, phone)
        _logout(desk)
        assert phone.get("/tugas").status_code == 302
        for _ in range(10):
            login(desk, "tim", "salah-salah")
        assert login(desk, "tim").status_code == 429
        with app.app_context():
            handle = sessions.hold_once({"code": "ABCD-EFGH"})
            assert sessions.take_once(handle) == {"code": "ABCD-EFGH"}
            assert sessions.take_once(handle) is None
            token = sessions.grant_case("ADU-2026-000001")
            assert sessions.case_granted(token, "ADU-2026-000001")
            sessions.revoke_grants([token])
            assert not sessions.case_granted(token, "ADU-2026-000001")
        app.extensions["db_engine"].dispose()
