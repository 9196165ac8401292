"""Which language a visitor wrote in, and the few fixed phrases of the citizens' assistant in that language.

``detect(question)`` returns one of ``LANGUAGES``: ``"fr"``, ``"en"``, ``"es"``, ``"pt"`` or ``"ar"``. The
town's pages are in French and the embedder is multilingual, so a question in another language still finds the
French passages; what the detector decides is only whether the answer carries a note, in the visitor's language,
that it quotes the town's French documents (``PHRASES``).

**Precision for French first.** A French question taken for another language would get a note in a language
its asker may not read, so every rule needs positive evidence and, when unsure, the answer is ``"fr"``:

1. **Arabic by its script**: more Arabic letters than Latin ones (a Latin name in an Arabic question does not
   change it; a question in Persian or Urdu, same script, is read as Arabic: the note is then still closer to the
   visitor than French).
2. **English, Spanish, Portuguese by their small words**: each language has a list of function words, very
   common question words and the town hall's name that are *not French words* (« the », « how », « does »;
   « el », « cuánto », « hay », « ayuntamiento »; « não », « você », « qual », « câmara »), and signs French
   does not use (« ñ », « ¿ », « ¡ » for Spanish; « ã », « õ » and « -ção » for Portuguese): one point each.
   Words both French and foreign never count (« a », « de », « la », « que », « en », « on », « me », « es » of
   « tu es », « y » of « il y a », « mi » of « mi-temps », « long », « week-end »…). Short questions and loan
   words (« mot de passe wifi », « parking », « planning ») hold no foreign function word: they stay French.
3. **French counts against them**: its own function words (« le », « est », « pour », « comment »…) and its
   elisions (« l' », « j' », « qu' »…), two points each, and one point for a word with a letter of French
   (« è », « ù », « œ »…; against English, any accented letter). A capitalised word inside a sentence, and
   « de », « du », « des »… between two of them, are a name (« la Salle du Moulin », « Saint-Jean-de-Luz ») and do
   not count as French; acronyms (« IT », « CAF ») count for no language; web and e-mail addresses are left out.
4. **The decision**: the foreign language with the most points wins when it has ``MARGIN`` (2) more than
   French, so two points at least (« how to réserver la salle » and « Hello, how are you? Je cherche les horaires »
   stay French); Spanish and Portuguese, which share words (« para », « por », « como »), must also differ (a
   tie is French).

Anything else (Italian, German, a lone word) reads as French: the answer is the French one, with no note.
Tuned on sentences written for tests/engine/test_language.py only, never on the translated blind set
(demo/public/questions-translated.yaml, measured by bench/public_languages.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from relais.engine.answers.extractive import NOT_FOUND

LANGUAGES = ("fr", "en", "es", "pt", "ar")
FRENCH = "fr"
RTL_LANGUAGES = frozenset({"ar"})

# A foreign language needs this many points more than French, so this many at least (module docstring, rule 4).
MARGIN = 2
# A French word or elision is a stronger sign than an accent (a French name in an English question has some).
FRENCH_WORD_POINTS = 2


def _vocabulary(words: str) -> frozenset[str]:
    """A word list written as text, one word after another."""
    return frozenset(words.split())


# --- the words of each language (lower case, as typed: with and without accents where both are common) --------

_FRENCH_WORDS = _vocabulary(
    """
    le les des du au aux et est sont je il ils elle elles nous vous pour une dans sur avec pas ne qui quoi quel
    quelle quels quelles comment combien quand où mon ma mes ton ta tes son sa ses leur leurs notre nos votre vos
    faut peux peut puis dois doit suis ai avez avons ont fait faire ce cette ces cet ça ca mais chez par plus très
    bonjour bonsoir merci svp stp aussi encore déjà jour jours heure heures semaine mois ans année être avoir
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet août
    septembre octobre novembre décembre madame monsieur mairie ville koi kel jai pk cb
    """
)

_ENGLISH_WORDS = _vocabulary(
    """
    the is are was were be been how what when where which who whom whose why can could should would will do
    does did don doesn didn isn aren i my you your our they their it its this that these those there here of to
    for and in at from with about by have has had get need want much many please hello hi thanks thank any some
    if not am must than then just also only before between into same other more most today tomorrow tonight
    yesterday weeks day days year years month months hours cost costs pay
    monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays
    saturdays sundays january february march april may june july august september october november december
    """
)

# Spanish and Portuguese share some words: they count for both, and then only what differs decides.
_IBERIAN_WORDS = _vocabulary("para por como no este esta sábado sabado domingo abril agosto semana ser estar")

_SPANISH_WORDS = _IBERIAN_WORDS | _vocabulary(
    """
    el los del al lo una unos unas está están estoy estamos esto eso ese esa hay hola gracias pero muy más qué
    cómo cuándo cuánto cuánta cuántos cuántas dónde cuál cuáles quién quiénes cuanto cuanta cuantos cuantas
    donde cual quien puedo puede pueden podemos tengo tiene tienen tenemos necesito necesita quiero quisiera
    hacer hace hago yo usted ustedes nuestro nuestra con sin desde hasta cuesta cuestan vale sí también aquí
    ahora hoy mañana ayer año años día días hora horas abierto abierta cerrado cerrada lunes miércoles
    jueves viernes enero febrero marzo mayo junio julio septiembre octubre noviembre diciembre soy fue debo
    ayuntamiento alcaldía alcaldia
    """
)

_PORTUGUESE_WORDS = _IBERIAN_WORDS | _vocabulary(
    """
    o do da das na nas num numa em um uma uns umas é não nao eu meu minha meus minhas você voce vocês voces ao
    aos com sem até também tambem qual quais quanto quanta quantos quantas quando onde posso pode podem preciso
    precisa tenho tem têm temos quero gostaria fazer faço está estou estão sou são há olá ola obrigado obrigada
    isso isto esse essa ela ele eles elas dia dias hoje amanhã ontem mês ano anos hora horas aberto aberta
    fechado fechada segunda terça quarta quinta sexta feira janeiro fevereiro março maio junho julho setembro
    outubro novembro dezembro pelo pela pelos pelas muito custa custam câmara camara prefeitura
    """
)

# French words that are also words of that language (Spanish « le », « son », « mes »; Portuguese « mais »,
# « nos »): no sign against it.
_ALSO_FOREIGN = {"es": _vocabulary("le les son mes"), "pt": _vocabulary("nos mais")}

_FOREIGN_WORDS = {"en": _ENGLISH_WORDS, "es": _SPANISH_WORDS, "pt": _PORTUGUESE_WORDS}

# Words a capitalised name is made of (« Salle du Moulin », « Saint-Jean-de-Luz », « Maison des Services »).
_NAME_PARTICLES = _vocabulary("de du des d la le les l en sur sous aux au")

# --- letters and shapes ---------------------------------------------------------------------------------------

_ARABIC_LETTER = re.compile(
    r"[\u0620-\u064A\u066E-\u06D3\u06FA-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]"
)
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
_ADDRESS = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+|\b\S+\.(?:fr|com|org|net|example|gouv)\b\S*", re.IGNORECASE)
# A French elision opens a word: « l'accueil », « j'ai », « qu'il ». English contractions close one (« it's »).
_ELISION = re.compile(r"(?<![\w'])(?:l|j|d|qu|c|n|s|m|t|jusqu|lorsqu|puisqu|quoiqu)'(?=[^\W\d_])", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?¿¡:;\n]")
_FRENCH_ONLY_LETTERS = frozenset("èùûëïîœ")
_ACCENTED = frozenset("àâäçéèêëîïôöùûüÿœ")
_SPANISH_SIGNS = ("¿", "¡", "ñ")
_PORTUGUESE_SIGNS = re.compile(r"[ãõ]|ção\b|ções\b")


def detect(question: str) -> str:
    """The visitor's language: ``"fr"``, ``"en"``, ``"es"``, ``"pt"`` or ``"ar"`` (``"fr"`` when unsure)."""
    text = unicodedata.normalize("NFC", question).replace("’", "'").replace("‘", "'")
    if _arabic(text):
        return "ar"
    text = _ADDRESS.sub(" ", text)
    words = _words(text)
    scores = {language: _foreign_evidence(text, words, language) for language in _FOREIGN_WORDS}
    best = max(scores, key=lambda language: scores[language])
    if scores[best] < _french_evidence(text, words, best) + MARGIN:
        return FRENCH
    if best in {"es", "pt"} and scores["es"] == scores["pt"]:
        return FRENCH
    return best


