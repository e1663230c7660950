"""The local engine on real (tiny) models the tests build: CTranslate2 weights written with
``ctranslate2.specs``, SentencePiece models trained here; Argos packages installed through the CLI."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from newsdesk.cli import main
from newsdesk.translate import ArticleContent, MemoryCache, translate_article_content
from newsdesk.translate.engines.local import LocalTranslator, chunk_text, decode, load_model, translate_batch
from newsdesk.translate.packages import find_model, install_from_path, list_installed
from tests.support.origin import Response
from tests.support.tiny_mt import OUTPUT, build_argos_package, build_opus_folder

pytest.importorskip("ctranslate2")
pytest.importorskip("sentencepiece")


@pytest.fixture(scope="module")
def opus_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_opus_folder(tmp_path_factory.mktemp("opus") / "opus-mt-ru-en")


@pytest.fixture(scope="module")
def argos_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_argos_package(tmp_path_factory.mktemp("argos") / "translate-ru_en-1_0.argosmodel")


def cli(args: list[str], models: Path, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, args, env={"NEWSDESK_TRANSLATE_MODELS_DIR": str(models), **env}, catch_exceptions=False
    )
    return result.exit_code, result.output


def test_load_and_translate_a_batch(opus_folder: Path) -> None:
    model = load_model(opus_folder)
    texts = ["Москва открыла новый мост через реку.", "Мэр", "Жители города довольны решением, сказал мэр."]
    tokens = translate_batch(model, texts)
    assert len(tokens) == len(texts)
    vocab = {model.target_spm.id_to_piece(i) for i in range(model.target_spm.get_piece_size())}
    for hypothesis in tokens:
        assert isinstance(hypothesis, list) and hypothesis and all(isinstance(t, str) for t in hypothesis)
        assert set(hypothesis) <= vocab
    assert tokens[0] == OUTPUT  # the weights were built to answer this to everything
    assert [decode(model, t) for t in tokens] == ["hello world"] * 3


def test_local_translator_keeps_links_when_the_model_says_something_else(opus_folder: Path, tmp_path: Path) -> None:
    installed = install_from_path(tmp_path / "models", opus_folder)
    assert (installed.pair, installed.kind) == ("ru-en", "opus-mt")  # pair read from the folder name
    engine = LocalTranslator(tmp_path / "models")
    assert engine.supports("ru", "en") and not engine.supports("en", "ru")
    html = (
        '<p><a href="/a">Москва</a> открыла <em>новый</em> мост через <a href="/b">реку</a>.</p>'
        '<p>Мэр сказал: «<a href="/c">здесь</a>».</p>'
    )
    result = translate_article_content(
        engine, MemoryCache(), ArticleContent(title="Мост", html=html), source="ru", target="en"
    )
    assert result.title == "hello world"
    root = lxml.html.fragment_fromstring(result.html, create_parent="div")
    links = [(a.get("href"), a.text_content()) for a in root.iter("a")]
    assert sorted(h for h, _ in links) == ["/a", "/b", "/c"]
    assert all(text.strip() for _, text in links)
    assert len(list(root.iter("em"))) == 1


def test_long_texts_are_cut_to_fit_the_model_and_pairs_bridge_through_english(
    argos_file: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    install_from_path(models, argos_file)
    install_from_path(models, build_argos_package(tmp_path / "en_de.argosmodel", "en", "de"))
    engine = LocalTranslator(models)
    assert engine.supports("ru", "de") and engine.describe("ru", "de").count("Tiny") == 2
    long_text = " ".join(["Москва открыла новый мост через реку."] * 120)  # far over 400 tokens
    model = load_model(find_model(models, "ru", "en"))  # type: ignore[arg-type]
    chunks = chunk_text(model, long_text)
    assert len(chunks) > 1 and " ".join(chunks) == long_text
    assert all(len(model.source_spm.encode(c)) <= 400 for c in chunks)
    run_on = " ".join(["мост"] * 900)  # one "sentence" too long: cut between words
    assert all(len(model.source_spm.encode(c)) <= 400 for c in chunk_text(model, run_on))
    out = engine.translate([long_text, "Мэр."], "ru", "en")
    assert out[0] == " ".join(["hello world"] * len(chunks)) and out[1] == "hello world"
    assert engine.translate(["Мэр открыл мост."], "ru", "de") == ["hello world"]  # ru→en→de


def test_target_prefix_of_multi_target_packages(tmp_path: Path) -> None:
    package = build_argos_package(tmp_path / "ru_en.argosmodel", target_prefix="▁hello")
    install_from_path(tmp_path / "models", package)
    # the decoder is forced to start with the prefix token, which is not part of the translation
    assert LocalTranslator(tmp_path / "models").translate(["Мэр открыл мост."], "ru", "en") == ["world"]


def test_install_argos_package_with_the_cli_then_list(argos_file: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    code, out = cli(["translate", "list"], models)
    assert code == 0 and "no local translation models" in out
    code, out = cli(["translate", "install", "--from", str(argos_file)], models)
    assert code == 0, out
    assert "installed ru-en: Tiny ru-en test model 1.0 (argos)" in out
    code, out = cli(["translate", "list"], models)
    assert code == 0 and out.startswith("ru-en") and "Tiny ru-en test model" in out
    code, out = cli(["translate", "list", "--json"], models)
    rows = json.loads(out)
    assert [(r["pair"], r["version"], r["kind"]) for r in rows] == [("ru-en", "1.0", "argos")]
    engine = LocalTranslator(models)
    assert engine.name == "local[ru-en@1.0]"
    assert engine.translate(["Мэр открыл школу.", "Новости"], "ru", "en") == ["hello world", "hello world"]
    # reinstalling replaces the pair; removing empties the list
    assert cli(["translate", "install", "--from", str(argos_file)], models)[0] == 0
    assert len(list_installed(models)) == 1
    assert cli(["translate", "remove", "ru-en"], models)[0] == 0
    assert list_installed(models) == []


def test_hostile_or_broken_packages_are_refused(tmp_path: Path, argos_file: Path) -> None:
    models = tmp_path / "models"
    evil = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("pkg/metadata.json", '{"from_code": "ru", "to_code": "en"}')
        archive.writestr("../../escaped.txt", "x")
    code, out = cli(["translate", "install", "--from", str(evil)], models)
    assert code == 1 and "escapes the package folder" in out
    assert not (tmp_path / "escaped.txt").exists()
    not_zip = tmp_path / "junk.argosmodel"
    not_zip.write_bytes(b"not a zip")
    code, out = cli(["translate", "install", "--from", str(not_zip)], models)
    assert code == 1 and "not a zip" in out
    empty = tmp_path / "empty.argosmodel"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("pkg/metadata.json", '{"from_code": "ru", "to_code": "en"}')
    code, out = cli(["translate", "install", "--from", str(empty)], models)
    assert code == 1 and "no CTranslate2 model" in out
    assert list_installed(models) == [] and not [p for p in models.iterdir() if p.name.startswith(".install")]


def test_install_by_pair_downloads_from_the_index(origin, argos_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    package_url = origin.route("/packages/ru_en.argosmodel", Response(argos_file.read_bytes(),
                                                                       content_type="application/zip"))
    index = [
        {"from_code": "en", "to_code": "de", "package_version": "1.0", "links": [origin.url("/nope")]},
        {"from_code": "ru", "to_code": "en", "package_version": "1.0", "links": [package_url]},
    ]
    index_url = origin.route("/index.json", Response(json.dumps(index), content_type="application/json"))
    models = tmp_path / "models"
    code, out = cli(["translate", "install", "ru-en"], models, NEWSDESK_TRANSLATE_PACKAGE_INDEX_URL=index_url)
    assert code == 0, out
    assert [m.pair for m in list_installed(models)] == ["ru-en"]
    code, out = cli(["translate", "install", "uk-en"], models, NEWSDESK_TRANSLATE_PACKAGE_INDEX_URL=index_url)
    assert code == 1 and "no uk-en package in the index" in out


def test_install_by_pair_offline_fails_with_a_clear_message(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port on 127.0.0.1 that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out = cli(
        ["translate", "install", "ru-en"], tmp_path / "models",
        NEWSDESK_TRANSLATE_PACKAGE_INDEX_URL=f"http://127.0.0.1:{port}/index.json",
    )
    assert code == 1
    assert "cannot reach 127.0.0.1" in out and "offline" in out and "--from" in out
