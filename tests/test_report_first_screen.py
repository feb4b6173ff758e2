"""A report page's first screen (one title, the KPI cards, then the sentences beside them) and the
runs index (settings, three headline numbers, links), on hand-made notebooks and run folders: no
kernel is started. The pages of real runs are checked in tests/test_report_pages.py."""

from __future__ import annotations

import json
import re

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from crmlib.display.cards import FIRST_SCREEN_KEY, KPI_NAMES, PAGE_KPIS, kpi_card, render_cards
from crmlib.display.format import Formats
from crmlib.report.firstscreen import lift_first_screen
from crmlib.report.index import update_index
from crmlib.report.pages import PageHeader, notebook_title, render_html
from crmlib.report.runfolder import write_manifest


def _said(text: str):
    return new_output("display_data", {"text/markdown": text, "text/plain": text})


def _cards():
    card = kpi_card("churn_rate", "Churn rate", [0.12, 0.13, 0.15], "2024-12", Formats("en", "CNY"))
    return new_output("display_data", {"text/html": render_cards([card])._repr_html_(), "text/plain": "cards"},
                      metadata={FIRST_SCREEN_KEY: True})


def _chart():
    return new_output("display_data", {"image/png": "Q0hBUlRfMTIz", "text/plain": "<Figure>"})


def _order(page: str, *needles: str) -> list[int]:
    return [page.index(n) for n in needles]


def test_cards_and_their_sentences_come_right_under_the_one_title():
    nb = new_notebook(cells=[
        new_markdown_cell("# 04 · Churn\n\n*Who is leaving?* A long introduction to the page."),
        new_code_cell("import x"),
        new_code_cell("wb = ...", outputs=[_said("**Shop** — analysis date 2024-12-31.")]),
        new_code_cell("wb.page_cards('churn')", outputs=[_cards()]),
        new_code_cell("wb.say(...)", outputs=[_said("Churn rose to 15 %."), _chart(), _said("Under the chart.")]),
        new_markdown_cell("## The window"),
        new_code_cell("wb.show(...)", outputs=[_said("Window sentence.")]),
    ])
    page = render_html(nb, PageHeader(title=notebook_title(nb, "04_churn"), run_id="r"))
    assert page.count("<h1") == 1
    title, cards, shop, rose, intro, chart, under, window = _order(
        page, "<h1", 'class="crm-cards"', "analysis date 2024-12-31", "Churn rose", "A long introduction",
        "Q0hBUlRfMTIz", "Under the chart", "The window")
    assert title < cards < shop < rose < intro < chart < under < window  # the chart and what follows it stay


def test_a_heading_left_empty_is_dropped_and_a_said_title_is_the_one_title():
    # the overview: "## Executive summary", then the cards, then the sentences
    nb = new_notebook(cells=[
        new_markdown_cell("# 01 · Overview\n\nThe first page."),
        new_markdown_cell("## Executive summary"),
        new_code_cell("wb.cards(...)", outputs=[_cards()]),
        new_code_cell("for s in sentences: wb.say(s)", outputs=[_said("- Revenue rose."), _said("- Churn rose.")]),
        new_markdown_cell("## KPI trends"),
    ])
    lifted = lift_first_screen(nb)
    assert [c.source for c in lifted.cells if c.cell_type == "markdown"] == [
        "# 01 · Overview", "The first page.", "## KPI trends"]
    # 06/07 say their title from a code cell: it is the page's one title, the cards follow it
    said = new_notebook(cells=[new_code_cell("wb.say('# ' + _(...))", outputs=[
        _said("# 06 · Journeys"), _said("37,433 contacts."), _cards()]), new_code_cell("", outputs=[_said("## Paths")])])
    title = notebook_title(said, "06_journey")
    page = render_html(said, PageHeader(title=title, run_id="r"))
    assert title == "06 · Journeys" and page.count("<h1") == 1 and "06_journey" not in page
    assert _order(page, "<h1", 'class="crm-cards"', "37,433 contacts", "Paths") == sorted(
        _order(page, "<h1", 'class="crm-cards"', "37,433 contacts", "Paths"))