def _arabic(text: str) -> bool:
    arabic = len(_ARABIC_LETTER.findall(text))
    return arabic >= 2 and arabic > len(_LATIN_LETTER.findall(text))


@dataclass(frozen=True, slots=True)
class _Word:
    """A word of the question: its lower-case form, whether it belongs to a capitalised name, an acronym."""

    lower: str
    name: bool
    acronym: bool


def _words(text: str) -> list[_Word]:
    """The question's words, names and acronyms marked (module docstring, rule 3)."""
    typed: list[str] = []
    opens: list[bool] = []  # the word opens a sentence: its capital says nothing
    last_end = 0
    for match in _WORD.finditer(text):
        opens.append(not typed or bool(_SENTENCE_END.search(text[last_end : match.start()])))
        typed.append(match.group())
        last_end = match.end()
    upper = [word[0].isupper() for word in typed]
    words = []
    for i, word in enumerate(typed):
        acronym = len(word) > 1 and word.isupper()
        name = upper[i] and not opens[i] and not acronym
        # « du » in « la Salle du Moulin », « de » in « Saint-Jean-de-Luz »: between two capitalised words
        inside = 0 < i < len(typed) - 1 and upper[i - 1] and upper[i + 1] and word.lower() in _NAME_PARTICLES
        words.append(_Word(word.lower(), name or inside, acronym))
    return words


