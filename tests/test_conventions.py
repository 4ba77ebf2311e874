"""The diagram is the only place the process lives: public wording, e-mails and translations
follow the conventions of the deployed diagram and forms (process/CONVENTIONS.md), not Python."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cases import service
from app.cases.events import PUBLIC
from app.db import get_session
from app.notify.models import Outbox
from app.processes.service import deploy_file, read_forms, validate
from app.public.links import tracking_url
from tests.conftest import csrf_token_from, login
from tests.public.conftest import post_form, ready, staff_step, submit_ok
from tests.support import DELIVER, OFFICER, ROOT, START_DATA, STUDY_ALONE, TEAM

REQUEST = "Mohon kirim foto bukti perekaman KTP-el."
ANSWER_TEXT = "KTP-el Anda sudah dicetak dan dapat diambil di kantor Disdukcapil."


@pytest.fixture
def portal(app: Flask) -> Flask:
    """The app with the real diagram deployed."""
    with app.app_context():
        deploy_file(ROOT / "process" / "pengaduan.bpmn", ROOT / "forms")
    return app


def copy_process(tmp_path: Path, edit_bpmn: Callable[[str], str] = lambda s: s,
                 edit_forms: Callable[[str, Any], Any] | None = None) -> tuple[Path, Path]:
    """The real diagram and forms copied to TMP_PATH, edited; returns (diagram, forms folder)."""
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    bpmn = tmp_path / "pengaduan.bpmn"
    bpmn.write_text(edit_bpmn((ROOT / "process" / "pengaduan.bpmn").read_text("utf-8")), "utf-8")
    if edit_forms is not None:
        for path in forms.glob("*.json"):
            document = edit_forms(path.name, json.loads(path.read_text("utf-8")))
            path.write_text(json.dumps(document, ensure_ascii=False, indent=2), "utf-8")
    return bpmn, forms


def _rename_keys(node: Any, renames: dict[str, str]) -> Any:
    """NODE with property names (keys, and strings in `required`/`ui:order`) renamed."""
    if isinstance(node, dict):
        return {renames.get(k, k): _rename_keys(v, renames) for k, v in node.items()}
    if isinstance(node, list):
        return [renames.get(v, v) if isinstance(v, str) else _rename_keys(v, renames)
                for v in node]
    return node


ELEMENTS = {"verifikasi_pengaduan": "periksa_pengaduan", "lengkapi_data": "kirim_data"}
FIELDS = {"keputusan_verifikasi": "hasil_periksa", "jawaban": "isi_jawaban",
          "data_yang_diminta": "rincian_permintaan"}


def renamed_copy(
    tmp_path: Path, elements: dict[str, str], fields_by_form: dict[str, dict[str, str]]
) -> tuple[Path, Path]:
    """The real process with ELEMENTS' ids renamed, and each form's fields (by name prefix)."""

    def bpmn(text: str) -> str:
        for old, new in elements.items():
            text = re.sub(rf'(?<=[">]){old}(?=["<])', new, text)
        return text.replace("keputusan_verifikasi ==", "hasil_periksa ==")

    def forms(name: str, document: Any) -> Any:
        for prefix, fields in fields_by_form.items():
            if name.startswith(prefix):
                return _rename_keys(document, fields)
        return document

    return copy_process(tmp_path, bpmn, forms)


def renamed(tmp_path: Path) -> tuple[Path, Path]:
    """The real process with the public path's task ids and field names renamed."""
    return renamed_copy(tmp_path, ELEMENTS, {"verifikasi.": FIELDS, "susun_jawaban.": FIELDS})


def _outbox(app: Flask) -> list[Outbox]:
    with app.app_context():
        return list(get_session().scalars(select(Outbox).order_by(Outbox.id)))


def _timeline(page: str) -> list[str]:
    return re.findall(r'<span class="timeline-text">([^<]+)</span>', page)


