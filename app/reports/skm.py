"""Satisfaction answers: form fields marked `x-skm` are kept as rows when their task completes.

`"x-skm": "nilai"` marks the single 1-4 rating; `"x-skm": "U1"` ... `"U9"` the nine elements of
the Survei Kepuasan Masyarakat (Permenpan RB 14/2017). See process/CONVENTIONS.md.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from ..cases import conventions
from ..cases.models import Case, CaseEvent
from ..engine.conventions import SCHEMA_FILE, SKM, SKM_MARKERS
from .models import SatisfactionAnswer


def skm_fields(schema: Any) -> dict[str, str]:
    """Field name -> SKM marker of a form schema's fields marked `x-skm`."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    found: dict[str, str] = {}
    for name, prop in props.items() if isinstance(props, dict) else ():
        marker = prop.get(SKM) if isinstance(prop, dict) else None
        if marker in SKM_MARKERS:
            found[str(name)] = str(marker)
    return found


def answers_of(schema: Any, data: dict[str, Any]) -> dict[str, int]:
    """Marker -> rating (1-4) that DATA holds for SCHEMA's `x-skm` fields."""
    found: dict[str, int] = {}
    for name, marker in skm_fields(schema).items():
        value = data.get(name)
        if type(value) is int and 1 <= value <= 4:
            found[marker] = value
    return found


def record_answers(session: Session, case: Case, events: list[CaseEvent], **_: Any) -> None:
    """Keep the ratings of each completed task's `x-skm` fields, in the step's transaction."""
    conv = None
    for event in events:
        if event.type != "task_completed" or not event.task_id:
            continue
        conv = conv or conventions.of(case.process_version)
        element = conv.element(event.bpmn_id)
        schema_file = element.properties.get(SCHEMA_FILE) if element else None
        if not schema_file:
            continue
        schema = _json(conv.files.get(schema_file))
        data = _json(event.data_json).get("data") or {}
        for marker, value in answers_of(schema, data).items():
            session.add(SatisfactionAnswer(case_id=case.id, task_id=event.task_id,
                                           element=marker, value=value,
                                           answered_at=event.occurred_at))


def _json(text: str | None) -> Any:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
