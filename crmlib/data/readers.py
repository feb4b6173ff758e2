"""Read one export file (CSV/TSV, Excel, Parquet) into an Arrow table of raw cells.

Every table carries ``_line``: the row's line number in the file (header = line 1), counted on
the file itself, so a quoted cell holding a line break or a blank line does not shift it; for
Excel it is the sheet's row number. CSV cells stay text; Excel and Parquet cells keep their
types. Input files are opened read-only and never written.

Example
-------
>>> raw = read_raw("data/cdnow/transactions.csv")
>>> raw.table.column_names[:2], raw.table["_line"][0].as_py(), raw.encoding
(['customer_id', 'date'], 2, 'utf-8')
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from crmlib.data.encoding import canonical_encoding, detect_encoding, locate_decode_error
from crmlib.engine.progress import emit
from crmlib.errors import DataError

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
LINE = "_line"
PROGRESS_EVERY = 1_000_000  # rows between progress lines for big files
BLOCK_BYTES = 1 << 24


@dataclass
class RawTable:
    """The raw cells of one source, with each row's file line in ``_line``."""

    table: pa.Table
    encoding: str
    sheet: str | None = None

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.column_names if c != LINE]


def _clean_name(name: object) -> str:
    return str(name).strip().lstrip("\ufeff").strip()


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise DataError("is a folder, not a file", file=path,
                        hint="Point `file:` in dataset.yaml at the export file inside it (e.g. orders.csv).")
    if not path.is_file():
        raise DataError(
            "the file does not exist",
            file=path,
            hint="Check the `file:` entry in dataset.yaml; paths are relative to the dataset folder.",
        )


