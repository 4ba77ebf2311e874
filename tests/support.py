"""Helpers shared by tests: databases (SQLite and PostgreSQL), schema creation, the real diagram."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

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
