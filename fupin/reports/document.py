"""The 季通报 as a 公文 (official document) after GB/T 9704-2012: 版头 (发文机关标志 in red, 发文字号, red
separator line), title, 主送机关, 正文, 附件说明, 落款 and 成文日期, 附注, the 附件 each on its own page, 版记.
One HTML document is both the printable page and, through WeasyPrint, the PDF (offline: charts are PNG data
URIs drawn by matplotlib; fonts are the installed Noto CJK fonts, embedded as subsets).

Layout only: what the bulletin says (measures, rules, reasons) comes from fupin.reports.bulletin, so a new
rule there shows up here without a change to this file.

GB/T 9704 asks for 仿宋 (body), 黑体 (first-level headings), 楷体 and 小标宋 (title); the machine has none of
them, so Noto Serif CJK SC stands in for 仿宋/楷体/小标宋 and Noto Sans CJK SC for 黑体. Sizes, margins and
the grid follow the standard: A4, margins 37 / 26 / 35 / 28 mm (top / right / bottom / left: a 156 × 225 mm
text block), 3号 (16 pt) body on 22 lines a page, 2号 (22 pt) title, page numbers "— 1 —" in 4号 below the
block, odd pages right, even pages left.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io

import pandas as pd

from fupin.core.labels import DEMO_NOTE, fmt_money_wan, month_label
from fupin.reports.bulletin import LABELS, LOOP_COLUMNS, Bulletin, quarter_months

ISSUER = "安徽省扶贫开发领导小组办公室"  # 省扶贫办: 皖扶组〔2020〕5号 六（二）and 三（二）“月核查季通报制度”
ISSUER_MARK = "安徽省扶贫开发领导小组办公室文件"
NUMBER_PREFIX = "皖扶组办"  # 机关代字; the number itself is left for the 文书 to fill in
NUMBER_PLACEHOLDER = "X"
PLACEHOLDER_NOTE = "文号待编"
MAIN_RECIPIENTS = "各市、县（市、区）扶贫开发领导小组，省扶贫开发领导小组成员单位"
POLICY = "皖扶组〔2020〕5号"
RED = "#D40000"
LOOP_ROWS = 15  # 附件3 lists the counties on the 约谈 list and this many with the most overdue items


def cn_date(iso: str) -> str:
    """'2020-07-10' → '2020年7月10日' (GB/T 9704-2012: 成文日期 in Arabic numerals, no leading zeros)."""
    d = dt.date.fromisoformat(iso[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def _pct(v: float | None) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:.1%}"


def _png(fig: object) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")  # type: ignore[attr-defined]
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

    from fupin.core.geo import counties_geojson

    _setup_fonts()
    gdf = gpd.GeoDataFrame.from_features(counties_geojson()["features"])  # read once per process
    slow = set(b.counties.loc[b.counties["slow_reasons"] != "", "county_code"])
    inside = set(b.counties["county_code"])
    gdf["color"] = ["#c62828" if c in slow else ("#f3d9d9" if c in inside else "#eeeeee") for c in gdf["code"]]
    gdf = gdf[gdf["code"].str[:4].isin({c[:4] for c in inside})] if inside else gdf
    fig, ax = plt.subplots(figsize=(5.6, 6.4))
    gdf.plot(ax=ax, color=gdf["color"], edgecolor="white", linewidth=0.5)
    ax.set_axis_off()
    ax.set_title(f"{b.period}进度迟缓的县（红色，{len(slow)}个）", fontsize=12)
    return _png(fig)


def bars_png(b: Bulletin) -> str:
    """How many counties each rule names, base64 PNG."""
    import matplotlib.pyplot as plt

    _setup_fonts()
    counts = [int(b.counties["slow_reasons"].str.contains(label, regex=False).sum()) for label in b.rules["label"]]
    fig, ax = plt.subplots(figsize=(6.2, 0.45 * len(counts) + 0.8))
    ax.barh(list(b.rules["label"])[::-1], counts[::-1], color="#c62828")
    ax.set_xlabel("被点名的县（个）")
    for i, v in enumerate(counts[::-1]):
        ax.text(v, i, f" {v}", va="center", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


# ------------------------------------------------------------------------------------------ the text


def title(b: Bulletin) -> str:
    where = "" if b.area_name == "全省" else b.area_name
    return f"关于{b.period}{where}脱贫攻坚重点工作进展情况的通报"


def _overview(b: Bulletin) -> str:
    """一、总体情况: the area's figures in sentences."""
    t, p = b.totals, b.province
    end_month = month_label(quarter_months(b.quarter)[1])
    parts = []
    if "poor_end" in t and "poor_start" in t:
        fall = int(t["poor_start"] - t["poor_end"])
        parts.append(
            f"截至{end_month}底，{b.area_name}剩余贫困人口{int(t['poor_end']):,}人，比季初{int(t['poor_start']):,}人"
            + (f"减少{fall:,}人（{_pct(p.get('poor_reduction'))}）" if fall >= 0 else f"增加{-fall:,}人")
        )
    named = [
        f"{LABELS[k]}{_pct(p.get(k))}"
        for k in ("project_start_rate", "workshop_restart_rate", "public_post_fill_rate")
        if k in p
    ]
    if "migrant_vs_last_year" in p:
        named.append(f"外出务工人数为上年同期的{_pct(p.get('migrant_vs_last_year'))}")
    if named:
        parts.append("，".join(named))
    if "special_allocated" in t and "special_paid" in t and float(t["special_allocated"]):
        paid = float(t["special_paid"]) / float(t["special_allocated"])
        text = (
            f"财政专项扶贫资金已下达{fmt_money_wan(float(t['special_allocated']))}、"
            f"已支付{fmt_money_wan(float(t['special_paid']))}，支付率{paid:.1%}"
        )
        gap = p.get("disbursement_vs_schedule")
        if gap is not None and not pd.isna(gap):
            text += f"，比季末进度要求{'高' if gap >= 0 else '低'}{abs(gap) * 100:.1f}个百分点"
        parts.append(text)
    if "visit_rate" in p:
        parts.append(f"边缘户走访覆盖率{_pct(p.get('visit_rate'))}")
    if p.get("clearance_stuck") is not None:
        parts.append(f"销号滞留户{int(p['clearance_stuck']):,}户")
    return "；".join(parts) + "。"


