"""A translation keeps the `code` spans of its message id: file, column and setting names stay
code on a zh page (the page's word check hides code, and a reader can search for the name)."""

import re
from collections import Counter

from babel.messages.pofile import read_po

from crmlib.lang import LOCALES, gettext
from crmlib.messages import catalogue_files

CODE = re.compile(r"`([^`]+)`")


def lost_code_spans(lang: str) -> list[str]:
    """Entries of ``lang``'s ``.po`` files whose translation lacks a `code` span of the id."""
    lost = []
    for path in catalogue_files(lang):
        with open(path, "rb") as handle:
            for entry in read_po(handle, locale=LOCALES[lang]):
                ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
                strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
                if not ids[0]:
                    continue
                wanted = Counter(CODE.findall(ids[-1]))
                for text in strings:
                    gone = wanted - Counter(CODE.findall(text or ""))
                    if gone:
                        lost.append(f"{path.name}:{entry.lineno}: {sorted(gone)} in {ids[0]!r}")
    return lost


def test_every_translation_keeps_the_code_spans_of_its_id():
    assert lost_code_spans("zh") == []


def test_the_cross_sell_notice_keeps_its_names_as_code():
    text = gettext("zh", "The transactions have no `{item}` column: map `product` or `category` "
                         "in dataset.yaml to enable cross-sell.")
    assert "`product`" in text and "`category`" in text and "交叉销售" in text
