"""Results built once per input: plotly figures and frames derived from query results. Building a plotly figure
was most of a warm page run (the province map's six class traces and their outlines took ≈0.15 s to build and
validate, on every rerun, for every viewer), and the 季通报's county judgement was a sixth of the 月核查 page.

`@shared_figure` on a builder keeps the figure it built for a fingerprint of its arguments (DataFrames by their
content, dataclasses by their fields), so the next run with equal inputs, in any session of the process, gets the
same figure object back. Such a figure is shared: nobody may change it. Builders that change the figure of another
builder (the meeting map restyles the overview map) get a fresh one: inside a builder, a builder call is not cached.
`fupin/ui/render.py` serialises a shared figure once (`is_shared`).

`@shared_frame` does the same for a function returning a DataFrame; each caller gets its own (copy-on-write, so
cheap) copy, which it may change.

Arguments that cannot be fingerprinted (an unknown type) mean no caching for that call, never a wrong result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go

MAX_FIGURES = 128  # per process; a province map with its outlines and its JSON is ≈2 MB of Python objects
MAX_FRAMES = 256
_MARK = "_fupin_shared"
_lock = threading.Lock()
_figures: OrderedDict[tuple[str, bytes], go.Figure] = OrderedDict()
_frames: OrderedDict[tuple[str, bytes], pd.DataFrame] = OrderedDict()
_building = threading.local()

F = TypeVar("F", bound=Callable[..., go.Figure])
D = TypeVar("D", bound=Callable[..., pd.DataFrame])


class Unhashable(TypeError):
    """An argument the fingerprint does not know: the call is not cached."""


def _feed(h: Any, obj: object) -> None:
    if obj is None or isinstance(obj, bool | int | float | str | bytes | dt.date | dt.time | enum.Enum):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, pd.DataFrame | pd.Series):
        h.update(f"{type(obj).__name__}{obj.shape}".encode())
        cols = obj.columns if isinstance(obj, pd.DataFrame) else [obj.name]
        dtypes = obj.dtypes if isinstance(obj, pd.DataFrame) else [obj.dtype]
        h.update(repr([(str(c), str(t)) for c, t in zip(cols, dtypes, strict=True)]).encode())
        try:
            h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
        except TypeError as exc:  # a cell holding a list or a dict
            raise Unhashable(str(exc)) from exc
    elif isinstance(obj, np.ndarray):
        if obj.dtype == object:
            _feed(h, obj.tolist())
        else:
            h.update(f"nd{obj.dtype}{obj.shape};".encode())
            h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, np.generic):
        _feed(h, obj.item())
    elif isinstance(obj, Mapping):
        h.update(b"{")
        for k, v in obj.items():
            _feed(h, k)
            _feed(h, v)
        h.update(b"}")
    elif isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj
        h.update(f"{type(obj).__name__}[".encode())
        for v in items:
            _feed(h, v)
        h.update(b"]")
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(f"dc:{type(obj).__qualname__}(".encode())
        for f in dataclasses.fields(obj):
            h.update(f.name.encode())
            _feed(h, getattr(obj, f.name))
        h.update(b")")
    else:
        raise Unhashable(type(obj).__name__)


def fingerprint(*args: object, **kwargs: object) -> bytes:
    """A digest of the arguments' content: equal for equal inputs, whatever object holds them."""
    h = hashlib.blake2b(digest_size=20)
    _feed(h, args)
    _feed(h, dict(sorted(kwargs.items())))
    return h.digest()


def _get(store: OrderedDict, key: tuple) -> Any:
    """The value kept under `key` (now the most recently used), or None."""
    with _lock:
        value = store.get(key)
        if value is not None:
            store.move_to_end(key)
        return value


def _put(store: OrderedDict, key: tuple, value: Any, limit: int) -> Any:
    """Keep `value` unless another thread kept one first (both get the first); the least recently used go."""
    with _lock:
        value = store.setdefault(key, value)
        while len(store) > limit:
            store.popitem(last=False)
        return value


def shared_figure(fn: F) -> F:
    """Decorate a figure builder: equal arguments give the figure built before (see the module's docstring)."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> go.Figure:
        if getattr(_building, "depth", 0):  # a builder's part, which that builder may change
            return fn(*args, **kwargs)
        try:
            key = (name, fingerprint(*args, **kwargs))
        except Unhashable:
            return fn(*args, **kwargs)
        fig = _get(_figures, key)
        if fig is not None:
            return fig
        _building.depth = 1
        try:
            fig = fn(*args, **kwargs)
        finally:
            _building.depth = 0
        setattr(fig, _MARK, True)
        return _put(_figures, key, fig, MAX_FIGURES)

    return wrapper  # type: ignore[return-value]


def shared_frame(fn: D) -> D:
    """Decorate a pure function returning a DataFrame: equal arguments give a copy of the frame computed before."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> pd.DataFrame:
        try:
            key = (name, fingerprint(*args, **kwargs))
        except Unhashable:
            return fn(*args, **kwargs)
        frame = _get(_frames, key)
        if frame is None:
            frame = _put(_frames, key, fn(*args, **kwargs), MAX_FRAMES)
        return frame.copy(deep=False)  # copy-on-write: the caller's changes stay in its copy

    return wrapper  # type: ignore[return-value]


def is_shared(fig: object) -> bool:
    """A figure from the cache: the same object for every run with these inputs, never to be changed."""
    return bool(getattr(fig, _MARK, False))


def clear() -> None:
    """Forget every figure and frame (tests)."""
    with _lock:
        _figures.clear()
        _frames.clear()
