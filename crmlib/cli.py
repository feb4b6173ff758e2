"""The ``crm-workbook`` command: generate data, run the notebooks into reports, list runs.

Example
-------
    crm-workbook sample --customers 6000 --seed 42 --out data/sample
    crm-workbook cdnow --out data/cdnow
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from crmlib.errors import DataError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DATA = 0, 1, 2, 3


def _sample(args: argparse.Namespace) -> int:
    from crmlib.data.sample import SampleParameters, write_sample

    started = time.perf_counter()
    print(f"Generating {args.customers:,} customers (seed {args.seed}) into {args.out} ...", flush=True)
    out = write_sample(args.out, SampleParameters(n_customers=args.customers, seed=args.seed))
    print(f"Wrote {out} in {time.perf_counter() - started:.1f} s. Load it with data_dir={out}.")
    return EXIT_OK


def _cdnow(args: argparse.Namespace) -> int:
    from crmlib.data.cdnow import write_cdnow

    out = write_cdnow(args.out)
    print(f"Wrote the CDNOW sample to {out}.")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from crmlib.data.config import effective_engine, read_config
    from crmlib.data.load import load_dataset
    from crmlib.engine.select import activate, chosen_engine
    from crmlib.engine.spark import (
        CONF_VARIABLE,
        MASTER_VARIABLE,
        SparkUnavailable,
        choose_engine,
        spark_settings,
    )
    from crmlib.scans.summary import customer_summary

    try:
        choose_engine(args.engine)
        effective_engine(args.data_dir)  # engine: spark in dataset.yaml needs PySpark and Java too
    except SparkUnavailable as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    dataset = load_dataset(args.data_dir, analysis_date=args.analysis_date or None)
    config = read_config(args.data_dir)
    try:  # a Spark session that cannot start (a bad master URL or spark: setting) is a usage error
        engine = activate(chosen_engine(config.engine), config.spark)
    except SparkUnavailable as exc:
        master = spark_settings(config.spark)["spark.master"]
        print(f"Error: {exc} (spark.master is {master!r}: check {MASTER_VARIABLE}, {CONF_VARIABLE} and the "
              f"`spark:` block of {args.data_dir}/dataset.yaml)", file=sys.stderr)
        return EXIT_USAGE
    if dataset.has("transactions"):
        customers = len(customer_summary(dataset.transactions, dataset.analysis_date))  # one scan on the engine
        print(f"Engine: {engine.name} ({customers:,} customers summarised there)")
        print(f"{dataset.name}: {len(dataset.transactions):,} purchases of "
              f"{dataset.transactions['customer_id'].nunique():,} customers up to {dataset.analysis_date:%Y-%m-%d}")
    else:
        print(f"{dataset.name}: a customer snapshot of {len(dataset.customers):,} customers without transactions")
        for note in dataset.page_notes:
            print(f"  {note}")
    for table in ("customers", "feedback", "marketing_spend", "touchpoints"):
        frame = getattr(dataset, table)
        print(f"  {table}: {'not given' if frame is None else f'{len(frame):,} rows'}")
    log = dataset.quality_log
    changes = log.loc[~log["action"].isin(["read", "kept"])]
    if len(changes):
        print("Data-quality log (rows dropped, changed or flagged):")
        print(changes[["table", "check", "rows", "action", "examples"]].to_string(index=False))
    print("Reconciliation (every input row counted once):")
    for table, counts in dataset.reconciliation.items():
        dropped = sum(counts["rows_dropped"].values())
        line = f"  {table}: {counts['rows_read']:,} rows read = {counts['rows_kept']:,} kept + {dropped:,} dropped"
        if "amount_read" in counts:
            line += (f"; amount {counts['amount_read']:,.2f} = {counts['amount_kept']:,.2f} purchases "
                     f"{counts['amount_returns']:+,.2f} returns {sum(counts['amount_dropped'].values()):+,.2f} dropped")
        print(line)
    for warning in dataset.warnings:
        print(f"Warning: {warning}")
    return EXIT_OK


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    """The ``crm-workbook`` argument parser and the handler of each of its commands.

    Returns
    -------
    tuple of (argparse.ArgumentParser, dict)
        The parser, and command name -> handler taking the parsed arguments and returning an exit
        status (``run``, ``runs`` and ``params`` too when the report runner is importable).
    """
    parser = argparse.ArgumentParser(prog="crm-workbook", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}

    sample = commands.add_parser("sample", help="generate the synthetic sample dataset (known ground truth)")
    sample.add_argument("--customers", type=int, default=6000, help="number of customers (default 6000)")
    sample.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    sample.add_argument("--out", required=True, help="an empty or new folder to write the dataset to")
    handlers["sample"] = _sample

    cdnow = commands.add_parser("cdnow", help="write the CDNOW sample (from lifetimes) as a dataset")
    cdnow.add_argument("--out", required=True, help="an empty or new folder")
    handlers["cdnow"] = _cdnow

    validate = commands.add_parser("validate", help="load a dataset and print its data-quality log")
    validate.add_argument("data_dir", help="dataset folder holding dataset.yaml")
    validate.add_argument("--analysis-date", default="", help="YYYY-MM-DD (default: last transaction date)")
    validate.add_argument("--engine", choices=("duckdb", "spark"),
                          help="engine for the scans (default: dataset.yaml `engine:`, else duckdb)")
    handlers["validate"] = _validate

    try:  # the report runner registers run / runs / params
        from crmlib.report.cli import register
    except ImportError:
        pass
    else:
        register(commands, handlers)
    return parser, handlers


def main(argv: list[str] | None = None) -> int:
    """Run ``crm-workbook`` with ``argv``.

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments (None: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: ``EXIT_OK`` (0), or ``EXIT_DATA`` (3) after a data error, ``EXIT_USAGE``
        (2) when the output folder exists, or what the command's handler returns.
    """
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    try:
        return handlers[args.command](args)
    except DataError as exc:
        print(f"Data error: {exc}", file=sys.stderr)
        return EXIT_DATA
    except FileExistsError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
