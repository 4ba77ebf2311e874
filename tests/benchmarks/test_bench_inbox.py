"""The inbox page's queries on a large task index (20,000 rows): `make bench`."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert

from app import create_app
from app.auth.service import ensure_demo_users, get_user_by_username
from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import HumanTask
from app.cli import upgrade_database
from app.db import get_session, utcnow
from app.inbox.service import InboxFilters, inbox_page
from app.processes.service import deploy_file
from tests.support import ROOT, START_DATA

LANES = ("Petugas Pengelola Layanan Pengaduan", "Tim Penanganan Pengaduan", "Bidang Teknis")
ROWS = 20_000


@pytest.fixture(scope="module")
def big_inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A database whose task index holds ROWS tasks spread over lanes, states and due dates."""
    path: Path = tmp_path_factory.mktemp("inbox") / "big.sqlite"
    app = create_app("test", {"DATABASE_URL": f"sqlite:///{path}",
                              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        ensure_demo_users()
        case = service.submit_case(dict(START_DATA), PUBLIC).case
        rng = random.Random(7)
        now = utcnow()
        rows: list[dict[str, Any]] = []
        for n in range(ROWS):
            lane = rng.choice(LANES)
            done = rng.random() < 0.7
            rows.append({
                "id": str(uuid.uuid4()), "case_id": case.id, "bpmn_id": "verifikasi_pengaduan",
                "name": "Menerima, mencatat dan memverifikasi pengaduan", "lane": lane,
                "division": rng.choice(("pp", "pcs", "piak", "pdip")) if lane == LANES[2] else None,
                "status": "completed" if done else "ready", "created_at": now,
                "due_at": now + timedelta(hours=rng.randint(-200, 400)),
                "completed_by": 1 if done and rng.random() < 0.1 else None,
                "completed_at": now if done else None,
                "tracking_code": f"ADU-2026-{n + 2:06d}", "subject": f"Pengaduan nomor {n}",
                "summary_service": rng.choice(("ktp_el", "kk", "kia")), "summary_channel": "online",
                "received_at": now,
            })
        session = get_session()
        session.execute(insert(HumanTask), rows)
        session.commit()
        yield app
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("view", ["antrean", "saya", "selesai"])
@pytest.mark.parametrize("q", ["", "nomor 1"])
def test_bench_inbox_page(benchmark: Any, big_inbox: Flask, view: str, q: str) -> None:
    """Counts for every list plus one sorted page (with or without a text search)."""
    with big_inbox.test_request_context():
        user = get_user_by_username("petugas")
        filters = InboxFilters(view=view, q=q)
        page = benchmark(inbox_page, user, filters)
        assert page is not None
