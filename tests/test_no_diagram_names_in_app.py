"""No Python or template of app/ names an element id, process id or form field of the diagram."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from tests.support import ROOT

APP = ROOT / "app"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# Ordinary words that are also names in process/ or forms/, used in app/ as interface words.
# Each entry says why its use in app/ is not knowledge of this diagram.
ALLOWED = {
    # An HTML input type (`type="email"`) and the e-mail address the identity module keys on
    # through `x-identitas: "email"`, a documented identity convention, not a field name.
    "email",
    # `x-identitas: "telepon"` / `"nik"`: the identity conventions' kinds (app/cases/identity.py),
    # documented in CONVENTIONS.md; the field may be named anything.
    "telepon",
    "nik",
    # `x-identitas: "nama"`: the name kind (exact, normalised lookup), same convention.
    "nama",
    # The documented vocabulary the app gives diagram authors (process/CONVENTIONS.md), ordinary
    # words that the real forms happen to reuse as field names: `"x-publik": "jawaban"` (the
    # answer marker) and the e-mail template variables `jawaban` and `judul` (the case's subject).
    "jawaban",
    "judul",
}
# Names one file may write, and why. app/logs.py refuses to log fields called like the usual
# identity fields whoever passes them (defence in depth, tests/integrity/test_logging.py): a
# deny-list, not a use of the form; the identity itself is found by `x-identitas`.
EXEMPT = {"app/logs.py": {"nama", "no_kk", "alamat"}}
# Folders that are not application logic: the migrations are the schema's history (the old
# column names stay in the revisions that created them); translations are generated catalogues;
# static/modeler is the built bundle of npm packages (its sources, processes/assets, are read).
SKIPPED = ("migrations", "translations", "modeler")


def diagram_names(lanes: bool = False) -> set[str]:
    """Every element id, process id and form field name in process/ and forms/ (or lane names)."""
    names: set[str] = set()
    lane_names: set[str] = set()
    for path in (ROOT / "process").glob("*.bpmn"):
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False)).getroot()
        for node in root.iter():
            if isinstance(node.tag, str) and node.tag.startswith(f"{{{BPMN_NS}}}"):
                if lanes:
                    pass
                elif node.get("id") and etree.QName(node).localname not in (
                        "definitions", "BPMNDiagram", "BPMNPlane", "BPMNShape", "BPMNEdge"):
                    names.add(str(node.get("id")))
                if etree.QName(node).localname == "lane" and node.get("name"):
                    lane_names.add(str(node.get("name")))
    if lanes:
        return lane_names - ALLOWED
    for path in (ROOT / "forms").glob("*.schema.json"):
        names.update(_properties(json.loads(path.read_text("utf-8"))))
    return names - ALLOWED


def _properties(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            yield from (str(k) for k in props)
        for value in node.values():
            yield from _properties(value)
    elif isinstance(node, list):
        for item in node:
            yield from _properties(item)


def _python_words(path: Path) -> Iterator[tuple[int, str]]:
    """String constants (whole, and their identifier-like words) and attribute/keyword names."""
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.isidentifier():
                yield node.lineno, node.value
        elif isinstance(node, ast.Attribute):
            yield node.lineno, node.attr
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.lineno, node.arg
        elif isinstance(node, ast.Name):
            yield node.lineno, node.id
        elif isinstance(node, ast.arg):
            yield node.lineno, node.arg


EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
QUOTED = re.compile(r"""["']([^"'\n]*)["']""")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TRANSLATED = re.compile(r"""_\(\s*(["']).*?\1""", re.S)


def _template_words(path: Path) -> Iterator[tuple[int, str]]:
    """Names inside `{{ }}`/`{% %}` (not translated texts) and quoted attribute values."""
    text = path.read_text("utf-8")
    for match in EXPRESSION.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        for word in WORD.findall(TRANSLATED.sub("", match.group())):
            yield line, word
    # Expressions blanked out (keeping their line breaks) so line numbers stay right.
    outside = EXPRESSION.sub(lambda m: "\n" * m.group().count("\n"), text)
    for match in QUOTED.finditer(outside):
        value = match.group(1)
        if WORD.fullmatch(value):
            yield outside.count("\n", 0, match.start()) + 1, value


def _js_words(path: Path) -> Iterator[tuple[int, str]]:
    text = path.read_text("utf-8")
    for match in QUOTED.finditer(text):
        if WORD.fullmatch(match.group(1)):
            yield text.count("\n", 0, match.start()) + 1, match.group(1)


def _app_files() -> Iterator[Path]:
    for path in sorted(APP.rglob("*")):
        if path.is_file() and not any(part in SKIPPED for part in path.relative_to(APP).parts):
            yield path


def test_the_guard_reads_the_names_of_the_real_diagram() -> None:
    # A task id, the process id, a form field and a lane of the real process.
    assert {"verifikasi_pengaduan", "pengaduan", "keputusan_verifikasi", "uraian"} <= (
        diagram_names())
    assert "Pelanggan" in diagram_names(lanes=True)


def _found(names: set[str]) -> list[str]:
    readers = {".py": _python_words, ".html": _template_words, ".txt": None, ".js": _js_words}
    found = []
    for path in _app_files():
        reader = readers.get(path.suffix)
        if reader is None:
            continue
        exempt = EXEMPT.get(str(path.relative_to(ROOT)), set())
        for line, word in reader(path):
            if word in names and word not in exempt:
                found.append(f"{path.relative_to(ROOT)}:{line}: {word}")
    return found


def test_no_element_id_process_id_or_field_name_is_written_in_app() -> None:
    assert _found(diagram_names()) == []


def test_no_lane_name_is_written_in_app() -> None:
    assert _found(diagram_names(lanes=True)) == []


def test_the_guard_finds_names_in_code_strings_attributes_and_templates(tmp_path: Path) -> None:
    code = tmp_path / "x.py"
    code.write_text('value = case.layanan or data["kanal"]\nlabel = "Layanan yang diadukan"\n')
    page = tmp_path / "x.html"
    page.write_text('<select name="kanal">\n{{ row.jenis }}\n{{ _("Jenis layanan") }}</select>\n')
    assert {w for _, w in _python_words(code)} >= {"layanan", "kanal"}
    assert "Layanan yang diadukan" not in {w for _, w in _python_words(code)}
    assert sorted(_template_words(page)) == [(1, "kanal"), (2, "jenis"), (2, "row")]
