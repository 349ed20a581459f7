"use strict";

let polling = false;  // the list shown holds a run still going: it is asked for again

async function loadRuns() {
  const message = document.getElementById("message");
  let runs;
  try {
    runs = await api("/api/runs");
  } catch (e) {
    message.replaceChildren(el("div", { class: "error" }, `Could not list the runs: ${e.message}`));
    if (polling) setTimeout(loadRuns, POLL_INTERVAL_MS);  // a busy catalog: try again
    return;
  }
  message.replaceChildren();
  const body = document.querySelector("#runs tbody");
  body.replaceChildren(...runs.map((r) => {
    const m = r.metrics || {};
    const sweep = r.kind === "sweep";
    const link = el("a", { href: `/runs/${encodeURIComponent(r.id)}`, class: "run-link" }, r.id);
    // a sweep (`leodc sweep`) has no fleet to show: its medians, and its page draws the sweep's figures
    const globe = sweep ? el("span", { class: "muted", title: "a sweep: its page draws the sweep's figures" }, "sweep")
      : r.status === "complete" ? el("a", { href: `/runs/${encodeURIComponent(r.id)}/globe` }, "globe") : "";
    const total = sweep ? m.total_cost_usd_p50 : m.total_cost_usd;
    const accH = sweep ? m.usd_per_accelerator_hour_p50 : m.usd_per_accelerator_hour;
    const median = sweep && total !== undefined ? " (p50)" : "";
    const row = el("tr", { "data-run-id": r.id, "data-kind": r.kind || "run" },
      el("td", {}, link), el("td", {}, (r.created_utc || "").replace("T", " ").slice(0, 19)), statusCell(r.status),
      el("td", {}, r.stage || ""), el("td", { class: "progress-cell" }, progressView(r, false)),
      el("td", {}, r.scenario_name || ""),
      el("td", { class: "num", title: sweep ? `${fmt(m.samples)} samples` : "" }, sweep ? "–" : fmt(m.satellites)),
      el("td", { class: "num" }, fmtUsd(total) + median),
      el("td", { class: "num" }, accH === undefined || accH === null ? "–" : `$${fmt(accH)}${median}`),
      el("td", {}, globe));
    if (r.error) row.title = r.error;
    return row;
  }));
  document.getElementById("empty").hidden = runs.length > 0;
  polling = runs.some((r) => isActive(r.status));
  if (polling) setTimeout(loadRuns, POLL_INTERVAL_MS);
}

api("/api/info").then((i) => { document.getElementById("home").textContent = `runs home: ${i.runs_home}`; })
  .catch(() => {});
loadRuns();
