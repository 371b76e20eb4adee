"""The 数据导入 page's logic, without Streamlit: check uploaded files, stage one month beside the
export store, build a candidate warehouse with the CLI's own `ingest`, report it, and commit it.

- The export store is the folder of month folders the warehouse is built from (``FUPIN_EXPORTS``,
  default ``<warehouse folder>/exports/demo``, where the first start put the demo exports).
- Dry run: the uploads become ``<month>/`` in a staging folder whose other months link to the store;
  `python -m fupin ingest` builds a candidate warehouse there (the whole batch, as the CLI would) in a
  process of its own with a memory cap, writing its progress and report into the folder; the page polls
  them, and the report and quarantine examples are read from them. Nothing the app reads has changed, and
  a hostile file can exhaust only that process.
- Commit: under the warehouse's ingest lock, the month folder moves into the store (replacing an earlier
  upload of that month) and the candidate replaces the warehouse with one atomic rename; the pages reopen
  it on their next run. A commit is two renames and parses nothing, so it runs in the server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import duckdb

from fupin.access import audit
from fupin.access.scope import Viewer
from fupin.core.reference import PROJECT_ROOT
from fupin.data import contract as C
from fupin.data import exportio
from fupin.data.exportio import UTF16_CN, looks_utf16
from fupin.data.ingest import MONTH_DIR, IngestReport
from fupin.data.memory import ingest_memory_mb, looks_out_of_memory, out_of_memory_cn
from fupin.data.validate import REASONS
from fupin.warehouse.connection import LockBusy, file_identity, warehouse_lock

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = exportio.SUFFIXES  # CSV, XLSX / XLSM, XLS / WPS .et
MAX_FILES = 200  # a month: 11 tables, the big ones split into one file per city (16) — 176 at most
MAX_FILE_MB = 1024  # also server.maxUploadSize in .streamlit/config.toml
CANDIDATE = "candidate.duckdb"


def exports_store(db: Path) -> Path:
    """The folder of month folders the warehouse is built from."""
    return Path(os.environ.get("FUPIN_EXPORTS", db.parent / "exports" / "demo"))


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


@dataclass
class FileCheck:
    name: str
    size: int
    table: str | None = None
    error: str | None = None  # Chinese, for the page


def check_file(up: Upload, *, max_mb: int = MAX_FILE_MB) -> FileCheck:
    """Is this an export file at all? Type, size, name → table, and a look at its bytes."""
    fc = FileCheck(up.name, len(up.data))
    name = Path(up.name)
    suffix = name.suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        fc.error = f"不支持的文件类型「{suffix or '无扩展名'}」：{exportio.UNSUPPORTED_CN}格式的导出文件"
        return fc
    if not up.data:
        fc.error = "文件为空"
        return fc
    if len(up.data) > max_mb * 1024 * 1024:
        fc.error = f"文件超过 {max_mb} MB 的上限"
        return fc
    table = C.table_for_file(name.stem)
    if table is None:
        fc.error = (
            "文件名不对应任何导出表：文件名应以表名开头（如 户信息.csv、户信息_341221.xlsx），"
            f"可选表名：{'、'.join(C.TABLES_BY_CN)}"
        )
        return fc
    fc.table = table.cn
    head = up.data[:65536]
    lim = exportio.limits()
    if suffix == ".csv":
        if looks_utf16(head):
            fc.error = UTF16_CN
        elif b"\x00" in head:
            fc.error = "不是文本格式的 CSV（可能是图片、压缩包或 Excel 文件改了扩展名）"
        elif not _decodes(head):
            fc.error = "CSV 编码无法识别：请导出为 UTF-8 或 GBK 编码"
        else:
            fc.error = _contract_problem(lambda: exportio.check_csv_bytes(up.data, table, name, lim))
    elif suffix in exportio.XLS_SUFFIXES:
        if not up.data.startswith(exportio.CFB_MAGIC):
            fc.error = "不是有效的 XLS 文件（可能是 XLSX、CSV、图片或其他文件改了扩展名）"
        else:
            fc.error = _contract_problem(lambda: exportio.check_xls(memoryview(up.data), name, lim))
    else:
        if not up.data.startswith(b"PK\x03\x04"):
            fc.error = "不是有效的 XLSX 文件（可能是旧版 .xls、图片或其他文件改了扩展名）"
        else:
            try:
                with zipfile.ZipFile(BytesIO(up.data)) as z:
                    if "xl/workbook.xml" not in z.namelist():
                        fc.error = "这是一个压缩包，不是 Excel 工作簿"
                    else:
                        fc.error = _contract_problem(lambda: exportio.check_xlsx(z, len(up.data), name, lim))
            except (zipfile.BadZipFile, EOFError):
                fc.error = "XLSX 文件已损坏，无法打开"
    return fc


def _contract_problem(check: Callable[[], None]) -> str | None:
    """The reader's caps, run on the upload: the Chinese reason, or None."""
    try:
        check()
    except C.ContractError as exc:
        return exc.cn or str(exc)
    return None


