"""Configuration guards an operator relies on: no published key, strong keys, safe cookies."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from app import create_app
from app.auth.service import ensure_demo_users, get_user_by_username
from app.cli import upgrade_database
from app.processes.service import deploy_file
from tests.support import ROOT, make_test_app

# The development key the repository used to publish, and the old fixed test key.
PUBLISHED_KEYS = ("dev-only-change-me", "test")
STRONG_KEY = "kJ8s-2vQz_pL0wXe9TnR4yB7uHc1mAg5dFi3oKs6"


def _forged_admin_cookie(app: Flask, key: str) -> str:
    """A session cookie naming the administrator, signed with KEY (what an attacker can make)."""
    with app.app_context():
        admin = get_user_by_username("admin")
        assert admin is not None
        user_id = admin.get_id()
    forger = Flask("forger", instance_path=str(Path(app.instance_path) / "forger"))
    forger.secret_key = key
    signer = SecureCookieSessionInterface().get_signing_serializer(forger)
    assert signer is not None
    return str(signer.dumps({"_user_id": user_id, "_fresh": True}))


@pytest.mark.parametrize("key", [None, "", "a", "dev-only-change-me", "x" * 40, "ab" * 30])
def test_production_refuses_a_missing_short_or_repetitive_secret_key(
    tmp_path: Path, key: str | None
) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    with pytest.raises(RuntimeError, match="SECRET_KEY") as refused:
        create_app("production", {"DATABASE_URL": url, "SECRET_KEY": key})
    assert "secrets.token_urlsafe" in str(refused.value)  # the message says how to make one


def test_production_cookies_are_secure_httponly_and_lax(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    keys = {"IDENTITY_KEYS": Fernet.generate_key().decode(), "IDENTITY_HMAC_KEY": "k" * 32}
    app = create_app("production", {"DATABASE_URL": url, "SECRET_KEY": STRONG_KEY, **keys})
    with app.app_context():
        upgrade_database()
    cookie = app.test_client().get("/masuk", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.extensions["db_engine"].dispose()


def test_development_generates_its_own_key_once_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    first = create_app("development", {"DATABASE_URL": url})
    second = create_app("development", {"DATABASE_URL": url})
    key_file = tmp_path / "instance" / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]  # sessions survive restarts
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] not in PUBLISHED_KEYS
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "other"))
    elsewhere = create_app("development", {"DATABASE_URL": url})
    assert elsewhere.config["SECRET_KEY"] != first.config["SECRET_KEY"]
    for app in (first, second, elsewhere):
        app.extensions["db_engine"].dispose()


def test_a_cookie_signed_with_a_published_key_opens_nothing_in_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app("development", {"DATABASE_URL": f"sqlite:///{tmp_path / 'd.sqlite'}"})
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")  # lanes are roles
        ensure_demo_users()
    for key in PUBLISHED_KEYS:
        client = app.test_client()
        client.set_cookie("session", _forged_admin_cookie(app, key))
        response = client.get("/admin/pengguna")
        assert response.status_code == 302, key
        assert response.headers["Location"].startswith("/masuk")
    app.extensions["db_engine"].dispose()


def test_each_test_app_gets_its_own_random_key(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, two = make_test_app(tmp_path / "a"), make_test_app(tmp_path / "b")
    assert one.config["SECRET_KEY"] != two.config["SECRET_KEY"]
    assert min(len(one.config["SECRET_KEY"]), len(two.config["SECRET_KEY"])) >= 32
    for app in (one, two):
        app.extensions["db_engine"].dispose()


def test_pages_forbid_foreign_and_inline_scripts(client: Any) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
