"""Reading cases for pages: one case, its history and its submitted data, without the engine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import get_session
from .models import Case, CaseEvent, HumanTask


@dataclass(frozen=True)
class HistoryEntry:
    """One event of a case as pages show it."""

    seq: int
    type: str
    occurred_at: datetime
    actor: str
    actor_role: str | None
    bpmn_id: str | None
    name: str
    data: dict[str, Any]
    task_id: str | None


def get_case(case_id: int) -> Case | None:
    """The case with this id, or None."""
    return get_session().get(Case, case_id)


def find_by_tracking_code(tracking_code: str) -> Case | None:
    """The case with this tracking number (exact, case-insensitive), or None."""
    code = tracking_code.strip().upper()
    return get_session().scalars(select(Case).where(Case.tracking_code == code)).first()


def get_human_task(task_id: str) -> HumanTask | None:
    """A task row of the inbox index, or None."""
    return get_session().get(HumanTask, task_id)


def history(case: Case, session: Session | None = None) -> list[HistoryEntry]:
    """Every event of CASE in order, with its data decoded (through SESSION when given)."""
    events = (session or get_session()).scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    )
    entries = []
    for event in events:
        data = json.loads(event.data_json)
        entries.append(
            HistoryEntry(
                seq=event.seq,
                type=event.type,
                occurred_at=event.occurred_at,
                actor=event.actor,
                actor_role=event.actor_role,
                bpmn_id=event.bpmn_id,
                name=str(data.get("name", "")),
                data=data,
                task_id=event.task_id,
            )
        )
    return entries


def submitted_data(case: Case) -> dict[str, Any]:
    """The start form's data as submitted (identity excluded: it lives in `complainants`)."""
    first = (
        get_session()
        .scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.type == "case_submitted"
            )
        )
        .first()
    )
    return json.loads(first.data_json) if first else {}


def open_tasks(case: Case) -> list[HumanTask]:
    """The case's user tasks that wait for someone now."""
    return list(
        get_session().scalars(
            select(HumanTask)
            .where(HumanTask.case_id == case.id, HumanTask.status == "ready")
            .order_by(HumanTask.created_at)
        )
    )
