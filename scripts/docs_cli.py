"""Write the command-line reference (Markdown) from the Typer app itself, so it is never typed twice.

Run by ``docs/conf.py`` on every ``make docs``; by hand: ``python scripts/docs_cli.py OUT.md``. Every
command and subcommand of ``leodc.cli.app`` becomes a section with its usage line, its help text and a
table of its arguments and options (the help records Click itself prints for ``--help``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer.main

from leodc.cli import app

HEADER = """# Command-line reference

Generated from the Typer app (`leodc.cli.app`) by `scripts/docs_cli.py` when the documentation is built:
this is what `leodc COMMAND --help` prints, command by command. Every command that prints results takes
`--json` and then prints stable field names; a user error prints one line on stderr and exits with
code 2. `python -m leodc ...` runs the same commands as the `leodc` script.
"""

# backtick spans are kept as they are; outside them, characters Markdown (MyST) would read as markup
# are escaped
_CODE = re.compile(r"(`[^`]*`)")
_SPECIAL = re.compile(r"([\\*_\[\]<>{}|#$~^])")


def _is_code(part: str) -> bool:
    return len(part) > 1 and part.startswith("`") and part.endswith("`")


def escape(text: str) -> str:
    return "".join(p if _is_code(p) else _SPECIAL.sub(r"\\\1", p) for p in _CODE.split(text))


def _cell(text: str) -> str:
    """One table cell: escaped as text, and a ``|`` inside a code span escaped for the table."""
    parts = _CODE.split(" ".join(text.split()))
    return "".join(p.replace("|", "\\|") if _is_code(p) else _SPECIAL.sub(r"\\\1", p) for p in parts)


def _commands(command, ctx, path: list[str]):
    """(path, command, context) for the command and every subcommand below it, in the app's order."""
    yield path, command, ctx
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            yield from _commands(sub, command.context_class(sub, info_name=name, parent=ctx), [*path, name])


def _section(path: list[str], command, ctx) -> str:
    name = " ".join(["leodc", *path])
    usage = command.get_usage(ctx).removeprefix("Usage:").strip()
    lines = [f"{'#' * min(len(path) + 2, 4)} `{name}`", "", "```text", usage, "```", ""]
    help_text = (command.help or "").strip()
    if help_text:
        lines += [escape(" ".join(paragraph.split())) + "\n" for paragraph in help_text.split("\n\n")]
    if hasattr(command, "list_commands"):
        subs = [n for n in command.list_commands(ctx) if not getattr(command.get_command(ctx, n), "hidden", False)]
        if subs:
            lines += ["| command | what it does |", "|---|---|"]
            for n in subs:
                sub = command.get_command(ctx, n)
                lines.append(f"| `{name} {n}` | {_cell((sub.help or '').split(chr(10) * 2)[0])} |")
            lines.append("")
    records = [p.get_help_record(ctx) for p in command.get_params(ctx)]
    records = [r for r in records if r is not None]
    if records:
        lines += ["| argument or option | meaning |", "|---|---|"]
        lines += [f"| `{opts}` | {_cell(text)} |" for opts, text in records]
        lines.append("")
    return "\n".join(lines)


def render() -> str:
    command = typer.main.get_command(app)
    ctx = command.context_class(command, info_name="leodc")
    return "\n".join([HEADER, *(_section(path, c, x) for path, c, x in _commands(command, ctx, []))])


if __name__ == "__main__":
    Path(sys.argv[1] if len(sys.argv) > 1 else "cli.md").write_text(render(), encoding="utf-8")
