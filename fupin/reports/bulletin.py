"""月核查 (monthly check) workbook and 季通报 (quarterly bulletin): XLSX plus a printable A4 HTML page
with charts rendered to PNG by matplotlib — no browser, no internet. Scope applies through the Viewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from fupin.access.scope import Viewer, scope_prefix
from fupin.core.labels import COLUMNS, month_label
from fupin.core.memo import shared_frame
from fupin.domain.progress import BASES, is_slow
from fupin.domain.progress import judged as progress_judged
from fupin.reports.exports import Book
from fupin.warehouse import queries
from fupin.warehouse.connection import BatchInfo, batch_info

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
    "dept_hits": "部门比对命中",
    "dept_unfollowed": "部门比对未跟进",
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
DEPT_COLUMNS: dict[str, str] = {  # the 部门比对 sheet and the 月核查 page's department table
    c: COLUMNS[c]
    for c in (
        "county_name",
        "city_name",
        "dept_received",
        "dept_matched",
        "dept_risk",
        "dept_guarantee",
        "dept_correction",
        "dept_candidates",
        "dept_new_hits",
        "dept_unfollowed",
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
    summary = month_check(con, viewer, month, area_prefix)
    title = f"月核查 · {month_label(month)}"
    book = Book()
    table = summary[list(MONTH_COLUMNS)].rename(columns=MONTH_COLUMNS)
    book.table(
        table,
        "汇总",
        title=f"{title}（户以户编号标识，不含姓名和证件号码）",
        synthetic=demo,
        totals=True,
        freeze_columns=1,
    )
    dept = summary.reindex(columns=list(DEPT_COLUMNS), fill_value=0).rename(columns=DEPT_COLUMNS)
    book.table(dept, "部门比对", title=f"{title} · 部门数据比对", synthetic=demo, totals=True, freeze_columns=1)
    for kind, label in MONTH_KINDS.items():
        recs = month_records(con, viewer, month, kind, area_prefix)
        shown = recs[list(RECORD_COLUMNS)].rename(columns=RECORD_COLUMNS)
        book.table(shown, label, title=f"{title} · {label}", synthetic=demo, kinds={COLUMNS["record_id"]: "text"})
    return book.close()


# ---------------------------------------------------------------------------------- quarterly bulletin


QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")


def quarter_label(quarter: str) -> str:
    """'2020Q1' → '2020年第一季度' (what a person reads; '2020Q1' stays the key in files' names and the URL)."""
    quarter_months(quarter)  # validates
    return f"{quarter[:4]}年{QUARTER_NAMES[int(quarter[-1]) - 1]}"


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
    for c in ("dept_hits", "dept_unfollowed"):  # the base of the share (bulletin_rules min_base); none = no feeds
        out[c] = df[c].astype(float) if c in df else 0.0
    out["dept_unfollowed_share"] = ratio(out["dept_unfollowed"], out["dept_hits"])
    out["clearance_entered"] = df["clearance_entered"].astype(float) if "clearance_entered" in df else 0.0
    out["clearance_stuck_share"] = ratio(out["clearance_stuck"], out["clearance_entered"])
    for base in BASES.values():  # what each rule's min_base is compared with (judged)
        if base not in out and base in df:
            out[base] = df[base].astype(float)
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
        "dept_unfollowed_share": r("dept_unfollowed", "dept_hits") if "dept_hits" in total else None,
        "clearance_entered": float(total["clearance_entered"]) if "clearance_entered" in total else None,
        "clearance_stuck_share": r("clearance_stuck", "clearance_entered") if "clearance_entered" in total else None,
    }


def judged(rule: object, county: pd.Series) -> bool:
    """Is the county's base (fupin.domain.progress.BASES) large enough for this rule (bulletin_rules.csv min_base;
    none = always)? The test itself is progress.judged, the one used by the pages."""
    need = getattr(rule, "min_base", None)
    base = BASES.get(str(getattr(rule, "measure", "")))
    if base is None or need is None or need == "":
        return True
    return progress_judged(county.get(base), float(need) if not pd.isna(need) else None)


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
    if rule.measure == "dept_unfollowed_share" and county is not None:  # type: ignore[attr-defined]
        return (
            f"{label} {value:.1%}：本季部门比对发现的风险和两不愁三保障问题线索 {int(county['dept_hits'])}条中 "
            f"{int(county['dept_unfollowed'])}条季末既无帮扶措施、也未纳入监测（省定上限 {threshold:.0%}），"
            "请组织乡镇逐条入户核实、落实帮扶或说明理由"
        )
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
            if not judged(rule, measures.iloc[i]):
                continue
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
    issued: str = ""  # 'YYYY-MM-DD': the data batch's date (the document's 成文日期), never the server clock

    @property
    def period(self) -> str:
        """'2020年第一季度'."""
        return quarter_label(self.quarter)