def _slow_by_city(slow: pd.DataFrame) -> str:
    groups = slow.groupby("city_name", sort=False)["county_name"].apply(lambda s: "、".join(s))
    return "；".join(f"{city}：{names}" for city, names in groups.items())


def _loop_text(b: Bulletin) -> str:
    if b.loop is None or b.loop.empty:
        return ""
    s = b.loop.select_dtypes("number").sum()
    names = dict(zip(b.counties["county_code"], b.counties["county_name"], strict=True))
    interview = [names.get(c, c) for c in b.loop.loc[b.loop["interview"].astype(bool), "county_code"]]
    when = f"截至{cn_date(b.loop_date)}，" if b.loop_date else ""
    text = (
        f"{when}累计下发督办事项{int(s['raised']):,}件，已销号{int(s['closed']):,}件（其中按期办结"
        f"{int(s['closed_on_time']):,}件）；县级办理中{int(s['with_county']):,}件，其中逾期未办结{int(s['overdue']):,}件，"
        f"升级省级督办{int(s['escalated']):,}件。"
    )
    if interview:
        text += f"{'、'.join(interview)}逾期未办结事项达到省定约谈标准，列入约谈名单。"
    return text


def _table(head: list[str], rows: list[list[str]], widths: list[int] | None = None) -> str:
    e = html.escape
    cols = "".join(f'<col style="width:{w}%">' for w in widths) if widths else ""
    th = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><colgroup>{cols}</colgroup><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


CSS = f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}
@page :right {{ @bottom-right {{ content: "— " counter(page) " —"; font: 14pt "Noto Serif CJK SC", serif;
  vertical-align: top; padding-top: 7mm; margin-right: 7mm; }} }}
@page :left {{ @bottom-left {{ content: "— " counter(page) " —"; font: 14pt "Noto Serif CJK SC", serif;
  vertical-align: top; padding-top: 7mm; margin-left: 7mm; }} }}
