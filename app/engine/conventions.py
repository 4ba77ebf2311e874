"""The documented conventions (process/CONVENTIONS.md) read from a deployed version.

Pure lxml and JSON: the diagram's `spiffworkflow:property` elements and the forms' JSON Schema
`x-` keywords become the project's own dataclasses, so the rest of the app never names a task id
or a field of a particular diagram. Results are cached by the version's content hash.
"""

from __future__ import annotations

import ast
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .restricted import FUNCTION_NAMES

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

# Element properties.
PUBLIC_TEXT = "publicText"
PUBLIC_ACTION = "publicAction"
PUBLIC_STATUS = "publicStatus"
NOTIFY_PUBLIC = "notifyPublic"
NOTIFY_LEADS = "notifyLeads"
DAYS = "days"
SERVICE_STANDARD = "serviceStandard"
SCHEMA_FILE = "formJsonSchemaFilename"
UI_FILE = "formUiSchemaFilename"
# Process properties.
TRANSLATIONS = "translations"
EMAIL_FOOTER = "emailFooter"
PUBLIC_LANE = "publicLane"  # the lane the public works (tracking link); never a staff role
REGISTRAR_LANE = "registrarLane"  # the staff lane that registers complaints for the public
LEADS_LANE = "leadsLane"  # the lane whose leads receive `notifyLeads` e-mails
DIVISION_EXPRESSION = "divisionExpression"  # user task: the field naming the task's division
# Process properties: the daily reminder (a task due the next working day) and digest (cases
# past their service standard) each person receives; templates like notifyPublic's.
NOTIFY_REMINDER = "notifyReminder"
NOTIFY_DIGEST = "notifyDigest"
NOTIFY_PROPERTIES = (NOTIFY_PUBLIC, NOTIFY_LEADS, NOTIFY_REMINDER, NOTIFY_DIGEST)
FILE_PROPERTIES = (NOTIFY_PUBLIC, NOTIFY_LEADS, NOTIFY_REMINDER, NOTIFY_DIGEST, TRANSLATIONS,
                   EMAIL_FOOTER)

# Form keywords.
PUBLIC = "x-publik"
ANSWER = "jawaban"  # "x-publik": "jawaban": the answer, shown once a milestone=answered is reached
REQUEST = "permintaan"  # "x-publik": "permintaan": asks the complainant; shown while they act
FIELD = "isian"  # "x-publik": true: a value the complainant reads, labelled by its title
# "x-publik": "tanggal" on a date field of the task that reaches milestone=answered: the day the
# answer was delivered as recorded there; the complainant reads that day, not the system time.
DELIVERED_ON = "tanggal"
FIELD_MARKERS = {True: FIELD, ANSWER: ANSWER, REQUEST: REQUEST, DELIVERED_ON: DELIVERED_ON}
# "x-ringkasan": <role> marks the fields a case is summarised by (columns, lists, filters).
SUMMARY = "x-ringkasan"
SUBJECT = "subject"  # the case's one-line subject (lists, tracking page, e-mails)
TYPE = "type"  # the kind of case (a choice)
SERVICE = "service"  # the service complained about (a choice, shown and filtered in the inbox)
CHANNEL = "channel"  # how the case came in (a choice; its `default` means "the online portal")
ANONYMOUS = "anonymous"  # true: the complainant's identity is for the desk officer only
SECRET = "secret"  # nosec B105 # a role name (never published), not a password
SUMMARY_ROLES = (SUBJECT, TYPE, SERVICE, CHANNEL, ANONYMOUS, SECRET)
LISTED_ROLES = (SERVICE, CHANNEL)  # carried by the task index: list columns and filters
# "x-skm": "nilai" (the single 1-4 rating) or "U1".."U9" (the nine SKM elements) marks a rating.
SKM = "x-skm"
SKM_MARKERS = ("nilai", *(f"U{n}" for n in range(1, 10)))
# Keys whose string values are texts people read (translated through the catalogue).
TEXT_KEYS = frozenset({"title", "description", "ui:title", "ui:description", "ui:help",
                       "ui:placeholder", "x-pesan"})


@dataclass(frozen=True)
class PublicField:
    """A form field the complainant may read: its name, title, role and whether it holds files."""

    name: str
    title: str
    role: str  # FIELD, ANSWER or REQUEST
    is_file: bool = False


