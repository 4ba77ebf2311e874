/* The form editor: a form's JSON Schema + UI schema, edited as field cards for the common cases
   (name, type, label, required, options, "shown and required when") or as raw JSON for the
   rest, with a preview the server renders through the staff/public form macros. */

const SCHEMA = ".schema.json";
const UI = ".uischema.json";
const TYPES = ["text", "textarea", "number", "integer", "boolean", "date", "email", "choice", "file"];
const PREVIEW_DELAY_MS = 400;

function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([key, value]) => {
    if (key === "text") {
      node.textContent = value;
    } else if (key in node && typeof value !== "string") {
      node[key] = value;
    } else {
      node.setAttribute(key, value);
    }
  });
  (children || []).forEach((child) => node.appendChild(child));
  return node;
}

export function fieldType(prop, hint) {
  if (prop.type === "array" && hint["ui:widget"] === "file") {
    return "file";
  }
  if (prop.type === "boolean" || prop.type === "integer" || prop.type === "number") {
    return prop.type;
  }
  if (prop.type === "string") {
    if (Array.isArray(prop.oneOf) || Array.isArray(prop.enum)) {
      return "choice";
    }
    if (prop.format === "date" || prop.format === "email") {
      return prop.format;
    }
    return hint["ui:widget"] === "textarea" ? "textarea" : "text";
  }
  return "other";
}

function setType(prop, hint, type) {
  ["type", "format", "oneOf", "enum", "items"].forEach((key) => delete prop[key]);
  if (hint["ui:widget"] === "file" || hint["ui:widget"] === "textarea") {
    delete hint["ui:widget"];
  }
  const base = { text: "string", textarea: "string", date: "string", email: "string", choice: "string" };
  prop.type = base[type] || (type === "file" ? "array" : type);
  if (type === "date" || type === "email") {
    prop.format = type;
  } else if (type === "textarea") {
    hint["ui:widget"] = "textarea";
  } else if (type === "choice") {
    prop.oneOf = [{ const: "ya", title: "Ya" }, { const: "tidak", title: "Tidak" }];
  } else if (type === "file") {
    prop.items = { type: "string" };
    hint["ui:widget"] = "file";
  }
}

export function optionsOf(prop) {
  if (Array.isArray(prop.oneOf)) {
    return prop.oneOf.map((o) => ({ value: o.const, title: o.title || String(o.const) }));
  }
  return (prop.enum || []).map((v) => ({ value: v, title: String(v) }));
}

function optionsText(prop) {
  return optionsOf(prop).map((o) => `${o.value} = ${o.title}`).join("\n");
}

function setOptions(prop, text) {
  const old = new Map((prop.oneOf || []).map((o) => [o.const, o]));
  delete prop.enum;
  prop.oneOf = text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf("=");
      const value = (at < 0 ? line : line.slice(0, at)).trim();
      const title = (at < 0 ? line : line.slice(at + 1)).trim();
      return { ...(old.get(value) || {}), const: value, title };
    });
}

/** The rules this editor understands: if {X: const V} (X required) then required [...]. */
function simpleRule(rule) {
  if (!rule || !rule.if || !rule.then || rule.else) {
    return null;
  }
  const tests = rule.if.properties || {};
  const keys = Object.keys(tests);
  if (keys.length !== 1 || !tests[keys[0]] || !("const" in tests[keys[0]])) {
    return null;
  }
  return { field: keys[0], value: tests[keys[0]].const, required: rule.then.required || [] };
}

function rulesOf(schema) {
  return [schema, ...(schema.allOf || [])];
}

export function conditionOf(schema, name) {
  for (const rule of rulesOf(schema)) {
    const simple = simpleRule(rule);
    if (simple && simple.required.includes(name)) {
      return { field: simple.field, value: simple.value };
    }
  }
  return null;
}

function setCondition(schema, name, condition) {
  rulesOf(schema).forEach((rule) => {
    if (simpleRule(rule)) {
      rule.then.required = rule.then.required.filter((n) => n !== name);
    }
  });
  if (schema.allOf) {
    schema.allOf = schema.allOf.filter((rule) => !simpleRule(rule) || rule.then.required.length);
    if (!schema.allOf.length) {
      delete schema.allOf;
    }
  }
  if (!condition) {
    return;
  }
  schema.required = (schema.required || []).filter((n) => n !== name);
  const same = rulesOf(schema).find((rule) => {
    const simple = simpleRule(rule);
    return simple && simple.field === condition.field && simple.value === condition.value;
  });
  if (same) {
    same.then.required.push(name);
  } else {
    schema.allOf = [...(schema.allOf || []), {
      if: { properties: { [condition.field]: { const: condition.value } }, required: [condition.field] },
      then: { required: [name] },
    }];
  }
}

