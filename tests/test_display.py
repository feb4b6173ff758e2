"""The formatting layer: numbers, money, percentages and dates by language; tables with labels,
one format per column, escaping and kept index labels; KPI cards coloured by the KPI's direction."""

import re

import numpy as np
import pandas as pd
import pytest

from crmlib.display.cards import kpi_card, render_cards, sparkline_svg
from crmlib.display.columns import column_spec, fixed_decimals
from crmlib.display.format import Formats
from crmlib.display.tables import render_table

ZH, EN = Formats("zh", "CNY"), Formats("en", "CNY")


@pytest.mark.parametrize("formats, call, expected", [
    (ZH, lambda f: f.money(1234.5), "¥1,234.50"),
    (EN, lambda f: f.money(1234.5), "CN¥1,234.50"),
    (Formats("en", "USD"), lambda f: f.money(-1234.567, 0), "-$1,235"),
    (ZH, lambda f: f.percent(0.154), "15.4%"),
    (EN, lambda f: f.percent(0.0005, 1), "0.1%"),  # halves round up, as readers do
    (ZH, lambda f: f.month(pd.Timestamp("2024-12-01")), "2024年12月"),
    (EN, lambda f: f.month(pd.Period("2024-12", "M")), "Dec 2024"),
    (ZH, lambda f: f.date("2024-12-31"), "2024年12月31日"),
    (EN, lambda f: f.date("2024-12-31"), "Dec 31, 2024"),
    (ZH, lambda f: f.points(-0.012), "-1.2 个百分点"),
    (EN, lambda f: f.number(np.nan), "–"),
    (EN, lambda f: f.count(1234567), "1,234,567"),
])
def test_values_read_as_the_language_writes_them(formats, call, expected):
    assert call(formats) == expected


def test_a_column_has_one_number_of_decimals():
    assert fixed_decimals(pd.Series([28.0, 33.2, 30.25])) == 1
    table = render_table(pd.DataFrame({"basket": [28.0, 33.2, 30.25]}), EN)
    assert [row[0] for row in table.cells] == ["28.0", "33.2", "30.3"]


def test_columns_get_human_labels_and_shares_read_as_percentages():
    frame = pd.DataFrame({"segment_label": ["冠军客户"], "customer_share": [0.114], "p_alive": [0.853],
                          "clv": [1234.5], "value_tier": ["high"]})
    zh = render_table(frame, ZH)
    assert zh.labels == ["细分", "客户占比", "P(存活)", "CLV", "价值层级"]
    assert zh.cells == [["冠军客户", "11.4%", "85.3%", "¥1,234.50", "高"]]
    en = render_table(frame, EN)
    assert en.labels == ["Segment", "Share of customers", "P(alive)", "CLV", "Value tier"]
    assert en.cells[0][1:3] == ["11.4%", "85.3%"]


def test_text_left_numbers_right_and_everything_escaped():
    frame = pd.DataFrame({"<b>spend</b>": [1234567.891, np.nan], "text": ["<script>alert(1)</script>", None]})
    page = render_table(frame, EN)._repr_html_()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;spend&lt;/b&gt;" in page and "<b>spend" not in page
    assert page.count(">–<") == 2
    assert '<td class="crm-num" data-order="1234567.891">1,234,568</td>' in page
    assert '<td class="crm-text">&lt;script&gt;' in page
    assert page.count("<tr>") == 3  # one header row, two data rows: no extra row for index names


def test_a_named_index_keeps_its_labels_and_row_numbers_are_dropped():
    scores = pd.DataFrame({"customers": [10, 20]}, index=pd.RangeIndex(0, 2, name="r_score"))
    table = render_table(scores, EN)
    assert table.labels == ["R score", "Customers"] and [r[0] for r in table.cells] == ["0", "1"]
    plain = render_table(pd.DataFrame({"customers": [10, 20]}), EN)
    assert plain.labels == ["Customers"]


def test_long_tables_say_how_much_is_shown_and_link_the_full_csv():
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)], "value_at_risk": np.arange(30.0)})
    table = render_table(frame, ZH, rows=10, interactive=True, link=("exports/x.csv", "下载"))
    page = table._repr_html_()
    assert 'data-crm-interactive="1"' in page and 'href="exports/x.csv"' in page
    assert "共 30 行，显示前 10 行。" in page and len(table.cells) == 10