@dataclass(frozen=True)
class FormConventions:
    """What a form says about the public: fields they read, option texts for the timeline."""

    public_fields: tuple[PublicField, ...] = ()
    # field name -> option value (as JSON text) -> the timeline text when that option is chosen
    choice_texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    file_fields: tuple[str, ...] = ()  # every attachment field, public or not

    def choice_text(self, data: Mapping[str, Any]) -> str | None:
        """The timeline text of the first field whose chosen option carries one."""
        for name, texts in self.choice_texts.items():
            if name in data:
                text = texts.get(json.dumps(data[name]))
                if text:
                    return text
        return None

    def with_role(self, role: str) -> list[PublicField]:
        """The public fields of ROLE, in schema order."""
        return [f for f in self.public_fields if f.role == role]


@dataclass(frozen=True)
class ElementConventions:
    """One flow element's conventions."""

    element_id: str
    name: str
    kind: str  # the BPMN tag without namespace: userTask, startEvent, endEvent, ...
    properties: Mapping[str, str]
    form: FormConventions
    deadline_days: int | None = None  # the day count of a timer attached to the element

    @property
    def public_text(self) -> str | None:
        """What the public timeline says when the element completes."""
        return self.properties.get(PUBLIC_TEXT) or None

    @property
    def public_action(self) -> str | None:
        """The label of the button that opens this task for the complainant."""
        return self.properties.get(PUBLIC_ACTION) or None

    def notification(self, recipient_property: str) -> str | None:
        """The e-mail template file this element sends to a recipient, if any."""
        return self.properties.get(recipient_property) or None


@dataclass(frozen=True)
class ProcessConventions:
    """Everything the conventions say about one deployed version."""

    elements: Mapping[str, ElementConventions]
    service_days: int | None
    translations: Mapping[str, Mapping[str, str]]
    email_footer: str | None
    files: Mapping[str, str]  # every file deployed with the version (forms, templates, catalogue)
    lanes: tuple[str, ...] = ()  # every lane name, in diagram order
    public_lane: str | None = None
    registrar_lane: str | None = None
    leads_lane: str | None = None
    # lane -> division code -> label, from the options of the field a divisionExpression reads
    divisions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    process_properties: Mapping[str, str] = field(default_factory=dict)  # of `bpmn:process`

    @property
    def staff_lanes(self) -> tuple[str, ...]:
        """The lanes staff work: every lane but the public's."""
        return tuple(lane for lane in self.lanes if lane != self.public_lane)

    def element(self, element_id: str | None) -> ElementConventions | None:
        """The element with this id, if the diagram has it."""
        return self.elements.get(element_id or "")

    def translate(self, text: str, language: str) -> str:
        """TEXT in LANGUAGE from the version's catalogue; TEXT itself when it has none."""
        return self.translations.get(language, {}).get(text, text) if text else text

    def with_public_role(self, role: str) -> list[tuple[str, PublicField]]:
        """(element id, field) of every public field of ROLE in the diagram's forms."""
        return [(e.element_id, f) for e in self.elements.values() for f in e.form.with_role(role)]


# --- reading ---------------------------------------------------------------------------------


_CACHE: dict[str, ProcessConventions] = {}
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 32


def read_conventions(content_hash: str, bpmn_xml: bytes, files: Mapping[str, str] | str
                     ) -> ProcessConventions:
    """The conventions of a version, cached by CONTENT_HASH; FILES as deployed (or their JSON)."""
    found = _CACHE.get(content_hash)
    if found is None:
        documents = json.loads(files) if isinstance(files, str) else dict(files)
        found = _read(bpmn_xml, documents)
        with _CACHE_LOCK:
            if len(_CACHE) >= CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[content_hash] = found
    return found


def cached_conventions(content_hash: str) -> ProcessConventions | None:
    """The conventions of the version with CONTENT_HASH if already read (no database read)."""
    with _CACHE_LOCK:
        return _CACHE.get(content_hash)


def loaded_conventions() -> list[ProcessConventions]:
    """The conventions read so far in this process, newest first (for texts without a version)."""
    with _CACHE_LOCK:
        return list(reversed(_CACHE.values()))


