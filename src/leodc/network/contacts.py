"""Contact windows and handovers between ground sites and satellites over a span of time.

A **contact window** is an interval during which a satellite is above a site's elevation mask. From
Earth-fixed (ITRS) positions sampled at steps ``t_s`` (``[n_sat, n_t, 3]``, km), the windows are the
runs of consecutive steps at which the satellite is above the mask; each gets

* ``start`` and ``end``: the times at which the elevation crosses the mask, found between the last
  step below and the first step above it (and the other way round at the end). With ``refine=True``
  (the default) the satellite's position between steps is the quadratic (Lagrange) interpolant through
  the three nearest samples and the crossing is found by bisection on the elevation along it. For the
  ISS the interpolant is within 15 m of the orbit at 30 s steps (120 m at 60 s, 0.9 km at 120 s), so
  the crossing is good to a fraction of a second (``tests/test_against_skyfield_passes.py``: within
  0.19 s of Skyfield's pass predictor). With ``refine=False`` it is the linear interpolation of
  ``elevation - mask`` between the two samples (within 1.3 s of Skyfield at 30 s steps: the elevation
  curves).
* ``max_elevation_deg`` and ``culmination``: the highest elevation and its time. With ``refine=True``,
  a golden-section search along the interpolated path over the two steps around the highest sample;
  with ``refine=False``, the vertex of the parabola through the three elevation samples around it (an
  overhead pass is sharply peaked, not a parabola: 2.5 deg too low on the ISS's highest passes at 30 s
  steps).
* ``start_clipped`` / ``end_clipped``: the window was already open at the span's first step (or still
  open at its last); its start (end) is then that step's time.

A pass that rises above the mask and sets again between two steps is not seen: choose the step well
below the shortest pass that matters (a LEO pass 1 deg above its mask lasts about a minute).

**Prefilter.** A satellite above a site's mask is within a slant range of the site that depends only on
the mask and the two radii, so the samples are put in a k-d tree (``scipy.spatial.cKDTree``) and each
site asks it for those within that range (at the fleet's highest radius, the site's own radius and the
mask less 0.5 deg, enough for the 0.19 deg between the geodetic and geocentric verticals); the
elevation is computed only for those. The work is done in chunks of satellites, ``chunk_samples``
satellite-steps at a time (default 2 million: ~200 MB of tree and temporaries). On this 2-core
machine, Starlink's first shell (1,584 satellites) over the 100 cities for a day at 30 s steps gives
371,082 windows in ~15 s (~9 s with ``refine=False``).

**Handovers.** At every step each site uses one satellite above its mask (or none), by one of two rules:

* ``"highest"``: the satellite at the highest elevation at that step (re-chosen at every step).
* ``"longest"``: keep the satellite in use while it stays above the mask; when it sets (or when the site
  has none), take the visible satellite whose contact window ends last, the one that will stay longest
  (orbits being predictable, the window's end is known in advance). This is the sticky rule a
  phased-array terminal follows to keep switches few.

A **handover** is a switch from one satellite to another between consecutive steps; losing coverage
and regaining it later is an outage, not a handover. ``Handovers.handovers_per_hour`` is the count over
the span divided by the span in hours; ``hourly_handovers`` counts them in each hour from the start.

Positions come from the caller, or from :func:`fleet_itrs_km` for a fleet of SGP4 satellites (a real
TLE/OMM fleet, SGP4 WGS72) or of mean elements (SGP4, or the engine's fast propagator), taken from
TEME to ITRS by ``orbits.frames.teme_to_itrs``. :func:`fleet_contacts` and :func:`fleet_handovers`
propagate a large fleet chunk by chunk so that its positions are never all in memory, and
:func:`scenario_contacts` does both for a scenario's fleet, sites, span, step and mask.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, fields

import numpy as np

from leodc.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from leodc.errors import InputError
from leodc.network.ground import GroundSites, up_vectors
from leodc.orbits.elements import FleetElements, satrec_for
from leodc.orbits.epochs import timestamps
from leodc.orbits.frames import teme_to_itrs
from leodc.orbits.propagate import propagate_sgp4
from leodc.orbits.secular import propagate_fast

RULES = ("highest", "longest")
# what ``leodc contacts --out DIR`` writes
CONTACTS_FILE = "contacts.parquet"
HANDOVERS_FILE = "handovers.parquet"
HANDOVERS_SUMMARY_FILE = "handovers.json"
PROPAGATORS = ("sgp4", "fast")
CHUNK_SAMPLES = 2_000_000  # satellite-steps per chunk
PREFILTER_MARGIN_DEG = 0.5  # > 0.19 deg, the largest angle between the geodetic and geocentric verticals
FAR_KM = 1e12  # where a position is not finite (SGP4 error): out of every site's range
BISECTION_ITERATIONS = 32  # a 30 s bracket to < 1e-8 s
GOLDEN_ITERATIONS = 48  # a 60 s bracket to < 1e-8 s
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
WHERE = "contacts"


# ---------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ContactWindows:
    """Contact windows, one entry per window, sorted by site, then start, then satellite.

    Times are seconds on the same axis as the ``t_s`` they were found from (offsets from ``start_jd``).
    """

    site: np.ndarray  # int64, index into site_names
    sat: np.ndarray  # int64, index of the satellite in the positions (or fleet) given
    sat_id: np.ndarray  # int64
    first_step: np.ndarray  # int64, first step with the satellite above the mask
    last_step: np.ndarray  # int64, last step with the satellite above the mask
    start_s: np.ndarray  # float64, rise through the mask
    end_s: np.ndarray  # float64, set through the mask
    culmination_s: np.ndarray  # float64, time of the highest elevation
    max_elevation_deg: np.ndarray  # float64
    start_clipped: np.ndarray  # bool: open at the span's first step
    end_clipped: np.ndarray  # bool: still open at the span's last step
    site_names: np.ndarray  # str, one per site
    start_jd: float | None = None  # UTC Julian date of t_s = 0, if known

    def __len__(self) -> int:
        return int(self.site.size)

    @property
    def duration_s(self) -> np.ndarray:
        """Length of each window (s)."""
        return self.end_s - self.start_s

    def take(self, index) -> ContactWindows:
        """The windows at ``index`` (a mask, a slice or indices)."""
        per_window = {f.name: getattr(self, f.name)[index] for f in fields(self)
                      if f.name not in ("site_names", "start_jd")}
        return ContactWindows(**per_window, site_names=self.site_names, start_jd=self.start_jd)

    def sorted(self) -> ContactWindows:
        """The windows ordered by site, start and satellite."""
        return self.take(np.lexsort((self.sat, self.start_s, self.site)))

    @staticmethod
    def concatenate(parts: list[ContactWindows]) -> ContactWindows:
        """Windows of the same sites and span found in parts (chunks of a fleet), sorted."""
        per_window = {f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(ContactWindows)
                      if f.name not in ("site_names", "start_jd")}
        return ContactWindows(**per_window, site_names=parts[0].site_names, start_jd=parts[0].start_jd).sorted()

    def table(self):
        """One row per window: ``site, sat_id, start, end, duration_s, max_elevation_deg, culmination,
        start_clipped, end_clipped`` (an Arrow table). ``start``, ``end`` and ``culmination`` are UTC
        timestamps (microseconds) when ``start_jd`` is known, else seconds from the start."""
        import pyarrow as pa

        def when(seconds: np.ndarray):
            return pa.array(timestamps(self.start_jd, seconds)) if self.start_jd is not None else seconds

        return pa.table({
            "site": pa.array(self.site_names[self.site].astype(str), type=pa.string()),
            "sat_id": self.sat_id,
            "start": when(self.start_s),
            "end": when(self.end_s),
            "duration_s": self.duration_s,
            "max_elevation_deg": self.max_elevation_deg,
            "culmination": when(self.culmination_s),
            "start_clipped": self.start_clipped,
            "end_clipped": self.end_clipped,
        })


@dataclass(frozen=True)
class Handovers:
    """The satellite each site uses at each step, by ``rule`` (see the module's docstring)."""

    rule: str
    site_names: np.ndarray  # str, one per site
    t_s: np.ndarray  # [n_t] seconds from start_jd
    sat_ids: np.ndarray  # [n_sat] int64: serving indexes these
    serving: np.ndarray  # [n_sites, n_t] int64, index of the satellite in use, -1 where none is above the mask
    serving_elevation_deg: np.ndarray | None  # [n_sites, n_t], NaN where none; None when not computed
    start_jd: float | None = None

    @property
    def switches(self) -> np.ndarray:
        """``[n_sites, n_t]`` bool: a handover happened at this step (from one satellite to another
        since the previous step); False at the first step."""
        prev, now = self.serving[:, :-1], self.serving[:, 1:]
        moved = (prev >= 0) & (now >= 0) & (prev != now)
        return np.concatenate([np.zeros((self.serving.shape[0], 1), dtype=bool), moved], axis=1)

    @property
    def handovers(self) -> np.ndarray:
        """Handovers per site over the span, ``[n_sites]``."""
        return self.switches.sum(axis=1)

    @property
    def outages(self) -> np.ndarray:
        """Times each site lost every satellite (a step with one in use followed by a step without),
        ``[n_sites]``."""
        return ((self.serving[:, :-1] >= 0) & (self.serving[:, 1:] < 0)).sum(axis=1)

    @property
    def span_hours(self) -> float:
        """The span from the first to the last step (h)."""
        return float(self.t_s[-1] - self.t_s[0]) / SECONDS_PER_HOUR

    @property
    def handovers_per_hour(self) -> np.ndarray:
        """Mean handovers per hour per site over the span, ``[n_sites]``."""
        return self.handovers / self.span_hours

    @property
    def covered_fraction(self) -> np.ndarray:
        """Share of the steps at which each site has a satellite, ``[n_sites]``."""
        return (self.serving >= 0).mean(axis=1)

    def hourly_handovers(self) -> np.ndarray:
        """Handovers per site in each hour from the first step, ``[n_sites, n_hours]`` (a handover
        counts in the hour of the step at which the new satellite is first used; the last hour may be
        partial)."""
        n_hours = max(1, math.ceil(self.span_hours - 1e-9))
        hour = np.minimum(((self.t_s - self.t_s[0]) // SECONDS_PER_HOUR).astype(np.int64), n_hours - 1)
        out = np.zeros((self.serving.shape[0], n_hours), dtype=np.int64)
        site, step = np.nonzero(self.switches)
        np.add.at(out, (site, hour[step]), 1)
        return out

    def summary(self) -> list[dict]:
        """Per site: handovers, handovers per hour, outages, covered fraction, and the mean time a
        satellite stays in use (s)."""
        out = []
        step_s = float(np.median(np.diff(self.t_s))) if self.t_s.size > 1 else 0.0
        for k, name in enumerate(self.site_names):
            used = self.serving[k] >= 0
            segments = int(self.handovers[k]) + int(used[0]) + int(np.sum(~used[:-1] & used[1:]))
            out.append({"site": str(name), "rule": self.rule, "handovers": int(self.handovers[k]),
                        "handovers_per_hour": float(self.handovers_per_hour[k]), "outages": int(self.outages[k]),
                        "covered_fraction": float(self.covered_fraction[k]),
                        "mean_serving_s": float(used.sum() * step_s / segments) if segments else None})
        return out

    def table(self):
        """One row per site and step: ``site, time, sat_id, elevation_deg, handover`` (an Arrow table;
        ``sat_id`` and ``elevation_deg`` null where no satellite is above the mask; ``time`` a UTC
        timestamp when ``start_jd`` is known, else seconds from the start)."""
        import pyarrow as pa

        n_sites, n_t = self.serving.shape
        serving = self.serving.ravel()
        none = serving < 0
        ids = np.where(none, 0, self.sat_ids[np.maximum(serving, 0)] if self.sat_ids.size else 0)
        time = timestamps(self.start_jd, self.t_s) if self.start_jd is not None else self.t_s
        elevation = (self.serving_elevation_deg.ravel() if self.serving_elevation_deg is not None
                     else np.full(serving.size, np.nan))
        return pa.table({
            "site": pa.array(np.repeat(self.site_names.astype(str), n_t), type=pa.string()),
            "time": pa.array(np.tile(time, n_sites)),
            "sat_id": pa.array(ids, mask=none, type=pa.int64()),
            "elevation_deg": pa.array(elevation, mask=~np.isfinite(elevation), type=pa.float64()),
            "handover": self.switches.ravel(),
        })


# ---------------------------------------------------------------------------------------------- positions
def fleet_itrs_km(fleet, start_jd: float, t_s: np.ndarray, *, propagator: str = "sgp4",
                  ut1_minus_utc_s: float = 0.0) -> np.ndarray:
    """Earth-fixed (ITRS) positions of a fleet at offsets ``t_s`` from ``start_jd``, ``[n_sat, n_t, 3]`` km.

    Parameters
    ----------
    fleet : TleFleet, FleetElements, sgp4 Satrec, SatrecArray or sequence of Satrec
        A real fleet (``orbits.tle.read_fleet``) or SGP4 satellites are flown with SGP4 (WGS72). Mean
        elements (``simulate.fleet.fleet_of``) are flown with SGP4 (``propagator="sgp4"``, one drag-free
        SGP4 satellite each) or the engine's fast propagator (``"fast"``).
    start_jd : float
        UTC Julian date of ``t_s = 0``.
    t_s : ndarray
        Offsets (s), 1-D.
    propagator : {"sgp4", "fast"}
        Only for mean elements; SGP4 satellites are always flown with SGP4.
    ut1_minus_utc_s : float
        UT1 - UTC (s) for the Earth's rotation angle; 0 neglects it (< 0.9 s: < 0.45 km along track).

    Returns
    -------
    ndarray
        ``[n_sat, n_t, 3]`` km in ITRS; NaN where SGP4 reports an error (the satellite decayed or its
        elements left SGP4's range).
    """
    if propagator not in PROPAGATORS:
        raise InputError(WHERE, "propagator", f"expected one of {', '.join(PROPAGATORS)} (got {propagator!r})")
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    jd = start_jd + t / SECONDS_PER_DAY
    if isinstance(fleet, FleetElements) and propagator == "fast":
        r, v = propagate_fast(fleet, start_jd, t)
    else:
        satrecs = [satrec_for(fleet, i) for i in range(len(fleet))] if isinstance(fleet, FleetElements) else fleet
        whole = math.floor(start_jd)
        # the day and its fraction apart: a single float64 Julian date resolves only ~20 microseconds
        r, v, error = propagate_sgp4(satrecs, np.full(t.shape, float(whole)), (start_jd - whole) + t / SECONDS_PER_DAY)
        r = np.where((error != 0)[..., None], np.nan, r)
    r_itrs, _ = teme_to_itrs(r, v, jd, ut1_minus_utc_s)
    return r_itrs


def fleet_sat_ids(fleet) -> np.ndarray:
    """Identifiers of a fleet's satellites: NORAD numbers of a real fleet, ``sat_id`` of elements,
    ``satnum`` of SGP4 satellites."""
    if isinstance(fleet, FleetElements):
        return np.asarray(fleet.sat_id, dtype=np.int64)
    if hasattr(fleet, "norad_ids"):
        return np.asarray(fleet.norad_ids, dtype=np.int64)
    if hasattr(fleet, "satnum"):
        return np.array([fleet.satnum], dtype=np.int64)
    return np.array([s.satnum for s in fleet], dtype=np.int64)


# ---------------------------------------------------------------------------------------------- geometry
def _checked(sites: GroundSites, r_itrs_km, t_s, min_elevation_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.asarray(r_itrs_km, dtype=float)
    t = np.asarray(t_s, dtype=float)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise InputError(WHERE, "t_s", "expected at least two finite, strictly increasing times")
    if r.ndim != 3 or r.shape[1:] != (t.size, 3):
        raise InputError(WHERE, "r_itrs_km", f"expected positions [n_sat, {t.size}, 3], got {list(r.shape)}")
    if len(sites) == 0:
        raise InputError(WHERE, "sites", "expected at least one ground site")
    mask = np.broadcast_to(np.asarray(min_elevation_deg, dtype=float), (len(sites),)).astype(float)
    if not np.all(np.isfinite(mask)) or np.any(np.abs(mask) >= 90.0):
        raise InputError(WHERE, "min_elevation_deg", "expected elevation masks above -90 and below 90 deg")
    return r, t, mask


def _prefilter_range_km(site_radius_km: np.ndarray, sat_radius_km: float, mask_deg: np.ndarray) -> np.ndarray:
    """The farthest a satellite of geocentric radius <= ``sat_radius_km`` can be from each site while at
    a geocentric elevation of at least the mask less the margin (a superset of the geodetic test)."""
    e = np.radians(np.maximum(mask_deg - PREFILTER_MARGIN_DEG, -89.9))
    rs = max(sat_radius_km, float(site_radius_km.max()))
    return np.sqrt(rs**2 - (site_radius_km * np.cos(e)) ** 2) - site_radius_km * np.sin(e) + 1e-6


def _sin_elevation(site_xyz: np.ndarray, up: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Sine of the elevation of positions ``pos[k, 3]`` above sites ``site_xyz[k, 3]`` (normals ``up``)."""
    los = pos - site_xyz
    dist = np.sqrt(np.einsum("nk,nk->n", los, los))
    return np.einsum("nk,nk->n", los, up) / np.maximum(dist, 1e-9)


def _degrees(sin_el: np.ndarray) -> np.ndarray:
    return np.degrees(np.arcsin(np.clip(sin_el, -1.0, 1.0)))


@dataclass(frozen=True)
class _Geometry:
    xyz: np.ndarray  # [n_sites, 3]
    up: np.ndarray  # [n_sites, 3]
    radius_km: np.ndarray  # [n_sites]
    mask_deg: np.ndarray  # [n_sites]
    sin_mask: np.ndarray  # [n_sites]

    @staticmethod
    def of(sites: GroundSites, mask_deg: np.ndarray) -> _Geometry:
        xyz = sites.itrs_km()
        return _Geometry(xyz, up_vectors(sites.latitude_deg, sites.longitude_deg), np.linalg.norm(xyz, axis=1),
                         mask_deg, np.sin(np.radians(mask_deg)))


def _visible_samples(geo: _Geometry, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (site, satellite, step) sample of ``r[n, n_t, 3]`` above the site's mask, sorted by site,
    satellite and step: site, satellite, step and sine of the elevation."""
    from scipy.spatial import cKDTree

    n, n_t, _ = r.shape
    flat = r.reshape(-1, 3)
    finite = np.isfinite(flat).all(axis=1)
    empty = np.zeros(0, dtype=np.int64)
    if not finite.any():
        return empty, empty, empty, np.zeros(0)
    points = np.where(finite[:, None], flat, FAR_KM)
    reach = _prefilter_range_km(geo.radius_km, float(np.linalg.norm(flat[finite], axis=1).max()), geo.mask_deg)
    # an unbalanced tree (sliding-midpoint splits) builds ~4x faster here and answers as fast
    near = cKDTree(points, balanced_tree=False, compact_nodes=False).query_ball_point(geo.xyz, reach)
    counts = np.array([len(k) for k in near], dtype=np.int64)
    if counts.sum() == 0:
        return empty, empty, empty, np.zeros(0)
    site = np.repeat(np.arange(len(near), dtype=np.int64), counts)
    index = np.concatenate([np.asarray(k, dtype=np.int64) for k in near])
    sin_el = _sin_elevation(geo.xyz[site], geo.up[site], flat[index])
    keep = sin_el >= geo.sin_mask[site]
    site, index, sin_el = site[keep], index[keep], sin_el[keep]
    order = np.argsort(site * (n * n_t) + index, kind="stable")
    site, index, sin_el = site[order], index[order], sin_el[order]
    return site, index // n_t, index % n_t, sin_el


class _Arc:
    """The orbit between steps for a set of (site, satellite) passes: the quadratic (Lagrange) through the
    positions at steps ``centre - 1, centre, centre + 1``, and the sine of its elevation above the site.
    The node positions are gathered once, so each evaluation touches only ``[n_pass, 3]`` arrays."""

    def __init__(self, geo: _Geometry, r: np.ndarray, t: np.ndarray, site: np.ndarray, sat: np.ndarray,
                 centre: np.ndarray):
        self.xyz, self.up = geo.xyz[site], geo.up[site]
        self.p0, self.p1, self.p2 = r[sat, centre - 1], r[sat, centre], r[sat, centre + 1]
        self.x0, self.x1, self.x2 = t[centre - 1], t[centre], t[centre + 1]
        self.finite = np.isfinite(self.p0).all(axis=1) & np.isfinite(self.p1).all(axis=1) & \
            np.isfinite(self.p2).all(axis=1)

    def sin_elevation(self, when: np.ndarray) -> np.ndarray:
        x0, x1, x2 = self.x0, self.x1, self.x2
        l0 = ((when - x1) * (when - x2) / ((x0 - x1) * (x0 - x2)))[:, None]
        l1 = ((when - x0) * (when - x2) / ((x1 - x0) * (x1 - x2)))[:, None]
        l2 = ((when - x0) * (when - x1) / ((x2 - x0) * (x2 - x1)))[:, None]
        return _sin_elevation(self.xyz, self.up, l0 * self.p0 + l1 * self.p1 + l2 * self.p2)


def _crossings(geo: _Geometry, r: np.ndarray, t: np.ndarray, site: np.ndarray, sat: np.ndarray,
               inside: np.ndarray, outside: np.ndarray, refine: bool) -> tuple[np.ndarray, np.ndarray]:
    """Times at which the elevation crosses the mask between step ``inside`` (above) and the adjacent step
    ``outside`` (below); and whether the crossing could not be found (a neighbour without a position):
    then the time of ``inside``."""
    xyz, up, sin_mask = geo.xyz[site], geo.up[site], geo.sin_mask[site]
    s_in = _sin_elevation(xyz, up, r[sat, inside])
    s_out = _sin_elevation(xyz, up, r[sat, outside])
    unknown = ~np.isfinite(s_out)
    e_in, e_out, mask = _degrees(s_in), _degrees(s_out), geo.mask_deg[site]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip((mask - e_out) / (e_in - e_out), 0.0, 1.0)
    when = np.where(unknown, t[inside], t[outside] + frac * (t[inside] - t[outside]))
    if not refine or t.size < 3 or not np.any(~unknown):
        return when, unknown
    arc = _Arc(geo, r, t, site, sat, np.clip(inside, 1, t.size - 2))  # its nodes hold both steps
    lo, hi = t[outside].copy(), t[inside].copy()  # below the mask at lo, above at hi
    for _ in range(BISECTION_ITERATIONS):
        mid = 0.5 * (lo + hi)
        above = arc.sin_elevation(mid) >= sin_mask
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.where(arc.finite & ~unknown, 0.5 * (lo + hi), when), unknown


def _peaks(geo: _Geometry, r: np.ndarray, t: np.ndarray, site: np.ndarray, sat: np.ndarray, k: np.ndarray,
           refine: bool) -> tuple[np.ndarray, np.ndarray]:
    """Time and elevation (deg) of the highest point of each pass around its highest sample ``k``."""
    xyz, up = geo.xyz[site], geo.up[site]
    s_k = _sin_elevation(xyz, up, r[sat, k])
    when, best = t[k].copy(), s_k.copy()
    if t.size < 3:
        return when, _degrees(best)
    inner = (k > 0) & (k < t.size - 1)
    c = np.clip(k, 1, t.size - 2)
    s_prev = _sin_elevation(xyz, up, r[sat, c - 1])
    s_next = _sin_elevation(xyz, up, r[sat, c + 1])
    ok = inner & np.isfinite(s_prev) & np.isfinite(s_next)
    if not ok.any():
        return when, _degrees(best)
    if refine:
        arc = _Arc(geo, r, t, site, sat, c)
        f = arc.sin_elevation
        lo, hi = t[c - 1].copy(), t[c + 1].copy()
        a, b = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
        fa, fb = f(a), f(b)
        for _ in range(GOLDEN_ITERATIONS):
            left = fa >= fb  # the maximum lies in [lo, b]: drop (b, hi]; else in [a, hi]: drop [lo, a)
            hi = np.where(left, b, hi)
            lo = np.where(left, lo, a)
            x = np.where(left, hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo))
            fx = f(x)
            a, b, fa, fb = (np.where(left, x, b), np.where(left, a, x), np.where(left, fx, fb),
                            np.where(left, fa, fx))
        x = 0.5 * (lo + hi)
        s_x = f(x)
        better = ok & (s_x > best)
        return np.where(better, x, when), _degrees(np.where(better, s_x, best))
    # the vertex of the parabola through the three elevations (any spacing)
    e0, e1, e2 = _degrees(s_prev), _degrees(s_k), _degrees(s_next)
    h1, h2 = t[c] - t[c - 1], t[c + 1] - t[c]
    d1, d2 = (e1 - e0) / h1, (e2 - e1) / h2
    curv = (d2 - d1) / (h1 + h2)
    slope = (d1 * h2 + d2 * h1) / (h1 + h2)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.clip(-slope / (2.0 * curv), -h1, h2)
        peak = e1 + slope * u + curv * u * u
    good = ok & (curv < 0) & np.isfinite(peak) & (peak >= e1)
    return np.where(good, t[c] + u, when), np.where(good, peak, _degrees(best))


def _chunk_windows(geo: _Geometry, r: np.ndarray, t: np.ndarray, refine: bool) -> dict[str, np.ndarray]:
    """Contact windows of the satellites ``r[n, n_t, 3]`` (indices local to the chunk)."""
    site, sat, step, sin_el = _visible_samples(geo, r)
    if site.size == 0:
        empty_i, empty_f, empty_b = np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool)
        return {"site": empty_i, "sat": empty_i, "first_step": empty_i, "last_step": empty_i, "start_s": empty_f,
                "end_s": empty_f, "culmination_s": empty_f, "max_elevation_deg": empty_f,
                "start_clipped": empty_b, "end_clipped": empty_b}
    new = np.ones(site.size, dtype=bool)
    new[1:] = (site[1:] != site[:-1]) | (sat[1:] != sat[:-1]) | (step[1:] != step[:-1] + 1)
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, site.size - 1]
    run = np.cumsum(new) - 1
    run_max = np.maximum.reduceat(sin_el, first)
    at_max = np.flatnonzero(sin_el == run_max[run])
    _, first_at_max = np.unique(run[at_max], return_index=True)
    peak = at_max[first_at_max]
    w_site, w_sat = site[first], sat[first]
    first_step, last_step = step[first], step[last]
    n_t = t.size
    start_clipped, end_clipped = first_step == 0, last_step == n_t - 1
    start = t[first_step].copy()
    end = t[last_step].copy()
    rising = ~start_clipped
    if rising.any():
        when, unknown = _crossings(geo, r, t, w_site[rising], w_sat[rising], first_step[rising],
                                   first_step[rising] - 1, refine)
        start[rising] = when
        start_clipped[rising] |= unknown
    setting = ~end_clipped
    if setting.any():
        when, unknown = _crossings(geo, r, t, w_site[setting], w_sat[setting], last_step[setting],
                                   last_step[setting] + 1, refine)
        end[setting] = when
        end_clipped[setting] |= unknown
    culmination, max_el = _peaks(geo, r, t, w_site, w_sat, step[peak], refine)
    return {"site": w_site, "sat": w_sat, "first_step": first_step, "last_step": last_step, "start_s": start,
            "end_s": end, "culmination_s": np.clip(culmination, start, end), "max_elevation_deg": max_el,
            "start_clipped": start_clipped, "end_clipped": end_clipped}


def _chunks(n_sat: int, n_t: int, chunk_samples: int):
    per = max(1, int(chunk_samples) // max(n_t, 1))
    for lo in range(0, n_sat, per):
        yield lo, min(n_sat, lo + per)


class _Highest:
    """The ``"highest"`` rule, chunk by chunk: per (site, step), the satellite at the highest elevation."""

    def __init__(self, n_sites: int, n_t: int):
        self.n_t = n_t
        self.best = np.full(n_sites * n_t, -np.inf)  # sine of the elevation
        self.serving = np.full(n_sites * n_t, -1, dtype=np.int64)

    def add(self, geo: _Geometry, r: np.ndarray, offset: int) -> None:
        site, sat, step, sin_el = _visible_samples(geo, r)
        if site.size == 0:
            return
        key = site * self.n_t + step
        order = np.lexsort((sat, -sin_el, key))  # per (site, step): highest first, then lowest index
        key, sat, sin_el = key[order], sat[order], sin_el[order]
        head = np.ones(key.size, dtype=bool)
        head[1:] = key[1:] != key[:-1]
        key, sat, sin_el = key[head], sat[head] + offset, sin_el[head]
        better = sin_el > self.best[key]
        self.best[key[better]] = sin_el[better]
        self.serving[key[better]] = sat[better]

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """``serving [n_sites, n_t]`` and its elevation (deg, NaN where none)."""
        shape = (-1, self.n_t)
        elevation = np.where(self.serving >= 0, _degrees(np.where(np.isfinite(self.best), self.best, 0.0)), np.nan)
        return self.serving.reshape(shape), elevation.reshape(shape)


def _fleet_part(fleet):
    """A function from satellite indices (a slice or an index array) to that part of the fleet."""
    if isinstance(fleet, FleetElements):
        return fleet.take
    satrecs = [fleet] if hasattr(fleet, "satnum") else list(fleet.satrecs if hasattr(fleet, "satrecs") else fleet)

    def part(index):
        return satrecs[index] if isinstance(index, slice) else [satrecs[i] for i in np.asarray(index)]

    return part


# ---------------------------------------------------------------------------------------------- public API
def contact_windows(sites: GroundSites, r_itrs_km: np.ndarray, t_s: np.ndarray, min_elevation_deg,
                    *, sat_ids: np.ndarray | None = None, start_jd: float | None = None, refine: bool = True,
                    chunk_samples: int = CHUNK_SAMPLES) -> ContactWindows:
    """Contact windows of every (site, satellite) pair over the span ``t_s``.

    Parameters
    ----------
    sites : GroundSites
        The ground sites (``network.ground``).
    r_itrs_km : ndarray
        Earth-fixed positions (km), ``[n_sat, n_t, 3]``; NaN where unknown (never above the mask).
    t_s : ndarray
        Times of the steps (s, strictly increasing), ``[n_t]``: offsets from ``start_jd``.
    min_elevation_deg : float or ndarray
        The elevation mask (deg): one for all sites, or one per site.
    sat_ids : ndarray, optional
        Identifier of each satellite (default ``0..n_sat-1``).
    start_jd : float, optional
        UTC Julian date of ``t_s = 0``, for timestamps in :meth:`ContactWindows.table`.
    refine : bool
        Interpolate the orbit between steps to find the crossings and the peak (see the module's
        docstring); False interpolates the elevation samples linearly (crossings) and by a parabola (peak).
    chunk_samples : int
        Satellite-steps handled at a time (bounds the memory).

    Returns
    -------
    ContactWindows
        Sorted by site, start and satellite.
    """
    r, t, mask = _checked(sites, r_itrs_km, t_s, min_elevation_deg)
    geo = _Geometry.of(sites, mask)
    parts = []
    for lo, hi in _chunks(r.shape[0], t.size, chunk_samples):
        part = _chunk_windows(geo, r[lo:hi], t, refine)
        part["sat"] = part["sat"] + lo
        parts.append(part)
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]} if parts else \
        _chunk_windows(geo, r, t, refine)
    ids = np.arange(r.shape[0], dtype=np.int64) if sat_ids is None else np.asarray(sat_ids, dtype=np.int64)
    if ids.shape != (r.shape[0],):
        raise InputError(WHERE, "sat_ids", f"expected one identifier per satellite ({r.shape[0]}), got {ids.size}")
    return ContactWindows(**merged, sat_id=ids[merged["sat"]], site_names=np.asarray(sites.name),
                          start_jd=start_jd).sorted()


def fleet_contacts(fleet, sites: GroundSites, start_jd: float, t_s: np.ndarray, min_elevation_deg, *,
                   propagator: str = "sgp4", refine: bool = True, chunk_samples: int = CHUNK_SAMPLES
                   ) -> ContactWindows:
    """:func:`contact_windows` of a fleet, propagated chunk by chunk (:func:`fleet_itrs_km`), so that
    only ``chunk_samples`` satellite-steps of positions are in memory at a time.

    Parameters
    ----------
    fleet : TleFleet, FleetElements or sequence of sgp4 Satrec
        See :func:`fleet_itrs_km`.
    sites, min_elevation_deg, refine, chunk_samples
        As for :func:`contact_windows`.
    start_jd : float
        UTC Julian date of ``t_s = 0``.
    t_s : ndarray
        Offsets of the steps (s).
    propagator : {"sgp4", "fast"}
        For mean elements (see :func:`fleet_itrs_km`).

    Returns
    -------
    ContactWindows
        ``sat`` indexes the fleet; ``sat_id`` is the NORAD number or the designed ``sat_id``.
    """
    t = np.asarray(t_s, dtype=float)
    ids = fleet_sat_ids(fleet)
    part_of = _fleet_part(fleet)
    parts = []
    for lo, hi in _chunks(ids.size, t.size, chunk_samples):
        r = fleet_itrs_km(part_of(slice(lo, hi)), start_jd, t, propagator=propagator)
        part = contact_windows(sites, r, t, min_elevation_deg, sat_ids=ids[lo:hi], start_jd=start_jd,
                               refine=refine, chunk_samples=chunk_samples)
        parts.append(ContactWindows(**{f.name: getattr(part, f.name) for f in fields(part) if f.name != "sat"},
                                    sat=part.sat + lo))
    if not parts:
        return contact_windows(sites, np.zeros((0, t.size, 3)), t, min_elevation_deg, start_jd=start_jd)
    return ContactWindows.concatenate(parts)


def handovers_from_windows(windows: ContactWindows, t_s: np.ndarray, n_sat: int | None = None,
                           sat_ids: np.ndarray | None = None) -> Handovers:
    """The ``"longest"`` rule from contact windows alone (any fleet size, with :func:`fleet_contacts`).

    Parameters
    ----------
    windows : ContactWindows
        Windows found over the steps ``t_s``.
    t_s : ndarray
        The steps (s) the windows were found over.
    n_sat : int, optional
        Satellites in the fleet (default: one past the highest index in ``windows``).
    sat_ids : ndarray, optional
        Identifier per satellite (default: taken from the windows; satellites without one get -1).

    Returns
    -------
    Handovers
        With ``serving_elevation_deg`` None (the windows do not hold the elevation at every step).
    """
    t = np.asarray(t_s, dtype=float)
    n_sites, n_t = len(windows.site_names), t.size
    if n_sat is None:
        n_sat = int(windows.sat.max()) + 1 if len(windows) else 0
    if sat_ids is None:
        sat_ids = np.full(n_sat, -1, dtype=np.int64)
        sat_ids[windows.sat] = windows.sat_id
    serving = np.full((n_sites, n_t), -1, dtype=np.int64)
    for s in range(n_sites):
        own = np.flatnonzero(windows.site == s)
        own = own[np.argsort(windows.first_step[own], kind="stable")]
        first, last = windows.first_step[own], windows.last_step[own]
        end, sat = windows.end_s[own], windows.sat[own]
        started: list[tuple[float, int, int]] = []  # (-end, satellite, last step): latest end on top
        p, j = 0, 0
        while j < n_t:
            while p < own.size and first[p] <= j:
                heapq.heappush(started, (-float(end[p]), int(sat[p]), int(last[p])))
                p += 1
            while started and started[0][2] < j:
                heapq.heappop(started)
            if not started:
                if p >= own.size:
                    break
                j = int(first[p])
                continue
            _, chosen, until = heapq.heappop(started)
            serving[s, j:until + 1] = chosen
            j = until + 1
    return Handovers(rule="longest", site_names=windows.site_names, t_s=t, sat_ids=np.asarray(sat_ids),
                     serving=serving, serving_elevation_deg=None, start_jd=windows.start_jd)


def handovers(sites: GroundSites, r_itrs_km: np.ndarray, t_s: np.ndarray, min_elevation_deg, *,
              rule: str = "longest", sat_ids: np.ndarray | None = None, start_jd: float | None = None,
              chunk_samples: int = CHUNK_SAMPLES) -> Handovers:
    """The satellite each site uses at each step, and the handovers between them.

    Parameters
    ----------
    sites : GroundSites
        The ground sites.
    r_itrs_km : ndarray
        Earth-fixed positions (km), ``[n_sat, n_t, 3]``.
    t_s : ndarray
        Times of the steps (s), ``[n_t]``.
    min_elevation_deg : float or ndarray
        The elevation mask (deg), one or one per site.
    rule : {"highest", "longest"}
        ``"highest"``: the satellite at the highest elevation at each step. ``"longest"``: keep the
        satellite in use while it is above the mask, then take the one whose window ends last.
    sat_ids : ndarray, optional
        Identifier of each satellite (default ``0..n_sat-1``).
    start_jd : float, optional
        UTC Julian date of ``t_s = 0`` (timestamps in :meth:`Handovers.table`).
    chunk_samples : int
        Satellite-steps handled at a time.

    Returns
    -------
    Handovers
        With the elevation of the satellite in use at each step.
    """
    if rule not in RULES:
        raise InputError(WHERE, "rule", f"expected one of {', '.join(RULES)} (got {rule!r})")
    r, t, mask = _checked(sites, r_itrs_km, t_s, min_elevation_deg)
    ids = np.arange(r.shape[0], dtype=np.int64) if sat_ids is None else np.asarray(sat_ids, dtype=np.int64)
    geo = _Geometry.of(sites, mask)
    n_sites, n_t = len(sites), t.size
    if rule == "longest":
        windows = contact_windows(sites, r, t, mask, sat_ids=ids, start_jd=start_jd, chunk_samples=chunk_samples)
        serving = handovers_from_windows(windows, t, r.shape[0], ids).serving
    else:
        highest = _Highest(n_sites, n_t)
        for lo, hi in _chunks(r.shape[0], n_t, chunk_samples):
            highest.add(geo, r[lo:hi], lo)
        serving, _ = highest.result()
    elevation = np.full((n_sites, n_t), np.nan)
    site, step = np.nonzero(serving >= 0)
    if site.size:
        elevation[site, step] = _degrees(_sin_elevation(geo.xyz[site], geo.up[site], r[serving[site, step], step]))
    return Handovers(rule=rule, site_names=np.asarray(sites.name), t_s=t, sat_ids=ids, serving=serving,
                     serving_elevation_deg=elevation, start_jd=start_jd)


def fleet_handovers(fleet, sites: GroundSites, start_jd: float, t_s: np.ndarray, min_elevation_deg, *,
                    rule: str = "longest", propagator: str = "sgp4", windows: ContactWindows | None = None,
                    chunk_samples: int = CHUNK_SAMPLES) -> Handovers:
    """:func:`handovers` of a fleet propagated chunk by chunk (never all its positions in memory).

    Parameters
    ----------
    fleet : TleFleet, FleetElements or sequence of sgp4 Satrec
        See :func:`fleet_itrs_km`.
    sites, min_elevation_deg, rule, chunk_samples
        As for :func:`handovers`.
    start_jd : float
        UTC Julian date of ``t_s = 0``.
    t_s : ndarray
        Offsets of the steps (s).
    propagator : {"sgp4", "fast"}
        For mean elements (see :func:`fleet_itrs_km`).
    windows : ContactWindows, optional
        This fleet's windows over ``t_s`` from :func:`fleet_contacts`, if already found (``"longest"``).

    Returns
    -------
    Handovers
        With the elevation of the satellite in use at each step (for ``"longest"``, from a second pass
        over only the satellites ever in use).
    """
    if rule not in RULES:
        raise InputError(WHERE, "rule", f"expected one of {', '.join(RULES)} (got {rule!r})")
    t = np.asarray(t_s, dtype=float)
    ids = fleet_sat_ids(fleet)
    part_of = _fleet_part(fleet)
    _, t, mask = _checked(sites, np.zeros((0, t.size, 3)), t, min_elevation_deg)
    geo = _Geometry.of(sites, mask)
    if rule == "highest":
        highest = _Highest(len(sites), t.size)
        for lo, hi in _chunks(ids.size, t.size, chunk_samples):
            highest.add(geo, fleet_itrs_km(part_of(slice(lo, hi)), start_jd, t, propagator=propagator), lo)
        serving, elevation = highest.result()
    else:
        if windows is None:
            windows = fleet_contacts(fleet, sites, start_jd, t, mask, propagator=propagator,
                                     chunk_samples=chunk_samples)
        serving = handovers_from_windows(windows, t, ids.size, ids).serving
        elevation = np.full(serving.shape, np.nan)
        used = np.unique(serving[serving >= 0])
        for lo, hi in _chunks(used.size, t.size, chunk_samples):
            members = used[lo:hi]
            r = fleet_itrs_km(part_of(members), start_jd, t, propagator=propagator)
            site, step = np.nonzero(np.isin(serving, members))
            row = np.searchsorted(members, serving[site, step])
            elevation[site, step] = _degrees(_sin_elevation(geo.xyz[site], geo.up[site], r[row, step]))
    return Handovers(rule=rule, site_names=np.asarray(sites.name), t_s=t, sat_ids=ids, serving=serving,
                     serving_elevation_deg=elevation, start_jd=start_jd)


def scenario_contacts(scenario, d, site_names: list[str] | None = None, *, hours: float | None = None,
                      step_s: float | None = None, min_elevation_deg: float | None = None,
                      rule: str = "longest") -> tuple[ContactWindows, Handovers]:
    """Contact windows and handovers of a scenario's fleet over its sites, from the simulation's start.

    Parameters
    ----------
    scenario : Scenario
        Its fleet (``constellation``: designed shells, a TLE/OMM file, or the design's one shell), its
        start (``simulation.start_utc``) and its ``[network]`` (sites, ``hours``, ``step_s``,
        ``min_elevation_deg``).
    d : Design
        The sized design (``leodc.design.design``), for the default shell.
    site_names : list of str, optional
        Names of the sites (default: all of the scenario's sites); an unknown name is an ``--site`` error.
    hours, step_s, min_elevation_deg : float, optional
        Override ``network.hours``, ``network.step_s`` and ``network.min_elevation_deg``.
    rule : {"highest", "longest"}
        The handover rule.

    Returns
    -------
    (ContactWindows, Handovers)
        A real fleet is flown with SGP4 (its elements were fitted with it); a designed one with the
        scenario's ``simulation.propagator``.
    """
    from sgp4.api import Satrec

    from leodc.network.ground import builtin_sites, read_sites
    from leodc.orbits.epochs import julian_date
    from leodc.simulate.fleet import fleet_of

    net = scenario.network
    sites = read_sites(net.sites_file) if net.sites_file else builtin_sites()
    if site_names:
        sites = sites.take(np.array([sites.index(name, where="--site") for name in site_names]))
    hours = net.hours if hours is None else hours
    step_s = net.step_s if step_s is None else step_s
    mask = net.min_elevation_deg if min_elevation_deg is None else min_elevation_deg
    if not (math.isfinite(hours) and hours > 0.0):
        raise InputError("--hours", None, f"expected a positive number of hours (got {hours:g})")
    if not (math.isfinite(step_s) and 0.0 < step_s <= hours * SECONDS_PER_HOUR / 2.0):
        raise InputError("--step-s", None, f"expected a step above 0 s and at most half the span (got {step_s:g})")
    if not (math.isfinite(mask) and 0.0 <= mask < 90.0):
        raise InputError("--min-elevation-deg", None, f"expected 0 to 90 deg (got {mask:g})")
    start = julian_date(scenario.simulation.start_utc)
    elements, tle_lines = fleet_of(scenario, d, start)
    if tle_lines is not None:
        fleet, propagator = [Satrec.twoline2rv(a, b) for a, b in tle_lines], "sgp4"
    else:
        fleet, propagator = elements, scenario.simulation.propagator
    t_s = np.arange(0.0, hours * SECONDS_PER_HOUR + 0.5 * step_s, step_s)
    windows = fleet_contacts(fleet, sites, start, t_s, mask, propagator=propagator)
    served = fleet_handovers(fleet, sites, start, t_s, mask, rule=rule, propagator=propagator,
                             windows=windows if rule == "longest" else None)
    return windows, served
