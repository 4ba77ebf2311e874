"""Heatmap of a process version: how many cases passed each element, and the time spent there.

A user task's time is the working days from the moment it started waiting to its completion
(its task row); other elements count the cases whose events name them. The period filter
selects cases by the day they were received (WIB).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import distinct, func, select

from ..cases import conventions
from ..cases.models import Case, CaseEvent, HumanTask, ProcessVersion
from ..cases.service import engine
from ..db import get_session
from ..engine import WIB

HEAT_LEVELS = 5  # lp-heat-0 (least) .. lp-heat-4 (most), by the number of cases


@dataclass(frozen=True)
class ElementHeat:
    """One element of the diagram: cases through it and working days spent there."""

    bpmn_id: str
    name: str
    cases: int
    median_days: float | None
    p90_days: float | None
    level: int


@dataclass(frozen=True)
class Heatmap:
    """Every element some case passed, for one version and period."""

    version: ProcessVersion
    elements: list[ElementHeat]
    cases: int

    def markers(self) -> dict[str, list[str]]:
        """Diagram marker classes: each element by its heat level."""
        found: dict[str, list[str]] = {}
        for element in self.elements:
            found.setdefault(f"lp-heat-{element.level}", []).append(element.bpmn_id)
        return found

    def overlays(self) -> list[dict[str, object]]:
        """The figures drawn on each element (count, median, p90)."""
        return [
            {"id": e.bpmn_id, "cases": e.cases, "median": e.median_days, "p90": e.p90_days}
            for e in self.elements
        ]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of VALUES (SHARE between 0 and 1)."""
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return ordered[rank - 1]


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, WIB)


def heatmap(version: ProcessVersion, received_from: date | None = None,
            received_to: date | None = None) -> Heatmap:
    """The heatmap of VERSION over the cases received in the period (both ends inclusive)."""
    session = get_session()
    cases = select(Case.id).where(Case.process_version_id == version.id)
    if received_from:
        cases = cases.where(Case.received_at >= _start(received_from))
    if received_to:
        cases = cases.where(Case.received_at < _start(received_to + timedelta(1)))
    case_ids = cases.scalar_subquery()
    total = session.scalar(select(func.count()).select_from(cases.subquery())) or 0
    counts: dict[str, int] = {str(k): v for k, v in session.execute(
        select(CaseEvent.bpmn_id, func.count(distinct(CaseEvent.case_id)))
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.bpmn_id.is_not(None),
               CaseEvent.type != "identity_revealed")
        .group_by(CaseEvent.bpmn_id))}
    names = {k: e.name for k, e in conventions.of(version).elements.items() if e.name}
    spent: dict[str, list[float]] = {}
    calendar = engine().calendar
    for task in session.scalars(select(HumanTask).where(HumanTask.case_id.in_(case_ids))):
        names.setdefault(task.bpmn_id, task.name)
        if task.status == "ready":
            counts.setdefault(task.bpmn_id, 0)
        if task.completed_at is not None:
            spent.setdefault(task.bpmn_id, []).append(float(calendar.working_days_between(
                task.created_at.astimezone(WIB).date(), task.completed_at.astimezone(WIB).date())))
    most = max(counts.values(), default=0)
    elements = []
    for bpmn_id, count in sorted(counts.items()):
        days = spent.get(bpmn_id) or []
        level = max(math.ceil(count * HEAT_LEVELS / most) - 1, 0) if most else 0
        elements.append(ElementHeat(
            bpmn_id=bpmn_id, name=names.get(bpmn_id, bpmn_id), cases=count,
            median_days=statistics.median(days) if days else None,
            p90_days=percentile(days, 0.9) if days else None, level=level))
    return Heatmap(version, elements, total)


def versions() -> list[ProcessVersion]:
    """Every deployed version, newest first."""
    return list(get_session().scalars(select(ProcessVersion).order_by(ProcessVersion.id.desc())))