def test_a_page_without_cards_or_with_the_title_after_them_is_left_as_it_is():
    plain = new_notebook(cells=[new_markdown_cell("# T\n\nintro"), new_code_cell("", outputs=[_said("x")])])
    assert lift_first_screen(plain) is plain
    late = new_notebook(cells=[new_code_cell("", outputs=[_cards()]), new_markdown_cell("# T")])
    assert lift_first_screen(late) is late


def test_every_page_has_its_first_screen_kpis_named_in_both_languages():
    from crmlib.lang import translator

    pages = {"data_quality", "overview", "segmentation", "clv", "churn", "feedback", "journey", "profitability"}
    assert set(PAGE_KPIS) == pages and all(3 <= len(kpis) <= 8 for kpis in PAGE_KPIS.values())
    zh = translator("zh")
    for kpi in {k for kpis in PAGE_KPIS.values() for k in kpis}:
        assert kpi in KPI_NAMES
        assert kpi in ("csat", "nps", "cac") or re.search(r"[\u4e00-\u9fff]", zh(KPI_NAMES[kpi])), kpi


def _run(reports, folder: str, lang: str, settings: dict, overrides: dict, kpis: dict | None,
         started: str = "2024-12-31T08:00:00") -> None:
    path = reports / folder
    write_manifest(path, {
        "run_id": folder, "name": folder, "status": "ok", "started": started,
        "dataset": {"name": "Sample shop", "path": "/data/sample", "analysis_date": "2024-12-31"},
        "parameters": {"overrides": {"lang": lang, **overrides}}, "settings": {"lang": lang, **settings},
        "notebooks": [{"notebook": "01_overview", "status": "ok", "html": "01_overview.html"},
                      {"notebook": "04_churn", "status": "ok", "html": "04_churn.html", "pdf": "04_churn.pdf"}]})
    if kpis is not None:
        (path / "exports").mkdir()
        (path / "exports" / "kpis.json").write_text(json.dumps(kpis), encoding="utf-8")


KPIS = {"currency": "CNY", "headline": [
    {"kpi": "revenue", "period": "2024-12", "value": 349062.79, "available": True},
    {"kpi": "churn_rate", "period": "2024-12", "value": 0.154494, "available": True}],
    "value_at_risk": {"total": 1890423.4}}


def test_the_index_lists_each_runs_settings_headline_numbers_and_links(tmp_path):
    _run(tmp_path, "r-en", "en", {"churn_window_days": 90, "scheme": "rfm11", "horizon_months": 12}, {}, KPIS)
    _run(tmp_path, "r-zh-long", "zh", {"churn_window_days": 0, "scheme": "cn8", "horizon_months": 24},
         {"churn_window_days": 0, "top_n": 5}, KPIS, started="2024-12-31T09:00:00")
    page = update_index(tmp_path).read_text(encoding="utf-8")  # in the newest run's language: Chinese
    table = page[page.index("<tbody>"):]
    zh, en = table[table.index("r-zh-long</b>"):table.index("r-en</b>")], table[table.index("r-en</b>"):]
    for text in ("语言: 中文", "分析日期: 2024-12-31", "流失窗口: 按购买间隔自动选择", "细分方案: cn8",
                 "CLV 预测期: 24 个月", "top_n: 5", "¥349,063", "15.4%", "¥1,890,423"):
        assert text in zh, text
    for text in ("流失窗口: 90 天", "细分方案: rfm11", "CLV 预测期: 12 个月", "语言: English"):
        assert text in en, text  # the defaults are listed too, not only what was changed
    for href in ("r-zh-long/01_overview.html", "r-zh-long/04_churn.html", "r-zh-long/04_churn.pdf",
                 "r-zh-long/exports/", "r-en/manifest.json"):
        assert f'href="{href}"' in page, href
    assert "churn_window_days" not in page  # a listed setting reads in words, not by its parameter name


def test_a_run_without_an_overview_says_so_instead_of_numbers(tmp_path):
    _run(tmp_path, "r", "en", {"churn_window_days": 90}, {}, None)
    page = update_index(tmp_path).read_text(encoding="utf-8")
    assert "no overview in this run" in page and "Churn window: 90 days" in page
