"""The executive summary's sentences say what the data shows, in English and in Chinese."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib.overview.insights import segment_shift_sentence

LABELS = {"champions": "Champions", "lost": "Lost"}


@pytest.mark.parametrize("lang, expected", [
    ("en", "The segment mix has not changed since Sep 30, 2024: every segment holds the same share of customers."),
    ("zh", "自 2024年9月30日 以来细分结构没有变化：各细分的客户占比与当时相同。"),
])
def test_an_unchanged_segment_mix_is_said_to_be_unchanged(lang, expected):
    """Customers swapped segments (and the base doubled): every share is the same, so nothing grew or shrank."""
    before = pd.Series({"a": "champions", "b": "lost"})
    after = pd.Series({"a": "lost", "b": "champions", "c": "champions", "d": "lost"})
    sentence = segment_shift_sentence(before, after, LABELS, "2024-09-30", lang)
    assert sentence == expected
    assert "shrank" not in sentence and "降至" not in sentence


def test_a_changed_mix_names_the_segment_that_moved_most():
    before = pd.Series({"a": "champions", "b": "lost", "c": "lost"})
    after = pd.Series({"a": "champions", "b": "champions", "c": "lost"})
    assert segment_shift_sentence(before, after, LABELS, "2024-09-30") == (
        "Largest segment shift since Sep 30, 2024: Champions grew from 1 to 2 customers (33% → 67% of customers).")
