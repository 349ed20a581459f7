"""The ground segment as data: sites where users live, gateways that feed the fleet, stations that
control it; where each site sees a satellite, and the contact windows that follow.

Sites are rows of ``name, latitude_deg, longitude_deg, altitude_m, role`` (``user``, ``gateway`` or
``control``), with a population for user sites and, optionally, a site's own weather availability for
its feeder links (``weather_availability``: the share of time the weather lets them run; empty: the
catalog's figure for the scenario's feeder link). leodc ships the 100 most populous cities and a set of
real gateway and control sites (``network/data/``, their sources in ``network/data/README.md``); a
user's own list is a CSV with the same columns, or a TOML file of ``[[sites]]`` tables.

Geometry: geodetic coordinates on the WGS84 ellipsoid to Earth-fixed (ITRS) positions; the elevation
of a satellite above a site's local horizon is the angle between the site-to-satellite line and the
plane normal to the ellipsoid's normal at the site (astronomical and geodetic verticals differ by
< 0.01 deg, far below what matters for a 25 deg mask).
"""

from __future__ import annotations

import csv
import math
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path

import numpy as np

from leodc.constants import EARTH_RADIUS_KM, WGS84_FLATTENING
from leodc.errors import InputError

ROLES = ("user", "gateway", "control")
CITIES_FILE = "cities.csv"
STATIONS_FILE = "ground_stations.csv"
M_PER_KM = 1000.0
MAX_NAME_CHARS = 200
COLUMNS = ("name", "latitude_deg", "longitude_deg", "altitude_m")
WEATHER_COLUMN = "weather_availability"


@dataclass(frozen=True)
class GroundSites:
    """Ground sites as arrays, one entry per site."""

    name: np.ndarray  # str
    latitude_deg: np.ndarray
    longitude_deg: np.ndarray
    altitude_m: np.ndarray
    role: np.ndarray  # str: user, gateway or control
    population: np.ndarray  # 0 where not a population centre
    # share of time the weather lets the site's feeder links run (0..1); NaN: the catalog's figure for
    # the scenario's feeder link
    weather_availability: np.ndarray | None = field(default=None)

    def __post_init__(self):
        if self.weather_availability is None:
            object.__setattr__(self, "weather_availability", np.full(self.name.shape, np.nan))

    def __len__(self) -> int:
        return int(self.name.size)

    def take(self, index) -> GroundSites:
        return GroundSites(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def with_role(self, role: str) -> GroundSites:
        return self.take(self.role == role)

    def index(self, name: str, where: str = "--pairs") -> int:
        """The index of the site called ``name`` (case-insensitive); an unknown name is a user-facing
        error naming the nearest matches."""
        lowered = np.char.lower(self.name.astype(str))
        hits = np.flatnonzero(lowered == name.strip().lower())
        if hits.size:
            return int(hits[0])
        close = [str(n) for n in self.name if name.strip().lower()[:3] in str(n).lower()][:5]
        hint = f"; close: {', '.join(close)}" if close else "; `leodc network --list-sites` lists them"
        raise InputError(where, None, f"unknown ground site {name!r}{hint}")

    def itrs_km(self) -> np.ndarray:
        """Earth-fixed positions (km), ``[n, 3]``."""
        return geodetic_to_itrs_km(self.latitude_deg, self.longitude_deg, self.altitude_m / M_PER_KM)

    @staticmethod
    def concatenate(parts: list[GroundSites]) -> GroundSites:
        return GroundSites(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                              for f in fields(GroundSites)})


def geodetic_to_itrs_km(latitude_deg, longitude_deg, altitude_km) -> np.ndarray:
    """WGS84 geodetic latitude, longitude and height to Earth-fixed Cartesian (km), ``[..., 3]``."""
    lat = np.radians(np.asarray(latitude_deg, dtype=float))
    lon = np.radians(np.asarray(longitude_deg, dtype=float))
    h = np.asarray(altitude_km, dtype=float)
    e2 = WGS84_FLATTENING * (2.0 - WGS84_FLATTENING)
    n = EARTH_RADIUS_KM / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    return np.stack([(n + h) * np.cos(lat) * np.cos(lon), (n + h) * np.cos(lat) * np.sin(lon),
                     (n * (1.0 - e2) + h) * np.sin(lat)], axis=-1)


def up_vectors(latitude_deg, longitude_deg) -> np.ndarray:
    """Unit normals to the ellipsoid (local vertical) at each site, ``[n, 3]``."""
    lat = np.radians(np.asarray(latitude_deg, dtype=float))
    lon = np.radians(np.asarray(longitude_deg, dtype=float))
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def elevation_deg(sites: GroundSites, sat_itrs_km: np.ndarray) -> np.ndarray:
    """Elevation (deg) of every satellite above every site's horizon, ``[n_sites, n_sat]``."""
    origin = sites.itrs_km()
    up = up_vectors(sites.latitude_deg, sites.longitude_deg)
    los = np.asarray(sat_itrs_km)[None, :, :] - origin[:, None, :]
    dist = np.linalg.norm(los, axis=-1)
    sin_el = np.einsum("mnk,mk->mn", los, up) / np.maximum(dist, 1e-9)
    return np.degrees(np.arcsin(np.clip(sin_el, -1.0, 1.0)))


