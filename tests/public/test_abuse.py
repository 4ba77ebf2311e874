"""Abuse controls: rate limits on submission and look-ups (enabled here explicitly)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.cli import upgrade_database
from app.processes.service import deploy_file
from app.web import limiter
from tests.public.conftest import ANONYMOUS, counts, post_form, submit
from tests.support import ROOT, make_test_app

TOO_MANY = "Terlalu banyak permintaan"


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Flask]:
    """The app with its rate limits on (TestConfig switches them off)."""
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    limiter.reset()
    yield app
    limiter.reset()
    app.extensions["db_engine"].dispose()


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
