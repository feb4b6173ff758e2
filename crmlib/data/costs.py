"""The ``costs:`` section of ``dataset.yaml``: margin rates and the cost to serve, all optional.

```yaml
costs:
  margin_rates: {服饰: 0.45, 数码: 0.18, default: 0.3}   # share of the price that is margin, by category
  service_contact: {电话: 12, 在线客服: 3, default: 5}   # cost per feedback / service contact, by channel
  service_touchpoints: [hotline, chat]                  # touchpoint types or channels that are service contacts
  return_handling: 15                                    # cost of handling one return
  shipping_per_order: 8                                  # shipping paid by the shop, per order
```

A number instead of a mapping applies to every category or channel. A touchpoint is a service contact
when its ``touchpoint_type`` or its ``channel`` is in ``service_touchpoints``; without the key, when
its type or channel matches the workbook's service pattern (``crmlib.scans.journeys.SERVICE_PATTERN``:
service, support, complain, ticket, 客服, 投诉, 售后 — the contacts the journey page and the churn
features count); ``[]`` counts none. It is priced like a feedback row, and one on the day of a feedback row of the same
customer is that row's contact (see :func:`crmlib.scans.profit.profit_scan`). Without the section (and
without a products table or a ``cost`` column) there are no costs: profit cannot be computed.

Example
-------
>>> costs = CostSettings.from_mapping({"service_contact": 5, "margin_rates": {"a": 0.4}}, where="dataset.yaml")
>>> costs.service_contact, costs.margin_rates, costs.return_handling
({'default': 5.0}, {'a': 0.4}, 0.0)
>>> costs.given, costs.service_touchpoints is None
(True, True)
>>> CostSettings.from_mapping({"service_touchpoints": "hotline"}, where="dataset.yaml")
Traceback (most recent call last):
...
crmlib.errors.ConfigError: ...`costs: service_touchpoints: 'hotline'`, not a list of names...
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from crmlib.errors import ConfigError

COST_KEYS = ("margin_rates", "service_contact", "service_touchpoints", "return_handling", "shipping_per_order")
DEFAULT = "default"


@dataclass(frozen=True)
class CostSettings:
    """Margin rates by category, cost per service contact by channel, which touchpoints are service
    contacts, per-return and per-order costs."""

    margin_rates: dict[str, float] = field(default_factory=dict)
    service_contact: dict[str, float] = field(default_factory=dict)
    service_touchpoints: list[str] | None = None  # None: the service pattern
    return_handling: float = 0.0
    shipping_per_order: float = 0.0

    @property
    def given(self) -> bool:
        """Whether any cost was set."""
        return bool(self.margin_rates or self.service_contact or self.return_handling or self.shipping_per_order)

    def to_dict(self) -> dict:
        """The settings as plain data (for ``Dataset.costs`` and the dataset store).

        Returns
        -------
        dict
            One key per field: ``margin_rates``, ``service_contact``, ``service_touchpoints``,
            ``return_handling``, ``shipping_per_order``.
        """
        return asdict(self)

    @classmethod
    def from_mapping(cls, raw: object, where: Path | str) -> CostSettings:
        """Parse and check the section (a ConfigError names the key and the fix).

        Parameters
        ----------
        raw : object
            The ``costs:`` value read from the yaml; None or ``{}`` gives no costs.
        where : Path or str
            The yaml file, named in errors.

        Returns
        -------
        CostSettings
            The checked settings; a single number becomes ``{"default": number}``.
        """
        if raw in (None, {}):
            return cls()
        if not isinstance(raw, dict):
            raise ConfigError("has a `costs:` that is not a mapping", file=where,
                              hint="Write e.g. `costs: {service_contact: 5, return_handling: 15}`.")
        unknown = sorted(str(k) for k in raw if k not in COST_KEYS)
        if unknown:
            raise ConfigError(f"has unknown key(s) {unknown} in `costs:`", file=where,
                              hint=f"Known keys there: {', '.join(COST_KEYS)}.")
        return cls(
            margin_rates=_by_key(raw.get("margin_rates"), "margin_rates", where, low=-1.0, high=1.0),
            service_contact=_by_key(raw.get("service_contact"), "service_contact", where),
            service_touchpoints=_names(raw.get("service_touchpoints"), "service_touchpoints", where),
            return_handling=_amount(raw.get("return_handling", 0), "return_handling", where),
            shipping_per_order=_amount(raw.get("shipping_per_order", 0), "shipping_per_order", where),
        )


def _amount(value: object, key: str, where: Path | str, low: float = 0.0, high: float = float("inf")) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not low <= number <= high:
        bounds = f"between {low:g} and {high:g}" if high != float("inf") else f"of {low:g} or more"
        raise ConfigError(f"has `costs: {key}: {value!r}`, not a number {bounds}", file=where,
                          hint=f"Write e.g. `{key}: {0.3 if high <= 1 else 5}`.")
    return number


def _by_key(value: object, key: str, where: Path | str, low: float = 0.0, high: float = float("inf")) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return {DEFAULT: _amount(value, key, where, low, high)}
    return {str(k): _amount(v, f"{key}: {k}", where, low, high) for k, v in value.items()}


def _names(value: object, key: str, where: Path | str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"has `costs: {key}: {value!r}`, not a list of names", file=where,
                          hint=f"Write e.g. `{key}: [service_contact, customer_service]` (touchpoint types or "
                               "channels; `[]` for none), or leave it out to count the types and channels that "
                               "look like service (service, support, complain, ticket, 客服, 投诉, 售后).")
    return [v.strip() for v in value]


__all__ = ["CostSettings", "COST_KEYS"]
