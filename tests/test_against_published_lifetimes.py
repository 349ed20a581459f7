"""Natural orbital lifetimes against published statements.

Published anchors (stated figures; the ranges tested are theirs, not fitted to the model; keys are
entries of docs/references.md):

* SpaceX, Starlink update of February 2024 (deorbiting ~100 first-generation satellites; reported
  by PCMag and SpaceWatch.Global, 14 February 2024; [SpaceXStarlinkUpdate2024]): at their ~550 km
  altitudes, atmospheric drag would deorbit Starlink satellites "in five years or less" even if they
  lost manoeuvrability.
* SpaceX, FCC modification of the first-generation Starlink system to 540-570 km shells (April
  2020, IBFS SAT-MOD-20200417-00037; [SpaceXFCC2020]), as quoted in secondary accounts: a failed
  satellite's passive re-entry takes at most ~5 years, typically 1-3 years.
* SpaceX, orbital-debris presentation to the FCC (ex parte filed 10 August 2021;
  [SpaceXExParte2021]): satellites left at the injection altitude (a few hundred km; ~350 km in the
  brief's reading) decay within about three weeks without action.
* Rough natural-decay anchors ([RoughDecayAnchors], no primary source traced): 600 km 3-5 years;
  800-1,000 km decades to ~200 years.
* ISS-class vehicles at ~400 km: "on the order of a year or two" without reboost — a commonly
  repeated figure for which no primary source was found; treated as a weak anchor.

Starlink-like ballistic coefficient, B = m / (C_d A) = 260 kg / (2.2 × 10 m²) ≈ 11.8 kg/m²:
m = 260 kg is a first-generation (v1.0) Starlink as stated in SpaceX's 2019-2020 mission press
kits ([SpaceXPressKits2019]); C_d = 2.2 is the customary free-molecular-flow value ([Vallado2013],
§8.6); A = 10 m² is an ASSUMPTION: a failed satellite's orbit-averaged cross-section,
between a few m² edge-on (the low-drag "sheet of paper" attitude SpaceX described in February 2022)
and ~15 m² tumbling or face-on (a 15.45 m² figure appears in analyses of the February 2022 storm;
its origin was not traced). Lifetime is proportional to B: at 550 km and mean activity, A = 5 m²
gives 3.1 years, 15.45 m² 0.99 years, 20 m² 0.76 years.

Measured with that B (years; constant activity low/mean/high = F10.7 70/140/220):

====  ======  =====  =====
km    low     mean   high
====  ======  =====  =====
350   0.137   0.044  0.022
400   0.469   0.119  0.052
550   11.1    1.53   0.47
600   26.5    3.27   0.91
800   284     45.3   9.6
1000  1081    279    67
====  ======  =====  =====

Disagreements, reported rather than hidden: held at solar minimum for its whole life, a 550 km
satellite would take 11 years, not "five years or less" — no real decay stays at solar minimum
that long (the cycle is 11 years and activity rises within a few), so SpaceX's bound is read
against the ``mean`` level; at 1000 km the mean-activity lifetime (279 years) is above the rough
anchor's ~200 years.

The anchors' bands are wide (up to 20x). Beside them, ``test_lifetimes_pinned`` holds every value
of the table above at its measured value (to 12 digits in the code): the decay integral is a
deterministic quadrature of the shipped density table (exact for the table to 9e-13, see
``test_quadrature_is_exact_for_the_tabulated_density``), so the pins' noise is floating point and
they allow 1e-6. Mutation check (``scripts/mutation_check.py density``): a density table scaled by
1.2 shortens every lifetime by 1/1.2 and fails ``test_lifetimes_pinned`` while most anchor bands
still pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from leodc.constants import EARTH_MU_KM3_PER_S2, EARTH_RADIUS_KM, SECONDS_PER_DAY, SECONDS_PER_YEAR
from leodc.environment.atmosphere import density_kg_m3
from leodc.environment.decay import REENTRY_ALTITUDE_KM, decay_years

STARLINK_V1_MASS_KG = 260.0  # SpaceX press kits, 2019-2020 ([SpaceXPressKits2019])
DRAG_COEFFICIENT = 2.2  # customary free-molecular value ([Vallado2013] §8.6)
STARLINK_MEAN_AREA_M2 = 10.0  # ASSUMPTION, see the module docstring
STARLINK_LIKE_B_KG_PER_M2 = STARLINK_V1_MASS_KG / (DRAG_COEFFICIENT * STARLINK_MEAN_AREA_M2)

# ISS: 419,725 kg (NASA, "International Space Station Facts and Figures"; [NASAISS]); drag area ~1,500 m² is
# an ASSUMPTION (arrays and truss seen edge-on and face-on over an orbit)
ISS_LIKE_B_KG_PER_M2 = 419_725.0 / (DRAG_COEFFICIENT * 1500.0)

DAYS_PER_YEAR = SECONDS_PER_YEAR / SECONDS_PER_DAY
ACTIVITIES = ("low", "mean", "high")


def _lifetimes(altitude_km, b=STARLINK_LIKE_B_KG_PER_M2):
    return {a: float(decay_years(altitude_km, b, a)) for a in ACTIVITIES}


def test_starlink_550_km_within_spacex_five_years():
    years = _lifetimes(550.0)
    assert 1.0 <= years["mean"] <= 5.0  # SpaceX: <= 5 years, typically 1-3
    assert years["high"] <= 5.0
    assert years["low"] > years["mean"] > years["high"]


def test_starlink_injection_altitude_decays_within_weeks():
    days = {a: y * DAYS_PER_YEAR for a, y in _lifetimes(350.0).items()}
    for activity in ACTIVITIES:
        assert 7.0 < days[activity] < 70.0, activity  # "about three weeks": one to ten weeks at any activity


def test_starlink_400_km_lies_between_weeks_and_years():
    """No direct anchor for a Starlink at 400 km: it must fall between the 350 km and 550 km anchors."""
    for activity in ACTIVITIES:
        y350, y400, y550 = (float(decay_years(h, STARLINK_LIKE_B_KG_PER_M2, activity)) for h in (350, 400, 550))
        assert y350 < y400 < y550
    assert 14.0 / DAYS_PER_YEAR < _lifetimes(400.0)["high"] and _lifetimes(400.0)["low"] < 1.0


def test_iss_class_400_km_lives_on_the_order_of_a_year_or_two():
    years = _lifetimes(400.0, ISS_LIKE_B_KG_PER_M2)  # measured: 5.0 (low), 1.28 (mean), 0.56 (high)
    assert 0.5 <= years["mean"] <= 3.0


def test_rough_anchors_600_and_800_km():
    assert 3.0 <= _lifetimes(600.0)["mean"] <= 5.0
    assert 10.0 <= _lifetimes(800.0)["mean"] <= 200.0
    assert _lifetimes(1000.0)["high"] >= 10.0  # decades at least, even at high activity


# measured with the shipped density table (pymsis 0.13.0), years: {km: (low, mean, high)}
MEASURED_YEARS = {
    350.0: (0.1368472053861004, 0.04433061873065052, 0.02208766838510004),
    400.0: (0.4687815031344071, 0.11880604212655106, 0.05206530399226245),
    550.0: (11.115834309505846, 1.528030171234818, 0.4711758407623577),
    600.0: (26.488281724604654, 3.271197897034945, 0.9073291911902133),
    800.0: (283.5847138620936, 45.30776725307126, 9.605041449501087),
    1000.0: (1081.0841587890004, 278.90177111635415, 67.41517703969329),
}
ISS_MEASURED_YEARS = (5.045110677002282, 1.2786119495273496, 0.5603361466192911)
PIN_REL_TOLERANCE = 1e-6  # a deterministic quadrature: floating-point noise only


@pytest.mark.parametrize("altitude_km", MEASURED_YEARS)
def test_lifetimes_pinned(altitude_km):
    """Regression pins beside the anchors' wide bands (module docstring)."""
    years = _lifetimes(altitude_km)
    assert [years[a] for a in ACTIVITIES] == pytest.approx(list(MEASURED_YEARS[altitude_km]), rel=PIN_REL_TOLERANCE)


