"""Conditions that need no sandbox: comparisons of task data with constants, read in-process.

Most gateway conditions of a diagram are of the form `keputusan == 'teruskan'` or
`perlu_koordinasi == True`. Sending each to the sandbox process costs a round trip that is
several times the engine step itself. An expression made only of names, constants, subscripts
by constant, comparisons, `and`/`or`/`not` and literal tuples and lists has no calls, no
attribute access, no arithmetic and no loops: its cost is bounded by its size and by the data it
reads, so it needs no time or memory budget, and it cannot reach anything but the task data.
Such an expression is interpreted here by walking its syntax tree (nothing is compiled or
`eval`-ed). Anything else — and any expression whose evaluation here fails (an unknown name, a
comparison of unlike types) — goes to the sandbox, so errors and their wording come from one
place.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

MAX_SOURCE_CHARS = 500
MAX_NODES = 100
MAX_CONSTANT_CHARS = 1000
_INT_LIMIT = 2**63

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_JSON_TYPES = (str, int, float, bool, type(None), list, dict)


class NotSimple(Exception):
    """The expression (or this evaluation of it) is left to the sandbox."""


def _constant_ok(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -_INT_LIMIT < value < _INT_LIMIT
    if isinstance(value, float):
        return True
    return isinstance(value, str) and len(value) <= MAX_CONSTANT_CHARS


def _allowed(node: ast.AST) -> bool:
    """True when NODE is of the few kinds this module interprets."""
    if isinstance(node, ast.Constant):
        return _constant_ok(node.value)
    if isinstance(node, ast.Name):
        return isinstance(node.ctx, ast.Load) and not node.id.startswith("_")
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    if isinstance(node, (ast.Compare, ast.cmpop)):
        ops = node.ops if isinstance(node, ast.Compare) else [node]
        return all(type(op) in _COMPARE for op in ops)
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and isinstance(node.ctx, ast.Load)
    if isinstance(node, (ast.Tuple, ast.List)):
        return isinstance(getattr(node, "ctx", ast.Load()), ast.Load)
    return isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Not, ast.Load))


@lru_cache(maxsize=512)
def simple_tree(source: str) -> ast.Expression | None:
    """The syntax tree of SOURCE when it is a simple condition, else None."""
    if len(source) > MAX_SOURCE_CHARS:
        return None
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES or not all(_allowed(node) for node in nodes):
        return None
    return tree


def _name(node: ast.Name, data: Mapping[str, Any]) -> Any:
    if node.id not in data or not isinstance(data[node.id], _JSON_TYPES):
        raise NotSimple(node.id)
    return data[node.id]


def _bool_op(node: ast.BoolOp, data: Mapping[str, Any]) -> Any:
    result: Any = None
    for operand in node.values:  # Python's own rule: the deciding operand is the value
        result = _value(operand, data)
        if isinstance(node.op, ast.And) != bool(result):
            return result
    return result


def _compare(node: ast.Compare, data: Mapping[str, Any]) -> bool:
    left = _value(node.left, data)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = _value(comparator, data)
        if not _COMPARE[type(op)](left, right):
            return False
        left = right
    return True


def _subscript(node: ast.Subscript, data: Mapping[str, Any]) -> Any:
    container = _value(node.value, data)
    key = node.slice.value  # type: ignore[attr-defined] # a Constant, see _allowed
    if isinstance(container, dict) and isinstance(key, str) and key in container:
        return container[key]
    in_range = type(key) is int and -len(container) <= key < len(container)
    if isinstance(container, list) and in_range:
        return container[key]
    raise NotSimple("subscript")


_NODES: dict[type[ast.AST], Callable[[Any, Mapping[str, Any]], Any]] = {
    ast.Constant: lambda node, _data: node.value,
    ast.Name: _name,
    ast.BoolOp: _bool_op,
    ast.UnaryOp: lambda node, data: not _value(node.operand, data),
    ast.Compare: _compare,
    ast.Subscript: _subscript,
    ast.Tuple: lambda node, data: tuple(_value(item, data) for item in node.elts),
    ast.List: lambda node, data: [_value(item, data) for item in node.elts],
}


def _value(node: ast.AST, data: Mapping[str, Any]) -> Any:
    evaluate = _NODES.get(type(node))
    if evaluate is None:  # pragma: no cover - _allowed admits nothing else
        raise NotSimple(type(node).__name__)
    return evaluate(node, data)


def evaluate_simple(source: str, data: Mapping[str, Any]) -> tuple[bool, Any]:
    """(True, value) when SOURCE is a simple condition and evaluates on DATA, else (False, None)."""
    tree = simple_tree(source)
    if tree is None:
        return False, None
    try:
        return True, _value(tree.body, data)
    except (NotSimple, TypeError):
        return False, None
