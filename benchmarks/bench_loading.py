"""Loading benchmark: crmlib's loader against plain pyarrow reading and parsing the same files.

Generates (or reuses) a synthetic dataset, then in the same process times

1. **plain pyarrow**: the same files read and parsed with nothing else — transactions CSV
   transcoded from GB18030, amounts stripped of ``¥`` and thousands separators and cast,
   dates parsed with their format; feedback, marketing spend, touchpoints (when the sample has
   journeys) and (for large samples) customers CSV with dates parsed; a customers workbook is
   read by python-calamine into Arrow (pyarrow has no Excel reader);
2. **crmlib, first load**: :func:`crmlib.data.load.load_dataset` — read, map, parse, clean,
   account for every row — plus materialising it as Parquet (what ``crm-workbook run`` does
   once per run);
3. **crmlib, every later notebook**: opening the materialised dataset and building the pandas
   transactions frame.

Run (the 1M-order dataset of the issue is ``--customers 200000``)::

    nice .venv/bin/python benchmarks/bench_loading.py --customers 200000 --data /tmp/crm-bench-200k

Prints one line per measure and the ratio first load / plain pyarrow (target ≤ 3).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv


def plain_pyarrow(folder: Path) -> dict[str, int]:
    """Read and parse the sample's files with pyarrow alone; returns rows per file."""
    from python_calamine import CalamineWorkbook

    rows = {}
    tx = pacsv.read_csv(folder / "transactions.csv", read_options=pacsv.ReadOptions(encoding="gb18030"),
                        convert_options=pacsv.ConvertOptions(column_types={"实付金额": pa.string(), "下单时间": pa.string()}))
    amount = pc.cast(pc.replace_substring_regex(tx["实付金额"], r"[¥,]", ""), pa.float64(), safe=False)
    dates = pc.strptime(tx["下单时间"], format="%Y/%m/%d %H:%M", unit="s", error_is_null=True)
    rows["transactions"] = len(amount) + 0 * len(dates)
    feedback = pacsv.read_csv(folder / "feedback.csv")
    pc.strptime(pc.cast(feedback["submitted_at"], pa.string()), format="%Y-%m-%d %H:%M:%S", unit="s",
                error_is_null=True)
    rows["feedback"] = feedback.num_rows
    spend = pacsv.read_csv(folder / "marketing_spend.csv", convert_options=pacsv.ConvertOptions(
        column_types={"month": pa.string()}))
    pc.strptime(spend["month"], format="%Y-%m", unit="s", error_is_null=True)
    rows["marketing_spend"] = spend.num_rows
    if (folder / "touchpoints.csv").is_file():  # samples with journeys: crmlib loads it too
        touchpoints = pacsv.read_csv(folder / "touchpoints.csv", convert_options=pacsv.ConvertOptions(
            column_types={"contact_time": pa.string()}))
        pc.strptime(touchpoints["contact_time"], format="%Y-%m-%d %H:%M", unit="s", error_is_null=True)
        rows["touchpoints"] = touchpoints.num_rows
    if (folder / "customers.xlsx").is_file():
        sheet = CalamineWorkbook.from_path(str(folder / "customers.xlsx")).get_sheet_by_name("Sheet1").to_python()
        header, body = sheet[0], sheet[1:]
        customers = pa.table({str(name): [r[i] for r in body] for i, name in enumerate(header) if name != ""})
    else:  # large samples write customers as CSV
        customers = pacsv.read_csv(folder / "customers.csv", convert_options=pacsv.ConvertOptions(
            column_types={"注册日期": pa.string()}))
        pc.strptime(customers["注册日期"], format="%Y-%m-%d", unit="s", error_is_null=True)
    rows["customers"] = customers.num_rows
    return rows


def _reopen(folder: Path, cache: Path) -> int:
    from crmlib.data.load import load_dataset
    from crmlib.data.store import open_or_build

    return len(open_or_build(folder, None, load_dataset, cache).transactions)


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--data", default="", help="dataset folder to create or reuse")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measure (the best is shown)")
    args = parser.parse_args(argv)
    folder = Path(args.data or Path(tempfile.gettempdir()) / f"crm-bench-{args.customers}")
    if not (folder / "dataset.yaml").is_file():
        print(f"Generating {args.customers:,} customers into {folder} ...", flush=True)
        subprocess.run([sys.executable, "-m", "crmlib.cli", "sample", "--customers", str(args.customers),
                        "--out", str(folder)], check=True)
    os.environ["CRM_WORKBOOK_CACHE"] = tempfile.mkdtemp(prefix="crm-bench-cache-")

    from crmlib.data.load import load_dataset
    from crmlib.data.store import open_or_build

    plain, first, reopen = [], [], []
    for _ in range(args.repeat):
        seconds, rows = timed(plain_pyarrow, folder)
        plain.append(seconds)
        cache = Path(tempfile.mkdtemp(prefix="crm-bench-store-"))
        seconds, dataset = timed(open_or_build, folder, None, load_dataset, cache)
        first.append(seconds)
        seconds, _ = timed(_reopen, folder, cache)
        reopen.append(seconds)
    print(f"dataset: {folder} ({rows['transactions']:,} transaction rows, {rows['customers']:,} customers, "
          f"{rows['feedback']:,} feedback rows)")
    print(f"plain pyarrow read + parse of the {len(rows)} files: {min(plain):6.2f} s")
    print(f"crmlib first load (read, parse, clean, reconcile, materialise): {min(first):6.2f} s  "
          f"= {min(first) / min(plain):.1f} x plain pyarrow (target <= 3)")
    print(f"crmlib later notebooks (open the materialised dataset + pandas transactions): {min(reopen):6.2f} s")
    print(f"reconciliation: {dataset.reconciliation['transactions']['rows_read']:,} rows read = "
          f"{dataset.reconciliation['transactions']['rows_kept']:,} kept + "
          f"{sum(dataset.reconciliation['transactions']['rows_dropped'].values()):,} dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
