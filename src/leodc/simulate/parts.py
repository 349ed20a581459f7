"""What a chunk leaves behind while a run is under way: its checkpoints, its finished result and its
time-series segments, in the run's ``parts/`` folder (local, or in an object store every worker
reaches; ``leodc.storage``).

A run's parts folder::

    plan.json                          what the run flies (scenario digest, options, chunks, steps):
                                       a resume must match it
    input-00012.npz                    on a Dask cluster: the chunk's input (elements, settings), which
                                       its worker reads from here rather than from the task graph
    chunk-00012.npz                    a finished chunk: its per-satellite summary and fleet series
    chunk-00012.ckpt-w000480.npz       a chunk's state before window step 480 (battery, temperatures,
                                       reductions, fleet series so far): a resume continues from there
    series-00012-w000000.parquet       the chunk's time series from step 0 up to its checkpoint

Every object is written whole (``Location.write_bytes``/``upload``) and only then are older ones
removed, so a kill at any instant leaves either the older or the newer state, never a torn one. Arrays
are stored as ``.npz`` without pickles (nothing read back can run code).
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import numpy as np

from leodc.storage import Location

PLAN_FILE = "plan.json"
PARTS_DIR = "parts"
PART_PATTERN = re.compile(r"^chunk-(\d{5})\.npz$")
CHECKPOINT_PATTERN = re.compile(r"^chunk-(\d{5})\.ckpt-w(\d{6,})\.npz$")
SEGMENT_PATTERN = re.compile(r"^series-(\d{5})-w(\d{6,})\.parquet$")


def input_name(index: int) -> str:
    return f"input-{index:05d}.npz"


def part_name(index: int) -> str:
    return f"chunk-{index:05d}.npz"


def checkpoint_name(index: int, next_step: int) -> str:
    return f"chunk-{index:05d}.ckpt-w{next_step:06d}.npz"


def segment_name(index: int, first_step: int) -> str:
    return f"series-{index:05d}-w{first_step:06d}.parquet"


def save_arrays(where: Location, arrays: dict[str, np.ndarray]) -> None:
    """Write named arrays as one ``.npz`` object, whole."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    where.write_bytes(buffer.getvalue())


def load_arrays(where: Location) -> dict[str, np.ndarray]:
    """Read back what :func:`save_arrays` wrote (no pickles allowed)."""
    with np.load(io.BytesIO(where.read_bytes()), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def completed(listing: list[str]) -> set[int]:
    """The chunks whose finished result is among ``listing`` (names in a parts folder)."""
    return {int(m.group(1)) for m in map(PART_PATTERN.match, listing) if m}


def latest_checkpoints(listing: list[str]) -> dict[int, int]:
    """Per chunk, the step its latest checkpoint among ``listing`` resumes from."""
    latest: dict[int, int] = {}
    for m in filter(None, map(CHECKPOINT_PATTERN.match, listing)):
        index, step = int(m.group(1)), int(m.group(2))
        latest[index] = max(step, latest.get(index, -1))
    return latest


def remove_older(parts: Location, index: int, keep: str | None, listing: list[str] | None = None) -> None:
    """Remove the chunk's checkpoints other than ``keep`` (and, with ``keep`` None, its segments too)."""
    for name in parts.listdir() if listing is None else listing:
        m = CHECKPOINT_PATTERN.match(name) or (SEGMENT_PATTERN.match(name) if keep is None else None)
        if m and int(m.group(1)) == index and name != keep:
            parts.child(name).remove()


class SeriesWriter:
    """A chunk's per satellite-step series, one Parquet file per chunk (``timeseries/chunk-NNNNN.parquet``,
    a row group per window).

    Windows are written to a local file; at a checkpoint that file becomes a segment in the parts folder
    (:meth:`cut`); when the chunk completes, the segments and the last local file are joined row group by
    row group into the chunk's file (the same bytes as a chunk written in one go), which is put in place
    whole."""

    def __init__(self, final: Location | None, parts: Location | None, index: int, segments: list[str]):
        self.final, self.parts, self.index = final, parts, index
        self.segments = list(segments)
        self._folder = tempfile.TemporaryDirectory(prefix="leodc-series-") if final is not None else None
        self._writer = None
        self._first_step = 0

    @property
    def enabled(self) -> bool:
        return self.final is not None

    def _local(self) -> Path:
        return Path(self._folder.name) / "current.parquet"

    def write(self, first_step: int, table) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._first_step = first_step
            self._writer = pq.ParquetWriter(str(self._local()), table.schema)
        self._writer.write_table(table)

    def cut(self) -> list[str]:
        """Close the windows written since the last cut into a segment in the parts folder; the names
        of every segment so far (the checkpoint records them)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            name = segment_name(self.index, self._first_step)
            self.parts.child(name).upload(self._local())
            self.segments.append(name)
        return list(self.segments)

    def close(self, complete: bool) -> None:
        """Put the chunk's file in place (when ``complete``); drop the local file either way."""
        try:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            if complete and self.enabled and (self.segments or self._local().exists()):
                self._put_in_place()
        finally:
            if self._folder is not None:
                self._folder.cleanup()

    def _put_in_place(self) -> None:
        import pyarrow.parquet as pq

        if not self.segments:
            self.final.upload(self._local())
            return
        folder = Path(self._folder.name)
        pieces = [self.parts.child(name).download(folder / name) for name in self.segments]
        if self._local().exists():
            pieces.append(self._local())
        with self.final.writing() as joined:
            writer = None
            for piece in pieces:
                source = pq.ParquetFile(piece)
                for group in range(source.num_row_groups):
                    table = source.read_row_group(group)
                    if writer is None:
                        writer = pq.ParquetWriter(str(joined), table.schema)
                    writer.write_table(table)
            if writer is not None:
                writer.close()
