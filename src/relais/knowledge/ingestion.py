"""Ingest files into a collection: idempotent by content hash, atomic per document.

For each file: hash its bytes; unchanged → skipped; otherwise load, chunk and
embed it *outside* any transaction (slow, and may fail), then write the
document and all its passages in one transaction. A failure at any step leaves
the previous version of that document untouched and the rest of the batch
goes on.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from relais.engine.readers import files, limits
from relais.engine.readers.files import SUPPORTED_SUFFIXES, load_document
from relais.engine.readers.isolation import read_document
from relais.engine.readers.structure import LoadedDocument, UnreadableDocument
from relais.engine.search.chunking import chunk_sections, embedding_text
from relais.engine.search.embeddings import EmbeddingCache
from relais.knowledge.index import PassageIndex, get_passage_index
from relais.knowledge.models import Audience, Collection, Document, Passage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    source: str
    code: str
    reason: str  # for the operator, in English
    french: str = ""  # for the user who uploaded, naming the limit crossed (empty: the code's general reason)

    @classmethod
    def of(cls, source: str, error: UnreadableDocument) -> Failure:
        return cls(source, error.code, str(error), error.french)


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    # Accepted documents a référent should look at again: (source, French notice), e.g. not yet in force.
    notices: list[tuple[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "failed": len(self.failed),
        }


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus every non-hidden file under named folders, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
        else:
            found.append(path)
    return found


def get_or_create_collection(name: str, audience: str | None = None, service: str | None = None) -> Collection:
    """The named collection; audience and service are set on creation, or updated when given."""
    if audience is not None and audience not in Audience.values:
        raise ValueError(f"Unknown audience {audience!r}; choose one of: {', '.join(Audience.values)}")
    collection, created = Collection.objects.get_or_create(
        name=name, defaults={"audience": audience or Audience.AGENTS, "service": service or ""}
    )
    changed = False
    if not created and audience is not None and collection.audience != audience:
        collection.audience, changed = audience, True
    if not created and service is not None and collection.service != service:
        collection.service, changed = service, True
    if changed:
        collection.save()
        get_passage_index().invalidate()
    return collection


def _parse_date(value: str | None, source: str, key: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UnreadableDocument(
            "bad_metadata", f"{source}: {key}={value!r} is not a date; write it as YYYY-MM-DD"
        ) from None


def _validity(metadata: dict[str, str], source: str) -> tuple[date | None, date | None]:
    """The document's validity dates; an end before the start would make it silently never answer."""
    valid_from = _parse_date(metadata.get("valid_from"), source, "valid_from")
    valid_until = _parse_date(metadata.get("valid_until"), source, "valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        raise UnreadableDocument(
            "bad_metadata",
            f"{source}: valid_until {valid_until} is before valid_from {valid_from}; the document would never answer.",
            french=f"la fin de validité ({valid_until:%d/%m/%Y}) précède le début ({valid_from:%d/%m/%Y})",
        )
    return valid_from, valid_until


@dataclass(frozen=True)
class _Prepared:
    loaded: LoadedDocument
    chunks: list
    vectors: list
    title_vector: np.ndarray
    valid_from: date | None
    valid_until: date | None


