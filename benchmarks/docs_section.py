"""One marked section of docs/performance.md, rewritten by the benchmark that measured it.

Each benchmark owns the text between its markers (``<!-- name.py -->`` ... ``<!-- /name.py -->``): it
replaces that text, appending the markers the first time, and leaves the rest of the page as it is;
the write is atomic (a temporary file of its own, then a rename).
"""

from __future__ import annotations

from pathlib import Path


def write_section(docs: Path, begin: str, end: str, lines: list[str]) -> None:
    """Put ``lines`` between ``begin`` and ``end`` in ``docs``."""
    text = docs.read_text() if docs.exists() else ""
    block = "\n".join([begin, *lines, end])
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    tmp = docs.with_name(f".{docs.name}.{abs(hash(begin))}.tmp")
    tmp.write_text(text)
    tmp.replace(docs)
