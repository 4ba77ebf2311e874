"""The office's own roles; every other role is a lane of a deployed diagram (see lanes.py)."""

from __future__ import annotations

from typing import Final

PEMILIK_PROSES: Final = "Pemilik Proses"
AUDITOR: Final = "Auditor"
ADMINISTRATOR: Final = "Administrator"
KEPALA_DINAS: Final = "Kepala Dinas"  # the office head: reads the service-quality reports

# The roles that are not lanes of any diagram, in display order.
OFFICE_ROLES: Final[tuple[str, ...]] = (PEMILIK_PROSES, AUDITOR, ADMINISTRATOR, KEPALA_DINAS)

# Short names of the office roles accepted by the `flask users assign` command.
ROLE_ALIASES: Final[dict[str, str]] = {
    "pemilik": PEMILIK_PROSES,
    "auditor": AUDITOR,
    "admin": ADMINISTRATOR,
    "kepala": KEPALA_DINAS,
}
