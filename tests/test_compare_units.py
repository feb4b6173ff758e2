"""The run comparison, alerts, digest and trends on small hand-made run folders whose every number
is known in advance (tests/synthetic_runs.py). The end-to-end runs on the sample are in
tests/test_compare_runs.py."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from synthetic_runs import (
    churn_model,
    clv_csv,
    clv_model,
    feedback_summary,
    kpis,
    make_run,
    risk,
    segments,
)

from crmlib.report.alerts import (
    RULES,
    check_alerts,
    exit_code_for,
    validate_alerts,
    validate_exit_code,
)
from crmlib.report.compare import RunFolder, compare_runs, previous_run
from crmlib.report.compare.retention import list_changes
from crmlib.report.compare.write import write_comparison
from crmlib.report.digest import MAX_LINES, digest_lines
from crmlib.report.params import UsageError
from crmlib.report.trends import render_trends
from crmlib.report.whatchanged import CompareOptions, what_changed

THEN_DATE, NOW_DATE = "2024-11-30", "2024-12-31"


def then_exports(**changes) -> dict:
    exports = {
        "kpis.json": kpis("2024-11", 1000.0, 0.10, 70.0),
        "segments.csv": segments([("a", "champions", "high", 10), ("b", "champions", "high", 20),
                                  ("c", "at_risk", "medium", 60), ("d", "lost", "low", 200)]),
        "churn_risk.csv": risk([("a", 0.1, 100.0), ("b", 0.5, 100.0), ("c", 0.6, 100.0), ("d", 0.2, 100.0)]),
        "clv.csv": clv_csv({"a": 400.0, "b": 300.0, "c": 200.0, "d": 100.0}),
        "clv_model.json": clv_model(1000.0, {"r": 1.0, "alpha": 4.0}, standard_errors={"r": 0.05, "alpha": 1.0}),
        "churn_model.json": churn_model(140.0, 400.0),
        "feedback_summary.json": feedback_summary(68.0, 6.0, {"price": 0.10, "delivery": 0.20}),
    }
    exports.update(changes)
    return exports


def now_exports(**changes) -> dict:
    exports = {
        "kpis.json": kpis("2024-12", 1100.0, 0.125, 64.0, active=90.0),
        "segments.csv": segments([("a", "champions", "high", 5), ("b", "at_risk", "medium", 5),
                                  ("c", "at_risk", "medium", 91), ("e", "new_customers", "low", 3)]),
        "churn_risk.csv": risk([("a", 0.5, 200.0), ("b", 0.2, 100.0), ("c", 0.8, 50.0), ("e", 0.5, 150.0)]),
        "clv.csv": clv_csv({"a": 500.0, "b": 300.0, "c": 100.0, "e": 300.0}),
        "clv_model.json": clv_model(1200.0, {"r": 1.2, "alpha": 4.5}),
        "churn_model.json": churn_model(235.0, 500.0),
        "feedback_summary.json": feedback_summary(65.0, 2.0, {"price": 0.15, "delivery": 0.20}),
    }
    exports.update(changes)
    return exports


@pytest.fixture
def pair(tmp_path):
    reports = tmp_path / "reports"
    then = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, exports=then_exports())
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports(),
                   files={"orders.csv": "bbb", "dataset.yaml": "yyy"})
    return reports, RunFolder(then), RunFolder(now)


def section(changes: dict, name: str) -> dict:
    return changes["sections"][name]


def test_headline_changes_in_their_own_terms(pair):
    _, then, now = pair
    rows = {r["key"]: r for r in section(compare_runs(then, now).changes, "kpis")["rows"]}
    assert rows["revenue"]["change"] == pytest.approx(0.10) and rows["revenue"]["change_kind"] == "relative"
    assert rows["churn_rate"]["change"] == pytest.approx(2.5) and rows["churn_rate"]["change_kind"] == "points"
    assert rows["csat"]["change"] == pytest.approx(-6.0) and rows["csat"]["change_kind"] == "points"
    assert rows["active_customers"]["change"] == pytest.approx(-0.10)
    assert rows["clv_total"]["then"] == 1000.0 and rows["clv_total"]["change"] == pytest.approx(0.2)
    assert rows["value_at_risk_share"]["then"] == pytest.approx(0.35)
    assert rows["value_at_risk_share"]["change"] == pytest.approx(12.0)
    assert (rows["revenue"]["period_then"], rows["revenue"]["period_now"]) == ("2024-11", "2024-12")
    assert "cac" not in rows  # not available in either run


def test_segments_tiers_and_migration_customer_by_customer(pair):
    _, then, now = pair
    changes = compare_runs(then, now).changes
    seg = section(changes, "segments")
    assert seg["migration"]["keys"] == ["champions", "new_customers", "at_risk", "lost"]
    assert seg["migration"]["matrix"] == [[1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    assert (seg["migration"]["customers_in_both"], seg["migration"]["moved"], seg["migration"]["stayed"]) == (3, 1, 2)
    assert (seg["migration"]["entered"], seg["migration"]["left"]) == (1, 1)
    assert {r["key"]: (r["then"], r["now"]) for r in seg["counts"]} == {
        "champions": (2, 1), "new_customers": (0, 1), "at_risk": (1, 2), "lost": (1, 0)}
    tiers = section(changes, "tiers")
    assert tiers["migration"]["matrix"] == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]
    assert {r["key"]: (r["then"], r["now"]) for r in tiers["counts"]} == {
        "high": (2, 1), "medium": (1, 2), "low": (1, 1)}


def test_retention_list_entrants_leavers_and_reasons(pair):
    _, then, now = pair
    comparison = compare_runs(then, now, top_n=2)
    summary = section(comparison.changes, "retention")
    assert (summary["entered"], summary["left"], summary["stayed"]) == (2, 2, 0)
    entered = comparison.new_at_risk.set_index("customer_id")
    assert entered.loc["a", "why"] == "risk_rose" and entered.loc["a", "previous_priority"] == 4
    assert entered.loc["e", "why"] == "new_customer" and pd.isna(entered.loc["e", "previous_priority"])
    assert entered.loc["a", "value_at_risk"] == pytest.approx(100.0)
    assert entered.loc["a", "top_driver_text"] == "days since last purchase / usual gap is high"
    left = comparison.left_at_risk.set_index("customer_id")
    assert left.loc["b", "reason"] == "bought_again"  # last purchase 2024-12-26, after 2024-11-30
    assert left.loc["b", "last_purchase"] == pd.Timestamp("2024-12-26")
    assert left.loc["c", "reason"] == "churned"  # 60 days then, 91 now: crossed the 90-day window
    assert summary["left_by_reason"]["bought_again"] == 1 and summary["left_by_reason"]["churned"] == 1


def test_list_change_reasons_value_fell_overtaken_not_scored_others_fell():
    then = risk([("p", 0.5, 100.0), ("q", 0.5, 90.0), ("r", 0.5, 80.0), ("s", 0.5, 10.0), ("t", 0.5, 9.0)])
    now = risk([("p", 0.5, 100.0), ("q", 0.5, 50.0), ("s", 0.5, 200.0), ("t", 0.5, 9.0), ("u", 0.9, 300.0)])
    # top 3 then: p, q, r; now: u (new), s (value rose), p
    entered, left = list_changes(then, now, top_n=3)
    assert dict(zip(entered["customer_id"], entered["why"], strict=True)) == {"u": "new_customer", "s": "value_rose"}
    assert dict(zip(left["customer_id"], left["reason"], strict=True)) == {"q": "value_fell", "r": "not_scored"}
    # r's value stayed: others rose above it
    now2 = risk([("p", 0.5, 100.0), ("q", 0.5, 90.0), ("r", 0.5, 80.0), ("s", 0.6, 300.0)])
    _, left2 = list_changes(then, now2, top_n=3)
    assert left2["reason"].tolist() == ["overtaken"]
    # t stays the same but enters as others fall away
    entered3, _ = list_changes(then, risk([("p", 0.5, 100.0), ("t", 0.5, 9.0)]), top_n=2)
    assert entered3["why"].tolist() == ["others_fell"]


def test_clv_totals_per_tier_and_parameters_against_the_previous_interval(pair):
    _, then, now = pair
    clv = section(compare_runs(then, now).changes, "clv")
    totals = {r["key"]: r for r in clv["totals"]}
    assert (totals["total_clv"]["then"], totals["total_clv"]["now"]) == (1000.0, 1200.0)
    by_tier = {r["key"]: (r["then"], r["now"]) for r in clv["by_tier"]["rows"]}
    assert by_tier == {"high": (700.0, 500.0), "medium": (200.0, 400.0), "low": (100.0, 300.0)}
    params = {(r["model"], r["parameter"]): r for r in clv["parameters"]["rows"]}
    r = params[("purchase_model", "r")]
    assert r["interval_then"] == pytest.approx([1.0 - 1.959964 * 0.05, 1.0 + 1.959964 * 0.05])
    assert r["outside_interval"] is True
    assert params[("purchase_model", "alpha")]["outside_interval"] is False
    assert params[("spend_model", "p")]["outside_interval"] is None  # no interval recorded: nothing flagged


def test_the_recorded_95_percent_interval_is_used_before_a_standard_error():
    from crmlib.report.compare.clv import parameter_interval

    fit = {"params": {"r": 1.0}, "ci95": {"r": [0.8, 1.3], "a": [None, None]}, "standard_errors": {"r": 0.01}}
    assert parameter_interval(fit, "r") == (0.8, 1.3)  # the model's own (log-normal) interval
    assert parameter_interval({"params": {"a": 1.0}, "ci95": {"a": [None, None]}}, "a") is None


def test_a_changed_purchase_model_is_not_compared_parameter_by_parameter(tmp_path):
    reports = tmp_path / "reports"
    then = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, exports=then_exports())
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports(
        **{"clv_model.json": clv_model(1200.0, {"r": 1.0, "alpha": 4.0, "s": 1.0, "beta": 9.0}, model="pareto")}))
    rows = section(compare_runs(RunFolder(then), RunFolder(now)).changes, "clv")["parameters"]["rows"]
    purchase = [r for r in rows if r["model"] == "purchase_model"]
    assert len(purchase) == 1 and purchase[0]["parameter"] is None and "Pareto/NBD" in purchase[0]["model_name"]


def test_feedback_and_drift(pair):
    _, then, now = pair
    changes = compare_runs(then, now).changes
    feedback = {r["key"]: r["change_points"] for r in section(changes, "feedback")["rows"]}
    assert feedback["csat"] == pytest.approx(-3.0) and feedback["nps"] == pytest.approx(-4.0)
    assert feedback["category:price"] == pytest.approx(5.0) and feedback["category:delivery"] == pytest.approx(0.0)
    drift = section(changes, "drift")
    assert drift["analysis_date"] == {"then": THEN_DATE, "now": NOW_DATE}
    assert {f["file"]: f["change"] for f in drift["files"]} == {"orders.csv": "changed", "dataset.yaml": "unchanged"}
    assert drift["inputs_unchanged"] is False
    assert drift["tables"][0]["rows_then"] == 40 and drift["tables"][0]["rows_change"] == 0


def test_drift_reads_the_dataset_profile_columns_and_dates(tmp_path):
    reports = tmp_path / "reports"
    profile = lambda columns, last: {"tables": {"transactions": {  # noqa: E731
        "rows": 10, "columns": columns, "date_min": "2023-01-01", "date_max": last}}}
    then = make_run(reports, "20241130-060000-m", analysis_date=THEN_DATE, profile=profile(["amount", "channel"], THEN_DATE))
    now = make_run(reports, "20241231-060000-m", analysis_date=NOW_DATE, profile=profile(["amount", "store"], NOW_DATE))
    table = section(compare_runs(RunFolder(then), RunFolder(now)).changes, "drift")["tables"][0]
    assert (table["columns_added"], table["columns_missing"]) == (["store"], ["channel"])
    assert (table["date_max_then"], table["date_max_now"]) == (THEN_DATE, NOW_DATE)


def test_a_different_churn_window_leaves_churn_out_and_keeps_the_rest(tmp_path):
    reports = tmp_path / "reports"
    then = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, exports=then_exports())
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports(
        **{"kpis.json": kpis("2024-12", 1100.0, 0.125, 64.0, window=120),
           "churn_model.json": churn_model(235.0, 500.0, window=120)}))
    changes = compare_runs(RunFolder(then), RunFolder(now)).changes
    assert {(d["area"], d["what"], d["then"], d["now"]) for d in changes["not_comparable"]} == {
        ("churn", "churn window (days)", 90, 120), ("churn", "churn window of the KPIs (days)", 90, 120)}
    kpi = section(changes, "kpis")
    assert {r["key"] for r in kpi["not_compared"]} == {"churn_rate", "value_at_risk", "value_at_risk_share"}
    assert "churn_rate" not in {r["key"] for r in kpi["rows"]} and "revenue" in {r["key"] for r in kpi["rows"]}
    assert section(changes, "retention") == {"status": "not_comparable", "blocked_by": ["churn"]}
    assert section(changes, "segments")["status"] == "compared"
    page = write_and_read_page(changes, RunFolder(now))
    assert "Not comparable" in page and "churn window (days): 90 then, 120 now" in page


def test_a_different_currency_leaves_every_money_amount_out(tmp_path):
    reports = tmp_path / "reports"
    then = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, exports=then_exports())
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports(
        **{"kpis.json": kpis("2024-12", 1100.0, 0.125, 64.0, currency="USD"),
           "clv_model.json": clv_model(1200.0, {"r": 1.2, "alpha": 4.5}, currency="USD"),
           "churn_model.json": churn_model(235.0, 500.0, currency="USD")}))
    changes = compare_runs(RunFolder(then), RunFolder(now)).changes
    compared = {r["key"] for r in section(changes, "kpis")["rows"]}
    assert compared == {"active_customers", "churn_rate", "csat", "customers", "value_at_risk_share"}  # shares have no currency
    assert section(changes, "clv")["status"] == "not_comparable"
    assert section(changes, "segments")["status"] == "compared"


def test_value_at_risk_on_profit_is_not_compared_with_value_at_risk_on_revenue(tmp_path):
    # product costs added between the runs: 04_churn's value at risk and retention list are on profit now
    on_profit = churn_model(235.0, 500.0)
    on_profit["value_at_risk"]["value_basis"] = "profit"
    reports = tmp_path / "reports"
    then = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, exports=then_exports(),
                    overrides={"lang": "zh"})
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE,
                   exports=now_exports(**{"churn_model.json": on_profit}), overrides={"lang": "zh"})
    changes = compare_runs(RunFolder(then), RunFolder(now)).changes
    assert [(d["area"], d["what"], d["then"], d["now"]) for d in changes["not_comparable"]] == [
        ("value", "value at risk measured on", "revenue", "profit")]
    kpi = section(changes, "kpis")
    assert {r["key"] for r in kpi["not_compared"]} == {"value_at_risk", "value_at_risk_share"}
    assert {"churn_rate", "clv_total", "revenue"} <= {r["key"] for r in kpi["rows"]}
    assert section(changes, "retention") == {"status": "not_comparable", "blocked_by": ["value"]}
    assert section(changes, "clv")["status"] == "compared"
    page = write_and_read_page(changes, RunFolder(now))
    assert "风险价值的计量口径：上次 收入，本次 利润——不比较风险价值与挽留名单。" in page
    same = compare_runs(RunFolder(then), RunFolder(then)).changes  # two revenue runs, one without kpis.json
    assert same["not_comparable"] == []


def test_segment_scheme_change_leaves_segments_out_but_not_tiers(tmp_path):
    reports = tmp_path / "reports"
    then = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, exports=then_exports())
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports(),
                   segment_params={"scheme": "cn8"})
    changes = compare_runs(RunFolder(then), RunFolder(now)).changes
    assert section(changes, "segments")["status"] == "not_comparable"
    assert section(changes, "tiers")["status"] == "compared"


def test_a_missing_export_names_the_notebook_that_writes_it(tmp_path):
    reports = tmp_path / "reports"
    exports = then_exports()
    del exports["feedback_summary.json"]
    then = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, exports=exports)
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports())
    feedback = section(compare_runs(RunFolder(then), RunFolder(now)).changes, "feedback")
    assert feedback == {"status": "missing", "missing": [
        {"export": "feedback_summary.json", "run": "20241130-060000-monthly", "notebook": "05_feedback"}]}


def test_previous_run_is_the_newest_earlier_successful_run_of_the_same_name(tmp_path):
    reports = tmp_path / "reports"
    make_run(reports, "20241031-060000-monthly", analysis_date="2024-10-31")
    good = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE)
    make_run(reports, "20241215-060000-monthly", analysis_date="2024-12-15", status="failed")
    make_run(reports, "20241220-060000-weekly", analysis_date="2024-12-20", name="weekly")
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE)
    make_run(reports, "20250131-060000-monthly", analysis_date="2025-01-31")  # later: never the baseline
    assert previous_run(reports, RunFolder(now)).folder == good
    first = make_run(tmp_path / "other", "20241231-060000-monthly", analysis_date=NOW_DATE)
    assert previous_run(tmp_path / "other", RunFolder(first)) is None


class DataElements(HTMLParser):
    """Every ``<data value=… data-source=… data-key=…>`` of a page."""

    def __init__(self):
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "data":
            self.found.append(dict(attrs))


def pointer(document, key: str):
    for part in key.strip("/").split("/"):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def write_and_read_page(changes: dict, now: RunFolder, comparison=None, salt=None) -> str:
    from crmlib.report.compare.changes import Comparison

    write_comparison(comparison or Comparison(changes), now.folder, salt=salt)
    return (now.folder / "compare.html").read_text(encoding="utf-8")


def test_every_number_on_the_page_is_the_number_in_changes_json(pair):
    _, then, now = pair
    comparison = compare_runs(then, now, top_n=2)
    page = write_and_read_page(comparison.changes, now, comparison)
    written = json.loads((now.exports / "changes.json").read_text(encoding="utf-8"))
    parser = DataElements()
    parser.feed(page)
    assert len(parser.found) > 80
    new_at_risk = pd.read_csv(now.exports / "new_at_risk.csv", encoding="utf-8-sig")
    for element in parser.found:
        if element["data-source"] == "changes.json":
            expected = pointer(written, element["data-key"])
        else:
            row, column = element["data-key"].split("/")
            expected = new_at_risk.loc[int(row), column]
        assert float(element["value"]) == pytest.approx(float(expected), rel=1e-12), element
    # numbers outside <data> elements: only dates, ids and labels remain once they are removed
    text = re.sub(r"<data[^>]*>.*?</data>", "", page.split("<body>", 1)[1])
    text = re.sub(r"\d{4}-\d{2}(-\d{2})?|\d{8}-\d{6}-monthly", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))
    text = text.replace("95%", "")
    assert not re.search(r"\d", text), re.findall(r".{0,30}\d.{0,30}", text)


def test_the_page_escapes_run_values_and_pseudonymises_ids(tmp_path):
    reports = tmp_path / "reports"
    evil = "<script>alert(1)</script>"
    then_seg = segments([("a", "champions", "high", 10), ("b", "champions", "high", 20)])
    now_seg = then_seg.copy()
    now_seg["segment_label"] = evil
    then = make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, name=evil,
                    exports={"segments.csv": then_seg, "churn_risk.csv": risk([("C00123", 0.1, 100.0)])})
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, name=evil,
                   exports={"segments.csv": now_seg, "churn_risk.csv": risk([("C00999", 0.9, 100.0)])})
    comparison = compare_runs(RunFolder(then), RunFolder(now), top_n=1)
    page = write_and_read_page(comparison.changes, RunFolder(now), comparison, salt="s")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "C00999" not in page and "cust_" in page
    assert "C00999" in (now / "exports" / "new_at_risk.csv").read_text(encoding="utf-8-sig")  # exports keep real ids


def test_first_run_says_there_is_nothing_to_compare(tmp_path):
    reports = tmp_path / "reports"
    first = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports())
    manifest = RunFolder(first).manifest
    result = what_changed(first, reports, manifest, CompareOptions())
    assert result.changes["status"] == "nothing_to_compare" and result.changes["reason"] == "first_run"
    page = (first / "compare.html").read_text(encoding="utf-8")
    assert "nothing to compare yet" in page
    assert "Nothing to compare" in (first / "digest.txt").read_text(encoding="utf-8")
    assert json.loads((first / "exports" / "changes.json").read_text())["status"] == "nothing_to_compare"
    assert not (first / "exports" / "new_at_risk.csv").exists()


@pytest.mark.parametrize("log_trouble", ["logs is a file", "disk full"])
def test_a_failed_comparison_whose_log_cannot_be_written_still_never_raises(tmp_path, monkeypatch, log_trouble):
    import errno

    reports = tmp_path / "reports"
    run = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports())
    (run / "compare.html").mkdir()  # the page cannot replace a folder: the comparison fails
    if log_trouble == "logs is a file":  # logs/ cannot be made, as in a read-only run folder
        (run / "logs").write_text("not a folder", encoding="utf-8")
    else:
        real = Path.write_text

        def full_disk(self, *args, **kwargs):
            if self.name == "compare.log":
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", full_disk)
    result = what_changed(run, reports, RunFolder(run).manifest, CompareOptions())
    assert result.manifest_entry()["status"] == "error"
    assert result.error.startswith("IsADirectoryError: ")
    assert "logs/compare.log could not be written" in result.error and "see logs/compare.log" not in result.error
    assert result.summary_line().startswith("Comparison failed (the notebooks' results are unaffected)")
    assert not (run / "logs" / "compare.log").is_file()


def test_a_failed_comparison_is_logged_to_compare_log(tmp_path):
    reports = tmp_path / "reports"
    run = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports())
    (run / "compare.html").mkdir()
    result = what_changed(run, reports, RunFolder(run).manifest, CompareOptions())
    assert result.error.endswith("(see logs/compare.log)")
    assert "IsADirectoryError" in (run / "logs" / "compare.log").read_text(encoding="utf-8")


def test_alert_config_is_checked_before_the_run():
    assert validate_alerts({"churn_rate_up_points": 2, "notebook_failed": True}) == {
        "churn_rate_up_points": 2, "notebook_failed": True}
    with pytest.raises(UsageError, match="unknown alert 'churn_up'.*churn_rate_up_points"):
        validate_alerts({"churn_up": 2})
    with pytest.raises(UsageError, match="needs a number"):
        validate_alerts({"csat_down_points": "five"})
    with pytest.raises(UsageError, match="true or false"):
        validate_alerts({"notebook_failed": 1})
    with pytest.raises(UsageError, match="mapping"):
        validate_alerts([1, 2])
    for reserved in (0, 1, 2, 3, 130, 143, 256):
        with pytest.raises(UsageError):
            validate_exit_code(reserved)
    assert validate_exit_code(5) == 5 and validate_exit_code(None) is None


def test_alerts_cross_strictly_above_their_threshold(pair):
    _, then, now = pair
    changes = compare_runs(then, now, top_n=2).changes
    headline = {"value_at_risk_share": 0.47}
    statuses = {"01_overview": "ok"}

    def crossed(rule, threshold):
        (alert,) = check_alerts({rule: threshold}, changes, headline, statuses)
        return alert["crossed"]

    assert crossed("churn_rate_up_points", 2) is True and crossed("churn_rate_up_points", 2.5) is False
    assert crossed("csat_down_points", 5) is True and crossed("csat_down_points", 6) is False
    assert crossed("value_at_risk_share_above", 0.4) is True and crossed("value_at_risk_share_above", 0.5) is False
    assert crossed("new_at_risk_above", 1) is True and crossed("new_at_risk_above", 2) is False
    assert crossed("revenue_down_pct", 0) is False and crossed("active_customers_down_pct", 9.9) is True
    assert crossed("clv_parameter_outside_interval", True) is True
    assert crossed("inputs_unchanged", True) is False
    assert check_alerts({"notebook_failed": True}, changes, headline, {"a": "ok", "b": "failed"})[0]["crossed"]
    (alert,) = check_alerts({"churn_rate_up_points": 2}, changes, headline, statuses)
    assert alert["message"] == "Churn rate rose by 2.5 points (alert above 2.0 points)"
    assert set(RULES) >= {"churn_rate_up_points", "value_at_risk_share_above", "csat_down_points",
                          "new_at_risk_above", "notebook_failed"}


def test_alerts_that_need_a_comparison_are_not_checked_on_a_first_run():
    changes = {"status": "nothing_to_compare", "sections": {}}
    (alert,) = check_alerts({"churn_rate_up_points": 2}, changes, {}, {})
    assert alert["crossed"] is None and alert["reason"] == "there is no previous run to compare with"


def test_exit_code_changes_only_when_asked_and_the_notebooks_succeeded():
    alert = [{"rule": "x", "crossed": True}]
    assert exit_code_for(True, alert, None) == 0
    assert exit_code_for(True, alert, 5) == 5
    assert exit_code_for(True, [{"rule": "x", "crossed": False}], 5) == 0
    assert exit_code_for(False, alert, 5) == 1


def test_crossed_alerts_head_the_digest_and_changes_json(pair):
    reports, then, now = pair
    options = CompareOptions(alerts={"churn_rate_up_points": 2, "csat_down_points": 10}).checked(reports)
    result = what_changed(now.folder, reports, now.manifest, options)
    assert [a["rule"] for a in result.crossed] == ["churn_rate_up_points"]
    written = json.loads((now.exports / "changes.json").read_text(encoding="utf-8"))
    assert [a["rule"] for a in written["alerts"]] == ["churn_rate_up_points", "csat_down_points"]
    lines = (now.folder / "digest.txt").read_text(encoding="utf-8").splitlines()
    assert lines[1] == "ALERT: Churn rate rose by 2.5 points (alert above 2.0 points)"
    assert (now.folder / "digest.md").read_text(encoding="utf-8").splitlines()[1].startswith("- **ALERT**: Churn")


def test_digest_fits_in_fifteen_lines_with_many_alerts_and_failures(pair):
    _, then, now = pair
    changes = compare_runs(then, now).changes
    changes["alerts"] = [{"rule": f"r{i}", "crossed": True, "message": f"alert {i}"} for i in range(9)]
    headline = {"revenue": 1100.0, "active_customers": 90.0, "churn_rate": 0.125, "clv_total": 1200.0, "csat": 64.0}
    kinds = {"revenue": "money", "active_customers": "count", "churn_rate": "share", "clv_total": "money",
             "csat": "percent"}
    for markdown in (False, True):
        lines = digest_lines(changes, headline=headline, kinds=kinds, markdown=markdown,
                             notebooks={"01_overview": "ok", "03_clv": "failed"}, compare_html="c.html",
                             index_html="index.html")
        assert len(lines) == MAX_LINES
        assert "1 of 2 notebooks failed" in lines[0]
        assert any(line.endswith("Failed: 03_clv") for line in lines)
        assert "and" in " ".join(lines) and "more alerts" in " ".join(lines)
        assert lines[-1].endswith("Comparison: c.html · All runs: index.html")
        assert sum("Revenue this month: 1,100 CNY (+10.0%)" in line for line in lines) == 1


def test_digest_gives_headline_numbers_their_change_and_the_largest_other_changes(pair):
    _, then, now = pair
    changes = compare_runs(then, now).changes
    headline = {"revenue": 1100.0, "churn_rate": 0.125}
    lines = digest_lines(changes, headline=headline, kinds={"revenue": "money", "churn_rate": "share"},
                         notebooks={"01_overview": "ok"}, compare_html="c.html", index_html="i.html")
    assert lines[0] == "CRM workbook · monthly · analysis date 2024-12-31: all 1 notebooks succeeded"
    assert lines[1] == "Compared with 20241130-060000-monthly (analysis date 2024-11-30)."
    assert "  Revenue this month: 1,100 CNY (+10.0%)" in lines
    assert "  Churn rate this month: 12.5% (+2.5 points)" in lines
    largest = lines[lines.index("Largest other changes:") + 1:-1]
    # value at risk +67.9 %, CLV of the low tier +200 %, share of complaints about price +50 % ...
    assert largest[0].startswith("  CLV of the tier: Low value: 100 → 300") and len(largest) == 3


def test_digest_and_page_speak_chinese_for_a_chinese_run(tmp_path):
    reports = tmp_path / "reports"
    make_run(reports, "20241130-060000-monthly", analysis_date=THEN_DATE, exports=then_exports(),
                    overrides={"lang": "zh"})
    now = make_run(reports, "20241231-060000-monthly", analysis_date=NOW_DATE, exports=now_exports(),
                   overrides={"lang": "zh"})
    result = what_changed(now, reports, RunFolder(now).manifest,
                          CompareOptions(alerts={"churn_rate_up_points": 2}).checked(reports))
    assert result.digest.splitlines()[0] == "CRM 工作簿 · monthly · 分析日期 2024-12-31：全部 5 个笔记本运行成功"
    assert "警报：流失率上升 2.5 个百分点（警报阈值 2.0 个百分点）" in result.digest
    page = (now / "compare.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in page and "与上次运行相比的变化" in page and "挽留名单" in page
    assert "Headline numbers" not in page and "Customers per segment" not in page


def test_every_message_of_the_comparison_has_a_chinese_translation():
    from catalogue_ids import message_ids

    from crmlib.lang import catalogue
    from crmlib.report.compare import definitions, headline, page
    from crmlib.report.digest import NOT_COMPARED

    root = Path(__file__).resolve().parent.parent / "crmlib" / "report"
    ids = [m for f in ("compare/page.py", "compare/formatting.py", "alerts.py", "digest.py", "trends.py",
                       "whatchanged.py") for m in message_ids(root / f)]
    for table in (headline.LABELS, page.TIER_LABELS, page.ENTERED_LABELS, page.LEFT_LABELS, page.AREA_LABELS,
                  page.FEEDBACK_LABELS, page.FILE_CHANGES, NOT_COMPARED):
        ids += list(table.values())
    ids += [rule.message for rule in RULES.values()]
    ids += [what for _area, what in definitions.run_definitions(RunFolder("nowhere"))]
    assert len(ids) > 150
    missing = sorted({m for m in ids if m not in catalogue("zh")})
    assert not missing


def test_trends_chart_each_run_names_kpis_across_its_runs(tmp_path):
    reports = tmp_path / "reports"
    for run_id, date, revenue in (("20241031-060000-monthly", "2024-10-31", 900.0),
                                  ("20241130-060000-monthly", THEN_DATE, 1000.0),
                                  ("20241231-060000-monthly", NOW_DATE, 1100.0)):
        make_run(reports, run_id, analysis_date=date, name="<b>monthly</b>",
                 exports={"kpis.json": kpis(date[:7], revenue, 0.1, 70.0)})
    make_run(reports, "20241215-060000-monthly", analysis_date="2024-12-15", status="interrupted",
             name="<b>monthly</b>", exports={"kpis.json": kpis("2024-12", 5.0, 0.1, 70.0)})
    from crmlib.report.index import list_runs

    section_html = render_trends(reports, list_runs(reports))
    assert "<b>monthly" not in section_html and "&lt;b&gt;monthly&lt;/b&gt;" in section_html
    assert "<script" not in section_html and "http" not in section_html.replace("http://www.w3.org/2000/svg", "")
    assert section_html.count("<svg") == 4  # revenue, buyers, churn rate, CSAT: what kpis.json holds
    points = re.findall(r"<title>(\d{4}-\d{2}-\d{2}) · [^:]+: ([^<]+)</title>", section_html)
    revenue = [value for date, value in points][:3]
    assert revenue == ["CN¥900", "CN¥1,000", "CN¥1,100"]  # in analysis-date order, with the currency; the interrupted run left out


@pytest.mark.parametrize("name", [
    "crmlib.report.compare.runs", "crmlib.report.compare.definitions", "crmlib.report.compare.profile",
    "crmlib.report.compare.headline", "crmlib.report.compare.customers", "crmlib.report.compare.retention",
    "crmlib.report.compare.clv", "crmlib.report.compare.feedback", "crmlib.report.compare.drift",
    "crmlib.report.compare.changes", "crmlib.report.compare.page", "crmlib.report.compare.write",
    "crmlib.report.compare.formatting", "crmlib.report.alerts", "crmlib.report.digest", "crmlib.report.trends",
    "crmlib.report.whatchanged"])
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_the_complaint_rating_is_read_from_any_notebook_that_takes_it(tmp_path):
    """A run of 04_churn alone (no 05_feedback) still records the complaint rating its churn features used."""
    from crmlib.report.compare.definitions import run_definitions

    folder = make_run(tmp_path / "reports", "20241231-060000-m", analysis_date=NOW_DATE,
                      notebook_status={"04_churn": "ok"})
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["notebooks"][0]["parameters"] = {"complaint_rating": 4}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert run_definitions(RunFolder(folder))[("feedback", "complaint rating (at or below)")] == 4
    none_ran = make_run(tmp_path / "reports", "20241231-070000-m", analysis_date=NOW_DATE,
                        notebook_status={"02_segmentation": "ok"})
    assert run_definitions(RunFolder(none_ran))[("feedback", "complaint rating (at or below)")] is None
