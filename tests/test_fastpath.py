"""Simple conditions are read in-process, with exactly the sandbox's answers; the rest go there."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from app.engine.fastpath import evaluate_simple, simple_tree
from app.engine.restricted import RestrictedCodeError
from app.engine.sandbox import Budget, pool_for
from app.engine.scripting import SandboxedEnvironment
from tests.support import ROOT

DATA: dict[str, Any] = {
    "keputusan": "teruskan",
    "perlu": True,
    "tidak": False,
    "nilai": 3,
    "kosong": None,
    "daftar": ["a", "b"],
    "peta": {"kunci": "isi", "angka": 2},
    "teks": "KTP-el belum jadi",
}

# Each is answered by the fast path; the sandbox must give the very same value.
SIMPLE = [
    "keputusan == 'teruskan'",
    "keputusan != 'teruskan'",
    "perlu == True",
    "tidak == False",
    "perlu is True",
    "kosong is None",
    "kosong is not None",
    "nilai >= 3 and nilai < 4",
    "1 < nilai < 3",
    "nilai > 5 or keputusan",
    "tidak and nilai",
    "not perlu",
    "keputusan in ('teruskan', 'minta_data')",
    "keputusan not in ['bukan_wewenang']",
    "'a' in daftar",
    "'jadi' in teks",
    "peta['kunci'] == 'isi'",
    "daftar[1] == 'b'",
    "daftar == ['a', 'b']",
    "daftar == ('a', 'b')",
    "nilai == 3.0",
]

# Each is left to the sandbox: calls, arithmetic, attributes, comprehensions, private names.
NOT_SIMPLE = [
    "len(daftar) > 1",
    "2 ** 10 ** 10",
    "'a' * 10 ** 10",
    "nilai + 1 == 4",
    "teks.upper() == 'X'",
    "[x for x in daftar]",
    "(lambda: 1)()",
    "__import__('os')",
    "_rahasia == 1",
    "{'a'} == {'a'}",
    "daftar[-1] == 'b'",
    "keputusan = 'x'",
    "x" * 600,
]


@pytest.fixture(scope="module")
def sandbox() -> SandboxedEnvironment:
    """The real sandbox environment (worker processes with the default budget)."""
    return SandboxedEnvironment(pool_for(Budget(), ""))


@pytest.mark.parametrize("expression", SIMPLE)
def test_a_simple_condition_gives_the_sandbox_s_answer_without_the_sandbox(
    sandbox: SandboxedEnvironment, expression: str
) -> None:
    handled, value = evaluate_simple(expression, DATA)
    assert handled
    expected = sandbox._run("eval", expression, dict(DATA), None)["value"]
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("expression", NOT_SIMPLE)
def test_anything_else_is_left_to_the_sandbox(expression: str) -> None:
    assert simple_tree(expression) is None
    assert evaluate_simple(expression, DATA) == (False, None)


def test_an_unknown_name_or_an_unlike_comparison_goes_to_the_sandbox_and_fails_there(
    sandbox: SandboxedEnvironment,
) -> None:
    assert evaluate_simple("tidak_ada == 1", DATA) == (False, None)
    assert evaluate_simple("kosong < 1", DATA) == (False, None)
    assert evaluate_simple("peta['tidak_ada'] == 1", DATA) == (False, None)
    with pytest.raises(RestrictedCodeError):
        sandbox.evaluate("tidak_ada == 1", dict(DATA))
    with pytest.raises(RestrictedCodeError):
        sandbox.evaluate("kosong < 1", dict(DATA))


def test_every_condition_of_the_shipped_diagram_is_read_in_process() -> None:
    tree = etree.parse(str(ROOT / "process" / "pengaduan.bpmn"))
    conditions = [
        (node.text or "").strip()
        for node in tree.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}conditionExpression")
        if (node.text or "").strip()
    ]
    assert conditions
    assert [c for c in conditions if simple_tree(c) is None] == []
