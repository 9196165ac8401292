"""Logs: every unhandled error with its traceback and request id, in text or JSON lines; one access line per
request without the query string; French error pages (400, 403, CSRF, 500) that name the request id."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import path

from relais.config import Config, ConfigError
from relais.operations.logs import JsonFormatter, RequestIdFilter, TextFormatter, logging_config, request_id

pytestmark = pytest.mark.django_db


def explode(request):
    raise RuntimeError("kaboom in a view")


# The project's pages plus one view that fails: the errors go through the real middleware, logging and handlers.
urlpatterns = [path("boom/", explode)]
handler500 = "relais.assistant.errors.server_error"


def console_handler() -> logging.Handler:
    """The handler LOGGING (relais.operations.logs.logging_config) put on the root logger."""
    return next(h for h in logging.getLogger().handlers if h.get_name() == "console")


@pytest.fixture()
def console() -> Iterator[io.StringIO]:
    """What the configured console handler writes, captured (its formatter restored afterwards)."""
    handler = console_handler()
    stream = io.StringIO()
    formatter = handler.formatter
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)
    handler.setFormatter(formatter)


def test_the_formatters_carry_the_request_id_and_the_traceback():
    token = request_id.set("abcdef0123456789")
    try:
        try:
            int("not a number")
        except ValueError:
            record = logging.getLogger("relais.test").makeRecord(
                "relais.test", logging.ERROR, __file__, 1, "failed for %s", ("someone",), sys.exc_info()
            )
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    text = TextFormatter().format(record)
    assert re.match(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ERROR relais.test \[abcdef0123456789\] failed for someone", text
    )
    assert "Traceback (most recent call last)" in text and "ValueError: invalid literal" in text
    line = JsonFormatter().format(record)
    assert "\n" not in line  # one record, one line
    data = json.loads(line)
    assert data["level"] == "ERROR" and data["logger"] == "relais.test" and data["message"] == "failed for someone"
    assert data["request_id"] == "abcdef0123456789" and data["time"].endswith("+00:00")
    assert "ValueError: invalid literal" in data["exception"]


def test_a_record_outside_any_request_has_a_dash():
    record = logging.getLogger("relais.test").makeRecord("relais.test", logging.INFO, __file__, 1, "idle", (), None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"


def test_what_the_thread_logs_after_a_request_no_longer_carries_its_id():
    answered = Client().get("/connexion/", headers={"X-Request-ID": "ended0123456789"})
    assert answered["X-Request-ID"] == "ended0123456789"
    record = logging.getLogger("relais.test").makeRecord("relais.test", logging.INFO, __file__, 1, "after", (), None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


@pytest.mark.urls(__name__)
def test_an_unhandled_error_is_logged_with_its_traceback_and_request_id(console, settings):
    settings.DEBUG = False
    stream = console
    client = Client(raise_request_exception=False, HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    response = client.get("/boom/?question=mon+arret+maladie")
    page = response.content.decode()
    assert response.status_code == 500 and "Une erreur est survenue" in page and 'lang="fr"' in page
    assert "nginx-0123456789abcdef" in page and response["X-Request-ID"] == "nginx-0123456789abcdef"
    log = stream.getvalue()
    assert "ERROR django.request [nginx-0123456789abcdef] Internal Server Error: /boom/" in log
    assert "Traceback (most recent call last)" in log and "RuntimeError: kaboom in a view" in log
    assert re.search(r"INFO relais.access \[nginx-0123456789abcdef\] GET /boom/ 500 \d+ms", log)
    assert "maladie" not in log  # never the query string


@pytest.mark.urls(__name__)
def test_the_same_error_in_json_lines(console, settings):
    settings.DEBUG = False
    stream = console
    assert logging_config("json")["formatters"]["json"]["()"] is JsonFormatter
    console_handler().setFormatter(JsonFormatter())  # what RELAIS_LOG_FORMAT=json configures
    Client(raise_request_exception=False).get("/boom/?question=secret")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    error = next(line for line in lines if line["logger"] == "django.request")
    access = next(line for line in lines if line["logger"] == "relais.access")
    assert re.fullmatch(r"[0-9a-f]{32}", error["request_id"]) and access["request_id"] == error["request_id"]
    assert "RuntimeError: kaboom in a view" in error["exception"] and error["level"] == "ERROR"
    assert access["method"] == "GET" and access["path"] == "/boom/" and access["status"] == 500
    assert isinstance(access["duration_ms"], float) and "secret" not in stream.getvalue()


def test_the_log_format_setting_picks_the_formatter():
    assert Config.from_env({}).log_format == "text"
    json_config = logging_config(Config.from_env({"RELAIS_LOG_FORMAT": "json"}).log_format)
    assert json_config["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ConfigError, match="RELAIS_LOG_FORMAT='xml': expected one of: text, json"):
        Config.from_env({"RELAIS_LOG_FORMAT": "xml"})


@pytest.mark.parametrize(
    "given",
    ["short", "a" * 65, "has space 12345", "line\nbreak-123456", 'quote"123456789'],
)
def test_an_unsafe_request_id_is_replaced(client, given):
    response = client.get("/connexion/", HTTP_X_REQUEST_ID=given)
    assert response.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    first, second = client.get("/connexion/")["X-Request-ID"], client.get("/connexion/")["X-Request-ID"]
    assert first != second


def test_the_access_line_has_no_query_string_and_no_line_break(console):
    stream = console
    Client().get("/nulle-part%0Aforged INFO/", {"q": "Mme Dupont arrêt maladie"})
    access = [line for line in stream.getvalue().splitlines() if "relais.access" in line]
    assert len(access) == 1 and "/nulle-part%0Aforged%20INFO/ 404" in access[0]
    assert "Dupont" not in stream.getvalue()


def test_a_pilotage_date_in_year_9999_is_a_french_form_error_not_a_500(console):
    """The issue's example: this overflowed the date arithmetic (500, nothing in any log)."""
    stream = console
    admin = get_user_model().objects.create_superuser("pilote.erreurs", password="motdepasse-solide-42")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    period = {"start": "9999-12-01", "end": "9999-12-31"}
    for page in ("/pilotage/", "/pilotage/lacunes/"):
        response = client.get(page, period)  # the form says why, and the default period is shown
        assert response.status_code == 200, page
        assert "Choisissez une date entre 2000 et 2099." in response.content.decode(), page
    assert client.get("/pilotage/rapport.html", period).status_code == 200  # no form: the default period
    assert " ERROR " not in stream.getvalue()


