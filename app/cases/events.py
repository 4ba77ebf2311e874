"""The append-only, hash-chained event log of a case."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CaseEvent

GENESIS_HASH = "0" * 64


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
PUBLIC = Actor("public", role="Pelanggan")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same data always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    prev_hash: str,
    case_id: int,
    seq: int,
    type_: str,
    actor: str,
    occurred_at: datetime,
    task_id: str | None,
    bpmn_id: str | None,
    data_json: str,
) -> str:
    """The SHA-256 of an event's content chained to its predecessor's hash."""
    payload = canonical_json(
        [
            prev_hash,
            case_id,
            seq,
            type_,
            actor,
            _aware(occurred_at).astimezone(UTC).isoformat(),
            task_id,
            bpmn_id,
            data_json,
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class EventLog:
    """Appends events to one case within the caller's transaction."""

    def __init__(self, session: Session, case_id: int) -> None:
        self.session = session
        self.case_id = case_id
        last = session.execute(
            select(CaseEvent.seq, CaseEvent.hash)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.seq.desc())
            .limit(1)
        ).first()
        self.seq, self.prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
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
            _aware(event.occurred_at),
            event.task_id,
            event.bpmn_id,
            event.data_json,
        )
        if digest != event.hash:
            problems.append(_("peristiwa #%(n)d: isi telah diubah", n=event.seq))
        prev = event.hash
    return problems


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
