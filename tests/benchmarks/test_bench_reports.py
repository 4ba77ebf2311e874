"""The report and the public recap over a year of cases (2,000 cases, 12,000 task rows):
`make bench`, or `.venv/bin/python -m pytest tests/benchmarks/test_bench_reports.py`."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import insert

from app import create_app
from app.cases import service
from app.cases.events import PUBLIC
from app.cases.models import Case, HumanTask
from app.cli import upgrade_database
from app.db import get_session
from app.engine import WIB
from app.processes.service import deploy_file
from app.reports import public
from app.reports import service as reports
from app.reports.models import SatisfactionAnswer
from tests.support import ROOT, START_DATA

CASES = 2_000
STEPS = (("Menerima, mencatat dan memverifikasi pengaduan", "Petugas Pengelola Layanan Pengaduan"),
         ("Menelaah pengaduan", "Tim Penanganan Pengaduan"),
         ("Menyusun jawaban", "Tim Penanganan Pengaduan"),
         ("Menyampaikan jawaban kepada pelanggan", "Petugas Pengelola Layanan Pengaduan"),
         ("Mengonfirmasi jawaban", "Pelanggan"))
NOW = datetime(2026, 12, 31, 10, 0, tzinfo=WIB)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A database with CASES cases received through 2026, each with its steps and a rating."""
    path: Path = tmp_path_factory.mktemp("reports") / "year.sqlite"
    app = create_app("test", {"DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        upgrade_database()
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
        template = service.submit_case(dict(START_DATA), PUBLIC).case
        rng = random.Random(3)
        cases: list[dict[str, Any]] = []
        for n in range(CASES):
            received = datetime(2026, 1, 2, 8, tzinfo=WIB) + timedelta(
                hours=rng.randint(0, 360 * 24))
            answered = received + timedelta(hours=rng.randint(4, 200))
            cases.append({
                "id": n + 10, "tracking_code": f"ADU-2026-{n + 10:06d}",
                "access_code_hash": "x", "process_version_id": template.process_version_id,
                "state_json": "{}", "version": 1, "status": "selesai", "subject": f"Kasus {n}",
                "summary_channel": rng.choice(("online", "surat", "telepon")),
                "summary_service": rng.choice(("ktp_el", "kk", "kia")),
                "summary_type": "keluhan", "anonymous": False, "secret": rng.random() < 0.05,
                "received_at": received, "due_at": received + timedelta(days=7),
                "answered_at": answered, "closed_at": answered + timedelta(days=1),
                "outcome_label": "Selesai", "updated_at": answered})
        tasks, ratings = [], []
        for row in cases:
            moment = row["received_at"]
            for name, lane in STEPS:
                done = moment + timedelta(hours=rng.randint(1, 40))
                tasks.append({
                    "id": str(uuid.uuid4()), "case_id": row["id"], "bpmn_id": "x", "name": name,
                    "lane": lane, "status": "completed", "created_at": moment,
                    "completed_at": done, "tracking_code": row["tracking_code"],
                    "subject": row["subject"], "received_at": row["received_at"]})
                moment = done
            ratings.append({"case_id": row["id"], "task_id": tasks[-1]["id"], "element": "nilai",
                            "value": rng.randint(2, 4), "answered_at": moment})
        session = get_session()
        session.execute(insert(Case), cases)
        session.execute(insert(HumanTask), tasks)
        session.execute(insert(SatisfactionAnswer), ratings)
        session.commit()
        yield app
    app.extensions["db_engine"].dispose()


def test_bench_the_yearly_report(year: Flask, benchmark: BenchmarkFixture) -> None:
    with year.app_context():
        period = reports.Period(date(2026, 1, 1), date(2026, 12, 31), group="month")
        report = benchmark(lambda: reports.build_report(period, NOW))
        assert report.cases == CASES + 1


def test_bench_the_public_recap(year: Flask, benchmark: BenchmarkFixture) -> None:
    with year.app_context():
        recap = benchmark(lambda: public.recap(2026, NOW))
        assert recap.received is not None and recap.received > CASES * 0.9
