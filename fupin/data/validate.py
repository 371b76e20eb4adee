"""Row rules of the export contract, compiled to DuckDB SQL over raw_<table>.

Every check is a query returning `(_row_id, reason_code, message)` for the rows it rejects; ingest
applies them in order and each row keeps its first failure. The SQL text is assembled only from
the contract's constants (column names, allowed values) — never from data — and runs set-based,
so 4.8 million member rows validate in seconds.

Reason codes (stable, English) and what they mean:
"""

from __future__ import annotations

from fupin.data import contract as C
from fupin.data.idcard import CHECK_CHARS, WEIGHTS

REASONS: dict[str, str] = {
    "missing_value": "必填字段为空",
    "not_an_integer": "不是整数",
    "not_a_number": "不是数值",
    "negative_value": "数值为负",
    "bad_date": "日期无法识别",
    "bad_month": "年月无法识别（应为YYYY-MM）",
    "value_not_allowed": "取值不在允许范围",
    "bad_id_number": "身份证号码格式或校验位错误",
    "bad_phone": "手机号码格式错误",
    "bad_code": "代码位数或格式错误",
    "bad_division_code": "乡镇段或村段不在统计用区划代码范围（001–399）",
    "duplicate_key": "主键重复",
    "unknown_village": "行政区划代码不存在",
    "unknown_county": "县代码不存在",
    "unknown_household": "户编号在户信息中不存在",
    "unknown_allocation": "下达编号在资金下达中不存在",
    "household_village_mismatch": "户编号与行政区划代码不一致",
    "missing_exit_year": "已脱贫户缺少脱贫年度",
    "month_mismatch": "年月与所在月份文件夹不一致",
    "stage_not_in_chain": "销号阶段与户类别的销号程序不符",
    "payment_exceeds_allocation": "累计支付超过下达金额",
    "bad_encoding": "含无法识别的字符（编码混用）",
    "excel_number": "号码被 Excel 转换为数字（科学计数法或末尾数字丢失）",
}
# A number Excel shows in scientific notation (3.41221E+17) — in a code or ID column the digits are gone.
SCIENTIFIC = "[0-9]+([.][0-9]+)?[eE][+]?[0-9]+"


def _scientific(v: str) -> str:
    """A number Excel wrote in scientific notation. The regular expression only where an E is: it cost 0.07 s a
    1.25 M values, the test for the letter 0.01 s."""
    return f"((contains({v}, 'E') or contains({v}, 'e')) and regexp_full_match({v}, '{SCIENTIFIC}'))"


EXCEL_NUMBER_FIX = "，请将该列设为文本后重新导出"

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d")
# ISO dates take the fast cast; the other export formats fall back to strptime.
DATE_EXPR = (
    "coalesce(try_cast({v} as date), cast(try_strptime({v}, ["
    + ", ".join(f"'{f}'" for f in DATE_FORMATS[1:])
    + "]) as date))"
)
# Row ids whose ID number failed fupin.idcard.valid_mask (filled by ingest before the checks).
BAD_IDS_TABLE = "_bad_ids"
# (table, row id) of rows whose bytes are not in the file's encoding (filled by ingest as it reads).
BAD_ENCODING_TABLE = "_bad_encoding"

# 统计用区划代码: the township part (digits 7–9) is 001–099 街道, 100–199 镇, 200–399 乡; the village part
# (digits 10–12) 001–199 居委会, 200–399 村委会. Anything else (000, 400–999) is not a division code.
DIVISION_PARTS = "街道001–099、镇100–199、乡200–399；居委会001–199、村委会200–399"

_PATTERNS = {
    "village_code": "[0-9]{12}",
    "county_code": "[0-9]{6}",
    "household_id": "[0-9]{16}",
}


def _q(text: str) -> str:
    """A SQL string literal of a contract constant."""
    return "'" + text.replace("'", "''") + "'"


def _v(col: C.Column) -> str:
    return f"nullif(trim(r.\"{col.cn}\"), '')"


