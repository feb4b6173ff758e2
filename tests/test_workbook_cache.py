"""Workbook.cached: one result per dataset, function and arguments, shared by every notebook of a run.

The unit tests count real calls of a function; the end-to-end test runs the real notebooks one
after another (as ``crm-workbook run --jobs 1`` would) against a fresh cache and reads the run log:
the CLV fit, the churn study and the Chinese sentiment model are computed once and reused by the
notebooks that come later.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from datasets import BASIC_TRANSACTIONS, transactions_config, write_dataset

import crmlib.cache as cache
from crmlib.data.load import load_dataset
from crmlib.data.sample import SampleParameters, write_sample
from crmlib.logs import LOG_VARIABLE, SOURCE_VARIABLE
from crmlib.notebook import Workbook

CALLS: list[tuple] = []


def counted(frame: pd.DataFrame, window_days: int = 90, *, unit: str = "D") -> float:
    """A stand-in analysis: records each real call."""
    CALLS.append((len(frame), window_days, unit))
    return float(len(frame) * window_days)


@pytest.fixture
def wb(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_VARIABLE, str(tmp_path / "cache"))
    CALLS.clear()
    folder = write_dataset(tmp_path / "data", {"tx.csv": BASIC_TRANSACTIONS}, transactions_config())
    return Workbook(dataset=load_dataset(folder), export_dir=tmp_path / "exports")


def other_notebook(wb: Workbook) -> Workbook:
    """A second notebook's Workbook on the same dataset (what another kernel would hold)."""
    return Workbook(dataset=wb.dataset, export_dir=wb.export_dir)


def test_the_second_call_is_a_hit_and_arguments_are_keyed_by_name(wb):
    assert wb.cached(counted, wb.summary()) == 2 * 90
    later = other_notebook(wb)
    summary = later.summary()  # another object, named by what it is: "summary:D"
    assert later.cached(counted, summary, 90) == later.cached(counted, summary, window_days=90, unit="D") == 180
    assert len(CALLS) == 1
    assert [entry.hit for _, entry in later.cache_events] == [True, True]
    assert later.cache_events[0][0] == "test_workbook_cache.counted"


def test_other_arguments_or_data_are_other_entries(wb):
    wb.cached(counted, wb.summary())
    wb.cached(counted, wb.summary(), 30)
    wb.cached(counted, wb.summary(), unit="W")
    wb.cached(counted, wb.summary().iloc[:1])
    changed = wb.summary().copy()
    changed.iloc[0, changed.columns.get_loc("monetary_value")] += 1
    wb.cached(counted, changed)
    wb.cached(counted, wb.summary().astype({"frequency": float}))  # same numbers, other dtype
    assert len(CALLS) == 6
    other = Workbook(dataset=load_dataset(wb.dataset.root, analysis_date="2024-01-10"),  # another fingerprint
                     export_dir=wb.export_dir)
    other.cached(counted, other.summary())
    assert len(CALLS) == 7


def test_a_result_given_nothing_of_the_dataset_is_shared_by_every_dataset(wb):
    corpus = pd.DataFrame({"text": ["好评", "差评"]})
    assert wb.cached(counted, corpus) == 180
    other = Workbook(dataset=load_dataset(wb.dataset.root, analysis_date="2024-01-10"),  # another fingerprint
                     export_dir=wb.export_dir)
    assert other.cached(counted, corpus.copy()) == 180 and len(CALLS) == 1  # same content, any dataset
    assert other.cache_events[0][1].hit
    other.cached(counted, other.summary())  # the dataset's own summary: keyed by its fingerprint
    wb.cached(counted, wb.summary())
    assert len(CALLS) == 3


def test_the_datasets_own_tables_and_summaries_are_named_not_hashed(wb, monkeypatch):
    digests = []
    monkeypatch.setattr(cache, "frame_digest", lambda value: digests.append(len(value)) or "digest")
    wb.cached(counted, wb.dataset.transactions)
    wb.cached(counted, wb.summary())
    assert digests == []  # identity: no pass over the rows
    wb.cached(counted, wb.dataset.transactions.copy())
    assert digests == [len(wb.dataset.transactions)]
    names = [cache.argument_key(v, wb._known_argument) for v in (wb.dataset, wb.dataset.transactions, wb.summary())]
    assert names == ["dataset", "table:transactions", "summary:D"]
    assert wb._known_argument(None) is None  # an absent optional table is not "customers"


