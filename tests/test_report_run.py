"""End-to-end runs of ``crm-workbook run`` on fixture notebooks: failure, timeout, concurrency,
invalid input. The fixtures (tests/fixtures/notebooks/basic) succeed, raise, or sleep on demand."""

import csv
import hashlib
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmlib import PROJECT_ROOT
from crmlib.cli import main
from crmlib.data.load import load_dataset
from crmlib.report.manifest import Manifest
from crmlib.report.runfolder import write_manifest

pytestmark = pytest.mark.slow

BASIC = Path(__file__).parent / "fixtures" / "notebooks" / "basic"
CDNOW = PROJECT_ROOT / "data" / "cdnow"


def crm(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crmlib.cli", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=600, **kwargs)


def run_folders(reports: Path) -> list[Path]:
    return sorted(p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()) if reports.exists() else []


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def basic_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    done = crm("run", "--data", str(CDNOW), "--name", "fixtures", "--notebooks-dir", str(BASIC),
               "--reports", str(reports), "-p", "rows=4", "-p", "channels=[web, app]",
               "-p", "sleep_seconds=60", "--timeout", "3", "--jobs", "2")
    (folder,) = run_folders(reports)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return done, reports, folder, manifest


def test_exit_code_and_status_per_notebook(basic_run):
    done, _, _, manifest = basic_run
    assert done.returncode == 1, done.stderr
    status = {nb["notebook"]: nb["status"] for nb in manifest["notebooks"]}
    assert status == {"01_ok": "ok", "02_fail": "failed", "03_slow": "timed_out"}
    assert manifest["status"] == "failed" and manifest["finished"] and manifest["duration_seconds"] > 0
    errors = {nb["notebook"]: nb["error_summary"] for nb in manifest["notebooks"]}
    assert errors["01_ok"] == ""
    assert "ValueError: fixture failure <b>not bold</b>" in errors["02_fail"]
    assert "CellTimeoutError" in errors["03_slow"] and "3 s" in errors["03_slow"]


def test_manifest_records_inputs_parameters_and_environment(basic_run):
    _, _, folder, manifest = basic_run
    dataset = load_dataset(CDNOW)
    assert manifest["dataset"]["fingerprint"] == dataset.fingerprint
    assert manifest["dataset"]["files"]["transactions.csv"] == hashlib.sha256(
        (CDNOW / "transactions.csv").read_bytes()).hexdigest()
    assert manifest["dataset"]["path"] == str(CDNOW) and manifest["dataset"]["analysis_date"] == "1998-06-30"
    assert manifest["dataset"]["engine"] == "duckdb"  # which engine ran the scans
    assert manifest["parameters"]["runner"]["export_dir"] == str(folder / "exports")
    by_name = {nb["notebook"]: nb for nb in manifest["notebooks"]}
    assert by_name["01_ok"]["parameters"]["rows"] == 4
    assert by_name["01_ok"]["parameters"]["channels"] == ["web", "app"]
    assert "sleep_seconds" not in by_name["01_ok"]["parameters"]
    assert by_name["03_slow"]["parameters"]["sleep_seconds"] == 60.0
    assert manifest["settings"]["churn_window_days"] == 90 and manifest["settings"]["lang"] == "en"
    assert manifest["packages"]["papermill"] and manifest["packages"]["python"]
    assert re.fullmatch(r"[0-9a-f]{40}", manifest["git"]["commit"])
    for nb in manifest["notebooks"]:
        assert nb["started"] <= nb["finished"] and nb["duration_seconds"] >= nb["html_seconds"] >= 0


def test_the_run_log_holds_the_runners_diagnostics(basic_run):
    _, _, folder, _ = basic_run
    text = (folder / "run.log").read_text(encoding="utf-8")
    assert f"[runner] crmlib.report.runner: run {folder.name}: dataset" in text
    for stem, mark in (("01_ok", "ok"), ("02_fail", "FAILED"), ("03_slow", "TIMEOUT")):
        assert f"start    {stem}" in text and f"{mark}" in text
    assert "ValueError: fixture failure" in text and "status failed, exit code 1" in text


def test_the_manifest_is_read_and_written_through_one_dataclass_unchanged(basic_run, tmp_path):
    _, _, folder, _ = basic_run
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    assert list(json.loads(text)) == [  # the keys and order the runner wrote before the dataclass
        "run_id", "name", "status", "started", "finished", "duration_seconds", "host", "pid", "command", "options",
        "parameters", "settings", "dataset", "notebooks", "packages", "git", "comparison", "exports"]
    manifest = Manifest.read(folder)
    assert manifest.extra == {} and manifest.run_id == folder.name and manifest.status == "failed"
    assert manifest.notebook("02_fail")["status"] == "failed" and manifest.exports and manifest.comparison
    write_manifest(tmp_path, manifest)
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == text
    manifest.stop("incomplete", incomplete_reason="gone")  # a later key goes last, the others keep their place
    assert list(manifest.to_dict())[-1] == "incomplete_reason" and manifest.status == "incomplete"


def test_exports_hold_what_the_notebook_wrote(basic_run):
    _, _, folder, manifest = basic_run
    exports = folder / "exports"
    raw = (exports / "fixture_ok.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["customer_id"] for r in rows] == ["C00000", "C00001", "C00002", "C00003"]
    seen = json.loads((exports / "fixture_ok.json").read_text(encoding="utf-8"))
    assert seen["channels"] == ["web", "app"] and seen["data_dir"] == str(CDNOW)
    assert seen["pseudonymize"] is False
    assert not (exports / "never.csv").exists()  # the failed notebook stopped at its error
    listed = {e["file"]: e["sha256"] for e in manifest["exports"]}
    assert listed == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in exports.iterdir()}


def test_failed_notebook_keeps_its_notebook_and_html_with_the_error_on_top(basic_run):
    _, _, folder, _ = basic_run
    executed = json.loads((folder / "02_fail.ipynb").read_text(encoding="utf-8"))
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    assert any(o["output_type"] == "error" and o["ename"] == "ValueError" for o in outputs)
    page = (folder / "02_fail.html").read_text(encoding="utf-8")
    status = page.index("crm-status-failed")
    assert status < page.index("before the failure")  # the error summary precedes the body
    assert "<b>not bold</b>" not in page and "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert 'href="01_ok.html"' in page and 'href="../index.html"' in page
    assert "raise ValueError" not in page[:status]  # code hidden: no source in the header


def test_timed_out_cell_is_marked_in_notebook_and_html(basic_run):
    _, _, folder, _ = basic_run
    executed = json.loads((folder / "03_slow.ipynb").read_text(encoding="utf-8"))
    sleeping = next(c for c in executed["cells"] if "time.sleep" in "".join(c["source"]))
    assert [o["ename"] for o in sleeping["outputs"] if o["output_type"] == "error"] == ["CellTimeoutError"]
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    assert "woke up" not in json.dumps(outputs)  # the cell after it never ran
    page = (folder / "03_slow.html").read_text(encoding="utf-8")
    assert "crm-status-timed_out" in page and "TIMED OUT" in page and "CellTimeoutError" in page


def test_index_progress_and_runs_listing(basic_run):
    done, reports, folder, _ = basic_run
    index = (reports / "index.html").read_text(encoding="utf-8")
    for name in ("01_ok", "02_fail", "03_slow"):
        assert f'href="{folder.name}/{name}.html"' in index
    assert not (reports / "latest").exists()  # no run has succeeded yet
    assert "start    01_ok" in done.stdout and "(3/3 done)" in done.stdout
    assert "TIMEOUT" in done.stdout and "FAILED" in done.stdout
    listing = crm("runs", "--reports", str(reports))
    assert listing.returncode == 0
    assert folder.name in listing.stdout and "02_fail:failed" in listing.stdout
    assert "03_slow:timed_out" in listing.stdout


def test_invalid_dataset_stops_before_any_kernel_and_touches_nothing(basic_run, tmp_path, capsys):
    _, reports, folder, _ = basic_run
    before = snapshot(reports)
    bad = tmp_path / "bad"
    shutil.copytree(CDNOW, bad)
    lines = (bad / "transactions.csv").read_text().splitlines()
    header = lines[0].split(",")
    amount = header.index("dollar_value")
    broken = [lines[0]] + [",".join("abc" if i == amount else v for i, v in enumerate(line.split(",")))
                           for line in lines[1:]]
    (bad / "transactions.csv").write_text("\n".join(broken) + "\n")
    code = main(["run", "--data", str(bad), "--notebooks-dir", str(BASIC), "--reports", str(reports)])
    assert code == 3
    err = capsys.readouterr().err
    assert "Data error" in err and "dollar_value" in err
    assert snapshot(reports) == before and run_folders(reports) == [folder]
    code = main(["run", "--data", str(tmp_path / "nowhere"), "--notebooks-dir", str(BASIC),
                 "--reports", str(reports)])
    assert code == 3 and "dataset.yaml" in capsys.readouterr().err
    assert snapshot(reports) == before


@pytest.mark.parametrize(("args", "message"), [
    (["-p", "rowz=3"], "no selected notebook declares a parameter 'rowz'"),
    (["-p", "rows=many"], "parameter rows (int)"),
    (["-p", "data_dir=/x"], "use --data"),
    (["--notebooks", "09"], "matches no notebook"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["-p", "lang=fr"], "-p lang = 'fr': must be one of 'en', 'zh'"),
])
def test_usage_errors_exit_2_before_anything_is_written(tmp_path, capsys, args, message):
    reports = tmp_path / "reports"
    code = main(["run", "--data", str(CDNOW), "--notebooks-dir", str(BASIC), "--reports", str(reports), *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not reports.exists()


def test_two_concurrent_runs_get_distinct_folders_and_both_complete(tmp_path):
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "crmlib.cli", "run", "--data", str(CDNOW), "--name", "same",
               "--notebooks-dir", str(BASIC), "--notebooks", "03", "--reports", str(reports)]
    processes = [subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    folders = run_folders(reports)
    assert len(folders) == 2 and all(f.name.split("-", 2)[2].startswith("same") for f in folders)
    manifests = [json.loads((f / "manifest.json").read_text(encoding="utf-8")) for f in folders]
    assert [m["status"] for m in manifests] == ["ok", "ok"]
    assert all((f / "03_slow.html").is_file() for f in folders)
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert all(f.name in index for f in folders)
    newest = max(manifests, key=lambda m: m["started"])["run_id"]
    assert (reports / "latest").resolve() == (reports / newest).resolve()
    assert (reports / "latest.txt").read_text().strip() == newest


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _interruptible() -> None:
    """In the child before exec: Ctrl-C works as at a terminal, whatever this test process inherited
    (an ignored or blocked SIGINT is passed on to children, and Python then never raises
    KeyboardInterrupt; other tests in a pytest-xdist worker may leave it so)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"  # zombies are gone


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
@pytest.mark.parametrize(("signal_number", "exit_code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_run_stops_its_notebooks_and_says_so(tmp_path, signal_number, exit_code):
    reports = tmp_path / "reports"
    process = subprocess.Popen([sys.executable, "-m", "crmlib.cli", "run", "--data", str(CDNOW), "--notebooks-dir",
                                str(BASIC), "-n", "03", "-p", "sleep_seconds=300", "--reports", str(reports)],
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_interruptible)
    deadline = time.monotonic() + 120
    while not list(reports.glob("*/logs/03_slow.log")) or not _descendants(process.pid):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.2)
    time.sleep(3)  # let the worker start its kernel
    workers = _descendants(process.pid)
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == exit_code, stderr
    assert "marked as interrupted" in stderr
    (folder,) = run_folders(reports)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted" and manifest["finished"]
    assert [nb["status"] for nb in manifest["notebooks"]] == ["interrupted"]
    assert folder.name in (reports / "index.html").read_text(encoding="utf-8")
    deadline = time.monotonic() + 30  # the kernel notices its worker is gone within a few seconds
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [pid for pid in workers if _alive(pid)], "worker or kernel processes left running"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_a_killed_runner_takes_its_workers_and_kernels_with_it_and_the_run_is_marked_incomplete(tmp_path):
    reports = tmp_path / "reports"
    process = subprocess.Popen([sys.executable, "-m", "crmlib.cli", "run", "--data", str(CDNOW), "--notebooks-dir",
                                str(BASIC), "-n", "01", "03", "-j", "1", "-p", "sleep_seconds=300",
                                "--reports", str(reports)],
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(reports.glob("*/logs/03_slow.log")) or not _descendants(process.pid):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.2)
    time.sleep(3)  # let the worker start its kernel
    workers = _descendants(process.pid)
    process.kill()  # SIGKILL, as the out-of-memory killer does: no handler runs
    process.communicate(timeout=60)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [pid for pid in workers if _alive(pid)], "worker or kernel processes left running"
    (folder,) = run_folders(reports)
    assert not (folder / "03_slow.html").exists()  # nothing written into the dead run afterwards
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["status"] == "running"
    listed = crm("runs", "--reports", str(reports))  # the next touch of the reports folder
    assert listed.returncode == 0 and "incomplete" in listed.stdout
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "incomplete" and "process ended" in manifest["incomplete_reason"]
    assert {nb["notebook"]: nb["status"] for nb in manifest["notebooks"]} == {"01_ok": "ok",
                                                                             "03_slow": "interrupted"}


def test_a_fraction_for_an_int_parameter_in_the_run_config_exits_2_naming_it(tmp_path, capsys):
    config = tmp_path / "monthly.yaml"
    config.write_text("params: {rows: 3.5}\n", encoding="utf-8")  # YAML reads 3.5 as a float, not text
    reports = tmp_path / "reports"
    code = main(["run", "--config", str(config), "--data", str(CDNOW), "--notebooks-dir", str(BASIC),
                 "--reports", str(reports)])
    assert code == 2
    assert "parameter rows (int): cannot use 3.5: expected a whole number" in capsys.readouterr().err
    assert not reports.exists()


def test_reports_pointing_at_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "reports.txt"
    target.write_text("not a folder", encoding="utf-8")
    for reports in (target, target / "sub"):
        code = main(["run", "--data", str(CDNOW), "--notebooks-dir", str(BASIC), "--reports", str(reports)])
        assert code == 2
        err = capsys.readouterr().err
        assert "Usage error: --reports" in err and "is a file, not a folder" in err and "Errno" not in err
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_a_full_disk_gives_one_clear_line_and_marks_the_run_failed_where_it_still_can(tmp_path, capsys, monkeypatch):
    import errno

    from crmlib.report import runner

    reports = tmp_path / "reports"
    real, failed = runner.write_manifest, []

    def full_once(folder, manifest):  # the disk is full when the finished notebook is recorded
        if not failed and any(nb["status"] == "ok" for nb in manifest["notebooks"]):
            failed.append(folder)
            raise OSError(errno.ENOSPC, "No space left on device", str(folder / "manifest.json"))
        return real(folder, manifest)

    monkeypatch.setattr(runner, "write_manifest", full_once)
    code = main(["run", "--data", str(CDNOW), "--notebooks-dir", str(BASIC), "-n", "01", "--reports", str(reports)])
    assert code == 1 and failed
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert f"could not write {failed[0] / 'manifest.json'}: No space left on device (" in err
    assert "MB free in" in err and "is marked failed" in err
    (folder,) = run_folders(reports)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))  # written once space was back
    assert manifest["status"] == "failed" and "No space left on device" in manifest["failure_reason"]
    assert manifest["finished"] and not list(reports.rglob("*.tmp"))
    assert "failed" in (reports / "index.html").read_text(encoding="utf-8")


def test_a_reports_folder_that_cannot_be_created_is_one_clear_line(tmp_path, capsys, monkeypatch):
    import errno

    from crmlib.report import runner

    def read_only(reports, name, now=None):
        raise OSError(errno.EROFS, "Read-only file system", str(reports / name))

    monkeypatch.setattr(runner, "create_run_folder", read_only)
    code = main(["run", "--data", str(CDNOW), "--notebooks-dir", str(BASIC), "-n", "01",
                 "--reports", str(tmp_path / "reports")])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "Read-only file system" in err and "marked" not in err


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MB filesystem (tmpfs) for the reports; skipped where mounting one is not permitted."""
    mount = tmp_path / "small"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                              capture_output=True, text=True, timeout=30)
    except OSError as exc:
        pytest.skip(f"cannot mount a 2 MB tmpfs for the full-disk test: {exc}")
    if done.returncode != 0:
        pytest.skip("cannot mount a 2 MB tmpfs for the full-disk test (needs root or CAP_SYS_ADMIN): "
                    + (done.stderr.strip() or f"mount exited {done.returncode}"))
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def _leave_free(mount: Path, free_bytes: int) -> None:
    (mount / "ballast").write_bytes(b"\0" * (shutil.disk_usage(mount).free - free_bytes))


def test_a_really_full_disk_at_the_first_manifest_is_one_clear_line(small_disk):
    _leave_free(small_disk, 4096)  # room for run.log's first line, not for the 5 KB manifest
    reports = small_disk / "reports"
    done = crm("run", "--data", str(CDNOW), "--notebooks-dir", str(BASIC), "-n", "01", "--reports", str(reports))
    assert done.returncode == 1, done.stderr
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    (folder,) = run_folders(reports)
    assert f"could not write {folder / 'manifest.json'}: No space left on device (0.0 MB free in {reports})" in err
    assert "could not be marked failed" in err
    assert not list(small_disk.rglob("*.tmp")) and not (folder / "01_ok.html").exists()


def test_a_page_that_does_not_fit_fails_its_notebook_and_the_run_says_why(small_disk):
    _leave_free(small_disk, 120_000)  # the manifests, notebook and exports fit; the 270 KB page does not
    reports = small_disk / "reports"
    done = crm("run", "--data", str(CDNOW), "--notebooks-dir", str(BASIC), "-n", "01", "--reports", str(reports))
    assert done.returncode == 1, done.stderr
    (folder,) = run_folders(reports)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["notebooks"]
    assert manifest["status"] == "failed" and entry["status"] == "failed" and entry["html"] is None
    assert f"the page could not write {folder / '01_ok.html'}: No space left on device (" in entry["error_summary"]
    assert "MB free in" in entry["error_summary"] and "FAILED   01_ok" in done.stdout
    assert (folder / "exports" / "fixture_ok.csv").is_file() and not (folder / "01_ok.html").exists()
    assert not list(small_disk.rglob("*.tmp"))
