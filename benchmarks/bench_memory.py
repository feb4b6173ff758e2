"""Memory profile of one notebook: the kernel's peak resident memory, in all and per code cell.

The notebook is executed with papermill (the parameters the runner passes: ``data_dir`` and
``export_dir``, plus any ``-p KEY=VALUE``) while a thread samples the RSS of this process's
children (the kernel) from ``/proc`` every 0.2 s. Each sample is matched to the cell papermill
says was running then, so the table shows, per cell, the RSS when it started, its peak, and the
rise (peak - start), largest peak first. Cell numbers are positions in the executed notebook
(``<out>/<notebook>``: papermill's injected parameters cell and the ``--pin-store`` cell included).

The cleaned dataset store is keyed by crmlib's code version, so any edit of crmlib re-parses the
files. ``--pin-store`` pins the version the store key sees (a hidden first cell), so repeated
profiles on the same data reuse one store; cached results (``*.pkl``) of the cache folder are
removed first, so every analysis is computed again. Use it only while the loading code is unchanged.

    CRM_WORKBOOK_CACHE=/tmp/mem-cache nice -n 19 .venv/bin/python benchmarks/bench_memory.py \\
        notebooks/01_overview.ipynb --data /tmp/scale/data-1000000 --out /tmp/mem-run --pin-store
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import _children, _gb, _rss_bytes  # noqa: E402

PIN = ("import crmlib.cache as _pin_cache\n"
       "_pin_cache.code_version = lambda: 'bench-memory-pinned'  # bench_memory.py --pin-store\n"
       "del _pin_cache\n")


class KernelMemory(threading.Thread):
    """Samples ``(unix time, summed RSS of this process's descendants)`` until :meth:`stop`.

    Parameters
    ----------
    interval : float, optional
        Seconds between samples (default 0.2).
    """

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True)
        self.interval, self.samples = interval, []
        self._done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._done.is_set():
            tree, total, stack = _children(), 0, list(_children().get(me, []))
            while stack:
                pid = stack.pop()
                total += _rss_bytes(pid)
                stack.extend(tree.get(pid, []))
            self.samples.append((time.time(), total))
            self._done.wait(self.interval)

    def stop(self) -> list[tuple[float, int]]:
        """Stop sampling.

        Returns
        -------
        list of (float, int)
            The samples: unix time and bytes.
        """
        self._done.set()
        self.join()
        return self.samples


def _seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def cell_table(notebook: dict, samples: list[tuple[float, int]]) -> list[dict]:
    """Per executed code cell: index, first source line, seconds, RSS at its start, its peak and the rise.

    Parameters
    ----------
    notebook : dict
        The executed notebook (papermill's ``start_time``/``end_time`` in each cell's metadata).
    samples : list of (float, int)
        :class:`KernelMemory` samples (unix time, bytes).

    Returns
    -------
    list of dict
        One dict per cell with ``cell``, ``code``, ``seconds``, ``start``, ``peak`` and ``rise``.
    """
    rows = []
    for index, cell in enumerate(notebook["cells"]):
        meta = cell.get("metadata", {}).get("papermill", {})
        start, end = _seconds(meta.get("start_time")), _seconds(meta.get("end_time"))
        if cell["cell_type"] != "code" or start is None or end is None:
            continue
        inside = [rss for t, rss in samples if start <= t <= end + 0.2]
        before = [rss for t, rss in samples if t <= start]
        at_start = before[-1] if before else (inside[0] if inside else 0)
        peak = max(inside, default=at_start)
        source = "".join(cell["source"]).strip().splitlines()
        first = next((line for line in source if line.strip() and not line.startswith("if ")), source[0] if source
                     else "")
        rows.append({"cell": index, "code": first.strip()[:60], "seconds": end - start, "start": at_start,
                     "peak": peak, "rise": peak - at_start})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--data", required=True, help="dataset folder (data_dir)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the executed notebook and exports")
    parser.add_argument("-p", "--param", action="append", default=[], help="KEY=VALUE (a string parameter)")
    parser.add_argument("--pin-store", action="store_true", help="reuse one dataset store across crmlib edits")
    parser.add_argument("--top", type=int, default=12, help="cells shown (largest peak first)")
    args = parser.parse_args()

    import nbformat
    import papermill

    args.out.mkdir(parents=True, exist_ok=True)
    source = nbformat.read(str(args.notebook), as_version=4)
    if args.pin_store:
        folder = os.environ.get("CRM_WORKBOOK_CACHE")
        if not folder:
            parser.error("--pin-store needs CRM_WORKBOOK_CACHE (a scratch cache folder)")
        for path in Path(folder).glob("*.pkl"):
            path.unlink()
        source.cells.insert(0, nbformat.v4.new_code_cell(PIN))
    prepared = args.out / f"input-{args.notebook.name}"
    nbformat.write(source, str(prepared))
    parameters = {"data_dir": str(Path(args.data).resolve()), "export_dir": str((args.out / "exports").resolve())}
    parameters.update(dict(p.split("=", 1) for p in args.param))
    output = args.out / args.notebook.name
    memory = KernelMemory()
    memory.start()
    started = time.perf_counter()
    try:
        papermill.execute_notebook(str(prepared), str(output), parameters=parameters, kernel_name="python3",
                                   cwd=str(Path(__file__).resolve().parent.parent), progress_bar=False)
    finally:
        wall = time.perf_counter() - started
        samples = memory.stop()
    rows = cell_table(json.loads(output.read_text()), samples)
    peak = max((rss for _, rss in samples), default=0)
    print(f"{args.notebook.name}: {wall:.1f} s, kernel peak RSS {_gb(peak)} ({len(samples)} samples)")
    print(f"{'cell':>4} {'seconds':>8} {'start':>9} {'peak':>9} {'rise':>9}  code")
    for row in sorted(rows, key=lambda r: -r["peak"])[:args.top]:
        print(f"{row['cell']:>4} {row['seconds']:>8.1f} {_gb(row['start']):>9} {_gb(row['peak']):>9} "
              f"{_gb(row['rise']):>9}  {row['code']}")
    (args.out / "memory.json").write_text(json.dumps({"wall": wall, "peak": peak, "cells": rows,
                                                        "samples": samples}) + "\n")


if __name__ == "__main__":
    main()
