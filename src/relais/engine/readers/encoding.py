"""Decoding text files: BOM, strict UTF-8, then detection biased towards Windows-1252."""

from __future__ import annotations

import codecs

from relais.engine.readers.structure import UnreadableDocument


def decode_bytes(data: bytes) -> str:
    """Decode a text file: BOM, then strict UTF-8, then detection biased towards Windows-1252.

    charset-normalizer often mistakes short French Windows-1252 text for cp1250 (é stays é but
    à becomes ŕ), so when it settles on any single-byte code page and cp1252 is a plausible
    candidate, cp1252 wins: it is what legacy French office files are written in.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                break
    try:
        text = data.decode("utf-8")
        if "\x00" not in text:  # NULs mean UTF-16 without BOM that happened to be valid UTF-8
            return text
    except UnicodeDecodeError:
        pass
    return _detect_and_decode(data)


# BOM order matters: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _detect_and_decode(data: bytes) -> str:
    from charset_normalizer import from_bytes

    candidates = [match.encoding for match in from_bytes(data)]
    if not candidates:
        raise UnreadableDocument("corrupt", "does not look like text in any known encoding; re-save it as UTF-8 text.")
    best = candidates[0]
    if not best.startswith("utf") and "cp1252" in candidates:
        best = "cp1252"
    return data.decode(best)