def _num(col: C.Column, v: str | None = None) -> str:
    return f"replace({v or _v(col)}, ',', '')"


def _month_date(expr: str) -> str:
    return f"try_strptime({expr} || '-01', '%Y-%m-%d')"


def _column_rules(col: C.Column, v: str | None = None) -> list[tuple[str, str, str]]:
    """(condition that rejects, reason, message expression) for one column, in order; `v` is the column's trimmed
    value, null when empty (default: computed from raw_<table> r)."""
    v, name = v or _v(col), col.cn
    rules: list[tuple[str, str, str]] = []
    if col.required:
        rules.append((f"{v} is null", "missing_value", _q(f"「{name}」为空")))
    shown = f"left({v}, 40)"
    t = col.type
    if t == "int":
        rules.append(
            (
                f"try_cast({_num(col, v)} as bigint) is null",
                "not_an_integer",
                f"{_q(f'「{name}」不是整数：')} || {shown}",
            )
        )
        rules.append(
            (f"try_cast({_num(col, v)} as bigint) < 0", "negative_value", f"{_q(f'「{name}」为负数：')} || {shown}")
        )
    elif t == "decimal":
        rules.append(
            (
                f"try_cast({_num(col, v)} as decimal(18,2)) is null",
                "not_a_number",
                f"{_q(f'「{name}」不是数值：')} || {shown}",
            )
        )
        rules.append(
            (
                f"try_cast({_num(col, v)} as decimal(18,2)) < 0",
                "negative_value",
                f"{_q(f'「{name}」为负数：')} || {shown}",
            )
        )
    elif t == "date":
        rules.append((f"{DATE_EXPR.format(v=v)} is null", "bad_date", f"{_q(f'「{name}」日期无法识别：')} || {shown}"))
    elif t == "month":
        rules.append(
            (
                f"not regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}') or {_month_date(v)} is null",
                "bad_month",
                f"{_q(f'「{name}」应为YYYY-MM：')} || {shown}",
            )
        )
    elif t in ("enum", "flag"):
        allowed = ", ".join(_q(a) for a in col.allowed)
        hint = "、".join(col.allowed[:8]) + ("等" if len(col.allowed) > 8 else "")
        rules.append(
            (
                f"{v} not in ({allowed})",
                "value_not_allowed",
                f"{_q(f'「{name}」的值「')} || {shown} || {_q(f'」不在允许范围（{hint}）')}",
            )
        )
    elif t == "id_number":
        masked = f"left({v}, 4) || '**********' || right({v}, 4)"
        bad = f"r._row_id in (select _row_id from {BAD_IDS_TABLE} where col = {_q(name)})"
        sci = _scientific(v)
        # 18 digits ending in 000 that fail the check digit: Excel kept 15 significant digits of a number.
        lost = f"(suffix({v}, '000') and regexp_full_match({v}, '[0-9]{{15}}000') and {bad})"
        rules.append(
            (
                f"{sci} or {lost}",
                "excel_number",
                f"case when {sci} then {_q(f'「{name}」被转换为数字（科学计数法）：')} || {shown}"
                f" || {_q(EXCEL_NUMBER_FIX)} else {_q(f'「{name}」被 Excel 存为数字，末3位变成了000：')} || {masked}"
                f" || {_q(EXCEL_NUMBER_FIX)} end",
            )
        )
        rules.append((bad, "bad_id_number", f"{_q(f'「{name}」格式或校验位错误：')} || {masked}"))
    elif t == "phone":
        rules.append(
            (
                f"not regexp_full_match({v}, '1[3-9][0-9]{{9}}')",
                "bad_phone",
                f"{_q(f'「{name}」不是11位手机号：')} || {shown}",
            )
        )
    elif t in _PATTERNS:
        rules.append(
            (
                _scientific(v),
                "excel_number",
                f"{_q(f'「{name}」被转换为数字（科学计数法）：')} || {shown} || {_q(EXCEL_NUMBER_FIX)}",
            )
        )
        rules.append(
            (
                f"not regexp_full_match({v}, '{_PATTERNS[t]}')",
                "bad_code",
                f"{_q(f'「{name}」位数或格式错误：')} || {shown}",
            )
        )
    if t == "village_code":
        parts = [f"try_cast(substr({v}, {i}, 3) as integer)" for i in (7, 10)]
        rules.append(
            (
                f"regexp_full_match({v}, '{_PATTERNS[t]}')"
                f" and not ({parts[0]} between 1 and 399 and {parts[1]} between 1 and 399)",
                "bad_division_code",
                f"{_q(f'「{name}」的乡镇段「')} || substr({v}, 7, 3) || {_q('」或村段「')} || substr({v}, 10, 3)"
                f" || {_q(f'」不在001–399（统计用区划代码：{DIVISION_PARTS}）：')} || {shown}",
            )
        )
    # A rule on an optional column applies only when a value is present.
    return [
        (cond if i == 0 and col.required else f"({v} is not null and ({cond}))", r, m)
        for i, (cond, r, m) in enumerate(rules)
    ]


