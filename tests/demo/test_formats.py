"""Publishing the demo sources in several formats: faithful, deterministic, and what `relais demo` ingests."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from relais.demo import formats
from relais.demo.formats import FICTION_NOTICE, FORMATS, build_demo_documents
from relais.engine.readers.files import load_document, load_text
from relais.engine.readers.structure import LoadedDocument

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo"
SOURCES = DEMO / "documents"

TITLE = "Imprimer en toute sécurité : « Impression-Sécurisée » à l’hôtel de ville"
METADATA = {
    "service": "DSI",
    "version": "2026-3",
    "valid_from": "2026-02-01",
    "valid_until": "2027-01-31",
    "contact": "Centre de services DSI — poste 4400 — assistance@valdebrume.example",
}
FRENCH = "œuvre, ça, là, élève — voilà"
SOURCE = """---
service: DSI
version: "2026-3"
valid_from: 2026-02-01
valid_until: 2027-01-31
contact: "Centre de services DSI — poste 4400 — assistance@valdebrume.example"
format: {format}
---

# Imprimer en toute sécurité : « Impression-Sécurisée » à l’hôtel de ville

Le service s’appelle **Impression-Sécurisée** ; il évite qu’un document *confidentiel* reste sur l’imprimante : \
œuvre, ça, là, élève — voilà.

## Lancer une impression

1. Choisissez la file **VDB-Secure**.
2. Badgez sur l’imprimante :
   - au rez-de-chaussée ;
   - au premier étage.
3. Récupérez vos pages.

### Délais

| Document | Conservé |
|---|---|
| Standard | 24 h |
| Couleur | 12 h |

## Contact

- Centre de services, poste 4400.

Document de démonstration — Val-de-Brume est une commune fictive.
"""


def write_sources(folder: Path, **chosen_formats: str) -> Path:
    """One source per name, published in the format given (md sources have no format key)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, chosen in chosen_formats.items():
        text = SOURCE.format(format=chosen)
        if chosen == "md":
            text = text.replace("format: md\n", "")
        (folder / f"{stem}.md").write_text(text, encoding="utf-8")
    return folder


def section(doc: LoadedDocument, *path: str) -> str:
    return next(s.text for s in doc.sections if s.heading_path == path)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def published_demo(tmp_path_factory) -> list[Path]:
    """The real demo sources, published once for the module."""
    return build_demo_documents(SOURCES, tmp_path_factory.mktemp("demo-documents"))


@pytest.mark.parametrize("chosen", FORMATS)
def test_each_format_carries_title_headings_lists_and_metadata(tmp_path: Path, chosen: str) -> None:
    sources = write_sources(tmp_path / "src", note=chosen)
    [published] = build_demo_documents(sources, tmp_path / "out")
    assert published == tmp_path / "out" / f"note.{chosen}"
    doc = load_document(published)
    assert doc.title == TITLE
    assert {key: value for key, value in doc.metadata.items() if key in METADATA} == METADATA
    assert [s.heading_path for s in doc.sections] == [
        (),
        ("Lancer une impression",),
        ("Lancer une impression", "Délais"),
        ("Contact",),
    ]
    intro = section(doc)
    assert intro.startswith("Le service s’appelle Impression-Sécurisée ; il évite qu’un document confidentiel")
    assert FRENCH in intro
    assert section(doc, "Lancer une impression") == (
        "- Choisissez la file VDB-Secure.\n\n- Badgez sur l’imprimante :\n\n- au rez-de-chaussée ;\n\n"
        "- au premier étage.\n\n- Récupérez vos pages."
    )
    # One line per row, whatever the format, a PDF too (its cells found by their columns): a value stays with its
    # label.
    assert section(doc, "Lancer une impression", "Délais") == "Document | Conservé\n\nStandard | 24 h\n\nCouleur | 12 h"
    assert section(doc, "Contact").endswith(f"Document de démonstration — {FICTION_NOTICE}.")


