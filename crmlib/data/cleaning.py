"""Clean the parsed tables in the engine, giving every row that is not kept exactly one reason.

Each cleaner adds ``_reason`` to its table: NULL for a kept row, else the first check the row
fails, in the order below. :func:`account` turns the reasons into the data-quality log (counts,
amounts, the file lines and values of the first rows), so the reconciliation balances by
construction. Cleaning policy:

- transactions: rows without a customer id, a readable date or a readable amount are dropped;
  an order id seen twice is one order — lines identical after parsing (same customer, amount,
  quantity and day; the time of day may be missing on one) are duplicates and dropped; the same
  id with a different amount or customer follows ``duplicate_orders`` (``error`` lists the rows;
  ``first``, ``last`` or ``sum``); with a ``product`` mapped the key is (order id, product), and
  refunds are judged apart from purchases. Without order ids, identical rows are only flagged.
  Zero amounts follow ``zero_amounts``; future rows and rows after the analysis date (default:
  the last purchase, not a refund) are dropped; returns follow ``returns``; outliers (beyond
  median + 10 × IQR) follow ``outliers`` and customers above 20 % of revenue are flagged;
- customers: missing and repeated ids dropped (the first row is kept), prospects flagged;
- feedback: missing ids and rows after the analysis date dropped, ratings outside 1–5 and NPS
  outside 0–10 blanked, unknown customers flagged;
- marketing spend: unreadable months and missing or negative spend dropped;
- customers' ``referred_by``: a customer referring themselves is blanked, a referrer who is not in
  the customers table is flagged (kept);
- products: missing and repeated products dropped (the first row is kept), negative unit costs
  and margin rates outside −1–1 blanked, rows left with neither dropped, products nobody bought
  flagged; order lines' ``cost`` and ``discount`` follow their line (summed with ``sum``).

Example
-------
>>> from crmlib.data.config import read_config
>>> from crmlib.data.mapping import parse_source
>>> from crmlib.data.quality import QualityLog
>>> from crmlib.engine import Engine
>>> config, log, engine = read_config("data/cdnow"), QualityLog(), Engine.duckdb()
>>> parsed = parse_source(engine, config.tables["transactions"], log)
>>> result = clean_transactions(engine, parsed, config, None, log)
>>> result.purchases.num_rows, str(result.analysis_date.date())
(6919, '1998-06-30')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from crmlib.checknames import (
    AFTER_ANALYSIS_DATE,
    CANCELLATIONS,
    CONTACT_AFTER_ANALYSIS_DATE,
    FEEDBACK_AFTER_ANALYSIS_DATE,
    OUT_OF_RANGE,
    OUTLIER,
    check_name,
)
from crmlib.data.config import DatasetConfig
from crmlib.data.mapping import ParsedTable
from crmlib.data.quality import KEPT_APART, Notice, QualityLog
from crmlib.data.readers import LINE
from crmlib.data.schema import TABLES
from crmlib.engine import Engine
from crmlib.errors import DataError

REASON = "_reason"
OUTLIER_IQRS = 10.0
TOP_CUSTOMER_SHARE = 0.20
MIN_CUSTOMERS_FOR_SHARES = 10
RETURNS_CHECK = "returns/refunds (negative amount): kept apart from purchases"
DUPLICATE_CHECK = "duplicate order line (identical row)"


@dataclass
class Check:
    """One cleaning step: the log's name, what happens to the rows, and which field to quote."""

    name: str
    action: str = "dropped"
    show: str | None = None
    amount_moves: bool = False  # the rows' amount stays in the kept rows (merged, netted)


@dataclass
class TransactionsResult:
    purchases: pa.Table
    returns: pa.Table
    analysis_date: pd.Timestamp
    warnings: list[str] = field(default_factory=list)


def _materialize(engine: Engine, expr: ibis.Table) -> ibis.Table:
    return engine.materialize(expr)


def in_line_order(engine: Engine, expr: ibis.Table) -> pa.Table:
    """``expr`` as Arrow, rows in file-line order (sorted here only when the engine returned them otherwise).

    Sorting the fetched Arrow table on ``_line`` (unique per row) gives the same rows as an
    ``ORDER BY`` in the engine, without the engine sorting every wide text column.

    Parameters
    ----------
    engine : Engine
        The engine that runs ``expr``.
    expr : ibis.Table
        A table with a ``_line`` column.

    Returns
    -------
    pyarrow.Table
        The rows of ``expr``, sorted by ``_line``.
    """
    table = engine.to_arrow(expr)
    lines = table[LINE].to_numpy()
    if len(lines) > 1 and not bool(np.all(lines[1:] > lines[:-1])):
        table = table.take(pa.array(np.argsort(lines, kind="stable")))
    return table


def _fmt(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}" if value != value.normalize() else f"{value:%Y-%m-%d}"
    if hasattr(value, "item"):
        return value.item()
    return value


