"""A real MariaDB server (Debian's ``mariadb-server``; .ci/run installs it), started for this module
on a free local port as an unprivileged user and stopped afterwards, loaded with every table of the
sample: read through ``query:`` + ``url: mysql://`` + ``password_env:`` they give the same cleaned
tables as the files, notebooks 00 and 01 write the same exports from it as from the files, and a
wrong password, an unreachable server, an SQL error and an empty result exit 3 naming the table and
the server's own message, never the password, which appears in no written file."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_sources import CDNOW, SAMPLE, copy_dataset, raw_cells

from crmlib.cli import main
from crmlib.data import sources
from crmlib.data.config import read_config
from crmlib.data.load import load_dataset

PASSWORD = "My7-s3cret@pw%"  # noqa: S105 - a throwaway server's password ('@' and '%' are percent-encoded in URLs)
USER = "crm"
TABLES = ("transactions", "customers", "feedback", "marketing_spend", "touchpoints", "products")


def _bin(name: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).is_file()),
                                       None)
    if not found:
        pytest.fail(f"MariaDB's {name} is not installed (apt-get install mariadb-server; .ci/run does it)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """mariadbd refuses to run as root without --user: run it (and the install) as ``nobody`` then."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]


def _root(home: Path):
    import pymysql

    return pymysql.connect(unix_socket=str(home / "sock"), user="root", password="", charset="utf8mb4",
                           autocommit=True)


