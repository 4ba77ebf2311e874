/* The process owner's workbench: bpmn-js Modeler with its properties panel and this app's
   conventions group, bpmnlint and the server's checks, the form editor, download/upload and
   deploy. Bundled by esbuild at build time (see build.mjs); nothing here names a diagram. */
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import lintModule from "bpmn-js-bpmnlint";
import { config as lintRules, resolver as lintResolver } from "bpmnlint-config";
import spiffModdle from "./spiffworkflow.json";
import { appPropertiesModule } from "./panel.jsx";
import translateModule, { setLanguage } from "./translate.js";
import { LintPanel } from "./lint.js";
import { FormEditor } from "./forms.js";

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function post(url, body, csrf) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(body),
  });
}

function download(name, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "application/xml" }));
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

async function start() {
  const data = readJson("modeler-data");
  const texts = readJson("modeler-texts");
  setLanguage(texts.language);
  const canvasNode = document.getElementById("modeler-canvas");
  const status = document.getElementById("modeler-status");
  const forms = { ...data.forms };
  const context = {
    conventions: [],
    texts,
    fileNames: () => Object.keys(forms).sort(),
  };
  const [conventions, xml] = await Promise.all([
    fetch(data.conventionsUrl, { credentials: "same-origin" }).then((r) => r.json()),
    fetch(data.diagramUrl, { credentials: "same-origin" }).then((r) => {
      if (!r.ok) {
        throw new Error("HTTP " + r.status);
      }
      return r.text();
    }),
  ]);
  context.conventions = conventions;

  const modeler = new BpmnModeler({
    container: canvasNode,
    propertiesPanel: {
      parent: "#modeler-properties",
      layout: { groups: { "layanan-pengaduan": { open: true }, general: { open: true }, timer: { open: true } } },
    },
    linting: { bpmnlint: { config: lintRules, resolver: lintResolver }, active: true },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      appPropertiesModule,
      lintModule,
      translateModule,
      { appContext: ["value", context] },
    ],
    moddleExtensions: { spiffworkflow: spiffModdle },
  });
  const eventBus = modeler.get("eventBus");
  const refreshPanel = () => eventBus.fire("propertiesPanel.providersChanged");

  const lint = new LintPanel({
    modeler,
    texts,
    forms,
    checkUrl: data.checkUrl,
    post: (url, body) => post(url, body, data.csrf),
  });
  const editor = new FormEditor({
    forms,
    texts,
    previewUrl: data.previewUrl,
    post: (url, body) => post(url, body, data.csrf),
    onChange: () => {
      refreshPanel();
      lint.schedule();
    },
  });

  function fit() {
    const canvas = modeler.get("canvas");
    canvas.resized();
    canvas.zoom("fit-viewport", "auto");
  }

  function reportImport(result) {
    // Elements bpmn-js does not know are dropped on import: say so before anything is saved.
    const count = (result.warnings || []).length;
    status.textContent = count ? texts.importWarnings.replace("{n}", count) : "";
    status.dataset.importWarnings = String(count);
  }

  try {
    reportImport(await modeler.importXML(xml));
  } catch (error) {
    canvasNode.textContent = canvasNode.dataset.error;
    throw error;
  }
  fit();
  editor.start();
  lint.start();
  canvasNode.dataset.ready = "true";

  document.querySelector('[data-action="fit"]').addEventListener("click", fit);
  document.querySelector('[data-action="download"]').addEventListener("click", async () => {
    const { xml: text } = await modeler.saveXML({ format: true });
    download(data.diagramName, text);
  });
  document.getElementById("unggah-bpmn").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) {
      return;
    }
    try {
      reportImport(await modeler.importXML(await file.text()));
      fit();
      status.textContent = `${texts.uploaded} ${status.textContent}`.trim();
      lint.schedule();
    } catch (error) {
      status.textContent = texts.uploadFailed;
    }
    event.target.value = "";
  });

  const deployButton = document.getElementById("tombol-pasang");
  const note = document.getElementById("komentar-pasang");
  const result = document.getElementById("hasil-pasang");
  lint.onVerdict = (blocked) => {
    deployButton.disabled = blocked;
    deployButton.title = blocked ? texts.blocked : "";
  };
  let baseVersion = data.baseVersion;
  function conflictNotice(body) {
    // Someone deployed since this page opened: say who and offer to deploy on top of it.
    const box = document.createElement("div");
    box.className = "flash flash-warning deploy-conflict";
    box.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.textContent = body.conflict + " ";
    const link = document.createElement("a");
    link.href = body.url;
    link.target = "_blank";
    link.textContent = texts.openVersion;
    text.appendChild(link);
    const again = document.createElement("button");
    again.type = "button";
    again.className = "secondary";
    again.textContent = texts.deployAnyway;
    again.addEventListener("click", () => {
      baseVersion = body.newest_id;
      box.remove();
      deployNow(); // the server lints again and refuses errors

    });
    box.append(text, again);
    return box;
  }
  async function deployNow() {
    if (!note.value.trim()) {
      result.textContent = texts.noteRequired;
      note.focus();
      return;
    }
    deployButton.disabled = true;
    deployButton.setAttribute("aria-busy", "true");
    result.textContent = texts.deploying;
    const { xml: text } = await modeler.saveXML({ format: true });
    try {
      const response = await post(data.deployUrl,
        { xml: text, forms, note: note.value, base_version: baseVersion }, data.csrf);
      const body = await response.json();
      result.textContent = "";
      if (response.ok) {
        baseVersion = body.id;
        const line = document.createElement("p");
        line.className = "flash flash-success";
        line.textContent = body.message + " ";
        const link = document.createElement("a");
        link.href = body.url;
        link.textContent = texts.openVersion;
        line.appendChild(link);
        result.appendChild(line);
      } else if (body.conflict) {
        result.appendChild(conflictNotice(body));
      } else if (body.problems) {
        result.textContent = texts.refused;
        lint.showServer(body.problems);
      } else {
        result.textContent = body.error || texts.refused;
      }
    } finally {
      deployButton.removeAttribute("aria-busy");
      lint.schedule();
    }
  }
  deployButton.addEventListener("click", deployNow);

  // Browser tests drive bpmn-js through its API where dragging would be impractical.
  window.lpModeler = modeler;
  window.lpWorkbench = { forms, lint, editor };
}

start().catch((error) => {
  const status = document.getElementById("modeler-status");
  if (status) {
    status.textContent = String(error);
  }
});
