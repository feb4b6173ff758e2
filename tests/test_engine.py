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


def _table_count(engine: Engine) -> int:
    return engine.backend.con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0]


def test_a_frame_read_from_parquet_is_scanned_in_place_with_the_frames_types_and_row_order(tmp_path):
    """A dataset table opened from the store is not copied into DuckDB a second time (memory, issue 13):
    the scan reads the Parquet file, with the frame's dtypes and positions, and gives what the copy gives."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crmlib.engine import parquet_source, read_from_parquet

    path = tmp_path / "transactions.parquet"
    stored = pa.table({"customer_id": ["c", "a", "c", "b"], "order_date": pa.array(
        pd.to_datetime(["2024-01-03", "2024-01-01", "2024-02-01", "2024-01-02"]), pa.timestamp("us")),
        "amount": [1.5, 2.0, 3.25, 4.0], "quantity": [1.0, 2.0, 1.0, 3.0]})
    pq.write_table(stored, path, row_group_size=2)  # several row groups: the row numbers still follow the file
    frame = stored.to_pandas()
    frame["quantity"] = frame["quantity"].astype("int64")  # as crmlib.data.load.to_pandas makes whole numbers
    frame["order_date"] = frame["order_date"].astype("datetime64[ns]")
    copied = frame.copy()
    read_from_parquet(frame, path)
    assert parquet_source(frame) == path and parquet_source(copied) is None
    engine, columns = Engine.duckdb(), ["customer_id", "order_date", "amount", "quantity"]
    tables = _table_count(engine)
    scanned = engine.from_frame(frame, columns)
    assert _table_count(engine) == tables  # a view over the file, no copy of the rows
    assert engine.from_frame(frame, columns) is scanned
    reference = engine.from_frame(copied, columns)
    assert _table_count(engine) == tables + 1
    assert scanned.schema() == reference.schema()
    ordered = [*columns, ROW_COLUMN]
    pd.testing.assert_frame_equal(engine.to_pandas(scanned.select(ordered).order_by(ROW_COLUMN)),
                                  engine.to_pandas(reference.select(ordered).order_by(ROW_COLUMN)))
    assert engine.to_pandas(scanned.order_by(ROW_COLUMN))["customer_id"].tolist() == ["c", "a", "c", "b"]
    name = scanned.get_name()
    del frame, scanned
    gc.collect()
    with pytest.raises(Exception, match=name):
        engine.backend.table(name)


def test_a_column_added_to_a_parquet_frame_is_copied_with_the_frame(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crmlib.engine import read_from_parquet

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"customer_id": ["a", "b"]}), path)
    frame = read_from_parquet(pq.read_table(path).to_pandas(), path)
    frame["score"] = [1.0, 2.0]  # not in the file
    engine = Engine.duckdb()
    table = engine.from_frame(frame, ["customer_id", "score"])
    assert engine.to_pandas(table.order_by(ROW_COLUMN))["score"].tolist() == [1.0, 2.0]


def test_the_journey_scans_read_a_parquet_frame_in_place_and_agree_with_a_copy(tmp_path):
    """The touchpoints and transactions of an opened dataset are not copied into DuckDB by the journey
    scans (they copied them on every call: 3.4 GB of 01_overview's peak at 1M customers, issue 13)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crmlib.engine import read_from_parquet
    from crmlib.scans.journeys import first_purchases, journey_table, journey_touches

    stored = {
        "transactions": pa.table({"customer_id": ["a", "b", "a"], "order_date": pa.array(pd.to_datetime(
            ["2024-01-05 09:00", "2024-01-07 10:00", "2024-01-05 12:00"]), pa.timestamp("us")), "amount": [1.1, 2.2, 3.3]}),
        "touchpoints": pa.table({"customer_id": ["a", "a", "b", "c"], "timestamp": pa.array(pd.to_datetime(
            ["2024-01-01", "2024-01-03", "2024-01-06", "2024-01-02"]), pa.timestamp("us")),
            "channel": ["email", "search", "social", "email"], "cost": [0.1, 0.2, 0.3, 0.4]}),
    }
    frames, copies = {}, {}
    for name, table in stored.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
        frame = table.to_pandas()
        frame[frame.columns[1]] = frame[frame.columns[1]].astype("datetime64[ns]")
        copies[name] = frame.copy()
        frames[name] = read_from_parquet(frame, tmp_path / f"{name}.parquet")
    engine = Engine.duckdb()
    tables = _table_count(engine)

    def journeys(given):
        touches = journey_touches(engine, given["touchpoints"], given["transactions"])
        buyers = engine.to_pandas(first_purchases(engine, given["transactions"]))
        return (engine.to_pandas(journey_table(touches)).sort_values("customer_id").reset_index(drop=True),
                buyers.sort_values("customer_id").reset_index(drop=True))

    in_place = journeys(frames)
    assert _table_count(engine) == tables  # read from the files
    for got, expected in zip(in_place, journeys(copies), strict=True):
        pd.testing.assert_frame_equal(got, expected)
    assert in_place[1]["revenue"].round(9).tolist() == [4.4, 2.2]
