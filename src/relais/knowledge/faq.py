"""Curated FAQ: load entries from YAML, match a question against their phrasings.

Phrasings are embedded with the *query* prefix, like the question itself: the
match is question-to-question, which e5 models score best symmetrically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import yaml
from django.conf import settings
from django.db import transaction

from relais.engine.search.embeddings import Embedder, EmbeddingCache
from relais.knowledge.models import Collection, Document, FaqEntry


class FaqFileError(ValueError):
    """The FAQ file cannot be loaded; the message says which entry and why."""


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqEntry
    score: float  # best cosine between the question and one of the entry's phrasings
    phrasing: str = ""  # that phrasing


def read_faq_file(path: Path) -> list[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FaqFileError(f"{path}: cannot be read as YAML ({exc})") from exc
    if not isinstance(data, list):
        raise FaqFileError(f"{path}: expected a list of entries (question, phrasings, answer, source)")
    for number, item in enumerate(data, 1):
        missing = [key for key in ("question", "answer") if not (isinstance(item, dict) and item.get(key))]
        if missing:
            raise FaqFileError(f"{path}: entry {number} lacks {', '.join(missing)}")
    return data


def _source_document(collection: Collection, name: str | None) -> Document | None:
    if not name:
        return None
    exact = collection.documents.filter(source__endswith=f"/{name}").first()
    if exact is not None:
        return exact
    # The same document published in another format: the demo's Markdown sources become DOCX, PDF, …
    stem = Path(name).stem
    candidates = collection.documents.filter(source__contains=f"/{stem}.").order_by("pk")
    return next((document for document in candidates if Path(document.source).stem == stem), None)


def load_faq(path: Path, collection: Collection, embedder: Embedder) -> int:
    """Create or update the collection's FAQ from a YAML file; returns the number of entries."""
    items = read_faq_file(path)
    texts = [[str(item["question"]), *map(str, item.get("phrasings") or [])] for item in items]
    flat = [t for group in texts for t in group]
    # Through the data folder's embedding cache: reloading the same FAQ (the demo, a test) embeds nothing again.
    vectors = EmbeddingCache(Path(settings.DATA_DIR) / "embedding-cache.sqlite3").embed_queries(embedder, flat)
    with transaction.atomic():
        start = 0
        for item, group in zip(items, texts, strict=True):
            matrix = vectors[start : start + len(group)]
            start += len(group)
            source = _source_document(collection, item.get("source"))
            if item.get("source") and source is None:
                raise FaqFileError(f"{path}: entry {item['question']!r} cites {item['source']!r}, not ingested")
            FaqEntry.objects.update_or_create(
                collection=collection,
                question=group[0],
                defaults={
                    "phrasings": group[1:],
                    "answer": str(item["answer"]).strip(),
                    "source_document": source,
                    "service": str(item.get("service") or (source.service if source else "")),
                    "embeddings": matrix.astype(np.float32).tobytes(),
                    "embedder": embedder.name,
                },
            )
    return len(items)


def faq_matches(question_vector: np.ndarray, audiences: set[str], embedder: Embedder) -> list[FaqMatch]:
    """Every FAQ entry readable by these audiences whose source document is in force, closest first."""
    today = date.today()
    entries = FaqEntry.objects.select_related("collection", "source_document").filter(
        collection__audience__in=audiences, embedder=embedder.name
    )
    matches = []
    for entry in entries:
        if entry.source_document and not entry.source_document.in_force(today):
            continue
        cosines = entry.matrix(embedder.dim) @ question_vector
        if len(cosines):
            best = int(np.argmax(cosines))
            phrasings = entry.all_phrasings()
            matches.append(FaqMatch(entry, float(cosines[best]), phrasings[best] if best < len(phrasings) else ""))
    # Equally close entries (two entries sharing a phrasing): the most recent one, a référent's latest word, first.
    return sorted(matches, key=lambda m: (m.score, m.entry.pk), reverse=True)


def document_scores(matches: list[FaqMatch]) -> dict[int, float]:
    """Per source document, the score of its closest FAQ entry (entries without source are left out)."""
    scores: dict[int, float] = {}
    for match in matches:
        document_id = match.entry.source_document_id
        if document_id is not None:
            scores[document_id] = max(scores.get(document_id, match.score), match.score)
    return scores