def test_unknown_columns_are_inferred_from_name_and_values():
    assert column_spec("share_of_identified", pd.Series([0.5])).kind == "percent"
    assert column_spec("spend_per_head", pd.Series([3.5])).kind == "money"
    assert column_spec("n", pd.Series([1, 2])).kind == "count"
    assert column_spec("month", pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"]))).kind == "month"
    assert column_spec("whatever", pd.Series(["x"])).label == "Whatever"


def test_kpi_cards_colour_the_change_by_what_is_good_for_the_kpi():
    revenue = kpi_card("revenue", "Revenue", [100.0, 120.0], "2024-12", EN)
    churn = kpi_card("churn_rate", "Churn rate", [0.10, 0.12], "2024-12", EN)
    cac = kpi_card("cac", "CAC", [50.0, 40.0], "2024-12", EN)
    assert (revenue.change, revenue.tone) == ("+20.0%", "good")
    assert (churn.change, churn.tone) == ("+2.0 pp", "bad")
    assert (cac.change, cac.tone) == ("-20.0%", "good")
    assert kpi_card("revenue", "收入", [5.0, 5.0], "2024-12", ZH).note == "2024年12月，与上月相比"
    page = render_cards([revenue, churn])._repr_html_()
    assert page.count("<svg") == 2 and "crm-good" in page and "crm-bad" in page and "<script" not in page



def test_a_kpi_card_compares_only_with_the_month_really_before():
    """A missing month before is no change (not one against an older month under "vs the month before")."""
    gap = kpi_card("revenue", "Revenue", [100.0, np.nan, 200.0], "2024-12", EN)
    assert (gap.value, gap.change, gap.tone) == ("CN¥200", "", "neutral")
    assert gap.note == "Dec 2024, vs the month before" and gap.series == (100.0, 200.0)
    assert kpi_card("revenue", "Revenue", [np.nan, 150.0, 200.0], "2024-12", EN).change == "+33.3%"
    assert kpi_card("revenue", "收入", [100.0, None, 200.0], "2024-12", ZH).change == ""
    assert kpi_card("revenue", "Revenue", [100.0, np.nan], "2024-12", EN).value == "–"  # the month shown is missing


def test_page_cards_keep_the_months_without_a_value():
    from pathlib import Path
    from types import SimpleNamespace

    from crmlib.notebook import Workbook

    wb = Workbook(dataset=SimpleNamespace(root=Path("data/sample")), export_dir=Path("exports"), lang="en")
    monthly = pd.DataFrame({"nps": [10.0, np.nan, 30.0, np.nan], "revenue": [100.0, 110.0, 121.0, 133.1]},
                           index=pd.Index(["2024-09", "2024-10", "2024-11", "2024-12"], name="month"))
    nps, revenue = wb.kpi_cards(monthly, {"nps": "NPS", "revenue": "Revenue"})
    assert (nps.value, nps.change, nps.note) == ("30.0", "", "Nov 2024, vs the month before")  # no Oct: no change
    assert (revenue.change, revenue.note) == ("+10.0%", "Dec 2024, vs the month before")

def test_sparkline_spans_its_box():
    svg = sparkline_svg([1.0, 3.0, 2.0], width=100, height=20)
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert xs == [0.0, 50.0, 100.0] and min(ys) == 2.0 and max(ys) == 18.0  # highest value at the top
    assert sparkline_svg([1.0]) == ""


def test_csat_and_nps_groups_are_already_percent_and_are_not_multiplied_again():
    """satisfaction_table gives CSAT and the promoter/detractor shares in % (57.2), not as 0-1 shares."""
    frame = pd.DataFrame({"csat": [57.165], "promoters": [38.0], "detractors": [12.5], "churn_rate": [0.25]},
                         index=pd.Index(["retained"], name="churn_status"))
    assert render_table(frame, EN).cells == [["retained", "57.2%", "38.0%", "12.5%", "25.0%"]]