def _decodes(head: bytes) -> bool:
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError as exc:
            if enc == "utf-8" and exc.start > len(head) - 4:  # a character cut at the 64 KiB boundary
                return True
    return False


def base_name(name: str) -> str:
    """The file name an upload is staged under (any folder part dropped, '/' or '\\')."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def duplicate_names(uploads: list[Upload]) -> list[str]:
    """Base names given to more than one upload, compared case-folded (one would overwrite the other)."""
    seen: dict[str, list[str]] = {}
    for u in uploads:
        seen.setdefault(base_name(u.name).casefold(), []).append(base_name(u.name))
    return sorted(names[0] for names in seen.values() if len(names) > 1)


def check_uploads(uploads: list[Upload], *, max_files: int = MAX_FILES) -> tuple[list[FileCheck], list[str]]:
    """Every file's check and the problems with the set (Chinese)."""
    problems = []
    if not uploads:
        problems.append("请选择要导入的文件")
    if len(uploads) > max_files:
        problems.append(f"一次最多导入 {max_files} 个文件（本次 {len(uploads)} 个）")
    checks = [check_file(u) for u in uploads]
    if dup := duplicate_names(uploads):
        problems.append(f"文件重名（不同文件夹中的同名文件会互相覆盖，请改名后再导入）：{'、'.join(dup)}")
    bad = [c for c in checks if c.error]
    if bad:
        problems.append(f"{len(bad)} 个文件不能导入（见下表），本次导入不会进行")
    return checks, problems


@dataclass
class Staged:
    """One staged import: the folder, the month, and (after the dry run) its report."""

    folder: Path
    month: str
    store: Path
    report: IngestReport | None = None
    missing_tables: list[str] = field(default_factory=list)
    replaces_month: bool = False
    base: tuple[int, int] | None = None  # the warehouse file the dry run was made against
    uploaded: dict[str, tuple[int, str]] = field(default_factory=dict)  # staged name → (bytes, SHA-256)

    @property
    def candidate(self) -> Path:
        return self.folder / CANDIDATE


def staging_root(db: Path) -> Path:
    """Beside the warehouse (same file system: the commit is a rename)."""
    return db.parent / "imports"


class StageError(Exception):
    """The uploads could not be staged as they are (Chinese message)."""


def stage(uploads: list[Upload], month: str, store: Path, staging_root: Path, *, db: Path | None = None) -> Staged:
    """Write the uploads as `<month>/` in a new staging folder beside links to the store's other months."""
    if not MONTH_DIR.match(month):
        raise ValueError(f"bad month {month!r}")
    if dup := duplicate_names(uploads):
        raise StageError(f"文件重名（不同文件夹中的同名文件会互相覆盖，请改名后再导入）：{'、'.join(dup)}")
    clean_stale(staging_root)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = staging_root / f"import-{stamp}"
    (folder / "exports" / month).mkdir(parents=True)
    existing = sorted(p for p in store.iterdir() if p.is_dir() and MONTH_DIR.match(p.name)) if store.is_dir() else []
    for md in existing:
        if md.name != month:
            (folder / "exports" / md.name).symlink_to(md.resolve(), target_is_directory=True)
    # No manifest goes with an upload: uploaded files make a batch real (fupin/provenance.py).
    uploaded = {}
    for up in uploads:
        name = base_name(up.name)
        (folder / "exports" / month / name).write_bytes(up.data)
        uploaded[name] = (len(up.data), hashlib.sha256(up.data).hexdigest())
    present = {t.cn for n in uploaded if (t := C.table_for_file(Path(n).stem))}
    staged = Staged(
        folder=folder,
        month=month,
        store=store,
        missing_tables=[t.cn for t in C.TABLES if t.cn not in present],
        replaces_month=any(md.name == month for md in existing),
        base=file_identity(db) if db is not None and db.exists() else None,
        uploaded=uploaded,
    )
    if problem := _staged_mismatch(staged):
        discard(staged)
        raise StageError(problem)
    return staged


