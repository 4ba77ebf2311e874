"""Revealing a complainant's identity to an auditor: an explicit act with a reason, recorded.

An anonymous complainant's identity is never revealed here. Otherwise the reason is written to
the case's event log (`identity_revealed`, hash-chained like every event) in the same
transaction that reads the identity, so no identity is shown without its record.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ..auth.roles import AUDITOR
from ..cases.events import Actor, EventLog
from ..cases.identity import identity_of
from ..cases.models import Case
from ..cases.service import CaseConflict, form_document, identity_fields, start_info
from ..db import get_session, utcnow

MIN_REASON = 10
MAX_REASON = 500
REVEALED = "identity_revealed"


class RevealRefused(Exception):
    """The identity is not revealed: the case is anonymous, or no proper reason was given."""


def reveal_identity(case_id: int, user_id: int, reason: str) -> list[tuple[str, str]]:
    """Record the auditor's reason as an event, then give the identity (title, value) pairs."""
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise RevealRefused(_("Tuliskan alasan membuka identitas (sedikitnya %(n)d karakter).",
                              n=MIN_REASON))
    if len(reason) > MAX_REASON:
        raise RevealRefused(_("Alasan terlalu panjang (paling banyak %(n)d karakter).",
                              n=MAX_REASON))
    session = get_session()
    try:
        case = session.get(Case, case_id)
        if case is None:
            raise LookupError(case_id)
        if case.anonymous:
            raise RevealRefused(_("Pelapor memilih anonim: identitasnya tidak pernah dibuka."))
        EventLog(session, case).append(REVEALED, Actor("user", user_id, AUDITOR), utcnow(),
                                       {"reason": reason})
        document = identity_of(case.id, session)
        shown = _titled(case, document)
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise CaseConflict(str(case_id)) from exc
    except BaseException:
        session.rollback()
        raise
    return shown


def _titled(case: Case, document: dict[str, Any]) -> list[tuple[str, str]]:
    """The identity's fields with the start form's titles, in the form's order."""
    version = case.process_version
    schema = form_document(version, start_info(version).form.schema_file) or {}
    props = schema.get("properties") or {}
    order = [name for name in props if name in identity_fields(schema)]
    order += [name for name in document if name not in order]
    return [(str((props.get(name) or {}).get("title") or name), str(document[name]))
            for name in order if document.get(name) not in (None, "")]
