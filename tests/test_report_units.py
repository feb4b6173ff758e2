"""Unit tests of the report runner's pieces (no kernels started)."""

import json
import threading
from pathlib import Path

import nbformat
import pytest
from papermill import inspect_notebook

from crmlib.notebook import pseudonym
from crmlib.report.index import list_runs, render_index, update_index
from crmlib.report.pages import PageHeader, defuse_scripts, header_html, render_html
from crmlib.report.params import (
    UsageError,
    coerce_value,
    notebook_parameters,
    parse_parameters_cell,
    plan_parameters,
    select_notebooks,
)
from crmlib.report.pseudonyms import Scrubber, distinctive
from crmlib.report.runfolder import create_run_folder, safe_name, write_manifest
from crmlib.report.worker import mark_timeout

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
COMMON = '''data_dir: str = "data/sample"  # dataset folder
analysis_date: str = ""  # YYYY-MM-DD; empty = the last transaction date
days: int = 90  # churn window
share: float = 0.25
flag: bool = False  # a flag
channels: list = ["web"]  # channels
untyped = {"a": 1}
'''


def test_parameters_cell_is_read_even_where_papermill_skips_a_line(tmp_path):
    params = parse_parameters_cell(COMMON)
    assert [p.name for p in params.values()] == ["data_dir", "analysis_date", "days", "share", "flag",
                                                 "channels", "untyped"]
    assert params["analysis_date"].help == "YYYY-MM-DD; empty = the last transaction date"
    assert (params["days"].type, params["days"].default, params["days"].help) == ("int", "90", "churn window")
    assert params["share"].help == ""
    assert params["untyped"].type == "dict"
    # the reason for our own reader: papermill drops a parameter whose help contains "="
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(COMMON, metadata={"tags": ["parameters"]})])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "p.ipynb"
    nbformat.write(nb, path)
    assert "analysis_date" not in inspect_notebook(str(path))
    assert "analysis_date" in notebook_parameters(path)


@pytest.mark.parametrize(("value", "declared", "expected"), [
    ("120", "int", 120), ("0.5", "float", 0.5), ("yes", "bool", True), ("0", "bool", False),
    ("2024-06-30", "str", "2024-06-30"), ("007", "str", "007"), ("[web, app]", "list", ["web", "app"]),
    ("{a: 1}", "dict", {"a": 1}), ("2024-06-30", "None", "2024-06-30"), ("3", "None", 3),
    (5, "float", 5.0), (["x"], "list", ["x"]), (True, "bool", True), (90.0, "int", 90),
])
def test_values_are_typed_as_declared(value, declared, expected):
    result = coerce_value("x", value, declared)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("value", "declared"), [("abc", "int"), ("maybe", "bool"), ("1.5", "int"),
                                                 ("web", "list"), ("[1]", "dict"), (True, "int"),
                                                 (90.5, "int"), (float("inf"), "int"), (float("nan"), "int")])
def test_bad_values_are_usage_errors(value, declared):
    with pytest.raises(UsageError, match="parameter x"):
        coerce_value("x", value, declared)


def test_notebook_selection_by_name_or_prefix():
    available = sorted((FIXTURES / "basic").glob("*.ipynb"))
    assert [p.stem for p in select_notebooks(available, [])] == ["01_ok", "02_fail", "03_slow"]
    assert [p.stem for p in select_notebooks(available, ["03", "01_ok.ipynb"])] == ["01_ok", "03_slow"]
    with pytest.raises(UsageError, match="matches no notebook"):
        select_notebooks(available, ["04"])
    with pytest.raises(UsageError, match="matches several"):
        select_notebooks(available, ["0"])


def test_overrides_go_only_to_notebooks_that_declare_them():
    notebooks = sorted((FIXTURES / "basic").glob("*.ipynb"))
    _, typed = plan_parameters(notebooks, {"rows": "7", "sleep_seconds": "2", "lang": "zh"})
    by_stem = {p.stem: v for p, v in typed.items()}
    assert by_stem["01_ok"] == {"rows": 7, "lang": "zh"}
    assert by_stem["02_fail"] == {"lang": "zh"}
    assert by_stem["03_slow"] == {"sleep_seconds": 2.0, "lang": "zh"}
    with pytest.raises(UsageError, match="no selected notebook declares"):
        plan_parameters(notebooks, {"rowz": "7"})
    with pytest.raises(UsageError, match="--data"):
        plan_parameters(notebooks, {"data_dir": "/x"})


