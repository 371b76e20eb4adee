"""月核查 (monthly check) workbook and 季通报 (quarterly bulletin): XLSX plus a printable A4 HTML page
with charts rendered to PNG by matplotlib — no browser, no internet. Scope applies through the Viewer."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from fupin.access.scope import Viewer, scope_prefix
from fupin.core.labels import COLUMNS, fmt_money_wan, month_label
from fupin.domain.progress import is_slow
from fupin.reports.exports import excel_writer, sheet
from fupin.warehouse import queries
from fupin.warehouse.connection import batch_info

MONTH_KINDS: dict[str, str] = {
    "red_new": "红色预警新增",
    "red_cleared": "红色预警消除",
    "monitor_in": "新纳入监测户",
    "monitor_out": "退出监测户",
    "edge_in": "新纳入边缘户",
    "edge_out": "退出边缘户",
    "projects_started": "本月开工项目",
    "payments": "本月资金支付",
    "unvisited": "边缘户未走访",
    "stuck": "销号滞留",
}
MONTH_COLUMNS: dict[str, str] = {  # the 汇总 sheet and the 月核查 page's table: labels from the one registry
    c: COLUMNS[c]
    for c in (
        "county_name",
        "city_name",
        "red_flag_new",
        "red_flag_cleared",
        "red_flag_households",
        "monitor_in",
        "monitor_out",
        "edge_in",
        "edge_out",
        "remaining_poor_persons",
        "remaining_poor_change",
        "projects_started_in_month",
        "paid_in_month",
        "edge_unvisited",
        "clearance_stuck",
    )
}
RECORD_COLUMNS: dict[str, str] = {c: COLUMNS[c] for c in ("county_name", "record_id", "detail")}


def _area(viewer: Viewer, area_prefix: str | None) -> str:
    return area_prefix or scope_prefix(viewer)


def month_check(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, month: str, area_prefix: str | None = None
) -> pd.DataFrame:
    """Per county: what changed in `month` ('YYYY-MM')."""
    return queries.run(
        con, "month_check_by_county", viewer, month=f"{month}-01", area_prefix=_area(viewer, area_prefix)
    )


def month_records(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, month: str, kind: str, area_prefix: str | None = None
) -> pd.DataFrame:
    return queries.run(
        con, "month_check_records", viewer, month=f"{month}-01", area_prefix=_area(viewer, area_prefix), kind=kind
    )


def month_workbook(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    month: str,
    area_prefix: str | None = None,
    *,
    synthetic: bool | None = None,
) -> bytes:
    """The 月核查 workbook: 汇总 (per county) and one sheet of records per kind of change, each under a title row
    (and the 演示数据 label when the warehouse is synthetic — read from the warehouse unless given)."""
    demo = batch_info(con).synthetic if synthetic is None else synthetic
    buf = io.BytesIO()
    summary = month_check(con, viewer, month, area_prefix)
    title = f"月核查 · {month_label(month)}"
    with excel_writer(buf) as xw:
        table = summary[list(MONTH_COLUMNS)].rename(columns=MONTH_COLUMNS)
        sheet(xw, table, "汇总", title=f"{title}（户以户编号标识，不含姓名和证件号码）", synthetic=demo)
        for kind, label in MONTH_KINDS.items():
            recs = month_records(con, viewer, month, kind, area_prefix)
            shown = recs[list(RECORD_COLUMNS)].rename(columns=RECORD_COLUMNS)
            sheet(xw, shown, label, title=f"{title} · {label}", synthetic=demo)
    return buf.getvalue()


# ---------------------------------------------------------------------------------- quarterly bulletin


def quarter_months(quarter: str) -> tuple[str, str]:
    """'2020Q1' → ('2020-01', '2020-03')."""
    year, q = int(quarter[:4]), int(quarter[-1])
    if quarter[4:5].upper() != "Q" or not 1 <= q <= 4:
        raise ValueError(f"quarter must look like 2020Q1, not {quarter!r}")
    return f"{year}-{3 * q - 2:02d}", f"{year}-{3 * q:02d}"


def county_measures(df: pd.DataFrame) -> pd.DataFrame:
    """The bulletin's measures per county from quarter_county_measures (with the paid share and the required
    share the disbursement gap is made of, so that a reason can state both)."""

    def ratio(a: pd.Series, b: pd.Series) -> pd.Series:
        b = b.astype(float)
        return a.astype(float) / b.where(b > 0)

    out = df[["county_code", "county_name", "city_name"]].copy()
    out["poor_reduction"] = ratio(df["poor_start"] - df["poor_end"], df["poor_start"])
    out["project_start_rate"] = ratio(df["projects_started"], df["projects"])
    out["workshop_restart_rate"] = ratio(df["workshops_restarted"], df["workshops"])
    out["migrant_vs_last_year"] = ratio(df["migrant_workers"], df["migrant_workers_last_year"])
    out["public_post_fill_rate"] = ratio(df["public_posts_filled"], df["public_posts_created"])
    out["paid_rate"] = ratio(df["special_paid"], df["special_allocated"])
    out["required_share"] = df["required_share"].astype(float)
    out["disbursement_vs_schedule"] = out["paid_rate"] - out["required_share"]
    out["visit_rate"] = ratio(df["edge_visited"], df["edge_households"])
    out["clearance_stuck"] = df["clearance_stuck"].astype(float)
    out["clearance_entered"] = df["clearance_entered"].astype(float)
    out["clearance_stuck_share"] = ratio(df["clearance_stuck"], df["clearance_entered"])
    return out


def area_values(df: pd.DataFrame) -> dict[str, float | None]:
    """The same measures for all counties together (sums over the area)."""
    total = df.select_dtypes("number").sum()

    def r(a: str, b: str) -> float | None:
        return float(total[a]) / float(total[b]) if float(total[b]) else None

    paid = r("special_paid", "special_allocated")
    req = df["required_share"].dropna()
    return {
        "poor_reduction": (float(total["poor_start"] - total["poor_end"]) / float(total["poor_start"]))
        if total["poor_start"]
        else None,
        "project_start_rate": r("projects_started", "projects"),
        "workshop_restart_rate": r("workshops_restarted", "workshops"),
        "migrant_vs_last_year": r("migrant_workers", "migrant_workers_last_year"),
        "public_post_fill_rate": r("public_posts_filled", "public_posts_created"),
        "disbursement_vs_schedule": None if paid is None or req.empty else paid - float(req.iloc[0]),
        "visit_rate": r("edge_visited", "edge_households"),
        "clearance_stuck": float(total["clearance_stuck"]),
        "clearance_entered": float(total["clearance_entered"]),
        "clearance_stuck_share": r("clearance_stuck", "clearance_entered"),
    }


def _points(x: float) -> str:
    """A difference of two shares in 个百分点, e.g. 0.2 → '20.0'."""
    return f"{abs(x) * 100:.1f}"


def slow_reason(rule: pd.Series | object, value: float, area: float | None, county: pd.Series | None = None) -> str:
    """One reason a county is named (`rule`: a row of bulletin_rules), stated with its numbers and the 省定
    threshold it broke:

    - gap_below_area: '扶贫项目开工率 33.3%，比整体 63.7% 低 30.4 个百分点（省定阈值 10 个百分点）';
    - the disbursement gap (paid share − required share, `county` gives both):
      '财政专项扶贫资金支付率 44.5%，比季末进度要求 50% 低 5.5 个百分点';
    - below: '边缘户走访覆盖率 83.3%，低于省定下限 85%';
    - the 销号 stuck share (`county` gives the counts):
      '销号滞留率 30.0%（滞留 6户，年内进入销号程序 20户），超过省定上限 25%';
    - any other above: '… 8户，超过省定上限 5户'."""
    label, threshold = str(rule.label), float(rule.threshold)  # type: ignore[attr-defined]
    if rule.rule == "gap_below_area" and area is not None:  # type: ignore[attr-defined]
        return (
            f"{label} {value:.1%}，比整体 {area:.1%} 低 {_points(area - value)} 个百分点"
            f"（省定阈值 {threshold * 100:g} 个百分点）"
        )
    if rule.measure == "disbursement_vs_schedule" and county is not None:  # type: ignore[attr-defined]
        paid, required = county["paid_rate"], county["required_share"]
        text = f"{label} {paid:.1%}，比季末进度要求 {required:.0%} 低 {_points(value)} 个百分点"
        return text + (f"（省定阈值：落后超过 {_points(threshold)} 个百分点）" if threshold < 0 else "")
    if rule.rule == "below":  # type: ignore[attr-defined]
        return f"{label} {value:.1%}，低于省定下限 {threshold:.0%}"
    if rule.measure == "clearance_stuck_share" and county is not None:  # type: ignore[attr-defined]
        stuck, entered = int(county["clearance_stuck"]), int(county["clearance_entered"])
        return f"{label} {value:.1%}（滞留 {stuck}户，年内进入销号程序 {entered}户），超过省定上限 {threshold:.0%}"
    return f"{label} {value:.0f}户，超过省定上限 {threshold:.0f}户"


def flag_slow(measures: pd.DataFrame, rules: pd.DataFrame, area: dict[str, float | None]) -> pd.DataFrame:
    """Add `slow_reasons`: for each county the rules it breaks (fupin.domain.progress.is_slow, the one definition of
    进度迟缓), each stated with the numbers (slow_reason)."""
    reasons: list[list[str]] = [[] for _ in range(len(measures))]
    for rule in rules.itertuples():
        values = measures[rule.measure]
        for i, v in enumerate(values):
            if is_slow(rule.rule, float(rule.threshold), v, area.get(rule.measure)):
                reasons[i].append(slow_reason(rule, float(v), area.get(rule.measure), measures.iloc[i]))
    out = measures.copy()
    out["slow_reasons"] = ["；".join(r) for r in reasons]
    return out


@dataclass(frozen=True)
class Bulletin:
    quarter: str
    area_name: str
    province: dict[str, float | None]
    counties: pd.DataFrame  # measures + slow_reasons
    rules: pd.DataFrame
    totals: pd.Series  # summed raw figures at the quarter's end
    synthetic: bool  # the warehouse is synthetic: every file made from it says 演示数据
    loop: pd.DataFrame | None = None  # 督办事项 by county (fupin.work.items.county_summary), as of `loop_date`
    loop_date: str = ""


def work_loop(viewer: Viewer) -> tuple[pd.DataFrame | None, str]:
    """The 督办 figures by county in the viewer's scope and the loop's date (None when the store is unavailable)."""
    from fupin.access.store import StoreError
    from fupin.work import items as W

    try:
        return W.county_summary(viewer), W.today().isoformat()
    except StoreError:
        return None, ""


def build_bulletin(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    quarter: str,
    *,
    area_prefix: str | None = None,
    area_name: str = "全省",
    with_loop: bool = True,
) -> Bulletin:
    loop, on = work_loop(viewer) if with_loop else (None, "")
    return bulletin_from(
        lambda name, **params: queries.run(con, name, viewer, **params),
        quarter,
        area_prefix=_area(viewer, area_prefix),
        area_name=area_name,
        synthetic=batch_info(con).synthetic,
        loop=loop,
        loop_date=on,
    )


def bulletin_from(
    q: Callable[..., pd.DataFrame],
    quarter: str,
    *,
    area_prefix: str,
    synthetic: bool,
    area_name: str = "全省",
    loop: pd.DataFrame | None = None,
    loop_date: str = "",
) -> Bulletin:
    """The bulletin from a query function (a view's `sel.q`, or a connection's scoped queries.run); with `loop` (the
    督办 figures by county) a county on the 约谈 list is named for it too, with its numbers."""
    start, end = quarter_months(quarter)
    raw = q("quarter_county_measures", start_month=f"{start}-01", end_month=f"{end}-01", area_prefix=area_prefix)
    if raw.empty:
        raise ValueError(f"no data for {quarter}")
    rules = q("bulletin_rules")
    area = area_values(raw)
    counties = flag_slow(county_measures(raw), rules, area)
    if loop is not None:
        loop = loop[loop["county_code"].isin(counties["county_code"])]
        counties = _with_loop(counties, loop)
    totals = raw.select_dtypes("number").sum()
    return Bulletin(quarter, area_name, area, counties, rules, totals, synthetic, loop, loop_date)


def _with_loop(counties: pd.DataFrame, loop: pd.DataFrame) -> pd.DataFrame:
    """Append the 约谈 reason (督办事项 overdue beyond the 省定 limits, fupin.work.rules.settings) to slow_reasons."""
    from fupin.work.rules import settings

    s = settings()
    named = loop[loop["interview"]].set_index("county_code")
    out = counties.copy()
    for i, code in enumerate(out["county_code"]):
        if code not in named.index:
            continue
        r = named.loc[code]
        reason = (
            f"督办事项逾期未办结 {int(r.overdue)} 件，占县级办理中 {int(r.with_county)} 件的 "
            f"{r.overdue / max(int(r.with_county), 1):.0%}（省定约谈标准：占比达 {s.interview_overdue_share:.0%} "
            f"且不少于 {s.interview_min_items} 件，或达 {s.interview_overdue_items} 件），列入约谈名单"
        )
        prev = out.iloc[i, out.columns.get_loc("slow_reasons")]
        out.iloc[i, out.columns.get_loc("slow_reasons")] = f"{prev}；{reason}" if prev else reason
    return out


LOOP_COLUMNS = {
    "county_name": "县（市、区）",
    "raised": "累计下发",
    "with_county": "县级办理中",
    "overdue": "逾期未办结",
    "escalated": "升级省级督办",
    "responded": "已反馈待审核",
    "closed": "已销号",
    "closed_on_time": "按期办结",
    "returned_ever": "曾被退回",
    "interview": "列入约谈名单",
}


LABELS = {
    "poor_reduction": "剩余贫困人口本季减少",
    "project_start_rate": "项目开工率",
    "workshop_restart_rate": "车间复工率",
    "migrant_vs_last_year": "外出务工为上年同期",
    "public_post_fill_rate": "公益性岗位在岗率",
    "paid_rate": "财政专项扶贫资金支付率",
    "required_share": "季末进度要求",
    "disbursement_vs_schedule": "支付率与进度要求之差",
    "visit_rate": "边缘户走访覆盖率",
    "clearance_stuck": "销号滞留户",
    "clearance_entered": "年内进入销号程序户数",
    "clearance_stuck_share": "销号滞留率",
}


def _shown(key: str, v: float | None) -> str:
    """A province figure as the bulletin prints it."""
    if v is None or pd.isna(v):
        return "—"
    if key in ("clearance_stuck", "clearance_entered"):
        return f"{v:.0f}户"
    if key == "disbursement_vs_schedule":
        return f"{v * 100:+.1f} 个百分点"
    return f"{v:.1%}"


def bulletin_workbook(b: Bulletin) -> bytes:
    """The 季通报 workbook: 全省概况, 县区排名, 进度迟缓县, 排名规则 — each under a title row (and the 演示数据 label
    when the warehouse is synthetic)."""
    buf = io.BytesIO()
    title = f"季通报 · {b.quarter} · {b.area_name}"
    with excel_writer(buf) as xw:
        summary = pd.DataFrame({"指标": [LABELS[k] for k in b.province], "数值": list(b.province.values())})
        sheet(xw, summary, "全省概况", title=title, synthetic=b.synthetic)
        ranking = b.counties.rename(
            columns={"county_name": "县（市、区）", "city_name": "市", "slow_reasons": "进度迟缓原因", **LABELS}
        )
        sheet(xw, ranking.drop(columns="county_code"), "县区排名", title=f"{title} · 县区排名", synthetic=b.synthetic)
        slow = ranking[ranking["进度迟缓原因"] != ""][["县（市、区）", "市", "进度迟缓原因"]]
        sheet(xw, slow, "进度迟缓县", title=f"{title} · 进度迟缓县（{len(slow)}个）", synthetic=b.synthetic)
        rules = b.rules.rename(
            columns={
                "measure": "指标",
                "label": "名称",
                "rule": "规则",
                "threshold": "阈值",
                "threshold_source": "阈值来源",
                "description": "说明",
            }
        )
        sheet(xw, rules, "排名规则", title=f"{title} · 排名规则（阈值为省定参数）", synthetic=b.synthetic)
        if b.loop is not None:
            names = dict(zip(b.counties["county_code"], b.counties["county_name"], strict=True))
            loop = b.loop.assign(
                county_name=b.loop["county_code"].map(names), interview=b.loop["interview"].map({True: "是", False: ""})
            ).sort_values("overdue", ascending=False)
            sheet(
                xw,
                loop[list(LOOP_COLUMNS)].rename(columns=LOOP_COLUMNS),
                "督办落实",
                title=f"{title} · 督办事项落实情况（截至 {b.loop_date}）",
                synthetic=b.synthetic,
            )
    return buf.getvalue()


def _png(fig: object) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return base64.b64encode(buf.getvalue()).decode()


def _setup_fonts() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, rcParams

    wanted = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei"]
    have = {f.name for f in font_manager.fontManager.ttflist}
    rcParams["font.sans-serif"] = [f for f in wanted if f in have] + ["DejaVu Sans"]
    rcParams["axes.unicode_minus"] = False


def map_png(b: Bulletin) -> str:
    """The county map of slow counties (red) against the others, base64 PNG, drawn with geopandas."""
    import geopandas as gpd
    import matplotlib.pyplot as plt

    from fupin.core.geo import GEOJSON_PATH

    _setup_fonts()
    gdf = gpd.read_file(GEOJSON_PATH)
    slow = set(b.counties.loc[b.counties["slow_reasons"] != "", "county_code"])
    inside = set(b.counties["county_code"])
    gdf["color"] = ["#c62828" if c in slow else ("#f3d9d9" if c in inside else "#eeeeee") for c in gdf["code"]]
    fig, ax = plt.subplots(figsize=(6.2, 7.2))
    gdf.plot(ax=ax, color=gdf["color"], edgecolor="white", linewidth=0.5)
    ax.set_axis_off()
    ax.set_title(f"{b.quarter} 进度迟缓的县（红色，{len(slow)}个）", fontsize=12)
    return _png(fig)


def bars_png(b: Bulletin) -> str:
    """How many counties each rule names, base64 PNG."""
    import matplotlib.pyplot as plt

    _setup_fonts()
    counts = [int(b.counties["slow_reasons"].str.contains(label, regex=False).sum()) for label in b.rules["label"]]
    fig, ax = plt.subplots(figsize=(6.2, 3.2))
    ax.barh(list(b.rules["label"])[::-1], counts[::-1], color="#c62828")
    ax.set_xlabel("被点名的县（个）")
    for i, v in enumerate(counts[::-1]):
        ax.text(v, i, f" {v}", va="center", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def bulletin_html(b: Bulletin) -> str:
    """A self-contained page that prints cleanly to A4 (charts embedded as PNG)."""
    e = html.escape
    prov_rows = "".join(f"<tr><td>{e(LABELS[k])}</td><td>{e(_shown(k, v))}</td></tr>" for k, v in b.province.items())
    slow = b.counties[b.counties["slow_reasons"] != ""]
    slow_rows = "".join(
        f"<tr><td>{e(r.city_name)}</td><td>{e(r.county_name)}</td><td>{e(r.slow_reasons)}</td></tr>"
        for r in slow.itertuples()
    )
    rule_rows = "".join(
        f"<tr><td>{e(r.label)}</td><td>{e(r.description)}</td><td>{e(str(getattr(r, 'threshold_source', '')))}</td>"
        "</tr>"
        for r in b.rules.itertuples()
    )
    demo = "（演示数据，非真实数字）" if b.synthetic else ""
    t = b.totals
    allocated, paid = e(fmt_money_wan(float(t["special_allocated"]))), e(fmt_money_wan(float(t["special_paid"])))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>季通报 {e(b.quarter)}</title>
<style>
@page {{ size: A4; margin: 16mm 14mm; }}
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
        color: #111; font-size: 11pt; }}
h1 {{ font-size: 18pt; margin: 0 0 4mm; }} h2 {{ font-size: 13pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #bbb; padding: 1.2mm 2mm; text-align: left; }}
th {{ background: #f2f2f2; }} img {{ max-width: 100%; }} .fig {{ page-break-inside: avoid; text-align: center; }}
.note {{ color: #555; font-size: 9pt; }} tr {{ page-break-inside: avoid; }}
</style></head><body>
<h1>脱贫攻坚季通报 · {e(b.quarter)} · {e(b.area_name)}{demo}</h1>
<p class="note">依据皖扶组〔2020〕5号“月核查季通报”制度；数据截至{e(month_label(quarter_months(b.quarter)[1]))}月底；
生成于 {dt.date.today().isoformat()}。剩余贫困人口季末 {int(t["poor_end"]):,} 人（季初 {int(t["poor_start"]):,} 人）；
财政专项扶贫资金已下达 {allocated}、已支付 {paid}。</p>
<h2>一、总体情况</h2><table><tr><th>指标</th><th>数值</th></tr>{prov_rows}</table>
<h2>二、进度迟缓的县（{len(slow)}个）</h2>
<div class="fig"><img alt="进度迟缓县地图" src="data:image/png;base64,{map_png(b)}"></div>
<div class="fig"><img alt="各指标点名县数" src="data:image/png;base64,{bars_png(b)}"></div>
<table><tr><th>市</th><th>县（市、区）</th><th>原因</th></tr>{slow_rows}</table>
<h2>三、排名规则</h2><p class="note">规则来自 data/reference/bulletin_rules.csv；县区完整排名见同名 XLSX。</p>
<table><tr><th>指标</th><th>何为进度迟缓</th><th>阈值来源</th></tr>{rule_rows}</table>
</body></html>"""


def write_bulletin(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    quarter: str,
    out: Path,
    *,
    area_prefix: str | None = None,
    area_name: str = "全省",
) -> tuple[Path, Path]:
    b = build_bulletin(con, viewer, quarter, area_prefix=area_prefix, area_name=area_name)
    out.mkdir(parents=True, exist_ok=True)
    xlsx, page = out / f"季通报_{quarter}.xlsx", out / f"季通报_{quarter}.html"
    xlsx.write_bytes(bulletin_workbook(b))
    page.write_text(bulletin_html(b), encoding="utf-8")
    return xlsx, page
