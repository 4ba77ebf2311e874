"""Anonymity by construction: one place decides what of the public side's material a viewer gets.

For an anonymous case, everything the public side supplied — the identity, every file it uploaded
at any step, and free text it marked as personal — is for the desk officer only. "Public side"
means the public actor or a step of the lane the public works (as the engine reports the lane),
never a task id or a field name of a particular diagram. Every listing, download, page, export and
message that shows a case to staff asks these functions.

Form conventions read here (JSON Schema keywords, documented in the README):
- `"x-identitas"`: the field is the complainant's identity (stored encrypted, never in the
  workflow state or the event log).
- `"x-pribadi-bila": "<boolean field>"`: the field is personal when the complainant ticked the
  named boolean field of the same step (e.g. "this text contains my personal data").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, select

from ..db import get_session
from .events import PUBLIC
from .models import Attachment, Case

if TYPE_CHECKING:
    from ..formrender import FormSpec

PUBLIC_SIDE = "public"
STAFF_SIDE = "staff"
PERSONAL_WHEN = "x-pribadi-bila"


def supplied_by(actor_label: str, lane: str | None) -> str:
    """Which side supplied a step's material: the public actor or the public's lane is public."""
    if actor_label == PUBLIC.label:
        return PUBLIC_SIDE
    from ..auth.lanes import public_lanes  # noqa: PLC0415 - auth.lanes reads cases modules

    return PUBLIC_SIDE if lane and lane in public_lanes([lane]) else STAFF_SIDE


def withholds_public_side(case: Case, viewer_roles: Iterable[str]) -> bool:
    """True when a viewer with VIEWER_ROLES must not see what the public side gave CASE.

    The one decision: an anonymous case's public material is for the desk officer only (the
    holders of the lane its diagram names `registrarLane`).
    """
    if not case.anonymous:
        return False
    from . import conventions  # noqa: PLC0415 - conventions imports flask_babel, keep this light

    registrar = conventions.of(case.process_version).registrar_lane
    return registrar is None or registrar not in set(viewer_roles)


def findable_by_identity(case_id: Any) -> ColumnElement[bool]:
    """The SQL condition a search by the complainant's identity adds: never an anonymous case.

    The desk officer may read an anonymous complainant's identity on the case itself, but no one
    learns from a search that a named person filed an anonymous complaint.
    """
    return case_id.in_(select(Case.id).where(Case.anonymous.is_(False)))


def visible_attachments(case: Case, viewer_roles: Iterable[str]) -> list[Attachment]:
    """The case's files the viewer may list and download, oldest first."""
    query = select(Attachment).where(Attachment.case_id == case.id)
    if withholds_public_side(case, viewer_roles):
        query = query.where(Attachment.supplied_by != PUBLIC_SIDE)
    return list(get_session().scalars(query.order_by(Attachment.uploaded_at, Attachment.id)))


def visible_attachment(case: Case, attachment_id: str,
                       viewer_roles: Iterable[str]) -> Attachment | None:
    """One attachment of CASE the viewer may download, or None (unknown and withheld alike)."""
    for attachment in visible_attachments(case, viewer_roles):
        if attachment.id == attachment_id:
            return attachment
    return None


def personal_fields(schema: Mapping[str, Any], data: Mapping[str, Any]) -> set[str]:
    """Fields of a step that are personal: identity, or marked personal by the complainant."""
    fields = set()
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, Mapping):
            continue
        marker = prop.get(PERSONAL_WHEN)
        if prop.get("x-identitas") or (isinstance(marker, str) and data.get(marker) is True):
            fields.add(name)
    return fields


def withheld_fields(spec: FormSpec | None, data: Mapping[str, Any], public_side: bool,
                    withheld: bool) -> tuple[str, ...]:
    """The fields of one step's DATA a viewer must not see (empty unless WITHHELD applies).

    Of a step the public side supplied: identity, every file field, text marked personal.
    """
    if not (withheld and public_side):
        return ()
    if spec is None:  # a form we cannot read: nothing of it is shown
        return tuple(sorted(data))
    names = personal_fields(spec.schema, data)
    names |= {f.name for f in spec.fields if f.widget == "file" or f.identity}
    return tuple(sorted(names))


def redact(data: Mapping[str, Any], hidden: Iterable[str]) -> dict[str, Any]:
    """DATA without the HIDDEN fields (they never reach a template or an export)."""
    drop = set(hidden)
    return {k: v for k, v in data.items() if k not in drop}
