"""Template helpers that show a version's diagram and form texts in the interface language."""

from __future__ import annotations

from flask import Flask, g

from ..cases import conventions
from ..cases.models import Case, HumanTask, ProcessVersion
from ..cases.service import NoProcessDeployed, active_version


def diagram_text(text: str | None, version: ProcessVersion | None = None) -> str:
    """TEXT (from VERSION's diagram or forms) in the interface language.

    Without VERSION (lists read from the task index) the active version's catalogue is used.
    """
    if not text or conventions.language() == "id":
        return text or ""
    if version is None:
        if "active_version" not in g:
            try:
                g.active_version = active_version()
            except NoProcessDeployed:
                g.active_version = None
        version = g.active_version
    return conventions.text(version, text)


def task_action(task: HumanTask) -> str:
    """The label of the button that opens a public task: its `publicAction`, else its name."""
    version = task.case.process_version
    element = conventions.of(version).element(task.bpmn_id)
    return conventions.text(version, (element.public_action if element else None) or task.name)


def service_days(case: Case | None = None) -> int | None:
    """The working days of the service standard of CASE's version (or of new complaints')."""
    try:
        version = case.process_version if case is not None else active_version()
    except NoProcessDeployed:
        return None
    return conventions.of(version).service_days


def init_app(app: Flask) -> None:
    """Make the helpers available to every template."""
    app.add_template_filter(diagram_text, "diagram_text")
    app.add_template_global(task_action, "task_action")
    app.add_template_global(service_days, "service_days")
