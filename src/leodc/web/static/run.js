"use strict";

const runId = runIdFromPath();

function kvRows(tbody, obj) {
  tbody.replaceChildren(...Object.entries(obj).map(([k, v]) => {
    const unit = unitOf(k);
    return el("tr", {}, el("th", {}, k), el("td", { class: "num" }, fmt(v) + (unit && v !== null ? ` ${unit}` : "")));
  }));
}

// what the figures were last drawn for (the run's status and stage): they are fetched again only when
// that changes, while the run's record and progress are asked for every POLL_INTERVAL_MS
let drawnFor = null;
let lastStatus = null;

function showProgress(run) {
  const card = document.getElementById("progress-card");
  const r = run.record;
  // a running run's stage and how far it is; one that has ended: the executor it ran on (record table)
  const show = run.progress !== null && run.progress !== undefined && r.status !== "complete";
  card.hidden = !show;
  document.getElementById("progress").replaceChildren(show ? progressView({ ...run, status: r.status }, true) : "");
}

async function loadFigures(r) {
  const figs = await api(`/api/runs/${encodeURIComponent(r.id)}/figures`);
  const links = document.getElementById("links");
  links.replaceChildren(el("a", { href: `/runs/${encodeURIComponent(r.id)}/globe` }, "globe"));
  if (figs.report_available) {
    links.append(" · ", el("a", { href: `/runs/${encodeURIComponent(r.id)}/report` }, "full report"));
  }
  drawFleet(figs);
  drawCost(figs);
}

async function loadRun() {
  const message = document.getElementById("message");
  let run;
  try {
    run = await api(`/api/runs/${encodeURIComponent(runId)}`);
    const key = `${run.record.status}/${run.record.stage}`;
    if (key !== drawnFor) {
      await loadFigures(run.record);
      drawnFor = key;
    }
  } catch (e) {
    message.replaceChildren(el("div", { class: "error" }, e.message));
    if (isActive(lastStatus)) setTimeout(loadRun, POLL_INTERVAL_MS);  // a busy catalog: try again
    return;
  }
  const r = run.record;
  lastStatus = r.status;
  document.title = `leodc · ${r.id}`;
  document.getElementById("title").textContent = `${r.scenario_name || "run"} · ${r.id}`;
  if (r.status !== "complete") {
    message.replaceChildren(el("div", { class: r.status === "failed" ? "error" : "note" },
      `status: ${r.status} (stage ${r.stage})${r.error ? `: ${r.error}` : ""}`));
  } else {
    message.replaceChildren();
  }
  showProgress(run);
  kvRows(document.querySelector("#headline tbody"), run.headline || {});
  const info = { status: r.status, stage: r.stage, executor: run.executor, created_utc: r.created_utc,
    finished_utc: r.finished_utc, scenario_digest: r.scenario_digest, leodc_version: r.leodc_version, host: r.host };
  for (const [k, v] of Object.entries(r.timings || {})) info[`${k}_s`] = v === null ? "not built yet" : v;
  kvRows(document.querySelector("#record tbody"), info);
  if (isActive(r.status)) setTimeout(loadRun, POLL_INTERVAL_MS);
}

function drawFleet(figs) {
  const box = document.getElementById("fleet-charts");
  box.replaceChildren();
  const f = figs.fleet;
  if (!f) { box.append(el("p", { class: "muted" }, "No fleet time series in this run.")); return; }
  const xs = hoursSince(f.time);
  const mw = (vals) => vals.map((v) => (v === null ? null : v / 1e6));
  const card = (node) => box.append(el("div", { class: "card" }, node));
  card(lineChart("Fleet power", xs, [
    { name: "generated", values: mw(f.power_generated_w), color: "#d08a00" },
    { name: "IT load", values: mw(f.it_power_w), color: "#1f5fbf" }], "hours from start", "MW"));
  card(lineChart("Satellites in shadow", xs, [
    { name: "in shadow", values: f.satellites_in_shadow, color: "#274b8f" }], "hours from start", "satellites"));
  card(lineChart("Compute available", xs, [
    { name: "fraction", values: f.compute_available_fraction, color: "#1b7f3b" }], "hours from start", "fraction"));
  const sats = figs.satellites || [];
  if (sats.length) {
    const colors = ["#1f5fbf", "#d08a00", "#1b7f3b", "#8e44ad"];
    card(lineChart("Battery state of charge (first satellites)", hoursSince(sats[0].time),
      sats.map((s, i) => ({ name: `sat ${s.sat_id}`, values: s.soc, color: colors[i % colors.length] })),
      "hours from start", "state of charge"));
  }
}

function drawCost(figs) {
  const box = document.getElementById("cost-chart");
  const items = (figs.cost_items || []).map((c) => ({ label: c.item.replaceAll("_", " "), value: c.usd }));
  box.replaceChildren(items.length
    ? barChart(`Cost items (total ${fmtUsd(figs.total_cost_usd)})`, items, fmtUsd)
    : el("p", { class: "muted" }, "No economics in this run yet."));
  document.querySelector("#baselines tbody").replaceChildren(...(figs.baselines || []).map((b) =>
    el("tr", {}, el("td", {}, b.name), el("td", { class: "num" }, fmtUsd(b.total_cost_usd)),
      el("td", { class: "num" }, fmt(b.lcoe_usd_per_mwh)), el("td", { class: "num" }, fmt(b.usd_per_accelerator_hour)),
      el("td", { class: "num" }, fmt(b.usd_per_pflop_day)))));
}

loadRun();