function fieldOrder(schema, ui) {
  const names = Object.keys(schema.properties || {});
  const order = Array.isArray(ui["ui:order"]) ? ui["ui:order"].filter((n) => names.includes(n)) : [];
  return [...order, ...names.filter((n) => !order.includes(n))];
}

function renameField(schema, ui, from, to) {
  const props = {};
  Object.entries(schema.properties).forEach(([key, value]) => {
    props[key === from ? to : key] = value;
  });
  schema.properties = props;
  const swap = (list) => (list || []).map((n) => (n === from ? to : n));
  if (schema.required) {
    schema.required = swap(schema.required);
  }
  rulesOf(schema).forEach((rule) => {
    const simple = simpleRule(rule);
    if (simple) {
      rule.then.required = swap(rule.then.required);
      if (simple.field === from) {
        rule.if.properties = { [to]: rule.if.properties[from] };
        rule.if.required = swap(rule.if.required);
      }
    }
  });
  if (ui[from]) {
    ui[to] = ui[from];
    delete ui[from];
  }
  if (ui["ui:order"]) {
    ui["ui:order"] = swap(ui["ui:order"]);
  }
}

function removeField(schema, ui, name) {
  delete schema.properties[name];
  setCondition(schema, name, null);
  schema.required = (schema.required || []).filter((n) => n !== name);
  delete ui[name];
  if (ui["ui:order"]) {
    ui["ui:order"] = ui["ui:order"].filter((n) => n !== name);
  }
}

export class FormEditor {
  constructor({ forms, texts, previewUrl, post, onChange }) {
    this.forms = forms;
    this.texts = texts;
    this.previewUrl = previewUrl;
    this.post = post;
    this.onChange = onChange;
    this.name = null;
    this.pending = null;
    this.select = document.getElementById("pilih-formulir");
    this.cards = document.getElementById("daftar-isian");
    this.title = document.getElementById("judul-formulir");
    this.rawSchema = document.getElementById("json-schema");
    this.rawUi = document.getElementById("json-ui");
    this.rawError = document.getElementById("json-galat");
    this.frame = document.getElementById("pratinjau-formulir");
  }

  start() {
    this.fillSelect();
    this.select.addEventListener("change", () => this.open(this.select.value));
    document.getElementById("formulir-baru").addEventListener("submit", (event) => {
      event.preventDefault();
      this.create(document.getElementById("nama-formulir-baru"));
    });
    document.getElementById("tambah-isian").addEventListener("click", () => this.addField());
    this.title.addEventListener("change", () =>
      this.edit((schema) => {
        if (this.title.value.trim()) {
          schema.title = this.title.value.trim();
        } else {
          delete schema.title;
        }
      })
    );
    this.rawSchema.addEventListener("input", () => this.rawEdited());
    this.rawUi.addEventListener("input", () => this.rawEdited());
    document.getElementById("coba-validasi").addEventListener("click", () => this.preview(true));
    this.frame.addEventListener("load", () => {
      const form = this.frame.contentDocument && this.frame.contentDocument.querySelector("form");
      if (form) {
        form.addEventListener("submit", (event) => event.preventDefault());
      }
    });
    const first = this.schemaNames()[0];
    if (first) {
      this.open(first);
    }
  }

  schemaNames() {
    return Object.keys(this.forms).filter((n) => n.endsWith(SCHEMA)).sort();
  }

  fillSelect() {
    const names = this.schemaNames();
    this.select.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
    if (!names.length) {
      this.select.appendChild(el("option", { value: "", text: this.texts.noForms }));
    }
    if (this.name) {
      this.select.value = this.name;
    }
  }

  uiName() {
    return this.name.slice(0, -SCHEMA.length) + UI;
  }

  documents() {
    try {
      const schema = JSON.parse(this.forms[this.name]);
      const ui = JSON.parse(this.forms[this.uiName()] || "{}");
      if (schema && typeof schema === "object" && ui && typeof ui === "object") {
        schema.properties = schema.properties || {};
        return { schema, ui };
      }
    } catch (error) {
      this.rawError.textContent = this.texts.jsonError + error.message;
    }
    return null;
  }

  open(name) {
    this.name = name;
    this.select.value = name;
    this.rawSchema.value = this.forms[name];
    this.rawUi.value = this.forms[this.uiName()] || "{}";
    this.rawError.textContent = "";
    this.render();
    this.preview(false);
  }

