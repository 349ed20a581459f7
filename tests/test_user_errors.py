"""Every bad input a user can reach prints one line, ``error: FILE: FIELD: expected...``, and exits 2.

One test per class of error, each through the command line as a user runs it (a subprocess): a rule
across fields broken by ``--set`` or by a file, a shell that cannot be laid out, element-set files
that are missing, empty or garbage, values out of range or not finite, audit claims that cannot be
recomputed. The last tests call the library's own checks directly, as an API caller who bypasses
``load_scenario`` meets them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import one_line
from leodc.errors import InputError

DATA = Path(__file__).parent / "data"
STATIONS_TLE = DATA / "celestrak-stations-2023-07-07.tle"
START = "2026-03-20T00:00:00"
# X_e / X_d above the default battery's discharge efficiency (sqrt 0.92 = 0.959): the charge path would create energy
ECLIPSE_PATH_EFFICIENCY = 1.0
DAYLIGHT_PATH_EFFICIENCY = 0.5
SHORT_DAYS = "0.01"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def with_checksum(line: str) -> str:
    """A TLE line's first 68 columns with its checksum: the digits' sum, minus signs counting 1, mod 10."""
    body = line[:68]
    return body + str(sum(int(c) if c.isdigit() else c == "-" for c in body) % 10)


def station_lines() -> list[str]:
    return STATIONS_TLE.read_text(encoding="utf-8").splitlines()[:3]


def omm_record(**changes) -> dict:
    record = {"OBJECT_NAME": "TEST", "NORAD_CAT_ID": 99001, "EPOCH": "2026-03-19T12:00:00.000000",
              "MEAN_MOTION": 15.2, "ECCENTRICITY": 0.0001, "INCLINATION": 53.0, "RA_OF_ASC_NODE": 10.0,
              "ARG_OF_PERICENTER": 0.0, "MEAN_ANOMALY": 0.0, "BSTAR": 0.0, "MEAN_MOTION_DOT": 0.0,
              "MEAN_MOTION_DDOT": 0.0}
    return record | changes


# ---------------------------------------------------------------- rules across fields


def test_charge_path_rule_by_set_names_the_field_stated_last(leodc_cli, tmp_path: Path):
    """The reported defect: it was a ValueError deep in the engine (a traceback, exit 1)."""
    out = leodc_cli("simulate", "builtin:default", "--out", tmp_path / "run", "--days", SHORT_DAYS,
                    "--set", f"power.daylight_path_efficiency={DAYLIGHT_PATH_EFFICIENCY}",
                    "--set", f"power.eclipse_path_efficiency={ECLIPSE_PATH_EFFICIENCY}")
    one_line(out, "--set", "power.eclipse_path_efficiency", "daylight_path_efficiency", "li-ion-space",
             "create energy")
    assert not (tmp_path / "run").exists()  # refused at load, before anything is written
    out = leodc_cli("design", "builtin:default",
                    "--set", f"power.eclipse_path_efficiency={ECLIPSE_PATH_EFFICIENCY}",
                    "--set", f"power.daylight_path_efficiency={DAYLIGHT_PATH_EFFICIENCY}")
    one_line(out, "--set", "power.daylight_path_efficiency", "create energy")


def test_charge_path_rule_in_a_file_names_the_file_that_stated_it(leodc_cli, tmp_path: Path):
    base = write(tmp_path / "base.toml", f'name = "base"\n[power]\neclipse_path_efficiency = '
                                         f'{ECLIPSE_PATH_EFFICIENCY}\n')
    top = write(tmp_path / "top.toml", 'extends = "base.toml"\nname = "top"\n[orbit]\naltitude_km = 600.0\n')
    one_line(leodc_cli("design", top), base, "power.eclipse_path_efficiency", "create energy")
    one_line(leodc_cli("design", top, "--set", "power.battery=li-ion-space"), "--set", "power.battery")


def test_exclusive_fields_in_one_file(leodc_cli, tmp_path: Path):
    path = write(tmp_path / "both.toml", '[shielding]\nthickness_mm = 2.0\ndose_target_rad_per_year = 100.0\n')
    one_line(leodc_cli("design", path), path, "shielding", "exactly one of")


def test_claim_needs_one_way_to_recompute(leodc_cli, tmp_path: Path):
    path = write(tmp_path / "claim.toml", 'name = "c"\n[[audit.claims]]\nname = "x"\nstated = 1.0\nunit = "W"\n'
                                          'source = "s"\n')
    one_line(leodc_cli("audit", path), path, "audit.claims.0", "exactly one of recomputed")


# ---------------------------------------------------------------- designed shells


def test_shell_with_more_planes_than_satellites(leodc_cli, tmp_path: Path):
    path = write(tmp_path / "shells.toml", '[[constellation.shells]]\nkind = "walker-delta"\nsatellites = 5\n'
                                           'altitude_km = 550.0\nplanes = 10\n')
    one_line(leodc_cli("design", path), path, "constellation.shells.0", "planes (10) cannot exceed satellites (5)")
    inline = 'constellation.shells=[{kind = "walker-star", satellites = 3, altitude_km = 550.0, planes = 4}]'
    one_line(leodc_cli("design", "builtin:default", "--set", inline), "--set", "constellation.shells.0",
             "planes (4) cannot exceed satellites (3)")


def test_shells_and_tle_file_together(leodc_cli, tmp_path: Path):
    path = write(tmp_path / "both.toml", f'[constellation]\ntle_file = "{STATIONS_TLE}"\n[[constellation.shells]]\n'
                                         'kind = "cluster"\nsatellites = 3\naltitude_km = 550.0\n')
    one_line(leodc_cli("design", path), path, "constellation", "give shells or tle_file, not both")


# ---------------------------------------------------------------- element-set files


def test_missing_tle_file_names_the_scenario_and_the_field(leodc_cli, tmp_path: Path):
    path = write(tmp_path / "fleet.toml", '[constellation]\ntle_file = "absent.tle"\n')
    one_line(leodc_cli("design", path), path, "constellation.tle_file", "file not found", "absent.tle")
    absolute = tmp_path / "also-absent.tle"
    one_line(leodc_cli("design", "builtin:default", "--set", f"constellation.tle_file={absolute}"), "--set",
             "constellation.tle_file", "file not found")
    one_line(leodc_cli("design", "builtin:default", "--set", f"constellation.tle_file={tmp_path}"), "--set",
             "constellation.tle_file", "found a directory")


def test_bad_tle_checksum_in_a_scenario_fleet(leodc_cli, tmp_path: Path):
    name, line1, line2 = station_lines()
    tle = write(tmp_path / "fleet.tle", f"{name}\n{line1}\n{line2[:68]}{(int(line2[68]) + 1) % 10}\n")
    scenario = write(tmp_path / "s.toml", '[constellation]\ntle_file = "fleet.tle"\n')
    out = leodc_cli("simulate", scenario, "--out", tmp_path / "run", "--days", SHORT_DAYS)
    one_line(out, tle, "line 3", "checksum")


ELEMENT_FILES = {
    "empty": ("fleet.tle", "", None, ["the file is empty"]),
    "not an element set": ("fleet.dat", "nothing to see here\n", None, ["could not recognise the content"]),
    "JSON garbage": ("fleet.json", '[{"NORAD_CAT_ID": 1,', "line 1", ["expected valid JSON"]),
    "JSON nested too deep": ("fleet.json", "[" * 100_000 + "]" * 100_000, None, ["nested too deep"]),
    "not a number": ("fleet.json", json.dumps([omm_record(MEAN_MOTION="fast")]), "record 1 MEAN_MOTION",
                     ["expected a number"]),
    "not finite": ("fleet.json", json.dumps([omm_record(MEAN_MOTION="nan")]), "record 1 MEAN_MOTION",
                   ["expected a finite number"]),
    "elements SGP4 refuses": ("fleet.json", json.dumps([omm_record(ECCENTRICITY=1.5)]), "record 1",
                              ["SGP4 refuses them", "eccentricity"]),
    "CSV header too long": ("fleet.csv", "A" * 200_000 + ",NORAD_CAT_ID\n", "line 1", ["expected valid CSV"]),
    "XML garbage": ("fleet.xml", "<ndm><omm></ndm>", "line 1", ["well-formed XML"]),
}


@pytest.mark.parametrize("case", ELEMENT_FILES)
def test_bad_element_set_file(case, leodc_cli, tmp_path: Path):
    name, text, field, fragments = ELEMENT_FILES[case]
    path = write(tmp_path / name, text)
    out = leodc_cli("propagate", path, "--start", START, "--hours", "0.1", "--out", tmp_path / "e.parquet")
    one_line(out, path, field, *fragments)


def test_tle_epoch_day_of_year_out_of_range(leodc_cli, tmp_path: Path):
    name, line1, line2 = station_lines()
    line1 = with_checksum(line1[:20] + "999" + line1[23:])
    path = write(tmp_path / "fleet.tle", f"{name}\n{line1}\n{line2}\n")
    out = leodc_cli("propagate", path, "--start", START, "--hours", "0.1", "--out", tmp_path / "e.parquet")
    one_line(out, path, "line 2", "day of the year")


# ---------------------------------------------------------------- single fields and --set itself

SETS = {
    "zero satellites": ("design", "fleet.target_satellites=0", "fleet.target_satellites", "greater than 0"),
    "negative power": ("design", "compute.bus_power_w=-1", "compute.bus_power_w", "greater than or equal to 0"),
    "infinite power": ("design", "compute.bus_power_w=inf", "compute.bus_power_w", "finite number"),
    "not a number": ("environment", "orbit.altitude_km=nan", "orbit.altitude_km", "finite number"),
    "unknown section": ("design", "propulsion.isp_s=300", "propulsion", "unknown field"),
    "unknown field": ("audit", "orbit.height_km=500", "orbit.height_km", "unknown field"),
    "window of no steps": ("design", "simulation.window_steps=0", "simulation.window_steps", "greater than 0"),
    "bad start time": ("design", "simulation.start_utc=yesterday", "simulation.start_utc", "ISO 8601"),
    # the workload stage (issue 11): zero accelerators, negative tokens, an SLO of 0 ms
    "zero accelerators a replica": ("workload", "workload.inference.accelerators_per_replica=0",
                                    "workload.inference.accelerators_per_replica", "greater than 0"),
    "zero training satellites": ("workload", "workload.training.satellites=0", "workload.training.satellites",
                                 "greater than 0"),
    "negative tokens": ("workload", "workload.training.tokens=-1", "workload.training.tokens", "greater than 0"),
    "an SLO of 0 ms": ("workload", "workload.inference.slo_ms=0", "workload.inference.slo_ms", "greater than 0"),
    "unknown job": ("workload", "workload.jobs=[\"serving\"]", "workload.jobs.0", "training"),
}


@pytest.mark.parametrize("case", SETS)
def test_bad_set_value(case, leodc_cli):
    command, override, field, fragment = SETS[case]
    one_line(leodc_cli(command, "builtin:default", "--set", override), "--set", field, fragment)


def test_workload_job_option(leodc_cli):
    one_line(leodc_cli("workload", "builtin:default", "--job", "serving"), "--job", None,
             "expected training or inference")


def test_set_without_equals(leodc_cli):
    one_line(leodc_cli("design", "builtin:default", "--set", "fleet.target_satellites"), "--set",
             "fleet.target_satellites", "expected section.field=value")


@pytest.mark.parametrize(("option", "value", "field"), [("--days", "0", "simulation.days"),
                                                         ("--step-s", "0", "simulation.step_s")])
def test_simulation_span_and_step(option, value, field, leodc_cli, tmp_path: Path):
    """An option that sets a field is named as the option the user typed, not as ``--set``."""
    out = leodc_cli("simulate", "builtin:default", "--out", tmp_path / "run", option, value)
    one_line(out, option, field, "greater than 0")


# ---------------------------------------------------------------- audit claims

CLAIM = 'name = "claims"\n[audit.stated]\na = 1.0\nb = 0.0\n[[audit.claims]]\nname = "x"\nstated = 1.0\n' \
        'unit = "W"\nsource = "s"\n'
CLAIMS = {
    "division by zero": ('recomputed = "a / b"', "audit.claims.0.recomputed", "division by zero"),
    "complex value": ('recomputed = "(0 - a) ** 0.5"', "audit.claims.0.recomputed", "finite real value"),
    "overflow": ('recomputed = "10.0 ** 400"', "audit.claims.0.recomputed", "floating-point range"),
    "unknown metric": ('metric = "satellite.nonsense"', "audit.claims.0.metric", "unknown output field"),
}


@pytest.mark.parametrize("case", CLAIMS)
def test_claim_that_cannot_be_recomputed(case, leodc_cli, tmp_path: Path):
    line, field, fragment = CLAIMS[case]
    path = write(tmp_path / "claims.toml", CLAIM + line + "\n")
    one_line(leodc_cli("audit", path), path, field, fragment)


def test_claim_override_breaking_a_rule_names_the_claim(leodc_cli, tmp_path: Path):
    path = write(tmp_path / "claims.toml", CLAIM + 'metric = "satellite.mass_kg"\n'
                 f'set = {{ "power.eclipse_path_efficiency" = {ECLIPSE_PATH_EFFICIENCY} }}\n')
    one_line(leodc_cli("audit", path), f"{path}: audit.claims.0.set", "power.eclipse_path_efficiency",
             "create energy")


# ---------------------------------------------------------------- the library's own checks


def test_library_checks_raise_input_error_naming_the_field():
    """API callers who bypass load_scenario meet the same one-line errors, never a bare ValueError."""
    from leodc.design import design
    from leodc.design.power import size_solar_array
    from leodc.orbits.shells import walker
    from leodc.scenario import load_scenario
    from leodc.simulate.spacecraft import spacecraft_params

    with pytest.raises(InputError) as err:
        walker(4, 5, 0)
    assert err.value.field == "constellation.shells.planes"
    with pytest.raises(InputError) as err:
        size_solar_array(1.0, 1.0, 0.85, 0.65, 1361.0, 0.3, 0.9, 0.0, 0.0, 5.0, 100.0)
    assert err.value.field == "power.eclipse_margin_fraction"
    s = load_scenario("builtin:default")
    d = design(s)
    unchecked = s.model_copy(update={"power": s.power.model_copy(update={
        "eclipse_path_efficiency": ECLIPSE_PATH_EFFICIENCY, "daylight_path_efficiency": DAYLIGHT_PATH_EFFICIENCY})})
    with pytest.raises(InputError) as err:
        spacecraft_params(unchecked, d)
    assert err.value.field == "power.eclipse_path_efficiency" and "create energy" in str(err.value)


def test_evaluate_lives_in_audit():
    from leodc import scenario
    from leodc.audit import evaluate

    assert evaluate("a / 4", {"a": 2.0}) == 0.5
    with pytest.raises(InputError, match="division by zero"):
        evaluate("a / (a - a)", {"a": 2.0}, "s.toml", "audit.claims.3.recomputed")
    assert not hasattr(scenario, "evaluate")


# ---------------------------------------------------------------------------------------------- later stages
def test_a_design_check_names_the_file_that_stated_the_field(leodc_cli, tmp_path):
    """The radiator check runs in the design, after loading; it still names the file and the field."""
    cold = write(tmp_path / "cold.toml", "[thermal]\nradiator_temperature_k = 150\n")
    one_line(leodc_cli("design", cold), cold, "thermal.radiator_temperature_k", "absorbs more than it emits")
    one_line(leodc_cli("design", "builtin:default", "--set", "thermal.radiator_temperature_k=150"), "--set",
             "thermal.radiator_temperature_k")


def test_values_beyond_floating_point_range(leodc_cli):
    """A check of the inputs as a whole names what stated a field last (the --set), not the built-in."""
    one_line(leodc_cli("design", "builtin:default", "--set", "compute.bus_power_w=1e308"), "--set", None,
             "floating-point range")


def test_output_paths_that_cannot_be_written(leodc_cli, tmp_path):
    missing = tmp_path / "no" / "such" / "map.html"
    one_line(leodc_cli("environment", "builtin:default", "--dose-map", missing), "--dose-map", None, "does not exist")
    one_line(leodc_cli("propagate", STATIONS_TLE, "--start", START, "--hours", "1", "--out", tmp_path),
             "--out", None, "is a directory")
    a_file = write(tmp_path / "taken", "x")
    one_line(leodc_cli("simulate", "builtin:default", "--out", a_file, "--days", SHORT_DAYS), a_file, None,
             "is a file")
    assert a_file.read_text() == "x"  # nothing stored is lost


def test_a_cluster_address_that_is_not_one(leodc_cli, tmp_path):
    out = tmp_path / "run"
    one_line(leodc_cli("simulate", "builtin:default", "--out", out, "--days", SHORT_DAYS,
                       "--set", "fleet.target_satellites=4", "--cluster", "nonsense"), "--cluster", None,
             "tcp://HOST:PORT")
    assert not out.exists() and not (tmp_path / "run.partial").exists()  # nothing half-written left behind


def test_a_damaged_simulation_table(leodc_cli, tmp_path):
    run = tmp_path / "run"
    assert leodc_cli("simulate", "builtin:default", "--out", run, "--days", SHORT_DAYS,
                     "--set", "fleet.target_satellites=4").returncode == 0
    table = run / "satellites.parquet"
    table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])
    one_line(leodc_cli("design", "builtin:default", "--run", run), table, None, "unreadable")


def test_the_environment_below_the_disposal_perigee(leodc_cli):
    """A shell below the disposal perigee (350 km) needs no burn: delta-v 0, no traceback."""
    out = leodc_cli("environment", "builtin:default", "--set", "orbit.altitude_km=300", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["disposal_delta_v_m_s"] == 0.0
