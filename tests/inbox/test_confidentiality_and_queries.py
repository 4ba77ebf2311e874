"""Anonymous complainants stay anonymous to the team; the lists read only the task index."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from app import create_app
from app.auth.service import ensure_demo_users, get_user_by_username
from app.cases import service as cases
from app.cases.attachments import Upload, save_uploads
from app.cases.events import PUBLIC
from app.cli import upgrade_database
from app.db import get_engine, get_session
from app.inbox import service as inbox
from app.processes.service import deploy_file
from tests.inbox.conftest import (
    START,
    advance,
    ready_task,
    submit,
)
from tests.inbox.test_task_actions import PNG
from tests.support import FORWARD, ROOT, STUDY_WITH_PCS, postgres_schema_url

Clients = Callable[[str], FlaskClient]
SECRETS = ("Siti Aminah", "1605011201900001", "1605010101090001", "081234567890",
           "siti.aminah@example.com")
LINK = re.compile(r'href="(/tugas/[^"?#]+)"')


def _anonymous_case_with_photo(app: Flask) -> int:
    with app.app_context():
        ids = save_uploads([Upload("ktp_siti_aminah.png", io.BytesIO(PNG))], PUBLIC)
        data = {**START, "anonim": True, "lampiran": ids}
        return cases.submit_case(data, PUBLIC, attachment_ids=ids).case.id


def _crawl(client: FlaskClient, start: list[str]) -> dict[str, str]:
    """Every /tugas page and download reachable from START by links (GET only)."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo:
        url = todo.pop()
        if url in seen or url.endswith(("/ambil", "/lepas", "/alihkan")):
            continue
        with client.get(url) as response:
            body = response.get_data(as_text=False).decode("utf-8", "replace")
            seen[url] = f"{response.status_code} {response.headers} {body}"
        todo.extend(LINK.findall(body))
    return seen


def test_an_anonymous_identity_never_reaches_the_team_or_the_division(
        deployed: Flask, signed_in: Clients) -> None:
    case_id = _anonymous_case_with_photo(deployed)
    officer = signed_in("petugas")
    verify = ready_task(deployed, case_id, "verifikasi_pengaduan")
    officer_page = officer.get(f"/tugas/{verify.id}").get_data(as_text=True)
    assert all(secret in officer_page for secret in SECRETS)  # the desk officer sees them
    assert "ktp_siti_aminah.png" in officer_page
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    team_task = ready_task(deployed, case_id, "telaah_pengaduan").id
    pages = {"tim": [f"/tugas/{team_task}", "/tugas", "/tugas/antrean", "/tugas/semua"]}
    advance(deployed, case_id, "telaah_pengaduan", STUDY_WITH_PCS, "tim")
    division_task = ready_task(deployed, case_id, "tindak_lanjut_teknis").id
    pages["tim"] += ["/tugas/selesai", f"/tugas/{team_task}"]
    pages["teknis_pcs"] = [f"/tugas/{division_task}", "/tugas/antrean", "/tugas/selesai"]
    pages["tim2"] = [f"/tugas/{team_task}"]
    for username, start in pages.items():
        reached = _crawl(signed_in(username), start)
        task_pages = [body for url, body in reached.items() if url.count("/") == 2
                      and len(url) > 30]
        assert task_pages and all("Identitas dirahasiakan (pelapor anonim)" in body
                                  for body in task_pages), username
        for url, body in reached.items():
            for secret in (*SECRETS, "ktp_siti_aminah"):
                assert secret not in body, (username, url, secret)
    # Not even by guessing the download address.
    photo_id = re.search(r"/lampiran/([0-9a-f]{32})", officer_page)
    assert photo_id
    assert signed_in("teknis_pcs").get(
        f"/tugas/{division_task}/lampiran/{photo_id.group(1)}").status_code == 404


def test_a_named_complainant_is_visible_to_the_team(deployed: Flask, signed_in: Clients) -> None:
    case_id, _code = submit(deployed)
    advance(deployed, case_id, "verifikasi_pengaduan", FORWARD)
    task = ready_task(deployed, case_id, "telaah_pengaduan")
    page = signed_in("tim").get(f"/tugas/{task.id}").get_data(as_text=True)
    assert "Siti Aminah" in page and "081234567890" in page
    assert "Identitas dirahasiakan" not in page


@contextmanager
def recorded_sql(app: Flask, with_params: bool = False) -> Iterator[list[Any]]:
    """The SQL statements (with their parameters if asked) the app runs inside the block."""
    statements: list[Any] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        statements.append((statement, params) if with_params else statement)

    with app.app_context():
        engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


TABLE = re.compile(r'\b(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?', re.IGNORECASE)


@pytest.mark.parametrize("path", ["/tugas", "/tugas/antrean", "/tugas/selesai",
                                  "/tugas/antrean?q=KTP&terlambat=1&service=ktp_el"])
def test_the_inbox_reads_only_the_human_tasks_table(deployed: Flask, signed_in: Clients,
                                                     path: str) -> None:
    for _ in range(3):
        submit(deployed)
    client = signed_in("petugas")
    client.get("/tugas/antrean")  # warm the label cache (refreshed only on unknown codes)
    with recorded_sql(deployed) as statements:
        response = client.get(path)
    assert response.status_code == 200
    tables = {t.lower() for sql in statements for t in TABLE.findall(sql)}
    # users and role_assignments: the signed-in user and their roles (Flask-Login).
    assert tables <= {"human_tasks", "users", "role_assignments"}, tables
    assert "human_tasks" in tables
    task_sql = [sql for sql in statements if "human_tasks" in sql]
    assert all("cases" not in sql and "state_json" not in sql for sql in task_sql)


def test_the_queue_and_my_tasks_queries_use_their_indexes_on_sqlite(
        deployed: Flask, signed_in: Clients) -> None:
    for _ in range(5):
        submit(deployed)
    for username, path, index in (("petugas", "/tugas/antrean", "ix_human_tasks_queue"),
                                  ("teknis_pcs", "/tugas/antrean", "ix_human_tasks_queue"),
                                  ("petugas", "/tugas", "ix_human_tasks_assignee")):
        client = signed_in(username)
        with recorded_sql(deployed, with_params=True) as statements:
            client.get(path)
        task_sql = [(sql, params) for sql, params in statements if "FROM human_tasks" in sql]
        assert task_sql, statements
        plans = []
        with deployed.app_context():
            connection = get_session().connection()
            for sql, params in task_sql:
                plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
                plans.append(" | ".join(str(row[-1]) for row in plan))
        # Every list, count and filter-option query searches an index; none scans the table.
        for detail in plans:
            assert "SEARCH human_tasks USING" in detail, (username, path, detail)
            assert not re.search(r"SCAN human_tasks(?! USING)", detail), detail
        assert any(index in detail for detail in plans), (index, plans)


@pytest.mark.postgres
def test_the_queue_query_uses_its_index_on_postgresql() -> None:
    with postgres_schema_url() as url:
        app = create_app("test", {"DATABASE_URL": url,
                                  "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            upgrade_database()
            deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
            ensure_demo_users()
            for _ in range(3):
                cases.submit_case({**START}, PUBLIC)
            user = get_user_by_username("petugas")
            statement = inbox.list_statement(user, inbox.InboxFilters(view="antrean"))
            compiled = statement.compile(get_engine(), compile_kwargs={"literal_binds": True})
            connection = get_session().connection()
            # A handful of rows: make the planner show which index it *can* use.
            connection.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {compiled}")))
            get_session().rollback()
        app.extensions["db_engine"].dispose()
    assert "ix_human_tasks_queue" in plan, plan
