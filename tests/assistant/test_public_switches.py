"""The citizens' assistant's safety switches (issue 20): the admin's pause, RELAIS_PUBLIC_RETENTION_DAYS and the
daily limits per address and for all visitors. Each acts before any search, on the page and the API alike."""

import dataclasses
import json
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from relais.accounts.roles import AGENT, PILOTAGE, REFERENT_RH, ensure_groups
from relais.assistant import pipeline, throttle
from relais.assistant.models import Conversation, Exchange, PublicAssistant, UsageCounter
from relais.audit.models import AuditEvent
from relais.config import Config, ConfigError
from tests.assistant import test_public_api as shared

pytestmark = pytest.mark.django_db

public_knowledge, confident = shared.public_knowledge, shared.confident

QUESTION = "Comment demander un acte de naissance ?"
MESSAGE = "L'assistant est en pause. Appelez la mairie au 01 23 45 67 00, du lundi au vendredi."


def api(client: Client, question: str = QUESTION):
    return client.post("/api/v1/public/ask", json.dumps({"question": question}), content_type="application/json")


@pytest.fixture()
def no_search(monkeypatch) -> None:
    """Any search fails the test: a refused question must not reach the index."""

    def refuse(*args, **kwargs):
        raise AssertionError("searched")

    monkeypatch.setattr(pipeline, "gather", refuse)


def relais(settings, **changes) -> None:
    settings.RELAIS = dataclasses.replace(settings.RELAIS, **changes)


def paused(message: str = MESSAGE) -> PublicAssistant:
    switch = PublicAssistant.current()
    switch.paused, switch.pause_message = True, message
    switch.save()
    return switch


# The pause.


def test_the_default_pause_message_names_the_town_hall():
    switch = PublicAssistant.current()
    assert not switch.paused and "l'accueil de la mairie de Val-de-Brume" in switch.pause_message
    assert PublicAssistant.pause_message_now() is None


def test_paused_the_page_shows_the_towns_message_at_once_and_searches_nothing(public_knowledge, no_search):
    paused()
    client = Client()
    page = client.get("/citoyens/")
    assert page.status_code == 503 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "Appelez la mairie au 01 23 45 67 00" in html and "<form" not in html
    assert "Vous échangez avec un assistant automatique" in html  # the disclosure stays
    asked = client.post("/citoyens/", {"question": QUESTION})
    assert asked.status_code == 503 and "Appelez la mairie au 01 23 45 67 00" in asked.content.decode()
    assert not asked.cookies
    # Nothing logged, only counted (the visit of the page is not a question).
    assert not Exchange.objects.exists() and not Conversation.objects.exists()
    assert PublicAssistant.current().asked_while_paused == 1


def test_paused_the_api_answers_503_with_the_message_in_french(public_knowledge, no_search):
    paused()
    response = api(Client())
    assert response.status_code == 503
    assert response.json()["detail"] == MESSAGE
    assert not Exchange.objects.exists() and PublicAssistant.current().asked_while_paused == 1


def test_the_switch_is_read_from_the_database_on_every_request(public_knowledge, confident):
    """Another app server pauses: this one sees it at its next request (no cache of the switch)."""
    client = Client()
    assert api(client).status_code == 200
    PublicAssistant.current()
    PublicAssistant.objects.update(paused=True, pause_message=MESSAGE)  # as written by another process
    assert api(client).status_code == 503
    PublicAssistant.objects.update(paused=False)
    response = api(client)
    assert response.status_code == 200 and "acte de naissance se demande" in response.json()["answer"]


def test_the_agents_are_never_paused(public_knowledge, confident):
    paused()
    result = pipeline.ask(QUESTION, audiences=frozenset({"public"}), log=False)
    assert result.answer.mode == "extractive"  # the pipeline itself (CLI, agents) is not switched off


