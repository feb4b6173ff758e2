"""Benchmark: the whole report suite on the bundled sample, sequential vs 2 jobs, and what each
notebook costs beyond its own cells (worker start, kernel start, HTML conversion).

Reference, measured in the same run: plain ``papermill`` executing the same notebooks one after
the other (no HTML, no manifest). Every configuration starts with an empty result cache
(``CRM_WORKBOOK_CACHE`` pointed at a fresh folder), so no run profits from an earlier one.

    .venv/bin/python benchmarks/bench_runner.py            # data/sample, all notebooks
    .venv/bin/python benchmarks/bench_runner.py --data data/cdnow
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMPTY = ROOT / "tests" / "fixtures" / "notebooks" / "basic"


def timed(command: list[str], cache: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, CRM_WORKBOOK_CACHE=str(cache))
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done


def runner(data: str, jobs: int, work: Path, tag: str, extra: tuple[str, ...] = ()) -> tuple[float, dict]:
    reports = work / "reports"  # shared: the 2-job run orders notebooks by the 1-job run's timings
    seconds, done = timed([str(Path(sys.executable).parent / "crm-workbook"), "run", "--data", data,
                           "--name", tag, "--jobs", str(jobs), "--reports", str(reports), *extra],
                          work / f"cache-{tag}")
    (folder,) = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink() and p.name.endswith(tag)]
    manifest = json.loads((folder / "manifest.json").read_text())
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:])
    return seconds, manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="data/sample")
    args = parser.parse_args()
    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    print(f"{len(notebooks)} notebooks: {', '.join(p.stem for p in notebooks)}; data {args.data}; "
          f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="bench-runner-"))

    # reference: plain papermill, one notebook after the other, from the notebooks folder
    cache = work / "cache-papermill"
    started = time.perf_counter()
    for path in notebooks:
        _, done = timed([str(Path(sys.executable).parent / "papermill"), str(path), str(work / path.name),
                         "-p", "data_dir", str(ROOT / args.data), "-p", "export_dir", str(work / "pm-exports"),
                         "--cwd", str(path.parent), "--no-progress-bar"], cache)
        if done.returncode != 0:
            print(f"papermill failed on {path.name}: {done.stderr[-500:]}")
    reference = time.perf_counter() - started

    sequential, seq_manifest = runner(args.data, 1, work, "jobs1")
    parallel, par_manifest = runner(args.data, 2, work, "jobs2")
    empty, empty_manifest = runner(args.data, 1, work, "empty",
                                   ("--notebooks-dir", str(EMPTY), "--notebooks", "03_slow"))

    print(f"\nplain papermill, sequential (reference)  {reference:7.1f} s   1.00")
    print(f"crm-workbook run --jobs 1                {sequential:7.1f} s   {sequential / reference:.2f}"
          f"   ({seq_manifest['status']})")
    print(f"crm-workbook run --jobs 2                {parallel:7.1f} s   {parallel / reference:.2f}"
          f"   ({par_manifest['status']}; {parallel / sequential:.2f} x the sequential run)")
    print("\nper notebook (jobs 1), s:  wall   cells   kernel start   HTML   other (worker start, papermill)")
    for nb in seq_manifest["notebooks"]:
        kernel = nb.get("kernel_start_seconds") or 0
        cells = nb["execute_seconds"] - kernel
        other = nb["wall_seconds"] - cells - kernel - nb["html_seconds"]
        print(f"  {nb['notebook']:<20} {nb['wall_seconds']:6.1f}  {cells:6.1f}  {kernel:12.2f}  "
              f"{nb['html_seconds']:5.2f}  {other:6.2f}")
    (nb,) = empty_manifest["notebooks"]
    fixed = empty - empty_manifest["duration_seconds"]
    print(f"\nan empty notebook through the runner: {empty:.1f} s command wall time, of which "
          f"{nb['duration_seconds']:.1f} s in its worker (kernel start {nb.get('kernel_start_seconds') or 0:.2f} s, "
          f"HTML {nb['html_seconds']:.2f} s) and {fixed:.1f} s for the command itself "
          f"(imports, dataset validation, manifest, index)")
    total_html = sum(n["html_seconds"] for n in seq_manifest["notebooks"])
    total_kernel = sum(n.get("kernel_start_seconds") or 0 for n in seq_manifest["notebooks"])
    print(f"HTML conversion is {total_html / sequential:.0%} and kernel start {total_kernel / sequential:.0%} "
          f"of the sequential run; load average after: {os.getloadavg()[0]:.1f}")
    print(f"(outputs kept in {work})")


if __name__ == "__main__":
    main()
