"""Tables read from an SQLite database (``query:``/``table:`` + ``url:``), a DuckDB file and a
Hive-partitioned Parquet lake load to the same cleaned tables as the bundled files; bad sources
stop with exit 3 naming the table and the source's own message."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pytest
import yaml

from crmlib.cli import main
from crmlib.data.config import read_config
from crmlib.data.load import load_dataset
from crmlib.data.readers import LINE, read_raw
from crmlib.errors import ConfigError
from crmlib.scans.summary import customer_summary

SAMPLE = Path("data/sample")
CDNOW = Path("data/cdnow")


def raw_cells(folder: Path, table: str = "transactions") -> pd.DataFrame:
    """The source's cells exactly as the loader reads them from the file (text), in line order."""
    cfg = read_config(folder).tables[table]
    return read_raw(cfg.file, encoding=cfg.encoding).table.to_pandas().drop(columns=LINE)


def copy_dataset(source: Path, target: Path, transactions: dict) -> Path:
    """``source`` copied to ``target`` with the transactions table's source replaced by ``transactions``."""
    shutil.copytree(source, target)
    spec = yaml.safe_load((source / "dataset.yaml").read_text(encoding="utf-8"))
    (target / read_config(source).tables["transactions"].file.name).unlink()
    spec["tables"]["transactions"] = {**{k: v for k, v in spec["tables"]["transactions"].items() if k != "file"},
                                      **transactions}
    (target / "dataset.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return target


def write_sqlite(path: Path, frame: pd.DataFrame, table: str = "orders") -> None:
    with sqlite3.connect(path) as con:
        frame.to_sql(table, con, index=False)


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


@pytest.fixture(scope="module")
def sqlite_dataset(tmp_path_factory, sample):
    folder = tmp_path_factory.mktemp("sqlite") / "shop"
    cells = raw_cells(SAMPLE)
    copy_dataset(SAMPLE, folder, {"query": "SELECT * FROM orders ORDER BY rowid", "url": "sqlite:///shop.db"})
    write_sqlite(folder / "shop.db", cells)
    return folder


def test_sqlite_query_loads_the_same_tables_as_the_file(sqlite_dataset, sample):
    ds = load_dataset(sqlite_dataset)
    pd.testing.assert_frame_equal(ds.transactions, sample.transactions)
    pd.testing.assert_frame_equal(ds.returns, sample.returns)
    assert ds.reconciliation == sample.reconciliation
    log, expected = ds.quality_log.drop(columns="file"), sample.quality_log.drop(columns="file")
    assert log.loc[0, "check"] == "rows read (encoding: database)"  # the file's says gb18030; all else equal
    pd.testing.assert_frame_equal(log.iloc[1:], expected.iloc[1:])
    assert set(ds.quality_log.loc[ds.quality_log["table"] == "transactions", "file"]) == {
        "transactions query on sqlite shop.db"}


def test_table_source_and_duckdb_file(tmp_path, sample):
    import duckdb

    cells = raw_cells(SAMPLE)
    folder = copy_dataset(SAMPLE, tmp_path / "shop", {"table": "orders", "url": "duckdb:///shop.duckdb"})
    with duckdb.connect(str(folder / "shop.duckdb")) as con:
        con.register("cells", cells)
        con.execute("CREATE TABLE orders AS SELECT * FROM cells")
    ds = load_dataset(folder)
    pd.testing.assert_frame_equal(ds.transactions, sample.transactions)


def test_a_changed_database_is_not_served_from_the_cache(tmp_path):
    from crmlib.data.load import input_hashes

    cells = raw_cells(CDNOW)
    folder = copy_dataset(CDNOW, tmp_path / "cd", {"table": "orders", "url": "sqlite:///cd.db"})
    write_sqlite(folder / "cd.db", cells)
    before = input_hashes(read_config(folder))
    from crmlib.data import sources

    sources._fetched.clear()
    with sqlite3.connect(folder / "cd.db") as con:
        con.execute("DELETE FROM orders WHERE rowid = 1")
    assert input_hashes(read_config(folder)) != before


def test_partitioned_parquet_lake(tmp_path):
    cells = raw_cells(CDNOW)
    cells["year"] = cells[read_config(CDNOW).tables["transactions"].columns["order_date"]].astype(str).str[:4]
    lake = tmp_path / "cd" / "lake" / "orders"
    folder = copy_dataset(CDNOW, tmp_path / "cd", {"parquet": "lake/orders"})
    pads.write_dataset(pa.Table.from_pandas(cells, preserve_index=False),
                       lake, format="parquet", partitioning=["year"], partitioning_flavor="hive")
    assert len(list(lake.glob("year=*"))) >= 2
    from_lake = load_dataset(folder)
    assert "year" not in from_lake.transactions  # partition keys are columns, only mapped ones are kept
    original = load_dataset(CDNOW)
    key = ["customer_id", "order_date", "amount"]
    pd.testing.assert_frame_equal(from_lake.transactions.sort_values(key, ignore_index=True),
                                  original.transactions.sort_values(key, ignore_index=True))
    date = original.analysis_date
    pd.testing.assert_frame_equal(customer_summary(from_lake.transactions, date).sort_index(),
                                  customer_summary(original.transactions, date).sort_index())
    glob_folder = copy_dataset(CDNOW, tmp_path / "cd2", {"parquet": str(lake / "year=199*" / "*.parquet")})
    assert len(load_dataset(glob_folder).transactions) == len(original.transactions)


def run_validate(folder: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(folder)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("source", "expected"), [
    ({"parquet": "lake/none"}, "lake/none: (`parquet:` of the transactions table) matches no Parquet files"),
    ({"query": "SELECT nope FROM orders", "url": "sqlite:///shop.db"}, "no such column: nope"),
    ({"query": "SELECT * FROM orders WHERE 1 = 0", "url": "sqlite:///shop.db"}, "header but no rows"),
    ({"query": "SELECT * FROM orders", "url": "sqlite:///missing.db"}, "no SQLite file"),
])
def test_bad_sources_exit_3_naming_table_and_message(tmp_path, capsys, source, expected):
    folder = copy_dataset(CDNOW, tmp_path / "bad", source)
    write_sqlite(folder / "shop.db", raw_cells(CDNOW))
    code, err = run_validate(folder, capsys)
    assert code == 3
    assert expected in err
    assert "transactions" in err


def test_passwords_stay_out_of_the_yaml(tmp_path, capsys):
    with pytest.raises(ConfigError, match="holds a password"):
        copy_dataset(CDNOW, tmp_path / "pw", {"table": "orders", "url": "postgresql://crm:hunter2@db/shop"})
        read_config(tmp_path / "pw")
    with pytest.raises(ConfigError, match="no `url:`"):
        copy_dataset(CDNOW, tmp_path / "nourl", {"table": "orders"})
        read_config(tmp_path / "nourl")
    folder = copy_dataset(CDNOW, tmp_path / "env", {"table": "orders", "url": "postgresql://crm@127.0.0.1:1/shop",
                                                    "password_env": "CRM_TEST_UNSET_PASSWORD"})
    code, err = run_validate(folder, capsys)
    assert code == 3 and "CRM_TEST_UNSET_PASSWORD" in err and "not set" in err


@pytest.mark.parametrize(("written", "host", "port"), [
    ("postgresql://crm@[::1]:5432/shop", "::1", 5432),
    ("postgresql://crm@[::1]/shop", "::1", None),
    ("postgresql://crm@[2001:db8::7]:6543/shop?sslmode=require", "2001:db8::7", 6543),
    ("postgresql://crm@db.example:5432/shop", "db.example", 5432),
])
def test_the_password_is_added_without_changing_the_host_ipv6_brackets_included(written, host, port):
    from urllib.parse import unquote, urlsplit

    from crmlib.data.sources import connect_url

    url = connect_url(written, "PW", environ={"PW": "p@ss:w/rd"})
    parts = urlsplit(url)  # what _fetch hands psycopg
    assert (parts.hostname, parts.port, parts.username, unquote(parts.password)) == (host, port, "crm", "p@ss:w/rd")
    assert url == written.replace("crm@", "crm:p%40ss%3Aw%2Frd@")  # only the password is new


def test_a_run_queries_once_and_its_kernels_open_that_snapshot(sqlite_dataset, tmp_path, monkeypatch):
    """``crm-workbook run`` hands its kernels the stored dataset it loaded: they open it instead of running
    the query again, so a database changed during the run cannot give two notebooks different data."""
    from crmlib.data import sources
    from crmlib.data.store import PIN_VARIABLE, open_or_build, run_pin

    folder = shutil.copytree(sqlite_dataset, tmp_path / "shop")
    monkeypatch.setenv("CRM_WORKBOOK_CACHE", str(tmp_path / "cache"))
    reports = tmp_path / "reports"
    assert main(["run", "--data", str(folder), "--reports", str(reports), "-n", "00", "--jobs", "1"]) == 0
    run_log = next(reports.glob("*/run.log")).read_text(encoding="utf-8")
    assert re.search(r"\[00_data_quality\] crmlib\.data\.store: opened the run's stored dataset dataset-", run_log)

    sources._fetched.clear()
    loaded = open_or_build(folder, None, load_dataset, folder=tmp_path / "cache")
    monkeypatch.setenv(PIN_VARIABLE, run_pin(loaded, folder, None))
    with sqlite3.connect(folder / "shop.db") as con:  # the database changes while the run goes on
        con.execute("DELETE FROM orders WHERE rowid <= 100")
    sources._fetched.clear()

    def refused(*args):
        raise AssertionError("the run's stored dataset should have been opened")

    again = open_or_build(folder, "", refused, folder=tmp_path / "cache")  # no query: it would miss the store
    assert again.store == loaded.store and len(again.transactions) == len(loaded.transactions)
    other_day = open_or_build(folder, f"{loaded.analysis_date:%Y-%m-%d}", load_dataset, folder=tmp_path / "cache")
    assert other_day.store != loaded.store  # not the run's dataset: read from the changed database
    assert len(other_day.transactions) < len(loaded.transactions)
