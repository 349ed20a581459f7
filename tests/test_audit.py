"""The claims audit judges, it never restates (issue 16).

* Two kinds of rows, kept apart: the source's own arithmetic (``recomputed``) and leodc's
  recomputation (``metric``).
* No row agrees by construction: every published example is loaded, and for each claim the
  recomputation's inputs are checked here, independently of ``leodc.audit``'s own check, to exclude
  the figure it judges (the expression's names; for a metric, the ``set`` values and every scenario
  input equal to the judged figure that the metric depends on, found by changing it by 1 %).
* Every input of a published example says where it comes from: the source, this file's
  assumption, or leodc's default.
* A claim that uses the figure it judges is refused with one line naming the claim's field, exit 2;
  one-sided claims are judged by their side alone.
"""

from __future__ import annotations

import ast
import math
import re
import tomllib
from pathlib import Path

import pytest

from conftest import PUBLISHED
from leodc.assessment import assess
from leodc.audit import KINDS, LEODC_RECOMPUTATION, SOURCE_ARITHMETIC, audit
from leodc.errors import EXIT_BAD_INPUT
from leodc.scenario import load_scenario, with_overrides

EXAMPLES = sorted(PUBLISHED.glob("*.toml"))
SAME_FIGURE_REL = 1e-3  # sources round: 48.7 is 28,000 / 575 to 1e-4
PREFIXES = [1000.0**p for p in range(-3, 4)]  # W and kW, kg and t
PERTURBATION = 0.01
# words that say where an input comes from, on its line or in the comment block just above it
PROVENANCE = re.compile(r"\b(source|source-derived|assumption|leodc's default)\b")
TOP_LEVEL = {"name", "description", "sources", "extends"}


