"""Kernel and notebook faults in a real ``crm-workbook run``: a kernel that dies at start-up, one
that never answers, one that loses its port to another process (ZMQError: Address already in
use) once or every time, and a notebook that runs past ``--notebook-timeout``. Each fails (or,
for the lost port race, is retried) within bounded time; the others succeed; the run ends.

The kernels are real ipykernel processes behind a kernel spec (tests/fixtures/kernels/fault_kernel.py)
that misbehaves by the notebook it is started for."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from crmlib import PROJECT_ROOT

pytestmark = pytest.mark.slow

FAULT_KERNEL = Path(__file__).parent / "fixtures" / "kernels" / "fault_kernel.py"
CDNOW = PROJECT_ROOT / "data" / "cdnow"
NOTEBOOKS = {  # stem: code cells
    "01_ok": ["print('fine')"],
    "02_kernel_dies": ["print('never')"],
    "03_kernel_hangs": ["print('never')"],
    "04_port_race": ["print('second start')"],
    "05_port_taken": ["print('never')"],
}
SLEEPS = {"01_sleeps": ["import time", "time.sleep(300)", "print('woke up')"]}
START_LIMIT, NOTEBOOK_LIMIT = 25, 45  # the limit leaves a loaded machine time to reach the sleep


def _notebooks(folder: Path, notebooks: dict[str, list[str]]) -> Path:
    folder.mkdir()
    for stem, cells in notebooks.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {stem}")]
                                      + [nbformat.v4.new_code_cell(c) for c in cells])
        nbformat.write(nb, folder / f"{stem}.ipynb")
    return folder


def _outcome(process: subprocess.Popen, reports: Path, t0: float):
    stdout, stderr = process.communicate(timeout=300)
    seconds = time.monotonic() - t0
    (folder,) = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return (process.returncode, stdout, stderr), seconds, folder, \
        {nb["notebook"]: nb for nb in manifest["notebooks"]}, manifest


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two runs at once: the kernel faults (``--jobs 3``), and a notebook past a short notebook limit."""
    root = tmp_path_factory.mktemp("faults")
    spec = root / "jupyter" / "kernels" / "faulty"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(FAULT_KERNEL), "-f", "{connection_file}"],
        "display_name": "faulty", "language": "python"}), encoding="utf-8")
    config = root / "run.yaml"
    config.write_text("kernel: faulty\n", encoding="utf-8")
    env = {**os.environ, "JUPYTER_PATH": str(root / "jupyter"), "FAULT_KERNEL_DIR": str(root)}
    started = {}
    for name, notebooks, limits in (
            ("kernels", NOTEBOOKS, ["--jobs", "3", "--start-timeout", str(START_LIMIT)]),
            ("sleeps", SLEEPS, ["--notebook-timeout", str(NOTEBOOK_LIMIT), "--timeout", "0"])):
        command = [sys.executable, "-m", "crmlib.cli", "run", "--config", str(config), "--data", str(CDNOW),
                   "--notebooks-dir", str(_notebooks(root / name, notebooks)), "--no-compare",
                   "--reports", str(root / f"reports-{name}"), *limits]
        started[name] = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         cwd=PROJECT_ROOT, env=env), time.monotonic()
    return {name: _outcome(process, root / f"reports-{name}", t0) for name, (process, t0) in started.items()}


@pytest.fixture(scope="module")
def fault_run(runs):
    return runs["kernels"]


@pytest.fixture(scope="module")
def sleep_run(runs):
    return runs["sleeps"]


def test_the_run_ends_with_the_failed_notebooks_failed_and_the_others_ok(fault_run):
    (code, _, stderr), seconds, _, notebooks, manifest = fault_run
    assert code == 1, stderr
    assert seconds < 200
    assert {stem: nb["status"] for stem, nb in notebooks.items()} == {
        "01_ok": "ok", "02_kernel_dies": "failed", "03_kernel_hangs": "failed", "04_port_race": "ok",
        "05_port_taken": "failed"}
    assert manifest["status"] == "failed" and manifest["finished"]
    assert manifest["options"]["start_timeout_seconds"] == START_LIMIT
    assert manifest["options"]["notebook_timeout_seconds"] == 7200  # the default