def account(engine: Engine, table: ibis.Table, checks: list[Check], name: str, file: str, log: QualityLog,
            with_amount: bool) -> dict[str, dict]:
    """Log every check of ``table[_reason]`` in order: count, amount and the first three rows.

    Parameters
    ----------
    engine : Engine
        The engine that runs the counts.
    table : ibis.Table
        A cleaned table with ``_reason`` (NULL for a kept row) and ``_line``.
    checks : list of Check
        The checks to log, in log order; reasons no row has are not logged.
    name : str
        Canonical table name the log entries name.
    file : str
        File name the log entries name.
    log : QualityLog
        Log the entries are added to.
    with_amount : bool
        Whether to sum ``amount`` per reason (0 for checks whose amount stays in kept rows).

    Returns
    -------
    dict of str to dict
        Per reason present, ``{"rows": n}`` (and ``"amount"``); empty when ``checks`` is.
    """
    if not checks:
        return {}
    marked = table.filter(table[REASON].notnull())
    metrics = {"rows": marked.count()}
    if with_amount:
        metrics["amount"] = marked["amount"].sum()
    counts = engine.to_pandas(marked.group_by(REASON).aggregate(**metrics))
    counts = counts.set_index(REASON).to_dict("index")
    present = [c for c in checks if c.name in counts]
    examples = {}
    if present:
        shown = sorted({c.show for c in present if c.show})
        # the first three lines of each reason: one top-N per reason (no window over every marked row)
        firsts = [table.filter(table[REASON] == c.name).select(REASON, LINE, *shown).order_by(LINE).limit(3)
                  for c in present]
        first = engine.to_pandas(ibis.union(*firsts).order_by([REASON, LINE]) if len(firsts) > 1
                                 else firsts[0].order_by([REASON, LINE]))
        examples = {reason: group for reason, group in first.groupby(REASON, sort=False)}
    for check in present:
        entry = counts[check.name]
        rows = examples[check.name]
        values = [_fmt(v) for v in rows[check.show].tolist()] if check.show else ()
        amount = None
        if with_amount:
            amount = 0.0 if check.amount_moves or pd.isna(entry["amount"]) else float(entry["amount"])
        log.add(name, file, check.name, rows=int(entry["rows"]), lines=rows[LINE].tolist(), values=values,
                action=check.action, amount=amount)
    return counts


def _row_key(t: ibis.Table, columns: list[str]) -> ibis.Value:
    """One 64-bit hash of ``columns`` (NULL-safe), so windows partition on one number, not many strings.

    The hash of a struct of the typed values: no value is formatted as text (casting amounts and
    dates to strings cost more than the windows themselves).
    """
    return ibis.struct({c: t[c] for c in columns}).hash()


def _first(*pairs: tuple[ibis.Value, str]) -> ibis.Value:
    return ibis.cases(*pairs, else_=ibis.null("string")) if pairs else ibis.null("string")


def _columns(parsed: ParsedTable, table: ibis.Table) -> list[str]:
    schema = TABLES[parsed.name]
    wanted = [c for c in schema.kinds if c in table.columns]
    extras = [c for c in table.columns if c not in schema.kinds and not c.startswith("_")]
    return wanted + extras


# --- transactions ---------------------------------------------------------------------------

