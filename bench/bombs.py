"""Hostile uploads: how long each bomb takes to be refused, and the reader's peak memory.

Each bomb (tests/bombs.py, made at the size of the attack campaign's) is read as an upload is: `read_document`
with the default settings' limits and reading budget (PDF, DOCX and ODT in a child process with a time budget
and a memory ceiling), from a fresh process, which prints the wall time and the peak resident memory of itself
and its reading child; a refused file prints the code, the operator's message and the référent's.

    .venv/bin/python bench/bombs.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import bombs  # noqa: E402  (the bomb makers live with the tests that refuse them)

READ = """
import resource, sys, time
from pathlib import Path
from relais.config import Config
from relais.engine.readers.isolation import read_document
from relais.engine.readers.structure import UnreadableDocument
config = Config()
start = time.perf_counter()
try:
    loaded = read_document(Path(sys.argv[1]), limits=config.reading_limits, budget=config.reading_budget)
    outcome = f"READ: {sum(len(s.text) for s in loaded.sections):,} characters"
except UnreadableDocument as exc:
    outcome = f"refused ({exc.code}): {exc} — « {exc.french} »"
elapsed = time.perf_counter() - start
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
print(f"{elapsed:.2f}|{peak:.0f}|{outcome}")
"""


def make_all(folder: Path) -> list[tuple[str, Path]]:
    laughs = folder / "rires.md"
    laughs.write_text(bombs.billion_laughs(8), encoding="utf-8")
    image_docx = bombs.add_zero_member(bombs.base_docx(folder / "i.docx"), "word/media/i.png", 1024)
    image_odt = bombs.add_zero_member(bombs.base_odt(folder / "i.odt"), "Pictures/i.png", 1024)
    return [
        (".docx, 1 GiB zero-filled image", image_docx),
        (".odt, 1 GiB zero-filled picture", image_odt),
        (".docx, 10 million empty paragraphs", bombs.docx_with_empty_paragraphs(folder / "paragraphes.docx", 10)),
        (".md, YAML front matter, 8 levels of aliases", laughs),
        (".pdf, 5 pages sharing one 2 MB content stream", bombs.shared_stream_pdf(folder / "cinq.pdf", 5, 55_000)),
        (".pdf, 300 pages sharing one content stream", bombs.shared_stream_pdf(folder / "pages.pdf", 300, 50_000)),
    ]


def main() -> None:
    print("| bomb | file size | refused after | peak memory | outcome |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for label, path in make_all(Path(folder)):
            out = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True, text=True, check=True)
            elapsed, peak, outcome = out.stdout.strip().splitlines()[-1].split("|", 2)
            size = path.stat().st_size
            print(f"| {label} | {size / 1024:,.0f} KB | {elapsed} s | {peak} MB | {outcome} |", flush=True)


if __name__ == "__main__":
    main()