def _staged_mismatch(staged: Staged, *, content: bool = False) -> str | None:
    """Is every upload in the month folder with its size (and, with `content`, its SHA-256)?"""
    folder = staged.folder / "exports" / staged.month
    bad = []
    for name, (size, sha) in staged.uploaded.items():
        p = folder / name
        if not p.is_file():
            bad.append(f"{name}（未读到）")
        elif p.stat().st_size != size or (content and _sha256(p) != sha):
            bad.append(f"{name}（大小或内容不同）")
    return f"预检读取的文件与上传的不一致：{'、'.join(bad)}" if bad else None


def _report_mismatch(staged: Staged, report: IngestReport) -> str | None:
    """Did the ingest read every uploaded file, once, with the bytes uploaded?"""
    read: dict[str, list[str]] = {}
    for f in report.files:
        if f.month == staged.month:
            read.setdefault(Path(f.file).name, []).append(f.sha256)
    bad = [
        f"{n}（未读到）" if n not in read else f"{n}（大小或内容不同）"
        for n, (_, sha) in staged.uploaded.items()
        if read.get(n) != [sha]
    ]
    return f"预检读取的文件与上传的不一致：{'、'.join(bad)}" if bad else None


@dataclass
class DryRunJob:
    """A dry run in a process of its own: `python -m fupin ingest` with a memory cap, writing its progress
    (JSON lines) and report into the staging folder, where the page reads them while it runs."""

    staged: Staged
    proc: subprocess.Popen | None  # None: refused before it started (the report is written already)
    memory_mb: int
    started: float = field(default_factory=time.time)

    @property
    def report_path(self) -> Path:
        return self.staged.folder / "report.json"

    @property
    def progress_path(self) -> Path:
        return self.staged.folder / "progress.jsonl"

    @property
    def stderr_path(self) -> Path:
        return self.staged.folder / "ingest.stderr"

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def progress(self) -> tuple[float, str]:
        """The latest (fraction, Chinese message) the process wrote."""
        try:
            lines = self.progress_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        for line in reversed(lines):  # the last one may be half-written
            try:
                d = json.loads(line)
                return float(d["fraction"]), str(d["message"])
            except (ValueError, KeyError, TypeError):
                continue
        return 0.0, "启动导入进程…"

    def cancel(self) -> None:
        if self.running():
            assert self.proc is not None
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()


def lower_priority() -> list[str]:
    """`nice -n N` (FUPIN_IMPORT_NICE, default 10; 0: none): the dry run runs at a lower CPU priority than the app
    processes, so people reading pages while an administrator imports keep the cores first (a nice-10 process gets
    ≈ a tenth of a core's share against a nice-0 one when both want it, and all of it when the app is idle)."""
    try:
        n = int(os.environ.get("FUPIN_IMPORT_NICE", "10"))
    except ValueError:
        n = 10
    nice = shutil.which("nice")
    return [nice, "-n", str(min(max(n, 0), 19))] if n > 0 and nice else []


