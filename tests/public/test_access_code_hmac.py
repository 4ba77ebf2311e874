"""Access codes are kept as a keyed HMAC; codes stored as scrypt before still open their case."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.cases import access_codes, service
from app.cases.models import Case
from app.db import get_session
from tests.public.conftest import post_form, submit_ok


def _stored_hash(app: Flask, tracking: str) -> str:
    with app.app_context():
        return get_session().scalars(
            select(Case.access_code_hash).where(Case.tracking_code == tracking)).one()


def _opens(client: FlaskClient, tracking: str, code: str) -> bool:
    response = post_form(client, "/lacak", {"nomor": tracking, "kode": code})
    return response.status_code == 302


def test_a_new_code_is_stored_as_a_keyed_hmac_not_the_code(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    sent = submit_ok(client)
    stored = _stored_hash(app, sent.tracking)
    assert stored.startswith("hmac-sha256$") and sent.code not in stored
    assert _opens(app.test_client(), sent.tracking, sent.code.lower().replace("-", " "))
    assert not _opens(app.test_client(), sent.tracking, "AAAA-BBBB")


def test_an_old_scrypt_code_still_opens_and_is_rehashed(
    portal: Flask, client: FlaskClient, app: Flask
) -> None:
    sent = submit_ok(client)
    with app.app_context():
        session = get_session()
        case = session.scalars(select(Case).where(Case.tracking_code == sent.tracking)).one()
        case.access_code_hash = generate_password_hash(sent.code)
        session.commit()
    assert not _opens(app.test_client(), sent.tracking, "AAAA-BBBB")
    assert _stored_hash(app, sent.tracking).startswith("scrypt:")
    assert _opens(app.test_client(), sent.tracking, sent.code)
    assert _stored_hash(app, sent.tracking).startswith("hmac-sha256$")
    assert _opens(app.test_client(), sent.tracking, sent.code)


def test_set_access_code_replaces_the_code(portal: Flask, client: FlaskClient, app: Flask) -> None:
    sent = submit_ok(client)
    with app.app_context():
        session = get_session()
        case = session.scalars(select(Case).where(Case.tracking_code == sent.tracking)).one()
        service.set_access_code(case, "WXYZ-2345")
        session.commit()
        assert service.check_access_code(case, "wxyz2345")
        assert not service.check_access_code(case, sent.code)
    assert _opens(app.test_client(), sent.tracking, "WXYZ-2345")
    assert not _opens(app.test_client(), sent.tracking, sent.code)


def test_a_key_of_its_own_changes_every_hash(portal: Flask, app: Flask) -> None:
    with app.app_context():
        derived = access_codes.hash_code("ABCD-EFGH")
        app.config["ACCESS_CODE_KEY"] = "a-separate-secret-key-for-access-codes"
        assert access_codes.hash_code("ABCD-EFGH") != derived
        assert access_codes.verify(access_codes.hash_code("abcdefgh"), "ABCD-EFGH") == (True, None)
