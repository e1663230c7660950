"""Local translation models on disk: install an Argos ``.argosmodel`` package or an OPUS-MT folder.

An Argos Translate package is a zip holding one folder with ``metadata.json`` (``from_code``,
``to_code``, ``package_version``…), a CTranslate2 model in ``model/`` and a SentencePiece model.
It is read directly (no ``argostranslate`` package and its heavy dependencies). An OPUS-MT model
converted to CTranslate2 is a folder with ``model.bin`` and ``source.spm``/``target.spm``.

Each installed model lives in ``<models_dir>/<from>-<to>/`` with a ``newsdesk-model.json`` that
says what it is. Zips are hostile input: member count and sizes are capped, and no member may
escape the target folder or be a link.
"""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from newsdesk.errors import NewsdeskError
from newsdesk.translate.models import InstalledModel

MANIFEST = "newsdesk-model.json"
ARGOS_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
MAX_MEMBERS = 10_000  # why: real packages hold a few dozen files (stanza adds a few hundred at most)
MAX_UNPACKED_BYTES = 3_000_000_000  # why: the largest Argos/OPUS-MT models unpack to well under 1.5 GB
MAX_INDEX_BYTES = 5_000_000  # why: the Argos index is ~100 kB of JSON
SPM_NAMES = (("source.spm", "target.spm"), ("sentencepiece.model", "sentencepiece.model"),
             ("spm.model", "spm.model"), ("bpe.model", "bpe.model"))


