"""Reading a diagram: parse it with SpiffWorkflow and lint it before anything can run it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .scripting import check_expression, check_script
from .types import DiagramProblem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")
EXPRESSION_PROPERTIES = ("divisionExpression",)


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
    return ParsedDiagram(process_id, spec, subprocesses)


def _expressions(root: Any) -> list[tuple[Any, str, str]]:
    """(node, kind, source) for every piece of code in the diagram."""
    found: list[tuple[Any, str, str]] = []
    for node in root.xpath("//bpmn:conditionExpression", namespaces=NS):
        found.append((node, "eval", node.text or ""))
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.xpath(f"//bpmn:{tag}", namespaces=NS):
            found.append((node, "eval", node.text or ""))
    for node in root.xpath("//bpmn:script", namespaces=NS):
        found.append((node, "exec", node.text or ""))
    for tag in ("preScript", "postScript"):
        for node in root.xpath(f"//spiffworkflow:{tag}", namespaces=NS):
            found.append((node, "exec", node.text or ""))
    for name in EXPRESSION_PROPERTIES:
        for node in root.xpath(f"//spiffworkflow:property[@name='{name}']", namespaces=NS):
            found.append((node, "eval", node.get("value") or ""))
    return found


def _lint_code(root: Any) -> list[DiagramProblem]:
    problems = []
    for node, kind, source in _expressions(root):
        element_id, name = _element_of(node)
        if not source.strip():
            problems.append(DiagramProblem(element_id, name, "ekspresi kosong"))
            continue
        errors = check_expression(source) if kind == "eval" else check_script(source)
        for error in errors:
            problems.append(
                DiagramProblem(element_id, name, f"kode ditolak oleh lingkungan terbatas: {error}")
            )
    return problems


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
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return [DiagramProblem(element_id, name, f"{filename} bukan JSON yang valid: {exc}")]
    if key == "formJsonSchemaFilename":
        try:
            Draft202012Validator.check_schema(document)
        except SchemaError as exc:
            return [
                DiagramProblem(element_id, name, f"{filename} bukan JSON Schema: {exc.message}")
            ]
    return []


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
    bpmn_xml: bytes, forms: Mapping[str, str], allowed_lanes: set[str] | None = None
) -> list[DiagramProblem]:
    """Every reason the diagram cannot be deployed: XML, BPMN, code, forms and lanes."""
    root = _parse_xml(bpmn_xml)
    problems = _lint_code(root)
    problems += _lint_forms(root, forms)
    problems += _lint_lanes(root, allowed_lanes)
    if not problems:
        try:
            parse_diagram(bpmn_xml)
        except DiagramError as exc:
            problems += exc.problems
    return problems


def referenced_form_files(bpmn_xml: bytes) -> list[str]:
    """The form files the diagram names, in document order, without repeats."""
    root = _parse_xml(bpmn_xml)
    names: list[str] = []
    for key in FORM_PROPERTIES:
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
