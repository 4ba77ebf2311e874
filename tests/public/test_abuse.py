"""Abuse controls: rate limits on submission and look-ups (enabled here explicitly)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.cli import upgrade_database
from app.web import limiter
from tests.public.conftest import ANONYMOUS, counts, post_form, submit
from tests.support import make_test_app

TOO_MANY = "Terlalu banyak permintaan"


def test_a_flood_of_submissions_is_stopped_with_an_indonesian_message(limited: Flask) -> None:
    client = limited.test_client()
    statuses = [submit(client, ANONYMOUS).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    flood = submit(client, ANONYMOUS)
    assert flood.status_code == 429
    assert TOO_MANY in flood.get_data(as_text=True)
    assert counts(limited)["Case"] == 5
    # Reading the form is not limited.
    assert client.get("/pengaduan/baru").status_code == 200


def test_guessing_access_codes_is_stopped(limited: Flask) -> None:
    client = limited.test_client()
    guess = {"nomor": "ADU-2026-000001", "kode": "AAAA-BBBB"}
    statuses = [post_form(client, "/lacak", guess).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    # The code-in-link route shares the same budget.
    assert client.get("/lacak/ADU-2026-000001?kode=AAAA-BBBB").status_code == 429
    assert TOO_MANY in client.get("/lacak/ADU-2026-000001?kode=X").get_data(as_text=True)


def test_password_guessing_is_slowed_per_address(limited: Flask) -> None:
    client = limited.test_client()
    # A different username each time: the per-account lock never starts, the address limit does.
    statuses = [post_form(client, "/masuk", {"username": f"pengguna{i}", "password": "salah-salah"}
                          ).status_code for i in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    wrong = {"username": "petugas", "password": "salah-salah"}
    assert TOO_MANY in post_form(client, "/masuk", wrong).get_data(as_text=True)
    # Another address is not affected.
    other = limited.test_client()
    page = post_form(other, "/masuk", wrong, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert page.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in page.get_data(as_text=True)


def test_behind_a_proxy_each_client_address_has_its_own_budget(tmp_path: Path) -> None:
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                        PROXY_HOPS=1)
    with app.app_context():
        upgrade_database()
    limiter.reset()
    client = app.test_client()
    guess = {"nomor": "ADU-2026-000001", "kode": "AAAA-BBBB"}
    for _ in range(20):
        post_form(client, "/lacak", guess, headers={"X-Forwarded-For": "203.0.113.5"})
    blocked = post_form(client, "/lacak", guess, headers={"X-Forwarded-For": "203.0.113.5"})
    assert blocked.status_code == 429
    fresh = post_form(client, "/lacak", guess, headers={"X-Forwarded-For": "198.51.100.7"})
    assert fresh.status_code == 200
    limiter.reset()
    app.extensions["db_engine"].dispose()
