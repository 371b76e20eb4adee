"""Is a batch synthetic (演示数据)? Only when the generator made every file in it.

The generator lists each file it wrote with its SHA-256 in ``_manifest.json`` and signs the manifest
with the installation's ``generator.key`` (fupin/keys.py, outside ``data/``). Ingest calls a batch
synthetic only when ``"synthetic"`` is the JSON literal ``true``, the signature is good, and every file
read is listed with the same hash. Anything else — an uploaded month, an edited file, a manifest copied
from elsewhere or written by hand, ``"synthetic": "false"`` — makes the batch real: demo accounts no
longer apply and nothing is labelled 演示数据.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path

from fupin.access.keys import load_key


def _canonical(manifest: Mapping) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(manifest: dict, files: Mapping[str, str]) -> dict:
    """The manifest with the files' hashes (relative path → SHA-256) and the generator's signature."""
    out = {**manifest, "files": dict(sorted(files.items()))}
    out["signature"] = hmac.new(load_key("generator"), _canonical(out), hashlib.sha256).hexdigest()
    return out


def signed(manifest: Mapping) -> bool:
    sig = manifest.get("signature")
    if not isinstance(sig, str):
        return False
    good = hmac.new(load_key("generator"), _canonical(manifest), hashlib.sha256).hexdigest()
    return hmac.compare_digest(sig, good)


def is_synthetic(manifest: object, files: Mapping[str, str]) -> bool:
    """True only for a generator-signed manifest that lists every one of `files` with its hash."""
    if not isinstance(manifest, Mapping) or manifest.get("synthetic") is not True:
        return False
    listed = manifest.get("files")
    if not isinstance(listed, Mapping) or not files or not signed(manifest):
        return False
    return all(listed.get(rel) == sha for rel, sha in files.items())


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def sign_folder(out: Path, manifest: dict) -> dict:
    """Sign `manifest` over every file in the month folders of `out` and write `_manifest.json`
    (the generator's last step; tests use it for hand-made synthetic folders)."""
    files = {
        str(p.relative_to(out)): file_sha256(p)
        for md in sorted(out.iterdir())
        if md.is_dir() and len(md.name) == 7 and md.name[4] == "-"
        for p in sorted(md.iterdir())
        if p.is_file() and not p.name.startswith((".", "_", "~$"))
    }
    signed_manifest = sign(manifest, files)
    (out / "_manifest.json").write_text(json.dumps(signed_manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return signed_manifest