  create(input) {
    const base = input.value.trim();
    if (!/^[a-z0-9_]+$/.test(base)) {
      input.setCustomValidity(this.texts.badName);
      input.reportValidity();
      return;
    }
    if (this.forms[base + SCHEMA]) {
      input.setCustomValidity(this.texts.exists);
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    const title = base.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
    const schema = { $schema: "https://json-schema.org/draft/2020-12/schema", title, type: "object",
      properties: {}, required: [] };
    this.forms[base + SCHEMA] = JSON.stringify(schema, null, 2);
    this.forms[base + UI] = JSON.stringify({ "ui:order": [] }, null, 2);
    input.value = "";
    this.name = base + SCHEMA;
    this.fillSelect();
    this.open(base + SCHEMA);
    this.onChange();
  }

  /** Apply CHANGE to parsed copies of the schema and UI schema, then store and redraw. */
  edit(change) {
    const docs = this.documents();
    if (!docs) {
      return;
    }
    const schema = clone(docs.schema);
    const ui = clone(docs.ui);
    change(schema, ui);
    if (schema.required && !schema.required.length) {
      delete schema.required;
    }
    this.forms[this.name] = JSON.stringify(schema, null, 2);
    this.forms[this.uiName()] = JSON.stringify(ui, null, 2);
    this.rawSchema.value = this.forms[this.name];
    this.rawUi.value = this.forms[this.uiName()];
    this.rawError.textContent = "";
    this.render();
    this.onChange();
    this.schedulePreview();
  }

  rawEdited() {
    this.forms[this.name] = this.rawSchema.value;
    this.forms[this.uiName()] = this.rawUi.value;
    this.rawError.textContent = "";
    if (this.documents()) {
      this.render();
    }
    this.onChange();
    this.schedulePreview();
  }

  addField() {
    this.edit((schema, ui) => {
      let name = this.texts.newField;
      for (let n = 2; schema.properties[name]; n += 1) {
        name = `${this.texts.newField}_${n}`;
      }
      schema.properties[name] = { type: "string", title: this.texts.newFieldTitle };
      if (Array.isArray(ui["ui:order"])) {
        ui["ui:order"].push(name);
      }
    });
  }

  render() {
    const docs = this.documents();
    if (!docs) {
      return;
    }
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.key : null;
    this.title.value = docs.schema.title || "";
    const names = fieldOrder(docs.schema, docs.ui);
    this.cards.replaceChildren(...names.map((name, index) => this.card(docs, name, index)));
    if (focused) {
      const again = this.cards.querySelector(`[data-key="${CSS.escape(focused)}"]`);
      if (again) {
        again.focus();
      }
    }
  }

  card(docs, name, index) {
    const texts = this.texts;
    const prop = docs.schema.properties[name] || {};
    const hint = docs.ui[name] || {};
    const type = fieldType(prop, hint);
    const key = (part) => `${index}-${part}`;
    const id = (part) => `isian-${index}-${part}`;
    const labelled = (part, text, control) =>
      el("label", { for: id(part) }, [document.createTextNode(text), control]);

    const nameInput = el("input", { id: id("name"), value: name, pattern: "[A-Za-z_][A-Za-z0-9_]*" });
    nameInput.dataset.key = key("name");
    nameInput.addEventListener("change", () => {
      const to = nameInput.value.trim();
      if (to && to !== name && /^[A-Za-z_][A-Za-z0-9_]*$/.test(to)) {
        this.edit((schema, ui) => {
          if (!schema.properties[to]) {
            renameField(schema, ui, name, to);
          }
        });
      } else {
        nameInput.value = name;
      }
    });
    const titleInput = el("input", { id: id("title"), value: prop.title || "" });
    titleInput.dataset.key = key("title");
    titleInput.addEventListener("change", () =>
      this.edit((schema) => {
        schema.properties[name].title = titleInput.value;
      })
    );
    const typeSelect = el("select", { id: id("type") },
      [...TYPES, ...(type === "other" ? ["other"] : [])].map((t) =>
        el("option", { value: t, text: texts.types[t] })));
    typeSelect.value = type;
    typeSelect.dataset.key = key("type");
    typeSelect.addEventListener("change", () =>
      this.edit((schema, ui) => {
        ui[name] = ui[name] || {};
        setType(schema.properties[name], ui[name], typeSelect.value);
        if (!Object.keys(ui[name]).length) {
          delete ui[name];
        }
      })
    );
    const condition = conditionOf(docs.schema, name);
    const required = el("input", { type: "checkbox", id: id("required"),
      checked: (docs.schema.required || []).includes(name), disabled: !!condition });
    required.dataset.key = key("required");
    required.addEventListener("change", () =>
      this.edit((schema) => {
        const rest = (schema.required || []).filter((n) => n !== name);
        schema.required = required.checked ? [...rest, name] : rest;
      })
    );
    const parts = [
      el("div", { class: "field-card-row" }, [
        labelled("name", texts.fieldName, nameInput),
        labelled("title", texts.fieldTitle, titleInput),
        labelled("type", texts.fieldType, typeSelect),
      ]),
      el("label", { for: id("required"), class: "inline-check" }, [required, document.createTextNode(texts.required)]),
    ];
    if (type === "choice") {
      const options = el("textarea", { id: id("options"), rows: "3" });
      options.value = optionsText(prop);
      options.dataset.key = key("options");
      options.addEventListener("change", () =>
        this.edit((schema) => setOptions(schema.properties[name], options.value))
      );
      parts.push(labelled("options", texts.options, options));
    }
    parts.push(this.conditionControls(docs, name, condition, id, key));
    const remove = el("button", { type: "button", class: "secondary outline small", text: texts.remove });
    remove.addEventListener("click", () => this.edit((schema, ui) => removeField(schema, ui, name)));
    const buttons = [remove];
    if (index > 0) {
      const up = el("button", { type: "button", class: "secondary outline small", text: texts.moveUp });
      up.addEventListener("click", () =>
        this.edit((schema, ui) => {
          const order = fieldOrder(schema, ui);
          [order[index - 1], order[index]] = [order[index], order[index - 1]];
          ui["ui:order"] = order;
        })
      );
      buttons.unshift(up);
    }
    parts.push(el("div", { class: "field-card-buttons" }, buttons));
    const card = el("fieldset", { class: "field-card" }, [el("legend", { text: prop.title || name })]);
    parts.forEach((part) => card.appendChild(part));
    card.dataset.field = name;
    return card;
  }

  conditionControls(docs, name, condition, id, key) {
    const texts = this.texts;
    const candidates = fieldOrder(docs.schema, docs.ui).filter((other) => {
      const t = fieldType(docs.schema.properties[other] || {}, docs.ui[other] || {});
      return other !== name && (t === "boolean" || t === "choice");
    });
    const fieldSelect = el("select", { id: id("when") }, [
      el("option", { value: "", text: texts.always }),
      ...candidates.map((other) => el("option", {
        value: other, text: (docs.schema.properties[other].title || other) })),
    ]);
    fieldSelect.dataset.key = key("when");
    fieldSelect.value = condition ? condition.field : "";
    const values = condition ? this.valuesOf(docs, condition.field) : [];
    const valueSelect = el("select", { id: id("value"), disabled: !condition },
      values.map((v, i) => el("option", { value: String(i), text: v.title })));
    valueSelect.dataset.key = key("value");
    if (condition) {
      const at = values.findIndex((v) => v.value === condition.value);
      valueSelect.value = String(Math.max(at, 0));
    }
    const apply = () =>
      this.edit((schema) => {
        const field = fieldSelect.value;
        if (!field) {
          setCondition(schema, name, null);
          return;
        }
        const choices = this.valuesOf({ schema, ui: docs.ui }, field);
        const picked = field === (condition && condition.field) ? choices[Number(valueSelect.value)] : choices[0];
        setCondition(schema, name, { field, value: (picked || choices[0]).value });
      });
    fieldSelect.addEventListener("change", apply);
    valueSelect.addEventListener("change", apply);
    return el("div", { class: "field-card-row field-condition" }, [
      el("label", { for: id("when") }, [document.createTextNode(texts.requiredWhen), fieldSelect]),
      el("label", { for: id("value") }, [document.createTextNode(texts.equals), valueSelect]),
    ]);
  }

  valuesOf(docs, field) {
    const prop = docs.schema.properties[field] || {};
    if (prop.type === "boolean") {
      return [{ value: true, title: this.texts.yes }, { value: false, title: this.texts.no }];
    }
    return optionsOf(prop);
  }

  schedulePreview() {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.preview(false), PREVIEW_DELAY_MS);
  }

  async preview(check) {
    if (!this.name) {
      return;
    }
    const body = { schema: this.forms[this.name], ui: this.forms[this.uiName()] || "{}", check };
    if (check) {
      const form = this.frame.contentDocument && this.frame.contentDocument.querySelector("form");
      body.values = form
        ? [...new FormData(form).entries()].filter(([, v]) => typeof v === "string")
        : [];
    }
    const response = await this.post(this.previewUrl, body);
    this.frame.srcdoc = await response.text();
  }
}
