"""Fonts for the PDFs Relais writes: a TrueType family covering French typography, or a clean fallback.

DejaVu Sans (é è à ç œ « » ’ — − €) is looked for where distributions and Python packages install it; nothing is
ever downloaded. Without it, the PDF core fonts in Windows-1252 still carry é è à ç œ « » ’ — €, and
`cp1252_safe` replaces what they cannot (− becomes -, other characters lose their accents or become ?).

No Django here, and no fpdf2 import: the callers hand their FPDF object over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


# The Debian package that installs each file: the regular and bold faces come with fonts-dejavu-core, the
# oblique only with fonts-dejavu-extra (without it the demo's and procedures' PDFs fall back to the core fonts).
DEBIAN_PACKAGES: dict[str, str] = {
    "DejaVuSans.ttf": "fonts-dejavu-core",
    "DejaVuSans-Bold.ttf": "fonts-dejavu-core",
    "DejaVuSans-Oblique.ttf": "fonts-dejavu-extra",
}
# The reports (trial report, digital diagnosis) write regular and bold only, and have no fallback: their tables,
# charts' legends and emoji-free labels are laid out for DejaVu's widths.
REPORT_STYLES: tuple[str, ...] = ("", "B")


class FontsMissing(RuntimeError):
    """The DejaVu Sans files a PDF needs are nowhere on the search path; the message names the package."""


def search_path() -> list[Path]:
    """The folders looked into, in order: the distributions' font folders, then matplotlib's copy if installed."""
    candidates = [Path(folder) for folder in FONT_DIRS]
    spec = find_spec("matplotlib")  # ships DejaVu Sans when installed
    if spec and spec.origin:
        candidates.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    return candidates


def font_dir(styles: Iterable[str] = tuple(FONT_FILES)) -> Path | None:
    """The first folder holding the file of every one of styles (by default all of FONT_FILES), or None."""
    names = [FONT_FILES[style] for style in styles]
    for folder in search_path():
        if all((folder / name).is_file() for name in names):
            return folder
    return None


def require_font_dir(styles: Iterable[str] = REPORT_STYLES) -> Path:
    """font_dir(styles), or FontsMissing telling the operator which package to install: one function finds the
    fonts for every PDF, and a missing package is named rather than surfacing as a file-not-found deep in fpdf2."""
    styles = tuple(styles)
    folder = font_dir(styles)
    if folder is not None:
        return folder
    names = [FONT_FILES[style] for style in styles]
    packages = " ".join(sorted({DEBIAN_PACKAGES[name] for name in names}))
    raise FontsMissing(
        f"the DejaVu Sans fonts ({', '.join(names)}) are in none of {', '.join(map(str, search_path()))}; "
        f"install them: `apt-get install {packages}` (Debian, Ubuntu)"
    )


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


def use_report_fonts(pdf: Any) -> str:
    """Register DejaVu Sans regular and bold on an fpdf2 FPDF for the reports; returns the family for set_font.
    Raises FontsMissing (naming the package) when they are not installed."""
    folder = require_font_dir(REPORT_STYLES)
    for style in REPORT_STYLES:
        pdf.add_font(FONT_FAMILY, style, str(folder / FONT_FILES[style]))
    return FONT_FAMILY
