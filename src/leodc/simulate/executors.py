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

# how long to wait for an existing Dask scheduler to answer: a scheduler on a network answers a
# connection in milliseconds, and a user who mistyped an address should hear so within seconds
CONNECT_TIMEOUT_S = 5.0


def _progress_bar(enabled: bool, label: str, unit: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                    TimeElapsedColumn(), TimeRemainingColumn(), disable=not enabled, transient=False)


def executor_name(workers: int | None, cluster: str | None) -> str:
    """How a run's tasks were executed, in words (``local``, ``dask LocalCluster(2)``, ``dask tcp://...``)."""
    if not (workers or cluster):
        return "local"
    return "dask " + (cluster or f"LocalCluster({workers})")


def run_tasks(run: Callable[..., Any], tasks: list, *, workers: int | None = None, cluster: str | None = None,
              progress: bool = False, total: int = 0, label: str = "simulate", unit: str = "satellite-steps",
              on_result: Callable[[Any], None] | None = None, shared: Any = None) -> Iterator[Any]:
    """``run(task, progress=...)`` for every task, results yielded in task order (``result.index``).

    ``run`` is the stage's task function (the engine's chunk, the network's block of steps), handed in
    so that executors never import the stages; locally it reports units of work (``unit``) as it goes,
    on Dask each result reports its ``work`` when done. ``on_result(result)`` is called as each result
    arrives, in the order they finish (the run's progress file follows it). ``shared``, when given, is
    what every task needs alike (``run(task, progress=..., shared=...)``): on Dask it is sent to every
    worker once (scattered, replicated on each) rather than with each task.
    """
    if workers or cluster:
        yield from _run_dask(run, tasks, workers, cluster, progress, total, label, unit, on_result, shared)
        return
    extra = {} if shared is None else {"shared": shared}
    with _progress_bar(progress, label, unit) as bar:
        job = bar.add_task(label, total=total)
        for task in tasks:
            result = run(task, progress=lambda n: bar.advance(job, n), **extra)
            if on_result is not None:
                on_result(result)
            yield result


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


def require_cluster(cluster: str | None) -> None:
    """Refuse an unreachable or malformed scheduler address (one line, within ``CONNECT_TIMEOUT_S``)
    before a run stores anything."""
    if cluster:
        client, _ = dask_client(None, cluster)
        client.close()


def _run_dask(run: Callable[..., Any], tasks: list, workers: int | None, cluster: str | None, progress: bool,
              total: int, label: str, unit: str, on_result: Callable[[Any], None] | None,
              shared: Any) -> Iterator[Any]:
    from dask.distributed import as_completed

    client, local = dask_client(workers, cluster)
    try:
        # scattered as a one-item list, so that a tuple or list travels whole (as one future)
        extra = {} if shared is None else {"shared": client.scatter([shared], broadcast=True, hash=False)[0]}
        futures = client.map(run, tasks, pure=False, **extra)
        done: dict[int, Any] = {}
        next_index = 0
        with _progress_bar(progress, label, unit) as bar:
            job = bar.add_task(label, total=total)
            for future in as_completed(futures):
                result = future.result()
                bar.advance(job, result.work)
                if on_result is not None:
                    on_result(result)
                done[result.index] = result
                while next_index in done:  # hand results on in chunk order
                    yield done.pop(next_index)
                    next_index += 1
    finally:
        client.close()
        if local is not None:
            local.close()
