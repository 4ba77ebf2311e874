"""Role names (the SOP's lane names plus the office's own roles) and Bidang Teknis divisions."""

from __future__ import annotations

from typing import Final

# The public's lane: worked through the tracking link, never assigned to staff.
PELANGGAN: Final = "Pelanggan"

PETUGAS: Final = "Petugas Pengelola Layanan Pengaduan"
TIM: Final = "Tim Penanganan Pengaduan"
BIDANG_TEKNIS: Final = "Bidang Teknis"
PEMILIK_PROSES: Final = "Pemilik Proses"
AUDITOR: Final = "Auditor"
ADMINISTRATOR: Final = "Administrator"

# Every role a staff member can be given (by Surat Tugas), in display order.
ROLES: Final[tuple[str, ...]] = (
    PETUGAS,
    TIM,
    BIDANG_TEKNIS,
    PEMILIK_PROSES,
    AUDITOR,
    ADMINISTRATOR,
)

# Staff roles that are also swimlanes of the process: their holders work the lane's tasks.
STAFF_LANES: Final[tuple[str, ...]] = (PETUGAS, TIM, BIDANG_TEKNIS)

# Every lane name a deployed diagram may use (the SOP's four actors).
LANE_ROLES: Final[tuple[str, ...]] = (PELANGGAN, *STAFF_LANES)

# Short names accepted by the `flask users assign` command.
ROLE_ALIASES: Final[dict[str, str]] = {
    "petugas": PETUGAS,
    "tim": TIM,
    "teknis": BIDANG_TEKNIS,
    "pemilik": PEMILIK_PROSES,
    "auditor": AUDITOR,
    "admin": ADMINISTRATOR,
}

# Bidang Teknis divisions: code -> official name.
DIVISIONS: Final[dict[str, str]] = {
    "pp": "Bidang Pelayanan Pendaftaran Penduduk",
    "pcs": "Bidang Pelayanan Pencatatan Sipil",
    "piak": "Bidang Pengelolaan Informasi Administrasi Kependudukan",
    "pdip": "Bidang Pemanfaatan Data dan Inovasi Pelayanan",
}


def resolve_role(name: str) -> str | None:
    """The canonical role name for NAME (full name, any case, or a short alias); None if unknown."""
    wanted = name.strip().casefold()
    if wanted in ROLE_ALIASES:
        return ROLE_ALIASES[wanted]
    return next((role for role in ROLES if role.casefold() == wanted), None)


def division_label(code: str | None) -> str:
    """The official name of a division code, or the code itself when unknown."""
    if not code:
        return ""
    return DIVISIONS.get(code, code)