def clean_transactions(engine: Engine, parsed: ParsedTable, config: DatasetConfig,
                       analysis_date: pd.Timestamp | None, log: QualityLog) -> TransactionsResult:
    """Clean the transactions (see the module docstring); returns purchases and returns as Arrow.

    Parameters
    ----------
    engine : Engine
        The engine holding the parsed table (DuckDB in-process when loading).
    parsed : ParsedTable
        The mapped and parsed source (:func:`crmlib.data.mapping.parse_source`); its engine table
        is freed once the cleaning's first step holds its values (it cannot be read afterwards).
    config : DatasetConfig
        The dataset's settings: ``duplicate_orders``, ``zero_amounts``, ``returns``, ``outliers``.
    analysis_date : Timestamp or None
        Date that caps the data; None takes the day of the last kept purchase.
    log : QualityLog
        Log each cleaning step is added to.

    Returns
    -------
    TransactionsResult
        ``purchases`` and ``returns`` (Arrow in line order, with ``_line``), the analysis date
        and the warnings (:class:`~crmlib.data.quality.Notice`).

    Raises
    ------
    DataError
        On order-id conflicts under ``duplicate_orders: error``, when no purchase is left, or when
        ``analysis_date`` is before the first purchase.
    """
    t, mapping, file = parsed.table, parsed.mapping, parsed.file
    checks = [Check("missing customer id")]
    first = [(t.customer_id.isnull(), "missing customer id")]
    for canonical in ("order_date", "unit_price", "quantity", "amount"):
        if canonical in parsed.unreadable:
            name = parsed.unreadable[canonical]
            checks.append(Check(name, show=f"_raw_{canonical}"))
            first.append((t[f"_raw_{canonical}"].notnull() & t[canonical].isnull(), name))
        if canonical == "order_date":
            checks.append(Check("missing order date"))
            first.append((t.order_date.isnull(), "missing order date"))
    checks.append(Check("missing amount"))
    first.append((t.amount.isnull(), "missing amount"))
    t = t.mutate(_early=_first(*first))
    t = t.mutate(_valid=t._early.isnull(), _day=t.order_date.truncate("D"))

    later: list[tuple[ibis.Value, str]] = []
    if "order_id" in mapping:
        key = ["order_id", *(["product"] if "product" in mapping else []), "_return"]
        same = [*key, "customer_id", "amount", "_day", *(["quantity"] if "quantity" in mapping else [])]
        # unordered windows over one hashed key (min/max of the line instead of row numbers)
        t = t.mutate(_same=_row_key(t, ["_valid", *same]), _key=_row_key(t, key))
        t = t.mutate(_dup=t[LINE] != t[LINE].min().over(ibis.window(group_by="_same")))
        t = t.mutate(_live=t._valid & ~t._dup)
        by_key = ibis.window(group_by=["_live", "_key"])
        t = t.mutate(_n=t[LINE].count().over(by_key), _first_line=t[LINE].min().over(by_key),
                     _last_line=t[LINE].max().over(by_key), _sum_amount=t.amount.sum().over(by_key),
                     **({"_sum_quantity": t.quantity.sum().over(by_key)} if "quantity" in mapping else {}))
        t = _materialize(engine, t.mutate(_conflict=t._live & (t._n > 1), _pos=t[LINE] != t._first_line,
                                          _pos_last=t[LINE] != t._last_line))
        step = _release_parsed(engine, parsed, t)
        policy = config.duplicate_orders
        if policy == "error":
            _raise_on_conflicts(engine, t, t._conflict, parsed)
        elif policy == "sum":
            merged = {"amount": ibis.cases((t._conflict, t._sum_amount), else_=t.amount)}
            if "quantity" in mapping:
                merged["quantity"] = ibis.cases((t._conflict, t._sum_quantity), else_=t.quantity)
            for column in ("cost", "discount"):
                if column in mapping:
                    total = t[column].sum().over(ibis.window(group_by=["_live", "_key"]))
                    merged[column] = ibis.cases((t._conflict, total), else_=t[column])
            t = t.mutate(**merged)
        checks.append(Check(DUPLICATE_CHECK, show="order_id"))
        later.append((t._valid & t._dup, DUPLICATE_CHECK))
        if policy in ("first", "last"):
            name = f"same order id, different amount or customer (duplicate_orders: {policy})"
            checks.append(Check(name, show="order_id"))
            later.append((t._conflict & (t._pos if policy == "first" else t._pos_last), name))
        elif policy == "sum":
            name = "merged into the first line of the same order (duplicate_orders: sum)"
            checks.append(Check(name, show="order_id", amount_moves=True))
            later.append((t._conflict & t._pos, name))
    else:
        same = ["customer_id", "order_date", "amount", *[c for c in ("quantity", "product") if c in mapping]]
        t = t.mutate(_same=_row_key(t, ["_valid", *same]))
        t = t.mutate(_dup=t[LINE] != t[LINE].min().over(ibis.window(group_by="_same")))
        t = _materialize(engine, t.mutate(_identical=t._valid & t._dup))
        step = _release_parsed(engine, parsed, t)
    zero = t.amount == 0
    if config.zero_amounts == "drop":
        checks.append(Check("zero amount", show="customer_id"))
        later.append((zero, "zero amount"))
    today = pd.Timestamp.today().normalize() + pd.Timedelta(days=1)
    checks.append(Check("order date in the future", show="order_date"))
    later.append((t.order_date >= today.to_pydatetime(), "order date in the future"))
    t = t.mutate(**{REASON: ibis.coalesce(t._early, _first(*later))})
    flags = []
    if "_identical" in t.columns:
        flags.append(("_identical", Check("identical rows (no order id mapped, so kept)", "kept (flagged)", "customer_id")))
    if config.zero_amounts == "keep":
        t = t.mutate(_zero=zero & t[REASON].isnull())
        flags.append(("_zero", Check("zero amount (kept: zero_amounts: keep)", "kept (flagged)")))

    cutoff = _analysis_date(engine, t, analysis_date, parsed)
    after = check_name(AFTER_ANALYSIS_DATE, date=f"{cutoff:%Y-%m-%d}")
    checks.append(Check(after, show="order_date"))
    t = t.mutate(**{REASON: ibis.coalesce(t[REASON], _first(
        (t.order_date >= (cutoff + pd.Timedelta(days=1)).to_pydatetime(), after)))})
    if config.returns == "drop":
        name = "returns/refunds (negative amount)"
        checks.append(Check(name, show="amount"))
        t = t.mutate(**{REASON: ibis.coalesce(t[REASON], _first((t._return, name)))})
    outlier, warnings = _outliers(engine, t, config, parsed)
    if outlier is not None:
        if config.outliers == "drop":
            checks.append(Check(outlier[1], show="amount"))
            t = t.mutate(**{REASON: ibis.coalesce(t[REASON], _first(outlier))})
        else:
            t = t.mutate(_outlier=outlier[0] & t[REASON].isnull())
            flags.append(("_outlier", Check(outlier[1], "kept (flagged)", "amount")))
    if config.returns == "separate":
        checks.append(Check(RETURNS_CHECK, KEPT_APART, "amount"))
        t = t.mutate(**{REASON: ibis.coalesce(t[REASON], _first((t._return, RETURNS_CHECK)))})
    t = _materialize(engine, t)
    engine.release(step)  # every column of the first step is in t now
    account(engine, t, checks, "transactions", file, log, with_amount=True)
    for column, check in flags:
        flagged = t.filter(t[column]).mutate(**{REASON: ibis.literal(check.name)})
        account(engine, flagged, [check], "transactions", file, log, with_amount=False)
    if parsed.cfg.cancelled_if is not None:
        name = check_name(CANCELLATIONS, rule=parsed.cfg.cancelled_if.describe())
        cancelled = t.filter(t._cancelled).mutate(**{REASON: ibis.literal(name)})
        account(engine, cancelled, [Check(name, "flagged", "order_id" if "order_id" in mapping else None)],
                "transactions", file, log, with_amount=False)
    kept = _columns(parsed, t)
    purchases = t.filter(t[REASON].isnull() & ~t._return)
    returns = t.filter(t[REASON].isnull() & t._return) if config.returns != "separate" else \
        t.filter(t[REASON] == RETURNS_CHECK)
    purchases_arrow = in_line_order(engine, purchases.select(LINE, *kept))
    returns_arrow = in_line_order(engine, returns.select(LINE, *kept))
    warnings += _unit_price_warning(engine, t, parsed)
    return TransactionsResult(purchases_arrow, returns_arrow, cutoff, warnings)


