"""The in-browser modeler's server side: the conventions it offers, lint, form previews, deploy.

The modeler page edits a diagram and its form files in the browser; everything it sends comes
back here to be checked by the same functions that check a deploy from the command line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..cases.models import ProcessVersion
from ..cases.store import MILESTONE, NOTIFICATION
from ..engine import DiagramError, DiagramProblem, referenced_form_files
from ..engine import conventions as names
from ..engine.diagram import MAX_DIAGRAM_BYTES, MAX_FORM_BYTES, describe_process, schema_problems
from ..formrender import Errors, FormSpec, build_spec, parse_submission, validate
from . import service

MAX_FILES = 200  # form files, e-mail templates and catalogues sent with one diagram
MAX_NOTE_CHARS = 500
FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99})?$")

# The BPMN types a convention may sit on (the moddle type names bpmn-js uses).
USER_TASK = "bpmn:UserTask"
START_EVENT = "bpmn:StartEvent"
END_EVENT = "bpmn:EndEvent"
PROCESS = "bpmn:Process"
RUNS_AND_RECORDS = (
    "bpmn:ScriptTask",
    "bpmn:IntermediateThrowEvent",
    "bpmn:IntermediateCatchEvent",
    "bpmn:BoundaryEvent",
)
TIMER_EVENTS = ("bpmn:StartEvent", "bpmn:IntermediateCatchEvent", "bpmn:BoundaryEvent")
FLOW_NODES = ("bpmn:FlowNode",)


class PayloadError(ValueError):
    """A request the modeler sent that cannot be read; the message says why, in Indonesian."""


class DeployConflict(Exception):
    """Another version of the process was deployed after the owner opened theirs."""

    def __init__(self, newest: ProcessVersion) -> None:
        super().__init__(f"version {newest.version} deployed meanwhile")
        self.newest = newest


@dataclass(frozen=True)
class Payload:
    """A diagram and its files as the modeler sends them."""

    bpmn_xml: bytes
    forms: dict[str, str]
    note: str = ""
    base_version: int | None = None  # the deployed version the owner opened (id)


def convention_catalogue() -> list[dict[str, Any]]:
    """Every `spiffworkflow:property` convention of process/CONVENTIONS.md the panel can set.

    `kind` tells the panel which input to show: text, boolean, choice (with `options`), file (a
    file sent with the diagram, chosen by `prefix`/`suffix`) or lane (a lane of the diagram).
    """
    schema_file = {"kind": "file", "suffix": ".schema.json"}
    ui_file = {"kind": "file", "suffix": ".uischema.json"}
    email = {"kind": "file", "prefix": "email/", "suffix": ".txt"}
    notify_on = (START_EVENT, USER_TASK, END_EVENT, *RUNS_AND_RECORDS)
    rows: list[dict[str, Any]] = [
        _row(names.SCHEMA_FILE, _("Formulir (JSON Schema)"),
             _("Formulir yang diisi pada tugas ini."), (USER_TASK, START_EVENT), **schema_file),
        _row(names.UI_FILE, _("Petunjuk tampilan formulir"),
             _("UI schema: urutan dan jenis isian."), (USER_TASK, START_EVENT), **ui_file),
        _row(names.PUBLIC_STATUS, _("Status untuk publik"),
             _("Yang dibaca pelapor selama tugas ini menunggu."), (USER_TASK, START_EVENT)),
        _row(names.PUBLIC_TEXT, _("Baris linimasa publik"),
             _("Ditambahkan ke linimasa pelapor saat tugas ini selesai."),
             (USER_TASK, START_EVENT)),
        _row(names.PUBLIC_ACTION, _("Tombol untuk pelapor"),
             _("Label tombol yang membuka tugas publik ini di halaman lacak."), (USER_TASK,)),
        _row(names.DIVISION_EXPRESSION, _("Isian penentu bidang"),
             _("Nama isian formulir yang nilainya memilih bidang (sub-penugasan)."),
             (USER_TASK,)),
        _row(names.NOTIFY_PUBLIC, _("Surel ke pelapor"),
             _("Templat surel yang dikirim ke pelapor."), notify_on, **email),
        _row(names.NOTIFY_LEADS, _("Surel ke ketua"),
             _("Templat surel yang dikirim ke para ketua lajur pimpinan."), notify_on, **email),
        _row(MILESTONE, _("Tonggak"),
             _("answered: saat jawaban sampai ke pelapor."), FLOW_NODES, kind="choice",
             options=[{"value": "answered", "label": _("answered (jawaban disampaikan)")}]),
        _row(NOTIFICATION, _("Catatan peristiwa"),
             _("sla_breached: standar layanan terlewati (dicatat dan ditandai pada kasus)."),
             FLOW_NODES, kind="choice",
             options=[{"value": "sla_breached", "label": _("sla_breached (standar terlewati)")}]),
        _row(names.DAYS, _("Jumlah hari kerja"),
             _("Hari kerja timer ini bila ekspresinya menghitung angkanya sendiri."),
             TIMER_EVENTS, timer_only=True),
        _row(names.SERVICE_STANDARD, _("Timer standar layanan"),
             _("Timer ini mengukur standar layanan (hari_standar)."), TIMER_EVENTS,
             kind="boolean", timer_only=True),
        _row(names.PUBLIC_LANE, _("Lajur publik"),
             _("Lajur yang dikerjakan publik lewat tautan lacak."), (PROCESS,), kind="lane"),
        _row(names.REGISTRAR_LANE, _("Lajur registrasi"),
             _("Lajur petugas yang meregistrasi pengaduan atas nama publik."), (PROCESS,),
             kind="lane"),
        _row(names.LEADS_LANE, _("Lajur pimpinan"),
             _("Lajur yang ketuanya menerima surel notifyLeads."), (PROCESS,), kind="lane"),
        _row(names.TRANSLATIONS, _("Katalog terjemahan"),
             _("Berkas JSON {bahasa: {teks: terjemahan}}."), (PROCESS,), kind="file",
             suffix=".json", exclude_suffixes=[".schema.json", ".uischema.json"]),
        _row(names.NOTIFY_REMINDER, _("Surel pengingat tenggat"),
             _("Templat surel pengingat satu hari kerja sebelum tugas jatuh tempo."), (PROCESS,),
             **email),
        _row(names.NOTIFY_DIGEST, _("Surel ringkasan harian"),
             _("Templat ringkasan harian kasus yang melewati standar, per orang."), (PROCESS,),
             **email),
        _row(names.EMAIL_FOOTER, _("Penutup surel"),
             _("Templat yang ditambahkan di akhir setiap surel."), (PROCESS,), **email),
    ]
    return rows


def _row(name: str, label: str, help_text: str, applies_to: tuple[str, ...],
         kind: str = "text", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "help": help_text, "applies_to": list(applies_to),
            "kind": kind, **extra}


def read_payload(document: Any, with_note: bool = False) -> Payload:
    """The diagram, files and note of a JSON request body; PayloadError when malformed."""
    if not isinstance(document, dict) or not isinstance(document.get("xml"), str):
        raise PayloadError(_("Permintaan tidak berisi diagram."))
    xml = document["xml"].encode("utf-8")
    if not xml.strip():
        raise PayloadError(_("Diagram kosong."))
    if len(xml) > MAX_DIAGRAM_BYTES:
        raise PayloadError(_("Diagram lebih besar dari 5 MB."))
    base = document.get("base_version")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool)):
        raise PayloadError(_("Versi dasar tidak dapat dibaca."))
    return Payload(xml, _read_files(document.get("forms") or {}),
                   _read_note(document.get("note") or "", with_note), base)


def _read_files(forms: Any) -> dict[str, str]:
    if not isinstance(forms, dict) or len(forms) > MAX_FILES:
        raise PayloadError(_("Daftar berkas formulir tidak dapat dibaca."))
    for name, text in forms.items():
        if not isinstance(text, str) or not FILE_NAME.match(name) or ".." in name:
            raise PayloadError(
                _("Nama berkas formulir tidak valid: %(name)s", name=str(name)[:100]))
        if len(text.encode("utf-8")) > MAX_FORM_BYTES:
            raise PayloadError(_("Berkas %(name)s lebih besar dari 512 KB.", name=name))
    return dict(forms)


def _read_note(note: Any, required: bool) -> str:
    if not isinstance(note, str):
        raise PayloadError(_("Komentar tidak dapat dibaca."))
    note = note.strip()
    if required and not note:
        raise PayloadError(_("Tulis komentar pemasangan: apa yang berubah dan mengapa."))
    if len(note) > MAX_NOTE_CHARS:
        raise PayloadError(_("Komentar paling panjang %(n)d karakter.", n=MAX_NOTE_CHARS))
    return note


def check(payload: Payload) -> list[DiagramProblem]:
    """Every server finding on the edited diagram and files, errors and warnings alike."""
    return service.validate(payload.bpmn_xml, _files_named(payload))


def deploy(payload: Payload, deployed_by: str) -> service.DeployResult:
    """Deploy the edited diagram with the files it names; DiagramError when any error remains.

    DeployConflict when a newer version of the process was deployed since the owner opened
    theirs: deploying would silently drop that version's changes, so the owner is told first
    (and may deploy anyway by naming the newer version as the base).
    """
    newer = _deployed_since_base(payload)
    if newer is not None:
        raise DeployConflict(newer)
    return service.deploy(payload.bpmn_xml, _files_named(payload), deployed_by, payload.note)


def _deployed_since_base(payload: Payload) -> ProcessVersion | None:
    if payload.base_version is None:
        return None
    base = service.get_version(payload.base_version)
    try:
        process_id, _name = describe_process(payload.bpmn_xml)
    except DiagramError:
        return None  # the deploy refuses it with the reason
    if base is None or base.process_id != process_id:
        return None
    newest = service.list_versions().get(process_id, [])
    if newest and newest[0].version.id != base.id:
        return newest[0].version
    return None


def _files_named(payload: Payload) -> dict[str, str]:
    """The files the diagram names: the version stores these and nothing else."""
    try:
        wanted = set(referenced_form_files(payload.bpmn_xml))
    except DiagramError:
        return dict(payload.forms)  # validate() reports the broken XML with its reason
    return {name: text for name, text in payload.forms.items() if name in wanted}


def problems_json(problems: list[DiagramProblem]) -> list[dict[str, str]]:
    """Findings as the modeler's list shows them, errors first."""
    ordered = sorted(problems, key=lambda p: 0 if p.blocks_deploy else 1)
    return [
        {"element_id": p.element_id, "element_name": p.element_name, "message": p.message,
         "severity": p.severity}
        for p in ordered
    ]