def _live(t: C.Table) -> str:
    """Rows of raw_<t> not yet quarantined."""
    return f"r._row_id not in (select row_id from quarantine where table_name = {_q(t.cn)})"


def _reference_parts(t: C.Table, v_of=_v) -> list[tuple[str, str, str]]:
    """(condition that rejects, reason, message expression) of each column whose value must exist elsewhere."""
    out = []
    for col in t.columns:
        if not col.ref:
            continue
        v = v_of(col)
        if col.ref == "ref_village.village_code":
            cond, reason, what = f"{v} not in (select village_code from ref_village)", "unknown_village", "行政区划代码"
        elif col.ref == "ref_county.county_code":
            cond, reason, what = f"{v} not in (select county_code from ref_county)", "unknown_county", "县代码"
        elif col.ref == "household.household_id":
            cond = f"""not exists (select 1 from stg_household_version h where h.household_id = {v}
                       and h.month <= cast({_month_date("r._month")} as date))"""
            reason, what = "unknown_household", "户编号（在本月及以前的户信息中）"
        elif col.ref == "allocation.allocation_id":
            cond, reason, what = (
                f"{v} not in (select allocation_id from stg_allocation)",
                "unknown_allocation",
                "下达编号",
            )
        else:
            raise ValueError(col.ref)
        if not col.required:
            cond = f"{v} is not null and {cond}"
        out.append((cond, reason, f"{_q(f'「{col.cn}」')} || {v} || {_q(f' 不存在：{what}')}"))
    return out


