"""History holds under attack: every event field is hashed, a deleted tail or an edited
process version is detected, event data must be JSON, concurrent deploys number cleanly."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.cases import service
from app.cases.events import EventDataError, EventLog, canonical_json, verify_case
from app.cases.integrity import verify_version
from app.cases.models import ProcessVersion
from app.db import get_session
from app.processes import service as processes
from app.processes.service import deploy
from tests.conftest import login
from tests.stores import (
    MONDAY_MORNING,
    drop_guard,
    events_of,
    reload,
    step,
    submit,
)
from tests.support import FORWARD, OFFICER, ROOT, STUDY_ALONE, TEAM, postgres_schema_url

DIAGRAM = ROOT / "process" / "pengaduan.bpmn"


def _moved_case() -> int:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
        step(case.id, "verifikasi_pengaduan", FORWARD, OFFICER)
    return case.id


def _problems(case_id: int) -> list[str]:
    case = reload(case_id)
    return verify_case(case, events_of(case_id)) + verify_version(case.process_version)


def test_an_intact_case_and_version_verify_clean(store: Flask) -> None:
    case_id = _moved_case()
    assert reload(case_id).event_count == len(events_of(case_id)) > 1
    assert _problems(case_id) == []


def test_an_edited_actor_role_is_detected(store: Flask) -> None:
    case_id = _moved_case()
    drop_guard("case_events")
    get_session().execute(
        text("UPDATE case_events SET actor_role = 'Administrator' WHERE type = 'task_completed'")
    )
    get_session().commit()
    problems = _problems(case_id)
    assert any("isi telah diubah" in p for p in problems), problems


def test_deleting_the_last_event_is_detected(store: Flask) -> None:
    case_id = _moved_case()
    last = events_of(case_id)[-1]
    drop_guard("case_events")
    session = get_session()
    session.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": last.id})
    session.commit()
    remaining = events_of(case_id)
    assert remaining and verify_case(reload(case_id), remaining) != []
    problems = _problems(case_id)
    assert any("peristiwa terakhir hilang" in p for p in problems), problems


def test_a_step_after_a_deleted_tail_does_not_hide_the_gap(store: Flask) -> None:
    case_id = _moved_case()
    last = events_of(case_id)[-1]
    drop_guard("case_events")
    get_session().execute(text("DELETE FROM case_events WHERE id = :id"), {"id": last.id})
    get_session().commit()
    get_session().expunge_all()  # the deleted row is gone; SQLite may hand its id out again
    with time_machine.travel(MONDAY_MORNING, tick=False):
        step(case_id, "telaah_pengaduan", STUDY_ALONE, TEAM)
    problems = _problems(case_id)
    assert any(f"peristiwa #{last.seq} hilang" in p for p in problems), problems


def test_event_data_that_is_not_json_is_refused(store: Flask) -> None:
    for bad in ({"tanggal": date(2026, 12, 1)}, {"pilihan": {"a", "b"}}, {1: "kunci angka"},
                {"nilai": float("nan")}, {"urutan": ("a", "b")}):
        with pytest.raises(EventDataError):
            canonical_json(bad)
    assert canonical_json({"b": [1, 2.5, None, True], "a": "teks"}) == (
        '{"a":"teks","b":[1,2.5,null,true]}'
    )
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
    session = get_session()
    log = EventLog(session, reload(case.id))
    with pytest.raises(EventDataError, match="date is not a JSON value"):
        log.append("note_added", OFFICER, MONDAY_MORNING, {"tanggal": date(2026, 12, 1)})
    session.rollback()
    assert [e.type for e in events_of(case.id)][-1] != "note_added"
    assert verify_case(reload(case.id), events_of(case.id)) == []


def test_a_deployed_version_cannot_be_changed_in_the_database(store: Flask) -> None:
    session = get_session()
    with pytest.raises(DBAPIError, match="immutable"):
        session.execute(text("UPDATE process_versions SET note = 'diubah'"))
    session.rollback()
    with pytest.raises(DBAPIError, match="immutable"):
        session.execute(text("DELETE FROM process_versions"))
    session.rollback()
    assert session.scalars(select(ProcessVersion.note)).all() == [""]


def test_an_edited_process_version_is_detected(store: Flask) -> None:
    case_id = _moved_case()
    drop_guard("process_versions")
    session = get_session()
    xml = session.scalars(select(ProcessVersion.bpmn_xml)).one()
    edited = xml.replace(b"Menelaah pengaduan", b"Menelaah pengaduan (diubah)")
    assert edited != xml
    session.execute(text("UPDATE process_versions SET bpmn_xml = :x"), {"x": edited})
    session.commit()
    session.expire_all()
    problems = _problems(case_id)
    assert any("versi proses 1 telah diubah" in p for p in problems), problems


def test_the_audit_page_reports_a_deleted_tail_and_an_edited_version(
    app: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    with app.app_context():
        processes.deploy_file(DIAGRAM, ROOT / "forms")
        case_id = _moved_case()
        code = reload(case_id).tracking_code
    login(client, "auditor")
    page = client.get(f"/audit/kasus/{code}").get_data(as_text=True)
    assert "Rantai peristiwa utuh" in page
    with app.app_context():
        drop_guard("case_events")
        drop_guard("process_versions")
        session = get_session()
        session.execute(
            text("DELETE FROM case_events WHERE seq = (SELECT MAX(seq) FROM case_events)")
        )
        session.execute(
            text("UPDATE process_versions SET forms_json = replace(forms_json, 'Judul', 'J')")
        )
        session.commit()
    page = client.get(f"/audit/kasus/{code}").get_data(as_text=True)
    assert "Rantai peristiwa rusak" in page
    assert "peristiwa terakhir hilang" in page
    assert "versi proses 1 telah diubah setelah dipasang" in page


def _variant(number: int) -> bytes:
    """The real diagram with a different task name: different content, same process."""
    return DIAGRAM.read_bytes().replace(
        b"Menelaah pengaduan", f"Menelaah pengaduan (varian {number})".encode()
    )


@pytest.mark.postgres
def test_two_deploys_at_the_same_moment_get_consecutive_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.stores import deployed_app

    with postgres_schema_url() as url:
        app = deployed_app(url)
        forms = processes.read_forms(DIAGRAM.read_bytes(), ROOT / "forms")
        both_read = threading.Barrier(2)
        real_now = processes.utcnow
        waited: set[int] = set()

        def now_after_both_read() -> Any:
            # Called after the newest version was read: hold each deploy until both have read.
            if threading.get_ident() not in waited:
                waited.add(threading.get_ident())
                both_read.wait(timeout=20)
            return real_now()

        monkeypatch.setattr(processes, "utcnow", now_after_both_read)
        outcomes: list[Any] = []

        def deploy_variant(number: int) -> None:
            with app.app_context():
                try:
                    outcomes.append(deploy(_variant(number), forms, deployed_by="pemilik"))
                except Exception as exc:  # noqa: BLE001 - the outcome under test
                    outcomes.append(exc)

        threads = [threading.Thread(target=deploy_variant, args=(n,)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert all(isinstance(o, processes.DeployResult) and o.created for o in outcomes), outcomes
        assert sorted(o.version.version for o in outcomes) == [2, 3]
        with app.app_context():
            numbers = get_session().scalars(select(ProcessVersion.version)).all()
            assert sorted(numbers) == [1, 2, 3]
            assert service.active_version().version == 3
        app.extensions["db_engine"].dispose()


def test_the_verify_command_names_each_damaged_case_and_version(tmp_path: Path) -> None:
    from tests.stores import deployed_app

    app = deployed_app(f"sqlite:///{tmp_path / 'v.sqlite'}", UPLOAD_DIR=str(tmp_path / "up"))
    runner = app.test_cli_runner()
    with app.app_context():
        intact, damaged = _moved_case(), _moved_case()
        codes = {reload(i).tracking_code: i for i in (intact, damaged)}
    clean = runner.invoke(args=["audit", "verify"])
    assert clean.exit_code == 0
    assert "2 kasus dan 1 versi proses diperiksa; 0 bermasalah." in clean.output
    with app.app_context():
        drop_guard("case_events")
        drop_guard("process_versions")
        session = get_session()
        session.execute(
            text("DELETE FROM case_events WHERE case_id = :c AND seq = :s"),
            {"c": damaged, "s": len(events_of(damaged))},
        )
        session.execute(text("UPDATE process_versions SET bpmn_xml = bpmn_xml || ' '"))
        session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "2 kasus dan 1 versi proses diperiksa; 2 bermasalah." in result.output
    damaged_code = next(code for code, i in codes.items() if i == damaged)
    intact_code = next(code for code, i in codes.items() if i == intact)
    assert f"{damaged_code}: peristiwa terakhir hilang" in result.output
    assert "pengaduan v1: versi proses 1 telah diubah" in result.output
    assert intact_code not in result.output
    app.extensions["db_engine"].dispose()