html {{ font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", serif; font-size: 16pt; color: #000; }}
body {{ margin: 0; line-height: 28.9pt; }}
p {{ margin: 0; text-align: justify; }}
.body p {{ text-indent: 2em; }}
.demo {{ color: {RED}; font: bold 10.5pt/1.4 "Noto Sans CJK SC", sans-serif; text-align: center;
  border: 1px solid {RED}; padding: 1mm; margin-bottom: 4mm; }}
.mark {{ color: {RED}; font: bold 26pt/1.2 "Noto Serif CJK SC", serif; text-align: center; letter-spacing: 1pt;
  margin: 0 0 14mm; }}
.number {{ text-align: center; }}
.ph {{ border: 1px dashed {RED}; color: {RED}; padding: 0 1mm; }}
.phnote {{ color: {RED}; font-size: 10.5pt; }}
.redline {{ border-top: 0.8mm solid {RED}; margin: 4mm 0 0; height: 0; }}
h1 {{ font: bold 22pt/1.45 "Noto Serif CJK SC", serif; text-align: center; margin: 20mm 0 10mm; }}
h2 {{ font: 16pt/28.9pt "Noto Sans CJK SC", sans-serif; font-weight: normal; margin: 0; text-indent: 2em; }}
.recipients {{ text-indent: 0 !important; }}
.attach-list p {{ text-indent: 0; padding-left: 5em; }}
.attach-list p:first-child {{ padding-left: 2em; }}
.signature {{ margin-top: 28.9pt; text-align: right; padding-right: 4em; }}
.signature p {{ text-indent: 0; text-align: right; }}
.note {{ margin-top: 28.9pt; }}
.annex {{ page-break-before: always; }}
.annex .label {{ font: 16pt "Noto Sans CJK SC", sans-serif; text-indent: 0; }}
.annex h1 {{ margin: 6mm 0 6mm; font-size: 18pt; }}
.annex p {{ text-indent: 2em; }}
.annex p.plain {{ text-align: left; }}
table {{ border-collapse: collapse; width: 100%; font-size: 10.5pt; line-height: 1.45; margin: 2mm 0 4mm; }}
th, td {{ border: 0.5pt solid #000; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }}
th {{ font-family: "Noto Sans CJK SC", sans-serif; font-weight: normal; text-align: center; }}
thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
.fig {{ text-align: center; page-break-inside: avoid; margin: 2mm 0; }}
.fig img {{ max-width: 100%; max-height: 150mm; }}
.banji {{ margin-top: 14mm; page-break-inside: avoid; font-size: 14pt; line-height: 1.6; }}
.banji div {{ border-top: 0.25mm solid #000; padding: 1mm 1em; }}
.banji div:first-child {{ border-top-width: 0.35mm; }}
.banji div:last-child {{ border-bottom: 0.35mm solid #000; display: flex; justify-content: space-between; }}
@media screen {{ body {{ max-width: 156mm; margin: 10mm auto; }} }}
"""

DEMO_CSS = f"""
@page {{ @top-center {{ content: "{DEMO_NOTE}"; color: {RED}; font: bold 10.5pt "Noto Sans CJK SC", sans-serif;
  vertical-align: bottom; padding-bottom: 6mm; }} }}
"""


def bulletin_html(b: Bulletin) -> str:
    """The 公文: a self-contained page (no link, no font or image to fetch) that prints to A4 and is the PDF's
    source. 演示数据 on top of the first page and (PDF) in every page's header when the data are synthetic."""
    e = html.escape
    issued = cn_date(b.issued) if b.issued else "（成文日期待定）"
    year = b.issued[:4] if b.issued else b.quarter[:4]
    slow = b.counties[b.counties["slow_reasons"] != ""]
    attachments = ["进度迟缓县（市、区）名单及原因", "排名规则"]
    if b.loop is not None and not b.loop.empty:
        attachments.append("督办事项落实情况")
    n_counties = len(b.counties)
    slow_text = (
        f"按照省定排名规则（见附件2），{n_counties}个县（市、区）中有{len(slow)}个进度迟缓，予以通报："
        f"{_slow_by_city(slow)}。各县被点名的指标和数字见附件1。"
        if len(slow)
        else f"按照省定排名规则（见附件2），{n_counties}个县（市、区）均未达到进度迟缓的标准。"
    )
    sections = [
        ("一、总体情况", _overview(b)),
        ("二、进度迟缓的县（市、区）", slow_text),
    ]
    loop = _loop_text(b)
    if loop:
        sections.append(("三、督办事项落实情况", loop + "各县督办事项明细见附件3。"))
    demands = (
        "被通报的县（市、区）要对照通报指出的问题，逐项分析原因，明确整改措施、责任人和完成时限，限时整改到位；"
        "各市要加强对所辖县（市、区）的督促指导。省扶贫办将继续开展月核查，每季度通报工作开展情况，"
        "对工作推进不力、进度迟缓的县（市、区）及时督促提醒。"
    )
    sections.append((f"{'四' if loop else '三'}、有关要求", demands))
    body = "".join(f"<h2>{e(h)}</h2><p>{e(t)}</p>" for h, t in sections)
    attach_list = "".join(f"<p>{'附件：' if i == 1 else ''}{i}．{e(a)}</p>" for i, a in enumerate(attachments, 1))
    opening = (
        f"根据《安徽省扶贫开发领导小组印发〈关于积极应对新冠肺炎疫情影响开展脱贫攻坚春季攻势加强扶贫资金项目管理的意见〉"
        f"〈关于防止返贫致贫加强监测预警和动态帮扶的意见〉的通知》（{POLICY}）“月核查季通报”制度，"
        f"省扶贫办对{b.area_name}{b.period}脱贫攻坚重点工作进展情况进行了数据核查。现将有关情况通报如下。"
    )
    slow_rows = [[r.city_name, r.county_name, r.slow_reasons] for r in slow.itertuples()]
    rule_rows = [
        [str(r.label), str(r.description), str(getattr(r, "threshold_source", "省定参数"))]
        for r in b.rules.itertuples()
    ]
    annexes = [
        _annex(
            1,
            attachments[0],
            f"<p>{e(b.period)}，{len(slow)}个县（市、区）进度迟缓（地图中红色）。</p>"
            f'<div class="fig"><img alt="进度迟缓县地图" src="data:image/png;base64,{map_png(b)}"></div>'
            f'<div class="fig"><img alt="各指标点名县数" src="data:image/png;base64,{bars_png(b)}"></div>'
            + (_table(["市", "县（市、区）", "被点名的原因"], slow_rows, [12, 14, 74]) if slow_rows else ""),
        ),
        _annex(
            2,
            attachments[1],
            '<p class="plain">阈值均为省定参数（data/reference/bulletin_rules.csv）；'
            "各县全部指标见同名 XLSX 的“县区排名”。</p>"
            + _table(["指标", "何为进度迟缓", "阈值来源"], rule_rows, [24, 62, 14]),
        ),
    ]
    if len(attachments) == 3 and b.loop is not None:
        names = dict(zip(b.counties["county_code"], b.counties["county_name"], strict=True))
        cols = [c for c in LOOP_COLUMNS if c not in ("county_name", "returned_ever")]
        ranked = b.loop[b.loop["overdue"] > 0].sort_values("overdue", ascending=False)
        named = b.loop["interview"].astype(bool)
        shown = b.loop[named | b.loop["county_code"].isin(ranked["county_code"].head(LOOP_ROWS))]
        loop_rows = [
            [names.get(r["county_code"], r["county_code"])]
            + [("是" if r[c] else "否") if c == "interview" else f"{int(r[c]):,}" for c in cols]
            for _, r in shown.sort_values("overdue", ascending=False).iterrows()
        ]
        when = (f"截至{cn_date(b.loop_date)}，" if b.loop_date else "") + (
            f"{len(ranked)}个县（市、区）有逾期未办结的督办事项。下表列出列入约谈名单的县和逾期件数最多的"
            f"{min(LOOP_ROWS, len(ranked))}个县，按逾期件数排序；各县全部数字见同名 XLSX 的“督办落实”。"
        )
        annexes.append(
            _annex(
                3,
                attachments[2],
                f'<p class="plain">{e(when)}</p>'
                + _table(["县（市、区）", *[LOOP_COLUMNS[c] for c in cols]], loop_rows),
            )
        )
    number = (
        f'{NUMBER_PREFIX}〔{e(year)}〕<span class="ph">{NUMBER_PLACEHOLDER}</span>号'
        f'<span class="phnote">（{PLACEHOLDER_NOTE}）</span>'
    )
    demo_banner = f'<div class="demo">{e(DEMO_NOTE)}</div>' if b.synthetic else ""
    demo_note = (
        '<p class="note">（本通报由演示数据生成：全部为合成数据，不是真实数字，不得作为工作依据。）</p>'
        if b.synthetic
        else ""
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title(b))}</title>
<style>{CSS}{DEMO_CSS if b.synthetic else ""}</style></head><body>
{demo_banner}
<div class="mark">{e(ISSUER_MARK)}</div>
<p class="number">{number}</p>
<div class="redline"></div>
<h1>{e(title(b))}</h1>
<div class="body">
<p class="recipients">{e(MAIN_RECIPIENTS)}：</p>
<p>{e(opening)}</p>
{body}
<div class="attach-list" style="margin-top:28.9pt">{attach_list}</div>
<div class="signature"><p>{e(ISSUER)}</p><p>{e(issued)}</p></div>
{demo_note}
</div>
{"".join(annexes)}
<div class="banji"><div>抄送：省扶贫开发领导小组组长、副组长。</div>
<div><span>{e(ISSUER)}</span><span>{e(issued)}印发</span></div></div>
</body></html>"""


def _annex(n: int, name: str, content: str) -> str:
    return f'<section class="annex"><p class="label">附件{n}</p><h1>{html.escape(name)}</h1>{content}</section>'


def bulletin_pdf(b: Bulletin, page: str | None = None) -> bytes:
    """The 公文 as a PDF: WeasyPrint renders bulletin_html offline (the page refers to nothing outside itself;
    any URL but a data: URI is refused), embedding subsets of the installed Noto CJK fonts."""
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    # 演示数据 is in every page's header (DEMO_CSS): the on-screen banner above the 版头 is not repeated
    once = weasyprint.CSS(string=".demo { display: none; }")
    source = page if page is not None else bulletin_html(b)  # `page`: bulletin_html(b) already made
    return weasyprint.HTML(string=source, url_fetcher=fetcher).write_pdf(stylesheets=[once])
