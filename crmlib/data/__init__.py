"""The data layer: read a dataset folder, map its columns, parse, clean and account for every row.

Nothing here imports an analysis, the report runner or the charts. Modules:

- :mod:`crmlib.data.config` — ``dataset.yaml``; :mod:`crmlib.data.schema` — the canonical tables;
- :mod:`crmlib.data.readers` — files to raw frames; :mod:`crmlib.data.parsing` — cells to values;
- :mod:`crmlib.data.load` — mapping, cleaning, :class:`Dataset`; :mod:`crmlib.data.quality` — the log;
- :mod:`crmlib.data.sample`, :mod:`crmlib.data.cdnow`, :mod:`crmlib.data.corpora` — bundled data;
- :mod:`crmlib.data.editable` — the editable rule tables in ``crmlib/resources``.

Example
-------
>>> from crmlib.data import load_dataset
>>> ds = load_dataset("data/cdnow")
>>> ds.transactions.columns.tolist()[:3]
['customer_id', 'order_date', 'amount']
"""

from crmlib.data.load import Dataset, load_dataset, load_dataset_cached

__all__ = ["Dataset", "load_dataset", "load_dataset_cached"]
