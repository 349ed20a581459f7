"""Google Project Suncatcher (arXiv 2511.19468, 2025; docs/references.md, [Suncatcher2025]), §2.3/§4.3
radiation figures.

* ~150 rad(Si)/year behind ~10 mm of aluminium in a ~650 km dawn-dusk sun-synchronous orbit
  (~750 rad over 5 years). leodc's AE8/AP8 grid must land within a factor of two of the paper
  (two models and two transports: the paper does not say which it used) -- the scientific band --
  and, beside it, on its measured value (a regression pin): 183.14 rad/yr at 650 km and 97.99 deg,
  1.221x the paper, 915.7 rad over five years against the paper's 750. The orbit average is
  deterministic, so the pin's tolerance is floating-point noise (1e-6 relative allowed). leodc
  disagrees with the paper by more than its own stated uncertainty (it reads 0.84-0.93 of SPENVIS,
  tests/test_against_spenvis.py): the published example's audit says so (examples/published/
  suncatcher-2025.toml, "INCONSISTENT", +22.5 %), and this test holds that verdict.
* Mutation check (``scripts/mutation_check.py dose``): a dose grid scaled by 1.2 fails
  ``test_dose_at_650_km_sso_pinned`` and ``test_five_year_dose_against_the_paper`` (1.6x would still
  sit inside the factor-two band).
* Per-rad event figures of the Trillium TPU under 67 MeV protons: silent data corruption one per
  14.4-20 rad per chip, HBM uncorrectable ECC one per 44 rad, crash one per 5 krad. At the stated
  150 rad/year the rates are plain arithmetic (dose / dose-per-event), so they must come back
  exactly: 150/14.4 = 10.42 and 150/20 = 7.5 SDC a year (150/17.2 = 8.72 at the range's middle),
  150/44 = 3.41 UECC and 150/5000 = 0.03 crashes a year.
"""

from __future__ import annotations

import pytest

from leodc.design.orbit import sun_synchronous_inclination_deg
from leodc.environment.radiation import DAYS_PER_YEAR, orbit_average_dose_rad_per_year, upset_rates_per_day

STATED_RAD_PER_YEAR = 150.0
STATED_5_YEAR_RAD = 750.0
PAPER_LIFE_YEARS = 5.0
ALTITUDE_KM, THICKNESS_MM = 650.0, 10.0
BAND_FACTOR = 2.0  # two models and transports; the paper does not name its own
MEASURED_RAD_PER_YEAR = 183.14249345032584  # leodc's AE8/AP8 grid, as shipped (aep8 1.1.0)
PIN_REL_TOLERANCE = 1e-6  # deterministic: floating-point noise only (~1e-13)
MODEL_UNCERTAINTY = 0.16  # leodc reads 0.84-0.93 of SPENVIS (tests/test_against_spenvis.py)
RAD_PER_SDC = (14.4, 20.0)
RAD_PER_UECC = 44.0
RAD_PER_CRASH = 5000.0
RAD_PER_HOST_CPU = 450.0
RAD_PER_HOST_RAM = 400.0


def _leodc_rad_per_year() -> float:
    inclination = sun_synchronous_inclination_deg(ALTITUDE_KM)
    assert inclination == pytest.approx(98.0, abs=0.2)
    return orbit_average_dose_rad_per_year(ALTITUDE_KM, inclination, THICKNESS_MM)


def test_dose_at_650_km_sso_behind_10_mm():
    dose = _leodc_rad_per_year()
    assert STATED_RAD_PER_YEAR / BAND_FACTOR <= dose <= STATED_RAD_PER_YEAR * BAND_FACTOR, f"{dose:.1f} rad/yr"


def test_dose_at_650_km_sso_pinned():
    """Regression pin at the measured 183.14 rad/yr (1.221x the paper)."""
    assert _leodc_rad_per_year() == pytest.approx(MEASURED_RAD_PER_YEAR, rel=PIN_REL_TOLERANCE)


def test_five_year_dose_against_the_paper():
    """leodc's five-year dose beside the paper's ~750 rad: within the factor-two band, above the paper by more
    than leodc's stated uncertainty (16 %, the worst SPENVIS ratio), and at the measured ratio 1.221."""
    five_years = _leodc_rad_per_year() * PAPER_LIFE_YEARS
    assert STATED_5_YEAR_RAD / BAND_FACTOR <= five_years <= STATED_5_YEAR_RAD * BAND_FACTOR
    ratio = five_years / STATED_5_YEAR_RAD
    assert ratio > 1.0 + MODEL_UNCERTAINTY, f"{ratio:.3f}: leodc no longer disagrees with the paper"
    assert ratio == pytest.approx(MEASURED_RAD_PER_YEAR / STATED_RAD_PER_YEAR, rel=PIN_REL_TOLERANCE)


@pytest.mark.parametrize("rad_per_sdc", [*RAD_PER_SDC, sum(RAD_PER_SDC) / 2.0])
def test_upset_rates_are_dose_over_dose_per_event(rad_per_sdc):
    rates = upset_rates_per_day(STATED_RAD_PER_YEAR, rad_per_sdc, RAD_PER_UECC, RAD_PER_CRASH,
                                RAD_PER_HOST_CPU, RAD_PER_HOST_RAM)
    per_year = {k: v * DAYS_PER_YEAR for k, v in rates.items()}
    assert per_year["sdc_per_day"] == pytest.approx(STATED_RAD_PER_YEAR / rad_per_sdc, rel=1e-12)
    assert per_year["uecc_per_day"] == pytest.approx(150.0 / 44.0, rel=1e-12)
    assert per_year["crash_per_day"] == pytest.approx(0.03, rel=1e-12)
    assert per_year["host_cpu_per_day"] == pytest.approx(150.0 / 450.0, rel=1e-12)
    assert per_year["host_ram_per_day"] == pytest.approx(150.0 / 400.0, rel=1e-12)
    every = STATED_RAD_PER_YEAR * (1 / rad_per_sdc + 1 / 44.0 + 1 / 5000.0 + 1 / 450.0 + 1 / 400.0)
    assert per_year["seu_per_day"] == pytest.approx(every, rel=1e-12)


def test_sdc_range_ends():
    lo = upset_rates_per_day(STATED_RAD_PER_YEAR, 20.0, RAD_PER_UECC, RAD_PER_CRASH)["sdc_per_day"]
    hi = upset_rates_per_day(STATED_RAD_PER_YEAR, 14.4, RAD_PER_UECC, RAD_PER_CRASH)["sdc_per_day"]
    assert lo * DAYS_PER_YEAR == pytest.approx(7.5, rel=1e-12)
    assert hi * DAYS_PER_YEAR == pytest.approx(10.416666666666666, rel=1e-12)
    # five years at 150 rad/yr: 750 rad, 37.5-52.1 SDC per chip
    assert lo * DAYS_PER_YEAR * 5.0 == pytest.approx(750.0 / 20.0)


def test_upset_rates_vectorise_and_skip_missing_kinds():
    rates = upset_rates_per_day([0.0, 150.0, 300.0], 17.2, 44.0, 5000.0)
    assert rates["host_cpu_per_day"].tolist() == [0.0, 0.0, 0.0]
    assert rates["sdc_per_day"][2] == pytest.approx(2.0 * rates["sdc_per_day"][1])
    with pytest.raises(ValueError):
        upset_rates_per_day(150.0, 0.0, 44.0, 5000.0)
