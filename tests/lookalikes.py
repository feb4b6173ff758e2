"""Small look-alikes of real exports, each with its known truth written beside it.

- :data:`ONLINE_RETAIL`: order lines as in the UCI "Online Retail" export (invoice, stock code,
  description, quantity, ``12/1/2010 8:26``, unit price, ``17850.0`` or blank customer,
  country; cancellations are invoices starting with C and have negative quantities).
- :data:`MESSY_SHOP`: a GBK Chinese shop export with ￥ amounts, mixed date formats, lines
  re-exported with other formatting, a refund dated after the last purchase, NULL/nan ids and
  an amount that is not a number.
"""

from __future__ import annotations

ONLINE_RETAIL = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850.0,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850.0,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850.0,United Kingdom
536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047.0,United Kingdom
536368,22960,JAM MAKING SET WITH JARS,6,12/13/2010 8:34,4.25,13047.0,United Kingdom
C536379,D,Discount,-1,12/14/2010 9:41,27.50,14527.0,United Kingdom
C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,-1,12/14/2010 9:49,4.65,15311.0,United Kingdom
536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/15/2010 8:45,3.75,,France
536371,22086,PAPER CHAIN KIT 50'S CHRISTMAS,80,12/15/2010 9:00,2.55,13748.0,United Kingdom
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850.0,United Kingdom
"""
ONLINE_RETAIL_CONFIG = {"tables": {"transactions": {
    "file": "Online Retail.csv",
    "columns": {"order_id": "InvoiceNo", "product": "StockCode", "quantity": "Quantity",
                "order_date": "InvoiceDate", "unit_price": "UnitPrice", "customer_id": "CustomerID"},
    "cancelled_if": {"column": "order_id", "starts_with": "C"},
}}, "currency": "GBP"}
ONLINE_RETAIL_TRUTH = {
    "purchases": {"17850": 6 * 2.55 + 6 * 3.39 + 6 * 1.85, "13047": 32 * 1.69 + 6 * 4.25, "13748": 80 * 2.55},
    "returns": sorted([-27.5, -4.65]),
    "no_customer": 24 * 3.75,
    "duplicate_line": 11,
    "analysis_date": "2010-12-15",
}

MESSY_SHOP = """订单编号,会员ID,下单时间,实付金额,商品名称,数量
DD1001,张三,2024/3/5 14:02,"￥1,234.50",羽绒服,1
DD1002,李四,2024-03-06,￥88.00,袜子,2
DD1003,王五,2024年01月14日,￥300,围巾,1
DD1004,赵六,2024年1月14日 08:03,"￥1,000",手套,1
DD1005,张三,09.12.2023,￥50,帽子,1
DD1006,李四,25.12.2023,￥20,围巾,1
DD1001,张三,2024-03-05,1234.5,羽绒服,1
DD1002,李四,2024/3/6 00:00,￥88,袜子,2
DD1003,王五,2024/3/20,-￥300.00,围巾,1
DD1007,NULL,2024-02-01,￥99,袜子,1
DD1008,nan,2024-02-02,￥99,袜子,1
DD1009,孙七,2024-02-03,"1,2,3",袜子,1
"""
MESSY_SHOP_CONFIG = {"tables": {"transactions": {
    "file": "orders.csv", "max_unparsed_share": 0.1,
    "columns": {"order_id": "订单编号", "customer_id": "会员ID", "order_date": "下单时间", "amount": "实付金额",
                "product": "商品名称", "quantity": "数量"},
}}}
MESSY_SHOP_TRUTH = {
    "revenue": 1234.5 + 88 + 300 + 1000 + 50 + 20,  # distinct order ids of valid purchases
    "dates": {"DD1001": "2024-03-05 14:02", "DD1002": "2024-03-06 00:00", "DD1003": "2024-01-14 00:00",
              "DD1004": "2024-01-14 08:03", "DD1005": "2023-12-09 00:00", "DD1006": "2023-12-25 00:00"},
    "analysis_date": "2024-03-06",  # the last purchase; the refund of 2024-03-20 does not move it
    "dropped": {"missing customer id": 2, "unreadable amount (实付金额)": 1, "duplicate order line (identical row)": 2,
                "order date after the analysis date 2024-03-06": 1},
}