def test_run_folders_are_unique_even_when_claimed_at_once(tmp_path):
    folders = []
    threads = [threading.Thread(target=lambda: folders.append(create_run_folder(tmp_path, "same")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(folders)) == 8
    assert all(f.name.endswith("-same") or f.name.rsplit("-", 1)[1].isdigit() for f in folders)
    assert safe_name("月报 <b>") == "b" and safe_name("...") == "run"


def _manifest(folder: Path, started: str, status: str, notebooks=()) -> None:
    write_manifest(folder, {"run_id": folder.name, "name": "<i>n</i>", "status": status, "started": started,
                            "dataset": {"name": "<script>alert(1)</script>", "path": "/d"},
                            "notebooks": [{"notebook": n, "status": s, "html": f"{n}.html"} for n, s in notebooks]})


def test_index_lists_newest_first_escapes_text_and_points_latest_at_newest_success(tmp_path):
    # folder names sort the other way round from start times: the start time must win
    _manifest(tmp_path / "b-old", "2024-01-01T10:00:00", "ok", [("01_x", "ok")])
    _manifest(tmp_path / "a-new", "2024-01-02T10:00:00", "ok", [("01_x", "ok")])
    _manifest(tmp_path / "c-newest-failed", "2024-01-03T10:00:00", "failed", [("01_x", "failed")])
    page = update_index(tmp_path).read_text(encoding="utf-8")
    assert [r["folder"] for r in list_runs(tmp_path)] == ["c-newest-failed", "a-new", "b-old"]
    table = page[page.index("<tbody>"):]
    assert table.index("c-newest-failed") < table.index("a-new") < table.index("b-old")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page and "<i>n</i>" not in page
    assert (tmp_path / "latest").resolve() == (tmp_path / "a-new").resolve()
    assert (tmp_path / "latest.txt").read_text().strip() == "a-new"
    assert 'href="a-new/01_x.html"' in page


def test_a_running_run_whose_process_is_gone_is_incomplete(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    write_manifest(folder, {"status": "running", "started": "x", "host": __import__("platform").node(),
                            "pid": 2 ** 22 + 12345})
    assert list_runs(tmp_path)[0]["status"] == "incomplete"
    assert "incomplete" in render_index(list_runs(tmp_path), None)


def test_timeout_is_written_into_the_cell_that_was_running():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a"), nbformat.v4.new_code_cell("b"),
                                         nbformat.v4.new_code_cell("c")])
    nb.cells[0].metadata["papermill"] = {"start_time": "2024-01-01T00:00:00"}
    nb.cells[1].metadata["papermill"] = {"start_time": "2024-01-01T00:00:01"}
    nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[])]
    nb.cells[2].metadata["papermill"] = {"start_time": None}
    assert mark_timeout(nb, 5) == 1
    (output,) = nb.cells[1].outputs
    assert output.ename == "CellTimeoutError" and "5 s" in output.evalue
    assert nb.cells[0].get("outputs") == [] and nb.cells[1].metadata.papermill.status == "failed"


def test_scrubber_pseudonymises_ids_and_removes_contacts():
    scrub = Scrubber(["C00042", "17", "1234567"], salt="s")
    text = scrub("C00042 and 1234567 bought; 17 items; mail a.b@shop.cn or call +86 139 1234 5678, C000421")
    assert pseudonym("C00042", "s") in text and "C00042 " not in text
    assert pseudonym("1234567", "s") in text
    assert "17 items" in text and "C000421" in text  # short numbers and other tokens are left alone
    assert "a.b@shop.cn" not in text and "139 1234 5678" not in text
    assert not distinctive("17") and distinctive("1234567") and distinctive("张三-01")
    assert not distinctive("abc") and not distinctive("C.0001")


def test_page_has_no_external_resources_and_escapes_header_text():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("secret_code()", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": "<p>ok</p><script>alert(1)</script>", "text/plain": "x"})]),
    ])
    header = PageHeader(title="T", current="01", parameters={"lang": "<b>zh</b>"}, status="failed",
                        error="ValueError: <img src=x>", nav=[("01", "01.html"), ("02", "02.html")])
    page = render_html(nb, header)
    assert "<script src=" not in page and "mathjax" not in page.lower() and "require.min.js" not in page
    assert "<script>alert(1)" not in page and "&lt;script" in page
    assert "secret_code" not in page  # code hidden by default
    assert "secret_code" in render_html(nb, header, show_code=True)
    assert "&lt;img src=x&gt;" in page and "&lt;b&gt;zh&lt;/b&gt;" in page
    assert '<a href="01.html" aria-current="page">' in header_html(header)
    assert defuse_scripts("<SCRIPT src=x>") == "&lt;SCRIPT src=x>"
    assert '<html lang="en">' in page  # an unknown language is not passed through


def test_chinese_pages_say_so_and_name_cjk_fonts():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 概览\n\n客户价值")])
    chinese = render_html(nb, PageHeader(title="概览", parameters={"lang": "zh"}))
    assert '<html lang="zh">' in chinese and '"Microsoft YaHei"' in chinese and '"PingFang SC"' in chinese
    assert '<html lang="en">' in render_html(nb, PageHeader(title="Overview", parameters={"lang": "en"}))


def test_fixture_notebooks_are_committed_without_outputs():
    for path in FIXTURES.rglob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            assert cell.get("outputs", []) == [] and cell.get("execution_count") is None, path


