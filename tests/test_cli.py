"""The command line an operator uses: setup, deploy, timers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import time_machine
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app import create_app
from app.auth.models import User
from app.cases.events import PUBLIC
from app.cases.models import Case, ProcessVersion
from app.cases.service import submit_case
from app.db import get_session
from app.engine import WIB
from tests.support import ROOT, START_DATA


def _fresh(tmp_path: Path) -> Flask:
    return create_app(
        "test",
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        },
    )


def _said(output: str) -> str:
    """What a command printed for people, without the JSON log lines that share stdout."""
    return "\n".join(line for line in output.splitlines() if not line.startswith("{")).strip()


def test_setup_on_an_empty_database_is_complete_and_repeatable(tmp_path: Path) -> None:
    app = _fresh(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup", "--demo"])
    assert first.exit_code == 0, first.output
    assert "pengaduan.bpmn: versi 1 dipasang." in first.output
    assert "Pengguna demo: petugas / demo12345" in first.output
    again = runner.invoke(args=["setup", "--demo"])
    assert again.exit_code == 0, again.output
    assert "versi 1 sudah terpasang" in again.output
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1
        usernames = set(session.scalars(select(User.username)))
        assert {
            "petugas",
            "tim",
            "teknis_pp",
            "teknis_pcs",
            "pemilik",
            "auditor",
            "admin",
        } <= usernames


def test_deploy_makes_a_new_version_only_when_the_diagram_changes(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    diagram = ROOT / "process" / "pengaduan.bpmn"
    assert runner.invoke(args=["process", "deploy", str(diagram)]).exit_code == 0
    same = runner.invoke(args=["process", "deploy", str(diagram)])
    assert "sama dengan pengaduan versi 1" in same.output
    edited = tmp_path / "pengaduan.bpmn"
    edited.write_text(
        diagram.read_text(encoding="utf-8").replace(
            'name="Menelaah pengaduan"', 'name="Menelaah dan menilai pengaduan"'
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["process", "deploy", str(edited), "--forms", str(ROOT / "forms")])
    assert result.exit_code == 0, result.output
    assert "dipasang sebagai pengaduan versi 2" in result.output
    with app.app_context():
        versions = (
            get_session().scalars(select(ProcessVersion).order_by(ProcessVersion.version)).all()
        )
        assert [v.version for v in versions] == [1, 2]
        assert b"Menelaah pengaduan" in versions[0].bpmn_xml  # version 1 is untouched


def test_timers_run_due_moves_only_due_cases(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["process", "deploy", str(ROOT / "process" / "pengaduan.bpmn")])
    with (
        app.app_context(),
        time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=WIB), tick=False),
    ):
        case_id = submit_case(dict(START_DATA), PUBLIC).case.id
    with time_machine.travel(datetime(2026, 12, 7, 12, 0, tzinfo=WIB), tick=False):
        assert _said(runner.invoke(args=["timers", "run-due"]).output) == "0 kasus diproses."
    with time_machine.travel(datetime(2026, 12, 8, 9, 0, tzinfo=WIB), tick=False):
        assert _said(runner.invoke(args=["timers", "run-due"]).output) == "1 kasus diproses."
    with app.app_context():
        case = get_session().get(Case, case_id)
        assert case is not None and case.sla_breached