def issue_date(batch: BatchInfo) -> str:
    """The bulletin's 成文日期 ('YYYY-MM-DD'), from the data batch and never from the server's clock: the day the
    batch was ingested; for synthetic data the demo calendar's today for the batch (fupin.work.demo: the day the
    newest month reached the province plus the replay's tail, the date the 督办 figures are as of), so a 2020
    bulletin is not dated in another year nor before the figures it quotes."""
    if batch.synthetic and batch.months:
        from fupin.work.demo import DEMO_TAIL_DAYS
        from fupin.work.items import raised_on

        return (raised_on(batch.months[-1]) + dt.timedelta(days=DEMO_TAIL_DAYS)).isoformat()
    return batch.started_at[:10]


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
    info = batch_info(con)
    return bulletin_from(
        lambda name, **params: queries.run(con, name, viewer, **params),
        quarter,
        area_prefix=_area(viewer, area_prefix),
        area_name=area_name,
        synthetic=info.synthetic,
        loop=loop,
        loop_date=on,
        issued=issue_date(info),
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
    issued: str = "",
) -> Bulletin:
    """The bulletin from a query function (a view's `sel.q`, or a connection's scoped queries.run); with `loop` (the
    督办 figures by county) a county on the 约谈 list is named for it too, with its numbers."""
    start, end = quarter_months(quarter)
    raw = q("quarter_county_measures", start_month=f"{start}-01", end_month=f"{end}-01", area_prefix=area_prefix)
    if raw.empty:
        raise ValueError(f"no data for {quarter}")
    rules = q("bulletin_rules")
    area = area_values(raw)
    if loop is not None:
        loop = loop[loop["county_code"].isin(raw["county_code"])]
    counties = _judged(raw, rules, area, loop)
    totals = raw.select_dtypes("number").sum()
    return Bulletin(quarter, area_name, area, counties, rules, totals, synthetic, loop, loop_date, issued)


@shared_frame
def _judged(raw: pd.DataFrame, rules: pd.DataFrame, area: object, loop: pd.DataFrame | None) -> pd.DataFrame:
    """Each county's measures, the rules it falls behind on (slow_reasons) and its 约谈 reason: the same for every
    viewer of a scope and quarter until the data or the store change, so kept per input (fupin.core.memo)."""
    counties = flag_slow(county_measures(raw), rules, area)  # type: ignore[arg-type]
    return counties if loop is None else _with_loop(counties, loop)


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
    "dept_hits": "部门比对线索（条）",
    "dept_unfollowed": "其中未跟进（条）",
    "dept_unfollowed_share": "部门比对线索未跟进率",
    "clearance_entered": "年内进入销号程序户数",
    "clearance_stuck_share": "销号滞留率",
    # the rules' bases (min_base): shown so a reader sees why a small county is not judged on a share
    "poor_start": "季初剩余贫困人口（人）",
    "projects": "扶贫项目（个）",
    "workshops": "扶贫车间（个）",
    "migrant_workers_last_year": "上年同期外出务工（人）",
    "public_posts_created": "公益性岗位（个）",
    "special_allocated": "财政专项扶贫资金已下达（万元）",
    "edge_households": "边缘户（户）",
}


COUNTS = {  # not shares
    "clearance_stuck": "户",
    "clearance_entered": "户",
    "dept_hits": "条",
    "dept_unfollowed": "条",
    "poor_start": "人",
    "projects": "个",
    "workshops": "个",
    "migrant_workers_last_year": "人",
    "public_posts_created": "个",
    "special_allocated": "万元",
    "edge_households": "户",
}


def _shown(key: str, v: float | None) -> str:
    """A province figure as the bulletin prints it."""
    if v is None or pd.isna(v):
        return "—"
    if key in COUNTS:
        return f"{v:,.0f}{COUNTS[key]}"
    if key == "disbursement_vs_schedule":
        return f"{v * 100:+.1f} 个百分点"
    return f"{v:.1%}"


RULE_NAMES = {"gap_below_area": "比整体水平低", "below": "低于下限", "above": "超过上限"}
UNITS = {**COUNTS, "disbursement_vs_schedule": "个百分点"}