def test_run_config_fills_options_and_the_command_line_wins(tmp_path):
    from crmlib.cli import build_parser
    from crmlib.report.cli import options_from_args

    config = tmp_path / "monthly.yaml"
    config.write_text("data: exports/current\nname: monthly\njobs: 1\ntimeout: 900\npseudonymize: true\n"
                      "notebooks: 03_clv\nparams: {lang: zh, churn_window_days: 120}\n", encoding="utf-8")
    parser, _ = build_parser()
    options = options_from_args(parser.parse_args(
        ["run", "--config", str(config), "--name", "rerun", "-p", "lang=en", "-n", "00,01"]))
    assert Path(options.data) == (tmp_path / "exports" / "current").resolve()  # relative to the file
    assert (options.name, options.jobs, options.timeout, options.pseudonymize) == ("rerun", 1, 900, True)
    assert options.params == {"lang": "en", "churn_window_days": 120}
    assert options.notebooks == ["00", "01"] and options.show_code is False
    config.write_text("jobz: 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="unknown keys"):
        options_from_args(parser.parse_args(["run", "--config", str(config)]))


def test_longest_notebooks_start_first_after_a_previous_run(tmp_path):
    from crmlib.report.runner import longest_first

    specs = [{"stem": s} for s in ("00_a", "01_b", "02_c", "03_new")]
    assert longest_first(specs, tmp_path, "now") == specs  # no history: file order
    write_manifest(tmp_path / "before", {"started": "1", "status": "ok", "notebooks": [
        {"notebook": "00_a", "status": "ok", "duration_seconds": 5},
        {"notebook": "01_b", "status": "ok", "duration_seconds": 20},
        {"notebook": "02_c", "status": "ok", "duration_seconds": 9}]})
    assert [s["stem"] for s in longest_first(specs, tmp_path, "now")] == ["03_new", "01_b", "02_c", "00_a"]


def test_bundled_notebooks_start_longest_first_before_any_run(tmp_path):
    from crmlib.report.runner import TYPICAL_SECONDS, longest_first

    stems = sorted(TYPICAL_SECONDS)  # file order: 00_data_quality, 01_overview, ...
    order = [s["stem"] for s in longest_first([{"stem": s} for s in stems + ["08_mine"]], tmp_path, "now")]
    assert order[0] == "08_mine"  # unknown: may be long, starts at once
    assert order[1:] == sorted(stems, key=lambda s: -TYPICAL_SECONDS[s])
    assert order[1] == "01_overview" and order[-1] != "01_overview"
    # 01 timed short in an earlier run, 04 untimed: 04's typical share, scaled to 01's timing, decides
    write_manifest(tmp_path / "before", {"started": "1", "status": "ok", "notebooks": [
        {"notebook": "01_overview", "status": "ok", "duration_seconds": 10},
        {"notebook": "06_journey", "status": "ok", "duration_seconds": 30}]})
    specs = [{"stem": s} for s in ("01_overview", "04_churn", "06_journey", "07_profitability")]
    expected_04 = TYPICAL_SECONDS["04_churn"] * 40 / (TYPICAL_SECONDS["01_overview"] + TYPICAL_SECONDS["06_journey"])
    assert 10 < expected_04 < 30
    assert [s["stem"] for s in longest_first(specs, tmp_path, "now")] == [
        "06_journey", "04_churn", "01_overview", "07_profitability"]


def _run_args(*argv: str):
    import argparse

    from crmlib.report.cli import options_from_args, register

    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    register(commands, {})
    return options_from_args(parser.parse_args(["run", *argv]))


def test_compare_digest_and_alert_options_from_the_command_line_and_the_config(tmp_path):
    config = tmp_path / "monthly.yaml"
    config.write_text("notebooks: [01, 03_clv]\ncompare: false\ndigest: true\nalert_exit_code: 7\n"
                      "alerts: {churn_rate_up_points: 2, notebook_failed: true}\n", encoding="utf-8")
    options = _run_args("--config", str(config))
    assert options.notebooks == ["01", "03_clv"]  # YAML reads 01 as the number 1
    assert (options.compare, options.digest, options.alert_exit_code) == (None, True, 7)
    assert options.alerts == {"churn_rate_up_points": 2, "notebook_failed": True}
    assert _run_args("--config", str(config), "--compare", "20241130-060000-monthly").compare == \
        "20241130-060000-monthly"
    assert _run_args().compare == "previous" and _run_args("--no-compare").compare is None
    assert _run_args("--alert-exit-code", "9").alert_exit_code == 9


@pytest.mark.parametrize("text, message", [
    ("alerts: {churn_up: 2}\n", "unknown alert 'churn_up'"),
    ("alerts: {csat_down_points: -1}\n", "needs a number of 0 or more"),
])
def test_a_bad_alert_in_the_run_config_is_a_usage_error_naming_the_file(tmp_path, text, message):
    from crmlib.report.runner import load_run_config

    config = tmp_path / "monthly.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message) as raised:
        load_run_config(config)
    assert str(config) in str(raised.value)


def test_an_alert_exit_code_that_already_means_something_is_refused_before_the_run(tmp_path):
    from crmlib.report.runner import RunOptions

    for code in (1, 3, 130):
        with pytest.raises(UsageError, match="alert-exit-code"):
            RunOptions(alert_exit_code=code).compare_options(tmp_path)
    with pytest.raises(UsageError, match="no such run"):
        RunOptions(compare="nowhere").compare_options(tmp_path)
