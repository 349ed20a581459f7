"""The workload stage end to end (issue 11): the scenario's jobs on the engine's satellites, through
``leodc workload`` and the stored run.

- A tight formation (Suncatcher's 81 satellites within 1 km, [Suncatcher2025]) trains the same job
  far faster than satellites spread along a Walker shell: its links are short and fast, so the ring
  all-reduce takes a fraction of a second instead of tens, and a synchronous job on a Walker shell
  stalls whenever any of its satellites is in the Earth's shadow.
- The stage's figures are consistent with their parts: the ring's all-reduce is the network layer's
  ring formula on the slowest live link; the analytic time is steps x (compute + all-reduce); the
  hours by cause add up to the wall time; the terrestrial twin is never slower than the analytic
  compute time on its own fabric.
"""

from __future__ import annotations

import json
import math

import pytest

from leodc.catalog import load_catalog
from leodc.design import design
from leodc.network.cluster import ring_all_reduce_s
from leodc.scenario import load_scenario
from leodc.workload.stage import workload_figures

# a short job (500 steps of 4 M tokens) so that the test runs in seconds; the rest of the job is the
# default's (70 B parameters)
JOB = {"workload.jobs": ["training"], "workload.training.satellites": 72, "workload.training.spare_satellites": 9,
       "workload.training.tokens": 2e9, "workload.days": 0.25}
SHELLS = {
    "cluster": ('kind = "cluster"\nsatellites = 81\naltitude_km = 650.0\nltan_h = 6.0\nradius_m = 1000.0',
                "suncatcher-dwdm", 6),
    "walker": ('kind = "walker-delta"\nsatellites = 81\nplanes = 9\nphasing = 1\naltitude_km = 650.0\n'
               'inclination_deg = 53.0', "starlink-laser", 4),
}


def _scenario(tmp_path, which: str):
    shell, terminal, terminals = SHELLS[which]
    path = tmp_path / f"{which}.toml"
    path.write_text(f'extends = "builtin:default"\nname = "{which}"\n[fleet]\ntarget_satellites = 81\n'
                    f'[[constellation.shells]]\n{shell}\n[network]\nlaser_terminal = "{terminal}"\n'
                    f"terminals_per_satellite = {terminals}\n", encoding="utf-8")
    return load_scenario(path, JOB)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workload")
    out = {}
    for which in SHELLS:
        sc = _scenario(tmp, which)
        out[which] = (sc, workload_figures(sc, design(sc)).summary["training"])
    return out


def test_the_formation_trains_far_faster_than_a_walker_shell(trained):
    cluster, walker = trained["cluster"][1], trained["walker"][1]
    assert cluster["possible"] and walker["possible"]
    assert cluster["allreduce_s"] < 1.0 < 10.0 < walker["allreduce_s"]
    assert cluster["time_to_train_h"] * 10.0 < walker["time_to_train_h"]
    # eclipses stall the synchronous job on the inclined shell; the dawn-dusk formation sees none
    assert walker["lost_h_by_cause"]["eclipse"] > 0.0 == cluster["lost_h_by_cause"]["eclipse"]


@pytest.mark.parametrize("which", list(SHELLS))
def test_the_figures_agree_with_their_parts(trained, which):
    sc, tr = trained[which]
    acc = load_catalog().accelerators[sc.compute.accelerator]
    n = tr["satellites"]
    gradient_bytes = sc.workload.training.gradient_bytes_per_parameter * sc.workload.training.parameters
    # the ring runs at its slowest live link; the hop term is at most a few ms a hop
    bandwidth_s = ring_all_reduce_s(n, gradient_bytes, tr["ring_gbps"] * 1e9, 0.0)
    assert bandwidth_s <= tr["allreduce_s"] < bandwidth_s + 2 * (n - 1) * 0.05
    steps = math.ceil(sc.workload.training.tokens / sc.workload.training.batch_tokens)
    compute_s = (sc.workload.training.batch_tokens * 6.0 * sc.workload.training.parameters
                 / (n * sc.compute.accelerators_per_satellite * acc.peak_bf16_dense_flops.value
                    * sc.workload.training.efficiency))
    assert tr["steps"] == steps and tr["step_compute_s"] == pytest.approx(compute_s, rel=1e-12)
    assert tr["analytic_h"] == pytest.approx(steps * (compute_s + tr["allreduce_s"]) / 3600.0, rel=1e-12)
    # useful + lost = the wall time; faults and throttling only add time
    assert tr["useful_h"] + sum(tr["lost_h_by_cause"].values()) == pytest.approx(tr["time_to_train_h"], rel=1e-9)
    assert tr["time_to_train_h"] >= tr["analytic_h"] * (1.0 - 1e-9)
    ground = tr["terrestrial"]
    assert ground["time_to_train_h"] >= steps * (compute_s + ground["allreduce_s"]) / 3600.0 * (1.0 - 1e-9)
    assert 0.0 < tr["goodput"] <= sc.workload.training.efficiency
    assert set(tr["schedulers"]) == {"greedy", "lookahead"}


def test_cli_prints_each_figure_with_its_terrestrial_twin(leodc_cli):
    """`leodc workload --json` gives the fields the issue names, orbit and ground."""
    out = leodc_cli("workload", "builtin:default", "--job", "inference", "--json",
                    "--set", "workload.inference.requests_per_day=2e5", "--set", "workload.inference.hours=0.25")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["jobs"] == ["inference"] and "training" not in summary
    inference = summary["inference"]
    for key in ("latency_ms_p50", "latency_ms_p99", "slo_attainment"):
        assert inference[key] is not None and inference["terrestrial"][key] is not None
    assert inference["latency_ms_p50"] <= inference["latency_ms_p99"]
    # the ground region serves every request; the dawn-dusk fleet only those of cities it sees
    assert inference["terrestrial"]["served"] == inference["terrestrial"]["requests"] == inference["requests"]
    assert 0 < inference["served"] <= inference["requests"]
    assert len(summary["mission"]["years"]) >= 1
