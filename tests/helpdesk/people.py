"""The demo's people and pages as the agent-ticket and notification suites use them (one copy, not two)."""

from __future__ import annotations

import html

from django.contrib.auth import get_user_model
from django.test import Client

from relais.config import Config

PASSWORD = "valdebrume-demo"
# The handler's question in the ticket thread, which the agent is told of and answers.
QUESTION = "Pouvez-vous préciser le numéro de l'imprimante, inscrit sur l'étiquette ?"


def client_for(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def user(username: str):
    return get_user_model().objects.get(username=username)


def text(response) -> str:
    return html.unescape(response.content.decode())


def relais_settings(**changes) -> Config:
    from django.conf import settings

    return Config(**{**settings.RELAIS.__dict__, **changes})
