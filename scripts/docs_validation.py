"""Write the validation page (Markdown) from the tests against an authority, never typed by hand.

Run by ``docs/conf.py`` on every ``make docs``; by hand: ``python scripts/docs_validation.py OUT.md``.
For every ``tests/test_against_*.py``: the authority (the module docstring's first paragraph), the
tolerance as the module states it (its paragraphs that speak of tolerances, and its constants named
``*TOL*``, ``*TOLERANCE*`` or ``BAND_FACTOR``), each test with its docstring's first line, and the errors
the tests last measured: ``tests/_measured.py`` records them in ``.cache/measured-errors.json`` while
pytest runs (``LEODC_MEASURED_FILE`` names another file). A test that recorded nothing is said to be
"not measured in this build".
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
MEASURED = ROOT / ".cache" / "measured-errors.json"
TOLERANCE_NAME = re.compile(r"TOL|BAND_FACTOR")
TOLERANCE_TEXT = re.compile(r"toleran|\bwithin\b|\bband\b", re.IGNORECASE)
NOT_MEASURED = "not measured in this build"

HEADER = """# Validation

Every test of leodc that checks a model against an outside authority (a reference code, a published
figure, a closed form, an independent ephemeris) is named `tests/test_against_*.py`. This page is written
from those files by `scripts/docs_validation.py` when the documentation is built: the authority and
the tolerance are quoted from each module's docstring and constants, and the **last measured error** is
the figure a test recorded through `tests/_measured.py` the last time pytest ran on this machine (a test
records it when it calls `measured(name, value, tolerance)`; `make test` builds the site again after
pytest so the page shows that run). {status}

| module | tests | measured errors recorded |
|---|---|---|
{summary}
"""

_CODE = re.compile(r"(``?[^`]+``?)")
_SPECIAL = re.compile(r"([\\*_\[\]<>{}|#$~^])")


def escape(text: str) -> str:
    """Markdown-safe text: code spans kept (RST's double backticks made single), the rest escaped."""
    out = []
    for part in _CODE.split(text):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append("`" + part.strip("`") + "`")
        else:
            out.append(_SPECIAL.sub(r"\\\1", part))
    return "".join(out)


def _paragraphs(doc: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", doc) if p.strip()]


def _constant(node: ast.Assign, source: str) -> tuple[str, str] | None:
    target = node.targets[0]
    if not (isinstance(target, ast.Name) and TOLERANCE_NAME.search(target.id)):
        return None
    return target.id, ast.get_source_segment(source, node.value) or "?"


def read_module(path: Path) -> dict:
    """The authority, the stated tolerances and the tests of one ``test_against_*.py``."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    paragraphs = _paragraphs(doc)
    authority = paragraphs[0] if paragraphs else "(no module docstring)"
    tolerance = [p for p in paragraphs[1:] if TOLERANCE_TEXT.search(p)]
    if not tolerance and TOLERANCE_TEXT.search(authority):
        tolerance = ["(in the paragraph above)"]
    constants = [c for node in tree.body if isinstance(node, ast.Assign) and (c := _constant(node, source))]
    tests = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            first = (ast.get_docstring(node) or "").strip().split("\n\n")[0]
            tests.append((node.name, " ".join(first.split())))
    return {"path": path, "authority": authority, "tolerance": tolerance, "constants": constants, "tests": tests}


def read_measured(path: Path = MEASURED) -> dict[str, list[dict]]:
    """Recorded errors by module file name (``test_against_x.py``); empty when nothing was recorded."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    by_module: dict[str, list[dict]] = {}
    for record in data.values():
        module = Path(record.get("test", "").split("::")[0]).name
        by_module.setdefault(module, []).append(record)
    for records in by_module.values():
        records.sort(key=lambda r: (r.get("test", ""), r.get("name", "")))
    return by_module


def _cell(text: str) -> str:
    return escape(text).replace("|", "\\|")


def _label(module: dict) -> str:
    return "validation-" + module["path"].stem.replace("_", "-")


def _number(x: float) -> str:
    return f"{x:.4g}"


def _module_section(module: dict, measured: list[dict]) -> str:
    name = module["path"].name
    lines = [f"({_label(module)})=", f"## `{name}`", "", f"**Authority.** {escape(module['authority'])}", ""]
    if module["tolerance"]:
        lines += ["**Tolerance, as stated.** " + escape(module["tolerance"][0]), ""]
        lines += [escape(p) + "\n" for p in module["tolerance"][1:]]
    if module["constants"]:
        lines += ["**Tolerance constants:** " + ", ".join(f"`{n} = {v}`" for n, v in module["constants"]), ""]
    lines += ["| test | what it checks |", "|---|---|"]
    lines += [f"| `{test}` | {_cell(doc or test.removeprefix('test_').replace('_', ' '))} |"
              for test, doc in module["tests"]]
    lines.append("")
    if measured:
        lines += ["**Last measured errors:**", "",
                  "| test | measured | error | tolerance | unit | within | recorded (UTC) |",
                  "|---|---|---:|---:|---|---|---|"]
        for r in measured:
            test = r.get("test", "").split("::", 1)[-1]
            lines.append(f"| `{test}` | {_cell(r.get('name', ''))} | {_number(r['value'])} "
                         f"| {_number(r['tolerance'])} "
                         f"| {escape(r.get('unit', ''))} | {'yes' if r.get('within') else '**no**'} "
                         f"| {escape(r.get('recorded_utc', ''))} |")
        lines.append("")
    else:
        lines += [f"**Last measured error:** {NOT_MEASURED} (this module's tests record none yet, or pytest has "
                  "not run since the file was cleared).", ""]
    return "\n".join(lines)


def render(measured_path: Path | None = None) -> str:
    measured_path = Path(os.environ.get("LEODC_MEASURED_FILE", MEASURED)) if measured_path is None else measured_path
    modules = [read_module(p) for p in sorted(TESTS.glob("test_against_*.py"))]
    measured = read_measured(measured_path)
    if measured:
        status = f"Measured errors were read from `{measured_path.name}`."
    else:
        status = f"No measured errors were found (`{measured_path.name}`): every module below is {NOT_MEASURED}."
    summary = "\n".join(
        f"| {{ref}}`{m['path'].name} <{_label(m)}>` | {len(m['tests'])} "
        f"| {len(measured.get(m['path'].name, [])) or NOT_MEASURED} |" for m in modules)
    head = HEADER.format(status=status, summary=summary)
    return "\n".join([head, *(_module_section(m, measured.get(m["path"].name, [])) for m in modules)])


if __name__ == "__main__":
    Path(sys.argv[1] if len(sys.argv) > 1 else "validation.md").write_text(render(), encoding="utf-8")
