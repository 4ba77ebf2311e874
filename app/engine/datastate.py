"""Serializing workflows so that task data stays data, and the diagram is stored once.

SpiffWorkflow's serializer restores every dict that carries a registered `typename` as a live
object, wherever it sits. Task data, workflow data, event payloads and a task's internal data are
filled from forms and diagram code, so a value shaped like a serialized workflow would come back
as a workflow with an unrestricted script engine. These converters restore those places with a
function that cannot build objects: data is kept as the JSON it is, and internal data may revive
only the value types SpiffWorkflow itself writes there (datetime, timedelta, UUID).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnEventConverter,
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
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


class UnknownDiagram(LookupError):
    """A stored state names a diagram (by its key) that the engine cannot find."""


class SpecStore:
    """Parsed specs by key (a version's content hash), and the key of each cached spec object."""

    def __init__(self) -> None:
        self.specs: dict[str, tuple[Any, dict[str, Any]]] = {}
        self.keys: dict[int, str] = {}
        self.loader: Callable[[str], tuple[Any, dict[str, Any]] | None] | None = None

    def add(self, key: str, spec: Any, subprocess_specs: dict[str, Any]) -> None:
        """Remember SPEC (and its subprocess specs) under KEY."""
        self.specs[key] = (spec, subprocess_specs)
        self.keys[id(spec)] = key

    def key_of(self, spec: Any) -> str | None:
        """The key SPEC was registered under; None for a spec parsed outside the store."""
        return self.keys.get(id(spec))

    def get(self, key: str) -> tuple[Any, dict[str, Any]]:
        """The spec and subprocess specs of KEY, asking the loader when it is not cached."""
        found = self.specs.get(key)
        if found is None and self.loader is not None:
            found = self.loader(key)
        if found is None:
            raise UnknownDiagram(key)
        return found


class DataWorkflowConverter(_DataAttributes, BpmnWorkflowConverter):  # type: ignore[misc]
    """The top workflow, its data restored as plain JSON; its spec stored by key when known.

    A workflow whose spec came from the engine's `SpecStore` is written without the spec: the
    dictionary carries `spec_key` (the process version's content hash) in place of `spec` and
    `subprocess_specs`, and is restored with the cached spec of that key. A workflow whose spec
    is not in the store, and every state written before this format, carries the full spec and
    is restored from it.
    """

    specs: SpecStore

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        """The workflow as a dictionary, with `spec_key` in place of a known spec."""
        key = self.specs.key_of(workflow.spec)
        if key is None:
            return dict(super().to_dict(workflow))
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["spec_key"] = key
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        """The workflow from its dictionary: by `spec_key` when present, else its own spec."""
        key = dct.pop("spec_key", None)
        if key is None:
            return super().from_dict(dct)
        spec, subprocess_specs = self.specs.get(key)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


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


def make_serializer(specs: SpecStore | None = None) -> BpmnWorkflowSerializer:
    """The Spiff serializer with the converters above in place of the data-reviving defaults.

    With SPECS, workflows whose spec is in that store are written with its key, not the spec.
    """
    store = specs or SpecStore()
    workflow_converter = type("StoredWorkflowConverter", (DataWorkflowConverter,),
                              {"specs": store})
    config = dict(SPIFF_CONFIG)
    config[Task] = DataTaskConverter
    config[BpmnWorkflow] = workflow_converter
    config[BpmnSubWorkflow] = DataSubWorkflowConverter
    config[BpmnEvent] = DataEventConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
