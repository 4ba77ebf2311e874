"""Configuration guards an operator relies on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from app import create_app
from app.config import DEV_SECRET_KEY


def test_production_refuses_the_development_secret_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"DATABASE_URL": url, "SECRET_KEY": DEV_SECRET_KEY})
    keys = {"IDENTITY_KEYS": Fernet.generate_key().decode(), "IDENTITY_HMAC_KEY": "k" * 32}
    app = create_app("production", {"DATABASE_URL": url, "SECRET_KEY": "x" * 32, **keys})
    assert app.config["SECRET_KEY"] == "x" * 32
    app.extensions["db_engine"].dispose()



def test_pages_forbid_foreign_and_inline_scripts(client: Any) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