def _release_parsed(engine: Engine, parsed: ParsedTable, step: ibis.Table) -> ibis.Table:
    """Free the parsed values once ``step`` (the first materialised step of the cleaning) holds
    them, so that loading does not keep both; returns ``step``."""
    if parsed.stored is not None:
        engine.release(parsed.stored)
    return step


def _raise_on_conflicts(engine: Engine, t: ibis.Table, conflict: ibis.Value, parsed: ParsedTable) -> None:
    count = int(engine.to_pandas(t.aggregate(n=conflict.sum()))["n"].iloc[0] or 0)
    if not count:
        return
    key = [c for c in ("order_id", "product") if c in parsed.mapping]
    fields = {"customer": "customer_id", "amount": "amount", "day": "_day", "quantity": "quantity"}
    fields = {word: column for word, column in fields.items() if column in t.columns}
    rows = t.filter(conflict)
    per_order = rows.group_by("_key").aggregate(**{word: rows[column].nunique() for word, column in fields.items()})
    varies = engine.to_pandas(per_order.aggregate(**{word: (per_order[word] > 1).any() for word in fields})).iloc[0]
    differ = [word for word in fields if bool(varies[word])] or ["amount", "customer"]
    shown_columns = [*key, "customer_id", "amount", *(w for w in ("day", "quantity") if w in differ)]
    rows = engine.to_pandas(rows.mutate(day=rows._day.cast("date")).order_by([*key, LINE])
                            .select(LINE, *shown_columns).limit(6))
    shown = [(int(r[LINE]), " / ".join(f"{c}={_fmt(r[c])}" for c in shown_columns)) for _, r in rows.iterrows()]
    lines_hint = ("" if "product" in parsed.mapping else
                  " If the file has one row per order line, map `product:` (e.g. the stock code) so the lines "
                  "of one order are told apart.")
    raise DataError(
        f"{count:,} rows share an order id with another row but differ in {' and '.join(differ)} "
        "(not a plain duplicate, so it is not clear which is right)",
        file=parsed.cfg.file, column=parsed.mapping["order_id"], rows=shown,
        hint="Choose what to do in dataset.yaml: `duplicate_orders: first` (keep the first row), `last` "
        "(keep the last, e.g. a corrected re-export) or `sum` (the rows are parts of one order)." + lines_hint,
    )


def _analysis_date(engine: Engine, t: ibis.Table, given: pd.Timestamp | None, parsed: ParsedTable) -> pd.Timestamp:
    purchases = t.filter(t[REASON].isnull() & ~t._return)
    bounds = engine.to_pandas(purchases.aggregate(first=purchases.order_date.min(), last=purchases.order_date.max(),
                                                  n=purchases.count())).iloc[0]
    if not bounds["n"]:
        _raise_nothing_left(engine, t, parsed)
    if given is None:
        return pd.Timestamp(bounds["last"]).normalize()
    if given < pd.Timestamp(bounds["first"]).normalize():
        raise DataError(
            f"the analysis date {given:%Y-%m-%d} is before the first purchase ({bounds['first']:%Y-%m-%d})",
            file=parsed.cfg.file,
            hint="Choose an analysis date within the data (or leave it empty for the last purchase date, "
            f"{bounds['last']:%Y-%m-%d}).",
        )
    return given


