"""The glpi connector against a fake GLPI (tests/helpdesk/fake_glpi.py), for both GLPI APIs.

The fake is a local implementation of GLPI's documented endpoints, not GLPI: GLPI cannot run here.
"""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from relais.config import Config
from relais.helpdesk.connectors import DeliveryError, FollowupData, RejectedError, TicketData
from relais.helpdesk.connectors.glpi import (
    GlpiConfigurationError,
    GlpiSettings,
    GlpiV2Connector,
    LegacyGlpiConnector,
    _sessions,
    _tokens,
    connector_from_settings,
)
from relais.helpdesk.models import Delivery, OutboxMessage, Status, Ticket
from relais.helpdesk.outbox import deliver_due
from relais.helpdesk.tickets import open_ticket, reply, sync_statuses
from tests.helpdesk.fake_glpi import FakeGlpi

APIS = ["legacy", "v2"]
AGENT_EMAIL = "camille.martin@valdebrume.example"


@pytest.fixture()
def fake():
    server = FakeGlpi()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_glpi_caches():
    """Sessions and tokens are cached per process: each test starts without them."""
    _sessions.clear()
    _tokens.clear()
    yield
    _sessions.clear()
    _tokens.clear()


def glpi_settings(fake: FakeGlpi, **changes) -> GlpiSettings:
    values = {
        "url": fake.url,
        "app_token": fake.app_token,
        "user_token": fake.user_token,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "username": fake.username,
        "password": fake.password,
        "entity_id": 3,
        "categories": (("Messagerie", "12"), ("Badges", "7")),
        "timeout": 2.0,
    }
    return GlpiSettings(**{**values, **changes})


def connector(fake: FakeGlpi, api: str, **changes) -> LegacyGlpiConnector | GlpiV2Connector:
    glpi = glpi_settings(fake, **changes)
    return LegacyGlpiConnector(glpi) if api == "legacy" else GlpiV2Connector(glpi)


def ticket_data(key: str = "ticket-0123456789abcdef", **changes) -> TicketData:
    values = {
        "key": key,
        "reference": "DSI-00042",
        "service": "DSI",
        "category": "Messagerie",
        "title": "Boîte mail pleine",
        "description": "Je ne reçois plus de messages depuis ce matin.",
        "urgency": 4,
        "requester_name": "Camille Martin",
        "requester_email": AGENT_EMAIL,
        "transcript": "Agent : Ma boîte est pleine ?\nRelais (abstention) : Je n'ai pas la réponse.",
        "sources": [{"document": "Guide messagerie", "version": "v3"}],
        "link": "https://relais.valdebrume.example/traitement/42/",
    }
    return TicketData(**{**values, **changes})


def followup_data(external_id: str, key: str = "followup-0123456789abcdef") -> FollowupData:
    return FollowupData(
        key=key,
        reference="DSI-00042",
        external_id=external_id,
        body="Nous avons agrandi votre boîte.",
        author_name="Dominique Leroy",
    )


# --- tickets, follow-ups and statuses, both APIs ---------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_open_creates_the_ticket_with_its_fields_and_the_transcript_followup(fake, api):
    requester_id = fake.add_user("cmartin", AGENT_EMAIL)
    external_id = connector(fake, api).open(ticket_data())
    [stored] = fake.tickets.values()
    assert external_id == str(stored["id"])
    assert stored["name"] == "Boîte mail pleine"
    assert "Je ne reçois plus de messages depuis ce matin." in stored["content"]
    assert "Camille Martin &lt;camille.martin@valdebrume.example&gt;" in stored["content"]
    assert "DSI-00042" in stored["content"] and "https://relais.valdebrume.example/traitement/42/" in stored["content"]
    assert (stored["itilcategories_id"], stored["urgency"], stored["type"], stored["entities_id"]) == (12, 4, 2, 3)
    assert stored["externalid"] == "ticket-0123456789abcdef" and stored["status"] == 1
    if api == "legacy":
        assert stored["users_id_requester"] == requester_id  # found among GLPI users by e-mail
    else:
        assert "users_id_requester" not in stored  # v2: the requester is named in the content only
    [transcript] = fake.followups_of(stored["id"])
    assert (
        "Agent : Ma boîte est pleine ?<br>Relais (abstention) : Je n&#x27;ai pas la réponse." in transcript["content"]
    )
    assert "Guide messagerie (v3)" in transcript["content"]
    assert "Réf. Relais : ticket-0123456789abcdef-transcript" in transcript["content"]