def max_slant_range_km(altitude_km: float, min_elevation_deg: float) -> float:
    """The longest site-to-satellite distance at which a satellite at ``altitude_km`` is above
    ``min_elevation_deg`` (spherical Earth of the WGS84 equatorial radius)."""
    r, e = EARTH_RADIUS_KM, math.radians(min_elevation_deg)
    return math.sqrt((r + altitude_km) ** 2 - (r * math.cos(e)) ** 2) - r * math.sin(e)


# ---------------------------------------------------------------------------------------------- reading sites
def _row_sites(rows: list[dict], source: str, default_role: str | None) -> GroundSites:
    names, lat, lon, alt, role, pop, weather = [], [], [], [], [], [], []
    for i, row in enumerate(rows, start=1):
        where = f"{source}: row {i}"
        missing = [c for c in COLUMNS if row.get(c) in (None, "")]
        if missing:
            raise InputError(where, missing[0], f"expected the columns {', '.join(COLUMNS)} (and role)")
        name = str(row["name"]).strip()
        if not name or len(name) > MAX_NAME_CHARS:
            raise InputError(where, "name", f"expected a name of 1 to {MAX_NAME_CHARS} characters")
        try:
            values = [float(row[c]) for c in ("latitude_deg", "longitude_deg", "altitude_m")]
            people = float(row.get("population") or 0.0)
        except (TypeError, ValueError):
            raise InputError(where, None, "expected numbers for latitude_deg, longitude_deg, altitude_m and "
                             "population") from None
        if not all(math.isfinite(v) for v in [*values, people]):
            raise InputError(where, None, "expected finite numbers")
        if not -90.0 <= values[0] <= 90.0:
            raise InputError(where, "latitude_deg", f"expected -90 to 90 (got {values[0]:g})")
        if not -180.0 <= values[1] <= 360.0:
            raise InputError(where, "longitude_deg", f"expected -180 to 360 (got {values[1]:g})")
        kind = str(row.get("role") or default_role or "user").strip()
        if kind not in ROLES:
            raise InputError(where, "role", f"expected one of {', '.join(ROLES)} (got {kind!r})")
        weather.append(_share(row.get(WEATHER_COLUMN), where, WEATHER_COLUMN))
        names.append(name)
        lat.append(values[0])
        lon.append(values[1])
        alt.append(values[2])
        role.append(kind)
        pop.append(people)
    if not names:
        raise InputError(source, None, "no sites; expected at least one row")
    if len(set(n.lower() for n in names)) != len(names):
        dup = next(n for n in names if sum(m.lower() == n.lower() for m in names) > 1)
        raise InputError(source, "name", f"site {dup!r} appears twice; expected unique names")
    return GroundSites(np.array(names, dtype=object), np.array(lat), np.array(lon), np.array(alt),
                       np.array(role, dtype=object), np.array(pop), np.array(weather))


def _share(value, where: str, column: str) -> float:
    """An optional share of time (0 to 1) from a row; NaN where the row leaves it empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    expected = f"expected a share of time from 0 to 1, or empty (got {value!r})"
    try:
        share = math.nan if isinstance(value, bool) else float(value)  # a TOML true is no share
    except (TypeError, ValueError):
        raise InputError(where, column, expected) from None
    if not (math.isfinite(share) and 0.0 <= share <= 1.0):
        raise InputError(where, column, expected)
    return share


def read_sites(path: str | Path, default_role: str | None = None) -> GroundSites:
    """Sites from a CSV (header row with the columns above) or a TOML file of ``[[sites]]`` tables."""
    p = Path(path)
    if not p.is_file():
        raise InputError(str(p), None, "file not found; expected a CSV or TOML list of ground sites")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(p), None, f"unreadable ({type(exc).__name__}); expected a UTF-8 text file") from None
    if p.suffix.lower() == ".toml":
        try:
            rows = tomllib.loads(text).get("sites", [])
        except tomllib.TOMLDecodeError as exc:
            raise InputError(str(p), None, f"invalid TOML: {exc}") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(str(p), "sites", "expected [[sites]] tables")
    else:
        rows = list(csv.DictReader(text.splitlines()))
    return _row_sites(rows, str(p), default_role)


def builtin_sites() -> GroundSites:
    """The shipped sites: the 100 most populous cities (role ``user``) and the gateway and control
    stations."""
    data = resources.files("leodc.network") / "data"
    with resources.as_file(data / CITIES_FILE) as cities, resources.as_file(data / STATIONS_FILE) as stations:
        return GroundSites.concatenate([read_sites(cities, "user"), read_sites(stations)])
