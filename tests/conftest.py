from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leodc.errors import EXIT_BAD_INPUT

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "examples" / "published"
# the workload stage in little time, for tests that run the pipeline on tiny fleets: a small inference
# load over six minutes (tiny fleets have no laser link between the training job's satellites, so the
# stage reports training as not possible there; tests/test_workload*.py run it on real shells)
WORKLOAD_TINY = ["workload.inference.requests_per_day=1e5", "workload.inference.hours=0.1", "workload.days=0.05"]
WORKLOAD_TINY_FIELDS = dict(s.split("=", 1) for s in WORKLOAD_TINY)


def one_line(out: subprocess.CompletedProcess, file: str | Path, field: str | None, *fragments: str) -> str:
    """Assert exit 2 and exactly one stderr line ``error: FILE: FIELD: ...``; return it."""
    assert out.returncode == EXIT_BAD_INPUT, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    prefix = f"error: {file}: {field}: " if field else f"error: {file}: "
    assert lines[0].startswith(prefix), (prefix, lines[0])
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def leodc_cli():
    """Run the installed CLI as a user would: a subprocess, with its exit code and both streams."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "leodc", *map(str, args)], capture_output=True, text=True,
                              cwd=cwd or ROOT, timeout=120)

    return run
