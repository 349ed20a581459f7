"""A dose map (latitude x longitude at one altitude) as one self-contained HTML file with an SVG
heat map: no script, no network. Colours are logarithmic in dose rate; the hottest cell is marked."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

CELL_PX = 6
# a perceptually ordered ramp (dark blue -> yellow), interpolated in log dose
RAMP = [(13, 8, 135), (84, 2, 163), (139, 10, 165), (185, 50, 137), (219, 92, 104), (244, 136, 73),
        (254, 188, 43), (240, 249, 33)]


def _colour(x: float) -> str:
    x = min(max(x, 0.0), 1.0) * (len(RAMP) - 1)
    i = min(int(x), len(RAMP) - 2)
    w = x - i
    r, g, b = (round(RAMP[i][c] * (1 - w) + RAMP[i + 1][c] * w) for c in range(3))
    return f"#{r:02x}{g:02x}{b:02x}"


def dose_map_html(lat_deg: np.ndarray, lon_deg: np.ndarray, dose: np.ndarray, title: str) -> str:
    """``dose[lat, lon]`` in rad/year; returns the HTML text."""
    dose = np.asarray(dose, dtype=float)
    positive = dose[dose > 0]
    lo = math.log10(positive.min()) if positive.size else 0.0
    hi = math.log10(dose.max()) if positive.size else 1.0
    span = max(hi - lo, 1e-9)
    n_lat, n_lon = dose.shape
    order_lat = np.argsort(lat_deg)[::-1]  # north up
    order_lon = np.argsort(((np.asarray(lon_deg) + 180.0) % 360.0) - 180.0)  # -180..180, west left
    cells = []
    for row, i in enumerate(order_lat):
        for col, j in enumerate(order_lon):
            v = dose[i, j]
            x = (math.log10(v) - lo) / span if v > 0 else 0.0
            cells.append(f'<rect x="{col * CELL_PX}" y="{row * CELL_PX}" width="{CELL_PX}" height="{CELL_PX}" '
                         f'fill="{_colour(x)}"><title>lat {lat_deg[i]:.0f}, lon {lon_deg[j]:.0f}: '
                         f'{v:.3g} rad/yr</title></rect>')
    i_max, j_max = np.unravel_index(np.argmax(dose), dose.shape)
    row = int(np.nonzero(order_lat == i_max)[0][0])
    col = int(np.nonzero(order_lon == j_max)[0][0])
    width, height = n_lon * CELL_PX, n_lat * CELL_PX
    marker = (f'<circle cx="{col * CELL_PX + CELL_PX / 2}" cy="{row * CELL_PX + CELL_PX / 2}" r="{2 * CELL_PX}" '
              'fill="none" stroke="white" stroke-width="2"/>')
    legend = "".join(f'<rect x="{k * 20}" y="0" width="20" height="12" fill="{_colour(k / 9)}"/>' for k in range(10))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1.5em;color:#222}} svg{{display:block;margin:0.5em 0}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<p>Dose rate in rad(Si)/year a satellite would receive at each point (rows: latitude, north up;
columns: longitude from -180 to 180). Logarithmic colours from {10 ** lo:.3g} to {10 ** hi:.3g} rad/year.
Hottest cell (circled): latitude {lat_deg[i_max]:.0f}, longitude {lon_deg[j_max]:.0f},
{dose[i_max, j_max]:.3g} rad/year.</p>
<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">{''.join(cells)}{marker}</svg>
<svg width="200" height="12">{legend}</svg><p>low &rarr; high</p>
</body></html>
"""


def write_dose_map(path: str | Path, lat_deg, lon_deg, dose, title: str) -> Path:
    out = Path(path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(dose_map_html(np.asarray(lat_deg), np.asarray(lon_deg), dose, title), encoding="utf-8")
    tmp.replace(out)
    return out
