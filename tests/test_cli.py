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


SOURCE_ARITHMETIC, LEODC_RECOMPUTATION = "source_arithmetic", "leodc_recomputation"
KIND_TITLES = {SOURCE_ARITHMETIC: "the source's own arithmetic", LEODC_RECOMPUTATION: "leodc's recomputation"}
# the audit's value against the same figure computed here another way: both are the same float
# computation, so only summation order could differ
SAME_VALUE_REL = 1e-12
NAME_PREFIX = 25  # characters of a claim's name that the table never wraps


def _arithmetic(expression: str, stated: dict) -> float:
    """The expression evaluated by Python itself over the stated figures (a published file: trusted)."""
    return float(eval(compile(expression, "<claim>", "eval"), {"__builtins__": {}}, dict(stated)))


@pytest.mark.parametrize("path", sorted(PUBLISHED.glob("*.toml")), ids=lambda p: p.stem)
def test_published_cases_design_and_audit(path, leodc_cli):
    """Every row's recomputed value is what leodc's other commands (or Python) give for the same claim, and
    its verdict follows from its numbers: the audit reports the recomputation, it does not restate."""
    import tomllib

    raw = tomllib.loads(path.read_text(encoding="utf-8"))["audit"]
    out = leodc_cli("audit", path, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    claims = {c["name"]: c for kind in KIND_TITLES for c in data[kind]["claims"]}
    assert set(claims) == {c["name"] for c in raw["claims"]}
    for claim in raw["claims"]:
        row = claims[claim["name"]]
        assert row["source"] and row["stated"] == claim["stated"]
        if "recomputed" in claim:
            assert row["kind"] == SOURCE_ARITHMETIC
            expected = _arithmetic(claim["recomputed"], raw["stated"])
        else:
            assert row["kind"] == LEODC_RECOMPUTATION
            overrides = [x for key, v in claim.get("set", {}).items() for x in ("--set", f"{key}={v}")]
            design = leodc_cli("design", path, *overrides, "--json")
            assert design.returncode == 0, design.stderr
            expected = _get(json.loads(design.stdout), claim["metric"])
        assert row["recomputed"] == pytest.approx(expected, rel=SAME_VALUE_REL), claim["name"]
        d = (row["recomputed"] - claim["stated"]) / abs(claim["stated"])
        assert row["relative_difference"] == pytest.approx(d, rel=SAME_VALUE_REL, abs=1e-15)
        side = claim.get("comparison", "=")
        verdict = {"=": abs(d) <= claim.get("tolerance", 0.01), ">": d > 0, "<": d < 0}[side]
        assert row["consistent"] is verdict, claim["name"]
    assert data["inconsistent"] == sum(not c["consistent"] for c in claims.values())


@pytest.mark.parametrize("path", sorted(PUBLISHED.glob("*.toml")), ids=lambda p: p.stem)
def test_audit_table_shows_the_two_kinds_apart(path, leodc_cli):
    import tomllib

    raw = tomllib.loads(path.read_text(encoding="utf-8"))["audit"]
    out = leodc_cli("audit", path)
    assert out.returncode == 0, out.stderr
    start = {kind: out.stdout.index(title) for kind, title in KIND_TITLES.items()}
    assert start[SOURCE_ARITHMETIC] < start[LEODC_RECOMPUTATION]
    for claim in raw["claims"]:
        at = out.stdout.index(claim["name"][:NAME_PREFIX])  # the table may wrap a long name
        in_leodc = at > start[LEODC_RECOMPUTATION]
        assert in_leodc is ("metric" in claim), claim["name"]


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


def test_runs_rebuild_serve_limits_and_workers_are_on_the_command_line(leodc_cli, tmp_path):
    assert "rebuild" in leodc_cli("runs", "--help").stdout
    serve = leodc_cli("serve", "--help").stdout
    assert "--max-running" in serve and "--max-queued" in serve
    for workers in ("0", "-3"):  # refused at once (it hung, or was ignored)
        out = leodc_cli("simulate", "builtin:default", "--out", tmp_path / "r", "--workers", workers)
        assert out.returncode == 2 and "--workers" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "r").exists()
