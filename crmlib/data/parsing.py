"""Turn the cells of real exports into numbers and dates.

Example
-------
>>> import pandas as pd
>>> parse_amounts(pd.Series(["¥1,234.50", "(12.00)", "RMB 8", "n/a"])).values.tolist()
[1234.5, -12.0, 8.0, nan]
>>> parse_dates(pd.Series(["2024年3月5日", "2024年12月31日"])).dt.strftime("%Y-%m-%d").tolist()
['2024-03-05', '2024-12-31']
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

CURRENCY_PATTERN = re.compile(r"[¥￥$€£]|RMB|CNY|USD|EUR|GBP|HKD|元|圆", re.IGNORECASE)

DATE_FORMATS = (
    "ISO8601",
    "%Y%m%d",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y-%m",
)


def parse_amounts(values: pd.Series, decimal: str = ".") -> pd.Series:
    """Parse money cells like ``¥1,234.50``, ``(12.00)`` or ``1.234,50`` (decimal=",").

    Returns float64 with NaN where a cell cannot be read (blank cells stay NaN too).
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("string").str.strip()
    text = text.str.replace(CURRENCY_PATTERN, "", regex=True)
    text = text.str.replace("\u2212", "-", regex=False).str.replace("，", ",", regex=False)
    negative = text.str.match(r"^\(.*\)$", na=False)
    text = text.str.strip("() ")
    thousands = "." if decimal == "," else ","
    text = text.str.replace(thousands, "", regex=False).str.replace(r"\s", "", regex=True)
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    number = pd.to_numeric(text, errors="coerce").astype("float64")
    return number.where(~negative.to_numpy(), -number)


def _try_format(sample: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(sample, format=fmt, errors="coerce")


def guess_date_format(values: pd.Series) -> tuple[str | None, list[str]]:
    """Pick the format that parses most of a sample of ``values``.

    Returns the format (None if nothing parses) and the other formats that parse the
    sample equally well (an ambiguity such as day-first vs month-first).
    """
    sample = values.dropna().astype(str).str.strip()
    sample = sample[sample != ""].drop_duplicates().head(500)
    if sample.empty:
        return None, []
    scores = {fmt: _try_format(sample, fmt).notna().mean() for fmt in DATE_FORMATS}
    best = max(scores.values())
    if best == 0:
        return None, []
    winners = [fmt for fmt, score in scores.items() if score == best]
    return winners[0], winners[1:]


def parse_dates(values: pd.Series, date_format: str | None = None) -> pd.Series:
    """Parse date cells with ``date_format`` or the best guessed format; NaT where unreadable.

    Already-typed datetimes (Excel, Parquet) pass through; 8-digit integers are read as
    ``%Y%m%d`` and other numbers as Excel serial days.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        result = pd.to_datetime(values)
        return result.dt.tz_localize(None) if result.dt.tz is not None else result
    if pd.api.types.is_numeric_dtype(values):
        if values.dropna().between(19000101, 21001231).all():
            values = values.astype("Int64").astype("string")
        else:
            return pd.to_datetime(values, unit="D", origin="1899-12-30", errors="coerce")
    if values.dtype == object:
        as_datetime = values.map(lambda v: isinstance(v, pd.Timestamp | np.datetime64))
        if as_datetime.any() and as_datetime[values.notna()].all():
            return pd.to_datetime(values)
    text = values.astype("string").str.strip()
    fmt = date_format or guess_date_format(text)[0]
    if fmt is None:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    parsed = _try_format(text, fmt)
    return parsed.astype("datetime64[ns]")
