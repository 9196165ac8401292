"""Groundedness check: is every sentence of a generated answer backed by a passage it cites?

A generated answer cites the passages it was given as ``[1]``, ``[2]``… (numbered
from 1 in passage order). The check holds it to two rules:

1. **Every sentence carries a citation** to a passage that was given. A sentence is
   a sentence of a paragraph or a list item. French-aware splitting: no split inside
   « 1,5 », URLs or e-mail addresses, nor after « M. », « Mme. », « etc. », « cf. »,
   « art. » or a capital initial (unless a citation follows the period, which marks a
   sentence end); citation markers at the end of a sentence (« … départ. [1] »)
   belong to it. A lead-in ending with « : » and the list items right after it share
   their citations: items without citation inherit the lead-in's, a lead-in without
   citation inherits its items'. Markers out of range (« [3] » with two passages) are
   ``unknown_citation`` violations; a sentence with only such markers is not also
   reported as uncited. A line with only citation markers or punctuation is no sentence;
   a question (« Comment faire ? »), a Markdown heading or a courtesy formula (« Bonjour ! »,
   « Cordialement. ») asserts nothing and needs no citation (its facts are still checked).
   A lead-in followed by a paragraph rather than a list takes the citations of that
   paragraph's first sentence.
2. **Every fact of a sentence is in a passage that sentence cites** — not merely in
   some passage: a phone number taken from another passage than the cited one is a
   violation. Facts are compared by their normalised value, never as raw strings:

   - phone: French numbers as ten digits (« 01 23 45 67 89 », « 01.23.45.67.89 »,
     « +33 1 23 45 67 89 » → ``0123456789``); an internal extension (« poste 4214 »)
     → ``ext 4214``, supported by the same extension, by a cited full number ending
     with those digits, or by the bare number 4214 in a cited passage;
   - email: lower-cased; url: lower-cased, without scheme, « www. », trailing slash or
     trailing punctuation (http and https are equal); a bare site root
     (« intranet.ville.fr ») is supported by any cited URL of that host;
   - date: ``YYYY-MM-DD`` (« 3 mars 2026 », « 03/03/2026 », « 2026-03-03 »), ``--MM-DD``
     without year (« 1er janvier »), ``YYYY-MM`` (« mars 2026 »). A date without year
     is supported by a cited date of that day whatever its year; a date with a year
     by the same date, or by the day without year plus that year anywhere in the
     cited passages;
   - amount (« 15,25 € », « 15,25 euros », « 25 centimes » = 0.25 EUR), percentage
     (« 50 % », « cinquante pour cent »), duration: hours and minutes in minutes
     (« 2 h 30 » = « 150 minutes », « 37,5 heures » = « 37 h 30 »; clock times such as
     « 14 h » are compared the same way), days, weeks, months and years each in their
     own unit, qualifiers ignored (« 25 jours ouvrés » = « 25 jours »). The unit of an
     enumeration applies to each of its numbers (« 2 à 5 jours », « 5, 6 ou 7 jours »).
     A typed fact is supported by a cited fact of the same type and value, or by the
     same number written bare in a cited passage that uses that unit elsewhere
     (« au moins 8 » in a passage counting in days supports « 8 jours »); « 25 jours »
     is not supported by « 25 semaines », nor by « 25 agents » in a passage without days;
   - number: any other number. Supported by a cited fact that contains it: a bare
     number, or a component of an amount, percentage, duration (« 2 h 30 » holds 2 and
     30), date (day, month, year) or extension. Spelled numbers equal digits
     (« cinq » = 5, « deux cent cinquante » = 250, « quatre-vingt-dix » = 90);
     thousands separators and decimal commas are read (« 1 607 » = « 1.607 » = 1607,
     « 0,25 » = « 0.25 »).

   Ambiguous words are not numbers by themselves in an answer: « un »/« une » is an
   article unless a unit follows (« une semaine », « un euro » are facts, « une
   demande » is not); « neuf » is « new » and « zéro » is « remettre à zéro » unless a
   unit follows. Ordinal words (« premier », « deuxième ») are never checked. In the
   cited passages these words all count, so that a « 1 » or « 2e » in the answer is
   supported by « un » or « deuxième ». Not facts either: citation markers, list
   numbering at the start of a line (« 1. », « 2) ») and « étape N », and digits glued
   to letters (« 2FA », « COVID-19 », « A4 »).

A sentence without a valid citation also has each of its facts reported as
unsupported: no passage backs them. The check is pure Python (no Django).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from relais.engine.french.analysis import normalize_for_matching
from relais.engine.french.numbers import number_from_words
from relais.engine.french.sentences import split_line

UNCITED_SENTENCE = "uncited_sentence"
UNKNOWN_CITATION = "unknown_citation"
UNSUPPORTED_FACT = "unsupported_fact"


@dataclass(frozen=True)
class Violation:
    """One broken rule: its kind, the sentence, and for facts the fact's type and normalised value."""

    kind: str
    sentence: str
    value: str = ""
    fact: str | None = None
    normalized: str | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "sentence": self.sentence,
            "value": self.value,
            "fact": self.fact,
            "normalized": self.normalized,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class GroundingReport:
    grounded: bool
    violations: list[Violation] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"grounded": self.grounded, "violations": [v.as_dict() for v in self.violations]}