def _raise_nothing_left(engine: Engine, t: ibis.Table, parsed: ParsedTable) -> None:
    reasons = engine.to_pandas(t.group_by(REASON).aggregate(n=t.count()).order_by(ibis.desc("n")))
    returns = int(engine.to_pandas(t.aggregate(n=(t[REASON].isnull() & t._return).sum()))["n"].iloc[0] or 0)
    parts = [f"{int(n):,} {reason}" for reason, n in zip(reasons[REASON], reasons["n"], strict=True) if reason]
    if returns:
        parts.append(f"{returns:,} returns/refunds (negative amount or quantity)")
    raise DataError(
        "has no purchase left after cleaning: " + ("; ".join(parts) if parts else "no rows"),
        file=parsed.cfg.file,
        hint="Check the column mapping, the formats and the analysis date in dataset.yaml, and that purchases "
        "have positive amounts (`crm-workbook validate` prints the data-quality log).",
    )


def _outliers(engine: Engine, t: ibis.Table, config: DatasetConfig, parsed: ParsedTable):
    purchases = t.filter(t[REASON].isnull() & ~t._return)
    stats = engine.to_pandas(purchases.aggregate(
        q1=purchases.amount.quantile(0.25), median=purchases.amount.quantile(0.5),
        q3=purchases.amount.quantile(0.75), total=purchases.amount.sum(),
        customers=purchases.customer_id.nunique())).iloc[0]
    warnings: list[str] = []
    iqr = float(stats["q3"] - stats["q1"])
    outlier = None
    if iqr > 0:
        threshold = float(stats["median"]) + OUTLIER_IQRS * iqr
        outlier = ((t.amount > threshold) & ~t._return,
                   check_name(OUTLIER, threshold=f"{threshold:,.2f}", iqrs=f"{OUTLIER_IQRS:g}"))
    if stats["customers"] >= MIN_CUSTOMERS_FOR_SHARES and stats["total"] > 0:
        shares = purchases.group_by("customer_id").aggregate(share=purchases.amount.sum() / float(stats["total"]),
                                                             line=purchases[LINE].min())
        top = engine.to_pandas(shares.filter(shares.share > TOP_CUSTOMER_SHARE).order_by(ibis.desc("share")))
        if len(top):
            named = ", ".join(f"{c} ({s:.0%})" for c, s in zip(top["customer_id"], top["share"], strict=True))
            warnings.append(Notice.of("{n} customer(s) hold more than {share} of revenue each: {named}. Check for test "
                                      "accounts, wholesale buyers or a wrong amount.", n=len(top),
                                      share=f"{TOP_CUSTOMER_SHARE:.0%}", named=named))
    return outlier, warnings


def _unit_price_warning(engine: Engine, t: ibis.Table, parsed: ParsedTable) -> list[str]:
    mapping = parsed.mapping
    if not {"amount", "quantity", "product"} <= set(mapping):
        return []
    kept = t.filter(t[REASON].isnull() & ~t._return & t.quantity.notnull())
    per_product = kept.group_by("product").aggregate(amounts=kept.amount.nunique(), quantities=kept.quantity.nunique())
    stats = engine.to_pandas(kept.aggregate(many=(kept.quantity > 1).mean())).iloc[0]
    varied = per_product.filter(per_product.quantities > 1)
    products = engine.to_pandas(varied.aggregate(n=varied.count(), flat=(varied.amounts == 1).sum())).iloc[0]
    if (stats["many"] or 0) >= 0.2 and products["n"] and products["flat"] / products["n"] >= 0.8:
        return [Notice.of("The mapped amount ({column}) behaves like a unit price: quantities above 1 are common but "
                          "the amount stays the same for a product whatever the quantity. If it is the price of one "
                          "unit, map it as `unit_price: {column}` (amount = quantity × unit price).",
                          column=mapping["amount"])]
    return []


# --- the other tables -----------------------------------------------------------------------

def _finish(engine: Engine, parsed: ParsedTable, t: ibis.Table, checks: list[Check], log: QualityLog) -> pa.Table:
    t = _materialize(engine, t)
    account(engine, t, checks, parsed.name, parsed.file, log, with_amount=False)
    return t


def _flag(engine: Engine, t: ibis.Table, mask: ibis.Value, check: Check, parsed: ParsedTable, log: QualityLog) -> None:
    flagged = t.filter(mask).mutate(**{REASON: ibis.literal(check.name)})
    account(engine, flagged, [check], parsed.name, parsed.file, log, with_amount=False)


