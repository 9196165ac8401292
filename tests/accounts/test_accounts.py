"""Demo accounts, roles and API tokens."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from relais.accounts.models import ApiToken, hash_token
from relais.accounts.roles import REFERENT_RH
from relais.accounts.users_file import load_users

pytestmark = pytest.mark.django_db

USERS = """
- {username: agent.demo, password: secret-1, role: agent, service: Médiathèque}
- {username: referent.rh, password: secret-2, role: referent_rh, first_name: Nadia}
- {username: admin, password: secret-3, role: admin}
"""


def test_users_are_created_with_their_roles_and_reloading_is_idempotent(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text(USERS, encoding="utf-8")
    load_users(path)
    load_users(path)
    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) == {"agent.demo", "referent.rh", "admin"}
    agent, referent, admin = users["agent.demo"], users["referent.rh"], users["admin"]
    assert not agent.is_staff and agent.profile.service == "Médiathèque" and agent.check_password("secret-1")
    assert referent.is_staff and not referent.is_superuser and referent.groups.get().name == REFERENT_RH
    assert referent.has_perm("knowledge.add_document") and referent.has_perm("assistant.view_exchange")
    assert not referent.has_perm("assistant.change_exchange") and not agent.has_perm("knowledge.view_document")
    assert admin.is_superuser


@pytest.mark.parametrize(
    ("content", "message"),
    [("- {username: x, role: agent}", "lacks password"), ("- {username: x, password: y, role: chef}", "unknown role")],
)
def test_bad_user_file_is_refused_and_creates_nobody(tmp_path, content, message):
    path = tmp_path / "users.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("users", "load", str(path))
    assert not get_user_model().objects.exists()


def test_token_is_stored_hashed_and_authenticates_until_revoked(capsys):
    user = get_user_model().objects.create_user("agent", password="x")
    call_command("token", "create", "agent", "--name", "script paie")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert raw.startswith("rls_") and token.key_hash == hash_token(raw) and raw not in token.hint
    assert ApiToken.objects.authenticate(raw) == user and ApiToken.objects.get().last_used_at is not None
    assert ApiToken.objects.authenticate(raw + "x") is None
    call_command("token", "revoke", str(token.pk))
    assert ApiToken.objects.authenticate(raw) is None
    with pytest.raises(CommandError, match="No active token"):
        call_command("token", "revoke", str(token.pk))
    with pytest.raises(CommandError, match="not found"):
        call_command("token", "create", "nobody")


def test_inactive_user_token_does_not_authenticate():
    user = get_user_model().objects.create_user("parti", password="x")
    _, raw = ApiToken.objects.create_for(user, "ancien script")
    user.is_active = False
    user.save()
    assert ApiToken.objects.authenticate(raw) is None
