"""Knowledge gaps with the real model: unrelated questions stay apart, paraphrases of one topic come together.

The threshold (RELAIS_GAP_THRESHOLD, centred cosine) is chosen across corpora, not on these questions: the lowest
at which fewer than one pair in a thousand of questions answered by different documents is grouped, on the demo's
and the three eval corpora's question sets (docs/benchmarks.md, « Knowledge-gap clustering »). These pairs were
grouped by a month of simulated use at the former threshold, 0.30 (their centred cosines here: 0.35 to 0.37); the
paraphrases score 0.50 and more.
"""

import dataclasses
from datetime import date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from relais.assistant.models import Conversation, Exchange
from relais.insights.gaps import find_gaps, topic_text
from relais.insights.measure import Period

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

UNRELATED = [
    ("J’ai oublié mon mot de passe, que faire ?", "Comment refaire ma carte d'identité ?"),
    # The town's name weighed more than the topic: 0.56 with it, 0.16 without (topic_text leaves it out).
    ("Quel temps fera-t-il demain à Val-de-Brume ?", "Comment se passe la journée de solidarité à Val-de-Brume ?"),
    ("prime de noël des agents", "prime vélo pour venir au travail"),
]
TOPICS = [
    ["La commune donne-t-elle des titres-restaurant ?", "a-t-on droit aux titres restaurant ?",
     "titres-restaurant pour les agents de la mairie ?"],
    ["Combien de jours d'absence sont accordés pour mon mariage ?", "jours de congé pour un mariage"],
]  # fmt: skip


def test_unrelated_questions_stay_apart_and_paraphrases_come_together():
    user = get_user_model().objects.create_user("agent.lacunes")
    questions = [text for pair in UNRELATED for text in pair] + [text for topic in TOPICS for text in topic]
    questions += ["J’ai oublié mon mot de passe, que faire ?"] * 2  # asked three times: a tight group to join
    for day, text in enumerate(questions, 1):
        row = Exchange.objects.create(
            conversation=Conversation.objects.create(user=user), user=user, question=text, search_query=text,
            answer="", mode="none", confidence=0.1, citations=[], latency_ms=5,
        )  # fmt: skip
        Exchange.objects.filter(pk=row.pk).update(created_at=timezone.make_aware(datetime(2026, 11, day, 10)))
    report = find_gaps(Period(date(2026, 11, 1), date(2026, 11, 30)))
    groups = [set(gap.wordings) for gap in report.gaps]
    for first, second in UNRELATED:
        assert not any({first, second} <= group for group in groups), (first, second)
    for topic in TOPICS:
        assert any(set(topic) <= group for group in groups), topic


def test_the_towns_name_is_left_out_of_the_clustered_text(settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, town_name="Saint-Étienne")
    assert topic_text("Le marché de saint etienne ouvre quand ?") == "Le marché de ouvre quand ?"
    assert topic_text("Ticket resto à Saint-Étienne-du-Rouvray ?") == "Ticket resto à Saint-Étienne-du-Rouvray ?"
    assert topic_text("Saint-Étienne") == "Saint-Étienne"  # nothing else to go by
