"""Sign-in with ProConnect, against a real OpenID Connect provider running in a second process.

The provider (tests/accounts/oidc_provider: django-oauth-toolkit, its own SQLite database, an RSA key made here)
answers like ProConnect: one scope per claim, a signed userinfo answer. The agent's browser is an httpx client
at the provider and Django's test client at Relais; Relais' callback calls the provider's token, keys and
userinfo endpoints over HTTP for real.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model

from relais.accounts.auth_config import MODEL_BACKEND, OIDC_BACKEND, auth_settings
from relais.accounts.proconnect import FAILURE_MESSAGE
from relais.config import Config, ConfigError
from tests.processes import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "relais-valdebrume", "relais-client-secret"
CALLBACK = "http://testserver/oidc/callback/"
CAMILLE = {
    "username": "camille.martin",
    "password": "fi-secret-1",
    "given_name": "Camille Anne",
    "usual_name": "Martin",
    "email": "camille.martin@valdebrume.example",
    "uid": "fi-4242",
    "siret": "21000000000017",
    "organizational_unit": "Médiathèque",
}
SCOPES = "openid email given_name usual_name uid organizational_unit"


class Provider:
    def __init__(self, folder: Path) -> None:
        port = free_port()
        self.issuer = f"http://127.0.0.1:{port}/o"
        self.people = folder / "people.json"
        self.set_people([CAMILLE])
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "DJANGO_SETTINGS_MODULE": "tests.accounts.oidc_provider.settings",
            "OIDC_PROVIDER_DATABASE": str(folder / "provider.sqlite3"),
            "OIDC_PROVIDER_KEY": pem.decode(),
            "OIDC_PROVIDER_ISSUER": self.issuer,
            "OIDC_PROVIDER_PEOPLE": str(self.people),
            "OIDC_PROVIDER_CLIENT_ID": CLIENT_ID,
            "OIDC_PROVIDER_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_REDIRECT_URI": CALLBACK,
        }
        self.log_path = folder / "provider.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.accounts.oidc_provider", str(port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_until_ready()

    def set_people(self, people: list[dict]) -> None:
        self.people.write_text(json.dumps(people), encoding="utf-8")

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited: {self.log_path.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the OIDC provider did not start: {self.log_path.read_text(errors='replace')}")
            time.sleep(0.1)

    def stop(self) -> None:
        stop(self.process)
        self.log.close()


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    server = Provider(tmp_path_factory.mktemp("oidc-provider"))
    yield server
    server.stop()


def use_oidc(settings, **env: str) -> None:
    """The Django settings relais.settings would build from these RELAIS_* variables."""
    for name, value in auth_settings(Config.from_env(env)).items():
        setattr(settings, name, value)


@pytest.fixture
def proconnect(settings, provider):
    issuer = provider.issuer
    use_oidc(
        settings,
        RELAIS_OIDC_ISSUER=issuer,
        RELAIS_OIDC_CLIENT_ID=CLIENT_ID,
        RELAIS_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        RELAIS_OIDC_SCOPES=SCOPES,
        # django-oauth-toolkit's paths; ProConnect's are the defaults (ISSUER/authorize…).
        RELAIS_OIDC_AUTHORIZATION_ENDPOINT=f"{issuer}/authorize/",
        RELAIS_OIDC_TOKEN_ENDPOINT=f"{issuer}/token/",
        RELAIS_OIDC_USERINFO_ENDPOINT=f"{issuer}/userinfo/",
        RELAIS_OIDC_JWKS_URI=f"{issuer}/.well-known/jwks.json",
    )
    return provider


def start(client, next_url: str = "") -> str:
    """Click « S'identifier avec ProConnect »: the provider's authorization URL Relais redirects to."""
    response = client.get("/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    return response["Location"]


def sign_in_at_provider(authorize_url: str, person: dict) -> str:
    """The agent signs in at the provider, which sends the browser back to Relais: that callback URL."""
    with httpx.Client(timeout=10) as browser:
        response = browser.get(authorize_url)
        assert response.status_code == 302, response.text
        login_url = urljoin(authorize_url, response.headers["location"])
        page = browser.get(login_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        form = {"csrfmiddlewaretoken": token, "username": person["username"], "password": person["password"]}
        response = browser.post(login_url, data=form, headers={"Referer": login_url})
        assert response.status_code == 302, response.text
        response = browser.get(urljoin(login_url, response.headers["location"]))  # authorization, no consent page
        assert response.status_code == 302, response.text
        return response.headers["location"]


def callback_path(url: str) -> str:
    assert url.startswith(CALLBACK), url
    return f"{urlsplit(url).path}?{urlsplit(url).query}"


def assert_refused(client, response) -> None:
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    page = client.get("/connexion/")
    assert FAILURE_MESSAGE.replace("'", "&#x27;") in page.content.decode()
    assert not page.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_proconnect_sign_in_creates_the_account_from_the_claims(client, proconnect, monkeypatch):
    answers = []  # what Relais' callback fetched from the provider (keys, signed userinfo)
    fetch = requests.get
    monkeypatch.setattr(
        "mozilla_django_oidc.auth.requests.get",
        lambda url, **kwargs: answers.append(fetch(url, **kwargs)) or answers[-1],
    )
    page = client.get("/connexion/?next=/charte/").content.decode()
    assert "S'identifier avec ProConnect" in page and 'href="/oidc/authenticate/?next=/charte/"' in page

    authorize_url = start(client, "/charte/")
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(f"{proconnect.issuer}/authorize/") and query["scope"] == [SCOPES]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32  # ProConnect's minimum
    response = client.get(callback_path(sign_in_at_provider(authorize_url, CAMILLE)))

    assert response.status_code == 302 and response["Location"] == "/charte/"
    assert client.session["_auth_user_backend"] == OIDC_BACKEND
    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("camille.martin@valdebrume.example", "camille.martin@valdebrume.example")
    assert (user.first_name, user.last_name) == ("Camille Anne", "Martin") and not user.has_usable_password()
    assert user.profile.oidc_uid == "fi-4242" and user.profile.service == "Médiathèque" and user.profile.oidc_sub
    assert not user.is_staff and not user.groups.exists()
    userinfo = next(answer for answer in answers if answer.url == f"{proconnect.issuer}/userinfo/")
    assert userinfo.headers["content-type"] == "application/jwt"  # signed, like ProConnect's


@pytest.mark.django_db
def test_token_from_another_issuer_is_refused(client, proconnect, settings):
    settings.OIDC_OP_ISSUER = "https://proconnect.example/api/v2"
    assert_refused(client, client.get(callback_path(sign_in_at_provider(start(client), CAMILLE))))
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_next_sign_in_finds_the_account_by_sub_after_an_email_change(client, proconnect):
    client.get(callback_path(sign_in_at_provider(start(client), CAMILLE)))
    first = get_user_model().objects.get()
    moved = {**CAMILLE, "email": "c.martin@valdebrume.example", "usual_name": "Martin-Roy"}
    proconnect.set_people([moved])
    try:
        client.logout()
        response = client.get(callback_path(sign_in_at_provider(start(client), moved)))
    finally:
        proconnect.set_people([CAMILLE])
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(first.pk)
    user = get_user_model().objects.get()
    assert (user.email, user.last_name, user.username) == ("c.martin@valdebrume.example", "Martin-Roy", first.username)


@pytest.mark.django_db
def test_local_account_with_the_same_address_is_linked(client, proconnect):
    local = get_user_model().objects.create_user("cmartin", CAMILLE["email"].upper(), "local-secret")
    client.get(callback_path(sign_in_at_provider(start(client), CAMILLE)))
    assert client.session["_auth_user_id"] == str(local.pk) and get_user_model().objects.count() == 1
    local.refresh_from_db()
    assert local.profile.oidc_uid == "fi-4242" and local.check_password("local-secret")


@pytest.mark.django_db
def test_forged_state_is_refused_cleanly(client, proconnect):
    start(client)
    assert_refused(client, client.get("/oidc/callback/?code=stolen&state=forged-state-forged-state-forged"))
    assert_refused(client, client.get("/oidc/callback/?error=access_denied&state=forged"))
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_wrong_nonce_is_refused_cleanly(client, proconnect):
    authorize_url = start(client)
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    callback = callback_path(sign_in_at_provider(authorize_url, CAMILLE))
    session = client.session
    states = session["oidc_states"]
    states[state]["nonce"] = "replayed-nonce-replayed-nonce-replayed"
    session["oidc_states"] = states
    session.save()
    assert_refused(client, client.get(callback))  # the provider's ID token carries the real nonce
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_unreachable_provider_is_refused_cleanly(client, proconnect, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{free_port()}/token"
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    assert_refused(client, client.get(f"/oidc/callback/?code=some-code&state={state}"))


@pytest.mark.django_db
def test_password_sign_in_never_runs_the_oidc_exchange(client, proconnect):
    get_user_model().objects.create_user("agent.local", password="local-secret")
    response = client.post(
        "/connexion/?code=stolen&state=forged", {"username": "agent.local", "password": "local-secret"}
    )
    assert response.status_code == 302 and client.session["_auth_user_backend"] == MODEL_BACKEND


@pytest.mark.django_db
def test_without_oidc_there_is_no_button_and_no_route(client):
    assert "ProConnect" not in client.get("/connexion/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_proconnect_endpoints_default_to_its_paths_under_the_issuer():
    issuer = "https://proconnect.example/api/v2"
    config = Config.from_env(
        {"RELAIS_OIDC_ISSUER": issuer + "/", "RELAIS_OIDC_CLIENT_ID": "x", "RELAIS_OIDC_CLIENT_SECRET": "y"}
    )
    values = auth_settings(config)
    assert values["AUTHENTICATION_BACKENDS"][1] == OIDC_BACKEND and values["OIDC_OP_ISSUER"] == issuer
    assert values["OIDC_OP_AUTHORIZATION_ENDPOINT"] == f"{issuer}/authorize"
    assert (values["OIDC_OP_TOKEN_ENDPOINT"], values["OIDC_OP_USER_ENDPOINT"]) == (
        f"{issuer}/token",
        f"{issuer}/userinfo",
    )
    assert values["OIDC_OP_JWKS_ENDPOINT"] == f"{issuer}/jwks" and values["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert values["OIDC_RP_SCOPES"] == "openid email given_name usual_name uid"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RELAIS_OIDC_ISSUER": "https://pc.example"}, "RELAIS_OIDC_CLIENT_ID is required"),
        (
            {
                "RELAIS_OIDC_ISSUER": "https://pc",
                "RELAIS_OIDC_CLIENT_ID": "x",
                "RELAIS_OIDC_CLIENT_SECRET": "y",
                "RELAIS_OIDC_SCOPES": "email",
            },
            "the openid scope is required",
        ),
        ({"RELAIS_OIDC_SIGN_ALGO": "none"}, "expected one of: RS256, ES256, HS256"),
    ],
)
def test_bad_oidc_settings_fail_at_start(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)
