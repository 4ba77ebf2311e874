"""`flask audit verify`: a progress bar, each problem by case and event, the exit code."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import text

from app.cases.models import Case
from app.db import get_session
from tests.audit.journeys import closed_by_timer, full_journey
from tests.stores import drop_guard, events_of


def test_verify_reports_by_case_and_exits_non_zero(app: Flask, demo_users: list[str]) -> None:
    with app.app_context():
        good = get_session().get(Case, full_journey()[0]).tracking_code  # type: ignore[union-attr]
        bad_id = closed_by_timer()
        bad = get_session().get(Case, bad_id).tracking_code  # type: ignore[union-attr]
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["audit", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "Memeriksa kasus" in clean.output  # the progress bar's label
    assert "2 kasus dan 1 versi proses diperiksa; 0 bermasalah." in clean.output
    with app.app_context():
        drop_guard("case_events")
        event = events_of(bad_id)[2]
        seq = event.seq
        data = json.loads(event.data_json)
        data["data"]["jawaban"] = "Jawaban lain."
        get_session().execute(text("UPDATE case_events SET data_json = :d WHERE id = :i"),
                              {"d": json.dumps(data), "i": event.id})
        get_session().commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"{bad}: peristiwa #{seq}: isi telah diubah" in broken.output
    assert good not in broken.output.replace("Memeriksa kasus", "")
    one = runner.invoke(args=["audit", "verify", "--case", good])
    assert one.exit_code == 0 and "1 kasus" in one.output
    later = runner.invoke(args=["audit", "verify", "--since", "2099-01-01"])
    assert later.exit_code == 0 and "0 kasus" in later.output
    unknown = runner.invoke(args=["audit", "verify", "--case", "ADU-1999-000001"])
    assert unknown.exit_code == 2
