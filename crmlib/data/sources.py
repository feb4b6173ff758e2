"""Sources beyond files: Parquet lakes and SQL databases, read into the loader's raw cells.

A table in ``dataset.yaml`` names exactly one source:

- ``file:`` a CSV/Excel/Parquet file (:func:`crmlib.data.readers.read_raw`);
- ``parquet:`` a Parquet file, folder (Hive-style ``key=value/`` partitions become columns) or glob;
- ``query:`` (a SQL query) or ``table:`` (a table name) with ``url:`` — an SQLAlchemy-style URL of
  PostgreSQL (``postgresql://user@host:5432/db``, read with psycopg), MySQL or MariaDB
  (``mysql://user@host:3306/db``, also ``mariadb://`` and ``mysql+pymysql://``, read with PyMySQL),
  SQLite (``sqlite:///relative.db``, ``sqlite:////absolute.db``) or a DuckDB file
  (``duckdb:///shop.duckdb``). Connection options go in the URL's query string
  (:func:`connection_options`): PostgreSQL takes libpq's (``?sslmode=require&sslrootcert=ca.pem``,
  ``postgresql://crm@/shop?host=/var/run/postgresql`` for a Unix socket), MySQL the ones in
  :data:`MYSQL_OPTIONS` (``?unix_socket=/run/mysqld/mysqld.sock``, ``?ssl_ca=ca.pem``).

Passwords never go into the yaml: ``password_env: CRM_DB_PASSWORD`` names the environment variable
holding it, and ``${VAR}`` anywhere in the URL is replaced from the environment. Errors, labels and
fingerprints use :func:`safe_url` (no password), and a database's own message has the password
blanked. Rows are numbered ``_line`` 2, 3, … in the order the source returns them (as for Parquet
files; give ``query:`` an ``ORDER BY`` for stable line numbers). Column mapping, parsing, cleaning and
the quality log are the same as for files.

Example
-------
>>> safe_url("postgresql://crm:secret@db.example:5432/shop")
'postgresql://crm@db.example:5432/shop'
>>> connect_url("postgresql://crm@db/shop", "PW", environ={"PW": "s3cret"})
'postgresql://crm:s3cret@db/shop'
>>> connect_url("sqlite:///${DIR}/shop.db", None, environ={"DIR": "/srv"})
'sqlite:////srv/shop.db'
>>> safe_url(connect_url("mysql+pymysql://crm@db:3306/shop", "PW", environ={"PW": "s3cret"}))
'mysql+pymysql://crm@db:3306/shop'
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import numpy as np
import pyarrow as pa

from crmlib.data.readers import LINE, RawTable, _clean_name
from crmlib.errors import ConfigError, DataError

SOURCE_KINDS = ("file", "parquet", "query", "table")
SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql",
           "sqlite": "sqlite", "duckdb": "duckdb"}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# PyMySQL's connect() options a MySQL URL may set in its query string, and how each is read.
MYSQL_OPTIONS = {"unix_socket": str, "ssl_ca": str, "ssl_cert": str, "ssl_key": str, "ssl_verify_cert": bool,
                 "ssl_verify_identity": bool, "ssl_disabled": bool, "charset": str, "connect_timeout": int,
                 "read_timeout": int}
_SECRET_OPTIONS = ("password", "passwd", "sslpassword")
_fetched: dict[tuple[str, str], pa.Table] = {}  # (safe url, sql) -> result, read once per process


def _scheme(url: str) -> str:
    scheme = urlsplit(url).scheme.split("+")[0].lower()
    if scheme not in SCHEMES:
        raise ConfigError(f"`url:` has the unsupported database type {scheme or '(none)'!r}",
                          hint="Use postgresql://user@host:port/database, mysql://user@host:port/database "
                               "(MySQL or MariaDB), sqlite:///file.db or duckdb:///file.duckdb.")
    return SCHEMES[scheme]


def safe_url(url: str) -> str:
    """``url`` without its password (for labels, errors, logs and cache keys).

    Parameters
    ----------
    url : str
        A database URL, e.g. ``postgresql://user:password@host:5432/db``.

    Returns
    -------
    str
        The URL with ``user@host`` as its network location and any password-like query option
        blanked; unchanged when it has neither.

    >>> safe_url("mysql://crm@db/shop?ssl_ca=ca.pem&sslpassword=x")
    'mysql://crm@db/shop?ssl_ca=ca.pem&sslpassword=***'
    """
    parts = urlsplit(url)
    if parts.query:
        pairs = [(k, "***" if k.lower() in _SECRET_OPTIONS else v) for k, v in parse_qsl(parts.query, True)]
        parts = parts._replace(query="&".join(f"{k}={v}" for k, v in pairs))
    user, at, host = parts.netloc.rpartition("@")
    if at:
        parts = parts._replace(netloc=f"{user.partition(':')[0]}@{host}")
    return urlunsplit(parts)


def connection_options(url: str) -> dict[str, object]:
    """The connection options in ``url``'s query string, checked for its database.

    A MySQL URL may set the options of :data:`MYSQL_OPTIONS` (read as text, yes/no or whole
    numbers); a PostgreSQL URL passes any libpq keyword on to the server's client library, which
    names one it does not know. A password never goes into the query string.

    Parameters
    ----------
    url : str
        A ``postgresql://`` or ``mysql://`` URL.

    Returns
    -------
    dict of str to object
        Option name to value.

    Raises
    ------
    ConfigError
        For a password in the query string, an option MySQL URLs do not take, or a value that is
        not what the option needs.

    >>> connection_options("mysql://crm@localhost/shop?unix_socket=/run/mysqld/mysqld.sock&ssl_disabled=yes")
    {'unix_socket': '/run/mysqld/mysqld.sock', 'ssl_disabled': True}
    >>> connection_options("postgresql://crm@/shop?host=/var/run/postgresql&sslmode=disable")
    {'host': '/var/run/postgresql', 'sslmode': 'disable'}
    """
    mysql = _scheme(url) == "mysql"
    options: dict[str, object] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name.lower() in _SECRET_OPTIONS:
            raise ConfigError(f"`url:` has a {name} in its query string",
                              hint="Remove it and name the environment variable holding it with "
                                   "`password_env:` (or write ${VAR} in the URL's user:password part).")
        if not mysql:
            options[name] = value
            continue
        kind = MYSQL_OPTIONS.get(name)
        if kind is None:
            raise ConfigError(f"`url:` has the option {name!r}, which MySQL/MariaDB URLs do not take",
                              hint="Use one of: " + ", ".join(MYSQL_OPTIONS) + ".")
        options[name] = _option_value(name, value, kind)
    return options


def _option_value(name: str, value: str, kind: type) -> object:
    if kind is bool:
        flag = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(value.lower())
        if flag is None:
            raise ConfigError(f"`url:` option {name}={value!r} is not yes/no", hint=f"Write {name}=true or {name}=false.")
        return flag
    if kind is int:
        if not value.isdigit():
            raise ConfigError(f"`url:` option {name}={value!r} is not a whole number of seconds",
                              hint=f"Write e.g. {name}=30.")
        return int(value)
    return value


def connect_url(url: str, password_env: str | None, environ: dict | None = None) -> str:
    """``url`` with ``${VAR}`` replaced from the environment and the password of ``password_env`` added.

    Parameters
    ----------
    url : str
        Database URL as written in dataset.yaml, possibly with ``${VAR}`` placeholders.
    password_env : str or None
        Environment variable holding the password; None or empty adds no password.
    environ : dict, optional
        Variables to read instead of :data:`os.environ` (tests, doctests).

    Returns
    -------
    str
        The URL to connect with, the password percent-encoded.

    Raises
    ------
    ConfigError
        When a ``${VAR}`` or ``password_env`` is not set in the environment.
    """
    environ = os.environ if environ is None else environ

    def variable(match: re.Match) -> str:
        name = match.group(1)
        if name not in environ:
            raise ConfigError(f"`url:` uses ${{{name}}}, which is not set in the environment",
                              hint=f"Set it before the run: export {name}=...")
        return environ[name]

    url = _VARIABLE.sub(variable, url)
    if password_env:
        if password_env not in environ:
            raise ConfigError(f"`password_env: {password_env}` names an environment variable that is not set",
                              hint=f"Set it before the run: export {password_env}=... (never write the password "
                                   "into dataset.yaml).")
        parts = urlsplit(url)
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]  # as written: [::1]:5432 keeps its brackets (hostname drops them)
        url = urlunsplit(parts._replace(netloc=f"{user}:{quote(environ[password_env], safe='')}@{host}"))
    return url


def source_label(kind: str, name: str, spec: dict, root: Path) -> str:
    """How errors and the quality log name a source (no password, no URL punctuation that looks like a path).

    Parameters
    ----------
    kind : {"file", "parquet", "query", "table"}
        The source's kind.
    name : str
        Canonical table name, e.g. ``"transactions"``.
    spec : dict
        The table's entry in dataset.yaml.
    root : Path
        The dataset folder.

    Returns
    -------
    str
        A file's or lake's path under ``root``; for a database, e.g.
        ``"transactions table orders on postgresql db.example:5432 database shop"``.
    """
    if kind == "file":
        return str(root / str(spec["file"]))
    if kind == "parquet":
        return str(root / str(spec["parquet"]))
    parts = urlsplit(safe_url(str(spec.get("url", ""))))
    host = parts.netloc.rpartition("@")[2]
    if not host and SCHEMES.get(parts.scheme.split("+")[0].lower()) in ("postgresql", "mysql"):
        host = "local socket"  # postgresql://crm@/shop?host=/var/run/postgresql
    where = host or Path(unquote(parts.path)).name or "?"
    database = Path(unquote(parts.path)).name if host else ""
    what = f"table {spec['table']}" if kind == "table" else "query"
    return f"{name} {what} on {parts.scheme} {where}" + (f" database {database}" if database else "")


def _local_path(url: str, root: Path) -> Path:
    path = unquote(urlsplit(url).path)
    path = path[1:] if path.startswith("/") else path  # sqlite:///x.db is relative, sqlite:////x.db absolute
    return (root / path) if not Path(path).is_absolute() else Path(path)


def _scrub(message: str, url: str) -> str:
    password = urlsplit(url).password
    if password:
        for secret in {password, unquote(password), quote(unquote(password), safe="")}:
            message = message.replace(secret, "***")
    return " ".join(message.split())[:500]


def sql_of(cfg) -> str:
    """The SQL a ``query:``/``table:`` source runs.

    Parameters
    ----------
    cfg : TableConfig
        A ``query:`` or ``table:`` table's configuration.

    Returns
    -------
    str
        The query as given, or ``SELECT * FROM "schema"."table"`` for a ``table:`` (for MySQL and
        MariaDB the names are quoted with backticks instead).
    """
    if cfg.kind == "table":
        quote_mark = "`" if urlsplit(str(cfg.url)).scheme.split("+")[0].lower() in ("mysql", "mariadb") else '"'
        doubled = quote_mark * 2  # a quote inside a name is written twice
        return "SELECT * FROM " + ".".join(quote_mark + part.replace(quote_mark, doubled) + quote_mark
                                           for part in str(cfg.query).split("."))
    return str(cfg.query)


def _fetch(url: str, sql: str, root: Path) -> pa.Table:
    scheme = _scheme(url)
    if scheme == "duckdb":
        import duckdb

        path = _local_path(url, root)
        if not path.is_file():
            raise FileNotFoundError(f"no DuckDB file {path}")
        with duckdb.connect(str(path), read_only=True) as con:
            return con.sql(sql).fetch_arrow_table()
    if scheme == "sqlite":
        import sqlite3

        path = _local_path(url, root)
        if not path.is_file():
            raise FileNotFoundError(f"no SQLite file {path}")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description or []]
            return _rows_to_arrow(names, cursor.fetchall())
    if scheme == "mysql":
        return _fetch_mysql(url, sql)
    try:
        import psycopg
    except ImportError as error:
        raise ConfigError("reading PostgreSQL needs psycopg, which is not installed",
                          hint="Install the extra: .venv/bin/pip install -e '.[postgres]'") from error
    parts = urlsplit(url)
    settings = {"host": parts.hostname or None, "port": parts.port, "dbname": unquote(parts.path.lstrip("/")) or None,
                "user": unquote(parts.username) if parts.username else None,
                "password": unquote(parts.password) if parts.password else None, "connect_timeout": 10}
    with psycopg.connect(**{**settings, **connection_options(url)}) as con:
        with con.cursor() as cursor:
            cursor.execute(sql)
            names = [d.name for d in cursor.description or []]
            return _rows_to_arrow(names, cursor.fetchall())


def _fetch_mysql(url: str, sql: str) -> pa.Table:
    try:
        import pymysql
    except ImportError as error:
        raise ConfigError("reading MySQL or MariaDB needs PyMySQL, which is not installed",
                          hint="Install the extra: .venv/bin/pip install -e '.[mysql]'") from error
    parts = urlsplit(url)
    settings = {"host": parts.hostname or "localhost", "port": parts.port or 3306,
                "user": unquote(parts.username) if parts.username else None,
                "password": unquote(parts.password) if parts.password else "",
                "database": unquote(parts.path.lstrip("/")) or None, "charset": "utf8mb4", "connect_timeout": 10}
    con = pymysql.connect(**{**settings, **connection_options(url)})
    try:
        with con.cursor() as cursor:
            cursor.execute(sql)
            names = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
    finally:
        con.close()
    try:
        return _rows_to_arrow(names, rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # PyMySQL hands back a date it cannot read (MySQL's zero date 0000-00-00) as text among the
        # datetimes: such a column is passed on as text, so the loader names the rows that do not parse.
        columns = [_typed_or_text(values) for values in zip(*rows, strict=True)]
        return _rows_to_arrow(names, list(zip(*columns, strict=True)))


def _typed_or_text(values: tuple) -> tuple:
    try:
        pa.array(list(values), from_pandas=True)
        return values
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return tuple(None if value is None else str(value) for value in values)


def _rows_to_arrow(names: list[str], rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = {}
    for name, values in zip(names, columns, strict=True):
        array = pa.array(list(values), from_pandas=True)
        if pa.types.is_decimal(array.type):  # NUMERIC amounts as floats, as a CSV's are read
            array = array.cast(pa.float64())
        arrays[name] = array if len(values) else pa.array([], pa.string())
    return pa.table(arrays)


def read_query(cfg) -> RawTable:
    """The rows of a ``query:``/``table:`` source (fetched once per process and query).

    Parameters
    ----------
    cfg : TableConfig
        A ``query:`` or ``table:`` table's configuration.

    Returns
    -------
    RawTable
        The result's columns (names cleaned) plus ``_line`` 2, 3, …; encoding ``"database"``.

    Raises
    ------
    DataError
        When the database cannot be read (the message has the password blanked).
    """
    url = connect_url(cfg.url, cfg.password_env)
    sql = sql_of(cfg)
    key = (safe_url(url), sql)
    if key not in _fetched:
        try:
            _fetched[key] = _fetch(url, sql, cfg.root)
        except ConfigError as error:
            if error.file is not None:
                raise
            raise ConfigError(error.problem, file=cfg.file, hint=error.hint) from error  # name the table
        except Exception as error:
            raise DataError(f"could not be read from the database: {type(error).__name__}: {_scrub(str(error), url)}",
                            file=cfg.file, hint=f"Check `url:` ({safe_url(cfg.url)}), the password in "
                            f"{cfg.password_env or 'the URL'}, and the SQL: {_scrub(sql, url)[:200]}") from error
    return _numbered(_fetched[key], "database")


def _parquet_files(pattern: Path) -> list[str]:
    if pattern.is_dir():
        return sorted(str(p) for p in pattern.rglob("*.parquet"))
    return sorted(glob.glob(str(pattern), recursive=True))


def read_parquet_source(cfg) -> RawTable:
    """A ``parquet:`` file, folder (Hive partitions as columns) or glob, in file-name order.

    Parameters
    ----------
    cfg : TableConfig
        A ``parquet:`` table's configuration; ``cfg.file`` is the file, folder or glob.

    Returns
    -------
    RawTable
        The files' rows (names cleaned, partition keys as plain columns) plus ``_line``.

    Raises
    ------
    DataError
        When nothing matches or the files cannot be read as one Parquet dataset.
    """
    import pyarrow.dataset as ds

    files = _parquet_files(cfg.file)
    if not files:
        raise DataError(f"(`parquet:` of the {cfg.name} table) matches no Parquet files", file=cfg.file,
                        hint="Check `parquet:` in dataset.yaml: a .parquet file, a folder of them or a glob "
                             "like lake/orders/**/*.parquet, relative to the dataset folder.")
    base = str(cfg.file) if cfg.file.is_dir() else None
    try:
        dataset = ds.dataset(files, format="parquet", partitioning="hive", partition_base_dir=base)
        table = dataset.to_table()
    except Exception as error:
        raise DataError(f"(`parquet:` of the {cfg.name} table) cannot be read as Parquet ({type(error).__name__}: "
                        f"{error})", file=cfg.file,
                        hint="Write the files again with one schema, or export CSV.") from error
    return _numbered(table, "parquet")


def _numbered(table: pa.Table, encoding: str) -> RawTable:
    table = table.rename_columns([_clean_name(c) for c in table.column_names])
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):  # partition keys
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    lines = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    return RawTable(table.append_column(LINE, lines), encoding=encoding)


def source_hashes(cfg) -> dict[str, str]:
    """Fingerprints of a non-file source for the cache key: every Parquet file's bytes, or a query's result.

    Parameters
    ----------
    cfg : TableConfig
        A table's configuration; a ``file:`` source gives no fingerprint here.

    Returns
    -------
    dict of str to str
        Hex sha256 by key (``"<table>:parquet:<name>"`` or ``"<table>:query"``); empty for a file.
    """
    if cfg.kind == "parquet":
        digest = hashlib.sha256()
        for path in _parquet_files(cfg.file):
            digest.update(path.encode())
            digest.update(Path(path).read_bytes())
        return {f"{cfg.name}:parquet:{cfg.file.name}": digest.hexdigest()}
    if cfg.kind in ("query", "table"):
        raw = read_query(cfg)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, raw.table.schema) as writer:
            writer.write_table(raw.table)
        text = safe_url(cfg.url) + "\n" + sql_of(cfg)
        return {f"{cfg.name}:query": hashlib.sha256(text.encode() + sink.getvalue().to_pybytes()).hexdigest()}
    return {}


__all__ = ["SOURCE_KINDS", "connect_url", "read_parquet_source", "read_query", "safe_url", "source_hashes",
           "source_label", "sql_of"]
