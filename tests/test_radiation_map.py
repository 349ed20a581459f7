"""Shape of the AE8/AP8 dose grid: the South Atlantic Anomaly, altitude, shielding, interpolation."""

from __future__ import annotations

import numpy as np
import pytest

from leodc.environment.radiation import dose_map, dose_rate_rad_per_year, load_grid, orbit_average_dose_rad_per_year


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
    doses = [orbit_average_dose_rad_per_year(h, 53.0, 10.0) for h in (500.0, 600.0, 800.0, 1000.0)]
    assert doses == sorted(doses)


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
