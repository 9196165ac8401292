"""Reading the values that agents type in French in the chat: dates, periods, times, durations, amounts, places.

Used by the guided « demande d'ordre de mission »: each question of the form takes a whole answer
(``parse_date``, ``parse_time``…), and the first message of the agent is searched for what it already says
(``find_period``, ``find_place``) so the assistant does not ask again.

Every function that needs "now" takes an explicit ``today`` argument: the caller passes the local date,
and the tests are deterministic. Matching is case- and accent-insensitive (« Fevrier », « AOÛT », « aout »),
because agents type on phones without accents; what is returned keeps the agent's own spelling where it is text.
Standard library only: this module must be importable without Django.

Choices the caller must know:

* A date without a year takes the year (last, this or next) that puts it closest to ``today``, a tie going to the
  future (see ``_infer_year``): a past date stays in the past, so the form can say « date passée » instead of
  silently moving it to next year.
* « lundi » is the next Monday on or after today; « lundi prochain » is the next Monday strictly after today.
* « la semaine prochaine » is Monday to Friday of the week after today's week.
* A period typed with an end before its start (both explicit) is returned as typed: the caller validates it.
* ``parse_duration`` does not read « une demi-journée » (4 h of work? 12 h? the morning?): it returns None.
* ``find_place`` only reads capitalised names (no list of towns): « à lyon » gives None, the caller takes a
  whole answer as typed.
* ``parse_amount`` refuses « 1,200 » (three decimals is no amount in euros); « 1.200 » is French for 1200.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation

from relais.engine.french.analysis import fold_for_comparison
from relais.engine.french.numbers import UNITS, number_from_words

__all__ = [
    "Period",
    "find_period",
    "find_place",
    "format_date",
    "format_period",
    "parse_amount",
    "parse_date",
    "parse_duration",
    "parse_integer",
    "parse_time",
]


@dataclass(frozen=True)
class Period:
    """An inclusive range of days; ``end == start`` for a single day."""

    start: date
    end: date


# ---------------------------------------------------------------------------------------------------------------
# Vocabulary (accent-folded, lower case: everything is matched on the folded text)

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# Folded month names and the abbreviations seen in mails and calendars (« 3 janv. », « 12 sept »).
_MONTH_FORMS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
_NUMBER_WORDS = {**UNITS, "dix-sept": 17, "dix-huit": 18, "dix-neuf": 19, "vingt": 20}


def _none_on_overflow(function):
    """« dans 3000000 jours » is not a date: huge counts overflow datetime arithmetic; read them as nothing."""

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except OverflowError:
            return None

    return guarded


def _alternation(words) -> str:
    # Longest first, so that « dix-sept » wins over « dix » and « decembre » over « dec ».
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_WD = rf"(?:{_alternation(WEEKDAYS)})"
_MONTH = rf"(?:{_alternation(_MONTH_FORMS)})\b\.?"
# « dix sept » typed with a space is read like « dix-sept ».
_NUMBER_WORDS_RE = _alternation(_NUMBER_WORDS).replace(re.escape("-"), "[- ]")
_NUMBER = rf"(?:\d+|(?:{_NUMBER_WORDS_RE})\b)"


# ---------------------------------------------------------------------------------------------------------------
# Normalisation


def _answer(text: str) -> str:
    """A whole answer, folded, without the final punctuation agents add (« demain. », « 8h30 ! »)."""
    return fold_for_comparison(text).rstrip(" .!?;,")


def _number(token: str) -> int | None:
    token = token.strip()
    if token.isdigit():
        return int(token)
    try:
        return number_from_words(token)
    except KeyError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# Dates


def _infer_year(month: int, day: int, today: date) -> date | None:
    """The date of ``day``/``month`` closest to ``today`` (last year, this year or next year); a tie goes to the future.

    Why closest and not "next": « 3 mars » typed on 26 November means next March, but « 12/11 » typed on 26 November
    is 12 November of this year, a past date the form must refuse, not silently move a year ahead. None when the
    day does not exist (31/02, or 29/02 outside a leap year around today).
    """
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    return min(candidates, key=lambda d: (abs((d - today).days), d < today))


def _date_regex(p: str, month_required: bool = True, boundary: bool = True) -> str:
    """One date written in full, with named groups prefixed by ``p`` (a period pattern holds two of them).

    Numeric dates with « - » or « . » need a year: in a sentence « 3-5 mars » is a range and « 8.30 » a time.
    ``boundary`` refuses a date glued to a digit, slash or dash before it (« 2027-03-12 » read from « 27 »); the end
    of a period, which follows its connector (« 3-5 mars »), goes without.
    """
    day = r"(?:1er|premier|\d{1,2})(?!\d)"
    month_part = rf"\s+(?P<{p}tm>{_MONTH})(?:\s+(?P<{p}ty>\d{{4}})(?!\d))?"
    alternatives = (
        rf"(?P<{p}iy>\d{{4}})-(?P<{p}im>\d{{1,2}})-(?P<{p}id>\d{{1,2}})(?!\d)",
        rf"(?P<{p}nd>\d{{1,2}})/(?P<{p}nm>\d{{1,2}})(?:/(?P<{p}ny>\d{{4}}|\d{{2}}))?(?![\d/])",
        rf"(?P<{p}dd>\d{{1,2}})(?P<{p}sep>[.\-])(?P<{p}dm>\d{{1,2}})(?P={p}sep)(?P<{p}dy>\d{{4}})(?!\d)",
        rf"(?:{_WD}\s+)?(?P<{p}td>{day})(?:{month_part}){'' if month_required else '?'}",
    )
    not_glued = r"(?<![\d/.\-])" if boundary else ""
    return rf"{not_glued}(?:{'|'.join(alternatives)})"


def _date_parts(m: re.Match, p: str) -> tuple[int, int | None, int | None]:
    """(day, month or None, year or None) of the date matched by ``_date_regex(p)``."""
    if m[f"{p}iy"]:
        return int(m[f"{p}id"]), int(m[f"{p}im"]), int(m[f"{p}iy"])
    if m[f"{p}nd"]:
        year = m[f"{p}ny"]
        # A two-digit year is this century's: « 12/03/27 » is 2027.
        return int(m[f"{p}nd"]), int(m[f"{p}nm"]), (2000 + int(year) if year and len(year) == 2 else _int(year))
    if m[f"{p}dd"]:
        return int(m[f"{p}dd"]), int(m[f"{p}dm"]), int(m[f"{p}dy"])
    day = m[f"{p}td"]
    month = m[f"{p}tm"]
    return (
        1 if day in ("1er", "premier") else int(day),
        _MONTH_FORMS[month.rstrip(".")] if month else None,
        _int(m[f"{p}ty"]),
    )


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _make_date(day: int, month: int, year: int | None, today: date) -> date | None:
    if year is None:
        return _infer_year(month, day, today) if 1 <= month <= 12 else None
    try:
        return date(year, month, day)
    except ValueError:
        return None


_DATE = re.compile(_date_regex("a"))
_ANSWER_NUMERIC = re.compile(r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})(?:\s*\2\s*(\d{4}|\d{2}))?")
# Relative dates, read the same way in a whole answer and in a sentence.
_RELATIVE = re.compile(
    r"\b(?:"
    r"(?P<after>apres[- ]?demain)"
    r"|(?P<today>aujourd'? ?hui)"
    r"|(?P<tomorrow>demain)"
    rf"|(?P<next_week>(?:la\s+)?semaine\s+prochaine)"
    rf"|(?P<next_wd>{_WD})\s+prochain"
    rf"|dans\s+(?P<count>{_NUMBER})\s+(?P<unit>jours?|semaines?)"
    rf"|(?:ce\s+)?(?P<wd>{_WD})"
    r")\b"
)


def _next_weekday(weekday: int, today: date, strictly_after: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and strictly_after:
        ahead = 7
    return today + timedelta(days=ahead)


def _next_week(today: date) -> Period:
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return Period(monday, monday + timedelta(days=4))


def _relative(m: re.Match, today: date) -> Period | None:
    if m["after"]:
        return _day(today + timedelta(days=2))
    if m["today"]:
        return _day(today)
    if m["tomorrow"]:
        return _day(today + timedelta(days=1))
    if m["next_week"]:
        return _next_week(today)
    if m["next_wd"]:
        return _day(_next_weekday(WEEKDAYS.index(m["next_wd"]), today, strictly_after=True))
    if m["count"]:
        count = _number(m["count"])
        if count is None:
            return None
        return _day(today + timedelta(days=count * (7 if m["unit"].startswith("semaine") else 1)))
    return _day(_next_weekday(WEEKDAYS.index(m["wd"]), today, strictly_after=False))


def _day(value: date) -> Period:
    return Period(value, value)


@_none_on_overflow
def parse_date(text: str, today: date) -> date | None:
    """The date of a whole answer (« 12/03 », « 1er avril », « mardi 12 mars 2027 », « demain », « lundi prochain »).

    None when the answer is not exactly one date, or names a day that does not exist (31/02). « la semaine
    prochaine » is a period, not a date: see ``find_period``. A weekday typed with a date (« mardi 12 mars ») is not
    checked against it: the day number is the more precise information.
    """
    answer = _answer(text)
    answer = re.sub(r"^(?:le|pour le)\s+", "", answer)
    if m := _ANSWER_NUMERIC.fullmatch(answer):
        year = m[4]
        full_year = 2000 + int(year) if year and len(year) == 2 else _int(year)
        return _make_date(int(m[1]), int(m[3]), full_year, today)
    if m := _DATE.fullmatch(answer):
        day, month, year = _date_parts(m, "a")
        return _make_date(day, month, year, today) if month else None
    if (m := _RELATIVE.fullmatch(answer)) and not m["next_week"]:
        period = _relative(m, today)
        return period.start if period else None
    return None


# ---------------------------------------------------------------------------------------------------------------
# Periods in a sentence

# « du 3 au 5 mars », « entre le 3 et le 5 mars », « les 3 et 4 mars », « du lundi 3 au mercredi 5 mars ».
# The opening word is required: without it « nous serons 2 et le 5 mars » would read as a period.
_START = _date_regex("a", month_required=False)
_END = _date_regex("b", boundary=False)
_CONNECTOR = r"(?:\s+(?:au|jusqu'au|et(?:\s+le)?|a)\s+|\s*-\s*)(?:le\s+)?"
_RANGE = re.compile(rf"\b(?:du|entre(?:\s+le)?|les|le|de)\s+{_START}{_CONNECTOR}{_END}")
# « 3-5 mars » needs no opening word: the dash alone says it is a range.
_DASH_RANGE = re.compile(rf"{_START}\s*-\s*{_END}")
# « les 3, 4 et 5 mars »: from the first listed day to the last one.
_DAY_ITEM = rf"(?:{_WD}\s+)?(?P<first>1er|premier|\d{{1,2}})(?!\d)"
_LIST = re.compile(rf"\bles\s+{_DAY_ITEM}(?:\s*,\s*(?:{_WD}\s+)?\d{{1,2}})+\s*,?\s+et\s+(?:le\s+)?{_END}")
# « la semaine du 7 décembre »: Monday to Friday of that week.
_WEEK_OF = re.compile(rf"\bsemaine\s+du\s+{_date_regex('a')}")


# A start typed without its month is read in the month before the end's (« du 30 au 2 avril ») only when that
# makes a short period: « du 5 au 3 mars » is more likely a typo, returned as typed for the caller to refuse.
_MAX_DAYS_ACROSS_MONTHS = 15


def _period(
    start: tuple[int, int | None, int | None], end: tuple[int, int | None, int | None], today: date
) -> Period | None:
    """The period between two typed dates, completing the start's month and the years from each other.

    The start without month takes the end's (« du 3 au 5 mars »), or the month before when its day is after the
    end's (« du 30 au 2 avril », see ``_MAX_DAYS_ACROSS_MONTHS``). Without years, the start takes the closest year
    (``_infer_year``) and the end the same year, or the next one when its month comes before the start's
    (« du 28 décembre au 3 janvier »). A year typed on one side only completes the other the same way.
    """
    d1, m1, y1 = start
    d2, m2, y2 = end
    if m2 is None:
        return None
    if m1 is None:
        if d1 > d2:
            across = _period((d1, (m2 - 2) % 12 + 1, y1), end, today)
            if across and (across.end - across.start).days <= _MAX_DAYS_ACROSS_MONTHS:
                return across
        m1 = m2
    if y1 is None and y2 is None:
        first = _make_date(d1, m1, None, today)
        if first is None:
            return None
        y1 = first.year
        y2 = y1 + 1 if m2 < m1 else y1
    elif y1 is None:
        y1 = y2 - 1 if m1 > m2 else y2
    elif y2 is None:
        y2 = y1 + 1 if m2 < m1 else y1
    first, last = _make_date(d1, m1, y1, today), _make_date(d2, m2, y2, today)
    if first is None or last is None:
        return None
    return Period(first, last)


def _first(pattern: re.Pattern, text: str, build) -> Period | None:
    for m in pattern.finditer(text):
        if period := build(m):
            return period
    return None


@_none_on_overflow
def find_period(text: str, today: date) -> Period | None:
    """The dates a sentence speaks of (« une formation à Lyon du 3 au 5 mars », « demain », « la semaine prochaine »).

    Explicit ranges come first, then a single explicit date, then relative words: in « demain je pose un ordre de
    mission pour le 12 mars » the mission is on 12 March. « les 3 et 5 mars » gives the period from the 3rd to the
    5th. None when the sentence holds no date.
    """
    folded = fold_for_comparison(text)

    def from_week_of(m: re.Match) -> Period | None:
        day, month, year = _date_parts(m, "a")
        value = _make_date(day, month, year, today)
        if value is None:
            return None
        monday = value - timedelta(days=value.weekday())
        return Period(monday, monday + timedelta(days=4))

    def from_single(m: re.Match) -> Period | None:
        value = _make_date(*_date_parts(m, "a"), today)
        return _day(value) if value else None

    def from_list(m: re.Match) -> Period | None:
        first = 1 if m["first"] in ("1er", "premier") else int(m["first"])
        return _period((first, None, None), _date_parts(m, "b"), today)

    return (
        _first(_RANGE, folded, lambda m: _period(_date_parts(m, "a"), _date_parts(m, "b"), today))
        or _first(_DASH_RANGE, folded, lambda m: _period(_date_parts(m, "a"), _date_parts(m, "b"), today))
        or _first(_LIST, folded, from_list)
        or _first(_WEEK_OF, folded, from_week_of)
        or _first(_DATE, folded, from_single)
        or _first(_RELATIVE, folded, lambda m: _next_week(today) if m["next_week"] else None)
        or _first(_RELATIVE, folded, lambda m: _relative(m, today))
    )


# ---------------------------------------------------------------------------------------------------------------
# Times, durations, numbers

_TIME_SUFFIX = re.compile(r"\s+(?:du\s+(?P<morning>matin)|(?:du\s+soir|de\s+l'?\s?apres[- ]?midi)(?P<evening>))$")
_TIME_PATTERNS = (
    # « 8 h 30 », « 8h30 », « 8h », « 8 heures », « 8 h 30 min »
    re.compile(r"(?P<h>\d{1,2})\s*(?:h|heures?)(?:\s*(?P<m>\d{2})\s*(?:min(?:utes?)?|mn)?)?"),
    # « 08:30 », « 8.30 »
    re.compile(r"(?P<h>\d{1,2})\s*[:.]\s*(?P<m>\d{2})"),
    # « 8 h et demie », « 8 h et quart »
    re.compile(r"(?P<h>\d{1,2})\s*(?:h|heures?)\s+et\s+(?P<frac>demie?|quart)"),
    # « 9 h moins le quart »
    re.compile(r"(?P<h>\d{1,2})\s*(?:h|heures?)\s+moins\s+(?:le\s+)?(?P<less>quart)"),
    # « midi », « minuit », « midi et demi », « midi 30 »
    re.compile(r"(?P<noon>midi|minuit)(?:\s+(?:et\s+(?P<frac>demie?|quart)|(?P<m>\d{2})))?"),
)


def parse_time(text: str) -> time | None:
    """The time of a whole answer (« 8 h 30 », « 08:30 », « 8.30 », « 14 h », « midi », « 8 h du soir »).

    A bare number (« 8 ») is refused: it may as well be a day or a count, so the caller asks again.
    """
    answer = re.sub(r"^(?:a|vers|des|a partir de)\s+", "", _answer(text))
    morning = evening = False
    if m := _TIME_SUFFIX.search(answer):
        morning, evening = m["morning"] is not None, m["evening"] is not None
        answer = answer[: m.start()]
    for pattern in _TIME_PATTERNS:
        if not (m := pattern.fullmatch(answer)):
            continue
        groups = m.groupdict()
        if groups.get("noon"):
            hour = 12 if m["noon"] == "midi" else 0
            if morning or evening:
                return None
        else:
            hour = int(m["h"])
        minute = int(groups["m"]) if groups.get("m") else 0
        if groups.get("frac"):
            minute = 30 if m["frac"].startswith("demi") else 15
        if groups.get("less"):
            hour, minute = hour - 1, 45
        if evening and 1 <= hour < 12:
            hour += 12
        if morning and hour > 12:
            return None
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return time(hour, minute)
        return None
    return None


_DAYS = re.compile(rf"(?P<n>{_NUMBER})\s*(?:jours?|journees?|j)")
_HOURS = re.compile(
    rf"(?P<h>{_NUMBER})\s*(?:h|heures?)"
    r"(?:\s*(?P<m>\d{1,2})\s*(?:min(?:utes?)?|mn)?|\s+et\s+(?P<frac>demie?|quart))?"
)
_MINUTES = re.compile(rf"(?P<m>{_NUMBER})\s*(?:min(?:utes?)?|mn)")
_QUARTERS = re.compile(r"(?:une\s+)?(?P<half>demi[- ]?heure)|(?P<n>un|trois)\s+quarts?\s+d'\s?heure")


@_none_on_overflow
def parse_duration(text: str) -> timedelta | None:
    """The duration of a whole answer: days (« 2 jours », « deux journées ») or hours and minutes (« 3 h 30 »).

    Deliberately unsupported, so the caller asks again rather than guess: « une demi-journée » (4 h of work? a
    morning? 12 h?), weeks (5 working days or 7?), decimals (« 1,5 h »), mixed days and hours. A zero duration is
    None too.
    """
    answer = re.sub(r"^(?:pendant|durant|environ)\s+", "", _answer(text))
    duration = None
    if m := _DAYS.fullmatch(answer):
        count = _number(m["n"])
        duration = timedelta(days=count) if count is not None else None
    elif m := _HOURS.fullmatch(answer):
        hours = _number(m["h"])
        minutes = int(m["m"]) if m["m"] else 0
        if m["frac"]:
            minutes = 30 if m["frac"].startswith("demi") else 15
        duration = timedelta(hours=hours, minutes=minutes) if hours is not None and minutes < 60 else None
    elif m := _MINUTES.fullmatch(answer):
        minutes = _number(m["m"])
        duration = timedelta(minutes=minutes) if minutes is not None else None
    elif m := _QUARTERS.fullmatch(answer):
        duration = timedelta(minutes=30 if m["half"] else 15 * (1 if m["n"] == "un" else 3))
    return duration if duration else None


_CURRENCY = r"(?:€|eur|euros?)"
_AMOUNT = re.compile(rf"(?:{_CURRENCY}\s*)?(?P<number>\d[\d .,]*?)\s*{_CURRENCY}?")
# French writing: « 1 200,50 » or « 1.200,50 » (thousands by space or dot, decimal comma).
_FRENCH_NUMBER = re.compile(r"(?P<int>\d{1,3}(?:(?P<sep>[ .])\d{3})(?:(?P=sep)\d{3})*|\d+)(?:,(?P<dec>\d{1,2}))?")
# A decimal point, as on a receipt: « 120.50 » (but « 1.200 » is French for 1200, read above).
_POINT_NUMBER = re.compile(r"(?P<int>\d+)\.(?P<dec>\d{1,2})")


def parse_amount(text: str) -> Decimal | None:
    """An amount in euros, with two decimals (« 120 », « 120,50 euros », « 1 200 € », « 1.200,50 € », « € 30 »).

    None for a negative amount, for garbage, and for « 1,200 »: more than two decimals is no amount in euros,
    and reading it as 1200 would be the English convention.
    """
    m = _AMOUNT.fullmatch(_answer(text))
    if not m:
        return None
    number = m["number"].strip()
    if n := _FRENCH_NUMBER.fullmatch(number):
        digits = n["int"].replace(" ", "").replace(".", "")
    elif n := _POINT_NUMBER.fullmatch(number):
        digits = n["int"]
    else:
        return None
    try:
        return Decimal(f"{digits}.{n['dec'] or '0'}").quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


# Words after a number that show it is not a count on its own: « deux mille », « cinq cents », « 5 ou 6 ».
_NOT_UNITS = frozenset({"mille", "cent", "cents", "million", "millions", "et", "ou", "virgule", "a"}) | set(
    _NUMBER_WORDS
)
_INTEGER = re.compile(rf"(?P<n>\d{{1,3}}(?: \d{{3}})+|{_NUMBER})(?:\s*(?P<unit>[a-z]+)\.?)?")


def parse_integer(text: str) -> int | None:
    """A whole non-negative number: « 5 », « 5 CV », « cinq » (words from zéro to vingt), « 1 200 ».

    One unit word may follow the number (« 5 CV », « 3 nuits »); a sign, decimals or more words give None.
    """
    m = _INTEGER.fullmatch(_answer(text))
    if not m or (m["unit"] and m["unit"] in _NOT_UNITS):
        return None
    return int(m["n"].replace(" ", "")) if m["n"][0].isdigit() else _number(m["n"])


# ---------------------------------------------------------------------------------------------------------------
# Places

# Capitalised words that follow « à », « en », « sur » but are no destination. Folded, lower case.
_NOT_PLACES = frozenset(
    {fold_for_comparison(w) for w in WEEKDAYS + MONTHS}
    | {
        # Holidays: « à Noël », « à la Toussaint ».
        "noel",
        "paques",
        "toussaint",
        "pentecote",
        "ascension",
        # Software and video calls: « formation à Excel », « réunion sur Teams ».
        "excel",
        "word",
        "outlook",
        "powerpoint",
        "teams",
        "zoom",
        "visio",
        "visioconference",
        "webex",
        # Titles before a person's name.
        "m",
        "mme",
        "mlle",
        "monsieur",
        "madame",
        "mademoiselle",
        "dr",
        "docteur",
        "me",
        "maitre",
        # Institutions agents capitalise: the town is what follows (« à la Mairie de Lyon »).
        "mairie",
        "prefecture",
        "sous-prefecture",
        "hotel",
        "centre",
        "maison",
        "direction",
        "service",
        "salle",
        "tribunal",
        "conseil",
        "region",
        "departement",
        "metropole",
        "agence",
        "gare",
        "aeroport",
        "universite",
        "lycee",
        "college",
        "ecole",
        "hopital",
        "ministere",
        "rectorat",
        "formation",
        "mission",
        "reunion",
        "stage",
        "seminaire",
        "colloque",
        "presentiel",
        "teletravail",
        # Whole answers that are no place: « Oui », « Demain ».
        "oui",
        "non",
        "merci",
        "ok",
        "bonjour",
        "demain",
        "aujourd'hui",
        "apres-demain",
        "midi",
        "minuit",
        "aucun",
        "aucune",
        "rien",
        "annuler",
    }
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+|[^\w\s]")
_DIRECT = frozenset({"a", "au", "aux", "sur", "vers", "en"})
_OF = frozenset({"de", "du", "des"})
# « au Mans » is « à le Mans »: the article belongs to the town's name.
_CONTRACTED = {"au": "Le", "aux": "Les", "du": "Le", "des": "Les"}
_ARTICLES = ("La", "Le", "Les")
_SAINTS = frozenset({"saint", "sainte", "st", "ste"})


def _is_name(token: str, all_caps_allowed: bool) -> bool:
    if not token[:1].isalpha() or not token[0].isupper():
        return False
    # In a sentence typed in lower case, an all-capitals word is an acronym (« au CNFPT », « à la DRH »).
    letters = token.replace("-", "").replace("'", "").replace("’", "")
    return all_caps_allowed or not (len(letters) > 1 and letters.isupper())


def find_place(text: str) -> str | None:
    """The destination in a sentence (« une formation à Lyon » → « Lyon », « au Mans » → « Le Mans »).

    Only capitalised names are read, as typed: without a list of towns, the capital is what tells « à Lyon » from
    « à faire ». A name after « à », « au », « en », « sur », « vers » comes first; then a name after « de » following
    such a word (« à la préfecture de Nantes » → « Nantes »); then « pour Paris »; then a whole answer that is one
    name (« Saint-Étienne »). The caller handles answers typed in lower case.
    """
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    all_caps_allowed = not any(ch.islower() for ch in text)
    direct: list[str] = []
    of: list[str] = []
    towards: list[str] = []
    last_direct = -100  # index of the last « à »/« sur »… not cut off by punctuation
    for i, (token, _, _) in enumerate(tokens):
        word = fold_for_comparison(token)
        if not token[0].isalnum():
            last_direct = -100
            continue
        name_index, contracted = i + 1, _CONTRACTED.get(word)
        if word in _DIRECT:
            bucket = direct
            last_direct = i
        elif word in _OF and i - last_direct <= 6:
            bucket = of
        elif word.startswith("d'") and i - last_direct <= 6:
            bucket, name_index = of, i  # « de la préfecture d'Angers »: the name is inside the token
        elif word == "pour":
            bucket = towards
        else:
            continue
        if name := _name_at(text, tokens, name_index, all_caps_allowed, elided=name_index == i):
            if contracted and not name.startswith(_ARTICLES):
                name = f"{contracted} {name}"
            bucket.append(name)
    if found := direct or of or towards:
        return found[0]
    whole = text.strip().rstrip(".!?;, ")
    name = _name_at(whole, [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(whole)], 0, all_caps_allowed)
    if name and len(name) == len(whole):
        return name
    return None


def _name_at(text: str, tokens: list, index: int, all_caps_allowed: bool, elided: bool = False) -> str | None:
    """The place name starting at ``tokens[index]``, as typed, or None."""
    if index >= len(tokens):
        return None
    token, start, end = tokens[index]
    if elided:  # « d'Angers »
        token, start = token[2:], start + 2
    elif token in ("la", "le", "les") and index + 1 < len(tokens):
        # « à la Réunion », « de la Gironde »: a lower-case article is the sentence's, not the name's.
        index += 1
        token, start, end = tokens[index]
    elif token[:2].lower() in ("l'", "l’") and token[:1].islower():  # « à l'Isle-Adam »
        token, start = token[2:], start + 2
    if not token or not _is_name(token, all_caps_allowed):
        return None
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    joined = following and text[end : following[1]].isspace() and _is_name(following[0], all_caps_allowed)
    # « La Rochelle », « Le Mans », « Saint Étienne » typed without its hyphen: two words, one name.
    if joined and (token in _ARTICLES or fold_for_comparison(token) in _SAINTS):
        end = following[2]
    elif token in _ARTICLES:
        return None
    name = text[start:end]
    if fold_for_comparison(name) in _NOT_PLACES or fold_for_comparison(name.split()[-1]) in _NOT_PLACES:
        return None
    return name


# ---------------------------------------------------------------------------------------------------------------
# Formatting


def _day_and_month(value: date) -> str:
    day = "1er" if value.day == 1 else str(value.day)
    return f"{WEEKDAYS[value.weekday()]} {day} {MONTHS[value.month - 1]}"


def format_date(value: date) -> str:
    """« mardi 3 mars 2026 », « mercredi 1er avril 2026 »."""
    return f"{_day_and_month(value)} {value.year}"


def format_period(period: Period) -> str:
    """« le mardi 3 mars 2026 », « du mardi 3 au jeudi 5 mars 2026 », « du lundi 30 mars au jeudi 2 avril 2026 »."""
    start, end = period.start, period.end
    if start == end:
        return f"le {format_date(start)}"
    if start.year != end.year:
        return f"du {format_date(start)} au {format_date(end)}"
    if start.month != end.month:
        return f"du {_day_and_month(start)} au {format_date(end)}"
    day = "1er" if start.day == 1 else str(start.day)
    return f"du {WEEKDAYS[start.weekday()]} {day} au {format_date(end)}"
