"""Reading French values typed in the chat: dates, periods, times, durations, amounts, counts, places, formatting."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from relais.engine.french.values import (
    Period,
    find_period,
    find_place,
    format_date,
    format_period,
    parse_amount,
    parse_date,
    parse_duration,
    parse_integer,
    parse_time,
)

TODAY = date(2026, 11, 26)  # a Thursday
MONDAY = date(2026, 11, 30)
SUNDAY = date(2026, 11, 29)
NEW_YEAR_EVE = date(2026, 12, 28)
EARLY_JANUARY = date(2027, 1, 5)


def day(year: int, month: int, day_: int) -> Period:
    return Period(date(year, month, day_), date(year, month, day_))


# ---------------------------------------------------------------------------------------------------------------
# parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/03/2027", date(2027, 3, 12)),
        ("12/03", date(2027, 3, 12)),
        ("12-03-2027", date(2027, 3, 12)),
        ("12.03.2027", date(2027, 3, 12)),
        ("12/03/27", date(2027, 3, 12)),
        ("2027-03-12", date(2027, 3, 12)),
        ("12 mars", date(2027, 3, 12)),
        ("12 mars 2027", date(2027, 3, 12)),
        ("le 12 mars", date(2027, 3, 12)),
        ("mardi 12 mars", date(2027, 3, 12)),
        ("1er avril", date(2027, 4, 1)),
        ("premier avril", date(2027, 4, 1)),
        ("3 janv.", date(2027, 1, 3)),
        ("12 sept 2027", date(2027, 9, 12)),
        ("aujourd'hui", TODAY),
        ("Aujourd’hui.", TODAY),
        ("demain", date(2026, 11, 27)),
        ("Demain !", date(2026, 11, 27)),
        ("après-demain", date(2026, 11, 28)),
        ("apres demain", date(2026, 11, 28)),
        ("APRÈS-DEMAIN", date(2026, 11, 28)),
        ("lundi", date(2026, 11, 30)),
        ("ce lundi", date(2026, 11, 30)),
        ("lundi prochain", date(2026, 11, 30)),
        # Today is a Thursday: « jeudi » is today, « jeudi prochain » next week.
        ("jeudi", TODAY),
        ("jeudi prochain", date(2026, 12, 3)),
        ("dans 3 jours", date(2026, 11, 29)),
        ("dans deux semaines", date(2026, 12, 10)),
        ("dans une semaine", date(2026, 12, 3)),
        # Case, accents and spaces.
        ("12 Fevrier", date(2027, 2, 12)),
        ("12 février", date(2027, 2, 12)),
        ("3 AOÛT 2027", date(2027, 8, 3)),
        ("3 aout 2027", date(2027, 8, 3)),
        ("  12   MARS . ", date(2027, 3, 12)),
        ("25 Décembre", date(2026, 12, 25)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02",
        "31/02/2027",
        "30 février",
        "32 mars",
        "12/13",
        "29/02",  # no leap year around 2026
        "banane",
        "",
        "   ",
        "12 mars à Lyon",  # a sentence, not an answer: see find_period
        "la semaine prochaine",  # a period, not a date
        "12",
        "mars",
        "du 3 au 5 mars",
        "8 h 30",
    ],
)
def test_parse_date_refuses_what_is_not_one_date(text):
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # Closest year: typed on 26 November 2026, March is next year's...
        ("3 mars", TODAY, date(2027, 3, 3)),
        # ...but a past November day stays in the past, for the form to refuse it.
        ("12/11", TODAY, date(2026, 11, 12)),
        ("3 août", TODAY, date(2026, 8, 3)),
        # Half a year away, the nearer side wins: 27 May 2027 is 182 days ahead, 28 May 2026 182 days back.
        ("27 mai", TODAY, date(2027, 5, 27)),
        ("28 mai", TODAY, date(2026, 5, 28)),
        ("3 juin", TODAY, date(2026, 6, 3)),
        # Year rollover, both ways.
        ("3 janvier", NEW_YEAR_EVE, date(2027, 1, 3)),
        ("28 décembre", EARLY_JANUARY, date(2026, 12, 28)),
        ("2 janvier", EARLY_JANUARY, date(2027, 1, 2)),
        # 1 March 2027 and 1 March 2028 are both 183 days from 31 August 2027: the future wins.
        ("1er mars", date(2027, 8, 31), date(2028, 3, 1)),
        # 29 February exists in 2028: a year without it is skipped.
        ("29/02", date(2027, 12, 1), date(2028, 2, 29)),
    ],
)
def test_parse_date_infers_the_closest_year(text, today, expected):
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lundi", MONDAY),
        ("lundi prochain", date(2026, 12, 7)),
        ("mardi", date(2026, 12, 1)),
        ("dimanche", date(2026, 12, 6)),
    ],
)
def test_parse_date_weekdays_on_a_monday(text, expected):
    assert parse_date(text, MONDAY) == expected


def test_parse_date_never_reads_the_clock():
    assert parse_date("demain", date(2030, 2, 28)) == date(2030, 3, 1)
    assert parse_date("dans 3 jours", date(2028, 2, 27)) == date(2028, 3, 1)


# ---------------------------------------------------------------------------------------------------------------
# parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 h 30", time(8, 30)),
        ("8h30", time(8, 30)),
        ("8H30.", time(8, 30)),
        ("8h", time(8, 0)),
        ("08:30", time(8, 30)),
        ("8 heures", time(8, 0)),
        ("8 heures 30", time(8, 30)),
        ("8 h 30 min", time(8, 30)),
        ("14 h", time(14, 0)),
        ("14h00", time(14, 0)),
        ("midi", time(12, 0)),
        ("Midi", time(12, 0)),
        ("minuit", time(0, 0)),
        ("8.30", time(8, 30)),
        ("23:59", time(23, 59)),
        ("0h15", time(0, 15)),
        ("à 8 h", time(8, 0)),
        ("vers 9h", time(9, 0)),
        ("8 h et demie", time(8, 30)),
        ("8 h et quart", time(8, 15)),
        ("9 h moins le quart", time(8, 45)),
        ("midi et demi", time(12, 30)),
        ("8 h du matin", time(8, 0)),
        ("8 h du soir", time(20, 0)),
        ("3 h de l'après-midi", time(15, 0)),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["25h", "24:00", "8h60", "8:75", "8", "huit", "midi du soir", "20 h du matin", "banane", "", "8 h 30 demain"],
)
def test_parse_time_refuses_invalid_times(text):
    assert parse_time(text) is None


# ---------------------------------------------------------------------------------------------------------------
# find_period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "je dois faire un ordre de mission pour une formation à Lyon du 3 au 5 mars",
            Period(date(2027, 3, 3), date(2027, 3, 5)),
        ),
        ("du 3 mars au 2 avril", Period(date(2027, 3, 3), date(2027, 4, 2))),
        ("du 30/03 au 01/04/2027", Period(date(2027, 3, 30), date(2027, 4, 1))),
        ("du 10/12 au 12/12", Period(date(2026, 12, 10), date(2026, 12, 12))),
        ("les 3 et 4 mars", Period(date(2027, 3, 3), date(2027, 3, 4))),
        ("formation les 3 et 5 mars à Lyon", Period(date(2027, 3, 3), date(2027, 3, 5))),
        ("les 3, 4 et 5 mars", Period(date(2027, 3, 3), date(2027, 3, 5))),
        ("le 12 mars", day(2027, 3, 12)),
        ("Réunion le 12/03 à 14 h", day(2027, 3, 12)),
        ("rendez-vous le 2027-03-12", day(2027, 3, 12)),
        ("demain", day(2026, 11, 27)),
        ("Je pars demain matin", day(2026, 11, 27)),
        ("après-demain", day(2026, 11, 28)),
        ("à partir de demain", day(2026, 11, 27)),
        ("aujourd'hui", day(2026, 11, 26)),
        ("la semaine prochaine", Period(date(2026, 11, 30), date(2026, 12, 4))),
        ("un colloque la SEMAINE PROCHAINE à Paris", Period(date(2026, 11, 30), date(2026, 12, 4))),
        ("lundi prochain", day(2026, 11, 30)),
        ("je pars mardi", day(2026, 12, 1)),
        ("dans 3 jours", day(2026, 11, 29)),
        ("du lundi 3 au mercredi 5 mars", Period(date(2027, 3, 3), date(2027, 3, 5))),
        ("entre le 3 et le 5 mars", Period(date(2027, 3, 3), date(2027, 3, 5))),
        ("entre le 3 et 5 Mars", Period(date(2027, 3, 3), date(2027, 3, 5))),
        ("du 3 au 5 mars 2027", Period(date(2027, 3, 3), date(2027, 3, 5))),
        ("du 3-5 mars", Period(date(2027, 3, 3), date(2027, 3, 5))),
        ("stage 3-5 mars", Period(date(2027, 3, 3), date(2027, 3, 5))),
        ("la semaine du 7 décembre", Period(date(2026, 12, 7), date(2026, 12, 11))),
        ("du 1er au 3 avril", Period(date(2027, 4, 1), date(2027, 4, 3))),
        # An explicit date wins over a relative word elsewhere in the sentence.
        ("demain je pose un ordre de mission pour le 12 mars", day(2027, 3, 12)),
        # Accents and case.
        ("du 3 au 5 FÉVRIER", Period(date(2027, 2, 3), date(2027, 2, 5))),
        ("du 3 au 5 fevrier", Period(date(2027, 2, 3), date(2027, 2, 5))),
    ],
)
def test_find_period(text, expected):
    assert find_period(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # Without a year the end follows the start into the next year.
        ("du 28 décembre au 3 janvier", TODAY, Period(date(2026, 12, 28), date(2027, 1, 3))),
        ("du 28 décembre au 3 janvier", NEW_YEAR_EVE, Period(date(2026, 12, 28), date(2027, 1, 3))),
        ("du 28 décembre au 3 janvier", EARLY_JANUARY, Period(date(2026, 12, 28), date(2027, 1, 3))),
        ("du 28 au 3 janvier", TODAY, Period(date(2026, 12, 28), date(2027, 1, 3))),
        ("du 30 au 2 avril", TODAY, Period(date(2027, 3, 30), date(2027, 4, 2))),
        # A year typed on one side completes the other.
        ("du 28 décembre au 3 janvier 2027", TODAY, Period(date(2026, 12, 28), date(2027, 1, 3))),
        ("du 28 décembre 2026 au 3 janvier", TODAY, Period(date(2026, 12, 28), date(2027, 1, 3))),
        ("du 3 au 5 mars 2028", TODAY, Period(date(2028, 3, 3), date(2028, 3, 5))),
        # A past period stays in the past: the form refuses it.
        ("du 10 au 12 novembre", TODAY, Period(date(2026, 11, 10), date(2026, 11, 12))),
        # Weekday words against another today.
        ("la semaine prochaine", MONDAY, Period(date(2026, 12, 7), date(2026, 12, 11))),
        ("la semaine prochaine", SUNDAY, Period(date(2026, 11, 30), date(2026, 12, 4))),
        ("lundi prochain", MONDAY, day(2026, 12, 7)),
        ("lundi", MONDAY, day(2026, 11, 30)),
    ],
)
def test_find_period_years_and_todays(text, today, expected):
    assert find_period(text, today) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # End before start, both explicit: returned as typed, the caller shows the error.
        ("du 5 mars 2027 au 3 mars 2027", Period(date(2027, 3, 5), date(2027, 3, 3))),
        ("du 5 au 3 mars 2027", Period(date(2027, 3, 5), date(2027, 3, 3))),
        # Not read as 5 February - 3 March: too long for a start whose month was left out.
        ("du 5 au 3 mars", Period(date(2027, 3, 5), date(2027, 3, 3))),
    ],
)
def test_find_period_keeps_an_inverted_period_as_typed(text, expected):
    assert find_period(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais faire une demande d'ordre de mission",
        "",
        "rien à voir",
        "du 3 au 5",  # no month
        "de 9 h à 17 h",
        "nous serons 2 agents",
        "un remboursement de 120,50 €",
        "du 30 au 31 février",
        "tous les lundis",
        "en 2027",
    ],
)
def test_find_period_without_a_date(text):
    assert find_period(text, TODAY) is None


def test_find_period_needs_an_opening_word_for_a_bare_day():
    # « 2 et le 5 mars » is no period without « les », « du »…: only the full date is kept.
    assert find_period("nous serons 2 et le 5 mars", TODAY) == day(2027, 3, 5)


# ---------------------------------------------------------------------------------------------------------------
# parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 jours", timedelta(days=2)),
        ("1 jour", timedelta(days=1)),
        ("deux jours", timedelta(days=2)),
        ("Deux Jours.", timedelta(days=2)),
        ("3 journées", timedelta(days=3)),
        ("2j", timedelta(days=2)),
        ("3 h 30", timedelta(hours=3, minutes=30)),
        ("3h30", timedelta(hours=3, minutes=30)),
        ("1h", timedelta(hours=1)),
        ("1 heure", timedelta(hours=1)),
        ("une heure", timedelta(hours=1)),
        ("2 heures 15", timedelta(hours=2, minutes=15)),
        ("1 h 30 min", timedelta(hours=1, minutes=30)),
        ("45 min", timedelta(minutes=45)),
        ("90 minutes", timedelta(minutes=90)),
        ("1 heure et demie", timedelta(hours=1, minutes=30)),
        ("2 h et quart", timedelta(hours=2, minutes=15)),
        ("une demi-heure", timedelta(minutes=30)),
        ("un quart d'heure", timedelta(minutes=15)),
        ("trois quarts d'heure", timedelta(minutes=45)),
        ("pendant 2 jours", timedelta(days=2)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "une demi-journée",  # deliberately unsupported: 4 h of work, a morning, 12 h?
        "demi-journée",
        "1 semaine",
        "1,5 h",
        "2 jours et 3 heures",
        "0 h",
        "0 jour",
        "2 h 75",
        "garbage",
        "",
        "2",
    ],
)
def test_parse_duration_refuses_ambiguous_or_invalid(text):
    assert parse_duration(text) is None


# ---------------------------------------------------------------------------------------------------------------
# parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120", Decimal("120.00")),
        ("120 €", Decimal("120.00")),
        ("120€", Decimal("120.00")),
        ("120,50 euros", Decimal("120.50")),
        ("120,5", Decimal("120.50")),
        ("1 200 €", Decimal("1200.00")),
        ("1\u00a0200 €", Decimal("1200.00")),  # no-break space
        ("1\u202f200,50 €", Decimal("1200.50")),  # narrow no-break space
        ("1 200,5", Decimal("1200.50")),
        ("1.200,50 €", Decimal("1200.50")),
        ("1.200", Decimal("1200.00")),
        ("1 234 567,89", Decimal("1234567.89")),
        ("120.50", Decimal("120.50")),
        ("€ 30", Decimal("30.00")),
        ("30 EUR", Decimal("30.00")),
        ("30 euro", Decimal("30.00")),
        ("0", Decimal("0.00")),
        (" 42. ", Decimal("42.00")),
    ],
)
def test_parse_amount(text, expected):
    amount = parse_amount(text)
    assert amount == expected
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    ["-5", "-5 €", "abc", "", "trente euros", "1,200", "120,505", "12 50", "1 20", "€", "120 € 50", "1.200.50", "5 $"],
)
def test_parse_amount_refuses_negative_or_garbage(text):
    assert parse_amount(text) is None


# ---------------------------------------------------------------------------------------------------------------
# parse_integer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5),
        ("5 CV", 5),
        ("5cv", 5),
        ("cinq", 5),
        ("Cinq CV", 5),
        (" 12 ", 12),
        ("12.", 12),
        ("zéro", 0),
        ("zero", 0),
        ("un", 1),
        ("dix-sept", 17),
        ("dix sept", 17),
        ("vingt", 20),
        ("3 nuits", 3),
        ("1 200", 1200),
    ],
)
def test_parse_integer(text, expected):
    assert parse_integer(text) == expected


@pytest.mark.parametrize(
    "text", ["abc", "", "-3", "5,5", "5.5", "vingt et un", "deux mille", "cinq cents", "5 ou 6", "5 CV diesel", "+5"]
)
def test_parse_integer_refuses_garbage(text):
    assert parse_integer(text) is None


# ---------------------------------------------------------------------------------------------------------------
# find_place


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je dois faire un ordre de mission pour une formation à Lyon du 3 au 5 mars", "Lyon"),
        ("une formation à Lyon", "Lyon"),
        ("à Montpellier, il me faut un billet", "Montpellier"),
        ("réunion à Saint-Étienne le 3 mars", "Saint-Étienne"),
        ("réunion à Saint Etienne le 3 mars", "Saint Etienne"),
        ("au Mans", "Le Mans"),
        ("je vais au Havre demain", "Le Havre"),
        ("à La Rochelle", "La Rochelle"),
        ("en mission sur Paris", "Paris"),
        ("à Aix-en-Provence", "Aix-en-Provence"),
        ("aux Sables-d'Olonne", "Les Sables-d'Olonne"),
        ("à L'Isle-Adam", "L'Isle-Adam"),
        ("déplacement à la préfecture de Nantes", "Nantes"),
        ("déplacement à la préfecture d'Angers", "Angers"),
        ("à la Mairie de Lyon", "Lyon"),
        ("au CNFPT de Montpellier", "Montpellier"),
        ("à la gare du Mans", "Le Mans"),
        ("au conseil départemental de la Gironde", "Gironde"),
        ("en Bretagne", "Bretagne"),
        ("vers Rennes", "Rennes"),
        ("billet pour Paris", "Paris"),
        ("À Lyon.", "Lyon"),
        ("à lyon ou à Lyon", "Lyon"),
        # A destination comes before a name after « de » elsewhere.
        ("à la demande de Jean, je vais à Lyon", "Lyon"),
        ("de Lyon à Paris", "Paris"),
        # Caps lock: the whole text is in capitals, so capitals are no acronym.
        ("JE VAIS A PARIS", "PARIS"),
        # The user's spelling is kept.
        ("à saint-Malo", None),
        ("à St-Malo", "St-Malo"),
        # A whole answer that is one name.
        ("Lyon", "Lyon"),
        ("Saint-Étienne", "Saint-Étienne"),
        ("Le Mans", "Le Mans"),
    ],
)
def test_find_place(text, expected):
    assert find_place(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "à partir de demain",
        "à 8 h",
        "à la formation",
        "à faire",
        "à rembourser",
        "à lyon",  # lower case: the caller takes a whole answer as typed
        "formation à Excel",
        "réunion sur Teams",
        "à Noël",
        "je pars en Mars",
        "à la DRH",
        "au CNFPT",
        "à la Mairie",
        "Demain",
        "Oui",
        "Jean Dupont",
        "",
        "ordre de mission pour M. Dupont",
        "depuis Lyon",
    ],
)
def test_find_place_refuses_what_is_no_place(text):
    assert find_place(text) is None


# ---------------------------------------------------------------------------------------------------------------
# Formatting


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 3, 3), "mardi 3 mars 2026"),
        (date(2027, 3, 3), "mercredi 3 mars 2027"),
        (date(2026, 4, 1), "mercredi 1er avril 2026"),
        (date(2027, 2, 14), "dimanche 14 février 2027"),
        (date(2026, 8, 15), "samedi 15 août 2026"),
        (date(2026, 12, 31), "jeudi 31 décembre 2026"),
    ],
)
def test_format_date(value, expected):
    assert format_date(value) == expected


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (day(2026, 3, 3), "le mardi 3 mars 2026"),
        (day(2026, 4, 1), "le mercredi 1er avril 2026"),
        (Period(date(2026, 3, 3), date(2026, 3, 5)), "du mardi 3 au jeudi 5 mars 2026"),
        (Period(date(2026, 6, 1), date(2026, 6, 3)), "du lundi 1er au mercredi 3 juin 2026"),
        (Period(date(2026, 3, 30), date(2026, 4, 2)), "du lundi 30 mars au jeudi 2 avril 2026"),
        (Period(date(2026, 12, 28), date(2027, 1, 3)), "du lundi 28 décembre 2026 au dimanche 3 janvier 2027"),
    ],
)
def test_format_period(period, expected):
    assert format_period(period) == expected


def test_period_is_frozen_and_round_trips():
    period = find_period("formation à Lyon du 3 au 5 mars", TODAY)
    with pytest.raises(AttributeError):
        period.start = TODAY
    assert format_period(period) == "du mercredi 3 au vendredi 5 mars 2027"
    assert find_period(format_period(period), TODAY) == period
    assert parse_date(format_date(period.start), TODAY) == period.start
