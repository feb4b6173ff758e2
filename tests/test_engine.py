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