def test_bold_lists_and_tables_are_native_in_each_format(tmp_path: Path) -> None:
    import docx

    sources = write_sources(tmp_path / "src", a="docx", b="odt", c="html", d="pdf")
    build_demo_documents(sources, tmp_path / "out")

    word = docx.Document(str(tmp_path / "out" / "a.docx"))
    bold = {run.text for p in word.paragraphs for run in p.runs if run.bold}
    assert bold == {"Impression-Sécurisée", "VDB-Secure"}
    assert [p.style.name for p in word.paragraphs if p.style.name.startswith("List")] == [
        "List Number",
        "List Number",
        "List Bullet 2",
        "List Bullet 2",
        "List Number",
        "List Bullet",
    ]
    assert [p.style.name for p in word.paragraphs if p.style.name.startswith("Heading")] == [
        "Heading 1",
        "Heading 2",
        "Heading 3",
        "Heading 2",
    ]
    assert len(word.tables) == 1 and word.tables[0].cell(1, 1).text == "24 h"

    content = zipfile.ZipFile(tmp_path / "out" / "b.odt").read("content.xml").decode()
    assert '<text:span text:style-name="T1">Impression-Sécurisée</text:span>' in content
    assert '<text:span text:style-name="T2">confidentiel</text:span>' in content
    assert 'text:outline-level="3"' in content and "<table:table " in content

    page = (tmp_path / "out" / "c.html").read_text(encoding="utf-8")
    assert "<strong>Impression-Sécurisée</strong>" in page and "<em>confidentiel</em>" in page
    assert '<meta name="relais:valid_until" content="2027-01-31">' in page
    assert "<ol>" in page and "<ul>" in page and "<th>Conservé</th>" in page

    pdf = (tmp_path / "out" / "d.pdf").read_bytes()
    assert b"/Count" in pdf  # an outline: one bookmark per heading


def test_pdf_keeps_french_characters_even_without_a_truetype_font(tmp_path: Path, monkeypatch) -> None:
    sources = write_sources(tmp_path / "src", note="pdf")
    french = "é è à ç œ « » ’ —"
    (sources / "note.md").write_text(
        SOURCE.format(format="pdf").replace("voilà.", f"voilà : {french} ; 3 − 1."), encoding="utf-8"
    )
    if formats.font_dir() is not None:  # DejaVu Sans: every character as written
        [published] = build_demo_documents(sources, tmp_path / "ttf")
        assert f"{french} ; 3 − 1." in section(load_document(published))
    monkeypatch.setattr(formats, "font_dir", lambda: None)  # PDF core fonts, Windows-1252
    [published] = build_demo_documents(sources, tmp_path / "core")
    doc = load_document(published)
    assert f"{french} ; 3 - 1." in section(doc)
    assert doc.title == TITLE and doc.metadata["contact"] == METADATA["contact"]


def test_generation_is_deterministic_and_rewrites_nothing(tmp_path: Path, published_demo: list[Path]) -> None:
    folder = published_demo[0].parent
    times = {path.name: path.stat().st_mtime_ns for path in published_demo}
    # Same bytes again: nothing is rewritten.
    assert build_demo_documents(SOURCES, folder) == published_demo
    assert {path.name: path.stat().st_mtime_ns for path in published_demo} == times
    # Another process, another hash seed and time zone: still the same bytes (what re-ingestion relies on).
    script = "import sys; from pathlib import Path; from relais.demo.formats import build_demo_documents; "
    script += "build_demo_documents(Path(sys.argv[1]), Path(sys.argv[2]))"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Pacific/Auckland"}
    subprocess.run([sys.executable, "-c", script, str(SOURCES), str(tmp_path / "c")], env=env, check=True)
    assert snapshot(tmp_path / "c") == snapshot(folder)


def test_removed_or_republished_source_leaves_no_stale_file(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "src", kept="md", gone="odt", moved="docx")
    out = tmp_path / "out"
    build_demo_documents(sources, out)
    (out / "notes.txt").write_text("not a published format: left alone", encoding="utf-8")
    (sources / "gone.md").unlink()
    write_sources(sources, moved="pdf")
    published = build_demo_documents(sources, out)
    assert [path.name for path in published] == ["kept.md", "moved.pdf"]
    visible = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    assert visible == ["kept.md", "moved.pdf", "notes.txt"]  # and the hidden record of what was published
    assert (out / "kept.md").read_bytes() == (sources / "kept.md").read_bytes()  # Markdown is copied as is


def test_a_file_is_rendered_again_only_when_its_source_its_bytes_or_the_renderer_changed(tmp_path, monkeypatch):
    from relais.demo import formats

    sources = write_sources(tmp_path / "src", a="pdf", b="docx")
    out = tmp_path / "out"
    first = {path.name: path.read_bytes() for path in build_demo_documents(sources, out)}
    rendered: list[str] = []
    for name, render in list(formats._RENDERERS.items()):
        monkeypatch.setitem(
            formats._RENDERERS, name, lambda doc, render=render: rendered.append(doc.stem) or render(doc)
        )
    build_demo_documents(sources, out)
    assert rendered == []  # nothing changed: nothing rendered
    source = sources / "a.md"
    source.write_text(source.read_text(encoding="utf-8").replace("vos pages", "toutes vos pages"), encoding="utf-8")
    (out / "b.docx").write_bytes(b"edited by hand")
    build_demo_documents(sources, out)
    assert sorted(rendered) == ["a", "b"]
    assert (out / "b.docx").read_bytes() == first["b.docx"]


