"""Form-posting helpers of the inbox tests."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import csrf_token_from

VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')


def as_form(data: dict[str, Any]) -> dict[str, Any]:
    """DATA as a browser sends it: booleans as true/false."""
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in data.items()}


def open_task(client: FlaskClient, task_id: str) -> tuple[str, str, str]:
    """GET the task page; returns (html, csrf token, case version)."""
    response = client.get(f"/tugas/{task_id}")
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    match = VERSION_INPUT.search(html)
    return html, csrf_token_from(html), match.group(1) if match else ""


def token(client: FlaskClient) -> str:
    """A CSRF token of CLIENT's session."""
    return csrf_token_from(client.get("/tugas/antrean").get_data(as_text=True))


def complete(client: FlaskClient, task_id: str, data: dict[str, Any],
             action: str = "selesai") -> TestResponse:
    """Open the task page and submit DATA with its token and version."""
    _html, csrf, version = open_task(client, task_id)
    return client.post(f"/tugas/{task_id}", data={
        "csrf_token": csrf, "version": version, "aksi": action, **as_form(data)})


def text(response: TestResponse) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)
