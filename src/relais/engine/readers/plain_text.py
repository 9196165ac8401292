"""Plain text: a short first line is the title, blank lines separate paragraphs."""

from __future__ import annotations

import re

from relais.engine.readers.structure import LoadedDocument, SectionBuilder, first_line_title


def load_plain_text(text: str, fallback_title: str) -> LoadedDocument:
    lines = text.splitlines()
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    title = first_line_title(lines[first]) if first is not None else ""
    # Drop the title line from the body, unless it is the only text there is.
    if title and any(line.strip() for line in lines[first + 1 :]):
        lines = lines[first + 1 :]
    builder = SectionBuilder(absorb_first_h1=False)
    builder.title = title
    for paragraph in re.split(r"\n\s*\n", "\n".join(lines)):
        builder.paragraph(paragraph)
    return builder.finish(fallback_title)
