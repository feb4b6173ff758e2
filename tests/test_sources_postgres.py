"""A real PostgreSQL server (Debian's ``postgresql``; .ci/run installs it), started for this module
on a free local port as an unprivileged user and stopped afterwards, loaded with the sample's
transactions: read through ``query:`` + ``url:`` + ``password_env:`` they give the same cleaned
tables as the file; a wrong password, an unreachable server and an SQL error exit 3 with the
server's own message and never the password, which appears in no written file."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from test_sources import CDNOW, SAMPLE, copy_dataset, raw_cells

from crmlib.cli import main
from crmlib.data import sources
from crmlib.data.config import read_config
from crmlib.data.load import load_dataset

PASSWORD = "Zq7-secret-pw"  # noqa: S105 - a throwaway server's password
USER = "crm"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or ([shutil.which(name)] if shutil.which(name) else [])
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed (apt-get install postgresql; .ci/run does it)")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as ``nobody`` then."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]


@pytest.fixture(scope="module")
def server():
    home = Path(tempfile.mkdtemp(prefix="crm-pg-"))  # outside pytest's root-only tmp folders
    data, pwfile = home / "data", home / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(home, "nobody", "nogroup")
        shutil.chown(pwfile, "nobody", "nogroup")

    def call(*command: str) -> None:
        done = subprocess.run(_as_server_user(list(command)), capture_output=True, text=True)
        if done.returncode:
            log = (home / "log").read_text() if (home / "log").is_file() else ""
            pytest.fail(f"{command[0]} failed: {done.stdout}{done.stderr}{log}")

    call(_bin("initdb"), "-D", str(data), "-U", USER, "--pwfile", str(pwfile), "--auth", "scram-sha-256",
         "-E", "UTF8", "--locale", "C")
    port = _free_port()
    call(_bin("pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(home / "log"),
         "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1", "start")
    try:
        yield {"port": port, "home": home}
    finally:
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def shop(server):
    import psycopg

    cells = raw_cells(SAMPLE)
    names = list(cells.columns)
    with psycopg.connect(host="127.0.0.1", port=server["port"], user=USER, password=PASSWORD, dbname="postgres",
                         autocommit=True) as con:
        con.execute("CREATE DATABASE shop")
    with psycopg.connect(host="127.0.0.1", port=server["port"], user=USER, password=PASSWORD, dbname="shop") as con:
        columns = ", ".join(f'"{n}" text' for n in names)
        con.execute(f"CREATE TABLE orders (line bigint, {columns})")
        with con.cursor().copy(f'COPY orders (line, {", ".join(chr(34) + n + chr(34) for n in names)}) FROM STDIN') as copy:
            for i, row in enumerate(cells.itertuples(index=False)):
                copy.write_row([i, *row])
        con.execute("CREATE TABLE typed AS SELECT line, \"客户编号\" AS customer, "
                    "to_timestamp(\"下单时间\", 'YYYY/MM/DD HH24:MI')::timestamp AS ordered_at, "
                    "replace(replace(\"实付金额\", '¥', ''), ',', '')::numeric(12, 2) AS paid FROM orders")
    return server


def url(port: int) -> str:
    return f"postgresql://{USER}@127.0.0.1:{port}/shop"


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("CRM_DB_PASSWORD", PASSWORD)
    sources._fetched.clear()


def test_query_gives_the_same_tables_as_the_file(shop, tmp_path):
    columns = ", ".join(f'"{n}"' for n in raw_cells(SAMPLE).columns)
    folder = copy_dataset(SAMPLE, tmp_path / "pg", {"query": f"SELECT {columns} FROM orders ORDER BY line",
                                                    "url": url(shop["port"]), "password_env": "CRM_DB_PASSWORD"})
    ds, sample = load_dataset(folder), load_dataset(SAMPLE)
    pd.testing.assert_frame_equal(ds.transactions, sample.transactions)
    pd.testing.assert_frame_equal(ds.returns, sample.returns)
    assert ds.reconciliation == sample.reconciliation
    assert f"transactions query on postgresql 127.0.0.1:{shop['port']} database shop" in set(ds.quality_log["file"])


def test_typed_columns_and_the_whole_run_keep_the_password_out(shop, tmp_path):
    """timestamp and numeric columns are read as they are typed; a full run writes the password nowhere."""
    import yaml

    mapped = {"customer_id": "客户编号", "order_date": "下单时间", "amount": "实付金额"}
    from_file = copy_dataset(SAMPLE, tmp_path / "file", {"file": "../typed/transactions.csv"})
    folder = copy_dataset(SAMPLE, tmp_path / "typed", {
        "query": "SELECT * FROM typed ORDER BY line", "url": "postgresql://crm@127.0.0.1:${CRM_PG_PORT}/shop",
        "password_env": "CRM_DB_PASSWORD"})
    shutil.copy(SAMPLE / "transactions.csv", folder / "transactions.csv")
    for target, columns in ((from_file, mapped), (folder, {"customer_id": "customer", "order_date": "ordered_at",
                                                          "amount": "paid"})):
        config = yaml.safe_load((target / "dataset.yaml").read_text(encoding="utf-8"))
        config["tables"]["transactions"]["columns"] = columns
        config["tables"]["transactions"].pop("date_format", None) if target == folder else None
        (target / "dataset.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    os.environ["CRM_PG_PORT"] = str(shop["port"])
    try:
        ds, expected = load_dataset(folder), load_dataset(from_file)
        pd.testing.assert_frame_equal(ds.transactions, expected.transactions)
        assert ds.transactions["amount"].dtype == "float64" and len(ds.transactions) > 10_000
        reports = tmp_path / "reports"
        code = main(["run", "--data", str(folder), "--reports", str(reports), "-n", "00", "01"])
    finally:
        del os.environ["CRM_PG_PORT"]
    assert code == 0
    written = [p for p in reports.rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in written)
    assert not [p for p in written if PASSWORD.encode() in p.read_bytes()]


@pytest.mark.parametrize(("change", "expected"), [
    ({"password": "wrong-password"}, "password authentication failed"),
    ({"port": 1}, "Connection refused"),
    ({"query": "SELECT nope FROM orders"}, 'column "nope" does not exist'),
    ({"query": "SELECT * FROM orders WHERE false"}, "header but no rows"),
])
def test_bad_database_sources_exit_3_without_the_password(shop, tmp_path, capsys, monkeypatch, change, expected):
    monkeypatch.setenv("CRM_DB_PASSWORD", change.get("password", PASSWORD))
    folder = copy_dataset(CDNOW, tmp_path / "bad", {"query": change.get("query", "SELECT * FROM orders"),
                                                    "url": url(change.get("port", shop["port"])),
                                                    "password_env": "CRM_DB_PASSWORD"})
    assert main(["validate", str(folder)]) == 3
    err = capsys.readouterr().err
    assert expected in err and "transactions" in err
    assert PASSWORD not in err and "wrong-password" not in err


def test_a_unix_socket_and_libpq_options_in_the_url(shop, tmp_path, capsys):
    """``?host=<socket folder>`` and other libpq keywords in the URL's query string reach the server."""
    tcp = copy_dataset(SAMPLE, tmp_path / "tcp", {"table": "typed", "url": url(shop["port"]),
                                                  "password_env": "CRM_DB_PASSWORD"})
    socket_url = f"postgresql://{USER}@/shop?host={shop['home']}&port={shop['port']}&application_name=crm-test"
    local = copy_dataset(SAMPLE, tmp_path / "socket", {"table": "typed", "url": socket_url,
                                                       "password_env": "CRM_DB_PASSWORD"})
    by_socket = sources.read_query(read_config(local).tables["transactions"]).table
    assert by_socket.equals(sources.read_query(read_config(tcp).tables["transactions"]).table)
    assert by_socket.num_rows > 10_000
    assert sources.source_label("table", "transactions", {"table": "typed", "url": socket_url}, local) == \
        "transactions table typed on postgresql local socket database shop"
    sources._fetched.clear()
    bad = copy_dataset(SAMPLE, tmp_path / "bad", {"table": "typed", "url": url(shop["port"]) + "?no_such_option=1",
                                                  "password_env": "CRM_DB_PASSWORD"})
    assert main(["validate", str(bad)]) == 3
    out = capsys.readouterr()
    assert "no_such_option" in out.out + out.err and PASSWORD not in out.out + out.err