def staff(name: str, group: str | None = None, superuser: bool = False):
    ensure_groups()
    users = get_user_model().objects
    user = users.create_superuser(name, password="x") if superuser else users.create_user(name, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return user, client


def change_url() -> str:
    return f"/admin/assistant/publicassistant/{PublicAssistant.current().pk}/change/"


def toggle(client: Client, pause: bool, message: str = MESSAGE):
    data = {"pause_message": message, **({"paused": "on"} if pause else {})}
    return client.post(change_url(), data)


@pytest.mark.parametrize(("group", "superuser"), [(None, True), (PILOTAGE, False), (REFERENT_RH, False)])
def test_the_admin_the_digital_leads_and_the_referents_pause_it_and_it_is_audited(group, superuser):
    user, client = staff("pilote", group, superuser)
    listing = client.get("/admin/assistant/publicassistant/")
    assert listing.status_code == 302 and listing["Location"] == change_url()  # one switch, edited in place
    form = client.get(change_url()).content.decode()
    assert "Mettre en pause l&#x27;assistant des citoyens" in form and "Message pendant la pause" in form
    PublicAssistant.objects.update(asked_while_paused=7)
    assert toggle(client, pause=True).status_code == 302
    switch = PublicAssistant.current()
    assert switch.paused and switch.pause_message == MESSAGE and switch.updated_by == user
    assert switch.asked_while_paused == 0  # counted from this pause on
    event = AuditEvent.objects.get(target_type="assistant des citoyens")
    assert (
        event.actor == user
        and event.action == "modification"
        and "Mettre en pause" in json.dumps(event.detail, ensure_ascii=False)
    )
    assert toggle(client, pause=False).status_code == 302
    assert not PublicAssistant.current().paused and AuditEvent.objects.filter(actor=user).count() == 2
    # No second switch, and none to delete.
    assert client.get("/admin/assistant/publicassistant/add/").status_code == 403
    assert PublicAssistant.objects.count() == 1


def test_an_agent_cannot_pause_it():
    _, client = staff("agent", AGENT)
    assert client.get(change_url()).status_code in {302, 403}
    assert toggle(client, pause=True).status_code in {302, 403}
    assert not PublicAssistant.current().paused


# Retention.


def test_with_zero_days_the_exchange_is_counted_never_stored(public_knowledge, confident, settings):
    relais(settings, public_retention_days=0)
    question = "Mon numéro est le 06 12 34 56 78, comment demander un acte de naissance ?"
    response = api(Client(), question)
    assert response.status_code == 200 and "acte de naissance se demande" in response.json()["answer"]
    page = Client().post("/citoyens/", {"question": question}).content.decode()
    assert "[TÉLÉPHONE]" in page and "06 12 34 56 78" not in page and "acte de naissance se demande" in page
    assert "vos questions ne sont pas conservées" in page
    assert not Exchange.objects.exists() and not Conversation.objects.exists()
    [counter] = UsageCounter.objects.all()
    assert (counter.service, counter.mode, counter.exchanges, counter.masked_pii) == ("État civil", "extractive", 2, 2)
    assert counter.latency_ms_total > 0


def test_the_page_says_how_long_questions_are_kept(public_knowledge, settings):
    relais(settings, public_retention_days=30)
    assert "puis effacées après 30 jours" in Client().get("/citoyens/").content.decode()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RELAIS_PUBLIC_RETENTION_DAYS": "-1"}, "RELAIS_PUBLIC_RETENTION_DAYS=-1: expected 0 to"),
        ({"RELAIS_PUBLIC_RETENTION_DAYS": "200"}, "expected 0 to RELAIS_RETENTION_DAYS (180) days"),
        ({"RELAIS_PUBLIC_DAILY_LIMIT": "-5"}, "RELAIS_PUBLIC_DAILY_LIMIT=-5: expected 0 (no limit) or more"),
        ({"RELAIS_PUBLIC_DAILY_PER_ADDRESS": "-1"}, "RELAIS_PUBLIC_DAILY_PER_ADDRESS=-1"),
    ],
)
def test_the_settings_refuse_what_cannot_hold(env, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.from_env(env)


def test_the_settings_defaults():
    config = Config.from_env({"RELAIS_PUBLIC_RETENTION_DAYS": "0"})
    assert config.public_retention_days == 0
    defaults = Config.from_env({})
    assert (defaults.public_retention_days, defaults.public_daily_per_address, defaults.public_daily_limit) == (
        30,
        50,
        5000,
    )


# Daily limits.


def test_one_address_is_limited_per_day_and_others_still_ask(public_knowledge, settings, monkeypatch):
    relais(settings, public_daily_per_address=2, public_daily_limit=0)
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    assert [api(visitor).status_code for _ in range(2)] == [200, 200]
    searches = []
    gather = pipeline.gather
    monkeypatch.setattr(pipeline, "gather", lambda *a, **k: searches.append(a) or gather(*a, **k))
    refused = api(visitor)
    assert refused.status_code == 429 and refused.json()["detail"] == throttle.TOO_MANY_TODAY
    page = visitor.post("/citoyens/", {"question": QUESTION})
    assert page.status_code == 429 and "ne peut plus vous répondre avant demain" in page.content.decode()
    assert searches == [] and Exchange.objects.count() == 2  # refused before any search
    assert api(Client(REMOTE_ADDR="198.51.100.4")).status_code == 200 and len(searches) == 1


def test_the_next_day_counts_afresh(public_knowledge, settings, monkeypatch):
    relais(settings, public_daily_per_address=1, public_daily_limit=0)
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    monkeypatch.setattr(throttle.timezone, "localdate", lambda: date(2026, 12, 7))
    assert [api(visitor).status_code for _ in range(2)] == [200, 429]
    monkeypatch.setattr(throttle.timezone, "localdate", lambda: date(2026, 12, 8))
    assert api(visitor).status_code == 200


def test_all_visitors_together_are_limited_per_day(public_knowledge, settings):
    relais(settings, public_daily_per_address=0, public_daily_limit=3)
    codes = [api(Client(REMOTE_ADDR=f"198.51.100.{n}")).status_code for n in range(1, 6)]
    assert codes == [200, 200, 200, 429, 429] and Exchange.objects.count() == 3


def test_an_address_over_its_limit_does_not_use_up_everyones(public_knowledge, settings):
    relais(settings, public_daily_per_address=1, public_daily_limit=3)
    noisy = Client(REMOTE_ADDR="203.0.113.7")
    assert [api(noisy).status_code for _ in range(4)] == [200, 429, 429, 429]
    assert [api(Client(REMOTE_ADDR=f"198.51.100.{n}")).status_code for n in (1, 2)] == [200, 200]


def test_a_forwarded_for_header_sent_by_the_visitor_is_not_believed(public_knowledge, settings):
    """The address is the peer's (uvicorn puts X-Forwarded-For's client there only for RELAIS_TRUSTED_PROXIES):
    a visitor cannot reset their count by sending another X-Forwarded-For."""
    relais(settings, public_daily_per_address=1, public_daily_limit=0)
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    assert api(visitor).status_code == 200
    assert (
        visitor.post(
            "/api/v1/public/ask",
            json.dumps({"question": QUESTION}),
            content_type="application/json",
            headers={"X-Forwarded-For": "192.0.2.99"},
        ).status_code
        == 429
    )


def test_a_paused_assistant_counts_nothing_against_the_limits(public_knowledge, settings):
    relais(settings, public_daily_per_address=1, public_daily_limit=0)
    paused()
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    assert [api(visitor).status_code for _ in range(3)] == [503, 503, 503]
    PublicAssistant.objects.update(paused=False)
    assert api(visitor).status_code == 200
