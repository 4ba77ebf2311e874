"""A fault after the engine step and before the commit leaves the case exactly as it was:
case row, tasks, timers, events, attachments and files, outbox; for a completion and a sweep."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask, current_app
from sqlalchemy import Table, select

from app.cases import service, store
from app.cases.attachments import Upload, save_uploads
from app.cases.events import PUBLIC
from app.cases.models import Attachment, Case, CaseEvent, HumanTask, Timer
from app.db import get_session
from app.engine import WIB
from app.notify.models import Outbox
from tests.stores import MONDAY_MORNING, reload, step, submit
from tests.support import ANSWER, DELIVER, FORWARD, OFFICER, START_DATA, STUDY_ALONE, TEAM

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
# Ten working days after the answer with no reply from the complainant: the case closes itself.
AUTO_CLOSE = datetime(2026, 12, 15, 8, 0, tzinfo=WIB)
RETRY_COLUMNS = ("attempts", "next_attempt_at", "last_error")


class PowerCut(RuntimeError):
    """The injected fault."""


def _rows(table: Any, *where: Any) -> list[tuple[Any, ...]]:
    columns: Table = table.__table__
    query = select(columns).where(*where).order_by(*columns.primary_key.columns)
    return [tuple(row) for row in get_session().execute(query)]


def snapshot(case_id: int, skip_timer_retry: bool = False) -> dict[str, Any]:
    """Every stored row that a step of CASE_ID may touch, and the files on disk."""
    session = get_session()
    session.expire_all()
    timers = _rows(Timer, Timer.case_id == case_id)
    if skip_timer_retry:
        names = [c.name for c in Timer.__table__.columns]
        keep = [i for i, name in enumerate(names) if name not in RETRY_COLUMNS]
        timers = [tuple(row[i] for i in keep) for row in timers]
    folder = Path(current_app.config["UPLOAD_DIR"])
    return {
        "case": _rows(Case, Case.id == case_id),
        "tasks": _rows(HumanTask, HumanTask.case_id == case_id),
        "timers": timers,
        "events": _rows(CaseEvent, CaseEvent.case_id == case_id),
        "attachments": _rows(Attachment),
        "outbox": _rows(Outbox),
        "files": sorted(
            (p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in folder.glob("*")
        )
        if folder.exists()
        else [],
    }


def _fail_after(module: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make MODULE.NAME do its work, then fail: the step is computed and (partly) written."""
    real: Callable[..., Any] = getattr(module, name)

    def then_fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise PowerCut(f"listrik padam setelah {name}")

    monkeypatch.setattr(module, name, then_fail)


# After the engine step: inside apply_step (rows changed), or after _announce (rows flushed to
# the database and the notification subscribers have added their outbox rows).
INJECTION_POINTS = [(store, "_sync_tasks"), (service, "_announce")]


@pytest.mark.parametrize(("module", "name"), INJECTION_POINTS, ids=["apply_step", "announce"])
def test_a_fault_in_complete_task_leaves_everything_as_it_was(
    store: Flask, module: Any, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        case = submit()
        [file_id] = save_uploads([Upload("surat.png", io.BytesIO(PNG))], OFFICER)
        get_session().commit()
        [task] = get_session().scalars(
            select(HumanTask.id).where(HumanTask.case_id == case.id, HumanTask.status == "ready")
        )
        before = snapshot(case.id)
        _fail_after(module, name, monkeypatch)
        with pytest.raises(PowerCut):
            service.complete_task(task, FORWARD, OFFICER, attachment_ids=[file_id])
        assert snapshot(case.id) == before
        monkeypatch.undo()
        # Nothing was half-done: the same completion now goes through.
        service.complete_task(task, FORWARD, OFFICER, attachment_ids=[file_id])
    assert snapshot(case.id) != before
    assert get_session().get(Attachment, file_id).case_id == case.id  # type: ignore[union-attr]


@pytest.mark.parametrize(("module", "name"), INJECTION_POINTS, ids=["apply_step", "announce"])
def test_a_fault_in_the_timer_sweep_leaves_everything_but_the_retry_note(
    store: Flask, module: Any, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        # With an e-mail address: closing the case queues a message in the same transaction.
        case = service.submit_case({**START_DATA, "email": "siti@example.org"}, PUBLIC).case
        step(case.id, "verifikasi_pengaduan", FORWARD, OFFICER)
        step(case.id, "telaah_pengaduan", STUDY_ALONE, TEAM)
        step(case.id, "susun_jawaban", ANSWER, TEAM)
        step(case.id, "sampaikan_jawaban", DELIVER, OFFICER)
    before = snapshot(case.id, skip_timer_retry=True)
    _fail_after(module, name, monkeypatch)
    with time_machine.travel(AUTO_CLOSE, tick=False):
        assert service.fire_due_timers() == 0
    assert snapshot(case.id, skip_timer_retry=True) == before
    assert reload(case.id).status == "berjalan"
    failed = get_session().scalars(select(Timer).where(Timer.attempts > 0)).all()
    assert failed and all("PowerCut" in (t.last_error or "") for t in failed)
    monkeypatch.undo()
    with time_machine.travel(AUTO_CLOSE.replace(hour=9), tick=False):
        assert service.fire_due_timers() == 1
    assert reload(case.id).status == "selesai"
    assert len(_rows(Outbox)) > len(before["outbox"])  # the message the fault had undone

