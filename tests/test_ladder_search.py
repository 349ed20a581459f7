"""The "what would have to be true" ladder and the design search (issue 12).

The ladder's costs fall rung by rung and end at the claim's values (the SpaceX filing's scenario); each rung
is the direct evaluation of the scenario with the rungs so far. The search finds a design no worse than the
scenario's own, inside the constraints (checked again through assess() and the environment's FCC verdict),
and repeats for a seed.
"""

from __future__ import annotations

import pytest

from conftest import PUBLISHED, one_line
from leodc.assessment import assess
from leodc.design.environment import environment_figures
from leodc.economics import terrestrial_economics
from leodc.economics.terrestrial import default_baselines
from leodc.errors import InputError
from leodc.scenario import load_scenario, with_overrides
from leodc.uncertainty.evaluate import catalog_figures
from leodc.uncertainty.ladder import climb, default_ladder, read_ladder
from leodc.uncertainty.search import SearchSpace, search
from test_sensitivity import leodc_in_process

SAME_VALUE_REL = 1e-9
TRIALS = 40
SEED = 5
CLAIM = PUBLISHED / "spacex-fcc-2026.toml"


def costs(scenario, fields=None, figures=None) -> tuple[float, float]:
    """Orbit's and the ground's $/PFLOP-day through assess()."""
    with catalog_figures(figures or {}):
        sc = with_overrides(scenario, fields or {})
        a = assess(sc)
        ground = terrestrial_economics(sc, a.design, default_baselines(sc)[0])
    return a.economics.usd_per_pflop_day, ground.usd_per_pflop_day


@pytest.mark.parametrize("path", ["builtin:default", PUBLISHED / "starlink-1gw.toml"])
def test_default_ladder_falls_and_ends_at_the_claim(path):
    sc = load_scenario(path)
    ladder = climb(sc)
    orbit = [s.orbit_usd_per_pflop_day for s in ladder.steps]
    ground = {s.ground_usd_per_pflop_day for s in ladder.steps}
    assert len(ladder.steps) == len(default_ladder()) + 1
    assert orbit == sorted(orbit, reverse=True), orbit  # every rung is an improvement
    assert len(ground) == 1  # no rung changes what the ground shares
    # the last rung is the scenario with every rung's fields: the claim's launch vehicle, its price and 100 W/kg
    stacked = {k: v for rung in default_ladder() for k, v in rung.set.items()}
    claim = load_scenario(CLAIM)
    assert stacked["fleet.launch_vehicle"] == claim.fleet.launch_vehicle
    assert stacked["satellite.specific_power_w_per_kg"] == claim.satellite.specific_power_w_per_kg
    last = ladder.steps[-1]
    assert (last.orbit_usd_per_pflop_day, last.ground_usd_per_pflop_day) == pytest.approx(
        costs(sc, stacked), rel=SAME_VALUE_REL)
    # even the claim's parts cost more than the ground; only the last rung, learning curves, may cross it
    assert ladder.steps[-2].orbit_to_ground > 1.0
    assert ladder.first_below_ground in (None, default_ladder()[-1].label)


def test_a_ladder_file_with_a_catalog_figure(tmp_path):
    """A rung may set a catalog figure of a part in use; the accelerator's price moves the ground too."""
    path = tmp_path / "ladder.toml"
    path.write_text('[[rungs]]\nlabel = "thin film"\nsource = "catalog"\nset = { "power.solar_array" = "thin-film" }\n'
                    '[[rungs]]\nlabel = "cheaper GPUs"\nsource = "test"\n'
                    'set = { "catalog.accelerators.b200.unit_price_usd" = 20000.0 }\n', encoding="utf-8")
    sc = load_scenario("builtin:default")
    ladder = climb(sc, read_ladder(path))
    last = ladder.steps[-1]
    assert ladder.steps[-2].ground_usd_per_pflop_day > last.ground_usd_per_pflop_day
    assert (last.orbit_usd_per_pflop_day, last.ground_usd_per_pflop_day) == pytest.approx(
        costs(sc, {"power.solar_array": "thin-film"}, {("accelerators", "b200", "unit_price_usd"): 20000.0}),
        rel=SAME_VALUE_REL)


def test_bad_ladders(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[rungs]]\nlabel = "no set"\nsource = "test"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"rungs\.0"):
        read_ladder(path)
    path.write_text('[[rungs]]\nlabel = "typo"\nsource = "t"\nset = { "fleet.launch_cost_usd_per_k" = 1.0 }\n',
                    encoding="utf-8")
    with pytest.raises(InputError, match="launch_cost_usd_per_k"):
        climb(load_scenario("builtin:default"), read_ladder(path))


@pytest.fixture(scope="module")
def searched():
    # without propulsive disposal, so that the FCC rule binds: high orbits decay too slowly
    sc = load_scenario("builtin:default", ["satellite.propulsive_disposal=false"])
    return sc, search(sc, TRIALS, SEED)


def test_search_is_no_worse_than_the_scenario_and_keeps_the_constraints(searched):
    sc, r = searched
    assert r.base.feasible and r.best is not None
    assert r.best.usd_per_pflop_day <= r.base.usd_per_pflop_day
    assert r.best.usd_per_pflop_day < r.base.usd_per_pflop_day  # the thin-film array alone does better
    for c in (r.best, *r.front):
        design = with_overrides(sc, {"orbit.altitude_km": c.altitude_km, "thermal.radiator_temperature_k":
                                     c.radiator_temperature_k, "compute.accelerators_per_satellite":
                                     c.accelerators_per_satellite, "power.solar_array": c.solar_array})
        a = assess(design)
        assert a.economics.usd_per_pflop_day == pytest.approx(c.usd_per_pflop_day, rel=SAME_VALUE_REL)
        assert a.design.satellite.mass_kg <= a.design.fleet.payload_to_leo_kg  # one satellite, one launch
        sim = design.simulation
        assert (c.radiator_temperature_k + sim.chip_to_coolant_dt_k + sim.coolant_to_radiator_dt_k
                <= sim.chip_temperature_limit_k)
        assert environment_figures(design, a.design).fcc_compliant
    costs_on_front = [c.usd_per_pflop_day for c in r.front]
    masses_on_front = [c.mass_kg_per_kw for c in r.front]
    assert costs_on_front == sorted(costs_on_front) and masses_on_front == sorted(masses_on_front, reverse=True)
    assert r.front[0] == r.best


def test_search_repeats_for_a_seed(searched):
    sc, r = searched
    again = search(sc, TRIALS, SEED, SearchSpace())
    assert again.best == r.best and again.front == r.front


def test_bad_trials_is_one_line(capsys, monkeypatch):
    one_line(leodc_in_process(capsys, monkeypatch, "search", "builtin:default", "--trials", "-3"), "--trials", None,
             "positive number of trials")
