"""The dashboard's section « Assistant des citoyens » (issue 20): the visitors' questions apart from the agents',
from the exchanges still stored and the daily counts of those purged, on a small hand-built log."""

import csv
import dataclasses
import html
import io
import re
from datetime import date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from relais.accounts.roles import PILOTAGE, ensure_groups
from relais.assistant.models import Conversation, Exchange, Feedback, UsageCounter
from relais.config import Config, ConfigError
from relais.insights.measure import Period, measure
from relais.insights.visitors import visitors
from relais.knowledge.models import ServiceDesk

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2026-11-02", "end": "2026-11-15"}  # Monday 2 to Sunday 15 November; the 11th is a holiday
START, END = date(2026, 11, 2), date(2026, 11, 15)
NBSP = "\u00a0"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, hour, minute))


def exchange(when: datetime, mode: str, screened: str = "", rating: str = "", audience="public", service="") -> None:
    row = Exchange.objects.create(
        conversation=Conversation.objects.create(), question="q", search_query="q", answer="a", mode=mode,
        confidence=0.5, latency_ms=10.0, audience=audience, screened=screened, service=service,
    )  # fmt: skip
    Exchange.objects.filter(pk=row.pk).update(created_at=when)
    if rating:
        Feedback.objects.create(exchange=row, rating=rating)


def counter(day: int, mode: str, audience: str = "public", service: str = "", **counts) -> None:
    UsageCounter.objects.create(day=date(2026, 11, day), mode=mode, audience=audience, service=service, **counts)


def town_hall(hours: str = "du lundi au vendredi : 8 h 30 - 12 h, 13 h 30 - 17 h 30") -> ServiceDesk:
    return ServiceDesk.objects.create(
        service="Accueil", label="Accueil de la mairie", opening_hours=hours, town_hall=True
    )  # fmt: skip


@pytest.fixture()
def log():
    """Six visitors' exchanges still stored, four daily counts of purged ones, and the agents' rows beside them.

    | stored | mode       | guard             | when                   | avis | counts as                       |
    | #1     | extractive |                   | Tue 3/11 10:00         |      | answered, open                  |
    | #2     | faq        |                   | Sat 7/11 10:00         | 👎   | answered, 👎, outside the hours |
    | #3     | none       |                   | Wed 4/11 20:00         |      | hand-over, outside              |
    | #4     | none       | jailbreak         | Thu 5/11 10:00         |      | screened, open                  |
    | #5     | extractive | personal_decision | Wed 11/11 10:00 (férié)|      | answered (a note only), outside |
    | #6     | generated  |                   | Mon 9/11 12:30 (midi)  | 👍   | answered, outside               |

    Counts (purged): 2/11 État civil extractive 4 (one 👎, one outside); 2/11 none 3 (two hand-overs, one
    screened, two outside); 10/11 none 1 hand-over with a 👎 (on no answer: not subtracted). Totals: 14
    questions, 8 answered, 4 hand-overs, 2 screened, 7 outside the hours, 2 👎 on answers.
    """
    exchange(at(3, 10), "extractive", service="État civil")
    exchange(at(7, 10), "faq", rating="down")
    exchange(at(4, 20), "none")
    exchange(at(5, 10), "none", screened="jailbreak")
    exchange(at(11, 10), "extractive", screened="personal_decision")
    exchange(at(9, 12, 30), "generated", rating="up")
    counter(2, "extractive", service="État civil", exchanges=4, thumbs_down=1, outside_hours=1)
    counter(2, "none", exchanges=3, handovers=2, screened=1, outside_hours=2)
    counter(10, "none", exchanges=1, handovers=1, thumbs_down=1)
    # Left out: the agents (a stored exchange and a daily count) and a visitor's question before the period.
    exchange(at(3, 11), "extractive", audience="agents")
    counter(2, "extractive", audience="agents", exchanges=10)
    exchange(at(1, 10), "extractive")


def pilotage_client() -> Client:
    ensure_groups()
    user = get_user_model().objects.create_user("pilote")
    Group.objects.get(name=PILOTAGE).user_set.add(user)
    client = Client()
    client.force_login(user)
    return client


