"""A customer snapshot without transactions: where its analysis date comes from, said on every page.

A snapshot (one row per customer with ``churned`` yes/no, ``tenure`` and attributes; see
:mod:`crmlib.churn.snapshot`) has no purchases, so the analysis date cannot be the last purchase.
It is, in this order: ``analysis_date`` (the parameter, or ``dataset.yaml``); the latest
``churn_date`` or ``signup_date`` in the customers table; the day the customers file was last
changed (an export is usually written the day it is taken); today, for a database table.

Example
-------
>>> import pyarrow as pa
>>> from crmlib.data.config import TableConfig
>>> customers = pa.table({"customer_id": ["a", "b"],
...                       "churn_date": pa.array([pd.Timestamp("2024-03-01"), None], pa.timestamp("ns"))})
>>> date, note = snapshot_analysis_date(customers, TableConfig("customers", Path("c.csv")), None)
>>> f"{date:%Y-%m-%d}", note.values["field"]
('2024-03-01', 'churn_date')
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmlib.data.config import TableConfig
from crmlib.data.quality import Notice
from crmlib.lang import N_

FROM_SETTING = N_("This dataset is a customer snapshot without transactions (one row per customer with churned "
                  "yes/no). Its analysis date {date} is the `analysis_date` setting.")
FROM_CUSTOMERS = N_("This dataset is a customer snapshot without transactions (one row per customer with churned "
                    "yes/no). Its analysis date {date} is the latest `{field}` in the customers table; set "
                    "`analysis_date` in dataset.yaml if the snapshot was taken later.")
FROM_FILE = N_("This dataset is a customer snapshot without transactions (one row per customer with churned "
               "yes/no). Its analysis date {date} is the day the customers file {file} was last changed; set "
               "`analysis_date` in dataset.yaml to the day the snapshot was taken.")
FROM_TODAY = N_("This dataset is a customer snapshot without transactions (one row per customer with churned "
                "yes/no). Its analysis date {date} is today (the customers come from a database); set "
                "`analysis_date` in dataset.yaml to the day the snapshot was taken.")
DATE_FIELDS = ("churn_date", "signup_date")


def snapshot_analysis_date(customers: pa.Table, cfg: TableConfig, given: pd.Timestamp | None
                           ) -> tuple[pd.Timestamp, Notice]:
    """The snapshot's analysis date and the sentence saying where it came from (see the module).

    Parameters
    ----------
    customers : pyarrow.Table
        The cleaned customers; their ``churn_date`` and ``signup_date`` are used if present.
    cfg : TableConfig
        The customers table's configuration (its file's modification day is a fallback).
    given : Timestamp or None
        The ``analysis_date`` setting; None looks for the date in the data.

    Returns
    -------
    tuple of (Timestamp, Notice)
        The analysis date (midnight) and the page note saying where it came from.
    """
    def note(template: str, date: pd.Timestamp, **values) -> tuple[pd.Timestamp, Notice]:
        return date, Notice.of(template, date=f"{date:%Y-%m-%d}", **values)

    if given is not None:
        return note(FROM_SETTING, pd.Timestamp(given).normalize())
    latest = {name: pc.max(customers[name]).as_py() for name in DATE_FIELDS if name in customers.column_names}
    latest = {name: pd.Timestamp(day) for name, day in latest.items() if day is not None}
    if latest:
        field = max(latest, key=latest.get)
        return note(FROM_CUSTOMERS, latest[field].normalize(), field=field)
    if cfg.kind == "file" and Path(cfg.file).is_file():
        changed = pd.Timestamp(Path(cfg.file).stat().st_mtime, unit="s").normalize()
        return note(FROM_FILE, changed, file=Path(cfg.file).name)
    return note(FROM_TODAY, pd.Timestamp.today().normalize())


__all__ = ["snapshot_analysis_date"]
