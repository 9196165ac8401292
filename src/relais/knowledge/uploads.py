"""Documents uploaded through the admin: checked, stored under the data folder, then ingested.

A file is read *before* it replaces anything: an unreadable upload is refused
and the previous version of the document (file and passages) stays as it was.
A readable file refused at ingestion (invalid metadata, too many passages) gives
the place back to the version it replaced, or is removed when it replaced none:
the stored original changes only once accepted.
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

from relais.engine.readers.isolation import read_document
from relais.engine.readers.structure import UnreadableDocument
from relais.knowledge.ingestion import Failure, Ingestor, IngestSummary
from relais.knowledge.models import Collection, Document

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
    """What the référent is told: the limit or rule the file broke when known, else its kind of failure."""
    return failure.french or FRENCH_REASONS.get(failure.code, failure.reason)


def store_and_ingest(
    collection: Collection,
    files: list[UploadedFile],
    metadata_defaults: dict[str, str] | None = None,
    acting_service: str | None = None,
) -> IngestSummary:
    """Store the readable files in the collection's folder and ingest them; a file refused leaves nothing behind.

    acting_service: the service of the référent uploading (None for an administrator, who may replace anything).
    Their documents get their service; a file that would replace another service's document (the same name in
    this collection) or that names another service in its own metadata is refused, the others go on.
    """
    if acting_service is not None:
        metadata_defaults = {**(metadata_defaults or {}), "service": acting_service}
    folder = upload_folder(collection)
    folder.mkdir(parents=True, exist_ok=True)
    summary = IngestSummary()
    accepted: list[Path] = []
    previous: dict[Path, Path] = {}  # a new version's path → the version it replaces, kept until it is accepted
    for upload in files:
        name = stored_name(upload.name)
        target = folder / name
        if acting_service is not None and (owner := _other_owner(collection, target, acting_service)) is not None:
            english = f"{name}: would replace a document of service {owner or '(none)'}; refused for {acting_service}"
            summary.failed.append(Failure(name, "other_service", english, _owned_elsewhere(owner)))
            continue
        staged = _stage(upload, folder, target.suffix)
        try:
            loaded = read_document(
                staged,
                max_bytes=settings.RELAIS.max_upload_bytes,
                limits=settings.RELAIS.reading_limits,
                budget=settings.RELAIS.reading_budget,
            )
        except UnreadableDocument as exc:
            staged.unlink(missing_ok=True)
            summary.failed.append(Failure.of(name, exc))
            continue
        declared = loaded.metadata.get("service", acting_service)
        if acting_service is not None and declared != acting_service:
            staged.unlink(missing_ok=True)
            english = f"{name}: its metadata names service {declared!r}, uploaded for {acting_service}"
            summary.failed.append(
                Failure(name, "other_service", english, _declares_other_service(declared, acting_service))
            )
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
        _settle(accepted, previous, refused=set(accepted))
        raise
    _settle(accepted, previous, refused={Path(failure.source) for failure in result.failed})
    for key in ("added", "updated", "unchanged", "removed", "failed", "notices"):
        getattr(summary, key).extend(getattr(result, key))
    return summary


def _other_owner(collection: Collection, target: Path, service: str) -> str | None:
    """The service owning the document this file would replace, when it is not `service`."""
    existing = Document.objects.filter(collection=collection, source=str(target.resolve())).exclude(service=service)
    return existing.values_list("service", flat=True).first()


def _owned_elsewhere(owner: str) -> str:
    if not owner:
        return "un document du même nom, sans service propriétaire, existe déjà (seul un administrateur le remplace)"
    return f"un document du même nom appartient au service {owner}"


def _declares_other_service(declared: str, service: str) -> str:
    named = f"le service {declared}" if declared else "un service vide"
    return f"ses métadonnées indiquent {named}, or vous publiez pour le service {service}"


def _stage(upload: UploadedFile, folder: Path, suffix: str) -> Path:
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".upload-", suffix=suffix, delete=False) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
    return Path(tmp.name)


def _settle(stored: list[Path], previous: dict[Path, Path], refused: set[Path]) -> None:
    """A refused file gives its place back to the version it replaced, or leaves none; an accepted one drops
    the version it replaced."""
    refused = {path.resolve() for path in refused}
    for target in stored:
        if target.resolve() in refused and target not in previous:
            target.unlink(missing_ok=True)  # a new document refused: no file without its document
    for target, kept in previous.items():
        if target.resolve() in refused:
            os.replace(kept, target)
        else:
            kept.unlink(missing_ok=True)
