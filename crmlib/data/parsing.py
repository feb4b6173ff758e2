"""Turn the cells of real exports into ids, numbers and dates — as engine (Ibis) expressions.

Each parser takes an Ibis column of raw cells and returns the parsed column; NULL marks a
value that is missing (blank or one of ``na_values``) or unreadable, and the loader tells the
two apart by comparing with the raw cell. The same expressions run on any Ibis backend.

- **Amounts**: currency signs and words (¥ ￥ $ € £ RMB CNY 元 …), ``(12.00)`` for negatives,
  thousands separators that group by three (``1,234,567.5``; ``1 000``); ``decimal=","`` reads
  ``1.234,50``. Anything else (``1,2,3``, ``12abc``) is unreadable, never a number.
- **Dates**: every value is read by its own shape — ISO, ``2024/3/5 14:02``, ``2024.03.05``,
  ``2024年1月14日 08:03``, ``05/03/2024`` (day or month first, decided for the whole column from
  values such as ``31/12/2024``; when no value decides, :class:`AmbiguousDates` asks for
  ``date_format``), ``20240305``, month names, Excel serial days and epoch seconds.

Example
-------
>>> import pandas as pd
>>> parse_amounts(pd.Series(["¥1,234.50", "(12.00)", "RMB 8", "n/a", "1,2,3"])).tolist()
[1234.5, -12.0, 8.0, nan, nan]
>>> parse_dates(pd.Series(["2024年3月5日", "2024/12/31 08:00", "45292"])).dt.strftime("%Y-%m-%d").tolist()
['2024-03-05', '2024-12-31', '2024-01-01']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ibis
import pandas as pd
import pyarrow as pa

from crmlib.engine import default_engine
from crmlib.engine.functions import trim_spaces, try_parse_timestamp

NA_VALUES = ("", "NULL", "null", "Null", "nan", "NaN", "NAN", "N/A", "n/a", "NA", "#N/A", "-", "None",
             "none", "无", "空")
CURRENCY = r"[¥￥$€£]|RMB|CNY|USD|EUR|GBP|HKD|元|圆"
CURRENCY_WORDS = ("RMB", "CNY", "USD", "EUR", "GBP", "HKD")
TRUE_WORDS = ("1", "true", "yes", "y", "t", "是", "已流失", "churned")
FALSE_WORDS = ("0", "false", "no", "n", "f", "否", "未流失", "active")
EXCEL_SERIAL_RANGE = (20000, 80000)  # 1954-10 .. 2119-01
EPOCH_RANGE = (1e8, 4.2e9)  # 1973 .. 2103, seconds


# --- cells ----------------------------------------------------------------------------------

def is_text(column: ibis.Value) -> bool:
    """Whether ``column`` is a string column.

    Parameters
    ----------
    column : ibis.Value
        Any Ibis column.

    Returns
    -------
    bool
        True for a string type.
    """
    return column.type().is_string()


def text_cells(column: ibis.Value, na_values: Sequence[str] = NA_VALUES) -> ibis.Value:
    """Cells as stripped text; NULL for blanks and ``na_values``.

    Parameters
    ----------
    column : ibis.Value
        Column of cells; a non-string column is cast to text first.
    na_values : sequence of str, optional
        Cell texts meaning missing (matched after stripping); default :data:`NA_VALUES`;
        empty blanks only empty cells.

    Returns
    -------
    ibis.Value
        String column: the stripped cells, NULL where blank or missing.
    """
    text = column if is_text(column) else column.cast("string")
    text = trim_spaces(text)
    if not na_values:
        return text.nullif("")
    missing = sorted(set(na_values) | {""})
    # a length test first: most cells are longer than every missing-value word, and it is far
    # cheaper than looking the cell up in the list
    short = text.length() <= max(len(v) for v in missing)
    return ibis.cases((short & text.isin(missing), ibis.null("string")), else_=text)


def parse_ids(column: ibis.Value, na_values: Sequence[str] = NA_VALUES) -> ibis.Value:
    """Ids as text; Excel's ``1001.0`` or ``1001.00`` becomes ``1001`` (an id is a label, not a number).

    Parameters
    ----------
    column : ibis.Value
        Column of raw cells (text, or typed by Excel/Parquet).
    na_values : sequence of str, optional
        Cell texts meaning missing (after stripping); default :data:`NA_VALUES`.

    Returns
    -------
    ibis.Value
        String column of ids, NULL where missing.
    """
    if column.type().is_floating():
        whole = column.notnull() & (column == column.floor())
        column = ibis.cases((whole, column.cast("int64").cast("string")), else_=column.cast("string"))
    text = text_cells(column, na_values)
    # any all-zero decimal tail: 1001.0, 1001.00 … (the pattern only where a "." can make it match)
    return ibis.cases((text.contains("."), text.re_replace(r"^(\d+)\.0+$", r"\1")), else_=text)


def parse_text(column: ibis.Value) -> ibis.Value:
    """Free text, stripped; blank cells are NULL.

    Parameters
    ----------
    column : ibis.Value
        Column of raw cells (text, or typed by Excel/Parquet).

    Returns
    -------
    ibis.Value
        String column; ``na_values`` are kept as text.
    """
    return text_cells(column, ())


def parse_amount_cells(column: ibis.Value, decimal: str = ".", na_values: Sequence[str] = NA_VALUES) -> ibis.Value:
    """Money cells as float64 (see the module docstring); NULL when missing or unreadable.

    Parameters
    ----------
    column : ibis.Value
        Column of raw cells; a numeric column is cast to float64 as it is.
    decimal : {".", ","}, optional
        The decimal mark; ``","`` reads ``1.234,50``. Default ``"."``.
    na_values : sequence of str, optional
        Cell texts meaning missing (after stripping); default :data:`NA_VALUES`.

    Returns
    -------
    ibis.Value
        float64 column of amounts.
    """
    if column.type().is_numeric():
        return column.cast("float64")
    text = text_cells(column, na_values)
    return amount_from_written(amount_plain(text, decimal), amount_written(text, decimal), decimal)


QUICK_AMOUNT = r"^-?[¥￥]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$"  # ¥1,234.50, -¥99.00: read without the replacements


def amount_plain(text: ibis.Value, decimal: str = ".") -> ibis.Value:
    """Step 1 of 2 for clean text cells: the value when the cell is a plain number or has the most
    common written shape (:data:`QUICK_AMOUNT`: a leading ``-``, ``¥`` and commas grouping by three),
    else NULL.

    The common shape gives the value :func:`amount_written` and :func:`amount_from_written` would
    give, with one pattern test instead of their chain of replacements (every amount of a Chinese
    export is written ``¥1,234.50``).

    Parameters
    ----------
    text : ibis.Value
        String column of clean cells (:func:`text_cells`).
    decimal : {".", ","}, optional
        The decimal mark; with ``","`` no cell counts as plain. Default ``"."``.

    Returns
    -------
    ibis.Value
        float64 column; NULL for cells that are neither plain numbers nor of the common shape, or infinite.

    >>> import pandas as pd
    >>> cells = ibis.memtable(pd.DataFrame({"v": ["12.5", "-¥1,234.50", "¥1,2,3", "RMB 8"]}))
    >>> default_engine().to_pandas(cells.select(x=amount_plain(cells.v)))["x"].tolist()
    [12.5, -1234.5, nan, nan]
    """
    if decimal != ".":
        return ibis.null("float64")
    plain = text.try_cast("float64").nullif(float("inf")).nullif(float("-inf"))
    digits = text.replace("¥", "").replace("￥", "").replace(",", "")
    quick = ibis.cases((text.re_search(QUICK_AMOUNT), digits.try_cast("float64")), else_=ibis.null("float64"))
    return ibis.coalesce(plain, quick.nullif(float("inf")).nullif(float("-inf")))


def amount_written(text: ibis.Value, decimal: str = ".") -> ibis.Value:
    """Step 1 of 2: cells that are not plain numbers without currency signs and words (else NULL).

    One linear chain of string replacements, so the SQL stays small.

    Parameters
    ----------
    text : ibis.Value
        String column of clean cells (:func:`text_cells`).
    decimal : {".", ","}, optional
        The decimal mark (not used by this step). Default ``"."``.

    Returns
    -------
    ibis.Value
        String column: the cells without currency signs and words, ``−`` as ``-``, ``，`` as
        ``,``, stripped.
    """
    for sign, by in (("¥", ""), ("￥", ""), ("$", ""), ("€", ""), ("£", ""), ("元", ""), ("圆", ""),
                     ("\u2212", "-"), ("，", ",")):
        text = text.replace(sign, by)
    for word in CURRENCY_WORDS:
        text = text.replace(word, "").replace(word.lower(), "")
    return trim_spaces(text)


def amount_from_written(plain: ibis.Value, written: ibis.Value, decimal: str = ".") -> ibis.Value:
    """Step 2 of 2: the plain value, else the written one read with separators grouping by three
    and parentheses for negatives (``1,2,3`` and other shapes are NULL, never a number).

    Parameters
    ----------
    plain : ibis.Value
        float64 column from :func:`amount_plain`.
    written : ibis.Value
        String column from :func:`amount_written`.
    decimal : {".", ","}, optional
        The decimal mark, default ``"."``; the other of ``.``/``,``, a space, no-break space
        or ``'`` may group thousands.

    Returns
    -------
    ibis.Value
        float64 column: ``plain`` where given, else the written value; NULL when unreadable.
    """
    group, point = ("[. \u00a0']", ",") if decimal == "," else ("[, \u00a0']", r"\.")
    number = rf"[+-]? *(\d{{1,3}}({group}\d{{3}})+|\d+)({point}\d+)?([eE][+-]?\d+)?|[+-]?{point}\d+"
    valid = written.re_search(rf"^({number})$|^\( *({number}) *\)$")
    negative = written.startswith("(")
    digits = written.replace("(", "").replace(")", "").replace(" ", "").replace("\u00a0", "").replace("'", "")
    digits = digits.replace(",", "") if decimal == "." else digits.replace(".", "").replace(",", ".")
    value = ibis.cases((valid, digits.try_cast("float64")), else_=ibis.null("float64"))
    value = (value * ibis.cases((negative, -1.0), else_=1.0)).nullif(float("inf")).nullif(float("-inf"))
    return ibis.coalesce(plain, value)


def parse_numbers(column: ibis.Value, na_values: Sequence[str] = NA_VALUES) -> ibis.Value:
    """Plain numbers (quantities, ratings, years) as float64; NULL when missing or unreadable.

    Parameters
    ----------
    column : ibis.Value
        Column of raw cells (every ``,`` dropped); a numeric column is cast.
    na_values : sequence of str, optional
        Cell texts meaning missing (after stripping); default :data:`NA_VALUES`.

    Returns
    -------
    ibis.Value
        float64 column.
    """
    if column.type().is_numeric():
        return column.cast("float64")
    return text_cells(column, na_values).replace(",", "").try_cast("float64")


def parse_bools(column: ibis.Value, na_values: Sequence[str] = NA_VALUES) -> ibis.Value:
    """Yes/no cells (1/0, true/false, 是/否, churned/active) as booleans; NULL otherwise.

    Parameters
    ----------
    column : ibis.Value
        Column of raw cells, matched case-insensitively; a boolean column is kept.
    na_values : sequence of str, optional
        Cell texts meaning missing (after stripping); default :data:`NA_VALUES`.

    Returns
    -------
    ibis.Value
        boolean column: :data:`TRUE_WORDS` true, :data:`FALSE_WORDS` false.
    """
    if column.type().is_boolean():
        return column
    text = text_cells(column, na_values).lower()
    return ibis.cases((text.isin(list(TRUE_WORDS)), True), (text.isin(list(FALSE_WORDS)), False),
                      else_=ibis.null("boolean"))


# --- dates ----------------------------------------------------------------------------------

TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
TIMES = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S.%f", "T%H:%M", "T%H:%M:%S", "T%H:%M:%S.%f")


def _with_times(day: str) -> list[str]:
    return [day + t for t in TIMES]


@dataclass(frozen=True)
class Shape:
    """One way dates are written: a pattern and the strftime formats that read it."""

    name: str
    example: str
    pattern: re.Pattern
    formats: tuple[str, ...] = ()
    numeric: str | None = None  # "serial" (Excel days) or "epoch" (seconds since 1970)


SHAPES = (
    Shape("ISO", "2024-03-05", re.compile(rf"^\d{{4}}-\d{{1,2}}-\d{{1,2}}{TIME}$"), tuple(_with_times("%Y-%m-%d"))),
    Shape("year/month/day", "2024/3/5 14:02", re.compile(rf"^\d{{4}}/\d{{1,2}}/\d{{1,2}}{TIME}$"),
          tuple(_with_times("%Y/%m/%d"))),
    Shape("year.month.day", "2024.03.05", re.compile(rf"^\d{{4}}\.\d{{1,2}}\.\d{{1,2}}{TIME}$"),
          tuple(_with_times("%Y.%m.%d"))),
    Shape("Chinese", "2024年1月14日 08:03", re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日\s*(\d{1,2}:\d{2}(:\d{2})?)?$"),
          ("%Y年%m月%d日", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日%H:%M", "%Y年%m月%d日%H:%M:%S")),
    Shape("Chinese month", "2024年1月", re.compile(r"^\d{4}年\d{1,2}月$"), ("%Y年%m月",)),
    Shape("yyyymmdd", "20240305", re.compile(r"^(19|20|21)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$"), ("%Y%m%d",)),
    Shape("yyyymmddHHMMSS", "20240305140200", re.compile(r"^(19|20|21)\d{12}$"), ("%Y%m%d%H%M%S",)),
    Shape("year-month", "2024-03", re.compile(r"^\d{4}[-/]\d{1,2}$"), ("%Y-%m", "%Y/%m")),
    Shape("day month-name year", "5 Mar 2024", re.compile(r"^\d{1,2}[ -][A-Za-z]{3,9}\.?[ -]\d{4}" + TIME + "$"),
          ("%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%d-%B-%Y", "%d %b %Y %H:%M", "%d-%b-%Y %H:%M",
           "%d %b %Y %H:%M:%S", "%d-%b-%Y %H:%M:%S")),
    Shape("month-name day year", "Mar 5, 2024", re.compile(r"^[A-Za-z]{3,9}\.? \d{1,2},? \d{4}$"),
          ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y")),
    Shape("Excel serial day", "45292", re.compile(r"^\d{5}(\.\d+)?$"), numeric="serial"),
    Shape("epoch seconds", "1709647320", re.compile(r"^\d{9,10}$"), numeric="epoch"),
)
DAY_MONTH = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})((?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)$")


class AmbiguousDates(ValueError):
    """Day-first and month-first both read every value (``01/02/2024``): the user must say which.

    Parameters
    ----------
    separator : str
        The separator of the ambiguous values (``/``, ``.`` or ``-``).
    examples : list of str
        Values to show the user; the first three go into the message.
    mixed : bool, optional
        True when the column holds both day-first and month-first values. Default False.
    """

    def __init__(self, separator: str, examples: list[str], mixed: bool = False):
        self.separator, self.examples, self.mixed = separator, examples, mixed
        super().__init__(f"day and month order cannot be told apart in {examples[:3]}")


@dataclass
class DatePlan:
    """How a column of date cells is read: strftime formats plus the numeric readings."""

    formats: list[str] = field(default_factory=list)
    serial: bool = False
    epoch: bool = False
    shapes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.formats or self.serial or self.epoch)


def _day_month_formats(sep: str, day_first: bool, two_digit_year: bool) -> list[str]:
    year = "%y" if two_digit_year else "%Y"
    day = f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"
    return [day, day + " %H:%M", day + " %H:%M:%S", day + "T%H:%M", day + "T%H:%M:%S"]


def plan_dates(values: Iterable[str], day_first: bool | None = None) -> DatePlan:
    """Which formats read ``values`` (distinct raw cells): each value by its shape.

    Parameters
    ----------
    values : iterable of str
        Distinct raw cells; None values are skipped.
    day_first : bool, optional
        Day/month order of ``05/03/2024``-like values; None decides it from values like ``31/12``.

    Returns
    -------
    DatePlan
        The formats and numeric readings of every shape seen, with the shapes' names.

    Raises
    ------
    AmbiguousDates
        When day/month order is undecidable and ``day_first`` is None.

    >>> plan_dates(["05/03/2024", "31/12/2024"]).formats[0]
    '%d/%m/%Y'
    """
    plan = DatePlan()
    day_month: dict[tuple[str, bool], list[tuple[int, int, str]]] = {}
    for value in values:
        if value is None:
            continue
        value = str(value).strip()
        match = DAY_MONTH.match(value)
        if match:
            first, sep, second, year = match.group(1), match.group(2), match.group(3), match.group(4)
            day_month.setdefault((sep, len(year) == 2), []).append((int(first), int(second), value))
            continue
        for shape in SHAPES:
            if shape.pattern.match(value):
                if shape.name not in plan.shapes:
                    plan.shapes.append(shape.name)
                    plan.formats += list(shape.formats)
                    plan.serial |= shape.numeric == "serial"
                    plan.epoch |= shape.numeric == "epoch"
                break
    for (sep, short), parts in day_month.items():
        firsts_day = any(a > 12 for a, _, _ in parts)
        seconds_day = any(b > 12 for _, b, _ in parts)
        if day_first is not None:
            order = day_first
        elif firsts_day and seconds_day:  # 13/01 and 01/13 in one column: 05/03 could be either
            mixed = [next(v for a, _, v in parts if a > 12), next(v for _, b, v in parts if b > 12)]
            raise AmbiguousDates(sep, mixed + [v for a, b, v in parts if a <= 12 and b <= 12][:3], mixed=True)
        elif firsts_day or seconds_day:
            order = firsts_day
        else:
            raise AmbiguousDates(sep, [v for _, _, v in parts[:5]])
        plan.formats += _day_month_formats(sep, order, short)
        plan.shapes.append(f"{'day' if order else 'month'}{sep}{'month' if order else 'day'}{sep}year")
    return plan


def parse_date_cells(column: ibis.Value, plan: DatePlan, na_values: Sequence[str] = NA_VALUES) -> ibis.Value:
    """Date cells read by ``plan`` (see :func:`plan_dates`) as timestamps; NULL when unreadable.

    Parameters
    ----------
    column : ibis.Value
        Column of raw cells; timestamps and dates are kept, numbers read as serial days or digits.
    plan : DatePlan
        The formats and numeric readings to try, first match wins.
    na_values : sequence of str, optional
        Cell texts meaning missing (after stripping); default :data:`NA_VALUES`.

    Returns
    -------
    ibis.Value
        timestamp column.
    """
    if column.type().is_timestamp():
        return column.cast("timestamp")
    if column.type().is_date():
        return column.cast("timestamp")
    if column.type().is_numeric():
        if plan.serial or not plan.formats:
            return _serial_days(column.cast("float64"))
        column = column.cast("int64").cast("string")
    text = text_cells(column, na_values)
    parts = []
    if plan.formats:
        parts.append(try_parse_timestamp(text, plan.formats))
    if plan.serial:
        number = ibis.cases((text.re_search(r"^\d{5}(\.\d+)?$"), text.try_cast("float64")), else_=ibis.null("float64"))
        parts.append(_serial_days(number))
    if plan.epoch:
        number = ibis.cases((text.re_search(r"^\d{9,10}$"), text.try_cast("int64")), else_=ibis.null("int64"))
        low, high = EPOCH_RANGE
        number = ibis.cases(((number >= low) & (number <= high), number), else_=ibis.null("int64"))
        parts.append(number.as_timestamp("s").cast("timestamp"))
    if not parts:
        return ibis.null("timestamp")
    return ibis.coalesce(*parts) if len(parts) > 1 else parts[0]


def _serial_days(number: ibis.Value) -> ibis.Value:
    low, high = EXCEL_SERIAL_RANGE
    seconds = ((number - 25569.0) * 86400.0).round().cast("int64")
    valid = (number >= low) & (number <= high)
    return ibis.cases((valid, seconds.as_timestamp("s").cast("timestamp")), else_=ibis.null("timestamp"))


def declared_plan(date_format: str | Sequence[str]) -> DatePlan:
    """The plan for a declared ``date_format`` (one format or a list): those formats only.

    Parameters
    ----------
    date_format : str or sequence of str
        strftime formats; ``excel``/``serial``, ``epoch``/``unix`` and ``ISO8601`` are also read.

    Returns
    -------
    DatePlan
        Those formats, with ``shapes`` the formats as given.
    """
    formats = [date_format] if isinstance(date_format, str) else list(date_format)
    plan = DatePlan()
    for fmt in formats:
        if fmt.lower() in ("excel", "serial"):
            plan.serial = True
        elif fmt.lower() in ("epoch", "unix"):
            plan.epoch = True
        elif fmt.upper() == "ISO8601":
            plan.formats += SHAPES[0].formats
        else:
            plan.formats.append(fmt)
    plan.shapes = formats
    return plan


def describe_shapes() -> str:
    """The date shapes read without ``date_format``, for messages.

    Returns
    -------
    str
        Comma-separated examples, e.g. ``"2024-03-05, 2024/3/5 14:02, …"``.
    """
    return ", ".join(s.example for s in SHAPES if not s.numeric) + ", 05/03/2024, Excel serial days, epoch seconds"


# --- pandas entry points (unit tests, notebooks) --------------------------------------------

def _run(values: pd.Series, build) -> pd.Series:
    engine = default_engine()
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        array = pa.array(values.astype("float64"), from_pandas=True)
    elif pd.api.types.is_datetime64_any_dtype(values):
        array = pa.array(pd.to_datetime(values).dt.tz_localize(None) if values.dt.tz is not None else values)
    else:
        array = pa.array([None if pd.isna(v) else str(v) for v in values], pa.string())
    table = engine.table(pa.table({"v": array}))
    result = engine.to_pandas(table.select(out=build(table.v)))["out"]
    result.index = values.index
    return result


def parse_amounts(values: pd.Series, decimal: str = ".") -> pd.Series:
    """:func:`parse_amount_cells` on a pandas Series (float64, NaN where missing or unreadable).

    Parameters
    ----------
    values : Series
        Money cells as text or numbers.
    decimal : {".", ","}, optional
        The decimal mark; ``","`` reads ``1.234,50``. Default ``"."``.

    Returns
    -------
    Series
        float64 amounts, on the index of ``values``.
    """
    return _run(values, lambda c: parse_amount_cells(c, decimal)).astype("float64")


def parse_dates(values: pd.Series, date_format: str | Sequence[str] | None = None) -> pd.Series:
    """Date cells of a pandas Series read as :func:`plan_dates` decides (or ``date_format``); NaT where unreadable.

    Parameters
    ----------
    values : Series
        Date cells as text, numbers (``20240305`` or serial days) or datetimes.
    date_format : str or sequence of str, optional
        Formats as for :func:`declared_plan`; None plans from up to 20,000 distinct values.

    Returns
    -------
    Series
        datetime64[ns] values (time zones dropped), on the index of ``values``.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        result = pd.to_datetime(values)
        return (result.dt.tz_localize(None) if result.dt.tz is not None else result).astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.dropna()
        if len(numbers) and numbers.between(19000101, 21001231).all():
            values = values.astype("Int64").astype("string")
    if date_format:
        plan = declared_plan(date_format)
    else:
        distinct = pd.unique(values.dropna().astype(str).str.strip())
        plan = plan_dates(distinct[:20000])
    return _run(values, lambda c: parse_date_cells(c, plan)).astype("datetime64[ns]")


