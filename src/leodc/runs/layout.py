"""The run directory as code: every file a run holds is named here, and each stage's result writes
itself there and reads itself back.

A run directory (``<runs home>/<run id>/``)::

    inputs.json          the validated scenario, every field, defaults included  (design stage)
    environment.json     the design's space environment: dose, upsets, decay, FCC  (design stage)
    simulation/          the engine's directory (``leodc.simulate.output``)       (simulate stage)
    location.json        when the simulation's data lives elsewhere (an object store every host of a
                         Dask cluster reaches): its URL; ``simulation/`` is then at that URL
    orbits.parquet       a sample of the fleet over two hours, TEME and ITRS, sunlit share
    elements.parquet     mean elements of every satellite (for OMM exports)
    network/             latency.parquet (per pair and step) and summary.json      (network stage)
    workload/            summary.json (training and inference beside their terrestrial twins) and
                         requests.parquet (a sample of requests' latencies)        (workload stage)
    assessment.json      design, economics fed by the simulation, energy, launch loop  (economics)
    compare.json         the terrestrial baselines beside it                       (economics)
    report.html          the self-contained report
    exports/             CZML, OEM and OMM exports
    progress.json        while a time-domain stage runs: its executor and how far it is (RunProgress)

A sweep run (``leodc sweep``) holds ``inputs.json`` and ``sweep/``: ``summary.json`` (the quantiles of every
headline metric, the probability that orbit beats the ground, the distributions sampled) and
``samples.parquet`` (every sample's inputs and headline metrics) (:class:`SweepStage`); for its report,
``tornado.json``, ``ladder.json`` and ``front.parquet`` (:class:`SweepAnalysesStage`) and ``report.html``.

Writers and readers (pipeline, report, dashboard, export, economics) go through :class:`RunLayout`
and the stage results; every write is atomic (``leodc.files``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from leodc.errors import InputError
from leodc.files import TMP_SUFFIX, read_json, write_json, write_parquet
from leodc.simulate.output import SimulationFiles, SimulationResult

INPUTS_FILE = "inputs.json"
ENVIRONMENT_FILE = "environment.json"
SIMULATION_DIR = "simulation"
ORBITS_FILE = "orbits.parquet"
ELEMENTS_FILE = "elements.parquet"
NETWORK_DIR = "network"
LATENCY_FILE = "latency.parquet"
NETWORK_SUMMARY_FILE = "summary.json"
WORKLOAD_DIR = "workload"
WORKLOAD_SUMMARY_FILE = "summary.json"
REQUESTS_FILE = "requests.parquet"
ASSESSMENT_FILE = "assessment.json"
COMPARE_FILE = "compare.json"
REPORT_FILE = "report.html"
EXPORTS_DIR = "exports"
SWEEP_DIR = "sweep"
SWEEP_SUMMARY_FILE = "summary.json"
SWEEP_SAMPLES_FILE = "samples.parquet"
# what a sweep run stores for its report (SweepAnalysesStage)
SWEEP_TORNADO_FILE = "tornado.json"
SWEEP_LADDER_FILE = "ladder.json"
SWEEP_FRONT_FILE = "front.parquet"
PROGRESS_FILE = "progress.json"
LOCATION_FILE = "location.json"


@dataclass(frozen=True)
class RunLayout:
    """The paths of one run directory."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    @property
    def inputs(self) -> Path:
        return self.root / INPUTS_FILE

    @property
    def environment(self) -> Path:
        return self.root / ENVIRONMENT_FILE

    @property
    def location_file(self) -> Path:
        return self.root / LOCATION_FILE

    @property
    def simulation_location(self) -> str | None:
        """The URL of the run's simulation directory when it is not inside the run directory."""
        if not self.location_file.is_file():
            return None
        return read_json(self.location_file)["simulation"]

    def locate_simulation(self, url: str) -> None:
        """Record that the run's simulation directory is at ``url`` (before the stage writes there)."""
        write_json(self.location_file, {"simulation": url})

    @property
    def simulation(self) -> SimulationFiles:
        return SimulationFiles(self.simulation_location or self.root / SIMULATION_DIR)

    @property
    def orbits(self) -> Path:
        return self.root / ORBITS_FILE

    @property
    def elements(self) -> Path:
        return self.root / ELEMENTS_FILE

    @property
    def network(self) -> Path:
        return self.root / NETWORK_DIR

    @property
    def latency(self) -> Path:
        return self.network / LATENCY_FILE

    @property
    def network_summary(self) -> Path:
        return self.network / NETWORK_SUMMARY_FILE

    @property
    def workload(self) -> Path:
        return self.root / WORKLOAD_DIR

    @property
    def workload_summary(self) -> Path:
        return self.workload / WORKLOAD_SUMMARY_FILE

    @property
    def requests(self) -> Path:
        return self.workload / REQUESTS_FILE

    @property
    def assessment(self) -> Path:
        return self.root / ASSESSMENT_FILE

    @property
    def compare(self) -> Path:
        return self.root / COMPARE_FILE

    @property
    def report(self) -> Path:
        return self.root / REPORT_FILE

    @property
    def exports(self) -> Path:
        return self.root / EXPORTS_DIR

    @property
    def sweep(self) -> Path:
        return self.root / SWEEP_DIR

    @property
    def sweep_summary(self) -> Path:
        return self.sweep / SWEEP_SUMMARY_FILE

    @property
    def sweep_samples(self) -> Path:
        return self.sweep / SWEEP_SAMPLES_FILE

    @property
    def sweep_tornado(self) -> Path:
        return self.sweep / SWEEP_TORNADO_FILE

    @property
    def sweep_ladder(self) -> Path:
        return self.sweep / SWEEP_LADDER_FILE

    @property
    def sweep_front(self) -> Path:
        return self.sweep / SWEEP_FRONT_FILE

    @property
    def progress(self) -> Path:
        return self.root / PROGRESS_FILE

    @property
    def is_sweep(self) -> bool:
        """A sweep run (``leodc sweep``), whose files are its inputs and ``sweep/``."""
        return self.sweep.is_dir()

    def complete_files(self) -> list[Path]:
        """What a complete run holds (the report included): the pipeline marks a run complete only
        once every one of these is in place. A sweep run holds its inputs and ``sweep/``."""
        if self.is_sweep:
            return [self.inputs, self.sweep_summary, self.sweep_samples]
        sim = self.simulation
        return [self.inputs, self.environment, sim.satellites, sim.fleet, sim.manifest, self.orbits, self.elements,
                self.latency, self.network_summary, self.workload_summary, self.requests, self.assessment,
                self.compare, self.report]

    def missing(self) -> list[str]:
        """Names (relative to the run directory) of what a complete run holds and this one lacks, and
        of any temporary file left inside it; empty for a whole run."""
        gone = [str(p.relative_to(self.root)) if isinstance(p, Path) else str(p) for p in self.complete_files()
                if not p.is_file()]
        strays = [str(p.relative_to(self.root)) for p in self.root.rglob(f"*{TMP_SUFFIX}")]
        return gone + strays

    def require(self, path: Path) -> Path:
        """``path`` if the run holds it; a missing file is a user-facing error naming it."""
        if not path.is_file():
            raise InputError(str(self.root), None, f"the run has no {path.relative_to(self.root)}; expected a "
                             "complete run directory")
        return path

    def read_json(self, path: Path) -> Any:
        """A JSON file of the run (:meth:`require`)."""
        return read_json(self.require(path))


