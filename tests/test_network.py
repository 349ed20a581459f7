"""The network stage as a user meets it: the shipped ground sites, user site lists, `leodc network`
(table, --json, --out), bad input (one line, exit 2), and the stage inside a stored run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from leodc.errors import EXIT_BAD_INPUT, InputError
from leodc.network.ground import builtin_sites, read_sites

WALKER = ["--set", "orbit.kind=inclined", "--set", "orbit.altitude_km=550", "--set", "orbit.inclination_deg=53",
          "--set", "fleet.target_satellites=1584"]
SHORT = ["--hours", "0.25", "--step-s", "300"]


def one_line(out, *fragments: str) -> str:
    assert out.returncode == EXIT_BAD_INPUT, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in out.stderr, out.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def test_shipped_sites_have_cities_gateways_and_control_stations():
    sites = builtin_sites()
    roles = {r: int(np.sum(sites.role == r)) for r in ("user", "gateway", "control")}
    assert roles["user"] == 100 and roles["gateway"] >= 20 and roles["control"] >= 5
    users = sites.with_role("user")
    assert np.all(np.diff(users.population) <= 0) and users.population[0] > 3e7  # sorted, Tokyo first
    assert len({n.lower() for n in sites.name}) == len(sites)
    assert sites.index("london") == sites.index("London")


def test_user_site_lists_in_csv_and_toml(tmp_path: Path):
    csv_file = tmp_path / "sites.csv"
    csv_file.write_text("name,latitude_deg,longitude_deg,altitude_m,role\nA,10,20,0,gateway\nB,-10,30,100,\n")
    sites = read_sites(csv_file)
    assert list(sites.role) == ["gateway", "user"] and sites.altitude_m[1] == 100.0
    toml_file = tmp_path / "sites.toml"
    toml_file.write_text('[[sites]]\nname = "C"\nlatitude_deg = 1.0\nlongitude_deg = 2.0\naltitude_m = 0.0\n')
    assert list(read_sites(toml_file).name) == ["C"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,latitude_deg,longitude_deg,altitude_m\nX,91,0,0\n")
    with pytest.raises(InputError, match="latitude_deg: expected -90 to 90"):
        read_sites(bad)


def test_network_command_json_and_files(leodc_cli, tmp_path: Path):
    out = tmp_path / "net"
    result = leodc_cli("network", "builtin:default", *WALKER, *SHORT, "--pairs", "London:New York-Newark",
                       "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["pairs"]
    assert row["pair"] == "London:New York-Newark" and row["reachable_fraction"] == 1.0
    for key in ("rtt_ms_p50", "rtt_ms_p99", "rtt_ms_min", "rtt_ms_max", "path_changes", "fibre_bound_ms"):
        assert key in row
    assert row["vacuum_bound_ms"] <= row["rtt_ms_min"] <= row["rtt_ms_p50"] <= row["rtt_ms_max"]
    table = pq.read_table(out / "latency.parquet").to_pydict()
    assert set(table) == {"pair", "time", "rtt_ms", "hops", "path", "path_itrs_km"} and len(table["rtt_ms"]) == 3
    # a path runs from the source site through satellites to the destination site
    n_sat = 1584
    assert all(p[0] >= n_sat and p[-1] >= n_sat and all(x < n_sat for x in p[1:-1]) for p in table["path"])


def test_network_bad_input_is_one_line(leodc_cli, tmp_path: Path):
    one_line(leodc_cli("network", "builtin:default", "--pairs", "London:Atlantis"), "unknown ground site 'Atlantis'")
    one_line(leodc_cli("network", "builtin:default", "--pairs", "London"), "network.pairs", "SITE:SITE")
    one_line(leodc_cli("network", "builtin:default", "--step-s", "0"), "network.step_s")
    bad = tmp_path / "sites.csv"
    bad.write_text("name,latitude_deg,longitude_deg,altitude_m\nX,91,0,0\n")
    one_line(leodc_cli("network", "builtin:default", "--set", f"network.sites_file={bad}"), "latitude_deg")
    one_line(leodc_cli("network", "builtin:default", "--set", "network.laser_terminal=tin-can"), "laser_terminals")


def test_the_globe_gets_each_pairs_path_from_the_stored_run(tmp_path: Path):
    """A stored run's network stage serves, per pair and step, the path from site to site through the
    satellites (Earth-fixed km) that the dashboard's globe draws."""
    from fastapi.testclient import TestClient

    from leodc import api
    from leodc.constants import EARTH_RADIUS_KM
    from leodc.web.app import create_app

    overrides = {"orbit.kind": "inclined", "orbit.altitude_km": 550.0, "orbit.inclination_deg": 53.0,
                 "fleet.target_satellites": 400, "network.hours": 0.25, "network.step_s": 300.0,
                 "network.pairs": ["London:New York-Newark"]}
    stored = api.run(api.load_scenario("builtin:default", overrides), home=tmp_path, days=0.02, report=False)
    body = TestClient(create_app(tmp_path)).get(f"/api/runs/{stored.id}/network").json()
    (pair,) = body["pairs"]
    assert pair["pair"] == "London:New York-Newark" and len(pair["times"]) == len(pair["paths_km"]) == 3
    for rtt, path in zip(pair["rtt_ms"], pair["paths_km"], strict=True):
        if rtt is None:
            assert path == []
            continue
        radii = np.linalg.norm(np.array(path), axis=1)
        assert radii[0] < EARTH_RADIUS_KM + 1 and radii[-1] < EARTH_RADIUS_KM + 1  # ground sites at both ends
        assert np.all(radii[1:-1] > EARTH_RADIUS_KM + 500)  # satellites between them
    assert any(r is not None for r in pair["rtt_ms"])


def test_ground_relays_is_a_scenario_switch():
    """``network.ground_relays``: on by default (a path may come down to another site and go up again),
    off by ``--set`` (Hypatia's rule); anything but a boolean is refused with the field's name."""
    from leodc.scenario import load_scenario

    assert load_scenario("builtin:default").network.ground_relays is True
    assert load_scenario("builtin:default", ["network.ground_relays=false"]).network.ground_relays is False
    with pytest.raises(InputError, match=r"network\.ground_relays"):
        load_scenario("builtin:default", ["network.ground_relays=\"sometimes\""])


def test_network_stage_follows_the_relay_switch(leodc_cli):
    """`leodc network` with relays off: no round trip is shorter than with them (a path that may not come
    down at a third site can only be longer), and the summary says which rule it ran under."""
    runs = {}
    for relays in ("true", "false"):
        out = leodc_cli("network", "builtin:default", *WALKER, *SHORT, "--json", "--set",
                        f"network.ground_relays={relays}")
        assert out.returncode == 0, out.stderr
        runs[relays] = json.loads(out.stdout)
    assert runs["true"]["ground_relays"] is True and runs["false"]["ground_relays"] is False
    for on, off in zip(runs["true"]["pairs"], runs["false"]["pairs"], strict=True):
        if on["rtt_ms_min"] is not None and off["rtt_ms_min"] is not None:
            assert off["rtt_ms_min"] >= on["rtt_ms_min"] - 1e-9