def _read(bpmn_xml: bytes, files: dict[str, str]) -> ProcessConventions:
    root = etree.fromstring(bpmn_xml, parser=etree.XMLParser(resolve_entities=False))
    process = _executable_process(root)
    process_props = properties_of(process, own_only=True) if process is not None else {}
    attached = _attached_days(root)
    elements: dict[str, ElementConventions] = {}
    service_days: int | None = None
    for node in root.xpath("//bpmn:process//*[@id]", namespaces=NS):
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
            continue
        props = properties_of(node, own_only=True)
        kind = etree.QName(node).localname
        element_id = str(node.get("id"))
        elements[element_id] = ElementConventions(
            element_id=element_id,
            name=str(node.get("name") or ""),
            kind=kind,
            properties=props,
            form=form_conventions(_json(files.get(props.get(SCHEMA_FILE, ""))),
                                  _json(files.get(props.get(UI_FILE, "")))),
            deadline_days=attached.get(element_id),
        )
        if props.get(SERVICE_STANDARD) == "true":
            service_days = timer_days(node)
    return ProcessConventions(
        elements=elements,
        service_days=service_days,
        translations=parse_translations(files.get(process_props.get(TRANSLATIONS, ""))) or {},
        email_footer=process_props.get(EMAIL_FOOTER) or None,
        files=files,
        lanes=lane_names(root),
        public_lane=process_props.get(PUBLIC_LANE) or None,
        registrar_lane=process_props.get(REGISTRAR_LANE) or None,
        leads_lane=process_props.get(LEADS_LANE) or None,
        divisions=lane_divisions(root, files),
        process_properties=process_props,
    )


def lane_problems(bpmn_xml: bytes, reserved: Iterable[str]) -> list[tuple[str, str, str]]:
    """(element id, name, why) for each lane property naming no lane of the diagram, and each
    lane named like one of the RESERVED (office) roles."""
    root = etree.fromstring(bpmn_xml, parser=etree.XMLParser(resolve_entities=False))
    process = _executable_process(root)
    if process is None:
        return []
    names = lane_names(root)
    problems = []
    props = properties_of(process, own_only=True)
    for prop in (PUBLIC_LANE, REGISTRAR_LANE, LEADS_LANE):
        value = props.get(prop)
        if value is not None and value not in names:
            problems.append((str(process.get("id")), str(process.get("name") or ""),
                             f"{prop} '{value}' bukan nama lajur diagram ini"))
    if props.get(REGISTRAR_LANE) and props.get(REGISTRAR_LANE) == props.get(PUBLIC_LANE):
        problems.append((str(process.get("id")), str(process.get("name") or ""),
                         f"{REGISTRAR_LANE} tidak boleh lajur publik"))
    for lane in root.xpath("//bpmn:lane", namespaces=NS):
        if str(lane.get("name") or "").strip() in set(reserved):
            problems.append((str(lane.get("id")), str(lane.get("name")),
                             "nama lajur sama dengan peran kantor"))
    return problems


def lane_names(root: Any) -> tuple[str, ...]:
    """Every named lane of the diagram, in document order, without repeats."""
    names = (str(lane.get("name") or "").strip() for lane in root.xpath("//bpmn:lane",
                                                                        namespaces=NS))
    return tuple(dict.fromkeys(name for name in names if name))


def lane_of_elements(root: Any) -> dict[str, str]:
    """Element id -> the name of the lane holding it."""
    lane_of: dict[str, str] = {}
    for lane in root.xpath("//bpmn:lane", namespaces=NS):
        for ref in lane.xpath("bpmn:flowNodeRef", namespaces=NS):
            lane_of[(ref.text or "").strip()] = str(lane.get("name") or "").strip()
    return lane_of


