"""Benchmark: the whole report suite at 100k, 300k and 1M customers, and loading vs plain pyarrow.

For each size the synthetic shop is generated with ``crm-workbook sample`` (once; kept under
``--work``), then ``crm-workbook run`` executes every notebook on it with an empty result cache.
Printed per size: seconds per notebook, wall time of the command, and the peak resident memory
summed over every process of the run (the runner, its workers and their kernels), sampled from
``/proc`` every 0.25 s. At the end: time(largest) / time(smallest), and the same dataset loaded
by crmlib (read, map, parse, clean) and by plain pyarrow (read with GB18030 transcoding, amount
and date parsing of the transactions, plus the other files — touchpoints included — read as they
are), in the same run.

The machine is shared: run it rarely and niced, and report the load average it prints.

    nice -n 10 .venv/bin/python benchmarks/bench_scale.py                      # 100k, 300k, 1M
    nice -n 10 .venv/bin/python benchmarks/bench_scale.py --sizes 200000 --work /tmp/scale
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _label(pid: int) -> str:
    """A short name for a process of the run: runner, worker, kernel, loader or its command."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return "?"
    text = " ".join(argv)
    for needle, name in (("ipykernel", "kernel"), ("crm-workbook", "runner"), ("multiprocessing", "worker")):
        if needle in text:
            return name
    return Path(argv[0]).name if argv else "?"


