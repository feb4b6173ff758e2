"""The run's dataset, materialised once, and the few facts about it the runner keeps.

The runner loads the dataset before any notebook starts: a bad input stops the run there
(exit 3), and the cleaned tables are stored once for every notebook (:mod:`crmlib.data.store`).
Loading a million customers takes several GB of memory that neither the runner nor the
operating system gets back while the run goes on, and the runner lives as long as the run. So
for large inputs the loading happens in a child process, which ends (and frees its memory)
before the notebooks start; the runner keeps only :class:`RunDataset`. Small inputs load in
the runner itself, where a child process would cost more start-up time than it saves.

Example
-------
>>> facts = run_dataset("data/cdnow", None, pseudonymize=False)
>>> facts.name, facts.transactions, facts.customers, facts.ids is None
('CDNOW sample (1997-1998)', 6919, 2357, True)
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: Inputs of at least this many bytes (files of every table; databases always) load in a child process.
CHILD_PROCESS_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RunDataset:
    """What the runner needs of the loaded dataset: the manifest's facts and, when pseudonymising, the ids."""

    name: str
    analysis_date: pd.Timestamp
    fingerprint: str
    file_hashes: dict
    transactions: int
    customers: int
    profile: dict
    ids: str | None  # every customer id, sorted, one per line (for the workers' pseudonymiser)
    store_pin: str | None = None  # the kernels open the run's stored dataset (crmlib.data.store.run_pin)


def input_bytes(data_dir: str | Path) -> float:
    """Bytes of every table's input (a folder or glob of Parquet counted whole; a database as infinite).

    Parameters
    ----------
    data_dir : str or Path
        The dataset folder (with its ``dataset.yaml``).

    Returns
    -------
    float
        The total size in bytes; ``inf`` when a table is a database query or table.
    """
    from crmlib.data.config import read_config

    total = 0.0
    for cfg in read_config(data_dir).tables.values():
        if cfg.kind in ("query", "table"):
            return float("inf")
        path = Path(cfg.file)
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        else:
            total += sum(p.stat().st_size for p in path.parent.glob(path.name) if p.is_file())
    return total


def run_dataset(data_dir: str | Path, analysis_date, pseudonymize: bool,
                child_process: bool | None = None) -> RunDataset:
    """Load (or open the stored) dataset and return its facts; in a child process when large.

    A :class:`~crmlib.errors.DataError` of the loading is raised here as it was raised there.

    Parameters
    ----------
    data_dir : str or Path
        The dataset folder.
    analysis_date : str or Timestamp or None
        The analysis date (None or "": the dataset's own).
    pseudonymize : bool
        Also collect every customer id (:attr:`RunDataset.ids`) for the pseudonymiser.
    child_process : bool or None, optional
        Load in a child process (default None: when :func:`input_bytes` reaches
        :data:`CHILD_PROCESS_BYTES`).

    Returns
    -------
    RunDataset
        The dataset's name, analysis date, fingerprint, file hashes, counts, profile and ids.
    """
    if child_process is None:
        child_process = input_bytes(data_dir) >= CHILD_PROCESS_BYTES
    if not child_process:
        return _facts(str(data_dir), analysis_date, pseudonymize)
    return _in_child_process(str(data_dir), analysis_date, pseudonymize)


def _in_child_process(data_dir: str, analysis_date, pseudonymize: bool) -> RunDataset:
    """:func:`_facts` in a new interpreter (``python -m crmlib.report.run_dataset``), its result or
    error passed back pickled. Not multiprocessing: that re-imports the caller's main module."""
    with tempfile.TemporaryDirectory(prefix="crm-dataset-") as work:
        result = Path(work) / "facts.pickle"
        command = [sys.executable, "-m", __name__, data_dir, str(analysis_date or ""), str(int(pseudonymize)), str(result)]
        done = subprocess.run(command, check=False)  # an interrupt here stops the child too
        if not result.is_file():
            raise RuntimeError(f"loading the dataset {data_dir} stopped without a result (exit code "
                               f"{done.returncode}; a negative code is the signal that ended it, e.g. -9 when "
                               "the system ran out of memory)")
        outcome = pickle.loads(result.read_bytes())
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _facts(data_dir: str, analysis_date, pseudonymize: bool) -> RunDataset:
    from crmlib.data.config import read_config
    from crmlib.data.load import load_dataset_cached
    from crmlib.data.store import run_pin
    from crmlib.report.compare import dataset_profile

    dataset = load_dataset_cached(data_dir, analysis_date=analysis_date or None)  # materialised once for the run
    orders = dataset.transactions  # None for a customer snapshot: its customers are the customers table's
    customer_ids = (orders if orders is not None else dataset.customers)["customer_id"]
    return RunDataset(
        name=dataset.name, analysis_date=dataset.analysis_date, fingerprint=dataset.fingerprint,
        file_hashes=dict(dataset.file_hashes), transactions=len(orders) if orders is not None else 0,
        customers=int(customer_ids.nunique()),
        profile=dataset_profile(dataset, read_config(data_dir)),  # what later runs compare with
        ids=pseudonym_ids(dataset) if pseudonymize else None,
        store_pin=run_pin(dataset, data_dir, analysis_date),
    )


def pseudonym_ids(dataset) -> str:
    """Every customer id of the dataset (orders, customers, feedback), sorted, one per line.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.

    Returns
    -------
    str
        The distinct ids as text, without a final newline.
    """
    ids = set()
    for table in (dataset.transactions, dataset.customers, dataset.feedback):
        if table is not None and "customer_id" in table:
            ids |= set(table["customer_id"].dropna().astype(str))
    return "\n".join(sorted(ids))


def _main(data_dir: str, analysis_date: str, pseudonymize: str, result: str) -> None:
    # this module by its name, not as __main__, so that the pickled result unpickles in the runner
    from crmlib.report import run_dataset

    try:
        outcome = run_dataset._facts(data_dir, analysis_date or None, pseudonymize == "1")
    except Exception as exc:  # noqa: BLE001 - every error goes back to the runner, which raises it
        outcome = exc
    Path(result).write_bytes(pickle.dumps(outcome))


if __name__ == "__main__":
    _main(*sys.argv[1:5])


__all__ = ["CHILD_PROCESS_BYTES", "RunDataset", "input_bytes", "run_dataset", "pseudonym_ids"]
