"""The lanes of the deployed diagrams, which are the staff roles (process/CONVENTIONS.md).

No lane name lives in Python: every lane of a deployed version is a role, the process
properties `publicLane`, `registrarLane` and `leadsLane` say which lane is the public's, which
registers complaints on their behalf and whose leads get `notifyLeads` e-mails, and a lane's
divisions are the options of the field its tasks' `divisionExpression` reads.
"""

from __future__ import annotations

from sqlalchemy import select

from ..cases.conventions import of
from ..cases.models import ProcessVersion
from ..db import get_session
from ..engine.conventions import ProcessConventions, cached_conventions
from .roles import OFFICE_ROLES, ROLE_ALIASES


def deployed_conventions() -> list[ProcessConventions]:
    """The conventions of every deployed version, newest first."""
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
    return found


def staff_lanes() -> tuple[str, ...]:
    """Every lane of a deployed version except a public lane, newest version's order first."""
    conventions = deployed_conventions()
    public = public_lanes(conventions)
    lanes = (lane for conv in conventions for lane in conv.lanes if lane not in public)
    return tuple(dict.fromkeys(lanes))


def public_lanes(conventions: list[ProcessConventions] | None = None) -> frozenset[str]:
    """The lanes any deployed version names as its public's (`publicLane`)."""
    convs = deployed_conventions() if conventions is None else conventions
    return frozenset(conv.public_lane for conv in convs if conv.public_lane)


def assignable_roles() -> tuple[str, ...]:
    """Every role an administrator may grant: the staff lanes, then the office roles."""
    lanes = staff_lanes()
    return (*lanes, *(role for role in OFFICE_ROLES if role not in lanes))


def divisions(lane: str) -> dict[str, str]:
    """Division code -> label of LANE across the deployed versions (newest label wins)."""
    found: dict[str, str] = {}
    for conv in reversed(deployed_conventions()):
        found.update(conv.divisions.get(lane, {}))
    return found


def all_divisions() -> dict[str, str]:
    """Every division code -> label of any lane of a deployed version."""
    found: dict[str, str] = {}
    for conv in reversed(deployed_conventions()):
        for options in conv.divisions.values():
            found.update(options)
    return found


def registrar_lanes() -> frozenset[str]:
    """The lanes that register complaints for the public (`registrarLane`)."""
    return frozenset(c.registrar_lane for c in deployed_conventions() if c.registrar_lane)


def leads_lanes() -> frozenset[str]:
    """The lanes whose leads get `notifyLeads` e-mails (`leadsLane`)."""
    return frozenset(c.leads_lane for c in deployed_conventions() if c.leads_lane)


def resolve_role(name: str) -> str | None:
    """The role named NAME (any case) among the assignable roles; None if unknown."""
    wanted = name.strip().casefold()
    if wanted in ROLE_ALIASES:
        return ROLE_ALIASES[wanted]
    return next((role for role in assignable_roles() if role.casefold() == wanted), None)


def division_label(code: str | None) -> str:
    """The label of a division code from the deployed forms, or the code itself when unknown."""
    if not code:
        return ""
    return all_divisions().get(code, code)
