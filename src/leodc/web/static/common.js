// Shared by the dashboard's pages: fetching the API, formatting numbers, drawing plain-SVG charts.
"use strict";

async function api(path, options) {
  const res = await fetch(path, options);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) {
    const msg = body && body.detail ? body.detail : `${res.status} ${res.statusText}`;
    const err = new Error(typeof msg === "string" ? msg : JSON.stringify(msg));
    err.status = res.status;
    throw err;
  }
  return body;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

// Units read off a field's suffix, as the CLI does.
const UNITS = [["_usd_per_accelerator_hour", "$/acc-h"], ["_usd_per_pflop_day", "$/PFLOP-day"],
  ["_usd_per_kw_year", "$/kW-yr"], ["_usd_per_mwh", "$/MWh"], ["_rad_per_year", "rad/yr"], ["_usd", "$"],
  ["_kg", "kg"], ["_w", "W"], ["_km", "km"], ["_hours", "h"], ["_fraction", ""], ["_soc", ""]];

function unitOf(key) {
  for (const [suffix, unit] of UNITS) if (key.endsWith(suffix)) return unit;
  return "";
}

function fmt(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v !== "number") return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return v.toLocaleString("en-US", { maximumSignificantDigits: 4 });
}

function fmtUsd(v) {
  if (v === null || v === undefined) return "–";
  const a = Math.abs(v);
  if (a >= 1e9) return `$${(v / 1e9).toFixed(2)} B`;
  if (a >= 1e6) return `$${(v / 1e6).toFixed(1)} M`;
  return `$${fmt(v)}`;
}

function statusCell(status) { return el("td", { class: `status-${status}` }, status); }

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceTicks(lo, hi, n) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) ticks.push(t);
  return ticks;
}

// A line chart: x numbers (hours), series [{name, values, color}]; plain SVG, no library.
function lineChart(title, xs, series, xLabel, yLabel) {
  const W = 560, H = 260, L = 64, R = 12, T = 24, B = 40;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": title });
  root.append(svg("text", { x: L, y: 15, class: "title" }, title));
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
  if (!xs.length || !all.length) {
    root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no data"));
    return root;
  }
  let ylo = Math.min(0, ...all), yhi = Math.max(...all);
  if (yhi === ylo) yhi = ylo + (Math.abs(ylo) || 1);
  yhi += 0.12 * (yhi - ylo);  // room for the legend
  const xlo = xs[0], xhi = xs[xs.length - 1] > xlo ? xs[xs.length - 1] : xlo + 1;
  const sx = (x) => L + ((x - xlo) / (xhi - xlo)) * (W - L - R);
  const sy = (y) => H - B - ((y - ylo) / (yhi - ylo)) * (H - T - B);
  for (const t of niceTicks(ylo, yhi, 4)) {
    root.append(svg("line", { x1: L, x2: W - R, y1: sy(t), y2: sy(t), stroke: "#e6e9ef" }));
    root.append(svg("text", { x: L - 6, y: sy(t) + 4, "text-anchor": "end" }, fmt(t)));
  }
  for (const t of niceTicks(xlo, xhi, 6)) {
    root.append(svg("text", { x: sx(t), y: H - B + 15, "text-anchor": "middle" }, fmt(t)));
  }
  root.append(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#9aa3b2" }));
  root.append(svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, xLabel));
  root.append(svg("text", { x: 12, y: (T + H - B) / 2, transform: `rotate(-90 12 ${(T + H - B) / 2})`,
    "text-anchor": "middle" }, yLabel));
  series.forEach((s, i) => {
    let d = "";
    s.values.forEach((v, j) => {
      if (v === null || !Number.isFinite(v)) return;
      d += `${d ? "L" : "M"}${sx(xs[j]).toFixed(1)},${sy(v).toFixed(1)}`;
    });
    root.append(svg("path", { d, fill: "none", stroke: s.color, "stroke-width": 1.8 }));
    root.append(svg("text", { x: W - R - 4, y: T + 12 + 13 * i, "text-anchor": "end", fill: s.color,
      style: `fill:${s.color}` }, s.name));
  });
  return root;
}

