"""The catalog: every part validates, every figure carries source, year and confidence, and the
parts scenarios refer to exist. Figures that the sources state (docs/references.md: [Pfandzelter2023],
[SpaceXLaunch], [Suncatcher2025], [Starcloud2024], [NASAISSThermal2006]) are held exactly."""

from __future__ import annotations

import pytest

from leodc.catalog import KINDS, Figure, load_catalog

REQUIRED = {
    "accelerators": {"h100-sxm", "b200", "gb200-nvl72", "tpu-v6e"},
    "launch_vehicles": {"falcon9-reusable", "starship-today", "starship-target"},
    "solar_arrays": {"iss-class", "rosa-class", "thin-film"},
    "radiators": {"iss-eatcs", "composite-deployable"},
    "batteries": {"li-ion-space"},
    "buses": {"starlink-class"},
    "power_options": {"grid-us-industrial", "gas-turbine-ccgt"},
    "datacenters": {"hyperscale"},
    "dose_depth": {"spenvis-550km-95deg"},
    "laser_terminals": {"starlink-laser", "suncatcher-dwdm"},
    "feeder_links": {"ka-band-gateway", "optical-ground-station"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_kind_has_its_parts_with_provenance(kind):
    parts = load_catalog().kind(kind)
    assert REQUIRED[kind] <= set(parts)
    for name, part in parts.items():
        figs = part.figures()
        assert figs, name
        for field, fig in figs.items():
            assert isinstance(fig, Figure)
            assert fig.source.strip() and fig.confidence in ("high", "medium", "low"), (name, field)
            assert 1950 <= fig.year <= 2026, (name, field)


def test_reference_figures_are_held():
    cat = load_catalog()
    assert cat.launch_vehicles["falcon9-reusable"].payload_to_leo_kg.value == 17500
    assert cat.launch_vehicles["falcon9-expendable"].payload_to_leo_kg.value == 22800
    assert cat.launch_vehicles["starship-target"].cost_usd_per_kg.value == 200
    assert cat.accelerators["tpu-v6e"].radiation_tolerance_rad.value == 15000
    dd = cat.dose_depth["spenvis-550km-95deg"]
    # SPENVIS 5-year doses 30.6 krad, 1.40 krad, 560 rad, 405 rad behind 1, 5, 10, 20 mm
    assert [d * 5 for d in dd.dose_rad_per_year.value] == pytest.approx([30600, 1400, 560, 405])
    assert cat.power_options["grid-starcloud"].electricity_usd_per_kwh.value == 0.04
    # ISS EATCS radiator: 1,122 kg on 23.3 m x 3.4 m
    assert cat.radiators["iss-eatcs"].areal_density_kg_per_m2.value == pytest.approx(1122 / (23.3 * 3.4), rel=0.01)


def test_catalog_cli_lists_sources(leodc_cli):
    out = leodc_cli("catalog", "launch_vehicles")
    assert out.returncode == 0
    assert "starship-target" in out.stdout and "conf." in out.stdout
    import json

    js = json.loads(leodc_cli("catalog", "--json").stdout)
    assert set(js) == set(KINDS)
    assert js["accelerators"]["h100-sxm"]["tdp_w"]["source"]


# ---------------------------------------------------------------- mass-production parts (issue 12)

MASS_PRODUCTION = {"solar_arrays": "starlink-silicon", "buses": "starlink-v2-mini-class"}
# words by which a figure says it is no outside source's own number
OWN_ESTIMATE = ("estimate", "derived", "assumption")


@pytest.mark.parametrize(("kind", "name"), MASS_PRODUCTION.items())
def test_mass_production_parts_say_what_they_are(kind, name):
    """No outside source gives these figures whole: each price, mass and learning figure says it is an
    estimate, a derivation or an assumption, with low confidence, and the estimates give their bounds."""
    part = load_catalog().kind(kind)[name]
    figs = part.figures()
    assert "learning_rate" in figs and "learning_units_before" in figs
    for field in ("cost_usd_per_w", "specific_power_w_per_kg", "cost_usd_per_kg", "learning_rate",
                  "learning_units_before"):
        if field in figs:
            fig = figs[field]
            assert fig.confidence == "low", (name, field)
            assert any(w in fig.source.lower() or w in (fig.note or "").lower() for w in OWN_ESTIMATE), (name, field)
    for field, fig in figs.items():
        if fig.source.startswith("estimate") and field != "learning_rate":
            assert "bound" in (fig.note or ""), (name, field)


def test_learning_figures_are_in_range():
    cat = load_catalog()
    for kind in ("solar_arrays", "batteries", "radiators", "buses"):
        for name, part in cat.kind(kind).items():
            if part.learning_rate is not None:
                assert 0.0 <= part.learning_rate.value < 1.0, name
            if part.learning_units_before is not None:
                assert part.learning_units_before.value >= 0.0, name


def test_starlink_silicon_array_is_cheaper_and_lighter_than_the_heritage_arrays():
    arrays = load_catalog().solar_arrays
    new = arrays["starlink-silicon"]
    for name in ("iss-class", "rosa-class"):
        assert new.cost_usd_per_w.value < arrays[name].cost_usd_per_w.value
        assert new.specific_power_w_per_kg.value > arrays[name].specific_power_w_per_kg.value
    # its specific power lies above a V2 Mini's whole-satellite figure, 28,000 W / 575 kg [Suncatcher2025]
    assert new.specific_power_w_per_kg.value > 28000 / 575
