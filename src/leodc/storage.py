"""Where results live: a local folder or an object store, named by one string.

A run's data may sit on this machine (a path) or in an object store that every host of a Dask
cluster can reach (an fsspec URL; S3-compatible stores first: ``s3://bucket/prefix``, the endpoint
from ``AWS_ENDPOINT_URL`` or ``LEODC_S3_ENDPOINT``, credentials from the usual ``AWS_*`` variables
or files). :class:`Location` names a file or folder in either and does the few things the engine and
the run store need: write a whole object, read it back, list, remove, and hand pyarrow a filesystem.

Writes are whole or nothing in both: locally a temporary name renamed over the target (atomic on
POSIX); in an object store a single upload of a finished local file (an object appears whole or
not at all). :func:`open_location` checks a location before a run starts, so that a bad URL, a
missing bucket, wrong credentials or an unreachable endpoint is one line within seconds
(``OBJECT_STORE_CONNECT_TIMEOUT_S``), before anything is computed or stored.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leodc.errors import InputError
from leodc.files import atomic_path

# scheme://...: a URL; a bare scheme: (one slash or none) is a mistyped one, not a local path
URL_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
SCHEME_ONLY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:(?!//)")
OBJECT_STORE_SCHEMES = ("s3", "s3a")
# where an S3-compatible endpoint is named (botocore reads AWS_ENDPOINT_URL itself; the other is ours)
ENDPOINT_ENV = ("LEODC_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
# how long a check of an object store may take: connect within this, one attempt, no retry loop
OBJECT_STORE_CONNECT_TIMEOUT_S = 5
OBJECT_STORE_READ_TIMEOUT_S = 60
OBJECT_STORE_ATTEMPTS = 1
# what a check writes and removes to prove the location is writable
PROBE_NAME = ".leodc-probe"
# the S3 error codes (and their words in s3fs's messages) for each kind of refusal
CREDENTIAL_WORDS = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden", "InvalidToken",
                    "ExpiredToken", "Unable to locate credentials", "NoCredentialsError")
MISSING_BUCKET_WORDS = ("NoSuchBucket", "bucket does not exist", "specified bucket does not exist")
UNREACHABLE_WORDS = ("Could not connect", "Connect timeout", "EndpointConnectionError", "Cannot connect",
                     "ConnectTimeout", "Name or service not known", "Connection refused")


def is_url(text: str | os.PathLike) -> bool:
    """Whether ``text`` names a URL (``scheme://...``) rather than a local path."""
    return bool(URL_PATTERN.match(str(text)))


def _s3_options() -> dict[str, Any]:
    """s3fs settings: the endpoint from the environment, short timeouts, one attempt."""
    endpoint = next((os.environ[name] for name in ENDPOINT_ENV if os.environ.get(name)), None)
    options: dict[str, Any] = {
        "config_kwargs": {"connect_timeout": OBJECT_STORE_CONNECT_TIMEOUT_S,
                          "read_timeout": OBJECT_STORE_READ_TIMEOUT_S,
                          "retries": {"max_attempts": OBJECT_STORE_ATTEMPTS, "mode": "standard"}},
        "skip_instance_cache": True,
    }
    if endpoint:
        options["endpoint_url"] = endpoint
    return options


@dataclass(frozen=True)
class Location:
    """A file or folder, local or in an object store: ``url`` as given (a path, made absolute, or a URL)."""

    url: str

    @classmethod
    def of(cls, where: str | os.PathLike, option: str = "--out") -> Location:
        """The location ``where`` names; a malformed URL is a user-facing error naming ``option``."""
        text = str(where)
        if is_url(text):
            scheme = text.split("://", 1)[0].lower()
            import fsspec

            if scheme not in fsspec.available_protocols():
                raise InputError(option, None, f"{text!r}: unknown storage scheme {scheme!r}; expected a local path "
                                 "or a URL such as s3://BUCKET/PREFIX")
            if scheme in OBJECT_STORE_SCHEMES and not text.split("://", 1)[1].strip("/"):
                raise InputError(option, None, f"{text!r} names no bucket; expected s3://BUCKET/PREFIX")
            return cls(text.rstrip("/"))
        if SCHEME_ONLY_PATTERN.match(text):
            raise InputError(option, None, f"{text!r} is not a URL (expected scheme://..., such as s3://BUCKET/PREFIX) "
                             "nor a local path")
        return cls(str(Path(text).absolute()))

    # -------------------------------------------------------------- naming
    @property
    def local(self) -> bool:
        return not is_url(self.url)

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0].lower() if not self.local else "file"

    def child(self, *names: str) -> Location:
        return Location("/".join([self.url, *names]))

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return self.url

    @property
    def path(self) -> Path:
        """The local path (only for a local location)."""
        if not self.local:
            raise ValueError(f"{self.url} is not a local path")
        return Path(self.url)

    def _fs(self):
        """The fsspec filesystem and the path within it."""
        import fsspec

        if self.local:
            return fsspec.filesystem("file"), self.url
        options = _s3_options() if self.scheme in OBJECT_STORE_SCHEMES else {}
        fs, path = fsspec.core.url_to_fs(self.url, **options)
        return fs, path

    def arrow(self):
        """``(pyarrow filesystem, path)`` for pyarrow's readers and datasets."""
        if self.local:
            return None, self.url
        from pyarrow.fs import FSSpecHandler, PyFileSystem

        fs, path = self._fs()
        return PyFileSystem(FSSpecHandler(fs)), path

    # -------------------------------------------------------------- reading
    def exists(self) -> bool:
        if self.local:
            return Path(self.url).exists()
        fs, path = self._fs()
        return fs.exists(path)

    def is_file(self) -> bool:
        if self.local:
            return Path(self.url).is_file()
        fs, path = self._fs()
        return fs.isfile(path)

    def listdir(self) -> list[str]:
        """Names of what this folder holds (empty when it does not exist)."""
        if self.local:
            p = Path(self.url)
            return sorted(c.name for c in p.iterdir()) if p.is_dir() else []
        fs, path = self._fs()
        try:
            fs.invalidate_cache(path)
            return sorted(entry.rstrip("/").rsplit("/", 1)[-1] for entry in fs.ls(path, detail=False))
        except FileNotFoundError:
            return []

    def read_bytes(self) -> bytes:
        if self.local:
            return Path(self.url).read_bytes()
        fs, path = self._fs()
        return fs.cat_file(path)

    def download(self, target: Path) -> Path:
        """A copy of this file at the local ``target``."""
        if self.local:
            shutil.copyfile(self.url, target)
        else:
            fs, path = self._fs()
            fs.get_file(path, str(target))
        return target

    # -------------------------------------------------------------- writing (whole or nothing)
    def makedirs(self) -> None:
        if self.local:
            Path(self.url).mkdir(parents=True, exist_ok=True)
        # an object store has no folders: a key's prefix exists once an object is under it

    def write_bytes(self, data: bytes) -> None:
        if self.local:
            Path(self.url).parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.url) as tmp:
                tmp.write_bytes(data)
            return
        fs, path = self._fs()
        fs.pipe_file(path, data)

    def upload(self, source: Path) -> None:
        """Put the finished local file ``source`` here, whole (moved when local)."""
        if self.local:
            Path(self.url).parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.url) as tmp:
                shutil.move(str(source), tmp)
            return
        fs, path = self._fs()
        fs.put_file(str(source), path)

    @contextmanager
    def writing(self) -> Iterator[Path]:
        """A local file to write; it becomes this location, whole, when the block ends without error
        (locally a temporary name beside it, renamed; else a temporary file, uploaded)."""
        if self.local:
            Path(self.url).parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.url) as tmp:
                yield tmp
            return
        with tempfile.TemporaryDirectory(prefix="leodc-") as folder:
            tmp = Path(folder) / self.name
            yield tmp
            self.upload(tmp)

    def remove(self) -> None:
        """Remove this file or folder (and what it holds); nothing when it is not there."""
        if self.local:
            p = Path(self.url)
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            return
        fs, path = self._fs()
        try:
            fs.rm(path, recursive=True)
        except FileNotFoundError:
            pass

    # -------------------------------------------------------------- checking
    def require_writable(self, option: str = "--out") -> Location:
        """Raise a one-line error unless a file can be written here (checked by writing and removing a
        probe): an unreachable endpoint, wrong credentials or a missing bucket, within seconds."""
        if self.local:
            return self
        probe = self.child(PROBE_NAME)
        try:
            probe.write_bytes(b"leodc")
            probe.remove()
        except Exception as exc:
            raise InputError(option, None, self._refusal(exc)) from None
        return self

    def _refusal(self, exc: BaseException) -> str:
        text = f"{type(exc).__name__}: {exc}"
        bucket = self.url.split("://", 1)[1].split("/", 1)[0]
        endpoint = _s3_options().get("endpoint_url", "the default AWS endpoint")
        if any(w.lower() in text.lower() for w in MISSING_BUCKET_WORDS) or isinstance(exc, FileNotFoundError):
            return f"{self.url}: the bucket {bucket!r} does not exist at {endpoint}; expected an existing bucket"
        if any(w.lower() in text.lower() for w in CREDENTIAL_WORDS) or isinstance(exc, PermissionError):
            return (f"{self.url}: the object store at {endpoint} refused the credentials (AWS_ACCESS_KEY_ID / "
                    "AWS_SECRET_ACCESS_KEY); expected credentials allowed to write to the bucket")
        if any(w.lower() in text.lower() for w in UNREACHABLE_WORDS):
            return (f"{self.url}: no object store answered at {endpoint} within {OBJECT_STORE_CONNECT_TIMEOUT_S} s; "
                    "expected a reachable endpoint (AWS_ENDPOINT_URL or LEODC_S3_ENDPOINT)")
        if isinstance(exc, ImportError):
            return (f"{self.url}: the {self.scheme}:// store needs a package that is not installed "
                    f"({exc.name or exc}); expected `pip install 'leodc[cloud]'`")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"{self.url}: cannot write there ({first[:200]}); expected a writable location"


def open_location(where: str | os.PathLike, option: str = "--out") -> Location:
    """:meth:`Location.of` then :meth:`Location.require_writable`: a location ready to be written."""
    return Location.of(where, option).require_writable(option)


def parquet_dataset(where: str | os.PathLike | Location):
    """A ``pyarrow.dataset`` over a Parquet file or folder, local (a path) or in an object store."""
    import pyarrow.dataset as ds

    if isinstance(where, Location) and not where.local:
        filesystem, path = where.arrow()
        return ds.dataset(path, filesystem=filesystem, format="parquet")
    return ds.dataset(str(where), format="parquet")
