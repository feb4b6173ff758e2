"""Which engine runs the scans: ``engine:`` in dataset.yaml, overridden by ``--engine`` (the
``CRM_WORKBOOK_ENGINE`` environment variable, which the notebooks' kernels inherit).

:func:`activate` makes the chosen engine the process's default (:func:`crmlib.engine.use_engine`):
DuckDB in-process, or Spark (:mod:`crmlib.engine.spark`) with the yaml's ``spark:`` settings.
Loading (parsing and cleaning) runs in DuckDB either way; the scans of the loaded rows run on the
chosen engine.

Example
-------
>>> chosen_engine("duckdb", environ={})
'duckdb'
>>> chosen_engine("duckdb", environ={"CRM_WORKBOOK_ENGINE": "spark"})
'spark'
"""

from __future__ import annotations

import os

import crmlib.engine as engines
from crmlib.engine import ENGINES, Engine, default_engine, use_engine

ENGINE_VARIABLE = "CRM_WORKBOOK_ENGINE"


def chosen_engine(configured: str = "duckdb", environ: dict | None = None) -> str:
    """The engine's name: the environment's ``CRM_WORKBOOK_ENGINE`` if set, else ``configured``.

    Parameters
    ----------
    configured : str, optional
        ``engine:`` of dataset.yaml (default ``"duckdb"``; empty means DuckDB).
    environ : dict, optional
        The environment to read (None: ``os.environ``).

    Returns
    -------
    {"duckdb", "spark"}
        The name, stripped and lower-cased.

    Raises
    ------
    ValueError
        When the name is not one of ``ENGINES``.
    """
    environ = os.environ if environ is None else environ
    name = (environ.get(ENGINE_VARIABLE) or configured or "duckdb").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r} (from {ENGINE_VARIABLE} or dataset.yaml `engine:`); "
                         f"use one of {', '.join(ENGINES)}")
    return name


def activate(name: str, spark_settings: dict | None = None) -> Engine:
    """Make engine ``name`` the process's default and return it (a running Spark session is reused).

    Parameters
    ----------
    name : {"duckdb", "spark"}
        The engine, as :func:`chosen_engine` gives it.
    spark_settings : dict, optional
        The ``spark:`` settings of dataset.yaml, used when a Spark session is started.

    Returns
    -------
    Engine
        The process's default engine, now of that name.
    """
    if name == "spark":
        from crmlib.engine.spark import spark_engine

        current = engines._default
        if current is not None and current.name == "spark":
            return current
        engine = spark_engine(spark_settings)
        use_engine(engine)
        return engine
    current = default_engine()
    if current.name != "duckdb":
        use_engine(None)
    return default_engine()
