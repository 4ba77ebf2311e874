"""Lanes are roles: the diagram names who works it, so a new lane needs no Python change."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from app.db import get_session
from app.notify.models import Outbox
from app.processes.service import read_forms, validate
from tests.conftest import csrf_token_from, login
from tests.inbox.helpers import complete
from tests.public.conftest import ANONYMOUS, ready, staff_step, submit_ok
from tests.support import DELIVER, FORWARD, OFFICER, ROOT, STUDY_ALONE, TEAM

HEAD = "Sekretaris Dinas"  # "Kepala Dinas" is an office role (reports), not a lane
APPROVED = "Jawaban disetujui Kepala Dinas"
APPROVAL_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Persetujuan jawaban",
    "type": "object",
    "required": ["disetujui"],
    "properties": {
        "disetujui": {
            "type": "boolean",
            "title": "Setujui jawaban?",
            "oneOf": [
                {"const": True, "title": "Ya", "x-publik": APPROVED},
                {"const": False, "title": "Tidak"},
            ],
        }
    },
}
APPROVAL_UI = {"disetujui": {"ui:widget": "radio"}}
APPROVAL_MAIL = (
    "Jawaban pengaduan {{ nomor }} menunggu persetujuan\n\nYth. Bapak/Ibu,\n\n"
    "Jawaban atas pengaduan {{ nomor }} sedang diperiksa Kepala Dinas sebelum disampaikan.\n"
)
APPROVAL_TASK = """
    <bpmn:userTask id="setujui_jawaban" name="Menyetujui jawaban">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename"
                                  value="setujui_jawaban.schema.json" />
          <spiffworkflow:property name="formUiSchemaFilename"
                                  value="setujui_jawaban.uischema.json" />
          <spiffworkflow:property name="publicStatus"
                                  value="Jawaban menunggu persetujuan Kepala Dinas" />
          <spiffworkflow:property name="notifyPublic" value="email/persetujuan.txt" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>alur_jawaban_disusun</bpmn:incoming>
      <bpmn:outgoing>alur_ke_gw_disetujui</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw_disetujui" name="Disetujui?">
      <bpmn:incoming>alur_ke_gw_disetujui</bpmn:incoming>
      <bpmn:outgoing>alur_jawaban_disetujui</bpmn:outgoing>
      <bpmn:outgoing>alur_jawaban_ditolak</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="alur_ke_gw_disetujui" sourceRef="setujui_jawaban"
                       targetRef="gw_disetujui" />
    <bpmn:sequenceFlow id="alur_jawaban_disetujui" sourceRef="gw_disetujui"
                       targetRef="sampaikan_jawaban">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >disetujui == True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="alur_jawaban_ditolak" sourceRef="gw_disetujui"
                       targetRef="susun_jawaban">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >disetujui == False</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
"""
APPROVAL_SHAPES = """
      <bpmndi:BPMNShape id="lane_kepala_dinas_di" bpmnElement="lane_kepala_dinas"
                        isHorizontal="true">
        <dc:Bounds x="160" y="1000" width="1800" height="150" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="setujui_jawaban_di" bpmnElement="setujui_jawaban">
        <dc:Bounds x="1250" y="1030" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="gw_disetujui_di" bpmnElement="gw_disetujui" isMarkerVisible="true">
        <dc:Bounds x="1400" y="1045" width="50" height="50" />
      </bpmndi:BPMNShape>
