"""Orbit geometry against analytic values (docs/references.md, "Derived values"): eclipse fraction at beta 0
with a cylindrical shadow (to 0.001 and 0.1 min), the radiator emission per m² (to 0.1 W/m²),
Kepler's period, the sun-synchronous inclination, and the eclipse seasons of dawn-dusk orbits.

Mutation check (``scripts/mutation_check.py eclipse``): the closed-form eclipse fraction scaled by
1.2 fails ``test_eclipse_fraction_at_beta_zero`` at every altitude and
``test_noon_midnight_and_inclined_orbits_see_the_beta_zero_eclipse``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from leodc.constants import EARTH_MU_KM3_PER_S2, EARTH_RADIUS_KM, SECONDS_PER_DAY, TROPICAL_YEAR_DAYS
from leodc.design.orbit import (
    beta_over_year,
    critical_beta_rad,
    design_orbit,
    eclipse_fraction,
    period_s,
    sun_synchronous_inclination_deg,
)
from leodc.design.thermal import radiator_balance

# docs/references.md, "Derived values" (R from [NIMA2000]): eclipse fraction at beta = 0 and its
# duration in minutes
BETA0 = {550.0: (0.3723, 35.6), 650.0: (0.3620, 35.4), 1000.0: (0.3323, 34.9)}


@pytest.mark.parametrize("altitude_km", BETA0)
def test_eclipse_fraction_at_beta_zero(altitude_km):
    fraction, minutes = BETA0[altitude_km]
    f = eclipse_fraction(altitude_km, 0.0)
    assert f == pytest.approx(fraction, abs=0.001)
    assert f * period_s(altitude_km) / 60.0 == pytest.approx(minutes, abs=0.1)


def test_no_eclipse_above_the_critical_beta():
    h = 650.0
    crit = critical_beta_rad(h)
    assert eclipse_fraction(h, crit + 1e-6) == 0.0
    assert eclipse_fraction(h, crit - 0.05) > 0.0
    # and the fraction falls monotonically as beta grows
    f = eclipse_fraction(h, np.linspace(0.0, crit, 50))
    assert np.all(np.diff(f) <= 1e-12)


@pytest.mark.parametrize("temperature_k, flux", [(300.0, 413.4), (320.0, 535.1), (350.0, 765.8)])
def test_radiator_emission_one_side(temperature_k, flux):
    b = radiator_balance(temperature_k, 0.9, 0.0, 1, 1361.0, 0.0, 0.0, 0.3, 255.0)
    assert b.emitted_w_per_m2 == pytest.approx(flux, abs=0.1)
    assert b.net_w_per_m2 == pytest.approx(flux, abs=0.1)  # 0 K sink: nothing absorbed


def test_period_is_keplers():
    a = EARTH_RADIUS_KM + 550.0
    assert period_s(550.0) == pytest.approx(2 * math.pi * math.sqrt(a**3 / EARTH_MU_KM3_PER_S2), rel=1e-12)
    assert period_s(550.0) / 60 == pytest.approx(95.65, abs=0.02)


def test_sun_synchronous_inclination():
    # The commonly tabulated circular sun-synchronous inclinations (97.4° at 500 km, 98.2° at
    # 700 km, 99.5° at 1000 km), from the J2 nodal rate; to 0.1°.
    assert sun_synchronous_inclination_deg(500.0) == pytest.approx(97.40, abs=0.1)
    assert sun_synchronous_inclination_deg(700.0) == pytest.approx(98.19, abs=0.1)
    assert sun_synchronous_inclination_deg(1000.0) == pytest.approx(99.48, abs=0.1)


def _days_from(day, centre):
    d = (day - centre) % TROPICAL_YEAR_DAYS
    return np.minimum(d, TROPICAL_YEAR_DAYS - d)


# Days after J2000 (1 January 2000 12:00) of the solstices of 2000, to about a day
JUNE_SOLSTICE_DAY, DECEMBER_SOLSTICE_DAY = 171.6, 355.1


@pytest.mark.parametrize("altitude_km", [550.0, 650.0, 800.0, 1000.0])
@pytest.mark.parametrize("ltan_h, season", [(6.0, DECEMBER_SOLSTICE_DAY), (18.0, JUNE_SOLSTICE_DAY)])
def test_dawn_dusk_orbits_have_eclipse_seasons_around_one_solstice(altitude_km, ltan_h, season):
    inc = sun_synchronous_inclination_deg(altitude_km)
    days, beta = beta_over_year(altitude_km, inc, "sun-synchronous", ltan_h)
    shadowed = days[eclipse_fraction(altitude_km, beta) > 0.0]
    assert 0 < shadowed.size < days.size / 2  # not eclipse-free, not eclipsed all year
    other = JUNE_SOLSTICE_DAY if season == DECEMBER_SOLSTICE_DAY else DECEMBER_SOLSTICE_DAY
    assert _days_from(shadowed, season).max() < 70.0  # the season is centred on one solstice
    assert _days_from(shadowed, other).min() > 100.0  # and nowhere near the other
    o = design_orbit(altitude_km, "sun-synchronous", 0.0, ltan_h)
    assert 0.0 < o.eclipse_fraction < o.eclipse_fraction_max < o.eclipse_fraction_beta0


def test_noon_midnight_and_inclined_orbits_see_the_beta_zero_eclipse():
    o = design_orbit(550.0, "inclined", 53.0, 0.0)
    assert o.eclipse_fraction_max == pytest.approx(o.eclipse_fraction_beta0, abs=1e-4)
    noon = design_orbit(550.0, "sun-synchronous", 0.0, 12.0)
    assert noon.eclipse_days_per_year == pytest.approx(TROPICAL_YEAR_DAYS, abs=1.0)
    assert noon.eclipse_fraction == pytest.approx(0.37, abs=0.01)


def test_year_sampling_covers_a_year():
    days, _ = beta_over_year(650.0, 98.0, "sun-synchronous", 6.0)
    assert days[-1] - days[0] == pytest.approx(TROPICAL_YEAR_DAYS, abs=7200 / SECONDS_PER_DAY + 1e-9)
