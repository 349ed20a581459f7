"""The distribution: ``python -m build`` makes an sdist and a wheel that carry every data file, ``twine check``
passes, and the wheel installed into a fresh virtual environment (not editable) runs ``leodc design`` and a
small ``leodc run``.

No network: the build runs without isolation (hatchling comes with the ``docs`` extra), and the fresh
environment gets leodc's dependencies from this one's site-packages through a ``.pth`` line (a plain path
line, so that this environment's own ``.pth`` files, the editable install of leodc among them, are not
read there); the wheel is installed with ``--no-deps --no-index``. The test checks that ``leodc`` is
imported from the fresh environment, not from ``src/``. The version lives in ``src/leodc/version.py``:
the built files, ``leodc --version`` and ``CITATION.cff`` must all say it.

The run is flown with numba's JIT disabled (``NUMBA_DISABLE_JIT=1``; four satellites for a quarter of an
hour are quick in plain Python): compiling the kernels afresh in the new environment would take ~40 s and
tells nothing about the packaging, and the same kernels are compiled and tested from the source tree by
the rest of the suite. The build, the environment and the commands take about 15 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import WORKLOAD_TINY
from leodc.version import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "leodc"
TIMEOUT_S = 600


def _run(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env)
    assert out.returncode == 0, f"{args}\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
    return out


def _data_files() -> list[str]:
    """Every file of the package that is not Python source, as committed (git), relative to src/."""
    listed = subprocess.run(["git", "ls-files", "src/leodc"], cwd=ROOT, capture_output=True, text=True, check=True)
    files = [Path(line) for line in listed.stdout.splitlines() if line]
    return sorted(str(f.relative_to("src")) for f in files if f.suffix != ".py" and (ROOT / f).is_file())


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT, cwd=ROOT)
    return out


def _one(dist: Path, pattern: str) -> Path:
    (found,) = dist.glob(pattern)
    return found


def test_sdist_and_wheel_carry_every_data_file(dist):
    data = _data_files()
    assert any(f.endswith("trapped_dose.npz") for f in data) and any(f.startswith("leodc/web/static/") for f in data)
    wheel = _one(dist, f"leodc-{__version__}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert not [f for f in data if f not in names], "data files missing from the wheel"
    assert f"leodc-{__version__}.dist-info/licenses/LICENSE" in names
    sdist = _one(dist, f"leodc-{__version__}.tar.gz")
    with tarfile.open(sdist) as t:
        members = {m.name.split("/", 1)[1] for m in t.getmembers() if "/" in m.name}
    assert not [f for f in data if f"src/{f}" not in members], "data files missing from the sdist"
    for name in ("LICENSE", "README.md", "CHANGELOG.md", "CITATION.cff", "pyproject.toml", "src/leodc/version.py"):
        assert name in members, name
    assert not [m for m in members if m.startswith(("docs/_build/", "docs/_generated/", ".venv/"))]


def test_twine_check_passes(dist):
    out = _run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()), cwd=ROOT)
    assert out.stdout.count("PASSED") == 2, out.stdout


def test_the_version_lives_in_one_place():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and 'path = "src/leodc/version.py"' in pyproject
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{__version__}"' in citation
    assert "cff-version: 1.2.0" in citation and "license: Apache-2.0" in citation
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed (not editable), this one's packages on its path."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    _run(sys.executable, "-m", "venv", "--without-pip", env_dir, cwd=env_dir.parent)
    python = env_dir / "bin" / "python"
    paths = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = _run(python, "-c", paths, cwd=env_dir).stdout.strip()
    # the dependencies: a plain path line (this environment's own .pth files, the editable leodc's among them,
    # are not processed through it); the fresh site-packages comes first on sys.path
    (Path(purelib) / "leodc-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    wheel = _one(dist, "leodc-*.whl")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--no-compile",
         wheel, cwd=env_dir)
    return env_dir


def _env(venv: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LEODC_HOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_leodc_imports_from_the_wheel(venv, tmp_path):
    out = _run(venv / "bin" / "python", "-c", "import leodc, json; print(json.dumps([leodc.__file__, "
               "leodc.__version__]))", cwd=tmp_path, env=_env(venv))
    path, version = json.loads(out.stdout)
    assert Path(path).resolve().is_relative_to(venv.resolve()), path
    assert not Path(path).resolve().is_relative_to(ROOT / "src")
    assert version == __version__
    scenario = Path(path).parent / "scenarios" / "default.toml"
    assert scenario.is_file()


def test_installed_script_designs_and_runs(venv, tmp_path):
    leodc = venv / "bin" / "leodc"
    assert leodc.is_file(), "the wheel installed no leodc script"
    env = _env(venv)
    assert _run(leodc, "--version", cwd=tmp_path, env=env).stdout.strip().endswith(__version__)
    design = json.loads(_run(leodc, "design", "builtin:default", "--json", cwd=tmp_path, env=env).stdout)
    assert design["fleet"]["satellites"] > 0 and design["satellite"]["mass_kg"] > 0
    home = tmp_path / "runs"
    tiny = ["fleet.target_satellites=4", "simulation.days=0.01", "network.hours=0.1", *WORKLOAD_TINY]
    sets = [arg for field in tiny for arg in ("--set", field)]
    out = _run(leodc, "run", "builtin:default", "--out", home, *sets, "--json", cwd=tmp_path,
               env=env | {"NUMBA_DISABLE_JIT": "1"})
    record = json.loads(out.stdout)
    assert record["status"] == "complete", record
    run_dir = home / record["id"]
    assert (run_dir / "report.html").is_file() and (run_dir / "simulation" / "satellites.parquet").is_file()
