"""A lost access code: a new one goes to the e-mail address on record, never to the asker.

The answer is the same whether or not the tracking number exists and the contact matches, so
the page never tells whether a case exists or who filed it. The contact is matched through the
identity lookup digests (`x-identitas` "email"/"telepon" kinds), never by decrypting anything;
the new code goes through the outbox (the `access_code_renewed` signal, in this transaction) to
the address read from the encrypted identity when the message is sent.
"""

from __future__ import annotations

from sqlalchemy import select

from ..cases import access_codes, queries
from ..cases import service as cases
from ..cases.identity import contact_email, lookup_digest
from ..cases.models import IdentityLookup
from ..cases.signals import access_code_renewed
from ..db import get_session
from ..logs import log_event

# The contact kinds a complainant may prove themselves with (`"x-identitas": "<kind>"`).
CONTACT_KINDS = ("email", "telepon")


def _matches(case_id: int, contact: str) -> bool:
    """Whether CONTACT is the e-mail address or phone number on record for the case."""
    digests = [d for d in (lookup_digest(kind, contact) for kind in CONTACT_KINDS) if d]
    if not digests:
        return False
    found = get_session().scalar(select(IdentityLookup.case_id).where(
        IdentityLookup.case_id == case_id, IdentityLookup.digest.in_(digests)))
    return found is not None


def recover_access_code(tracking_code: str, contact: str) -> None:
    """Send a new access code to the address on record when CONTACT matches; silent otherwise."""
    tracking = tracking_code.strip().upper()
    case = queries.find_by_tracking_code(tracking) if tracking else None
    if case is None or not _matches(case.id, contact.strip()) or not contact_email(case.id):
        # Cost about what setting a new code costs (one keyed hash), so timing tells little either.
        access_codes.hash_code(cases.new_access_code())
        log_event("access_code_recovery_ignored")
        return
    session = get_session()
    try:
        code = cases.new_access_code()
        cases.set_access_code(case, code)
        access_code_renewed.send(session, case=case, access_code=code)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log_event("access_code_recovered", tracking_code=case.tracking_code)