// Horizontal bars: items [{label, value}].
function barChart(title, items, format) {
  const rowH = 22, L = 170, R = 90, T = 26, W = 560;
  const H = T + rowH * items.length + 10;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": title });
  root.append(svg("text", { x: 4, y: 15, class: "title" }, title));
  const hi = Math.max(...items.map((it) => Math.abs(it.value || 0)), 1);
  items.forEach((it, i) => {
    const y = T + i * rowH, w = (Math.abs(it.value || 0) / hi) * (W - L - R);
    root.append(svg("text", { x: L - 6, y: y + 14, "text-anchor": "end" }, it.label));
    root.append(svg("rect", { x: L, y: y + 3, width: Math.max(w, 1), height: rowH - 7, fill: it.color || "#4f7cc4" }));
    root.append(svg("text", { x: L + w + 5, y: y + 14 }, format(it.value)));
  });
  return root;
}

function hoursSince(isoTimes) {
  if (!isoTimes.length) return [];
  const t0 = Date.parse(isoTimes[0]);
  return isoTimes.map((t) => (Date.parse(t) - t0) / 3.6e6);
}

function runIdFromPath() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[1] || "");
}

// ---------------------------------------------------------------------------------------------- run progress
// How often a page showing a run that is still going (queued, running) asks the API again.
const POLL_INTERVAL_MS = 2000;
const ACTIVE_STATUSES = ["queued", "running"];
const PERCENT_DECIMALS = 1;
// A running run's progress older than this is called out (its process may be stuck, or its cluster gone).
const STALE_PROGRESS_S = 60;
// What a stage's tasks are called ("N of M chunks"); a stage not named here has "tasks".
const TASK_NOUNS = { simulate: "chunks", network: "blocks" };
const DEFAULT_TASK_NOUN = "tasks";
// A data location with a scheme (s3://, gs://, ...) other than file:// is not on this machine.
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const LOCAL_SCHEME = "file";

function isActive(status) { return ACTIVE_STATUSES.includes(status); }

// The share done as a percentage, rounded down (a stage shows 100 % only once done).
function fmtPercent(fraction) {
  const scale = 10 ** PERCENT_DECIMALS;
  const pct = Math.floor(Math.max(0, Math.min(1, fraction || 0)) * 100 * scale) / scale;
  return `${pct.toFixed(PERCENT_DECIMALS)} %`;
}

function remoteLocation(location) {
  const m = location ? URL_SCHEME.exec(location) : null;
  return m !== null && m[1].toLowerCase() !== LOCAL_SCHEME;
}

// A run's time-domain stage as the pages show it (the runs list row, the run page), from the API's
// `progress`, `executor` and `progress_age_s`: its stage and executor, a bar with the percentage, "N of M
// chunks" (blocks for the network stage), tasks resumed, where the data goes when not on this machine,
// and (detailed) the units done and how long ago it was written. A run that has ended shows its executor.
function progressView(run, detailed) {
  const p = run.progress;
  if (!p) return el("span", { class: "muted progress-none" }, run.executor || "–");
  const executor = el("span", { class: "progress-executor" }, p.executor);
  if (run.status === "complete") {
    return el("div", { class: "progress", "data-status": run.status }, detailed ? "ran on " : "", executor);
  }
  const noun = TASK_NOUNS[p.stage] || DEFAULT_TASK_NOUN;
  const percent = fmtPercent(p.fraction);
  const facts = [`${fmt(p.tasks_done)} of ${fmt(p.tasks)} ${noun}`];
  if (detailed) facts.push(`${fmt(p.done)} of ${fmt(p.total)} ${p.unit}`);
  if (p.resumed_tasks > 0) facts.push(`${fmt(p.resumed_tasks)} resumed`);
  const box = el("div", { class: "progress", "data-status": run.status, "data-stage": p.stage,
    "data-fraction": String(p.fraction) },
    el("div", {}, el("span", { class: "progress-stage" }, p.stage), " on ", executor),
    el("div", { class: "progress-line" },
      el("progress", { max: "1", value: String(Math.max(0, Math.min(1, p.fraction || 0))), title: percent }),
      el("span", { class: "progress-percent" }, percent)),
    el("div", { class: "progress-tasks muted" }, facts.join(" · ")));
  if (remoteLocation(p.data_location)) {
    box.append(el("div", { class: "progress-data muted" }, "data: ", el("code", {}, p.data_location)));
  }
  const age = run.progress_age_s;
  if (run.status === "running" && age !== null && age !== undefined) {
    const stale = age > STALE_PROGRESS_S;
    if (detailed || stale) {
      box.append(el("div", { class: `progress-age${stale ? " stale" : " muted"}` },
        `updated ${fmt(Math.round(age))} s ago${stale ? " (no news since)" : ""}`));
    }
  }
  return box;
}
