"""Load a dataset folder: read each source, map and parse it, clean it, and account for every row.

Parsing and cleaning run in the engine (:mod:`crmlib.engine`, DuckDB in-process) as Ibis
expressions (:mod:`crmlib.data.mapping`, :mod:`crmlib.data.cleaning`); the cleaned tables come
back as Arrow and are materialised once per input fingerprint as Parquet
(:mod:`crmlib.data.store`), which every notebook of a run and every re-run opens instead of
parsing the files again. The cleaning policy is described in :mod:`crmlib.data.cleaning`;
every step is logged in ``Dataset.quality_log`` and ``Dataset.reconciliation`` balances.

Problems that make analysis impossible raise :class:`crmlib.errors.DataError`.

Example
-------
>>> ds = load_dataset("data/cdnow")
>>> ds.transactions[["customer_id", "amount"]].head(2).to_dict("list")
{'customer_id': ['0001', '0001'], 'amount': [29.33, 29.73]}
>>> ds.reconciliation["transactions"]["rows_read"] == ds.reconciliation["transactions"]["rows_kept"]
True
>>> ds.table("transactions").count().to_pyarrow().as_py()
6919
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from crmlib.data.cleaning import (
    clean_customers,
    clean_feedback,
    clean_products,
    clean_spend,
    clean_touchpoints,
    clean_transactions,
)
from crmlib.data.config import DatasetConfig, read_config
from crmlib.data.mapping import ParsedTable, parse_source
from crmlib.data.quality import Notice, QualityLog, check_reconciliation
from crmlib.data.readers import LINE, PROGRESS_EVERY, progress
from crmlib.data.schema import TABLES
from crmlib.data.snapshot import snapshot_analysis_date
from crmlib.data.sources import source_hashes
from crmlib.engine import Engine, default_engine, read_from_parquet
from crmlib.lang import N_
from crmlib.settings import DEFAULTS

TABLE_NAMES = ("transactions", "customers", "feedback", "marketing_spend", "touchpoints", "products", "returns")
LATE_ANALYSIS_MESSAGE = N_(
    "The analysis date {date} is {gap:,} days after the last purchase ({last}), more than a "
    "{window}-day churn window: every customer looks lapsed. Leave `analysis_date` empty to use the "
    "last purchase date, unless the export is truly that old.")


@dataclass
class Dataset:
    """A loaded, cleaned dataset (canonical tables, see docs/conventions.md).

    The tables are pandas frames on first use (``transactions``, ``customers``, ``feedback``,
    ``marketing_spend``, ``returns``) and engine tables through :meth:`table`; both read the same
    cleaned data (Arrow in memory, or the materialised Parquet files). A table not given is None,
    also ``transactions`` (and ``returns``) of a customer snapshot (:mod:`crmlib.data.snapshot`):
    ``has("transactions")`` is then false, and the notebooks that need it say so.
    """

    name: str
    root: Path
    currency: str
    analysis_date: pd.Timestamp
    arrow: dict[str, pa.Table | Path | None] = field(default_factory=dict, repr=False)
    quality_log: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality_summary: dict = field(default_factory=dict)
    reconciliation: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    page_warnings: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    file_hashes: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""
    costs: dict = field(default_factory=dict)  # the dataset.yaml `costs:` section (CostSettings.to_dict())
    page_notes: list[str] = field(default_factory=list)  # shown on every page (a snapshot's analysis date)
    snapshot: dict = field(default_factory=dict)  # customers' `attributes` and `tenure_unit` (crmlib.churn.snapshot)
    store: Path | None = field(default=None, repr=False, compare=False)  # its folder when opened from the store
    _frames: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False, compare=False)

    def _frame(self, name: str) -> pd.DataFrame | None:
        if name not in self._frames:
            source = self.arrow.get(name)
            if source is None:
                self._frames[name] = None
            else:
                table = source if isinstance(source, pa.Table) else _read_parquet(source)
                frame = to_pandas(table, "transactions" if name == "returns" else name)
                if isinstance(source, Path):  # scans read the file in place instead of copying the frame
                    read_from_parquet(frame, source)
                self._frames[name] = frame
        return self._frames[name]

    @property
    def transactions(self) -> pd.DataFrame | None:
        return self._frame("transactions")

    @property
    def returns(self) -> pd.DataFrame | None:
        return self._frame("returns")

    @property
    def customers(self) -> pd.DataFrame | None:
        return self._frame("customers")

    @property
    def feedback(self) -> pd.DataFrame | None:
        return self._frame("feedback")

    @property
    def marketing_spend(self) -> pd.DataFrame | None:
        return self._frame("marketing_spend")

    @property
    def touchpoints(self) -> pd.DataFrame | None:
        return self._frame("touchpoints")

    @property
    def products(self) -> pd.DataFrame | None:
        return self._frame("products")

    def loaded_tables(self) -> dict[str, pd.DataFrame]:
        """The tables already built as pandas frames (nothing is read to answer).

        Returns
        -------
        dict of str to frame
            The frames built so far, by table name (tables that are None are left out).
        """
        return {name: frame for name, frame in self._frames.items() if frame is not None}

    def has(self, table: str) -> bool:
        """Whether the optional ``table`` was given and has rows.

        Parameters
        ----------
        table : str
            Canonical table name, e.g. ``"feedback"`` or ``"touchpoints"``.

        Returns
        -------
        bool
            True when the table is present and not empty.
        """
        source = self.arrow.get(table)
        if table in self._frames:
            frame = self._frames[table]
            return frame is not None and not frame.empty
        if source is None:
            return False
        return (source.num_rows if isinstance(source, pa.Table) else _parquet_rows(source)) > 0

    def table(self, name: str, engine: Engine | None = None) -> ibis.Table:
        """The cleaned table ``name`` as an Ibis table of ``engine`` (default: the process's DuckDB).

        Columns as in the pandas frames, plus ``_line`` (the row's line in the input file). Over
        the materialised Parquet when the dataset was opened from the cache, so nothing is copied.

        Parameters
        ----------
        name : str
            Canonical table name, e.g. ``"transactions"``.
        engine : Engine, optional
            Engine to open the table in; None uses :func:`crmlib.engine.default_engine`.

        Returns
        -------
        ibis.Table
            The cleaned table, with its ``_line`` column.

        Raises
        ------
        KeyError
            When the dataset has no table ``name``.
        """
        engine = engine or default_engine()
        source = self.arrow.get(name)
        if source is None:
            raise KeyError(f"the dataset has no {name} table")
        if isinstance(source, Path):
            return engine.read_parquet(source)
        return engine.table(source)

    def with_tables(self, **frames: pd.DataFrame | None) -> Dataset:
        """A copy with some tables replaced by pandas frames (what-if analyses, tests).

        Parameters
        ----------
        **frames : frame or None
            New tables by canonical name; None removes that table.

        Returns
        -------
        Dataset
            A copy of this dataset with those tables replaced; the others are shared.
        """
        arrow = dict(self.arrow)
        cached = {k: v for k, v in self._frames.items() if k not in frames}
        for name, frame in frames.items():
            arrow[name] = None if frame is None else pa.Table.from_pandas(frame, preserve_index=False)
            cached[name] = frame
        return replace(self, arrow=arrow, _frames=cached)


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    return pq.read_table(path)


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


TEXT = pd.StringDtype("pyarrow")  # ids and text: Arrow buffers, not one Python object per value (~8x less memory)


def to_pandas(table: pa.Table, name: str) -> pd.DataFrame:
    """A cleaned Arrow table as the pandas frame analyses use (string ids and text, ns dates, floats).

    Parameters
    ----------
    table : pyarrow.Table
        A cleaned table, as the loader builds it (with or without ``_line``).
    name : str
        Canonical table name; its schema (``crmlib.data.schema.TABLES``) gives the column kinds.

    Returns
    -------
    frame
        RangeIndex; the table's columns without ``_line``, whole-number ``number`` columns as int64.
    """
    kinds = TABLES[name].kinds
    columns = {}
    for column in table.column_names:
        if column == LINE:
            continue
        values = table.column(column)
        kind = kinds.get(column)
        if kind in ("id", "text"):
            columns[column] = values.to_pandas(types_mapper={pa.string(): TEXT}.get).astype(TEXT)
        elif kind == "date":
            columns[column] = values.to_pandas().astype("datetime64[ns]")
        elif kind in ("amount", "number"):
            series = values.to_pandas().astype("float64")
            if kind == "number" and series.notna().all() and len(series) and np.all(np.mod(series, 1) == 0):
                series = series.astype("int64")
            columns[column] = series
        elif kind == "bool":
            columns[column] = values.to_pandas().astype("boolean")
        else:
            columns[column] = values.to_pandas()
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes (read in chunks, never written).

    Parameters
    ----------
    path : Path
        File to hash.

    Returns
    -------
    str
        The 64-character hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(config: DatasetConfig) -> dict[str, str]:
    """sha256 of every input file and of dataset.yaml, by file name.

    Parameters
    ----------
    config : DatasetConfig
        The dataset's configuration (:func:`crmlib.data.config.read_config`).

    Returns
    -------
    dict of str to str
        Hex sha256 by file name, also of Parquet lakes' files and database query results.
    """
    hashes = {cfg.file.name: sha256_file(cfg.file) for cfg in config.tables.values()
              if cfg.kind == "file" and cfg.file.is_file()}
    for cfg in config.tables.values():
        hashes.update(source_hashes(cfg))  # Parquet lakes' files, database query results
    hashes["dataset.yaml"] = sha256_file(config.root / "dataset.yaml")
    return hashes


def load_dataset(dataset_dir: str | Path, analysis_date: str | pd.Timestamp | None = None) -> Dataset:
    """Load, map, validate and clean every table named in ``dataset_dir/dataset.yaml``.

    ``analysis_date`` (or the yaml's) caps the data; the default is the date of the last purchase
    (refunds and feedback do not move it). A customer snapshot without transactions takes its
    date as :func:`crmlib.data.snapshot.snapshot_analysis_date` says, and every page says which.

    Parameters
    ----------
    dataset_dir : str or Path
        Dataset folder holding ``dataset.yaml``, relative to the working directory or the project.
    analysis_date : str or Timestamp, optional
        Date that caps the data; None (or empty) takes the yaml's, else the last purchase date.

    Returns
    -------
    Dataset
        The cleaned tables with their quality log, reconciliation, warnings and input fingerprint.
    """
    config = read_config(dataset_dir)
    log = QualityLog()
    given = pd.Timestamp(analysis_date) if analysis_date else config.analysis_date
    engine = Engine.duckdb()
    parsed = {name: parse_source(engine, config.tables[name], log)
              for name in TABLE_NAMES if name in config.tables}
    arrow: dict[str, pa.Table | None] = {"transactions": None, "returns": None}
    warnings, page_notes, buyers, cutoff = [], [], None, None
    if "transactions" in parsed:
        with _cleaning(engine, parsed["transactions"]):
            arrow["transactions"], arrow["returns"], warnings, cutoff = _transactions(engine, parsed, config, given, log)
        buyers = engine.table(arrow["transactions"].select(["customer_id"]))
    if "customers" in parsed:
        with _cleaning(engine, parsed["customers"]):
            arrow["customers"] = clean_customers(engine, parsed["customers"], buyers, log)
    if buyers is None:  # a customer snapshot: its customers are the known ids
        cutoff, note = snapshot_analysis_date(arrow["customers"], config.tables["customers"], given)
        page_notes.append(note)
        buyers = engine.table(arrow["customers"].select(["customer_id"]))
    if "feedback" in parsed:
        with _cleaning(engine, parsed["feedback"]):
            arrow["feedback"], notes = clean_feedback(engine, parsed["feedback"], buyers, cutoff, log)
        warnings += notes
    if "marketing_spend" in parsed:
        with _cleaning(engine, parsed["marketing_spend"]):
            arrow["marketing_spend"] = clean_spend(engine, parsed["marketing_spend"], log)
    if "touchpoints" in parsed:
        known = buyers.select("customer_id")
        if arrow.get("customers") is not None:
            known = known.union(engine.table(arrow["customers"].select(["customer_id"])))
        with _cleaning(engine, parsed["touchpoints"]):
            arrow["touchpoints"] = clean_touchpoints(engine, parsed["touchpoints"], known, cutoff, log)
    if "products" in parsed:  # never in a snapshot (crmlib.data.config refuses it)
        with _cleaning(engine, parsed["products"]):
            arrow["products"] = clean_products(engine, parsed["products"], arrow["transactions"], log)
    reconciliation = log.reconciliation()
    check_reconciliation(reconciliation)
    page_warnings = _late_analysis_date(cutoff, arrow["transactions"]) if arrow["transactions"] is not None else []
    hashes = input_hashes(config)
    fingerprint = hashlib.sha256(
        "".join(f"{k}:{v};" for k, v in sorted(hashes.items())).encode() + str(cutoff).encode()
    ).hexdigest()
    engine.backend.disconnect()
    return Dataset(
        name=config.name, root=config.root, currency=config.currency, analysis_date=cutoff, arrow=arrow,
        quality_log=log.frame(), quality_summary=log.summary(), reconciliation=reconciliation,
        warnings=page_warnings + warnings, page_warnings=page_warnings,
        files={name: cfg.file for name, cfg in config.tables.items()}, file_hashes=hashes, fingerprint=fingerprint,
        costs=config.costs.to_dict() if config.costs.given else {}, page_notes=page_notes,
        snapshot=_snapshot_settings(config),
    )


@contextlib.contextmanager
def _cleaning(engine: Engine, parsed: ParsedTable):
    """Clean one parsed table; afterwards the engine no longer holds its values or any step of the
    cleaning (the result is Arrow), so loading holds one table's steps at a time, not all of them."""
    with engine.scope():
        yield
    if parsed.stored is not None:
        engine.release(parsed.stored)


def _transactions(engine: Engine, parsed: dict, config: DatasetConfig, given: pd.Timestamp | None,
                  log: QualityLog) -> tuple[pa.Table, pa.Table, list, pd.Timestamp]:
    """Purchases, returns, warnings and the analysis date from the parsed transactions."""
    if parsed["transactions"].rows >= PROGRESS_EVERY:
        progress(f"transactions: cleaning {parsed['transactions'].rows:,} rows")
    cleaned = clean_transactions(engine, parsed["transactions"], config, given, log)
    purchases, returns = cleaned.purchases, cleaned.returns
    file = parsed["transactions"].file
    if config.returns == "net":
        purchases, returns = _net_returns(purchases, returns, log, file)
    log.add("transactions", file, "rows kept", rows=purchases.num_rows, action="kept",
            amount=float(pa.compute.sum(purchases["amount"]).as_py() or 0.0))
    return purchases, returns, list(cleaned.warnings), cleaned.analysis_date


def _snapshot_settings(config: DatasetConfig) -> dict:
    """The customers table's snapshot settings, as :func:`crmlib.churn.snapshot.snapshot_study` takes them."""
    customers = config.tables.get("customers")
    if customers is None:
        return {}
    attributes = customers.attributes
    if attributes is not None:  # a mapped column is known by its field's name after loading
        renamed = {source: field for field, source in customers.columns.items()}
        attributes = [renamed.get(name, name) for name in attributes]
    return {"attributes": attributes, "tenure_unit": customers.tenure_unit}


def _late_analysis_date(cutoff: pd.Timestamp, purchases: pa.Table) -> list[str]:
    return late_analysis_date(cutoff, pa.compute.max(purchases["order_date"]).as_py())


def late_analysis_date(analysis_date, last_purchase, window_days: int = DEFAULTS.churn_window_days) -> list[Notice]:
    """The warning (a one-item list) when ``analysis_date`` is more than one churn window after the last purchase.

    Loading warns with the default window; :meth:`crmlib.notebook.Workbook.open` again with the
    notebook's ``churn_window_days``.

    Parameters
    ----------
    analysis_date : Timestamp or str
        The dataset's analysis date.
    last_purchase : Timestamp or str
        Date of the last purchase (normalised to midnight).
    window_days : int, optional
        Churn window in days; default ``DEFAULTS.churn_window_days``.

    Returns
    -------
    list of Notice
        One notice when the gap exceeds ``window_days``, else empty.

    >>> late_analysis_date(pd.Timestamp("2024-05-01"), pd.Timestamp("2024-01-02"), 180)
    []
    >>> late_analysis_date(pd.Timestamp("2024-05-01"), pd.Timestamp("2024-01-02"), 90)[0].values["gap"]
    120
    """
    last = pd.Timestamp(last_purchase).normalize()
    gap = (pd.Timestamp(analysis_date) - last).days
    if gap <= window_days:
        return []
    return [Notice.of(LATE_ANALYSIS_MESSAGE, date=f"{pd.Timestamp(analysis_date):%Y-%m-%d}", gap=gap,
                      last=f"{last:%Y-%m-%d}", window=int(window_days))]


def _net_returns(purchases: pa.Table, returns: pa.Table, log: QualityLog, file: str) -> tuple[pa.Table, pa.Table]:
    """Subtract each return from its customer's purchases on the same day (policy ``net``)."""
    bought, back = purchases.to_pandas(), returns.to_pandas()
    day = bought["order_date"].dt.normalize()
    back_day = back["order_date"].dt.normalize()
    returned = back.groupby([back["customer_id"], back_day])["amount"].sum()
    key = pd.MultiIndex.from_arrays([bought["customer_id"], day])
    day_total = bought.groupby([bought["customer_id"], day])["amount"].transform("sum")
    refund = pd.Series(returned.reindex(key).fillna(0).to_numpy(), index=bought.index)
    netted = bought.assign(amount=bought["amount"] + refund * bought["amount"] / day_total)
    bought_days = pd.MultiIndex.from_arrays([bought["customer_id"], day]).unique()
    matched = pd.MultiIndex.from_arrays([back["customer_id"], back_day]).isin(bought_days)
    log.add("transactions", file, "return netted into a same-day purchase (amount kept in it)",
            rows=back.loc[matched, LINE].tolist(), values=back.loc[matched, "amount"].tolist(), action="dropped",
            amount=0.0)
    log.add("transactions", file, "return without a same-day purchase", rows=back.loc[~matched, LINE].tolist(),
            values=back.loc[~matched, "amount"].tolist(), action="dropped",
            amount=float(back.loc[~matched, "amount"].sum()))
    emptied = netted["amount"] <= 0
    log.add("transactions", file, "purchase fully refunded", rows=netted.loc[emptied, LINE].tolist(),
            values=netted.loc[emptied, "customer_id"].tolist(), action="dropped",
            amount=float(netted.loc[emptied, "amount"].sum()))
    kept = pa.Table.from_pandas(netted.loc[~emptied], schema=purchases.schema, preserve_index=False)
    return kept, returns


def load_dataset_cached(dataset_dir: str | Path, analysis_date: str | pd.Timestamp | None = None) -> Dataset:
    """:func:`load_dataset`, materialised once per input fingerprint and opened from the cache after.

    The key is the sha256 of every input file and dataset.yaml, the analysis date and crmlib's
    code version (see :mod:`crmlib.data.store`). With the cache off it is :func:`load_dataset`.

    Parameters
    ----------
    dataset_dir : str or Path
        Dataset folder holding ``dataset.yaml``, relative to the working directory or the project.
    analysis_date : str or Timestamp, optional
        Date that caps the data; None takes the yaml's, else the last purchase date.

    Returns
    -------
    Dataset
        The loaded dataset, its tables read from the materialised Parquet when cached.
    """
    from crmlib.data.store import open_or_build

    return open_or_build(dataset_dir, analysis_date, load_dataset)


__all__ = ["Dataset", "load_dataset", "load_dataset_cached", "to_pandas", "sha256_file"]
