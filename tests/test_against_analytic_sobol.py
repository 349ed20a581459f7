"""Sobol' indices against their analytic values for an additive model: for Y = c + sum_i b_i X_i with
independent X_i the variance decomposes exactly, S_i = ST_i = b_i² V(X_i) / sum_j b_j² V(X_j) (Sobol' 2001;
Saltelli et al., Global Sensitivity Analysis: The Primer, Wiley 2008, §1.2).

Orbit's cost per PFLOP-day is such a model in every price that does not change the design: the present value
of cost is a sum of capex components, each a price times a quantity the design fixes (array $/W x W, launch
$/kg x kg, accelerator price x count, bus $/kg x kg, radiator $/m² x m²), over a delivery that does not
depend on them (issue 12). With X_i uniform on [l_i, h_i], V(X_i) = (h_i - l_i)² / 12, so b_i² V(X_i) is the
tornado's swing squared over 12 and S_i = swing_i² / sum_j swing_j². SALib's estimates on Saltelli's scheme
(leodc.uncertainty.sensitivity.sobol) must find these.

Tolerance: every first- and total-order index within 0.01 (absolute) of the analytic share, at N = 2,048
base samples; for an additive model the estimators are exact up to the sampling error of the variance, which
is below 1e-3 here (measured).
"""

from __future__ import annotations

import pytest

from _measured import measured
from conftest import PUBLISHED
from leodc.scenario import load_scenario
from leodc.uncertainty.evaluate import COST_METRIC
from leodc.uncertainty.sensitivity import base_value, sobol, tornado, uniform_input

BASE_SAMPLES = 2048
SEED = 3
# absolute, on an index (a share of the variance); see the module's docstring
INDEX_TOLERANCE = 0.01
# the prices and their ranges: a factor 0.5 to 2 on each catalog price, launch 200-4,000 $/kg
PRICE_FACTORS = (0.5, 2.0)
LAUNCH_RANGE_USD_PER_KG = (200.0, 4000.0)


# the bundled default (the array's price decides nearly everything), the same with the thin-film array (launch
# then decides, the other prices share the rest), and the 1 GW example
CASES = {"default": ("builtin:default", []),
         "default-thin-film": ("builtin:default", ['power.solar_array="thin-film"']),
         "1gw": (PUBLISHED / "starlink-1gw.toml", [])}


@pytest.mark.parametrize("case", sorted(CASES))
def test_additive_model_indices(case):
    """First- and total-order indices of five prices equal the analytic shares swing_i² / sum swing_j²."""
    path, overrides = CASES[case]
    sc = load_scenario(path, overrides)
    parts = {"solar_arrays": sc.power.solar_array, "accelerators": sc.compute.accelerator, "buses": sc.satellite.bus,
             "radiators": sc.thermal.radiator}
    figures = {"solar_arrays": "cost_usd_per_w", "accelerators": "unit_price_usd", "buses": "cost_usd_per_kg",
               "radiators": "cost_usd_per_m2"}
    inputs = [uniform_input(sc, "fleet.launch_cost_usd_per_kg", *LAUNCH_RANGE_USD_PER_KG, "test", "test")]
    for kind, figure in figures.items():
        key = f"catalog.{kind}.{parts[kind]}.{figure}"
        base = base_value(sc, key)
        inputs.append(uniform_input(sc, key, base * PRICE_FACTORS[0], base * PRICE_FACTORS[1], "test", "test"))
    swings = {b.key: b.swing for b in tornado(sc, inputs, [COST_METRIC])[COST_METRIC].bars}
    total = sum(s ** 2 for s in swings.values())
    analytic = {k: s ** 2 / total for k, s in swings.items()}
    estimated = {i.key: i for i in sobol(sc, inputs, BASE_SAMPLES, SEED, [COST_METRIC])[COST_METRIC].indices}
    error = max(max(abs(estimated[k].first_order - share), abs(estimated[k].total_order - share))
                for k, share in analytic.items())
    measured(f"largest index error ({case})", error, INDEX_TOLERANCE, "share of variance")
    for key, share in analytic.items():
        assert estimated[key].first_order == pytest.approx(share, abs=INDEX_TOLERANCE), key
        assert estimated[key].total_order == pytest.approx(share, abs=INDEX_TOLERANCE), key
    assert max(analytic, key=analytic.get) == max(estimated, key=lambda k: estimated[k].total_order)