def lane_divisions(root: Any, files: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Lane -> division code -> label: the `oneOf` options of the field a task's
    divisionExpression names, found in the version's forms."""
    lane_of = lane_of_elements(root)
    found: dict[str, dict[str, str]] = {}
    for node in root.xpath("//bpmn:userTask", namespaces=NS):
        expression = properties_of(node, own_only=True).get(DIVISION_EXPRESSION, "").strip()
        lane = lane_of.get(str(node.get("id")))
        if not expression or not lane:
            continue
        found.setdefault(lane, {}).update(field_options(expression, files))
    return found


def field_options(name: str, files: Mapping[str, str]) -> dict[str, str]:
    """Code -> title of the `oneOf` options of the form field NAME in any of FILES."""
    options: dict[str, str] = {}
    for text in files.values():
        schema = _json(text)
        props = schema.get("properties") if isinstance(schema, dict) else None
        prop = props.get(name) if isinstance(props, dict) else None
        if not isinstance(prop, dict):
            continue
        for option in prop.get("oneOf") or []:
            if isinstance(option, dict) and isinstance(option.get("const"), str):
                options[option["const"]] = str(option.get("title") or option["const"])
    return options


def _executable_process(root: Any) -> Any:
    processes = root.xpath("//bpmn:process", namespaces=NS)
    executable = [p for p in processes if p.get("isExecutable", "false") == "true"] or processes
    return executable[0] if executable else None


def properties_of(node: Any, own_only: bool = False) -> dict[str, str]:
    """The `spiffworkflow:property` name/value pairs of NODE (not of its children if OWN_ONLY)."""
    path = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
    props: dict[str, str] = {}
    for prop in node.xpath(path if own_only else ".//spiffworkflow:property", namespaces=NS):
        props[str(prop.get("name"))] = str(prop.get("value") or "")
    return props


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _attached_days(root: Any) -> dict[str, int]:
    """For each element with a timer boundary event, that timer's day count (the first found)."""
    days: dict[str, int] = {}
    for node in root.xpath("//bpmn:boundaryEvent[bpmn:timerEventDefinition]", namespaces=NS):
        count = timer_days(node)
        target = node.get("attachedToRef")
        if count is not None and target and target not in days:
            days[target] = count
    return days


def timer_days(node: Any) -> int | None:
    """The working days of NODE's timer: its `days` property, else read from the expression."""
    declared = properties_of(node, own_only=True).get(DAYS)
    if declared is not None:
        return int(declared) if declared.strip().isdigit() else None
    for path in ("timeDate", "timeDuration", "timeCycle"):
        for expr in node.xpath(f".//bpmn:{path}", namespaces=NS):
            count = days_in_expression(expr.text or "")
            if count is not None:
                return count
    return None


def days_in_expression(source: str) -> int | None:
    """N of `tambah_hari_kerja(x, N)` / `hari_kerja_dari_sekarang(N)` when N is a number."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in FUNCTION_NAMES and node.args):
            last = node.args[-1]
            if isinstance(last, ast.Constant) and type(last.value) is int:
                return last.value
    return None


def form_conventions(schema: Any, ui: Any = None) -> FormConventions:
    """The public fields and option texts of a form schema (empty for anything else)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    ui = ui if isinstance(ui, dict) else {}
    if not isinstance(props, dict):
        return FormConventions()
    public: list[PublicField] = []
    texts: dict[str, dict[str, str]] = {}
    files: list[str] = []
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        if _holds_files(prop, ui.get(name) if isinstance(ui.get(name), dict) else {}):
            files.append(str(name))
        marker = prop.get(PUBLIC)
        role = FIELD_MARKERS.get(marker) if isinstance(marker, (bool, str)) else None
        if role:
            hints = ui.get(name) if isinstance(ui.get(name), dict) else {}
            public.append(PublicField(str(name), str(prop.get("title") or name), role,
                                      _holds_files(prop, hints)))
        options = {
            json.dumps(option.get("const")): option[PUBLIC]
            for option in prop.get("oneOf") or []
            if isinstance(option, dict) and isinstance(option.get(PUBLIC), str)
        }
        if options:
            texts[str(name)] = options
    return FormConventions(tuple(public), texts, tuple(files))


def _holds_files(prop: Mapping[str, Any], hints: Mapping[str, Any]) -> bool:
    """Attachment fields: the `file` widget of the UI schema (as app/formrender renders them)."""
    return hints.get("ui:widget") == "file"


@dataclass(frozen=True)
class SummaryField:
    """A form field marked as one of the case's summary fields."""

    role: str
    name: str
    title: str
    options: tuple[tuple[str, str], ...] = ()  # (value, title) of its `oneOf` choices
    default: Any = None


def summary_fields(schema: Any) -> dict[str, SummaryField]:
    """The fields of a form schema marked `x-ringkasan`, by role (the first marked wins)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    found: dict[str, SummaryField] = {}
    for name, prop in props.items() if isinstance(props, dict) else ():
        role = prop.get(SUMMARY) if isinstance(prop, dict) else None
        if role in SUMMARY_ROLES and role not in found:
            options = tuple(
                (str(o["const"]), str(o.get("title", o["const"])))
                for o in prop.get("oneOf") or [] if isinstance(o, dict) and "const" in o
            )
            found[role] = SummaryField(role, str(name), str(prop.get("title") or name), options,
                                       prop.get("default"))
    return found


def summary_values(schema: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """The summary values DATA carries for a form schema's marked fields, by role."""
    return {role: data[f.name] for role, f in summary_fields(schema).items() if f.name in data}


def parse_translations(text: str | None) -> dict[str, dict[str, str]] | None:
    """A catalogue file `{"en": {"<Indonesian>": "<translation>"}}`; None when it is not one."""
    document = _json(text)
    if not isinstance(document, dict):
        return None
    catalogue: dict[str, dict[str, str]] = {}
    for language, texts in document.items():
        if not isinstance(texts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in texts.items()
        ):
            return None
        catalogue[str(language)] = dict(texts)
    return catalogue


def translations_problem(text: str | None) -> str | None:
    """Why TEXT is not a usable catalogue file, or None."""
    if text is None:
        return "tidak ada"
    if _json(text) is None:
        return "bukan JSON yang valid"
    if parse_translations(text) is None:
        return 'harus berbentuk {"en": {"teks Indonesia": "terjemahan"}}'
    return None


def translate_document(document: Any, texts: Mapping[str, str]) -> Any:
    """A copy of a form document with its titles, descriptions and help texts translated."""
    if not texts:
        return document
    return _translate(document, texts, 0)


def _translate(node: Any, texts: Mapping[str, str], depth: int) -> Any:
    if depth > 64:
        return node
    if isinstance(node, dict):
        return {
            key: (texts.get(value, value) if key in TEXT_KEYS and isinstance(value, str)
                  else _translate(value, texts, depth + 1))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_translate(item, texts, depth + 1) for item in node]
    return node


def marker_problems(schema: Any) -> list[str]:
    """Why a form's `x-publik` markers are not understood (each a reason in Indonesian)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    problems: list[str] = []
    for name, prop in (props or {}).items() if isinstance(props, dict) else ():
        if not isinstance(prop, dict):
            continue
        marker = prop.get(PUBLIC, False)
        known = isinstance(marker, (bool, str)) and marker in FIELD_MARKERS
        understood = marker is False or known
        if not understood:
            problems.append(
                f"isian '{name}': nilai {PUBLIC} {json.dumps(marker)} tidak dikenal "
                f'(gunakan true, "{ANSWER}", "{REQUEST}" atau "{DELIVERED_ON}")'
            )
        role = prop.get(SUMMARY)
        if SUMMARY in prop and role not in SUMMARY_ROLES:
            problems.append(
                f"isian '{name}': nilai {SUMMARY} {json.dumps(role)} tidak dikenal "
                f"(gunakan {', '.join(json.dumps(r) for r in SUMMARY_ROLES)})"
            )
        if SKM in prop and prop[SKM] not in SKM_MARKERS:
            problems.append(f"isian '{name}': nilai {SKM} {json.dumps(prop[SKM])} tidak dikenal "
                            '(gunakan "nilai" atau "U1" sampai "U9")')
        for option in prop.get("oneOf") or []:
            if isinstance(option, dict) and PUBLIC in option and not (
                isinstance(option[PUBLIC], str) and option[PUBLIC].strip()
            ):
                problems.append(
                    f"isian '{name}': {PUBLIC} pada pilihan {json.dumps(option.get('const'))} "
                    "harus berupa teks linimasa"
                )
    return problems


def texts_of(documents: Iterable[Any]) -> set[str]:
    """Every readable text in form documents (for checking a catalogue's coverage)."""
    found: set[str] = set()

    def walk(node: Any, depth: int) -> None:
        if depth > 64:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                readable = key in TEXT_KEYS or (key == PUBLIC and value not in FIELD_MARKERS)
                if readable and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value, depth + 1)
        elif isinstance(node, list):
            for item in node:
                walk(item, depth + 1)

    for document in documents:
        walk(document, 0)
    return found
