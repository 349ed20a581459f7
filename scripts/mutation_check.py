"""Mutation check: scale one of leodc's models by 1.2 and show that its tests fail.

A test that still passes when the model it checks is 20 % off does not check the model. For each
mutation this script runs pytest twice on the tests that judge that model: once as is (every test
must pass) and once with the model scaled (at least one test must fail), and prints which tests
failed::

    python scripts/mutation_check.py                # dose, density and eclipse in turn
    python scripts/mutation_check.py dose           # one of them
    python scripts/mutation_check.py --scale 1.6    # another factor

Mutations (each applied in the pytest process before any test module is imported, by this file
loaded as a pytest plugin, ``-p mutation_check`` with ``scripts/`` on the path and
``LEODC_MUTATION`` naming the mutation):

* ``dose``: the AE8/AP8 dose grid (``leodc.environment.radiation.load_grid``, every part) x 1.2;
* ``density``: the NRLMSIS density table (``leodc.environment.atmosphere.density_table``) x 1.2;
* ``eclipse``: the closed-form eclipse fraction (``leodc.design.orbit.eclipse_fraction``) x 1.2.

Slow tests are left out (``-m "not slow"``): the check takes about a minute. Exit status 0 when
every control run passes and every mutated run fails, 1 otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_VAR = "LEODC_MUTATION"
SCALE_VAR = "LEODC_MUTATION_SCALE"
SCALE = 1.2  # the mutation: a model 20 % off must fail a test
# the tests that judge each model (their docstrings name the tests this check makes fail)
MUTATIONS = {
    "dose": ("the AE8/AP8 dose grid", ["tests/test_against_spenvis.py", "tests/test_against_suncatcher_dose.py",
                                       "tests/test_against_suncatcher.py", "tests/test_radiation_map.py"]),
    "density": ("the NRLMSIS density table", ["tests/test_atmosphere.py", "tests/test_against_published_lifetimes.py",
                                              "tests/test_against_fcc_rule.py"]),
    "eclipse": ("the closed-form eclipse fraction", ["tests/test_against_analytic_geometry.py"]),
}
FAILED_LINE = re.compile(r"^FAILED (\S+)", re.MULTILINE)


def _scale() -> float:
    return float(os.environ.get(SCALE_VAR, SCALE))


def _scale_arrays(table: dict, keys: tuple[str, ...]) -> None:
    for key in keys:
        scaled = table[key] * _scale()
        scaled.setflags(write=False)
        table[key] = scaled  # the loaders cache this dict: every reader sees the scaled arrays


def apply(name: str) -> None:
    """Scale the named model by SCALE (or LEODC_MUTATION_SCALE) in this process."""
    if name == "dose":
        from leodc.environment import radiation

        _scale_arrays(radiation.load_grid(), ("dose_rad_per_year", "proton_dose_rad_per_year",
                                              "electron_dose_rad_per_year"))
    elif name == "density":
        from leodc.environment import atmosphere

        _scale_arrays(atmosphere.density_table(), ("density_kg_m3",))
    elif name == "eclipse":
        from leodc.design import orbit

        original, factor = orbit.eclipse_fraction, _scale()

        def scaled(altitude_km, beta_rad):
            return original(altitude_km, beta_rad) * factor

        orbit.eclipse_fraction = scaled  # design_orbit and every later `from ... import` see this one
    else:
        raise SystemExit(f"unknown mutation {name!r}; expected one of {', '.join(MUTATIONS)}")


def pytest_configure(config) -> None:
    """As a pytest plugin: apply the mutation that LEODC_MUTATION names, before tests are collected."""
    name = os.environ.get(ENV_VAR)
    if name:
        apply(name)


def _pytest(files: list[str], mutation: str | None, scale: float) -> tuple[int, list[str]]:
    env = dict(os.environ)
    env.pop(ENV_VAR, None)
    env[SCALE_VAR] = repr(scale)
    if mutation:
        env[ENV_VAR] = mutation
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "scripts"), *filter(None, [env.get("PYTHONPATH")])])
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "-p",
                          "mutation_check", "-m", "not slow", *files], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    return out.returncode, FAILED_LINE.findall(out.stdout)


def main(args: list[str]) -> int:
    scale = SCALE
    if "--scale" in args:
        at = args.index("--scale")
        scale = float(args[at + 1])
        args = args[:at] + args[at + 2:]
    ok = True
    for name in args or list(MUTATIONS):
        if name not in MUTATIONS:
            raise SystemExit(f"unknown mutation {name!r}; expected one of {', '.join(MUTATIONS)}")
        what, files = MUTATIONS[name]
        control_rc, control_failed = _pytest(files, None, scale)
        rc, failed = _pytest(files, name, scale)
        caught = control_rc == 0 and rc == 1 and bool(failed)
        ok &= caught
        print(f"{name}: {what} x {scale}: control {'passes' if control_rc == 0 else f'FAILS {control_failed}'}; "
              f"mutated: {len(failed)} failing test(s){'' if caught else ' -- NOT CAUGHT'}")
        for test in failed:
            print(f"    {test}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
