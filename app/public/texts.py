"""Template helpers that show a version's diagram and form texts in the interface language."""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy.exc import SQLAlchemyError

from ..cases import conventions
from ..cases.models import Case, HumanTask, ProcessVersion
from ..cases.service import NoProcessDeployed, active_version


def _active_version() -> ProcessVersion | None:
    """The version new complaints start on, read once per request; None when there is none."""
    if "active_version" not in g:
        try:
            g.active_version = active_version()
        except (NoProcessDeployed, SQLAlchemyError):  # pages (errors too) render without it
            g.active_version = None
    version: ProcessVersion | None = g.active_version
    return version


def diagram_text(text: str | None, version: ProcessVersion | None = None) -> str:
    """TEXT of VERSION's diagram or forms in the UI language (no VERSION: any loaded catalogue)."""
    if version is None:
        return conventions.text_of_any_version(text)
    return conventions.text(version, text)


def task_action(task: HumanTask) -> str:
    """The label of the button that opens a public task: its `publicAction`, else its name."""
    version = task.case.process_version
    element = conventions.of(version).element(task.bpmn_id)
    return conventions.text(version, (element.public_action if element else None) or task.name)


def service_days(case: Case | None = None) -> int | None:
    """The working days of the service standard of CASE's version (or of new complaints')."""
    version = case.process_version if case is not None else _active_version()
    return conventions.of(version).service_days if version is not None else None


def init_app(app: Flask) -> None:
    """Make the helpers available to every template."""
    app.add_template_filter(diagram_text, "diagram_text")
    app.add_template_global(task_action, "task_action")
    app.add_template_global(service_days, "service_days")
