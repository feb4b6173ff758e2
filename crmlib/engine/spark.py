"""Apache Spark as the engine: the same Ibis scans, run as Spark jobs (local mode or a cluster).

:func:`spark_engine` starts (or reuses) a ``SparkSession`` from ``spark.*`` settings — the
``spark:`` block of ``dataset.yaml``, then ``CRM_SPARK_CONF`` (``key=value;key=value``) and
``CRM_SPARK_MASTER`` from the environment; the default master is ``local[*]``. The returned
:class:`SparkEngine` is an :class:`crmlib.engine.Engine`: pandas frames and Arrow tables become
Spark temporary views, Parquet is read by Spark, and only the (small) results of a scan are
collected to the driver. PySpark is an optional extra: ``pip install -e .[spark]``; without it
:func:`spark_engine` raises :class:`SparkUnavailable` saying so.

Example
-------
>>> import pandas as pd
>>> engine = spark_engine({"spark.master": "local[1]"})      # doctest: +SKIP
>>> t = engine.table(pd.DataFrame({"customer_id": ["a", "a"], "amount": [1.0, 2.0]}))  # doctest: +SKIP
>>> engine.to_pandas(t.aggregate(total=t.amount.sum()))["total"].tolist()  # doctest: +SKIP
[3.0]
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from crmlib.engine import Engine, _names

MASTER_VARIABLE = "CRM_SPARK_MASTER"
CONF_VARIABLE = "CRM_SPARK_CONF"
INSTALL_HINT = ("Install the Spark extra: `.venv/bin/pip install -e '.[spark]'` (PySpark; it needs Java 17 or "
                "newer, e.g. Debian's openjdk-17-jre-headless).")
# Small defaults for one machine; every key can be overridden from dataset.yaml or the environment.
DEFAULTS = {
    "spark.master": "local[*]",
    "spark.app.name": "crm-workbook",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


class SparkUnavailable(RuntimeError):
    """PySpark (or Java) is missing: the message says how to install it."""


def spark_settings(configured: dict | None = None) -> dict[str, str]:
    """The Spark settings in force: defaults < ``configured`` (dataset.yaml) < the environment.

    Parameters
    ----------
    configured : dict, optional
        ``spark.*`` key -> value from the ``spark:`` block of dataset.yaml (None: none).

    Returns
    -------
    dict of str to str
        Every setting, values as text; ``CRM_SPARK_CONF`` and ``CRM_SPARK_MASTER`` win.

    >>> spark_settings({"spark.executor.memory": "4g"})["spark.executor.memory"]
    '4g'
    """
    settings = dict(DEFAULTS)
    settings.update({str(k): str(v) for k, v in (configured or {}).items()})
    for pair in filter(None, os.environ.get(CONF_VARIABLE, "").split(";")):
        key, _, value = pair.partition("=")
        settings[key.strip()] = value.strip()
    if os.environ.get(MASTER_VARIABLE):
        settings["spark.master"] = os.environ[MASTER_VARIABLE]
    return settings


class SparkEngine(Engine):
    """An :class:`~crmlib.engine.Engine` over ibis' PySpark backend (temporary views, cached)."""

    @property
    def session(self):
        return self.backend._session

    def table(self, data: pd.DataFrame | pa.Table, name: str | None = None) -> ibis.Table:
        """A pandas frame or Arrow table as a Spark temporary view.

        Parameters
        ----------
        data : frame or pyarrow.Table
            The rows (a frame's index is not copied).
        name : str, optional
            The view's name (None: a fresh ``crm_t<n>``); an existing view is replaced.

        Returns
        -------
        ibis.Table
            The view.
        """
        name = name or f"crm_t{next(_names)}"
        if isinstance(data, pd.DataFrame):
            data = pa.Table.from_pandas(data, preserve_index=False)
        self.session.createDataFrame(_spark_ready(data)).createOrReplaceTempView(name)
        return self.backend.table(name)

    def materialize(self, expr: ibis.Table, name: str | None = None) -> ibis.Table:
        """``expr`` as a cached temporary view (computed once, on first use).

        Parameters
        ----------
        expr : ibis.Table
            The expression to compute.
        name : str, optional
            The view's name (None: a fresh ``crm_m<n>``); an existing view is replaced.

        Returns
        -------
        ibis.Table
            The cached view.
        """
        name = name or f"crm_m{next(_names)}"
        self.backend.create_view(name, expr, overwrite=True)
        self.session.catalog.cacheTable(name)
        return self.backend.table(name)

    def release(self, *tables: ibis.Table) -> None:
        """Uncache and drop temporary views nothing reads any more (see :meth:`Engine.release`).

        Parameters
        ----------
        *tables : ibis.Table
            The views to drop (memtables are left alone).
        """
        for table in tables:
            op = table.op()
            if isinstance(op, ibis.expr.operations.InMemoryTable):
                continue
            name = op.name
            with contextlib.suppress(Exception):
                self.session.catalog.uncacheTable(name)
            self.session.catalog.dropTempView(name)

    def _forget(self, key, name: str) -> None:
        with self._lock:
            self._frames.pop(key, None)
        try:
            self.session.catalog.dropTempView(name)
        except Exception:  # the session may already be stopped at interpreter exit
            pass

    def read_parquet(self, path: str | Path, name: str | None = None) -> ibis.Table:
        """A Parquet file, folder (Hive-style partitions too) or glob, read by Spark.

        Parameters
        ----------
        path : str or Path
            The file, folder or glob.
        name : str, optional
            The table's name (None: a fresh ``crm_p<n>``).

        Returns
        -------
        ibis.Table
            The Parquet data as a table of this engine.
        """
        return self.backend.read_parquet(str(path), table_name=name or f"crm_p{next(_names)}")

    def _fraction(self) -> float:
        return -1.0

    def to_pandas(self, expr: ibis.Expr, **kwargs) -> pd.DataFrame:
        """As :meth:`Engine.to_pandas`, with timestamps in microseconds as DuckDB returns them.

        Parameters
        ----------
        expr : ibis.Expr
            The expression to run.
        **kwargs
            ``label``, ``rows`` and ``table`` of :meth:`Engine.to_pandas`.

        Returns
        -------
        frame
            The result, with a default index and ``datetime64[us]`` timestamp columns.
        """
        frame = super().to_pandas(expr, **kwargs)
        if isinstance(frame, pd.DataFrame):
            stamps = [c for c, kind in frame.dtypes.items() if pd.api.types.is_datetime64_any_dtype(kind)]
            frame = frame.astype({c: "datetime64[us]" for c in stamps}) if stamps else frame
        return frame

    def stop(self) -> None:
        """Stop the Spark session (the JVM stays up for a later session of this process)."""
        self.session.stop()


