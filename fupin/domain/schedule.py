"""挂牌督战: is a county or village on course to have no remaining poor by the year-end target?

The pace is the average monthly fall in remaining poor over the last `window` months; at that pace,
what remains at the target month? Pure functions, so the rule is tested with hand-made series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fupin.core.month import Month

TARGET_MONTH = "2020-12"  # 脱贫攻坚收官: no remaining poor by the end of 2020
WINDOW = 3


def months_between(a: str, b: str) -> int:
    """Whole months from 'YYYY-MM' a to b."""
    return Month.parse(a).months_until(b)


@dataclass(frozen=True)
class Assessment:
    behind: bool
    remaining: float
    pace_per_month: float  # remaining poor cleared per month (positive = falling)
    projected_at_target: float
    months_to_zero: float | None  # at the current pace; None when not falling
    reason: str

    @property
    def risk(self) -> float:
        """Sort key: the larger, the further behind (projected remainder; on-track places sort last)."""
        return self.projected_at_target if self.behind else -(self.months_to_zero or 0)


def assess(series: Sequence[tuple[str, float]], *, target: str = TARGET_MONTH, window: int = WINDOW) -> Assessment:
    """`series`: (month 'YYYY-MM', remaining poor) in month order, ending at the as-of month."""
    if not series:
        raise ValueError("no months")
    as_of, now = series[-1]
    if now <= 0:
        return Assessment(False, 0, 0, 0, 0, "已清零")
    back = series[max(0, len(series) - 1 - window)]
    span = months_between(back[0], as_of)
    pace = (back[1] - now) / span if span > 0 else 0.0
    left = max(months_between(as_of, target), 0)
    projected = max(now - pace * left, 0.0)
    to_zero = now / pace if pace > 0 else None
    label = f"近{span}个月" if span else "本月"
    target_cn = Month.parse(target).label
    if pace <= 0:
        return Assessment(
            True, now, pace, now, None, f"{label}剩余贫困人口未减少，仍有{now:,.0f}人，无法在{target_cn}前清零"
        )
    if projected > 0:
        return Assessment(
            True,
            now,
            pace,
            projected,
            to_zero,
            f"{label}平均每月减少{pace:,.1f}人，按此进度到{target_cn}仍余约{projected:,.0f}人",
        )
    return Assessment(
        False, now, pace, 0.0, to_zero, f"{label}平均每月减少{pace:,.1f}人，按此进度约{to_zero:.1f}个月后清零"
    )
