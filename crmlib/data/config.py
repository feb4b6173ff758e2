"""Read and check ``dataset.yaml``: which file is which table and how its columns map.

Example
-------
>>> cfg = DatasetConfig.from_mapping({"tables": {"transactions": {"file": "t.csv"}}},
...                                  root=Path("."))
>>> cfg.tables["transactions"].file.name
't.csv'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from crmlib import PROJECT_ROOT
from crmlib.data.schema import REQUIRED_TABLES, TABLES
from crmlib.errors import ConfigError

RETURN_POLICIES = ("separate", "net", "drop")
ZERO_AMOUNT_POLICIES = ("drop", "keep")
CONFIG_NAME = "dataset.yaml"


@dataclass(frozen=True)
class TableConfig:
    """Where one table lives and how its source columns map onto canonical fields."""

    name: str
    file: Path
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source
    encoding: str = "auto"
    sheet: str | int | None = None
    separator: str | None = None
    date_format: str | None = None
    decimal: str = "."


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
    config_file: Path | None = None

    @classmethod
    def from_mapping(cls, raw: dict, root: Path, config_file: Path | None = None) -> DatasetConfig:
        where = config_file or root / CONFIG_NAME
        if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict):
            raise ConfigError(
                "has no `tables:` section",
                file=where,
                hint="Add `tables:` with at least `transactions: {file: ..., columns: {...}}` "
                "(see the README's dataset.yaml example).",
            )
        unknown = sorted(set(raw["tables"]) - set(TABLES))
        if unknown:
            raise ConfigError(
                f"names unknown table(s) {unknown}",
                file=where,
                hint=f"Tables are: {', '.join(TABLES)}.",
            )
        missing = [t for t in REQUIRED_TABLES if t not in raw["tables"]]
        if missing:
            raise ConfigError(
                f"does not name the required table(s) {missing}",
                file=where,
                hint="Add `transactions: {file: orders.csv, columns: {customer_id: ..., "
                "order_date: ..., amount: ...}}`.",
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
        analysis_date = raw.get("analysis_date")
        return cls(
            root=root,
            name=str(raw.get("name") or root.name),
            tables=tables,
            currency=str(raw.get("currency", "CNY")),
            analysis_date=pd.Timestamp(analysis_date) if analysis_date else None,
            returns=returns,
            zero_amounts=zero_amounts,
            config_file=config_file,
        )


def _table_config(name: str, spec: object, root: Path, where: Path) -> TableConfig:
    if isinstance(spec, str):
        spec = {"file": spec}
    if not isinstance(spec, dict) or "file" not in spec:
        raise ConfigError(
            f"table {name!r} has no `file:`",
            file=where,
            hint=f"Write `{name}: {{file: <file name in the dataset folder>}}`.",
        )
    columns = spec.get("columns") or {}
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
        file=root / str(spec["file"]),
        columns={str(k): str(v) for k, v in columns.items()},
        encoding=str(spec.get("encoding", "auto")),
        sheet=spec.get("sheet"),
        separator=spec.get("separator"),
        date_format=spec.get("date_format"),
        decimal=str(spec.get("decimal", ".")),
    )


def resolve_dataset_dir(path: str | Path) -> Path:
    """Find a dataset folder given relative to the working directory or to the project.

    Notebooks run with the notebooks/ folder as working directory in JupyterLab and with
    the caller's directory under papermill, so ``data/sample`` must work from both.
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
    """Parse the ``dataset.yaml`` of a dataset folder (raises ConfigError with a fix)."""
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