# --- the form editor's preview ---------------------------------------------------------------


@dataclass
class Preview:
    """A form as the staff and the public would see it, with values and validation messages."""

    spec: FormSpec | None
    values: dict[str, Any] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)
    problem: str = ""
    checked: bool = False


def preview(document: Any) -> Preview:
    """Render the edited schema (+ UI schema); with `check`, validate the sample input too."""
    if not isinstance(document, dict):
        return Preview(None, problem=_("Permintaan tidak dapat dibaca."))
    schema, problem = _json_object(document.get("schema"), _("JSON Schema"))
    if problem:
        return Preview(None, problem=problem)
    ui, problem = _json_object(document.get("ui") or "{}", _("UI schema"))
    if problem:
        return Preview(None, problem=problem)
    reasons = schema_problems(schema)
    if reasons:
        return Preview(None, problem="; ".join(reasons))
    try:
        spec = build_spec(schema, ui)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return Preview(None, problem=_("Formulir tidak dapat ditampilkan: %(why)s", why=str(exc)))
    if not document.get("check"):
        return Preview(spec)
    pairs = document.get("values") or []
    sample: MultiDict[str, str] = MultiDict(
        [(str(k), str(v)) for k, v in pairs if isinstance(k, str) and isinstance(v, str)]
        if isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2 for p in pairs)
        else []
    )
    data, _uploads = parse_submission(spec, sample)
    return Preview(spec, data, validate(spec.schema, data), checked=True)


def _json_object(text: Any, label: str) -> tuple[dict[str, Any], str]:
    if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_FORM_BYTES:
        return {}, _("%(what)s tidak ada atau terlalu besar.", what=label)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return {}, _("%(what)s bukan JSON yang valid: %(why)s", what=label, why=str(exc))
    if not isinstance(value, dict):
        return {}, _("%(what)s harus berupa objek JSON.", what=label)
    return value, ""
