"""Comparing two versions of a diagram: added, removed and changed elements, and their forms.

Elements are matched by their BPMN id. Each element is described by what the app reads from it
(name, type, lane, flows, conditions, timers, scripts, every `spiffworkflow` extension and the
content of the files its properties name), and two descriptions are compared field by field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .conventions import FILE_PROPERTIES
from .diagram import FORM_PROPERTIES, NS, _parse_xml

BPMN = "{" + NS["bpmn"] + "}"
SPIFF = "{" + NS["spiffworkflow"] + "}"
# Elements worth listing: what sits in a process, and the lanes.
SKIPPED = {
    "extensionElements",
    "documentation",
    "laneSet",
    "incoming",
    "outgoing",
    "conditionExpression",
    "flowNodeRef",
    "childLaneSet",
    "text",
}
FILE_KEYS = FORM_PROPERTIES + FILE_PROPERTIES
MAX_FILE_CHANGES = 12


@dataclass(frozen=True)
class FieldChange:
    """One described field of an element, before and after (None: absent)."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ElementChange:
    """An element added, removed or changed between two versions."""

    element_id: str
    kind: str  # "added", "removed", "changed"
    element_type: str
    name: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class FileChange:
    """A file deployed with the versions (form, e-mail template, catalogue) that differs."""

    filename: str
    kind: str  # "added", "removed", "changed"
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DiagramDiff:
    """Every difference between two versions, and the element ids to colour on each diagram."""

    elements: list[ElementChange]
    files: list[FileChange]

    @property
    def empty(self) -> bool:
        """True when the versions do the same thing."""
        return not self.elements and not self.files

    def ids(self, kind: str) -> list[str]:
        """The ids of the elements of KIND ("added", "removed", "changed")."""
        return [e.element_id for e in self.elements if e.kind == kind]


def _local(node: Any) -> str:
    return node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""


def _text(node: Any) -> str:
    return " ".join("".join(node.itertext()).split())


