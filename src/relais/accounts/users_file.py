"""Create or update the accounts a YAML users file lists (`relais users load FILE`, e.g. demo/users.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from relais.accounts.models import Profile
from relais.accounts.roles import ROLE_GROUPS, STAFF_ROLES, ensure_groups, handler_group
from relais.audit.log import record

REQUIRED = ("username", "password", "role")


def read_users(path: Path) -> list[dict]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of users")
    for number, entry in enumerate(entries, 1):
        missing = [key for key in REQUIRED if not isinstance(entry, dict) or not entry.get(key)]
        if missing:
            raise ValueError(f"{path}: user #{number} lacks {', '.join(missing)}")
        if entry["role"] not in ROLE_GROUPS:
            raise ValueError(
                f"{path}: user {entry['username']}: unknown role {entry['role']!r}; one of {list(ROLE_GROUPS)}"
            )
    return entries


def _link_managers(path: Path, users: dict) -> None:
    """Second pass: a manager may be listed after the agents they manage."""
    for entry in read_users(path):
        manager = entry.get("manager")
        if manager and manager not in users:
            raise ValueError(f"{path}: user {entry['username']}: manager {manager!r} is not in the file")
        profile = Profile.objects.get(user=users[entry["username"]])
        profile.manager = users.get(manager)
        profile.save(update_fields=["manager"])  # saved, not updated: pending requests follow a new manager


@transaction.atomic
def load_users(path: Path) -> list:
    """The users of the file, created or brought back to what the file says."""
    groups = ensure_groups()
    users = []
    for entry in read_users(path):
        user, _ = get_user_model().objects.get_or_create(username=entry["username"])
        user.first_name = entry.get("first_name", "")
        user.last_name = entry.get("last_name", "")
        user.email = entry.get("email", "")
        user.is_active = True
        user.is_staff = entry["role"] in STAFF_ROLES
        user.is_superuser = entry["role"] == "admin"
        user.set_password(str(entry["password"]))
        user.save()
        group_name = ROLE_GROUPS[entry["role"]]
        handled = [Group.objects.get_or_create(name=handler_group(s))[0] for s in entry.get("handles") or []]
        user.groups.set([*([groups[group_name]] if group_name else []), *handled])
        Profile.objects.update_or_create(user=user, defaults={"service": entry.get("service", "")})
        users.append(user)
    _link_managers(path, {user.username: user for user in users})
    record(
        "comptes et rôles",
        target=str(path),
        detail={e["username"]: {"role": e["role"], "handles": e.get("handles") or []} for e in read_users(path)},
    )
    return users
