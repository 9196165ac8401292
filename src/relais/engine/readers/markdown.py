"""Markdown (CommonMark headings, lists, tables, YAML front matter): the only Markdown parser of Relais."""

from __future__ import annotations

import re

from relais.engine.readers.limits import check_front_matter
from relais.engine.readers.structure import (
    LoadedDocument,
    SectionBuilder,
    UnreadableDocument,
    clean_text,
    reads_as_heading,
    table_row,
)

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.DOTALL | re.MULTILINE)
_FRONT_MATTER_KEY = re.compile(r"\s*[\w-]+\s*:(?:\s|$)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: keep the alt text only
    (re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"), r"\1 (\2)"),
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\w)"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),  # not inside snake_case names
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])"), r"\1"),
)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?=\S)[^*_]+(?<=\S)\1\s*$")  # a paragraph that is all one bold run


def _strip_inline(text: str) -> str:
    """Drop light Markdown emphasis; code spans are kept verbatim so `**kwargs` survives."""
    parts = _CODE_SPAN.split(text)
    out: list[str] = []
    # split() yields [text, ticks, code, text, ticks, code, ..., text]
    for index in range(0, len(parts), 3):
        chunk = parts[index]
        for pattern, replacement in _INLINE_RULES:
            chunk = pattern.sub(replacement, chunk)
        out.append(chunk)
        if index + 2 < len(parts):
            out.append(parts[index + 2].strip())
    return "".join(out)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    block = match.group(1)
    check_front_matter(block)
    try:
        data = yaml.safe_load(block) or {}
    except yaml.YAMLError as exc:
        data = exc
    if isinstance(data, dict):
        return {str(key): _meta_value(value) for key, value in data.items()}, text[match.end() :]
    # A leading "---" may just be a horizontal rule; only complain when the block looks like metadata.
    if _FRONT_MATTER_KEY.match(block):
        raise UnreadableDocument(
            "corrupt", "its YAML front matter is invalid; fix the 'key: value' block between the '---' lines."
        )
    return {}, text


def _meta_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


class _MarkdownParagraphs:
    """Line buffer for the paragraph or list item being read."""

    def __init__(self, builder: SectionBuilder) -> None:
        self.builder = builder
        self.lines: list[str] = []
        self.is_item = False
        self.is_code = False  # a fenced block's lines: `ps aux | grep relais` is no table row

    def flush(self) -> None:
        if not self.is_item and not self.is_code and (rows := _pipe_rows(self.lines)):
            for cells in rows:  # « Verrouiller l'écran | Super+L » line after line: a table, one row a line
                self.builder.paragraph(table_row(cells))
            self.lines = []
            return
        self.is_code = False
        if self.lines:
            raw = " ".join(self.lines)
            text = _strip_inline(raw)
            if not self.is_item and _BOLD_LINE.match(raw) and reads_as_heading(text):
                self.builder.implied_heading(text)  # « **Pièces à fournir** » alone: a sub-heading set in bold
            else:
                self.builder.prefix = "- " if self.is_item else ""
                self.builder.paragraph(text)
        self.lines, self.is_item = [], False

    def start(self, line: str, *, is_item: bool) -> None:
        self.flush()
        self.lines, self.is_item = [line], is_item


def _pipe_rows(lines: list[str]) -> list[list[str]]:
    """The rows of a table written without its outer pipes (« Nom | Valeur », a « --- | --- » line or none under
    the first), when every line of the paragraph is one, with as many cells; else nothing: a paragraph."""
    rows = [line.split("|") for line in lines if not _TABLE_SEPARATOR.match(line)]
    if len(lines) < 2 or not rows or any(len(cells) != len(rows[0]) or len(cells) < 2 for cells in rows):
        return []
    return rows


def load_markdown(text: str, fallback_title: str) -> LoadedDocument:
    metadata, body = _front_matter(text)
    builder = SectionBuilder(absorb_first_h1=True)
    _parse_markdown_lines(_HTML_COMMENT.sub("", body).splitlines(), builder)
    builder.title = builder.title or clean_text(metadata.get("title", ""))
    return builder.finish(fallback_title, metadata)


def _parse_markdown_lines(lines: list[str], builder: SectionBuilder) -> None:
    para = _MarkdownParagraphs(builder)
    fence = ""
    for line in lines:
        if fence:  # inside a fenced code block: keep the text, never read it as headings
            if line.strip().startswith(fence):
                fence = ""
                para.flush()
            else:
                para.lines.append(line)
            continue
        if match := _FENCE.match(line):
            para.flush()
            fence = match.group(1)[0] * 3
            para.is_code = True
        elif not line.strip():
            para.flush()
        elif match := _ATX.match(line):
            para.flush()
            builder.heading(len(match.group(1)), _strip_inline(match.group(2) or ""))
        elif (match := _SETEXT.match(line)) and len(para.lines) == 1 and not para.is_item:
            heading, para.lines = para.lines[0], []
            builder.heading(1 if match.group(1)[0] == "=" else 2, _strip_inline(heading))
        elif _RULE.match(line):
            para.flush()
        else:
            _markdown_text_line(line, para)
    para.flush()


def _markdown_text_line(line: str, para: _MarkdownParagraphs) -> None:
    stripped = re.sub(r"^\s*(?:>\s?)+", "", line).strip()  # blockquotes read as plain paragraphs
    if match := _LIST_ITEM.match(stripped):
        para.start(match.group(1), is_item=True)
    elif stripped.startswith("|"):
        if not _TABLE_SEPARATOR.match(stripped):
            para.start(table_row(stripped.strip("|").split("|")), is_item=False)
            para.flush()
    elif stripped:
        para.lines.append(stripped)
