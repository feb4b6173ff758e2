"""How results are shown: formats, tables, KPI cards (no analysis, no charts, no report)."""