def _foreign_evidence(text: str, words: list[_Word], language: str) -> int:
    """Points for a foreign language: its words (names included: English capitalises its weekdays), its signs."""
    known = _FOREIGN_WORDS[language]
    points = sum(1 for word in words if not word.acronym and word.lower in known)
    lowered = text.lower()
    if language == "es":
        points += sum(1 for sign in _SPANISH_SIGNS if sign in lowered)
    elif language == "pt":
        points += len(_PORTUGUESE_SIGNS.findall(lowered))
    return points


def _french_evidence(text: str, words: list[_Word], against: str) -> int:
    """Points for French, against ``against``: its elisions and its words outside names (two points each), the
    words with its letters (one)."""
    letters = _ACCENTED if against == "en" else _FRENCH_ONLY_LETTERS
    french_words = _FRENCH_WORDS - _ALSO_FOREIGN.get(against, frozenset())
    points = FRENCH_WORD_POINTS * len(_ELISION.findall(text))
    for word in words:
        if word.name or word.acronym:
            continue
        if word.lower in french_words:
            points += FRENCH_WORD_POINTS
        elif any(letter in letters for letter in word.lower):
            points += 1
    return points


def text_direction(language: str) -> str:
    """``"rtl"`` for a language written right to left (Arabic), else ``"ltr"``: the HTML ``dir`` attribute."""
    return "rtl" if language in RTL_LANGUAGES else "ltr"


# --- the phrases ----------------------------------------------------------------------------------------------

PHRASE_KEYS = ("quotes_french", "not_found", "sources", "contact_heading", "open_now", "closed_now", "contact_form")

PHRASES: dict[str, dict[str, str]] = {
    "fr": {
        "quotes_french": "",  # no note: the documents are in the visitor's language
        "not_found": NOT_FOUND,
        "sources": "Sources",
        "contact_heading": "Qui contacter",
        "open_now": "Ouvert en ce moment",
        "closed_now": "Fermé en ce moment",
        "contact_form": "Écrire au service",
    },
    "en": {
        "quotes_french": "This answer quotes the town's documents, which are in French.",
        "not_found": "I did not find a reliable answer in the documentation.",
        "sources": "Sources",
        "contact_heading": "Who to contact",
        "open_now": "Open now",
        "closed_now": "Closed now",
        "contact_form": "Write to the service",
    },
    "es": {
        "quotes_french": "Esta respuesta cita los documentos del ayuntamiento, que están en francés.",
        "not_found": "No he encontrado una respuesta fiable en la documentación.",
        "sources": "Fuentes",
        "contact_heading": "A quién dirigirse",
        "open_now": "Abierto ahora",
        "closed_now": "Cerrado ahora",
        "contact_form": "Escribir al servicio",
    },
    "pt": {
        "quotes_french": "Esta resposta cita os documentos do município, que estão em francês.",
        "not_found": "Não encontrei uma resposta fiável na documentação.",
        "sources": "Fontes",
        "contact_heading": "A quem se dirigir",
        "open_now": "Aberto agora",
        "closed_now": "Fechado agora",
        "contact_form": "Escrever ao serviço",
    },
    "ar": {
        "quotes_french": "تقتبس هذه الإجابة من وثائق البلدية، وهي مكتوبة باللغة الفرنسية.",
        "not_found": "لم أجد إجابة موثوقة في الوثائق.",
        "sources": "المصادر",
        "contact_heading": "جهة الاتصال",
        "open_now": "مفتوح الآن",
        "closed_now": "مغلق الآن",
        "contact_form": "مراسلة المصلحة",
    },
}


def phrase(language: str, key: str) -> str:
    """The phrase ``key`` in ``language`` (French for a language Relais does not speak; ``""`` when French needs
    none). An unknown key is a programming error: ``KeyError``."""
    return PHRASES.get(language, PHRASES[FRENCH])[key]