# ---- the French error pages the logs point agents to


def test_a_bad_request_is_a_french_page_and_json_under_api():
    client = Client(HTTP_HOST="pas-un-hote-prevu.example")  # Django answers 400 to an unknown host
    page = client.get("/connexion/")
    assert page.status_code == 400 and "<h1>Requête incorrecte</h1>" in page.content.decode()
    answer = client.get("/api/v1/conversations")
    assert answer.status_code == 400 and json.loads(answer.content) == {"detail": "Requête incorrecte."}


def test_an_expired_form_is_a_french_page():
    response = Client(enforce_csrf_checks=True).post("/connexion/", {"username": "x", "password": "y"})
    page = response.content.decode()
    assert response.status_code == 403 and "<h1>Formulaire expiré</h1>" in page and "CSRF" not in page


def test_a_forbidden_api_call_is_french_json(rf):
    from django.core.exceptions import PermissionDenied

    from relais.assistant import errors

    answer = errors.permission_denied(rf.get("/api/v1/conversations"), PermissionDenied())
    assert answer.status_code == 403 and json.loads(answer.content) == {"detail": "Accès refusé."}
    page = errors.permission_denied(rf.get("/pilotage/"), PermissionDenied())
    assert page.status_code == 403 and "<h1>Accès refusé</h1>" in page.content.decode()


@pytest.mark.urls(__name__)
def test_under_asgi_the_error_line_has_the_request_id_too(console, settings):
    """As uvicorn serves it: Django runs the middleware in a worker thread, the id must survive the hops."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    settings.DEBUG = False
    client = AsyncClient(raise_request_exception=False)
    response = async_to_sync(client.get)("/boom/", headers={"X-Request-ID": "asgi-request-0001"})
    assert response.status_code == 500 and response["X-Request-ID"] == "asgi-request-0001"
    log = console.getvalue()
    assert "ERROR django.request [asgi-request-0001] Internal Server Error: /boom/" in log
    assert "RuntimeError: kaboom in a view" in log
    assert "INFO relais.access [asgi-request-0001] GET /boom/ 500" in log
