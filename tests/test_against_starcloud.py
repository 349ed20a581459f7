"""Starcloud's white paper (2024; docs/references.md, [Starcloud2024]): its radiator balance reproduced
from its own inputs and method, and its four inconsistencies reported by the audit, stated beside
recomputed: three in the paper's own arithmetic, one in leodc's recomputation of its radiator.

Tolerances: the paper prints two decimals, so the balance must match to ±0.05 W/m²; the
derived figures are arithmetic on stated inputs and match to 1e-6 relative.
"""

from __future__ import annotations

import json

import pytest

from _measured import measured
from conftest import PUBLISHED
from leodc.assessment import assess
from leodc.audit import KINDS, LEODC_RECOMPUTATION, SOURCE_ARITHMETIC, audit
from leodc.design.thermal import radiator_balance
from leodc.scenario import load_scenario

STARCLOUD = PUBLISHED / "starcloud-2024.toml"
STATED = dict(temperature_k=293.15, emissivity=0.92, absorptivity=0.09, sides=2, solar_constant_w_per_m2=1366.0,
              solar_view_factor=1.0, earth_view_factor=0.25, earth_albedo=0.30, earth_ir_temperature_k=253.15,
              stefan_boltzmann_w_per_m2_k4=5.67e-8)


def test_radiator_balance_with_the_papers_method():
    b = radiator_balance(**STATED, earth_ir_absorptivity="solar")
    assert b.emitted_w_per_m2 == pytest.approx(770.48, abs=0.05)
    assert b.absorbed_sun_w_per_m2 == pytest.approx(122.94, abs=0.05)
    assert b.absorbed_albedo_w_per_m2 == pytest.approx(9.22, abs=0.05)
    assert b.absorbed_earth_ir_w_per_m2 == pytest.approx(5.24, abs=0.05)
    assert b.absorbed_albedo_w_per_m2 + b.absorbed_earth_ir_w_per_m2 == pytest.approx(14.46, abs=0.05)
    measured("net flux, the paper's method", b.net_w_per_m2 - 633.08, 0.05, "W/m2")
    assert b.net_w_per_m2 == pytest.approx(633.08, abs=0.05)


def test_radiator_balance_with_kirchhoff():
    b = radiator_balance(**STATED, earth_ir_absorptivity="emissivity")
    assert b.absorbed_earth_ir_w_per_m2 == pytest.approx(53.56, abs=0.05)
    assert b.net_w_per_m2 == pytest.approx(584.76, abs=0.05)


def test_scenario_file_reproduces_the_balance_through_the_design():
    a = assess(load_scenario(STARCLOUD))
    assert a.design.satellite.radiator_net_flux_w_per_m2 == pytest.approx(633.08, abs=0.05)
    assert a.design.satellite.it_power_w == pytest.approx(40e6, rel=1e-3)


INCONSISTENCIES = {
    "launch price per kg ($5M for ~100 t)": (30.0, 50.0),
    "5 GW concept on a 4 km x 4 km array": (5e9, 4.327488e9),
    "solar array cost for 40 MW at $0.03/W": (2e6, 1.2e6),
    "radiator net flux, Earth IR absorbed at the IR emissivity (Kirchhoff)": (633.08, 584.76),
}


KIND = {
    "launch price per kg ($5M for ~100 t)": SOURCE_ARITHMETIC,
    "5 GW concept on a 4 km x 4 km array": SOURCE_ARITHMETIC,
    "solar array cost for 40 MW at $0.03/W": SOURCE_ARITHMETIC,
    "radiator net flux, Earth IR absorbed at the IR emissivity (Kirchhoff)": LEODC_RECOMPUTATION,
}


def test_audit_reports_the_four_inconsistencies():
    rows = {r.name: r for r in audit(load_scenario(STARCLOUD))}
    for name, (stated, recomputed) in INCONSISTENCIES.items():
        row = rows[name]
        assert row.kind == KIND[name]
        assert row.stated == stated
        assert row.recomputed == pytest.approx(recomputed, rel=1e-4, abs=0.05)
        assert not row.consistent, name
    # the paper's own sums and its energy line do hold
    for name in ("terrestrial total", "orbital total", "radiator net flux, as the paper computes it"):
        assert rows[name].consistent, name


def test_audit_cli_prints_stated_beside_recomputed(leodc_cli):
    out = leodc_cli("audit", STARCLOUD)
    assert out.returncode == 0, out.stderr
    for line in ("launch price per kg", "5 GW concept", "solar array cost", "Kirchhoff"):
        assert line in out.stdout
    assert "INCONSISTENT" in out.stdout
    js = json.loads(leodc_cli("audit", STARCLOUD, "--json").stdout)
    claims = [c for kind in KINDS for c in js[kind]["claims"]]
    flagged = {c["name"] for c in claims if not c["consistent"]}
    assert set(INCONSISTENCIES) <= flagged
    by_name = {c["name"]: c for c in claims}
    for name, kind in KIND.items():
        assert by_name[name]["kind"] == kind
    assert by_name["5 GW concept on a 4 km x 4 km array"]["recomputed"] == pytest.approx(4.327488e9, rel=1e-6)
    assert js["inconsistent"] == len(flagged)
