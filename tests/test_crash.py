"""A crash test: SIGKILL `leodc run` at random moments, many times, on one runs home.

Afterwards the catalog opens, every run listed complete is whole (``RunLayout.missing()`` empty: every
file in place, no temporary file), no killed run is listed as running or complete, and the next run
lands complete. The counts are printed for the README's reliability section.
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import WORKLOAD_TINY
from leodc.runs.layout import RunLayout
from leodc.runs.store import RunStore

TINY = ["fleet.target_satellites=4", "simulation.days=0.01", "network.hours=0.1", *WORKLOAD_TINY]
KILLS = 10
SEED = 20260320


def _run(home, **kw) -> subprocess.Popen:
    args = [sys.executable, "-m", "leodc", "run", "builtin:default", "--out", str(home), "--json",
            *[x for s in TINY for x in ("--set", s)]]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_every_complete_run_whole(tmp_path):
    home = tmp_path / "runs"
    t0 = time.monotonic()
    first = _run(home)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    span = time.monotonic() - t0  # one run from start to end: the kills fall anywhere in it
    rng = random.Random(SEED)
    for _ in range(KILLS):
        proc = _run(home)
        time.sleep(rng.uniform(0.0, span))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        RunStore(home).list()  # the catalog opens after every kill
    store = RunStore(home)
    records = store.list()
    for r in records:
        assert r.status in ("complete", "failed"), (r.id, r.status)  # no killed run shows as running
        if r.status == "complete":
            assert RunLayout(store.run_dir(r.id)).missing() == [], r.id
    failed_at = collections.Counter(r.stage for r in records if r.status == "failed")
    finished = sum(r.status == "complete" for r in records) - 1  # less the first, uninterrupted run
    last = _run(home)
    out, err = last.communicate(timeout=300)
    assert last.returncode == 0, err
    assert store.get(json.loads(out)["id"]).status == "complete"
    rows = {r.id for r in store.list()}
    orphans = [d.name for d in store.run_dirs() if d.name not in rows]
    for name in orphans:  # killed between making its directory and writing its row: nothing in it
        assert not any((store.run_dir(name)).iterdir()), name
    unborn = KILLS - finished - sum(failed_at.values()) - len(orphans)  # killed while Python was starting
    assert unborn >= 0
    print(f"\n{KILLS} SIGKILLs at random moments of a {span:.1f} s run: the catalog opened after each; "
          f"{finished} runs finished before their kill (each whole); {sum(failed_at.values())} listed failed, by "
          f"stage {dict(failed_at)}; {len(orphans)} killed between making their directory and their row (left "
          f"empty); {unborn} killed before writing anything; runs lost: 0; the next run completed")
