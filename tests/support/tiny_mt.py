"""Tiny but real translation models for tests: a CTranslate2 Transformer written from numpy weights
with ``ctranslate2.specs``, and SentencePiece models trained on a few sentences.

The weights are chosen, not random: every layer's weights are zero, so the decoder's state at step
``t`` is its position encoding ``t``, and the output projection maps position ``t`` to the ``t``-th
word of ``OUTPUT`` and the next one to ``</s>``. The model therefore answers every input with
``OUTPUT`` — a predictable output that still goes through real model loading, real beam search
and real SentencePiece decoding.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

RU = [
    "Москва открыла новый мост через реку.",
    "Президент России поздравил лидера.",
    "Новости дня: мэр открыл школу.",
    "Жители города довольны решением.",
    "Государственная дума приняла закон.",
    "Центральный банк снизил ставку.",
]
EN = [
    "hello world",
    "Moscow opened a new bridge across the river.",
    "The president of Russia congratulated the leader.",
    "News of the day: the mayor opened a school.",
    "The state duma adopted a law.",
]
OUTPUT = ["▁hello", "▁world"]
D_MODEL = 16  # why: the smallest width that leaves room for one-hot positions of a short answer
HEADS = 2


def train_spm(sentences: list[str], path: Path, vocab_size: int = 48) -> list[str]:
    """Train a SentencePiece model on ``sentences``; returns its pieces (the vocabulary)."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences * 4),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        hard_vocab_limit=False,
        user_defined_symbols=[p for p in OUTPUT if p.startswith("▁")],
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def write_model(folder: Path, source_vocab: list[str], target_vocab: list[str]) -> None:
    """Write a 1+1-layer Transformer whose every answer is ``OUTPUT``."""
    from ctranslate2.specs import model_spec, transformer_spec

    spec = transformer_spec.TransformerSpec.from_config((1, 1), HEADS)
    d, ff = D_MODEL, 2 * D_MODEL
    max_len = 512  # why: the engine asks for up to 512 decoding steps

    def fill(layer: object, name: str, value: object) -> None:
        if value is not None:
            return
        attr = name.split("/")[-1]
        scope = name.rsplit("/", 1)[0]
        if attr == "gamma":
            array = np.ones(d)
        elif attr == "beta":
            array = np.zeros(d)
        elif scope.startswith("encoder/embeddings"):
            array = np.zeros((len(source_vocab), d))
        elif scope.startswith("decoder/embeddings"):
            array = np.zeros((len(target_vocab), d))
        elif scope == "decoder/projection":
            array = np.zeros((len(target_vocab), d))
            for step, piece in enumerate([*OUTPUT, "</s>"]):
                array[target_vocab.index(piece), step] = 1.0
        elif "self_attention/linear_0" in scope:
            array = np.zeros((3 * d, d))
        elif scope.endswith("attention/linear_1") and "self_attention" not in scope:
            array = np.zeros((2 * d, d))
        elif "ffn/linear_0" in scope:
            array = np.zeros((ff, d))
        elif "ffn/linear_1" in scope:
            array = np.zeros((d, ff))
        else:
            array = np.zeros((d, d))
        setattr(layer, attr, array.astype(np.float32))

    model_spec.visit_spec(spec, fill)
    positions = np.zeros((max_len, d), dtype=np.float32)
    for step in range(max_len):
        positions[step, min(step, d - 1)] = 10.0
    spec.decoder.position_encodings.encodings = positions
    spec.encoder.position_encodings.encodings = positions
    spec.register_source_vocabulary(source_vocab)
    spec.register_target_vocabulary(target_vocab)
    spec.config.unk_token = "<unk>"
    spec.config.bos_token = "<s>"
    spec.config.eos_token = "</s>"
    folder.mkdir(parents=True, exist_ok=True)
    spec.validate()
    spec.save(str(folder))


def build_opus_folder(folder: Path) -> Path:
    """An OPUS-MT-style CTranslate2 folder: model.bin, source.spm, target.spm."""
    folder.mkdir(parents=True, exist_ok=True)
    source_vocab = train_spm(RU, folder / "source.spm")
    target_vocab = train_spm(EN, folder / "target.spm")
    write_model(folder, source_vocab, target_vocab)
    return folder


def build_argos_package(
    path: Path, source: str = "ru", target: str = "en", version: str = "1.0", **extra_metadata: str
) -> Path:
    """An Argos Translate ``.argosmodel`` zip: one folder with metadata, model/ and sentencepiece.model."""
    work = path.parent / f"{path.stem}-build"
    model_dir = work / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    vocab = train_spm(RU + EN, work / "sentencepiece.model", vocab_size=80)
    write_model(model_dir, vocab, vocab)
    metadata = {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": source,
        "from_name": "Russian",
        "to_code": target,
        "to_name": "English",
        "package_name": f"Tiny {source}-{target} test model",
        **extra_metadata,
    }
    (work / "metadata.json").write_text(json.dumps(metadata), "utf-8")
    top = f"translate-{source}_{target}-{version.replace('.', '_')}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(work.rglob("*")):
            if file.is_file():
                archive.write(file, f"{top}/{file.relative_to(work)}")
    return path
