"""The XES export is a log pm4py reads and replays on the diagram; no export carries identity."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import select

from app.cases.models import CaseEvent
from app.db import get_session
from tests.audit.journeys import closed_by_timer, full_journey, referred
from tests.support import ROOT, START_DATA

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# pm4py's BPMN-to-Petri-net conversion keeps tasks, start/end events and gateways; these
# element kinds it leaves out, so a task entered from one cannot fit in its net.
DROPPED_BY_PM4PY = {"intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
                    "eventBasedGateway"}


def _diagram_names() -> tuple[set[str], set[str]]:
    """Every element name of the diagram, and the names of tasks entered from a dropped kind."""
    root = etree.parse(str(ROOT / "process" / "pengaduan.bpmn")).getroot()
    by_id = {n.get("id"): n for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
    names = {n.get("name") for n in by_id.values() if n.get("name")}
    entered_from_dropped = set()
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        source, target = by_id[flow.get("sourceRef")], by_id[flow.get("targetRef")]
        if etree.QName(source).localname in DROPPED_BY_PM4PY and target.get("name"):
            entered_from_dropped.add(target.get("name"))
    return names, entered_from_dropped  # type: ignore[return-value]


def test_pm4py_reads_the_xes_log_and_replays_it_on_the_diagram(
    app: Flask, demo_users: list[str], tmp_path: Path
) -> None:
    pm4py = pytest.importorskip("pm4py")
    with app.app_context():
        ids = [full_journey()[0], referred(), closed_by_timer()]
        events = get_session().scalars(select(CaseEvent).where(CaseEvent.case_id.in_(ids)))
        process_events = [e for e in events if e.type != "identity_revealed"]
    target = tmp_path / "log.xes"
    result = app.test_cli_runner().invoke(args=["audit", "export", "--format", "xes",
                                                "-o", str(target)])
    assert result.exit_code == 0, result.output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.read_xes(str(target), return_legacy_log_object=True)
        frame = pm4py.convert_to_dataframe(log)
        bpmn = pm4py.read_bpmn(str(ROOT / "process" / "pengaduan.bpmn"))
        net, initial, final = pm4py.convert_to_petri_net(bpmn)
    assert len(log) == 3
    assert len(frame) == len(process_events)
    names, entered_from_dropped = _diagram_names()
    assert set(frame["concept:name"]) <= names
    assert "Memberikan tindak lanjut teknis" in set(frame["concept:name"])
    assert {t.attributes["channel"] for t in log} == {START_DATA["kanal"]}
    assert set(frame["lifecycle:transition"]) == {"complete"}
    # Replay on the net pm4py converts, projected on the activities that net has.
    labels = {t.label for t in net.transitions if t.label}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        projected = pm4py.filter_event_attribute_values(log, "concept:name", labels,
                                                        level="event", retain=True)
        diagnostics = pm4py.conformance_diagnostics_token_based_replay(
            projected, net, initial, final)
    by_case = {t.attributes["concept:name"]: d for t, d in zip(projected, diagnostics,
                                                                 strict=True)}
    codes = sorted(by_case)
    referred_code = codes[1]
    assert by_case[referred_code]["trace_is_fit"]  # verified, referred: fits entirely
    for diagnostic in diagnostics:
        # every deviation sits at a task pm4py's conversion cut off from its predecessor
        problems = {t.label for t in diagnostic["transitions_with_problems"]}
        assert problems <= entered_from_dropped


def test_csv_exports_carry_no_identity_and_every_event(
    app: Flask, demo_users: list[str]
) -> None:
    with app.app_context():
        referred(anonim=True, nama="Rahasia Sekali Orangnya")
        full_journey()
    runner = app.test_cli_runner()
    events = runner.invoke(args=["audit", "export", "--format", "csv"])
    cases = runner.invoke(args=["audit", "export", "--format", "csv", "--table", "cases"])
    xes = runner.invoke(args=["audit", "export", "--format", "xes"])
    for result in (events, cases, xes):
        assert result.exit_code == 0
        for value in ("Rahasia Sekali Orangnya", START_DATA["nama"], START_DATA["nik"],
                      START_DATA["telepon"], START_DATA["uraian"]):
            assert value not in result.output
    rows = list(csv.DictReader(io.StringIO(events.output)))
    with app.app_context():
        assert len(rows) == len(list(get_session().scalars(select(CaseEvent))))
    assert {r["pelaku"] for r in rows if r["jenis_peristiwa"] == "case_submitted"} == {"Pelapor"}
    case_rows = list(csv.DictReader(io.StringIO(cases.output)))
    assert sorted(r["anonymous"] for r in case_rows) == ["0", "1"]
