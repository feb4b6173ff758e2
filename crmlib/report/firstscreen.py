"""A report page's first screen: one title, the KPI cards, then the sentences computed with them.

A notebook shows its cards (``Workbook.page_cards`` / ``Workbook.cards``) beside the sentences that
open the page, usually after the title and the page's introduction. On the report page the
introduction would push every number below the first screen of a phone, so :func:`lift_first_screen`
moves the first row of cards — with the sentences shown around it, up to the nearest heading,
Markdown cell, table or chart — right under the page's title (a ``#`` heading of a Markdown cell,
or one a notebook said). A heading left with nothing under it is dropped. JupyterLab shows the
notebook as written.

Example
-------
>>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
>>> from crmlib.display.cards import FIRST_SCREEN_KEY
>>> cards = new_output("display_data", {"text/html": "<div class='crm-cards'></div>"},
...                    metadata={FIRST_SCREEN_KEY: True})
>>> said = new_output("display_data", {"text/markdown": "Revenue rose 6 %."})
>>> nb = new_notebook(cells=[new_markdown_cell("# 03 · CLV\\n\\nWhat is each customer worth?"),
...                          new_code_cell("", outputs=[said, cards]), new_markdown_cell("## Models")])
>>> [c.source or [o.data.get("text/markdown", "cards") for o in c.outputs] for c in lift_first_screen(nb).cells]
['# 03 · CLV', ['cards', 'Revenue rose 6 %.'], 'What is each customer worth?', [], '## Models']
"""

from __future__ import annotations

import copy
import re

from crmlib.display.cards import FIRST_SCREEN_KEY

_H1 = re.compile(r"^#\s+\S")
_HEADING = re.compile(r"^#{1,6}\s+\S")


def _markdown(output) -> str | None:
    """The Markdown text of a displayed output (None for anything else)."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None
    text = output.get("data", {}).get("text/markdown")
    if text is None or set(output.get("data", {})) - {"text/markdown", "text/plain"}:
        return None
    return "".join(text) if isinstance(text, list) else text


def _is_cards(output) -> bool:
    return bool(output.get("metadata", {}).get(FIRST_SCREEN_KEY))


def _is_heading(output) -> bool:
    text = _markdown(output)
    return text is not None and bool(_HEADING.match(text.lstrip()))


def _title(cells) -> tuple[int, int | None] | None:
    """Where the page's title is: (cell, None) for a Markdown cell, (cell, output) for a said heading."""
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            if any(_H1.match(line) for line in cell.source.splitlines()):
                return i, None
        elif cell.cell_type == "code":
            for k, output in enumerate(cell.get("outputs", [])):
                text = _markdown(output)
                if text is not None and _H1.match(text.lstrip()):
                    return i, k
    return None


def _before(title: tuple[int, int | None], start: tuple[int, int]) -> bool:
    """Whether the title comes before the cards on the page."""
    return title[0] < start[0] if title[1] is None else title < start


def _block(cells, start: tuple[int, int]) -> list[tuple[int, int]]:
    """The cards at ``start`` and the sentences around them, as (cell, output) positions in page order."""
    positions = [(i, k) for i, cell in enumerate(cells) for k in range(len(cell.get("outputs", [])))
                 if cell.cell_type == "code"]
    stops = {i for i, cell in enumerate(cells) if cell.cell_type != "code"}
    at = positions.index(start)

    def walk(step: int) -> list[tuple[int, int]]:
        found, j = [], at + step
        while 0 <= j < len(positions):
            i, k = positions[j]
            between = range(min(i, positions[j - step][0]) + 1, max(i, positions[j - step][0]))
            if any(b in stops for b in between):
                break
            output = cells[i].outputs[k]
            if output.get("output_type") == "stream":  # warnings printed by the code stay where they are
                j += step
                continue
            if _markdown(output) is None or _is_heading(output) or _is_cards(output):
                break
            found.append((i, k))
            j += step
        return found

    return walk(-1)[::-1] + [start] + walk(1)


def lift_first_screen(nb):
    """Copy of ``nb`` with its first row of KPI cards and the sentences beside it right under the
    title (``nb`` itself when there are no cards, no title, or the title comes after the cards).

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (not changed).

    Returns
    -------
    NotebookNode
        The rearranged copy, or ``nb`` itself.
    """
    cells = nb.cells
    start = next(((i, k) for i, cell in enumerate(cells) if cell.cell_type == "code"
                  for k, output in enumerate(cell.get("outputs", [])) if _is_cards(output)), None)
    title = _title(cells)
    if start is None or title is None or not _before(title, start):
        return nb
    out = copy.deepcopy(nb)
    block = _block(out.cells, start)
    moved = [out.cells[start[0]].outputs[start[1]]] + [out.cells[i].outputs[k] for i, k in block if (i, k) != start]
    had_outputs = [bool(cell.get("outputs")) for cell in out.cells]
    for i, k in sorted(block, reverse=True):
        del out.cells[i].outputs[k]
    _drop_empty_heading(out, block[0][0], had_outputs)
    title_cell, title_output = _title(out.cells)
    cell = out.cells[title_cell]
    if title_output is not None:
        cell.outputs[title_output + 1:title_output + 1] = moved
        return out
    from nbformat.v4 import new_code_cell, new_markdown_cell

    lines = cell.source.splitlines()
    at = next(n for n, line in enumerate(lines) if _H1.match(line))
    head, rest = "\n".join(lines[:at + 1]), "\n".join(lines[at + 1:]).strip("\n")
    cell.source = head
    added = [new_code_cell("", outputs=moved)]
    if rest.strip():
        added.append(new_markdown_cell(rest, metadata=copy.deepcopy(cell.metadata)))
    out.cells[title_cell + 1:title_cell + 1] = added
    return out


def _drop_empty_heading(nb, first_cell: int, had_outputs: list[bool]) -> None:
    """Drop the heading-only Markdown cell above ``first_cell`` when every code cell under it, up to
    the next Markdown cell, lost all its outputs to the first screen."""
    above = next((i for i in range(first_cell, -1, -1) if nb.cells[i].cell_type != "code"), None)
    if above is None or nb.cells[above].cell_type != "markdown":
        return
    source = nb.cells[above].source.strip()
    if "\n" in source or not _HEADING.match(source) or _H1.match(source):
        return
    under = []
    for i in range(above + 1, len(nb.cells)):
        if nb.cells[i].cell_type != "code":
            break
        under.append(i)
    if any(had_outputs[i] for i in under) and not any(nb.cells[i].get("outputs") for i in under):
        del nb.cells[above]
