"""Segmentation: RFM scores, named segments, value tiers, clusters, profiles, lifecycle, migration.

Each module holds one concern; the common entry points are re-exported here.

Example
-------
>>> from crmlib.data.load import load_dataset                       # doctest: +SKIP
>>> from crmlib.scans.summary import customer_summary             # doctest: +SKIP
>>> ds = load_dataset("data/sample")                         # doctest: +SKIP
>>> table = segment_table(customer_summary(ds.transactions, ds.analysis_date), scheme="cn8",
...                       lang="zh")                          # doctest: +SKIP
"""

from crmlib.segment.actions import action_table, labels_for, load_actions, recommended_actions
from crmlib.segment.clusters import RFMClusterer
from crmlib.segment.export import EXPORT_COLUMNS, segments_export
from crmlib.segment.lifecycle import crm_funnel, crm_stages, lifecycle_stages
from crmlib.segment.migration import (
    comparison_date,
    migration_summary,
    segment_migration,
    transition_matrix,
)
from crmlib.segment.profiles import (
    age_bands,
    attach_attributes,
    attribute_profile,
    available_attributes,
    best_and_worst,
    mix,
    numeric_attributes,
)
from crmlib.segment.rfm import quantile_scores, rfm_scores, rfm_table
from crmlib.segment.schemes import (
    assign_cn8,
    assign_rfm11,
    load_rules,
    rules_table,
    segment_labels,
    segment_order,
    uncovered_cells,
)
from crmlib.segment.table import segment_overview, segment_table
from crmlib.segment.tiers import tier_summary, value_tiers

__all__ = [
    "EXPORT_COLUMNS", "RFMClusterer", "segments_export", "action_table", "age_bands", "assign_cn8", "assign_rfm11", "attach_attributes",
    "attribute_profile", "available_attributes", "best_and_worst", "crm_funnel", "crm_stages", "labels_for",
    "comparison_date", "lifecycle_stages", "load_actions", "load_rules", "migration_summary", "mix", "numeric_attributes", "quantile_scores",
    "recommended_actions", "rfm_scores", "rfm_table", "rules_table", "segment_labels",
    "segment_migration", "segment_order", "segment_overview", "segment_table", "tier_summary",
    "transition_matrix", "uncovered_cells", "value_tiers",
]
