"""FormSpec: a JSON Schema form's fields and UI hints in the order people fill them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .i18n import _, format_date, join_alternatives
from .normalise import DIGITS, normal_form

LOCAL_TIME = ZoneInfo("Asia/Jakarta")

Scalar = str | int | float | bool

# A pattern made of digits only, e.g. ^[0-9]{16}$ or ^\d{4,6}$: phones should show the number pad.
DIGITS_PATTERN = re.compile(r"^\^?(\[0-9\]|\\d)(\{\d+(,\d*)?\}|\+|\*)?\$?$")
GROUP_WIDGETS = frozenset({"radio", "checkboxes"})
CHOICE_WIDGETS = frozenset({"radio", "select"})
TEXT_INPUTS = frozenset({"text", "email", "textarea"})
NUMBER_INPUTS = frozenset({"integer", "number"})
KEYWORD_ATTRS = {  # schema keywords that become HTML attributes, and the widgets they apply to
    "minLength": ("minlength", TEXT_INPUTS),
    # Not `maxlength`: the browser would silently cut a pasted text. The page counts instead
    # (forms.js) and the server refuses what is too long, keeping it for correcting.
    "maxLength": ("data-maxlength", TEXT_INPUTS),
    "pattern": ("pattern", frozenset({"text", "email"})),
    "minimum": ("min", NUMBER_INPUTS),
    "maximum": ("max", NUMBER_INPUTS),
}
OPTION_ATTRS = {  # ui:options that become HTML attributes, and the widgets they apply to
    "inputmode": frozenset({"text"}),
    "autocomplete": frozenset({"text", "email", "date", "textarea", "select"}),
    "rows": frozenset({"textarea"}),
    "accept": frozenset({"file"}),
}
RADIO_LIMIT = 5  # up to this many options a single choice shows as radio buttons, beyond as a list


def token(value: Any) -> str:
    """The string a value takes in an HTML form: booleans as true/false, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Choice:
    """One option of a single or multiple choice: the stored value and the label people read."""

    value: Scalar
    label: str

    @property
    def token(self) -> str:
        """The option's value as sent by the browser."""
        return token(self.value)


@dataclass(frozen=True)
class Field:
    """One property of the form schema, ready to render as an input."""

    name: str
    title: str
    kind: str  # the JSON type: string, integer, number, boolean, array
    # text textarea number integer date email checkbox radio select checkboxes file hidden
    widget: str
    description: str = ""
    help: str = ""
    placeholder: str = ""
    required: bool = False
    condition: str = ""  # when the field is required only in some cases: which
    choices: tuple[Choice, ...] = ()
    attrs: Mapping[str, str] = field(default_factory=dict)
    input_type: str = "text"
    item_kind: str = "string"
    multiple: bool = False
    default: Any = None
    identity: bool = False
    normal_form: str = ""  # PHONE or DIGITS: how typed text is cleaned (formrender.normalise)
    # When the field matters only in some cases: alternatives, each {controlling field: tokens}.
    show_when: tuple[Mapping[str, tuple[str, ...]], ...] = ()

    @property
    def show_when_json(self) -> str:
        """SHOW_WHEN as JSON for the page's script (data-show-when)."""
        return json.dumps([{k: list(v) for k, v in rule.items()} for rule in self.show_when])

    @property
    def anchor(self) -> str:
        """The id of the element an error link should focus."""
        return f"f-{self.name}-0" if self.widget in GROUP_WIDGETS else f"f-{self.name}"

    @property
    def is_group(self) -> bool:
        """Whether the field is a set of radio buttons or checkboxes (rendered as a fieldset)."""
        return self.widget in GROUP_WIDGETS

    @property
    def digits_only(self) -> bool:
        """Whether the field takes digits only (NIK, nomor KK): spaces and dashes get dropped."""
        return self.normal_form == DIGITS

    @property
    def condition_note(self) -> str:
        """The note on a conditionally required field, unless its help text already says it."""
        if not self.condition or "wajib" in f"{self.description} {self.help}".lower():
            return ""
        return self.condition

    @property
    def has_hint(self) -> bool:
        """Whether the field shows help text under its label."""
        return bool(self.description or self.help or self.condition_note)

    def described_by(self, invalid: bool) -> str:
        """The ids for aria-describedby: the help text and, when INVALID, the error message."""
        ids = [f"f-{self.name}-hint"] if self.has_hint else []
        if invalid:
            ids.append(f"f-{self.name}-error")
        return " ".join(ids)

    def token_of(self, value: Any) -> str:
        """VALUE as the text an input shows."""
        if isinstance(value, list):
            return "\n".join(token(item) for item in value)
        return token(value)

    def is_chosen(self, value: Any, choice: Choice) -> bool:
        """Whether CHOICE is among the current VALUE (a scalar or a list)."""
        values = value if isinstance(value, list) else [value]
        return any(token(item) == choice.token for item in values if item is not None)

    def label_of(self, value: Any) -> str:
        """The label of the choice whose value is VALUE, or VALUE itself."""
        for choice in self.choices:
            if token(value) == choice.token:
                return choice.label
        if isinstance(value, bool):
            return _("Ya") if value else _("Tidak")
        return token(value)

    def display(self, value: Any) -> str:
        """VALUE as people read it: choice labels, Ya/Tidak, dates in words."""
        if isinstance(value, list):
            return ", ".join(self.display(item) for item in value)
        if self.choices or isinstance(value, bool):
            return self.label_of(value)
        if self.widget == "date":
            return format_date(str(value))
        return token(value)


