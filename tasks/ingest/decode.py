"""Bytes to clean text: encoding detection, Unicode NFC, one kind of line ending, no invisible junk."""
from __future__ import annotations

import codecs
import re
import unicodedata

FALLBACK_ENCODINGS = ("cp1252", "latin-1")
"""Tried in order when the bytes are not UTF-8; latin-1 accepts any byte, so it always ends the search."""

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Control characters other than tab and newline carry no meaning in a news page.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class UndecodableError(ValueError):
    """The bytes are not text in any encoding newsflow accepts."""


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text: NUL bytes (without a UTF-16 BOM) or many control bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(8, len(sample) // 20)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). BOMs decide first, then strict UTF-8, then the fallbacks."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"has a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})") from exc
    if looks_binary(data):
        raise UndecodableError("is a binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UndecodableError("cannot be decoded as UTF-8, UTF-16, cp1252 or latin-1")  # pragma: no cover


def normalize_text(text: str) -> str:
    """NFC, LF line endings, no zero-width or control characters, no trailing spaces on lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def split_paragraphs(text: str) -> list[str]:
    """One paragraph per non-empty line, inner whitespace collapsed."""
    out = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out
