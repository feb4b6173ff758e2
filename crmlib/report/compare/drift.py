"""Data drift between two runs: analysis date, rows per table, date ranges, columns, input files.

Read from the manifests: ``dataset.files`` (sha256 per input file), ``dataset.profile`` (rows,
columns and date range per table, see :mod:`crmlib.report.compare.profile`), falling back to
``data_quality.json`` (00_data_quality) and the manifest's transaction count for the rows
when an older run has no profile.

Example
-------
>>> file_changes({"orders.csv": "aa", "old.csv": "bb"}, {"orders.csv": "cc", "new.csv": "dd"})
[{'file': 'orders.csv', 'change': 'changed'}, {'file': 'new.csv', 'change': 'added'}, {'file': 'old.csv', 'change': 'removed'}]
"""

from __future__ import annotations

from crmlib.report.compare.runs import RunFolder

TABLES = ("transactions", "customers", "feedback", "marketing_spend", "touchpoints")
"""Tables listed first, in this order; any other table a run recorded follows."""


def table_profile(run: RunFolder) -> dict[str, dict]:
    """Table -> ``rows`` (and ``columns``, ``date_min``, ``date_max`` when the run recorded them).

    Parameters
    ----------
    run : RunFolder
        The run whose manifest profile (or ``data_quality.json``) is read.

    Returns
    -------
    dict of str to dict
        One entry per table the run recorded; empty when it recorded none.
    """
    profile = (run.dataset.get("profile") or {}).get("tables")
    if profile:
        return profile
    quality = (run.json("data_quality.json") or {}).get("tables") or {}
    out = {name: {"rows": int(t["rows_kept"])} for name, t in quality.items() if "rows_kept" in t}
    if "transactions" not in out and isinstance(run.dataset.get("transactions"), int):
        out["transactions"] = {"rows": run.dataset["transactions"]}
    return out


def file_changes(then: dict[str, str], now: dict[str, str]) -> list[dict]:
    """Input files ``changed``, ``unchanged``, ``added`` or ``removed`` between two runs (by sha256).

    Parameters
    ----------
    then : dict of str to str
        The earlier run's input files: name -> sha256.
    now : dict of str to str
        The later run's input files: name -> sha256.

    Returns
    -------
    list of dict
        ``file`` and ``change``: the later run's files first, then the removed ones.
    """
    rows = [{"file": f, "change": "unchanged" if then[f] == h else "changed"} for f, h in now.items() if f in then]
    rows += [{"file": f, "change": "added"} for f in now if f not in then]
    rows += [{"file": f, "change": "removed"} for f in then if f not in now]
    return rows


def data_drift(then: RunFolder, now: RunFolder) -> dict:
    """``analysis_date``, ``tables`` (rows, date range, columns added/missing per table),
    ``files`` and ``fingerprint`` (then/now) of the two runs' datasets.

    Parameters
    ----------
    then : RunFolder
        The earlier run.
    now : RunFolder
        The later run.

    Returns
    -------
    dict
        The keys above plus ``inputs_unchanged`` (True when every input file is unchanged).
    """
    before, after = table_profile(then), table_profile(now)
    tables = []
    for name in [t for t in TABLES if t in before or t in after] + sorted((set(before) | set(after)) - set(TABLES)):
        a, b = before.get(name) or {}, after.get(name) or {}
        columns_then, columns_now = a.get("columns"), b.get("columns")
        known = columns_then is not None and columns_now is not None
        tables.append({
            "table": name, "rows_then": a.get("rows"), "rows_now": b.get("rows"),
            "rows_change": (b["rows"] - a["rows"]) if "rows" in a and "rows" in b else None,
            "date_min_then": a.get("date_min"), "date_max_then": a.get("date_max"),
            "date_min_now": b.get("date_min"), "date_max_now": b.get("date_max"),
            "columns_added": sorted(set(columns_now) - set(columns_then)) if known else None,
            "columns_missing": sorted(set(columns_then) - set(columns_now)) if known else None,
        })
    files = file_changes(then.dataset.get("files") or {}, now.dataset.get("files") or {})
    return {"analysis_date": {"then": then.analysis_date, "now": now.analysis_date},
            "tables": tables, "files": files,
            "inputs_unchanged": bool(files) and all(f["change"] == "unchanged" for f in files),
            "fingerprint": {"then": then.dataset.get("fingerprint"), "now": now.dataset.get("fingerprint")}}
