"""The engine's scans give the numbers of the pandas/NumPy code they replaced (to 1e-9), on the
bundled sample and on CDNOW, from a pandas frame and from an engine table alike."""

from __future__ import annotations

import pandas as pd
import pytest
import reference_scans as reference

from crmlib.data.load import load_dataset
from crmlib.engine import Engine
from crmlib.scans import summary


@pytest.fixture(scope="module", params=["data/sample", "data/cdnow"])
def dataset(request):
    return load_dataset(request.param)


def same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("unit", ["D", "W"])
@pytest.mark.parametrize("days_before_end", [0, 200])
def test_customer_summary_equals_reference(dataset, unit, days_before_end):
    date = dataset.analysis_date - pd.Timedelta(days=days_before_end)
    same(summary.customer_summary(dataset.transactions, date, unit),
         reference.customer_summary(dataset.transactions, date, unit))


def test_calibration_holdout_equals_reference(dataset):
    end = dataset.analysis_date
    calibration = end - pd.Timedelta(days=300)
    same(summary.calibration_holdout_summary(dataset.transactions, calibration, end, "W"),
         reference.calibration_holdout_summary(dataset.transactions, calibration, end, "W"))


def test_purchase_days_equals_reference(dataset):
    same(summary.purchase_days(dataset.transactions, dataset.analysis_date),
         reference.purchase_days(dataset.transactions, dataset.analysis_date))


def test_engine_table_gives_the_frame_result(dataset):
    """A scan over an engine table (as the loader's materialised tables will be) equals the frame's."""
    engine = Engine.duckdb()
    table = engine.from_frame(dataset.transactions, ["customer_id", "order_date", "amount"])
    same(summary.customer_summary(table, dataset.analysis_date),
         summary.customer_summary(dataset.transactions, dataset.analysis_date))
