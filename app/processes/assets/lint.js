/* Lint as you edit: bpmnlint's findings (from bpmn-js-bpmnlint) and the server's checks (POSTed
   XML + files), on the canvas and in one list; errors block the deploy, warnings do not. */

const SERVER_OVERLAY = "lp-server-lint";
const DELAY_MS = 600;

export class LintPanel {
  constructor({ modeler, texts, forms, checkUrl, post }) {
    this.modeler = modeler;
    this.texts = texts;
    this.forms = forms;
    this.checkUrl = checkUrl;
    this.post = post;
    this.client = {};
    this.server = [];
    this.pending = null;
    this.sequence = 0;
    this.serverState = "checking";
    this.onVerdict = () => {};
    this.list = document.getElementById("lint-list");
    this.summary = document.getElementById("lint-summary");
    const eventBus = modeler.get("eventBus");
    eventBus.on("linting.completed", ({ issues }) => {
      this.client = issues || {};
      this.render();
    });
    eventBus.on("commandStack.changed", () => this.schedule());
    eventBus.on("import.done", () => this.schedule());
  }

  start() {
    this.run();
  }

  schedule() {
    clearTimeout(this.pending);
    this.serverState = "checking";
    this.render();
    this.pending = setTimeout(() => this.run(), DELAY_MS);
  }

  async run() {
    const mine = ++this.sequence;
    try {
      const { xml } = await this.modeler.saveXML({ format: false });
      const response = await this.post(this.checkUrl, { xml, forms: this.forms });
      const body = await response.json();
      if (mine !== this.sequence) {
        return; // a newer check is under way
      }
      if (!response.ok) {
        this.serverState = "failed";
        this.server = [{ element_id: "", element_name: "", severity: "error",
          message: body.error || this.texts.checkFailed }];
      } else {
        this.serverState = "done";
        this.server = body.problems;
      }
    } catch (error) {
      if (mine === this.sequence) {
        this.serverState = "failed";
        this.server = [{ element_id: "", element_name: "", severity: "error", message: this.texts.checkFailed }];
      }
    }
    this.render();
  }

  showServer(problems) {
    this.server = problems;
    this.serverState = "done";
    this.render();
  }

  /** The canvas element a server finding names: a process id maps to its participant. */
  shapeFor(elementId) {
    const registry = this.modeler.get("elementRegistry");
    if (!elementId) {
      return null;
    }
    const direct = registry.get(elementId);
    if (direct) {
      return direct;
    }
    return registry.find((el) => {
      const ref = el.businessObject && el.businessObject.processRef;
      return ref && ref.id === elementId;
    }) || null;
  }

  findings() {
    const translate = this.modeler.get("translate");
    const registry = this.modeler.get("elementRegistry");
    const found = [];
    Object.keys(this.client).forEach((elementId) => {
      this.client[elementId].forEach((issue) => {
        const element = registry.get(elementId);
        const name = element && element.businessObject ? element.businessObject.name : "";
        found.push({
          source: "bpmnlint",
          element_id: elementId,
          element_name: name || "",
          message: translate(issue.message),
          severity: issue.category === "error" ? "error" : "warning",
          rule: issue.rule,
        });
      });
    });
    this.server.forEach((problem) => found.push({ source: "server", ...problem }));
    found.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
    return found;
  }

  render() {
    const texts = this.texts;
    const found = this.findings();
    const errors = found.filter((f) => f.severity === "error").length;
    const warnings = found.length - errors;
    this.drawOverlays();
    this.list.replaceChildren(...found.map((f) => this.item(f)));
    if (this.serverState === "checking") {
      this.summary.textContent = texts.checking;
    } else if (!found.length) {
      this.summary.textContent = texts.noProblems;
    } else {
      this.summary.textContent = texts.summary.replace("{e}", errors).replace("{w}", warnings) +
        (errors ? " " + texts.blocked : "");
    }
    this.summary.dataset.errors = String(errors);
    this.summary.dataset.state = this.serverState;
    this.onVerdict(errors > 0 || this.serverState !== "done");
  }

  item(finding) {
    const texts = this.texts;
    const li = document.createElement("li");
    li.className = `lint-item lint-${finding.severity}`;
    li.dataset.elementId = finding.element_id || "";
    li.dataset.source = finding.source;
    const badge = document.createElement("span");
    badge.className = `lint-badge lint-badge-${finding.severity}`;
    badge.textContent = finding.severity === "error" ? texts.error : texts.warning;
    li.appendChild(badge);
    const shape = this.shapeFor(finding.element_id);
    const label = finding.element_name ? `${finding.element_name} (${finding.element_id})` : finding.element_id;
    if (shape) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "lint-element";
      button.textContent = label;
      button.addEventListener("click", () => {
        this.modeler.get("selection").select(shape);
        this.modeler.get("canvas").scrollToElement(shape);
      });
      li.appendChild(button);
    } else if (label) {
      const code = document.createElement("code");
      code.textContent = label;
      li.appendChild(code);
    }
    const message = document.createElement("span");
    message.className = "lint-message";
    message.textContent = finding.message;
    li.appendChild(message);
    const source = document.createElement("small");
    source.className = "muted lint-source";
    source.textContent = finding.source === "server" ? texts.server : `${texts.bpmnlint}: ${finding.rule}`;
    li.appendChild(source);
    return li;
  }

  drawOverlays() {
    const overlays = this.modeler.get("overlays");
    const canvas = this.modeler.get("canvas");
    overlays.remove({ type: SERVER_OVERLAY });
    (this.marked || []).forEach(([id, cls]) => canvas.removeMarker(id, cls));
    this.marked = [];
    const byShape = new Map();
    this.server.forEach((problem) => {
      const shape = this.shapeFor(problem.element_id);
      if (!shape) {
        return;
      }
      const list = byShape.get(shape) || [];
      list.push(problem);
      byShape.set(shape, list);
    });
    byShape.forEach((problems, shape) => {
      const error = problems.some((p) => p.severity === "error");
      const cls = error ? "lp-server-error" : "lp-server-warning";
      const badge = document.createElement("div");
      badge.className = `lp-server-badge ${cls}`;
      badge.textContent = error ? "!" : "?";
      badge.title = problems.map((p) => p.message).join("\n");
      badge.setAttribute("role", "img");
      badge.setAttribute("aria-label", badge.title);
      if (shape.waypoints) {
        const point = shape.waypoints[Math.floor(shape.waypoints.length / 2)];
        overlays.add(shape, SERVER_OVERLAY, {
          position: { top: point.y - shape.y - 10, left: point.x - shape.x - 10 }, html: badge });
      } else {
        overlays.add(shape, SERVER_OVERLAY, { position: { top: -10, left: -10 }, html: badge });
      }
      canvas.addMarker(shape, cls);
      this.marked.push([shape, cls]);
    });
  }
}
