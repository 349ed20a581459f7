"""The CLI as scripts use it: --json with the stable field names the README lists."""

from __future__ import annotations

import json

import pytest

from conftest import PUBLISHED

REQUIRED_FIELDS = [
    "satellite.power_w", "satellite.solar_array_area_m2", "satellite.radiator_area_m2",
    "satellite.radiator_net_flux_w_per_m2", "satellite.mass_kg", "fleet.satellites", "fleet.mass_kg",
    "fleet.launches", "orbit.eclipse_fraction", "economics.total_cost_usd", "economics.lcoe_usd_per_mwh",
    "economics.usd_per_accelerator_hour", "economics.launch_usd_per_kw_year",
    "economics.usd_per_pflop_day", "energy.energy_payback_years", "energy.carbon_payback_years",
    "launch_loop.sustain_launches_per_year",
]


def _get(d, dotted):
    for p in dotted.split("."):
        d = d[p]
    return d


def test_design_json_has_the_stable_fields(leodc_cli):
    out = leodc_cli("design", "builtin:default", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for field in REQUIRED_FIELDS:
        value = _get(data, field)
        assert isinstance(value, (int, float)) and value > 0, field


def test_design_table_is_readable(leodc_cli):
    out = leodc_cli("design", "builtin:default", "--set", "fleet.launch_vehicle=starship-target")
    assert out.returncode == 0
    for word in ("orbit", "satellite", "fleet", "economics", "radiator_net_flux_w_per_m2", "W/m²"):
        assert word in out.stdout


def test_compare_json_puts_baselines_beside_the_orbit(leodc_cli):
    out = leodc_cli("compare", "builtin:default", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    names = [t["power_option"] for t in data["terrestrial"]]
    assert "grid-us-industrial" in names and "gas-turbine-ccgt" in names
    for t in data["terrestrial"]:
        for key in ("total_cost_usd", "lcoe_usd_per_mwh", "usd_per_accelerator_hour", "water_m3", "co2_kg"):
            assert t[key] > 0
    table = leodc_cli("compare", "builtin:default", "examples/earth-gas-texas.toml")
    assert table.returncode == 0 and "hyperscale + on-site CCGT" in table.stdout


@pytest.mark.parametrize("path", sorted(PUBLISHED.glob("*.toml")), ids=lambda p: p.stem)
def test_published_cases_design_and_audit(path, leodc_cli):
    out = leodc_cli("audit", path, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["claims"]
    for claim in data["claims"]:
        assert claim["recomputed"] is not None and claim["source"]
    assert leodc_cli("design", path, "--json").returncode == 0


def test_audit_without_claims_is_bad_input(leodc_cli):
    out = leodc_cli("audit", "builtin:default")
    assert out.returncode == 2 and "audit.claims" in out.stderr


def test_version_and_help(leodc_cli):
    assert leodc_cli("--version").stdout.strip() == "0.1.0"
    out = leodc_cli("--help")
    assert out.returncode == 0
    for cmd in ("design", "compare", "audit", "catalog"):
        assert cmd in out.stdout


def test_usage_errors_exit_2_without_traceback(leodc_cli):
    for args in (("design",), ("audit", "a.toml", "b.toml")):
        out = leodc_cli(*args)
        assert out.returncode == 2 and "Traceback" not in out.stderr and "Usage" in out.stderr
