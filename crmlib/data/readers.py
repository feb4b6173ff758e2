"""Read one export file (CSV, Excel, Parquet) into a raw DataFrame, detecting its encoding.

Input files are opened read-only and never written.

Example
-------
>>> from crmlib.data.readers import read_table_file
>>> raw = read_table_file("data/sample/transactions.csv")   # doctest: +SKIP
>>> raw.attrs["encoding"]                                    # doctest: +SKIP
'gb18030'
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from crmlib.errors import DataError

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

ENCODING_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "utf8": "utf-8", "utf-8-bom": "utf-8-sig"}


def detect_encoding(data: bytes, path: Path) -> str:
    """Return the encoding that decodes ``data``: UTF-8 (with or without BOM), else GB18030.

    GB18030 is a superset of GBK and GB2312, the encodings of Chinese Excel/CRM exports.
    Falls back to charset-normalizer's best guess; raises DataError when nothing fits.
    """
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            "the file looks binary, not a text export (it contains NUL bytes)",
            file=path,
            hint="Export the table as CSV, Excel (.xlsx) or Parquet and point dataset.yaml at it.",
        )
    for candidate in ("utf-8-sig", "gb18030"):
        try:
            data.decode(candidate)
            return candidate
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DataError(
            "the text encoding cannot be detected (it is neither UTF-8 nor GBK/GB18030)",
            file=path,
            hint="Save the file as UTF-8, or name its encoding in dataset.yaml (encoding: ...).",
        )
    return best.encoding


def _decode(data: bytes, path: Path, encoding: str) -> str:
    encoding = ENCODING_ALIASES.get(encoding.lower(), encoding)
    if encoding == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        position = getattr(exc, "start", None)
        line = data[:position].count(b"\n") + 1 if position is not None else None
        raise DataError(
            f"cannot be decoded as {encoding}"
            + (f" (first bad byte on line {line})" if line else f" ({exc})"),
            file=path,
            hint="Set `encoding: auto` in dataset.yaml, or the file's real encoding (utf-8, gbk, ...).",
        ) from exc


def _sniff_separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    return max(counts, key=counts.get) if max(counts.values()) > 0 else ","


def read_table_file(
    path: str | Path,
    *,
    encoding: str = "auto",
    sheet: str | int | None = None,
    separator: str | None = None,
) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet file as raw values (CSV cells stay strings).

    The detected encoding is kept in ``df.attrs["encoding"]``. Column names are stripped
    of surrounding blanks and a stray BOM.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            "the file does not exist",
            file=path,
            hint="Check the `file:` entry in dataset.yaml; paths are relative to the dataset folder.",
        )
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        data = path.read_bytes()
        if not data.strip():
            raise DataError("the file is empty", file=path, hint="Export the table again.")
        used = detect_encoding(data, path) if encoding == "auto" else encoding
        text = _decode(data, path, used)
        sep = separator or ("\t" if suffix == ".tsv" else _sniff_separator(text))
        try:
            frame = pd.read_csv(
                io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                skipinitialspace=True,
            )
        except pd.errors.ParserError as exc:
            raise DataError(
                f"is not a well-formed table: {exc}",
                file=path,
                hint="Look for unquoted separators or line breaks inside a cell; re-export with quoting.",
            ) from exc
        frame.attrs["encoding"] = used
    elif suffix in EXCEL_SUFFIXES:
        try:
            frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0)
        except ValueError as exc:  # unknown sheet
            raise DataError(str(exc), file=path, hint="Name an existing sheet in dataset.yaml (sheet: ...).") from exc
        except Exception as exc:  # corrupt workbook: zipfile.BadZipFile, xlrd errors, ...
            raise DataError(
                f"cannot be opened as an Excel workbook ({type(exc).__name__}: {exc})",
                file=path,
                hint="Open it in Excel and save it again as .xlsx, or export CSV.",
            ) from exc
        frame.attrs["encoding"] = "excel"
    elif suffix in PARQUET_SUFFIXES:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:
            raise DataError(
                f"cannot be read as Parquet ({type(exc).__name__}: {exc})", file=path,
                hint="Write the file again with pandas/pyarrow, or export CSV.",
            ) from exc
        frame.attrs["encoding"] = "parquet"
    else:
        raise DataError(
            f"has an unsupported file type {suffix!r}",
            file=path,
            hint="Use .csv, .tsv, .txt, .xlsx, .xls or .parquet.",
        )
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame
