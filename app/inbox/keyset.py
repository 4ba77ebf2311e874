"""Sorting and keyset pagination of the inbox lists: the cursor is the last row's sort key.

A list is ordered by one sort key (`urut`: due, received, case, task), then by arrival: the
task's created time, then its id. Ascending (`arah=asc`, the default) puts empty values last and
the earlier arrival first; descending is exactly that list reversed (empty values first, the
later arrival first among equals), so both read the same index, forward or backward. A page
after (`setelah`) or before (`sebelum`) a row is one index range read, whatever the page,
where OFFSET would read and sort every row before it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from ..cases.models import HumanTask

# urut value -> (column, nullable); "completed" is the finished list's own default.
SORT_COLUMNS: dict[str, tuple[Any, bool]] = {
    "due": (HumanTask.due_at, True),
    "received": (HumanTask.received_at, False),
    "case": (HumanTask.tracking_code, False),
    "task": (HumanTask.name, False),
    "completed": (HumanTask.completed_at, True),
}
SORT_KEYS = ("due", "received", "case", "task")
DIRECTIONS = ("asc", "desc")
# The values `urut` had before `arah` existed, still understood.
OLD_SORTS = {"tenggat": ("due", "asc"), "-tenggat": ("due", "desc"),
             "diterima": ("received", "asc"), "-diterima": ("received", "desc")}
_DATETIME_KEYS = {"due", "received", "completed"}


@dataclass(frozen=True)
class Part:
    """One column of the order: its expression, direction, whether it may be empty, the value."""

    column: Any
    desc: bool
    nullable: bool
    value: Any


def parts(sort: str, _direction: str, values: list[Any] | None = None) -> list[Part]:
    """The ascending order of a list sorted by SORT, with a cursor's VALUES if given.

    A descending list reads this order backward (see `order_by` and the callers).
    """
    column, nullable = SORT_COLUMNS[sort]
    values = values or [None, None, None]
    return [Part(column, False, nullable, values[0]),
            Part(HumanTask.created_at, False, False, values[1]),
            Part(HumanTask.id, False, False, values[2])]


def order_by(order: list[Part], backward: bool = False) -> list[Any]:
    """ORDER BY terms: empty sort values last (first when reading backward)."""
    terms = []
    for part in order:
        desc = part.desc != backward
        term = part.column.desc() if desc else part.column.asc()
        if part.nullable:
            term = term.nulls_first() if backward else term.nulls_last()
        terms.append(term)
    return terms


def after(order: list[Part]) -> ColumnElement[bool]:
    """Rows strictly after the cursor in ORDER."""
    head, rest = order[0], order[1:]
    tail = after(rest) if rest else false()
    column = head.column
    if head.value is None:
        return and_(column.is_(None), tail)
    beyond = column < head.value if head.desc else column > head.value
    clause = or_(beyond, and_(column == head.value, tail))
    return or_(clause, column.is_(None)) if head.nullable else clause


def before(order: list[Part]) -> ColumnElement[bool]:
    """Rows strictly before the cursor in ORDER."""
    head, rest = order[0], order[1:]
    tail = before(rest) if rest else false()
    column = head.column
    if head.value is None:
        return or_(column.is_not(None), and_(column.is_(None), tail))
    ahead = column > head.value if head.desc else column < head.value
    return or_(ahead, and_(column == head.value, tail))


def cursor_of(task: HumanTask, sort: str) -> str:
    """The cursor that points at TASK in a list sorted by SORT."""
    column, _nullable = SORT_COLUMNS[sort]
    first = getattr(task, column.key)
    values = [first.isoformat() if isinstance(first, datetime) else first,
              task.created_at.isoformat(), task.id]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str, sort: str) -> list[Any] | None:
    """The sort values inside CURSOR; None when it is empty or not one of ours."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        first, created, task_id = json.loads(raw)
        if sort in _DATETIME_KEYS and first is not None:
            first = _aware(first)
        elif first is not None and not isinstance(first, str):
            return None
        if not isinstance(task_id, str) or (first is None and sort not in ("due", "completed")):
            return None
        return [first, _aware(created), task_id]
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        return None


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("cursor time without offset")
    return moment
