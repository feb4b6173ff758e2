"""Load a dataset folder: read each export, map its columns, validate and clean it.

Cleaning policy (each step is logged in ``Dataset.quality_log``):

- rows without a customer id, with an unreadable date or amount: dropped;
- transactions: identical duplicate lines are dropped when an order id is mapped (duplicate
  export lines) and only flagged without one; zero amounts are dropped (or kept with
  ``zero_amounts: keep``); negative amounts
  are returns, handled per ``returns:`` (``separate`` keeps them in ``Dataset.returns``,
  ``net`` subtracts them from the same customer's purchases on that day, ``drop`` discards
  them); rows dated after the analysis date, or after today, are dropped;
- customers: duplicate ids keep the first row; prospects without purchases are kept;
- feedback: ratings outside 1–5 and NPS outside 0–10 are blanked; unknown customer ids are
  kept and flagged; rows after the analysis date are dropped.
- touchpoints: rows without id, time or channel and rows after the analysis date are dropped;
  identical lines are dropped when a touchpoint id is mapped (flagged otherwise); negative
  costs are blanked; ids that are neither buyers nor customers (anonymous visitors) are kept.

Problems that make analysis impossible raise :class:`crmlib.errors.DataError`.

Example
-------
>>> ds = load_dataset("data/cdnow")                       # doctest: +SKIP
>>> ds.transactions[["customer_id", "order_date", "amount"]].head(2)   # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crmlib.data.config import DatasetConfig, TableConfig, read_config
from crmlib.data.parsing import guess_date_format, parse_amounts, parse_dates
from crmlib.data.quality import QualityLog
from crmlib.data.readers import read_table_file
from crmlib.data.schema import TABLES, TableSchema
from crmlib.errors import DataError

TRUE_WORDS = {"1", "true", "yes", "y", "t", "是", "已流失", "churned"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "否", "未流失", "active"}


@dataclass
class Dataset:
    """A loaded, cleaned dataset (canonical tables, see docs/conventions.md)."""

    name: str
    root: Path
    currency: str
    analysis_date: pd.Timestamp
    transactions: pd.DataFrame
    customers: pd.DataFrame | None = None
    feedback: pd.DataFrame | None = None
    marketing_spend: pd.DataFrame | None = None
    touchpoints: pd.DataFrame | None = None
    returns: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality_log: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality_summary: dict = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    file_hashes: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""

    def has(self, table: str) -> bool:
        """Whether the optional ``table`` was given and has rows."""
        frame = getattr(self, table, None)
        return frame is not None and not frame.empty


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes (read in chunks, never written)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_dataset(dataset_dir: str | Path, analysis_date: str | pd.Timestamp | None = None) -> Dataset:
    """Load, map, validate and clean every table named in ``dataset_dir/dataset.yaml``.

    ``analysis_date`` (or the yaml's) caps the data; the default is the last transaction
    date that is not in the future.
    """
    config = read_config(dataset_dir)
    log = QualityLog()
    cutoff = pd.Timestamp(analysis_date) if analysis_date else config.analysis_date
    tables: dict[str, pd.DataFrame] = {}
    for name in ("transactions", "customers", "feedback", "marketing_spend", "touchpoints"):
        if name in config.tables:
            tables[name] = _map_and_parse(config.tables[name], TABLES[name], log)
    transactions, returns, cutoff = _clean_transactions(tables["transactions"], config, cutoff, log)
    known_ids = pd.Index(transactions["customer_id"].unique())
    customers = tables.get("customers")
    if customers is not None:
        customers = _clean_customers(customers, config.tables["customers"], known_ids, log)
    feedback = tables.get("feedback")
    if feedback is not None:
        feedback = _clean_feedback(feedback, config.tables["feedback"], known_ids, cutoff, log)
    spend = tables.get("marketing_spend")
    if spend is not None:
        spend = _clean_spend(spend, config.tables["marketing_spend"], log)
    touchpoints = tables.get("touchpoints")
    if touchpoints is not None:
        customer_ids = customers["customer_id"] if customers is not None else pd.Index([])
        touchpoints = _clean_touchpoints(touchpoints, config.tables["touchpoints"],
                                         known_ids.union(pd.Index(customer_ids)), cutoff, log)
    files = {name: cfg.file for name, cfg in config.tables.items()}
    hashes = {str(path.name): sha256_file(path) for path in files.values()}
    hashes["dataset.yaml"] = sha256_file(config.root / "dataset.yaml")
    fingerprint = hashlib.sha256(
        "".join(f"{k}:{v};" for k, v in sorted(hashes.items())).encode() + str(cutoff).encode()
    ).hexdigest()
    return Dataset(
        name=config.name, root=config.root, currency=config.currency, analysis_date=cutoff,
        transactions=transactions, customers=customers, feedback=feedback, marketing_spend=spend,
        touchpoints=touchpoints, returns=returns, quality_log=log.frame(), quality_summary=log.summary(), files=files,
        file_hashes=hashes, fingerprint=fingerprint,
    )


def load_dataset_cached(dataset_dir: str | Path, analysis_date: str | pd.Timestamp | None = None) -> Dataset:
    """:func:`load_dataset`, reused across the notebooks of a run while the input files are unchanged.

    The cache key is the sha256 of every input file and dataset.yaml and the analysis date
    (and crmlib's code version, see :mod:`crmlib.cache`).
    """
    from crmlib.cache import cached

    config = read_config(dataset_dir)
    paths = [config.root / "dataset.yaml"] + [cfg.file for cfg in config.tables.values() if cfg.file.is_file()]
    key = hashlib.sha256("".join(f"{p}:{sha256_file(p)};" for p in paths).encode()).hexdigest()
    params = {"analysis_date": str(analysis_date or "")}
    return cached("dataset", key, params, lambda: load_dataset(dataset_dir, analysis_date))


# --- mapping and parsing --------------------------------------------------------------------

def _rows(mask: pd.Series) -> list[int]:
    """Spreadsheet row numbers (header = row 1) of the True entries of ``mask``."""
    return (np.asarray(mask.index[mask.to_numpy()]) + 2).tolist()


def _resolve_columns(cfg: TableConfig, schema: TableSchema, raw: pd.DataFrame) -> dict[str, str]:
    """canonical -> source column; canonical names present in the file map themselves."""
    lower = {c.lower(): c for c in raw.columns}
    mapping = {}
    for canonical in schema.kinds:
        source = cfg.columns.get(canonical)
        if source is None and canonical.lower() in lower:
            source = lower[canonical.lower()]
        if source is None:
            continue
        if source not in raw.columns:
            close = difflib.get_close_matches(source, list(raw.columns), n=3, cutoff=0.5)
            raise DataError(
                f"has no column {source!r} (mapped to {canonical!r} in dataset.yaml)",
                file=cfg.file,
                column=source,
                hint=(f"Did you mean {close}? " if close else "")
                + f"The file's columns are: {list(raw.columns)}. Fix `columns: {canonical}:` in dataset.yaml.",
            )
        mapping[canonical] = source
    missing = [f for f in schema.required if f not in mapping]
    if missing:
        raise DataError(
            f"lacks the required field(s) {missing} of the {schema.name} table",
            file=cfg.file,
            column=missing[0],
            hint=f"Map them in dataset.yaml under tables: {schema.name}: columns: "
            f"(e.g. `{missing[0]}: <your column name>`). The file's columns are: {list(raw.columns)}.",
        )
    if schema.any_of and not any(f in mapping for f in schema.any_of):
        raise DataError(
            f"maps none of {list(schema.any_of)}, so there is nothing to analyse",
            file=cfg.file,
            hint=f"Map at least one of them in dataset.yaml. The file's columns are: {list(raw.columns)}.",
        )
    return mapping


def _parse_ids(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    # Excel turns 1001 into 1001.0; an id is a label, not a number.
    return text.str.replace(r"^(\d+)\.0$", r"\1", regex=True).replace("", pd.NA)


def _parse_bool(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    return text.map(lambda v: True if v in TRUE_WORDS else False if v in FALSE_WORDS else pd.NA).astype("boolean")


def _map_and_parse(cfg: TableConfig, schema: TableSchema, log: QualityLog) -> pd.DataFrame:
    raw = read_table_file(cfg.file, encoding=cfg.encoding, sheet=cfg.sheet, separator=cfg.separator)
    raw = raw.reset_index(drop=True)
    log.add(schema.name, cfg.file.name, f"rows read (encoding: {raw.attrs.get('encoding', '?')})",
            rows=len(raw), action="read")
    if raw.empty:
        raise DataError("has a header but no rows", file=cfg.file, hint="Export the table again with its data.")
    mapping = _resolve_columns(cfg, schema, raw)
    frame = pd.DataFrame(index=raw.index)
    for canonical, source in mapping.items():
        kind = schema.kinds[canonical]
        column = raw[source]
        if kind == "id":
            frame[canonical] = _parse_ids(column)
        elif kind == "date":
            frame[canonical] = parse_dates(column, cfg.date_format)
            _check_parsed(frame[canonical], column, cfg, schema, canonical, source, log, "date")
        elif kind == "amount":
            frame[canonical] = parse_amounts(column, cfg.decimal)
            _check_parsed(frame[canonical], column, cfg, schema, canonical, source, log, "amount")
        elif kind == "number":
            frame[canonical] = pd.to_numeric(column, errors="coerce")
            _check_parsed(frame[canonical], column, cfg, schema, canonical, source, log, "number")
        elif kind == "bool":
            frame[canonical] = _parse_bool(column)
        else:
            frame[canonical] = column.astype("string").str.strip()
    if schema.keep_extra_columns:
        for extra in raw.columns.difference(list(mapping.values()), sort=False):
            if extra not in frame.columns:
                frame[extra] = raw[extra]
    return frame


def _check_parsed(parsed, source_values, cfg, schema, canonical, source, log, kind) -> None:
    """Raise when no value parses; log (for the table cleaner) when some do not."""
    given = source_values.notna() & (source_values.astype("string").str.strip() != "")
    failed = given & parsed.isna()
    if not failed.any():
        return
    rows = _rows(failed)
    values = source_values[failed].head(5).tolist()
    if failed.sum() == given.sum() and canonical in schema.required:
        hint = {
            "date": "Set `date_format:` for this table in dataset.yaml (e.g. '%d/%m/%Y'); "
            f"the values look like {values[:2]}. Guessed format: {guess_date_format(source_values)[0]}.",
            "amount": "Amounts must be numbers, optionally with a currency sign and thousands "
            "separators (¥1,234.50). For 1.234,50 set `decimal: ','`.",
            "number": "Make the column numeric.",
        }[kind]
        raise DataError(
            f"no value could be read as {'an' if kind == 'amount' else 'a'} {kind} ({len(rows)} rows)",
            file=cfg.file, column=source, rows=zip(rows, values, strict=False), hint=hint,
        )
    log.add(schema.name, cfg.file.name, f"unreadable {canonical} ({source})", rows=rows,
            values=values, action="dropped" if canonical in schema.required else "changed to blank")


# --- per-table cleaning ---------------------------------------------------------------------

def _drop(frame: pd.DataFrame, mask: pd.Series, log: QualityLog, table: str, file: str, check: str,
          show: str | None = None, action: str = "dropped") -> pd.DataFrame:
    if mask.any():
        values = frame.loc[mask, show].head(3).tolist() if show else []
        log.add(table, file, check, rows=_rows(mask), values=values, action=action)
    return frame if action.startswith("kept") else frame.loc[~mask]


def _clean_transactions(frame, config: DatasetConfig, cutoff, log: QualityLog):
    cfg = config.tables["transactions"]
    file, table = cfg.file.name, "transactions"
    frame = _drop(frame, frame["customer_id"].isna(), log, table, file, "missing customer id")
    frame = _drop(frame, frame["order_date"].isna(), log, table, file, "unreadable or missing order date")
    frame = _drop(frame, frame["amount"].isna(), log, table, file, "unreadable or missing amount")
    if frame.empty:
        raise DataError("has no row with a customer id, a date and an amount all readable",
                        file=cfg.file, hint="Check the column mapping and formats in dataset.yaml.")
    duplicated = frame.duplicated(keep="first")
    if "order_id" in frame:
        frame = _drop(frame, duplicated, log, table, file, "duplicate order line (identical row)", "order_id")
    else:
        frame = _drop(frame, duplicated, log, table, file,
                      "identical rows (no order id mapped, so kept)", "customer_id", action="kept (flagged)")
    zero = frame["amount"] == 0
    if config.zero_amounts == "drop":
        frame = _drop(frame, zero, log, table, file, "zero amount", "customer_id")
    else:
        log.add(table, file, "zero amount (kept: zero_amounts: keep)", rows=_rows(zero), action="kept (flagged)")
    today = pd.Timestamp.today().normalize() + pd.Timedelta(days=1)
    frame = _drop(frame, frame["order_date"] >= today, log, table, file, "order date in the future", "order_date")
    if cutoff is None:
        cutoff = frame["order_date"].max().normalize()
    frame = _drop(frame, frame["order_date"] >= cutoff + pd.Timedelta(days=1), log, table, file,
                  f"order date after the analysis date {cutoff:%Y-%m-%d}", "order_date")
    negative = frame["amount"] < 0
    returns = frame.loc[negative].copy()
    frame = frame.loc[~negative]
    if len(returns):
        rows = _rows(negative[negative])
        if config.returns == "separate":
            log.add(table, file, "returns/refunds (negative amount): kept apart from purchases",
                    rows=rows, values=returns["amount"].head(3).tolist(), action="moved to returns")
        elif config.returns == "drop":
            log.add(table, file, "returns/refunds (negative amount)", rows=rows,
                    values=returns["amount"].head(3).tolist(), action="dropped")
            returns = returns.iloc[0:0]
        else:
            frame = _net_returns(frame, returns, log, file)
    if frame.empty:
        raise DataError("has no purchase left after cleaning (see the data-quality log)", file=cfg.file,
                        hint="Check the analysis date and that amounts of purchases are positive.")
    log.add(table, file, "rows kept", rows=len(frame), action="kept")
    return frame.reset_index(drop=True), returns.reset_index(drop=True), cutoff


def _net_returns(purchases: pd.DataFrame, returns: pd.DataFrame, log: QualityLog, file: str) -> pd.DataFrame:
    """Subtract each return from its customer's purchases on the same day (policy ``net``)."""
    day = purchases["order_date"].dt.normalize()
    returned = returns.assign(day=returns["order_date"].dt.normalize()).groupby(
        ["customer_id", "day"])["amount"].sum()
    key = pd.MultiIndex.from_arrays([purchases["customer_id"], day])
    day_total = purchases.groupby([purchases["customer_id"], day])["amount"].transform("sum")
    refund = pd.Series(returned.reindex(key).fillna(0).to_numpy(), index=purchases.index)
    share = purchases["amount"] / day_total
    netted = purchases.assign(amount=purchases["amount"] + refund * share)
    log.add("transactions", file, "returns netted against same-day purchases", rows=len(returns),
            action="changed")
    unmatched = len(returns) - int(returned.reindex(key).notna().groupby(level=[0, 1]).any().sum())
    log.add("transactions", file, "returns without a same-day purchase", rows=max(unmatched, 0),
            action="dropped")
    emptied = netted["amount"] <= 0
    return _drop(netted, emptied, log, "transactions", file, "purchase fully refunded", "customer_id")


def _clean_customers(frame, cfg: TableConfig, known_ids: pd.Index, log: QualityLog) -> pd.DataFrame:
    file, table = cfg.file.name, "customers"
    frame = _drop(frame, frame["customer_id"].isna(), log, table, file, "missing customer id")
    frame = _drop(frame, frame["customer_id"].duplicated(keep="first"), log, table, file,
                  "duplicate customer id (first row kept)", "customer_id")
    prospects = ~frame["customer_id"].isin(known_ids)
    log.add(table, file, "customers without purchases (prospects, kept)", rows=_rows(prospects),
            values=frame.loc[prospects, "customer_id"].head(3).tolist(), action="kept (flagged)")
    unknown = known_ids.difference(frame["customer_id"])
    log.add(table, file, "buyers missing from the customers table", rows=len(unknown), action="flagged")
    log.add(table, file, "rows kept", rows=len(frame), action="kept")
    return frame.reset_index(drop=True)


def _clean_feedback(frame, cfg: TableConfig, known_ids: pd.Index, cutoff, log: QualityLog) -> pd.DataFrame:
    file, table = cfg.file.name, "feedback"
    frame = _drop(frame, frame["customer_id"].isna(), log, table, file, "missing customer id")
    for column, low, high in (("rating", 1, 5), ("nps", 0, 10)):
        if column in frame:
            bad = frame[column].notna() & ~frame[column].between(low, high)
            if bad.any():
                log.add(table, file, f"{column} outside {low}–{high} (blanked)", rows=_rows(bad),
                        values=frame.loc[bad, column].head(3).tolist(), action="changed to blank")
                frame = frame.assign(**{column: frame[column].mask(bad)})
    if "date" in frame:
        frame = _drop(frame, frame["date"] >= cutoff + pd.Timedelta(days=1), log, table, file,
                      f"feedback after the analysis date {cutoff:%Y-%m-%d}", "date")
    unknown = ~frame["customer_id"].isin(known_ids)
    log.add(table, file, "customer id without purchases (kept)", rows=_rows(unknown),
            values=frame.loc[unknown, "customer_id"].head(3).tolist(), action="kept (flagged)")
    if "feedback_id" not in frame:
        frame = frame.assign(feedback_id=[f"F{i:06d}" for i in range(1, len(frame) + 1)])
    log.add(table, file, "rows kept", rows=len(frame), action="kept")
    return frame.reset_index(drop=True)


def _clean_spend(frame, cfg: TableConfig, log: QualityLog) -> pd.DataFrame:
    file, table = cfg.file.name, "marketing_spend"
    frame = _drop(frame, frame["month"].isna(), log, table, file, "unreadable month")
    frame = _drop(frame, frame["spend"].isna() | (frame["spend"] < 0), log, table, file,
                  "missing or negative spend", "acquisition_channel")
    frame = frame.assign(month=frame["month"].dt.to_period("M").dt.to_timestamp())
    log.add(table, file, "rows kept", rows=len(frame), action="kept")
    return frame.reset_index(drop=True)


def _clean_touchpoints(frame, cfg: TableConfig, known_ids: pd.Index, cutoff, log: QualityLog) -> pd.DataFrame:
    file, table = cfg.file.name, "touchpoints"
    frame = _drop(frame, frame["customer_id"].isna(), log, table, file, "missing customer or visitor id")
    frame = _drop(frame, frame["timestamp"].isna(), log, table, file, "unreadable or missing timestamp")
    frame = _drop(frame, frame["channel"].fillna("").eq(""), log, table, file,
                  "missing channel", "customer_id")
    duplicated = frame.duplicated(keep="first")
    if "touchpoint_id" in frame:
        frame = _drop(frame, duplicated, log, table, file, "duplicate line (identical row)", "touchpoint_id")
    else:
        frame = _drop(frame, duplicated, log, table, file, "identical rows (no touchpoint id mapped, so kept)",
                      "customer_id", action="kept (flagged)")
    frame = _drop(frame, frame["timestamp"] >= cutoff + pd.Timedelta(days=1), log, table, file,
                  f"contact after the analysis date {cutoff:%Y-%m-%d}", "timestamp")
    if "cost" in frame:
        negative = frame["cost"] < 0
        if negative.any():
            log.add(table, file, "negative cost (blanked)", rows=_rows(negative),
                    values=frame.loc[negative, "cost"].head(3).tolist(), action="changed to blank")
            frame = frame.assign(cost=frame["cost"].mask(negative))
    anonymous = ~frame["customer_id"].isin(known_ids)
    log.add(table, file, "ids that are neither buyers nor customers (anonymous visitors, kept)",
            rows=_rows(anonymous), values=frame.loc[anonymous, "customer_id"].head(3).tolist(),
            action="kept (flagged)")
    if frame.empty:
        raise DataError("has no contact left after cleaning (see the data-quality log)", file=cfg.file,
                        hint="Check the column mapping, the timestamp format and the analysis date.")
    log.add(table, file, "rows kept", rows=len(frame), action="kept")
    return frame.reset_index(drop=True)
