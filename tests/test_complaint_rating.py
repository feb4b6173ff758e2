"""``complaint_rating`` is a parameter of every notebook whose results depend on it (01, 04, 05, 06).

A run-wide ``-p complaint_rating=4`` reaches 01_overview and 04_churn, whose churn study counts
ratings at or below it in ``n_complaints``; both notebooks share one cached study for that value,
and the default value is another cache entry with other counts.
"""

from __future__ import annotations

import pickle
import re

import pandas as pd
import pytest
from notebook_runs import run_suite

import crmlib.cache as cache
from crmlib.churn import churn_study
from crmlib.data.load import load_dataset
from crmlib.data.sample import SampleParameters, write_sample
from crmlib.notebook import Workbook, prepare_shared_models

STUDY = re.compile(r"\[(\w+)\] crmlib\.notebook: (reused|computed) crmlib\.churn\.scoring\.churn_study "
                   r"in [\d.]+ s \(([\w.-]+\.pkl)\)")


def complaints_by_customer(feedback: pd.DataFrame, date, rating: int) -> pd.Series:
    """Feedback rows rated at or below ``rating`` per customer, dated on or before ``date`` (by hand)."""
    seen = feedback.loc[feedback["date"].dt.normalize() <= pd.Timestamp(date).normalize()]
    return (seen["rating"] <= rating).groupby(seen["customer_id"]).sum().astype(float)


@pytest.mark.slow
def test_a_run_wide_complaint_rating_reaches_the_churn_study_that_01_and_04_share(tmp_path, monkeypatch):
    data = write_sample(tmp_path / "data", SampleParameters(n_customers=500, seed=11))
    monkeypatch.setenv(cache.CACHE_VARIABLE, str(tmp_path / "cache"))
    prepare_shared_models()  # the generic sentiment models 01 reads, trained as setup does (not part of the test)
    code = cache.code_version.__wrapped__()
    run = run_suite(data, tmp_path / "reports", "--jobs", "1", "--timeout", "0", "--notebook-timeout", "0",
                    "-p", "complaint_rating=4", "--notebooks", "01", "04")
    assert run.done.returncode == 0 and run.statuses == {"01_overview": "ok", "04_churn": "ok"}, run.failure
    if cache.code_version.__wrapped__() != code:  # the cache key holds the code version: nothing could be shared
        pytest.skip("crmlib's source files changed while the notebooks ran (someone is editing them)")
    cache.code_version.cache_clear()  # this process keys by the version the notebooks ran with
    events = STUDY.findall((run.folder / "run.log").read_text(encoding="utf-8"))
    assert [(notebook, what) for notebook, what, _ in events] == [("01_overview", "computed"), ("04_churn", "reused")]
    assert events[0][2] == events[1][2]  # one entry for both notebooks
    with open(tmp_path / "cache" / events[0][2], "rb") as handle:
        shared = pickle.load(handle)

    ds = load_dataset(data)
    index = shared.X_now.index
    strict = complaints_by_customer(ds.feedback, ds.analysis_date, 4).reindex(index, fill_value=0.0)
    default = complaints_by_customer(ds.feedback, ds.analysis_date, 2).reindex(index, fill_value=0.0)
    assert (strict > default).sum() > 20  # ratings 3-4 are common: the two settings differ for many customers
    pd.testing.assert_series_equal(shared.X_now["n_complaints"], strict, check_names=False)

    wb = Workbook(dataset=ds, export_dir=tmp_path / "exports")
    again = wb.cached(churn_study, ds, window_days=90, complaint_rating=4)  # what the notebooks asked for
    ours = wb.cached(churn_study, ds, window_days=90)  # the default rating: another entry, never the run's
    (_, hit), (_, miss) = wb.cache_events
    assert hit.hit and hit.path.name == events[0][2]
    assert not miss.hit and miss.path.name != events[0][2]
    pd.testing.assert_series_equal(again.X_now["n_complaints"], strict, check_names=False)
    pd.testing.assert_series_equal(ours.X_now["n_complaints"], default.reindex(ours.X_now.index), check_names=False)
