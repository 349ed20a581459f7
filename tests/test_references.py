"""Every citation resolves inside the repository (issue 16).

* Every ``[Key]`` cited in ``src``, ``tests``, ``docs``, ``examples`` and the README, in the form
  [AuthorYear] (a capitalised name ending in a year, e.g. ``[Kopp2011]``), is an entry of
  ``docs/references.md``; so is every key-like citation in the ``source`` of a published claim.
* No file outside ``docs/`` points to the working notes that once held the figures (a markdown file
  beside the project, in a shared folder, which a user who clones leodc does not have).
* Every entry of ``docs/references.md`` names an identifier or says that it has none.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "docs" / "references.md"
SEARCHED = ("src", "tests", "docs", "examples", "README.md")
SUFFIXES = {".py", ".md", ".toml", ".txt", ".html", ".js"}
# [Kopp2011], [Suncatcher2025], [NASAISSThermal2006]: a capitalised name ending in a year
CITATION = re.compile(r"\[([A-Z][A-Za-z]*[0-9]{4}[a-z]?)\]")
ENTRY = re.compile(r"^\| \[([^\]]+)\] \|", re.MULTILINE)
OUTSIDE_NOTES = "REFERENCES" + ".md"  # spelled apart so that this file does not cite it


def _entries() -> dict[str, str]:
    text = REFERENCES.read_text(encoding="utf-8")
    return {m.group(1): text[m.start():text.index("\n", m.start())] for m in ENTRY.finditer(text)}


def _files():
    for name in SEARCHED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for p in candidates:
            if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts:
                yield p


def test_references_list_entries():
    entries = _entries()
    assert len(entries) > 50, "docs/references.md lost its tables"
    for key, row in entries.items():
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), f"[{key}]: expected key | source | identifier | figures used"


def test_every_citation_resolves():
    entries = _entries()
    missing = {}
    for path in _files():
        for key in CITATION.findall(path.read_text(encoding="utf-8", errors="replace")):
            if key not in entries:
                missing.setdefault(key, []).append(str(path.relative_to(ROOT)))
    assert not missing, f"cited but not in docs/references.md: {missing}"


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "published").glob("*.toml")), ids=lambda p: p.stem)
def test_published_claims_cite_entries(path):
    """Each claim of a published example names its source by a key of docs/references.md."""
    entries = _entries()
    for claim in tomllib.loads(path.read_text(encoding="utf-8"))["audit"]["claims"]:
        keys = CITATION.findall(claim["source"])
        assert keys, f"{path.name}: {claim['name']!r} cites no [Key]"
        assert set(keys) <= set(entries), keys


def test_no_citation_points_outside_the_repository():
    outside = [str(p.relative_to(ROOT)) for p in _files()
               if OUTSIDE_NOTES in p.read_text(encoding="utf-8", errors="replace")
               and p.relative_to(ROOT).parts[0] != "docs"]
    assert not outside, f"cite docs/references.md instead of {OUTSIDE_NOTES}: {outside}"