def start_dry_run(staged: Staged, *, memory_mb: int | None = None) -> DryRunJob:
    """Start the dry run: the CLI's ingest of store + this month into the candidate, in a child process whose
    address space is capped (`--memory-mb`, FUPIN_INGEST_MEMORY_MB, default 8192 MB; DuckDB keeps to half).

    Every uploaded file must be staged with the bytes uploaded, else nothing starts (code 'upload_mismatch')."""
    job = DryRunJob(staged, None, memory_mb or ingest_memory_mb())
    src = staged.folder / "exports"
    if problem := _staged_mismatch(staged, content=True):
        report = IngestReport(ok=False, source=str(src), db=str(staged.candidate), dry_run=False)
        report.error = {"code": "upload_mismatch", "message": problem, "message_cn": problem}
        job.report_path.write_text(report.to_json(), encoding="utf-8")
        return job
    cmd = [
        *lower_priority(),
        sys.executable,
        "-m",
        "fupin",
        "ingest",
        str(src),
        "--db",
        str(staged.candidate),
        "--report",
        str(job.report_path),
        "--progress",
        str(job.progress_path),
        "--memory-mb",
        str(job.memory_mb),
    ]
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        MALLOC_ARENA_MAX="2",
        ARROW_DEFAULT_MEMORY_POOL="system",
    )
    with job.stderr_path.open("wb") as err:
        job.proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    return job


def finish_dry_run(job: DryRunJob) -> IngestReport:
    """Wait for the process and read its report. However it ended — a contract error, out of memory, killed,
    a bug — the result is a report with a Chinese message (the details go to the server log, not the page)."""
    rc = job.proc.wait() if job.proc is not None else 0
    staged = job.staged
    try:
        report = IngestReport.from_json(job.report_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, TypeError):
        report = None
    if report is None or (not report.ok and not (report.error or {}).get("message_cn")) or (report.ok and rc != 0):
        stderr = (
            job.stderr_path.read_bytes()[-4000:].decode("utf-8", errors="replace") if job.stderr_path.exists() else ""
        )
        log.warning("ingest process for %s ended with %s:\n%s", staged.folder.name, rc, stderr)
        oom = (report is not None and (report.error or {}).get("code") == "out_of_memory") or looks_out_of_memory(
            stderr,
            capped=True,  # the page's ingest always runs under limit_memory
        )
        if rc < 0 and not oom:
            message = (
                f"导入进程被终止（信号 {-rc}），未做任何改动；若反复出现，可能是超出了内存上限（{job.memory_mb:,} MB）"
            )
        elif oom or rc == 4:
            message = out_of_memory_cn(job.memory_mb)
        else:
            message = f"导入进程出错（退出码 {rc}），详情已记入服务器日志"
        report = IngestReport(ok=False, source=str(staged.folder / "exports"), db=str(staged.candidate), dry_run=False)
        report.error = {
            "code": "out_of_memory" if oom else "process_failed",
            "exit_code": rc,
            "message": message,
            "message_cn": message,
        }
    elif report.ok and (problem := _report_mismatch(staged, report)):
        report.ok = False
        report.error = {"code": "upload_mismatch", "message": problem, "message_cn": problem}
    staged.report = report
    if staged.folder.exists():
        job.report_path.write_text(report.to_json(), encoding="utf-8")
    return report


def dry_run(staged: Staged, *, memory_mb: int | None = None) -> IngestReport:
    """Build the candidate warehouse from store + this month with the CLI's ingest, in a process of its own,
    and wait for it; report it (see `start_dry_run` and `finish_dry_run`)."""
    return finish_dry_run(start_dry_run(staged, memory_mb=memory_mb))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def quarantine_examples(staged: Staged, *, per_reason: int = 3) -> list[dict]:
    """Quarantined rows of the uploaded month, by table and reason, with a few examples each."""
    if not staged.candidate.exists():
        return []
    con = duckdb.connect(str(staged.candidate), read_only=True)
    try:
        rows = con.execute(
            """select table_name, reason_code, count(*) as n,
                      list(file || ' 第' || line || '行：' || message order by line)[1:$k] as examples
               from quarantine where month = $month
               group by all order by n desc""",
            {"month": staged.month, "k": per_reason},
        ).fetchall()
    finally:
        con.close()
    return [{"表": t, "原因": REASONS.get(r, r), "行数": int(n), "示例": "；".join(ex)} for t, r, n, ex in rows]


