"""Write the public exports: CSV as UTF-8 with BOM (Excel shows Chinese), JSON with plain keys.

Writes go to a temporary file first and are moved into place, so a reader never sees half
a file; files are readable as the umask allows (:func:`crmlib.files.atomic_write`).

Example
-------
>>> import pandas as pd, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = write_csv(pd.DataFrame({"customer_id": ["张三"]}), folder / "x.csv")
>>> path.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
True
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from crmlib.files import atomic_write

CSV_FLOAT_FORMAT = "%.12g"  # 12 significant digits: no binary noise (1114.8500000000001), whole numbers without ".0"


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` as CSV, UTF-8 with BOM, dates as ISO text, floats to 12 significant digits, atomically.

    Parameters
    ----------
    frame : frame
        The table to write.
    path : str or Path
        The file to write (replaced if it exists).
    index : bool, optional
        Also write the index (default False).

    Returns
    -------
    Path
        The written file.

    >>> import tempfile
    >>> path = write_csv(pd.DataFrame({"spend": [1114.8500000000001, 635.0]}), Path(tempfile.mkdtemp()) / "x.csv")
    >>> path.read_text(encoding="utf-8-sig").split()
    ['spend', '1114.85', '635']
    """
    text = frame.to_csv(index=index, date_format="%Y-%m-%d", float_format=CSV_FLOAT_FORMAT)
    return atomic_write(Path(path), text.encode("utf-8-sig"))


def to_plain(value):
    """Convert numpy/pandas scalars and containers into JSON-ready Python values (NaN -> None).

    Parameters
    ----------
    value : object
        A scalar, dict, list, tuple, set, Series, frame or array (nested too).

    Returns
    -------
    object
        Dicts with text keys (a Series too), lists (tuples, sets, arrays; a frame as row
        records), plain scalars, ISO text for dates, text for paths, None for missing values.
    """
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_plain(v) for v in value]
    if isinstance(value, pd.Series):
        return to_plain(value.to_dict())
    if isinstance(value, pd.DataFrame):
        return to_plain(value.to_dict(orient="records"))
    if isinstance(value, np.ndarray):
        return to_plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NaT or (not isinstance(value, str | bytes) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(obj, path: str | Path) -> Path:
    """Write ``obj`` as indented UTF-8 JSON (numpy values converted, NaN as null), atomically.

    Parameters
    ----------
    obj : object
        The data, converted by :func:`to_plain`.
    path : str or Path
        The file to write (replaced if it exists).

    Returns
    -------
    Path
        The written file.
    """
    text = json.dumps(to_plain(obj), indent=2, ensure_ascii=False)
    return atomic_write(Path(path), text.encode("utf-8"))
