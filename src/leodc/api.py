"""The Python API, for notebooks and scripts: the command line's jobs as functions.

::

    import leodc

    scenario = leodc.load_scenario("builtin:default", {"fleet.target_satellites": 20})
    sized = leodc.design(scenario)               # closed form, milliseconds
    stored = leodc.run(scenario, days=0.05)      # design, simulate, economics; stored with its report
    again = leodc.open_run(stored.id)            # any stored run, by id
    again.satellites()["sunlit_fraction"]        # NumPy columns (arrow=True: an Arrow table)

Every function raises :class:`leodc.errors.LeodcError` (an ``InputError`` naming the file and the
field) for input a user can mend, as the command line does. Runs are stored under the runs home:
``home`` when given, else ``$LEODC_HOME``, else ``./runs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from leodc import scenario as scenarios
from leodc.design import Design
from leodc.design import design as design_stage
from leodc.errors import InputError, NotFoundError
from leodc.report import write_report
from leodc.runs.layout import (
    DesignStage,
    EconomicsStage,
    NetworkStage,
    RunLayout,
    SimulateStage,
    WorkloadStage,
    table_columns,
)
from leodc.runs.pipeline import Execution, resume_run, run_scenario
from leodc.runs.store import RunRecord, RunStore
from leodc.scenario import Scenario
from leodc.simulate import engine
from leodc.simulate.output import SimulationResult
from leodc.storage import Location, parquet_dataset

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Run", "design", "load_scenario", "open_run", "run", "simulate"]

# the override `run(days=...)` states, named in its errors like the command line's --days
DAYS_FIELD = "simulation.days"
DAYS_LABEL = "days"

Columns = dict[str, np.ndarray]  # a table as NumPy arrays by column name (no pandas)


def load_scenario(path_or_builtin: str | Path,
                  overrides: Mapping[str, Any] | Iterable[str] | None = None) -> Scenario:
    """Load a scenario file, merge the files it extends, apply overrides and validate the result.

    A scenario names parts from the catalog and states every assumption with its unit in the field
    name. A file without ``extends`` extends the bundled default, so it only states what differs.

    Parameters
    ----------
    path_or_builtin : str or Path
        A TOML file, or ``"builtin:NAME"`` for a scenario shipped with leodc (``"builtin:default"``:
        100 MW of IT power in B200 satellites at 650 km, dawn-dusk sun-synchronous).
    overrides : mapping or iterable of str, optional
        Fields to change, applied after the files are merged: a mapping of dotted field names to values
        (``{"fleet.target_satellites": 20, "simulation.days": 0.05}``), or ``"section.field=value"``
        strings as given to ``--set`` (the value read as TOML, else as text). Setting one of a group of
        exclusive fields (``fleet.target_satellites``, ``fleet.target_accelerators``,
        ``fleet.target_it_power_w``) drops the others.

    Returns
    -------
    Scenario
        The validated scenario (frozen pydantic model); ``scenario.model_dump()`` gives every field,
        defaults included, and ``scenario.digest()`` a stable hash of them.

    Raises
    ------
    leodc.errors.InputError
        A missing file, a cycle of ``extends``, an unknown catalog part or a value out of range; the
        message names the file (or ``--set``) that stated the field, the field, and what was expected.

    See Also
    --------
    leodc.scenario.load_scenario : the loader this calls.
    """
    if overrides is None:
        stated: dict[str, Any] | list[str] | None = None
    elif isinstance(overrides, Mapping):
        stated = dict(overrides)
    else:
        stated = list(overrides)
    return scenarios.load_scenario(path_or_builtin, stated)


def _scenario(scenario_or_path: Scenario | str | Path) -> Scenario:
    if isinstance(scenario_or_path, Scenario):
        return scenario_or_path
    return load_scenario(scenario_or_path)


def design(scenario: Scenario | str | Path) -> Design:
    """Size the orbit, one satellite and the fleet of a scenario, in closed form (milliseconds).

    Parameters
    ----------
    scenario : Scenario, str or Path
        A validated scenario, or a scenario file (``"builtin:default"``) loaded with no overrides.

    Returns
    -------
    Design
        ``orbit``, ``satellite`` and ``fleet``, every field with its unit in its name
        (``satellite.radiator_area_m2``, ``fleet.launches``); ``to_dict()`` is what
        ``leodc design --json`` prints.

    Raises
    ------
    leodc.errors.InputError
        When no shield meets the dose target, the radiator absorbs more than it emits, or the sizing
        eclipse covers the whole orbit.

    See Also
    --------
    leodc.design.design : the design stage, with the models it implements and their references.

    References
    ----------
    .. [1] J. R. Wertz and W. J. Larson, *Space Mission Analysis and Design*, 3rd ed., Microcosm
       Press, 1999, eq. 11-5 (solar array power through daylight and eclipse).
    """
    return design_stage(_scenario(scenario))


def simulate(scenario: Scenario | str | Path, out_dir: str | Path, **options: Any) -> SimulationResult:
    """Fly every satellite of the scenario, step by step, and write the results under ``out_dir``.

    The engine propagates each orbit, finds the Sun and the Earth's shadow, and steps the power,
    battery and thermal state of every satellite, with the space-environment models (dose, upsets,
    decay, the FCC disposal rule). This is the engine alone: nothing is stored in the runs catalog
    (:func:`run` does that).

    Parameters
    ----------
    scenario : Scenario, str or Path
        A validated scenario, or a scenario file; ``scenario.simulation`` sets the span
        (``days`` [d]), the step (``step_s`` [s]), the propagator and the chunking.
    out_dir : str or Path
        A new or empty directory (the engine writes ``OUT.partial`` and renames it when complete), or an
        fsspec URL every worker reaches (``s3://BUCKET/PREFIX``).
    **options
        The engine's keyword options (:func:`leodc.simulate.engine.simulate`): ``timeseries`` (bool,
        one row per satellite-step), ``workers`` (int, a local Dask cluster of that many processes),
        ``cluster`` (str, a Dask scheduler's address), ``progress`` (bool), ``battery_scale`` (float,
        resize the design's battery), ``models`` (tuple of str, the per-window models to run; ``()``:
        none), ``timeseries_satellites`` (int, the series of the fleet's first N satellites only),
        ``resume`` (bool, continue an interrupted run at ``out_dir``), ``checkpoint_s`` (float, wall
        seconds between a chunk's checkpoints).

    Returns
    -------
    SimulationResult
        The run's settings and fleet-level figures (``fleet_sunlit_fraction``, ``fleet_min_soc``,
        ``fleet_throttled_hours`` [h], ``sat_steps_per_s`` [1/s]), also written as ``manifest.json``.
        The tables are in ``out_dir`` (``leodc.simulate.output.SimulationFiles``).

    Raises
    ------
    leodc.errors.InputError
        A non-empty ``out_dir``, or a scenario the engine cannot fly.
    """
    return engine.simulate(_scenario(scenario), out_dir, **options)


# what every table reader of Run takes and returns (numpydoc sections appended to its summary)
TABLE_READER_SECTIONS = """
        Parameters
        ----------
        columns : iterable of str, optional
            Read only these columns (default: every column).
        arrow : bool
            Return a ``pyarrow.Table`` instead of NumPy columns.

        Returns
        -------
        dict of str to numpy.ndarray, or pyarrow.Table
            The table; as NumPy columns, timestamps come back as ``datetime64``.

        Raises
        ------
        leodc.errors.NotFoundError
            The run did not write this table.
        leodc.errors.InputError
            A column the table does not have.
        """


def _table_reader(method):
    method.__doc__ = method.__doc__.rstrip() + "\n" + TABLE_READER_SECTIONS
    return method


@dataclass(frozen=True, repr=False)
class Run:
    """A stored run: its catalog record, its directory, its stage results and its tables.

    Stage results are read from the run directory on first access and kept. Tables are read on each
    call, as NumPy columns (a dict of arrays; timestamps as ``datetime64``) or, with ``arrow=True``,
    as a ``pyarrow.Table``; ``columns`` reads only those.

    Attributes
    ----------
    record : RunRecord
        The run's row in the catalog: status, stage, timings [s], headline metrics, inputs.
    layout : RunLayout
        The paths of the run directory.
    """

    record: RunRecord
    layout: RunLayout

    def __repr__(self) -> str:
        return f"Run({self.id!r}, status={self.record.status!r}, scenario={self.record.scenario_name!r})"

    @property
    def id(self) -> str:
        """The run id (``YYYYMMDDTHHMMSS-xxxxxx``, UTC)."""
        return self.record.id

    @property
    def metrics(self) -> dict[str, Any]:
        """The headline metrics the catalog keeps: ``total_cost_usd``, ``usd_per_accelerator_hour``,
        ``lcoe_usd_per_mwh``, ``sunlit_fraction``, ``dose_rad_per_year``, ``fcc_compliant`` and more."""
        return self.record.metrics

    @cached_property
    def design(self) -> DesignStage:
        """The design stage's files: ``inputs`` (the validated scenario, every field) and ``environment``
        (dose, upsets, decay and the FCC verdict of the design)."""
        return DesignStage.read(self.layout)

    @cached_property
    def simulation(self) -> SimulateStage:
        """The simulate stage: ``simulation`` (the engine's :class:`SimulationResult`), ``orbits`` and
        ``elements`` (Arrow tables)."""
        return SimulateStage.read(self.layout)

    @cached_property
    def network(self) -> NetworkStage:
        """The network stage: ``latency`` (an Arrow table of round trips per pair and step) and ``summary``
        (per pair percentiles and bounds, oversight, bandwidth per shell, ingest)."""
        return NetworkStage.read(self.layout)

    @cached_property
    def workload(self) -> WorkloadStage:
        """The workload stage: ``summary`` (training and inference, each beside its terrestrial twin, and the
        mission's delivered accelerator-hours per year) and ``requests`` (a sample of request latencies)."""
        return WorkloadStage.read(self.layout)

    @cached_property
    def economics(self) -> EconomicsStage:
        """The economics stage: ``assessment`` (design, economics, energy, launch loop) and ``compare``
        (the terrestrial baselines beside it)."""
        return EconomicsStage.read(self.layout)

    @property
    def report_path(self) -> Path | None:
        """The run's HTML report, or None when none was written (:meth:`write_report` writes it)."""
        return self.layout.report if self.layout.report.is_file() else None

    def write_report(self, path: str | Path | None = None) -> Path:
        """Write the run's self-contained HTML report (default: ``report.html`` in the run directory).

        Parameters
        ----------
        path : str or Path, optional
            Where to write it instead.

        Returns
        -------
        Path
            The report written.
        """
        return write_report(self.record, path, run_dir=self.layout.root)

    # ------------------------------------------------------------------------------------------ tables
    @_table_reader
    def satellites(self, columns: Iterable[str] | None = None, *, arrow: bool = False) -> Columns | pa.Table:
        """One row per satellite: the simulation's reductions (``sunlit_fraction``, ``energy_generated_wh``,
        ``throttled_hours``, ``min_soc``, ``max_chip_temp_k``) and the environment models' columns
        (``dose_rad_per_year``, ``seu_per_day``, ``decay_years``, ``fcc_compliant``)."""
        return self._table(self.layout.simulation.satellites, columns, arrow)

    @_table_reader
    def fleet(self, columns: Iterable[str] | None = None, *, arrow: bool = False) -> Columns | pa.Table:
        """One row per time step: ``time``, ``satellites_in_shadow``, ``power_generated_w``,
        ``compute_available_fraction``, ``it_power_w``."""
        return self._table(self.layout.simulation.fleet, columns, arrow)

    @_table_reader
    def reentries(self, columns: Iterable[str] | None = None, *, arrow: bool = False) -> Columns | pa.Table:
        """Launches and re-entries per year over the horizon: ``year``, ``satellites_launched``,
        ``satellites_reentering``."""
        return self._table(self.layout.simulation.reentries, columns, arrow)

    @_table_reader
    def timeseries(self, columns: Iterable[str] | None = None, *, arrow: bool = False) -> Columns | pa.Table:
        """One row per satellite-step of the fleet's first satellites: ``sunlit``, ``power_w``, ``soc``,
        ``radiator_temp_k``."""
        return self._table(self.layout.simulation.timeseries, columns, arrow)

    @_table_reader
    def orbits(self, columns: Iterable[str] | None = None, *, arrow: bool = False) -> Columns | pa.Table:
        """A sample of the fleet every minute over two hours: TEME positions and velocities (``x_km``,
        ``vx_km_s``), ITRS positions (``x_itrs_km``), and the share of each step in sunlight (``sunlit``)."""
        return self._table(self.layout.orbits, columns, arrow)

    @_table_reader
    def elements(self, columns: Iterable[str] | None = None, *, arrow: bool = False) -> Columns | pa.Table:
        """The mean elements of every satellite: ``a_km``, ``ecc``, ``inc_rad``, ``raan_rad``, ``argp_rad``,
        ``mean_anomaly_rad`` and their rates."""
        return self._table(self.layout.elements, columns, arrow)

    def _table(self, path: Path | Location, columns: Iterable[str] | None, arrow: bool) -> Columns | pa.Table:
        if not path.exists():
            raise NotFoundError(str(self.layout.root), None, f"the run has no {path.name}; expected a complete run")
        dataset = parquet_dataset(path)
        wanted = None if columns is None else list(columns)
        if wanted is not None:
            unknown = [name for name in wanted if name not in dataset.schema.names]
            if unknown:
                raise InputError(str(path), "columns", f"no column {', '.join(map(repr, unknown))}; expected some "
                                 f"of: {', '.join(dataset.schema.names)}")
        table = dataset.to_table(columns=wanted)
        return table if arrow else table_columns(table)


def _layout(store: RunStore, run_id: str) -> RunLayout:
    return RunLayout(store.run_dir(run_id))


def run(scenario_or_path: Scenario | str | Path | None, home: str | Path | None = None, days: float | None = None,
        report: bool = True, *, progress: bool = False, workers: int | None = None, cluster: str | None = None,
        data: str | None = None, resume: str | None = None) -> Run:
    """Run the whole pipeline for one scenario and store it as a run (``leodc run``).

    Design, simulate (every satellite, with the space-environment models) and economics fed by what
    the simulation measured; each stage writes its results into a new run directory, and the runs
    catalog records its timings and headline metrics.

    Parameters
    ----------
    scenario_or_path : Scenario, str or Path
        A validated scenario, or a scenario file loaded with no overrides.
    home : str or Path, optional
        The runs home (default ``$LEODC_HOME``, else ``./runs``).
    days : float, optional
        The simulated span [d], instead of the scenario's ``simulation.days``.
    report : bool
        Also write the run's self-contained HTML report (``Run.report_path``).
    progress : bool
        Print the stages and the simulation's progress bar on stderr.
    workers, cluster : int or str, optional
        Run the simulate and network stages on a new local Dask cluster of ``workers`` processes, or on
        the scheduler at ``cluster`` (``tcp://HOST:PORT``).
    data : str, optional
        Keep the simulation's directory under this URL (``s3://BUCKET/PREFIX``) instead of the run's.
    resume : str, optional
        The id of an interrupted run to continue (``scenario_or_path`` None): its own scenario, its
        finished chunks and checkpoints.

    Returns
    -------
    Run
        The stored run, complete.

    Raises
    ------
    leodc.errors.InputError
        A bad scenario or ``days``. A stage that fails leaves the run in the catalog as failed at
        that stage, and the exception propagates.
    """
    writer = write_report if report else None
    if resume is not None:
        record = resume_run(resume, home, progress, report=writer, workers=workers, cluster=cluster)
        return Run(record, _layout(RunStore(home), record.id))
    scenario = _scenario(scenario_or_path)
    if days is not None:
        scenario = scenarios.with_overrides(scenario, {DAYS_FIELD: days}, label=DAYS_LABEL)
    record = run_scenario(scenario, home, progress=progress, report=writer,
                          execution=Execution(workers=workers, cluster=cluster, data=data))
    return Run(record, _layout(RunStore(home), record.id))


def open_run(run_id: str, home: str | Path | None = None) -> Run:
    """A stored run, by id.

    Parameters
    ----------
    run_id : str
        The run's id (``leodc runs list`` shows them).
    home : str or Path, optional
        The runs home (default ``$LEODC_HOME``, else ``./runs``).

    Returns
    -------
    Run
        The run, with its catalog record as it stands (a run whose process died shows as failed).

    Raises
    ------
    leodc.errors.InputError
        No run with that id in the catalog.
    """
    store = RunStore(home)
    return Run(store.get(run_id), _layout(store, run_id))
