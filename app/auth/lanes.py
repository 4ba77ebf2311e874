"""The lanes of the deployed diagrams, which are the staff roles (process/CONVENTIONS.md).

No lane name lives in Python: every lane of a deployed version is a role, the process
properties `publicLane`, `registrarLane` and `leadsLane` say which lane is the public's, which
registers complaints on their behalf and whose leads get `notifyLeads` e-mails, and a lane's
divisions are the options of the field its tasks' `divisionExpression` reads.

Versions are immutable and only added, so what they say is kept per app and read again when a
deploy in this process adds one, or when a name no kept version knows turns up (a lane role
held, a task's lane, a division code) — so the inbox lists read no version rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from ..cases.conventions import of
from ..cases.models import ProcessVersion
from ..db import get_session
from ..engine.conventions import ProcessConventions, cached_conventions
from .roles import OFFICE_ROLES, ROLE_ALIASES

_KEY = "deployed_lanes"
_LOCK = threading.Lock()


def _load() -> tuple[ProcessConventions, ...]:
    """The conventions of every deployed version, newest first (read from the database)."""
    session = get_session()
    rows = session.execute(
        select(ProcessVersion.id, ProcessVersion.content_hash).order_by(ProcessVersion.id.desc())
    ).all()
    found = []
    for version_id, digest in rows:
        conv = cached_conventions(digest)
        if conv is None:
            conv = of(session.get_one(ProcessVersion, version_id))
        found.append(conv)
    return tuple(found)


def forget() -> None:
    """Read the versions again next time (a deploy added one)."""
    current_app.extensions.pop(_KEY, None)


def deployed_conventions(knowing: Iterable[str] = ()) -> tuple[ProcessConventions, ...]:
    """The kept conventions of the deployed versions, read again if one of KNOWING (role or
    lane names) is neither a lane of them nor an office role."""
    with _LOCK:
        kept: tuple[ProcessConventions, ...] | None = current_app.extensions.get(_KEY)
    names = {n for n in knowing if n and n not in OFFICE_ROLES}
    if kept is None or not names <= {lane for conv in kept for lane in conv.lanes}:
        kept = _load()
        with _LOCK:
            current_app.extensions[_KEY] = kept
    return kept


def public_lanes(knowing: Iterable[str] = ()) -> frozenset[str]:
    """The lanes any deployed version names as its public's (`publicLane`)."""
    return frozenset(c.public_lane for c in deployed_conventions(knowing) if c.public_lane)


def staff_lanes(knowing: Iterable[str] = ()) -> tuple[str, ...]:
    """Every lane of a deployed version but a public lane (newest version's order first)."""
    conventions = deployed_conventions(knowing)
    public = {c.public_lane for c in conventions}
    lanes = (lane for conv in conventions for lane in conv.lanes if lane not in public)
    return tuple(dict.fromkeys(lane for lane in lanes if lane not in OFFICE_ROLES))


def assignable_roles(knowing: Iterable[str] = ()) -> tuple[str, ...]:
    """Every role an administrator may grant: the staff lanes, then the office roles."""
    return (*staff_lanes(knowing), *OFFICE_ROLES)


def divisions(lane: str, code: str | None = None) -> dict[str, str]:
    """Division code -> label of LANE across the deployed versions (newest label wins); read
    again when CODE is not among them."""
    found = _divisions_of(deployed_conventions([lane]), lane)
    if code and code not in found:
        forget()
        found = _divisions_of(deployed_conventions(), lane)
    return found


def _divisions_of(conventions: Iterable[ProcessConventions], lane: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for conv in reversed(tuple(conventions)):
        found.update(conv.divisions.get(lane, {}))
    return found


def division_label(code: str | None) -> str:
    """The label of a division code from the deployed forms, or the code itself when unknown."""
    if not code:
        return ""
    return all_divisions().get(code, code)


def all_divisions() -> dict[str, str]:
    """Every division code -> label of any lane of a deployed version."""
    found: dict[str, str] = {}
    for conv in reversed(deployed_conventions()):
        for options in conv.divisions.values():
            found.update(options)
    return found


def registrar_lanes(knowing: Iterable[str] = ()) -> frozenset[str]:
    """The lanes that register complaints for the public (`registrarLane`)."""
    return frozenset(c.registrar_lane for c in deployed_conventions(knowing) if c.registrar_lane)


def leads_lanes(knowing: Iterable[str] = ()) -> frozenset[str]:
    """The lanes whose leads get `notifyLeads` e-mails (`leadsLane`)."""
    return frozenset(c.leads_lane for c in deployed_conventions(knowing) if c.leads_lane)


def resolve_role(name: str) -> str | None:
    """The role named NAME (any case, or an office role's short name); None if unknown."""
    wanted = name.strip().casefold()
    if wanted in ROLE_ALIASES:
        return ROLE_ALIASES[wanted]
    roles = assignable_roles()
    found = next((role for role in roles if role.casefold() == wanted), None)
    if found is None:
        forget()
        found = next((r for r in assignable_roles() if r.casefold() == wanted), None)
    return found
