"""The audit log: admin changes, command-line actions and settings changes are recorded, and never editable."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from relais.audit.models import AuditEvent
from relais.audit.settings_snapshot import record_settings_changes
from relais.config import Config

pytestmark = pytest.mark.django_db


@pytest.fixture()
def admin_client():
    get_user_model().objects.create_superuser("dpo.admin", password="secret-pass-1")
    client = Client()
    client.login(username="dpo.admin", password="secret-pass-1")
    return client


def test_admin_changes_are_recorded_with_who_and_what(admin_client):
    response = admin_client.post("/admin/accounts/charter/add/", {"title": "Charte IA", "body": "Vérifiez."})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="ajout")
    assert event.actor.username == "dpo.admin" and event.target_type == "charte" and "Charte IA" in event.target


def test_command_line_actions_are_recorded(tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "vpn.md").write_text("# VPN\n\nLancez le client VPN puis saisissez votre code.\n", encoding="utf-8")
    call_command("ingest", str(docs), collection="dsi", verbosity=0)
    call_command("ingest", str(docs), collection="dsi", verbosity=0)  # unchanged: nothing to record
    [event] = AuditEvent.objects.filter(action="ingestion")
    assert event.actor_label == "ligne de commande" and event.detail["added"] == 1
    get_user_model().objects.create_user("agent")
    call_command("token", "create", "agent", "--name", "script")
    assert AuditEvent.objects.filter(action="jeton d'API créé").exists()


def test_settings_changes_are_recorded_between_starts_without_secrets():
    assert record_settings_changes(Config(town_name="Val-de-Brume")) is not None  # first start: a baseline
    assert record_settings_changes(Config(town_name="Val-de-Brume")) is None
    secret = "s3cr3t-" + "x" * 40
    changed = record_settings_changes(Config(town_name="Brumeville", glpi_password=secret))
    assert changed["town_name"] == ["Val-de-Brume", "Brumeville"]
    assert changed["glpi_password"][1].startswith("••• ")
    assert all(secret not in str(event.detail) for event in AuditEvent.objects.all())


def test_the_audit_log_cannot_be_edited_in_the_admin(admin_client):
    event = AuditEvent.objects.create(actor_label="x", action="test")
    assert admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "y"}).status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
