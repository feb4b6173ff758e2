"""End-to-end: ``crm-workbook run`` compares a run with the previous one, on the bundled sample.

Two monthly runs of the same name (analysis dates 2024-11-30 and 2024-12-31) and a third with a
different churn window. Only the notebooks whose exports the tested sections read are run
(02_segmentation, 03_clv, 04_churn; the KPI and feedback sections are checked number by number
on hand-made run folders in tests/test_compare_units.py), so the file stays well under two
minutes. Every number checked here is recomputed from the two runs' own exports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_compare_units import DataElements, pointer

from crmlib import PROJECT_ROOT
from crmlib.report.compare.retention import DEFAULT_TOP_N
from crmlib.report.digest import MAX_LINES

pytestmark = pytest.mark.slow

SAMPLE = PROJECT_ROOT / "data" / "sample"
NOTEBOOKS = ["02", "03", "04"]
ALERT_EXIT = 5


def crm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crmlib.cli", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=900)


class Run:
    """One finished run: its process, folder, manifest and exports."""

    def __init__(self, done: subprocess.CompletedProcess, folder: Path):
        self.done, self.folder = done, folder
        self.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.changes = json.loads((folder / "exports" / "changes.json").read_text(encoding="utf-8"))

    def json(self, name: str) -> dict:
        return json.loads((self.folder / "exports" / name).read_text(encoding="utf-8"))

    def csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / "exports" / name, encoding="utf-8-sig", dtype={"customer_id": str})

    def section(self, name: str) -> dict:
        return self.changes["sections"][name]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Run, Run, Run]:
    """November, December (alerts set, no --alert-exit-code), December again with a 120-day churn
    window (--compare the November run, --alert-exit-code)."""
    reports = tmp_path_factory.mktemp("reports")
    config = reports.parent / "monthly.yaml"
    config.write_text(f"data: {SAMPLE}\nname: monthly\nreports: {reports}\njobs: 2\n"
                      f"notebooks: [{', '.join(NOTEBOOKS)}]\n"
                      "alerts:\n  value_at_risk_share_above: 0.05\n  new_at_risk_above: 1\n"
                      "  churn_rate_up_points: 2\n  notebook_failed: true\n", encoding="utf-8")
    made = []
    for extra in (["-p", "analysis_date=2024-11-30"], ["-p", "analysis_date=2024-12-31", "--digest"]):
        done = crm("run", "--config", str(config), *extra)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        made.append(Run(done, _newest(reports, [r.folder for r in made])))
    done = crm("run", "--config", str(config), "-n", "04", "-p", "analysis_date=2024-12-31",
               "-p", "churn_window_days=120", "--compare", made[0].folder.name,
               "--alert-exit-code", str(ALERT_EXIT))
    made.append(Run(done, _newest(reports, [r.folder for r in made])))
    return reports, *made


def _newest(reports: Path, known: list[Path]) -> Path:
    (folder,) = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink() and p not in known]
    return folder


def test_first_run_says_there_is_nothing_to_compare(runs):
    _, first, _, _ = runs
    assert first.changes["status"] == "nothing_to_compare" and first.changes["reason"] == "first_run"
    assert first.changes["compared_with"] is None and first.changes["sections"] == {}
    assert "nothing to compare yet" in (first.folder / "compare.html").read_text(encoding="utf-8")
    digest = (first.folder / "digest.txt").read_text(encoding="utf-8")
    assert "Nothing to compare: this is the first successful run of this name." in digest
    assert not (first.folder / "exports" / "new_at_risk.csv").exists()
    assert first.manifest["comparison"]["status"] == "nothing_to_compare"
    assert "Nothing to compare yet" in first.done.stdout


def test_the_second_run_is_compared_with_the_first(runs):
    _, first, second, _ = runs
    assert second.changes["status"] == "compared"
    assert second.changes["compared_with"]["run_id"] == first.folder.name
    assert (second.changes["compared_with"]["analysis_date"], second.changes["run"]["analysis_date"]) == (
        "2024-11-30", "2024-12-31")
    assert second.changes["not_comparable"] == []
    entry = second.manifest["comparison"]
    assert entry["compared_with"] == first.folder.name and entry["files"]["html"] == "compare.html"
    exports = {e["file"] for e in second.manifest["exports"]}
    assert {"changes.json", "new_at_risk.csv", "left_at_risk.csv"} <= exports


def test_customers_per_segment_and_tier_are_the_runs_own_counts(runs):
    _, first, second, _ = runs
    then, now = first.csv("segments.csv"), second.csv("segments.csv")
    for section, column in (("segments", "segment"), ("tiers", "value_tier")):
        rows = {r["key"]: (r["then"], r["now"]) for r in second.section(section)["counts"]}
        expected_then, expected_now = then[column].value_counts(), now[column].value_counts()
        assert set(rows) == set(expected_then.index) | set(expected_now.index)
        for key, (a, b) in rows.items():
            assert (a, b) == (expected_then.get(key, 0), expected_now.get(key, 0)), (section, key)


def test_migration_is_customer_by_customer_and_sums_to_the_customers_in_both(runs):
    _, first, second, _ = runs
    both = first.csv("segments.csv").merge(second.csv("segments.csv"), on="customer_id", suffixes=("_then", "_now"))
    for section, column in (("segments", "segment"), ("tiers", "value_tier")):
        migration = second.section(section)["migration"]
        keys, matrix = migration["keys"], migration["matrix"]
        assert sum(map(sum, matrix)) == migration["customers_in_both"] == len(both) > 4000
        expected = pd.crosstab(both[f"{column}_then"], both[f"{column}_now"]).reindex(
            index=keys, columns=keys, fill_value=0)
        assert matrix == expected.to_numpy().tolist(), section
        assert migration["moved"] == int((both[f"{column}_then"] != both[f"{column}_now"]).sum())
    segments = second.section("segments")["migration"]
    assert segments["entered"] == len(second.csv("segments.csv")) - len(both)
    assert segments["left"] == len(first.csv("segments.csv")) - len(both)


def test_new_at_risk_are_the_customers_new_on_the_retention_list(runs):
    _, first, second, _ = runs
    then, now = first.csv("churn_risk.csv"), second.csv("churn_risk.csv")
    top_then = set(then.loc[then["priority"] <= DEFAULT_TOP_N, "customer_id"])
    top_now = now.loc[now["priority"] <= DEFAULT_TOP_N]
    new = second.csv("new_at_risk.csv")
    assert set(new["customer_id"]) == set(top_now["customer_id"]) - top_then and len(new) > 0
    by_id = now.set_index("customer_id")
    for column in ("priority", "value_at_risk", "churn_probability", "clv", "top_driver"):
        assert new[column].tolist() == by_id.loc[new["customer_id"], column].tolist(), column
    previous = then.set_index("customer_id").reindex(new["customer_id"])
    assert new["previous_priority"].tolist() == pytest.approx(previous["priority"].tolist(), nan_ok=True)
    left = second.csv("left_at_risk.csv")
    assert set(left["customer_id"]) == top_then - set(top_now["customer_id"])
    retention = second.section("retention")
    assert (retention["entered"], retention["left"]) == (len(new), len(left))
    assert retention["value_at_risk_on_list_now"] == pytest.approx(top_now["value_at_risk"].sum(), rel=1e-12)
    assert sum(retention["left_by_reason"].values()) == len(left)


def test_clv_and_headline_numbers_are_the_runs_own_exports(runs):
    _, first, second, _ = runs
    rows = {r["key"]: r for r in second.section("kpis")["rows"]}
    for key, run in (("then", first), ("now", second)):
        clv, churn = run.json("clv_model.json"), run.json("churn_model.json")
        assert rows["clv_total"][key] == clv["summary"]["total_clv"]
        assert rows["value_at_risk"][key] == churn["value_at_risk"]["total"]
        assert rows["value_at_risk_share"][key] == pytest.approx(
            churn["value_at_risk"]["total"] / churn["value_at_risk"]["value_if_retained_total"], rel=1e-12)
        assert rows["customers"][key] == run.manifest["dataset"]["customers"]
    assert rows["clv_total"]["change"] == pytest.approx(rows["clv_total"]["now"] / rows["clv_total"]["then"] - 1)
    by_tier = {r["key"]: r for r in second.section("clv")["by_tier"]["rows"]}
    for key, run in (("then", first), ("now", second)):
        joined = run.csv("clv.csv").merge(run.csv("segments.csv")[["customer_id", "value_tier"]], how="left")
        sums = joined.fillna({"value_tier": "unassigned"}).groupby("value_tier")["clv"].sum()
        for tier, total in sums.items():
            assert by_tier[tier][key] == pytest.approx(total, rel=1e-9), (key, tier)
    parameters = {(r["model"], r["parameter"]): r for r in second.section("clv")["parameters"]["rows"]}
    for model in ("purchase_model", "spend_model"):
        for name, value in first.json("clv_model.json")["final_fit"][model]["params"].items():
            assert parameters[(model, name)]["then"] == value


def test_data_drift_names_the_analysis_dates_and_rows(runs):
    _, first, second, _ = runs
    drift = second.section("drift")
    assert drift["analysis_date"] == {"then": "2024-11-30", "now": "2024-12-31"}
    rows = {t["table"]: t for t in drift["tables"]}
    profile_then = first.manifest["dataset"]["profile"]["tables"]
    profile_now = second.manifest["dataset"]["profile"]["tables"]
    assert rows["transactions"]["rows_then"] == profile_then["transactions"]["rows"]
    assert rows["transactions"]["rows_now"] == profile_now["transactions"]["rows"]
    assert rows["transactions"]["rows_now"] > rows["transactions"]["rows_then"]  # December's orders
    assert rows["transactions"]["date_max_then"] <= "2024-11-30" < rows["transactions"]["date_max_now"] <= "2024-12-31"
    assert all(f["change"] == "unchanged" for f in drift["files"]) and drift["inputs_unchanged"]


def test_every_number_on_the_page_is_in_the_exports(runs):
    _, _, second, _ = runs
    page = (second.folder / "compare.html").read_text(encoding="utf-8")
    parser = DataElements()
    parser.feed(page)
    assert len(parser.found) > 50
    new = second.csv("new_at_risk.csv")
    for element in parser.found:
        if element["data-source"] == "changes.json":
            expected = pointer(second.changes, element["data-key"])
        else:
            row, column = element["data-key"].split("/")
            expected = new.loc[int(row), column]
        assert float(element["value"]) == pytest.approx(float(expected), rel=1e-12), element


def test_a_different_churn_window_is_marked_not_comparable_for_churn(runs):
    _, first, _, third = runs
    assert third.changes["compared_with"]["run_id"] == first.folder.name  # --compare RUN_ID
    churn = [d for d in third.changes["not_comparable"] if d["area"] == "churn"]
    assert {"what": "churn window (days)", "then": 90, "now": 120} in [
        {k: d[k] for k in ("what", "then", "now")} for d in churn]
    assert third.section("retention") == {"status": "not_comparable", "blocked_by": ["churn"]}
    blocked = {r["key"] for r in third.section("kpis")["not_compared"]}
    assert {"value_at_risk", "value_at_risk_share"} <= blocked
    assert "customers" in {r["key"] for r in third.section("kpis")["rows"]}  # the rest still compared
    assert not (third.folder / "exports" / "new_at_risk.csv").exists()
    assert "churn window (days)" in (third.folder / "compare.html").read_text(encoding="utf-8")


def test_crossed_alerts_head_the_digest_and_change_the_exit_code_only_when_asked(runs):
    _, _, second, third = runs
    crossed = [a["rule"] for a in second.changes["alerts"] if a["crossed"]]
    assert {"value_at_risk_share_above", "new_at_risk_above"} <= set(crossed)
    assert second.done.returncode == 0  # alerts crossed, but no --alert-exit-code
    lines = (second.folder / "digest.txt").read_text(encoding="utf-8").splitlines()
    assert 1 < len(lines) <= MAX_LINES
    assert all(line.startswith("ALERT: ") for line in lines[1:1 + len(crossed)])
    assert "\n".join(lines) in second.done.stdout  # --digest prints it
    assert third.done.returncode == ALERT_EXIT, third.done.stdout[-2000:] + third.done.stderr[-2000:]
    assert third.manifest["status"] == "ok" and "value_at_risk_share_above" in third.manifest["comparison"][
        "alerts_crossed"]


def test_index_links_the_comparison_and_charts_trends_per_run_name(runs):
    reports, first, second, _ = runs
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert f'href="{second.folder.name}/compare.html"' in index
    assert "Trends by run name" in index and index.count('<svg class="trend"') >= 2
    nav = (second.folder / "04_churn.html").read_text(encoding="utf-8")
    assert 'href="compare.html"' in nav
