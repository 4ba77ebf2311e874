"""Versions, diff and migration of the real diagram: engine, CLI (`flask process ...`) and store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.audit.service import audit_case
from app.cases import service
from app.cases.events import PUBLIC, verify_chain
from app.cases.models import Case, CaseEvent, HumanTask, ProcessVersion
from app.cli import upgrade_database
from app.db import get_session
from app.engine.diffing import diff_versions
from app.processes.service import deploy, read_forms
from tests.support import (
    ACCEPT,
    ANSWER,
    DELIVER,
    FORWARD,
    OFFICER,
    ROOT,
    START_DATA,
    STUDY_ALONE,
    TEAM,
    make_test_app,
    postgres_schema_url,
)

DIAGRAM = (ROOT / "process" / "pengaduan.bpmn").read_text(encoding="utf-8")
FORMS = read_forms(DIAGRAM.encode(), ROOT / "forms")
VERIFY_OLD_NAME = 'name="Menerima, mencatat dan memverifikasi pengaduan"'
VERIFY_NEW_NAME = 'name="Memverifikasi pengaduan"'
STUDY_OLD_NAME = 'name="Menelaah pengaduan"'
STUDY_NEW_NAME = 'name="Menelaah pengaduan dengan cermat"'


def _sub(xml: str, old: str, new: str) -> str:
    assert old in xml, old
    return xml.replace(old, new)


def safe_revision() -> tuple[str, dict[str, str]]:
    """Version 2: renamed tasks, a reworded form field: every running case can move."""
    xml = _sub(_sub(DIAGRAM, VERIFY_OLD_NAME, VERIFY_NEW_NAME), STUDY_OLD_NAME, STUDY_NEW_NAME)
    forms = dict(FORMS)
    forms["telaah.schema.json"] = _sub(
        forms["telaah.schema.json"], '"Hasil telaah"', '"Hasil penelaahan"'
    )
    return xml, forms


def unsafe_revision() -> str:
    """Version 3: the verification becomes a manual task: a case waiting there cannot move."""
    start = DIAGRAM.index('<bpmn:userTask id="verifikasi_pengaduan"')
    end = DIAGRAM.index("</bpmn:userTask>", start)
    element = DIAGRAM[start:end].replace("<bpmn:userTask", "<bpmn:manualTask", 1)
    return (
        DIAGRAM[:start] + element + "</bpmn:manualTask>" + DIAGRAM[end + len("</bpmn:userTask>") :]
    )


@pytest.fixture
def versions(app: Flask) -> Any:
    """Version 1 (the real diagram), a case waiting at its first task, then versions 2 and 3."""
    with app.app_context():
        deploy(DIAGRAM.encode(), FORMS, deployed_by="cli", note="awal")
        case = service.submit_case(dict(START_DATA), PUBLIC).case
        xml, forms = safe_revision()
        deploy(xml.encode(), forms, deployed_by="cli", note="nama tugas lebih jelas")
        deploy(unsafe_revision().encode(), FORMS, deployed_by="cli", note="tugas manual")
        return case.tracking_code


def _case(code: str) -> Case:
    found = get_session().scalars(select(Case).where(Case.tracking_code == code)).one()
    get_session().refresh(found)
    return found


def _ready(case: Case) -> HumanTask:
    return (
        get_session()
        .scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == "ready"))
        .one()
    )


def _events(case: Case) -> list[CaseEvent]:
    return list(
        get_session().scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


def test_versions_lists_author_comment_hash_and_case_counts(
    app: Flask, runner: FlaskCliRunner, versions: str
) -> None:
    result = runner.invoke(args=["process", "versions"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    v1 = next(line for line in lines if line.strip().startswith("versi 1 "))
    assert "oleh cli" in v1 and "berjalan 1" in v1 and "selesai 0" in v1
    assert "catatan: nama tugas lebih jelas" in result.output
    with app.app_context():
        digest = get_session().scalars(select(ProcessVersion.content_hash)).first()
    assert f"sidik {digest[:12]}" in result.output


def test_deploy_takes_a_comment(app: Flask, runner: FlaskCliRunner, tmp_path: Any) -> None:
    path = tmp_path / "pengaduan.bpmn"
    path.write_text(DIAGRAM, encoding="utf-8")
    result = runner.invoke(
        args=[
            "process",
            "deploy",
            str(path),
            "--forms",
            str(ROOT / "forms"),
            "--comment",
            "SOP 2026",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert get_session().scalars(select(ProcessVersion.note)).one() == "SOP 2026"


def test_diff_lists_renamed_tasks_and_the_reworded_form(
    runner: FlaskCliRunner, versions: str
) -> None:
    result = runner.invoke(args=["process", "diff", "1", "2"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "diubah    userTask telaah_pengaduan (Menelaah pengaduan dengan cermat)" in out
    assert "nama elemen: Menelaah pengaduan → Menelaah pengaduan dengan cermat" in out
    assert "diubah    berkas telaah.schema.json" in out
    assert 'properties.hasil_telaah.title: "Hasil telaah" → "Hasil penelaahan"' in out
    assert "gw_hasil_verifikasi" not in out  # untouched elements are not listed


def test_diff_of_a_missing_version_says_so(runner: FlaskCliRunner, versions: str) -> None:
    result = runner.invoke(args=["process", "diff", "1", "9"])
    assert result.exit_code == 1
    assert "Versi 9 tidak ditemukan." in result.output


def test_dry_run_shows_the_task_map_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner, versions: str
) -> None:
    result = runner.invoke(
        args=["process", "migrate", "--case", versions, "--to-version", "2", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert f"{versions}: versi 1 → 2 dapat dipindahkan" in result.output
    assert "tugas verifikasi_pengaduan → verifikasi_pengaduan (Memverifikasi pengaduan)" in (
        result.output
    )
    assert "pewaktu timer_standar_layanan" in result.output
    with app.app_context():
        case = _case(versions)
        assert case.process_version.version == 1
        assert [e.type for e in _events(case)][-1] != "case_migrated"


def test_a_safe_migration_moves_the_case_and_it_completes_on_the_new_version(
    app: Flask, runner: FlaskCliRunner, versions: str
) -> None:
    result = runner.invoke(args=["process", "migrate", "--case", versions, "--to-version", "2"])
    assert result.exit_code == 0, result.output
    assert f"{versions}: versi 1 → 2 dipindahkan" in result.output
    with app.app_context():
        case = _case(versions)
        assert case.process_version.version == 2
        event = _events(case)[-1]
        assert event.type == "case_migrated"
        data = json.loads(event.data_json)
        assert data["from_version"] == 1 and data["to_version"] == 2
        assert data["tasks"] == {
            "verifikasi_pengaduan": "verifikasi_pengaduan",
            "gw_pantau_sla": "gw_pantau_sla",
        }
        assert data["to_version_id"] == case.process_version_id
        task = _ready(case)
        assert task.name == "Memverifikasi pengaduan"  # the inbox shows the new version's name
        # The case goes on on version 2: its next task carries the new name, then it closes.
        service.complete_task(task.id, FORWARD, OFFICER)
        study = _ready(case)
        assert study.name == "Menelaah pengaduan dengan cermat"
        for data_, actor in (
            (STUDY_ALONE, TEAM),
            (ANSWER, TEAM),
            (DELIVER, OFFICER),
            (ACCEPT, PUBLIC),
        ):
            service.complete_task(_ready(_case(versions)).id, data_, actor)
        case = _case(versions)
        assert (case.status, case.outcome) == ("selesai", "akhir_selesai")
        assert case.process_version.version == 2
        assert verify_chain(_events(case)) == []
    # Re-executing the history (version 1, the migration, then version 2) gives the stored case.
    checked = runner.invoke(args=["audit", "verify", "--case", versions])
    assert checked.exit_code == 0, checked.output


def test_a_migrated_case_waiting_on_the_new_version_verifies_by_re_execution(
    app: Flask, runner: FlaskCliRunner, versions: str
) -> None:
    moved = runner.invoke(args=["process", "migrate", "--case", versions, "--to-version", "2"])
    assert moved.exit_code == 0, moved.output
    checked = runner.invoke(args=["audit", "verify", "--case", versions])
    assert checked.exit_code == 0, checked.output


def test_an_unsafe_migration_is_refused_with_the_reason_and_nothing_moves(
    app: Flask, runner: FlaskCliRunner, versions: str
) -> None:
    result = runner.invoke(args=["process", "migrate", "--case", versions, "--to-version", "3"])
    assert result.exit_code == 1
    assert (
        f"{versions}: versi 1 → 3 DITOLAK: jenis elemen verifikasi_pengaduan "
        "(Menerima, mencatat dan memverifikasi pengaduan) berubah di versi baru"
    ) in result.output
    with app.app_context():
        case = _case(versions)
        assert case.process_version.version == 1
        assert "case_migrated" not in [e.type for e in _events(case)]


def test_all_running_cases_of_a_version_move_one_by_one(
    app: Flask, runner: FlaskCliRunner, versions: str
) -> None:
    with app.app_context():
        # A second case starts on the newest version (3): only version 1's case is moved.
        other = service.submit_case(dict(START_DATA), PUBLIC).case.tracking_code
    result = runner.invoke(args=["process", "migrate", "--from-version", "1", "--to-version", "2"])
    assert result.exit_code == 0, result.output
    assert versions in result.output and other not in result.output
    with app.app_context():
        assert _case(versions).process_version.version == 2
        assert _case(other).process_version.version == 3


def test_migrating_to_an_older_version_is_refused(
    runner: FlaskCliRunner, versions: str, app: Flask
) -> None:
    runner.invoke(args=["process", "migrate", "--case", versions, "--to-version", "2"])
    result = runner.invoke(args=["process", "migrate", "--case", versions, "--to-version", "1"])
    assert result.exit_code == 1
    assert "versi tujuan 1 tidak lebih baru dari versi 2" in result.output


# -- the diff on known pairs, at the engine -------------------------------------------------


def _diff(new_xml: str, new_forms: dict[str, str] | None = None) -> Any:
    return diff_versions(DIAGRAM.encode(), FORMS, new_xml.encode(), new_forms or FORMS)


def test_a_version_against_itself_has_no_differences() -> None:
    assert _diff(DIAGRAM).empty


def test_changed_condition_timer_and_property_are_each_reported() -> None:
    xml = _sub(DIAGRAM, "sesuai_harapan == True", "sesuai_harapan")
    xml = _sub(
        xml,
        "hari_kerja_dari_sekarang(10)</bpmn:timeDate>\n      </bpmn:timerEventDefinition>\n"
        '    </bpmn:boundaryEvent>\n    <bpmn:exclusiveGateway id="gw_sesuai_harapan"',
        "hari_kerja_dari_sekarang(7)</bpmn:timeDate>\n      </bpmn:timerEventDefinition>\n"
        '    </bpmn:boundaryEvent>\n    <bpmn:exclusiveGateway id="gw_sesuai_harapan"',
    )
    xml = _sub(xml, 'value="Sedang diverifikasi oleh petugas"', 'value="Diverifikasi"')
    diff = _diff(xml)
    changes = {e.element_id: {c.field: (c.old, c.new) for c in e.changes} for e in diff.elements}
    assert changes["alur_sesuai_harapan"] == {
        "kondisi": ("sesuai_harapan == True", "sesuai_harapan")
    }
    assert changes["batas_konfirmasi"] == {
        "pewaktu (timeDate)": ("hari_kerja_dari_sekarang(10)", "hari_kerja_dari_sekarang(7)")
    }
    assert changes["verifikasi_pengaduan"] == {
        "properti publicStatus": ("Sedang diverifikasi oleh petugas", "Diverifikasi")
    }
    assert set(diff.ids("changed")) == {
        "alur_sesuai_harapan",
        "batas_konfirmasi",
        "verifikasi_pengaduan",
    }


def test_added_and_removed_elements_with_their_flows() -> None:
    added = DIAGRAM.replace(
        "</bpmn:process>",
        '<bpmn:userTask id="tugas_baru" name="Tugas baru" />'
        '<bpmn:sequenceFlow id="alur_baru" sourceRef="tugas_baru" targetRef="akhir_selesai" />'
        "</bpmn:process>",
    )
    forward = _diff(added)
    assert set(forward.ids("added")) == {"tugas_baru", "alur_baru"}
    assert forward.ids("removed") == []
    # The end event gained an incoming flow: it is changed, with the flow named.
    end = next(e for e in forward.elements if e.element_id == "akhir_selesai")
    assert [c.field for c in end.changes] == ["alur masuk"]
    backward = diff_versions(added.encode(), FORMS, DIAGRAM.encode(), FORMS)
    assert set(backward.ids("removed")) == {"tugas_baru", "alur_baru"}


def test_a_moved_task_and_a_changed_form_are_reported() -> None:
    lane_ref = "<bpmn:flowNodeRef>tindak_lanjut_teknis</bpmn:flowNodeRef>"
    xml = _sub(DIAGRAM, lane_ref, "")
    xml = _sub(
        xml,
        '<bpmn:lane id="lane_tim" name="Tim Penanganan Pengaduan">',
        '<bpmn:lane id="lane_tim" name="Tim Penanganan Pengaduan">' + lane_ref,
    )
    forms = dict(FORMS)
    forms["telaah.schema.json"] = _sub(forms["telaah.schema.json"], '"Hasil telaah"', '"Hasil"')
    diff = _diff(xml, forms)
    moved = next(e for e in diff.elements if e.element_id == "tindak_lanjut_teknis")
    assert {c.field: (c.old, c.new) for c in moved.changes}["lajur"] == (
        "Bidang Teknis",
        "Tim Penanganan Pengaduan",
    )
    study = next(e for e in diff.elements if e.element_id == "telaah_pengaduan")
    assert [c.field for c in study.changes] == ["isi telaah.schema.json"]
    assert [f.filename for f in diff.files] == ["telaah.schema.json"]


def test_a_safe_migration_on_postgresql(tmp_path: Any) -> None:
    with postgres_schema_url() as url:
        app = make_test_app(tmp_path, DATABASE_URL=url)
        try:
            with app.app_context():
                upgrade_database()
                deploy(DIAGRAM.encode(), FORMS)
                code = service.submit_case(dict(START_DATA), PUBLIC).case.tracking_code
                xml, forms = safe_revision()
                deploy(xml.encode(), forms)
            result = app.test_cli_runner().invoke(
                args=["process", "migrate", "--from-version", "1", "--to-version", "2"]
            )
            assert result.exit_code == 0, result.output
            with app.app_context():
                case = _case(code)
                assert case.process_version.version == 2
                assert [e.type for e in _events(case)][-1] == "case_migrated"
                assert verify_chain(_events(case)) == []
                assert _ready(case).name == "Memverifikasi pengaduan"
        finally:
            app.extensions["db_engine"].dispose()


def test_the_timeline_of_a_migrated_case_shows_each_step_with_its_own_version_s_form(
    app: Flask, runner: FlaskCliRunner, versions: str
) -> None:
    with app.app_context():
        service.complete_task(_ready(_case(versions)).id, FORWARD, OFFICER)
        service.complete_task(_ready(_case(versions)).id, STUDY_ALONE, TEAM)  # on version 1
    moved = runner.invoke(args=["process", "migrate", "--case", versions, "--to-version", "2"])
    assert moved.exit_code == 0, moved.output
    with app.app_context():
        entries = audit_case(_case(versions), ["Auditor"]).entries
        [study] = [e for e in entries if e.event.bpmn_id == "telaah_pengaduan"
                   and e.event.type == "task_completed"]
        # The study was recorded on version 1, whose form says "Hasil telaah" (version 2 rewords).
        assert study.spec is not None
        titles = {f.get("title") for f in study.spec.schema["properties"].values()}
        assert "Hasil telaah" in titles and "Hasil penelaahan" not in titles
        checked = runner.invoke(args=["audit", "verify", "--case", versions])
        assert checked.exit_code == 0, checked.output
