"""The staff navigation each signed-in user sees, derived from the roles they hold today."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from . import lanes, roles
from .service import active_roles


@dataclass(frozen=True)
class NavLink:
    """One entry of the header navigation."""

    href: str
    label: Any
    key: str


# A callable names, given the roles held, roles read from the deployed diagrams.
_LINKS: tuple[tuple[str, Any, str,
                    frozenset[str] | Callable[[set[str]], Iterable[str]]], ...] = (
    ("/tugas", _l("Kotak tugas"), "tugas",
     lambda held: {*lanes.staff_lanes(held), roles.ADMINISTRATOR}),
    ("/registrasi", _l("Registrasi pengaduan"), "registrasi", lanes.registrar_lanes),
    ("/perkara", _l("Daftar pengaduan"), "perkara",
     lambda held: {*lanes.staff_lanes(held), roles.ADMINISTRATOR}),
    ("/proses", _l("Proses"), "proses", frozenset({roles.PEMILIK_PROSES, roles.ADMINISTRATOR})),
    ("/audit", _l("Audit"), "audit", frozenset({roles.AUDITOR})),
    ("/admin/pengguna", _l("Admin"), "admin", frozenset({roles.ADMINISTRATOR})),
    ("/admin/outbox", _l("Kotak keluar surel"), "outbox", frozenset({roles.ADMINISTRATOR})),
    ("/laporan", _l("Laporan"), "laporan",
     frozenset({roles.ADMINISTRATOR, roles.AUDITOR, roles.KEPALA_DINAS})),
    ("/admin/kalender", _l("Kalender kerja"), "kalender", frozenset({roles.ADMINISTRATOR})),
)


def nav_links(user: Any) -> list[NavLink]:
    """The header links USER may follow today (none for anonymous visitors)."""
    held = active_roles(user)
    return [NavLink(href, label, key) for href, label, key, needs in _LINKS
            if held & set(needs if isinstance(needs, frozenset) else needs(held))]


def home_path(user: Any) -> str:
    """Where USER lands after signing in: the first page their roles open, else the front page."""
    links = nav_links(user)
    return links[0].href if links else "/"