def first_failures_query(t: C.Table) -> str:
    """Bad encoding, the per-cell rules, repeated keys and references in one statement over raw_<t>: each rejected
    row with its first failure, as if the checks ran one after the other on the rows the earlier ones let through
    (a repeated key is judged among the rows that passed the cell rules, a reference among those that passed both).

    Each cell is trimmed once and the rules read the trimmed value (DuckDB evaluated a `nullif(trim(…))` again in
    every condition naming the cell: a month of 医保, 2.24 → 0.64 s). Run one at a time, each check joined the raw
    rows again and looked up the quarantine; here the later checks read only the key and reference cells of the rows
    still in. Repeated keys are found by grouping first; only the rows of keys that repeat are ordered to tell the
    first from the rest (a month of 医保: 0.9 → 0.5 CPU-s against ordering every row)."""
    cells = ", ".join(f'{_v(c)} as "{c.cn}"' for c in t.columns)
    rules = [rule for col in t.columns for rule in _column_rules(col, f'r."{col.cn}"')]
    encoding = f"{_q('第')} || r._line || {_q('行含无法识别的字符（编码混用）')}"
    failure = (
        f"case when b._row_id is not null then ['bad_encoding', {encoding}] "
        + " ".join(f"when {c} then [{_q(r)}, {m}]" for c, r, m in rules)
        + " end"
    )
    keys = [t.column(k) for k in t.key]
    refs = _reference_parts(t, lambda col: f'r."{col.cn}"')
    kept = dict.fromkeys([*(c.cn for c in keys), *(c.cn for c in t.columns if c.ref)])
    carried = ", ".join(f'r."{cn}"' for cn in kept)
    names = [f'"{c.cn}"' for c in keys] + (["_month"] if t.key_scope == "month" else [])
    same = " and ".join(f"l.{n} is not distinct from d.{n}" for n in names)
    label = "、".join(c.cn for c in keys)
    steps = [
        f"""live0 as (select r._row_id, r._file, r._line, r._month, {carried} from checked r where r.f is null)""",
        f"""repeated as (select {", ".join(names)} from live0 group by all having count(*) > 1)""",
        f"""fail0 as (
            select _row_id, ['duplicate_key',
                   {_q(f"「{label}」重复：与 ")} || first_file || {_q(" 第")} || first_line || {_q("行相同")}] as f
            from (
                select l._row_id, row_number() over w as n,
                       first(l._file) over w as first_file, first(l._line) over w as first_line
                from live0 l semi join repeated d on {same}
                window w as (
                    partition by {", ".join(f"l.{n}" for n in names)} order by l._row_id
                    rows between unbounded preceding and current row
                )
            ) where n > 1
        )""",
    ]
    for i, (cond, reason, message) in enumerate(refs, start=1):
        steps.append(f"live{i} as (select * from live{i - 1} l anti join fail{i - 1} d on l._row_id = d._row_id)")
        steps.append(f"fail{i} as (select r._row_id, [{_q(reason)}, {message}] as f from live{i} r where {cond})")
    failures = " union all ".join(f"select _row_id, f from fail{i}" for i in range(len(refs) + 1))
    return f"""
        with checked as (  -- only what the later checks read: the key and reference cells, and the first failure
            select r._row_id, r._file, r._line, r._month, {carried}, {failure} as f
            from (select r._row_id, r._file, r._line, r._month, {cells} from raw_{t.en} r) r
            left join {BAD_ENCODING_TABLE} b on b._row_id = r._row_id and b.table_name = {_q(t.cn)}
        ),
        {", ".join(steps)}
        select _row_id, f[1] as reason_code, f[2] as message from (
            select _row_id, f from checked where f is not null
            union all {failures}
        )
    """


def specific_queries(t: C.Table) -> list[str]:
    """Rules that span columns or rows of one table."""
    base = f"from raw_{t.en} r where {_live(t)}"
    if t is C.HOUSEHOLD:
        lifted = ", ".join(_q(c) for c in ("不享受政策的脱贫户", "享受政策的脱贫户", "脱贫监测户"))
        return [
            f"""select r._row_id, 'household_village_mismatch', '「户编号」前12位应为行政区划代码：' || trim(r."户编号") {base}
                and left(trim(r."户编号"), 12) <> trim(r."行政区划代码")""",
            f"""select r._row_id, 'missing_exit_year', '户类别为' || trim(r."户类别") || '，但「脱贫年度」为空' {base}
                and trim(r."户类别") in ({lifted}) and nullif(trim(r."脱贫年度"), '') is null""",
        ]
    if t in (C.MONITORING, C.EMPLOYMENT):
        col = t.column("month").cn
        return [
            f"""select r._row_id, 'month_mismatch', '「{col}」为' || trim(r."{col}") || '，但文件在 ' || r._month || ' 文件夹'
                {base} and trim(r."{col}") <> r._month"""
        ]
    if t is C.PAYMENT:
        return [
            f"""select _row_id, 'payment_exceeds_allocation',
                   '累计支付 ' || cum || ' 万元超过下达金额 ' || alloc || ' 万元（下达编号 ' || allocation_id || '）'
                from (
                    select r._row_id, a.allocation_id, a.amount as alloc,
                           sum(cast(replace(trim(r."支付金额"), ',', '') as decimal(18,2))) over (
                               partition by a.allocation_id
                               order by {DATE_EXPR.format(v='trim(r."支付日期")')}, r._row_id) as cum
                    from raw_{t.en} r join stg_allocation a on a.allocation_id = trim(r."下达编号")
                    where {_live(t)}
                ) where cum > alloc"""
        ]
    return []


