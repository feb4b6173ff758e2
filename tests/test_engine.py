"""The engine: frames registered once and dropped with them; progress lines in the notebook and the run's log."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from crmlib.engine import ROW_COLUMN, Engine
from crmlib.engine.progress import Progress
from crmlib.logs import log_to_file, stop_logging_to


def test_a_frame_is_registered_once_with_its_row_order_and_dropped_with_it():
    engine = Engine.duckdb()
    frame = pd.DataFrame({"customer_id": ["b", "a", "b"], "amount": [1.0, 2.0, 3.0]})
    table = engine.from_frame(frame, ["customer_id", "amount"])
    assert engine.from_frame(frame, ["customer_id", "amount"]) is table
    assert engine.to_pandas(table)[ROW_COLUMN].tolist() == [0, 1, 2]
    name = table.get_name()
    del frame, table
    gc.collect()
    with pytest.raises(Exception, match=name):
        engine.backend.table(name)


def test_a_long_scan_reports_progress_to_the_stream_and_the_runs_log(tmp_path, monkeypatch, capsys):
    log = tmp_path / "run.log"
    handler = log_to_file(log, "04_churn")
    with Progress("customer_summary", rows=5_000_000, table="transactions", quiet_seconds=0.01,
                  every_seconds=0.01, fraction=lambda: 0.5):
        import time

        time.sleep(0.1)
    stop_logging_to(handler)
    printed = capsys.readouterr().err
    assert "scan customer_summary: 2,500,000 of 5,000,000 transactions rows (50%)" in printed
    assert "scan customer_summary: 5,000,000 transactions rows in" in printed
    assert "scan customer_summary: 5,000,000 transactions rows in" in log.read_text(encoding="utf-8")


def test_a_quick_scan_prints_nothing(capsys):
    with Progress("customer_summary", rows=10):
        pass
    assert capsys.readouterr().err == ""


def test_under_the_runner_progress_goes_to_the_runs_log_and_not_into_the_page(tmp_path, monkeypatch, capsys):
    log = tmp_path / "run.log"
    monkeypatch.setenv("CRM_WORKBOOK_LOG", str(log))  # what the runner sets for each kernel
    handler = log_to_file(log, "01_overview")
    with Progress("customer_summary", rows=12, table="transactions", quiet_seconds=0):
        pass
    stop_logging_to(handler)
    assert capsys.readouterr().err == ""  # the cell's output, i.e. the report page
    assert "scan customer_summary: 12 transactions rows in" in log.read_text(encoding="utf-8")


def test_loading_leaves_no_step_of_its_cleaning_in_the_engine(monkeypatch):
    """Each table's parsing and cleaning steps are dropped once it is cleaned (loading memory, issue 13):
    when loading disconnects, its DuckDB holds only the customer ids the tables are checked against
    (it held every step of every table before)."""
    from crmlib.data.load import load_dataset

    left = []
    original = Engine.duckdb

    def recording(*args, **kwargs):
        engine = original(*args, **kwargs)
        disconnect = engine.backend.disconnect

        def counted():
            left.extend(engine.backend.con.execute(
                "SELECT table_name, list(column_name) FROM duckdb_columns() WHERE NOT internal GROUP BY table_name").fetchall())
            disconnect()

        monkeypatch.setattr(engine.backend, "disconnect", counted)
        return engine

    monkeypatch.setattr(Engine, "duckdb", staticmethod(recording))
    dataset = load_dataset("data/sample")
    assert len(dataset.transactions) > 0
    assert left and all(columns == ["customer_id"] for _, columns in left), left
