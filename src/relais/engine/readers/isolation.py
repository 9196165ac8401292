"""Read a file in a separate process, with a time budget and a memory ceiling.

The limits in limits.py refuse what a file *declares*; some files are slow or greedy without declaring anything
(a PDF whose few pages take the extractor minutes each, a parser bug on a crafted file). Python cannot stop a
thread, so the formats whose cost is not proportional to their size — PDF, DOCX, ODT — are read in a child
process that is killed when its time is up, and whose address space is capped so that it fails with
MemoryError instead of taking the server's memory. Markdown, text and HTML are read in place: their parsers are
linear in the file's size, which `max_bytes` bounds, and they make up most ingestions.

The child is a fresh interpreter (`python -m relais.engine.readers.isolation`), never a fork of the threaded
server: it reads the request on stdin and writes the document, pickled, on stdout (about 50 ms per file).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from relais.engine.readers.files import DEFAULT_MAX_BYTES, load_document
from relais.engine.readers.limits import MIB, ReadingLimits
from relais.engine.readers.structure import LoadedDocument, UnreadableDocument

ISOLATED_SUFFIXES = frozenset({".pdf", ".docx", ".odt"})


@dataclass(frozen=True)
class ReadingBudget:
    seconds: float = 60.0  # 0: read in place, without a child process
    memory_bytes: int = 2048 * MIB  # address space of the reading process


def read_document(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: ReadingLimits | None = None,
    budget: ReadingBudget | None = None,
) -> LoadedDocument:
    """`load_document`, in a child process with `budget` for the formats that need one."""
    path = Path(path)
    budget = budget or ReadingBudget()
    if budget.seconds <= 0 or path.suffix.lower() not in ISOLATED_SUFFIXES:
        return load_document(path, max_bytes=max_bytes, limits=limits)
    request = pickle.dumps((path.resolve(), max_bytes, limits, budget.memory_bytes))
    try:
        finished = subprocess.run(
            [sys.executable, "-m", __name__], input=request, capture_output=True, timeout=budget.seconds, check=False
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise _too_slow(path, budget.seconds) from None
    if finished.returncode != 0 or not finished.stdout:
        raise _died(path, finished.returncode, finished.stderr.decode(errors="replace")[-300:])
    outcome = pickle.loads(finished.stdout)  # written by our own child process, just above
    if isinstance(outcome, UnreadableDocument):
        raise outcome
    return outcome


def _read_in_child() -> None:
    """The child: read one request on stdin, write the document or the refusal, pickled, on stdout."""
    import resource

    path, max_bytes, limits, memory_bytes = pickle.loads(sys.stdin.buffer.read())  # from our parent
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        outcome: LoadedDocument | UnreadableDocument = load_document(path, max_bytes=max_bytes, limits=limits)
    except UnreadableDocument as exc:
        outcome = exc
    except MemoryError:
        outcome = _needs_memory(path, memory_bytes)
    sys.stdout.buffer.write(pickle.dumps(outcome))


def _too_slow(path: Path, seconds: float) -> UnreadableDocument:
    return UnreadableDocument(
        "too_slow",
        f"{path.name}: reading took more than {seconds:g} s, the limit for one file (RELAIS_READ_TIMEOUT); "
        "export it again (print to PDF, save as) or split it.",
        french=f"la lecture du fichier a dépassé la limite de {seconds:g} secondes : "
        "exportez-le à nouveau ou scindez-le",
    )


def _needs_memory(path: Path, memory_bytes: int) -> UnreadableDocument:
    return UnreadableDocument(
        "too_large",
        f"{path.name}: reading it needs more than {memory_bytes // MIB} MiB of memory, the limit for one file "
        "(RELAIS_READ_MEMORY_MB); split it.",
        french=f"la lecture du fichier demande plus de {memory_bytes // MIB} Mo de mémoire, au-delà de la limite : "
        "scindez-le",
    )


def _died(path: Path, returncode: int, stderr: str) -> UnreadableDocument:
    if returncode < 0:
        return UnreadableDocument(
            "too_large",
            f"{path.name}: the reading process was killed by signal {-returncode} (the system's memory killer? "
            "see RELAIS_READ_MEMORY_MB); split the file.",
            french="la lecture du fichier a été interrompue par le système (mémoire insuffisante ?) : scindez-le",
        )
    return UnreadableDocument(
        "corrupt",
        f"{path.name}: the reading process ended without a result (exit code {returncode}): {stderr.strip()}",
        french="fichier illisible ou endommagé",
    )


if __name__ == "__main__":
    _read_in_child()
