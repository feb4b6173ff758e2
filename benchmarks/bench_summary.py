"""Benchmark: crmlib's per-customer summary vs lifetimes' summary_data_from_transaction_data.

Both run on the same synthetic transactions (default 5M rows), each in a fresh process so
they do not share caches; peak memory is what each call allocates (tracemalloc). Prints wall time, peak RSS and the speed-up ratio, and
checks that both give the same frequency / recency / T.

    .venv/bin/python benchmarks/bench_summary.py            # 5M transactions
    .venv/bin/python benchmarks/bench_summary.py --rows 500000
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

CUSTOMERS_PER_ROW = 1 / 4.95  # the sample's process makes about 4.95 orders per customer over two years


def make_transactions(rows: int, path: Path) -> int:
    from crmlib.data.sample import SampleParameters, generate_orders

    orders = generate_orders(SampleParameters(n_customers=int(rows * CUSTOMERS_PER_ROW), seed=11))
    orders = orders[["customer_id", "order_date", "amount"]]
    orders.to_parquet(path)
    return len(orders)


def _summarise(method: str, tx: pd.DataFrame, end: str) -> pd.DataFrame:
    if method == "crmlib":
        from crmlib.scans.summary import customer_summary

        return customer_summary(tx, end)
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(tx, "customer_id", "order_date", "amount",
                                              observation_period_end=end)


def _run(method: str, path: str, end: str, queue) -> None:
    """Time one call, then repeat it under tracemalloc for the peak memory it allocates."""
    tx = pd.read_parquet(path)
    started = time.perf_counter()
    result = _summarise(method, tx, end)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    _summarise(method, tx, end)
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    queue.put((seconds, peak_mb, result.sort_index()[["frequency", "recency", "T"]]))


def measure(method: str, path: Path, end: str):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_run, args=(method, str(path), end, queue))
    process.start()
    outcome = queue.get()
    process.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="approximate number of transactions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tx.parquet"
        started = time.perf_counter()
        rows = make_transactions(args.rows, path)
        end = str(pd.read_parquet(path, columns=["order_date"])["order_date"].max().date())
        print(f"{rows:,} transactions generated in {time.perf_counter() - started:.1f} s")
        ours_s, ours_mb, ours = measure("crmlib", path, end)
        ref_s, ref_mb, ref = measure("lifetimes", path, end)
    same = all(np.allclose(ours[c].to_numpy(), ref[c].to_numpy()) for c in ("frequency", "recency", "T"))
    print(f"{'method':<12}{'seconds':>10}{'peak allocated (MB)':>28}")
    print(f"{'crmlib':<12}{ours_s:>10.2f}{ours_mb:>28.0f}")
    print(f"{'lifetimes':<12}{ref_s:>10.2f}{ref_mb:>28.0f}")
    print(f"speed-up: {ref_s / ours_s:.1f}x (target >= 6x); results identical: {same}")


if __name__ == "__main__":
    main()
