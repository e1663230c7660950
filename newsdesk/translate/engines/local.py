"""Local, offline translation with CTranslate2 and SentencePiece (OPUS-MT or Argos models).

Models are found per language pair in the models folder (see :mod:`newsdesk.translate.packages`)
and loaded on first use; a pair with no model but an English bridge (``ru→en`` + ``en→de``) is
translated through English. Both libraries are the optional ``translate`` extra.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsdesk.errors import MissingExtraError, TranslationFailed
from newsdesk.translate.models import InstalledModel
from newsdesk.translate.packages import find_spm, list_installed

MAX_INPUT_TOKENS = 400  # why: OPUS-MT/Argos models are trained on sentences; 512 positions at most
MAX_LOADED = 3  # why: a model takes 100-300 MB of RAM; a site rarely needs more pairs at once
SPECIALS = frozenset({"<unk>", "<s>", "</s>", "<pad>", "<blank>"})


@dataclass
class LoadedModel:
    info: InstalledModel
    translator: Any  # ctranslate2.Translator
    source_spm: Any  # sentencepiece.SentencePieceProcessor
    target_spm: Any
    target_prefix: str = ""  # a token some multi-target Argos models need first in the output


def load_model(info: InstalledModel | str | Path, *, threads: int = 0, device: str = "cpu") -> LoadedModel:
    """Load a CTranslate2 model folder and its SentencePiece models."""
    try:
        import ctranslate2
        import sentencepiece
    except ModuleNotFoundError as exc:
        raise MissingExtraError("translate", "Local translation", exc.name or "ctranslate2") from exc
    if not isinstance(info, InstalledModel):
        folder = Path(info)
        info = InstalledModel("", "", folder.name, "", str(folder), "opus-mt", 0)
    model_dir = Path(info.path)
    spm = find_spm(model_dir)
    if spm is None or not (model_dir / "model.bin").is_file():
        raise TranslationFailed(f"model folder {model_dir} lacks model.bin or SentencePiece models",
                                reason="no_model")
    translator = ctranslate2.Translator(
        str(model_dir), device=device, inter_threads=1, intra_threads=threads, compute_type="auto"
    )
    source = sentencepiece.SentencePieceProcessor(model_file=str(spm[0]))
    target = sentencepiece.SentencePieceProcessor(model_file=str(spm[1]))
    return LoadedModel(info, translator, source, target, _target_prefix(model_dir))


def _target_prefix(model_dir: Path) -> str:
    """The ``target_prefix`` an Argos package declares (kept in our manifest), if any."""
    import json

    for folder in [model_dir, *list(model_dir.parents)[:3]]:  # the manifest sits at most 3 levels up
        manifest = folder / "newsdesk-model.json"
        if manifest.is_file():
            try:
                return str(json.loads(manifest.read_text("utf-8")).get("target_prefix") or "")
            except ValueError:
                return ""
    return ""


def translate_batch(model: LoadedModel, texts: Sequence[str], *, beam_size: int = 2) -> list[list[str]]:
    """Target tokens for each text (the raw output of the model, one list per input)."""
    tokens = [model.source_spm.encode(text, out_type=str)[:MAX_INPUT_TOKENS] for text in texts]
    longest = max((len(t) for t in tokens), default=1)
    prefix = [[model.target_prefix]] * len(tokens) if model.target_prefix else None
    results = model.translator.translate_batch(
        tokens,
        target_prefix=prefix,
        beam_size=beam_size,
        max_batch_size=32,  # why: keeps peak memory flat on long articles; CT2 sorts by length inside
        max_decoding_length=min(512, 2 * longest + 10),  # why: a translation is rarely 2x its source
        repetition_penalty=1.1,  # why: damps the looping that small models fall into on odd input
    )
    return [list(result.hypotheses[0]) for result in results]


def chunk_text(model: LoadedModel, text: str, limit: int = MAX_INPUT_TOKENS) -> list[str]:
    """``text`` cut into pieces the model can take whole: by sentences, then by words if need be.

    A model truncates what is longer than its input window, which would silently drop words.
    """
    if len(model.source_spm.encode(text)) <= limit:
        return [text]
    from newsdesk.translate.markup import split_sentences

    chunks: list[str] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if len(model.source_spm.encode(sentence)) <= limit:
            chunks.append(sentence)
            continue
        words: list[str] = []
        for word in sentence.split():
            if words and len(model.source_spm.encode(" ".join([*words, word]))) > limit:
                chunks.append(" ".join(words))
                words = []
            words.append(word)
        if words:
            chunks.append(" ".join(words))
    return chunks or [text]


def decode(model: LoadedModel, tokens: list[str]) -> str:
    pieces = [t for t in tokens if t not in SPECIALS and t != model.target_prefix]
    return str(model.target_spm.decode(pieces)).strip()


class LocalTranslator:
    """Translate with installed CTranslate2 models; one loaded model per pair, loaded on demand."""

    max_batch = 64  # why: fills CTranslate2's batches (32) twice; an article's sentences in one call

    def __init__(self, models_dir: str | Path, *, threads: int = 0, beam_size: int = 2) -> None:
        self.models_dir = Path(models_dir).expanduser()
        self.threads = threads
        self.beam_size = beam_size
        self._loaded: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()
        installed = list_installed(self.models_dir)
        fingerprint = ",".join(f"{m.pair}@{m.version or m.name}" for m in installed)
        self.name = f"local[{fingerprint}]" if fingerprint else "local"
        self._installed = {m.pair: m for m in installed}

    def _route(self, source: str, target: str) -> list[InstalledModel] | None:
        direct = self._installed.get(f"{source}-{target}")
        if direct:
            return [direct]
        first, second = self._installed.get(f"{source}-en"), self._installed.get(f"en-{target}")
        if first and second:
            return [first, second]
        return None

    def supports(self, source: str, target: str) -> bool:
        return source != target and self._route(source, target) is not None

    def describe(self, source: str, target: str) -> str:
        route = self._route(source, target) or []
        return "local: " + " + ".join(f"{m.name}" for m in route) if route else "local"

    def _model(self, info: InstalledModel) -> LoadedModel:
        with self._lock:
            model = self._loaded.get(info.pair)
            if model is None:
                if len(self._loaded) >= MAX_LOADED:
                    self._loaded.pop(next(iter(self._loaded)))
                model = load_model(info, threads=self.threads)
                self._loaded[info.pair] = model
            return model

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        route = self._route(source, target)
        if route is None:
            raise TranslationFailed(
                f"no local model for {source}-{target}: run `newsdesk translate install {source}-{target}`",
                reason="no_model",
            )
        current = list(texts)
        for info in route:
            model = self._model(info)
            pieces = [chunk_text(model, text) for text in current]
            flat = [piece for chunks in pieces for piece in chunks]
            done = iter(decode(model, tokens) for tokens in translate_batch(model, flat, beam_size=self.beam_size))
            current = [" ".join(next(done) for _ in chunks) for chunks in pieces]
        return current