def test_legacy_unknown_category_and_requester_are_left_out(fake):
    fake.add_user("homonyme", "autre@valdebrume.example")
    connector(fake, "legacy").open(ticket_data(category="Inconnue", transcript="", sources=[]))
    [stored] = fake.tickets.values()
    assert stored["itilcategories_id"] == 0 and "users_id_requester" not in stored
    assert "Camille Martin" in stored["content"]
    assert fake.followups_of(stored["id"]) == []  # no transcript, no transcript follow-up


@pytest.mark.parametrize("api", APIS)
def test_opening_again_with_the_same_key_reuses_the_ticket_and_its_transcript(fake, api):
    glpi = connector(fake, api)
    first = glpi.open(ticket_data())
    second = glpi.open(ticket_data())
    other = glpi.open(ticket_data(key="ticket-fedcba9876543210"))
    assert first == second != other
    assert len(fake.tickets) == 2 and len(fake.followups_of(int(first))) == 1


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    ("glpi_status", "relais_status"),
    [
        (1, Status.NEW),
        (2, Status.IN_PROGRESS),
        (3, Status.IN_PROGRESS),
        (4, Status.WAITING),
        (5, Status.RESOLVED),
        (6, Status.CLOSED),
    ],
)
def test_status_is_read_back(fake, api, glpi_status, relais_status):
    glpi = connector(fake, api)
    external_id = glpi.open(ticket_data(transcript="", sources=[]))
    fake.set_status(int(external_id), glpi_status)
    assert glpi.status(external_id) == relais_status


@pytest.mark.parametrize("api", APIS)
def test_status_of_a_ticket_gone_from_glpi_is_unknown(fake, api):
    assert connector(fake, api).status("999") is None


@pytest.mark.parametrize("api", APIS)
def test_followup_is_added_once_per_key(fake, api):
    glpi = connector(fake, api)
    external_id = glpi.open(ticket_data(transcript="", sources=[]))
    first = glpi.add_followup(followup_data(external_id))
    again = glpi.add_followup(followup_data(external_id))
    other = glpi.add_followup(followup_data(external_id, key="followup-fedcba9876543210"))
    assert first == again != other
    followups = fake.followups_of(int(external_id))
    assert len(followups) == 2
    assert "Nous avons agrandi votre boîte." in followups[0]["content"]
    assert "Dominique Leroy, via Relais" in followups[0]["content"]


@pytest.mark.parametrize("api", APIS)
def test_followup_to_a_ticket_gone_from_glpi_is_rejected(fake, api):
    with pytest.raises(RejectedError):
        connector(fake, api).add_followup(followup_data("999"))


@pytest.mark.parametrize("api", APIS)
def test_connector_from_settings_follows_relais_glpi_api(settings, fake, api):
    from django.conf import settings as django_settings

    settings.RELAIS = Config(**{**django_settings.RELAIS.__dict__, "glpi_url": fake.url, "glpi_api": api})
    expected = LegacyGlpiConnector if api == "legacy" else GlpiV2Connector
    assert isinstance(connector_from_settings(), expected)


# --- legacy error answers ------------------------------------------------------------------------


def test_legacy_session_token_invalid_triggers_one_new_session(fake):
    glpi = connector(fake, "legacy")
    external_id = glpi.open(ticket_data(transcript="", sources=[]))
    assert fake.count("GET", "/apirest.php/initSession") == 1
    glpi.status(external_id)
    assert fake.count("GET", "/apirest.php/initSession") == 1  # the session is cached between calls
    fake.invalidate_sessions()  # GLPI answers ERROR_SESSION_TOKEN_INVALID to the cached session
    assert glpi.status(external_id) == Status.NEW
    assert fake.count("GET", "/apirest.php/initSession") == 2


def test_legacy_session_token_still_invalid_after_a_new_session_is_retried_later(fake):
    fake.break_sessions()
    with pytest.raises(DeliveryError) as refused:
        connector(fake, "legacy").open(ticket_data())
    assert not isinstance(refused.value, RejectedError) and "ERROR_SESSION_TOKEN_INVALID" in str(refused.value)
    assert fake.count("GET", "/apirest.php/initSession") == 2 and fake.tickets == {}


def test_legacy_missing_app_token_names_the_setting(fake):
    with pytest.raises(GlpiConfigurationError) as refused:
        connector(fake, "legacy", app_token="").open(ticket_data())
    message = str(refused.value)
    assert "RELAIS_GLPI_APP_TOKEN" in message and "ERROR_APP_TOKEN_PARAMETERS_MISSING" in message
    assert not isinstance(refused.value, RejectedError)  # retried once the operator sets it: no ticket lost