class TreeMemory(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, sampled until :meth:`stop`.

    Also kept: what each process held at that peak (:attr:`peak_breakdown`, largest first, with the
    seconds since the start) and each process's own peak (:attr:`process_peaks`).
    """

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.peak_processes = pid, interval, 0, 0
        self.peak_breakdown: list[tuple[str, int]] = []
        self.peak_at = 0.0
        self.process_peaks: dict[int, list] = {}  # pid -> [label, peak bytes, first seen s, last seen s]
        self._done = threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        while not self._done.is_set():
            tree, pids, stack = _children(), [], [self.pid]
            while stack:
                pid = stack.pop()
                pids.append(pid)
                stack.extend(tree.get(pid, []))
            now = time.perf_counter() - started
            sizes = {p: _rss_bytes(p) for p in pids}
            for p, size in sizes.items():
                entry = self.process_peaks.get(p)
                if entry is None:
                    entry = self.process_peaks[p] = [_label(p), 0, now, now]
                entry[1], entry[3] = max(entry[1], size), now
            total = sum(sizes.values())
            if total > self.peak:
                self.peak, self.peak_processes, self.peak_at = total, len(pids), now
                self.peak_breakdown = sorted(((self.process_peaks[p][0], size) for p, size in sizes.items()),
                                             key=lambda item: -item[1])
            self._done.wait(self.interval)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak

    def describe(self) -> str:
        """The peak's breakdown and the processes' own peaks, as printable lines."""
        at_peak = ", ".join(f"{label} {_gb(size)}" for label, size in self.peak_breakdown if size > 50e6)
        lines = [f"  at the summed peak ({self.peak_at:.0f} s): {at_peak}"]
        for label, peak, first, last in sorted(self.process_peaks.values(), key=lambda e: -e[1])[:8]:
            lines.append(f"  {label:<10} peak {_gb(peak)}, alive {first:.0f}-{last:.0f} s")
        return "\n".join(lines)


def generate(customers: int, folder: Path) -> Path:
    """``crm-workbook sample --customers N`` into ``folder`` (reused when already there)."""
    if (folder / "dataset.yaml").is_file():
        return folder
    subprocess.run([str(BIN / "crm-workbook"), "sample", "--customers", str(customers), "--seed", "42",
                    "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def run_suite(data: Path, work: Path, tag: str, jobs: int, timeout: float) -> dict:
    """One ``crm-workbook run`` with a fresh cache; returns timings, status and peak memory."""
    env = dict(os.environ, CRM_WORKBOOK_CACHE=str(work / f"cache-{tag}"))
    reports = work / f"reports-{tag}"
    command = [str(BIN / "crm-workbook"), "run", "--data", str(data), "--name", tag, "--jobs", str(jobs),
               "--reports", str(reports), "--timeout", str(timeout)]
    started = time.perf_counter()
    with open(work / f"run-{tag}.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        memory = TreeMemory(process.pid)
        memory.start()
        process.wait()
    wall = time.perf_counter() - started
    peak = memory.stop()
    folders = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink() and p.name.endswith(tag)]
    manifest = json.loads((folders[0] / "manifest.json").read_text()) if folders else {"notebooks": []}
    return {"wall": wall, "peak_rss": peak, "processes": memory.peak_processes, "memory": memory.describe(),
            "status": manifest.get("status"),
            "exit": process.returncode, "folder": folders[0] if folders else None,
            "notebooks": {nb["notebook"]: (nb.get("duration_seconds"), nb["status"]) for nb in manifest["notebooks"]}}


def load_crmlib(data: Path) -> float:
    """Seconds for crmlib to read, map, parse and clean every table (in a fresh process)."""
    code = ("import time, sys; t = time.perf_counter(); from crmlib.data.load import load_dataset; "
            "load_dataset(sys.argv[1]); print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def load_pyarrow(data: Path) -> float:
    """Seconds for plain pyarrow on the same files: transactions transcoded from GB18030, amounts and
    dates parsed; customers, feedback, spend and touchpoints read as CSV (in a fresh process)."""
    done = subprocess.run([sys.executable, "-c", _PYARROW_CODE, str(data)], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


_PYARROW_CODE = r"""
import io, sys, time
from pathlib import Path
t = time.perf_counter()
import pyarrow as pa, pyarrow.csv as csv, pyarrow.compute as pc
root = Path(sys.argv[1])
raw = (root / "transactions.csv").read_bytes().decode("gb18030").encode("utf-8")
tx = csv.read_csv(io.BytesIO(raw), convert_options=csv.ConvertOptions(column_types={"客户编号": pa.string()}))
amount = pc.cast(pc.replace_substring_regex(tx.column("实付金额"), "[¥,]", ""), pa.float64())
dates = pc.strptime(tx.column("下单时间"), format="%Y/%m/%d %H:%M", unit="s")
for name in ("customers.csv", "feedback.csv", "marketing_spend.csv", "touchpoints.csv"):
    if (root / name).is_file():
        csv.read_csv(root / name)
print(time.perf_counter() - t)
"""


def _gb(value: int) -> str:
    return f"{value / 1e9:.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000", help="customer counts, comma-separated")
    parser.add_argument("--work", default="", help="folder for datasets and runs (default: a new temp folder)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (crm-workbook run --jobs)")
    parser.add_argument("--timeout", type=float, default=1800, help="per-cell timeout of the runs, s")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"sizes {sizes}; {os.cpu_count()} CPUs; jobs {args.jobs}; load average before: "
          f"{os.getloadavg()[0]:.1f}; work folder {work}", flush=True)
    results, loading = {}, {}
    for size in sizes:
        data = generate(size, work / f"data-{size}")
        loading[size] = (load_crmlib(data), load_pyarrow(data))
        results[size] = run_suite(data, work, f"c{size}", args.jobs, args.timeout)
        r = results[size]
        print(f"{size:>9,} customers: {r['wall']:7.1f} s wall, peak RSS {_gb(r['peak_rss'])} over "
              f"{r['processes']} processes, status {r['status']} (exit {r['exit']}); load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        print(r["memory"], flush=True)

    notebooks = sorted({nb for r in results.values() for nb in r["notebooks"]})
    out = io.StringIO()
    out.write("\nseconds per notebook (status when not ok)\n")
    out.write(f"{'notebook':<20}" + "".join(f"{s:>14,}" for s in sizes) + "\n")
    for nb in notebooks:
        cells = []
        for size in sizes:
            seconds, status = results[size]["notebooks"].get(nb, (None, "missing"))
            text = f"{seconds:.1f}" if seconds is not None else "-"
            cells.append(f"{text + ('' if status == 'ok' else ' ' + status):>14}")
        out.write(f"{nb:<20}" + "".join(cells) + "\n")
    out.write(f"{'wall (command)':<20}" + "".join(f"{results[s]['wall']:>14.1f}" for s in sizes) + "\n")
    out.write(f"{'peak RSS, summed':<20}" + "".join(f"{_gb(results[s]['peak_rss']):>14}" for s in sizes) + "\n")
    out.write(f"{'load: crmlib, s':<20}" + "".join(f"{loading[s][0]:>14.1f}" for s in sizes) + "\n")
    out.write(f"{'load: pyarrow, s':<20}" + "".join(f"{loading[s][1]:>14.1f}" for s in sizes) + "\n")
    out.write(f"{'crmlib / pyarrow':<20}" + "".join(f"{loading[s][0] / loading[s][1]:>14.1f}" for s in sizes) + "\n")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        out.write(f"\ntime({large:,}) / time({small:,}) = {results[large]['wall'] / results[small]['wall']:.2f}\n")
    out.write(f"load average after: {os.getloadavg()[0]:.1f}\n")
    print(out.getvalue(), flush=True)
    (work / "bench_scale.txt").write_text(out.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    main()