def clean_customers(engine: Engine, parsed: ParsedTable, buyers: ibis.Table | None, log: QualityLog) -> pa.Table:
    """Customers: one row per id (the first), prospects flagged, buyers missing from the table counted.

    Parameters
    ----------
    engine : Engine
        The engine holding the parsed table (DuckDB in-process when loading).
    parsed : ParsedTable
        The mapped and parsed source (:func:`crmlib.data.mapping.parse_source`).
    buyers : ibis.Table or None
        The kept purchases' ``customer_id``; None for a customer snapshot without transactions,
        where nobody is a prospect.
    log : QualityLog
        Log each cleaning step is added to.

    Returns
    -------
    pyarrow.Table
        The kept customers in line order: ``_line``, the canonical fields, then unmapped columns.
    """
    t = parsed.table
    missing, repeated = "missing customer id", "duplicate customer id (first row kept)"
    t = t.mutate(_rank=ibis.row_number().over(ibis.window(group_by=[t.customer_id.isnull(), t.customer_id],
                                                          order_by=LINE)))
    t = t.mutate(**{REASON: _first((t.customer_id.isnull(), missing), (t._rank > 0, repeated))})
    t = _finish(engine, parsed, t, [Check(missing), Check(repeated, show="customer_id")], log)
    kept = t.filter(t[REASON].isnull())
    if "referred_by" in kept.columns:
        kept = _referrals(engine, kept, parsed, log)
    if buyers is None:
        return _kept_customers(engine, parsed, kept, log)
    ids = buyers.select("customer_id").distinct()
    prospects = kept.mutate(_buyer=kept.customer_id.isin(ids.customer_id))
    _flag(engine, prospects, ~prospects._buyer, Check("customers without purchases (prospects, kept)", "kept (flagged)",
                                                       "customer_id"), parsed, log)
    unknown = int(engine.to_pandas(ids.filter(~ids.customer_id.isin(kept.customer_id)).aggregate(n=ibis._.count()))
                  ["n"].iloc[0])
    log.add("customers", parsed.file, "buyers missing from the customers table", rows=unknown, action="flagged")
    return _kept_customers(engine, parsed, kept, log)


def _kept_customers(engine: Engine, parsed: ParsedTable, kept: ibis.Table, log: QualityLog) -> pa.Table:
    result = in_line_order(engine, kept.select(LINE, *_columns(parsed, kept)))
    log.add("customers", parsed.file, "rows kept", rows=result.num_rows, action="kept")
    return result


def _referrals(engine: Engine, kept: ibis.Table, parsed: ParsedTable, log: QualityLog) -> ibis.Table:
    """``referred_by``: self-referrals blanked, referrers missing from the customers table flagged."""
    own = kept.referred_by.notnull() & (kept.referred_by == kept.customer_id)
    _flag(engine, kept, own, Check("customer referred by themselves (blanked)", "changed to blank", "customer_id"),
          parsed, log)
    kept = _materialize(engine, kept.mutate(referred_by=ibis.cases((own, ibis.null("string")),
                                                                   else_=kept.referred_by)))
    stranger = kept.referred_by.notnull() & ~kept.referred_by.isin(kept.customer_id)
    _flag(engine, kept, stranger, Check("referrer not in the customers table (kept)", "kept (flagged)", "referred_by"),
          parsed, log)
    return kept


def clean_products(engine: Engine, parsed: ParsedTable, purchases: pa.Table, log: QualityLog) -> pa.Table:
    """Products: one row per product (the first) with a unit cost or a margin rate; unsold products flagged.

    Parameters
    ----------
    engine : Engine
        The engine holding the parsed table (DuckDB in-process when loading).
    parsed : ParsedTable
        The mapped and parsed source (:func:`crmlib.data.mapping.parse_source`).
    purchases : pyarrow.Table
        The cleaned purchases; their ``product`` column (if any) tells which products sold.
    log : QualityLog
        Log each cleaning step is added to.

    Returns
    -------
    pyarrow.Table
        The kept products in line order: ``_line``, the canonical fields, then unmapped columns.

    Raises
    ------
    DataError
        When no product with a unit cost or margin rate is left.
    """
    t = parsed.table
    for column, low, high in (("unit_cost", 0.0, None), ("margin_rate", -1.0, 1.0)):
        if column in t.columns:
            bad = t[column].notnull() & ((t[column] < low) if high is None else ~t[column].between(low, high))
            words = "negative unit cost (blanked)" if high is None else "margin rate outside −1–1 (blanked)"
            _flag(engine, t, bad, Check(words, "changed to blank", column), parsed, log)
            t = t.mutate(**{column: ibis.cases((bad, ibis.null("float64")), else_=t[column])})
    priced = ibis.literal(False)
    for column in ("unit_cost", "margin_rate"):
        if column in t.columns:
            priced = priced | t[column].notnull()
    missing, repeated, unpriced = ("missing product", "duplicate product (first row kept)",
                                   "no unit cost or margin rate")
    t = t.mutate(_rank=ibis.row_number().over(ibis.window(group_by=[t["product"].isnull(), t["product"]],
                                                          order_by=LINE)))
    t = t.mutate(**{REASON: _first((t["product"].isnull(), missing), (t._rank > 0, repeated), (~priced, unpriced))})
    t = _finish(engine, parsed, t, [Check(missing), Check(repeated, show="product"), Check(unpriced, show="product")],
                log)
    kept = t.filter(t[REASON].isnull())
    if "product" in purchases.column_names:
        sold = engine.table(purchases.select(["product"]))
        _flag(engine, kept, ~kept["product"].isin(sold["product"]),
              Check("products nobody bought (kept)", "kept (flagged)", "product"), parsed, log)
    result = in_line_order(engine, kept.select(LINE, *_columns(parsed, kept)))
    if result.num_rows == 0:
        raise DataError("has no product with a unit cost or margin rate left after cleaning: see the data-quality "
                        "log (`crm-workbook validate`)", file=parsed.cfg.file,
                        hint="Map `product:` and `unit_cost:` or `margin_rate:` to the file's columns.")
    log.add("products", parsed.file, "rows kept", rows=result.num_rows, action="kept")
    return result