@dataclass(frozen=True)
class Fact:
    """A checkable fact: ``type`` (phone, email, url, date, amount, percentage, duration, number),
    ``value`` its normalised form, ``raw`` the text it was read from, ``numbers`` the
    numbers it holds (what a bare number of the answer may match)."""

    type: str
    value: str
    raw: str
    numbers: frozenset[Decimal] = frozenset()


# ---------------------------------------------------------------------------
# Numbers


# Words that are a number only as part of a larger one or before a unit (see module docstring).
_AMBIGUOUS = frozenset({"un", "une", "neuf", "zero"})
_ORDINALS = {
    "premier": 1,
    "premiere": 1,
    "second": 2,
    "seconde": 2,
    "deuxieme": 2,
    "troisieme": 3,
    "quatrieme": 4,
    "cinquieme": 5,
    "sixieme": 6,
    "septieme": 7,
    "huitieme": 8,
    "neuvieme": 9,
    "dixieme": 10,
    "onzieme": 11,
    "douzieme": 12,
    "vingtieme": 20,
    "centieme": 100,
}

_WORD = (
    r"(?:z[ée]ro|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize"
    r"|vingts?|trente|quarante|cinquante|soixante|cents?|mille|millions?)\b"
)
_WORD_SEP = r"(?:[\s-]+et[\s-]+(?=(?:une?|onze)\b)|[\s-]+)"
_WORDS = rf"\b{_WORD}(?:{_WORD_SEP}{_WORD}){{0,12}}"  # bounded: no quadratic scan of long runs
# Digits: thousands grouped by spaces (any kind) or dots, then decimal comma or dot.
_DIGITS = (
    r"(?:[1-9]\d{0,2}(?:[ \u00a0\u202f]\d{3}(?!\d)){1,4}(?:,\d+)?"
    r"|[1-9]\d{0,2}(?:\.\d{3}){1,4}(?!\d|[.,]\d)"
    r"|\d+(?:[.,]\d+)?)"
)
_BEFORE = r"(?<![\w@/.,\x00])(?<![^\W\d_]-)"  # not glued to a word, a path or another number
_NUM = rf"(?:{_DIGITS}|{_WORDS})"


def parse_number(text: str) -> Decimal | None:
    """A French number, in digits (« 1 607 », « 1.607 », « 0,25 ») or words (« deux cent cinquante »)."""
    text = text.strip()
    if not text:
        return None
    if not text[0].isdigit():
        try:
            return Decimal(number_from_words(text))
        except KeyError:
            return None
    compact = re.sub(r"[ \u00a0\u202f]", "", text)
    if re.fullmatch(r"[1-9]\d{0,2}(?:\.\d{3})+", compact):
        compact = compact.replace(".", "")
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:
        return None


