"""Scenario loading: the built-in base, extends chains, --set overrides, exclusive fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from leodc.audit import evaluate
from leodc.scenario import InputError, load_scenario, parse_override, with_overrides


def test_builtin_default_loads_and_every_file_extends_it(tmp_path: Path):
    default = load_scenario("builtin:default")
    path = tmp_path / "s.toml"
    path.write_text('name = "mine"\n[orbit]\naltitude_km = 550.0\n', encoding="utf-8")
    s = load_scenario(path)
    assert s.name == "mine"
    assert s.orbit.altitude_km == 550.0
    assert s.compute == default.compute  # inherited


def test_extends_chain_relative_to_the_file(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "base.toml").write_text('name = "base"\n[compute]\naccelerators_per_satellite = 8\n')
    (tmp_path / "sub" / "top.toml").write_text('extends = "../base.toml"\n[orbit]\naltitude_km = 700\n')
    s = load_scenario(tmp_path / "sub" / "top.toml")
    assert (s.name, s.compute.accelerators_per_satellite, s.orbit.altitude_km) == ("base", 8, 700.0)


def test_set_overrides_any_field_with_toml_values():
    s = load_scenario("builtin:default", ["orbit.altitude_km=700", "compute.accelerator=h100-sxm",
                                          "fleet.target_satellites=12"])
    assert s.orbit.altitude_km == 700.0
    assert s.compute.accelerator == "h100-sxm"
    # stating one fleet target replaces the base's other one
    assert s.fleet.target_satellites == 12 and s.fleet.target_it_power_w is None


def test_parse_override():
    assert parse_override("a.b=1.5") == (["a", "b"], 1.5)
    assert parse_override("a.b=true") == (["a", "b"], True)
    assert parse_override("a.b=rosa-class") == (["a", "b"], "rosa-class")
    with pytest.raises(InputError):
        parse_override("=3")


def test_exclusive_shielding_rule_in_a_file(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text("[shielding]\nthickness_mm = 4.0\n", encoding="utf-8")
    s = load_scenario(path)
    assert s.shielding.thickness_mm == 4.0 and s.shielding.dose_target_rad_per_year is None


def test_with_overrides_revalidates():
    s = load_scenario("builtin:default")
    assert with_overrides(s, {"thermal.sides": 1}).thermal.sides == 1
    with pytest.raises(InputError, match=r"thermal\.sides"):
        with_overrides(s, {"thermal.sides": 3})


def test_digest_is_stable_and_input_sensitive():
    a, b = load_scenario("builtin:default"), load_scenario("builtin:default")
    assert a.digest() == b.digest()
    assert a.digest() != load_scenario("builtin:default", ["orbit.altitude_km=700"]).digest()


def test_evaluate_is_plain_arithmetic_only():
    assert evaluate("a * b / 2 + c**2 - -1", {"a": 3, "b": 4, "c": 2}) == 11.0
    for bad in ("__import__('os')", "a.b", "f(1)", "a if a else b"):
        with pytest.raises(InputError):
            evaluate(bad, {"a": 1, "b": 2})
    with pytest.raises(InputError, match="unknown name"):
        evaluate("zz + 1", {"a": 1})