@dataclass(frozen=True)
class Section:
    """A titled group of fields (UI schema `ui:sections`), rendered as one fieldset."""

    title: str
    description: str
    names: tuple[str, ...]


Group = tuple[Section | None, list[Field]]


@dataclass(frozen=True)
class FormSpec:
    """A form: title and notes, fields in display order, and the schema to validate against."""

    schema: Mapping[str, Any]
    fields: tuple[Field, ...]
    title: str = ""
    description: str = ""
    note: str = ""  # the UI schema's ui:description: an instruction for the whole form
    sections: tuple[Section, ...] = ()

    @classmethod
    def build(cls, schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None) -> FormSpec:
        """Build the spec of SCHEMA with the UI hints of UI."""
        ui = ui or {}
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        # Notes name fields as the form shows them (a UI title wins over the schema's).
        titled = {name: {**prop, "title": (ui.get(name) or {})["ui:title"]}
                  if isinstance(prop, Mapping) and (ui.get(name) or {}).get("ui:title") else prop
                  for name, prop in properties.items()}
        conditions = _conditions(schema, titled)
        rules = _show_rules(schema)
        fields = tuple(
            _build_field(name, properties[name], ui.get(name) or {}, name in required, conditions,
                         rules.get(name, ()))
            for name in _ordered(properties, ui.get("ui:order"))
        )
        return cls(
            schema=schema,
            fields=fields,
            title=str(schema.get("title", "")),
            description=str(schema.get("description", "")),
            note=str(ui.get("ui:description", "")),
            sections=_sections(ui.get("ui:sections"), [f.name for f in fields]),
        )

    def get(self, name: str) -> Field | None:
        """The field called NAME, if the form has one."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def has_files(self) -> bool:
        """Whether the form uploads files (the <form> then needs enctype multipart/form-data)."""
        return any(f.widget == "file" for f in self.fields)

    @property
    def defaults(self) -> dict[str, Any]:
        """The schema's default values, for a form shown for the first time."""
        return {f.name: f.default for f in self.fields if f.default is not None}

    def filled(self, data: Mapping[str, Any], hidden_fields: Iterable[str] = ()) -> list[Field]:
        """The visible fields DATA has an answer for (read-only display)."""
        return [f for f in self.visible(hidden_fields) if data.get(f.name) not in (None, "", [])]

    def grouped(self, hidden_fields: Iterable[str] = ()) -> list[Group]:
        """The visible fields by section, in the sections' order; empty sections left out.

        Without `ui:sections` one untitled group holds every field; fields no section names
        come last in an untitled group.
        """
        visible = self.visible(hidden_fields)
        if not self.sections:
            return [(None, visible)]
        by_name = {f.name: f for f in visible}
        groups: list[Group] = []
        for section in self.sections:
            members = [by_name.pop(n) for n in section.names if n in by_name]
            if members:
                groups.append((section, members))
        rest = [f for f in visible if f.name in by_name]
        if rest:
            groups.append((None, rest))
        return groups

    def visible(self, hidden_fields: Iterable[str] = ()) -> list[Field]:
        """The fields to show: neither `hidden` widgets nor named in HIDDEN_FIELDS."""
        hidden = set(hidden_fields)
        return [f for f in self.fields if f.widget != "hidden" and f.name not in hidden]


def _sections(raw: Any, names: list[str]) -> tuple[Section, ...]:
    """The UI schema's `ui:sections`: [{"title", "description", "fields": [...]}, ...]."""
    if not isinstance(raw, list):
        return ()
    known = set(names)
    sections = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        members = tuple(str(n) for n in item.get("fields") or [] if n in known)
        sections.append(Section(str(item.get("title", "")), str(item.get("description", "")),
                                members))
    return tuple(sections)


