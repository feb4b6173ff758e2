"""Build small dataset folders for tests: files plus a dataset.yaml."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import yaml

BASIC_TRANSACTIONS = """customer_id,order_date,amount
a,2024-01-01,10
a,2024-01-11,30
b,2024-01-05,8
"""


def write_dataset(folder: Path, files: dict[str, bytes | str | pd.DataFrame], config: dict | str) -> Path:
    """Write ``files`` (CSV text, raw bytes, or frames by suffix) and ``dataset.yaml`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, pd.DataFrame):
            if name.endswith(".xlsx"):
                content.to_excel(path, index=False)
            elif name.endswith(".parquet"):
                content.to_parquet(path, index=False)
            else:
                content.to_csv(path, index=False)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    text = config if isinstance(config, str) else yaml.safe_dump(config, allow_unicode=True)
    (folder / "dataset.yaml").write_text(text, encoding="utf-8")
    return folder


def transactions_config(file: str = "tx.csv", **table) -> dict:
    return {"tables": {"transactions": {"file": file, **table}}}


def fingerprints(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder`` (to prove inputs are left byte-for-byte unchanged)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
