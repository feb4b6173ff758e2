"""English left on zh report pages (issue 16 audit, findings16 §1): each text below is rendered
the way the page shows it, or made by the crmlib function in zh, and has no English word outside
code, the allowed terms and the dataset's own values."""

import numpy as np
import pandas as pd
from page_text import english_words, visible_text

from crmlib.display.format import Formats
from crmlib.display.tables import render_table
from crmlib.lang import gettext

ZH = Formats("zh", "CNY")


def test_the_csv_link_under_a_long_table_shows_the_file_name_as_code():
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)], "value_at_risk": np.arange(30.0)})
    text = gettext("zh", "Download the full table ({file})").format(file="churn_risk.csv")
    page = render_table(frame, ZH, rows=10, interactive=True,
                        link=("../exports/churn_risk.csv", text))._repr_html_()
    assert "<code>churn_risk.csv</code>" in page
    assert english_words(visible_text(page), set()) == []


def test_the_kpi_definitions_table_names_every_kpi_in_the_readers_language():
    from crmlib.overview import kpi

    page = render_table(kpi.definitions_table("zh"), ZH, rows=None)._repr_html_()
    assert english_words(visible_text(page), set()) == []
    assert "简单公式 CLTV" in page and "模型 CLV" in page
    en = kpi.definitions_table("en")
    assert en["kpi"].tolist()[-3:] == ["Simple CLTV", "Model CLV", "CLTV/CAC"]
    assert en["kpi"].tolist()[:2] == ["First-time buyers this month", "CAC"]


def test_the_cross_sell_text_names_ease_in_chinese():
    ids = ["EASE", "EASE wins here: {ease:.1%} against co-occurrence's {ours:.1%} ({margin:+.1f} points).",
           "Co-occurrence wins here: EASE reaches {ease:.1%} against its {ours:.1%} ({margin:+.1f} points).",
           "The recommendations (scorecard, `recommendations.csv`) come from co-occurrence, the default "
           "(EASE did not beat it on the bundled sample's categories)."]
    for message in ids:
        text = gettext("zh", message)
        assert "线性物品模型" in text and "EASE" not in text, text


def _said(call, *args):
    """What ``call(*args)`` displays (Markdown text), code spans removed."""
    import re
    from unittest import mock

    with mock.patch("IPython.display.display") as display:
        call(*args)
    texts = [c.args[0].data for c in display.call_args_list]
    return " ".join(re.sub(r"`[^`]*`", "", t) for t in texts)


def _workbook(lang):
    from pathlib import Path
    from types import SimpleNamespace

    from crmlib.notebook import Workbook

    return Workbook(dataset=SimpleNamespace(root=Path("data/cdnow")), export_dir=Path("exports"), lang=lang)


def test_the_missing_table_notice_names_the_table_in_the_readers_language():
    for table, name in [("feedback", "反馈表"), ("marketing_spend", "营销费用表"), ("customers", "客户表"),
                        ("touchpoints", "触点表"), ("products", "商品成本表")]:
        wb = _workbook("zh")
        text = _said(wb.missing_table, table, wb.gettext("CAC and CLTV/CAC need marketing spend per month and channel."))
        assert f"数据集中没有{name}" in text, text
        assert english_words(text, set()) == [], text
    en = _said(_workbook("en").missing_table, "feedback", "x")
    assert en.startswith("**No feedback table in this dataset.** x To enable this section, add a  entry")


def test_quality_checks_with_values_are_catalogue_messages_and_read_chinese():
    from crmlib.checknames import OUTLIER, TEMPLATES, check_name
    from crmlib.display.tables import translate_term
    from crmlib.lang import translator

    name = check_name(OUTLIER, threshold=f"{1459.87:,.2f}", iqrs=f"{10.0:g}")
    assert name == "amount far above the rest (over 1,459.87 = median + 10 × IQR)"  # the English is unchanged
    zh = translator("zh")
    assert translate_term(name, "quality check", zh) == "金额远高于其余订单（超过 1,459.87 = 中位数 + 10 × 四分位距）"
    for template in TEMPLATES:
        assert zh.pgettext("quality check", template) != template, template
    log = pd.DataFrame({"check": [name, "zero amount (kept: zero_amounts: keep)",
                                  "order date after the analysis date 2024-12-31"], "rows": [3, 2, 1]})
    page = render_table(log, ZH)._repr_html_()
    assert english_words(visible_text(page), set()) == [], visible_text(page)


def test_equal_median_lifetimes_are_said_once_not_as_a_span_from_0_to_0():
    from crmlib.churn import survival_by_group

    lives = pd.DataFrame({"duration_days": [0, 0, 5] * 20, "churned": [True] * 60,
                          "group": np.repeat(["1997-01", "1997-02", "1997-03"], 20)})
    result = survival_by_group(lives)
    assert result.median_span("zh") == "每组的中位生命周期都是 0 天：每组都有超过一半的客户再也没有第二次购买"
    longer = survival_by_group(lives.assign(duration_days=lives["duration_days"] + 30))
    assert longer.median_span("en") == "a median lifetime of 30 days in every group"
    spread = survival_by_group(lives.assign(duration_days=np.repeat([0, 10, 20], 20)))
    assert spread.median_span("en") == "median lifetime from 0 days (1997-01) to 20 days (1997-03)"


def test_the_data_quality_export_sentence_shows_the_file_name_as_code():
    assert gettext("zh", "Wrote `{name}`.").format(name="data_quality.json") == "已写入 `data_quality.json`。"
