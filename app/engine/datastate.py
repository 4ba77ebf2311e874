"""Serializing workflows so that task data stays data.

SpiffWorkflow's serializer restores every dict that carries a registered `typename` as a live
object, wherever it sits. Task data, workflow data, event payloads and a task's internal data are
filled from forms and diagram code, so a value shaped like a serialized workflow would come back
as a workflow with an unrestricted script engine. These converters restore those places with a
function that cannot build objects: data is kept as the JSON it is, and internal data may revive
only the value types SpiffWorkflow itself writes there (datetime, timedelta, UUID).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnEventConverter,
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from .restricted import plain_json

_VALUE_TYPES: dict[str, Any] = {
    "datetime": lambda d: datetime.fromisoformat(d["value"]),
    "timedelta": lambda d: timedelta(days=d.get("days", 0), seconds=d.get("seconds", 0)),
    "UUID": lambda d: UUID(d["value"]),
}


def restore_data(value: Any) -> Any:
    """Task or workflow data from its stored form: plain JSON, nothing revived."""
    return plain_json(value, "data tersimpan")


def restore_internal(value: Any) -> Any:
    """A task's internal data: JSON, with only datetime, timedelta and UUID revived."""
    if isinstance(value, dict):
        typename = value.get("typename")
        if isinstance(typename, str) and typename in _VALUE_TYPES:
            return _VALUE_TYPES[typename](value)
        return {key: restore_internal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [restore_internal(item) for item in value]
    return value


class DataTaskConverter(TaskConverter):  # type: ignore[misc]
    """Tasks whose data and internal data are restored without reviving objects."""

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        """A task of WORKFLOW from its stored dictionary."""
        spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, spec, state=dct["state"], id=UUID(dct["id"]))
        task._parent = UUID(dct["parent"]) if dct["parent"] is not None else None
        task._children = [UUID(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = restore_internal(dct["internal_data"])
        if isinstance(spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        if delta and task.parent is not None:
            data = DeepMerge.merge({}, task.parent.data)
            data.update(restore_data(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = restore_data(dct["data"])
        task.data = data
        return task


class _DataAttributes:
    """Workflow data restored as plain JSON."""

    def set_default_attributes(self, workflow: Any, dct: dict[str, Any]) -> None:
        """Restore the attributes every workflow has; its data stays data."""
        data = dct.pop("data", {})
        dct["data"] = {}
        super().set_default_attributes(workflow, dct)  # type: ignore[misc]
        workflow.data = restore_data(data)


class DataWorkflowConverter(_DataAttributes, BpmnWorkflowConverter):  # type: ignore[misc]
    """The top workflow, its data restored as plain JSON."""


class DataSubWorkflowConverter(_DataAttributes, BpmnSubWorkflowConverter):  # type: ignore[misc]
    """A subprocess, its data restored as plain JSON."""


class DataEventConverter(BpmnEventConverter):  # type: ignore[misc]
    """A pending BPMN event: its definition is a spec, its payload is data."""

    def from_dict(self, dct: dict[str, Any]) -> BpmnEvent:
        """The event from its stored dictionary."""
        return self.target_class(
            self.registry.restore(dct["event_definition"]),
            restore_data(dct["payload"]),
            self.mapping_from_dict(dct["correlations"]),
        )


def make_serializer() -> BpmnWorkflowSerializer:
    """The Spiff serializer with the converters above in place of the data-reviving defaults."""
    config = dict(SPIFF_CONFIG)
    config[Task] = DataTaskConverter
    config[BpmnWorkflow] = DataWorkflowConverter
    config[BpmnSubWorkflow] = DataSubWorkflowConverter
    config[BpmnEvent] = DataEventConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
