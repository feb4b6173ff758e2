"""Docstring examples of modules whose examples are self-contained run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["crmlib.cache", "crmlib.churn.priority", "crmlib.lang", "crmlib.exports", "crmlib.plots", "crmlib.segment.tiers", "crmlib.churn.reasons", "crmlib.overview.kpi", "crmlib.data.quality", "crmlib.segment.migration", "crmlib.notebook", "crmlib.report.signals", "crmlib.clv.models", "crmlib.clv.likelihood", "crmlib.engine", "crmlib.scans.journeys", "crmlib.journey.attribution", "crmlib.journey.paths", "crmlib.journey.conversion", "crmlib.journey.roi", "crmlib.journey.retention", "crmlib.plots.journey", "crmlib.data.sample_journeys", "crmlib.logs",
           "crmlib.engine.progress", "crmlib.scans.summary", "crmlib.scans.source", "crmlib.scans.activity",
           "crmlib.scans.baskets", "crmlib.scans.features", "crmlib.feedback.distinct", "crmlib.churn.drivers",
           "crmlib.churn.study", "crmlib.overview.recommend", "crmlib.data.costs", "crmlib.engine.select",
           "crmlib.engine.spark", "crmlib.data.sample_costs", "crmlib.scans.profit", "crmlib.profit",
           "crmlib.profit.customers", "crmlib.profit.whale", "crmlib.profit.groups", "crmlib.profit.referrals"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
