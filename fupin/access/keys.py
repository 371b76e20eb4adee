"""Per-installation secret keys, kept outside the data folder.

- ``session.key`` signs session cookies, ``audit.key`` chains the audit log, ``generator.key`` signs the
  manifest of a synthetic batch (so real files are never taken for 演示数据).
- They live in a key directory that is not copied around with ``data/``: ``FUPIN_KEY_DIR``, or by default
  ``~/.local/state/wanfu-kanban/<installation>/`` (one folder per checkout path). ``FUPIN_SESSION_KEY``
  still names the session key file directly. Several app processes (or hosts) must share the same folder.
- A key file is created atomically (random bytes written to a temporary file, then hard-linked into
  place), so concurrent first starts all read the same complete key. A key file of the wrong length
  (e.g. 0 bytes after a crash of an older version) is never used: it is replaced under a file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
from pathlib import Path

from fupin.core.reference import PROJECT_ROOT

KEY_BYTES = 32


class KeyError_(Exception):
    """A key cannot be read or created (Chinese message)."""


def key_dir() -> Path:
    env = os.environ.get("FUPIN_KEY_DIR")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    install = hashlib.sha256(str(PROJECT_ROOT.resolve()).encode()).hexdigest()[:12]
    return base / "wanfu-kanban" / install


def key_path(name: str) -> Path:
    if name == "session" and os.environ.get("FUPIN_SESSION_KEY"):
        return Path(os.environ["FUPIN_SESSION_KEY"])
    return key_dir() / f"{name}.key"


_read_cache: dict[Path, tuple[tuple[int, int, int], bytes]] = {}  # path → (inode, size, mtime), key


def _read_good(path: Path) -> bytes | None:
    """The key in `path` if it has the right length. Kept while the file's inode, size and mtime stay (a stat, not a
    read, on each sign-in check of every page run)."""
    try:
        st = path.stat()
        seen = (st.st_ino, st.st_size, st.st_mtime_ns)
        hit = _read_cache.get(path)
        if hit is not None and hit[0] == seen:
            return hit[1]
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) != KEY_BYTES:
        return None
    _read_cache[path] = (seen, data)
    return data


def _write_new(path: Path) -> None:
    """Create `path` with a fresh key unless another process did first (link is atomic)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: use its key
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_key(name: str) -> bytes:
    """The installation's key `name`; created on first use (0600), replaced when its length is wrong."""
    path = key_path(name)
    if (key := _read_good(path)) is not None:
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            _write_new(path)
        if (key := _read_good(path)) is not None:
            return key
        # Present but the wrong length: replace it, once, under a lock (other processes re-read after).
        with open(path.with_name(f".{path.name}.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (key := _read_good(path)) is None:
                path.unlink(missing_ok=True)
                _write_new(path)
                key = _read_good(path)
        if key is None:
            raise OSError("key still unreadable after it was rewritten")
        return key
    except OSError as exc:
        raise KeyError_(
            f"无法读取或创建密钥文件 {path}（{exc.strerror or exc}）：请检查 FUPIN_KEY_DIR 目录的权限"
        ) from exc