def guess_date_format(values: pd.Series) -> tuple[str | None, list[str]]:
    """The first format that reads ``values`` and, when day/month order is undecided, the other order.

    Parameters
    ----------
    values : Series
        Date cells; up to 20,000 distinct stripped values are planned from.

    Returns
    -------
    tuple of (str or None, list of str)
        The first format (None when none fits) and, when undecided, the other day/month order;
        else the plan's second format, if any.

    >>> guess_date_format(pd.Series(["01/02/2024", "03/04/2024"]))
    ('%d/%m/%Y', ['%m/%d/%Y'])
    """
    distinct = pd.unique(values.dropna().astype(str).str.strip())
    try:
        plan = plan_dates(distinct[:20000])
    except AmbiguousDates as exc:
        sep = exc.separator
        return f"%d{sep}%m{sep}%Y", [f"%m{sep}%d{sep}%Y"]
    return (plan.formats[0] if plan.formats else None), plan.formats[1:2]


__all__ = ["NA_VALUES", "AmbiguousDates", "DatePlan", "plan_dates", "declared_plan", "parse_ids", "parse_text",
           "parse_amount_cells", "parse_numbers", "parse_bools", "parse_date_cells", "parse_amounts",
           "parse_dates", "guess_date_format", "text_cells", "describe_shapes"]
