"""Deploying diagrams: lint, then store an immutable version with the forms it references."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..auth import lanes
from ..auth.models import User
from ..auth.roles import OFFICE_ROLES
from ..cases.integrity import content_hash
from ..cases.models import Case, ProcessVersion
from ..cases.service import PROVIDED_VARIABLES
from ..db import get_session, utcnow
from ..engine import DiagramError, DiagramProblem, lint_diagram, referenced_form_files
from ..engine.conventions import lane_problems
from ..engine.diagram import NS, describe_process
from ..logs import log_event

RUNNING = "berjalan"  # a case's status while it runs (cases.store sets "selesai")
DEPLOY_ATTEMPTS = 5  # a deploy that loses a race for the next number reads again


@dataclass(frozen=True)
class DeployResult:
    """The outcome of a deploy: the version, and whether it was new."""

    version: ProcessVersion
    created: bool


def read_forms(bpmn_xml: bytes, forms_dir: Path) -> dict[str, str]:
    """The text of every form file the diagram names that exists in FORMS_DIR."""
    forms: dict[str, str] = {}
    try:
        names = referenced_form_files(bpmn_xml)
    except DiagramError:
        return forms  # validate() reports the broken XML with its reason
    for name in names:
        path = (forms_dir / name).resolve()
        if path.is_file() and forms_dir.resolve() in path.parents:
            forms[name] = path.read_text(encoding="utf-8")
    return forms


def validate(bpmn_xml: bytes, forms: dict[str, str]) -> list[DiagramProblem]:
    """Every reason this diagram with these forms cannot be deployed (empty when it can)."""
    try:
        # Every lane is a role (process/CONVENTIONS.md): a lane is refused only for taking an
        # office role's name; the lane properties must name lanes of the diagram.
        problems = lint_diagram(bpmn_xml, forms, provided_names=PROVIDED_VARIABLES)
    except DiagramError as exc:
        return exc.problems
    return problems + [DiagramProblem(*found) for found in lane_problems(bpmn_xml, OFFICE_ROLES)]


def deploy(
    bpmn_xml: bytes, forms: dict[str, str], deployed_by: str = "", note: str = ""
) -> DeployResult:
    """Store a new immutable version unless the same content is already the newest one.

    Two deploys at the same moment both read the same newest number; the one that loses the
    race reads again and takes the next number (or finds its content already deployed).
    """
    problems = [problem for problem in validate(bpmn_xml, forms) if problem.blocks_deploy]
    if problems:
        log_event("process_deploy_refused", level=logging.WARNING, problems=len(problems))
        raise DiagramError(problems)
    process_id, name = describe_process(bpmn_xml)
    digest = content_hash(bpmn_xml, forms)
    for attempt in range(1, DEPLOY_ATTEMPTS + 1):
        try:
            result = _store_version(process_id, name, bpmn_xml, forms, digest, deployed_by, note)
        except IntegrityError:
            if attempt == DEPLOY_ATTEMPTS:
                raise
            log_event("process_deploy_retried", process_id=process_id, attempt=attempt)
            continue
        lanes.forget()
        log_event(
            "process_deployed",
            process_id=process_id,
            version=result.version.version,
            content_hash=digest,
            created=result.created,
        )
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _store_version(
    process_id: str,
    name: str,
    bpmn_xml: bytes,
    forms: dict[str, str],
    digest: str,
    deployed_by: str,
    note: str,
) -> DeployResult:
    """One attempt: the next number after the newest, unless the newest has this content."""
    session = get_session()
    try:
        latest = session.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.content_hash == digest:
            session.rollback()
            return DeployResult(latest, False)
        version = ProcessVersion(
            process_id=process_id,
            version=(latest.version if latest is not None else 0) + 1,
            name=name,
            bpmn_xml=bpmn_xml,
            forms_json=json.dumps(forms, sort_keys=True),
            content_hash=digest,
            deployed_at=utcnow(),
            deployed_by=deployed_by,
            note=note,
        )
        session.add(version)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return DeployResult(version, True)


def deploy_file(path: Path, forms_dir: Path, deployed_by: str = "", note: str = "") -> DeployResult:
    """Deploy the diagram at PATH with its forms from FORMS_DIR."""
    bpmn_xml = path.read_bytes()
    return deploy(bpmn_xml, read_forms(bpmn_xml, forms_dir), deployed_by, note)


# --- pages: the version list, one version's lanes and forms, uploads -------------------------

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_COMMENT = 2000  # characters of a deploy comment kept from the upload form
UPLOAD_SUFFIXES = (".bpmn", ".xml")
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class VersionRow:
    """One deployed version as the list shows it, with how many cases run and ran on it."""

    version: ProcessVersion
    case_count: int
    is_active: bool
    deployed_by_name: str
    running_count: int = 0
    finished_count: int = 0


@dataclass(frozen=True)
class LaneTask:
    """A user task of a lane and the form files it names."""

    bpmn_id: str
    name: str
    form_schema: str | None
    form_ui: str | None


@dataclass(frozen=True)
class LaneSummary:
    """A lane of the diagram and its user tasks, in document order."""

    name: str
    tasks: list[LaneTask]


def list_versions() -> dict[str, list[VersionRow]]:
    """Every deployed version grouped by process id, newest first, with its case counts.

    One grouped query counts the running and finished cases of every version at once.
    """
    session = get_session()
    counted: dict[int, dict[str, int]] = {}
    for version_id, status, n in session.execute(
        select(Case.process_version_id, Case.status, func.count(Case.id)).group_by(
            Case.process_version_id, Case.status
        )
    ):
        counted.setdefault(version_id, {})[status] = int(n)
    versions = session.scalars(
        select(ProcessVersion).order_by(ProcessVersion.process_id, ProcessVersion.version.desc())
    ).all()
    names = _deployer_names({version.deployed_by for version in versions})
    grouped: dict[str, list[VersionRow]] = {}
    for version in versions:
        group = grouped.setdefault(version.process_id, [])
        name = names.get(version.deployed_by, version.deployed_by)
        counts = counted.get(version.id, {})
        running = counts.get(RUNNING, 0)
        total = sum(counts.values())
        group.append(VersionRow(version, total, not group, name, running, total - running))
    return grouped


def _deployer_names(usernames: set[str]) -> dict[str, str]:
    """Full names of the staff who deployed, by username (CLI deploys carry no username)."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = get_session().execute(
        select(User.username, User.full_name).where(User.username.in_(wanted))
    )
    return {username: full_name for username, full_name in rows}


