"""The tables of the segmentation, CLV, journey and profitability pages as a reader sees them
(issue 16 audit, items 1.8–1.16 and 2.1–2.4): shares as percentages, money with its currency,
counts without decimals and values of a fixed vocabulary in the reader's language, in en and zh.

Each table goes through the display layer (:func:`crmlib.display.tables.render_table`) the way
the notebook shows it; the notebook's own cell is checked where the fix lives there.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crmlib import PROJECT_ROOT, journey, profit
from crmlib import segment as seg
from crmlib.display.format import Formats
from crmlib.display.tables import render_table
from crmlib.engine import Engine
from crmlib.lang import translator

ZH, EN = Formats("zh", "CNY"), Formats("en", "CNY")
T0 = pd.Timestamp("2024-03-01 12:00")


def cell_source(notebook: str, cell_id: str) -> str:
    cells = json.loads((PROJECT_ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    return "".join(next(c for c in cells if c.get("id") == cell_id)["source"])


def column(table, label: str) -> list[str]:
    return [row[table.labels.index(label)] for row in table.cells]


# 06_journey ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def journeys():
    """j1 A>B>C bought, j2 A>C bought, j3 B, v1 (an anonymous visitor) C; j1–j3 are known customers."""
    rows = [("j1", "A", 15), ("j1", "B", 8), ("j1", "C", 1), ("j2", "A", 8), ("j2", "C", 1), ("j3", "B", 3),
            ("v1", "C", 2)]
    contacts = pd.DataFrame({"customer_id": [r[0] for r in rows], "channel": [r[1] for r in rows],
                             "timestamp": [T0 - pd.Timedelta(days=r[2]) for r in rows]})
    orders = pd.DataFrame({"customer_id": ["j1", "j2"], "order_date": [T0] * 2, "amount": [100.0, 60.0]})
    customers = pd.DataFrame({"customer_id": ["j1", "j2", "j3"]})
    return journey.collect_journeys(contacts, orders, customers=customers, lookback_days=30, engine=Engine.duckdb())


def test_attribution_shares_read_as_percentages_headed_by_the_model(journeys):
    shares = journey.share_matrix(journey.attribute(journeys, half_life_days=7.0))
    for formats, linear in ((EN, "Linear"), (ZH, "线性")):
        table = render_table(shares, formats, columns=journey.SHARE_KINDS, rows=len(shares))
        assert len(table.labels) == 6 and linear in table.labels
        cells = [c for row in table.cells for c in row[1:]]
        assert all(c.endswith("%") for c in cells) and not any("¥" in c for c in cells)  # was CN¥0.30 in en
    assert "columns=journey.SHARE_KINDS" in cell_source("06_journey", "3f2d64fc")


def test_audience_and_value_tier_values_are_translated(journeys):
    audience = journey.conversion_by_audience(journeys.journeys)
    assert column(render_table(audience, ZH), "受众") == ["匿名访客", "已知客户"]
    assert column(render_table(audience, EN), "Audience") == ["anonymous visitor", "customer"]
    tiers = pd.Series({"j1": "high", "j2": "low"})
    by_tier = journey.journeys_by_group(journeys.journeys, tiers, "value_tier", other="（未购买）")
    assert set(column(render_table(by_tier, ZH), "价值层级")) == {"高", "低", "（未购买）"}
    assert '"value_tier", other=other' in cell_source("06_journey", "99334f13")


def test_churned_and_retained_read_in_the_readers_language():
    contacts = pd.DataFrame({"status": ["churned", "retained", "retained"], "contacts": [0, 2, 1],
                             "visits": [0, 1, 1], "service_contacts": [0, 1, 0],
                             "unresolved_complaints": [np.nan] * 3})
    compared = journey.compare_churned_retained(contacts)
    assert column(render_table(compared, ZH), "客户状态") == ["已流失", "留存"]
    assert column(render_table(compared, EN), "Customer status") == ["churned", "retained"]


# 07_profitability ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def profits():
    n = 40
    losing = np.arange(n) < 10
    revenue = np.where(losing, 500.0, 1000.0)
    return pd.DataFrame({
        "revenue": revenue, "returns": np.where(losing, 100.0, 10.0),
        "gross_margin": np.where(losing, 100.0, 400.0), "cost_to_serve": np.where(losing, 150.0, 20.0),
        "profit": np.where(losing, -50.0, 380.0), "orders": np.where(losing, 3, 2),
        "service_contacts": np.where(losing, 4, 0),
        "segment_label": np.where(np.arange(n) % 4 == 0, "冠军客户", "流失客户"),
    }, index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))


def test_the_unprofitable_profile_formats_each_row_by_its_measure(profits):
    profile = profit.unprofitable_profile(profits)
    en = render_table(profit.profile_table(profile, EN), EN, rows=None)
    rows = {row[0]: row[1:] for row in en.cells}
    assert rows["revenue"][:2] == ["CN¥500.00", "CN¥1,000.00"]
    assert rows["share of revenue returned"][:2] == ["20.0%", "1.0%"]
    assert rows["gross margin % of revenue"][:2] == ["20.0%", "40.0%"]
    assert rows["orders"][:2] == ["3.00", "2.00"] and rows["revenue"][2] == "0.50"
    assert en.kinds[1] == "number"  # right-aligned like numbers
    zh = render_table(profit.profile_table(profile, ZH), ZH, rows=None)
    assert zh.labels[:3] == ["指标", "亏损客户", "盈利客户"]
    assert {row[1] for row in zh.cells} >= {"¥500.00", "20.0%"}
    assert "profit.profile_table(profile, wb.fmt)" in cell_source("07_profitability", "228119f9")


def test_over_represented_groups_show_counts_as_counts_with_translated_headers(profits):
    groups = profit.over_represented(profits, "segment_label")
    zh = render_table(groups, ZH)
    assert zh.labels[:3] == ["细分", "亏损客户数", "客户数"] and "All" not in zh.labels
    assert [row[1:3] for row in zh.cells] == [["3", "10"], ["7", "30"]]  # not 3.00
    en = render_table(groups, EN)
    assert en.labels[1:3] == ["Unprofitable customers", "Customers"]


def test_missing_cost_sources_name_files_and_columns_as_code():
    _ = translator("zh")
    message = "product costs: a products table (`product` → `unit_cost` or `margin_rate`), a `cost` column " \
              "on the order lines, or `costs: margin_rates` in `dataset.yaml`"
    assert "`unit_cost` 或 `margin_rate`" in _(message) and "`dataset.yaml` 中" in _(message)
    serve = "cost to serve: `costs: service_contact / return_handling / shipping_per_order` in `dataset.yaml`"
    assert _(serve).startswith("服务成本：`dataset.yaml`")


# 02_segmentation and 03_clv ---------------------------------------------------------------------

def test_the_segment_mix_per_channel_reads_as_percentages_with_one_decimal():
    profiled = pd.DataFrame({"acquisition_channel": ["web"] * 3 + ["app"] * 5,
                             "segment_label": ["冠军客户", "流失客户", "流失客户", "冠军客户"] + ["流失客户"] * 4})
    names = pd.Series(["冠军客户", "流失客户", "新客户"])
    mix = seg.mix(profiled, "acquisition_channel", "segment_label", names)
    table = render_table(mix, ZH, columns=dict.fromkeys(names, "percent"), rows=30)
    assert table.cells == [["app", "20.0%", "80.0%"], ["web", "33.3%", "66.7%"]]
    assert 'columns=dict.fromkeys(segment_names, "percent")' in cell_source("02_segmentation", "bd125a16")
    assert ".round(3), rows=30)" not in cell_source("02_segmentation", "bd125a16").split("Segment mix")[1]


def test_rule_and_lifecycle_tables_show_names_not_keys():
    rules = render_table(seg.rules_table("rfm11", "zh").drop(columns=["segment", "key"], errors="ignore"), ZH)
    assert "F/M 均分" in rules.labels and "FM 分" not in rules.labels
    assert 'wb.show(stage_table[["label", "customers"' in cell_source("02_segmentation", "b51f787d")
    assert "`{name}`" in cell_source("02_segmentation", "f90210a5")
    assert translator("zh")("Wrote `{name}`: {n_export:,} customers, {n_columns} columns.").startswith("已写出 `{name}`")


def test_mean_p_alive_reads_as_a_percentage():
    source = cell_source("03_clv", "57341188")
    assert "{mean_p_alive:.2f}" not in source and "wb.fmt.percent(once['mean_p_alive'], 0)" in source
    assert ZH.percent(0.4712, 0) == "47%"
