"""Limits that keep one hostile or careless file from exhausting the server while it is read.

An office file is a ZIP archive: a 1 MB upload can declare a 1 GiB image or a 100 MB `document.xml`, and the
readers (python-docx, odfpy) load every part into memory. So the archive's directory is checked first, from the
sizes it declares — zipfile never inflates a member past its declared size (a lie ends in a CRC error, read as
a damaged file). Markdown front matter is YAML: its anchors and aliases can multiply a few bytes into
gigabytes, and metadata never needs them, so they are refused before any YAML is built.

The defaults leave room for real documents: a 500-page report's `document.xml` is about 10 MB, a manual full of
screenshots about 100 MB unpacked.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from relais.engine.readers.structure import UnreadableDocument

MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # every member of the archive together, as declared
MAX_XML_MEMBER_BYTES = 32 * 1024 * 1024  # one XML part (document.xml, content.xml…), parsed whole
MAX_ARCHIVE_MEMBERS = 5_000
MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_PDF_PAGES = 2_000
MAX_PDF_CONTENT_BYTES = 256 * 1024 * 1024  # drawing instructions of all pages, a shared stream once per page
# The text one document may yield, whatever its format, is capped in structure.py (MAX_EXTRACTED_CHARS).


def _mib(size: int) -> str:
    return f"{size / 1_048_576:.0f} MiB"


def check_archive(path: Path) -> None:
    """Refuse an office file whose archive is too large once unpacked, before any reader opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument("corrupt", f"is not a valid office file ({exc}); export it again.") from exc
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise UnreadableDocument(
            "too_large", f"its archive holds {len(members)} parts, more than the limit of {MAX_ARCHIVE_MEMBERS}."
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableDocument(
            "too_large",
            f"it unpacks to {_mib(unpacked)}, more than the limit of {_mib(MAX_UNPACKED_BYTES)} "
            "(large images? compress them, or split the document).",
        )
    for member in members:
        if member.filename.endswith(".xml") and member.file_size > MAX_XML_MEMBER_BYTES:
            raise UnreadableDocument(
                "too_large",
                f"its part {member.filename} is {_mib(member.file_size)} of XML, more than the limit of "
                f"{_mib(MAX_XML_MEMBER_BYTES)}; split the document.",
            )


def check_front_matter(block: str) -> None:
    """Refuse YAML front matter that is too large or uses anchors and aliases (a « billion laughs »)."""
    import yaml

    if len(block.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise UnreadableDocument(
            "too_large", f"its YAML front matter exceeds {MAX_FRONT_MATTER_BYTES // 1024} KiB; keep only the metadata."
        )
    try:
        # Events only: nothing is expanded or built, so a bomb costs no more than its own bytes.
        for event in yaml.parse(block, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise UnreadableDocument(
                    "corrupt", "its YAML front matter uses anchors or aliases (& or *); write each value out."
                )
    except yaml.YAMLError:
        return  # invalid YAML: the caller reports it, or reads the block as a horizontal rule
