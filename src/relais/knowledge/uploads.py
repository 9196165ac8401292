"""Documents uploaded through the admin: checked, stored under the data folder, then ingested.

A file is read *before* it replaces anything: an unreadable upload is refused
and the previous version of the document (file and passages) stays as it was.
A readable file refused at ingestion (invalid metadata) gives the place back
to the version it replaced: the stored original changes only once accepted.
Uploading a file with the same name into the same collection publishes a new
version of that document.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from relais.engine.readers.files import load_document
from relais.engine.readers.structure import UnreadableDocument
from relais.knowledge.ingestion import Failure, Ingestor, IngestSummary
from relais.knowledge.models import Collection

FRENCH_REASONS = {
    "unsupported_type": "format non pris en charge (acceptés : Markdown, texte, HTML, PDF, DOCX, ODT)",
    "empty": "aucun texte exploitable (document vide ou scanné sans texte)",
    "too_large": "fichier trop volumineux",
    "corrupt": "fichier illisible ou endommagé",
    "encrypted": "PDF protégé par un mot de passe : enregistrez-le sans protection",
    "bad_metadata": "métadonnées invalides (dates au format AAAA-MM-JJ)",
    "not_found": "fichier introuvable",
    "internal_error": "erreur inattendue lors de l'indexation, signalée aux administrateurs",
}


def upload_folder(collection: Collection) -> Path:
    return Path(settings.MEDIA_ROOT) / "documents" / f"collection-{collection.pk}"


# A file name the file system takes (255 bytes on ext4) with room for the temporary prefixes used below.
MAX_NAME_BYTES = 150


def stored_name(uploaded: str) -> str:
    """The upload's name made safe to store: no path, no odd characters, shortened (its suffix kept)."""
    name = get_valid_filename(Path(uploaded).name) or "document"
    stem, suffix = Path(name).stem, Path(name).suffix[:16]
    # The longest prefix of whole characters that fits: a character cut in the middle is dropped.
    budget = MAX_NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:budget].decode(errors="ignore")
    return f"{stem or 'document'}{suffix}"


def french_reason(failure: Failure) -> str:
    return FRENCH_REASONS.get(failure.code, failure.reason)


def store_and_ingest(
    collection: Collection, files: list[UploadedFile], metadata_defaults: dict[str, str] | None = None
) -> IngestSummary:
    folder = upload_folder(collection)
    folder.mkdir(parents=True, exist_ok=True)
    summary = IngestSummary()
    accepted: list[Path] = []
    previous: dict[Path, Path] = {}  # a new version's path → the version it replaces, kept until it is accepted
    for upload in files:
        name = stored_name(upload.name)
        target = folder / name
        staged = _stage(upload, folder, target.suffix)
        try:
            load_document(staged, max_bytes=settings.RELAIS.max_upload_bytes)
        except UnreadableDocument as exc:
            staged.unlink(missing_ok=True)
            summary.failed.append(Failure(name, exc.code, str(exc)))
            continue
        if target.exists():
            previous[target] = folder / f".previous-{uuid4().hex}{target.suffix}"
            os.replace(target, previous[target])
        os.replace(staged, target)
        accepted.append(target)
    if not accepted:
        return summary
    try:
        result = Ingestor(collection, metadata_defaults=metadata_defaults).ingest(accepted)
    except BaseException:
        _settle(previous, refused=set(previous))
        raise
    _settle(previous, refused={Path(failure.source) for failure in result.failed})
    for key in ("added", "updated", "unchanged", "removed", "failed"):
        getattr(summary, key).extend(getattr(result, key))
    return summary


def _stage(upload: UploadedFile, folder: Path, suffix: str) -> Path:
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".upload-", suffix=suffix, delete=False) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
    return Path(tmp.name)


def _settle(previous: dict[Path, Path], refused: set[Path]) -> None:
    """A refused new version gives its place back to the one it replaced; an accepted one drops it."""
    refused = {path.resolve() for path in refused}
    for target, kept in previous.items():
        if target.resolve() in refused:
            os.replace(kept, target)
        else:
            kept.unlink(missing_ok=True)
