"""Shape of the AE8/AP8 dose grid: the South Atlantic Anomaly, altitude, shielding, interpolation; and the
shipped grid against the tool that made it.

The shape tests hold wide bands (the anomaly in the South Atlantic, dose growing with altitude); beside
them, regression pins hold the values measured with the shipped grid (aep8 1.1.0): the hottest cell at
550 km behind 10 mm, (-34, -36) deg at 8,617 rad/yr, and the mean dose over latitudes -70..70 at 500
and 1,000 km. The grid is float32 and the lookups deterministic, so the pins' noise is floating point
(~1e-13) and they allow 1e-6. Mutation check (``scripts/mutation_check.py dose``): a grid scaled by
1.2 fails ``test_south_atlantic_anomaly_is_the_hot_spot`` and ``test_dose_grows_with_altitude`` (their
pins), while every band passes.

``test_grid_matches_aep8`` (slow; needs the ``data`` extra, ``pip install -e '.[data]'``) recomputes
200 random grid nodes with ``scripts/build_radiation_grid.py``'s own functions and aep8 and compares
them with the shipped file: measured difference 6e-8 relative (float32 rounding); allowed 1e-6.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from leodc.environment.radiation import dose_map, dose_rate_rad_per_year, load_grid, orbit_average_dose_rad_per_year

ROOT = Path(__file__).resolve().parents[1]
PIN_REL_TOLERANCE = 1e-6  # deterministic lookups of a float32 grid: floating-point noise only
HOTTEST_550_KM_10_MM = (-34.0, -36.0, 8617.251953125005)  # lat deg, lon deg, rad(Si)/yr
# mean over latitudes -70..70 (5 deg) and all longitudes (10 deg), rad(Si)/yr: {mm: (500 km, 1000 km)}
MEAN_DOSE_RAD_PER_YEAR = {1.0: (4390.607857411742, 21281.220817256533), 10.0: (72.19912607020117, 1108.3070870394502)}
ORBIT_53_DEG_10_MM = {500.0: 91.45667494379046, 600.0: 185.10427445709655, 800.0: 543.8243194011994,
                      1000.0: 1223.6313521039092}
GENERATOR_SAMPLE_POINTS = 200
GENERATOR_SEED = 16
FLOAT32_REL_TOLERANCE = 1e-6  # the file stores float32 (7 digits); measured 6e-8


def test_grid_metadata_and_axes():
    g = load_grid()
    assert g["dose_rad_per_year"].shape == (g["thickness_mm"].size, g["alt_km"].size, g["lat_deg"].size,
                                            g["lon_deg"].size)
    assert g["dose_rad_per_year"].dtype == np.float32
    assert g["alt_km"][0] <= 200.0 and g["alt_km"][-1] >= 2000.0
    meta = g["metadata"]
    assert "AP8-MIN" in meta["proton_model"] and "AE8-MAX" in meta["electron_model"]
    assert meta["epoch"] and meta["aep8_version"]


def test_south_atlantic_anomaly_is_the_hot_spot():
    lat, lon, dose = dose_map(550.0, 10.0)
    i, j = np.unravel_index(np.argmax(dose), dose.shape)
    assert -50.0 <= lat[i] <= 0.0 and -90.0 <= lon[j] <= 40.0, (lat[i], lon[j])
    # the same latitude on the other side of the Earth
    opposite = int(np.argmin(np.abs((lon - lon[j]) % 360.0 - 180.0)))
    assert dose[i, j] > 10.0 * dose[i, opposite]
    # regression pin: where and how hot, as measured
    assert (lat[i], lon[j]) == HOTTEST_550_KM_10_MM[:2]
    assert dose[i, j] == pytest.approx(HOTTEST_550_KM_10_MM[2], rel=PIN_REL_TOLERANCE)


def test_dose_grows_with_altitude():
    """Over the inner belt (|lat| <= 50) at every point; poleward, a fixed geographic latitude maps
    to other field lines as it rises (the outer belt's horns move), so only the mean must grow."""
    lat, lon = np.meshgrid(np.arange(-70.0, 71.0, 5.0), np.arange(-180.0, 180.0, 10.0), indexing="ij")
    inner = np.abs(lat) <= 50.0
    for t in (1.0, 10.0):
        low = dose_rate_rad_per_year(lat, lon, 500.0, t)
        high = dose_rate_rad_per_year(lat, lon, 1000.0, t)
        assert high.mean() > 2.0 * low.mean()
        assert np.all(high[inner] >= low[inner])
        # regression pins beside the band
        assert (low.mean(), high.mean()) == pytest.approx(MEAN_DOSE_RAD_PER_YEAR[t], rel=PIN_REL_TOLERANCE)
    doses = [orbit_average_dose_rad_per_year(h, 53.0, 10.0) for h in ORBIT_53_DEG_10_MM]
    assert doses == sorted(doses)
    assert doses == pytest.approx(list(ORBIT_53_DEG_10_MM.values()), rel=PIN_REL_TOLERANCE)


def test_thicker_is_never_worse():
    g = load_grid()
    for part in ("dose_rad_per_year", "proton_dose_rad_per_year", "electron_dose_rad_per_year"):
        assert np.all(np.diff(g[part], axis=0) <= 0.0), part
    lat, lon = -30.0, -40.0
    t = np.linspace(0.5, 30.0, 60)
    d = dose_rate_rad_per_year(lat, lon, 800.0, t)
    assert np.all(np.diff(d) <= 0.0)


def test_interpolation_hits_nodes_and_wraps_longitude():
    g = load_grid()
    k, a, i, j = 6, 3, 14, 18
    node = dose_rate_rad_per_year(g["lat_deg"][i], g["lon_deg"][j], g["alt_km"][a], g["thickness_mm"][k])
    assert node == pytest.approx(float(g["dose_rad_per_year"][k, a, i, j]), rel=1e-6)
    assert dose_rate_rad_per_year(-30.0, -40.0, 550.0, 10.0) == pytest.approx(
        dose_rate_rad_per_year(-30.0, 320.0, 550.0, 10.0), rel=1e-12)
    # between the last column (172 E) and the first (180 W) the longitude wraps
    west, east = dose_rate_rad_per_year(-30.0, [172.0, 180.0], 800.0, 1.0)
    mid = dose_rate_rad_per_year(-30.0, 176.0, 800.0, 1.0)
    assert min(west, east) <= mid <= max(west, east)


def test_out_of_grid_is_clamped():
    assert dose_rate_rad_per_year(-30.0, -40.0, 150.0, 10.0) == dose_rate_rad_per_year(-30.0, -40.0, 200.0, 10.0)
    assert dose_rate_rad_per_year(-30.0, -40.0, 550.0, 40.0) == dose_rate_rad_per_year(-30.0, -40.0, 550.0, 30.0)
    with pytest.raises(ValueError):
        dose_rate_rad_per_year(0.0, 0.0, 550.0, 10.0, particles="neutrons")


def _build_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # outside AE8/AP8's L-B map
def test_grid_matches_aep8():
    """The shipped trapped_dose.npz against aep8 at 200 random nodes, through the build script's own
    transport and monotone envelope: the file is what the script makes from AE8/AP8 (measured 6e-8)."""
    aep8 = pytest.importorskip("aep8")  # the data extra: make dev installs it
    from astropy import units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    build = _build_script("build_radiation_grid")
    g = load_grid()
    versions = f"grid built with aep8 {g['metadata']['aep8_version']}, checked with {aep8.__version__}"
    rng = np.random.default_rng(GENERATOR_SEED)
    ia, il, io = (rng.integers(0, g[axis].size, GENERATOR_SAMPLE_POINTS) for axis in ("alt_km", "lat_deg", "lon_deg"))
    places = EarthLocation.from_geodetic(g["lon_deg"][io] * u.deg, g["lat_deg"][il] * u.deg, g["alt_km"][ia] * u.km)
    epoch = Time(build.EPOCH, scale="utc")
    parts = {}
    for name, model_args, edges, response in (
            ("proton_dose_rad_per_year", build.PROTON_MODEL, build.PROTON_EDGES_MEV, build.proton_response),
            ("electron_dose_rad_per_year", build.ELECTRON_MODEL, build.ELECTRON_EDGES_MEV, build.electron_response)):
        model = aep8.model(*model_args)
        lshell, bb0 = model.geomagnetic_coordinates(places, epoch)
        dose = build.dose_grid(model, np.asarray(lshell), np.asarray(bb0), edges, response)  # [thickness, point]
        parts[name] = np.flip(np.maximum.accumulate(np.flip(dose, axis=0), axis=0), axis=0)  # the build's envelope
    parts["dose_rad_per_year"] = parts["proton_dose_rad_per_year"] + parts["electron_dose_rad_per_year"]
    assert np.count_nonzero(parts["dose_rad_per_year"]) > GENERATOR_SAMPLE_POINTS  # the sample meets the belts
    for name, recomputed in parts.items():
        shipped = g[name][:, ia, il, io].astype(float)
        np.testing.assert_allclose(shipped, recomputed, rtol=FLOAT32_REL_TOLERANCE, atol=0.0,
                                   err_msg=f"{name}; {versions}")
