"""Orbital decay under drag, and the FCC five-year disposal rule (47 CFR 25.283(e)).

Natural decay
-------------
A circular orbit of radius a loses energy to drag D = ½ ρ v² C_d A at v = sqrt(μ/a); with
E = -μ/(2a) this gives (King-Hele, *Satellite Orbits in an Atmosphere*, 1987; Vallado,
*Fundamentals of Astrodynamics and Applications*, §9.6)::

    da/dt = -sqrt(μ a) ρ(a) / B,      B = m / (C_d A)   (ballistic coefficient, kg/m²)

so the lifetime from altitude h down to the re-entry altitude h_r is::

    t = B ∫_{h_r}^{h} dh' / (sqrt(μ (R + h')) ρ(h'))

with ρ the global-mean NRLMSIS 2.1 density of :mod:`leodc.environment.atmosphere`, log-linear
between its tabulated altitudes. The integral is done per table interval (5 km below 1000 km,
25 km above) with 8-point Gauss-Legendre quadrature, on which the integrand (an exponential times
a slowly varying a^-1/2) is smooth: the result is exact for the tabulated density to ~1e-12
relative, far below the model's own error. Cumulative integrals are cached per activity, so a
call costs one interpolation plus one partial interval.

Re-entry is taken at ``REENTRY_ALTITUDE_KM`` = 120 km, the conventional re-entry interface (the
altitude at which ESA's and NASA's re-entry tools start the atmospheric phase): below ~150 km a
circular orbit decays within hours to a day or two, so the choice moves lifetimes of months or
years by well under 1%.

What it leaves out: solar activity is held constant over the lifetime (the real one runs through
part of the ~11-year cycle: bracket with ``low``/``high``); the density is a global and yearly
mean; B is constant (no attitude changes: a Starlink-class satellite flying its arrays edge-on
has several times the B of one tumbling); the orbit stays circular; the atmosphere's co-rotation
(a few % on drag) is ignored.

The FCC rule
------------
47 CFR 25.283(e) (FCC 22-74, effective 9 September 2024), for LEO space stations that dispose by
uncontrolled re-entry: disposal "as soon as practicable following end of mission, and no later
than five years after the end of the mission". :func:`fcc_compliant` is true when the natural
decay after end of mission is at most five years, or when the satellite disposes propulsively
(a controlled re-entry, or a burn that lowers perigee to where decay takes less than five years:
:func:`disposal_delta_v_m_s` prices the burn, :func:`elliptical_decay_years` checks the resulting
ellipse; :func:`altitude_for_lifetime_km` gives the circular altitude with a given lifetime, which
is where a full Hohmann descent, ``circularize=True``, may stop).

Beware the shortcut "lower the perigee to the altitude whose circular decay is five years": the
ellipse lives far longer than the circle at its perigee (B = 11.8 kg/m², low activity: 800 x 509 km
takes 31 years, the circular 509 km orbit 5). A perigee-only disposal from 800 km needs a perigee
near 390 km for five years at solar minimum; 350 km gives 2.3 years.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from leodc.constants import EARTH_MU_KM3_PER_S2, EARTH_RADIUS_KM, SECONDS_PER_YEAR
from leodc.environment.atmosphere import density_table, log_density_profile

REENTRY_ALTITUDE_KM = 120.0
FCC_DISPOSAL_YEARS = 5.0  # 47 CFR 25.283(e)

_MU_M3_PER_S2 = EARTH_MU_KM3_PER_S2 * 1e9
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)


def _inverse_drag_rate(h_km, alt_km, log_rho):
    """dt/da per unit B, 1 / (sqrt(μ a) ρ): seconds per metre of altitude per kg/m² of ballistic coefficient."""
    a_m = (EARTH_RADIUS_KM + h_km) * 1e3
    return np.exp(-np.interp(h_km, alt_km, log_rho)) / np.sqrt(_MU_M3_PER_S2 * a_m)


def _integral(lo_km, hi_km, alt_km, log_rho):
    """∫ dt/da da per unit B (s·m²/kg) from lo to hi, elementwise; exact when [lo, hi] lies in one table interval."""
    half = 0.5 * (hi_km - lo_km)
    mid = 0.5 * (hi_km + lo_km)
    h = mid[..., None] + half[..., None] * _GL_X
    return half * 1e3 * np.sum(_GL_W * _inverse_drag_rate(h, alt_km, log_rho), axis=-1)


@lru_cache(maxsize=64)
def _cumulative(activity: str | float):
    """Table altitudes and ∫ from the table's bottom to each of them of dt/da per unit B (s·m²/kg)."""
    alt = density_table()["altitude_km"]
    log_rho = log_density_profile(activity)
    pieces = _integral(alt[:-1], alt[1:], alt, log_rho)
    cum = np.concatenate([[0.0], np.cumsum(pieces)])
    cum.setflags(write=False)
    return alt, log_rho, cum


