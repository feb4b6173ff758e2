"""Map a source's columns onto a canonical table and parse its cells, in the engine.

:func:`parse_source` reads one table's source, checks the column mapping (with did-you-mean and,
for workbooks, the sheets and their columns), and returns an Ibis table of parsed canonical
fields plus ``_line`` (the file line) and ``_raw_<field>`` (the cell as written, for messages).
Values that cannot be read fail loudly when there are too many of them (``max_unparsed_share``).

Example
-------
>>> from crmlib.data.config import read_config
>>> from crmlib.data.quality import QualityLog
>>> from crmlib.engine import Engine
>>> cfg = read_config("data/cdnow").tables["transactions"]
>>> parsed = parse_source(Engine.duckdb(), cfg, QualityLog())
>>> parsed.table.select("customer_id", "amount").head(1).to_pandas().to_dict("records")
[{'customer_id': '0001', 'amount': 29.33}]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import ibis

from crmlib.data.config import TableConfig
from crmlib.data.parsing import (
    NA_VALUES,
    AmbiguousDates,
    amount_from_written,
    amount_plain,
    amount_written,
    declared_plan,
    describe_shapes,
    parse_amount_cells,
    parse_bools,
    parse_date_cells,
    parse_ids,
    parse_numbers,
    parse_text,
    plan_dates,
    text_cells,
)
from crmlib.data.quality import QualityLog
from crmlib.data.readers import LINE, PROGRESS_EVERY, RawTable, excel_sheets, progress, read_raw
from crmlib.data.schema import TABLES, TableSchema
from crmlib.data.sources import read_parquet_source, read_query
from crmlib.engine import Engine
from crmlib.errors import DataError

CHECKED_KINDS = ("date", "amount", "number", "bool")
DISTINCT_FOR_DATES = 20000  # distinct values the date plan reads ...
SHAPES_FOR_DATES = 1000  # ... plus, of each digit pattern the sample misses (up to this many patterns),
EXAMPLES_PER_SHAPE = 2000  # this many values


@dataclass
class ParsedTable:
    """One source mapped and parsed: ``table`` holds canonical fields, ``_line`` and ``_raw_<field>``."""

    name: str
    cfg: TableConfig
    table: ibis.Table
    mapping: dict[str, str]
    rows: int
    encoding: str
    unreadable: dict[str, str] = field(default_factory=dict)  # required field -> log check name
    stored: ibis.Table | None = None  # the engine table ``table`` reads (release it once cleaned)

    @property
    def file(self) -> str:
        return self.cfg.file.name


def read_source(cfg: TableConfig) -> RawTable:
    """The raw cells of a table's source: a file, a Parquet lake or a database query (:mod:`crmlib.data.sources`).

    Parameters
    ----------
    cfg : TableConfig
        The table's configuration; ``cfg.kind`` says which reader is used.

    Returns
    -------
    RawTable
        The source's raw cells plus ``_line``.
    """
    if cfg.kind == "parquet":
        return read_parquet_source(cfg)
    if cfg.kind in ("query", "table"):
        return read_query(cfg)
    return read_raw(cfg.file, encoding=cfg.encoding, sheet=cfg.sheet, separator=cfg.separator)


def _sheets_hint(cfg: TableConfig, raw: RawTable) -> str:
    if raw.sheet is None or cfg.sheet is not None:
        return ""
    sheets = excel_sheets(cfg.file)
    listed = "; ".join(f"{name!r} (columns: {', '.join(cols[:8])})" for name, cols in sheets.items())
    return (f" The workbook has {len(sheets)} sheets and the first, {raw.sheet!r}, was read: {listed}. "
            "Name the sheet holding the table with `sheet:` in dataset.yaml.")


def resolve_columns(cfg: TableConfig, schema: TableSchema, raw: RawTable) -> dict[str, str]:
    """canonical -> source column; canonical names present in the file map themselves.

    Parameters
    ----------
    cfg : TableConfig
        The table's configuration; ``cfg.columns`` is the mapping written in dataset.yaml.
    schema : TableSchema
        The canonical table's fields, required fields and ``any_of``.
    raw : RawTable
        The source's raw cells, whose column names are matched (canonical names case-insensitively).

    Returns
    -------
    dict of str to str
        Source column name by canonical field, in the schema's field order.

    Raises
    ------
    DataError
        When a mapped column is missing (with did-you-mean), a required field is not mapped,
        ``unit_price`` comes without ``quantity``, or none of ``schema.any_of`` is mapped.
    """
    columns = raw.columns
    lower = {c.lower(): c for c in columns}
    mapping = {}
    for canonical in schema.kinds:
        source = cfg.columns.get(canonical)
        if source is None and canonical.lower() in lower:
            source = lower[canonical.lower()]
        if source is None:
            continue
        if source not in columns:
            close = difflib.get_close_matches(source, columns, n=3, cutoff=0.5)
            raise DataError(
                f"has no column {source!r} (mapped to {canonical!r} in dataset.yaml)",
                file=cfg.file,
                column=source,
                hint=(f"Did you mean {close}? " if close else "")
                + f"The file's columns are: {columns}. Fix `columns: {canonical}:` in dataset.yaml."
                + _sheets_hint(cfg, raw),
            )
        mapping[canonical] = source
    required = [f for f in schema.required if not (f == "amount" and "unit_price" in mapping)]
    missing = [f for f in required if f not in mapping]
    if missing:
        raise DataError(
            f"lacks the required field(s) {missing} of the {schema.name} table",
            file=cfg.file,
            column=missing[0],
            hint=f"Map them in dataset.yaml under tables: {schema.name}: columns: "
            f"(e.g. `{missing[0]}: <your column name>`). The file's columns are: {columns}."
            + (" For order lines without a line total, map `unit_price:` and `quantity:` instead of `amount:`."
               if "amount" in missing else "") + _sheets_hint(cfg, raw),
        )
    if "unit_price" in mapping and "amount" not in mapping and "quantity" not in mapping:
        raise DataError(
            "maps `unit_price` but no `quantity`, so line amounts cannot be computed",
            file=cfg.file, column=mapping["unit_price"],
            hint=f"Map `quantity:` to the column holding quantities. The file's columns are: {columns}.",
        )
    if schema.any_of and not any(f in mapping for f in schema.any_of):
        raise DataError(
            f"maps none of {list(schema.any_of)}, so there is nothing to analyse",
            file=cfg.file,
            hint=f"Map at least one of them in dataset.yaml. The file's columns are: {columns}."
            + _sheets_hint(cfg, raw),
        )
    return mapping


def _date_plan(engine: Engine, table: ibis.Table, cells: str, cfg: TableConfig, na_values, source: str):
    if cfg.date_format:
        return declared_plan(cfg.date_format)
    column = table[cells]
    if not column.type().is_string():
        return declared_plan([])
    try:
        return plan_dates(date_examples(engine, table.select(v=column)), cfg.day_first)
    except AmbiguousDates as exc:
        sep = exc.separator
        raise DataError(
            "day and month order cannot be told apart: "
            + ("the column has day-first values and month-first values" if exc.mixed
               else "every value reads both ways"),
            file=cfg.file, column=source,
            hint=f"Values look like {exc.examples[:3]}. Set `date_format: '%d{sep}%m{sep}%Y'` (day first) or "
            f"'%m{sep}%d{sep}%Y' (month first) for this table in dataset.yaml, or `day_first: true` / "
            "`false` when the column also holds other formats.",
        ) from None


def date_examples(engine: Engine, cells: ibis.Table) -> list[str]:
    """Distinct values of the text column ``cells.v`` to plan its date formats from.

    A sample of :data:`DISTINCT_FOR_DATES` distinct values, plus up to :data:`EXAMPLES_PER_SHAPE`
    values of each digit pattern (every digit read as 9: ``2024年1月14日`` -> ``9999年9月99日``) that
    the sample does not show, so that a format first appearing late in a large file is planned too.

    Parameters
    ----------
    engine : Engine
        The engine that runs the queries.
    cells : ibis.Table
        Table with the text column ``v``.

    Returns
    -------
    list of str
        Distinct non-null values: every one when there are fewer than the sample size.

    >>> import pandas as pd
    >>> from crmlib.engine import Engine
    >>> cells = ibis.memtable(pd.DataFrame({"v": ["2024-01-05", "2024-01-06", "2024年1月14日"]}))
    >>> sorted(date_examples(Engine.duckdb(), cells))
    ['2024-01-05', '2024-01-06', '2024年1月14日']
    """
    values = cells.filter(cells.v.notnull()).distinct()
    sample = engine.to_pandas(values.limit(DISTINCT_FOR_DATES))["v"].tolist()
    if len(sample) < DISTINCT_FOR_DATES:
        return sample  # every distinct value
    shaped = values.mutate(shape=values.v.re_replace(r"[0-9]", "9"))
    seen = {re.sub(r"[0-9]", "9", str(v)) for v in sample}
    shapes = engine.to_pandas(shaped.select("shape").distinct().limit(SHAPES_FOR_DATES + len(seen)))["shape"]
    unseen = [shape for shape in shapes if shape not in seen][:SHAPES_FOR_DATES]
    if not unseen:
        return sample
    rows = shaped.filter(shaped.shape.isin(unseen))
    rows = rows.mutate(n=ibis.row_number().over(group_by="shape", order_by="v")).filter(ibis._.n < EXAMPLES_PER_SHAPE)
    return sample + engine.to_pandas(rows.select("v"))["v"].tolist()


def _parser(kind: str, column: ibis.Value, cfg: TableConfig, na_values, plan=None) -> ibis.Value:
    if kind == "id":
        return parse_ids(column, na_values)
    if kind == "date":
        return parse_date_cells(column, plan, na_values)
    if kind == "amount":
        return parse_amount_cells(column, cfg.decimal, na_values)
    if kind == "number":
        return parse_numbers(column, na_values)
    if kind == "bool":
        return parse_bools(column, na_values)
    return parse_text(column)


def parse_source(engine: Engine, cfg: TableConfig, log: QualityLog, schema: TableSchema | None = None) -> ParsedTable:
    """Read, map and parse one table (see the module docstring); logs the read and blanked values.

    Parameters
    ----------
    engine : Engine
        The engine the parsing runs in and the parsed table is materialised in.
    cfg : TableConfig
        The table's configuration from dataset.yaml.
    log : QualityLog
        Log the rows read and the values blanked are added to.
    schema : TableSchema, optional
        The canonical table to map onto; None takes ``TABLES[cfg.name]``.

    Returns
    -------
    ParsedTable
        The parsed fields plus ``_line`` and ``_raw_<field>`` (transactions also ``_return``),
        the mapping and the unreadable required fields the cleaner drops.

    Raises
    ------
    DataError
        When the source has no rows, the mapping is wrong, or too many values are unreadable.
    """
    schema = schema or TABLES[cfg.name]
    raw = read_source(cfg)
    if raw.table.num_rows == 0:
        raise DataError("has a header but no rows", file=cfg.file, hint="Export the table again with its data."
                        + (f" (sheet {raw.sheet!r} was read)" if raw.sheet else ""))
    mapping = resolve_columns(cfg, schema, raw)
    na_values = cfg.na_values if cfg.na_values is not None else NA_VALUES
    rows, encoding = raw.table.num_rows, raw.encoding
    stored = _parsed_values(engine, cfg, schema, raw, mapping, na_values)
    del raw  # the file's cells are not needed any more: only the values are read from here on
    table = stored
    if cfg.name == "transactions":  # computed as the cleaner reads it (it materialises its own first step)
        table = _signed_amounts(table, mapping, cfg)
    parsed = ParsedTable(cfg.name, cfg, table, mapping, rows, encoding, stored=stored)
    _check_unreadable(engine, parsed, schema, log, na_values)
    return parsed


def _parsed_values(engine: Engine, cfg: TableConfig, schema: TableSchema, raw: RawTable, mapping: dict[str, str],
                   na_values) -> ibis.Table:
    """The parsed fields, ``_line``, the checked fields' ``_raw_<field>``, extra columns and the
    ``cancelled_if`` column, computed from the file's cells in one query into one engine table.

    The steps (clean text, amounts without currency signs, values) are nested selects of that one
    query, so each is computed once per cell and none is written as a table of its own.
    """
    source = ibis.memtable(raw.table)  # read in place by the engine (no copy)
    if raw.table.num_rows >= PROGRESS_EVERY:
        progress(f"{cfg.name}: parsing {raw.table.num_rows:,} rows of {cfg.file.name}")
    # Step 1: every mapped cell as clean text (or as typed by Excel/Parquet).
    cells = {LINE: source[LINE]}
    for canonical, column in mapping.items():
        kind = schema.kinds[canonical]
        value = source[column]
        cells[f"_raw_{canonical}"] = text_cells(value, na_values if kind != "text" else ()) \
            if value.type().is_string() else value
        if kind == "amount" and value.type().is_string():
            text = cells[f"_raw_{canonical}"]
            cells[f"_plain_{canonical}"] = amount_plain(text, cfg.decimal)
    extras = [c for c in raw.columns if schema.keep_extra_columns and c not in mapping.values()]
    rule = cfg.cancelled_if
    wants_rule = cfg.name == "transactions" and rule is not None and rule.column not in mapping
    if wants_rule and rule.column not in raw.columns:
        raise DataError(
            f"has no column {rule.column!r} (named in `cancelled_if:`)", file=cfg.file, column=rule.column,
            hint=f"Name a mapped field ({', '.join(mapping)}) or a column of the file: {raw.columns}.",
        )
    stage = source.select(**cells, **{c: source[c] for c in extras},
                          **({"_rule_column": source[rule.column]} if wants_rule else {}))
    # Step 2: amounts written for people, where not plain numbers: currency signs and words removed.
    written = {f"_written_{c}": ibis.cases((stage[f"_plain_{c}"].isnull(), amount_written(stage[f"_raw_{c}"],
                                                                                           cfg.decimal)),
                                           else_=ibis.null("string"))
               for c in mapping if f"_plain_{c}" in stage.columns}
    if written:
        stage = stage.mutate(**written)
    # Step 3: the values, from the clean cells.
    fields = {}
    for canonical, column in mapping.items():
        kind = schema.kinds[canonical]
        cell = stage[f"_raw_{canonical}"]
        if f"_written_{canonical}" in stage.columns:
            fields[canonical] = amount_from_written(stage[f"_plain_{canonical}"], stage[f"_written_{canonical}"],
                                                    cfg.decimal)
        else:
            plan = _date_plan(engine, stage, f"_raw_{canonical}", cfg, na_values, column) if kind == "date" else None
            fields[canonical] = _parser(kind, cell, cfg, (), plan) if cell.type().is_string() and kind != "text" \
                else _parser(kind, cell, cfg, na_values, plan)
    keep = [c for c in stage.columns if c.startswith("_raw_") and schema.kinds[c[5:]] in CHECKED_KINDS]
    table = engine.materialize(stage.select(LINE, *keep, *extras, *(["_rule_column"] if wants_rule else []),
                                            **fields))
    engine.release(source)
    return table


def _check_unreadable(engine: Engine, parsed: ParsedTable, schema: TableSchema, log: QualityLog, na_values) -> None:
    """Count values given but unreadable per checked field; fail, or log them for the cleaner."""
    table, cfg = parsed.table, parsed.cfg
    checked = [c for c in parsed.mapping if schema.kinds[c] in CHECKED_KINDS]
    metrics = {}
    for canonical in checked:
        raw = table[f"_raw_{canonical}"]
        metrics[f"given_{canonical}"] = raw.notnull().sum()
        metrics[f"failed_{canonical}"] = (raw.notnull() & table[canonical].isnull()).sum()
    if "amount" in table.columns:
        metrics["amount_read"] = table["amount"].sum()
    counts = engine.to_pandas(table.aggregate(**metrics)).iloc[0].to_dict() if metrics else {}
    read_amount = counts.get("amount_read")
    log.add(parsed.name, parsed.file, f"rows read (encoding: {parsed.encoding})", rows=parsed.rows, action="read",
            amount=None if "amount" not in table.columns else float(0.0 if read_amount is None or read_amount != read_amount
                                                                    else read_amount))
    for canonical in checked:
        failed, given = int(counts[f"failed_{canonical}"]), int(counts[f"given_{canonical}"])
        if not failed:
            continue
        source = parsed.mapping[canonical]
        bad = table.filter(table[f"_raw_{canonical}"].notnull() & table[canonical].isnull())
        examples = engine.to_pandas(bad.order_by(LINE).select(LINE, v=bad[f"_raw_{canonical}"]).limit(5))
        rows = list(zip(examples[LINE].tolist(), examples["v"].tolist(), strict=True))
        kind = schema.kinds[canonical]
        required = canonical in schema.required or (canonical in ("unit_price", "quantity") and "amount" not in parsed.mapping
                                                    and parsed.name == "transactions") or canonical == "churned"
        if failed == given and required:
            hint = {
                "date": "Set `date_format:` for this table in dataset.yaml (e.g. '%d/%m/%Y'); "
                f"the values look like {[v for _, v in rows[:2]]}. Recognised without it: {describe_shapes()}.",
                "amount": "Amounts must be numbers, optionally with a currency sign and thousands "
                "separators grouping by three (¥1,234.50). For 1.234,50 set `decimal: ','`.",
                "number": "Make the column numeric.",
                "bool": "Write yes/no, true/false, 1/0 or 是/否.",
            }[kind]
            raise DataError(
                f"no value could be read as {'an' if kind == 'amount' else 'a'} {kind} ({failed} rows)",
                file=cfg.file, column=source, rows=rows, hint=hint,
            )
        check = f"unreadable {canonical} ({source})"
        if required:
            share = failed / given
            if share > cfg.max_unparsed_share:
                raise DataError(
                    f"{failed:,} of {given:,} values ({share:.1%}) could not be read as "
                    f"{ {'amount': 'amounts', 'bool': 'yes/no'}.get(kind, kind + 's')}",
                    file=cfg.file, column=source, rows=rows,
                    hint=("Set `date_format:` (one format or a list) or `day_first:` for this table if the "
                          f"values are in a format not recognised ({describe_shapes()}); "
                          if kind == "date" else "Write yes/no, true/false, 1/0 or 是/否, or leave the cell empty when "
                          "it is not known; " if kind == "bool" else "Fix the values in the export; ")
                    + f"or accept {'blanking' if canonical == 'churned' else 'dropping'} them with "
                    f"`max_unparsed_share: {min(1.0, round(share + 0.005, 2))}` "
                    "for this table in dataset.yaml (they are then listed in the data-quality log).",
                )
        if required and canonical != "churned":  # the cleaner drops these rows; a churn flag is blanked
            parsed.unreadable[canonical] = check
        else:
            log.add(parsed.name, parsed.file, check, rows=int(failed), lines=[n for n, _ in rows],
                    values=[v for _, v in rows] if len(rows) else (), action="changed to blank")


def _rule_matches(rule, column: ibis.Value) -> ibis.Value:
    text = column if column.type().is_string() else column.cast("string")
    text = text.strip()
    test = {"starts_with": lambda: text.startswith(rule.value), "ends_with": lambda: text.endswith(rule.value),
            "equals": lambda: text == rule.value, "in": lambda: text.isin(list(rule.value)),
            "matches": lambda: text.re_search(rule.value)}[rule.test]()
    return test.fill_null(False)


def _signed_amounts(table: ibis.Table, mapping: dict, cfg: TableConfig) -> ibis.Table:
    """``amount`` as analysed: the amount column, or quantity × unit price for order lines; a
    negative amount or quantity, or a row matching ``cancelled_if``, makes the line a return."""
    base = table["amount"] if "amount" in mapping else table["quantity"] * table["unit_price"]
    if "amount" not in mapping:
        table = table.mutate(_raw_amount=ibis.cases(
            (table["_raw_unit_price"].notnull() & table["_raw_quantity"].notnull(), "given"),
            else_=ibis.null("string")))
    cancelled = ibis.literal(False)
    if cfg.cancelled_if is not None:
        rule = cfg.cancelled_if
        column = table[rule.column] if rule.column in mapping else table["_rule_column"]
        cancelled = _rule_matches(rule, column)
    negative = (base < 0).fill_null(False)
    if "quantity" in mapping:
        negative = negative | (table["quantity"] < 0).fill_null(False)
    is_return = negative | cancelled
    return table.mutate(amount=ibis.cases((is_return, -base.abs()), else_=base), _return=is_return,
                        _cancelled=cancelled)


__all__ = ["ParsedTable", "parse_source", "read_source", "resolve_columns"]
