"""Shadow models against analytic geometry: the anti-Sun axis is in umbra, the beta-0 eclipse
fraction of a circular orbit matches the derived value (docs/references.md, "Derived values": 550 km,
0.3723), and a sampled orbit
gives one shadow entry and one exit per revolution.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from leodc.constants import AU_KM, EARTH_MU_KM3_PER_S2, EARTH_RADIUS_KM
from leodc.design.orbit import eclipse_fraction
from leodc.environment.eclipse import (
    beta_angle_rad,
    eclipse_events,
    illumination_conical,
    illumination_cylindrical,
)

ALTITUDE_KM = 550.0
BETA0_FRACTION_550_KM = 0.3723  # docs/references.md, "Derived values": cylindrical shadow at beta = 0
SUN_KM = np.array([AU_KM, 0.0, 0.0])


def circular_orbit(altitude_km: float, beta_rad: float, n_t: int, revolutions: float = 1.0):
    """Positions and velocities of a circular orbit whose normal makes 90° - beta with +x (the Sun)."""
    a = EARTH_RADIUS_KM + altitude_km
    n = math.sqrt(EARTH_MU_KM3_PER_S2 / a**3)
    t = np.linspace(0.0, revolutions * 2.0 * math.pi / n, n_t, endpoint=False)
    u = n * t
    # in-plane axes p, q with the orbit normal (sin b, 0, cos b); u = 0 is on the day side
    normal = np.array([math.sin(beta_rad), 0.0, math.cos(beta_rad)])
    p = np.array([math.cos(beta_rad), 0.0, -math.sin(beta_rad)])
    q = np.cross(normal, p)
    r = a * (np.cos(u)[:, None] * p + np.sin(u)[:, None] * q)
    v = a * n * (-np.sin(u)[:, None] * p + np.cos(u)[:, None] * q)
    return t, r, v


def test_anti_sun_axis_is_umbra():
    r = np.array([-(EARTH_RADIUS_KM + ALTITUDE_KM), 0.0, 0.0])
    assert illumination_cylindrical(r, SUN_KM) == 0.0
    assert illumination_conical(r, SUN_KM) == 0.0
    # ... and the sub-solar point is lit
    assert illumination_cylindrical(-r, SUN_KM) == 1.0
    assert illumination_conical(-r, SUN_KM) == 1.0


def test_beta_zero_fraction_matches_reference():
    _t, r, _v = circular_orbit(ALTITUDE_KM, 0.0, 200_000)
    fraction = 1.0 - illumination_cylindrical(r, SUN_KM).mean()
    assert fraction == pytest.approx(BETA0_FRACTION_550_KM, abs=0.002)
    assert fraction == pytest.approx(eclipse_fraction(ALTITUDE_KM, 0.0), abs=1e-4)


@pytest.mark.parametrize("beta_deg", [0.0, 30.0, 60.0, 75.0])
def test_beta_angle_and_fraction_at_beta(beta_deg):
    beta = math.radians(beta_deg)
    _t, r, v = circular_orbit(ALTITUDE_KM, beta, 50_000)
    assert np.allclose(beta_angle_rad(r, v, SUN_KM), beta, atol=1e-12)
    fraction = 1.0 - illumination_cylindrical(r, SUN_KM).mean()
    assert fraction == pytest.approx(eclipse_fraction(ALTITUDE_KM, beta), abs=1e-4)
    # The conical model's mean shadowed fraction is within a penumbra's width of the cylinder's
    # (the umbra is narrower than the cylinder, the penumbra wider).
    fraction_conical = 1.0 - illumination_conical(r, SUN_KM).mean()
    assert fraction_conical == pytest.approx(fraction, abs=0.005)


def test_one_entry_and_one_exit_per_orbit():
    revolutions = 5
    t, r, _v = circular_orbit(ALTITUDE_KM, math.radians(20.0), 5 * 5760, revolutions=revolutions)
    # two satellites: the same orbit, and one half a revolution behind (r -> -r)
    r2 = np.stack([r, -r])
    lit = illumination_cylindrical(r2, SUN_KM)
    events = eclipse_events(t, lit)
    period_s = 2.0 * math.pi * math.sqrt((EARTH_RADIUS_KM + ALTITUDE_KM) ** 3 / EARTH_MU_KM3_PER_S2)
    for sat in (0, 1):
        entries, exits = events.entries_s(sat), events.exits_s(sat)
        # satellite 0 starts on the day side (exactly one entry then one exit per revolution),
        # satellite 1 starts in shadow (an exit first, the last entry has no exit before the end)
        assert len(entries) == revolutions and len(exits) == revolutions
        assert np.allclose(np.diff(entries), period_s, atol=2 * (t[1] - t[0]))
        assert np.allclose(np.diff(exits), period_s, atol=2 * (t[1] - t[0]))
        # eclipse durations: from each entry to the next exit
        following_exits = exits[np.searchsorted(exits, entries[0]):]
        n = min(len(entries), len(following_exits))
        durations = following_exits[:n] - entries[:n]
        expected = eclipse_fraction(ALTITUDE_KM, math.radians(20.0)) * period_s
        assert np.allclose(durations, expected, atol=2 * (t[1] - t[0]))
    # a conical illumination crosses 0.5 within the penumbra: close to the cylinder's boundary
    conical = eclipse_events(t, illumination_conical(r, SUN_KM))
    assert np.allclose(conical.entry_s, events.entries_s(0), atol=3.0)
    assert np.allclose(conical.exit_s, events.exits_s(0), atol=3.0)


def test_penumbra_is_partial_and_short():
    t, r, _v = circular_orbit(ALTITUDE_KM, 0.0, 5760 * 10)  # ~0.1 s steps
    f = illumination_conical(r, SUN_KM)
    assert f.min() == 0.0 and f.max() == 1.0
    partial = (f > 0.0) & (f < 1.0)
    dt = t[1] - t[0]
    # two penumbra transits per orbit, each ~8 s at 550 km and beta 0
    assert 2 * 6.0 < partial.sum() * dt < 2 * 12.0
