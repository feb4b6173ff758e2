"""Materialise a cleaned dataset once per input fingerprint, and open it instead of re-parsing.

A dataset is stored as a folder ``<cache>/dataset-<key>/`` holding one Parquet file per cleaned
table and ``dataset.json`` (name, analysis date, data-quality log, reconciliation, warnings,
file hashes). The key is the sha256 of every input file and dataset.yaml, the analysis date
asked for and crmlib's code version, so a changed export, setting or crmlib never reuses an
old folder. The folder is written under a temporary name and renamed into place, so notebooks
starting together never read half a dataset; whichever finishes second keeps the first's folder.
``crm-workbook run`` loads the dataset once and hands its kernels the folder (:data:`PIN_VARIABLE`,
:func:`run_pin`): they open it without reading the inputs again, so a database query runs once per
run, not once per notebook, and every notebook of a run sees the same snapshot of a live source.

Example
-------
>>> import tempfile
>>> from crmlib.data.load import load_dataset
>>> folder = Path(tempfile.mkdtemp())
>>> first = open_or_build("data/cdnow", None, load_dataset, folder=folder)
>>> again = open_or_build("data/cdnow", None, load_dataset, folder=folder)
>>> isinstance(again.arrow["transactions"], Path), len(again.transactions) == len(first.transactions)
(True, True)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crmlib.data.config import read_config
from crmlib.data.load import Dataset, input_hashes
from crmlib.data.quality import Notice

META = "dataset.json"
PREFIX = "dataset-"
PIN_VARIABLE = "CRM_WORKBOOK_RUN_DATASET"  # set by crm-workbook run for its kernels: see run_pin
log = logging.getLogger(__name__)


def store_key(dataset_dir: str | Path, analysis_date: object) -> str:
    """The cache key of a dataset folder as it is now (inputs, analysis date, code version).

    Parameters
    ----------
    dataset_dir : str or Path
        Dataset folder holding ``dataset.yaml``.
    analysis_date : str, Timestamp or None
        The analysis date asked for; None (or empty) for the default.

    Returns
    -------
    str
        24 hex digits of the sha256 of the input hashes, date, code version and folder path.
    """
    from crmlib.cache import code_version

    config = read_config(dataset_dir)
    hashes = input_hashes(config)
    text = json.dumps([sorted(hashes.items()), str(analysis_date or ""), code_version(), str(config.root)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def write_store(dataset: Dataset, folder: Path) -> Path:
    """Write ``dataset`` into ``folder`` (atomically: a temporary sibling renamed into place).

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset; each table becomes ``<name>.parquet``, the rest ``dataset.json``.
    folder : Path
        The store folder to create; when another process created it first, theirs is kept.

    Returns
    -------
    Path
        ``folder``.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        tables = {}
        for name, source in dataset.arrow.items():
            if source is None:
                tables[name] = None
                continue
            table = source if isinstance(source, pa.Table) else pq.read_table(source)
            pq.write_table(table, work / f"{name}.parquet", compression="snappy")
            tables[name] = f"{name}.parquet"
        meta = {
            "name": dataset.name, "root": str(dataset.root), "currency": dataset.currency,
            "analysis_date": dataset.analysis_date.isoformat(), "tables": tables,
            "quality_log": dataset.quality_log.to_dict(orient="records"),
            "quality_summary": dataset.quality_summary, "reconciliation": dataset.reconciliation,
            "warnings": [_dump(w) for w in dataset.warnings],
            "page_warnings": [_dump(w) for w in dataset.page_warnings],
            "files": {k: str(v) for k, v in dataset.files.items()}, "file_hashes": dataset.file_hashes,
            "fingerprint": dataset.fingerprint, "costs": dataset.costs,
            "page_notes": [_dump(n) for n in dataset.page_notes], "snapshot": dataset.snapshot,
        }
        (work / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(work, folder)
        except OSError:  # another process stored the same dataset first: keep theirs
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return folder


def _dump(warning: str) -> list | str:
    return warning.dump() if isinstance(warning, Notice) else str(warning)


def open_store(folder: Path) -> Dataset:
    """The dataset stored in ``folder``; its tables are read from Parquet when first used.

    Parameters
    ----------
    folder : Path
        A store folder written by :func:`write_store`; its time stamp is set to now (last use).

    Returns
    -------
    Dataset
        The dataset, its ``arrow`` tables as paths of the Parquet files.
    """
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    os.utime(folder)  # last use, for pruning
    return Dataset(
        name=meta["name"], root=Path(meta["root"]), currency=meta["currency"],
        analysis_date=pd.Timestamp(meta["analysis_date"]),
        arrow={k: (folder / v if v else None) for k, v in meta["tables"].items()},
        quality_log=pd.DataFrame(meta["quality_log"], columns=["table", "file", "check", "rows", "action", "examples"]),
        quality_summary=meta["quality_summary"], reconciliation=meta["reconciliation"],
        warnings=[Notice.load(w) for w in meta["warnings"]],
        page_warnings=[Notice.load(w) for w in meta["page_warnings"]],
        files={k: Path(v) for k, v in meta["files"].items()}, file_hashes=meta["file_hashes"],
        fingerprint=meta["fingerprint"], costs=meta.get("costs") or {},
        page_notes=[Notice.load(n) for n in meta.get("page_notes", [])], snapshot=meta.get("snapshot") or {},
        store=folder,
    )


def run_pin(dataset: Dataset, dataset_dir: str | Path, analysis_date: object) -> str | None:
    """The value of :data:`PIN_VARIABLE` that lets a run's kernels open ``dataset``'s stored folder
    for the same dataset folder and analysis date without reading (or querying) the inputs again.

    Parameters
    ----------
    dataset : Dataset
        The dataset as :func:`open_or_build` returned it.
    dataset_dir : str or Path
        Its dataset folder.
    analysis_date : str, Timestamp or None
        The analysis date asked for; None (or empty) for the default.

    Returns
    -------
    str or None
        JSON naming the folder, the dataset's root and the date; None when it was not opened from a
        store (cache off).

    >>> import tempfile
    >>> from crmlib.data.load import load_dataset
    >>> ds = open_or_build("data/cdnow", None, load_dataset, folder=tempfile.mkdtemp())
    >>> sorted(json.loads(run_pin(ds, "data/cdnow", None)))
    ['analysis_date', 'folder', 'root']
    """
    if dataset.store is None:
        return None
    return json.dumps({"folder": str(dataset.store), "root": str(read_config(dataset_dir).root),
                       "analysis_date": _date_text(analysis_date)})


def _date_text(value: object) -> str:
    """An analysis date as compared between the runner and its kernels: YYYY-MM-DD, or "" for the default."""
    if value is None or value == "":
        return ""
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    except (TypeError, ValueError):
        return str(value)


def _pinned(dataset_dir: str | Path, analysis_date: object) -> Path | None:
    """The run's stored folder (:data:`PIN_VARIABLE`) when it holds this dataset folder and date."""
    text = os.environ.get(PIN_VARIABLE)
    if not text:
        return None
    try:
        pin = json.loads(text)
        same = (pin["root"] == str(read_config(dataset_dir).root)
                and pin["analysis_date"] == _date_text(analysis_date))
    except (ValueError, KeyError, TypeError):
        return None
    folder = Path(pin["folder"])
    return folder if same and (folder / META).is_file() else None


def open_or_build(dataset_dir: str | Path, analysis_date: object, build: Callable[..., Dataset],
                  folder: str | Path | None = None) -> Dataset:
    """Open the stored dataset for the folder's current inputs, building and storing it first if needed.

    Parameters
    ----------
    dataset_dir : str or Path
        Dataset folder holding ``dataset.yaml``.
    analysis_date : str, Timestamp or None
        The analysis date asked for; None (or empty) for the default.
    build : callable
        ``build(dataset_dir, analysis_date)`` loads the dataset (e.g. ``load_dataset``).
    folder : str or Path, optional
        The cache folder; None takes :func:`crmlib.cache.cache_folder` (None there: cache off).

    Returns
    -------
    Dataset
        The stored dataset (a damaged store is built again); with the cache off, ``build``'s. Inside
        a ``crm-workbook run`` the run's own folder (:data:`PIN_VARIABLE`) when it matches.
    """
    from crmlib.cache import cache_folder

    base = Path(folder) if folder is not None else cache_folder()
    if base is None:
        return build(dataset_dir, analysis_date)
    pinned = _pinned(dataset_dir, analysis_date)
    if pinned is not None:
        with contextlib.suppress(OSError, ValueError, KeyError):
            dataset = open_store(pinned)
            log.info("opened the run's stored dataset %s (inputs not read again)", pinned.name)
            return dataset
    target = base / f"{PREFIX}{store_key(dataset_dir, analysis_date)}"
    if (target / META).is_file():
        try:
            return open_store(target)
        except (OSError, ValueError, KeyError):
            shutil.rmtree(target, ignore_errors=True)  # damaged: build again
    dataset = build(dataset_dir, analysis_date)
    write_store(dataset, target)
    return open_store(target)


def prune_stores(older_than_days: float, folder: str | Path | None = None) -> list[Path]:
    """Delete stored datasets unused for ``older_than_days`` days (and left-over temporary folders).

    Parameters
    ----------
    older_than_days : float
        Age in days of the last use (the folder's modification time) beyond which a store goes.
    folder : str or Path, optional
        The cache folder; None takes :func:`crmlib.cache.cache_folder` (None there: cache off).

    Returns
    -------
    list of Path
        The folders deleted; empty when the cache is off or missing.
    """
    import time

    from crmlib.cache import cache_folder

    base = Path(folder) if folder is not None else cache_folder()
    if base is None or not base.is_dir():
        return []
    cutoff = time.time() - older_than_days * 86400
    deleted = []
    for path in base.iterdir():
        if path.is_dir() and path.name.startswith((PREFIX, f".{PREFIX}")) and path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)
            deleted.append(path)
    return deleted
