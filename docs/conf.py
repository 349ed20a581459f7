"""Sphinx configuration of the leodc documentation site (``make docs``).

The site is built offline: no intersphinx inventory, no CDN script. Pages generated at build time
(never typed by hand) are written under ``docs/_generated/`` (git-ignored) before Sphinx reads them:

- ``stages-toctree.md``, the table of contents of the model and stage pages: every ``docs/*.md`` that is
  not a page of the site's own, so that a new page joins the site without an edit here;
- ``cli.md``, the command-line reference, from the Typer app (``scripts/docs_cli.py``);
- ``validation.md``, the tests against an authority with their tolerances and last measured errors
  (``scripts/docs_validation.py``);
- ``static/plotly.min.js``, plotly.js copied from the installed plotly package, loaded in the head of
  the tutorial pages only (``_templates/page.html``): their figures are produced by leodc's own figure
  functions when the tutorials execute.

The tutorials (``docs/tutorials/*.md``) are MyST-NB text notebooks executed on every build; a cell that
raises fails the build, and so does any warning (``-W`` in the Makefile).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"
sys.path.insert(0, str(ROOT / "src"))


def _script(name: str):
    """Import one of the docs generators in scripts/ (a plain directory, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the model and stage pages of docs/, in reading order; a page added to docs/ later joins the list before
# the references on its own (a page in no toctree would fail the build)
STAGE_PAGES = ["models", "simulation", "environment", "network", "workload", "audit", "catalog", "runs",
               "architecture"]
LAST_PAGES = ["references"]
SITE_PAGES = {"index", "cli", "validation", "performance", "changelog", "contributing", "citing"}


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _stages_toctree() -> str:
    found = sorted(p.stem for p in DOCS.glob("*.md"))
    known = set(STAGE_PAGES) | set(LAST_PAGES) | SITE_PAGES
    pages = ([p for p in STAGE_PAGES if p in found] + [p for p in found if p not in known]
             + [p for p in LAST_PAGES if p in found])
    return "```{toctree}\n:caption: Models and stages\n:maxdepth: 1\n\n" + "\n".join(pages) + "\n```\n"


def _write_generated() -> None:
    GENERATED.mkdir(exist_ok=True)
    _write_if_changed(GENERATED / "stages-toctree.md", _stages_toctree())
    # only when their text changed, so that Sphinx rereads nothing else
    _write_if_changed(GENERATED / "cli.md", _script("docs_cli").render())
    _write_if_changed(GENERATED / "validation.md", _script("docs_validation").render())
    static = GENERATED / "static"
    static.mkdir(exist_ok=True)
    import plotly

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target = static / "plotly.min.js"
    if not target.is_file() or target.stat().st_size != plotly_js.stat().st_size:
        shutil.copyfile(plotly_js, target)


_write_generated()

from leodc.version import __version__  # noqa: E402  (after sys.path is set)

# -- project ----------------------------------------------------------------------------------------
project = "leodc"
author = "The leodc developers"
copyright = "2026, The leodc developers"  # noqa: A001
version = release = __version__

# -- general ----------------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",  # MyST Markdown pages (myst-parser) and executed text notebooks
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "**.ipynb_checkpoints", "jupyter_execute"]
# the included generated pages are read through their stubs (cli.md, validation.md)
templates_path = ["_templates"]

# -- API reference (autodoc, autosummary, numpydoc) -------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types and units
autodoc_mock_imports: list[str] = []
numpydoc_show_class_members = False  # members are listed explicitly (pydantic's own are not ours)
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- MyST and MyST-NB -------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # every tutorial runs on every build: a failing example fails the build
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_execution_allow_errors = False
nb_render_markdown_format = "myst"
nb_merge_streams = True

# -- HTML -------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"leodc {release}"
html_static_path = ["_static", "_generated/static"]
html_css_files = ["leodc.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
