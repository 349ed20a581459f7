"""Thermospheric mass density: a global-mean NRLMSIS 2.1 table, for orbital lifetimes.

The table ``environment/data/density.npz`` is built by ``scripts/build_density_table.py`` (which
needs ``pymsis``; leodc itself needs only numpy): total mass density averaged over latitude
(area-weighted), longitude, local time, universal time and season, at 221 geodetic altitudes from
100 to 2000 km (5 km steps to 1000 km, 25 km above), for three constant solar-activity levels:

==========  ==========================  ====
activity    F10.7 = F10.7a (sfu)        Ap
==========  ==========================  ====
``low``     70 (solar minimum)          4
``mean``    140 (ECSS/ISO "moderate")   10
``high``    220 (near solar maximum)    20
==========  ==========================  ====

Between tabulated altitudes the density is interpolated linearly in log density (i.e. locally
exponential, which is how the thermosphere falls off); a float ``activity`` is read as an F10.7
value and interpolated piecewise-linearly in log density between the three tables (70-220 sfu).

Limits: a global and yearly mean, so it has no dayside bulge, no latitude or season, no storms;
a satellite's drag also depends on the local time its orbit samples (a dawn-dusk orbit sees less
than the mean). Solar activity is held constant, whereas a real lifetime of years runs through
part of the ~11-year cycle: ``mean`` is the fair single value for multi-year lifetimes, ``low``
and ``high`` bracket them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

ACTIVITIES = ("low", "mean", "high")


@lru_cache(maxsize=1)
def density_table() -> dict:
    """The shipped table: ``altitude_km[n]``, ``density_kg_m3[3, n]``, ``activity``, ``f107_sfu``, ``ap``, metadata."""
    path = resources.files("leodc.environment").joinpath("data/density.npz")
    with resources.as_file(path) as p, np.load(p, allow_pickle=False) as npz:
        table = {k: npz[k] for k in npz.files}
    table["activity"] = tuple(str(a) for a in table["activity"])
    table["metadata"] = json.loads(str(table["metadata"]))
    for key in ("altitude_km", "density_kg_m3", "f107_sfu", "f107a_sfu", "ap"):
        table[key].setflags(write=False)
    return table


def log_density_profile(activity: str | float = "mean") -> np.ndarray:
    """ln(density in kg/m³) at the table's altitudes for one activity level or F10.7 value (sfu)."""
    table = density_table()
    log_rho = np.log(table["density_kg_m3"])
    if isinstance(activity, str):
        if activity not in table["activity"]:
            raise ValueError(f"activity must be one of {table['activity']} or an F10.7 value in sfu, not {activity!r}")
        return log_rho[table["activity"].index(activity)]
    f107 = float(activity)
    f_levels = table["f107_sfu"]
    if not f_levels[0] <= f107 <= f_levels[-1]:
        raise ValueError(f"F10.7 {f107} sfu is outside the tabulated {f_levels[0]:g}-{f_levels[-1]:g} sfu")
    i = min(int(np.searchsorted(f_levels, f107, side="right")) - 1, len(f_levels) - 2)
    w = (f107 - f_levels[i]) / (f_levels[i + 1] - f_levels[i])
    return (1.0 - w) * log_rho[i] + w * log_rho[i + 1]


def density_kg_m3(altitude_km, activity: str | float = "mean") -> np.ndarray:
    """Global-mean total mass density at ``altitude_km`` (any shape, 100-2000 km), kg/m³.

    ``activity``: ``"low"``, ``"mean"``, ``"high"``, or an F10.7 in sfu (70-220).
    """
    h = np.asarray(altitude_km, dtype=float)
    table = density_table()
    alt = table["altitude_km"]
    if not np.all((h >= alt[0]) & (h <= alt[-1])):
        raise ValueError(f"altitude must be within {alt[0]:g}-{alt[-1]:g} km (the table's range)")
    return np.exp(np.interp(h, alt, log_density_profile(activity)))