def _time_from_bottom_s_m2_per_kg(h_km, activity):
    alt, log_rho, cum = _cumulative(activity)
    i = np.clip(np.searchsorted(alt, h_km, side="right") - 1, 0, len(alt) - 2)
    return cum[i] + _integral(alt[i], h_km, alt, log_rho)


def decay_years(
    altitude_km,
    ballistic_coefficient_kg_per_m2,
    activity: str | float = "mean",
    reentry_altitude_km: float = REENTRY_ALTITUDE_KM,
) -> np.ndarray:
    """Natural lifetime (years) of a circular orbit at ``altitude_km`` under drag until ``reentry_altitude_km``.

    ``altitude_km`` and ``ballistic_coefficient_kg_per_m2`` (B = m / (C_d A)) broadcast together;
    ``activity`` is ``"low"``, ``"mean"``, ``"high"`` or an F10.7 in sfu (70-220). Altitudes at or
    below the re-entry altitude give 0. The lifetime is proportional to B.
    """
    h, b = np.broadcast_arrays(
        np.asarray(altitude_km, dtype=float), np.asarray(ballistic_coefficient_kg_per_m2, dtype=float)
    )
    alt = density_table()["altitude_km"]
    if not alt[0] <= reentry_altitude_km < alt[-1]:
        raise ValueError(f"reentry_altitude_km must be within {alt[0]:g}-{alt[-1]:g} km")
    if np.any(h > alt[-1]) or np.any(np.isnan(h)):
        raise ValueError(f"altitude must be at most {alt[-1]:g} km (the density table's top)")
    if np.any(b <= 0):
        raise ValueError("ballistic coefficient must be positive")
    top = np.maximum(h, reentry_altitude_km)
    bottom = np.full_like(top, reentry_altitude_km)
    seconds = b * (_time_from_bottom_s_m2_per_kg(top, activity) - _time_from_bottom_s_m2_per_kg(bottom, activity))
    return seconds / SECONDS_PER_YEAR


def altitude_for_lifetime_km(
    lifetime_years,
    ballistic_coefficient_kg_per_m2,
    activity: str | float = "mean",
    reentry_altitude_km: float = REENTRY_ALTITUDE_KM,
) -> np.ndarray:
    """The circular altitude (km) whose natural lifetime is ``lifetime_years``: the inverse of :func:`decay_years`.

    Found by bisection to 1e-6 km; the answer is capped at the table's top (2000 km).
    """
    years, b = np.broadcast_arrays(
        np.asarray(lifetime_years, dtype=float), np.asarray(ballistic_coefficient_kg_per_m2, dtype=float)
    )
    lo = np.full(years.shape, float(reentry_altitude_km))
    hi = np.full(years.shape, float(density_table()["altitude_km"][-1]))
    for _ in range(32):  # 1880 km / 2^32 < 1e-6 km
        mid = 0.5 * (lo + hi)
        longer = decay_years(mid, b, activity, reentry_altitude_km) > years
        hi = np.where(longer, mid, hi)
        lo = np.where(longer, lo, mid)
    return 0.5 * (lo + hi)


_MEAN_ANOMALY = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)


def _orbit_averaged_rates(a_m, e, b, alt_km, log_rho):
    """Orbit-averaged da/dt (m/s) and de/dt (1/s) under drag along the velocity (no atmospheric co-rotation)."""
    ecc_anomaly = _MEAN_ANOMALY + e * np.sin(_MEAN_ANOMALY)
    for _ in range(8):  # Newton on Kepler's equation; e < 0.15 in LEO, converged to machine precision
        ecc_anomaly -= (ecc_anomaly - e * np.sin(ecc_anomaly) - _MEAN_ANOMALY) / (1.0 - e * np.cos(ecc_anomaly))
    cos_e = np.cos(ecc_anomaly)
    r_m = a_m * (1.0 - e * cos_e)
    cos_nu = (cos_e - e) / (1.0 - e * cos_e)
    v = np.sqrt(_MU_M3_PER_S2 * (2.0 / r_m - 1.0 / a_m))
    rho = np.exp(np.interp(r_m / 1e3 - EARTH_RADIUS_KM, alt_km, log_rho))
    # Gauss's equations for a tangential acceleration f_t = -rho v^2 / (2B):
    # da/dt = 2 a^2 v f_t / mu,  de/dt = 2 (e + cos nu) f_t / v
    dadt = -np.mean(a_m**2 * rho * v**3) / (b * _MU_M3_PER_S2)
    dedt = -np.mean((e + cos_nu) * rho * v) / b
    return dadt, dedt


