"""The inference queue: one compiled pass over the requests in the order they are sent.

Model
-----
Each satellite holds serving slots (``serving.serving_slots``: replicas x batch slots); slot ``j`` of
satellite ``i`` may *start* work during capacity step ``k`` only while ``j < slots[i, k]`` (the lowest
slots are the last to go when the compute share falls). A request already running when its slot
closes runs to its end (it drains; nothing is pre-empted). A request sent at ``t`` from a city reaches
a candidate satellite at ``t0 = t + rtt / 2``; it starts at the earliest time ``s >= t0`` at which one
of that satellite's slots is free and open, and its answer is back at ``s + service + rtt / 2``, so
its latency is ``rtt + (s - t0) + service``. Among the city's candidates at the routing step of ``t``
the request goes to the satellite with the least ``rtt + (s - t0)`` (the nearest on a tie). Within a
satellite the slots go first come, first served in the order requests are sent. A request with no
candidate, or whose candidates never open a slot, is unserved.

State: per satellite a binary min-heap of its slots keyed by (free time, slot index), in one flat
array (satellite ``i`` owns ``heap_first[i]:heap_first[i + 1]``, as many entries as its most slots at
any step). A slot at the top of the heap that is closed at the time it would start is re-keyed to its
next opening (from the capacity table, which repeats with its period) and sifted down; keys only
grow, so the top is always the slot that starts first. Capacity changes are thereby honoured when
they matter rather than popped from an event list; they are still counted as events, one per
satellite and step boundary where the slot count changes within the simulated span.

Because requests are taken in sending order, a request with a shorter up-link that reaches the
satellite before an earlier-sent one still queues behind it, and a slot passed over at a closing is
not back-filled by a later request: effects of the order of the round-trip differences (ms) at
capacity step boundaries only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

NO_SATELLITE = -1  # the satellite of an unserved request, and the padding of the candidate tables
HALF = 0.5  # the up-link is half the round trip


@dataclass
class Served:
    """What the queue did with each request (in sending order) and how many events it took.

    ``sat`` is the serving satellite (``NO_SATELLITE`` when unserved); ``rtt_s``, ``wait_s`` and
    ``service_s`` the parts of each request's latency (NaN where unserved).
    """

    sat: np.ndarray  # (n,) int32
    rtt_s: np.ndarray  # (n,)
    wait_s: np.ndarray  # (n,)
    service_s: np.ndarray  # (n,)
    events: dict[str, int]

    @property
    def served(self) -> np.ndarray:
        return self.sat != NO_SATELLITE

    @property
    def latency_s(self) -> np.ndarray:
        """Round trip + wait + service per request (NaN where unserved)."""
        return self.rtt_s + self.wait_s + self.service_s


@numba.njit(cache=True, inline="always")
def _before(key, slot, a, b):
    """Whether heap entry ``a`` orders before entry ``b``: by free time, then slot index."""
    return key[a] < key[b] or (key[a] == key[b] and slot[a] < slot[b])


@numba.njit(cache=True)
def _sift_down(key, slot, first, size):
    """Restores the heap ``key[first:first + size]`` after its top entry's key grew."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            return
        right = child + 1
        if right < size and _before(key, slot, first + right, first + child):
            child = right
        if not _before(key, slot, first + child, first + pos):
            return
        a, b = first + pos, first + child
        key[a], key[b] = key[b], key[a]
        slot[a], slot[b] = slot[b], slot[a]
        pos = child


@numba.njit(cache=True, inline="always")
def _next_open_s(slots_by_step, sat, j, t_s, step_s):
    """The first time at or after ``t_s`` at which slot ``j`` of satellite ``sat`` is open (the
    capacity table, ``(n_steps, n_sat)``, repeats after its last step); infinity if it never is."""
    n_steps = slots_by_step.shape[0]
    k = int(t_s / step_s)  # t_s >= 0: truncation is the floor
    for m in range(n_steps + 1):
        if slots_by_step[(k + m) % n_steps, sat] > j:
            return t_s if m == 0 else (k + m) * step_s
    return np.inf


@numba.njit(cache=True, inline="always")
def _earliest_start_s(key, slot, first, size, slots_by_step, sat, t0_s, step_s):
    """The earliest start at or after ``t0_s`` on satellite ``sat``: its top slot, re-keyed to its next
    opening while it is closed at the time it would start."""
    if size == 0:
        return np.inf
    while True:
        base = max(t0_s, key[first])
        start = _next_open_s(slots_by_step, sat, slot[first], base, step_s)
        if start == base or start == np.inf:
            return start
        key[first] = start
        _sift_down(key, slot, first, size)


