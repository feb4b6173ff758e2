"""The CDNOW sample (Fader, Hardie & Lee 2005) as a workbook dataset.

lifetimes ships ``CDNOW_sample.txt``: 6,919 purchases by 2,357 customers who made their first
purchase at CDNOW in the first quarter of 1997, observed until the end of June 1998. This
module turns it into ``data/cdnow/`` (a CSV with a header plus ``dataset.yaml``) so every
notebook can run on real data that has no customers, feedback or spend tables.

Example
-------
>>> write_cdnow("/tmp/cdnow-example")   # doctest: +SKIP
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pandas as pd

DATASET_YAML = """\
# The CDNOW sample used by Fader, Hardie & Lee (2005), "Counting your customers the easy way".
# Made from lifetimes' CDNOW_sample.txt by `crm-workbook cdnow --out data/cdnow`.
# Only transactions exist: there is no customers, feedback or marketing-spend table.
name: CDNOW sample (1997-1998)
currency: USD
zero_amounts: keep       # the original study counts CDNOW's zero-value orders as purchases
tables:
  transactions:
    file: transactions.csv
    date_format: "%Y%m%d"
    columns:
      customer_id: customer_id
      order_date: date
      amount: dollar_value
      quantity: cds_bought
"""


def read_cdnow_sample() -> pd.DataFrame:
    """lifetimes' CDNOW sample as a frame: customer_id, date (YYYYMMDD), cds_bought, dollar_value.

    Returns
    -------
    frame
        RangeIndex, one row per purchase (6,919): ``customer_id`` (text), ``date`` (int
        YYYYMMDD), ``cds_bought``, ``dollar_value`` (USD).
    """
    source = files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    with source.open("r", encoding="ascii") as handle:
        frame = pd.read_csv(handle, sep=r"\s+", header=None,
                            names=["master_id", "customer_id", "date", "cds_bought", "dollar_value"],
                            dtype={"master_id": str, "customer_id": str})
    return frame[["customer_id", "date", "cds_bought", "dollar_value"]]


def write_cdnow(out_dir: str | Path) -> Path:
    """Write ``transactions.csv`` and ``dataset.yaml`` for the CDNOW sample into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if needed).

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    FileExistsError
        When ``out_dir`` already holds a dataset.yaml.
    """
    out = Path(out_dir)
    if (out / "dataset.yaml").exists():
        raise FileExistsError(f"{out} already holds a dataset; choose an empty folder (data is never overwritten)")
    out.mkdir(parents=True, exist_ok=True)
    read_cdnow_sample().to_csv(out / "transactions.csv", index=False)
    (out / "dataset.yaml").write_text(DATASET_YAML, encoding="utf-8")
    return out
