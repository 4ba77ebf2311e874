"""What a staff task page shows on top: the answer about to be delivered, and why a case came back.

Both are read from the case's history through form conventions, never from task ids or field
names: the answer is the `"x-publik": "jawaban"` text of the latest drafting step not yet followed
by a `milestone=answered` event; a case was sent back when the latest step whose form marks a
field `"x-alasan-kembali": true` carries a value for it and no answer has been delivered since
(the citizen's rejection, or the officer returning a draft to the team).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..cases.queries import HistoryEntry
from ..engine.conventions import ANSWER, ProcessConventions

if TYPE_CHECKING:
    from .taskpage import StepRecord

SENT_BACK_REASON = "x-alasan-kembali"
ANSWERED = "answered"


@dataclass(frozen=True)
class SentBack:
    """The step that sent the case back, who did it, when, and the reasons given (title, text)."""

    step_name: str
    actor: str
    occurred_at: datetime
    reasons: tuple[tuple[str, str], ...]
    by_public: bool


@dataclass(frozen=True)
class PendingAnswer:
    """The drafted answer that the next delivery will give the complainant."""

    texts: tuple[str, ...]
    step_name: str
    occurred_at: datetime
    element_id: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # (answer field, text) as the drafting form had them


def _answered_at(entries: Iterable[HistoryEntry]) -> list[datetime]:
    return [e.occurred_at for e in entries
            if e.type == "milestone_reached" and e.data.get("milestone") == ANSWERED]


def reason_fields(schema: Any) -> list[str]:
    """The properties a form marks as the reason for sending a case back."""
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    return [name for name, prop in (props or {}).items()
            if isinstance(prop, Mapping) and prop.get(SENT_BACK_REASON) is True]


def sent_back(steps: Sequence[StepRecord], entries: Sequence[HistoryEntry],
              public_label: str) -> SentBack | None:
    """Why the case came back, while no answer has been delivered since; None otherwise."""
    answered = _answered_at(entries)
    last_answer = max(answered) if answered else None
    for step in reversed(steps):
        if step.spec is None:
            continue
        reasons = tuple((f.title, str(step.data[f.name])) for f in step.spec.fields
                        if f.name in reason_fields(step.spec.schema) and step.data.get(f.name))
        if not reasons:
            continue
        if last_answer is not None and step.occurred_at <= last_answer:
            return None
        return SentBack(step.name, step.actor, step.occurred_at, reasons,
                        by_public=step.actor == public_label)
    return None


def pending_answer(entries: Sequence[HistoryEntry], conv: ProcessConventions
                   ) -> PendingAnswer | None:
    """The latest drafted answer no delivery has followed yet (None once delivered)."""
    drafting = {element_id for element_id, _f in conv.with_public_role(ANSWER)}
    draft: HistoryEntry | None = None
    for entry in entries:
        if entry.type == "task_completed" and entry.bpmn_id in drafting:
            draft = entry
        elif entry.type == "milestone_reached" and entry.data.get("milestone") == ANSWERED:
            draft = None
    if draft is None:
        return None
    element = conv.element(draft.bpmn_id)
    data = draft.data.get("data")
    form: dict[str, Any] = data if isinstance(data, dict) else {}
    values = tuple((f.name, str(form[f.name]))
                   for f in (element.form.with_role(ANSWER) if element else []) if form.get(f.name))
    if not values:
        return None
    return PendingAnswer(tuple(text for _name, text in values), draft.name, draft.occurred_at,
                         draft.bpmn_id, values)


def redraft_values(pending: PendingAnswer | None, conv: ProcessConventions,
                   element_id: str | None) -> dict[str, str]:
    """A drafting task that comes round again opens on the answer not yet delivered."""
    if pending is None or element_id is None or pending.element_id != element_id:
        return {}
    element = conv.element(element_id)
    names = {f.name for f in element.form.with_role(ANSWER)} if element else set()
    return {name: text for name, text in pending.values if name in names}