def threshold_text(rule: object) -> str:
    """A rule's threshold as a person reads it: '30个百分点', '78%', '1000户'."""
    t = float(rule.threshold)  # type: ignore[attr-defined]
    if rule.rule == "gap_below_area" or rule.measure == "disbursement_vs_schedule":  # type: ignore[attr-defined]
        return f"{abs(t) * 100:g}个百分点"
    if rule.measure == "clearance_stuck":  # type: ignore[attr-defined]
        return f"{t:g}户"
    return f"{t * 100:g}%"


def bulletin_workbook(b: Bulletin) -> bytes:
    """The 季通报 workbook: 概况, 县区排名, 进度迟缓县, 排名规则, 督办落实 — each a print-ready sheet under a title row
    (and the 演示数据 label when the warehouse is synthetic); no internal codes."""
    title = f"季通报 · {b.period} · {b.area_name}"
    book = Book()
    keys = list(b.province)
    summary = pd.DataFrame(
        {
            "指标": [LABELS.get(k, k) for k in keys],
            "数值": [
                None if v is None or pd.isna(v) else (float(v) if k in COUNTS else float(v) * 100)
                for k, v in b.province.items()
            ],
            "单位": [UNITS.get(k, "%") for k in keys],
        }
    )
    book.table(summary, f"{b.area_name}概况", title=title, synthetic=b.synthetic, kinds={"数值": "num"})
    shares = {LABELS[k]: "int" if k in COUNTS else "pct" for k in LABELS}
    ranking = b.counties.drop(columns=["county_code"], errors="ignore").rename(
        columns={"county_name": "县（市、区）", "city_name": "市", "slow_reasons": "进度迟缓原因", **LABELS}
    )
    book.table(ranking, "县区排名", title=f"{title} · 县区排名", synthetic=b.synthetic, kinds=shares, freeze_columns=1)
    slow = ranking[ranking["进度迟缓原因"] != ""][[c for c in ("县（市、区）", "市", "进度迟缓原因") if c in ranking]]
    book.table(slow, "进度迟缓县", title=f"{title} · 进度迟缓县（{len(slow)}个）", synthetic=b.synthetic)
    rules = pd.DataFrame(
        {
            "名称": [str(r.label) for r in b.rules.itertuples()],
            "规则": [RULE_NAMES.get(str(r.rule), str(r.rule)) for r in b.rules.itertuples()],
            "阈值": [threshold_text(r) for r in b.rules.itertuples()],
            "阈值来源": [str(getattr(r, "threshold_source", "省定参数")) for r in b.rules.itertuples()],
            "说明": [str(getattr(r, "description", "")) for r in b.rules.itertuples()],
        }
    )
    book.table(rules, "排名规则", title=f"{title} · 排名规则（阈值为省定参数）", synthetic=b.synthetic)
    if b.loop is not None:
        names = dict(zip(b.counties["county_code"], b.counties["county_name"], strict=True))
        loop = b.loop.assign(county_name=b.loop["county_code"].map(names)).sort_values("overdue", ascending=False)
        book.table(
            loop[list(LOOP_COLUMNS)].rename(columns=LOOP_COLUMNS),
            "督办落实",
            title=f"{title} · 督办事项落实情况（截至 {b.loop_date}）",
            synthetic=b.synthetic,
            kinds={LOOP_COLUMNS["interview"]: "bool"},
            totals=True,
            freeze_columns=1,
        )
    return book.close()


def bulletin_html(b: Bulletin) -> str:
    """The 季通报 as a printable 公文 page (fupin.reports.document: the layout, kept apart from the rules)."""
    from fupin.reports import document

    return document.bulletin_html(b)


def bulletin_pdf(b: Bulletin, page: str | None = None) -> bytes:
    """The same 公文 as a PDF, made offline (WeasyPrint, fonts embedded); `page` = bulletin_html(b) if made."""
    from fupin.reports import document

    return document.bulletin_pdf(b, page)


def write_bulletin(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    quarter: str,
    out: Path,
    *,
    area_prefix: str | None = None,
    area_name: str = "全省",
) -> tuple[Path, Path, Path]:
    """The XLSX, the printable HTML and the PDF of a quarter's bulletin, into `out`."""
    b = build_bulletin(con, viewer, quarter, area_prefix=area_prefix, area_name=area_name)
    out.mkdir(parents=True, exist_ok=True)
    xlsx, page, pdf = (out / f"季通报_{quarter}.{ext}" for ext in ("xlsx", "html", "pdf"))
    xlsx.write_bytes(bulletin_workbook(b))
    text = bulletin_html(b)
    page.write_text(text, encoding="utf-8")
    pdf.write_bytes(bulletin_pdf(b, text))
    return xlsx, page, pdf
