"""What the data-quality notebook reports: tables loaded, coverage over time, and concerns.

Example
-------
>>> from crmlib.data.load import load_dataset
>>> ds = load_dataset("data/cdnow")                         # doctest: +SKIP
>>> table_overview(ds)[["table", "rows_read", "rows_kept"]]  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from crmlib.data.load import Dataset
from crmlib.display.tables import translate_term
from crmlib.lang import NC_, gettext, pgettext, translator

DATE_COLUMNS = {"transactions": "order_date", "customers": "signup_date", "feedback": "date",
                "marketing_spend": "month", "returns": "order_date", "touchpoints": "timestamp"}


def _table(dataset: Dataset, name: str) -> pd.DataFrame | None:
    return dataset.returns if name == "returns" else getattr(dataset, name)


def table_overview(dataset: Dataset, lang: str = "en") -> pd.DataFrame:
    """One row per table: file, rows read and kept, columns, first and last date.

    A table without a file shows "(not given)", or "（未提供）" with ``lang="zh"``.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.
    lang : str, optional
        Language of the "(not given)" text; default ``"en"``.

    Returns
    -------
    frame
        Columns ``table``, ``file``, ``rows_read``, ``rows_kept``, ``columns``, ``first_date``,
        ``last_date``.
    """
    rows = []
    optional = ("products",) if "products" in dataset.files else ()  # listed only when given
    for name in ("transactions", "customers", "feedback", "marketing_spend", "touchpoints", *optional):
        frame = _table(dataset, name)
        counts = dataset.quality_summary.get(name, {})
        column = DATE_COLUMNS.get(name)
        dates = frame[column] if frame is not None and column in frame else None
        rows.append({
            "table": name,
            "file": dataset.files[name].name if name in dataset.files else gettext(lang, "(not given)"),
            "rows_read": counts.get("rows_read", 0),
            "rows_kept": counts.get("rows_kept", 0),
            "columns": ", ".join(map(str, frame.columns)) if frame is not None else "",
            "first_date": dates.min() if dates is not None else pd.NaT,
            "last_date": dates.max() if dates is not None else pd.NaT,
        })
    return pd.DataFrame(rows)


def monthly_coverage(dataset: Dataset) -> pd.DataFrame:
    """Rows per calendar month for each dated table (index: month start; missing months are 0).

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.

    Returns
    -------
    frame
        Index ``month`` (timestamps), one int column per dated table with rows; empty without any.
    """
    series = {}
    for name in ("transactions", "returns", "feedback", "customers", "touchpoints"):
        frame = _table(dataset, name)
        column = DATE_COLUMNS[name]
        if frame is not None and len(frame) and column in frame:
            months = frame[column].dropna().dt.to_period("M")
            series[name] = months.value_counts()
    if not series:
        return pd.DataFrame()
    coverage = pd.DataFrame(series).fillna(0).astype(int).sort_index()
    full = pd.period_range(coverage.index.min(), coverage.index.max(), freq="M")
    coverage = coverage.reindex(full, fill_value=0)
    coverage.index = coverage.index.to_timestamp()
    coverage.index.name = "month"
    return coverage


def quality_export(dataset: Dataset) -> dict:
    """The content of ``exports/data_quality.json``: rows read/kept/dropped by reason per table,
    the full log, the reconciliation (every input row and amount accounted for) and the warnings.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.

    Returns
    -------
    dict
        ``dataset``, ``analysis_date``, ``fingerprint_sha256``, ``files_sha256``, ``tables``,
        ``log``, ``reconciliation``, ``warnings`` and ``units``.
    """
    return {
        "dataset": dataset.name,
        "analysis_date": dataset.analysis_date,
        "fingerprint_sha256": dataset.fingerprint,
        "files_sha256": dataset.file_hashes,
        "tables": dataset.quality_summary,
        "log": dataset.quality_log.to_dict(orient="records"),
        "reconciliation": dataset.reconciliation,
        "warnings": list(dataset.warnings),
        "units": {"rows": "count of input rows (header excluded)",
                  "amount": f"sum of transaction amounts in {dataset.currency} (refunds negative)"},
    }


def reconciliation_table(dataset: Dataset, lang: str = "en") -> pd.DataFrame:
    """What we read → what we analysed: one row per table with rows read, dropped, kept and flagged.

    For transactions, the amounts too: read = purchases kept + returns kept apart + dropped.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.
    lang : str, optional
        Language of the column names and table names; default ``"en"``.

    Returns
    -------
    frame
        One row per reconciled table: rows read, dropped, kept, of which returns, flagged, the
        main reason for dropping (and the amounts for transactions).

    >>> from crmlib.data.load import load_dataset
    >>> reconciliation_table(load_dataset("data/cdnow")).iloc[0].to_dict()["rows read"]   # doctest: +SKIP
    6919
    """
    _ = translator(lang)
    rows = []
    for name, counts in dataset.reconciliation.items():
        dropped = counts["rows_dropped"]
        row = {
            _("table"): table_name(name, lang),
            _("rows read"): counts["rows_read"],
            _("rows dropped"): sum(dropped.values()),
            _("rows kept"): counts["rows_kept"],
            _("of which returns"): counts["rows_returns"],
            _("rows flagged"): sum(counts["rows_flagged"].values()),
            _("main reason for dropping"): translate_term(max(dropped, key=dropped.get), "quality check", _) if dropped else "",
        }
        if "amount_read" in counts:
            row.update({_("amount read"): counts["amount_read"], _("amount kept"): counts["amount_kept"],
                        _("amount of returns"): counts["amount_returns"],
                        _("amount dropped"): sum(counts["amount_dropped"].values())})
        rows.append(row)
    return pd.DataFrame(rows)


def reconciliation_sentences(dataset: Dataset, lang: str = "en") -> list[str]:
    """The reconciliation in words: rows read, analysed and dropped, and where the money went.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.
    lang : str, optional
        Language of the sentences; default ``"en"``.

    Returns
    -------
    list of str
        The rows sentence, then the amounts sentence when the transactions' amounts were counted.
    """
    _ = translator(lang)
    tables = dataset.reconciliation.values()
    read, kept = sum(t["rows_read"] for t in tables), sum(t["rows_kept"] for t in tables)
    returns = sum(t["rows_returns"] for t in tables)
    dropped = sum(sum(t["rows_dropped"].values()) for t in tables)
    out = [_("**What we read → what we analysed.** {read:,} rows read, {kept:,} analysed ({returns:,} of them "
             "returns kept apart), {dropped:,} dropped; every row is counted once.").format(
        read=read, kept=kept, returns=returns, dropped=dropped)]
    money = dataset.reconciliation.get("transactions", {})
    if "amount_read" in money:
        out.append(_("Transactions: {read} read = {kept} in purchases {returns} in returns {dropped} dropped "
                     "({currency}).").format(
            read=f"{money['amount_read']:,.2f}", kept=f"{money['amount_kept']:,.2f}",
            returns=f"{money['amount_returns']:+,.2f}", dropped=f"{sum(money['amount_dropped'].values()):+,.2f}",
            currency=dataset.currency))
    return out


TABLE_NAMES = {"transactions": NC_("table", "transactions"), "customers": NC_("table", "customers"),
               "feedback": NC_("table", "feedback"), "marketing_spend": NC_("table", "marketing spend"),
               "returns": NC_("table", "returns"), "touchpoints": NC_("table", "touchpoints"),
               "products": NC_("table", "products")}


def table_name(name: str, lang: str = "en") -> str:
    """A table in words: the canonical name in English, 交易/客户/… in Chinese.

    Parameters
    ----------
    name : str
        The canonical table name, e.g. ``"marketing_spend"``.
    lang : str, optional
        Language of the name; default ``"en"``.

    Returns
    -------
    str
        The table's name in ``lang`` (``name`` itself when unknown).
    """
    return pgettext(lang, "table", TABLE_NAMES.get(name, name))


def concerns(dataset: Dataset, summary: pd.DataFrame, lang: str = "en") -> list[str]:
    """Plain sentences on what an analyst should check before trusting the analyses.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.
    summary : frame
        One row per buyer with ``frequency`` (repeat purchase days), e.g. ``customer_summary``.
    lang : str, optional
        Language of the sentences, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    list of str
        The sentences: dropped rows, gaps and an incomplete last month, one-time buyers, returns,
        extreme orders, the dataset's warnings and missing tables.

    Example
    -------
    >>> ds = load_dataset("data/sample")                                                  # doctest: +SKIP
    >>> concerns(ds, customer_summary(ds.transactions, ds.analysis_date), lang="zh")[0]  # doctest: +SKIP
    '15% 的买家只在一天购买过；他们的细分和流失结果仅基于一次购买。'
    """
    notes: list[str] = []
    for name, counts in dataset.quality_summary.items():
        read = counts.get("rows_read", 0)
        dropped = sum(counts.get("dropped", {}).values())
        if read and dropped / read > 0.01:
            worst = max(counts["dropped"], key=counts["dropped"].get)
            notes.append(gettext(lang, "{share:.1%} of the {table} rows were dropped, mostly for “{reason}”: "
                                       "check the export and the column mapping.").format(
                share=dropped / read, table=table_name(name, lang), reason=translate_term(worst, "quality check", translator(lang))))
    coverage = monthly_coverage(dataset)
    if "transactions" in coverage:
        orders = coverage["transactions"]
        orders = orders.loc[orders.ne(0).idxmax():]  # from the first month with orders
        empty = orders[orders == 0]
        if len(empty):
            notes.append(gettext(lang, "{empty} month(s) have no orders at all (first: {index:%Y-%m}): is "
                                       "part of the history missing from the export?").format(empty=len(empty), index=empty.index[0]))
        last_month = orders.iloc[-1]
        typical = orders.iloc[:-1].tail(6).median() if len(orders) > 1 else last_month
        if typical and last_month < 0.5 * typical:
            notes.append(gettext(lang, "The last month ({index:%Y-%m}) has {last_month:,} orders against a "
                                       "typical {typical:,.0f}: it may be incomplete, which would make "
                                       "recent customers look like churners. Consider an earlier analysis "
                                       "date.").format(index=orders.index[-1], last_month=last_month, typical=typical))
    one_time = (summary["frequency"] == 0).mean()
    notes.append(gettext(lang, "{one_time:.0%} of buyers bought on one day only; segment and churn figures "
                               "for them rest on a single purchase.").format(one_time=one_time))
    if len(dataset.returns):
        share = -dataset.returns["amount"].sum() / dataset.transactions["amount"].sum()
        notes.append(gettext(lang, "Returns and refunds equal {share:.1%} of purchase revenue (policy: "
                                   "kept apart from purchases, see the README).").format(share=share))
    values = dataset.transactions["amount"]
    extreme = values > values.quantile(0.999) * 5
    if extreme.any():
        notes.append(gettext(lang, "{sum} order(s) exceed five times the 99.9th percentile of order value "
                                   "(largest {values_max:,.2f} {currency}): check for test orders or typos.").format(sum=int(extreme.sum()), values_max=values.max(), currency=dataset.currency))
    notes += [w.text(lang) if hasattr(w, "text") else str(w) for w in dataset.warnings]
    notes += [gettext(lang, "No {table} table: the analyses that need it will say so and skip that part.").format(
        table=table_name(name, lang)) for name in ("customers", "feedback", "marketing_spend") if not dataset.has(name)]
    return notes