def test_renamed_tasks_and_fields_still_read_right_to_the_public(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    bpmn, forms = renamed(tmp_path)
    text = bpmn.read_text("utf-8")
    assert 'id="verifikasi_pengaduan"' not in text and 'id="lengkapi_data"' not in text
    with app.app_context():
        deploy_file(bpmn, forms)
    sent = submit_ok(client)
    staff_step(app, sent.tracking, "periksa_pengaduan",
               {"hasil_periksa": "minta_data", "rincian_permintaan": REQUEST})

    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "Petugas meminta Anda melengkapi data" in _timeline(page)
    assert f'<blockquote class="office-text">{REQUEST}</blockquote>' in page
    assert ">Lengkapi data</a>" in page
    request_mail = _outbox(app)[-1]
    assert request_mail.kind == "data_request"
    assert REQUEST in request_mail.body and "dalam 10 hari kerja" in request_mail.body

    [task] = [t for t in ready(app, sent.tracking) if t.bpmn_id == "kirim_data"]
    task_page = client.get(f"/lacak/{sent.tracking}/tugas/{task.id}").get_data(as_text=True)
    assert "Yang diminta petugas" in task_page and REQUEST in task_page
    post_form(client, f"/lacak/{sent.tracking}/tugas/{task.id}",
              {"data_tambahan": "Foto sudah saya lampirkan."})
    staff_step(app, sent.tracking, "periksa_pengaduan", {"hasil_periksa": "teruskan"})
    staff_step(app, sent.tracking, "telaah_pengaduan", STUDY_ALONE, TEAM)
    staff_step(app, sent.tracking, "susun_jawaban", {"isi_jawaban": ANSWER_TEXT}, TEAM)
    staff_step(app, sent.tracking, "sampaikan_jawaban", DELIVER, OFFICER)

    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert f'<div class="office-text" id="jawaban-terbaru">{ANSWER_TEXT}</div>' in page
    assert REQUEST not in page  # the request closed once the officer forwarded the complaint
    assert _timeline(page) == [
        "Jawaban disampaikan kepada Anda",
        "Jawaban disusun oleh tim",
        "Tim Penanganan Pengaduan menelaah pengaduan",
        "Pengaduan lengkap dan diteruskan ke Tim Penanganan Pengaduan",
        "Anda melengkapi data yang diminta",
        "Petugas meminta Anda melengkapi data",
        "Pengaduan diterima melalui portal daring",
    ]
    assert ">Tanggapi jawaban</a>" in page
    mails = _outbox(app)
    assert [m.kind for m in mails] == ["receipt", "data_request", "answer"]
    assert ANSWER_TEXT in mails[-1].body and sent.tracking in mails[-1].subject


def test_the_data_request_mail_reads_as_before_from_its_template(
    portal: Flask, client: FlaskClient
) -> None:
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan",
               {"keputusan_verifikasi": "minta_data", "data_yang_diminta": REQUEST})
    mail = _outbox(portal)[-1]
    with portal.app_context():
        link = tracking_url(sent.tracking)
    assert mail.subject == f"Pengaduan {sent.tracking}: mohon lengkapi data"
    assert mail.body == (
        "Yth. Bapak/Ibu,\n\nPetugas memerlukan data tambahan untuk memproses pengaduan "
        f"{sent.tracking}:\n\n{REQUEST}\n\n"
        f"Lengkapi data di {link} dalam 10 hari kerja. "
        "Tanpa balasan, pengaduan ditutup otomatis."
        "\n\nSalam,\nPetugas Pengelola Layanan Pengaduan\n"
        "Dinas Kependudukan dan Catatan Sipil Kabupaten Musi Rawas\n\n"
        "Pesan ini dikirim otomatis; mohon tidak membalas surel ini."
    )


