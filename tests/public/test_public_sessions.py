"""The public session: "keluar" ends copied cookies too; no access code ever sits in a cookie."""

from __future__ import annotations

import base64
from datetime import timedelta

import time_machine
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import OneTimeSecret
from app.db import get_session, utcnow
from tests.public.conftest import post_form, submit, submit_ok
from tests.test_sign_in_safety import copy_session

OPENED = "Perkembangan pengaduan"


def test_a_copied_tracking_cookie_stops_working_after_keluar(portal: Flask, app: Flask) -> None:
    phone, thief = app.test_client(), app.test_client()
    sent = submit_ok(phone)
    page = f"/lacak/{sent.tracking}"
    copy_session(phone, thief)
    assert OPENED in thief.get(page).get_data(as_text=True)  # the copy works while it lives
    assert post_form(phone, page, {}, post_url=f"{page}/keluar").status_code == 302
    for client in (phone, thief):
        asked = client.get(page).get_data(as_text=True)
        assert OPENED not in asked and "Kode akses" in asked


def test_keluar_on_one_case_leaves_the_other_open(portal: Flask, app: Flask) -> None:
    phone = app.test_client()
    first, second = submit_ok(phone), submit_ok(phone)
    post_form(phone, f"/lacak/{first.tracking}", {}, post_url=f"/lacak/{first.tracking}/keluar")
    assert OPENED not in phone.get(f"/lacak/{first.tracking}").get_data(as_text=True)
    assert OPENED in phone.get(f"/lacak/{second.tracking}").get_data(as_text=True)


def _cookie_contents(app: Flask, client: FlaskClient) -> str:
    """What anyone holding the browser's session cookie can read in it."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert signer is not None
    return repr(signer.loads(cookie.value))


def test_the_access_code_never_sits_in_the_session_cookie(portal: Flask, client: FlaskClient
                                                          ) -> None:
    response = submit(client)
    assert response.status_code == 302
    readable = _cookie_contents(portal, client)
    sent_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="kode-akses">' in sent_page  # shown once on the page ...
    code = sent_page.split('id="kode-akses">', 1)[1].split("<", 1)[0]
    assert code not in readable  # ... but never stored in the cookie
    assert code not in client.get("/pengaduan/terkirim").get_data(as_text=True)  # nor twice


def test_a_replayed_success_cookie_shows_the_code_no_more(portal: Flask, app: Flask) -> None:
    client, replay = app.test_client(), app.test_client()
    response = submit(client)
    copy_session(client, replay)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    code = page.split('id="kode-akses">', 1)[1].split("<", 1)[0]
    assert code not in replay.get("/pengaduan/terkirim").get_data(as_text=True)


def test_the_database_alone_does_not_hold_the_unseen_code(portal: Flask, client: FlaskClient
                                                          ) -> None:
    response = submit(client)
    with portal.app_context():
        rows = list(get_session().scalars(select(OneTimeSecret)))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    code = page.split('id="kode-akses">', 1)[1].split("<", 1)[0]
    assert len(rows) == 1
    assert code not in rows[0].sealed
    assert code.encode() not in base64.urlsafe_b64decode(rows[0].sealed)
    with portal.app_context():  # read once: gone
        assert list(get_session().scalars(select(OneTimeSecret))) == []


def test_an_unread_code_expires(portal: Flask, client: FlaskClient) -> None:
    start = utcnow()
    with time_machine.travel(start, tick=False):
        response = submit(client)
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="kode-akses">' not in page
