"""How long the closed-form stage takes on the million-satellite filing, beside the same scenario
with one satellite measured in the same run (the peer): the ratio shows that the design and the
economics do not grow with the fleet. Target (issue): the million-satellite scenario designs in
under a second, load and validation included. Prints JSON.

    .venv/bin/python benchmarks/design_rate.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from leodc.assessment import assess
from leodc.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "published" / "spacex-fcc-2026.toml"
TARGET_S = 1.0


def _time(overrides: list[str], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        assess(load_scenario(SCENARIO, overrides))
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    t0 = time.perf_counter()
    assess(load_scenario(SCENARIO))  # first call: catalog load and imports
    first_s = time.perf_counter() - t0
    million_s = _time([], args.repeat)
    one_s = _time(["fleet.target_satellites=1"], args.repeat)
    print(json.dumps({
        "scenario": SCENARIO.name,
        "satellites": 1_000_000,
        "first_call_s": round(first_s, 4),
        "median_s": round(million_s, 4),
        "peer_one_satellite_median_s": round(one_s, 4),
        "ratio_million_to_one": round(million_s / one_s, 3),
        "target_s": TARGET_S,
        "meets_target": first_s < TARGET_S and million_s < TARGET_S,
    }, indent=2))


if __name__ == "__main__":
    main()
