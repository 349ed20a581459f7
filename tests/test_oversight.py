"""Oversight against hand arithmetic: a halt command from a control station under one satellite of a
ring floods around it hop by hop, each hop costing its light time plus the forwarding delay; a fleet
no station ever sees within the horizon is never reached."""

from __future__ import annotations

import numpy as np
import pytest

from leodc.constants import SPEED_OF_LIGHT_KM_PER_S
from leodc.network.ground import GroundSites
from leodc.network.latency import fleet_topology, itrs_positions
from leodc.network.links import LinkModel
from leodc.network.oversight import halt_arrivals
from leodc.orbits.epochs import julian_date
from leodc.orbits.shells import fleet_elements
from leodc.scenario import Shell

START_JD = julian_date("2026-03-20T00:00:00")
RING = Shell(kind="walker-delta", satellites=20, altitude_km=550.0, inclination_deg=53.0, planes=1)
LASER = LinkModel(5400.0, 100e9, 100e9, 4, 80.0)
DELAY_MS = 1.0


def station_under(r_km: np.ndarray) -> GroundSites:
    """A control station at the geocentric point under ``r_km`` (zenith within the ellipsoid's tilt)."""
    lat = np.degrees(np.arcsin(r_km[2] / np.linalg.norm(r_km)))
    lon = np.degrees(np.arctan2(r_km[1], r_km[0]))
    return GroundSites(np.array(["ops"], dtype=object), np.array([lat]), np.array([lon]), np.zeros(1),
                       np.array(["control"], dtype=object), np.zeros(1))


def test_a_ring_floods_hop_by_hop_from_the_satellite_overhead():
    elements = fleet_elements([RING], START_JD)
    r = itrs_positions(elements, START_JD, 0.0)
    control = station_under(r[0])
    topology = fleet_topology([RING], len(elements), LASER, r)
    result = halt_arrivals(elements, topology, control, LASER, 25.0, DELAY_MS, START_JD, np.array([0.0]), 60.0,
                           600.0)
    arrival_ms = result.arrival_s[0] * 1000.0
    # expected: up to satellite 0 (or whichever satellite the station sees first), then around the ring
    def light_ms(a, b):
        return np.linalg.norm(a - b) / SPEED_OF_LIGHT_KM_PER_S * 1000.0

    up_ms = light_ms(r[0], control.itrs_km()[0]) + DELAY_MS
    hop_ms = np.array([light_ms(r[i], r[(i + 1) % 20]) + DELAY_MS for i in range(20)])  # hop i: i -> i + 1
    east = up_ms + np.concatenate([[0.0], np.cumsum(hop_ms[:-1])])  # 0 -> 1 -> 2 ...
    west = up_ms + np.concatenate([[0.0], np.cumsum(hop_ms[::-1][:-1])])[::-1]  # 0 -> 19 -> 18 ...
    west = np.roll(west, 1)
    assert arrival_ms[0] == pytest.approx(up_ms, rel=1e-9)
    assert np.allclose(arrival_ms, np.minimum(east, west), rtol=1e-9)
    summary = result.summary()
    assert summary["reached_all_fraction"] == 1.0 and summary["reached_within_1s_fraction"] == 1.0
    assert summary["time_to_all_s_p100"] == pytest.approx(np.minimum(east, west).max() / 1000.0, rel=1e-9)


def test_a_fleet_no_station_sees_is_never_reached():
    elements = fleet_elements([RING], START_JD)
    r = itrs_positions(elements, START_JD, 0.0)
    topology = fleet_topology([RING], len(elements), LASER, r)
    # a station at the South Pole never sees a 53 deg ring
    pole = GroundSites(np.array(["pole"], dtype=object), np.array([-90.0]), np.array([0.0]), np.zeros(1),
                       np.array(["control"], dtype=object), np.zeros(1))
    result = halt_arrivals(elements, topology, pole, LASER, 25.0, DELAY_MS, START_JD, np.array([0.0]), 300.0,
                           3600.0)
    assert np.all(np.isinf(result.arrival_s))
    summary = result.summary()
    assert summary["reached_all_fraction"] == 0.0 and summary["time_to_all_s_p50"] is None
    assert summary["reached_within_1h_fraction"] == 0.0
