"""Satellite-steps per second of the full simulation pipeline, against SGP4 on the same fleet.

In one run, on one fleet (the bundled default scenario with N satellites, one day at 60 s):
- the engine's full pipeline: propagation, shadow, power, battery, thermal, reductions and the
  Parquet outputs (``leodc.simulate.engine.simulate``), timed end to end, first without the space-
  environment models (the engine's own pipeline), then with them (radiation dose along every
  ground track, upsets, decay, FCC verdict, re-entries);
- the peer: ``sgp4.api.SatrecArray`` propagation alone of a slice of the same fleet (SGP4's rate
  does not depend on the fleet size);
- their ratio, and the process's peak resident memory.

Targets (issue #4): the pipeline at least 10x SatrecArray's rate; 1,000,000 satellites x 1 day at
60 s in at most 60 s with peak memory under 4 GB. Issue #5: with the environment models, throughput
within 20 % of the pipeline without them. ``--write-docs`` regenerates docs/performance.md
from what was measured (never typed in).

    .venv/bin/python benchmarks/simulate_rate.py --satellites 1000000 --write-docs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from leodc.design import design
from leodc.files import write_text
from leodc.scenario import load_scenario
from leodc.simulate.engine import fleet_of, julian_date, simulate

DOCS = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
OTHER_SECTIONS_MARKER = "<!-- routing_rate.py -->"
PEER_SATELLITES = 20000
TARGET_RATIO = 10.0
TARGET_WALL_S = 60.0
TARGET_RSS_GB = 4.0
TARGET_ENVIRONMENT_SLOWDOWN = 0.20


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux: kB


def sgp4_rate(scenario, n_steps: int) -> float:
    from sgp4.api import SatrecArray

    from leodc.orbits.elements import satrec_for

    start = julian_date(scenario.simulation.start_utc)
    elements, _ = fleet_of(scenario, design(scenario), start)
    n = min(PEER_SATELLITES, len(elements))
    sats = SatrecArray([satrec_for(elements, i) for i in range(n)])
    fr = np.arange(n_steps) * scenario.simulation.step_s / 86400.0
    jd = np.full(n_steps, start)
    t0 = time.perf_counter()
    sats.sgp4(jd, fr)
    return n * n_steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description="Full-pipeline simulation rate against SGP4.")
    parser.add_argument("--satellites", type=int, default=100000)
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--step-s", type=float, default=60.0)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    # a 53° shell: a third of its steps in shadow, so the shadow and battery paths are exercised
    overrides = ["orbit.kind=inclined", "orbit.altitude_km=550", "orbit.inclination_deg=53",
                 f"fleet.target_satellites={args.satellites}", f"simulation.days={args.days}",
                 f"simulation.step_s={args.step_s}"]
    scenario = load_scenario("builtin:default", overrides)
    n_steps = round(args.days * 86400 / args.step_s)
    work = Path(tempfile.mkdtemp(prefix="leodc-bench-"))
    try:
        # compile the kernels (cached on disk after the first run) outside the timing
        simulate(load_scenario("builtin:default", ["fleet.target_satellites=10", "simulation.days=0.01"]),
                 work / "warm")
        t0 = time.perf_counter()
        result = simulate(scenario, work / "run", models=())
        wall = time.perf_counter() - t0
        rss = peak_rss_gb()
        shutil.rmtree(work / "run")
        t0 = time.perf_counter()
        simulate(scenario, work / "run-env")
        wall_env = time.perf_counter() - t0
        rss = max(rss, peak_rss_gb())
        peer = sgp4_rate(scenario, n_steps)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rate = args.satellites * n_steps / wall
    rate_env = args.satellites * n_steps / wall_env
    out = {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "satellites": args.satellites, "days": args.days, "step_s": args.step_s,
        "satellite_steps": args.satellites * n_steps,
        "pipeline_wall_s": round(wall, 2),
        "pipeline_sat_steps_per_s": round(rate),
        "sgp4_satrecarray_sat_steps_per_s": round(peer),
        "ratio_pipeline_to_sgp4": round(rate / peer, 2),
        "pipeline_with_environment_wall_s": round(wall_env, 2),
        "pipeline_with_environment_sat_steps_per_s": round(rate_env),
        "environment_slowdown": round(1.0 - rate_env / rate, 3),
        "peak_rss_gb": round(rss, 3),
        "propagator": scenario.simulation.propagator, "shadow": scenario.simulation.shadow,
        "chunk_satellites": scenario.simulation.chunk_satellites,
        "window_steps": scenario.simulation.window_steps,
        "targets": {"ratio_at_least": TARGET_RATIO, "million_day_wall_s_at_most": TARGET_WALL_S,
                    "peak_rss_gb_under": TARGET_RSS_GB, "environment_slowdown_at_most": TARGET_ENVIRONMENT_SLOWDOWN},
        "fleet_sunlit_fraction": round(result.fleet_sunlit_fraction, 5),
    }
    print(json.dumps(out, indent=2))
    if args.write_docs:
        write_docs(out)


def write_docs(m: dict) -> None:
    met_ratio = m["ratio_pipeline_to_sgp4"] >= TARGET_RATIO
    met_env = m["environment_slowdown"] <= TARGET_ENVIRONMENT_SLOWDOWN
    scaled_s = m["pipeline_wall_s"] * 1_440_000_000 / m["satellite_steps"]
    lines = [
        "# Performance",
        "",
        "Regenerated by `benchmarks/simulate_rate.py --write-docs`; do not edit by hand.",
        "",
        f"Measured {m['when_utc']} on {m['machine']}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| fleet | {m['satellites']:,} satellites x {m['days']} day at {m['step_s']:g} s "
        f"({m['satellite_steps']:,} satellite-steps) |",
        f"| full pipeline (propagation, shadow, power, battery, thermal, reductions, Parquet) | "
        f"{m['pipeline_wall_s']} s, {m['pipeline_sat_steps_per_s']:,} satellite-steps/s |",
        f"| peer: sgp4 SatrecArray propagation alone, same fleet | {m['sgp4_satrecarray_sat_steps_per_s']:,} "
        "satellite-steps/s |",
        f"| ratio pipeline / SatrecArray | {m['ratio_pipeline_to_sgp4']} (target >= {TARGET_RATIO:g}: "
        f"{'met' if met_ratio else 'not met'}) |",
        f"| with the space-environment models (dose along every ground track, upsets, decay, FCC, "
        f"re-entries) | {m['pipeline_with_environment_wall_s']} s, "
        f"{m['pipeline_with_environment_sat_steps_per_s']:,} satellite-steps/s |",
        f"| slowdown from the environment models | {m['environment_slowdown']:.1%} (target <= "
        f"{TARGET_ENVIRONMENT_SLOWDOWN:.0%}: {'met' if met_env else 'not met'}) |",
        f"| peak resident memory | {m['peak_rss_gb']} GB (target < {TARGET_RSS_GB:g} GB: "
        f"{'met' if m['peak_rss_gb'] < TARGET_RSS_GB else 'not met'}) |",
        f"| 1,000,000 satellites x 1 day at 60 s, without / with the environment models | {scaled_s:.1f} s / "
        f"{m['pipeline_with_environment_wall_s'] * 1_440_000_000 / m['satellite_steps']:.1f} s "
        f"{'measured' if m['satellite_steps'] == 1_440_000_000 else 'scaled from this run'} "
        f"(target <= {TARGET_WALL_S:g} s: {'met' if scaled_s <= TARGET_WALL_S else 'not met'}) |",
        "",
        f"Settings: propagator `{m['propagator']}`, shadow `{m['shadow']}`, chunks of "
        f"{m['chunk_satellites']:,} satellites, windows of {m['window_steps']} steps.",
        "",
    ]
    DOCS.parent.mkdir(exist_ok=True)
    # other benchmarks keep their sections between their own markers (benchmarks/routing_rate.py)
    old = DOCS.read_text() if DOCS.exists() else ""
    kept = old[old.index(OTHER_SECTIONS_MARKER):] if OTHER_SECTIONS_MARKER in old else ""
    write_text(DOCS, "\n".join(lines) + ("\n\n" + kept if kept else ""))


if __name__ == "__main__":
    main()
