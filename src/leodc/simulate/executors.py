"""Where chunks run: in this process (default), on a local Dask cluster (``--workers N``), or on an
existing Dask cluster (``--cluster tcp://HOST:PORT``). Results come back in chunk order whatever
the executor, so the written files are identical.

Locally the numba kernel already uses every core (threads over satellite blocks). On Dask each
worker runs whole chunks; SGP4's SatrecArray holds the GIL, so workers are processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from leodc.errors import InputError

# how long to wait for an existing Dask scheduler to answer
CONNECT_TIMEOUT_S = 10.0


def _progress_bar(enabled: bool) -> Progress:
    return Progress(TextColumn("simulate"), BarColumn(), MofNCompleteColumn(), TextColumn("satellite-steps"),
                    TimeElapsedColumn(), TimeRemainingColumn(), disable=not enabled, transient=False)


def run_tasks(run: Callable[..., Any], tasks: list, *, workers: int | None = None, cluster: str | None = None,
              progress: bool = False, total: int = 0) -> Iterator[Any]:
    """``run(task, progress=...)`` for every task, results yielded in task order (``result.index``).

    ``run`` is the engine's chunk function, handed in so that executors never import the engine;
    locally it reports satellite-steps as it goes, on Dask each result reports ``sat_steps`` when done.
    """
    if workers or cluster:
        yield from _run_dask(run, tasks, workers, cluster, progress, total)
        return
    with _progress_bar(progress) as bar:
        job = bar.add_task("simulate", total=total)
        for task in tasks:
            yield run(task, progress=lambda n: bar.advance(job, n))


def dask_client(workers: int | None, cluster: str | None):
    """A Dask client: on the scheduler at ``cluster`` (a bad or silent address is a user-facing error
    within ``CONNECT_TIMEOUT_S``), else on a new local cluster of ``workers`` processes. Returns
    ``(client, local_cluster)``, the latter None for an existing scheduler; the caller closes both."""
    from dask.distributed import Client, LocalCluster

    if cluster:
        try:
            return Client(cluster, timeout=CONNECT_TIMEOUT_S), None
        except ValueError:
            raise InputError("--cluster", None, f"expected a scheduler address such as tcp://HOST:PORT (got "
                             f"{cluster!r})") from None
        except (OSError, TimeoutError):
            raise InputError("--cluster", None, f"no Dask scheduler answered at {cluster!r} within "
                             f"{CONNECT_TIMEOUT_S:g} s; expected the address of a running scheduler") from None
    local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(local), local


def _run_dask(run: Callable[..., Any], tasks: list, workers: int | None, cluster: str | None, progress: bool,
              total: int) -> Iterator[Any]:
    from dask.distributed import as_completed

    client, local = dask_client(workers, cluster)
    try:
        futures = client.map(run, tasks, pure=False)
        done: dict[int, Any] = {}
        next_index = 0
        with _progress_bar(progress) as bar:
            job = bar.add_task("simulate", total=total)
            for future in as_completed(futures):
                result = future.result()
                bar.advance(job, result.sat_steps)
                done[result.index] = result
                while next_index in done:  # hand results on in chunk order
                    yield done.pop(next_index)
                    next_index += 1
    finally:
        client.close()
        if local is not None:
            local.close()
