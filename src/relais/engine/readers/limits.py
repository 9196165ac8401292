"""Limits that keep one hostile or careless file from exhausting the server while it is read.

An office file is a ZIP archive: a 1 MB upload can declare a 1 GiB image or a 100 MB `document.xml`, and the
readers (python-docx, odfpy) load every part into memory. So the archive's directory is checked first, from the
sizes it declares — zipfile never inflates a member past its declared size (a lie ends in a CRC error, read as
a damaged file). Markdown front matter is YAML: its anchors and aliases can multiply a few bytes into
gigabytes, and metadata never needs them, so they are refused before any YAML is built. XML depth is bounded by
the parsers themselves (lxml without `huge_tree` stops at 256 levels); the number of XML elements by the size of
each part.

The limits are one `ReadingLimits` value, made from the settings (docs/settings.md) and applied around one
reading with `applied()`: the readers look it up with `current()` instead of taking it through every call.
Every refusal names the limit twice: in English for the operator, in French for the référent who uploaded.

The defaults leave room for real documents: a 500-page report's `document.xml` is about 10 MB, a manual full of
screenshots about 100 MB unpacked, a 2,000-page PDF about 4 M characters.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from relais.engine.readers.structure import UnreadableDocument

MIB = 1024 * 1024


@dataclass(frozen=True)
class ReadingLimits:
    max_unpacked_bytes: int = 256 * MIB  # every member of an office archive together, as declared
    max_archive_members: int = 5_000
    max_xml_part_bytes: int = 32 * MIB  # one XML part (document.xml, content.xml…), parsed whole
    max_front_matter_bytes: int = 64 * 1024
    max_pdf_pages: int = 2_000
    max_pdf_content_bytes: int = 256 * MIB  # drawing instructions of all pages, a shared stream once per page
    max_extracted_chars: int = 4_000_000  # the text one document may yield, whatever its format
    max_passages: int = 5_000  # passages one document may give the index (each is embedded)


DEFAULTS = ReadingLimits()
_active: ContextVar[ReadingLimits | None] = ContextVar("reading_limits", default=None)


def current() -> ReadingLimits:
    """The limits of the reading under way (the defaults outside `applied`)."""
    return _active.get() or DEFAULTS


@contextlib.contextmanager
def applied(limits: ReadingLimits | None) -> Iterator[None]:
    """Read with these limits; None keeps the ones already in force."""
    if limits is None:
        yield
        return
    token = _active.set(limits)
    try:
        yield
    finally:
        _active.reset(token)


def mib(size: int) -> str:
    return f"{size / MIB:.0f} MiB"


def mo(size: int) -> str:
    """A size in the units a French user reads (« 256 Mo »)."""
    return f"{size / MIB:.0f} Mo"


def too_large(english: str, french: str) -> UnreadableDocument:
    """The refusal of a file over a limit (the caller raises it)."""
    from relais.engine.readers.structure import UnreadableDocument

    return UnreadableDocument("too_large", english, french=french)


def check_archive(path: Path) -> None:
    """Refuse an office file whose archive is too large once unpacked, before any reader opens it."""
    from relais.engine.readers.structure import UnreadableDocument

    limits = current()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument("corrupt", f"is not a valid office file ({exc}); export it again.") from exc
    if len(members) > limits.max_archive_members:
        raise too_large(
            f"its archive holds {len(members)} parts, more than the limit of {limits.max_archive_members}.",
            f"le fichier contient {len(members)} éléments, au-delà de la limite de {limits.max_archive_members}",
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise too_large(
            f"it unpacks to {mib(unpacked)}, more than the limit of {mib(limits.max_unpacked_bytes)} "
            "(large images? compress them, or split the document).",
            f"une fois décompressé, le fichier fait {mo(unpacked)}, au-delà de la limite de "
            f"{mo(limits.max_unpacked_bytes)} (images trop lourdes ? compressez-les ou scindez le document)",
        )
    for member in members:
        if member.filename.endswith(".xml") and member.file_size > limits.max_xml_part_bytes:
            raise too_large(
                f"its part {member.filename} is {mib(member.file_size)} of XML, more than the limit of "
                f"{mib(limits.max_xml_part_bytes)}; split the document.",
                f"le texte du document fait {mo(member.file_size)}, au-delà de la limite de "
                f"{mo(limits.max_xml_part_bytes)} : scindez le document",
            )


def check_front_matter(block: str) -> None:
    """Refuse YAML front matter that is too large or uses anchors and aliases (a « billion laughs »)."""
    import yaml

    from relais.engine.readers.structure import UnreadableDocument

    limit = current().max_front_matter_bytes
    if len(block.encode("utf-8")) > limit:
        raise too_large(
            f"its YAML front matter exceeds {limit // 1024} KiB; keep only the metadata.",
            f"l'en-tête de métadonnées dépasse la limite de {limit // 1024} Ko : n'y gardez que les métadonnées",
        )
    try:
        # Events only: nothing is expanded or built, so a bomb costs no more than its own bytes.
        for event in yaml.parse(block, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise UnreadableDocument(
                    "corrupt",
                    "its YAML front matter uses anchors or aliases (& or *); write each value out.",
                    french="l'en-tête de métadonnées utilise des ancres ou des alias YAML (& ou *) : "
                    "écrivez chaque valeur en entier",
                )
    except yaml.YAMLError:
        return  # invalid YAML: the caller reports it, or reads the block as a horizontal rule


def check_pdf_pages(count: int) -> None:
    limit = current().max_pdf_pages
    if count > limit:
        raise too_large(
            f"it has {count} pages, more than the limit of {limit}; split it.",
            f"le PDF compte {count} pages, au-delà de la limite de {limit} : scindez-le",
        )


def check_pdf_content(total: int) -> None:
    limit = current().max_pdf_content_bytes
    if total > limit:
        raise too_large(
            f"its pages draw more than {mib(limit)} of content (pages sharing one content stream?), the limit "
            "for one document; export it again or split it.",
            f"les pages du PDF contiennent plus de {mo(limit)} d'instructions de dessin, au-delà de la limite : "
            "exportez-le à nouveau ou scindez-le",
        )


def check_extracted_chars(count: int) -> None:
    limit = current().max_extracted_chars
    if count > limit:
        raise too_large(
            f"it holds more than {limit:,} characters of text, the limit for one document; split it.",
            f"le document contient plus de {limit:,} caractères de texte, au-delà de la limite : scindez-le".replace(
                ",", "\u202f"
            ),
        )


def check_passages(count: int) -> None:
    limit = current().max_passages
    if count > limit:
        raise too_large(
            f"it makes {count} passages, more than the limit of {limit} for one document; split it.",
            f"le document donnerait {count} passages, au-delà de la limite de {limit} : scindez-le",
        )
