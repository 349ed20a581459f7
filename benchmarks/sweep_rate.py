"""Samples per second of ``leodc sweep``'s Monte Carlo on the closed form, against the slow path and a peer.

In one run, on this machine, on the bundled default (100 MW of B200s, dawn-dusk 650 km) with leodc's
default distributions (every low-confidence catalog figure the closed form reads, triangular):
- the slow path: ``assess(load_scenario(...))`` per sample (load, merge and validate the scenario with the
  sample's values as overrides, then the design and economics), and :func:`leodc.uncertainty.evaluate.reference`
  (the same with the catalog figures sampled too, and the terrestrial baseline), per sample, over
  REFERENCE_SAMPLES samples;
- the fast path: :func:`leodc.uncertainty.sweep.sweep` of SAMPLES samples end to end (seeded sampling,
  the vectorised closed form, the summary), here and on a Dask LocalCluster of DASK_WORKERS workers (the
  quantiles asserted identical); the fast path's metrics on the reference's samples are asserted equal to
  the reference's to 1e-9 relative;
- the peer: spacedc-mdao's own Monte Carlo (``orbitdc.optimize.uncertainty.monte_carlo``, its default
  drivers: launch price, array specific power, radiator areal mass, failure rate, utilisation) on a
  comparable case (100 MW of IT, 64 accelerators per satellite, 650 km, 5-year life, 7 % discount rate,
  each satellite's array and radiator area budgets set to leodc's design so that packaging does not
  bind, no off-accelerator traffic as leodc's closed form has no network limit), PEER_SAMPLES samples.
  spacedc-mdao is a dev dependency; leodc never imports it.

Target (issue #12): SAMPLES closed-form samples in under TARGET_S seconds on this 2-core machine.
Wall-clock seconds with the process's CPU seconds beside them (the machine may be shared).
``--write-docs`` rewrites this benchmark's section of docs/performance.md (between its markers),
leaving the rest as it is.

    .venv/bin/python benchmarks/sweep_rate.py --write-docs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from docs_section import write_section
from leodc.assessment import assess
from leodc.design import design
from leodc.scenario import load_scenario
from leodc.uncertainty.distributions import RELATIVE_SPREAD_BY_CONFIDENCE, sweep_distributions
from leodc.uncertainty.evaluate import COST_METRIC, FEASIBLE, evaluate, reference
from leodc.uncertainty.sampling import CHUNK_SAMPLES, Chunk, draw
from leodc.uncertainty.sweep import sweep

DOCS = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
BEGIN, END = "<!-- sweep_rate.py -->", "<!-- /sweep_rate.py -->"
SCENARIO = "builtin:default"
SAMPLES = 100_000
REFERENCE_SAMPLES = 50
PEER_SAMPLES = 5_000
DASK_WORKERS = 2
SEED = 20260320
TARGET_S = 60.0
RELATIVE_TOLERANCE = 1e-9
# the peer's comparable case
PEER_IT_POWER_W = 100e6
PEER_ACCELERATORS_PER_SATELLITE = 64
PEER_ALTITUDE_KM = 650.0
PEER_LIFE_YEARS = 5.0
PEER_DISCOUNT_RATE = 0.07
PEER_ACCELERATOR = "h100_sxm"  # spacedc-mdao's catalog has no B200
PEER_ACCELERATOR_TDP_W = 700.0  # H100 SXM (NVIDIA datasheet), for the satellite count at 100 MW
PEER_IT_OVERHEAD_FRACTION = 0.25  # spacedc-mdao's default it_power_overhead_frac
# no off-accelerator traffic: leodc's closed form has no network limit, and the peer's generic workload through
# its fixed fleet-wide downlink (100 Gbps) would leave ~1e-6 of the installed compute delivered at this scale
PEER_COMM_INTENSITY_BITS_PER_FLOP = 0.0


class Timer:
    """Wall-clock and CPU seconds of a block."""

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self._wall, time.process_time() - self._cpu


def slow_path(sc, samples: dict[str, np.ndarray]) -> dict:
    """``assess(load_scenario(...))`` per sample on the scenario fields, and the full reference per sample."""
    fields = {k: v for k, v in samples.items() if not k.startswith("catalog.")}
    n = len(next(iter(samples.values())))
    with Timer() as assess_t:
        for i in range(n):
            assess(load_scenario(SCENARIO, {k: float(v[i]) for k, v in fields.items()}))
    with Timer() as ref_t:
        slow = reference(sc, samples)
    fast = evaluate(sc, samples)
    ok = slow[FEASIBLE]
    worst = 0.0
    for key in slow:
        a, b = fast[key][ok].astype(float), slow[key][ok].astype(float)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        rel = np.where(same, 0.0, np.abs(a - b) / np.maximum(np.abs(b), np.finfo(float).tiny))
        worst = max(worst, float(np.max(rel, initial=0.0)))
    assert worst <= RELATIVE_TOLERANCE, worst
    return {"assess_load_s_per_sample": assess_t.wall / n, "reference_s_per_sample": ref_t.wall / n,
            "reference_cpu_s_per_sample": ref_t.cpu / n, "reference_samples": n, "metrics_compared": len(slow),
            "max_relative_difference": worst}


def fast_path(sc) -> dict:
    with Timer() as local_t:
        local = sweep(sc, SAMPLES, seed=SEED)
    with Timer() as dask_t:
        dask = sweep(sc, SAMPLES, seed=SEED, workers=DASK_WORKERS)
    assert dask.summary["metrics"] == local.summary["metrics"]
    chunk = draw(Chunk(0, 0, CHUNK_SAMPLES, SEED), {k: d for k, (d, _) in sweep_distributions(sc).items()})
    with Timer() as eval_t:
        evaluate(sc, chunk)
    cost = local.summary["metrics"][COST_METRIC]
    return {"samples": SAMPLES, "sweep_s": local_t.wall, "sweep_cpu_s": local_t.cpu,
            "samples_per_s": SAMPLES / local_t.wall, "evaluate_s_per_sample": eval_t.wall / CHUNK_SAMPLES,
            "dask_s": dask_t.wall, "dask_samples_per_s": SAMPLES / dask_t.wall,
            "distributions": len(local.summary["distributions"]), "p_orbit_cheaper": local.summary["p_orbit_cheaper"],
            "usd_per_pflop_day": cost, "ratio_p50": local.summary["metrics"]["comparison.orbit_to_ground_cost_ratio"]}


def peer(sc) -> dict:
    from orbitdc.compare import evaluate_earth, evaluate_space
    from orbitdc.core.schema import Scenario as PeerScenario
    from orbitdc.optimize.uncertainty import default_drivers, monte_carlo

    sat = design(sc).satellite
    per_satellite_w = PEER_ACCELERATORS_PER_SATELLITE * PEER_ACCELERATOR_TDP_W * (1.0 + PEER_IT_OVERHEAD_FRACTION)
    satellites = math.ceil(PEER_IT_POWER_W / per_satellite_w)
    workload = {"comm_intensity_bits_per_flop": PEER_COMM_INTENSITY_BITS_PER_FLOP}
    space = PeerScenario(
        name="leodc default, comparable", kind="space", mission_life_years=PEER_LIFE_YEARS,
        accelerator=PEER_ACCELERATOR, discount_rate=PEER_DISCOUNT_RATE, workload=workload,
        space={"orbit": {"altitude_km": PEER_ALTITUDE_KM},
               "it_power_overhead_frac": PEER_IT_OVERHEAD_FRACTION,
               "architecture": {"satellites": satellites, "accelerators_per_satellite": PEER_ACCELERATORS_PER_SATELLITE,
                                "radiator_area_m2_per_sat": sat.radiator_area_m2,
                                "solar_area_m2_per_sat": sat.solar_array_area_m2}})
    earth = PeerScenario(name="ground", kind="earth", mission_life_years=PEER_LIFE_YEARS,
                         accelerator=PEER_ACCELERATOR, discount_rate=PEER_DISCOUNT_RATE, workload=workload,
                         earth={"n_accelerators": satellites * PEER_ACCELERATORS_PER_SATELLITE,
                                "it_power_overhead_frac": PEER_IT_OVERHEAD_FRACTION})
    earth_lcoc = evaluate_earth(earth).lcoc_per_pflop_day
    space_lcoc = evaluate_space(space).lcoc_per_pflop_day
    with Timer() as t:
        mc = monte_carlo(space, earth_lcoc, n=PEER_SAMPLES, seed=SEED)
    return {"samples": PEER_SAMPLES, "s": t.wall, "cpu_s": t.cpu, "samples_per_s": PEER_SAMPLES / t.wall,
            "drivers": len(default_drivers(space)), "satellites": satellites, "p_space_wins": mc.p_space_wins,
            "space_to_earth_p50": mc.lcoc_p50 / earth_lcoc, "space_to_earth_point": space_lcoc / earth_lcoc}


def measure() -> dict:
    sc = load_scenario(SCENARIO)
    assess(sc)  # imports and the catalog, outside the timings
    dists = {k: d for k, (d, _) in sweep_distributions(sc).items()}
    samples = draw(Chunk(0, 0, REFERENCE_SAMPLES, SEED + 1), dists)
    slow = slow_path(sc, samples)
    fast = fast_path(sc)
    other = peer(sc)
    return {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "scenario": sc.name, "slow": slow, "fast": fast, "peer": other,
        "speedup_vs_assess": slow["assess_load_s_per_sample"] / (fast["sweep_s"] / SAMPLES),
        "speedup_vs_peer": fast["samples_per_s"] / other["samples_per_s"],
        "meets_target": fast["sweep_s"] < TARGET_S,
    }


def section(m: dict) -> list[str]:
    s, f, p = m["slow"], m["fast"], m["peer"]
    cost = f["usd_per_pflop_day"]
    ratio = f["ratio_p50"]
    return [
        "## Monte Carlo sweeps", "",
        "Regenerated by `benchmarks/sweep_rate.py --write-docs`; do not edit by hand.", "",
        f"Measured {m['when_utc']} on {m['machine']}. Seconds are wall-clock, CPU seconds in brackets (the "
        "machine may be shared).", "",
        f"The bundled default ({m['scenario']}) with leodc's {f['distributions']} default distributions (every "
        "low-confidence catalog figure the closed form reads, triangular, "
        f"±{RELATIVE_SPREAD_BY_CONFIDENCE['low']:.0%}); seed {SEED}.", "",
        "| measure | value |",
        "|---|---|",
        f"| slow path: `assess(load_scenario(...))` per sample (load, validate, design, economics) | "
        f"{s['assess_load_s_per_sample'] * 1e3:.1f} ms |",
        f"| reference path (`uncertainty.evaluate.reference`: each sample validated, `assess`, the terrestrial "
        f"baseline), {s['reference_samples']} samples | {s['reference_s_per_sample'] * 1e3:.1f} ms "
        f"({s['reference_cpu_s_per_sample'] * 1e3:.1f} ms) per sample |",
        f"| fast path (`uncertainty.evaluate.evaluate`, vectorised), chunks of {CHUNK_SAMPLES:,} | "
        f"{f['evaluate_s_per_sample'] * 1e6:.2f} us per sample |",
        f"| fast path against the reference | {s['metrics_compared']} metrics x {s['reference_samples']} samples, "
        f"largest relative difference {s['max_relative_difference']:.1e} (1e-9 required) |",
        f"| `leodc sweep`'s Monte Carlo, {f['samples']:,} samples end to end (sampling, closed form, summary) | "
        f"{f['sweep_s']:.2f} s ({f['sweep_cpu_s']:.2f} s): {f['samples_per_s']:,.0f} samples/s (target < "
        f"{TARGET_S:g} s: {'met' if m['meets_target'] else 'not met'}) |",
        f"| the same on a Dask LocalCluster of {DASK_WORKERS} workers (cluster start included) | "
        f"{f['dask_s']:.2f} s: {f['dask_samples_per_s']:,.0f} samples/s; quantiles identical |",
        f"| speed-up over `assess(load_scenario(...))` per sample | {m['speedup_vs_assess']:,.0f}x |",
        f"| peer: spacedc-mdao's `monte_carlo` ({p['drivers']} default drivers), {p['samples']:,} samples | "
        f"{p['s']:.2f} s ({p['cpu_s']:.2f} s): {p['samples_per_s']:,.0f} samples/s |",
        f"| leodc's samples/s over the peer's | {m['speedup_vs_peer']:,.0f}x |",
        "",
        f"What the sweep says: orbit's cost per PFLOP-day p5/p50/p95 {cost['p5']:,.0f} / {cost['p50']:,.0f} / "
        f"{cost['p95']:,.0f} $, {ratio['p50']:.1f}x the ground's at the median (p5 {ratio['p5']:.1f}x, p95 "
        f"{ratio['p95']:.1f}x); P(orbit cheaper) = {f['p_orbit_cheaper']:.1%}. The peer's comparable case "
        f"({p['satellites']:,} satellites of {PEER_ACCELERATORS_PER_SATELLITE} H100s, 100 MW of IT at "
        f"{PEER_ALTITUDE_KM:g} km, {PEER_LIFE_YEARS:g}-year life, {PEER_DISCOUNT_RATE:.0%} discount rate, each "
        "satellite's array and radiator area budgets at leodc's design, no network traffic): space costs "
        f"{p['space_to_earth_point']:.1f}x Earth per PFLOP-day at its point estimate, {p['space_to_earth_p50']:.1f}x "
        f"at its Monte Carlo median, P(space wins) = {p['p_space_wins']:.1%}. The peer evaluates its model once per "
        "sample in a Python loop; leodc evaluates each chunk of samples as array arithmetic.",
    ]


def write_docs(m: dict) -> None:
    """Replaces the text between the markers (appending them the first time), leaving the rest as it is."""
    write_section(DOCS, BEGIN, END, section(m))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    out = measure()
    print(json.dumps(out, indent=2))
    if args.write_docs:
        write_docs(out)


if __name__ == "__main__":
    main()
