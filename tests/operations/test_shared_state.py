"""Several processes, one truth: what app servers and workers share lives in the database, not in a process."""

from pathlib import Path

import pytest

from relais.knowledge.index import build_index, get_passage_index
from relais.knowledge.ingestion import Ingestor, get_or_create_collection
from tests.operations.installations import BACKENDS, installation, run_together

CLAIM = """
from datetime import timedelta
from relais.operations.models import PeriodicRun
ready()
print(json.dumps(PeriodicRun.claim("sweep", timedelta(hours=1))))
"""

ASK = """
from relais.assistant import throttle
throttle.time.time = lambda: 1_800_000_000.0  # one fixed minute: the window cannot turn during the test
ready()
print(json.dumps(sum(throttle.ask_allowed(user_id=7, address=None) for _ in range(int(sys.argv[1])))))
"""

USER = """
from django.contrib.auth import get_user_model
get_user_model().objects.create_user("cible", password="bon-mot-de-passe-1")
print(json.dumps(True))
"""

LOGIN = """
from django.conf import settings
from django.test import Client
# The login page as a server without collected static files renders it (no manifest to read).
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}
client = Client(REMOTE_ADDR="10.0.0.5")
print(json.dumps([client.post("/connexion/", {"username": "cible", "password": p}).status_code for p in sys.argv[1:]]))
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_sweep_runs_once_per_period_across_workers(backend, tmp_path):
    with installation(backend, tmp_path) as env:
        first = run_together(CLAIM, env, processes=4)
        again = run_together(CLAIM, env, processes=2)  # same period: nobody
    assert sorted(first) == [False, False, False, True]
    assert again == [False, False]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_ask_limit_is_counted_once_across_app_servers(backend, tmp_path):
    with installation(backend, tmp_path) as env:
        allowed = run_together(ASK, {**env, "RELAIS_ASK_RATE_PER_USER": "4"}, processes=3, args=("3",))
    assert sum(allowed) == 4  # 9 asks by one agent on three servers, 4 a minute allowed: not 4 per server


def test_a_login_lockout_made_on_one_server_holds_on_another(tmp_path):
    """django-axes keeps failed attempts in its database table (AxesDatabaseHandler, its default)."""
    with installation("sqlite", tmp_path) as env:
        env |= {"RELAIS_ALLOWED_HOSTS": "testserver"}
        run_together(USER, env)
        first_server = run_together(LOGIN, env, args=("faux",) * 5)[0]
        second_server = run_together(LOGIN, env, args=("bon-mot-de-passe-1",))[0]
    assert first_server == [200, 200, 200, 200, 429]
    assert second_server == [429]


def test_the_axes_handler_is_the_shared_database_one():
    from axes.conf import settings as axes_settings

    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"


@pytest.mark.django_db
@pytest.mark.postgres
def test_an_ingest_through_one_server_is_seen_by_the_index_of_another(tmp_path: Path):
    server_a, server_b = get_passage_index(), build_index("sqlite")  # two processes' indexes, one database
    collection = get_or_create_collection("rh-partage", audience="agents", service="RH")
    (tmp_path / "vpn.md").write_text("# Accès VPN\n\nInstallez le client VPN fourni par la DSI.\n", encoding="utf-8")
    assert server_b.search("client VPN", k=3) == []  # loaded, empty
    Ingestor(collection).ingest([tmp_path / "vpn.md"])  # on server A (the process-wide index)
    assert "client VPN" in server_b.search("client VPN", k=1)[0].passage.text
    (tmp_path / "vpn.md").unlink()
    (tmp_path / "cantine.md").write_text("# Cantine\n\nLe menu de la cantine est affiché.\n", encoding="utf-8")
    Ingestor(collection, index=server_b).ingest([tmp_path / "cantine.md"])  # now on server B
    assert "menu de la cantine" in server_a.search("menu cantine", k=1)[0].passage.text
