"""Bytes to clean text: encoding detection (charset-normalizer past the BOMs and UTF-8), Unicode NFC,
one kind of line ending, no invisible junk."""
from __future__ import annotations

import codecs
import re
import unicodedata

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Control characters other than tab and newline carry no meaning in a news page.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class UndecodableError(ValueError):
    """The bytes are not text in any encoding newsflow accepts."""


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the NUL bytes fall on one side of each pair, as they do in
    UTF-16 text of mostly Latin letters without a byte-order mark; None otherwise."""
    sample = data[:8192]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    n_even, n_odd = even.count(0), odd.count(0)
    if n_odd >= len(odd) * 0.3 and n_even <= len(even) * 0.05:
        return "utf-16-le"
    if n_even >= len(even) * 0.3 and n_odd <= len(odd) * 0.05:
        return "utf-16-be"
    return None


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 32 and b not in (9, 10, 12, 13)))
"""Every byte but the control bytes text never holds: deleting them leaves the controls, counted in
C rather than byte by byte in Python (this ran for every seed file)."""


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text: NUL bytes (unless laid out as UTF-16) or many control bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_bom(data):
        return False
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _NOT_CONTROL))
    return controls > max(8, len(sample) // 20)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few invalid bytes (a bad copy-paste, a cut multi-byte character): the
    text with each bad byte replaced by U+FFFD, so one stray byte does not turn every accented
    letter of the file into mojibake. None when the bytes are not mostly UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    good = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    return text if bad and good >= bad else None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). BOMs decide first, then UTF-16 laid out without a BOM, then
    strict UTF-8, then UTF-8 with a few bad bytes, then charset-normalizer's best guess (cp1251,
    Shift-JIS, cp1252, ...)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"has a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})") from exc
    bare16 = utf16_without_bom(data)
    if bare16:
        try:
            return data.decode(bare16), bare16
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"looks like UTF-16 without a byte-order mark but is not valid UTF-16 "
                                   f"({exc.reason})") from exc
    if looks_binary(data):
        raise UndecodableError("is a binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = _mostly_utf8(data)
    if text is not None:
        return text, "utf-8 (invalid bytes replaced)"
    from charset_normalizer import from_bytes

    results = list(from_bytes(data))
    if not results:
        raise UndecodableError("is not text in any encoding charset-normalizer knows")
    best = results[0]
    # On a short Western page several code pages read equally clean (cp775, cp1250, cp1252...):
    # among the cleanest readings, the one cp1252 gives is the one Western pages are written in.
    for match in results:
        if match.chaos <= best.chaos + 0.01 and "cp1252" in match.could_be_from_charset:
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                break
    return str(best), best.encoding.replace("_", "-")


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
