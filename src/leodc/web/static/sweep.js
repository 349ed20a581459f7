// The page of a sweep run (`leodc sweep`): the figures of its report, drawn from the same Plotly JSON
// (GET /api/runs/ID/sweep) with plotly.js served by the dashboard itself (/vendor/plotly.js).
"use strict";

const runId = runIdFromPath();
const PLOTLY_CONFIG = { responsive: true, displaylogo: false };

function kvRows(tbody, obj) {
  tbody.replaceChildren(...Object.entries(obj).map(([k, v]) => {
    const unit = unitOf(k);
    return el("tr", {}, el("th", {}, k), el("td", { class: "num" }, fmt(v) + (unit && v !== null ? ` ${unit}` : "")));
  }));
}

function drawFigures(sweep) {
  const box = document.getElementById("sweep-figures");
  box.replaceChildren();
  let drawn = 0;
  for (const [key, title] of Object.entries(sweep.titles)) {
    const fig = sweep.figures[key];
    const plot = el("div", { id: `sweep-${key}`, class: "sweep-figure" });
    box.append(el("h2", {}, title), el("div", { class: "card", "data-figure": key }, plot,
      el("p", { class: "muted caption" }, sweep.notes[key] || "")));
    if (fig) {
      Plotly.newPlot(plot, fig.data, fig.layout, PLOTLY_CONFIG);
      drawn += 1;
    } else {
      plot.replaceChildren(el("div", { class: "note" }, "Not available for this sweep (see below)."));
    }
  }
  return drawn;
}

async function loadSweep() {
  const message = document.getElementById("message");
  let run;
  try {
    run = await api(`/api/runs/${encodeURIComponent(runId)}`);
  } catch (e) {
    message.replaceChildren(el("div", { class: "error" }, e.message));
    window.leodcSweepError = e.message;
    return;
  }
  const r = run.record;
  document.title = `leodc · sweep ${r.id}`;
  document.getElementById("title").textContent = `${r.scenario_name || "sweep"} · sweep ${r.id}`;
  const info = { status: r.status, stage: r.stage, created_utc: r.created_utc, finished_utc: r.finished_utc,
    scenario_digest: r.scenario_digest, leodc_version: r.leodc_version, host: r.host };
  kvRows(document.querySelector("#record tbody"), info);
  if (r.status !== "complete") {
    message.replaceChildren(el("div", { class: r.status === "failed" ? "error" : "note" },
      `status: ${r.status} (stage ${r.stage})${r.error ? `: ${r.error}` : ""}`));
    if (r.status === "running" || r.status === "queued") setTimeout(loadSweep, 2000);
    return;
  }
  let sweep;
  try {
    sweep = await api(`/api/runs/${encodeURIComponent(runId)}/sweep`);
  } catch (e) {
    message.replaceChildren(el("div", { class: "error" }, e.message));
    window.leodcSweepError = e.message;
    return;
  }
  message.replaceChildren();
  document.getElementById("links").replaceChildren(
    el("a", { href: `/runs/${encodeURIComponent(r.id)}/report` }, "full report"));
  const p = sweep.headline.p_orbit_cheaper;
  document.getElementById("chance").textContent =
    `P(orbit costs less than the ground per PFLOP-day) = ${p === null ? "–" : `${(100 * p).toFixed(1)} %`}`;
  kvRows(document.querySelector("#headline tbody"), sweep.headline);
  document.querySelector("#quantiles tbody").replaceChildren(...sweep.quantiles.map((q) =>
    el("tr", {}, el("td", {}, q.metric), el("td", {}, q.unit),
      ...["p5", "p50", "p95", "mean"].map((k) => el("td", { class: "num" }, fmt(q[k]))))));
  document.getElementById("cost-basis").textContent = sweep.cost_basis || "";
  document.querySelector("#distributions tbody").replaceChildren(...Object.entries(sweep.distributions).map(
    ([key, d]) => el("tr", {}, el("td", {}, key), el("td", {}, d.dist),
      el("td", {}, Object.entries(d).filter(([k]) => k !== "dist" && k !== "source")
        .map(([k, v]) => `${k} = ${fmt(v)}`).join(", ")),
      el("td", {}, d.source || ""))));
  window.leodcSweepFigures = drawFigures(sweep);
}

loadSweep();
