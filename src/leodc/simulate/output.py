"""What the engine writes, named once: the files of a simulation directory and the result that
writes itself there and reads itself back.

A simulation directory (``leodc simulate --out DIR``, or ``simulation/`` inside a stored run)::

    satellites.parquet   one row per satellite: the run's reductions (sunlit fraction, energy,
                         compute fraction, throttled hours, battery and temperature extremes,
                         eclipses) and the plug-in models' columns (dose, upsets, decay, FCC)
    fleet.parquet        one row per time step: satellites in shadow, power, compute, IT power
    reentries.parquet    launches and re-entries per year over the horizon (with the decay model)
    timeseries/          with --timeseries: one row per satellite-step, one file per chunk
    manifest.json        the run's settings and fleet-level figures (:class:`SimulationResult`)

Every reader (economics, report, dashboard, export) goes through :class:`SimulationFiles` and
:meth:`SimulationResult.read`, never through literal names.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from leodc.errors import InputError
from leodc.fields import jsonable
from leodc.storage import Location, is_url, parquet_dataset

SATELLITES_FILE = "satellites.parquet"
FLEET_FILE = "fleet.parquet"
REENTRIES_FILE = "reentries.parquet"
TIMESERIES_DIR = "timeseries"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class SimulationFiles:
    """The files of one simulation directory: a local folder (its files are ``Path``) or a folder in an
    object store named by a URL (its files are ``leodc.storage.Location``; both answer ``exists()``,
    ``is_file()`` and ``name``)."""

    root: Path | str

    def __post_init__(self):
        object.__setattr__(self, "root", self.root if is_url(self.root) else Path(self.root))

    @property
    def local(self) -> bool:
        return isinstance(self.root, Path)

    def _at(self, name: str) -> Path | Location:
        return self.root / name if self.local else Location(str(self.root)).child(name)

    @property
    def satellites(self) -> Path | Location:
        return self._at(SATELLITES_FILE)

    @property
    def fleet(self) -> Path | Location:
        return self._at(FLEET_FILE)

    @property
    def reentries(self) -> Path | Location:
        return self._at(REENTRIES_FILE)

    @property
    def timeseries(self) -> Path | Location:
        return self._at(TIMESERIES_DIR)

    @property
    def manifest(self) -> Path | Location:
        return self._at(MANIFEST_FILE)

    def chunk_timeseries(self, index: int) -> Path | Location:
        name = f"chunk-{index:05d}.parquet"
        return self.timeseries / name if self.local else self.timeseries.child(name)

    def require(self) -> SimulationFiles:
        """Raise a user-facing error unless this is a finished simulation directory."""
        if not self.satellites.is_file():
            raise InputError(str(self.root), None,
                             f"not a simulation run directory (expected {SATELLITES_FILE})")
        return self

    def read(self, which: str, columns: list[str] | None = None) -> dict[str, np.ndarray] | None:
        """One of ``satellites``, ``fleet``, ``reentries``, ``timeseries`` as NumPy columns (None when
        the run did not write it); ``columns``: only these, those the file has. Timestamps come back as
        ``datetime64``."""
        path = getattr(self, which)
        if not path.exists():
            return None
        data = parquet_dataset(path)
        if columns is not None:
            columns = [c for c in columns if c in data.schema.names]
        table = data.to_table(columns=columns)
        return {name: table.column(name).to_numpy() for name in table.column_names}


@dataclass
class SimulationResult:
    """The run's settings and fleet-level figures; written as ``manifest.json``."""

    out_dir: str
    satellites: int
    steps: int
    step_s: float
    days: float
    propagator: str
    shadow: str
    executor: str
    wall_s: float
    sat_steps_per_s: float
    fleet_sunlit_fraction: float
    fleet_min_soc: float
    fleet_throttled_hours: float
    fleet_max_chip_temp_k: float
    fleet_max_radiator_temp_k: float
    fleet_compute_fraction: float
    files: dict[str, str] = field(default_factory=dict)
    reentries_after_horizon: float = 0.0  # satellites of the horizon's generations re-entering after it
    # SGP4's error codes (sgp4.api.SGP4_ERRORS) counted over satellite-steps, by code; such steps
    # have no position and are not flown
    sgp4_error_steps: dict[str, int] = field(default_factory=dict)
    sgp4_error_satellites: int = 0  # satellites with at least one failed step
    # the fleet figures above are over the satellites flown at every step (all, unless SGP4 failed)
    fleet_figures_satellites: int = 0
    fleet_figures_over: str = ""
    scenario: str = ""
    scenario_digest: str = ""
    start_utc: str = ""
    leodc_version: str = ""
    resumed_chunks: int = 0  # chunks found finished when an interrupted run was resumed

    def write(self, directory: str | Path) -> None:
        """Write ``manifest.json`` in ``directory`` (a path or URL; whole or not at all)."""
        Location.of(directory).child(MANIFEST_FILE).write_bytes(
            json.dumps(jsonable(asdict(self)), indent=2).encode("utf-8"))

    @classmethod
    def read(cls, directory: str | Path) -> SimulationResult:
        """Read the result a simulation directory's manifest holds (a path or URL)."""
        where = Location.of(directory).child(MANIFEST_FILE)
        if not where.is_file():
            raise InputError(str(directory), None, f"not a simulation run directory (expected {MANIFEST_FILE})")
        data = json.loads(where.read_bytes())
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
