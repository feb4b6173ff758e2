"""The overview analyses: KPIs, cross-sell, the per-customer scorecard, summary sentences and the
data-quality analysis. They combine the results of the other analyses; none reads files.

- :mod:`crmlib.overview.kpi` — monthly KPIs, headline, CAC, funnel;
- :mod:`crmlib.overview.recommend` — association rules and cross-sell recommenders;
- :mod:`crmlib.overview.scorecard` — one row per customer for the CRM;
- :mod:`crmlib.overview.insights` — sentences computed from the numbers;
- :mod:`crmlib.overview.dataquality` — what loading changed and what to worry about.
"""
