"""Status sheets as the 2022 teams wrote them, built in the tests: a title row, merged
cells, Chinese headers, one column a service (wide) or a service and a state column per
row (long), update times in mixed forms."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook


def xlsx(rows: list[list], merges: tuple[str, ...] = ()) -> bytes:
    """A workbook of ``rows`` (the first sheet), with cells merged as given."""
    book = Workbook()
    sheet = book.active
    sheet.title = "接诊情况"
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WIDE = [
    ["上海市各医院接诊情况汇总（核实组每小时更新）"],
    ["医院名称", "区", "血透", "化疗", "急诊", "发热门诊", "产科", "更新时间", "备注"],
    [
        "瑞金医院",
        "黄浦区",
        "可接收",
        "暂停接收",
        "正常",
        "",
        "需预约",
        datetime(2022, 4, 12, 14, 30),
        "",
    ],
    ["华山医院", "静安区", "停诊", "", "可接诊，需48小时核酸", "开放", "", "4/12 15:00", ""],
    ["上海市第六人民医院", "徐汇区", "仅限本院患者", "", "满员", "", "", "4月12日", "电话常占线"],
    ["火星医院", "黄浦区", "可接收", "", "", "", "", "", ""],
    ["上海市第十人民医院", "静安区", "", "", "🙏问问再说", "", "", "", ""],
]
"""Seven rows: a title, the header, four hospitals the bundled list has (one in each of
three date forms, one with a remark), one it has not."""
