"""Personal-data guard: find, mask and classify personal data in French text. Pure Python, no Django.

``find_pii`` returns the spans of personal data in a text:

- ``nir``: French social-security number. With its key (13 characters + 2-digit key = 97 − number mod 97,
  Corsican departments 2A/2B counted as 19/18), or by its shape alone when the key is missing or wrong: 13
  characters, or 15 with any key, whose structure is a NIR's (sex 1, 2 or — provisional numbers — 7, 8; year;
  month 01–12, 20–42 or 50–99; department 01–99, 2A, 2B or 97x/98x; commune and order number other than 000).
  Spaces, dots or dashes are allowed between its groups. A number with a wrong or missing key is not taken
  for a NIR right after « ticket », « facture », « commande », « EAN », « IMEI »… (unless « NIR », « sécu »…
  is nearer), nor before « € »; sex digits 3 and 4 need the right key (else every 13-digit French product
  barcode, 30…–37…, would be one);
- ``iban``: ISO 13616 account number of any listed country, mod-97 checked, with or without spaces;
- ``card``: payment card of 13 to 19 digits, Luhn checked, with a known issuer prefix and length;
- ``password``: the secret of a password phrase — « mon mot de passe est Soleil2024 », « mdp : x », « password:
  x », « mot de passe provisoire Xy7#kP », « code PIN 4821 », and « le code est 1234 » when the text speaks of
  passwords or logins. Questions about passwords (« comment changer mon mot de passe ? », « mot de passe
  oublié », « mon mot de passe est expiré ») are not secrets;
- ``phone``: French number (« 06 12 34 56 78 », « 06.12.34.56.78 », « 0612345678 », « +33 6… »,
  « +33 (0)6… », « 0033 6… »), never a 4-digit extension or a ticket number;
- ``email``;
- ``birthdate``: a date written next to « né(e) le », « date de naissance », « DDN »; other dates are left alone;
- ``address``: street number + street type (rue, avenue, bd, chemin, impasse, allée, place…) + name, with the
  postcode and town when they follow;
- ``health``: a medical condition, diagnosis or treatment said of the asker (or someone close to them):
  « je suis en arrêt pour dépression », « mon cancer », « je prends des antidépresseurs ». Questions about
  procedures (« le burn-out est-il une maladie professionnelle ? ») are not personal data.

Every detector reads the text normalised (``normalize``: Unicode NFKC, so full-width digits « １８５ » are
digits, and without the invisible format characters — zero-width spaces and joiners, soft hyphens, BOM,
bidirectional marks — that would split a number). The spans are mapped back onto the text as given: their
offsets and ``Span.text`` are those of the caller's text, and ``mask`` replaces those characters there, so a
text without personal data comes back unchanged, character for character (masking the normalised text
instead would rewrite « … », « ½ » or non-breaking spaces in every stored question).

Spans never overlap: when two detectors claim the same characters, the one with the
stronger evidence wins (checksums first, then formats, then context rules), see ``PRIORITY``.

``mask`` replaces each span by a French placeholder (« [NIR] », « [TÉLÉPHONE] »…), ``guard_free_text`` masks
a free text before it is stored (feedback, tickets, replies, procedure answers) and says what it masked, and
``personal_situation`` says whether a question is about the asker's own health or
disciplinary situation, which Relais hands to a person instead of answering.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TYPES = ("nir", "iban", "card", "password", "phone", "email", "birthdate", "address", "health")

PLACEHOLDERS = {
    "nir": "[NIR]",
    "iban": "[IBAN]",
    "card": "[CARTE]",
    "password": "[MOT DE PASSE]",
    "phone": "[TÉLÉPHONE]",
    "email": "[E-MAIL]",
    "birthdate": "[DATE DE NAISSANCE]",
    "address": "[ADRESSE]",
    "health": "[SANTÉ]",
}

# Overlap resolution: a span of an earlier type wins over any overlapping span of a later one.
# A password phrase outranks the phone and date rules: « mdp : 0612345678 » is a secret, whatever it looks like.
PRIORITY = ("email", "iban", "nir", "card", "password", "phone", "birthdate", "address", "health")

# Never needed in the free texts Relais stores (feedback comments, tickets, handlers' replies, procedure
# answers, approval comments): the charter keeps social-security numbers, bank details, passwords and health
# out of the tool. Phones, e-mails, addresses and dates may be what a ticket or a procedure is about.
NEVER_STORED = ("nir", "iban", "card", "password", "health")


@dataclass(frozen=True, slots=True)
class Span:
    type: str
    start: int
    end: int
    text: str


# --- normalisation --------------------------------------------------------------------------------------------


def _invisible(char: str) -> bool:
    """A format character (Unicode category Cf): zero-width space and joiners, word joiner, soft hyphen, BOM,
    bidirectional marks…, which show nothing but split a number or a word for the detectors."""
    return unicodedata.category(char) == "Cf"


def normalize(text: str) -> str:
    """``text`` as the detectors read it: NFKC, without format characters."""
    return unicodedata.normalize("NFKC", "".join(char for char in text if not _invisible(char)))


class _Normalized:
    """The normalised text, and where each of its characters comes from in the original.

    The text is cut into chunks normalised one by one: NFKC of the whole equals the chunks' NFKC put together
    when each chunk starts with a character that nothing before can combine with (checked; else the chunks
    are cut only before ASCII characters, which never combine with what precedes them). A character of the
    normalised text maps back to the whole chunk it comes from.
    """

    __slots__ = ("_ends", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        self._ends: list[int] = []
        if text.isascii() or (unicodedata.is_normalized("NFKC", text) and not any(map(_invisible, text))):
            return  # the common case: the text is its own normalised form
        kept = [(i, char) for i, char in enumerate(text) if not _invisible(char)]
        whole = unicodedata.normalize("NFKC", "".join(char for _, char in kept))
        for fine in (True, False):
            chunks = self._chunks(kept, fine)
            parts = [unicodedata.normalize("NFKC", "".join(char for _, char in chunk)) for chunk in chunks]
            if "".join(parts) == whole:
                break
        else:  # not reached: cutting before ASCII characters is exact
            chunks, parts = [kept], [whole]
        starts, ends = [], []
        for chunk, part in zip(chunks, parts, strict=True):
            starts += [chunk[0][0]] * len(part)
            ends += [chunk[-1][0] + 1] * len(part)
        self.text, self._starts, self._ends = whole, starts, ends

    @staticmethod
    def _chunks(kept: list[tuple[int, str]], fine: bool) -> list[list[tuple[int, str]]]:
        chunks: list[list[tuple[int, str]]] = []
        for item in kept:
            char = item[1]
            new = char.isascii() or (fine and unicodedata.combining(char) == 0 and not "\u1100" <= char <= "\u11ff")
            if new or not chunks:
                chunks.append([item])
            else:
                chunks[-1].append(item)
        return chunks

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The characters of the original text that ``[start, end)`` of the normalised text comes from."""
        if self._starts is None:
            return start, end
        return self._starts[start], self._ends[end - 1]


