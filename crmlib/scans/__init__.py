"""Scans of raw rows: the only code whose work grows with the number of orders.

Everything they return is one row per customer (or smaller); the analyses start from there.

- :mod:`crmlib.scans.summary` — the per-customer summary and purchase days.
"""
