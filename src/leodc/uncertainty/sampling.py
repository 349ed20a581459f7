"""Seeded samples of a sweep's distributions, chunk by chunk.

A sweep of N samples is cut into chunks of :data:`CHUNK_SAMPLES` (the last one shorter). Chunk ``i``
draws its uniform numbers from its own stream, ``SeedSequence(seed, spawn_key=(i,))`` (NumPy's PCG64), one
column per distribution in the sweep's order, and turns them into values by each distribution's inverse
CDF (:func:`leodc.uncertainty.distributions.ppf`). A chunk's samples therefore depend on the seed, its
index and the distributions only: the same whichever process or machine draws it, so that a sweep on a
Dask cluster gives the samples, and so the quantiles, of one in this process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leodc.scenario import Distribution
from leodc.uncertainty.distributions import ppf

# samples per chunk: the unit of work an executor hands out, and of the random streams (a fixed size, so that
# the samples do not depend on the number of workers); 10,000 samples evaluate in ~0.15 s and hold ~10 MB
CHUNK_SAMPLES = 10_000


@dataclass(frozen=True)
class Chunk:
    """One chunk of a sweep: its index, first sample and size, and the sweep's seed."""

    index: int
    start: int
    size: int
    seed: int


def new_seed() -> int:
    """A fresh seed from the operating system's entropy (recorded, so that the sweep can be repeated)."""
    return int(np.random.SeedSequence().entropy)


def chunks(samples: int, seed: int, chunk_samples: int = CHUNK_SAMPLES) -> list[Chunk]:
    """The chunks of a sweep of ``samples`` samples."""
    return [Chunk(i, start, min(chunk_samples, samples - start), seed)
            for i, start in enumerate(range(0, samples, chunk_samples))]


def uniforms(chunk: Chunk, columns: int) -> np.ndarray:
    """The chunk's uniform numbers in [0, 1): ``(chunk.size, columns)``, from its own stream."""
    rng = np.random.default_rng(np.random.SeedSequence(chunk.seed, spawn_key=(chunk.index,)))
    return rng.random((chunk.size, columns))


def draw(chunk: Chunk, distributions: dict[str, Distribution]) -> dict[str, np.ndarray]:
    """The chunk's samples: one array per distribution, by key."""
    u = uniforms(chunk, len(distributions))
    return {key: ppf(dist, u[:, k]) for k, (key, dist) in enumerate(distributions.items())}