def _spark_ready(data: pa.Table) -> pa.Table:
    """Arrow types Spark reads as they are: large strings as strings, timestamps in microseconds."""
    fields = []
    for f in data.schema:
        kind = f.type
        if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        elif pa.types.is_timestamp(kind):
            kind = pa.timestamp("us", tz=kind.tz)
        elif pa.types.is_dictionary(kind):
            kind = kind.value_type
        fields.append(pa.field(f.name, kind))
    return data.cast(pa.schema(fields), safe=False)


def spark_engine(configured: dict | None = None) -> SparkEngine:
    """A Spark engine with ``configured`` settings (see :func:`spark_settings`); reuses a running session.

    Parameters
    ----------
    configured : dict, optional
        ``spark.*`` settings from dataset.yaml (None: defaults and the environment only).

    Returns
    -------
    SparkEngine
        An engine named ``"spark"`` on the session.

    Raises
    ------
    SparkUnavailable
        When PySpark is not installed or the session cannot start (no Java, a bad master URL).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkUnavailable(f"--engine spark needs PySpark, which is not installed. {INSTALL_HINT}") from error
    builder = SparkSession.builder
    for key, value in spark_settings(configured).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # no Java, or a bad master URL
        raise SparkUnavailable(f"Spark could not start: {str(error).splitlines()[0][:300]}. {INSTALL_HINT}") from error
    session.sparkContext.setLogLevel("ERROR")
    return SparkEngine("spark", ibis.pyspark.connect(session))


def choose_engine(name: str | None) -> None:
    """``--engine NAME``: the scans' engine for this process and the notebooks' kernels it starts.

    Sets ``CRM_WORKBOOK_ENGINE`` (:mod:`crmlib.engine.select`); for ``spark`` first checks that
    PySpark and Java are there (:class:`SparkUnavailable` saying how to install them otherwise).

    Parameters
    ----------
    name : str or None
        ``"duckdb"`` or ``"spark"``; None or empty changes nothing.
    """
    if not name:
        return
    from crmlib.engine.select import ENGINE_VARIABLE, chosen_engine

    chosen_engine(name, environ={})
    if name == "spark":
        require_spark("--engine spark")
    os.environ[ENGINE_VARIABLE] = name


def require_spark(asked_by: str = "--engine spark") -> None:
    """Raise :class:`SparkUnavailable` (naming ``asked_by`` and how to install) without PySpark or Java.

    Checked before any work starts, whether Spark was asked for by ``--engine spark`` or by
    ``engine: spark`` in dataset.yaml, so a missing install is a usage error, not a traceback later.

    Parameters
    ----------
    asked_by : str, optional
        What asked for Spark, named in the message (default ``"--engine spark"``).
    """
    if importlib.util.find_spec("pyspark") is None:
        raise SparkUnavailable(f"{asked_by} needs PySpark, which is not installed. {INSTALL_HINT}")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise SparkUnavailable(f"{asked_by} needs Java, which is not on PATH (nor JAVA_HOME). {INSTALL_HINT}")
