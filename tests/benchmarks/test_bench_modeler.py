"""How long the modeler waits for the server's lint and a form preview: `make bench`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.service import ensure_demo_users
from app.cli import upgrade_database
from app.processes.service import deploy_file, form_files
from tests.conftest import login
from tests.support import ROOT, make_test_app


@pytest.fixture(scope="module")
def owner(tmp_path_factory: pytest.TempPathFactory) -> tuple[FlaskClient, str, dict[str, str]]:
    app = make_test_app(Path(tmp_path_factory.mktemp("bench-modeler")))
    with app.app_context():
        upgrade_database()
        forms = form_files(deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms").version)
        ensure_demo_users()
    client = app.test_client()
    login(client, "pemilik")
    token = re.search(r'"csrf": "([^"]+)"', client.get("/proses/modeler/").get_data(as_text=True))
    assert token
    return client, token.group(1), forms


def test_bench_lint_as_you_edit(benchmark: Any, owner: tuple[FlaskClient, str, dict[str, str]]
                                ) -> None:
    """POST the real diagram and its files to the lint endpoint (what each edit costs)."""
    client, token, forms = owner
    body = {"xml": (ROOT / "process" / "pengaduan.bpmn").read_text("utf-8"), "forms": forms}
    response = benchmark(client.post, "/proses/modeler/periksa", json=body,
                         headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_bench_form_preview_with_validation(
        benchmark: Any, owner: tuple[FlaskClient, str, dict[str, str]]) -> None:
    """Render and validate the start form in the form editor's preview."""
    client, token, forms = owner
    body = {"schema": forms["pengajuan.schema.json"], "ui": forms["pengajuan.uischema.json"],
            "check": True, "values": [["uraian", "contoh"]]}
    response = benchmark(client.post, "/proses/modeler/formulir/pratinjau", json=body,
                         headers={"X-CSRFToken": token})
    assert response.status_code == 200