def test_unkeyable_arguments_and_anonymous_functions_are_refused(wb):
    with pytest.raises(TypeError, match="cannot build a cache key from a object"):
        wb.cached(counted, object())
    with pytest.raises(ValueError, match="module-level function"):
        wb.cached(lambda frame: 1, wb.summary())
    assert CALLS == []


def test_with_the_cache_off_the_function_is_simply_called(wb, monkeypatch):
    monkeypatch.setenv(cache.CACHE_VARIABLE, "off")
    wb.cached(counted, wb.summary())
    wb.cached(counted, wb.summary())
    assert len(CALLS) == 2 and [e.path for _, e in wb.cache_events] == [None, None]


def test_argument_keys_follow_content():
    frame = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="customer_id"))
    assert cache.argument_key(frame) == cache.argument_key(frame.copy())
    assert cache.argument_key(frame) != cache.argument_key(frame.rename(index={"b": "c"}))
    assert cache.argument_key(frame) != cache.argument_key(frame.rename(columns={"x": "y"}))
    assert cache.argument_key(frame["x"]) != cache.argument_key(frame["x"].rename("z"))
    assert cache.argument_key(np.arange(3)) != cache.argument_key(np.arange(3.0))
    tokens = pd.Series([["好", "评"], ["差"]])  # unhashable cells still get a digest
    assert cache.argument_key(tokens) == cache.argument_key(tokens.copy())
    assert cache.argument_key({"b": (1, None), "a": {2, 1}}) == {"a": ["1", "2"], "b": ["1", "None"]}


@pytest.mark.slow
def test_notebooks_of_a_run_share_the_expensive_results(tmp_path, monkeypatch):
    """01 computes the CLV fit, the churn study and the domain sentiment blend; 03, 04 and 05 reuse them.
    The generic sentiment models, trained beforehand by ``prepare_shared_models`` (as setup does), are
    only ever reused."""
    from notebook_runs import run_notebook

    from crmlib.notebook import prepare_shared_models

    data = write_sample(tmp_path / "data", SampleParameters(n_customers=500, seed=11))
    monkeypatch.setenv(cache.CACHE_VARIABLE, str(tmp_path / "cache"))
    log = tmp_path / "run.log"
    monkeypatch.setenv(LOG_VARIABLE, str(log))
    prepared = prepare_shared_models()
    assert [line.split(":")[0] for line in prepared] == [
        "crmlib.feedback.sentiment.chinese_model", "crmlib.feedback.sentiment_en.english_model"]
    assert all(": trained in" in line for line in prepared)
    for name in ("01_overview", "03_clv", "04_churn", "05_feedback"):
        monkeypatch.setenv(SOURCE_VARIABLE, name)
        (tmp_path / name).mkdir()
        run = run_notebook(name, tmp_path / name, data_dir=str(data))
        assert run.errors == [] and "crmlib" not in run.stderr  # the log goes to the file, not the page
    events = re.findall(r"\[(\w+)\] crmlib\.notebook: (reused|computed) ([\w.]+) ", log.read_text(encoding="utf-8"))
    by_result: dict[str, list[tuple[str, str]]] = {}
    for notebook, what, name in events:
        by_result.setdefault(name, []).append((notebook, what))
    assert by_result["crmlib.clv.value.fit_clv"] == [
        ("01_overview", "computed"), ("03_clv", "reused"), ("04_churn", "reused")]
    assert by_result["crmlib.churn.scoring.churn_study"] == [("01_overview", "computed"), ("04_churn", "reused")]
    for model in ("crmlib.feedback.sentiment.chinese_model", "crmlib.feedback.sentiment_en.english_model"):
        assert by_result[model] == [("01_overview", "reused"), ("05_feedback", "reused")]
    assert by_result["crmlib.feedback.sentiment_domain.domain_sentiment"] == [  # the rated texts' blend
        ("01_overview", "computed"), ("05_feedback", "reused")]
