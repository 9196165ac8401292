"""Fonts for the PDFs Relais writes: a TrueType family covering French typography, or a clean fallback.

DejaVu Sans (é è à ç œ « » ’ — − €) is looked for where distributions and Python packages install it; nothing is
ever downloaded. Without it, the PDF core fonts in Windows-1252 still carry é è à ç œ « » ’ — €, and
`cp1252_safe` replaces what they cannot (− becomes -, other characters lose their accents or become ?).

No Django here, and no fpdf2 import: the callers hand their FPDF object over.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from relais.engine.french.analysis import fold_accents

# fpdf2 style ("" regular, "B" bold, "I" italic) -> file name.
FONT_FILES: dict[str, str] = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",  # Arch
    "/usr/local/share/fonts",
    "/Library/Fonts",
)
FONT_FAMILY = "DejaVu"
CORE_FAMILY = "helvetica"
# Characters Windows-1252 lacks but that have a faithful stand-in.
CP1252_FALLBACKS = str.maketrans({"−": "-", "\u2011": "-", "\u202f": "\xa0", "≤": "<=", "≥": ">=", "→": "->"})


def font_dir() -> Path | None:
    """The first folder holding every file of FONT_FILES, or None."""
    candidates = [Path(folder) for folder in FONT_DIRS]
    spec = find_spec("matplotlib")  # ships DejaVu Sans when installed
    if spec and spec.origin:
        candidates.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    for folder in candidates:
        if all((folder / name).is_file() for name in FONT_FILES.values()):
            return folder
    return None


def cp1252_safe(text: str) -> str:
    """text, with every character Windows-1252 cannot encode replaced (a fallback, its unaccented form, or ?)."""
    text = text.translate(CP1252_FALLBACKS)
    out = []
    for char in text:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            char = fold_accents(char).encode("ascii", "ignore").decode() or "?"
        out.append(char)
    return "".join(out)


def use_pdf_fonts(pdf: Any, folder: Path | None) -> tuple[str, Callable[[str], str]]:
    """Register the DejaVu family found in folder on an fpdf2 FPDF (or, when folder is None, switch it to the
    core fonts in Windows-1252). Returns the family to pass to set_font and the cleaning every text needs."""
    if folder is not None:
        for style, name in FONT_FILES.items():
            pdf.add_font(FONT_FAMILY, style, str(folder / name))
        return FONT_FAMILY, str
    pdf.core_fonts_encoding = "windows-1252"
    return CORE_FAMILY, cp1252_safe
