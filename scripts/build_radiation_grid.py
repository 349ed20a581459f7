"""Build leodc's trapped-particle dose grid from the AE8/AP8 models (run offline, not at runtime).

What it writes: ``src/leodc/environment/data/trapped_dose.npz``, the dose rate in silicon
(rad(Si)/year) that a point detector at the centre of a solid aluminium sphere would receive
sitting still at each point of a geographic grid, from trapped protons (AP8-MIN) and trapped
electrons (AE8-MAX) -- the worst-case pairing SPENVIS uses (docs/references.md, [SPENVIS2023]). leodc reads
the file with numpy alone (``leodc.environment.radiation``).

How to rerun (the models are not a runtime dependency of leodc)::

    python3 -m venv /tmp/aepv && /tmp/aepv/bin/pip install aep8 numpy
    /tmp/aepv/bin/python scripts/build_radiation_grid.py

The output is byte-for-byte reproducible for a given aep8/numpy (fixed zip timestamps, no
randomness); it takes about 35 s on one core.

Models (through the PyPI package ``aep8``, a wrapper of IRBEM's AE8/AP8 code, Fortran from
NASA's NSSDC): the omnidirectional integral fluxes J(>E) (cm^-2 s^-1) on the geomagnetic
coordinates (McIlwain L, B/B0) that IRBEM computes with the field each model was built on
(Jensen & Cain 1960 for AP8-MIN and AE8-MAX). That field has no secular variation, so the fluxes
do not depend on the date (checked: the same L, B/B0 for 1970, 2000 and 2025); the epoch passed is
recorded anyway. This is SPENVIS's default too, so the South Atlantic Anomaly sits where it was
around 1960-1970 (it drifts west by ~0.3 deg/year; a modern field would move it ~15 deg west).

Transport (our own approximation, stated so it can be judged; SHIELDOSE-2 (Seltzer 1994) is the
reference it stands in for):

* Geometry: dose at the centre of a solid aluminium sphere of radius t ("centre of Al spheres",
  SPENVIS/SHIELDOSE-2's usual comparison): every arriving direction crosses the same t, so the
  omnidirectional flux is shielded by one slab-equivalent depth rho*t, and the dose rate in a
  small silicon detector is (track-length fluence rate) x (mass stopping power in Si) =
  integral j(E) S_Si(E'(E, t)) dE, with E' the energy the particle keeps after the shield.
* Protons: straight-ahead continuous slowing down (CSDA). E' from the CSDA range-energy relation
  of aluminium, R(E') = R(E) - rho*t (NIST PSTAR, Berger et al., ICRU Report 49), energy deposit
  from the electronic stopping power of silicon at E' (PSTAR). Neglected: range straggling,
  nuclear attenuation (lambda ~100 g/cm^2 in Al: -5% at 20 mm) and the secondaries it makes
  (which partly make up for it).
* Electrons: the same logic on the Katz & Penfold (Rev. Mod. Phys. 24, 28, 1952) empirical
  extrapolated range in aluminium, R = 0.412 E^(1.265 - 0.0954 ln E) g/cm^2 (E <= 2.5 MeV),
  R = 0.530 E - 0.106 (E > 2.5 MeV), which folds multiple scattering into a shorter, straight
  path; energy deposit from the collision stopping power of silicon (NIST ESTAR). Every electron
  with R(E) > rho*t is counted as transmitted (no transmission curve).
* Bremsstrahlung is neglected. In the SPENVIS run of [Pfandzelter2023] (docs/references.md; 550 km, 95 deg) it is
  140 rad/5 yr behind 1 mm (0.5% of the total) and 14 rad/5 yr behind 10 mm (2.5%).
* Thicker is never worse: where the straight-ahead model makes the dose rise with thickness (hard
  or narrow spectra -- the SAA's low-altitude protons, AP8's edge cells -- slowed toward their
  Bragg peak behind the wall), the thinner wall's dose is raised to the thicker wall's (a
  conservative envelope, per species; the build records how many cells and how much).
* Spectra: J(>E) at log-spaced energies (protons 0.1-399 MeV, electrons 0.05-7 MeV, the models'
  ranges); the particles in each energy bin, J(E_k) - J(E_k+1), are given the bin's mean
  response, averaged over sub-samples uniform in ln E.

Grid: geodetic latitude -90..90 step 4 deg (WGS84), east longitude -180..172 step 8 deg,
altitude above the WGS84 ellipsoid 200..2100 km step 100 km, ten aluminium thicknesses 0.5-30 mm.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import aep8
import astropy
import numpy as np
from astropy import units as u
from astropy.coordinates import EarthLocation
from astropy.time import Time

OUT = Path(__file__).resolve().parents[1] / "src" / "leodc" / "environment" / "data" / "trapped_dose.npz"

LAT_DEG = np.arange(-90.0, 90.0 + 1e-9, 4.0)
LON_DEG = np.arange(-180.0, 180.0 - 1e-9, 8.0)
ALT_KM = np.arange(200.0, 2100.0 + 1e-9, 100.0)
THICKNESS_MM = np.array([0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0])
EPOCH = "2000-01-01T00:00:00"  # recorded only: the models' own fields have no secular variation

PROTON_MODEL = ("p", "min")  # AP8-MIN: trapped protons are most intense at solar minimum
ELECTRON_MODEL = ("e", "max")  # AE8-MAX: trapped electrons are most intense at solar maximum
PROTON_EDGES_MEV = np.geomspace(0.1, 399.0, 121)
ELECTRON_EDGES_MEV = np.geomspace(0.05, 7.0, 81)
SUBSAMPLES = 64

ALUMINIUM_DENSITY_G_PER_CM3 = 2.699  # NIST STAR material data for aluminium
MEV_TO_J = 1.602176634e-13  # CODATA 2018, exact
J_PER_KG_PER_RAD = 0.01
SECONDS_PER_YEAR = 365.25 * 86400.0  # Julian year, as leodc.constants
# rad(Si)/year per (MeV cm^2/g x cm^-2 s^-1): MeV/g/s -> J/kg/s -> rad/s -> rad/year
RAD_PER_YEAR_PER_MEV_PER_G_PER_S = MEV_TO_J * 1000.0 / J_PER_KG_PER_RAD * SECONDS_PER_YEAR

# NIST PSTAR (Berger, Coursey, Zucker, Chang; physics.nist.gov/PhysRefData/Star/Text/PSTAR.html;
# ICRU Report 49, 1993), a subset of the rows of its default energy table:
# kinetic energy (MeV), CSDA range in aluminium (g/cm^2), electronic stopping power of silicon
# (MeV cm^2/g).
PSTAR = np.array([
    [0.001, 1.471e-05, 105.0],
    [0.002, 2.285e-05, 148.5],
    [0.005, 3.981e-05, 234.8],
    [0.01, 5.943e-05, 332.0],
    [0.02, 8.848e-05, 437.8],
    [0.03, 1.126e-04, 498.9],
    [0.04, 1.348e-04, 532.3],
    [0.05, 1.560e-04, 547.0],
    [0.06, 1.770e-04, 549.0],
    [0.07, 1.981e-04, 543.0],
    [0.08, 2.194e-04, 532.2],
    [0.1, 2.632e-04, 504.4],
    [0.15, 3.808e-04, 437.3],
    [0.2, 5.098e-04, 388.4],
    [0.3, 8.001e-04, 325.9],
    [0.4, 1.131e-03, 285.9],
    [0.5, 1.503e-03, 256.7],
    [0.7, 2.366e-03, 217.2],
    [1.0, 3.945e-03, 175.3],
    [1.5, 7.287e-03, 135.4],
    [2.0, 1.146e-02, 111.7],
    [3.0, 2.210e-02, 84.28],
    [4.0, 3.563e-02, 68.56],
    [5.0, 5.188e-02, 58.24],
    [7.0, 9.207e-02, 45.33],
    [10.0, 1.705e-01, 34.58],
    [15.0, 3.462e-01, 25.28],
    [20.0, 5.748e-01, 20.19],
    [30.0, 1.180e00, 14.69],
    [40.0, 1.968e00, 11.72],
    [50.0, 2.928e00, 9.852],
    [70.0, 5.325e00, 7.611],
    [100.0, 1.001e01, 5.836],
    [150.0, 2.032e01, 4.382],
    [200.0, 3.331e01, 3.627],
    [300.0, 6.572e01, 2.852],
    [400.0, 1.048e02, 2.462],
    [500.0, 1.489e02, 2.230],
    [1000.0, 4.124e02, 1.801],
])

# NIST ESTAR (Berger et al., ICRU Report 37, 1984): kinetic energy (MeV), collision stopping
# power of silicon (MeV cm^2/g).
ESTAR_SI = np.array([
    [0.01, 16.89],
    [0.0125, 14.32],
    [0.015, 12.51],
    [0.02, 10.10],
    [0.025, 8.556],
    [0.03, 7.480],
    [0.04, 6.067],
    [0.05, 5.175],
    [0.06, 4.559],
    [0.08, 3.761],
    [0.1, 3.265],
    [0.15, 2.583],
    [0.2, 2.236],
    [0.3, 1.892],
    [0.4, 1.729],
    [0.5, 1.638],
    [0.6, 1.585],
    [0.8, 1.529],
    [1.0, 1.507],
    [1.5, 1.502],
    [2.0, 1.518],
    [3.0, 1.558],
    [4.0, 1.591],
    [5.0, 1.618],
    [6.0, 1.639],
    [8.0, 1.672],
    [10.0, 1.697],
])


def loglog(x, xp, fp):
    """Interpolate log f against log x (xp increasing), extrapolating the end segments."""
    lx, lxp, lfp = np.log(x), np.log(xp), np.log(fp)
    y = np.interp(lx, lxp, lfp)
    lo, hi = lx < lxp[0], lx > lxp[-1]
    y = np.where(lo, lfp[0] + (lx - lxp[0]) * (lfp[1] - lfp[0]) / (lxp[1] - lxp[0]), y)
    y = np.where(hi, lfp[-1] + (lx - lxp[-1]) * (lfp[-1] - lfp[-2]) / (lxp[-1] - lxp[-2]), y)
    return np.exp(y)


def katz_penfold_range_g_per_cm2(energy_mev):
    """Extrapolated range of electrons in aluminium (Katz & Penfold 1952)."""
    e = np.asarray(energy_mev, dtype=float)
    low = 0.412 * e ** (1.265 - 0.0954 * np.log(e))
    high = 0.530 * e - 0.106
    return np.where(e <= 2.5, low, high)


def proton_response(energy_mev, depth_g_per_cm2):
    """Dose per unit omnidirectional fluence (MeV cm^2/g in Si) behind a depth of Al, CSDA."""
    r = loglog(energy_mev, PSTAR[:, 0], PSTAR[:, 1]) - depth_g_per_cm2
    out = np.zeros_like(r)
    ok = r > PSTAR[0, 1]
    e_left = loglog(r[ok], PSTAR[:, 1], PSTAR[:, 0])
    out[ok] = loglog(e_left, PSTAR[:, 0], PSTAR[:, 2])
    return out


def electron_response(energy_mev, depth_g_per_cm2):
    """Dose per unit omnidirectional fluence (MeV cm^2/g in Si) behind a depth of Al."""
    table_e = np.geomspace(1e-3, 20.0, 2000)
    table_r = katz_penfold_range_g_per_cm2(table_e)
    r = katz_penfold_range_g_per_cm2(energy_mev) - depth_g_per_cm2
    out = np.zeros_like(r)
    ok = r > table_r[0]
    e_left = loglog(r[ok], table_r, table_e)
    out[ok] = loglog(e_left, ESTAR_SI[:, 0], ESTAR_SI[:, 1])
    return out


def response_matrix(edges_mev, response):
    """G[thickness, bin]: mean response over each energy bin (sub-samples uniform in ln E)."""
    depth = THICKNESS_MM[:, None, None] / 10.0 * ALUMINIUM_DENSITY_G_PER_CM3
    frac = (np.arange(SUBSAMPLES) + 0.5) / SUBSAMPLES
    le = np.log(edges_mev)
    e_sub = np.exp(le[:-1, None] + np.diff(le)[:, None] * frac[None, :])  # [bin, sub]
    return response(np.broadcast_to(e_sub, depth.shape[:1] + e_sub.shape), depth).mean(axis=-1)


def bin_counts(model, lshell, bb0, edges_mev):
    """Particles per cm^2 per s in each energy bin, [point, bin]; the last bin is open-ended."""
    flux = model.integral_flux_for_geomagnetic_coordinates(
        lshell[:, None], bb0[:, None], edges_mev[None, :] * u.MeV).to_value(u.cm**-2 * u.s**-1)
    flux = np.nan_to_num(flux, nan=0.0)  # outside the model's L-B map: no trapped particles
    flux = np.minimum.accumulate(np.maximum(flux, 0.0), axis=1)  # integral spectra never rise
    return np.concatenate([flux[:, :-1] - flux[:, 1:], flux[:, -1:]], axis=1)


def dose_grid(model, lshell, bb0, edges_mev, response):
    counts = bin_counts(model, lshell, bb0, edges_mev)
    edges_open = np.append(edges_mev, edges_mev[-1] * (edges_mev[-1] / edges_mev[-2]))
    g = response_matrix(edges_open, response)  # the open bin gets the next bin's response
    return (counts @ g.T).T * RAD_PER_YEAR_PER_MEV_PER_G_PER_S  # [thickness, point]


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed, but with fixed zip timestamps so reruns give identical bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def main() -> int:
    alt, lat, lon = np.meshgrid(ALT_KM, LAT_DEG, LON_DEG, indexing="ij")
    locations = EarthLocation.from_geodetic(lon.ravel() * u.deg, lat.ravel() * u.deg, alt.ravel() * u.km)
    epoch = Time(EPOCH, scale="utc")
    proton_model, electron_model = aep8.model(*PROTON_MODEL), aep8.model(*ELECTRON_MODEL)
    lp, bp = proton_model.geomagnetic_coordinates(locations, epoch)
    le, be = electron_model.geomagnetic_coordinates(locations, epoch)
    shape = (THICKNESS_MM.size, *alt.shape)
    protons = dose_grid(proton_model, np.asarray(lp), np.asarray(bp), PROTON_EDGES_MEV, proton_response)
    electrons = dose_grid(electron_model, np.asarray(le), np.asarray(be), ELECTRON_EDGES_MEV, electron_response)
    protons, electrons = protons.reshape(shape), electrons.reshape(shape)
    envelope = {}
    for name, part in (("protons", protons), ("electrons", electrons)):
        raised = np.flip(np.maximum.accumulate(np.flip(part, axis=0), axis=0), axis=0)
        significant = raised > 100.0
        envelope[name] = {
            "cells_raised": int(np.count_nonzero(raised > part)),
            "cells": int(part.size),
            "max_raise_where_dose_above_100_rad_per_year": float(
                np.max(np.where(significant, raised / np.maximum(part, 1e-30) - 1.0, 0.0))),
            "max_raise_rad_per_year": float(np.max(raised - part)),
        }
        part[...] = raised
    total = protons + electrons

    metadata = {
        "quantity": "dose rate in silicon, rad(Si)/year, at the centre of a solid aluminium sphere of radius "
                    "thickness_mm, for a detector held at each grid point (not orbit-averaged)",
        "axes": "dose_rad_per_year[thickness_mm, alt_km, lat_deg, lon_deg]",
        "coordinates": "geodetic latitude and altitude above the WGS84 ellipsoid, east longitude -180..180",
        "proton_model": "AP8-MIN (Sawyer & Vette 1976, NSSDC/WDC-A-R&S 76-06) via IRBEM",
        "electron_model": "AE8-MAX (Vette 1991, NSSDC/WDC-A-R&S 91-24) via IRBEM",
        "field_model": "each model's own field as IRBEM applies it (Jensen-Cain 1960), no secular variation",
        "epoch": EPOCH,
        "epoch_note": "the fluxes do not depend on the date with these fields; the SAA is at its ~1960s position",
        "aep8_version": aep8.__version__,
        "astropy_version": astropy.__version__,
        "numpy_version": np.__version__,
        "proton_energies_mev": [float(PROTON_EDGES_MEV[0]), float(PROTON_EDGES_MEV[-1]), PROTON_EDGES_MEV.size],
        "electron_energies_mev": [float(ELECTRON_EDGES_MEV[0]), float(ELECTRON_EDGES_MEV[-1]),
                                  ELECTRON_EDGES_MEV.size],
        "method": "solid-sphere geometry, straight-ahead transport; protons: CSDA residual energy from the NIST "
                  "PSTAR range in Al, dose from the PSTAR electronic stopping power of Si at that energy; "
                  "electrons: residual energy from the Katz-Penfold (1952) extrapolated range in Al, dose from "
                  "the NIST ESTAR collision stopping power of Si; bremsstrahlung, range straggling, nuclear "
                  "attenuation and secondaries neglected; dose made non-increasing with thickness "
                  "(conservative envelope, see monotone_envelope)",
        "monotone_envelope": envelope,
        "aluminium_density_g_per_cm3": ALUMINIUM_DENSITY_G_PER_CM3,
        "script": "scripts/build_radiation_grid.py",
        "script_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
    }
    write_npz(OUT, {
        "lat_deg": LAT_DEG,
        "lon_deg": LON_DEG,
        "alt_km": ALT_KM,
        "thickness_mm": THICKNESS_MM,
        "dose_rad_per_year": total.astype(np.float32),
        "proton_dose_rad_per_year": protons.astype(np.float32),
        "electron_dose_rad_per_year": electrons.astype(np.float32),
        "metadata": np.array([json.dumps(metadata, sort_keys=True)]),
    })
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB), sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
