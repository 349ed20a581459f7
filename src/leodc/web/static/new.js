"use strict";

let schema = null;

function resolve(prop) {
  if (prop.$ref) return schema.$defs[prop.$ref.split("/").pop()];
  return prop;
}

// {type, nullable, enum} of a leaf property, or null for lists and tables (edited as TOML).
function leafType(prop) {
  let nullable = false, p = prop;
  if (prop.anyOf) {
    const branches = prop.anyOf.filter((b) => b.type !== "null");
    nullable = branches.length < prop.anyOf.length;
    if (branches.length !== 1) return null;
    p = branches[0];
  }
  if (p.enum) return { type: "enum", values: p.enum, nullable, base: p.type };
  if (["number", "integer", "string", "boolean"].includes(p.type)) return { type: p.type, nullable };
  return null;
}

function input(path, t, value, choices) {
  let node;
  if (t.type === "enum" || choices) {
    node = el("select", {});
    const opts = t.type === "enum" ? t.values : choices;
    if (t.nullable) node.append(el("option", { value: "" }, "(none)"));
    for (const v of opts) node.append(el("option", { value: String(v) }, String(v)));
    node.value = value === null || value === undefined ? "" : String(value);
  } else if (t.type === "boolean") {
    node = el("input", { type: "checkbox" });
    node.checked = Boolean(value);
  } else if (t.type === "number" || t.type === "integer") {
    node = el("input", { type: "number", step: t.type === "integer" ? "1" : "any" });
    node.value = value === null || value === undefined ? "" : String(value);
    if (t.nullable) node.placeholder = "(none)";
  } else {
    node = el("input", { type: "text" });
    node.value = value === null || value === undefined ? "" : String(value);
  }
  node.id = `f-${path}`;
  node.dataset.path = path;
  node.dataset.kind = t.type === "enum" ? (t.base || "string") : t.type;
  node.dataset.nullable = t.nullable ? "1" : "";
  node.dataset.initial = inputValueKey(node);
  node.addEventListener("input", () => node.closest(".field").classList.toggle("changed", isChanged(node)));
  node.addEventListener("change", () => node.closest(".field").classList.toggle("changed", isChanged(node)));
  return node;
}

function inputValueKey(node) { return node.type === "checkbox" ? String(node.checked) : node.value; }
function isChanged(node) { return inputValueKey(node) !== node.dataset.initial; }

function parsed(node) {
  if (node.type === "checkbox") return node.checked;
  const raw = node.value.trim();
  if (raw === "" && node.dataset.nullable) return null;
  if (node.dataset.kind === "number" || node.dataset.kind === "integer") {
    const n = Number(raw);
    return raw === "" || Number.isNaN(n) ? raw : n;
  }
  return raw;
}

function buildForm(defaults, choices) {
  const box = document.getElementById("fields");
  box.replaceChildren();
  const top = el("fieldset", {}, el("legend", {}, "scenario"));
  box.append(top);
  for (const [name, prop] of Object.entries(schema.properties)) {
    const target = resolve(prop);
    if (target.type === "object" && target.properties) {
      const set = el("fieldset", {}, el("legend", {}, name));
      let any = false;
      for (const [field, fprop] of Object.entries(target.properties)) {
        const t = leafType(fprop);
        if (!t) continue;
        const path = `${name}.${field}`;
        const value = (defaults[name] || {})[field];
        set.append(el("div", { class: "field" }, el("label", { for: `f-${path}` }, path),
          input(path, t, value, choices[path])));
        any = true;
      }
      if (any) box.append(set);
    } else {
      const t = leafType(prop);
      if (!t) continue;
      top.append(el("div", { class: "field" }, el("label", { for: `f-${name}` }, name),
        input(name, t, defaults[name], choices[name])));
    }
  }
}

function showJob(node) { document.getElementById("job").replaceChildren(node); }

async function poll(runId) {
  for (;;) {
    let job;
    try {
      job = await api(`/api/jobs/${encodeURIComponent(runId)}`);
    } catch (e) {
      showJob(el("div", { class: "error" }, `Lost the job: ${e.message}`));
      return;
    }
    const link = el("a", { href: `/runs/${encodeURIComponent(runId)}`, id: "run-link" }, runId);
    if (job.status === "complete") {
      showJob(el("div", { class: "note", id: "job-status", "data-status": "complete" }, "Run complete: ", link,
        " · ", el("a", { href: `/runs/${encodeURIComponent(runId)}/globe` }, "globe")));
      return;
    }
    if (job.status === "failed") {
      showJob(el("div", { class: "error", id: "job-status", "data-status": "failed" },
        `Run ${runId} failed at ${job.stage}: ${job.error || "unknown error"}`));
      return;
    }
    if (job.status === "queued") {
      showJob(el("div", { class: "note", id: "job-status", "data-status": "queued" },
        `Run ${runId} queued` + (job.queue_position ? `: place ${job.queue_position} of ${job.queued}` : "") +
        ` (${job.running ?? "?"} running) … `, link));
    } else {
      showJob(el("div", { class: "note", id: "job-status", "data-status": "running" },
        `Run ${runId} running: stage ${job.stage} … `, link));
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function submit(event) {
  event.preventDefault();
  const changed = [...document.querySelectorAll("[data-path]")].filter(isChanged);
  // nulls first: stating one of a set of exclusive fields (fleet targets) drops the others
  changed.sort((a, b) => (parsed(a) === null ? 0 : 1) - (parsed(b) === null ? 0 : 1));
  const fields = {};
  for (const node of changed) fields[node.dataset.path] = parsed(node);
  const button = document.getElementById("submit");
  button.disabled = true;
  try {
    const started = await api("/api/runs", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ toml: document.getElementById("toml").value, fields }) });
    await poll(started.id);
  } catch (e) {
    showJob(el("div", { class: "error", id: "job-status", "data-status": "rejected" }, e.message));
  } finally {
    button.disabled = false;
  }
}

async function main() {
  try {
    const [s, d] = await Promise.all([api("/api/scenario-schema"), api("/api/scenario-default")]);
    schema = s;
    buildForm(d.scenario, d.choices);
  } catch (e) {
    document.getElementById("fields").replaceChildren(el("div", { class: "error" }, e.message));
  }
  document.getElementById("scenario-form").addEventListener("submit", submit);
}

main();
