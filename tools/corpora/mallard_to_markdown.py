"""Build eval/corpora/aide-informatique from GNOME's user help in French (Debian package gnome-user-docs).

An IT helpdesk-like knowledge base for issue 16's « nothing fitted on one corpus »: the French translation of the
GNOME desktop help (Wi-Fi, printers, passwords and accounts, keyboard, screen, sound, Bluetooth, backups, files,
power), © the GNOME documentation project and its translators, CC BY-SA 3.0. The package is a Debian package, so
it comes from the package registry like every other dependency; nothing is downloaded at run time.

    cd /tmp && apt-get download gnome-user-docs && dpkg-deb -x gnome-user-docs_*_all.deb gnome-user-docs
    .venv/bin/python tools/corpora/mallard_to_markdown.py /tmp/gnome-user-docs/usr/share/help/fr/gnome-help \\
        eval/corpora/aide-informatique/documents

Each theme below becomes one Markdown file, `# Aide GNOME — <theme>`, with one `## <page title>` section per help
page (its `##` sub-sections one level down), as a helpdesk groups its articles. The text is the translation's,
unchanged: only the markup is rewritten (steps as numbered lists, lists as bullets, notes as quotes, table rows
as « cell | cell », key sequences as « Ctrl+Alt+Suppr »); images, links lists, credits and conditional text for
other platforms are dropped (the `if:choose` blocks keep their first branch, the desktop one).
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

MAL = "{http://projectmallard.org/1.0/}"
IF = "{http://projectmallard.org/if/1.0/}"
UI = "{http://projectmallard.org/ui/1.0/}"

# file name → (theme, page-name prefixes); a page goes to the first theme whose prefix it starts with.
THEMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "reseau-sans-fil.md": ("Réseau sans fil (Wi-Fi)", ("net-wireless",)),
    "reseau-filaire-vpn-proxy.md": ("Réseau filaire, VPN et proxy", ("net-wired", "net-vpn", "net-proxy", "net-")),
    "imprimantes.md": ("Imprimantes et impression", ("printing",)),
    "comptes-et-mots-de-passe.md": ("Comptes utilisateurs et mots de passe", ("user-",)),
    "comptes-en-ligne.md": ("Comptes en ligne", ("accounts",)),
    "clavier.md": ("Clavier", ("keyboard",)),
    "souris-et-pave-tactile.md": ("Souris et pavé tactile", ("mouse",)),
    "ecran.md": ("Écran et affichage", ("display", "look")),
    "son.md": ("Son, micro et haut-parleurs", ("sound",)),
    "bluetooth.md": ("Bluetooth", ("bluetooth",)),
    "sauvegardes.md": ("Sauvegardes", ("backup",)),
    "fichiers.md": ("Fichiers et dossiers", ("files", "nautilus")),
    "disques.md": ("Disques et stockage", ("disk",)),
    "alimentation-et-batterie.md": ("Alimentation et batterie", ("power",)),
    "session-et-confidentialite.md": ("Session, verrouillage et confidentialité", ("session", "privacy", "shell-exit")),
}


# page id → its title: an empty <link xref="…"/> shows the title of the page it points to, as Yelp renders it.
PAGE_TITLES: dict[str, str] = {}


def inline(element: ET.Element) -> str:
    """The text of an inline run, its tail left to the caller: key sequences joined with « + », a conditional's
    first branch, an empty link as the title of its target, everything else as its text."""
    tag = element.tag.removeprefix(MAL)
    if element.tag == IF + "choose":
        branches = [b for b in element if b.tag in {IF + "when", IF + "else"}]
        return inline(branches[0]) if branches else ""
    if tag == "link" and not (element.text or "").strip() and len(element) == 0:
        target = (element.get("xref") or "").split("#")[0]
        title = PAGE_TITLES.get(target, "")
        return f"« {title} »" if title else ""
    if tag == "keyseq":
        keys = [inline(child) for child in element if child.tag.removeprefix(MAL) in {"key", "gui", "span"}]
        return "+".join(k for k in keys if k) or " ".join((element.text or "").split())
    if tag in {"media", "comment"} or element.tag.startswith(UI):
        return ""
    parts = [element.text or ""]
    for child in element:
        parts.append(inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def clean(text: str) -> str:
    return " ".join(text.split())


def blocks(parent: ET.Element, depth: int) -> list[str]:
    """The Markdown blocks of a block container (page body, section, item, note…)."""
    out: list[str] = []
    for child in parent:
        tag = child.tag
        if tag.startswith(IF):
            if tag == IF + "choose":
                branches = [b for b in child if b.tag in {IF + "when", IF + "else"}]
                if branches:
                    out += blocks(branches[0], depth)
            elif tag == IF + "if":
                out += blocks(child, depth)
            continue
        name = tag.removeprefix(MAL)
        if name in {"info", "links", "media", "figure", "comment", "title", "subtitle"} or tag.startswith(UI):
            if name == "figure":
                out += [b for b in blocks(child, depth) if not b.startswith("#")]
            continue
        if name in {"p", "code", "screen"}:
            text = clean(inline(child))
            if text:
                out.append(text)
        elif name == "example":
            out += blocks(child, depth)
        elif name == "section":
            title = child.find(MAL + "title")
            if title is not None and clean(inline(title)):
                out.append("#" * min(depth + 1, 6) + " " + clean(inline(title)))
            out += blocks(child, depth + 1)
        elif name == "steps":
            out.append("\n".join(f"{n}. {item}" for n, item in enumerate(items(child), 1)))
        elif name == "list":
            out.append("\n".join(f"- {item}" for item in items(child)))
        elif name == "terms":
            out.append("\n".join(f"- {item}" for item in terms(child)))
        elif name == "note":
            inner = blocks(child, depth)
            if inner:
                out.append("\n".join("> " + line for line in "\n\n".join(inner).splitlines()))
        elif name == "table":
            rows = [
                " | ".join(clean(" ".join(blocks(cell, depth)) or inline(cell)) for cell in row.iter(MAL + "td"))
                for row in child.iter(MAL + "tr")
            ]
            out.append("\n".join(r for r in rows if r.strip(" |")))
        elif name in {"item", "div", "synopsis"}:
            out += blocks(child, depth)
    return out


def flat(item: ET.Element) -> str:
    """A list item's blocks on one line: a note inside it loses its quote mark (« > » mid-line is no quote) and a
    list inside it reads « a ; b ; c »."""
    parts = []
    for block in blocks(item, 6):
        lines = [re.sub(r"^> ?", "", line).strip() for line in block.splitlines()]
        lines = [line for line in lines if line]
        if lines and all(re.match(r"(?:- |\d+\. )", line) for line in lines):
            parts.append(" ; ".join(re.sub(r"^(?:- |\d+\. )", "", line) for line in lines))
        else:
            parts.append(" ".join(lines))
    return clean(" ".join(parts))


def items(container: ET.Element) -> list[str]:
    return [text for item in container.findall(MAL + "item") if (text := flat(item))]


def terms(container: ET.Element) -> list[str]:
    found = []
    for item in container.findall(MAL + "item"):
        title = item.find(MAL + "title")
        label = clean(inline(title)) if title is not None else ""
        body = flat(item)
        found.append(f"{label} : {body}" if label and body else label or body)
    return [f for f in found if f]


def page_markdown(path: Path) -> tuple[str, str] | None:
    """(title, Markdown body) of a topic page; None for guide pages (lists of links) and empty pages."""
    root = ET.parse(path).getroot()
    if root.get("type") == "guide":
        return None
    title = root.find(MAL + "title")
    if title is None:
        return None
    body = blocks(root, 2)
    text = "\n\n".join(body).strip()
    return (clean(inline(title)), text) if text else None


def theme_of(page: str) -> str | None:
    for file_name, (_, prefixes) in THEMES.items():
        if page.startswith(prefixes):
            return file_name
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("help_folder", type=Path, help="…/usr/share/help/fr/gnome-help of the extracted package")
    parser.add_argument("out", type=Path, help="the corpus's documents/ folder")
    parser.add_argument("--version", default="43.0-2", help="the package version, written in each file's header")
    options = parser.parse_args()
    for path in options.help_folder.glob("*.page"):
        title = ET.parse(path).getroot().find(MAL + "title")
        if title is not None:
            PAGE_TITLES[path.stem] = clean(inline(title))
    pages: dict[str, list[tuple[str, str, str]]] = {name: [] for name in THEMES}
    for path in sorted(options.help_folder.glob("*.page")):
        theme = theme_of(path.stem)
        converted = page_markdown(path) if theme else None
        if theme and converted:
            pages[theme].append((path.stem, *converted))
    options.out.mkdir(parents=True, exist_ok=True)
    for file_name, found in pages.items():
        theme = THEMES[file_name][0]
        header = (
            f'---\ntitle: "Aide GNOME — {theme}"\n'
            f'source: "gnome-user-docs {options.version} (Debian), /usr/share/help/fr/gnome-help: '
            f'{", ".join(stem + ".page" for stem, _, _ in found)}"\n'
            'licence: "CC BY-SA 3.0 — projet de documentation GNOME et ses traducteurs"\n---\n'
        )
        sections = [f"## {title}\n\n{text}" for _, title, text in found]
        content = header + f"# Aide GNOME — {theme}\n\n" + "\n\n".join(sections) + "\n"
        (options.out / file_name).write_text(re.sub(r"\n{3,}", "\n\n", content), encoding="utf-8")
        print(f"{file_name}: {len(found)} pages, {len(content.split())} words", file=sys.stderr)


if __name__ == "__main__":
    main()
