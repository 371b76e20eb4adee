"""Builders of hand-made export rows (households, members, monitoring records) and a CSV writer."""

from __future__ import annotations

import csv
from pathlib import Path

from fupin.data import contract as C
from fupin.data.idcard import check_digit

VILLAGE = "341221100201"


def pid(prefix: str, birth: str, seq: int) -> str:
    """A valid 18-digit ID number: region prefix, birth date YYYYMMDD, sequence, check digit."""
    body = f"{prefix}{birth}{seq:03d}"
    return body + check_digit(body)


def _pid(n: int) -> str:
    return pid("341221", "19650101", n)


def household(n: int, **over: str) -> dict[str, str]:
    row = {c.cn: "" for c in C.HOUSEHOLD.columns} | {
        "行政区划代码": VILLAGE,
        "户编号": f"{VILLAGE}{n:04d}",
        "户主姓名": "王某",
        "户主证件号码": _pid(n),
        "家庭人口数": "1",
        "贫困户属性": "一般贫困户",
        "户类别": "脱贫监测户",
        "脱贫年度": "2018",
        "年人均纯收入": "4500",
        "工资性收入": "3000",
        "生产经营性收入": "1000",
        "财产性收入": "0",
        "转移性收入": "500",
        "吃穿不愁": "是",
        "义务教育有保障": "是",
        "基本医疗有保障": "是",
        "住房安全有保障": "是",
        "饮水安全有保障": "是",
        "疫情影响": "无",
    }
    return row | over


def member(n: int, **over: str) -> dict[str, str]:
    return {
        "户编号": f"{VILLAGE}{n:04d}",
        "证件号码": _pid(n),
        "姓名": "王某",
        "与户主关系": "户主",
        "性别": "男",
        "出生日期": "1965-01-01",
        "劳动能力": "普通劳动力",
        "健康状况": "健康",
        "在校生状况": "非在校生",
        "务工状态": "未务工",
        "务工地点": "",
    } | over


def record(
    n: int, month: str, *, est: int, last: int = 8000, points: str = "", category: str = "脱贫监测户", **over: str
) -> dict:
    """A 监测记录 row; `over` sets any other column by its Chinese header (销号阶段, 省级备案日期 …)."""
    return (
        {c.cn: "" for c in C.MONITORING.columns}
        | {
            "户编号": f"{VILLAGE}{n:04d}",
            "监测年月": month,
            "户类别": category,
            "预估年人均纯收入": str(est),
            "上年人均纯收入": str(last),
            "风险点": points,
            "红色标注": "否",
            "销号阶段": "未启动",
        }
        | over
    )


def measure(
    mid: str, n: int, source: str, *, kind: str = "临时救助", amount: str = "3000", date: str = "2020-03-10"
) -> dict:
    """A 帮扶措施 row for household n of VILLAGE."""
    return {
        "措施编号": mid,
        "户编号": f"{VILLAGE}{n:04d}",
        "措施类型": kind,
        "落实日期": date,
        "金额": amount,
        "资金来源": source,
        "项目编号": "",
    }


def write(folder: Path, table: C.Table, rows: list[dict], *, encoding: str = "utf-8") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{table.cn}.csv").open("w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=table.headers)
        w.writeheader()
        w.writerows(rows)
