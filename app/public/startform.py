"""The start form as the public sees it and as the desk officer's registration form.

Both come from the one deployed start form (process/CONVENTIONS.md, "The start form: public and
registration"): fields marked `"x-registrasi": true` are the officer's only (the public form
hides them and keeps their `default`); the field marked as the channel is hidden from the
public and fixed to its `default` (the online channel), while the registration form requires it
and does not offer the online channel; a field's `"ui:registrasi"` UI hints replace its usual
ones on the registration form (officer wording instead of the citizen's). An `allOf` rule whose
`if` tests only fields the public form fixes is settled for the public form, so what it makes
required is marked required there.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..formrender import FormSpec, build_spec
from ..formrender.validate import SafeValidator

REGISTRAR_ONLY = "x-registrasi"
REGISTRAR_UI = "ui:registrasi"


def registrar_only(schema: Mapping[str, Any]) -> list[str]:
    """The fields only the registration form shows."""
    return [name for name, prop in (schema.get("properties") or {}).items()
            if isinstance(prop, Mapping) and prop.get(REGISTRAR_ONLY) is True]


def public_fixed(schema: Mapping[str, Any], channel: str | None,
                 online: str | None) -> dict[str, Any]:
    """The values the public form stores for the fields it hides."""
    properties = schema.get("properties") or {}
    fixed = {name: properties[name]["default"] for name in registrar_only(schema)
             if "default" in properties[name]}
    if channel and online:
        fixed[channel] = online
    return fixed


def _settle(schema: dict[str, Any], fixed: Mapping[str, Any]) -> dict[str, Any]:
    """SCHEMA with the `allOf` rules that test only FIXED fields folded into the whole form."""
    kept: list[Any] = []
    for rule in schema.get("allOf", []):
        condition = rule.get("if") if isinstance(rule, dict) else None
        tested = set(condition.get("properties") or {}) if isinstance(condition, dict) else set()
        if not tested or not tested <= set(fixed):
            kept.append(rule)
            continue
        holds = SafeValidator(rule["if"]).is_valid(dict(fixed))
        branch = rule.get("then" if holds else "else") or {}
        schema["required"] = list(dict.fromkeys([*schema.get("required", []),
                                                 *branch.get("required", [])]))
        for keyword in ("anyOf", "oneOf"):
            if keyword in branch and keyword not in schema:
                schema[keyword] = branch[keyword]
            elif keyword in branch:
                kept.append({keyword: branch[keyword]})
    schema["allOf"] = kept
    if not kept:
        schema.pop("allOf")
    return schema


def public_spec(schema: Mapping[str, Any], ui: Mapping[str, Any] | None,
                fixed: Mapping[str, Any]) -> FormSpec:
    """The public's form: the rules settled by the values it fixes."""
    return build_spec(_settle(copy.deepcopy(dict(schema)), fixed), ui)


def registration_spec(schema: Mapping[str, Any], ui: Mapping[str, Any] | None,
                      channel: str | None, online: str | None) -> FormSpec:
    """The desk officer's form: the channel required, without the online one; officer wording."""
    copied: dict[str, Any] = copy.deepcopy(dict(schema))
    if channel:
        copied["required"] = list(dict.fromkeys([*copied.get("required", []), channel]))
        prop = copied["properties"][channel]
        prop.pop("default", None)
        if online is not None and isinstance(prop.get("oneOf"), list):
            prop["oneOf"] = [o for o in prop["oneOf"]
                             if not (isinstance(o, dict) and o.get("const") == online)]
    return build_spec(copied, _registrar_wording(ui or {}))


def _registrar_wording(ui: Mapping[str, Any]) -> dict[str, Any]:
    """UI hints with each `ui:registrasi` block applied over its neighbours."""
    result: dict[str, Any] = {}
    for key, hints in ui.items():
        if key == REGISTRAR_UI and isinstance(hints, Mapping):
            continue
        if isinstance(hints, Mapping) and isinstance(hints.get(REGISTRAR_UI), Mapping):
            merged = {k: v for k, v in hints.items() if k != REGISTRAR_UI}
            merged.update(hints[REGISTRAR_UI])
            result[key] = merged
        else:
            result[key] = hints
    top = ui.get(REGISTRAR_UI)
    if isinstance(top, Mapping):
        result.update(top)
    return result
