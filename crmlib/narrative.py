"""The notebooks' Markdown narrative in the report's language, by the message catalogue.

A Markdown cell is split into messages a translator can handle one at a time: each heading,
each list item and each paragraph (its wrapped lines joined by single spaces) is one message
id; fenced code, tables, HTML and empty lines are kept as they are. The Markdown syntax around
a message (``## ``, ``- ``, ``1. ``) is kept, so translators see only prose. The same split
serves extraction (:func:`markdown_messages`, used by :mod:`crmlib.messages`) and translation
(:func:`translate_markdown`), so ids always match.

A notebook is translated before it runs (``crm-workbook run`` does it for ``-p lang=zh``;
``crm-workbook translate`` writes a translated copy; ``papermill --engine crmlib`` translates
as it runs), or after it ran with the nbconvert preprocessor
:class:`crmlib.report.translate.TranslateMarkdown`. See ``docs/translating.md``.

Example
-------
>>> source = "## Churn\\n\\nWho stopped buying,\\nand when?\\n\\n- **Window**: 90 days"
>>> [m for _, m in markdown_messages(source)]
['Churn', 'Who stopped buying, and when?', '**Window**: 90 days']
>>> print(translate_markdown(source, {"Churn": "流失"}.get))
## 流失
<BLANKLINE>
Who stopped buying, and when?
<BLANKLINE>
- **Window**: 90 days
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator

from crmlib.lang import gettext

MISSING_TABLE_KEY = "crmlib_missing_table"  # output metadata: the page leaves out cells tagged needs-<table>
_HEADING = re.compile(r"^(#{1,6}\s+)(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_VERBATIM = re.compile(r"^\s*(\||<|!\[|>?\s*$|-{3,}\s*$|\*{3,}\s*$)")  # tables, HTML, images, rules


def _blocks(lines: list[str]) -> Iterator[tuple[int, int, str, str]]:
    """(first line, end line, prefix, message) of each translatable block; message "" = verbatim."""
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            end = next((j for j in range(i + 1, len(lines)) if _FENCE.match(lines[j])), len(lines) - 1)
            yield i, end + 1, "", ""
            i = end + 1
        elif (heading := _HEADING.match(line)) is not None:
            yield i, i + 1, heading.group(1), heading.group(2)
            i += 1
        elif _VERBATIM.match(line):
            yield i, i + 1, "", ""
            i += 1
        else:
            item = _ITEM.match(line)
            prefix, words = (item.group(1), [item.group(2)]) if item else ("", [line.strip()])
            j = i + 1
            while j < len(lines) and lines[j].strip() and not (
                    _ITEM.match(lines[j]) or _HEADING.match(lines[j]) or _FENCE.match(lines[j])
                    or _VERBATIM.match(lines[j])):
                words.append(lines[j].strip())
                j += 1
            yield i, j, prefix, " ".join(w for w in words if w)
            i = j


def markdown_messages(source: str) -> list[tuple[int, str]]:
    """``(line number from 1, message id)`` of every heading, list item and paragraph.

    Parameters
    ----------
    source : str
        A Markdown cell's source.

    Returns
    -------
    list of tuple of (int, str)
        The first line of each block and its message, in order.
    """
    return [(start + 1, message) for start, _, _, message in _blocks(source.splitlines()) if message]


def translate_markdown(source: str, translate: Callable[[str], str | None]) -> str:
    """``source`` with each message replaced by ``translate(message)`` (kept when that is falsy).

    Parameters
    ----------
    source : str
        A Markdown cell's source.
    translate : callable
        Message id -> its translation, or None/empty to keep the message.

    Returns
    -------
    str
        The translated source, Markdown syntax and verbatim blocks kept, lines joined by newlines.
    """
    lines = source.splitlines()
    out: list[str] = []
    for start, end, prefix, message in _blocks(lines):
        if not message:
            out.extend(lines[start:end])
        else:
            out.append(prefix + (translate(message) or message))
    return "\n".join(out)


def translate_notebook(nb, lang: str):
    """A copy of ``nb`` whose Markdown cells read ``lang`` (``nb`` itself for English).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.
    lang : str
        The report language.

    Returns
    -------
    nbformat.NotebookNode
        The translated copy, with ``metadata.crmlib.narrative_language`` set to ``lang``.
    """
    if lang == "en":
        return nb
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source = translate_markdown(cell.source, lambda m: gettext(lang, m))
    out.metadata["crmlib"] = {**out.metadata.get("crmlib", {}), "narrative_language": lang}
    return out


def notebook_language(nb, default: str = "en") -> str:
    """The ``lang`` a notebook runs with: papermill's injected value, else the parameters cell's.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.
    default : str, optional
        The language when neither names one (default ``"en"``).

    Returns
    -------
    str
        The language code.
    """
    injected = nb.metadata.get("papermill", {}).get("parameters", {})
    if "lang" in injected:
        return str(injected["lang"])
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            found = re.search(r"^lang\s*(?::[^=]*)?=\s*['\"](\w+)['\"]", cell.source, re.MULTILINE)
            if found:
                return found.group(1)
    return default
