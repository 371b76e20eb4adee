"""A batch is 演示数据 only when the generator made every file in it (signed manifest with hashes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fupin.data.ingest import IngestReport, ingest


@pytest.fixture()
def exports(tiny_exports: Path, tmp_path: Path) -> Path:
    """The session's generated exports with their signed manifest, June only: the manifest vouches for the files a
    batch holds (`is_synthetic` checks each present file's hash), so one month is a complete synthetic batch, read in
    half the time of six."""
    out = tmp_path / "exports"
    out.mkdir()
    shutil.copytree(tiny_exports / "2020-06", out / "2020-06")
    shutil.copy(tiny_exports / "_manifest.json", out / "_manifest.json")
    return out


@pytest.fixture()
def all_months(tiny_exports: Path, tmp_path: Path) -> Path:
    out = tmp_path / "all-months"
    shutil.copytree(tiny_exports, out)
    return out


def _manifest(exports: Path) -> dict:
    return json.loads((exports / "_manifest.json").read_text(encoding="utf-8"))


def _write_manifest(exports: Path, manifest: dict) -> None:
    (exports / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_generator_output_is_synthetic(exports: Path, tiny_ingest: tuple[Path, IngestReport], tmp_path: Path) -> None:
    m = _manifest(exports)
    assert m["synthetic"] is True and len(m["files"]) > 60 and len(m["signature"]) == 64
    assert tiny_ingest[1].synthetic  # the session's ingest of these very exports (all months)
    assert ingest(exports, tmp_path / "w.duckdb").synthetic  # one month of them: the files the manifest signed


@pytest.mark.parametrize("flag", ["false", "true", 1, None])
def test_only_the_json_literal_true_counts(all_months: Path, flag: object) -> None:
    from fupin.data.provenance import file_sha256, is_synthetic

    m = _manifest(all_months)
    files = {rel: file_sha256(all_months / rel) for rel in m["files"]}
    assert is_synthetic(m, files)  # the generator's own manifest
    assert not is_synthetic(m | {"synthetic": flag}, files)


def test_ingest_reads_the_flag_through_the_same_check(exports: Path, tmp_path: Path) -> None:
    _write_manifest(exports, _manifest(exports) | {"synthetic": "true"})
    assert not ingest(exports, tmp_path / "w.duckdb").synthetic


def test_an_added_or_edited_file_makes_the_batch_real(exports: Path, tmp_path: Path) -> None:
    visits = sorted((exports / "2020-06").glob("走访记录*"))[0]
    extra = exports / "2020-06" / f"{visits.stem}_补报{visits.suffix}"
    shutil.copy(visits, extra)  # an uploaded file beside the generated ones
    assert not ingest(exports, tmp_path / "a.duckdb").synthetic
    extra.unlink()
    with visits.open("ab") as f:  # one generated file edited
        f.write(b"\n")
    assert not ingest(exports, tmp_path / "b.duckdb").synthetic


def test_a_hand_written_or_foreign_manifest_is_not_trusted(
    exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = _manifest(exports)
    _write_manifest(exports, {k: v for k, v in m.items() if k != "signature"})  # unsigned, hashes right
    assert not ingest(exports, tmp_path / "a.duckdb").synthetic
    _write_manifest(exports, m)
    monkeypatch.setenv("FUPIN_KEY_DIR", str(tmp_path / "another-installation"))
    assert not ingest(exports, tmp_path / "b.duckdb").synthetic


def test_an_import_into_the_demo_store_is_real(
    all_months: Path, tiny_ingest: tuple[Path, IngestReport], tmp_path: Path
) -> None:
    """数据导入 into the default (demo) store: the uploaded month makes the whole batch real."""
    from fupin.data import importer

    db = tmp_path / "warehouse.duckdb"
    shutil.copy(tiny_ingest[0], db)  # the session's ingest of the same exports: synthetic
    exports = all_months
    month = exports / "2020-06"
    uploads = [importer.Upload(p.name, p.read_bytes()) for p in sorted(month.iterdir())]
    staged = importer.stage(uploads, "2020-06", exports, tmp_path / "imports", db=db)
    report = importer.dry_run(staged)
    assert report.ok and not report.synthetic  # the same bytes, but uploaded: real
    importer.commit(staged, db)
    assert not ingest(exports, tmp_path / "again.duckdb").synthetic
