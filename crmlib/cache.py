"""Share expensive results between notebooks of a run without making them depend on each other.

A result is stored under ``.cache/`` keyed by the dataset's fingerprint, a name and the
parameters that shape it. Any notebook may compute it; whichever comes second reuses it.
Writes are atomic, so two notebooks computing the same result at once do no harm. The key also
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

import hashlib
import json
import os
import pickle
import re
import tempfile
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from crmlib import PROJECT_ROOT

T = TypeVar("T")
CACHE_VARIABLE = "CRM_WORKBOOK_CACHE"  # set to a folder to move the cache, or "off" to disable
PRUNE_AFTER_DAYS = 30
ENTRY_NAME = re.compile(r"[\w.]+-[0-9a-f]{24}\.pkl|\.[\w.]+\.\w+\.tmp")  # what cached() writes


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of crmlib's source and resources: a code or rule-table change invalidates cached results."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in {".py", ".yaml", ".txt", ".po"}):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def cache_folder() -> Path | None:
    setting = os.environ.get(CACHE_VARIABLE, "")
    if setting.lower() == "off":
        return None
    return Path(setting) if setting else PROJECT_ROOT / ".cache"


def cached(name: str, fingerprint: str, params: dict, compute: Callable[[], T],
           folder: str | Path | None = None) -> T:
    """Return ``compute()``, stored under (name, fingerprint, params, crmlib's code version)."""
    base = Path(folder) if folder is not None else cache_folder()
    if base is None:
        return compute()
    key = hashlib.sha256(json.dumps([name, fingerprint, params, code_version()], sort_keys=True,
                                    default=str).encode()).hexdigest()[:24]
    path = base / f"{name}-{key}.pkl"
    if path.is_file():
        try:
            with open(path, "rb") as handle:
                value = pickle.load(handle)
            os.utime(path)  # last use, for prune()
            return value
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            path.unlink(missing_ok=True)  # stale or truncated entry: recompute
    value = compute()
    base.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=base, prefix=f".{name}.", suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
    return value


def prune(older_than_days: float = PRUNE_AFTER_DAYS, folder: str | Path | None = None) -> list[Path]:
    """Delete cache entries (and left-over temporary files) unused for ``older_than_days`` days.

    Returns the deleted paths. Only files named as this module names them
    (``<name>-<24 hex digits>.pkl`` and its ``.<name>.*.tmp``) are touched, so pointing
    ``CRM_WORKBOOK_CACHE`` at a folder holding other files loses none of them.

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
