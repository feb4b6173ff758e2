"""papermill's ``crmlib`` engine: the narrative in the ``lang`` parameter, then nbclient runs it.

``papermill --engine crmlib notebooks/01_overview.ipynb out.ipynb -p lang zh`` — for schedulers
that call papermill directly and want a Chinese notebook (see docs/translating.md).

Registered by the ``papermill.engine`` entry point, and imported by papermill while it loads its
engines; import it through papermill (``papermill.engines.papermill_engines.get_engine("crmlib")``),
not directly, or papermill's registry would load this module half-initialised.
"""

from __future__ import annotations

from papermill.engines import NBClientEngine

from crmlib.report.translate import for_language


class TranslatingEngine(NBClientEngine):
    """nbclient's engine, running the notebook with its Markdown in the ``lang`` parameter."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        """Translate the notebook's Markdown into its ``lang`` parameter, then run it with nbclient.

        Parameters
        ----------
        nb : NotebookNode
            The notebook, with papermill's parameters injected.
        kernel_name : str
            The kernel to run it with.
        **kwargs
            Passed on to :meth:`NBClientEngine.execute_notebook` (output path, timeouts …).

        Returns
        -------
        NotebookNode
            The executed notebook.
        """
        return super().execute_notebook(for_language(nb), kernel_name, **kwargs)