def elliptical_decay_years(
    apogee_altitude_km: float,
    perigee_altitude_km: float,
    ballistic_coefficient_kg_per_m2: float,
    activity: str | float = "mean",
    reentry_altitude_km: float = REENTRY_ALTITUDE_KM,
    step_km: float = 2.0,
) -> float:
    """Natural lifetime (years) of an elliptical orbit, e.g. after a perigee-lowering disposal burn.

    Integrates the orbit-averaged Gauss equations for drag along the velocity (King-Hele 1987),
    averaged over 360 mean anomalies, with midpoint steps of ``step_km`` in semi-major axis, until the
    perigee reaches ``reentry_altitude_km``. In the circular limit it reproduces :func:`decay_years`
    to ~1e-3 (tested). Drag near perigee first lowers the apogee, so an ellipse lives much longer
    than a circular orbit at its perigee: for B = 11.8 kg/m² at low activity, 800 x 350 km lives
    2.3 years (circular 350 km: 0.14), 800 x 509 km 31 years (circular 509 km: 5). Scalar.
    """
    alt = density_table()["altitude_km"]
    if not reentry_altitude_km <= perigee_altitude_km <= apogee_altitude_km <= alt[-1]:
        raise ValueError("need reentry altitude <= perigee <= apogee <= the table's top (2000 km)")
    log_rho = log_density_profile(activity)
    b = float(ballistic_coefficient_kg_per_m2)
    r_a = EARTH_RADIUS_KM + apogee_altitude_km
    r_p = EARTH_RADIUS_KM + perigee_altitude_km
    a_m = 0.5 * (r_a + r_p) * 1e3
    e = (r_a - r_p) / (r_a + r_p)
    seconds = 0.0
    while (margin_km := a_m * (1.0 - e) / 1e3 - EARTH_RADIUS_KM - reentry_altitude_km) > 1e-6:
        # the perigee falls by at most the drop in a, so this step never carries it below re-entry
        da_m = -1e3 * min(step_km, max(margin_km, 1e-3))
        dadt, dedt = _orbit_averaged_rates(a_m, e, b, alt, log_rho)
        half_dt = 0.5 * da_m / dadt
        dadt, dedt = _orbit_averaged_rates(a_m + dadt * half_dt, max(e + dedt * half_dt, 0.0), b, alt, log_rho)
        dt = da_m / dadt
        a_m += da_m
        e = max(e + dedt * dt, 0.0)
        seconds += dt
    return seconds / SECONDS_PER_YEAR


def fcc_compliant(decay_years, propulsive_disposal, max_years: float = FCC_DISPOSAL_YEARS) -> np.ndarray:
    """47 CFR 25.283(e): disposed of no later than ``max_years`` (5) after end of mission.

    True where the natural decay from the end-of-mission orbit takes at most ``max_years``, or where
    the satellite disposes propulsively (controlled re-entry, or lowering its perigee to where decay
    is quicker than ``max_years``; see :func:`disposal_delta_v_m_s`). A propulsive plan is taken to
    succeed: a satellite that dies before its burn falls back on its natural decay. Arguments broadcast.
    """
    return np.logical_or(np.asarray(propulsive_disposal, dtype=bool), np.asarray(decay_years) <= max_years)


def disposal_delta_v_m_s(altitude_km, target_altitude_km, circularize: bool = False) -> np.ndarray:
    """Delta-v (m/s) to dispose from a circular orbit at ``altitude_km`` by lowering perigee to ``target_altitude_km``.

    One retrograde burn (vis-viva): from v_c = sqrt(μ/r_a) to the apogee speed of the ellipse with
    r_a = R + altitude and r_p = R + target, v_a = sqrt(μ (2/r_a - 1/a_t)), a_t = (r_a + r_p)/2.
    With ``circularize`` a second burn at perigee circularises there (a full Hohmann transfer down),
    so the decay afterwards is exactly :func:`decay_years` at the target. Without it the orbit is an
    ellipse that lives much longer than a circular orbit at its perigee (drag acts near perigee and
    the apogee comes down first): check it with :func:`elliptical_decay_years`. Broadcasts.
    """
    mu = EARTH_MU_KM3_PER_S2
    r_a = EARTH_RADIUS_KM + np.asarray(altitude_km, dtype=float)
    r_p = EARTH_RADIUS_KM + np.asarray(target_altitude_km, dtype=float)
    if np.any(r_p > r_a):
        raise ValueError("target altitude must not be above the starting altitude")
    a_t = 0.5 * (r_a + r_p)
    dv = np.sqrt(mu / r_a) - np.sqrt(mu * (2.0 / r_a - 1.0 / a_t))
    if circularize:
        dv = dv + np.sqrt(mu * (2.0 / r_p - 1.0 / a_t)) - np.sqrt(mu / r_p)
    return dv * 1e3
