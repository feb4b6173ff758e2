"""Benchmark: the scans of raw rows on DuckDB and on Spark (local mode), in the same run, as a table.

The synthetic shop is generated with ``crm-workbook sample --customers N`` (about 5.1 orders per
customer; kept under ``--work`` and reused), loaded once by crmlib (loading runs in DuckDB on the
driver for both engines), then every scan runs first on DuckDB, then on a Spark session of
``--master`` (default ``local[*]``): the per-customer summary in days and weeks, calibration/holdout,
purchase days, churn features and labels at a cutoff, monthly activity, cohorts, profit per customer.
Each scan's result is checked equal between the engines (to 1e-9). Printed: seconds per scan on each
engine and their ratio, Spark's start-up and the one-time copy of the loaded tables into Spark, and
the load average before and after (the machine may be shared: run it niced).

    nice -n 10 .venv/bin/python benchmarks/bench_engines.py                    # 5M orders
    nice -n 10 .venv/bin/python benchmarks/bench_engines.py --orders 1000000 --work /tmp/engines
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

BIN = Path(sys.executable).parent
ORDERS_PER_CUSTOMER = 5.1  # what crm-workbook sample generates (30,712 orders for 6,000 customers)


def generate(customers: int, folder: Path) -> Path:
    """``crm-workbook sample --customers N`` into ``folder`` (reused when already there)."""
    if not (folder / "dataset.yaml").is_file():
        subprocess.run([str(BIN / "crm-workbook"), "sample", "--customers", str(customers), "--seed", "42",
                        "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def scans(ds) -> dict:
    """The scans, each a no-argument function returning a frame (run on the current default engine)."""
    from crmlib.churn.cohorts import cohort_table
    from crmlib.churn.features import _purchase_features
    from crmlib.churn.labels import purchase_labels
    from crmlib.overview.kpi import monthly_activity
    from crmlib.scans import summary
    from crmlib.scans.profit import profit_scan

    tx, end = ds.transactions, ds.analysis_date
    cutoff = end - pd.Timedelta(days=180)
    return {
        "customer summary (days)": lambda: summary.customer_summary(tx, end, "D"),
        "customer summary (weeks)": lambda: summary.customer_summary(tx, end, "W"),
        "calibration / holdout": lambda: summary.calibration_holdout_summary(tx, end - pd.Timedelta(days=365), end, "W"),
        "purchase days": lambda: summary.purchase_days(tx, end),
        "churn features at a cutoff": lambda: _purchase_features(tx, cutoff, 90),
        "churn labels at a cutoff": lambda: purchase_labels(tx, cutoff, 90, end),
        "monthly activity": lambda: monthly_activity(tx, end),
        "cohorts": lambda: cohort_table(summary.purchase_days(tx, end), end),
        "profit per customer": lambda: profit_scan(tx, ds.returns, ds.costs or {}, ds.products, ds.feedback),
    }


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def same(a, b) -> bool:
    try:
        if isinstance(a, pd.Series):
            pd.testing.assert_series_equal(b, a, check_exact=False, rtol=1e-9, atol=1e-12)
        else:
            pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=1e-9, atol=1e-12)
    except AssertionError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=5_000_000, help="about this many orders (default 5M)")
    parser.add_argument("--work", default="", help="folder for the dataset (default: a new temp folder)")
    parser.add_argument("--data", default="", help="an existing dataset folder instead of generating one")
    parser.add_argument("--master", default="local[*]", help="spark.master (default local[*])")
    parser.add_argument("--driver-memory", default="4g", help="spark.driver.memory (default 4g)")
    args = parser.parse_args()
    customers = max(1000, round(args.orders / ORDERS_PER_CUSTOMER))
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-engines-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{args.data or f'{customers:,} customers (~{args.orders:,} orders)'}; {os.cpu_count()} CPUs; load average before: "
          f"{os.getloadavg()[0]:.1f}; work folder {work}", flush=True)
    data = Path(args.data) if args.data else generate(customers, work / f"shop-{customers}")

    from crmlib.data.load import load_dataset
    from crmlib.engine import default_engine, use_engine
    from crmlib.engine.spark import spark_engine

    load_seconds, ds = timed(lambda: load_dataset(data))
    print(f"loaded in {load_seconds:.1f} s (DuckDB, driver): {len(ds.transactions):,} orders, "
          f"{ds.transactions['customer_id'].nunique():,} customers", flush=True)
    jobs = scans(ds)
    duck = {name: timed(job) for name, job in jobs.items()}
    print("DuckDB done", flush=True)

    start_seconds, spark = timed(lambda: spark_engine({"spark.master": args.master,
                                                        "spark.driver.memory": args.driver_memory}))
    previous = use_engine(spark)
    try:
        frames = [f for f in (ds.transactions, ds.returns, ds.products, ds.feedback) if f is not None and len(f)]
        copy_seconds, _ = timed(lambda: [spark.count(spark.from_frame(f)) for f in frames])
        assert default_engine() is spark
        on_spark = {name: timed(job) for name, job in jobs.items()}
    finally:
        use_engine(previous)
        spark.stop()

    out = io.StringIO()
    out.write(f"\n{len(ds.transactions):,} orders, {ds.transactions['customer_id'].nunique():,} customers; "
              f"Spark {args.master}\n")
    out.write(f"{'scan':<28}{'DuckDB, s':>11}{'Spark, s':>11}{'Spark/DuckDB':>14}  equal\n")
    for name in jobs:
        (d, a), (s, b) = duck[name], on_spark[name]
        out.write(f"{name:<28}{d:>11.2f}{s:>11.2f}{s / d:>14.1f}  {'yes' if same(a, b) else 'NO'}\n")
    total_d, total_s = sum(v[0] for v in duck.values()), sum(v[0] for v in on_spark.values())
    out.write(f"{'all scans':<28}{total_d:>11.2f}{total_s:>11.2f}{total_s / total_d:>14.1f}\n")
    out.write(f"Spark start-up {start_seconds:.1f} s; copying the loaded tables into Spark {copy_seconds:.1f} s "
              f"(once per run); loading (DuckDB) {load_seconds:.1f} s\n")
    out.write(f"load average after: {os.getloadavg()[0]:.1f}\n")
    print(out.getvalue(), flush=True)
    (work / "bench_engines.txt").write_text(out.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    main()