class Ingestor:
    def __init__(
        self, collection: Collection, index: PassageIndex | None = None, metadata_defaults: dict[str, str] | None = None
    ) -> None:
        """metadata_defaults: service, version, validity or contact for files that do not state their own."""
        self.collection = collection
        self.metadata_defaults = {k: v for k, v in (metadata_defaults or {}).items() if v}
        self.index = index or get_passage_index()
        self.config = settings.RELAIS
        self.cache = EmbeddingCache(Path(settings.DATA_DIR) / "embedding-cache.sqlite3")

    def ingest(
        self,
        paths: Sequence[Path],
        prune: bool = False,
        progress: Callable[[Path], None] | None = None,
    ) -> IngestSummary:
        summary = IngestSummary()
        found = expand_paths(paths)
        for path in found:
            self._ingest_one(path, summary)
            if progress:
                progress(path)
        if prune:
            self._prune(paths, {str(p.resolve()) for p in found}, summary)
        return summary

    def _ingest_one(self, path: Path, summary: IngestSummary) -> None:
        source = str(path.resolve())
        try:
            self._ingest_file(path, source, summary)
        except UnreadableDocument as exc:
            summary.failed.append(Failure.of(source, exc))
        except Exception as exc:  # one bad file must not stop the batch
            logger.exception("ingestion of %s failed", source)
            summary.failed.append(Failure(source, "internal_error", f"{path.name}: unexpected error: {exc}"))

    def _ingest_file(self, path: Path, source: str, summary: IngestSummary) -> None:
        max_bytes = self.config.max_upload_bytes
        if not path.is_file() or path.suffix.lower() not in SUPPORTED_SUFFIXES or path.stat().st_size > max_bytes:
            load_document(path, max_bytes=max_bytes)  # raises the matching UnreadableDocument before hashing
        content_hash = _hash_file(path)
        existing = Document.objects.filter(collection=self.collection, source=source).first()
        # Unchanged unless the file changed or was read by an older version of the readers.
        if existing and existing.content_hash == content_hash and existing.reader_version == files.READER_VERSION:
            summary.unchanged.append(source)
            return
        prepared = self._prepare(path, source)
        document = self._store(path, source, content_hash, existing, prepared)
        (summary.updated if existing else summary.added).append(source)
        if prepared.valid_from and prepared.valid_from > timezone.localdate():
            summary.notices.append(
                (
                    source,
                    f"pas encore en vigueur : il ne servira aux réponses qu'à partir du {prepared.valid_from:%d/%m/%Y}",
                )
            )
        logger.debug("ingested %s (%d passages)", document.title, len(prepared.chunks))

    def _prepare(self, path: Path, source: str) -> _Prepared:
        loaded = read_document(
            path,
            max_bytes=self.config.max_upload_bytes,
            limits=self.config.reading_limits,
            budget=self.config.reading_budget,
        )
        if self.metadata_defaults:
            loaded = replace(loaded, metadata={**self.metadata_defaults, **loaded.metadata})
        chunks = chunk_sections(loaded.sections)
        if not chunks:
            raise UnreadableDocument("empty", f"{path.name}: no text to index")
        with limits.applied(self.config.reading_limits):
            limits.check_passages(len(chunks))  # before embedding: each passage costs embedding time
        valid_from, valid_until = _validity(loaded.metadata, path.name)
        texts = [embedding_text(loaded.title, c.heading_path, c.text) for c in chunks]
        vectors = list(self.cache.embed_passages(self.index.embedder, [*texts, loaded.title]))
        return _Prepared(
            loaded=loaded,
            chunks=chunks,
            vectors=vectors[:-1],
            title_vector=vectors[-1],
            valid_from=valid_from,
            valid_until=valid_until,
        )

    def _store(
        self, path: Path, source: str, content_hash: str, existing: Document | None, prepared: _Prepared
    ) -> Document:
        meta = prepared.loaded.metadata
        with transaction.atomic():
            document = existing or Document(collection=self.collection, source=source)
            if existing:
                document.revision += existing.content_hash != content_hash  # a re-read is no new revision
                document.passages.all().delete()
            document.title = prepared.loaded.title[:500]
            document.service = meta.get("service") or self.collection.service
            document.contact = meta.get("contact", "")[:300]
            document.content_hash = content_hash
            document.reader_version = files.READER_VERSION
            document.version = str(meta.get("version") or document.revision)[:50]
            document.valid_from = prepared.valid_from
            document.valid_until = prepared.valid_until
            document.file_format = path.suffix.lower().lstrip(".")
            document.size_bytes = path.stat().st_size
            document.ingested_at = timezone.now()
            document.title_embedding = prepared.title_vector.tobytes()
            document.save()
            passages = Passage.objects.bulk_create(
                Passage(
                    document=document,
                    position=chunk.position,
                    section_path=list(chunk.heading_path),
                    text=chunk.text,
                    embedding=vector.tobytes(),
                    embedder=self.index.embedder.name,
                )
                for chunk, vector in zip(prepared.chunks, prepared.vectors, strict=True)
            )
            if existing:
                self.index.remove([document.pk])
            self.index.add(passages)
        return document

    def _prune(self, roots: Sequence[Path], seen: set[str], summary: IngestSummary) -> None:
        """Delete documents whose source lies under a given folder but no longer exists there."""
        folders = [str(r.resolve()) for r in roots if r.is_dir()]
        stale = [
            d
            for d in Document.objects.filter(collection=self.collection)
            if d.source not in seen and any(d.source.startswith(f + "/") for f in folders)
        ]
        if stale:
            delete_documents(stale, self.index)
            summary.removed.extend(d.source for d in stale)


def delete_documents(documents: Sequence[Document], index: PassageIndex | None = None) -> None:
    index = index or get_passage_index()
    ids = [d.pk for d in documents]
    with transaction.atomic():
        Document.objects.filter(pk__in=ids).delete()
        index.remove(ids)


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