# ---------------------------------------------------------------------------------------------- progress
@dataclass
class RunProgress:
    """How far a run's time-domain stage is, and where it runs: written (atomically) to
    ``progress.json`` as the stage's tasks finish, read by ``runs show`` and the dashboard.

    ``executor`` is ``local``, ``dask LocalCluster(N)`` or ``dask tcp://HOST:PORT``; ``done``/``total``
    count the stage's unit of work (``satellite-steps`` for simulate, ``steps`` for network);
    ``tasks_done``/``tasks`` its tasks (chunks, blocks of steps), those found complete on a resume
    included; ``data_location`` is where the stage's parts are written (a local path or an fsspec URL)."""

    stage: str
    executor: str
    unit: str
    done: int
    total: int
    tasks_done: int
    tasks: int
    updated_utc: str
    data_location: str | None = None
    resumed_tasks: int = 0  # tasks found complete when the stage (re)started

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def write(self, layout: RunLayout) -> None:
        from dataclasses import asdict

        write_json(layout.progress, asdict(self) | {"fraction": self.fraction})

    @classmethod
    def read(cls, layout: RunLayout) -> RunProgress | None:
        """The run's progress, or None when it has none (a run that never reached a time-domain stage)."""
        if not layout.progress.is_file():
            return None
        data = read_json(layout.progress)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# ---------------------------------------------------------------------------------------------- stage results
@dataclass(frozen=True)
class DesignStage:
    """The design stage's files: the validated inputs and the design's space environment."""

    inputs: dict
    environment: dict

    def write(self, layout: RunLayout) -> None:
        write_json(layout.inputs, self.inputs)
        write_json(layout.environment, self.environment)

    @classmethod
    def read(cls, layout: RunLayout) -> DesignStage:
        return cls(layout.read_json(layout.inputs), layout.read_json(layout.environment))


@dataclass(frozen=True)
class SimulateStage:
    """The simulate stage: the engine's result (its directory under the run), the orbit sample and
    the fleet's mean elements (both Arrow tables)."""

    simulation: SimulationResult
    orbits: Any  # pyarrow.Table
    elements: Any  # pyarrow.Table

    def write(self, layout: RunLayout) -> None:
        # the engine wrote its own directory (simulation/); the orbit sample and elements join it
        write_parquet(layout.orbits, self.orbits)
        write_parquet(layout.elements, self.elements)

    @classmethod
    def read(cls, layout: RunLayout) -> SimulateStage:
        import pyarrow.parquet as pq

        return cls(SimulationResult.read(layout.simulation.root), pq.read_table(layout.require(layout.orbits)),
                   pq.read_table(layout.require(layout.elements)))


