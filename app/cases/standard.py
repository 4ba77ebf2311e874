"""Whether a case met its service standard: the one definition audit and reports share.

A case meets the standard when the answer reached the complainant (the `milestone=answered`
event, kept as the case's `answered_at`) -- or, for a case closed without an answer (referred to
another agency), when it closed (`closed_at`) -- no later than the service-standard due moment
(the `serviceStandard` timer row's due time, kept as `due_at`). It breached it when that came
later, or when the due moment passed with neither. Until then it is pending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_

from .models import Case

MET = "terpenuhi"
BREACHED = "terlampaui"
PENDING = "berjalan"
OUTCOMES = (MET, BREACHED, PENDING)


def standard_outcome(answered_at: datetime | None, due_at: datetime | None,
                     now: datetime, closed_at: datetime | None = None) -> str | None:
    """MET, BREACHED or PENDING for a case; None when its diagram sets no standard."""
    if due_at is None:
        return None
    finished = answered_at or closed_at
    if finished is not None:
        return MET if finished <= due_at else BREACHED
    return BREACHED if now > due_at else PENDING


def standard_of(case: Case, now: datetime) -> str | None:
    """The service-standard outcome of CASE at NOW (see `standard_outcome`)."""
    return standard_outcome(case.answered_at, case.due_at, now, case.closed_at)


def standard_clause(outcome: str, now: datetime) -> Any:
    """The SQL condition selecting cases whose `standard_outcome` is OUTCOME at NOW."""
    answered, due = func.coalesce(Case.answered_at, Case.closed_at), Case.due_at
    if outcome == MET:
        return and_(due.is_not(None), answered.is_not(None), answered <= due)
    if outcome == BREACHED:
        return and_(due.is_not(None), or_(
            and_(answered.is_not(None), answered > due), and_(answered.is_(None), due < now)))
    return and_(due.is_not(None), answered.is_(None), due >= now)
