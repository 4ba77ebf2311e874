"""`audit verify` re-executes every case and names each tampered event, state and row."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import text

from app.audit.models import VerificationRun
from app.audit.verify import verify_all
from app.cases.models import Case
from app.db import get_session
from tests.audit.journeys import breached_then_answered, closed_by_timer, full_journey
from tests.stores import drop_guard, events_of, store  # noqa: F401 - the fixture


def _codes(*case_ids: int) -> list[str]:
    session = get_session()
    return [session.get(Case, i).tracking_code for i in case_ids]  # type: ignore[union-attr]


def test_an_untouched_database_verifies_every_case(store: Flask) -> None:  # noqa: F811
    journey, _moments = full_journey()
    by_timer = closed_by_timer()
    breached = breached_then_answered()
    report = verify_all()
    assert report.problems == {}
    assert report.cases_checked == 3
    closed = get_session().get(Case, by_timer)
    assert closed is not None and closed.outcome == "akhir_ditutup_otomatis"
    assert get_session().get(Case, breached).sla_breached  # type: ignore[union-attr]
    assert journey
    run = get_session().get(VerificationRun, report.run_id)
    assert run is not None and (run.cases_checked, run.problem_count) == (3, 0)


def test_verify_names_an_edited_a_deleted_and_a_reordered_event_and_a_changed_state(
    store: Flask,  # noqa: F811
) -> None:
    ids = [full_journey()[0], closed_by_timer(), breached_then_answered(), closed_by_timer()]
    edited, deleted, reordered, state_changed = _codes(*ids)
    drop_guard("case_events")
    session = get_session()
    # 1. edit the data of one event (the officer's verification decision)
    target = next(e for e in events_of(ids[0]) if e.bpmn_id == "verifikasi_pengaduan")
    target_seq = target.seq
    data = json.loads(target.data_json)
    data["data"]["data_yang_diminta"] = "Tidak ada yang diminta."
    session.execute(text("UPDATE case_events SET data_json = :d WHERE id = :i"),
                    {"d": json.dumps(data), "i": target.id})
    # 2. delete one event in the middle of another case (the team's study)
    gone = next(e for e in events_of(ids[1]) if e.bpmn_id == "telaah_pengaduan")
    gone_seq = gone.seq
    session.execute(text("DELETE FROM case_events WHERE id = :i"), {"i": gone.id})
    # 3. swap two events of a third case (their order, by seq)
    first, second = events_of(ids[2])[1:3]
    first_seq = first.seq
    session.execute(text("UPDATE case_events SET seq = -1 WHERE id = :i"), {"i": first.id})
    session.execute(text("UPDATE case_events SET seq = :s WHERE id = :i"),
                    {"s": first.seq, "i": second.id})
    session.execute(text("UPDATE case_events SET seq = :s WHERE id = :i"),
                    {"s": second.seq, "i": first.id})
    # 4. change a stored state directly: the case waits on a task it never reached
    case = session.get(Case, ids[3])
    assert case is not None
    state = case.state_json.replace('"state": 64', '"state": 16', 1)
    assert state != case.state_json
    session.execute(text("UPDATE cases SET state_json = :s WHERE id = :i"),
                    {"s": state, "i": ids[3]})
    session.commit()
    session.expire_all()

    report = verify_all()

    assert set(report.problems) == {edited, deleted, reordered, state_changed}
    assert any(f"#{target_seq}" in p and "diubah" in p for p in report.problems[edited])
    assert any(f"#{gone_seq}" in p and "hilang" in p for p in report.problems[deleted])
    assert any(f"#{first_seq}" in p for p in report.problems[reordered])
    assert any("keadaan tersimpan" in p for p in report.problems[state_changed])
    # the edited data also no longer re-executes to what is stored
    assert len(report.problems[edited]) > 1
