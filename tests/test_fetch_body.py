"""The bounded content decoders, fed one byte at a time: every split point a network can produce."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from newsdesk.errors import FetchRejected
from newsdesk.fetch.body import PIECE, _decoders, _through

RAW = "".join(f"<p>Абзац {i}: новости дня.</p>" for i in range(300)).encode()


def _raw_deflate(data: bytes) -> bytes:
    squeezer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return squeezer.compress(data) + squeezer.flush()


@pytest.mark.parametrize(
    ("header", "packed"),
    [
        ("gzip", gzip.compress(RAW)),
        ("x-gzip", gzip.compress(RAW[:1000]) + gzip.compress(RAW[1000:])),  # two members
        ("deflate", zlib.compress(RAW)),
        ("deflate", _raw_deflate(RAW)),
        ("br", brotli.compress(RAW)),
        ("gzip, br", brotli.compress(gzip.compress(RAW))),  # stacked: undone last-first
        ("identity", RAW),
        (None, RAW),
    ],
)
def test_decoders_fed_byte_by_byte(header: str | None, packed: bytes) -> None:
    decoders = _decoders(header)
    out = b"".join(piece for i in range(len(packed)) for piece in _through(decoders, packed[i : i + 1]))
    assert out == RAW


def test_decoded_pieces_are_bounded() -> None:
    decoders = _decoders("gzip")
    pieces = list(_through(decoders, gzip.compress(b"\0" * 5_000_000)))
    assert sum(map(len, pieces)) == 5_000_000 and max(map(len, pieces)) <= PIECE


def test_too_many_or_unknown_encodings() -> None:
    with pytest.raises(FetchRejected) as info:
        _decoders("gzip, gzip, gzip, gzip")
    assert info.value.reason == "bad_encoding"
    with pytest.raises(FetchRejected) as info:
        _decoders("compress")
    assert info.value.reason == "unsupported_encoding"