def flat(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_figures_of_the_period_by_hand(log):
    town_hall()
    v = visitors(START, END)
    t = v.total
    assert (t.questions, t.answered, t.handovers, t.screened, t.outside_hours, t.thumbs_down) == (14, 8, 4, 2, 7, 2)
    assert v.hours_known and v.outside_hours == 7 and v.outside_share == 0.5
    assert (round(v.answered_share, 4), round(v.handover_share, 4)) == (round(8 / 14, 4), round(4 / 14, 4))
    # Calls avoided = (8 answers − 2 👎) × p, p from 10 % to 50 %: 0.6 → 1 and 3.
    assert v.calls_base() == 6 and (v.calls_low, v.calls_high) == (1, 3)
    # Week 45 (2–8 November): #1–#4 and the counts of the 2nd; week 46: #5, #6 and the count of the 10th.
    assert list(v.series) == ["2026-S45", "2026-S46"]
    assert [v.series[k].questions for k in v.series] == [11, 3]
    assert [v.series[k].outside_hours for k in v.series] == [5, 2]


def test_a_service_filter_keeps_that_service_only(log):
    town_hall()
    t = visitors(START, END, "État civil").total
    assert (t.questions, t.answered, t.outside_hours, t.thumbs_down) == (5, 5, 1, 1)


def test_the_call_share_is_a_setting(log, settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, public_call_share_low=0.25, public_call_share_high=0.75)
    v = visitors(START, END)
    assert (v.calls_low, v.calls_high) == (2, 5)  # 6 × 0.25 = 1.5 → 2; 6 × 0.75 = 4.5 → 5


def test_without_opening_hours_the_outside_hours_are_not_measured(log):
    v = visitors(START, END)
    assert not v.hours_known and v.outside_hours is None and v.outside_share is None
    page = pilotage_client().get("/pilotage/", PERIOD).content.decode()
    assert "Non mesuré : les horaires de l'accueil de la mairie ne sont pas renseignés" in page
    assert "<dt>Hors des heures d'ouverture</dt><dd>0</dd>" not in page


def test_the_dashboard_shows_the_section_with_its_formula(log):
    town_hall()
    page = pilotage_client().get("/pilotage/", PERIOD).content.decode()
    assert '<a href="#citoyens">Assistant des citoyens</a>' in page and '<h2 id="citoyens">' in page
    assert "<dt>Questions des visiteurs</dt><dd>14</dd>" in page
    assert f"<dt>Part répondue</dt><dd>57{NBSP}%</dd>" in page
    assert f'<dt>Hors des heures d\'ouverture</dt><dd>7</dd><dd class="detail">50{NBSP}% des questions' in page
    assert "<dt>Écartées par le filtre</dt><dd>2</dd>" in page
    assert "<dd>entre 1 et 3 appels</dd>" in page
    text = flat(page)
    assert "Appels évités = (réponses − réponses jugées inutiles) × p = (8 − 2) × p = 6 × p" in text
    assert "va de 10 % à 50 % : entre 1 et 3 appels" in text  # flat(): the non-breaking spaces as spaces
    assert "Incertitude. Les appels évités sont estimés, pas observés" in text
    # The agents' figures are the agents' only: one question, not fifteen.
    assert "<dt>Questions posées</dt><dd>1</dd>" in page


def test_the_section_is_exported_as_csv(log):
    town_hall()
    response = pilotage_client().get("/pilotage/export/assistant-des-citoyens.csv", PERIOD)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Semaine", "Questions", "Réponses", "Part répondue (%)"]
    assert rows[-1] == ["Total", "14", "8", "57,1", "4", "28,6", "7", "50,0", "2", "2", "1", "3"]
    assert [row[0] for row in rows[1:]] == ["2026-S45", "2026-S46", "Total"]


def test_the_report_has_the_section(log):
    town_hall()
    client = pilotage_client()
    page = client.get("/pilotage/rapport.html", PERIOD).content.decode()
    assert "<h2>8. Assistant des citoyens</h2>" in page
    text = flat(page)
    assert "14 questions posées par les visiteurs du site de la commune" in text
    assert "7 posées hors des heures d'ouverture de la mairie (50 %)" in text
    assert "entre 1 et 3." in text
    m = measure(Period(START, END))
    assert m.overall.questions == 1 and m.visitors.total.questions == 14  # the agents' measure is unchanged
    pdf = PdfReader(io.BytesIO(client.get("/pilotage/rapport.pdf", PERIOD).content))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "8. Assistant des citoyens" in text and "Appels évités = (réponses − réponses jugées inutiles)" in text
    assert "entre 1 et 3." in text


@pytest.mark.parametrize(
    "env",
    [
        {"RELAIS_PUBLIC_CALL_SHARE_LOW": "0.6"},  # above the default high end
        {"RELAIS_PUBLIC_CALL_SHARE_LOW": "-0.1"},
        {"RELAIS_PUBLIC_CALL_SHARE_HIGH": "1.5"},
    ],
)
def test_the_call_share_must_be_a_range_of_shares(env):
    with pytest.raises(ConfigError, match="expected 0 <= LOW <= HIGH <= 1"):
        Config.from_env(env)
    defaults = Config.from_env({})
    assert (defaults.public_call_share_low, defaults.public_call_share_high) == (0.1, 0.5)