class ModelInstallError(NewsdeskError):
    """A model could not be installed (bad package, offline, unknown pair)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"translate: {message}")


def models_root(models_dir: str | Path) -> Path:
    return Path(models_dir).expanduser()


def find_spm(model_dir: Path) -> tuple[Path, Path] | None:
    """The source and target SentencePiece models of a model folder (or of its parent)."""
    for folder in (model_dir, model_dir.parent):
        for source_name, target_name in SPM_NAMES:
            source, target = folder / source_name, folder / target_name
            if source.is_file() and target.is_file():
                return source, target
    return None


def _model_dir(root: Path) -> Path | None:
    """The folder holding ``model.bin`` inside an unpacked package (root, ``model/`` or one below)."""
    for candidate in (root, root / "model"):
        if (candidate / "model.bin").is_file():
            return candidate
    found = sorted(root.glob("*/model.bin")) + sorted(root.glob("*/model/model.bin"))
    return found[0].parent if found else None


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def list_installed(models_dir: str | Path) -> list[InstalledModel]:
    """Every model installed under ``models_dir``, sorted by pair."""
    root = models_root(models_dir)
    if not root.is_dir():
        return []
    out = []
    for manifest in sorted(root.glob(f"*/{MANIFEST}")):
        try:
            data = json.loads(manifest.read_text("utf-8"))
            out.append(
                InstalledModel(
                    source_lang=str(data["from"]),
                    target_lang=str(data["to"]),
                    name=str(data.get("name", manifest.parent.name)),
                    version=str(data.get("version", "")),
                    path=str(manifest.parent / data.get("model_dir", ".")),
                    kind=str(data.get("kind", "argos")),
                    size_bytes=int(data.get("size_bytes", 0)),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue  # a broken manifest is skipped; `translate list` shows only usable models
    return out


def find_model(models_dir: str | Path, source: str, target: str) -> InstalledModel | None:
    for model in list_installed(models_dir):
        if model.source_lang == source and model.target_lang == target:
            return model
    return None


def _safe_extract(archive: zipfile.ZipFile, dest: Path) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ModelInstallError(f"package has {len(members)} files (limit {MAX_MEMBERS})")
    total = 0
    root = dest.resolve()
    for info in members:
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ModelInstallError(f"package member {info.filename!r} is a link")
        target = (dest / info.filename).resolve()
        if not target.is_relative_to(root):
            raise ModelInstallError(f"package member {info.filename!r} escapes the package folder")
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise ModelInstallError("package unpacks to more than the size limit")
    for info in members:
        target = (dest / info.filename).resolve()
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with archive.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > info.file_size:  # a lying header (zip bomb): stop at the declared size
                    raise ModelInstallError(f"package member {info.filename!r} is larger than declared")
                out.write(chunk)


def _read_metadata(root: Path) -> dict[str, Any]:
    for path in [root / "metadata.json", *sorted(root.glob("*/metadata.json"))]:
        if path.is_file():
            try:
                data = json.loads(path.read_text("utf-8"))
            except ValueError as exc:
                raise ModelInstallError(f"{path.name} is not valid JSON: {exc}") from exc
            if isinstance(data, dict):
                return data
    return {}


def _pair(value: str) -> tuple[str, str]:
    parts = value.lower().replace("_", "-").split("-")
    if len(parts) != 2 or not all(p.isalpha() and 2 <= len(p) <= 3 for p in parts):
        raise ModelInstallError(f"expected a language pair such as ru-en, got {value!r}")
    return parts[0], parts[1]


def install_from_path(models_dir: str | Path, path: str | Path, *, pair: str | None = None) -> InstalledModel:
    """Install an ``.argosmodel`` zip or a CTranslate2 model folder; replaces the same pair."""
    source_path = Path(path).expanduser()
    if not source_path.exists():
        raise ModelInstallError(f"no such file or folder: {source_path}")
    root = models_root(models_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=root))
    try:
        if source_path.is_dir():
            kind = "opus-mt"
            shutil.copytree(source_path, staging / "package", symlinks=False)
        else:
            kind = "argos"
            try:
                with zipfile.ZipFile(source_path) as archive:
                    _safe_extract(archive, staging / "package")
            except zipfile.BadZipFile as exc:
                raise ModelInstallError(f"{source_path.name} is not a zip (.argosmodel) package") from exc
        package = staging / "package"
        model_dir = _model_dir(package)
        if model_dir is None:
            raise ModelInstallError(f"{source_path.name} holds no CTranslate2 model (model.bin)")
        if find_spm(model_dir) is None:
            raise ModelInstallError(f"{source_path.name} holds no SentencePiece model next to model.bin")
        metadata = _read_metadata(package)
        if pair:
            source, target = _pair(pair)
        elif metadata.get("from_code") and metadata.get("to_code"):
            source, target = _pair(f"{metadata['from_code']}-{metadata['to_code']}")
        else:
            guess = source_path.name.removeprefix("opus-mt-").split(".")[0]
            try:
                source, target = _pair(guess)
            except ModelInstallError as exc:
                raise ModelInstallError(
                    f"cannot tell the language pair of {source_path.name}: give --pair ru-en"
                ) from exc
        name = str(metadata.get("package_name") or metadata.get("name") or source_path.stem)
        manifest = {
            "from": source,
            "to": target,
            "name": name,
            "version": str(metadata.get("package_version", "")),
            "kind": kind,
            "target_prefix": str(metadata.get("target_prefix") or ""),  # multi-target models need it
            "model_dir": str(model_dir.relative_to(staging)),
            "size_bytes": _dir_size(package),
            "installed_at": datetime.now(UTC).isoformat(),
            "installed_from": str(source_path),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
        final = root / f"{source}-{target}"
        if final.exists():
            old = root / f".old-{source}-{target}-{staging.name}"
            final.rename(old)
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    installed = find_model(root, source, target)
    assert installed is not None
    return installed


def install_from_index(
    models_dir: str | Path,
    pair: str,
    *,
    index_url: str = ARGOS_INDEX_URL,
    timeout: float = 60.0,  # why: per read; a model download is large but must never hang forever
    max_bytes: int = 1_500_000_000,  # why: the largest Argos packages are a few hundred MB
) -> InstalledModel:
    """Download the Argos package for ``pair`` from the package index and install it."""
    source, target = _pair(pair)
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0), follow_redirects=True) as client:
            response = client.get(index_url)
            response.raise_for_status()
            if len(response.content) > MAX_INDEX_BYTES:
                raise ModelInstallError("the package index is larger than expected")
            index = response.json()
            entries = [
                e for e in index if isinstance(e, dict) and e.get("from_code") == source and e.get("to_code") == target
            ]
            if not entries:
                raise ModelInstallError(f"no {source}-{target} package in the index {index_url}")
            links = [link for link in entries[-1].get("links", []) if isinstance(link, str)]
            if not links:
                raise ModelInstallError(f"the {source}-{target} package has no download link")
            with tempfile.TemporaryDirectory() as tmp:
                file = Path(tmp) / f"{source}-{target}.argosmodel"
                size = 0
                with client.stream("GET", links[0]) as stream, open(file, "wb") as out:
                    stream.raise_for_status()
                    for chunk in stream.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise ModelInstallError(f"the download is larger than {max_bytes} bytes")
                        out.write(chunk)
                return install_from_path(models_dir, file, pair=f"{source}-{target}")
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ModelInstallError(
            f"cannot reach {urlsplit_host(index_url)} to download the {source}-{target} model "
            f"(offline?): download the .argosmodel file elsewhere and run "
            f"`newsdesk translate install --from FILE`"
        ) from exc
    except httpx.HTTPError as exc:
        raise ModelInstallError(f"download of the {source}-{target} model failed: {exc}") from exc
    except ValueError as exc:
        raise ModelInstallError(f"the package index at {index_url} is not valid JSON") from exc


def urlsplit_host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


def remove_model(models_dir: str | Path, pair: str) -> bool:
    source, target = _pair(pair)
    folder = models_root(models_dir) / f"{source}-{target}"
    if not (folder / MANIFEST).is_file():
        return False
    shutil.rmtree(folder)
    return True
