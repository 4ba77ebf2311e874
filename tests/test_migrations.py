"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from app.cli import upgrade_database
from app.db import Base, get_engine
from app.models_registry import import_all_models
from tests.support import postgres_schema_url


def _drift(url: str) -> list[Any]:
    app = create_app("test", {"DATABASE_URL": url})
    import_all_models()
    with app.app_context():
        upgrade_database()
        with get_engine().connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    app.extensions["db_engine"].dispose()
    return diff


def test_migrations_match_the_models_on_sqlite(tmp_path: Path) -> None:
    assert _drift(f"sqlite:///{tmp_path / 'm.sqlite'}") == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql() -> None:
    with postgres_schema_url() as url:
        assert _drift(url) == []