@numba.njit(cache=True)
def _serve(t_send_s, city, service_s, cand_sat, cand_rtt_s, route_step_s, slots_by_step, slot_step_s,
           heap_first, heap_key, heap_slot, sat_out, rtt_out, wait_out):
    """The event loop; fills the outputs in place and returns the number served."""
    n_route = cand_sat.shape[0]
    n_cand = cand_sat.shape[2]
    one_service = service_s.size == 1
    served = 0
    for r in range(t_send_s.size):
        t = t_send_s[r]
        k = min(int(t / route_step_s), n_route - 1)
        c = city[r]
        best = NO_SATELLITE
        best_cost = np.inf
        best_start = np.inf
        best_rtt = 0.0
        for q in range(n_cand):
            sat = cand_sat[k, c, q]
            if sat < 0:
                break
            rtt = cand_rtt_s[k, c, q]
            t0 = t + HALF * rtt
            first = heap_first[sat]
            start = _earliest_start_s(heap_key, heap_slot, first, heap_first[sat + 1] - first, slots_by_step, sat,
                                      t0, slot_step_s)
            cost = rtt + (start - t0)
            if cost < best_cost:
                best, best_cost, best_start, best_rtt = sat, cost, start, rtt
        sat_out[r] = best
        if best == NO_SATELLITE:
            continue
        svc = service_s[0] if one_service else service_s[r]
        first = heap_first[best]
        heap_key[first] = best_start + svc
        _sift_down(heap_key, heap_slot, first, heap_first[best + 1] - first)
        rtt_out[r] = best_rtt
        wait_out[r] = best_start - (t + HALF * best_rtt)
        served += 1
    return served


def capacity_changes(slots: np.ndarray, slot_step_s: float, span_s: float) -> int:
    """Step boundaries inside ``(0, span_s)`` at which a satellite's slot count changes, summed over the
    satellites (the table repeats after its last step)."""
    n_steps = slots.shape[1]
    boundaries = int(np.ceil(span_s / slot_step_s)) - 1
    if boundaries <= 0 or n_steps == 1:
        return 0
    # the changes over one period, then whole periods and the remainder
    change = slots != np.roll(slots, 1, axis=1)  # change[:, k]: at the boundary into step k
    per_step = change.sum(axis=0)
    full, rest = divmod(boundaries, n_steps)  # boundary b leads into step b mod n_steps
    return int(full * per_step.sum() + per_step[1:rest + 1].sum())


def serve_requests(t_send_s: np.ndarray, city: np.ndarray, service_s: np.ndarray, cand_sat: np.ndarray,
                   cand_rtt_s: np.ndarray, route_step_s: float, slots: np.ndarray, slot_step_s: float,
                   span_s: float) -> Served:
    """Serve requests from their cities' candidate satellites, first come, first served per satellite.

    Parameters
    ----------
    t_send_s : ndarray
        Sending times (s from the start), sorted ascending, ``(n,)``.
    city : ndarray
        Each request's city (index into the candidate tables' second axis), ``(n,)``.
    service_s : ndarray
        Service time per request ``(n,)``, or one for all ``(1,)``.
    cand_sat, cand_rtt_s : ndarray
        Per routing step, city and candidate (``(n_route, n_cities, k)``): the satellite (``NO_SATELLITE``
        after the last one) and its round trip (s). Time ``t`` uses step ``floor(t / route_step_s)``,
        the last step after the table's end.
    route_step_s : float
        The candidate tables' step (s).
    slots : ndarray
        Serving slots per satellite and capacity step, ``(n_sat, n_steps)``; repeats after its last step.
    slot_step_s : float
        The capacity step (s).
    span_s : float
        The simulated span (s), over which capacity changes are counted.

    Returns
    -------
    Served
        Per request: satellite, round trip, wait and service (NaN where unserved); and the events:
        ``arrivals`` (every request), ``starts`` and ``departures`` (every served request) and
        ``capacity_changes``.
    """
    t_send_s = np.ascontiguousarray(t_send_s, dtype=np.float64)
    city = np.ascontiguousarray(city, dtype=np.int32)
    service_s = np.ascontiguousarray(np.atleast_1d(service_s), dtype=np.float64)
    cand_sat = np.ascontiguousarray(cand_sat, dtype=np.int32)
    cand_rtt_s = np.ascontiguousarray(cand_rtt_s, dtype=np.float64)
    slots = np.ascontiguousarray(slots, dtype=np.int32)
    n = t_send_s.size
    if service_s.size not in (1, n):
        raise ValueError(f"service_s: expected 1 or {n} values (got {service_s.size})")
    if n > 1 and np.any(np.diff(t_send_s) < 0.0):
        raise ValueError("t_send_s: expected sending times in ascending order")
    most = slots.max(axis=1) if slots.size else np.zeros(slots.shape[0], dtype=np.int32)
    heap_first = np.zeros(slots.shape[0] + 1, dtype=np.int64)
    np.cumsum(most, out=heap_first[1:])
    # every slot free at the start: equal keys in slot order are a valid heap
    heap_key = np.zeros(int(heap_first[-1]))
    heap_slot = (np.arange(heap_key.size) - np.repeat(heap_first[:-1], most)).astype(np.int32)
    sat = np.empty(n, dtype=np.int32)
    rtt = np.full(n, np.nan)
    wait = np.full(n, np.nan)
    # step-major, so that one step's slot counts of every satellite share the cache
    slots_by_step = np.ascontiguousarray(slots.T)
    served = int(_serve(t_send_s, city, service_s, cand_sat, cand_rtt_s, float(route_step_s), slots_by_step,
                        float(slot_step_s), heap_first, heap_key, heap_slot, sat, rtt, wait))
    ok = sat != NO_SATELLITE
    service = np.where(ok, np.broadcast_to(service_s, (n,)), np.nan)
    events = {"arrivals": n, "starts": served, "departures": served,
              "capacity_changes": capacity_changes(slots, slot_step_s, span_s)}
    return Served(sat=sat, rtt_s=rtt, wait_s=wait, service_s=service, events=events)
