"""Opening hours as a town hall writes them (engine/hours.py): read, checked, and asked « open now? »."""

from datetime import date, datetime

import pytest

from relais.engine.hours import HoursError, WeeklyHours, easter, public_holidays

TOWN_HALL = """du lundi au vendredi : 8 h 30 - 12 h, 13 h 30 - 17 h 30
jeudi : 8 h 30 - 12 h, 13 h 30 - 19 h
samedi : 9 h - 12 h sauf juillet et août"""


@pytest.fixture()
def town_hall() -> WeeklyHours:
    return WeeklyHours.parse(TOWN_HALL)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-12-07 08:29", False),  # Monday, before opening
        ("2026-12-07 08:30", True),
        ("2026-12-07 12:00", False),  # the lunch break: the end is excluded
        ("2026-12-07 13:45", True),
        ("2026-12-07 17:30", False),
        ("2026-12-10 18:30", True),  # Thursday: the later line replaces the weekday hours
        ("2026-12-11 18:30", False),  # Friday keeps the general rule
        ("2026-12-12 10:00", True),  # Saturday morning in December
        ("2026-07-11 10:00", False),  # ... but not in July
        ("2026-12-06 10:00", False),  # Sunday: named by no line
        ("2026-12-25 10:00", False),  # Christmas, a Friday
        ("2026-05-14 10:00", False),  # Ascension 2026 (Easter + 39 days), a Thursday
    ],
)
def test_open_or_closed_at_a_moment(town_hall, moment, is_open):
    assert town_hall.is_open(datetime.fromisoformat(moment)) is is_open


def test_the_status_says_until_when_or_when_it_reopens(town_hall):
    monday_morning = datetime(2026, 12, 7, 9, 0)
    assert town_hall.status(monday_morning).sentence(monday_morning) == "Ouvert en ce moment, jusqu'à 12 h."
    lunch = datetime(2026, 12, 7, 12, 15)
    assert town_hall.status(lunch).sentence(lunch) == "Fermé en ce moment. Réouverture aujourd'hui à 13 h 30."
    saturday_evening = datetime(2026, 12, 12, 18, 0)
    status = town_hall.status(saturday_evening)
    assert status.opens_at == datetime(2026, 12, 14, 8, 30)  # Sunday skipped
    assert status.sentence(saturday_evening) == "Fermé en ce moment. Réouverture lundi 14 décembre à 8 h 30."
    christmas_eve = datetime(2026, 12, 24, 19, 30)  # a Thursday, after the late opening
    assert town_hall.status(christmas_eve).sentence(christmas_eve) == (
        "Fermé en ce moment. Réouverture samedi 26 décembre à 9 h."
    )


def test_holidays_can_be_open_when_the_service_says_so():
    always = WeeklyHours.parse("du lundi au dimanche : 8 h - 19 h", closed_on_public_holidays=False)
    assert always.is_open(datetime(2026, 12, 25, 10, 0))
    assert not WeeklyHours.parse("du lundi au dimanche : 8 h - 19 h").is_open(datetime(2026, 12, 25, 10, 0))


def test_the_lines_shown_group_the_days_with_the_same_hours(town_hall):
    assert town_hall.lines() == [
        "Lundi, mardi, mercredi et vendredi : 8 h 30 – 12 h, 13 h 30 – 17 h 30",
        "Jeudi : 8 h 30 – 12 h, 13 h 30 – 19 h",
        "Samedi : 9 h – 12 h (sauf juillet et août)",
        "Dimanche : fermé",
    ]
    assert WeeklyHours.parse("lun-ven 8:30-12:00 / 13:30-17:00").lines() == [
        "Du lundi au vendredi : 8 h 30 – 12 h, 13 h 30 – 17 h",
        "Samedi et dimanche : fermé",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Lundi, mardi et jeudi de 9 h à 12 h",
        "du mardi au samedi : 10h-12h30 et 14h-18h",
        "mer. : 9h-12h",
        "samedi : fermé",
    ],
)
def test_the_usual_ways_of_writing_hours_are_read(text):
    assert WeeklyHours.parse(text).rules


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("tous les jours 9h-12h", "commencez par le ou les jours"),
        ("lundi : 8h-7h", "la fin (7 h) doit suivre le début (8 h)"),
        ("lundi : 8h-12h, 11h-13h", "deux plages horaires se chevauchent"),
        ("lundi : le matin", "écrivez les horaires comme"),
        ("lundi : 25h-26h", "heure impossible"),
        ("samedi : 9h-12h sauf juilet", "mois inconnu « juilet »"),
        ("lundi : 9h-12h\nfoodi : 9h-12h", "Ligne 2"),
    ],
)
def test_unreadable_hours_get_a_french_message_naming_the_line(text, says):
    with pytest.raises(HoursError, match="Ligne") as error:
        WeeklyHours.parse(text)
    assert says in str(error.value)


def test_easter_and_the_public_holidays():
    assert easter(2026) == date(2026, 4, 5) and easter(2027) == date(2027, 3, 28) and easter(2025) == date(2025, 4, 20)
    holidays = public_holidays(2026)
    assert len(holidays) == 11
    assert holidays[date(2026, 4, 6)] == "lundi de Pâques" and holidays[date(2026, 5, 25)] == "lundi de Pentecôte"