def _raw(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _judged(claim: dict, stated: dict) -> list[str]:
    judges = claim["judges"]
    return [judges] if isinstance(judges, str) else list(judges)


def _figures(names: list[str], stated: dict, claim_stated: float) -> list[float]:
    values = [stated[n] for n in names] + [claim_stated]
    values += [stated[a] / stated[b] for a in names for b in names if a != b and stated[b]]
    values += [stated[a] * stated[b] for a in names for b in names if a < b]
    return [v * p for v in values if v for p in PREFIXES]


def _same(value, figures) -> bool:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return ok and any(math.isclose(value, f, rel_tol=SAME_FIGURE_REL) for f in figures)


def _leaves(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else key)
    else:
        yield path, node


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_claim_declares_what_it_judges(path):
    raw = _raw(path)
    stated = raw["audit"]["stated"]
    for k, claim in enumerate(raw["audit"]["claims"]):
        assert "judges" in claim, f"{path.name}: claim {k} does not say which stated figure it judges"
        names = _judged(claim, stated)
        assert names and set(names) <= set(stated), (path.name, k, names)
        if len(names) == 1:
            assert stated[names[0]] == claim["stated"], (path.name, k)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_recomputation_reads_the_figure_it_judges(path):
    raw = _raw(path)
    stated = raw["audit"]["stated"]
    scenario = load_scenario(path)
    for k, claim in enumerate(raw["audit"]["claims"]):
        names = _judged(claim, stated)
        if "recomputed" in claim:
            used = {n.id for n in ast.walk(ast.parse(claim["recomputed"], mode="eval")) if isinstance(n, ast.Name)}
            assert not used & set(names), f"{path.name}: claim {k} recomputes {names} from {sorted(used)}"
            continue
        figures = _figures(names, stated, claim["stated"])
        overrides = claim.get("set", {})
        assert not any(_same(v, figures) for v in overrides.values()), (path.name, k, overrides)
        target = with_overrides(scenario, overrides, "test") if overrides else scenario
        base = assess(target).metric(claim["metric"])
        dump = {key: value for key, value in target.model_dump().items() if key != "audit"}
        for field, value in _leaves(dump):
            if not _same(value, figures):
                continue
            step = value + 1 if isinstance(value, int) else value * (1 + PERTURBATION)
            moved = assess(with_overrides(target, {field: step}, "test")).metric(claim["metric"])
            assert moved == pytest.approx(base, rel=1e-12), (
                f"{path.name}: claim {k} ({claim['metric']}) depends on {field} = {value}, a judged figure")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_input_says_where_it_comes_from(path):
    """Each field a published example sets carries "source", "assumption" or "leodc's default" in its line's
    comment or in the comment block right above it (fields it does not set are leodc's defaults, which its
    header says)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    text = "\n".join(lines)
    assert "leodc's default" in text, f"{path.name}: the header must say unset fields are leodc's defaults"
    section = ""
    for n, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped.strip("[]")
            continue
        if section.startswith("audit") or not re.match(r"^[A-Za-z_]\w*\s*=", stripped):
            continue
        if not section and stripped.split("=")[0].strip() in TOP_LEVEL:
            continue
        block = [line]
        m = n - 1
        while m >= 0 and lines[m].strip().startswith("#"):
            block.append(lines[m])
            m -= 1
        if n + 1 < len(lines) and lines[n + 1].strip().startswith("#") and "=" not in lines[n + 1].split("#")[0]:
            block.append(lines[n + 1])  # a comment continued on the next line
        comment = " ".join(b.split("#", 1)[1] for b in block if "#" in b)
        assert PROVENANCE.search(comment), f"{path.name}:{n + 1}: {stripped!r} does not say where it comes from"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_rows_come_in_two_kinds(path):
    raw = _raw(path)
    rows = audit(load_scenario(path), str(path))
    assert [r.name for r in rows] == [c["name"] for c in raw["audit"]["claims"]]
    for row, claim in zip(rows, raw["audit"]["claims"], strict=True):
        assert row.kind == (SOURCE_ARITHMETIC if "recomputed" in claim else LEODC_RECOMPUTATION)
        assert row.judges == tuple(_judged(claim, raw["audit"]["stated"]))
        assert row.independence and row.source


def test_one_sided_claims_are_judged_by_their_side():
    """SpaceX's "more than 99 % sunlight": 1.0 at the filed 2,000 km, judged as > 0.99 with no tolerance band
    (a 1 % band would have passed 0.985, the sunlit fraction at 1,000 km)."""
    rows = {r.name: r for r in audit(load_scenario(PUBLISHED / "spacex-fcc-2026.toml"))}
    sunlit = rows["sunlit fraction in a high sun-synchronous orbit (more than 99 %)"]
    assert sunlit.comparison == ">" and sunlit.tolerance is None
    assert sunlit.recomputed > sunlit.stated and sunlit.consistent
    lower = audit(load_scenario(PUBLISHED / "spacex-fcc-2026.toml", ["orbit.altitude_km=1000"]))
    sunlit_1000 = {r.name: r for r in lower}[sunlit.name]
    assert sunlit_1000.recomputed < sunlit.stated and not sunlit_1000.consistent


# ---------------------------------------------------------------- refusals, through the command line

CLAIMS = 'name = "claims"\n[audit.stated]\ndose = 150.0\nlife = 5.0\ntotal = 750.0\nw_per_kg = 100.0\n' \
         '[[audit.claims]]\nname = "x"\nunit = "u"\nsource = "s"\n'
REFUSED = {
    "arithmetic reads the judged figure": ('stated = 750.0\njudges = "total"\nrecomputed = "total * 1"',
                                           "audit.claims.0.recomputed", "agrees by construction"),
    "arithmetic reads a same-valued figure (no judges)": (
        'stated = 150.0\nrecomputed = "dose * life / 5"', "audit.claims.0.recomputed", "'dose'"),
    "override is the judged figure": (
        'stated = 100.0\njudges = "w_per_kg"\nmetric = "satellite.bottom_up_specific_power_w_per_kg"\n'
        'set = { "satellite.specific_power_w_per_kg" = 100.0 }', "audit.claims.0.set", "is the figure this claim"),
    "override is the judged figure in other units": (
        'stated = 100.0\njudges = "w_per_kg"\nmetric = "satellite.bottom_up_specific_power_w_per_kg"\n'
        'set = { "compute.bus_power_w" = 100000.0 }', "audit.claims.0.set", "x 1000^1"),
    "metric depends on an input equal to the judged figure": (
        'stated = 100.0\njudges = "w_per_kg"\nmetric = "satellite.specific_power_w_per_kg"',
        "audit.claims.0.metric", "depends on satellite.specific_power"),
    "judges an unknown name": ('stated = 1.0\njudges = "nothing"\nrecomputed = "life"', "audit.claims.0.judges",
                               "unknown name 'nothing'"),
    "judges a figure it does not state": ('stated = 1.0\njudges = "life"\nrecomputed = "dose"',
                                          "audit.claims.0.judges", "a claim judges the figure it states"),
    "one-sided claim with a tolerance": ('stated = 1.0\ncomparison = ">"\ntolerance = 0.01\nrecomputed = "life"',
                                         "audit.claims.0.tolerance", "judged by its side alone"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_claim_that_agrees_by_construction_is_refused(case, leodc_cli, tmp_path: Path):
    lines, field, fragment = REFUSED[case]
    extra = "[satellite]\nspecific_power_w_per_kg = 100.0\n" if "depends on" in fragment else ""
    path = tmp_path / "claims.toml"
    path.write_text(CLAIMS + lines + "\n" + extra, encoding="utf-8")
    out = leodc_cli("audit", path)
    assert out.returncode == EXIT_BAD_INPUT, out.stdout
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith(f"error: {path}: {field}: "), out.stderr
    assert fragment in out.stderr, out.stderr


@pytest.mark.parametrize(("comparison", "stated", "consistent"), [(">", 4.9, True), (">", 5.0, False),
                                                                  ("<", 5.1, True), ("<", 4.9, False)])
def test_one_sided_verdicts(comparison, stated, consistent, tmp_path: Path):
    path = tmp_path / "one-sided.toml"
    path.write_text(CLAIMS + f'stated = {stated}\ncomparison = "{comparison}"\nrecomputed = "total / dose"\n',
                    encoding="utf-8")
    (row,) = audit(load_scenario(path), str(path))
    assert row.consistent is consistent and row.tolerance is None and row.recomputed == 5.0


def test_json_shows_the_kinds_apart(leodc_cli):
    import json

    data = json.loads(leodc_cli("audit", PUBLISHED / "suncatcher-2025.toml", "--json").stdout)
    assert set(KINDS) <= set(data)
    for kind in KINDS:
        assert data[kind]["title"] and all(c["kind"] == kind for c in data[kind]["claims"])
    assert data["inconsistent"] == sum(data[kind]["inconsistent"] for kind in KINDS) == 1