def test_changing_the_timers_changes_the_day_counts_in_the_mails(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    def shorter(text: str) -> str:
        text = text.replace("tambah_hari_kerja(tanggal_diterima, 5)",
                            "tambah_hari_kerja(tanggal_diterima, 4)")
        return text.replace("hari_kerja_dari_sekarang(10)", "hari_kerja_dari_sekarang(7)")

    with app.app_context():
        deploy_file(*copy_process(tmp_path, shorter))
    sent = submit_ok(client)
    staff_step(app, sent.tracking, "verifikasi_pengaduan",
               {"keputusan_verifikasi": "minta_data", "data_yang_diminta": REQUEST})
    receipt, request = _outbox(app)
    assert "pengaduan dijawab paling lama 4 hari kerja." in receipt.body
    assert "dalam 7 hari kerja." in request.body and "10 hari kerja" not in request.body
    assert "standar pelayanan 4 hari kerja" in client.get(f"/lacak/{sent.tracking}").get_data(
        as_text=True)
    assert "Jawaban disampaikan kepada Anda, paling lama 4 hari kerja." in client.get("/").get_data(
        as_text=True)


def test_english_mode_shows_the_catalogue_on_public_and_staff_pages(
    portal: Flask, client: FlaskClient, demo_users: list[str]
) -> None:
    with portal.app_context():
        submitted = service.submit_case(dict(START_DATA), PUBLIC)
        tracking, code = submitted.case.tracking_code, submitted.access_code
    staff_step(portal, tracking, "verifikasi_pengaduan",
               {"keputusan_verifikasi": "minta_data", "data_yang_diminta": REQUEST})
    client.get("/?lang=en")
    page = client.get(f"/lacak/{tracking}?kode={code}", follow_redirects=True).get_data(
        as_text=True)
    for english in ("Complaint received via the online portal",
                    "The officer asked you to complete some information",
                    "Waiting for you to complete the information",
                    ">Complete the information</a>",
                    "<dt>Service concerned</dt>", "Electronic ID card (KTP-el)"):
        assert english in page
    for indonesian in ("Pengaduan diterima melalui", "Menunggu Anda melengkapi data",
                       "Layanan yang diadukan", "Petugas meminta Anda"):
        assert indonesian not in page

    staff = portal.test_client()
    login(staff, "petugas")
    staff.get("/?lang=en")
    staff_step(portal, tracking, "lengkapi_data", {"data_tambahan": "Sudah saya kirim."}, PUBLIC)
    [task] = [t for t in ready(portal, tracking) if t.bpmn_id == "verifikasi_pengaduan"]
    queue = staff.get("/tugas/antrean").get_data(as_text=True)
    token = csrf_token_from(queue)
    assert staff.post(f"/tugas/{task.id}/ambil", data={"csrf_token": token}).status_code == 302
    task_page = staff.get(f"/tugas/{task.id}").get_data(as_text=True)
    for english in ("<h1>Receiving, registering and verifying the complaint</h1>",
                    "Verify the complaint", "Decision",
                    "Complete — forward to the complaint handling team",
                    "Information requested from the customer"):
        assert english in task_page
    assert "Menerima, mencatat dan memverifikasi pengaduan" not in task_page
    assert "Minta pelanggan melengkapi data" not in task_page


# --- the lint refuses what the conventions cannot use, naming the element ---------------------


def _problems(bpmn: Path, forms: Path) -> list[str]:
    xml = bpmn.read_bytes()
    return [str(p) for p in validate(xml, read_forms(xml, forms))]


def test_an_unknown_public_marker_is_refused_naming_the_task(tmp_path: Path) -> None:
    def odd_marker(name: str, document: Any) -> Any:
        if name == "susun_jawaban.schema.json":
            document["properties"]["jawaban"]["x-publik"] = "jawapan"
        return document

    problems = _problems(*copy_process(tmp_path, edit_forms=odd_marker))
    assert len(problems) == 1
    assert problems[0].startswith("susun_jawaban (Menyusun jawaban): susun_jawaban.schema.json")
    assert 'nilai x-publik "jawapan" tidak dikenal' in problems[0]


def test_a_notification_without_its_template_is_refused(tmp_path: Path) -> None:
    bpmn, forms = copy_process(tmp_path)
    (forms / "email" / "answer.txt").unlink()
    assert _problems(bpmn, forms) == [
        "konfirmasi_jawaban (Mengonfirmasi jawaban): notifyPublic: templat surel "
        "email/answer.txt tidak ada"
    ]


def test_a_broken_template_is_refused(tmp_path: Path) -> None:
    bpmn, forms = copy_process(tmp_path)
    (forms / "email" / "digest.txt").write_text("Subjek {{ nomor\n\nIsi", "utf-8")
    [problem] = _problems(bpmn, forms)
    assert problem.startswith("pengaduan (Mekanisme Layanan Pengaduan)")
    assert "notifyDigest: templat surel email/digest.txt tidak valid" in problem


@pytest.mark.parametrize("content", ['{"en": ["not", "a", "mapping"]}', "{not json"])
def test_a_bad_translations_file_is_refused_naming_the_process(
    tmp_path: Path, content: str
) -> None:
    bpmn, forms = copy_process(tmp_path)
    (forms / "pengaduan.en.json").write_text(content, "utf-8")
    [problem] = _problems(bpmn, forms)
    assert problem.startswith("pengaduan (Mekanisme Layanan Pengaduan): translations: ")


def test_the_catalogue_covers_every_text_of_the_diagram_and_forms() -> None:
    from lxml import etree

    from app.engine.conventions import NS, texts_of

    catalogue = json.loads((ROOT / "forms" / "pengaduan.en.json").read_text("utf-8"))["en"]
    root = etree.parse(str(ROOT / "process" / "pengaduan.bpmn")).getroot()
    texts = {n.get("name") for n in root.xpath("//bpmn:process//*[@name]", namespaces=NS)
             if etree.QName(n).localname != "property"}
    texts |= {p.get("value") for p in root.xpath("//spiffworkflow:property", namespaces=NS)
              if p.get("name") in ("publicStatus", "publicText", "publicAction")}
    texts |= texts_of(json.loads(p.read_text("utf-8")) for p in (ROOT / "forms").glob("*.json")
                      if p.name != "pengaduan.en.json")
    assert sorted(texts - set(catalogue)) == []


def test_a_referral_tells_the_agency_and_message_on_the_page_and_by_mail(
    portal: Flask, client: FlaskClient
) -> None:
    agency = "Dinas Sosial Kabupaten Musi Rawas"
    message = "Pengaduan bantuan sosial Anda kami teruskan ke Dinas Sosial, telepon 0733-123456."
    sent = submit_ok(client)
    staff_step(portal, sent.tracking, "verifikasi_pengaduan",
               {"keputusan_verifikasi": "bukan_wewenang", "wewenang": False})
    staff_step(portal, sent.tracking, "rujuk_instansi", {
        "instansi_rujukan": agency, "alasan_rujukan": "Bantuan sosial bukan urusan Disdukcapil.",
        "cara_pemberitahuan": "portal", "pesan_kepada_pelanggan": message})
    page = client.get(f"/lacak/{sent.tracking}").get_data(as_text=True)
    assert "<dt>Instansi tujuan rujukan</dt>" in page and agency in page and message in page
    assert "Bantuan sosial bukan urusan" not in page  # not marked x-publik: stays internal
    mail = _outbox(portal)[-1]
    with portal.app_context():
        link = tracking_url(sent.tracking)
    assert (mail.kind, mail.subject) == ("referral", f"Pengaduan {sent.tracking} ditutup")
    assert mail.body.startswith(
        f"Yth. Bapak/Ibu,\n\nPengaduan {sent.tracking} ditutup: Dirujuk ke instansi lain.\n\n"
        f"Pengaduan Anda dirujuk ke {agency}.\n\n{message}\n\nRincian: {link}\n\nSalam,\n"
    )


def test_a_template_reaching_for_python_internals_sends_nothing_and_the_step_goes_on(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    bpmn, forms = copy_process(tmp_path)
    (forms / "email" / "data_request.txt").write_text(
        "Subjek {{ nomor }}\n\n{{ nomor.__class__.__mro__[1].__subclasses__() }}", "utf-8")
    with app.app_context():
        deploy_file(bpmn, forms)
    sent = submit_ok(client)
    staff_step(app, sent.tracking, "verifikasi_pengaduan",
               {"keputusan_verifikasi": "minta_data", "data_yang_diminta": REQUEST})
    assert [t.bpmn_id for t in ready(app, sent.tracking)] == ["lengkapi_data"]
    assert [m.kind for m in _outbox(app)] == ["receipt"]


def _with_days(value: str) -> Callable[[str], str]:
    """An edit giving the data-request deadline timer a `days` property of VALUE."""

    def edit(text: str) -> str:
        start = text.index('<bpmn:boundaryEvent id="batas_lengkapi_data"')
        at = text.index("</bpmn:documentation>", start) + len("</bpmn:documentation>")
        return text[:at] + (
            "<bpmn:extensionElements><spiffworkflow:properties>"
            f'<spiffworkflow:property name="days" value="{value}" />'
            "</spiffworkflow:properties></bpmn:extensionElements>") + text[at:]

    return edit


def test_a_days_property_on_the_timer_wins_over_its_expression(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    with app.app_context():
        deploy_file(*copy_process(tmp_path, _with_days("3")))
    sent = submit_ok(client)
    staff_step(app, sent.tracking, "verifikasi_pengaduan",
               {"keputusan_verifikasi": "minta_data", "data_yang_diminta": REQUEST})
    assert "dalam 3 hari kerja." in _outbox(app)[-1].body


def test_a_days_property_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    assert _problems(*copy_process(tmp_path, _with_days("sepuluh"))) == [
        "batas_lengkapi_data (10 hari kerja): days: 'sepuluh' bukan jumlah hari kerja"
    ]