@pytest.fixture(scope="module")
def server():
    home = Path(tempfile.mkdtemp(prefix="crm-mysql-"))  # outside pytest's root-only tmp folders
    if os.geteuid() == 0:
        shutil.chown(home, "nobody", "nogroup")
    log = home / "log"
    done = subprocess.run(_as_server_user([_bin("mariadb-install-db"), "--no-defaults", f"--datadir={home / 'data'}",
                                           "--auth-root-authentication-method=normal", "--skip-test-db",
                                           "--skip-name-resolve"]), capture_output=True, text=True)
    if done.returncode:
        shutil.rmtree(home, ignore_errors=True)
        pytest.fail(f"mariadb-install-db failed: {done.stdout}{done.stderr}")
    port = _free_port()
    process = subprocess.Popen(_as_server_user([
        _bin("mariadbd"), "--no-defaults", f"--datadir={home / 'data'}", f"--socket={home / 'sock'}",
        f"--port={port}", "--skip-networking=0", "--bind-address=127.0.0.1", "--skip-name-resolve",
        f"--pid-file={home / 'pid'}", f"--log-error={log}", "--innodb-buffer-pool-size=64M"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _root(home).close()
                break
            except Exception as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    text = log.read_text(errors="replace")[-3000:] if log.is_file() else ""
                    pytest.fail(f"mariadbd did not start ({error}): {text}")
                time.sleep(0.3)
        yield {"port": port, "home": home}
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(home, ignore_errors=True)


def _column_type(dtype) -> str:
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "DATETIME"
    return "DOUBLE" if pd.api.types.is_float_dtype(dtype) else "LONGTEXT"


def _load(con, table: str, cells: pd.DataFrame) -> None:
    """``cells`` as ``table`` (line, then one column per cell column: text, or typed as Excel gave it)."""
    columns = ", ".join(f"`{n}` {_column_type(t)}" for n, t in cells.dtypes.items())
    values = cells.astype(object).where(cells.notna(), None)
    for name in cells.columns[[pd.api.types.is_datetime64_any_dtype(t) for t in cells.dtypes]]:
        values[name] = [None if v is None else v.strftime("%Y-%m-%d %H:%M:%S") for v in values[name]]
    with con.cursor() as cursor:
        cursor.execute(f"CREATE TABLE `{table}` (line BIGINT, {columns}) CHARACTER SET utf8mb4")
        marks = ", ".join(["%s"] * (len(cells.columns) + 1))
        rows = [(i, *row) for i, row in enumerate(values.itertuples(index=False, name=None))]
        cursor.executemany(f"INSERT INTO `{table}` VALUES ({marks})", rows)


@pytest.fixture(scope="module")
def shop(server):
    with _root(server["home"]) as con, con.cursor() as cursor:
        cursor.execute("CREATE DATABASE shop CHARACTER SET utf8mb4")
        cursor.execute(f"CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY %s", (PASSWORD,))
        cursor.execute(f"GRANT SELECT ON shop.* TO '{USER}'@'127.0.0.1'")
        cursor.execute("USE shop")
        for table in TABLES:
            _load(con, table, raw_cells(SAMPLE, table))
        cursor.execute("CREATE TABLE typed AS SELECT line, `客户编号` AS customer, "
                       "STR_TO_DATE(`下单时间`, '%Y/%m/%d %H:%i') AS ordered_at, "
                       "CAST(REPLACE(REPLACE(`实付金额`, '¥', ''), ',', '') AS DECIMAL(12, 2)) AS paid "
                       "FROM transactions")
        cursor.execute("SET SESSION sql_mode = ''")  # legacy MySQL data: zero dates allowed
        cursor.execute("CREATE TABLE zero_dates AS SELECT * FROM typed")
        cursor.execute("UPDATE zero_dates SET ordered_at = '0000-00-00 00:00:00' WHERE line IN (3, 7)")
    return server


def url(port: int | str, scheme: str = "mysql") -> str:
    return f"{scheme}://{USER}@127.0.0.1:{port}/shop"


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("CRM_DB_PASSWORD", PASSWORD)
    sources._fetched.clear()


def from_mysql(target: Path, scheme: str = "mysql", port: str = "${CRM_MYSQL_PORT}") -> Path:
    """data/sample copied to ``target`` with every table read by a query from the MySQL server."""
    shutil.copytree(SAMPLE, target)
    spec = yaml.safe_load((SAMPLE / "dataset.yaml").read_text(encoding="utf-8"))
    config = read_config(SAMPLE)
    for table in TABLES:
        (target / config.tables[table].file.name).unlink()
        names = ", ".join(f"`{n}`" for n in raw_cells(SAMPLE, table).columns)
        entry = {k: v for k, v in spec["tables"][table].items() if k not in ("file", "encoding")}
        spec["tables"][table] = {**entry, "query": f"SELECT {names} FROM `{table}` ORDER BY line",
                                 "url": url(port, scheme), "password_env": "CRM_DB_PASSWORD"}
    (target / "dataset.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return target


def test_queries_give_the_same_tables_as_the_files(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_MYSQL_PORT", str(shop["port"]))
    ds, sample = load_dataset(from_mysql(tmp_path / "my")), load_dataset(SAMPLE)
    for name in (*TABLES, "returns"):
        assert sample.has(name), name
        pd.testing.assert_frame_equal(getattr(ds, name), getattr(sample, name), obj=name)
    assert ds.reconciliation == sample.reconciliation
    assert "transactions query on mysql 127.0.0.1:${CRM_MYSQL_PORT} database shop" in set(ds.quality_log["file"])
    assert ds.customers["signup_date"].notna().all()  # a DATETIME column, read as one


def test_mariadb_and_sqlalchemy_urls_read_the_same_rows(shop, tmp_path):
    tables = {}
    for scheme in ("mysql", "mariadb", "mysql+pymysql"):
        folder = copy_dataset(CDNOW, tmp_path / scheme.replace("+", "_"), {
            "query": "SELECT * FROM products ORDER BY line", "url": url(shop["port"], scheme),
            "password_env": "CRM_DB_PASSWORD"})
        tables[scheme] = sources.read_query(read_config(folder).tables["transactions"]).table
    assert tables["mysql"].num_rows == len(raw_cells(SAMPLE, "products"))
    assert tables["mysql"].column_names == ["line", "商品", "品类", "毛利率", "_line"]
    assert tables["mariadb"].equals(tables["mysql"]) and tables["mysql+pymysql"].equals(tables["mysql"])


def test_typed_columns_and_a_table_source(shop, tmp_path):
    """DATETIME and DECIMAL columns are read as they are typed; ``table:`` quotes names for MySQL."""
    mapped = {"customer_id": "客户编号", "order_date": "下单时间", "amount": "实付金额"}
    from_file = copy_dataset(SAMPLE, tmp_path / "file", {"file": "../typed/transactions.csv"})
    folder = copy_dataset(SAMPLE, tmp_path / "typed", {"table": "shop.typed", "url": url(shop["port"]),
                                                       "password_env": "CRM_DB_PASSWORD"})
    shutil.copy(SAMPLE / "transactions.csv", folder / "transactions.csv")
    for target, columns in ((from_file, mapped), (folder, {"customer_id": "customer", "order_date": "ordered_at",
                                                          "amount": "paid"})):
        config = yaml.safe_load((target / "dataset.yaml").read_text(encoding="utf-8"))
        config["tables"]["transactions"]["columns"] = columns
        config["tables"]["transactions"].pop("date_format", None) if target == folder else None
        (target / "dataset.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    raw = sources.read_query(read_config(folder).tables["transactions"]).table
    assert str(raw.schema.field("ordered_at").type) == "timestamp[us]" and str(raw.schema.field("paid").type) == "double"
    ds, expected = load_dataset(folder), load_dataset(from_file)
    pd.testing.assert_frame_equal(ds.transactions, expected.transactions)
    assert len(ds.transactions) > 10_000


def test_zero_dates_are_named_as_unreadable_rows(shop, tmp_path, capsys):
    """PyMySQL returns MySQL's zero date as text: the column is read as text and the rows are named."""
    folder = copy_dataset(SAMPLE, tmp_path / "zero", {"query": "SELECT * FROM zero_dates ORDER BY line",
                                                      "url": url(shop["port"]), "password_env": "CRM_DB_PASSWORD"})
    config = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    config["tables"]["transactions"]["columns"] = {"customer_id": "customer", "order_date": "ordered_at",
                                                   "amount": "paid"}
    del config["tables"]["transactions"]["date_format"]
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    raw = sources.read_query(read_config(folder).tables["transactions"]).table
    assert str(raw.schema.field("ordered_at").type) == "string" and str(raw.schema.field("paid").type) == "double"
    assert raw.column("ordered_at")[3].as_py() == "0000-00-00 00:00:00"
    assert raw.column("ordered_at")[0].as_py() == "2023-01-01 10:13:00"
    assert main(["validate", str(folder)]) == 3
    err = capsys.readouterr().err
    assert "transactions query on mysql" in err and "column 'ordered_at'" in err
    assert "row 5: '0000-00-00 00:00:00'" in err and "row 9: '0000-00-00 00:00:00'" in err  # lines 3 and 7


def _exports(reports: Path) -> dict[str, object]:
    """The run's exports, byte for byte, except what names the source: data_quality.json without the
    input fingerprints and file names, and changes.json (this run's id and start time) left out."""
    (run,) = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink() and (p / "manifest.json").is_file()]
    found: dict[str, object] = {p.name: p.read_bytes() for p in sorted((run / "exports").iterdir())
                                if p.is_file() and p.name not in ("changes.json", "data_quality.json")}
    quality = json.loads((run / "exports" / "data_quality.json").read_text(encoding="utf-8"))
    del quality["fingerprint_sha256"], quality["files_sha256"]
    for entry in quality["log"]:
        del entry["file"]
        entry["check"] = entry["check"].split(" (encoding:")[0]
    return {**found, "data_quality.json": quality}


@pytest.mark.slow
def test_a_run_from_mysql_writes_the_same_exports_and_never_the_password(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_MYSQL_PORT", str(shop["port"]))
    folder = from_mysql(tmp_path / "shop")
    runs = {}
    for name, data in (("mysql", folder), ("files", SAMPLE)):
        reports = tmp_path / f"reports-{name}"
        assert main(["run", "--data", str(data), "--name", "shop", "--reports", str(reports), "-n", "00"]) == 0
        runs[name] = reports
    mysql, files = _exports(runs["mysql"]), _exports(runs["files"])
    assert "data_quality.json" in files and sorted(mysql) == sorted(files)
    assert [name for name in files if mysql[name] != files[name]] == []
    written = [p for p in runs["mysql"].rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in written)
    assert not [p for p in written if PASSWORD.encode() in p.read_bytes() or b"My7-s3cret%40pw" in p.read_bytes()]


@pytest.mark.parametrize(("change", "expected"), [
    ({"password": "wrong-password"}, "Access denied for user 'crm'"),
    ({"port": 1}, "Connection refused"),
    ({"query": "SELECT nope FROM transactions"}, "Unknown column 'nope'"),
    ({"query": "SELECT * FROM transactions WHERE FALSE"}, "header but no rows"),
])
def test_bad_database_sources_exit_3_without_the_password(shop, tmp_path, capsys, monkeypatch, change, expected):
    monkeypatch.setenv("CRM_DB_PASSWORD", change.get("password", PASSWORD))
    folder = copy_dataset(CDNOW, tmp_path / "bad", {"query": change.get("query", "SELECT * FROM transactions"),
                                                    "url": url(change.get("port", shop["port"])),
                                                    "password_env": "CRM_DB_PASSWORD"})
    assert main(["validate", str(folder)]) == 3
    err = capsys.readouterr().err
    assert expected in err and "transactions" in err
    assert PASSWORD not in err and "wrong-password" not in err and "s3cret" not in err


def test_without_pymysql_the_error_says_which_extra_to_install(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pymysql", None)  # import pymysql raises ImportError
    folder = copy_dataset(CDNOW, tmp_path / "nopymysql", {"query": "SELECT 1", "url": "mysql://crm@127.0.0.1:1/shop",
                                                          "password_env": "CRM_DB_PASSWORD"})
    assert main(["validate", str(folder)]) == 3
    err = capsys.readouterr().err
    assert "transactions" in err and "PyMySQL" in err and ".[mysql]" in err and PASSWORD not in err


def test_a_unix_socket_and_connection_options_in_the_url(shop, tmp_path, capsys):
    """``?unix_socket=…`` and the other PyMySQL options reach the server; an option MySQL URLs do
    not take, a value it cannot read, or a password in the query string exits 3 (like an unset
    ``password_env:``) naming it and how to fix it."""
    with _root(shop["home"]) as con, con.cursor() as cursor:
        cursor.execute(f"CREATE USER IF NOT EXISTS '{USER}'@'localhost' IDENTIFIED BY %s", (PASSWORD,))
        cursor.execute(f"GRANT SELECT ON shop.* TO '{USER}'@'localhost'")
    query = {"query": "SELECT * FROM typed ORDER BY line", "password_env": "CRM_DB_PASSWORD"}
    socket_url = (f"mysql://{USER}@localhost/shop?unix_socket={shop['home'] / 'sock'}&connect_timeout=5"
                  "&read_timeout=60&ssl_disabled=true&charset=utf8mb4")
    tables = {}
    for name, address in (("tcp", url(shop["port"])), ("socket", socket_url)):
        folder = copy_dataset(SAMPLE, tmp_path / name, {**query, "url": address})
        tables[name] = sources.read_query(read_config(folder).tables["transactions"]).table
    assert tables["socket"].num_rows > 10_000 and tables["socket"].equals(tables["tcp"])
    for option, named in (("no_such_option=1", "no_such_option"), ("connect_timeout=soon", "connect_timeout"),
                          ("password=x", "password_env")):
        sources._fetched.clear()
        folder = copy_dataset(SAMPLE, tmp_path / f"bad-{named}", {**query, "url": f"{url(shop['port'])}?{option}"})
        assert main(["validate", str(folder)]) == 3, option
        err = capsys.readouterr().err
        assert named in err and "transactions" in err and PASSWORD not in err, err