def test_legacy_wrong_tokens_name_their_settings(fake):
    with pytest.raises(GlpiConfigurationError, match="RELAIS_GLPI_APP_TOKEN"):
        connector(fake, "legacy", app_token="not-the-app-token").open(ticket_data())
    with pytest.raises(GlpiConfigurationError, match=r"RELAIS_GLPI_USER_TOKEN.*ERROR_GLPI_LOGIN_USER_TOKEN"):
        connector(fake, "legacy", user_token="not-the-user-token").open(ticket_data())
    with pytest.raises(GlpiConfigurationError, match="RELAIS_GLPI_USER_TOKEN is empty"):
        connector(fake, "legacy", user_token="").open(ticket_data())
    assert fake.tickets == {}


def test_legacy_glpi_add_refusal_is_rejected(fake):
    fake.refuse_next_add("Le champ Lieu est obligatoire")
    with pytest.raises(RejectedError, match=r"ERROR_GLPI_ADD.*Le champ Lieu est obligatoire"):
        connector(fake, "legacy").open(ticket_data())
    assert fake.tickets == {}


# --- v2 error answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("expired_status", [401, 400])
def test_v2_expired_token_is_renewed_once(fake, expired_status):
    fake.expired_token_status = expired_status
    glpi = connector(fake, "v2")
    external_id = glpi.open(ticket_data(transcript="", sources=[]))
    glpi.status(external_id)
    assert fake.count("POST", "/api.php/token") == 1  # the token is cached until it expires
    fake.expire_tokens()
    assert glpi.status(external_id) == Status.NEW
    assert fake.count("POST", "/api.php/token") == 2


def test_v2_token_near_its_expiry_is_renewed_before_use(fake):
    fake.token_lifetime = 2  # renewed after half its lifetime when that is under the 30 s margin
    glpi = connector(fake, "v2")
    external_id = glpi.open(ticket_data(transcript="", sources=[]))
    assert fake.count("POST", "/api.php/token") == 1
    time.sleep(1.1)
    assert glpi.status(external_id) == Status.NEW
    assert fake.count("POST", "/api.php/token") == 2
    assert fake.count("GET", f"/api.php/v2/Assistance/Ticket/{external_id}") == 1  # no call was refused first


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"client_secret": "wrong"}, "RELAIS_GLPI_CLIENT_SECRET"),
        ({"client_id": "wrong"}, "RELAIS_GLPI_CLIENT_ID"),
        ({"password": "wrong"}, "RELAIS_GLPI_PASSWORD"),
        ({"username": ""}, "RELAIS_GLPI_USERNAME"),
    ],
)
def test_v2_wrong_oauth_credentials_name_the_settings(fake, changes, setting):
    with pytest.raises(GlpiConfigurationError, match=setting) as refused:
        connector(fake, "v2", **changes).open(ticket_data())
    assert not isinstance(refused.value, RejectedError)
    assert fake.tickets == {}


def test_v2_refused_creation_is_rejected(fake):
    fake.refuse_next_add("Le champ Lieu est obligatoire")
    with pytest.raises(RejectedError, match=r"Failed to create item.*Le champ Lieu est obligatoire"):
        connector(fake, "v2").open(ticket_data())
    assert fake.tickets == {}


# --- transient failures, both APIs ---------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_server_errors_and_glpi_down_are_retried_later(fake, api):
    glpi = connector(fake, api)
    fake.fail_next(1)
    with pytest.raises(DeliveryError) as failed:
        glpi.open(ticket_data())
    assert not isinstance(failed.value, RejectedError) and "500" in str(failed.value)
    fake.stop()
    with pytest.raises(DeliveryError, match="unreachable") as down:
        glpi.open(ticket_data())
    assert not isinstance(down.value, RejectedError)
    fake.start()
    external_id = glpi.open(ticket_data())
    assert list(fake.tickets) == [int(external_id)]


@pytest.mark.parametrize("api", APIS)
def test_a_timeout_after_glpi_created_the_ticket_is_not_duplicated_by_the_retry(fake, api):
    glpi = connector(fake, api, timeout=0.5)
    fake.delay_next_ticket_post(1.5)
    with pytest.raises(DeliveryError, match="did not answer"):
        glpi.open(ticket_data())
    assert len(fake.tickets) == 1  # GLPI did create it
    external_id = glpi.open(ticket_data())
    assert list(fake.tickets) == [int(external_id)] and len(fake.followups_of(int(external_id))) == 1


# --- through the outbox ----------------------------------------------------------------------------


