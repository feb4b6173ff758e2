"""Read and check ``dataset.yaml``: which file is which table and how its columns map.

Example
-------
>>> cfg = DatasetConfig.from_mapping({"tables": {"transactions": {"file": "t.csv"}}},
...                                  root=Path("."))
>>> cfg.tables["transactions"].file.name
't.csv'
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import yaml

from crmlib import PROJECT_ROOT
from crmlib.data.costs import CostSettings
from crmlib.data.schema import REQUIRED_TABLES, TABLES
from crmlib.data.sources import SOURCE_KINDS, source_label
from crmlib.engine import ENGINES
from crmlib.errors import ConfigError

RETURN_POLICIES = ("separate", "net", "drop")
ZERO_AMOUNT_POLICIES = ("drop", "keep")
DUPLICATE_ORDER_POLICIES = ("error", "first", "last", "sum")
OUTLIER_POLICIES = ("keep", "drop")
CONFIG_NAME = "dataset.yaml"
DATASET_KEYS = ("name", "currency", "analysis_date", "returns", "zero_amounts", "duplicate_orders", "outliers",
                "engine", "spark", "tables", "costs")
TABLE_KEYS = ("file", "parquet", "query", "table", "url", "password_env", "columns", "encoding", "sheet", "separator", "date_format", "day_first", "decimal",
              "na_values", "max_unparsed_share", "cancelled_if", "attributes", "tenure_unit")
SNAPSHOT_KEYS = ("attributes", "tenure_unit")  # customers only: the attributes a snapshot's churn model learns from
TENURE_UNITS = ("months", "days")
_VAR_IN_NETLOC = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
RULE_TESTS = ("starts_with", "ends_with", "equals", "in", "matches")


@dataclass(frozen=True)
class Rule:
    """``cancelled_if``: a row is a cancellation when ``column`` passes ``test`` against ``value``.

    ``column`` is a canonical field (``order_id``) or a column of the file.
    """

    column: str
    test: str
    value: object

    def describe(self) -> str:
        """The rule in words, e.g. ``order_id starts with 'C'``.

        Returns
        -------
        str
            Column, test and value as one phrase.
        """
        words = {"starts_with": "starts with", "ends_with": "ends with", "equals": "equals", "in": "is one of",
                 "matches": "matches"}
        return f"{self.column} {words[self.test]} {self.value!r}"


@dataclass(frozen=True)
class TableConfig:
    """Where one table lives and how its source columns map onto canonical fields."""

    name: str
    file: Path
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source
    encoding: str = "auto"
    sheet: str | int | None = None
    separator: str | None = None
    date_format: str | tuple[str, ...] | None = None
    decimal: str = "."
    day_first: bool | None = None
    na_values: tuple[str, ...] | None = None
    max_unparsed_share: float = 0.0
    cancelled_if: Rule | None = None
    kind: str = "file"  # where the rows come from: file | parquet | query | table (crmlib.data.sources)
    url: str | None = None  # query/table: the database (no password; see password_env)
    query: str | None = None  # query: the SQL; table: the table's name
    password_env: str | None = None  # environment variable holding the database password
    root: Path | None = None  # the dataset folder (relative SQLite/DuckDB files)
    attributes: tuple[str, ...] | None = None  # customers: the snapshot's attributes (None: every unmapped column)
    tenure_unit: str = "months"  # customers: what `tenure` counts, months or days


@dataclass(frozen=True)
class DatasetConfig:
    """The parsed ``dataset.yaml`` of one dataset folder."""

    root: Path
    name: str
    tables: dict[str, TableConfig]
    currency: str = "CNY"
    analysis_date: pd.Timestamp | None = None
    returns: str = "separate"
    zero_amounts: str = "drop"
    duplicate_orders: str = "error"
    outliers: str = "keep"
    engine: str = "duckdb"
    spark: dict = field(default_factory=dict)  # spark.* settings for engine: spark (crmlib.engine.spark)
    config_file: Path | None = None
    costs: CostSettings = field(default_factory=CostSettings)

    @classmethod
    def from_mapping(cls, raw: dict, root: Path, config_file: Path | None = None) -> DatasetConfig:
        """Check a parsed ``dataset.yaml`` and build its configuration (ConfigError with a fix).

        Parameters
        ----------
        raw : dict
            The yaml's content, as :func:`yaml.safe_load` returns it.
        root : Path
            The dataset folder; file names and relative database files are resolved against it.
        config_file : Path, optional
            The yaml file, named in errors and kept; None names ``root / "dataset.yaml"`` in errors.

        Returns
        -------
        DatasetConfig
            The checked settings, with one :class:`TableConfig` per named table.
        """
        where = config_file or root / CONFIG_NAME
        if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict):
            raise ConfigError(
                "has no `tables:` section",
                file=where,
                hint="Add `tables:` with at least `transactions: {file: ..., columns: {...}}` "
                "(see the README's dataset.yaml example).",
            )
        _check_keys(raw, DATASET_KEYS, "dataset.yaml", where)
        unknown = sorted(set(raw["tables"]) - set(TABLES))
        if unknown:
            raise ConfigError(
                f"names unknown table(s) {unknown}",
                file=where,
                hint=f"Tables are: {', '.join(TABLES)}.",
            )
        missing = [t for t in REQUIRED_TABLES if t not in raw["tables"]]
        if missing and maps_churned(raw["tables"].get("customers")):
            _check_snapshot_tables(raw["tables"], where)
        elif missing:
            raise ConfigError(
                f"does not name the required table(s) {missing}",
                file=where,
                hint="Add `transactions: {file: orders.csv, columns: {customer_id: ..., "
                "order_date: ..., amount: ...}}`. For a customer snapshot without orders (one row per customer "
                "with churned yes/no), map `churned` under `customers: columns:` instead.",
            )
        tables = {name: _table_config(name, spec, root, where) for name, spec in raw["tables"].items()}
        returns = raw.get("returns", "separate")
        if returns not in RETURN_POLICIES:
            raise ConfigError(
                f"`returns: {returns}` is not a known policy",
                file=where,
                hint=f"Use one of {', '.join(RETURN_POLICIES)} (see the README).",
            )
        zero_amounts = raw.get("zero_amounts", "drop")
        if zero_amounts not in ZERO_AMOUNT_POLICIES:
            raise ConfigError(
                f"`zero_amounts: {zero_amounts}` is not a known policy",
                file=where,
                hint="Use `drop` (free orders are not purchases) or `keep` (they are).",
            )
        policies = {key: _policy(raw, key, default, options, where) for key, default, options in (
            ("duplicate_orders", "error", DUPLICATE_ORDER_POLICIES), ("outliers", "keep", OUTLIER_POLICIES),
            ("engine", "duckdb", ENGINES))}
        analysis_date = _analysis_date(raw.get("analysis_date"), where)
        spark = raw.get("spark") or {}
        if not isinstance(spark, dict):
            raise ConfigError("`spark:` must be a mapping of Spark settings", file=where,
                              hint="e.g. `spark: {spark.master: 'local[*]', spark.driver.memory: 4g}`.")
        return cls(
            root=root,
            name=str(raw.get("name") or root.name),
            tables=tables,
            currency=str(raw.get("currency", "CNY")),
            analysis_date=analysis_date,
            returns=returns,
            zero_amounts=zero_amounts,
            config_file=config_file,
            costs=CostSettings.from_mapping(raw.get("costs"), where),
            spark={str(k): str(v) for k, v in spark.items()},
            **policies,
        )


def maps_churned(spec: object) -> bool:
    """Whether a ``customers:`` entry of dataset.yaml maps the ``churned`` field (a snapshot).

    Parameters
    ----------
    spec : object
        The ``customers:`` entry as read from the yaml (a mapping, a file name or None).

    Returns
    -------
    bool
        True when the entry is a mapping whose ``columns:`` map ``churned``.

    >>> maps_churned({"file": "c.csv", "columns": {"churned": "Churn"}}), maps_churned("c.csv")
    (True, False)
    """
    return isinstance(spec, dict) and isinstance(spec.get("columns"), dict) and "churned" in spec["columns"]


def _check_snapshot_tables(tables: dict, where: Path) -> None:
    """A snapshot has no orders, so nothing that is only read against orders (product costs)."""
    if "products" in tables:
        raise ConfigError("names `products` but no `transactions`: product costs apply to orders", file=where,
                          hint="Add the transactions table, or remove `products` from this customer snapshot.")


def _check_keys(spec: dict, allowed: tuple[str, ...], where_in: str, where: Path) -> None:
    """Unknown keys are an error with a did-you-mean (a typo must not be silently ignored)."""
    for key in spec:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            raise ConfigError(
                f"has an unknown key {key!r} in {where_in}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                file=where,
                hint=f"Known keys there: {', '.join(allowed)}.",
            )


def _policy(raw: dict, key: str, default: str, options: tuple[str, ...], where: Path) -> str:
    value = raw.get(key, default)
    if value not in options:
        raise ConfigError(f"`{key}: {value}` is not a known setting", file=where,
                          hint=f"Use one of {', '.join(options)} (see the README).")
    return value


def _analysis_date(value: object, where: Path) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"`analysis_date: {value}` is not a date", file=where,
                          hint="Write it as YYYY-MM-DD, e.g. `analysis_date: 2024-12-31`.") from exc


def _rule(name: str, spec: object, where: Path) -> Rule | None:
    if spec is None:
        return None
    tests = [k for k in spec if k in RULE_TESTS] if isinstance(spec, dict) else []
    if not isinstance(spec, dict) or "column" not in spec or len(tests) != 1 or len(spec) != 2:
        raise ConfigError(
            f"table {name!r} has a `cancelled_if:` that is not one rule",
            file=where,
            hint="Write e.g. `cancelled_if: {column: order_id, starts_with: C}`; tests are "
            f"{', '.join(RULE_TESTS)}.",
        )
    value = spec[tests[0]]
    if tests[0] == "in":
        value = tuple(str(v) for v in (value if isinstance(value, list) else [value]))
    else:
        value = str(value)
    return Rule(str(spec["column"]), tests[0], value)


def _table_config(name: str, spec: object, root: Path, where: Path) -> TableConfig:
    if isinstance(spec, str):
        spec = {"file": spec}
    kinds = [k for k in SOURCE_KINDS if isinstance(spec, dict) and k in spec]
    if len(kinds) != 1:
        raise ConfigError(
            f"table {name!r} has no `file:`" if not kinds else f"table {name!r} names {len(kinds)} sources ({kinds})",
            file=where,
            hint=f"Write `{name}: {{file: <file name in the dataset folder>}}`, or one of `parquet: <folder or glob>`, "
                 "`query: <SQL>` or `table: <name>` with `url: <database URL>`.",
        )
    _check_keys(spec, TABLE_KEYS, f"table {name!r}", where)
    kind = kinds[0]
    if kind in ("query", "table") and not spec.get("url"):
        raise ConfigError(f"table {name!r} has `{kind}:` but no `url:`", file=where,
                          hint="Add `url: postgresql://user@host:5432/db` (or mysql://user@host:3306/db, sqlite:///file.db, "
                               "duckdb:///file.duckdb) "
                               "and `password_env: VARIABLE` for the password.")
    if kind not in ("query", "table") and ("url" in spec or "password_env" in spec):
        raise ConfigError(f"table {name!r} has `url:` but no `query:` or `table:`", file=where,
                          hint="Add `query: SELECT ...` or `table: <name>` beside `url:`.")
    if kind in ("query", "table") and urlsplit(str(spec["url"])).password and not _VAR_IN_NETLOC.search(
            urlsplit(str(spec["url"])).netloc):
        raise ConfigError(f"table {name!r}: `url:` holds a password", file=where,
                          hint="Never write passwords into dataset.yaml: remove it from the URL and add "
                               "`password_env: CRM_DB_PASSWORD` (or write ${CRM_DB_PASSWORD} in the URL).")
    columns = spec.get("columns") or {}
    _check_snapshot_keys(name, spec, where)
    schema = TABLES[name]
    strangers = sorted(set(columns) - set(schema.kinds))
    if strangers:
        raise ConfigError(
            f"table {name!r} maps unknown field(s) {strangers}",
            file=where,
            hint=f"Map canonical fields (left) to your column names (right). "
            f"Fields of {name}: {', '.join(schema.kinds)}.",
        )
    return TableConfig(
        name=name,
        file=Path(source_label(kind, name, spec, root)),
        kind=kind,
        url=str(spec["url"]) if "url" in spec else None,
        query=str(spec[kind]) if kind in ("query", "table") else None,
        password_env=str(spec["password_env"]) if spec.get("password_env") else None,
        root=root,
        columns={str(k): str(v) for k, v in columns.items()},
        encoding=str(spec.get("encoding", "auto")),
        sheet=spec.get("sheet"),
        separator=spec.get("separator"),
        date_format=_date_format(spec.get("date_format")),
        decimal=str(spec.get("decimal", ".")),
        day_first=None if spec.get("day_first") is None else bool(spec["day_first"]),
        na_values=None if spec.get("na_values") is None else tuple(str(v) for v in spec["na_values"]),
        max_unparsed_share=_share(name, spec.get("max_unparsed_share", 0.0), where),
        cancelled_if=_rule(name, spec.get("cancelled_if"), where),
        attributes=None if spec.get("attributes") is None else tuple(str(a) for a in spec["attributes"]),
        tenure_unit=str(spec.get("tenure_unit", "months")),
    )


def _check_snapshot_keys(name: str, spec: dict, where: Path) -> None:
    given = [key for key in SNAPSHOT_KEYS if key in spec]
    if given and name != "customers":
        raise ConfigError(f"table {name!r} has {given}, which only the customers table takes", file=where,
                          hint="Move `attributes:` and `tenure_unit:` under `customers:`.")
    attributes = spec.get("attributes")
    if attributes is not None and (not isinstance(attributes, list) or not attributes):
        raise ConfigError("`customers: attributes:` is not a list of column names", file=where,
                          hint="Write e.g. `attributes: [Contract, PaymentMethod, MonthlyCharges, tenure]`, or leave "
                               "it out to use every column that is not mapped to an id, label or date.")
    if spec.get("tenure_unit", "months") not in TENURE_UNITS:
        raise ConfigError(f"`customers: tenure_unit: {spec['tenure_unit']}` is not a unit", file=where,
                          hint="Write `tenure_unit: months` or `tenure_unit: days`.")


def _date_format(value: object) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    return tuple(str(v) for v in value)


def _share(name: str, value: object, where: Path) -> float:
    try:
        share = float(value)
    except (TypeError, ValueError):
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise ConfigError(f"table {name!r} has `max_unparsed_share: {value}`, not a share between 0 and 1",
                          file=where, hint="Write e.g. `max_unparsed_share: 0.01` to accept up to 1 % unreadable values.")
    return share


def resolve_dataset_dir(path: str | Path) -> Path:
    """Find a dataset folder given relative to the working directory or to the project.

    Notebooks run with the notebooks/ folder as working directory in JupyterLab and with
    the caller's directory under papermill, so ``data/sample`` must work from both.

    Parameters
    ----------
    path : str or Path
        Folder holding ``dataset.yaml``; ``~`` is expanded, a relative one tried in both places.

    Returns
    -------
    Path
        The absolute folder, the working-directory one first.

    Raises
    ------
    ConfigError
        When neither folder holds a ``dataset.yaml``.
    """
    candidate = Path(path).expanduser()
    for option in (candidate, PROJECT_ROOT / candidate):
        if (option / CONFIG_NAME).is_file():
            return option.resolve()
    raise ConfigError(
        f"no {CONFIG_NAME} found in {str(path)!r} (looked in {candidate.resolve()} and "
        f"{(PROJECT_ROOT / candidate).resolve()})",
        file=str(path),
        hint="Point data_dir at a folder holding dataset.yaml, e.g. data/sample or data/cdnow.",
    )


def read_config(dataset_dir: str | Path) -> DatasetConfig:
    """Parse the ``dataset.yaml`` of a dataset folder (raises ConfigError with a fix).

    Parameters
    ----------
    dataset_dir : str or Path
        Dataset folder, found as :func:`resolve_dataset_dir` finds it.

    Returns
    -------
    DatasetConfig
        The checked configuration of the folder.
    """
    root = resolve_dataset_dir(dataset_dir)
    config_file = root / CONFIG_NAME
    try:
        raw = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"is not valid YAML: {exc}", file=config_file,
            hint="Check indentation and quote values containing ':' or '#'.",
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError("is not UTF-8 text", file=config_file, hint="Save dataset.yaml as UTF-8.") from exc
    return DatasetConfig.from_mapping(raw, root, config_file)


def effective_engine(data_dir: str | Path) -> str:
    """The engine a run or validation of ``data_dir`` uses (``CRM_WORKBOOK_ENGINE``, set by ``--engine``,
    else dataset.yaml's ``engine:``), after checking that Spark can start when it is Spark.

    Parameters
    ----------
    data_dir : str or Path
        Dataset folder whose ``dataset.yaml`` is read.

    Returns
    -------
    str
        The engine's name, one of :data:`crmlib.engine.ENGINES` (e.g. ``"duckdb"``).

    >>> effective_engine("data/sample")
    'duckdb'
    """
    import os

    from crmlib.engine.select import ENGINE_VARIABLE, chosen_engine
    from crmlib.engine.spark import require_spark

    name = chosen_engine(read_config(data_dir).engine)
    if name == "spark":
        require_spark("--engine spark" if os.environ.get(ENGINE_VARIABLE) else
                      f"engine: spark in {Path(data_dir) / 'dataset.yaml'}")
    return name
