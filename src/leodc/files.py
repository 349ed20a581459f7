"""Atomic writes: a file appears whole under its name or not at all.

Every writer in leodc writes to a temporary name beside the target and renames it over the target
when done (a rename within one directory is atomic on POSIX), so a reader never sees half a file and
a killed process leaves at worst a stray temporary, never a damaged result.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from leodc.errors import InputError
from leodc.fields import jsonable

TMP_SUFFIX = ".tmp"


def temporary_name(path: str | Path) -> Path:
    """The temporary name a write to ``path`` goes through."""
    p = Path(path)
    return p.with_name(p.name + TMP_SUFFIX)


def writable_file(path: str | Path, where: str) -> Path:
    """``path`` if a file can be written there: its folder exists and it is not a folder itself; else a
    user-facing error naming ``where`` (the option that gave it)."""
    p = Path(path)
    if p.is_dir():
        raise InputError(where, None, f"{p} is a directory; expected a file name")
    if not p.parent.is_dir():
        raise InputError(where, None, f"the folder {p.parent} does not exist; expected a file in an existing folder")
    return p


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; rename it to ``path`` on success, remove it on failure."""
    target = Path(path)
    tmp = temporary_name(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON (non-finite floats as null) to ``path`` atomically."""
    return write_text(path, json.dumps(jsonable(data), indent=2))


def read_json(path: str | Path) -> Any:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_parquet(path: str | Path, table) -> Path:
    """Write a ``pyarrow.Table`` to ``path`` atomically."""
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return Path(path)
