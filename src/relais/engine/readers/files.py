"""Read any supported file into a `LoadedDocument`: the entry points, size checks and text decoding.

Pure Python on purpose (no Django): the ingestion pipeline, the CLI and the benchmarks all call it.
Every failure surfaces as `UnreadableDocument` with a stable code, never a library error.
"""

from __future__ import annotations

import re
from pathlib import Path

from relais.engine.readers.docx import load_docx
from relais.engine.readers.encoding import decode_bytes
from relais.engine.readers.html import decode_html, load_html
from relais.engine.readers.limits import ReadingLimits, applied
from relais.engine.readers.markdown import load_markdown
from relais.engine.readers.odt import load_odt
from relais.engine.readers.pdf import load_pdf
from relais.engine.readers.plain_text import load_plain_text
from relais.engine.readers.structure import LoadedDocument, UnreadableDocument

# Bumped when what a reader extracts from a file changes (2: table rows read as « cell | cell » lines in every
# format): the next ingestion re-reads every document read by an older version (its revision is kept).
READER_VERSION = 2

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".odt"})
TEXT_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown", ".txt", ".html", ".htm"})
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def load_document(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, limits: ReadingLimits | None = None
) -> LoadedDocument:
    """Load any supported file; every failure surfaces as UnreadableDocument, never a library error.

    `limits` bound what the file may unpack to and yield (limits.py); the defaults when None."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableDocument(
            "unsupported_type",
            f"{path.name}: file type {suffix or '(none)'!r} is not supported; "
            f"convert it to one of {', '.join(sorted(SUPPORTED_SUFFIXES))}.",
        )
    _check_size(path, max_bytes)
    fallback = _title_from_stem(path.stem)
    try:
        with applied(limits):
            return _load_by_suffix(path, suffix, fallback)
    except UnreadableDocument as exc:
        raise UnreadableDocument(exc.code, f"{path.name}: {exc}", french=exc.french) from exc
    except MemoryError:
        raise  # not a damaged file: the reading process's memory ceiling (isolation.py) says so
    except Exception as exc:  # any parser failure means the file itself is damaged
        raise UnreadableDocument(
            "corrupt",
            f"{path.name}: could not be parsed as {suffix} ({type(exc).__name__}: {exc}); "
            "open and re-save it, or export it again from the source application.",
        ) from exc


def load_text(text: str, *, suffix: str = ".md", fallback_title: str = "") -> LoadedDocument:
    """Parse already-decoded Markdown, plain text or HTML."""
    suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    text = text.removeprefix("\ufeff")
    if suffix in {".md", ".markdown"}:
        return load_markdown(text, fallback_title)
    if suffix == ".txt":
        return load_plain_text(text, fallback_title)
    if suffix in {".html", ".htm"}:
        return load_html(text, fallback_title)
    raise UnreadableDocument(
        "unsupported_type",
        f"load_text handles {', '.join(sorted(TEXT_SUFFIXES))} only; use load_document for {suffix} files.",
    )


def _title_from_stem(stem: str) -> str:
    words = " ".join(re.sub(r"[-_]+", " ", stem).split())
    return words[:1].upper() + words[1:]


def _check_size(path: Path, max_bytes: int) -> None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UnreadableDocument("not_found", f"{path}: file not found; check the path.") from None
    except OSError as exc:
        raise UnreadableDocument("not_found", f"{path}: cannot be accessed ({exc.strerror}).") from exc
    if not path.is_file():
        raise UnreadableDocument("not_found", f"{path}: is not a regular file.")
    if stat.st_size > max_bytes:
        raise UnreadableDocument(
            "too_large",
            f"{path.name}: {stat.st_size / 1_048_576:.1f} MiB exceeds the {max_bytes / 1_048_576:.1f} MiB "
            "limit; split the document or raise the limit.",
            french=f"le fichier fait {stat.st_size / 1_048_576:.1f} Mo, au-delà de la limite de "
            f"{max_bytes / 1_048_576:.0f} Mo : scindez le document".replace(".", ","),
        )
    if stat.st_size == 0:
        raise UnreadableDocument("empty", f"{path.name}: file is empty (0 bytes).")


def _load_by_suffix(path: Path, suffix: str, fallback: str) -> LoadedDocument:
    if suffix == ".pdf":
        return load_pdf(path, fallback)
    if suffix == ".docx":
        return load_docx(path, fallback)
    if suffix == ".odt":
        return load_odt(path, fallback)
    data = path.read_bytes()
    text = decode_html(data) if suffix in {".html", ".htm"} else decode_bytes(data)
    return load_text(text, suffix=suffix, fallback_title=fallback)
