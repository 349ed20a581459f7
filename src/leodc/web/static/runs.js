"use strict";

async function loadRuns() {
  const message = document.getElementById("message");
  let runs;
  try {
    runs = await api("/api/runs");
  } catch (e) {
    message.replaceChildren(el("div", { class: "error" }, `Could not list the runs: ${e.message}`));
    return;
  }
  message.replaceChildren();
  const body = document.querySelector("#runs tbody");
  body.replaceChildren(...runs.map((r) => {
    const m = r.metrics || {};
    const link = el("a", { href: `/runs/${encodeURIComponent(r.id)}`, class: "run-link" }, r.id);
    const globe = r.status === "complete" ? el("a", { href: `/runs/${encodeURIComponent(r.id)}/globe` }, "globe") : "";
    const row = el("tr", { "data-run-id": r.id },
      el("td", {}, link), el("td", {}, (r.created_utc || "").replace("T", " ").slice(0, 19)), statusCell(r.status),
      el("td", {}, r.stage || ""), el("td", {}, r.scenario_name || ""),
      el("td", { class: "num" }, fmt(m.satellites)), el("td", { class: "num" }, fmtUsd(m.total_cost_usd)),
      el("td", { class: "num" }, m.usd_per_accelerator_hour === undefined ? "–" : `$${fmt(m.usd_per_accelerator_hour)}`),
      el("td", {}, globe));
    if (r.error) row.title = r.error;
    return row;
  }));
  document.getElementById("empty").hidden = runs.length > 0;
  if (runs.some((r) => r.status === "running" || r.status === "queued")) setTimeout(loadRuns, 2000);
}

api("/api/info").then((i) => { document.getElementById("home").textContent = `runs home: ${i.runs_home}`; })
  .catch(() => {});
loadRuns();