"""


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def with_head_of_office(text: str) -> str:
    """The real diagram with a Kepala Dinas lane approving the answer before its delivery."""
    text = _replace_once(text, "    </bpmn:laneSet>", f"""
      <bpmn:lane id="lane_kepala_dinas" name="{HEAD}">
        <bpmn:flowNodeRef>setujui_jawaban</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw_disetujui</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>""")
    # susun_jawaban -> setujui_jawaban (was -> sampaikan_jawaban); the gateway -> sampaikan.
    text = _replace_once(
        text,
        '<bpmn:sequenceFlow id="alur_jawaban_disusun" sourceRef="susun_jawaban" '
        'targetRef="sampaikan_jawaban" />',
        '<bpmn:sequenceFlow id="alur_jawaban_disusun" sourceRef="susun_jawaban" '
        'targetRef="setujui_jawaban" />' + APPROVAL_TASK,
    )
    text = _replace_once(
        text,
        "<bpmn:incoming>alur_jawaban_disusun</bpmn:incoming>\n"
        "      <bpmn:outgoing>alur_jawaban_dikirim</bpmn:outgoing>",
        "<bpmn:incoming>alur_jawaban_disetujui</bpmn:incoming>\n"
        "      <bpmn:outgoing>alur_jawaban_dikirim</bpmn:outgoing>",
    )
    text = _replace_once(
        text,
        "<bpmn:incoming>alur_ke_susun_jawaban</bpmn:incoming>",
        "<bpmn:incoming>alur_ke_susun_jawaban</bpmn:incoming>\n"
        "      <bpmn:incoming>alur_jawaban_ditolak</bpmn:incoming>",
    )
    plane_end = "    </bpmndi:BPMNPlane>"
    return _replace_once(text, plane_end, APPROVAL_SHAPES + plane_end)


def changed_process(tmp_path: Path) -> tuple[Path, Path]:
    """The edited diagram and a copy of forms/ with the approval form and its e-mail."""
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    (forms / "setujui_jawaban.schema.json").write_text(json.dumps(APPROVAL_FORM), "utf-8")
    (forms / "setujui_jawaban.uischema.json").write_text(json.dumps(APPROVAL_UI), "utf-8")
    (forms / "email" / "persetujuan.txt").write_text(APPROVAL_MAIL, "utf-8")
    bpmn = tmp_path / "pengaduan.bpmn"
    text = (ROOT / "process" / "pengaduan.bpmn").read_text("utf-8")
    bpmn.write_text(with_head_of_office(text), "utf-8")
    return bpmn, forms


def _timeline(page: str) -> list[str]:
    return re.findall(r'<span class="timeline-text">([^<]+)</span>', page)


def _mail_kinds(app: Flask, tracking: str) -> list[str]:
    with app.app_context():
        rows = get_session().scalars(select(Outbox).order_by(Outbox.id))
        return [m.kind for m in rows if tracking in m.subject]


def _up_to_the_answer(app: Flask, tracking: str, answer: str) -> None:
    staff_step(app, tracking, "verifikasi_pengaduan", FORWARD, OFFICER)
    staff_step(app, tracking, "telaah_pengaduan", STUDY_ALONE, TEAM)
    staff_step(app, tracking, "susun_jawaban", {"jawaban": answer}, TEAM)


def test_a_new_lane_and_its_approval_step_need_no_python_change(
    app: Flask, runner: FlaskCliRunner, demo_users: list[str], tmp_path: Path
) -> None:
    public_old, public_new = app.test_client(), app.test_client()
    old = submit_ok(public_old)
    _up_to_the_answer(app, old.tracking, "Jawaban lama: KTP-el Anda sudah dicetak.")

    bpmn, forms = changed_process(tmp_path)
    deployed = runner.invoke(args=["process", "deploy", str(bpmn), "--forms", str(forms)])
    assert deployed.exit_code == 0, deployed.output
    assert "versi 2" in deployed.output
    password = "kopi pagi di Beliti"
    created = runner.invoke(args=["users", "create", "kadis", "--name", "Drs. Harun Rasyid",
                                  "--password", password])
    assert created.exit_code == 0, created.output
    granted = runner.invoke(args=["users", "assign", "kadis", HEAD, "--st-number",
                                  "800/ST/DKCS/2026/040", "--st-date", "2026-01-05",
                                  "--valid-until", "2099-12-31"])
    assert granted.exit_code == 0, granted.output

    new = submit_ok(public_new, {**ANONYMOUS, "judul": "Akta kelahiran anak belum terbit",
                                 "uraian": "Berkas akta kelahiran anak saya sudah lengkap "
                                           "sejak bulan lalu tetapi aktanya belum terbit."})
    _up_to_the_answer(app, new.tracking, "Akta kelahiran anak Anda sudah terbit.")
    [approval] = ready(app, new.tracking)
    assert (approval.bpmn_id, approval.lane) == ("setujui_jawaban", HEAD)
    assert "Jawaban menunggu persetujuan Kepala Dinas" in public_new.get(
        f"/lacak/{new.tracking}").get_data(as_text=True)

    head = app.test_client()
    assert login(head, "kadis", password).headers["Location"] == "/tugas"
    queue = head.get("/tugas/antrean").get_data(as_text=True)
    assert new.tracking in queue and "Menyetujui jawaban" in queue
    assert old.tracking not in queue
    assert complete(head, approval.id, {"disetujui": True}).status_code == 302
    assert [t.bpmn_id for t in ready(app, new.tracking)] == ["sampaikan_jawaban"]
    staff_step(app, new.tracking, "sampaikan_jawaban", DELIVER, OFFICER)

    timeline = _timeline(public_new.get(f"/lacak/{new.tracking}").get_data(as_text=True))
    assert timeline[:3] == ["Jawaban disampaikan kepada Anda", APPROVED,
                            "Jawaban disusun oleh tim"]
    assert _mail_kinds(app, new.tracking) == ["receipt", "persetujuan", "answer"]

    # The case started before the change finishes on the old path, without the approval.
    [delivery] = ready(app, old.tracking)
    assert delivery.bpmn_id == "sampaikan_jawaban"
    staff_step(app, old.tracking, "sampaikan_jawaban", DELIVER, OFFICER)
    timeline = _timeline(public_old.get(f"/lacak/{old.tracking}").get_data(as_text=True))
    assert timeline[:2] == ["Jawaban disampaikan kepada Anda", "Jawaban disusun oleh tim"]
    assert _mail_kinds(app, old.tracking) == ["receipt", "answer"]


def test_the_admin_page_offers_the_new_lane_once_it_is_deployed(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, demo_users: list[str],
    tmp_path: Path,
) -> None:
    login(client, "admin")
    option = f'<option value="{HEAD}">{HEAD}</option>'
    assert option not in client.get("/admin/pengguna/1").get_data(as_text=True)
    bpmn, forms = changed_process(tmp_path)
    deployed = runner.invoke(args=["process", "deploy", str(bpmn), "--forms", str(forms)])
    assert deployed.exit_code == 0, deployed.output
    page = client.get("/admin/pengguna/1").get_data(as_text=True)
    assert option in page
    response = client.post("/admin/pengguna/1/peran", data={
        "csrf_token": csrf_token_from(page), "role": HEAD,
        "surat_tugas_number": "800/ST/DKCS/2026/041", "surat_tugas_date": "2026-01-05",
        "valid_until": "2099-12-31"})
    assert response.status_code == 302
    assert HEAD in client.get("/admin/pengguna/1").get_data(as_text=True)


def test_the_public_lane_is_never_a_staff_role(
    client: FlaskClient, runner: FlaskCliRunner, demo_users: list[str]
) -> None:
    result = runner.invoke(args=["users", "assign", "petugas", "Pelanggan", "--st-number", "1",
                                 "--st-date", "2026-01-05", "--valid-until", "2026-12-31"])
    assert result.exit_code != 0
    assert "Peran tidak dikenal" in result.output
    login(client, "admin")
    assert '<option value="Pelanggan">' not in client.get("/admin/pengguna/1").get_data(
        as_text=True)


def test_divisions_are_the_options_of_the_field_the_expression_reads(
    runner: FlaskCliRunner, demo_users: list[str], tmp_path: Path
) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    study = json.loads((forms / "telaah.schema.json").read_text("utf-8"))
    study["properties"]["bidang_teknis"]["oneOf"].append(
        {"const": "umum", "title": "Sekretariat"})
    (forms / "telaah.schema.json").write_text(json.dumps(study), "utf-8")
    assign = ["users", "assign", "petugas", "Bidang Teknis", "--division", "umum",
              "--st-number", "1", "--st-date", "2026-01-05", "--valid-until", "2026-12-31"]
    refused = runner.invoke(args=assign)
    assert refused.exit_code != 0 and "Bidang tidak dikenal: umum" in refused.output
    edited = tmp_path / "pengaduan.bpmn"
    edited.write_text((ROOT / "process" / "pengaduan.bpmn").read_text("utf-8").replace(
        'name="Mekanisme Layanan Pengaduan"', 'name="Mekanisme Layanan Pengaduan (bidang baru)"',
        1), "utf-8")
    deployed = runner.invoke(args=["process", "deploy", str(edited), "--forms", str(forms)])
    assert deployed.exit_code == 0, deployed.output
    granted = runner.invoke(args=assign)
    assert granted.exit_code == 0, granted.output


def test_a_lane_property_naming_no_lane_is_refused_naming_the_process(tmp_path: Path) -> None:
    text = (ROOT / "process" / "pengaduan.bpmn").read_text("utf-8").replace(
        'name="registrarLane" value="Petugas Pengelola Layanan Pengaduan"',
        'name="registrarLane" value="Loket"')
    problems = validate(text.encode(), read_forms(text.encode(), ROOT / "forms"))
    assert [str(p) for p in problems] == [
        "pengaduan (Mekanisme Layanan Pengaduan): registrarLane 'Loket' bukan nama lajur "
        "diagram ini"]


def test_no_python_but_the_demo_users_names_a_staff_lane_of_the_diagram() -> None:
    text = (ROOT / "process" / "pengaduan.bpmn").read_text("utf-8")
    public = re.search(r'name="publicLane" value="([^"]+)"', text)
    assert public is not None
    staff = set(re.findall(r'<bpmn:lane id="[^"]+" name="([^"]+)"', text)) - {public.group(1)}
    assert len(staff) == 3
    naming = {
        str(path.relative_to(ROOT)): [n for n, line in enumerate(path.read_text("utf-8")
                                                              .splitlines(), 1)
                                      if any(f'"{lane}"' in line for lane in staff)]
        for path in (ROOT / "app").rglob("*.py")
    }
    source = (ROOT / "app" / "auth" / "service.py").read_text("utf-8").splitlines()
    demo = [n for n, line in enumerate(source, 1) if line.lstrip().startswith('("')]
    found = {p: lines for p, lines in naming.items() if lines}
    assert list(found) == ["app/auth/service.py"]
    assert set(found["app/auth/service.py"]) <= set(demo)  # the rows of DEMO_USERS