def build_spec(schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None) -> FormSpec:
    """Build the FormSpec of SCHEMA with the UI hints of UI."""
    return FormSpec.build(schema, ui)


def load_spec(schema_path: str | Path) -> FormSpec:
    """Read a `<name>.schema.json` file and its `<name>.uischema.json` sibling, if any."""
    path = Path(schema_path)
    schema = json.loads(path.read_text(encoding="utf-8"))
    ui_path = path.with_name(path.name.replace(".schema.json", ".uischema.json"))
    ui = json.loads(ui_path.read_text(encoding="utf-8")) if ui_path.exists() else None
    return FormSpec.build(schema, ui)


def _ordered(properties: Mapping[str, Any], order: Iterable[str] | None) -> list[str]:
    names = [n for n in (order or []) if n in properties and n != "*"]
    return names + [n for n in properties if n not in names]


def _build_field(
    name: str,
    prop: Mapping[str, Any],
    ui: Mapping[str, Any],
    required: bool,
    conditions: Mapping[str, list[str]],
    rules: tuple[Mapping[str, tuple[str, ...]], ...] = (),
) -> Field:
    kind = _kind(prop)
    items = prop.get("items") or {}
    choices = _choices(items if kind == "array" else prop, ui)
    if kind == "boolean" and not choices:
        choices = (Choice(True, _("Ya")), Choice(False, _("Tidak")))
    widget = _widget(kind, ui.get("ui:widget"), prop, len(choices))
    options: Mapping[str, Any] = ui.get("ui:options") or {}
    normal = normal_form(prop, options, bool(DIGITS_PATTERN.match(str(prop.get("pattern", "")))))
    attrs = _attrs(prop, widget, options)
    if normal:
        # The browser would refuse "0812-3456-7890" before the server can clean it.
        attrs.pop("pattern", None)
    return Field(
        name=name,
        title=str(ui.get("ui:title") or prop.get("title") or name),
        kind=kind,
        widget=widget,
        description=str(ui.get("ui:description") or prop.get("description", "")),
        help=str(ui.get("ui:help", "")),
        placeholder=str(ui.get("ui:placeholder", "")),
        required=required,
        condition="" if required else "; ".join(conditions.get(name, [])),
        choices=choices,
        attrs=attrs,
        input_type=_input_type(widget, options),
        item_kind=_kind(items) if kind == "array" else kind,
        multiple=kind == "array",
        default=prop.get("default"),
        identity=bool(prop.get("x-identitas")),
        normal_form=normal,
        # Identity fields stay in view: a NIK may be given even when it is not required.
        show_when=() if required or prop.get("x-identitas") else rules,
    )


def _kind(prop: Mapping[str, Any]) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):  # e.g. ["string", "null"]
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def _choices(prop: Mapping[str, Any], ui: Mapping[str, Any]) -> tuple[Choice, ...]:
    options = prop.get("oneOf") or prop.get("anyOf") or []
    if options and all("const" in option for option in options):
        return tuple(Choice(o["const"], str(o.get("title", token(o["const"])))) for o in options)
    names = ui.get("ui:enumNames") or []
    values = prop.get("enum") or []
    return tuple(
        Choice(v, str(names[i]) if i < len(names) else token(v)) for i, v in enumerate(values)
    )


def _widget(kind: str, hint: str | None, prop: Mapping[str, Any], n_choices: int) -> str:
    if hint == "hidden":
        return "hidden"
    if kind == "array":
        if hint in ("file", "select", "textarea"):
            return str(hint)
        return "checkboxes" if n_choices else "textarea"
    if kind == "boolean":
        return str(hint) if hint in CHOICE_WIDGETS else "checkbox"
    if n_choices and hint in CHOICE_WIDGETS:
        return str(hint)
    if n_choices:
        return "radio" if n_choices <= RADIO_LIMIT else "select"
    if hint == "textarea":
        return "textarea"
    if kind in ("integer", "number"):
        return kind
    return {"date": "date", "email": "email"}.get(str(prop.get("format")), "text")


def _input_type(widget: str, options: Mapping[str, Any]) -> str:
    default = {"integer": "number", "number": "number", "date": "date", "email": "email"}
    return str(options.get("inputType") or default.get(widget, "text"))