def relais_settings(fake: FakeGlpi, api: str, **changes) -> Config:
    from django.conf import settings

    return Config(
        **{
            **settings.RELAIS.__dict__,
            "helpdesk_services": (("RH", "builtin"), ("DSI", "glpi")),
            "glpi_url": fake.url,
            "glpi_api": api,
            "glpi_app_token": fake.app_token,
            "glpi_user_token": fake.user_token,
            "glpi_client_id": fake.client_id,
            "glpi_client_secret": fake.client_secret,
            "glpi_username": fake.username,
            "glpi_password": fake.password,
            "glpi_entity_id": 3,
            "glpi_timeout": 0.5,
            "notify_replies": False,
            **changes,
        }
    )


def agent():
    return get_user_model().objects.create_user(
        username="agent.glpi", email=AGENT_EMAIL, password="x", first_name="Camille", last_name="Martin"
    )


def open_dsi_ticket(requester, title="Imprimante bloquée") -> Ticket:
    ticket = open_ticket(
        requester, title=title, description="Bourrage papier au 2e étage.", service="DSI", category="",
        urgency=3, exchange=None,
    )  # fmt: skip
    ticket.refresh_from_db()
    return ticket


@pytest.mark.django_db
@pytest.mark.parametrize("api", APIS)
def test_outbox_timeout_after_glpi_created_the_ticket_then_retry_delivers_exactly_once(settings, fake, api):
    settings.RELAIS = relais_settings(fake, api)
    fake.delay_next_ticket_post(1.5)  # GLPI stores the ticket, then answers after Relais gave up
    ticket = open_dsi_ticket(agent())
    assert ticket.delivery == Delivery.PENDING and ticket.external_id == ""
    message = OutboxMessage.objects.get()
    assert message.attempts == 1 and "did not answer" in message.last_error
    assert len(fake.tickets) == 1

    deliver_due(now=timezone.now() + timedelta(hours=1))
    deliver_due(now=timezone.now() + timedelta(hours=2))  # a later sweep sends nothing again
    ticket.refresh_from_db()
    [glpi_ticket] = fake.tickets.values()
    assert ticket.delivery == Delivery.SENT and ticket.external_id == str(glpi_ticket["id"])
    assert glpi_ticket["externalid"] == message.idempotency_key and glpi_ticket["name"] == "Imprimante bloquée"
    assert OutboxMessage.objects.get().state == OutboxMessage.State.SENT


@pytest.mark.django_db
@pytest.mark.parametrize("api", APIS)
def test_outbox_glpi_down_then_back_delivers_once(settings, fake, api):
    settings.RELAIS = relais_settings(fake, api)
    fake.stop()
    ticket = open_dsi_ticket(agent())
    assert ticket.delivery == Delivery.PENDING
    deliver_due(now=timezone.now() + timedelta(hours=1))
    ticket.refresh_from_db()
    assert ticket.delivery == Delivery.PENDING and OutboxMessage.objects.get().attempts == 2
    fake.start()
    deliver_due(now=timezone.now() + timedelta(hours=2))
    deliver_due(now=timezone.now() + timedelta(hours=3))
    ticket.refresh_from_db()
    assert ticket.delivery == Delivery.SENT and list(fake.tickets) == [int(ticket.external_id)]


@pytest.mark.django_db
@pytest.mark.parametrize("api", APIS)
def test_outbox_refused_ticket_is_given_up_at_once(settings, fake, api):
    settings.RELAIS = relais_settings(fake, api)
    fake.refuse_next_add("Le champ Lieu est obligatoire")
    ticket = open_dsi_ticket(agent())
    message = OutboxMessage.objects.get()
    assert ticket.delivery == Delivery.FAILED and message.state == OutboxMessage.State.DEAD
    assert "Le champ Lieu est obligatoire" in message.last_error


@pytest.mark.django_db
@pytest.mark.parametrize("api", APIS)
def test_handler_reply_reaches_glpi_and_glpi_status_comes_back(settings, fake, api):
    settings.RELAIS = relais_settings(fake, api)
    ticket = open_dsi_ticket(agent())
    assert ticket.delivery == Delivery.SENT
    handler = get_user_model().objects.create_user(username="referent.glpi", first_name="Dominique", last_name="Leroy")
    reply(ticket, handler, "Le technicien passe cet après-midi.", Status.IN_PROGRESS)
    [followup] = fake.followups_of(int(ticket.external_id))
    assert "Le technicien passe cet après-midi." in followup["content"]
    assert "Dominique Leroy, via Relais" in followup["content"]
    fake.set_status(int(ticket.external_id), 5)
    assert sync_statuses() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at is not None
