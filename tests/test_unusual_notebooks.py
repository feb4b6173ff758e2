"""Every notebook succeeds on the worst small case, one customer with a year of monthly purchases, in
Chinese: the sections that cannot run say why and what would enable them (the library's sentences),
the page leaves out what depends on them, and exports that cannot be computed are not written."""

from __future__ import annotations

import re

import pytest
from notebook_runs import SUITE, run_suite
from page_text import english_words, visible_text
from unusual import one_customer

from crmlib.churn import churn_study
from crmlib.clv.simple_cltv import simple_cltv_summary
from crmlib.clv.validation import holdout_validation
from crmlib.data.load import load_dataset
from crmlib.readiness import NotEnoughData
from crmlib.scans.summary import customer_summary
from crmlib.segment import RFMClusterer, segment_table


def reason_of(function, *args, **kwargs) -> NotEnoughData:
    with pytest.raises(NotEnoughData) as raised:
        function(*args, **kwargs)
    return raised.value


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = one_customer(tmp_path_factory.mktemp("data") / "one_customer")
    suite = run_suite(data, tmp_path_factory.mktemp("reports"), "-p", "lang=zh")
    return suite, suite.folder, load_dataset(data)


def test_every_notebook_succeeds_and_says_what_cannot_run(run):
    suite, folder, ds = run
    assert suite.done.returncode == 0, suite.failure
    assert suite.statuses == dict.fromkeys(SUITE, "ok")
    summary = customer_summary(ds.transactions, ds.analysis_date)
    clv = reason_of(holdout_validation, ds.transactions, None, ds.analysis_date, models="bgnbd")
    churn = reason_of(churn_study, ds, window_days=90)
    clusters = reason_of(RFMClusterer().fit, segment_table(summary))
    simple = reason_of(simple_cltv_summary, summary)  # a year minus four days of history
    expected = {"01_overview": [clv, churn, simple], "02_segmentation": [clusters], "03_clv": [clv],
                "04_churn": [churn]}
    pages = {name: visible_text((folder / f"{name}.html").read_text(encoding="utf-8"))
             for name in ("01_overview", "02_segmentation", "03_clv", "04_churn")}
    for name, reasons in expected.items():
        for reason in reasons:
            for sentence in reason.sentences("zh"):  # <code> (parameter names) is not visible text
                assert re.sub(r"`[^`]*`", "", sentence).replace(" ", "") in pages[name].replace(" ", ""), name
        notices = re.findall(r"[^。]*数据不足。[^。]*。[^。]*。", pages[name])
        assert len(notices) == len(reasons) and english_words(" ".join(notices), set()) == [], (name, notices)
    assert "谁仍然活跃" not in pages["03_clv"] and "P(存活)" not in pages["03_clv"]  # the CLV sections are left out
    exports = {p.name for p in (folder / "exports").iterdir()}
    assert {"segments.csv", "scorecard.csv", "kpis.json", "data_quality.json"} <= exports
    assert not exports & {"clv.csv", "clv_model.json", "churn_risk.csv", "churn_model.json"}
    segments = (folder / "exports" / "segments.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(segments) == 2 and "cluster" in segments[0].split(",")


@pytest.mark.parametrize("name", ["one_time_buyers", "one_day", "two_months_ratings_only",
                                  "two_months_repetitive_text"])
def test_every_notebook_succeeds_on_the_other_unusual_datasets(tmp_path, name):
    # issue 15 item 11: all one-time buyers, everything on one day, two months of history with
    # ratings-only or repetitive feedback; each notebook succeeds and says what it cannot do
    from unusual import BUILDERS

    data = BUILDERS[name](tmp_path / name)
    suite = run_suite(data, tmp_path / "reports", "--jobs", "2")
    assert suite.done.returncode == 0, suite.failure
    assert suite.statuses == dict.fromkeys(SUITE, "ok")
    folder = suite.folder
    ds = load_dataset(data)
    pages = {n: visible_text((folder / f"{n}.html").read_text(encoding="utf-8")) for n in SUITE}
    if name in ("one_time_buyers", "one_day"):  # no repeat purchase (or no holdout period): no CLV model
        reason = reason_of(holdout_validation, ds.transactions, None, ds.analysis_date, models="bgnbd")
        assert reason.text("en").split(".")[0] in pages["03_clv"]
        assert "not enough data." in pages["03_clv"]
        assert not (folder / "exports" / "clv.csv").exists()
    if name == "two_months_repetitive_text":  # the same two words again and again: no topics, and why
        assert "not enough data." in pages["05_feedback"] and "Topics per language" not in pages["05_feedback"]
        assert (folder / "exports" / "feedback_scored.csv").is_file()
    assert (folder / "exports" / "segments.csv").is_file() and (folder / "exports" / "data_quality.json").is_file()
