"""What a reader sees on a report page, and which of its words are in the wrong language.

The visible text is the page body without scripts, styles, the folded run details (paths and
parameter names for whoever debugs the run), and ``<code>`` (file, column and parameter names,
which stay as they are in every language). English words on a Chinese page are counted outside
:data:`ALLOWED` (method and metric names a Chinese analyst reads in English) and outside the
dataset's own values (product and channel names, English feedback texts …).

``python tests/page_text.py PAGE.html [DATA_DIR]`` prints the counts of one page.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

HIDDEN = {"script", "style", "head", "title", "code", "details", "svg"}
VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "col", "area", "base", "param"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]")  # two letters or more: single letters are symbols (R, F, k)
HAN = re.compile(r"[\u4e00-\u9fff]")
# Terms a Chinese CRM report keeps in English (methods, metrics, libraries, file formats), lower case.
ALLOWED = {
    "rfm", "clv", "cltv", "cac", "aov", "kpi", "kpis", "nps", "csat", "crm", "sla", "roc", "auc", "pr", "brier",
    "mae", "rmse", "bg", "nbd", "mbg", "pareto", "gamma", "k-means", "kaplan", "meier", "log-rank", "tf", "idf",
    "umass", "vader", "snownlp", "lifetimes", "lifelines", "crmlib", "csv", "json", "pdf", "excel", "utf", "bom",
    "readme", "yaml", "sha", "monroe", "colaresi", "quinn", "ai", "id", "ids", "p", "n", "k", "r", "f", "m",
    "t", "s", "a", "b", "z", "x", "e", "ks", "vs", "buy", "till", "you", "die", "ngram", "n-gram", "cn", "us",
    "gamma-gamma", "roc-auc", "pr-auc", "spearman", "alpha", "beta", "tf-idf", "vip", "bg-nbd",
}


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        if self.hidden or tag in HIDDEN:
            self.hidden.append(tag)

    def handle_endtag(self, tag):
        if self.hidden and tag == self.hidden[-1]:
            self.hidden.pop()

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    """The page's visible text (see the module docstring for what is left out)."""
    body = page[page.find("<body"):] if "<body" in page else page
    parser = _Visible()
    parser.feed(body)
    return " ".join(" ".join(parser.parts).split())


def dataset_values(data_dir: Path) -> list[str]:
    """The dataset's own text: its name, file names, column names and every distinct text value."""
    import pandas as pd

    from crmlib.data.load import load_dataset

    dataset = load_dataset(data_dir)
    values = [str(dataset.name), str(dataset.currency), *(Path(p).name for p in dataset.files.values())]
    for name in ("transactions", "customers", "feedback", "marketing_spend", "touchpoints"):
        table = getattr(dataset, name, None)
        if table is None:
            continue
        for column in table.columns:
            values.append(str(column))
            column_values = table[column]
            if (column_values.dtype == object or pd.api.types.is_string_dtype(column_values)
                    or isinstance(column_values.dtype, pd.CategoricalDtype)):
                values.extend(column_values.dropna().astype(str).unique())
    return values


def dataset_words(data_dir: Path) -> set[str]:
    """Lower-case words of every text value and column name of a dataset (its own vocabulary)."""
    return {w for value in dataset_values(data_dir) for w in WORD.findall(value.lower())}


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The English words of ``text`` that are neither allowed terms nor in ``allowed`` data words."""
    return [w for w in WORD.findall(text) if w.lower() not in ALLOWED and w.lower() not in allowed]


def chinese_characters(text: str) -> list[str]:
    return HAN.findall(text)


if __name__ == "__main__":
    page = Path(sys.argv[1]).read_text(encoding="utf-8")
    data = dataset_words(Path(sys.argv[2])) if len(sys.argv) > 2 else set()
    words = english_words(visible_text(page), data)
    print(f"{sys.argv[1]}: {len(words)} English words; most common: {Counter(words).most_common(30)}")
