"""Reading a diagram: parse it with SpiffWorkflow and lint it before anything can run it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import re2
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .conventions import (
    DAYS,
    EMAIL_FOOTER,
    FILE_PROPERTIES,
    NOTIFY_PROPERTIES,
    SCHEMA_FILE,
    TRANSLATIONS,
    marker_problems,
    properties_of,
    translations_problem,
)
from .flowlint import lint_flow
from .restricted import assigned_names, compile_errors, reserved_names, unknown_names
from .types import DiagramProblem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")
EXPRESSION_PROPERTIES = ("divisionExpression",)
MAX_DIAGRAM_BYTES = 5 * 1024 * 1024
MAX_FORM_BYTES = 512 * 1024

# Every place SpiffWorkflow 3.2 (with its Spiff extensions) evaluates diagram text as code:
# (XPath, 'eval' or 'exec', attribute holding the code or None for the element's text).
CODE_PLACES: tuple[tuple[str, str, str | None], ...] = (
    ("//bpmn:conditionExpression", "eval", None),
    ("//bpmn:timeDate", "eval", None),
    ("//bpmn:timeDuration", "eval", None),
    ("//bpmn:timeCycle", "eval", None),
    ("//bpmn:loopCardinality", "eval", None),
    ("//bpmn:completionCondition", "eval", None),
    ("//bpmn:loopCondition", "eval", None),
    ("//bpmn:conditionalEventDefinition/bpmn:condition", "eval", None),
    ("//bpmn:messagePath", "eval", None),
    ("//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression", "eval", None),
    ("//spiffworkflow:messagePayload", "eval", None),
    ("//spiffworkflow:processVariableCorrelation/spiffworkflow:expression", "eval", None),
    ("//spiffworkflow:parameter", "eval", "value"),
    ("//bpmn:script", "exec", None),
    ("//spiffworkflow:preScript", "exec", None),
    ("//spiffworkflow:postScript", "exec", None),
) + tuple(
    (f"//spiffworkflow:property[@name='{name}']", "eval", "value") for name in EXPRESSION_PROPERTIES
)
# Elements that would run code outside the sandbox (services, decision tables) are refused.
UNSUPPORTED = {
    "serviceTask": "service task tidak didukung (memanggil layanan di luar sandbox)",
    "businessRuleTask": "business rule task (DMN) tidak didukung",
    "sendTask": "send task tidak didukung",
    "receiveTask": "receive task tidak didukung",
}


class DiagramError(ValueError):
    """A diagram that cannot be deployed; `problems` names each element and reason."""

    def __init__(self, problems: list[DiagramProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ParsedDiagram:
    """A parsed process: its spec and the XML it came from."""

    process_id: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, Any]


def _element_of(node: Any) -> tuple[str, str]:
    while node is not None and node.get("id") is None:
        node = node.getparent()
    if node is None:
        return "", ""
    return node.get("id") or "", node.get("name") or ""


def _parse_xml(bpmn_xml: bytes) -> Any:
    if len(bpmn_xml) > MAX_DIAGRAM_BYTES:
        raise DiagramError([DiagramProblem("", "", "berkas diagram terlalu besar (maks. 5 MB)")])
    try:
        return etree.fromstring(bpmn_xml, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise DiagramError([DiagramProblem("", "", f"XML tidak valid: {exc}")]) from exc


def executable_process_id(root: Any) -> str:
    """The id of the diagram's executable process (the first when there are several)."""
    processes = root.xpath("//bpmn:process", namespaces=NS)
    executable = [p for p in processes if p.get("isExecutable", "false") == "true"] or processes
    if not executable:
        raise DiagramError([DiagramProblem("", "", "diagram tidak memuat bpmn:process")])
    return str(executable[0].get("id"))


