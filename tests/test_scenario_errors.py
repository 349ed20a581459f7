"""Bad input: one line naming the file, the field and what was expected; exit code 2; no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

GOOD = """
name = "test"
[fleet]
target_satellites = 10
"""

CASES = {
    "unknown field": (
        '[compute]\naccelerators_per_sat = 8\n',
        ["compute.accelerators_per_sat", "unknown field", "accelerators_per_satellite"],
    ),
    "wrong type": (
        '[compute]\naccelerators_per_satellite = "eight"\n',
        ["compute.accelerators_per_satellite", "valid integer"],
    ),
    "negative power": (
        '[compute]\nbus_power_w = -5.0\n',
        ["compute.bus_power_w", "greater than or equal to 0"],
    ),
    "altitude too high": (
        '[orbit]\naltitude_km = 36000\n',
        ["orbit.altitude_km", "less than or equal to 2000"],
    ),
    "altitude too low": (
        '[orbit]\naltitude_km = 100\n',
        ["orbit.altitude_km", "greater than or equal to 160"],
    ),
    "missing extends file": (
        'extends = "nowhere.toml"\n',
        ["extends", "file not found", "nowhere.toml"],
    ),
    "unknown catalog name": (
        '[compute]\naccelerator = "h200-nvl"\n',
        ["compute.accelerator", "unknown accelerators entry 'h200-nvl'", "h100-sxm"],
    ),
    "unknown launch vehicle": (
        '[fleet]\nlaunch_vehicle = "saturn-v"\n',
        ["fleet.launch_vehicle", "saturn-v", "starship-target"],
    ),
    "two fleet targets in one file": (
        '[fleet]\ntarget_satellites = 3\ntarget_accelerators = 5\n',
        ["fleet", "exactly one of target_it_power_w"],
    ),
    "not TOML": (
        '[compute\nx = 1\n',
        ["not valid TOML"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_scenario_gives_one_line_and_exit_2(case, tmp_path: Path, leodc_cli):
    text, expected = CASES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = leodc_cli("design", path)
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert str(path) in lines[0]  # the file
    for piece in expected:
        assert piece in lines[0], (piece, lines[0])


def test_error_names_the_file_the_field_came_from(tmp_path: Path, leodc_cli):
    base = tmp_path / "base.toml"
    base.write_text('[orbit]\naltitude_km = 5000\n', encoding="utf-8")
    top = tmp_path / "top.toml"
    top.write_text('extends = "base.toml"\nname = "top"\n', encoding="utf-8")
    out = leodc_cli("design", top)
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: {base}: orbit.altitude_km:")


def test_bad_set_override(leodc_cli):
    out = leodc_cli("design", "builtin:default", "--set", "orbit.altitude_km=-3")
    assert out.returncode == 2
    assert out.stderr.strip() == ("error: --set: orbit.altitude_km: Input should be greater than or equal to 160 "
                                  "(got -3)")
    out = leodc_cli("design", "builtin:default", "--set", "nonsense")
    assert out.returncode == 2 and "expected section.field=value" in out.stderr


def test_missing_scenario_file(leodc_cli, tmp_path: Path):
    out = leodc_cli("design", tmp_path / "absent.toml")
    assert out.returncode == 2
    assert "file not found" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_extends_cycle(tmp_path: Path, leodc_cli):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    out = leodc_cli("design", tmp_path / "a.toml")
    assert out.returncode == 2 and "cycle" in out.stderr


def test_unknown_catalog_kind(leodc_cli):
    out = leodc_cli("catalog", "rockets")
    assert out.returncode == 2 and "unknown catalog kind 'rockets'" in out.stderr
