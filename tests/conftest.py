from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "examples" / "published"


@pytest.fixture
def leodc_cli():
    """Run the installed CLI as a user would: a subprocess, with its exit code and both streams."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "leodc", *map(str, args)], capture_output=True, text=True,
                              cwd=cwd or ROOT, timeout=120)

    return run
