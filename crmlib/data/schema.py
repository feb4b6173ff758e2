"""The canonical tables: which fields each has, which are required, and how to parse them.

Example
-------
>>> TABLES["transactions"].required
('customer_id', 'order_date', 'amount')
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableSchema:
    """Fields of one canonical table: ``kinds`` maps field -> parser kind."""

    name: str
    kinds: dict[str, str]
    required: tuple[str, ...]
    keep_extra_columns: bool = False
    any_of: tuple[str, ...] = field(default=())
    description: str = ""

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(f for f in self.kinds if f not in self.required)


TABLES: dict[str, TableSchema] = {
    "transactions": TableSchema(
        "transactions",
        {
            "customer_id": "id", "order_date": "date", "amount": "amount", "order_id": "id",
            "quantity": "number", "unit_price": "amount", "product": "text", "category": "text",
            "channel": "text", "cost": "amount", "discount": "amount",
        },
        required=("customer_id", "order_date", "amount"),
        description="one row per order (or order line); negative amounts or quantities are returns; "
        "without `amount`, the amount is quantity × unit_price; optional `cost` (cost of the goods of the "
        "line) and `discount` (money given off the line, already taken out of `amount`)",
    ),
    "customers": TableSchema(
        "customers",
        {
            "customer_id": "id", "signup_date": "date", "acquisition_channel": "text",
            "region": "text", "city": "text", "gender": "text", "birth_year": "number",
            "age": "number", "churned": "bool", "churn_date": "date", "referred_by": "id",
            "tenure": "number",
        },
        required=("customer_id",),
        keep_extra_columns=True,
        description="one row per known customer or prospect; optional `referred_by`: the id of the customer "
        "who referred them; `churned` (yes/no) with `tenure` (months or days) and any attributes makes a customer "
        "snapshot, which loads without transactions",
    ),
    "feedback": TableSchema(
        "feedback",
        {
            "feedback_id": "id", "customer_id": "id", "date": "date", "channel": "text",
            "text": "text", "rating": "number", "nps": "number", "category": "text",
            "resolved_at": "date", "churn_reason": "text",
        },
        required=("customer_id",),
        any_of=("text", "rating", "nps"),
        keep_extra_columns=True,
        description="reviews, tickets, surveys and exit surveys",
    ),
    "marketing_spend": TableSchema(
        "marketing_spend",
        {"month": "date", "acquisition_channel": "text", "spend": "amount"},
        required=("month", "acquisition_channel", "spend"),
        description="marketing spend per month and acquisition channel",
    ),
    "touchpoints": TableSchema(
        "touchpoints",
        {
            "customer_id": "id", "timestamp": "date", "channel": "text", "touchpoint_type": "text",
            "campaign": "text", "cost": "amount", "touchpoint_id": "id",
        },
        required=("customer_id", "timestamp", "channel"),
        description="one row per contact (ad, visit, message, service or sales contact) of a customer "
        "or anonymous visitor",
    ),
    "products": TableSchema(
        "products",
        {"product": "text", "category": "text", "unit_cost": "amount", "margin_rate": "number"},
        required=("product",),
        any_of=("unit_cost", "margin_rate"),
        description="product costs: one row per product with its unit cost or its margin rate "
        "(share of the price that is margin, 0–1)",
    ),
}

REQUIRED_TABLES = ("transactions",)  # unless the customers table maps `churned` (a snapshot, see crmlib.data.config)