def _fmt(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in {"-0", ""} else text


# ---------------------------------------------------------------------------
# Fact patterns, applied in this order; each match is masked before the next pattern runs.

_FLAGS = re.IGNORECASE
_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
_MONTH = r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre)"
_TRAILING = ".,;:!?)]»\"'’…*_`~"

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", _FLAGS)
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>()\[\]{}«»\"`]+"
    r"|(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:fr|com|org|net|eu|info|io)\b(?:/[^\s<>()\[\]{}«»\"]*)?",
    _FLAGS,
)
_PHONE_RE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:[\s.\-]?\d{2}){4}(?!\d)"
    r"|(?<![\d+])0\s?8\d{2}(?:[\s.]?\d{3}){2}(?!\d)",
    _FLAGS,
)
_EXTENSION_RE = re.compile(r"\b(?:postes?|extension|ext\.)\s*(?:n°\s*)?(\d{3,5})(?![\w])", _FLAGS)
_DATE_DMY_RE = re.compile(
    rf"(?<![\w\x00])(?P<day>\d{{1,2}}|1er|premier)\s+(?P<month>{_MONTH})\b(?:\s+(?P<year>\d{{4}})(?!\d))?", _FLAGS
)
_DATE_MY_RE = re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<year>\d{{4}})(?!\d)", _FLAGS)
_DATE_NUMERIC_RE = re.compile(
    r"(?<![\d\x00])(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4}|\d{2})(?![\d/])"
    r"|(?<![\d\x00])(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})(?!\d)"
)
# « 2 à 5 jours », « 5, 6 ou 7 jours », « 3-4 semaines »: the unit applies to each number of the enumeration.
_ENUM = rf"(?P<pre>(?:{_NUM}\s*,\s*){{0,8}}{_NUM}(?:\s+(?:ou|et|à)\s+(?!(?:une?|onze)\b)|\s*[-–]\s*(?=\d)))?"
_NUM_RE = re.compile(_NUM, _FLAGS)
_PERCENT_RE = re.compile(rf"{_BEFORE}{_ENUM}(?P<n>{_NUM})\s*(?:%|pour\s*cent\b|pourcents?\b)", _FLAGS)
_AMOUNT_RE = re.compile(
    rf"{_BEFORE}{_ENUM}(?P<n>{_NUM})\s*(?:(?P<cur>€|euros?\b|eur\b)|(?P<cents>centimes?\b))|€\s*(?P<n2>{_DIGITS})(?!\d)",
    _FLAGS,
)
_CLOCK_RE = re.compile(r"(?<![\d\x00:])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d:])")
_HOURS_RE = re.compile(
    rf"{_BEFORE}{_ENUM}(?P<n>{_NUM})\s*(?:heures?\b|h(?![^\W\d_]|['’]))"
    r"(?:\s*(?P<m>[0-5]?\d)(?!\d)(?!\s*(?:jours?|j|semaines?|mois|ans?|ann[ée]es?)\b)(?:\s*(?:minutes?\b|min\b|mn\b))?)?"
    r"(?P<half>\s+et\s+demie\b)?",
    _FLAGS,
)
_MINUTES_RE = re.compile(rf"{_BEFORE}{_ENUM}(?P<n>{_NUM})\s*(?:minutes?\b|min\b|mn\b)", _FLAGS)
_UNITS = {
    "jour": "day",
    "journee": "day",
    "j": "day",
    "semaine": "week",
    "mois": "month",
    "an": "year",
    "annee": "year",
}
_OTHER_DURATION_RE = re.compile(
    rf"{_BEFORE}{_ENUM}(?P<n>{_NUM})\s*(?P<unit>jours?\b|journ[ée]es?\b|j(?![\w’'])|semaines?\b|mois\b|ans?\b|ann[ée]es?\b)",
    _FLAGS,
)
_STEP_RE = re.compile(r"\b[ée]tapes?\s*(?:n°\s*)?\d{1,2}(?!\d)", _FLAGS)
_NUMBER_RE = re.compile(rf"{_BEFORE}(?P<n>{_DIGITS}|{_WORDS})(?:er|re|ère|ème|eme|e|nd|nde)?(?![\w@])", _FLAGS)
_ORDINAL_RE = re.compile(r"\b(premi[eè]re?|seconde?|\w+i[eè]me)\b", _FLAGS)


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + "\x00" * (end - start) + text[end:]


