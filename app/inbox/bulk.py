"""Bulk actions of the inbox lists: claim the ticked queue tasks; a lead assigns them to a holder.

Each task goes through the same checked service call as its single-task button (its own
conditional UPDATE and commit), so one task lost to a colleague never undoes the others and
every refusal is reported with its tracking number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..auth.service import get_user
from ..cases import queries
from .service import PermissionDenied, TaskTaken, claim, reassign

MAX_TASKS = 100


@dataclass
class BulkReport:
    """What a bulk action did: tracking numbers done, and (number, reason) of those refused."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    target_name: str = ""


def _picked(values: Iterable[str]) -> list[tuple[str, int | None]]:
    """The ticked task ids, each with the holder the list showed (`id|holder`), deduplicated."""
    seen: dict[str, int | None] = {}
    for value in list(values)[:MAX_TASKS]:
        task_id, _sep, holder = value.partition("|")
        if task_id and task_id not in seen:
            seen[task_id] = int(holder) if holder.isdigit() else None
    return list(seen.items())


def _code(task_id: str) -> str:
    task = queries.get_human_task(task_id)
    return task.tracking_code if task is not None else task_id[:12]


def claim_many(task_ids: Iterable[str], user: Any) -> BulkReport:
    """Claim each ticked task for USER; the others are reported with why they were refused."""
    report = BulkReport()
    for task_id, _holder in _picked(task_ids):
        try:
            report.done.append(claim(task_id, user).tracking_code)
        except TaskTaken as exc:
            report.refused.append((_code(task_id), exc.message))
        except PermissionDenied:
            report.refused.append((_code(task_id), _("Tugas ini bukan untuk peran Anda.")))
        except LookupError:
            report.refused.append((task_id[:12], _("Tugas tidak ditemukan.")))
    return report


def assign_many(task_ids: Iterable[str], user: Any, target_id: int) -> BulkReport:
    """Hand each ticked task to TARGET_ID (admin, or the lead of the task's lane, only)."""
    target = get_user(target_id)
    report = BulkReport(target_name=target.full_name if target is not None else "")
    for task_id, holder in _picked(task_ids):
        try:
            report.done.append(reassign(task_id, user, target_id, holder).tracking_code)
        except TaskTaken as exc:
            report.refused.append((_code(task_id), exc.message))
        except PermissionDenied:
            report.refused.append((_code(task_id),
                                   _("Hanya ketua lajur tugas ini yang dapat mengalihkannya.")))
        except LookupError:
            report.refused.append((task_id[:12], _("Tugas tidak ditemukan.")))
    return report