def deployer_name(version: ProcessVersion) -> str:
    """The full name of whoever deployed VERSION (the username when unknown, empty for CLI)."""
    return _deployer_names({version.deployed_by}).get(version.deployed_by, version.deployed_by)


def get_version(version_id: int) -> ProcessVersion | None:
    """The deployed version with this id, or None."""
    return get_session().get(ProcessVersion, version_id)


def is_active_version(version: ProcessVersion) -> bool:
    """True when VERSION is the newest of its process (new cases start on it)."""
    newest = get_session().scalar(
        select(func.max(ProcessVersion.version)).where(
            ProcessVersion.process_id == version.process_id
        )
    )
    return newest == version.version


def count_cases(version: ProcessVersion) -> int:
    """How many cases run (or ran) on VERSION."""
    return int(
        get_session().scalar(
            select(func.count(Case.id)).where(Case.process_version_id == version.id)
        )
        or 0
    )


def form_files(version: ProcessVersion) -> dict[str, str]:
    """The form files stored with VERSION: file name -> JSON text, by name."""
    forms: dict[str, str] = json.loads(version.forms_json)
    return dict(sorted(forms.items()))


def lane_summary(bpmn_xml: bytes) -> list[LaneSummary]:
    """The diagram's lanes with their user tasks and forms (tasks outside lanes last)."""
    root = etree.fromstring(
        bpmn_xml, parser=etree.XMLParser(resolve_entities=False, no_network=True)
    )
    tasks = {node.get("id"): node for node in root.xpath("//bpmn:userTask", namespaces=NS)}
    summaries: list[LaneSummary] = []
    placed: set[str] = set()
    for lane in root.xpath("//bpmn:lane", namespaces=NS):
        refs = [(ref.text or "").strip() for ref in lane.xpath("bpmn:flowNodeRef", namespaces=NS)]
        in_lane = [_lane_task(tasks[ref]) for ref in refs if ref in tasks]
        placed.update(ref for ref in refs if ref in tasks)
        summaries.append(LaneSummary(lane.get("name") or lane.get("id") or "", in_lane))
    rest = [_lane_task(node) for task_id, node in tasks.items() if task_id not in placed]
    if rest:
        summaries.append(LaneSummary("", rest))
    return summaries


def _lane_task(node: Any) -> LaneTask:
    props = {
        prop.get("name"): prop.get("value")
        for prop in node.xpath(".//spiffworkflow:property", namespaces=NS)
    }
    return LaneTask(
        bpmn_id=node.get("id") or "",
        name=node.get("name") or "",
        form_schema=props.get("formJsonSchemaFilename"),
        form_ui=props.get("formUiSchemaFilename"),
    )


def upload_problems(filename: str, content: bytes) -> list[DiagramProblem]:
    """Why an uploaded file cannot even be linted: no file, too large, wrong kind, not XML."""
    if not filename or not content:
        return [DiagramProblem("", "", _("Pilih berkas diagram .bpmn untuk dipasang."))]
    if len(content) > MAX_UPLOAD_BYTES:
        return [DiagramProblem("", "", _("Berkas lebih besar dari 1 MB."))]
    if not filename.lower().endswith(UPLOAD_SUFFIXES):
        return [DiagramProblem("", "", _("Berkas harus berakhiran .bpmn atau .xml."))]
    if not content.removeprefix(_UTF8_BOM).lstrip().startswith(b"<"):
        return [DiagramProblem("", "", _("Berkas bukan dokumen XML."))]
    return []


def deploy_upload(
    filename: str, content: bytes, forms_dir: Path, deployed_by: str, note: str = ""
) -> DeployResult:
    """Deploy an uploaded diagram with its forms from FORMS_DIR; DiagramError when refused.

    NOTE is the owner's comment on the version (the file name when left empty).
    """
    problems = upload_problems(filename, content)
    if problems:
        raise DiagramError(problems)
    comment = note.strip()[:MAX_COMMENT] or filename
    return deploy(content, read_forms(content, forms_dir), deployed_by, note=comment)