def _strip_trailing(raw: str) -> str:
    return raw.rstrip(_TRAILING)


def _url_value(raw: str) -> str:
    value = re.sub(r"^https?://", "", raw.casefold())
    value = re.sub(r"^www\.", "", value)
    return value.rstrip("/")


def _phone_value(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0033"):
        digits = digits[4:]
    elif digits.startswith("33") and raw.lstrip().startswith("+"):
        digits = digits[2:]
    return digits if digits.startswith("0") else "0" + digits


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _date_fact(raw: str, day: int | None, month: int, year: int | None) -> Fact | None:
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    if day is None:
        value = f"{year:04d}-{month:02d}"
    else:
        value = f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"
    numbers = {Decimal(month)} | ({Decimal(day)} if day else set()) | ({Decimal(year)} if year else set())
    return Fact("date", value, raw, frozenset(numbers))


def _quantity_fact(kind: str, unit: str, number: Decimal, raw: str, parts: Sequence[Decimal] = ()) -> Fact:
    suffix = f" {unit}" if unit else ""
    return Fact(kind, f"{_fmt(number)}{suffix}", raw, frozenset(parts or [number]))


def _is_ambiguous_alone(number_text: str) -> bool:
    return normalize_for_matching(number_text.strip()) in _AMBIGUOUS


@dataclass
class _Extraction:
    facts: list[Fact]
    support: set[Decimal]  # numbers written as ambiguous or ordinal words (passages only)


def _extract(text: str) -> _Extraction:
    text = unicodedata.normalize("NFC", text)
    facts: list[Fact] = []

    def run(pattern: re.Pattern[str], build, enumerable: bool = False) -> None:
        nonlocal text
        for match in list(pattern.finditer(text)):
            fact = build(match)
            if fact is None:
                continue
            facts.append(fact)
            if enumerable and match.group("pre"):
                # The other numbers of the enumeration, with the same unit as the last one.
                unit = fact.value.partition(" ")[2]
                scale = 60 if pattern is _HOURS_RE else Decimal("0.01") if match.groupdict().get("cents") else 1
                for number in filter(None, map(parse_number, _NUM_RE.findall(match.group("pre")))):
                    facts.append(_quantity_fact(fact.type, unit, number * scale, match.group(0), [number]))
            text = _mask(text, match.start(), match.end())

    def email(m: re.Match[str]) -> Fact:
        return Fact("email", m.group(0).casefold(), m.group(0))

    def url(m: re.Match[str]) -> Fact | None:
        raw = _strip_trailing(m.group(0))
        return Fact("url", _url_value(raw), raw) if "." in raw else None

    def phone(m: re.Match[str]) -> Fact:
        return Fact("phone", _phone_value(m.group(0)), m.group(0).strip())

    def extension(m: re.Match[str]) -> Fact:
        return Fact("phone", f"ext {m.group(1)}", m.group(0), frozenset({Decimal(m.group(1))}))

    def date_dmy(m: re.Match[str]) -> Fact | None:
        day_text = normalize_for_matching(m.group("day"))
        day = 1 if day_text in {"1er", "premier"} else int(day_text)
        year = int(m.group("year")) if m.group("year") else None
        return _date_fact(m.group(0), day, _MONTHS[normalize_for_matching(m.group("month"))], year)

    def date_my(m: re.Match[str]) -> Fact | None:
        return _date_fact(m.group(0), None, _MONTHS[normalize_for_matching(m.group("month"))], int(m.group("year")))

    def date_numeric(m: re.Match[str]) -> Fact | None:
        if m.group("iy"):
            return _date_fact(m.group(0), int(m.group("id")), int(m.group("im")), int(m.group("iy")))
        return _date_fact(m.group(0), int(m.group("day")), int(m.group("month")), _year(m.group("year")))

    def percent(m: re.Match[str]) -> Fact | None:
        number = parse_number(m.group("n"))
        return None if number is None else _quantity_fact("percentage", "%", number, m.group(0))

    def amount(m: re.Match[str]) -> Fact | None:
        number = parse_number(m.group("n") or m.group("n2"))
        if number is None:
            return None
        if m.group("cents"):
            return _quantity_fact("amount", "EUR", number / 100, m.group(0), [number])
        return _quantity_fact("amount", "EUR", number, m.group(0))

    def clock(m: re.Match[str]) -> Fact:
        hours, minutes = Decimal(m.group("h")), Decimal(m.group("m"))
        return _quantity_fact("duration", "min", hours * 60 + minutes, m.group(0), [hours, minutes])

    def hours(m: re.Match[str]) -> Fact | None:
        number = parse_number(m.group("n"))
        if number is None:
            return None
        minutes = Decimal(m.group("m")) if m.group("m") else Decimal(0)
        parts = [number, minutes] if m.group("m") else [number]
        if m.group("half"):
            minutes += 30
        return _quantity_fact("duration", "min", number * 60 + minutes, m.group(0), parts)

    def minutes(m: re.Match[str]) -> Fact | None:
        number = parse_number(m.group("n"))
        return None if number is None else _quantity_fact("duration", "min", number, m.group(0))

    def other_duration(m: re.Match[str]) -> Fact | None:
        number = parse_number(m.group("n"))
        unit = normalize_for_matching(m.group("unit"))
        unit = unit[:-1] if unit.endswith("s") and unit != "mois" else unit
        return None if number is None else _quantity_fact("duration", _UNITS[unit], number, m.group(0))

    run(_EMAIL_RE, email)
    run(_URL_RE, url)
    run(_PHONE_RE, phone)
    run(_EXTENSION_RE, extension)
    run(_DATE_NUMERIC_RE, date_numeric)
    run(_DATE_DMY_RE, date_dmy)
    run(_DATE_MY_RE, date_my)
    run(_PERCENT_RE, percent, enumerable=True)
    run(_AMOUNT_RE, amount, enumerable=True)
    run(_CLOCK_RE, clock)
    run(_HOURS_RE, hours, enumerable=True)
    run(_MINUTES_RE, minutes, enumerable=True)
    run(_OTHER_DURATION_RE, other_duration, enumerable=True)
    run(_STEP_RE, lambda m: Fact("step", "", m.group(0)))  # structural: masked, then dropped below

    support: set[Decimal] = set()
    for match in _NUMBER_RE.finditer(text):
        number = parse_number(match.group("n"))
        if number is None:
            continue
        if _is_ambiguous_alone(match.group("n")):
            support.add(number)
        else:
            facts.append(_quantity_fact("number", "", number, match.group(0)))
    for match in _ORDINAL_RE.finditer(text):
        value = _ORDINALS.get(normalize_for_matching(match.group(1)))
        if value is not None:
            support.add(Decimal(value))
    return _Extraction([f for f in facts if f.type != "step"], support)


def extract_facts(text: str) -> list[Fact]:
    """The checkable facts of a text, with their normalised values."""
    return _extract(text).facts


# ---------------------------------------------------------------------------
# Sentences

_CITATION_RE = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:[,;]|[-–])\s*\d{1,3})*)\s*\]")
_INLINE_NUMBERING_RE = re.compile(r"(^|[:;])\s*\d{1,2}[.)]\s+(?=\D)")  # « Étapes : 1. Ouvrir… »
_LIST_ITEM_RE = re.compile(r"^\s*(?:[-*•–—+]|\d{1,2}[.)])\s+")


