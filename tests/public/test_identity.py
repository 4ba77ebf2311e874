"""An anonymous complainant's identity is on no page or file the team or the public can reach."""

from __future__ import annotations

import re
from collections import deque

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases.identity import identity_of
from app.cases.models import Attachment, Complainant
from app.db import get_session
from tests.conftest import login
from tests.public.conftest import (
    ANONYMOUS,
    IDENTITY_STRINGS,
    PNG,
    Actor,
    post_form,
    ready,
    staff_step,
    submit_ok,
)
from tests.support import ASK_DATA, FORWARD, OFFICER, TEAM

LINK = re.compile(r'(?:href|action)="(/[^"#?]*)')
SKIP = ("/keluar", "/static/", "/vendor/", "/ambil", "/lepas", "/alihkan")


def _crawl(client: FlaskClient, start: list[str], limit: int = 150) -> dict[str, str]:
    """Every same-site page reachable from START by GET (bodies, downloads included)."""
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or any(part in path for part in SKIP):
            continue
        with client.get(path) as response:
            body = response.get_data(as_text=False).decode("utf-8", "replace")
            seen[path] = f"{response.headers.get('Content-Disposition', '')}\n{body}"
        queue.extend(LINK.findall(body))
    return seen


def _assert_no_identity(pages: dict[str, str]) -> None:
    for path, body in pages.items():
        for secret in IDENTITY_STRINGS:
            assert secret not in body, f"{secret!r} leaked on {path}"


def test_anonymous_identity_is_stored_but_never_shown(
    portal: Flask, client: FlaskClient, app: Flask, demo_users: list[str], staff_id: object
) -> None:
    sent = submit_ok(client, files=[(PNG, "bukti.png")])
    _assert_no_identity({"success page": sent.page})
    with portal.app_context():
        complainant = get_session().scalars(select(Complainant)).one()
        # Kept for the desk officer, encrypted at rest.
        assert identity_of(complainant.case_id)["nama"] == ANONYMOUS["nama"]
        assert ANONYMOUS["nama"] not in complainant.sealed
    # Work the case so that every kind of page exists: a data request, a file, an answer.
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", ASK_DATA, OFFICER)
    [task] = [t.id for t in ready(portal, sent.tracking) if t.bpmn_id == "lengkapi_data"]
    post_form(
        client,
        f"/lacak/{sent.tracking}/tugas/{task}",
        {
            "data_tambahan": "Foto terlampir, mohon diperiksa.",
            "lampiran": [(PNG, "bukti-kedua.png")],
        },
    )
    staff_step(portal, sent.tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    tim = Actor("user", staff_id("tim"), TEAM.role)  # type: ignore[operator]
    staff_step(
        portal,
        sent.tracking,
        "telaah_pengaduan",
        {"hasil_telaah": "Perlu cek data.", "perlu_koordinasi": False},
        tim,
    )
    with portal.app_context():
        assert len(get_session().scalars(select(Attachment)).all()) == 2

    public_pages = _crawl(client, ["/", "/lacak", f"/lacak/{sent.tracking}", "/pengaduan/baru"])
    assert any("/lampiran/" in path for path in public_pages)
    _assert_no_identity(public_pages)

    team = app.test_client()
    login(team, "tim")
    team_pages = _crawl(
        team, ["/", "/tugas/", "/tugas/selesai", "/tugas/semua", f"/lacak/{sent.tracking}"]
    )
    assert len(team_pages) > 3
    _assert_no_identity(team_pages)

    technical = app.test_client()
    login(technical, "teknis_pp")
    _assert_no_identity(_crawl(technical, ["/", "/tugas/"]))
