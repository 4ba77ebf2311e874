"""Migration 0004 re-seals chains written before the hash covered actor_role, records each
case's chain head, and does not launder a chain that was already broken."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, insert, select

from app import create_app
from app.cases.events import GENESIS_HASH, verify_case
from app.cases.models import Case, CaseEvent
from app.cli import alembic_config
from app.db import get_engine, get_session
from tests.stores import store_url

WHEN = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _old_hash(prev: str, event: dict[str, Any]) -> str:
    """The event hash as migration 0002's code computed it (without actor_role)."""
    parts = [prev, event["case_id"], event["seq"], event["type"], event["actor"],
             WHEN.isoformat(), event["task_id"], event["bpmn_id"], event["data_json"]]
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _old_chain(case_id: int, tamper: bool = False) -> list[dict[str, Any]]:
    events, prev = [], GENESIS_HASH
    for seq, (type_, actor, role) in enumerate(
        [("case_submitted", "public", "Pelanggan"),
         ("task_completed", "user:1", "Petugas Pengelola Layanan Pengaduan")], start=1
    ):
        event = {"case_id": case_id, "seq": seq, "type": type_, "actor": actor,
                 "actor_role": role, "occurred_at": WHEN, "task_id": None, "bpmn_id": "x",
                 "data_json": '{"keputusan":"teruskan"}', "prev_hash": prev}
        event["hash"] = _old_hash(prev, event)
        if tamper and seq == 2:
            event["data_json"] = '{"keputusan":"tolak"}'  # edited after it was sealed
        events.append(event)
        prev = event["hash"]
    return events


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_old_chains_are_resealed_and_broken_ones_stay_broken(kind: str, tmp_path: Path) -> None:
    with store_url(kind, tmp_path) as url:
        app = create_app("test", {"DATABASE_URL": url})
        with app.app_context():
            command.upgrade(alembic_config(url), "0002")
            with get_engine().begin() as conn:
                tables = MetaData()
                tables.reflect(bind=conn)
                conn.execute(insert(tables.tables["process_versions"]).values(
                    id=1, process_id="pengaduan", version=1, name="", bpmn_xml=b"<x/>",
                    forms_json="{}", content_hash="0", deployed_at=WHEN, deployed_by="",
                    note=""))
                for case_id in (1, 2):
                    conn.execute(insert(tables.tables["cases"]).values(
                        id=case_id, tracking_code=f"ADU-2026-00000{case_id}",
                        access_code_hash="-", process_version_id=1, state_json="{}", version=1,
                        status="berjalan", subject="", anonim=False, rahasia=False,
                        received_at=WHEN, updated_at=WHEN, sla_breached=False))
                    conn.execute(insert(tables.tables["case_events"]),
                                 _old_chain(case_id, tamper=case_id == 2))
            command.upgrade(alembic_config(url), "head")
            session = get_session()
            for case_id, intact in ((1, True), (2, False)):
                case = session.get(Case, case_id)
                assert case is not None
                events = list(session.scalars(
                    select(CaseEvent).where(CaseEvent.case_id == case_id)
                    .order_by(CaseEvent.seq)))
                assert (case.event_count, case.head_hash) == (2, events[-1].hash)
                problems = verify_case(case, events)
                if intact:
                    assert problems == []
                else:
                    assert any("isi telah diubah" in p for p in problems), problems
        app.extensions["db_engine"].dispose()
