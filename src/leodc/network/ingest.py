"""Data ingest: how much of a daily demand the feeder links of the sending sites carry up to the fleet,
the backlog that builds when they cannot, and the days a training set takes to upload.

At each step a site links to as many satellites as it has antennas (or as it sees above its mask, if
fewer); each link carries the feeder link's rate for the share of time the weather allows: the site's
own figure where its site list gives one (``weather_availability``), else the catalog's figure for the
feeder link (``catalog.feeder_links``). Demand arrives at a steady rate (bytes per day / 86,400 s);
what the links cannot carry in a step waits in the site's backlog for the next. Over the span: the
share of the demand carried, the largest and the final backlog, and the days to upload
``dataset_bytes`` at the site's mean rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leodc.constants import EARTH_RADIUS_KM, SECONDS_PER_DAY
from leodc.network.ground import GroundSites, max_slant_range_km
from leodc.network.latency import FleetPositions
from leodc.network.routing import ground_links
from leodc.orbits.elements import FleetElements

BITS_PER_BYTE = 8.0


@dataclass(frozen=True)
class FeederModel:
    rate_bps: float  # one antenna's link to one satellite
    weather_availability: float  # share of time the link runs, where a site gives no figure of its own
    antennas_per_site: int


@dataclass
class IngestSeries:
    """Per site and step: links in use, capacity and backlog."""

    sites: list[str]
    demand_bytes_per_day: np.ndarray  # [n_sites]
    t_s: np.ndarray  # [n_steps]
    links: np.ndarray  # [n_sites, n_steps]
    capacity_bytes_per_s: np.ndarray  # [n_sites, n_steps]
    backlog_bytes: np.ndarray  # [n_sites, n_steps], after each step
    carried_bytes: np.ndarray  # [n_sites]
    weather_availability: np.ndarray  # [n_sites], the share of time each site's links run

    def summary(self, dataset_bytes: float) -> list[dict]:
        span_s = float(self.t_s[-1] - self.t_s[0]) + self._step_s() if self.t_s.size else 0.0
        out = []
        for k, site in enumerate(self.sites):
            demand = self.demand_bytes_per_day[k] * span_s / SECONDS_PER_DAY
            mean_bytes_per_s = float(self.capacity_bytes_per_s[k].mean()) if self.t_s.size else 0.0
            out.append({
                "site": site, "demand_bytes_per_day": float(self.demand_bytes_per_day[k]),
                "capacity_bytes_per_day_mean": mean_bytes_per_s * SECONDS_PER_DAY,
                "carried_fraction": min(1.0, float(self.carried_bytes[k] / demand)) if demand > 0 else None,
                "backlog_bytes_max": float(self.backlog_bytes[k].max()) if self.t_s.size else 0.0,
                "backlog_bytes_final": float(self.backlog_bytes[k, -1]) if self.t_s.size else 0.0,
                "links_mean": float(self.links[k].mean()) if self.t_s.size else 0.0,
                "weather_availability": float(self.weather_availability[k]),
                "dataset_upload_days": (dataset_bytes / (mean_bytes_per_s * SECONDS_PER_DAY)
                                        if mean_bytes_per_s > 0 else None),
            })
        return out

    def _step_s(self) -> float:
        return float(self.t_s[1] - self.t_s[0]) if self.t_s.size > 1 else 0.0


def ingest_series(elements: FleetElements, senders: GroundSites, demand_bytes_per_day: np.ndarray,
                  feeder: FeederModel, min_elevation_deg: float, start_jd: float, step_s: float,
                  n_steps: int) -> IngestSeries:
    """Capacity, carried data and backlog of each sending site over ``n_steps`` steps of ``step_s``. A
    site's own weather availability (``GroundSites.weather_availability``) replaces the feeder's."""
    m = len(senders)
    weather = site_weather_availability(senders, feeder)
    clock = FleetPositions(elements, start_jd, step_s)
    xyz = senders.itrs_km()
    links = np.zeros((m, n_steps), dtype=np.int64)
    capacity = np.zeros((m, n_steps))
    backlog = np.zeros((m, n_steps))
    carried = np.zeros(m)
    demand_per_step = np.asarray(demand_bytes_per_day, dtype=float) / SECONDS_PER_DAY * step_s
    waiting = np.zeros(m)
    for k in range(n_steps):
        r = clock.at(k)
        top_km = float(np.nanmax(np.linalg.norm(r, axis=1))) - EARTH_RADIUS_KM
        site_idx, _, _ = ground_links(xyz, senders.latitude_deg, senders.longitude_deg, r, min_elevation_deg,
                                      max_slant_range_km(top_km, min_elevation_deg))
        visible = np.bincount(site_idx, minlength=m)
        links[:, k] = np.minimum(visible, feeder.antennas_per_site)
        capacity[:, k] = links[:, k] * feeder.rate_bps * weather / BITS_PER_BYTE
        offered = waiting + demand_per_step
        sent = np.minimum(offered, capacity[:, k] * step_s)
        carried += sent
        waiting = offered - sent
        backlog[:, k] = waiting
    return IngestSeries([str(n) for n in senders.name], np.asarray(demand_bytes_per_day, dtype=float),
                        np.arange(n_steps) * step_s, links, capacity, backlog, carried, weather)


def site_weather_availability(senders: GroundSites, feeder: FeederModel) -> np.ndarray:
    """The share of time each site's feeder links run: its own figure, else the feeder's."""
    own = np.asarray(senders.weather_availability, dtype=float)
    return np.where(np.isfinite(own), own, feeder.weather_availability)