def stage_query() -> str:
    """销号阶段 must belong to the chain of the household's category."""
    t = C.MONITORING
    mon = ", ".join(_q(s) for s in ("未启动", *C.MONITOR_CLEARANCE_STAGES))
    edge = ", ".join(_q(s) for s in ("未启动", *C.EDGE_CLEARANCE_STAGES))
    return f"""
        select r._row_id, 'stage_not_in_chain',
               '户类别为' || trim(r."户类别") || '，销号阶段不应为' || trim(r."销号阶段")
        from raw_{t.en} r where {_live(t)} and (
            (trim(r."户类别") = '脱贫监测户' and trim(r."销号阶段") not in ({mon}))
            or (trim(r."户类别") = '边缘户' and trim(r."销号阶段") not in ({edge}))
            or (trim(r."户类别") not in ('脱贫监测户', '边缘户') and trim(r."销号阶段") <> '未启动'))
    """


def table_checks(t: C.Table) -> list[str]:
    """All checks for a table, in the order they are applied: bad encoding, the cell rules, repeated keys and
    references in one statement (`first_failures_query`), then the rules that span columns or rows."""
    checks = [first_failures_query(t), *specific_queries(t)]
    if t is C.MONITORING:
        checks.append(stage_query())
    if t is C.ENTERPRISE:
        checks.append(
            f"""select r._row_id, 'missing_value', '「是否复工」为是，但「复工日期」为空'
                from raw_{t.en} r where {_live(t)} and trim(r."是否复工") = '是' and nullif(trim(r."复工日期"), '') is null"""
        )
    return checks


def legacy_id_expr(v: str) -> str:
    """An ID value as 18 digits: a 15-digit legacy number gets '19' before its year and a computed check character
    (the same conversion as fupin.data.idcard.upgrade_legacy, in SQL for the typed stg_ table)."""
    body = f"(left({v}, 6) || '19' || substr({v}, 7))"
    total = " + ".join(f"cast(substr({body}, {i + 1}, 1) as integer) * {w}" for i, w in enumerate(WEIGHTS))
    return f"case when length({v}) = 15 then {body} || substr('{CHECK_CHARS}', (({total}) % 11) + 1, 1) else upper({v}) end"


def typed_select(t: C.Table) -> str:
    """Select list turning raw text into typed English columns for stg_<t>."""
    out = ["r._row_id"]
    if t in C.DEPARTMENT_TABLES:  # the feed's raw rows are not kept: its typed rows carry their file and line
        out += ["r._file", "r._line"]
    has_month = any(c.en == "month" for c in t.columns)
    for col in t.columns:
        v = _v(col)
        if col.type == "int":
            expr = f"cast({_num(col, v)} as bigint)"
        elif col.type == "decimal":
            expr = f"cast({_num(col, v)} as decimal(18,2))"
        elif col.type == "date":
            expr = DATE_EXPR.format(v=v)
        elif col.type == "month":
            expr = f"cast({_month_date(v)} as date)"
        elif col.type == "flag":
            expr = f"({v} = '是')"
        elif col.type == "id_number" and col.legacy_id:
            expr = legacy_id_expr(v)
            out.append(f"(length({v}) = 15) as {col.en}_legacy")
        elif col.type == "id_number":
            expr = f"upper({v})"
        else:
            expr = v
        out.append(f"{expr} as {col.en}")
    if not has_month:
        out.append(f"cast({_month_date('r._month')} as date) as month")
    return ",\n               ".join(out)