def _citation_numbers(inner: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", inner.strip()):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
        if len(bounds) == 2 and bounds[0] <= bounds[1] <= bounds[0] + 20:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


_COURTESY = frozenset({"bonjour", "bonsoir", "merci", "cordialement", "bien", "salutations", "madame", "monsieur"})


@dataclass
class _Sentence:
    text: str
    body: str  # without citation markers nor list marker
    own: list[int]
    item: bool
    heading: bool = False
    cited: set[int] = field(default_factory=set)

    @property
    def has_content(self) -> bool:
        return re.search(r"[^\W_]", self.body) is not None

    @property
    def needs_citation(self) -> bool:
        """Questions, Markdown headings and courtesy formulas assert nothing; every other sentence needs a citation."""
        if self.heading or self.body.rstrip().rstrip("*_ ").endswith("?"):
            return False
        return not set(re.findall(r"[^\W\d_]+", normalize_for_matching(self.body))) <= _COURTESY

    @property
    def lead_in(self) -> bool:
        return self.body.rstrip().rstrip("*_ ").endswith(":")


def _lines(text: str) -> list[str]:
    """Lines of the answer, a line that continues the previous sentence (lower-case start) joined to it."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            lines.append("")
            continue
        previous = lines[-1] if lines else ""
        if (
            previous
            and not _LIST_ITEM_RE.match(line)
            and not _LIST_ITEM_RE.match(previous)
            and line[0].islower()
            and _CITATION_RE.sub("", previous).rstrip()[-1:] not in set(".!?…:;")
        ):
            lines[-1] = f"{previous} {line}"
        else:
            lines.append(line)
    return lines


def _parse(answer: str) -> list[_Sentence]:
    blocks: list[tuple[bool, list[_Sentence]]] = []
    for line in _lines(unicodedata.normalize("NFC", answer)):
        if not line:
            blocks.append((False, []))
            continue
        item = _LIST_ITEM_RE.match(line) is not None
        heading = line.startswith("#")
        sentences = []
        for index, text in enumerate(split_line(line)):
            body = _LIST_ITEM_RE.sub("", text, count=1) if item and index == 0 else text
            body = _INLINE_NUMBERING_RE.sub(r"\1 ", body)
            own = [n for inner in _CITATION_RE.findall(body) for n in _citation_numbers(inner)]
            body = _CITATION_RE.sub(" ", body).lstrip("# ") if heading else _CITATION_RE.sub(" ", body)
            sentences.append(_Sentence(text, body, list(dict.fromkeys(own)), item, heading))
        blocks.append((item, sentences))
    # A lead-in ending with « : » and the list items that follow share their citations; a lead-in
    # followed by a paragraph takes the citations of that paragraph's first sentence.
    for position, (item, sentences) in enumerate(blocks):
        if item or not sentences or not sentences[-1].lead_in:
            continue
        items: list[_Sentence] = []
        following: _Sentence | None = None
        for next_item, next_sentences in blocks[position + 1 :]:
            if not next_sentences:
                continue
            if not next_item:
                following = None if items else next_sentences[0]
                break
            items.extend(next_sentences)
        lead = sentences[-1]
        for sentence in items:
            if not sentence.own:
                sentence.cited |= set(lead.own)
        if not lead.own:
            lead.cited |= {n for sentence in items for n in sentence.own} | set(following.own if following else [])
    result = [sentence for _, sentences in blocks for sentence in sentences]
    for sentence in result:
        sentence.cited |= set(sentence.own)
    return result


def split_sentences(text: str) -> list[str]:
    """The sentences and list items of an answer, verbatim, each with its citation markers."""
    return [sentence.text for sentence in _parse(text)]


# ---------------------------------------------------------------------------
# The check


@dataclass
class _PassageFacts:
    facts: list[Fact]
    numbers: set[Decimal]

    @classmethod
    def of(cls, passage: str) -> _PassageFacts:
        extraction = _extract(passage)
        numbers = set(extraction.support)
        for fact in extraction.facts:
            numbers |= fact.numbers
        return cls(extraction.facts, numbers)


def _supported(fact: Fact, cited: Sequence[_PassageFacts]) -> bool:
    facts = [f for passage in cited for f in passage.facts]
    numbers = set().union(*(passage.numbers for passage in cited)) if cited else set()
    if fact.type == "number":
        return bool(fact.numbers & numbers)
    if any(f.type == fact.type and f.value == fact.value for f in facts):
        return True
    if fact.type in {"amount", "percentage", "duration"} and len(fact.numbers) == 1:
        # « au moins 8 » in a passage that counts in days supports « 8 jours ».
        unit = fact.value.partition(" ")[2]
        for passage in cited:
            bare = {n for f in passage.facts if f.type == "number" for n in f.numbers}
            if fact.numbers <= bare and any(
                f.type == fact.type and f.value.partition(" ")[2] == unit for f in passage.facts
            ):
                return True
    if fact.type == "phone" and fact.value.startswith("ext "):
        digits = fact.value[4:]
        return bool(fact.numbers & numbers) or any(
            f.type == "phone" and not f.value.startswith("ext ") and f.value.endswith(digits) for f in facts
        )
    if fact.type == "url" and "/" not in fact.value:
        return any(f.type == "url" and f.value.split("/")[0] == fact.value for f in facts)
    if fact.type == "date":
        dates = [f.value for f in facts if f.type == "date"]
        if fact.value.startswith("--"):  # day without year
            return any(d.endswith(fact.value[1:]) and len(d) == 10 for d in dates)
        if len(fact.value) == 7:  # month and year
            return any(d.startswith(fact.value) for d in dates)
        year, day = Decimal(fact.value[:4]), "--" + fact.value[5:]
        return year in numbers and day in dates
    return False


def check_grounding(answer: str, passages: Sequence[str]) -> GroundingReport:
    """Check ``answer`` against ``passages`` (cited as ``[1]``, ``[2]``… in this order)."""
    passage_facts: dict[int, _PassageFacts] = {}

    def facts_of(number: int) -> _PassageFacts:
        if number not in passage_facts:
            passage_facts[number] = _PassageFacts.of(passages[number - 1])
        return passage_facts[number]

    violations: list[Violation] = []
    for sentence in _parse(answer):
        unknown = [n for n in sentence.own if not 1 <= n <= len(passages)]
        for number in unknown:
            violations.append(
                Violation(
                    UNKNOWN_CITATION,
                    sentence.text,
                    f"[{number}]",
                    detail=f"citation [{number}] but {len(passages)} passage(s) were given",
                )
            )
        if not sentence.has_content:
            continue
        cited = sorted(n for n in sentence.cited if 1 <= n <= len(passages))
        if not cited and not unknown and sentence.needs_citation:
            violations.append(Violation(UNCITED_SENTENCE, sentence.text, detail="sentence without citation"))
        cited_facts = [facts_of(n) for n in cited]
        seen: set[tuple[str, str]] = set()
        for fact in extract_facts(sentence.body):
            if (fact.type, fact.value) in seen or _supported(fact, cited_facts):
                continue
            seen.add((fact.type, fact.value))
            where = "in cited passage(s) " + ", ".join(f"[{n}]" for n in cited) if cited else "(no passage cited)"
            violations.append(
                Violation(
                    UNSUPPORTED_FACT,
                    sentence.text,
                    fact.raw,
                    fact=fact.type,
                    normalized=fact.value,
                    detail=f"{fact.type} {fact.raw!r} ({fact.value}) not found {where}",
                )
            )
    return GroundingReport(not violations, violations)
