"""Personal-data guard: find, mask and classify personal data in French text. Pure Python, no Django.

``find_pii`` returns the spans of personal data in a text:

- ``nir``: French social-security number (13 digits + 2-digit key = 97 − number mod 97, Corsican
  departments 2A/2B counted as 19/18), spaces, dots or dashes allowed between its groups;
- ``iban``: ISO 13616 account number of any listed country, mod-97 checked, with or without spaces;
- ``card``: payment card of 13 to 19 digits, Luhn checked, with a known issuer prefix and length;
- ``phone``: French number (« 06 12 34 56 78 », « 06.12.34.56.78 », « 0612345678 », « +33 6… »,
  « +33 (0)6… », « 0033 6… »), never a 4-digit extension or a ticket number;
- ``email``;
- ``birthdate``: a date written next to « né(e) le », « date de naissance », « DDN »; other dates are left alone;
- ``address``: street number + street type (rue, avenue, bd, chemin, impasse, allée, place…) + name, with the
  postcode and town when they follow;
- ``health``: a medical condition, diagnosis or treatment said of the asker (or someone close to them):
  « je suis en arrêt pour dépression », « mon cancer », « je prends des antidépresseurs ». Questions about
  procedures (« le burn-out est-il une maladie professionnelle ? ») are not personal data.

Spans never overlap: when two detectors claim the same characters, the one with the
stronger evidence wins (checksums first, then formats, then context rules), see ``PRIORITY``.

``mask`` replaces each span by a French placeholder (« [NIR] », « [TÉLÉPHONE] »…), and
``personal_situation`` says whether a question is about the asker's own health or
disciplinary situation, which Relais hands to a person instead of answering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TYPES = ("nir", "iban", "card", "phone", "email", "birthdate", "address", "health")

PLACEHOLDERS = {
    "nir": "[NIR]",
    "iban": "[IBAN]",
    "card": "[CARTE]",
    "phone": "[TÉLÉPHONE]",
    "email": "[E-MAIL]",
    "birthdate": "[DATE DE NAISSANCE]",
    "address": "[ADRESSE]",
    "health": "[SANTÉ]",
}

# Overlap resolution: a span of an earlier type wins over any overlapping span of a later one.
PRIORITY = ("email", "iban", "nir", "card", "phone", "birthdate", "address", "health")


@dataclass(frozen=True, slots=True)
class Span:
    type: str
    start: int
    end: int
    text: str


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
_NIR = re.compile(  # the key may be introduced by « clé » (« … 084 clé 91 »)
    rf"(?<![\w+\-/.,])(?=([1-478]{_SEP}?\d{{2}}{_SEP}?\d{{2}}{_SEP}?"  # sex, year, month
    rf"(?:(?:\d{{2}}|2[ABab]){_SEP}?\d{{3}}|\d{{3}}{_SEP}?\d{{2}})"  # department and commune (overseas: 3 + 2)
    rf"{_SEP}?\d{{3}}(?:{_SEP}?|\s*,?\s*cl[ée]f?\s*:?\s*)\d{{2}})(?![\w]|[.,]\d))"  # order number, key
)


def _find_nir(text: str) -> list[tuple[int, int]]:
    return [m.span(1) for m in _NIR.finditer(text) if is_valid_nir(re.sub(r"cl[ée]f?|[:,]", "", m.group(1)))]


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


_DETECTORS = {
    "email": _find_email,
    "iban": _find_iban,
    "nir": _find_nir,
    "card": _find_card,
    "phone": _find_phone,
    "birthdate": _find_birthdate,
    "address": _find_address,
    "health": _find_health,
}


def find_pii(text: str, types: tuple[str, ...] = TYPES) -> list[Span]:
    """Personal data in ``text``: sorted, non-overlapping spans (overlaps resolved by ``PRIORITY``)."""
    kept: list[Span] = []
    for kind in PRIORITY:
        if kind not in types:
            continue
        for start, end in sorted(_DETECTORS[kind](text), key=lambda span: (span[0], -span[1])):
            if start < end and all(end <= span.start or start >= span.end for span in kept):
                kept.append(Span(kind, start, end, text[start:end]))
    return sorted(kept, key=lambda span: span.start)


def mask(text: str, types: tuple[str, ...] = TYPES) -> str:
    """``text`` with each personal-data span replaced by its French placeholder (« [NIR] », « [ADRESSE] »…)."""
    parts, last = [], 0
    for span in find_pii(text, types):
        parts += [text[last : span.start], PLACEHOLDERS[span.type]]
        last = span.end
    return "".join([*parts, text[last:]])


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
    if _find_health(text):
        return "health"
    for m in _DISCIPLINE.finditer(text):
        warning = m.group().lower().rfind("avertissement")
        if warning < 0 or not _IT_WARNING.match(text, m.start() + warning):
            return "disciplinary"
    return None
