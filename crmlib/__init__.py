"""crmlib: the small library behind the CRM value workbook notebooks.

Example
-------
>>> from crmlib.io import load_dataset
>>> ds = load_dataset("data/cdnow")          # doctest: +SKIP
>>> ds.transactions.columns.tolist()[:3]     # doctest: +SKIP
['customer_id', 'order_date', 'amount']
"""

from pathlib import Path

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout that holds ``crmlib/``, ``data/``, ``notebooks/`` and ``reports/``."""