def test_unusable_sources_are_rejected(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "src", note="rtf")
    with pytest.raises(ValueError, match="format 'rtf' is not one of md, docx, odt, pdf, html"):
        build_demo_documents(sources, tmp_path / "out")
    (sources / "note.md").write_text(SOURCE.format(format="pdf").replace(FICTION_NOTICE, "Fin"), encoding="utf-8")
    with pytest.raises(ValueError, match="commune fictive"):
        build_demo_documents(sources, tmp_path / "out")
    with pytest.raises(ValueError, match="must differ"):
        build_demo_documents(sources, sources)


def test_the_demo_is_published_in_every_format_faithfully(published_demo: list[Path]) -> None:
    published = published_demo
    assert Counter(path.suffix for path in published) == {".md": 14, ".docx": 5, ".odt": 5, ".pdf": 5, ".html": 4}
    services: dict[str, set[str]] = {}
    for path in published:
        source = load_text((SOURCES / f"{path.stem}.md").read_text(encoding="utf-8"), fallback_title=path.stem)
        doc = load_document(path)
        expected = {key: value for key, value in source.metadata.items() if key in METADATA}
        assert {key: value for key, value in doc.metadata.items() if key in METADATA} == expected, path.name
        assert doc.title == source.title, path.name
        assert [s.heading_path for s in doc.sections] == [s.heading_path for s in source.sections], path.name
        assert FICTION_NOTICE in doc.sections[-1].text, path.name
        services.setdefault(path.suffix, set()).add(doc.metadata["service"])
    assert all(services[suffix] == {"RH", "DSI"} for suffix in (".docx", ".odt", ".pdf", ".html"))
    suffixes = {path.stem: path.suffix for path in published}
    assert suffixes["note-teletravail-2023"] == ".pdf" and suffixes["guide-astreintes-v1"] == ".docx"


def test_build_only_prints_the_files_and_ingests_nothing(tmp_path: Path) -> None:
    out = StringIO()
    call_command("demo", folder=DEMO, build_only=tmp_path / "published", stdout=out)
    printed = out.getvalue().split()
    assert len(printed) == 33 and all(Path(line).is_file() for line in printed)
    assert (tmp_path / "published" / "conges-annuels.docx").is_file()
    assert "--build-only OUT_DIR" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.django_db
def test_relais_demo_twice_reports_every_document_unchanged() -> None:
    from relais.knowledge.models import Document, FaqEntry

    first = StringIO()
    call_command("demo", folder=DEMO, stdout=first)
    published = Path(settings.DATA_DIR) / "demo-documents"
    assert f"Published 33 demo documents into {published} (14 md, 5 docx, 5 odt, 5 pdf, 4 html)" in first.getvalue()
    assert "33 added, 0 updated, 0 unchanged, 0 removed, 0 failed" in first.getvalue()
    documents = Document.objects.filter(collection__name="demo-agents")
    assert Counter(documents.values_list("file_format", flat=True)) == {
        "md": 14,
        "docx": 5,
        "odt": 5,
        "pdf": 5,
        "html": 4,
    }
    assert all(Path(d.source).parent == published for d in documents)
    conges = documents.get(source=str(published / "conges-annuels.docx"))
    assert (conges.service, conges.version, str(conges.valid_from)) == ("RH", "2026-1", "2026-01-01")
    assert conges.contact.startswith("Service RH, gestion des temps")
    note = documents.get(source=str(published / "note-teletravail-2023.pdf"))
    assert (note.version, str(note.valid_until)) == ("2023-1", "2024-12-31")
    # The FAQ cites sources by their Markdown name; it finds them in whatever format they were published.
    faq = FaqEntry.objects.filter(source_document__source=str(published / "compte-epargne-temps.odt"))
    assert faq.exists()

    second = StringIO()
    call_command("demo", folder=DEMO, stdout=second)
    assert "0 added, 0 updated, 33 unchanged, 0 removed, 0 failed" in second.getvalue()