def _attrs(prop: Mapping[str, Any], widget: str, options: Mapping[str, Any]) -> dict[str, str]:
    attrs = {
        attr: str(prop[keyword])
        for keyword, (attr, widgets) in KEYWORD_ATTRS.items()
        if keyword in prop and widget in widgets
    }
    attrs.update(
        (option, str(options[option]))
        for option, widgets in OPTION_ATTRS.items()
        if option in options and widget in widgets
    )
    if widget in ("integer", "number"):
        attrs["step"] = "1" if widget == "integer" else "any"
    if DIGITS_PATTERN.match(attrs.get("pattern", "")):
        attrs.setdefault("inputmode", "numeric")
    if widget == "date" and prop.get("x-bukan-masa-depan") is True:
        attrs["max"] = datetime.now(LOCAL_TIME).date().isoformat()
    if widget == "file" and prop.get("maxItems") != 1:
        attrs["multiple"] = "multiple"
    return attrs


def _conditions(schema: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each conditionally required property, the notes that say when it is required."""
    notes: dict[str, list[str]] = {}
    for rule in [schema, *schema.get("allOf", [])]:
        if "if" in rule and "then" in rule:
            note = _if_note(rule["if"], properties)
            for name in rule["then"].get("required", []):
                notes.setdefault(name, []).append(note)
    for alternatives in (schema.get("anyOf", []), schema.get("oneOf", [])):
        names = [n for option in alternatives for n in option.get("required", [])]
        if names and all(set(option) == {"required"} for option in alternatives):
            note = _("Isi salah satu: %(fields)s.", fields=_join_titles(names, properties))
            for name in names:
                notes.setdefault(name, []).append(note)
    return notes


def _show_rules(schema: Mapping[str, Any]) -> dict[str, tuple[Mapping[str, tuple[str, ...]], ...]]:
    """For fields an if/then makes required: the choices under which they matter at all.

    Each `allOf` item (or the schema itself) of the form `if: {properties: {X: {const: V}}}` or
    `{X: {enum: [V, W]}}` gives one alternative {X: (tokens of V...)}; a field named in several
    `then.required` gets several alternatives (shown when any holds). A field named by a rule the
    page cannot follow (an `if` testing more than const/enum, or an `else`) stays always in view,
    whatever other rules say. Which of these fields are
    actually hidden is decided in `_build_field`: only the ones that matter ONLY under the
    condition - neither required always nor marked `x-identitas` (a NIK or KK number may be given
    even when the complaint is not about one's own data, so it is always shown; the note under it
    says when it is required).
    """
    rules: dict[str, list[Mapping[str, tuple[str, ...]]]] = {}
    unclear: set[str] = set()  # named by a condition the page cannot follow: always in view
    for rule in [schema, *schema.get("allOf", [])]:
        if "if" not in rule:
            continue
        unclear.update(rule.get("else", {}).get("required", []))
        names = rule.get("then", {}).get("required", [])
        wanted = _choices_wanted(rule["if"])
        if wanted is None:
            unclear.update(names)
            continue
        for name in names:
            rules.setdefault(name, []).append(wanted)
    return {name: tuple(found) for name, found in rules.items() if name not in unclear}


def _choices_wanted(condition: Mapping[str, Any]) -> dict[str, tuple[str, ...]] | None:
    """An `if` as {field: tokens that satisfy it}, or None when it tests more than const/enum.

    A field the `if` does not list as required also satisfies it when left empty (JSON Schema's
    `properties` does not look at absent keys): the empty token "" stands for that.
    """
    tests = condition.get("properties") or {}
    if not tests or set(condition) - {"properties", "required"}:
        return None
    required = set(condition.get("required", []))
    if required - set(tests):
        return None
    wanted = {}
    for name, test in tests.items():
        if not isinstance(test, Mapping) or set(test) - {"const", "enum", "type", "title"}:
            return None
        values = [test["const"]] if "const" in test else list(test.get("enum", []))
        if not values:
            return None
        tokens = [token(v) for v in values]
        wanted[name] = tuple(tokens if name in required else [*tokens, ""])
    return wanted


def _if_note(condition: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    parts = []
    for name, test in (condition.get("properties") or {}).items():
        prop = properties.get(name, {})
        values = [test["const"]] if "const" in test else test.get("enum", [])
        if not values:
            return _("Wajib diisi pada keadaan tertentu.")
        labels = _(" atau ").join(f"“{_label_in(prop, value)}”" for value in values)
        title = prop.get("title", name)
        parts.append(_("“%(field)s” dipilih %(labels)s", field=title, labels=labels))
    if not parts:
        return _("Wajib diisi pada keadaan tertentu.")
    return _("Wajib diisi bila %(conditions)s.", conditions=_(" dan ").join(parts))


def _label_in(prop: Mapping[str, Any], value: Any) -> str:
    for choice in _choices(prop, {}):
        if choice.token == token(value):
            return choice.label
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    return token(value)


def _join_titles(names: list[str], properties: Mapping[str, Any]) -> str:
    return join_alternatives([str(properties.get(n, {}).get("title", n)) for n in names])
