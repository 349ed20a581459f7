"""The tests against their own mutations: ``scripts/mutation_check.py`` scales the dose grid, the density
table and the eclipse fraction by 1.2 in turn, and each time at least one test of that model must fail
while every one passes unmutated (issue 16). Measured (aep8 1.1.0, pymsis 0.13.0 tables): dose, 10
tests fail (the SPENVIS, Suncatcher and radiation-map pins and the Suncatcher audit row); density, 16
(the density-table and lifetime pins, two lifetime anchors, the FCC disposal pins); eclipse, 4 (the
beta-0 eclipse fractions). Slow: six pytest runs, about 30 s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_every_scaled_model_fails_a_test():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "mutation_check.py")], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    for name in ("dose", "density", "eclipse"):
        assert f"{name}: " in out.stdout and "NOT CAUGHT" not in out.stdout