def _lanes(root: Any) -> dict[str, str]:
    lane_of: dict[str, str] = {}
    for lane in root.iter(f"{BPMN}lane"):
        for ref in lane.iterfind(f"{BPMN}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = lane.get("name") or lane.get("id") or ""
    return lane_of


def _extensions(node: Any, fields: dict[str, str], files: Mapping[str, str]) -> None:
    """Every spiffworkflow extension of NODE (not of its children), and the files it names."""
    extension = node.find(f"{BPMN}extensionElements")
    if extension is None:
        return
    for item in extension.iter():
        if not isinstance(item.tag, str) or not item.tag.startswith(SPIFF):
            continue
        tag = _local(item)
        if tag == "properties":
            continue
        if tag == "property":
            name, value = item.get("name") or "", item.get("value") or ""
            fields[f"properti {name}"] = value
            if name in FILE_KEYS:
                fields[f"isi {value}"] = files.get(value, "(tidak ada)")
            continue
        attributes = " ".join(f"{k}={v}" for k, v in sorted(item.attrib.items()))
        value = " ".join(part for part in (attributes, _text(item)) if part)
        key = f"spiffworkflow:{tag}"
        fields[key] = f"{fields[key]} | {value}" if key in fields else value


def _event_fields(node: Any, fields: dict[str, str]) -> None:
    for definition in node:
        tag = _local(definition)
        if not tag.endswith("EventDefinition"):
            continue
        refs = " ".join(
            f"{k}={v}" for k, v in sorted(definition.attrib.items()) if k.endswith("Ref")
        )
        fields["peristiwa"] = " ".join(p for p in (tag, refs) if p)
        for timer in ("timeDate", "timeDuration", "timeCycle"):
            found = definition.find(f"{BPMN}{timer}")
            if found is not None:
                fields[f"pewaktu ({timer})"] = _text(found)


Flows = dict[tuple[str, str], list[Any]]


def _describe(
    node: Any, lane_of: dict[str, str], flows: Flows, files: Mapping[str, str]
) -> dict[str, str]:
    element_id = node.get("id") or ""
    kind = _local(node)
    fields: dict[str, str] = {"tipe": kind, "nama elemen": node.get("name") or ""}
    if element_id in lane_of:
        fields["lajur"] = lane_of[element_id]
    for attribute in (
        "sourceRef",
        "targetRef",
        "default",
        "attachedToRef",
        "cancelActivity",
        "calledElement",
        "triggeredByEvent",
        "isExecutable",
    ):
        if node.get(attribute) is not None:
            fields[attribute] = node.get(attribute)
    condition = node.find(f"{BPMN}conditionExpression")
    if condition is not None:
        fields["kondisi"] = _text(condition)
    documentation = node.find(f"{BPMN}documentation")
    if documentation is not None:
        fields["dokumentasi"] = _text(documentation)
    script = node.find(f"{BPMN}script")
    if script is not None:
        fields["skrip"] = (script.text or "").strip()
    incoming = sorted(str(f.get("id")) for f in flows.get(("in", element_id), []))
    outgoing = sorted(str(f.get("id")) for f in flows.get(("out", element_id), []))
    if incoming:
        fields["alur masuk"] = ", ".join(incoming)
    if outgoing:
        fields["alur keluar"] = ", ".join(outgoing)
    loop = node.find(f"{BPMN}multiInstanceLoopCharacteristics")
    if loop is not None:
        fields["perulangan"] = etree.tostring(loop, encoding="unicode", with_tail=False)
    _event_fields(node, fields)
    _extensions(node, fields, files)
    return fields


def _elements(root: Any, files: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Element id -> its description, for every element of every process and every lane."""
    lane_of = _lanes(root)
    flows: Flows = {}
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        flows.setdefault(("out", flow.get("sourceRef")), []).append(flow)
        flows.setdefault(("in", flow.get("targetRef")), []).append(flow)
    found: dict[str, dict[str, str]] = {}
    for process in root.iter(f"{BPMN}process"):
        found[process.get("id") or ""] = _describe(process, lane_of, flows, files)
        for node in process.iter():
            if not isinstance(node.tag, str) or not node.tag.startswith(BPMN):
                continue
            if node is process or _local(node) in SKIPPED or not node.get("id"):
                continue
            if _local(node).endswith("EventDefinition") or _local(node).startswith("time"):
                continue
            if _local(node) == "script" or _local(node).endswith("LoopCharacteristics"):
                continue
            found[node.get("id")] = _describe(node, lane_of, flows, files)
    return found


def _file_details(old: str, new: str) -> list[str]:
    """What changed inside a file: JSON paths for JSON documents, else a line count."""
    try:
        before, after = json.loads(old), json.loads(new)
    except (ValueError, RecursionError):
        old_lines, new_lines = old.splitlines(), new.splitlines()
        changed = sum(1 for a, b in zip(old_lines, new_lines, strict=False) if a != b)
        changed += abs(len(old_lines) - len(new_lines))
        return [f"{changed} baris berubah"]
    details: list[str] = []
    _json_changes(before, after, "", details)
    if len(details) > MAX_FILE_CHANGES:
        rest = len(details) - MAX_FILE_CHANGES
        details = details[:MAX_FILE_CHANGES] + [f"… dan {rest} perubahan lain"]
    return details


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "…"


def _json_changes(before: Any, after: Any, path: str, out: list[str]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                out.append(f"{where} dihapus")
            elif key not in before:
                out.append(f"{where} ditambahkan: {_short(after[key])}")
            else:
                _json_changes(before[key], after[key], where, out)
    elif before != after:
        out.append(f"{path or '(dokumen)'}: {_short(before)} → {_short(after)}")


def diff_versions(
    old_xml: bytes, old_files: Mapping[str, str], new_xml: bytes, new_files: Mapping[str, str]
) -> DiagramDiff:
    """The differences from the old version (diagram and files) to the new one."""
    old = _elements(_parse_xml(old_xml), old_files)
    new = _elements(_parse_xml(new_xml), new_files)
    elements: list[ElementChange] = []
    for element_id, fields in old.items():
        if element_id not in new:
            elements.append(
                ElementChange(element_id, "removed", fields["tipe"], fields["nama elemen"])
            )
            continue
        after = new[element_id]
        changes = [
            FieldChange(key, _shown(key, fields.get(key)), _shown(key, after.get(key)))
            for key in list(fields) + [k for k in after if k not in fields]
            if fields.get(key) != after.get(key)
        ]
        if changes:
            name = after["nama elemen"] or fields["nama elemen"]
            elements.append(ElementChange(element_id, "changed", after["tipe"], name, changes))
    for element_id, fields in new.items():
        if element_id not in old:
            elements.append(
                ElementChange(element_id, "added", fields["tipe"], fields["nama elemen"])
            )
    return DiagramDiff(elements, _files(old_files, new_files))


def _shown(key: str, value: str | None) -> str | None:
    """A file's content is summarised in the file list; the element shows only that it changed."""
    if key.startswith("isi ") and value is not None:
        return "sidik " + hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]
    return value


def _files(old: Mapping[str, str], new: Mapping[str, str]) -> list[FileChange]:
    files = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            files.append(FileChange(name, "removed"))
        elif name not in old:
            files.append(FileChange(name, "added"))
        elif old[name] != new[name]:
            files.append(FileChange(name, "changed", _file_details(old[name], new[name])))
    return files