def test_iss_class_lifetime_pinned():
    years = _lifetimes(400.0, ISS_LIKE_B_KG_PER_M2)
    assert [years[a] for a in ACTIVITIES] == pytest.approx(list(ISS_MEASURED_YEARS), rel=PIN_REL_TOLERANCE)


def test_lifetime_scales_with_ballistic_coefficient_and_vectorises():
    h = np.array([[400.0], [550.0], [800.0]])
    b = np.array([5.0, 10.0, 40.0])
    years = decay_years(h, b)
    assert years.shape == (3, 3)
    np.testing.assert_allclose(years / b, np.broadcast_to(years[:, :1] / b[0], (3, 3)), rtol=1e-12)
    assert decay_years(REENTRY_ALTITUDE_KM, 10.0) == 0.0
    assert decay_years(110.0, 10.0) == 0.0


def test_quadrature_is_exact_for_the_tabulated_density():
    """A 2-million-point trapezoid over the same density agrees to 1e-9 (measured 9e-13)."""
    h_km = np.linspace(REENTRY_ALTITUDE_KM, 550.0, 2_000_001)
    a_m = (EARTH_RADIUS_KM + h_km) * 1e3
    dt_da = 1.0 / (np.sqrt(EARTH_MU_KM3_PER_S2 * 1e9 * a_m) * density_kg_m3(h_km))
    trapezoid_s = np.sum(0.5 * (dt_da[1:] + dt_da[:-1]) * np.diff(h_km * 1e3))  # np.trapezoid needs numpy 2
    brute_years = trapezoid_s * STARLINK_LIKE_B_KG_PER_M2 / SECONDS_PER_YEAR
    assert decay_years(550.0, STARLINK_LIKE_B_KG_PER_M2) == pytest.approx(brute_years, rel=1e-9)


def test_reentry_altitude_choice_barely_matters():
    """Moving re-entry from 120 km to 100 or 150 km changes a 350 km lifetime by < 0.5 day."""
    base = decay_years(350.0, STARLINK_LIKE_B_KG_PER_M2)
    for reentry_km in (100.0, 150.0):
        other = decay_years(350.0, STARLINK_LIKE_B_KG_PER_M2, reentry_altitude_km=reentry_km)
        assert abs(other - base) * DAYS_PER_YEAR < 0.5