# --- checksums ------------------------------------------------------------------------------------------------


def nir_key(number: str) -> int:
    """The 2-digit key of a 13-character NIR (« 2A »/« 2B » departments count as 19/18)."""
    number = number.upper()
    if number[5:7] == "2A":
        number = number[:5] + "19" + number[7:]
    elif number[5:7] == "2B":
        number = number[:5] + "18" + number[7:]
    return 97 - int(number) % 97


def is_valid_nir(value: str) -> bool:
    """A 15-character NIR (separators allowed) with a plausible sex, month, department and a matching key."""
    value = re.sub(r"[\s.\-]", "", value).upper()
    if not re.fullmatch(r"[1-478]\d{4}(?:\d{2}|2[AB])\d{8}", value):
        return False
    month = int(value[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        return False
    if value[5:7] == "00":
        return False
    return nir_key(value[:13]) == int(value[13:])


def nir_shape_ok(value: str) -> bool:
    """The 13 characters before a NIR's key (separators allowed) have a NIR's structure, whatever the key.

    Sex 1 or 2, or 7 or 8 for a provisional number (3 and 4 are left to ``is_valid_nir``: a 13-digit French
    product barcode starts with 30 to 37); year; month 01–12, 20–42 or 50–99 (INSEE's codes for an unknown
    month); department 01–99, 2A or 2B; then commune and order number, neither 000.
    """
    value = re.sub(r"[\s.\-]", "", value).upper()
    if not re.fullmatch(r"[1278]\d{4}(?:\d{2}|2[AB])\d{6}", value):
        return False
    month = int(value[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        return False
    return value[5:7] != "00" and value[7:10] != "000" and value[10:13] != "000"


# Lengths of the IBANs of the countries Relais users are likely to give (SEPA and neighbours).
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MA": 28, "MC": 27, "MT": 31, "NL": 18, "NO": 15,
    "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "VA": 22, "DZ": 26,
}  # fmt: skip


def iban_remainder(value: str) -> int:
    """ISO 7064 mod 97-10 of an IBAN (1 when valid)."""
    value = value[4:] + value[:4]
    return int("".join(str(int(char, 36)) for char in value)) % 97


def is_valid_iban(value: str) -> bool:
    """An IBAN (spaces allowed) of a known country, with its length and mod-97 check."""
    value = re.sub(r"[\s\-]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", value) or IBAN_LENGTHS.get(value[:2]) != len(value):
        return False
    return iban_remainder(value) == 1


def luhn_ok(digits: str) -> bool:
    """The Luhn check of a digit string."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_issuer_ok(digits: str) -> bool:
    """A length that the issuer prefix allows (Visa, Mastercard, CB, Amex, Diners, Discover, JCB, Maestro…)."""
    length = len(digits)
    if digits[0] == "4":
        return length in (13, 16, 19)
    if digits[:2] in ("34", "37"):
        return length == 15
    if "51" <= digits[:2] <= "55" or "2221" <= digits[:4] <= "2720":
        return length == 16
    if digits[:2] in ("30", "36", "38", "39"):
        return length in (14, 16)
    if digits[:2] == "35":
        return 16 <= length <= 19
    if digits[0] == "6" or digits[:2] == "50" or "56" <= digits[:2] <= "58":
        return 13 <= length <= 19
    return False


def is_valid_card(value: str) -> bool:
    digits = re.sub(r"[\s\-]", "", value)
    return digits.isdigit() and 13 <= len(digits) <= 19 and card_issuer_ok(digits) and luhn_ok(digits)


# --- detectors ------------------------------------------------------------------------------------------------

_SEP = r"[ \u00a0\u202f.\-]"  # between groups of digits
_NIR = re.compile(  # the key may be introduced by « clé » (« … 084 clé 91 »), or be missing
    rf"(?<![\w+\-/.,])(?=(?P<nir>[1-478]{_SEP}?\d{{2}}{_SEP}?\d{{2}}{_SEP}?"  # sex, year, month
    rf"(?:(?:\d{{2}}|2[ABab]){_SEP}?\d{{3}}|\d{{3}}{_SEP}?\d{{2}})"  # department and commune (overseas: 3 + 2)
    rf"{_SEP}?\d{{3}}(?P<key>(?:{_SEP}?|\s*,?\s*cl[ée]f?\s*:?\s*)\d{{2}})?)(?![\w]|[.,]\d))"  # order, key
)
# What a 13- or 15-digit number with a wrong or missing key is, when one of these words comes just before it…
_NOT_NIR_CONTEXT = re.compile(
    r"\b(?:siret|siren|tva|factures?|commandes?|tickets?|dossiers?|réf(?:\.|érences?\b)|incidents?|contrats?"
    r"|séries?|s/n|bons?\s+de\s+commande|ean|gtin|isbn|codes?[\s\-]barres?|imei|colis|suivi|fiscal|devis|mandats?"
    r"|bordereaux?|engagements?|demandes?|transactions?|autorisations?)\b",
    re.IGNORECASE,
)
# … unless the number is introduced as a social-security number, nearer to it.
_NIR_CUE = re.compile(
    r"\b(?:nir|nia|s[ée]cu\w*|s[ée]curit[ée]\s+sociale|ss|insee|carte\s+vitale|immatriculation)\b", re.IGNORECASE
)


def _nir_by_shape_ok(text: str, start: int, end: int, digits: str) -> bool:
    """A number whose key is missing or wrong: a NIR when its structure is one and nothing says otherwise."""
    if not nir_shape_ok(digits[:13]):
        return False
    if re.match(r"\s*(?:€|eur\b|euros?\b|%)", text[end:], re.IGNORECASE):
        return False  # an amount
    if len(digits) == 15 and is_valid_card(digits):
        return False  # a card number (Luhn) that happens to have a NIR's shape
    before = text[max(0, start - 40) : start]
    other = [m.end() for m in _NOT_NIR_CONTEXT.finditer(before)]
    cue = [m.end() for m in _NIR_CUE.finditer(before)]
    return not other or (bool(cue) and cue[-1] > other[-1])


def _find_nir(text: str) -> list[tuple[int, int]]:
    found = []
    for m in _NIR.finditer(text):
        digits = re.sub(r"cl[ée]f?|[:,\s.\-]", "", m.group("nir"), flags=re.IGNORECASE).upper()
        if (m["key"] and is_valid_nir(digits)) or _nir_by_shape_ok(text, m.start("nir"), m.end("nir"), digits):
            found.append(m.span("nir"))
    return found


_IBAN_START = re.compile(r"(?<![\w])([A-Za-z]{2})(\d{2})")


def _find_iban(text: str) -> list[tuple[int, int]]:
    found = []
    for m in _IBAN_START.finditer(text):
        country = m.group(1).upper()
        length = IBAN_LENGTHS.get(country)
        if length is None:
            continue
        chars, pos = [country, m.group(2)], m.end()
        count = 4
        while count < length and pos < len(text):
            char = text[pos]
            if char.isascii() and char.isalnum():
                chars.append(char.upper())
                count += 1
                pos += 1
            elif char in " \u00a0\u202f-" and text[pos + 1 : pos + 2].isascii() and text[pos + 1 : pos + 2].isalnum():
                pos += 1
            else:
                break
        if count != length or (pos < len(text) and text[pos].isalnum()):
            continue
        if iban_remainder("".join(chars)) == 1:
            found.append((m.start(), pos))
    return found


_DIGIT_RUN = re.compile(r"(?<![\w.,/+\-])\d+(?:[ \u00a0\-]\d+)*")
# Numbers that follow these words are identifiers, not cards or phones (unless « carte » comes in between).
_NOT_CONTEXT = re.compile(
    r"\b(?:siret|siren|tva|factures?|commandes?|tickets?|dossiers?|réf(?:\.|érences?\b)|incidents?|contrats?|série"
    r"|bons?\s+de\s+commande)\b"
    r"(?![^\n]*\b(?:carte|cb|visa|mastercard|tél\w*|portable|mobile|appel\w*|joindre)\b)",
    re.IGNORECASE,
)
_IBAN_PREFIX = re.compile(r"[A-Za-z]{2}\d{2}[ \u00a0\-]?$")


def _card_groups_ok(groups: list[str]) -> bool:
    if len(groups) == 1:
        return True
    sizes = [len(group) for group in groups]
    if all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4:
        return True
    return sizes in ([4, 6, 5], [4, 6, 4])


def _find_card(text: str) -> list[tuple[int, int]]:
    found = []
    for run in _DIGIT_RUN.finditer(text):
        before = text[max(0, run.start() - 30) : run.start()]
        if _IBAN_PREFIX.search(before) or _NOT_CONTEXT.search(before):
            continue
        groups = list(re.finditer(r"\d+", run.group()))
        i = 0
        while i < len(groups):
            best = None
            for j in range(i, len(groups)):
                parts = [g.group() for g in groups[i : j + 1]]
                digits = "".join(parts)
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and _card_groups_ok(parts) and card_issuer_ok(digits) and luhn_ok(digits):
                    rank = (len(digits) == 16, len(digits))
                    if best is None or rank > best[0]:
                        best = (rank, j)
            if best is None:
                i += 1
                continue
            j = best[1]
            found.append((run.start() + groups[i].start(), run.start() + groups[j].end()))
            i = j + 1
    return found


_PHONE = re.compile(
    r"(?<![\w+\-/])(?<!\d[.,])(?:(?:\+|00|\(\+)33\)?[ \u00a0.\-]?(?:\(0\)[ \u00a0]?)?[1-9]|0[1-9])"
    r"(?:(?P<sep>[ \u00a0\u202f.\-]?)\d{2}(?:(?P=sep)\d{2}){3}|[ \u00a0.]\d{4}[ \u00a0.]\d{4})(?![\w]|[.,\-/]\d)"
)


def _find_phone(text: str) -> list[tuple[int, int]]:
    found = []
    for m in _PHONE.finditer(text):
        compact = not m.group("sep") and m.group().isdigit()
        if compact and _NOT_CONTEXT.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        found.append((m.start(), m.end()))
    return found


_EMAIL = re.compile(r"(?<![\w.+\-%])[\w+\-%]+(?:\.[\w+\-%]+)*@(?:[\w\-]+\.)+[A-Za-z]{2,}(?![\w\-@])")


def _find_email(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _EMAIL.finditer(text)]


_MONTHS = (
    r"(?:janvier|janv\.?|f[ée]vrier|f[ée]vr?\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|ao[uû]t|"
    r"septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|d[ée]cembre|d[ée]c\.?)"
)
_DATE = (
    r"(?:(?:0?[1-9]|[12]\d|3[01])\s?(?P<sep>[/.\-])\s?(?:0?[1-9]|1[0-2])\s?(?P=sep)\s?(?:19|20)?\d{2}"
    rf"|(?:1er|0?[1-9]|[12]\d|3[01])\s+{_MONTHS}\s+(?:19|20)?\d{{2}}"
    r"|(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?![\w]|[/.\-]\d)"
)
_BIRTH_BEFORE = re.compile(
    r"(?:(?:\bné(?:e|s|es)?\b|\bnee?s?(?=\s+le\b))(?:\s?\(e\))?"  # « né », « née », « né(e) », « nee le »
    r"|\bdate\s+de\s+naissance\b|\bDDN\b|\bd\.d\.n\.|\bnaissance\s*(?::|le\b))"
    rf"(?P<filler>[^\d\n.?!;]{{0,40}}?)(?<![\w])(?P<date>{_DATE})",
    re.IGNORECASE,
)
# « les agents nés avant le 1er janvier 1961 » is a rule, not someone's birth date.
_NOT_BIRTH_FILLER = re.compile(
    r"\b(?:avant|après|apres|entre|depuis|partir|jusqu\w*|compter|plus\s+tard|plus\s+tôt)\b", re.IGNORECASE
)
_BIRTH_AFTER = re.compile(
    rf"(?<![\w/.\-])(?P<date>{_DATE})\s*[(,:\-–]?\s*(?:date\s+de\s+naissance|DDN)\b", re.IGNORECASE
)


def _find_birthdate(text: str) -> list[tuple[int, int]]:
    spans = [m.span("date") for m in _BIRTH_BEFORE.finditer(text) if not _NOT_BIRTH_FILLER.search(m["filler"])]
    spans += [m.span("date") for m in _BIRTH_AFTER.finditer(text)]
    return spans


# Street types: after these a lowercase name is accepted (« 12 rue des lilas »).
_STREETS_STRICT = r"rue|r\.|avenue|av\.|bd|bld|boulevard|chemin|ch\.|impasse|imp\.|all[ée]e|quai|faubourg|fbg|sq\."
# These are also common words (« 5 cours de formation », « 1 place de parking »): a capitalised name is required.
_STREETS_LOOSE = (
    r"place|pl\.|route|rte|cours|passage|voie|mail|villa|cit[ée]|square|r[ée]sidence|hameau|sentier|"
    r"lotissement|esplanade|promenade|parvis|rond-point|chauss[ée]e|clos|domaine|mont[ée]e"
)
_ADDRESS_HEAD = re.compile(
    rf"(?<![\w,.\-/])\d{{1,4}}(?:\s?(?:bis|ter|quater|[A-Da-d])\b)?,?\s+"  # number
    rf"(?:({_STREETS_STRICT})|({_STREETS_LOOSE}))(?!\w)",
    re.IGNORECASE,
)
_PARTICLES = frozenset(re.findall(r"\S+", "de du des la le les l' d' l’ d’ aux au saint sainte st ste"))
_NAME_STOP = frozenset(
    re.findall(
        r"\S+",
        """à a ai au avec car chez dans depuis donc du en est et il ils je j' j’ mais me mon ma mes nous on ou où par
    pendant pour près qu' qu’ que qui se sont sur suis tu un une vous y ce cette c' c’ ne n' n’ pas plus était
    bâtiment bat bât appartement appt étage escalier porte code""",
    )
)
_NAME_TOKEN = re.compile(r"\s*(?:([dlDL]['’])|([\w][\w\-]*(?:['’][\w\-]+)?))")
_POSTCODE_TOWN = re.compile(
    r",?\s*(?:-\s*)?(?:0[1-9]|[1-8]\d|9[0-8])\s?\d{3}"  # postcode
    r"\s+(?:(?:Le|La|Les|L['’])\s*)?[^\W\d][\w\-'’]*(?:\s+(?:Cedex|CEDEX)(?:\s\d{1,2})?)?"  # town
)


def _find_address(text: str) -> list[tuple[int, int]]:
    found = []
    for head in _ADDRESS_HEAD.finditer(text):
        strict = head.group(1) is not None
        pos, end = head.end(), None
        capitalised = lowercase = 0
        previous_particle = True  # the street type acts as a particle for the first word
        while True:
            m = _NAME_TOKEN.match(text, pos)
            if m is None:
                break
            word = m.group(1) or m.group(2)
            lower = word.lower()
            if lower in _PARTICLES:
                previous_particle = True
                pos = m.end()
                continue
            if word[0].isupper():
                capitalised += 1
            elif word.isdigit() and len(word) <= 4 and previous_particle:
                pass  # « place du 8 Mai 1945 »
            elif word.isdigit() and len(word) <= 4 and end is not None and capitalised:
                pass
            elif strict and word.isalpha() and lower not in _NAME_STOP and lowercase < 2 and len(word) > 1:
                lowercase += 1
            else:
                break
            previous_particle = False
            pos = end = m.end()
        if end is None or (not strict and not capitalised):
            continue
        tail = _POSTCODE_TOWN.match(text, end)
        if tail and not re.match(r"[\w]", text[tail.end() : tail.end() + 1]):
            end = tail.end()
        found.append((head.start(), end))
    return found


# Health: conditions, diagnoses and treatments. Matched only in a personal context (see below).
_CONDITIONS = "|".join(
    [
        r"cancers?(?:\s+(?:du\s+|de\s+la\s+|de\s+l['’]|des\s+)\w+)?|tumeurs?(?:\s+au\s+\w+)?|leuc[ée]mie|lymphome",
        r"m[ée]tastases?|d[ée]pression(?:\s+s[ée]v[èe]re)?|burn[\s\-]?out|[ée]puisement\s+professionnel",
        r"d[ée]pressi(?:f|ve)|diab[èe]te(?:\s+de\s+type\s+(?:1|2|I|II))?|diab[ée]tique|scl[ée]rose\s+en\s+plaques",
        r"VIH|sida|s[ée]ropositi(?:f|ve)|h[ée]patite\s+[A-C]|[ée]pilepsie|[ée]pileptique|asthme|asthmatique",
        r"hernie\s+discale|lombalgies?(?:\s+chroniques?)?|sciatique|tendinites?|entorse",
        r"fracture\s+(?:du\s+|de\s+la\s+|de\s+l['’])\w+|AVC|infarctus|crise\s+cardiaque|covid(?:\s+long)?",
        r"fibromyalgie|endom[ée]triose|maladie\s+de\s+(?:Crohn|Parkinson|Lyme|Alzheimer)|Parkinson|Alzheimer",
        r"polyarthrite(?:\s+rhumato[iï]de)?|arthrose|troubles?\s+bipolaires?|bipolaire|schizophr[ée]nie",
        r"troubles?\s+anxieux|troubles?\s+musculo-squelettiques|TMS|crises?\s+d['’]angoisse|attaques?\s+de\s+panique",
        r"anxi[ée]t[ée]\s+g[ée]n[ée]ralis[ée]e|anorexie|boulimie|alcoolisme",
        r"addiction(?:\s+(?:à\s+l['’]alcool|aux\s+\w+))?|syndrome\s+du\s+canal\s+carpien|canal\s+carpien",
        r"mononucl[ée]ose|fausse\s+couche|grossesse(?:\s+pathologique)?|enceinte|st[ée]rilit[ée]|FIV|PMA",
        r"chimioth[ée]rapie|chimio|radioth[ée]rapie|dialyse|antid[ée]presseurs?|anxiolytiques?|neuroleptiques?",
        r"insuline|psychiatre|hospitalis[ée]e?|hospitalisation",
        r"op[ée]r[ée]e?\s+(?:du\s+|de\s+la\s+|de\s+l['’]|des\s+)\w+",
        r"op[ée]ration\s+(?:du\s+|de\s+la\s+|de\s+l['’]|des\s+)\w+",
        r"greffe\s+(?:de\s+|du\s+|d['’])(?:rein|foie|c[œoe]+ur|moelle|poumon|corn[ée]e|organe)",
        r"RQTH|handicap(?:[ée]e?)?|AAH|migraines?\s+chroniques?",
    ]
)
_TERM = rf"(?<![\w\-])(?P<term>{_CONDITIONS})(?![\w\-])"
# The asker (or someone close) has the condition: a first-person verb or « mon collègue a… », then a few words…
_HEALTH_VERB = re.compile(
    r"(?:\bje\s+(?:suis|souffre|soigne|prends|fais|vis|me\s+soigne|sors|reviens|rentre|viens)\b"
    r"|\bj['’](?:ai|étais|avais|en\s+suis)\b|\bsuis\s+(?:atteinte?|suivie?|traitée?|soignée?)\b"
    r"|\bm['’]a\s+(?:diagnostiqué|découvert|détecté|trouvé|annoncé|prescrit|mise?)\b"
    r"|(?<!['’])\b(?:il|elle)\s+(?:a|souffre)\b|\b(?:mon|ma)\s+\w+\s+(?:a|est|souffre|fait|vient)\b)"
    rf"(?P<filler>[^.?!;\n]{{0,45}}?){_TERM}",
    re.IGNORECASE,
)
# … or a possessive right before it (« mon cancer », « ma grosse dépression », « mes crises d'angoisse »).
_HEALTH_POSSESSIVE = re.compile(
    rf"\b(?:mon|ma|mes)\s+(?P<filler>(?:[\w\-]+(?:\s+|['’]\s*)){{0,3}}?){_TERM}", re.IGNORECASE
)
_NOT_PERSONAL_FILLER = re.compile(
    r"\b(?:question|questions|demande|savoir|droit|droits|comment|quel|quelle|quels|quelles|procédure|dossier"
    r"|formation|collègues|agents|salariés|campagne|si|un\s+agent|une\s+personne|dit|parlé|lu|lire|info\w*)\b",
    re.IGNORECASE,
)


def _find_health(text: str) -> list[tuple[int, int]]:
    found = []
    for pattern in (_HEALTH_VERB, _HEALTH_POSSESSIVE):
        pos = 0
        while (m := pattern.search(text, pos)) is not None:
            if _NOT_PERSONAL_FILLER.search(m.group("filler")):
                pos = m.start() + 1
            else:
                found.append((m.start("term"), m.end("term")))
                pos = m.end()
    return found


# Passwords: the secret after a password word. « mon mot de passe est X », « mdp : X », « password: X »,
# « mot de passe provisoire X », « code PIN 1234 »; « le code est 1234 » only in a text about logins.
_PASSWORD_WORD = (
    r"(?:mots?\s+de\s+passe|mdp|pass(?:word|wd|phrase)|pwd|phrase\s+secr[èe]te"
    r"|code\s+(?:pin|secret|confidentiel|d['’]acc[èe]s|de\s+connexion|de\s+d[ée]verrouillage|d['’]activation"
    r"|de\s+s[ée]curit[ée]|de\s+v[ée]rification|de\s+validation|wi-?fi)|pin)"
)
# Words between the password word and « est » / « : » (« mot de passe Windows de la mairie est… »); these
# start another thing (« mot de passe changé et mon identifiant est jdupont »).
_FILLER = (
    r"(?P<filler>(?:\s+(?!(?:et|mais|ou|car|donc|puis|identifiants?|login|utilisateur|nom|adresse|e-?mail|mail"
    r"|courriel|numéro|n°)\b)[^\s.?!;:=,«»\"“”()]+){0,6}?)"
)
_INTRO = r"(?P<intro>[:=]|\b(?:est|c['’]est|sera|devient|reste|is)(?=[\s:])\s*:?)"
_SECRET = r"""\s*(?:«\s*(?P<q1>[^»\n]{1,64}?)\s*»|"(?P<q2>[^"\n]{1,64})"|“(?P<q3>[^”\n]{1,64})”|(?P<token>\S+))"""
_PASSWORD = re.compile(rf"\b{_PASSWORD_WORD}\b{_FILLER}\s*,?\s*{_INTRO}{_SECRET}", re.IGNORECASE)
# Without « est » or « : », only right after the password word (and a qualifier), and only a token that looks
# like a secret (« mot de passe provisoire Xy7#kP », « mdp Azerty123 »), never « mot de passe oublié ».
_PASSWORD_BARE = re.compile(
    rf"\b{_PASSWORD_WORD}(?:\s+(?:provisoire|temporaire|initial|par\s+d[ée]faut|actuel|wi-?fi|du\s+wi-?fi"
    r"|windows|de\s+(?:la\s+)?session))?\s+(?P<token>\S+)",
    re.IGNORECASE,
)
# « le code est 1234 » is a password when the text speaks of passwords or logins, and the code is no other code.
_CODE = re.compile(
    r"\bcode\b(?P<filler>(?:\s+(?!(?:postal|ape|naf|insee|d['’]erreur|erreur|budg[ée]taire|article|ean|barre|"
    r"source|couleur|promo|de\s+r[ée]duction|du\s+travail|g[ée]n[ée]ral|civil|service)\b)[^\s.?!;:=,]+){0,3}?)"
    rf"\s*,?\s*{_INTRO}\s*(?P<token>\S+)",
    re.IGNORECASE,
)
_LOGIN_CONTEXT = re.compile(
    r"\b(?:mots?\s+de\s+passe|mdp|password|identifiants?|login|connexion|connecter|session|d[ée]verrouill\w*"
    r"|authentification|compte\s+(?:windows|informatique|de\s+messagerie|utilisateur)|pin)\b",
    re.IGNORECASE,
)
# What follows « mon mot de passe est » when it is not the secret: its state, or the start of a sentence.
_NOT_SECRET = frozenset(
    re.findall(
        r"\S+",
        """oublié oubliée perdu perdue expiré expirée bloqué bloquée verrouillé verrouillée incorrect incorrecte faux
    fausse erroné erronée invalide valide correct correcte bon bonne mauvais mauvaise refusé refusée changé
    modifié réinitialisé périmé obsolète faible fort forte simple compliqué compliquée court courte long longue
    trop pas plus toujours encore déjà jamais bien mal le la les l un une des du de d mon ma mes son sa ses ton
    ta votre notre leur celui celle ce cet cette ça cela quoi quel quelle quels quelles lequel laquelle comment
    pourquoi où quand combien qui que qu identique différent différente même nouveau nouvelle ancien ancienne
    provisoire temporaire personnel personnelle secret secrète sensible sécurisé sécurisée sûr sûre vide nul
    nulle ok ko oui non en dans sur sous à au aux par pour avec sans requis obligatoire inconnu inconnue
    introuvable impossible actif active inactif inactive désactivé il elle je j on vous nous tu y
    sensibles identiques wifi wi-fi si alors puis mais et ou donc car ni voici voilà ne n fait faite faits
    fonctionne marche passe""",
    )
)
_UNIT_AFTER = re.compile(
    r"\s*(?:caract[èe]res?|chiffres?|lettres?|signes?|symboles?|jours?|mois|ans?|fois|minutes?|min|heures?|h"
    r"|tentatives?|essais?|%)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"\s*(?:[.,;!?)\]]|$|\s(?:et|mais|merci|svp|stp|depuis|pour)\b)", re.IGNORECASE)


def _looks_secret(token: str, capitals: bool = True) -> bool:
    """A digit or a symbol (« Soleil2024 », « Xy7#kP »), or with ``capitals`` a capital after a lowercase letter
    (« aZerty »; « GLPI » and « VPN » are acronyms). A bare token (no « est », no « : ») needs a digit or a
    symbol: « mot de passe MonCompte oublié » names the account, not the secret."""
    if any(char.isdigit() or not (char.isalpha() or char in "-'’") for char in token):
        return True
    return capitals and any(char.isupper() for char in token[1:]) and any(char.islower() for char in token)


_IMPERATIVE = re.compile(r"^[^\W\d]+-(?:le|la|les|moi|toi|lui|nous|vous|leur|y|en)$", re.IGNORECASE)
_WRAPPING = "*_`'’\"«»()[]"  # Markdown emphasis, code quotes, brackets around a token


def _token(m: re.Match) -> tuple[int, int, str]:
    """The token a password phrase points at, without the wrapping and the punctuation that ends a sentence."""
    token, start = m.group("token"), m.start("token")
    stripped = token.lstrip(_WRAPPING)
    start += len(token) - len(stripped)
    token = stripped.rstrip(_WRAPPING + ".,;:?")
    return start, start + len(token), token


def _secret(text: str, m: re.Match, strict: bool) -> tuple[int, int] | None:
    """The span of the secret that ``m`` points at, or None when what follows is no secret."""
    for group in ("q1", "q2", "q3"):
        if m.groupdict().get(group):
            start, end = m.span(group)
            return (start, end) if text[start:end].strip().lower() not in _NOT_SECRET else None
    start, end, token = _token(m)
    if not token or not any(char.isalnum() for char in token):
        return None
    if token.lower() in _NOT_SECRET or token.lower().split("'")[0].split("’")[0] in _NOT_SECRET:
        return None
    if _IMPERATIVE.search(token):
        return None  # « : changez-le tout de suite »
    if _UNIT_AFTER.match(text, end):
        return None
    if _looks_secret(token, capitals=not strict):
        return start, end
    if strict or re.search(r"(?:é|ée|és|ées)$", token.lower()):
        return None
    # A plain word is the secret when the clause ends with it (« mdp : soleil », « … est marseille, mais »);
    # « mot de passe : ne fonctionne pas » goes on.
    return (start, end) if _CLAUSE_END.match(text, end) else None


def _find_password(text: str) -> list[tuple[int, int]]:
    found = []
    for m in _PASSWORD.finditer(text):
        if (span := _secret(text, m, strict=False)) is not None:
            found.append(span)
    for m in _PASSWORD_BARE.finditer(text):
        if len(_token(m)[2]) >= 4 and (span := _secret(text, m, strict=True)) is not None:
            found.append(span)
    if _LOGIN_CONTEXT.search(text):
        for m in _CODE.finditer(text):
            token = _token(m)[2]
            plausible = 4 <= len(token) <= 16 and any(char.isdigit() for char in token)
            if plausible and (span := _secret(text, m, strict=True)) is not None:
                found.append(span)
    return found


_DETECTORS = {
    "email": _find_email,
    "iban": _find_iban,
    "nir": _find_nir,
    "card": _find_card,
    "password": _find_password,
    "phone": _find_phone,
    "birthdate": _find_birthdate,
    "address": _find_address,
    "health": _find_health,
}


def find_pii(text: str, types: tuple[str, ...] = TYPES) -> list[Span]:
    """Personal data in ``text``: sorted, non-overlapping spans (overlaps resolved by ``PRIORITY``).

    The detectors read ``normalize(text)``; the spans are offsets into ``text`` itself.
    """
    normalized = _Normalized(text)
    kept: list[tuple[str, int, int]] = []
    for kind in PRIORITY:
        if kind not in types:
            continue
        for start, end in sorted(_DETECTORS[kind](normalized.text), key=lambda span: (span[0], -span[1])):
            if start < end and all(end <= other or start >= other_end for _, other, other_end in kept):
                kept.append((kind, start, end))
    spans: list[Span] = []
    for kind, start, end in sorted(kept, key=lambda span: span[1]):
        start, end = normalized.original(start, end)
        if spans and start < spans[-1].end:  # two spans from one normalised character (« ½ »): keep the first
            continue
        spans.append(Span(kind, start, end, text[start:end]))
    return spans


def mask(text: str, types: tuple[str, ...] = TYPES) -> str:
    """``text`` with each personal-data span replaced by its French placeholder (« [NIR] », « [ADRESSE] »…)."""
    return _masked(text, find_pii(text, types))


def _masked(text: str, spans: list[Span]) -> str:
    parts, last = [], 0
    for span in spans:
        parts += [text[last : span.start], PLACEHOLDERS[span.type]]
        last = span.end
    return "".join([*parts, text[last:]])


def guard_free_text(text: str, types: tuple[str, ...] = NEVER_STORED) -> tuple[str, list[str]]:
    """A free text as Relais may store it: ``types`` masked (by default ``NEVER_STORED``), and the types that
    were, sorted, each once. Masking again what it returns changes nothing."""
    spans = find_pii(text, types)
    return _masked(text, spans), sorted({span.type for span in spans})


# --- personal situations --------------------------------------------------------------------------------------

_DISCIPLINE_TERMS = (
    r"(?:conseil\s+de\s+discipline|commission\s+(?:administrative\s+paritaire\s+)?(?:en\s+formation\s+)?disciplinaire"
    r"|proc[ée]dure\s+disciplinaire|sanction(?:\s+disciplinaire)?|bl[âa]me|avertissement|exclusion\s+temporaire"
    r"|mise\s+[àa]\s+pied|r[ée]vocation|r[ée]trogradation|suspension(?:\s+de\s+fonctions)?|licenciement"
    r"|faute\s+grave|abandon\s+de\s+poste|entretien\s+pr[ée]alable|dossier\s+disciplinaire|mutation\s+d['’]office"
    r"|radiation\s+des\s+cadres|enqu[êe]te\s+administrative)"
)
# Someone close to the asker, whose disciplinary situation is as personal as the asker's own.
_PEOPLE = (
    r"(?:collègue|chef|cheffe|responsable|agent|agente|mari|femme|époux|épouse|conjointe?|compagnon|compagne"
    r"|fils|fille|frère|sœur|soeur|père|mère|ami|amie|binôme|adjointe?|n\+1)"
)
_DISCIPLINE = re.compile(
    r"(?:\bje\s+(?:suis|serai|vais\s+être|viens\s+d['’]être)\s+(?:\w+\s+){0,2}?"
    r"(?:sanctionnée?|suspendue?|licenciée?|révoquée?|mise?\s+à\s+pied|rétrogradée?|blâmée?|exclue?)\b"
    rf"|\bje\s+(?:suis|serai|vais\s+être|viens\s+d['’]être)\s+convoquée?[^.?!;\n]{{0,40}}?{_DISCIPLINE_TERMS}"
    rf"|\bj['’]ai\s+(?:reçu|eu|pris|écopé\s+d['’]|une\s+convocation)[^.?!;\n]{{0,30}}?{_DISCIPLINE_TERMS}"
    rf"|\bon\s+(?:m['’]a|me|va\s+me|veut\s+me)\s+\w+[^.?!;\n]{{0,30}}?{_DISCIPLINE_TERMS}"
    rf"|\bje\s+(?:fais|fait)\s+l['’]objet\s+d['’]\w+\s+{_DISCIPLINE_TERMS}"
    rf"|\bje\s+risque\s+[^.?!;\n]{{0,20}}?{_DISCIPLINE_TERMS}"
    rf"|\b(?:mon|ma|mes)\s+(?:[\w\-]+\s+)?{_DISCIPLINE_TERMS}"
    r"|\bon\s+me\s+reproche\b"
    r"|\b(?:veut|veulent|va|vont|menace\s+de|compte|souhaite)\s+me\s+"
    r"(?:sanctionner|licencier|suspendre|révoquer|virer)\b"
    rf"|\b(?:mon|ma)\s+{_PEOPLE}\s+(?:est|a\s+été)\s+"
    rf"(?:convoquée?[^.?!;\n]{{0,40}}?{_DISCIPLINE_TERMS}|suspendue?|sanctionnée?))",
    re.IGNORECASE,
)
# « Avertissement » is also a message of a program: not disciplinary when followed by a software word.
_IT_WARNING = re.compile(
    r"avertissement\s+(?:de\s+s[ée]curit[ée]|antivirus|windows|du\s+navigateur|de\s+certificat|outlook|firefox"
    r"|(?:qui\s+)?s['’]affiche|à\s+l['’][ée]cran|sur\s+(?:l['’][ée]cran|mon\s+(?:pc|poste|ordinateur)))",
    re.IGNORECASE,
)


def personal_situation(text: str) -> str | None:
    """« health » or « disciplinary » when ``text`` is about the asker's own situation, else ``None``.

    General questions about procedures (« comment déclarer un arrêt maladie ? », « qu'est-ce qu'un
    conseil de discipline ? ») are not personal situations: Relais answers them.
    """
    text = normalize(text)
    if _find_health(text):
        return "health"
    for m in _DISCIPLINE.finditer(text):
        warning = m.group().lower().rfind("avertissement")
        if warning < 0 or not _IT_WARNING.match(text, m.start() + warning):
            return "disciplinary"
    return None
