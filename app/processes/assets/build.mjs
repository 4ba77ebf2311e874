// Builds the modeler bundle into app/processes/static/modeler/ (git-ignored): `make` runs it
// after `npm ci`. bpmnlint's rules are bundled here, as .bpmnlintrc configures them.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const require = createRequire(path.join(root, "package.json"));

/** The rules of .bpmnlintrc, with `extends: bpmnlint:<config>` resolved: {rule: level}. */
function lintRules() {
  const rc = JSON.parse(readFileSync(path.join(root, ".bpmnlintrc"), "utf8"));
  const rules = {};
  for (const base of [].concat(rc.extends || [])) {
    const found = /^bpmnlint:([a-z-]+)$/.exec(base);
    if (!found) {
      throw new Error(`.bpmnlintrc: only bpmnlint's own configs can be extended, not ${base}`);
    }
    Object.assign(rules, require(`bpmnlint/config/${found[1]}`).rules);
  }
  return Object.assign(rules, rc.rules || {});
}

const bpmnlintConfig = {
  name: "bpmnlint-config",
  setup(builder) {
    builder.onResolve({ filter: /^bpmnlint-config$/ }, () => ({ path: "rules", namespace: "bpmnlint-config" }));
    builder.onLoad({ filter: /.*/, namespace: "bpmnlint-config" }, () => {
      const rules = lintRules();
      const used = Object.keys(rules).filter((name) => [].concat(rules[name])[0] !== "off");
      const imports = used.map((name, i) => `import rule${i} from "bpmnlint/rules/${name}";`);
      const table = used.map((name, i) => `${JSON.stringify(name)}: rule${i}`);
      const contents = `${imports.join("\n")}
const rules = {${table.join(", ")}};
export const config = { rules: ${JSON.stringify(rules)} };
export const resolver = {
  resolveRule(pkg, name) { return pkg === "bpmnlint" ? rules[name] : undefined; },
  resolveConfig(pkg, name) { throw new Error("config " + pkg + ":" + name + " is not bundled"); },
};
`;
      return { contents, resolveDir: root, loader: "js" };
    });
  },
};

await build({
  entryPoints: {
    modeler: path.join(here, "modeler.js"),
    "modeler-style": path.join(here, "modeler.css"),
  },
  outdir: path.join(root, "app/processes/static/modeler"),
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "@bpmn-io/properties-panel/preact",
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
  plugins: [bpmnlintConfig],
  legalComments: "linked",
  logLevel: "warning",
});
