"""Opening hours of a service, written the way a town hall writes them, and whether it is open at a moment.

A référent types the hours in French, one line per group of days (issue 20: the hand-over to a human says
whether the service is open now)::

    du lundi au vendredi : 8 h 30 - 12 h, 13 h 30 - 17 h 30
    jeudi : 8 h 30 - 12 h, 13 h 30 - 19 h
    samedi : 9 h - 12 h sauf juillet et août

- days: a day (« lundi », « lun »), a range (« du lundi au vendredi », « lundi-vendredi ») or a list
  (« lundi, mardi et jeudi »);
- hours: ranges « 8 h 30 - 12 h », « 8h30–12h », « 8:30-12:00 » or « de 9 h à 12 h », separated by commas, « et »
  or « / »; « fermé » closes the days named;
- « sauf juillet et août » (months) leaves those months out of the line;
- a later line replaces the hours of the days it names (the general rule first, then the exceptions).

The French public holidays (jours fériés of metropolitan France, Easter-based ones included) are closed unless a
setting says otherwise. Nothing here knows about Django: the service directory (helpdesk/directory.py) stores the
text, this module reads it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "fevrier", "mars", "avril", "mai", "juin",
    "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
)  # fmt: skip
MONTH_NAMES = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


class HoursError(ValueError):
    """The text cannot be read as opening hours; the message (French) says which line and why."""


@dataclass(frozen=True)
class Interval:
    start: time
    end: time

    def __str__(self) -> str:
        return f"{say_time(self.start)} – {say_time(self.end)}"


@dataclass(frozen=True)
class Rule:
    days: frozenset[int]  # 0 = Monday
    intervals: tuple[Interval, ...]  # empty: closed
    except_months: frozenset[int] = frozenset()  # 1 = January


@dataclass(frozen=True)
class OpenStatus:
    open: bool
    closes_at: datetime | None  # when open: the end of the current interval
    opens_at: datetime | None  # when closed: the next opening within two weeks, if any

    def sentence(self, now: datetime) -> str:
        """« Ouvert en ce moment, jusqu'à 17 h 30. » / « Fermé en ce moment. Réouverture lundi 7 décembre à
        8 h 30. »"""
        if self.open and self.closes_at is not None:
            return f"Ouvert en ce moment, jusqu'à {say_time(self.closes_at.time())}."
        if self.opens_at is None:
            return "Fermé en ce moment."
        return f"Fermé en ce moment. Réouverture {say_moment(self.opens_at, now)}."


@dataclass(frozen=True)
class WeeklyHours:
    rules: tuple[Rule, ...]
    closed_on_public_holidays: bool = True

    @classmethod
    def parse(cls, text: str, *, closed_on_public_holidays: bool = True) -> WeeklyHours:
        rules = []
        for number, line in enumerate(_lines(text), start=1):
            try:
                rules.append(_parse_line(line))
            except HoursError as error:
                raise HoursError(f"Ligne {number} (« {line} ») : {error}") from None
        return cls(tuple(rules), closed_on_public_holidays)

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        if self.closed_on_public_holidays and day in public_holidays(day.year):
            return ()
        intervals: tuple[Interval, ...] = ()
        for rule in self.rules:  # a later line replaces the earlier ones for its days
            if day.weekday() in rule.days and day.month not in rule.except_months:
                intervals = rule.intervals
        return intervals

    def status(self, at: datetime) -> OpenStatus:
        for interval in self.intervals_on(at.date()):
            if interval.start <= at.time() < interval.end:
                return OpenStatus(True, datetime.combine(at.date(), interval.end, at.tzinfo), None)
        return OpenStatus(False, None, self.next_opening(at))

    def is_open(self, at: datetime) -> bool:
        return self.status(at).open

    def next_opening(self, at: datetime) -> datetime | None:
        for offset in range(15):
            day = at.date() + timedelta(days=offset)
            for interval in self.intervals_on(day):
                start = datetime.combine(day, interval.start, at.tzinfo)
                if start > at:
                    return start
        return None

    def lines(self) -> list[str]:
        """The hours as shown to a visitor: one line per set of days with the same hours, in week order
        (« Lundi, mardi, mercredi et vendredi : 8 h 30 – 12 h, 13 h 30 – 17 h 30 », « Dimanche : fermé »)."""
        groups: dict[tuple, list[int]] = {}
        for weekday in range(7):
            groups.setdefault(self._weekday_hours(weekday), []).append(weekday)
        open_first = sorted(groups.items(), key=lambda group: not group[0][0])  # stable: week order kept
        return [_describe(days, intervals, months) for (intervals, months), days in open_first]

    def _weekday_hours(self, weekday: int) -> tuple[tuple[Interval, ...], frozenset[int]]:
        intervals: tuple[Interval, ...] = ()
        months: frozenset[int] = frozenset()
        for rule in self.rules:
            if weekday in rule.days:
                intervals, months = rule.intervals, rule.except_months
        return intervals, months


def _describe(days: list[int], intervals: tuple[Interval, ...], months: frozenset[int]) -> str:
    named = _say_days(days)
    if not intervals:
        return f"{named} : fermé"
    hours = ", ".join(str(i) for i in intervals)
    if months:
        hours += " (sauf " + _and([MONTH_NAMES[m - 1] for m in sorted(months)]) + ")"
    return f"{named} : {hours}"


def _say_days(days: list[int]) -> str:
    """Three or more days in a row read « du lundi au vendredi »; any other set is listed."""
    in_a_row = len(days) >= 3 and days == list(range(days[0], days[-1] + 1))
    text = f"du {DAYS[days[0]]} au {DAYS[days[-1]]}" if in_a_row else _and([DAYS[d] for d in days])
    return text[0].upper() + text[1:]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " et " + words[-1]


def say_time(moment: time) -> str:
    """8 h 30, 12 h: the French typographic way a town hall writes it."""
    return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"


def say_moment(moment: datetime, now: datetime) -> str:
    if moment.date() == now.date():
        return f"aujourd'hui à {say_time(moment.time())}"
    if moment.date() == now.date() + timedelta(days=1):
        return f"demain à {say_time(moment.time())}"
    day = f"{DAYS[moment.weekday()]} {moment.day} {MONTH_NAMES[moment.month - 1]}"
    return f"{day} à {say_time(moment.time())}"


# --- reading the text -----------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _lines(text: str) -> list[str]:
    parts = re.split(r"[\n;]+", text)
    return [part.strip().rstrip(".") for part in parts if part.strip().rstrip(".")]


_DAY = r"(?:lun|mar|mer|jeu|ven|sam|dim)[a-z]*\.?"
_DAYS_PART = re.compile(rf"^\s*((?:du\s+|le\s+|les\s+)?{_DAY}(?:\s*(?:,|et|au|a|-|–|—)\s*{_DAY})*)\s*:?\s*(.*)$")
_TIME = r"(\d{1,2})\s*(?:h|:)\s*(\d{2})?"
_RANGE = re.compile(rf"(?:de\s+)?{_TIME}\s*(?:-|–|—|a)\s*{_TIME}")
_EXCEPT = re.compile(r"\(?\s*sauf\s+(?:en\s+)?([a-z ,]+?)\s*\)?\s*$")


def _parse_line(line: str) -> Rule:
    folded = _fold(line)
    match = _DAYS_PART.match(folded)
    if match is None:
        raise HoursError("commencez par le ou les jours (« du lundi au vendredi : 8 h 30 - 12 h »).")
    days = _parse_days(match.group(1))
    rest = match.group(2)
    except_months: frozenset[int] = frozenset()
    found = _EXCEPT.search(rest)
    if found:
        except_months = _parse_months(found.group(1))
        rest = rest[: found.start()]
    if re.fullmatch(r"\s*ferme(?:e|s|es)?\s*", rest):
        return Rule(days, (), except_months)
    return Rule(days, _parse_intervals(rest), except_months)


def _day_number(word: str) -> int:
    word = word.rstrip(".")
    for number, name in enumerate(DAYS):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return number
    raise HoursError(f"jour inconnu « {word} ».")


def _parse_days(text: str) -> frozenset[int]:
    text = re.sub(r"^(?:du|le|les)\s+", "", text.strip())
    days: set[int] = set()
    for part in re.split(r"\s*(?:,|\bet\b)\s*", text):
        ends = [w for w in re.split(r"\s*(?:\bau\b|\ba\b|-|–|—)\s*", part) if w]
        if len(ends) == 1:
            days.add(_day_number(ends[0]))
        elif len(ends) == 2:
            first, last = _day_number(ends[0]), _day_number(ends[1])
            span = (last - first) % 7
            days.update((first + i) % 7 for i in range(span + 1))
        else:
            raise HoursError(f"jours illisibles « {part} ».")
    return frozenset(days)


def _parse_months(text: str) -> frozenset[int]:
    months = set()
    for word in re.split(r"\s*(?:,|\bet\b)\s*", text.strip()):
        if word not in MONTHS:
            raise HoursError(f"mois inconnu « {word} » après « sauf ».")
        months.add(MONTHS.index(word) + 1)
    return frozenset(months)


def _clock(hour: str, minute: str | None) -> time:
    h, m = int(hour), int(minute or 0)
    if h == 24 and m == 0:
        return time(23, 59, 59)
    if h > 23 or m > 59:
        raise HoursError(f"heure impossible « {hour} h {minute or ''} ».")
    return time(h, m)


def _parse_intervals(text: str) -> tuple[Interval, ...]:
    intervals = []
    for match in _RANGE.finditer(text):
        start, end = _clock(match.group(1), match.group(2)), _clock(match.group(3), match.group(4))
        if end <= start:
            raise HoursError(f"la fin ({say_time(end)}) doit suivre le début ({say_time(start)}).")
        intervals.append(Interval(start, end))
    leftover = re.sub(r"[\s,/]|\bet\b", "", _RANGE.sub("", text))
    if not intervals or leftover:
        raise HoursError("écrivez les horaires comme « 8 h 30 - 12 h, 13 h 30 - 17 h » ou « fermé ».")
    intervals.sort(key=lambda i: i.start)
    for before, after in pairwise(intervals):
        if after.start < before.end:
            raise HoursError("deux plages horaires se chevauchent.")
    return tuple(intervals)


# --- public holidays ------------------------------------------------------------------------------------------


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; the « anonymous » computus of Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own name)
    m = (a + 11 * h + 19 * l) // 433
    month = (h + l - 7 * m + 90) // 25
    day = (h + l - 7 * m + 33 * month + 19) % 32
    return date(year, month, day)


def public_holidays(year: int) -> dict[date, str]:
    """The eleven public holidays of metropolitan France (Alsace-Moselle's two more are not included)."""
    sunday = easter(year)
    return {
        date(year, 1, 1): "jour de l'an",
        sunday + timedelta(days=1): "lundi de Pâques",
        date(year, 5, 1): "fête du Travail",
        date(year, 5, 8): "victoire de 1945",
        sunday + timedelta(days=39): "Ascension",
        sunday + timedelta(days=50): "lundi de Pentecôte",
        date(year, 7, 14): "fête nationale",
        date(year, 8, 15): "Assomption",
        date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "armistice de 1918",
        date(year, 12, 25): "Noël",
    }
