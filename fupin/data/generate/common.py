"""Small helpers shared by the generator's steps: dates and the working-day calendar, names, phones."""

from __future__ import annotations

import datetime as dt

import numpy as np

from fupin.data.generate.calibration import HOLIDAYS_2020, MONTHS

SURNAMES = np.array(
    list(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
        "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    )
)
# Given-name characters by sex (a few are used for both).
GIVEN_MALE = np.array(
    list("伟强磊军洋勇杰涛明超刚兵建国志文辉林海波宏成德福贵永胜利民安庆长发祥金宝山水清广家俊峰浩东")
)
GIVEN_FEMALE = np.array(list("芳娜秀英敏静丽艳娟兰霞桂玉萍红娥玲芬燕彩春菊凤梅琴云莲珍荣慧婷雪琳"))
GIVEN_BOTH = np.array(list("华平文春明玉"))

_HOLIDAYS = np.array(HOLIDAYS_2020, dtype="datetime64[D]")


def month_end(m: int) -> np.datetime64:
    """Last day of month index m (0 = January 2020)."""
    y, mm = map(int, MONTHS[m].split("-"))
    nxt = dt.date(y + (mm == 12), mm % 12 + 1, 1)
    return np.datetime64(nxt - dt.timedelta(days=1))


def month_start(m: int) -> np.datetime64:
    return np.datetime64(MONTHS[m] + "-01")


MONTH_STARTS = np.array([month_start(k) for k in range(len(MONTHS))])
MONTH_ENDS = np.array([month_end(k) for k in range(len(MONTHS))])


def dates_between(rng: np.random.Generator, start: str | np.datetime64, end: str | np.datetime64, n: int) -> np.ndarray:
    """n uniform dates in [start, end], every day of the week alike."""
    a, b = np.datetime64(start, "D"), np.datetime64(end, "D")
    return a + rng.integers(0, int((b - a).astype(int)) + 1, size=n).astype("timedelta64[D]")


def working_days(dates: np.ndarray, *, not_after: np.ndarray | np.datetime64 | None = None) -> np.ndarray:
    """Each date moved to the next working day (Mon–Fri, not a 2020 holiday); back to the previous one where
    that would pass `not_after` (the end of the month the date belongs to, by default). NaT stays NaT."""
    d = np.asarray(dates).astype("datetime64[D]")
    ok = ~np.isnat(d)
    out = d.copy()
    if not ok.any():
        return out
    fwd = np.busday_offset(d[ok], 0, roll="forward", holidays=_HOLIDAYS)
    limit = (d[ok].astype("datetime64[M]") + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    if not_after is not None:
        limit = np.minimum(limit, np.broadcast_to(np.asarray(not_after, dtype="datetime64[D]"), d.shape)[ok])
    back = np.busday_offset(d[ok], 0, roll="backward", holidays=_HOLIDAYS)
    out[ok] = np.where(fwd <= limit, fwd, back)
    return out


def month_of(dates: np.ndarray) -> np.ndarray:
    """Month index 0..5 of each date (NaT → -1; after June → 99)."""
    out = np.full(len(dates), -1, dtype=np.int64)
    ok = ~np.isnat(dates)
    months = dates[ok].astype("datetime64[M]").astype(int) - np.datetime64("2020-01", "M").astype(int)
    out[ok] = np.where(months > 5, 99, months)
    return out


def date_str(dates: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(dates, unit="D")
    return np.where(np.isnat(dates), "", s)


def names(rng: np.random.Generator, surnames: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Surname + one or two given-name characters that fit the person's sex."""
    n = len(surnames)
    male = np.asarray(male, dtype=bool)

    def given() -> np.ndarray:
        g = np.where(male, rng.choice(GIVEN_MALE, size=n), rng.choice(GIVEN_FEMALE, size=n))
        return np.where(rng.random(n) < 0.08, rng.choice(GIVEN_BOTH, size=n), g)

    g1 = given()
    g2 = np.where(rng.random(n) < 0.7, given(), "")
    return np.char.add(np.char.add(surnames.astype("U1"), g1), g2)


def any_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Names of cadres and contact people: random surname and sex (≈70 % men)."""
    return names(rng, rng.choice(SURNAMES, size=n), rng.random(n) < 0.7)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    head = rng.choice(["13", "15", "18", "17", "19"], size=n)
    return np.char.add(head, np.char.zfill(rng.integers(0, 10**9, size=n).astype("U9"), 9))


def pick(rng: np.random.Generator, choices: tuple[str, ...], p: tuple[float, ...] | list[float], n: int) -> np.ndarray:
    p_arr = np.asarray(p, dtype=float)
    return rng.choice(np.array(choices), size=n, p=p_arr / p_arr.sum())


def lognormal_between(
    rng: np.random.Generator, median: float, sigma: float, lo: float, hi: float, n: int
) -> np.ndarray:
    """Log-normal draws around `median`, redrawn (then clipped) to fall inside [lo, hi]."""
    x = median * np.exp(rng.normal(0.0, sigma, n))
    for _ in range(4):
        bad = (x < lo) | (x > hi)
        if not bad.any():
            break
        x[bad] = median * np.exp(rng.normal(0.0, sigma, int(bad.sum())))
    return np.clip(x, lo, hi)


def positions(size: np.ndarray) -> np.ndarray:
    """0..size-1 for each household, concatenated (vectorised)."""
    ends = np.cumsum(size)
    starts = np.repeat(ends - size, size)
    return np.arange(ends[-1]) - starts