def clean_feedback(engine: Engine, parsed: ParsedTable, buyers: ibis.Table, cutoff: pd.Timestamp,
                   log: QualityLog) -> tuple[pa.Table, list[str]]:
    """Feedback: ratings/NPS out of range blanked, late rows dropped, unknown customers flagged and named.

    Parameters
    ----------
    engine : Engine
        The engine holding the parsed table (DuckDB in-process when loading).
    parsed : ParsedTable
        The mapped and parsed source (:func:`crmlib.data.mapping.parse_source`).
    buyers : ibis.Table
        Table with the known ``customer_id`` values (buyers, or a snapshot's customers).
    cutoff : Timestamp
        The analysis date; rows on a later day are dropped.
    log : QualityLog
        Log each cleaning step is added to.

    Returns
    -------
    tuple of (pyarrow.Table, list of Notice)
        The kept rows in line order (``feedback_id`` ``F000001``, … added when not mapped), and a
        warning naming up to five unknown customers (empty when there are none).
    """
    t = parsed.table
    for column, low, high in (("rating", 1, 5), ("nps", 0, 10)):
        if column in t.columns:
            bad = t[column].notnull() & ~t[column].between(low, high)
            _flag(engine, t, bad, Check(check_name(OUT_OF_RANGE, column=column, low=low, high=high),
                                        "changed to blank", column),
                  parsed, log)
            t = t.mutate(**{column: ibis.cases((bad, ibis.null("float64")), else_=t[column])})
    checks = [Check("missing customer id")]
    reasons = [(t.customer_id.isnull(), "missing customer id")]
    if "date" in t.columns:
        late = check_name(FEEDBACK_AFTER_ANALYSIS_DATE, date=f"{cutoff:%Y-%m-%d}")
        checks.append(Check(late, show="date"))
        reasons.append((t.date >= (cutoff + pd.Timedelta(days=1)).to_pydatetime(), late))
    t = t.mutate(**{REASON: _first(*reasons)})
    t = _finish(engine, parsed, t, checks, log)
    kept = t.filter(t[REASON].isnull())
    marked = kept.mutate(_known=kept.customer_id.isin(buyers.select("customer_id").distinct().customer_id))
    unknown = marked.filter(~marked._known)
    _flag(engine, marked, ~marked._known, Check("customer id without purchases (kept)", "kept (flagged)", "customer_id"),
          parsed, log)
    names = engine.to_pandas(unknown.group_by("customer_id").aggregate(line=unknown[LINE].min()).order_by("line")
                             .limit(5))["customer_id"].tolist()
    total = int(engine.to_pandas(unknown.aggregate(n=unknown.customer_id.nunique()))["n"].iloc[0] or 0)
    notes = []
    if total:
        notes.append(Notice.of("{n:,} customer id(s) in the feedback have no purchase, e.g. {examples}: their "
                               "feedback is kept but cannot be linked to purchases.", n=total,
                               examples=", ".join(map(repr, names))))
    columns = _columns(parsed, kept)
    result = in_line_order(engine, kept.select(LINE, *columns))
    if "feedback_id" not in columns:
        ids = pa.array([f"F{i:06d}" for i in range(1, result.num_rows + 1)], pa.string())
        result = result.append_column("feedback_id", ids)
    log.add("feedback", parsed.file, "rows kept", rows=result.num_rows, action="kept")
    return result, notes