@dataclass(frozen=True)
class NetworkStage:
    """The network stage: round trips per pair and step (an Arrow table: ``pair, time, rtt_ms, hops,
    path``) and the summary (per pair: percentiles, extremes, path changes, bounds; the settings)."""

    latency: Any  # pyarrow.Table
    summary: dict

    def write(self, layout: RunLayout) -> None:
        layout.network.mkdir(exist_ok=True)
        write_parquet(layout.latency, self.latency)
        write_json(layout.network_summary, self.summary)

    @classmethod
    def read(cls, layout: RunLayout) -> NetworkStage:
        import pyarrow.parquet as pq

        return cls(pq.read_table(layout.require(layout.latency)), layout.read_json(layout.network_summary))


@dataclass(frozen=True)
class WorkloadStage:
    """The workload stage: the summary (training and inference, each beside its terrestrial twin) and a
    sample of requests (an Arrow table: ``where, latency_ms, network_ms, queue_ms, service_ms``)."""

    summary: dict
    requests: Any  # pyarrow.Table

    def write(self, layout: RunLayout) -> None:
        layout.workload.mkdir(exist_ok=True)
        write_parquet(layout.requests, self.requests)
        write_json(layout.workload_summary, self.summary)

    @classmethod
    def read(cls, layout: RunLayout) -> WorkloadStage:
        import pyarrow.parquet as pq

        return cls(layout.read_json(layout.workload_summary), pq.read_table(layout.require(layout.requests)))


@dataclass(frozen=True)
class EconomicsStage:
    """The economics stage: the assessment (design, economics, energy, launch loop as JSON) and the
    terrestrial baselines beside it."""

    assessment: dict
    compare: list[dict]

    def write(self, layout: RunLayout) -> None:
        write_json(layout.assessment, self.assessment)
        write_json(layout.compare, self.compare)

    @classmethod
    def read(cls, layout: RunLayout) -> EconomicsStage:
        return cls(layout.read_json(layout.assessment), layout.read_json(layout.compare))


@dataclass(frozen=True)
class SweepStage:
    """A sweep (``leodc sweep``): the summary (quantiles of the headline metrics, the probability that orbit
    beats the ground, the distributions and seed) and every sample (an Arrow table: ``sample``, the sampled
    inputs by key, the headline metrics, ``feasible``)."""

    summary: dict
    samples: Any  # pyarrow.Table

    def write(self, layout: RunLayout) -> None:
        layout.sweep.mkdir(exist_ok=True)
        write_parquet(layout.sweep_samples, self.samples)
        write_json(layout.sweep_summary, self.summary)

    @classmethod
    def read(cls, layout: RunLayout) -> SweepStage:
        import pyarrow.parquet as pq

        return cls(layout.read_json(layout.sweep_summary), pq.read_table(layout.require(layout.sweep_samples)))


@dataclass(frozen=True)
class SweepAnalysesStage:
    """What a sweep run stores for its report (``leodc.uncertainty.sweep.analyses``): the tornado of its
    inputs (``sweep/tornado.json``), the built-in ladder (``sweep/ladder.json``) and the design search's
    Pareto front (``sweep/front.parquet``, an Arrow table with the search's settings in its metadata)."""

    tornado: dict
    ladder: dict
    front: Any  # pyarrow.Table

    def write(self, layout: RunLayout) -> None:
        layout.sweep.mkdir(exist_ok=True)
        write_parquet(layout.sweep_front, self.front)
        write_json(layout.sweep_ladder, self.ladder)
        write_json(layout.sweep_tornado, self.tornado)

    @classmethod
    def read(cls, layout: RunLayout) -> SweepAnalysesStage:
        import pyarrow.parquet as pq

        return cls(layout.read_json(layout.sweep_tornado), layout.read_json(layout.sweep_ladder),
                   pq.read_table(layout.require(layout.sweep_front)))

    @staticmethod
    def stored(layout: RunLayout) -> bool:
        """Whether the run holds all three files."""
        return all(p.is_file() for p in (layout.sweep_tornado, layout.sweep_ladder, layout.sweep_front))


def table_columns(table) -> dict[str, np.ndarray]:
    """An Arrow table as NumPy columns (no pandas)."""
    return {name: table.column(name).to_numpy() for name in table.column_names}


def dataclass_table(obj) -> Any:
    """The array fields of a dataclass of equal-length arrays as an Arrow table."""
    import pyarrow as pa

    return pa.table({f.name: getattr(obj, f.name) for f in fields(obj)})