def test_a_kernel_that_dies_or_never_answers_fails_its_notebook_with_the_reason(fault_run):
    (_, stdout, _), _, folder, notebooks, _ = fault_run
    dies, hangs = notebooks["02_kernel_dies"], notebooks["03_kernel_hangs"]
    assert dies["error"]["ename"] == hangs["error"]["ename"] == "KernelStartError"
    assert "the kernel (faulty) did not start" in dies["error_summary"]
    assert "Kernel died before replying" in dies["error_summary"]
    assert f"didn't respond in {START_LIMIT} seconds" in hangs["error_summary"]
    assert hangs["execute_seconds"] < START_LIMIT + 30 and dies["kernel_start_attempts"] == 1
    for stem in ("02_kernel_dies", "03_kernel_hangs"):
        page = (folder / f"{stem}.html").read_text(encoding="utf-8")
        assert "crm-status-failed" in page and "did not start" in page
        assert f"FAILED   {stem}" in stdout
    run_log = (folder / "run.log").read_text(encoding="utf-8")
    assert "[03_kernel_hangs]" in run_log and f"didn't respond in {START_LIMIT} seconds" in run_log


def test_a_kernel_start_that_loses_a_port_race_is_tried_once_more_and_says_so(fault_run):
    (_, stdout, _), _, folder, notebooks, _ = fault_run
    race, taken = notebooks["04_port_race"], notebooks["05_port_taken"]
    assert race["kernel_start_attempts"] == 2 and race["error_summary"] == ""
    assert "second start" in (folder / "04_port_race.ipynb").read_text(encoding="utf-8")
    run_log = (folder / "run.log").read_text(encoding="utf-8")
    assert "[04_port_race]" in run_log and "port race with a parallel kernel; starting it once more" in run_log
    assert "ok       04_port_race" in stdout and "lost a port to a parallel kernel" in stdout
    assert taken["kernel_start_attempts"] == 2
    assert "ZMQError: Address already in use" in taken["error_summary"]
    assert "started 2 times" in taken["error_summary"]


def test_a_notebook_past_the_notebook_limit_is_stopped_with_its_kernel(sleep_run):
    (code, stdout, stderr), _, folder, notebooks, manifest = sleep_run
    assert code == 1, stderr
    slow = notebooks["01_sleeps"]
    assert slow["status"] == "timed_out" and manifest["status"] == "failed"
    assert slow["error"]["ename"] == "NotebookTimeoutError"
    assert f"per-notebook limit of {NOTEBOOK_LIMIT} s" in slow["error_summary"]
    assert NOTEBOOK_LIMIT <= slow["wall_seconds"] < NOTEBOOK_LIMIT + 30
    executed = nbformat.read(folder / "01_sleeps.ipynb", as_version=4)
    sleeping = next(c for c in executed.cells if "time.sleep" in c.source)
    if sleeping.metadata.get("papermill", {}).get("start_time"):  # the cell that was running says so
        assert [o["ename"] for o in sleeping.outputs if o["output_type"] == "error"] == ["NotebookTimeoutError"]
    else:  # the machine was too loaded to reach it: the notice on top says so
        assert "The notebook was stopped" in executed.cells[0].source
    assert "woke up" not in json.dumps([c.get("outputs", []) for c in executed.cells])
    page = (folder / "01_sleeps.html").read_text(encoding="utf-8")
    assert "crm-status-timed_out" in page and "per-notebook limit" in page
    assert "TIMEOUT  01_sleeps" in stdout
    leftover = subprocess.run(["pgrep", "-f", str(FAULT_KERNEL)], capture_output=True, text=True).stdout.split()
    assert not leftover, "kernel processes left running"