def parse_diagram(bpmn_xml: bytes, filename: str = "diagram.bpmn") -> ParsedDiagram:
    """Parse BPMN_XML with the Spiff parser (schema-validated); raise DiagramError if it fails."""
    root = _parse_xml(bpmn_xml)
    process_id = executable_process_id(root)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(etree.ElementTree(root), filename)
        spec = parser.get_spec(process_id)
        subprocesses = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        raise DiagramError([DiagramProblem(exc.id, exc.name, str(exc))]) from exc
    except SpiffWorkflowException as exc:
        raise DiagramError([DiagramProblem("", "", str(exc))]) from exc
    except (RecursionError, MemoryError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # The parser assumes well-formed BPMN; anything else it trips on is a refusal, not a 500.
        reason = f"diagram tidak dapat dibaca ({type(exc).__name__}: {str(exc)[:200]})"
        raise DiagramError([DiagramProblem("", "", reason)]) from exc
    return ParsedDiagram(process_id, spec, subprocesses)


def _expressions(root: Any) -> list[tuple[Any, str, str]]:
    """(node, mode, source) for every piece of code in the diagram."""
    found: list[tuple[Any, str, str]] = []
    for path, mode, attribute in CODE_PLACES:
        for node in root.xpath(path, namespaces=NS):
            source = node.get(attribute) if attribute else node.text
            found.append((node, mode, source or ""))
    return found


def _lint_code(root: Any, known: set[str]) -> list[DiagramProblem]:
    problems = []
    reserved = reserved_names()
    for node, mode, source in _expressions(root):
        element_id, name = _element_of(node)

        def refuse(reason: str, element_id: str = element_id, name: str = name) -> None:
            problems.append(DiagramProblem(element_id, name, reason))

        if not source.strip():
            refuse("ekspresi kosong")
            continue
        errors = compile_errors(source, mode)
        for error in errors:
            refuse(f"kode ditolak oleh lingkungan terbatas: {error}")
        if errors:
            continue
        for unknown in unknown_names(source, mode, known):
            refuse(
                f"nama '{unknown}' tidak dikenal: bukan isian formulir, variabel diagram, "
                "fungsi bawaan yang diizinkan, atau fungsi diagram"
            )
        if mode == "exec":
            for variable in sorted(assigned_names(source) & reserved):
                refuse(f"variabel '{variable}' menimpa nama lingkungan terbatas")
    return problems


def _lint_elements(root: Any) -> list[DiagramProblem]:
    problems = []
    for tag, reason in UNSUPPORTED.items():
        for node in root.xpath(f"//bpmn:{tag}", namespaces=NS):
            element_id, name = _element_of(node)
            problems.append(DiagramProblem(element_id, name, reason))
    return problems


def _form_fields(forms: Mapping[str, str]) -> dict[str, set[str]]:
    """The top-level property names of each form schema that parses."""
    fields: dict[str, set[str]] = {}
    for filename, text in forms.items():
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            continue
        props = document.get("properties") if isinstance(document, dict) else None
        if isinstance(props, dict):
            fields[filename] = {str(key) for key in props}
    return fields


def _diagram_names(root: Any) -> set[str]:
    """Variables the diagram itself introduces: script results, data objects, loop items."""
    names: set[str] = set()
    for _node, mode, source in _expressions(root):
        if mode == "exec":
            names |= assigned_names(source)
    for path in ("//bpmn:dataObject", "//bpmn:inputDataItem", "//bpmn:outputDataItem"):
        for node in root.xpath(path, namespaces=NS):
            names.update(v for v in (node.get("id"), node.get("name")) if v)
    for path in (
        "//bpmn:loopDataInputRef",
        "//bpmn:loopDataOutputRef",
        "//spiffworkflow:messageVariable",
    ):
        names.update((n.text or "").strip() for n in root.xpath(path, namespaces=NS))
    return names


def _form_properties(node: Any) -> dict[str, str]:
    props = {}
    for prop in node.xpath(".//spiffworkflow:property", namespaces=NS):
        props[prop.get("name")] = prop.get("value")
    return props


def _lint_forms(root: Any, forms: Mapping[str, str]) -> list[DiagramProblem]:
    problems = []
    nodes = root.xpath("//bpmn:userTask | //bpmn:startEvent", namespaces=NS)
    for node in nodes:
        element_id, name = _element_of(node)
        props = _form_properties(node)
        if node.tag == f"{{{BPMN_NS}}}userTask" and not props.get("formJsonSchemaFilename"):
            problems.append(DiagramProblem(element_id, name, "tugas pengguna tanpa formulir"))
        for key in FORM_PROPERTIES:
            filename = props.get(key)
            if not filename:
                continue
            if filename not in forms:
                problems.append(
                    DiagramProblem(element_id, name, f"berkas formulir {filename} tidak ada")
                )
                continue
            problems.extend(_lint_form_text(element_id, name, filename, forms[filename], key))
    return problems


def _lint_form_text(
    element_id: str, name: str, filename: str, text: str, key: str
) -> list[DiagramProblem]:
    if len(text.encode("utf-8")) > MAX_FORM_BYTES:
        return [DiagramProblem(element_id, name, f"{filename} terlalu besar")]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return [DiagramProblem(element_id, name, f"{filename} bukan JSON yang valid: {exc}")]
    except RecursionError:
        return [DiagramProblem(element_id, name, f"{filename} bersarang terlalu dalam")]
    if key != "formJsonSchemaFilename":
        return []
    try:
        Draft202012Validator.check_schema(document)
    except SchemaError as exc:
        return [DiagramProblem(element_id, name, f"{filename} bukan JSON Schema: {exc.message}")]
    except RecursionError:
        return [DiagramProblem(element_id, name, f"{filename} bersarang terlalu dalam")]
    return [
        DiagramProblem(element_id, name, f"{filename}: {reason}")
        for reason in schema_problems(document)
    ]


def schema_problems(schema: Any) -> list[str]:
    """Why a form schema is unsafe: outside references, regexes without a linear-time engine."""
    problems: list[str] = []
    reserved = reserved_names()
    props = schema.get("properties") if isinstance(schema, dict) else None
    for field in props if isinstance(props, dict) else {}:
        if str(field).startswith("_") or field in reserved:
            problems.append(f"nama isian '{field}' menimpa nama lingkungan terbatas")
    for keyword, value in _keywords(schema):
        if keyword == "$ref" and not (isinstance(value, str) and value.startswith("#")):
            problems.append(f"$ref '{value}' merujuk ke luar formulir: tidak diizinkan")
        elif keyword in ("$dynamicRef", "$recursiveRef"):
            problems.append(f"{keyword} tidak didukung")
        elif keyword == "patternProperties":
            problems.append("patternProperties tidak didukung")
        elif keyword == "pattern":
            reason = regex_problem(value)
            if reason:
                problems.append(f"pola '{value}' ditolak: {reason}")
    return problems


def _keywords(node: Any, depth: int = 0) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if depth > 64:
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef", "$recursiveRef", "pattern", "patternProperties"):
                found.append((key, value))
            if key not in ("enum", "const", "examples", "default"):
                found.extend(_keywords(value, depth + 1))
    elif isinstance(node, list):
        for item in node:
            found.extend(_keywords(item, depth + 1))
    return found


def regex_problem(pattern: Any) -> str | None:
    """Why PATTERN cannot be a form pattern (it must compile for the linear-time RE2 engine)."""
    if not isinstance(pattern, str):
        return "pola harus teks"
    if len(pattern) > 1000:
        return "pola terlalu panjang"
    try:
        re2.compile(pattern)
    except Exception as exc:  # noqa: BLE001 - re2 raises its own error types
        return f"tidak didukung mesin RE2 ({exc})"
    return None


def _lint_lanes(root: Any, allowed_lanes: set[str] | None) -> list[DiagramProblem]:
    if not allowed_lanes:
        return []
    problems = []
    lane_of: dict[str, str] = {}
    for lane in root.xpath("//bpmn:lane", namespaces=NS):
        for ref in lane.xpath("bpmn:flowNodeRef", namespaces=NS):
            lane_of[(ref.text or "").strip()] = lane.get("name") or ""
    for node in root.xpath("//bpmn:userTask", namespaces=NS):
        element_id, name = _element_of(node)
        lane = lane_of.get(element_id)
        if lane is None:
            problems.append(
                DiagramProblem(element_id, name, "tugas pengguna tidak berada di lajur")
            )
        elif lane not in allowed_lanes:
            problems.append(
                DiagramProblem(element_id, name, f"lajur '{lane}' bukan peran yang dikenal")
            )
    return problems


def lint_diagram(
    bpmn_xml: bytes,
    forms: Mapping[str, str],
    allowed_lanes: set[str] | None = None,
    provided_names: Iterable[str] = (),
) -> list[DiagramProblem]:
    """Every reason the diagram cannot be deployed: XML, BPMN, code, forms and lanes.

    PROVIDED_NAMES are the variables the application itself puts into a new case's data.
    """
    root = _parse_xml(bpmn_xml)
    referenced = set(referenced_form_files(bpmn_xml))
    fields = _form_fields({k: v for k, v in forms.items() if k in referenced})
    known = set(provided_names) | _diagram_names(root) | set().union(*fields.values())
    problems = _lint_elements(root)
    problems += _lint_code(root, known)
    problems += _lint_forms(root, forms)
    problems += _lint_lanes(root, allowed_lanes)
    problems += lint_conventions(root, forms)
    problems += lint_flow(root)
    if not any(problem.blocks_deploy for problem in problems):
        try:
            parse_diagram(bpmn_xml)
        except DiagramError as exc:
            problems += exc.problems
    return problems


def referenced_form_files(bpmn_xml: bytes) -> list[str]:
    """The files the diagram names (forms, e-mail templates, catalogue), without repeats."""
    root = _parse_xml(bpmn_xml)
    names: list[str] = []
    for key in FORM_PROPERTIES + FILE_PROPERTIES:
        for prop in root.xpath(f"//spiffworkflow:property[@name='{key}']", namespaces=NS):
            value = prop.get("value")
            if value and value not in names:
                names.append(value)
    return names


def describe_process(bpmn_xml: bytes) -> tuple[str, str]:
    """The executable process's id and name."""
    root = _parse_xml(bpmn_xml)
    process_id = executable_process_id(root)
    node = root.xpath(f"//bpmn:process[@id='{process_id}']", namespaces=NS)[0]
    return process_id, str(node.get("name") or process_id)


# --- conventions (process/CONVENTIONS.md) ---------------------------------------------------


def email_template_problem(name: str, text: str, with_subject: bool = True) -> str | None:
    """Why TEXT cannot be an e-mail template (WITH_SUBJECT: a message, not a footer), or None."""
    try:
        SandboxedEnvironment(autoescape=False).parse(text)
    except TemplateError as exc:
        return f"templat surel {name} tidak valid: {exc}"
    if with_subject and "\n\n" not in text.replace("\r\n", "\n"):
        return f"templat surel {name}: baris pertama subjek, lalu baris kosong, lalu isi"
    return None


def lint_conventions(root: Any, forms: Mapping[str, str]) -> list[DiagramProblem]:
    """Each element's convention properties and markers the app cannot use (CONVENTIONS.md)."""
    problems: list[DiagramProblem] = []
    for node in root.xpath("//bpmn:process | //bpmn:process//*[@id]", namespaces=NS):
        if not isinstance(node.tag, str):
            continue
        element_id, name = _element_of(node)
        problems.extend(
            DiagramProblem(element_id, name, reason)
            for reason in _convention_reasons(properties_of(node, own_only=True), forms)
        )
    return problems


def _convention_reasons(props: Mapping[str, str], forms: Mapping[str, str]) -> list[str]:
    reasons = []
    for key in NOTIFY_PROPERTIES + (EMAIL_FOOTER,):
        filename = props.get(key)
        if filename is None:
            continue
        if filename not in forms:
            reasons.append(f"{key}: templat surel {filename} tidak ada")
            continue
        reason = email_template_problem(filename, forms[filename], key != EMAIL_FOOTER)
        if reason:
            reasons.append(f"{key}: {reason}")
    if TRANSLATIONS in props:
        reason = translations_problem(forms.get(props[TRANSLATIONS]))
        if reason:
            reasons.append(f"{TRANSLATIONS}: berkas terjemahan {props[TRANSLATIONS]} {reason}")
    if DAYS in props and not props[DAYS].strip().isdigit():
        reasons.append(f"{DAYS}: '{props[DAYS]}' bukan jumlah hari kerja")
    schema_file = props.get(SCHEMA_FILE, "")
    try:
        schema = json.loads(forms[schema_file]) if schema_file in forms else None
    except (ValueError, RecursionError):
        schema = None  # _lint_forms reports it
    reasons.extend(f"{schema_file}: {reason}" for reason in marker_problems(schema))
    return reasons