def clean_spend(engine: Engine, parsed: ParsedTable, log: QualityLog) -> pa.Table:
    """Marketing spend: rows need a month and a spend of zero or more; months start on day 1.

    Parameters
    ----------
    engine : Engine
        The engine holding the parsed table (DuckDB in-process when loading).
    parsed : ParsedTable
        The mapped and parsed source (:func:`crmlib.data.mapping.parse_source`).
    log : QualityLog
        Log each cleaning step is added to.

    Returns
    -------
    pyarrow.Table
        The kept rows in line order, ``month`` truncated to the month's first day.
    """
    t = parsed.table
    checks = [Check("unreadable month"), Check("missing or negative spend", show="acquisition_channel")]
    t = t.mutate(**{REASON: _first((t.month.isnull(), "unreadable month"),
                                   (t.spend.isnull() | (t.spend < 0), "missing or negative spend"))})
    t = _finish(engine, parsed, t, checks, log)
    kept = t.filter(t[REASON].isnull())
    kept = kept.mutate(month=kept.month.truncate("M"))
    result = in_line_order(engine, kept.select(LINE, *_columns(parsed, kept)))
    log.add("marketing_spend", parsed.file, "rows kept", rows=result.num_rows, action="kept")
    return result


def clean_touchpoints(engine: Engine, parsed: ParsedTable, known: ibis.Table, cutoff: pd.Timestamp,
                      log: QualityLog) -> pa.Table:
    """Touchpoints: rows need an id, a time and a channel; identical lines are duplicates when a
    touchpoint id is mapped (flagged otherwise); late contacts dropped, negative costs blanked,
    ids that are neither buyers nor customers (anonymous visitors) kept and flagged.

    Parameters
    ----------
    engine : Engine
        The engine holding the parsed table (DuckDB in-process when loading).
    parsed : ParsedTable
        The mapped and parsed source (:func:`crmlib.data.mapping.parse_source`); its engine table
        is freed once the cleaning's first step holds its values (it cannot be read afterwards).
    known : ibis.Table
        Table with the known ``customer_id`` values (buyers and the customers table's ids).
    cutoff : Timestamp
        The analysis date; rows on a later day are dropped.
    log : QualityLog
        Log each cleaning step is added to.

    Returns
    -------
    pyarrow.Table
        The kept contacts in line order: ``_line``, the canonical fields, then unmapped columns.

    Raises
    ------
    DataError
        When no contact is left after cleaning.
    """
    t = parsed.table
    if "cost" in t.columns:
        negative = t.cost.notnull() & (t.cost < 0)
        _flag(engine, t, negative, Check("negative cost (blanked)", "changed to blank", "cost"), parsed, log)
        t = t.mutate(cost=ibis.cases((negative, ibis.null("float64")), else_=t.cost))
    fields = [c for c in TABLES["touchpoints"].kinds if c in t.columns]
    t = t.mutate(_valid=t.customer_id.notnull() & t.timestamp.notnull() & t.channel.notnull())
    t = t.mutate(_same=_row_key(t, ["_valid", *fields]))
    t = t.mutate(_dup=t._valid & (t[LINE] != t[LINE].min().over(ibis.window(group_by="_same"))))
    late = check_name(CONTACT_AFTER_ANALYSIS_DATE, date=f"{cutoff:%Y-%m-%d}")
    checks = [Check("missing customer or visitor id"), Check("unreadable or missing timestamp"),
              Check("missing channel", show="customer_id")]
    reasons = [(t.customer_id.isnull(), "missing customer or visitor id"),
               (t.timestamp.isnull(), "unreadable or missing timestamp"), (t.channel.isnull(), "missing channel")]
    flags = []
    if "touchpoint_id" in t.columns:
        checks.append(Check("duplicate line (identical row)", show="touchpoint_id"))
        reasons.append((t._dup, "duplicate line (identical row)"))
    else:
        flags.append(Check("identical rows (no touchpoint id mapped, so kept)", "kept (flagged)", "customer_id"))
    checks.append(Check(late, show="timestamp"))
    reasons.append((t.timestamp >= (cutoff + pd.Timedelta(days=1)).to_pydatetime(), late))
    t = _finish(engine, parsed, t.mutate(**{REASON: _first(*reasons)}), checks, log)
    _release_parsed(engine, parsed, t)
    for check in flags:
        _flag(engine, t, t._dup & t[REASON].isnull(), check, parsed, log)
    kept = t.filter(t[REASON].isnull())
    marked = kept.mutate(_known=kept.customer_id.isin(known.customer_id))
    _flag(engine, marked, ~marked._known, Check("ids that are neither buyers nor customers (anonymous visitors, kept)",
                                                "kept (flagged)", "customer_id"), parsed, log)
    result = in_line_order(engine, kept.select(LINE, *_columns(parsed, kept)))
    if result.num_rows == 0:
        counts = engine.to_pandas(t.group_by(REASON).aggregate(n=t.count()).order_by(ibis.desc("n")))
        parts = [f"{int(n):,} {reason}" for reason, n in zip(counts[REASON], counts["n"], strict=True) if reason]
        raise DataError("has no contact left after cleaning: " + ("; ".join(parts) if parts else "no rows"),
                        file=parsed.cfg.file, hint="Check the column mapping, the timestamp format and the analysis date.")
    log.add("touchpoints", parsed.file, "rows kept", rows=result.num_rows, action="kept")
    return result
