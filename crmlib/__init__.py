"""crmlib: the small library behind the CRM value workbook notebooks.

Layers, each importing only those above it (``tests/test_layers.py`` checks it):

- cross-cutting: :mod:`crmlib.errors`, :mod:`crmlib.lang`, :mod:`crmlib.exports`, :mod:`crmlib.cache`,
  :mod:`crmlib.settings` (the one set of analysis settings), :mod:`crmlib.logs`;
- :mod:`crmlib.engine` — DuckDB in-process (or Spark) through Ibis, for scans of raw rows;
- :mod:`crmlib.data` — reading, mapping, parsing and cleaning the dataset's tables;
- :mod:`crmlib.scans` — scans of raw rows (per-customer summary and the like);
- the analyses — :mod:`crmlib.segment`, :mod:`crmlib.clv`, :mod:`crmlib.churn`,
  :mod:`crmlib.feedback`, :mod:`crmlib.overview` (pure: no files, no cache, no charts);
- :mod:`crmlib.plots` — charts; :mod:`crmlib.notebook` — the notebooks' ``Workbook``;
- :mod:`crmlib.report` — the runner (``crm-workbook run``) and the HTML pages.

Example
-------
>>> from crmlib.data.load import load_dataset
>>> ds = load_dataset("data/cdnow")          # doctest: +SKIP
>>> ds.transactions.columns.tolist()[:3]     # doctest: +SKIP
['customer_id', 'order_date', 'amount']
"""

from pathlib import Path

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout that holds ``crmlib/``, ``data/``, ``notebooks/`` and ``reports/``."""
