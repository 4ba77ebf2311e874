"""The append-only, hash-chained event log of a case."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from .models import GENESIS_HASH, Case, CaseEvent


class EventDataError(TypeError):
    """A value that JSON cannot hold exactly was given as event data."""


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a staff user, the public (by tracking link) or the system (timers)."""

    kind: str  # "user", "public", "system"
    user_id: int | None = None
    role: str | None = None

    @property
    def label(self) -> str:
        """The actor as stored in events: `user:7`, `public` or `system`."""
        return f"user:{self.user_id}" if self.kind == "user" else self.kind


SYSTEM = Actor("system")
PUBLIC = Actor("public", role="public")  # the public side, whatever its lane is called


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same data always gives the same text.

    Only JSON values are accepted; anything else (a date, a set, a non-text key, NaN) raises
    EventDataError instead of being stored as some string that no longer says what it was.
    """
    _check_json(value, "data")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _check_json(value: Any, path: str) -> None:
    """Raise EventDataError at the first value under PATH that is not plain JSON."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise EventDataError(f"{path}: {value!r} is not a JSON number")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise EventDataError(f"{path}: key {key!r} is not text")
            _check_json(item, f"{path}.{key}")
        return
    raise EventDataError(f"{path}: {type(value).__name__} is not a JSON value")


def event_hash(
    prev_hash: str,
    case_id: int,
    seq: int,
    type_: str,
    actor: str,
    actor_role: str | None,
    occurred_at: datetime,
    task_id: str | None,
    bpmn_id: str | None,
    data_json: str,
) -> str:
    """The SHA-256 of every stored field of an event, chained to its predecessor's hash.

    The row id is left out: the database assigns it, and the order of a case's events is `seq`.
    """
    payload = canonical_json(
        [
            prev_hash,
            case_id,
            seq,
            type_,
            actor,
            actor_role,
            _aware(occurred_at).astimezone(UTC).isoformat(),
            task_id,
            bpmn_id,
            data_json,
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class EventLog:
    """Appends events to one case within the caller's transaction, moving the case's chain head."""

    def __init__(self, session: Session, case: Case | int) -> None:
        if isinstance(case, int):  # callers that hold only the id
            found = session.get(Case, case)
            if found is None:
                raise LookupError(case)
            case = found
        self.session = session
        self.case = case
        self.case_id = case.id
        # Continue from the case's head, not from whatever events are left: appending after a
        # deleted tail leaves a gap that verification reports.
        self.seq = case.event_count or 0
        self.prev_hash = case.head_hash or GENESIS_HASH
        self.appended: list[CaseEvent] = []

    def append(
        self,
        type_: str,
        actor: Actor,
        occurred_at: datetime,
        data: dict[str, Any] | None = None,
        task_id: str | None = None,
        bpmn_id: str | None = None,
    ) -> CaseEvent:
        """Add one event after the case's last one."""
        self.seq += 1
        data_json = canonical_json(data or {})
        digest = event_hash(
            self.prev_hash,
            self.case_id,
            self.seq,
            type_,
            actor.label,
            actor.role,
            occurred_at,
            task_id,
            bpmn_id,
            data_json,
        )
        event = CaseEvent(
            case_id=self.case_id,
            seq=self.seq,
            type=type_,
            actor=actor.label,
            actor_role=actor.role,
            occurred_at=occurred_at,
            task_id=task_id,
            bpmn_id=bpmn_id,
            data_json=data_json,
            prev_hash=self.prev_hash,
            hash=digest,
        )
        self.session.add(event)
        self.appended.append(event)
        self.prev_hash = digest
        # Same transaction as the event: a deleted tail no longer matches the case's head.
        self.case.event_count = self.seq
        self.case.head_hash = digest
        return event


def verify_chain(events: list[CaseEvent]) -> list[str]:
    """Problems found in a case's events (ordered by seq): gaps, edits, broken links."""
    problems = []
    prev = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(
                _("peristiwa #%(n)d hilang (ditemukan #%(found)d)", n=expected_seq, found=event.seq)
            )
        if event.prev_hash != prev:
            problems.append(_("peristiwa #%(n)d: rantai hash terputus", n=event.seq))
        digest = event_hash(
            event.prev_hash,
            event.case_id,
            event.seq,
            event.type,
            event.actor,
            event.actor_role,
            _aware(event.occurred_at),
            event.task_id,
            event.bpmn_id,
            event.data_json,
        )
        if digest != event.hash:
            problems.append(_("peristiwa #%(n)d: isi telah diubah", n=event.seq))
        prev = event.hash
    return problems


def verify_case(case: Case, events: list[CaseEvent]) -> list[str]:
    """Problems in CASE's events, including a missing tail: the chain must end at the head."""
    problems = verify_chain(events)
    if len(events) != case.event_count or (events[-1].hash if events else GENESIS_HASH) != (
        case.head_hash
    ):
        found = events[-1].seq if events else 0
        problems.append(
            _(
                "peristiwa terakhir hilang: kasus mencatat %(n)d peristiwa, tersimpan %(found)d",
                n=case.event_count,
                found=found,
            )
        )
    return problems


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
