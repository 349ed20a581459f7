"""Run first, hidden, by every tutorial (``%run _setup.py``) when the site is built.

- The working directory becomes the repository root, so that paths read as in the README
  (``examples/published/starcloud-2024.toml``).
- Plotly figures display as HTML that calls the page's own copy of plotly.js (``docs/conf.py`` loads
  it on the tutorial pages): no CDN script, no MathJax, no require.js.
"""

import os
from pathlib import Path

import plotly.io as pio
os.chdir(Path.cwd().resolve().parents[1] if Path.cwd().name == "tutorials" else Path.cwd())


class _PageRenderer(pio.base_renderers.MimetypeRenderer):
    def to_mimebundle(self, fig_dict):
        return {"text/html": pio.to_html(fig_dict, include_plotlyjs=False, include_mathjax=False, full_html=False,
                                         default_width="100%", validate=False)}


pio.renderers["leodc-docs"] = _PageRenderer()
pio.renderers.default = "leodc-docs"

