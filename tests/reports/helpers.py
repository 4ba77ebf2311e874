"""Seeding cases at chosen moments through the real services and the real diagram."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import time_machine
from flask import Flask
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC, Actor
from app.cases.models import Case, HumanTask
from app.db import get_session
from app.engine import WIB
from app.processes.service import deploy, read_forms
from tests.support import ROOT, START_DATA

T = TypeVar("T")


def wib(day: str, hour: int = 9, minute: int = 0) -> datetime:
    """A moment in WIB from 'YYYY-MM-DD' and a time."""
    year, month, dom = (int(part) for part in day.split("-"))
    return datetime(year, month, dom, hour, minute, tzinfo=WIB)


def at(moment: datetime, action: Callable[[], T]) -> T:
    """Run ACTION with the clock stopped at MOMENT."""
    with time_machine.travel(moment, tick=False):
        return action()


def receive(moment: datetime, **data: Any) -> int:
    """A complaint from the public received at MOMENT; its case id."""
    return at(moment, lambda: service.submit_case({**START_DATA, **data}, PUBLIC).case.id)


def complete(moment: datetime, case_id: int, bpmn_id: str, data: dict[str, Any],
             actor: Actor) -> None:
    """Complete the case's ready task BPMN_ID at MOMENT."""
    session = get_session()
    session.expire_all()
    [task] = session.scalars(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.status == "ready", HumanTask.bpmn_id == bpmn_id))
    at(moment, lambda: service.complete_task(task.id, data, actor))


def case_of(case_id: int) -> Case:
    """The case as stored now."""
    session = get_session()
    session.expire_all()
    found = session.get(Case, case_id)
    assert found is not None
    return found


def deploy_nine_element_variant(app: Flask, tmp_path: Path) -> None:
    """Deploy the real diagram with the confirmation form that asks U1..U9 (a new version)."""
    bpmn = (ROOT / "process" / "pengaduan.bpmn").read_text("utf-8").replace(
        "konfirmasi_jawaban.schema.json", "konfirmasi_jawaban.unsur.schema.json").replace(
        "konfirmasi_jawaban.uischema.json", "konfirmasi_jawaban.unsur.uischema.json")
    xml = bpmn.encode("utf-8")
    with app.app_context():
        deploy(xml, read_forms(xml, ROOT / "forms"), deployed_by="test")
