"""Loading's shortcuts give exactly what the long way gives (issue 13: loading speed and memory).

- amounts of the common written shape (``¥1,234.50``) are read by one pattern test instead of the
  chain of replacements: the values are those of the chain, also at the shape's edges;
- a source is parsed in one query into one engine table (the steps are not written as tables);
- duplicate and order-id windows are computed over the key columns only: the data-quality log,
  the kept rows and their order are those of a hand-made truth.
"""

from __future__ import annotations

import math

import ibis
import pandas as pd
import pytest
from datasets import transactions_config, write_dataset

from crmlib.data.cleaning import clean_transactions
from crmlib.data.config import read_config
from crmlib.data.load import load_dataset
from crmlib.data.mapping import parse_source
from crmlib.data.parsing import amount_from_written, amount_plain, amount_written, text_cells
from crmlib.data.quality import QualityLog
from crmlib.engine import Engine

CELLS = ["¥1,234.50", "-¥99.00", "¥-5", "1,234", "12,34", "¥1,0000", "￥1,000", "¥" + "9" * 400, "¥12",
         "¥ 12", "¥12.", "¥.5", "¥1,234,567.125", "--¥3", "-￥0.10", "RMB 8", "(12.00)", "12"]
TRUTH = [1234.5, -99.0, -5.0, 1234.0, None, None, 1000.0, None, 12.0, 12.0, None, 0.5, 1234567.125, None, -0.1,
         8.0, -12.0, 12.0]


def test_quick_amounts_equal_the_replacement_chain_and_the_truth():
    engine = Engine.duckdb()
    cells = engine.table(pd.DataFrame({"v": CELLS}))
    text = text_cells(cells.v)
    quick = amount_from_written(amount_plain(text), amount_written(text))
    chain = amount_from_written(text.try_cast("float64").nullif(float("inf")).nullif(float("-inf")),
                                amount_written(text))
    got = engine.to_pandas(cells.select(quick=quick, chain=chain))
    for cell, q, c, truth in zip(CELLS, got["quick"], got["chain"], TRUTH, strict=True):
        assert (math.isnan(q) and math.isnan(c)) or q == c, cell
        assert (truth is None and math.isnan(q)) or q == truth, cell


def test_a_source_is_parsed_into_one_engine_table(monkeypatch):
    made = []
    original = Engine.materialize

    def counted(self, expr, name=None):
        made.append(expr)
        return original(self, expr, name)

    monkeypatch.setattr(Engine, "materialize", counted)
    engine = Engine.duckdb()
    parsed = parse_source(engine, read_config("data/sample").tables["transactions"], QualityLog())
    assert len(made) == 1
    values = engine.to_pandas(parsed.table.order_by("_line").limit(2))
    assert values["amount"].notna().all() and values["customer_id"].notna().all()
    temporary = engine.backend.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
    assert temporary == 1  # the parsed values; no step and no copy of the file's cells is left
    assert isinstance(parsed.table, ibis.Table)


@pytest.mark.parametrize("policy", ["first", "last", "sum"])
def test_duplicate_lines_and_order_conflicts_follow_the_policy(tmp_path, policy):
    rows = ["order_id,customer_id,order_date,amount",
            "o1,a,2024-01-02,10",    # line 2
            "o1,a,2024-01-02,10",    # 3: identical to 2 -> duplicate
            "o2,b,2024-01-03,5",     # 4
            "o2,b,2024-01-03,7",     # 5: same id, other amount -> conflict with 4
            "o3,c,2024-01-04,1",     # 6
            "o2,b,2024-01-03,5",     # 7: identical to 4 -> duplicate
            "o4,d,2024-01-05,-3",    # 8: a return
            "o4,d,2024-01-05,4",     # 9: purchase o4 (returns are judged apart)
            ]
    write_dataset(tmp_path, {"tx.csv": "\n".join(rows) + "\n"},
                  {**transactions_config(), "duplicate_orders": policy})
    ds = load_dataset(tmp_path)
    log = ds.quality_log.set_index("check")
    assert log.loc["duplicate order line (identical row)", "rows"] == 2
    assert log.loc["duplicate order line (identical row)", "examples"] == "row 3: 'o1'; row 7: 'o2'"
    kept = ds.transactions[["order_id", "amount"]].values.tolist()
    if policy == "first":
        assert kept == [["o1", 10.0], ["o2", 5.0], ["o3", 1.0], ["o4", 4.0]]
        assert log.loc["same order id, different amount or customer (duplicate_orders: first)", "examples"] == "row 5: 'o2'"
    elif policy == "last":
        assert kept == [["o1", 10.0], ["o2", 7.0], ["o3", 1.0], ["o4", 4.0]]
        assert log.loc["same order id, different amount or customer (duplicate_orders: last)", "examples"] == "row 4: 'o2'"
    else:
        assert kept == [["o1", 10.0], ["o2", 12.0], ["o3", 1.0], ["o4", 4.0]]
        assert log.loc["merged into the first line of the same order (duplicate_orders: sum)", "examples"] == "row 5: 'o2'"
    assert ds.returns["amount"].tolist() == [-3.0]


def test_cleaning_transactions_keeps_one_engine_table_not_every_step():
    config, log, engine = read_config("data/sample"), QualityLog(), Engine.duckdb()
    parsed = parse_source(engine, config.tables["transactions"], log)
    parsed_name = parsed.stored.op().name
    result = clean_transactions(engine, parsed, config, None, log)
    names = [row[0] for row in engine.backend.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()]
    assert parsed_name not in names  # the parsed values were freed once the first step held them
    assert len(names) == 1  # the last step, which the purchases and returns were read from
    assert result.returns.num_rows == log.reconciliation()["transactions"]["rows_returns"] > 0
    lines = result.purchases["_line"].to_numpy()
    assert result.purchases.num_rows > 0 and (lines[1:] > lines[:-1]).all()