def file_notes(files: list) -> list[dict]:
    """Per file, what was tidied before validation: 合计行 and 空行 skipped (neither loaded nor quarantined) and
    values normalised (full-width digits, spaces, Excel's apostrophe, 元, serial dates …), one example of each
    kind with its line. Files with nothing to say are left out."""
    out = []
    for f in files:
        if not (f.rows_skipped or f.values_normalised):
            continue
        kinds = {**f.skipped_by_kind, **f.normalised_by_kind}
        out.append(
            {
                "文件": f.file.split("/", 1)[-1],
                "合计行": f.skipped_by_kind.get("合计行", 0),
                "空行": f.skipped_by_kind.get("空行", 0),
                "规范化的值": f.values_normalised,
                "示例": "；".join(
                    f"{k} {n:,} 处，如{f.examples[k]}" if k in f.examples else f"{k} {n:,} 处" for k, n in kinds.items()
                ),
            }
        )
    return out


def failure_message(report: IngestReport) -> str:
    """What the page says when a dry run failed (Chinese; the file's name, never a server path)."""
    err = report.error or {}
    where = []
    if err.get("file"):
        where.append(f"文件 {Path(err['file']).name}")
    if err.get("line") and f"第{err['line']}行" not in err.get("message_cn", ""):
        where.append(f"第{err['line']}行")
    return f"预检未通过，未做任何改动：{err.get('message_cn') or '导入程序出错'}" + (
        f"（{'，'.join(where)}）" if where else ""
    )


def record_failure(staged: Staged, viewer: Viewer, message: str, *, files: list[str]) -> None:
    """A dry run that failed: its folder goes, the attempt stays in the audit log."""
    discard(staged)
    audit.record(viewer, "import_failed", filters={"month": staged.month, "files": files, "message": message})


class CommitError(Exception):
    """The commit could not go ahead (Chinese message)."""


COMMIT_LOCK_WAIT = 10.0  # seconds a commit waits for another ingest's lock (a commit itself holds it for ms)


def commit(staged: Staged, db: Path, *, lock_wait: float = COMMIT_LOCK_WAIT) -> IngestReport:
    """Move the month into the store and swap the candidate in over the warehouse (atomic rename).

    Under the warehouse's ingest lock (the one `python -m fupin ingest` holds): the check that the warehouse
    is still the one the dry run was made against, the move and the rename happen as one step."""
    if staged.report is None or not staged.report.ok or not staged.candidate.exists():
        raise CommitError("没有可提交的预检结果，请先完成预检")
    try:
        with warehouse_lock(db, wait=lock_wait):
            _commit_locked(staged, db)
    except LockBusy as exc:
        raise CommitError(f"另一个导入正在写入数据仓库{exc.holder_cn}，请稍后再提交") from None
    shutil.rmtree(staged.folder, ignore_errors=True)
    return staged.report


def _commit_locked(staged: Staged, db: Path) -> None:
    assert staged.report is not None
    if (file_identity(db) if db.exists() else None) != staged.base:
        raise CommitError("预检之后数据仓库已被更新（可能有其他人同时导入），请重新预检")
    staged.store.mkdir(parents=True, exist_ok=True)
    month_src = staged.folder / "exports" / staged.month
    month_dst = staged.store / staged.month
    if month_dst.exists():  # an earlier upload of this month: keep it beside, replaced
        month_dst.rename(staged.store / f".{staged.month}.replaced-{dt.datetime.now():%Y%m%d%H%M%S}")
    shutil.move(str(month_src), month_dst)
    generated = staged.store / "_manifest.json"
    if generated.exists():  # the store now holds uploaded files: it is never synthetic again
        generated.rename(staged.store / "_manifest.generated-before-import.json")
    fd = os.open(staged.candidate, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    os.replace(staged.candidate, db)  # what the CLI's ingest does at its end
    (staged.folder / "committed.json").write_text(
        json.dumps({"db": str(db), "batch_id": staged.report.batch_id}, ensure_ascii=False), encoding="utf-8"
    )


def clean_stale(staging_root: Path, *, max_age_hours: float = 24) -> list[Path]:
    """Remove dry runs nobody committed or discarded (a candidate warehouse is as big as the real one)."""
    removed = []
    if staging_root.is_dir():
        cutoff = dt.datetime.now().timestamp() - max_age_hours * 3600
        for folder in staging_root.glob("import-*"):
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.folder, ignore_errors=True)