def record_lines(data: bytes) -> np.ndarray:
    """File line (1-based) on which each non-blank CSV record starts, header first.

    A newline inside a quoted cell does not end a record: a newline ends one only when an even
    number of double quotes precedes it (escaped quotes come in pairs). Valid for UTF-8 and the
    8-bit and double-byte Chinese encodings, whose multi-byte characters never contain the bytes
    of ``"`` or a newline.

    Parameters
    ----------
    data : bytes
        The CSV file's bytes.

    Returns
    -------
    numpy.ndarray
        int line numbers, one per record (header first); blank lines are skipped.

    >>> record_lines(b'a,b\\n1,"x\\ny"\\n\\n2,z\\n').tolist()
    [1, 2, 5]
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 10)
    quotes = np.flatnonzero(raw == 34)
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    starts = np.concatenate(([0], ends + 1))
    starts = starts[starts < len(raw)]
    first = raw[starts]
    second = raw[np.minimum(starts + 1, len(raw) - 1)]
    blank = (first == 10) | ((first == 13) & (second == 10))
    starts = starts[~blank]
    return np.searchsorted(newlines, starts) + 1


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    return max(counts, key=counts.get) if max(counts.values()) > 0 else ","


def progress(message: str) -> None:
    """A progress line for long loads: in the notebook, and under the runner in its log only
    (:func:`crmlib.engine.progress.emit`).

    Parameters
    ----------
    message : str
        The line to show, e.g. ``"orders.csv: 2,000,000 rows read"``.
    """
    emit(message)


def _progress(name: str, rows: int, done: bool = False) -> None:
    progress(f"{name}: {rows:,} rows read{' (done)' if done else ''}")


def read_csv(path: Path, *, encoding: str = "auto", separator: str | None = None) -> RawTable:
    """A CSV/TSV file as text cells; non-UTF-8 encodings are transcoded while reading.

    Parameters
    ----------
    path : Path
        The CSV/TSV file.
    encoding : str, optional
        The file's encoding (utf-8, gbk, cp1252, ...); default ``"auto"`` detects it.
    separator : str, optional
        The field separator; None takes tab for .tsv, else sniffs the header.

    Returns
    -------
    RawTable
        Text cells (header names stripped) plus ``_line``; ``encoding`` is the one used.

    Raises
    ------
    DataError
        When the file is empty, cannot be decoded or has a line with the wrong number of fields.
    """
    data = path.read_bytes()
    if not data.strip():
        raise DataError("the file is empty", file=path, hint="Export the table again.")
    used = detect_encoding(data, path) if encoding == "auto" else canonical_encoding(encoding)
    if used == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        used = "utf-8-sig"
    text_head = _head_text(data, path, used)
    header_line = next((line for line in text_head.splitlines() if line.strip()), "")
    sep = separator or ("\t" if path.suffix.lower() == ".tsv" else _sniff_separator(header_line))
    names = next(csv.reader([header_line], delimiter=sep))
    if used in ("utf-16", "utf-16-le", "utf-16-be"):
        data, used_for_arrow = data.decode(used).encode("utf-8"), "utf-8"
    else:
        used_for_arrow = used
    lines = record_lines(data) if (b'"' in data or b"\n\n" in data or b"\n\r\n" in data) else None
    table = _parse_csv(data, path, used_for_arrow, sep, names, newlines=lines is not None)
    count = table.num_rows
    if count >= PROGRESS_EVERY:
        _progress(path.name, count, done=True)
    if lines is not None and len(lines) - 1 == count:
        line_numbers = lines[1:].astype(np.int64)
    else:  # no quotes, no blank lines: record i is on line i + 2
        line_numbers = np.arange(2, count + 2, dtype=np.int64)
    table = table.rename_columns([_clean_name(c) for c in table.column_names])
    return RawTable(table.append_column(LINE, pa.array(line_numbers)), encoding=used)


def _head_text(data: bytes, path: Path, encoding: str) -> str:
    head = data[:65536]
    try:
        import codecs

        return codecs.getincrementaldecoder(encoding)().decode(head, final=len(data) <= 65536)
    except (UnicodeDecodeError, LookupError) as exc:
        _raise_decode_error(data, path, encoding, exc)
        raise


def _raise_decode_error(data: bytes, path: Path, encoding: str, exc: Exception) -> None:
    line = locate_decode_error(data, encoding) if not isinstance(exc, LookupError) else None
    raise DataError(
        f"cannot be decoded as {encoding}" + (f" (first bad byte on line {line})" if line else f" ({exc})"),
        file=path,
        hint="Set `encoding: auto` in dataset.yaml, or the file's real encoding (utf-8, gbk, cp1252, ...).",
    ) from exc


def _parse_csv(data: bytes, path: Path, encoding: str, sep: str, names: list[str], newlines: bool) -> pa.Table:
    read = pacsv.ReadOptions(encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                             block_size=BLOCK_BYTES)
    malformed = []  # rows whose number of fields is not the header's (pyarrow does not say their line)
    parse = pacsv.ParseOptions(delimiter=sep, newlines_in_values=newlines,
                               invalid_row_handler=lambda row: malformed.append(row) or "error")
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    try:
        reader = pacsv.open_csv(pa.BufferReader(data), read_options=read, parse_options=parse,
                                convert_options=convert)
        batches, rows = [], 0
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if rows // PROGRESS_EVERY > (rows - batch.num_rows) // PROGRESS_EVERY:
                _progress(path.name, rows)
        return pa.Table.from_batches(batches, schema=reader.schema)
    except UnicodeDecodeError as exc:
        _raise_decode_error(data, path, encoding, exc)
        raise
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        message = str(exc).split("\n")[0]
        if "decode" in message.lower() or "utf8" in message.lower() or "utf-8" in message.lower():
            _raise_decode_error(data, path, encoding, exc)
        if malformed:
            row = malformed[0]
            line = line_of_text(data, row.text, encoding)
            raise DataError(
                f"is not a well-formed table: {'line ' + str(line) if line else 'a line'} has {row.actual_columns} "
                f"fields where the header has {row.expected_columns}",
                file=path, rows=[(line, row.text[:200])] if line else [],
                hint="Look for an unquoted separator or line break inside a cell on that line; re-export with "
                "quoting (or fix the line).",
            ) from exc
        raise DataError(
            f"is not a well-formed table: {message}",
            file=path,
            hint="Look for unquoted separators or line breaks inside a cell; re-export with quoting.",
        ) from exc


def line_of_text(data: bytes, text: str, encoding: str) -> int | None:
    """The file line number (header = 1) of the first line of ``data`` that starts with ``text``.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    text : str
        The start of the line to find (as pyarrow reports a bad row).
    encoding : str
        The file's encoding, to encode ``text`` the same way.

    Returns
    -------
    int or None
        The 1-based line number; None when not found or ``text`` cannot be encoded.

    >>> line_of_text(b"a,b\\n1,2\\n3,4,5\\n", "3,4,5", "utf-8")
    3
    """
    try:
        needle = text.encode("utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding)
    except (LookupError, UnicodeError):
        return None
    start = 0
    while needle:
        at = data.find(needle, start)
        if at < 0:
            return None
        if at == 0 or data[at - 1:at] in (b"\n", b"\r"):
            return data.count(b"\n", 0, at) + 1
        start = at + 1
    return None


def _excel_column(values: list) -> pa.Array:
    present = [v for v in values if v is not None and v != ""]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None or v == "" else float(v) for v in values], pa.float64())
    if present and all(isinstance(v, dt.datetime | dt.date) for v in present):
        return pa.array([None if v is None or v == "" else pd.Timestamp(v) for v in values], pa.timestamp("us"))
    return pa.array([None if v is None or v == "" else _cell_text(v) for v in values], pa.string())


def _cell_text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)


def read_excel(path: Path, *, sheet: str | int | None = None) -> RawTable:
    """One sheet of a workbook; with several sheets and no ``sheet``, the first (its name is kept).

    Parameters
    ----------
    path : Path
        The workbook (.xlsx, .xlsm, .xls, .ods).
    sheet : str or int, optional
        Sheet name or 0-based number; None takes the first sheet.

    Returns
    -------
    RawTable
        Typed cells (numbers, timestamps, else text) of the non-blank rows plus ``_line``
        (the sheet's row); ``sheet`` is the sheet's name when the workbook has several.

    Raises
    ------
    DataError
        When the workbook cannot be opened, has no such sheet, or the sheet is empty.
    """
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # corrupt workbook: not a zip, bad XML, ...
        raise DataError(
            f"cannot be opened as an Excel workbook ({type(exc).__name__}: {exc})",
            file=path,
            hint="Open it in Excel and save it again as .xlsx, or export CSV.",
        ) from exc
    names = list(workbook.sheet_names)
    if sheet is None:
        chosen = names[0]
    elif isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise DataError(f"has no sheet number {sheet} (sheets are counted from 0: {names})", file=path,
                            hint="Name an existing sheet in dataset.yaml (sheet: ...).")
        chosen = names[sheet]
    elif str(sheet) in names:
        chosen = str(sheet)
    else:
        raise DataError(f"Worksheet named {str(sheet)!r} not found; the workbook's sheets are {names}",
                        file=path, hint="Name an existing sheet in dataset.yaml (sheet: ...).")
    rows = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(v not in (None, "") for v in row)]
    if not numbered:
        raise DataError(f"sheet {chosen!r} is empty", file=path,
                        hint="Export the table again, or name the sheet holding it (sheet: ...)." +
                        (f" The workbook's sheets are {names}." if len(names) > 1 else ""))
    (_, header), body = numbered[0], numbered[1:]
    width = len(header)
    columns = {}
    for i, name in enumerate(header):
        if name in (None, "") and all(i >= len(r) or r[i] in (None, "") for _, r in body):
            continue
        columns[_clean_name(name if name not in (None, "") else f"Unnamed: {i}")] = _excel_column(
            [r[i] if i < len(r) else None for _, r in body])
    del width
    columns[LINE] = pa.array([n for n, _ in body], pa.int64())
    return RawTable(pa.table(columns), encoding="excel", sheet=chosen if len(names) > 1 else None)


def excel_sheets(path: Path) -> dict[str, list[str]]:
    """Each sheet's header (first non-blank row), for messages that help choose ``sheet:``.

    Parameters
    ----------
    path : Path
        The workbook.

    Returns
    -------
    dict of str to list of str
        Non-blank header names by sheet name (a header is looked for in the first 20 rows).
    """
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).to_python(nrows=20)
        header = next((r for r in rows if any(v not in (None, "") for v in r)), [])
        out[name] = [_clean_name(v) for v in header if v not in (None, "")]
    return out


def read_parquet(path: Path) -> RawTable:
    """A Parquet file as it is typed; ``_line`` counts rows as a spreadsheet would (first row = 2).

    Parameters
    ----------
    path : Path
        The Parquet file.

    Returns
    -------
    RawTable
        The file's columns (names stripped) plus ``_line``; encoding ``"parquet"``.
    """
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise DataError(
            f"cannot be read as Parquet ({type(exc).__name__}: {exc})", file=path,
            hint="Write the file again with pandas/pyarrow, or export CSV.",
        ) from exc
    table = table.rename_columns([_clean_name(c) for c in table.column_names])
    lines = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    return RawTable(table.append_column(LINE, lines), encoding="parquet")


def read_raw(path: str | Path, *, encoding: str = "auto", sheet: str | int | None = None,
             separator: str | None = None) -> RawTable:
    """Read a CSV, Excel or Parquet file into a :class:`RawTable` (see the module docstring).

    Parameters
    ----------
    path : str or Path
        A .csv/.tsv/.txt, .xlsx/.xlsm/.xls/.ods or .parquet/.pq file.
    encoding : str, optional
        CSV only: the file's encoding (utf-8, gbk, cp1252, ...); default ``"auto"`` detects it.
    sheet : str or int, optional
        Excel only: sheet name or 0-based number; None takes the first sheet.
    separator : str, optional
        CSV only: the field separator; None takes tab for .tsv, else sniffs the header.

    Returns
    -------
    RawTable
        The raw cells plus ``_line``, as :func:`read_csv`, :func:`read_excel` or
        :func:`read_parquet` read them.

    Raises
    ------
    DataError
        When the path is missing, a folder, of an unsupported type, or unreadable.
    """
    path = Path(path)
    _check_path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path, encoding=encoding, separator=separator)
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, sheet=sheet)
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(path)
    raise DataError(
        f"has an unsupported file type {suffix!r}",
        file=path,
        hint="Use .csv, .tsv, .txt, .xlsx, .xls or .parquet.",
    )


def read_table_file(path: str | Path, *, encoding: str = "auto", sheet: str | int | None = None,
                    separator: str | None = None) -> pd.DataFrame:
    """:func:`read_raw` as a pandas frame (the detected encoding in ``attrs["encoding"]``).

    Parameters
    ----------
    path : str or Path
        A .csv/.tsv/.txt, .xlsx/.xlsm/.xls/.ods or .parquet/.pq file.
    encoding : str, optional
        CSV only: the file's encoding (utf-8, gbk, cp1252, ...); default ``"auto"`` detects it.
    sheet : str or int, optional
        Excel only: sheet name or 0-based number; None takes the first sheet.
    separator : str, optional
        CSV only: the field separator; None takes tab for .tsv, else sniffs the header.

    Returns
    -------
    frame
        RangeIndex; the file's columns as read (no ``_line``), ``attrs["encoding"]`` set.
    """
    raw = read_raw(path, encoding=encoding, sheet=sheet, separator=separator)
    frame = raw.table.drop_columns([LINE]).to_pandas()
    frame.attrs["encoding"] = raw.encoding
    return frame


__all__ = ["RawTable", "read_raw", "read_table_file", "record_lines", "excel_sheets", "LINE"]
