"""A small deterministic discrete-event loop.

Events are ``(time_s, sequence, kind, payload)`` on a heap: the earliest time runs first, and events
at the same time run in the order they were scheduled (the sequence number). A handler is registered
per kind and receives the payload; it reads the clock from :attr:`EventLoop.now_s` and may schedule
more events. The loop owns a numpy random generator seeded from the seed it is given, so a model that
draws only from it (or from generators seeded from the same seed) replays the same events.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

import numpy as np

Handler = Callable[[Any], None]


class EventLoop:
    """A heap of timed events and the handlers that run them.

    Parameters
    ----------
    seed : int
        Seed of :attr:`rng`, the loop's random generator.
    start_s : float
        The clock at the start (s).

    Attributes
    ----------
    now_s : float
        The clock (s): the time of the event being run, or where :meth:`run` stopped.
    events : int
        Events run so far.
    rng : numpy.random.Generator
        The loop's random generator.
    """

    def __init__(self, seed: int = 0, start_s: float = 0.0):
        self.now_s = float(start_s)
        self.events = 0
        self.rng = np.random.default_rng(seed)
        self._heap: list[tuple[float, int, str, Any]] = []
        self._sequence = 0
        self._handlers: dict[str, Handler] = {}
        self._stopped = False

    def on(self, kind: str, handler: Handler) -> None:
        """Run ``handler(payload)`` for every event of ``kind`` (one handler a kind; a second replaces it)."""
        self._handlers[kind] = handler

    def schedule(self, time_s: float, kind: str, payload: Any = None) -> None:
        """Add an event at ``time_s`` (s, not before :attr:`now_s`); one at infinity never happens."""
        if kind not in self._handlers:
            raise KeyError(f"no handler registered for event kind {kind!r}")
        if math.isnan(time_s) or time_s < self.now_s:
            raise ValueError(f"event {kind!r} at {time_s} s is before the clock ({self.now_s} s)")
        if math.isinf(time_s):
            return
        heapq.heappush(self._heap, (float(time_s), self._sequence, kind, payload))
        self._sequence += 1

    def stop(self) -> None:
        """End :meth:`run` after the event being run (the clock stays at its time)."""
        self._stopped = True

    @property
    def pending(self) -> int:
        """Events scheduled and not yet run."""
        return len(self._heap)

    def next_s(self) -> float:
        """Time of the next event (s), infinity when there is none."""
        return self._heap[0][0] if self._heap else math.inf

    def run(self, until_s: float = math.inf) -> float:
        """Run events in time order up to and including ``until_s`` (s), or until :meth:`stop`.

        Returns
        -------
        float
            The clock when the loop ended (s): the stopping event's time, else ``until_s`` when that is
            finite, else the last event's time.
        """
        self._stopped = False
        heap, handlers = self._heap, self._handlers
        while heap and heap[0][0] <= until_s:
            time_s, _, kind, payload = heapq.heappop(heap)
            self.now_s = time_s
            self.events += 1
            handlers[kind](payload)
            if self._stopped:
                return self.now_s
        if math.isfinite(until_s):
            self.now_s = max(self.now_s, float(until_s))
        return self.now_s
