"""Deploying diagrams: lint, then store an immutable version with the forms it references."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from ..auth.roles import LANE_ROLES
from ..cases.models import ProcessVersion
from ..db import get_session, utcnow
from ..engine import DiagramError, DiagramProblem, lint_diagram, referenced_form_files
from ..engine.diagram import describe_process


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
        return lint_diagram(bpmn_xml, forms, allowed_lanes=set(LANE_ROLES))
    except DiagramError as exc:
        return exc.problems


def content_hash(bpmn_xml: bytes, forms: dict[str, str]) -> str:
    """A SHA-256 over the diagram and its forms: equal content, equal hash."""
    digest = hashlib.sha256(bpmn_xml)
    digest.update(json.dumps(forms, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def deploy(
    bpmn_xml: bytes, forms: dict[str, str], deployed_by: str = "", note: str = ""
) -> DeployResult:
    """Store a new immutable version unless the same content is already the newest one."""
    problems = validate(bpmn_xml, forms)
    if problems:
        raise DiagramError(problems)
    process_id, name = describe_process(bpmn_xml)
    digest = content_hash(bpmn_xml, forms)
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
        number = (
            session.scalar(
                select(func.max(ProcessVersion.version)).where(
                    ProcessVersion.process_id == process_id
                )
            )
            or 0
        ) + 1
        version = ProcessVersion(
            process_id=process_id,
            version=number,
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


def deploy_file(path: Path, forms_dir: Path, deployed_by: str = "") -> DeployResult:
    """Deploy the diagram at PATH with its forms from FORMS_DIR."""
    bpmn_xml = path.read_bytes()
    return deploy(bpmn_xml, read_forms(bpmn_xml, forms_dir), deployed_by)
