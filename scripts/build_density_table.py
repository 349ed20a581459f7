"""Build ``src/leodc/environment/data/density.npz``: global-mean thermospheric mass density from NRLMSIS 2.1.

Run it from the repository root with an environment that has ``pymsis`` (a build-time tool, not a
runtime dependency of leodc)::

    python3 -m venv /tmp/msisv && /tmp/msisv/bin/pip install pymsis numpy
    /tmp/msisv/bin/python scripts/build_density_table.py

What it tabulates
-----------------
Total mass density (kg/m³) from NRLMSIS 2.1 (Emmert et al. 2021, Earth and Space Science 8,
e2020EA001321, through the ``pymsis`` wrapper), averaged over the whole globe and over the day and
the year, at altitudes 100-1000 km in 5 km steps and 1000-2000 km in 25 km steps (221 levels), for
three constant solar-activity levels:

=========  =====================  ===  =====================================================
activity   F10.7 = F10.7a (sfu)   Ap   why
=========  =====================  ===  =====================================================
low        70                     4    solar minimum: monthly F10.7 ~68-72 sfu and yearly Ap
                                       ~4-6 in the 2008-09 and 2019-20 minima (NOAA SWPC/
                                       NRCan F10.7 and GFZ Potsdam Ap records, approximate)
mean       140                    10   F10.7 140 is the "moderate" long-term level of
                                       ECSS-E-ST-10-04C (2008) and ISO 14222 (2013); Ap 10 is
                                       a quiet-to-typical daily level (ECSS uses 15)
high       220                    20   monthly means near solar maximum (cycles 23 and 25
                                       peaked around 180-235 sfu); ECSS's long-term high is
                                       250 sfu with Ap 15: our "high" is a little milder
=========  =====================  ===  =====================================================

F10.7 (previous day) and the 81-day mean F10.7a are set equal, and the daily Ap is passed
explicitly (pymsis's daily-Ap mode), so pymsis never looks up or downloads space-weather files.

Averaging
---------
At each altitude the density is the area-weighted arithmetic mean over a global grid — latitudes
-87.5° to 87.5° in 5° steps weighted by cos(latitude), longitudes 0° to 345° in 15° steps — at
8 universal times (every 3 h) on the 15th of each month of 2020 (96 instants). At any one instant
the longitudes sweep all local times, so the mean covers local time, latitude, season and UT. The
arithmetic mean (not the log mean) is the right one for drag, which is linear in density; it sits
above the log mean because the dayside bulge dominates. Altitudes are geodetic (MSIS's input).

The arrays are reproduced exactly by rerunning this script with the same pymsis version (the zip
container's timestamps and the ``generated`` date in the metadata change).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pymsis
from pymsis import msis

OUT = Path(__file__).resolve().parents[1] / "src" / "leodc" / "environment" / "data" / "density.npz"

NRLMSIS_VERSION = 2.1
ACTIVITIES = ("low", "mean", "high")
F107_SFU = (70.0, 140.0, 220.0)
AP = (4.0, 10.0, 20.0)

ALTITUDE_KM = np.concatenate([np.arange(100.0, 1000.0, 5.0), np.arange(1000.0, 2000.0 + 1e-9, 25.0)])
LAT_DEG = np.arange(-87.5, 90.0, 5.0)
LON_DEG = np.arange(0.0, 360.0, 15.0)
YEAR = 2020
UT_HOURS = np.arange(0, 24, 3)
DATES = np.array(
    [np.datetime64(f"{YEAR}-{month:02d}-15T{hour:02d}:00") for month in range(1, 13) for hour in UT_HOURS],
    dtype="datetime64[m]",
)


def global_mean_density(f107_sfu: float, ap: float) -> np.ndarray:
    """Area-, longitude- and time-averaged total mass density (kg/m³) at ``ALTITUDE_KM``."""
    weights = np.cos(np.radians(LAT_DEG))
    weights = weights / weights.sum()
    total = np.zeros_like(ALTITUDE_KM)
    for date in DATES:
        out = msis.calculate(
            np.array([date]),
            LON_DEG,
            LAT_DEG,
            ALTITUDE_KM,
            f107s=[f107_sfu],
            f107as=[f107_sfu],
            aps=[[ap] * 7],
            version=NRLMSIS_VERSION,
        )  # (1, n_lon, n_lat, n_alt, 11)
        rho = out[0, :, :, :, msis.Variable.MASS_DENSITY]  # (n_lon, n_lat, n_alt)
        total += np.einsum("j,ijk->k", weights, rho) / len(LON_DEG)
    return total / len(DATES)


def main() -> None:
    density = np.stack([global_mean_density(f, ap) for f, ap in zip(F107_SFU, AP, strict=True)])
    if not (np.all(np.isfinite(density)) and np.all(density > 0) and np.all(np.diff(density, axis=1) < 0)):
        raise SystemExit("density table is not positive and monotonically decreasing; refusing to write it")
    metadata = {
        "model": "NRLMSIS",
        "nrlmsis_version": NRLMSIS_VERSION,
        "model_reference": "Emmert et al. 2021, Earth and Space Science 8, e2020EA001321",
        "pymsis_version": pymsis.__version__,
        "quantity": "total mass density, kg/m^3 (MSIS output 0)",
        "altitude": "geodetic, km; 5 km steps 100-1000 km, 25 km steps 1000-2000 km",
        "averaging": (
            "arithmetic mean, area-weighted (cos latitude) over latitudes -87.5..87.5 step 5 deg and longitudes "
            "0..345 step 15 deg, at UT 0,3,...,21 h on the 15th of each month of 2020 (96 instants)"
        ),
        "indices": "F10.7 (previous day) = F10.7a (81-day mean) held constant; daily Ap mode",
        "activity_sources": (
            "low ~ solar minimum (monthly F10.7 ~70, yearly Ap ~4-6); mean: F10.7 140 = ECSS-E-ST-10-04C/ISO 14222 "
            "moderate; high ~ monthly means near solar maximum (ECSS long-term high is 250)"
        ),
        "generated": dt.date.today().isoformat(),
        "script": "scripts/build_density_table.py",
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        OUT,
        altitude_km=ALTITUDE_KM,
        density_kg_m3=density,
        activity=np.array(ACTIVITIES),
        f107_sfu=np.array(F107_SFU),
        f107a_sfu=np.array(F107_SFU),
        ap=np.array(AP),
        metadata=np.array(json.dumps(metadata, sort_keys=True)),
    )
    print(f"wrote {OUT}: {density.shape[0]} activities x {density.shape[1]} altitudes")
    for name, row in zip(ACTIVITIES, density, strict=True):
        picks = ", ".join(f"{h:.0f} km {row[np.searchsorted(ALTITUDE_KM, h)]:.3g}" for h in (200, 400, 550, 800, 1000))
        print(f"  {name:>4}: {picks}")


if __name__ == "__main__":
    main()
