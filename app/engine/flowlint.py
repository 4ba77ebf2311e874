"""Structural checks of a diagram's flow: reachability, paths to an end, gateway conditions, lanes.

Each finding is a DiagramProblem naming the element, in Bahasa Indonesia; errors block a deploy,
warnings are shown and deployed anyway.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from .types import DiagramProblem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS}
CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
# Flow nodes: what sequence flows connect (data objects, annotations and lanes are not).
FLOW_NODES = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
}
CHOICE_GATEWAYS = ("exclusiveGateway", "inclusiveGateway")


def _local(node: Any) -> str:
    tag = node.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Flow:
    """The flow nodes and sequence flows directly inside one process or subprocess."""

    def __init__(self, container: Any) -> None:
        self.nodes: dict[str, Any] = {}
        self.flows: list[Any] = []
        for child in container:
            kind = _local(child)
            if kind in FLOW_NODES and child.get("id"):
                self.nodes[child.get("id")] = child
            elif kind == "sequenceFlow":
                self.flows.append(child)
        self.outgoing: dict[str, list[str]] = {key: [] for key in self.nodes}
        self.incoming: dict[str, list[str]] = {key: [] for key in self.nodes}
        for flow in self.flows:
            source, target = flow.get("sourceRef", ""), flow.get("targetRef", "")
            if source in self.nodes and target in self.nodes:
                self.outgoing[source].append(target)
                self.incoming[target].append(source)
        for key, node in self.nodes.items():
            host = node.get("attachedToRef") if _local(node) == "boundaryEvent" else None
            if host in self.nodes:
                self.outgoing[host].append(key)
                self.incoming[key].append(host)
        self._link_events()

    def _link_events(self) -> None:
        """A link throw event continues at the link catch event of the same name."""
        catches: dict[str, list[str]] = {}
        throws: list[tuple[str, str]] = []
        for key, node in self.nodes.items():
            link = node.find(f"{{{BPMN_NS}}}linkEventDefinition")
            if link is None:
                continue
            name = link.get("name") or node.get("name") or ""
            if _local(node) == "intermediateCatchEvent":
                catches.setdefault(name, []).append(key)
            elif _local(node) == "intermediateThrowEvent":
                throws.append((key, name))
        for key, name in throws:
            for target in catches.get(name, []):
                self.outgoing[key].append(target)
                self.incoming[target].append(key)

    def starts(self) -> list[str]:
        """Where tokens begin: start events, and (when there are none) nodes without inputs."""
        found = [k for k, n in self.nodes.items() if _local(n) == "startEvent"]
        if found:
            return found
        return [
            key
            for key, node in self.nodes.items()
            if not self.incoming[key] and _local(node) != "boundaryEvent"
        ]

    def ends(self) -> list[str]:
        """Where tokens may finish: end events, or nodes with no way onward when there are none."""
        found = [k for k, n in self.nodes.items() if _local(n) == "endEvent"]
        return found or [key for key in self.nodes if not self.outgoing[key]]


def _walk(first: Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    seen = set(first)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), []):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _problem(node: Any, message: str, severity: str = "error") -> DiagramProblem:
    return DiagramProblem(node.get("id") or "", node.get("name") or "", message, severity)


def _is_event_subprocess(node: Any) -> bool:
    return _local(node) == "subProcess" and node.get("triggeredByEvent") == "true"


def _reachability(flow: _Flow) -> list[DiagramProblem]:
    problems = []
    reached = _walk(flow.starts(), flow.outgoing)
    finishing = _walk(flow.ends(), flow.incoming)
    for key, node in flow.nodes.items():
        if _is_event_subprocess(node):
            continue  # started by its event, not by a flow
        if key not in reached:
            problems.append(_problem(node, "tidak dapat dicapai dari awal proses"))
        elif key not in finishing:
            problems.append(_problem(node, "tidak ada jalur ke akhir proses dari sini"))
    return problems


def _gateway_problems(flow: _Flow) -> list[DiagramProblem]:
    problems = []
    by_id = {f.get("id"): f for f in flow.flows}
    for node in flow.nodes.values():
        if _local(node) not in CHOICE_GATEWAYS:
            continue
        outgoing = [f for f in flow.flows if f.get("sourceRef") == node.get("id")]
        if len(outgoing) < 2:
            continue
        default = node.get("default")
        bare = [
            f
            for f in outgoing
            if not (f.findtext(f"{{{BPMN_NS}}}conditionExpression") or "").strip()
        ]
        unguarded = [f for f in bare if f.get("id") != default]
        for flow_node in unguarded:
            label = flow_node.get("name") or flow_node.get("id")
            problems.append(
                _problem(
                    node,
                    f"alur keluar '{label}' tanpa kondisi dan bukan alur bawaan (default)",
                )
            )
        if default and default not in by_id:
            problems.append(_problem(node, f"alur bawaan '{default}' bukan alur keluar gerbang"))
    return problems


def _lane_problems(root: Any) -> list[DiagramProblem]:
    problems = []
    user_tasks = {n.get("id") for n in root.iterfind(f".//{{{BPMN_NS}}}userTask")}
    for lane in root.iterfind(f".//{{{BPMN_NS}}}lane"):
        if lane.find(f"{{{BPMN_NS}}}childLaneSet") is not None:
            continue  # a lane split into sub-lanes holds its tasks there
        refs = {(ref.text or "").strip() for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef")}
        if not refs & user_tasks:
            problems.append(
                _problem(
                    lane,
                    "lajur tanpa tugas pengguna: perannya tidak mengerjakan apa pun",
                    "warning",
                )
            )
    return problems


def lint_flow(root: Any) -> list[DiagramProblem]:
    """Unreachable elements, dead ends, unguarded gateway flows and empty lanes of the diagram.

    Only the executable processes are checked (a documentation-only pool never runs).
    """
    problems: list[DiagramProblem] = []
    processes = list(root.iterfind(f".//{{{BPMN_NS}}}process"))
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    for process in executable:
        containers = [process] + [
            node for node in process.iter() if _local(node) in CONTAINERS and node is not process
        ]
        for container in containers:
            flow = _Flow(container)
            if not flow.nodes:
                continue
            problems += _reachability(flow)
            problems += _gateway_problems(flow)
    return problems + _lane_problems(root)
