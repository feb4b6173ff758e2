"""The narrative's language wherever a notebook runs: papermill engine, nbconvert preprocessor.

``crm-workbook run`` translates each notebook before papermill runs it (:func:`for_language`).
Outside the runner:

- ``papermill --engine crmlib in.ipynb out.ipynb -p lang zh`` (papermill's ``crmlib`` engine,
  :mod:`crmlib.report.papermill_engine`) translates while it runs;
- ``jupyter nbconvert --to html --Exporter.preprocessors=crmlib.report.translate.TranslateMarkdown
  out.ipynb`` (:class:`TranslateMarkdown`) translates a notebook run by plain papermill;
- ``crm-workbook translate in.ipynb out.ipynb --lang zh`` writes a translated copy to open in
  JupyterLab.

Example
-------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Revenue")])
>>> for_language(nb, "zh").cells[0].source
'## 收入'
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode

from crmlib.narrative import notebook_language, translate_notebook


def translate_file(source: str, target: str, lang: str) -> None:
    """``crm-workbook translate``: write ``source`` with its narrative in ``lang`` to ``target``.

    Parameters
    ----------
    source : str
        The notebook to translate.
    target : str
        Where the copy is written; its parameters cell's ``lang`` default is ``lang``.
    lang : str
        The report language, one of ``crmlib.lang.LANGUAGES`` (a ``ValueError`` otherwise).
    """
    import nbformat

    from crmlib.lang import LANGUAGES

    if lang not in LANGUAGES:
        raise ValueError(f"--lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    nb = for_language(nbformat.read(source, as_version=4), lang)
    for cell in nb.cells:  # run it as this language: the parameters cell's default follows
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            cell.source = re.sub(r"^(lang\s*(?::[^=]*)?=\s*)['\"]\w+['\"]", rf'\g<1>"{lang}"', cell.source,
                                 flags=re.MULTILINE)
    nbformat.write(nb, target)


def for_language(nb, lang: str | None = None):
    """``nb`` with its Markdown in ``lang`` (default: the notebook's own ``lang`` parameter).

    Parameters
    ----------
    nb : NotebookNode
        The notebook (not changed).
    lang : str or None, optional
        The language (default None: papermill's injected ``lang``, else the parameters cell's).

    Returns
    -------
    NotebookNode
        A translated copy, or ``nb`` itself for English.
    """
    return translate_notebook(nb, lang or notebook_language(nb))


class TranslateMarkdown(Preprocessor):
    """nbconvert preprocessor: Markdown cells in the notebook's ``lang`` (or ``--TranslateMarkdown.lang``)."""

    lang = Unicode("", help="report language; empty = the notebook's lang parameter").tag(config=True)

    def preprocess(self, nb, resources):
        """The notebook with its Markdown cells translated (nbconvert's preprocessor step).

        Parameters
        ----------
        nb : NotebookNode
            The notebook (not changed).
        resources : dict
            nbconvert's resources, passed through.

        Returns
        -------
        tuple of (NotebookNode, dict)
            The translated notebook (:func:`for_language`) and ``resources``.
        """
        return for_language(nb, self.lang or None), resources
