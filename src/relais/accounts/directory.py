"""Sign-in against the town's LDAP or Active Directory, with directory groups mapped to Relais groups.

django-auth-ldap checks the password with a bind as the user and copies their first name, last name and e-mail
at every sign-in. Then, for the Relais groups named in RELAIS_LDAP_GROUP_ROLES (and only those), the user is put
in or taken out of each group according to their directory groups; other Relais groups are left alone. When the
mapping names a group of a staff role (référents…), the staff flag (access to /admin/) follows membership of those.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import ldap
import ldap.dn
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django_auth_ldap.backend import LDAPBackend

from relais.accounts.roles import GROUP_PERMISSIONS, ROLE_GROUPS, STAFF_ROLES, ensure_groups, handler_group, services

logger = logging.getLogger(__name__)

STAFF_GROUPS = frozenset(ROLE_GROUPS[role] for role in STAFF_ROLES if ROLE_GROUPS[role])


def normalize_dn(dn: str) -> str:
    """One spelling per DN: lower case, no spaces around separators (« CN=RH, OU=Groups » = « cn=rh,ou=groups »)."""
    try:
        return ldap.dn.dn2str(ldap.dn.str2dn(dn.strip().lower()))
    except ldap.DECODING_ERROR:
        return dn.strip().lower()


def granted_groups(
    roles: Iterable[tuple[str, str]], group_dns: Iterable[str], group_names: Iterable[str]
) -> tuple[set[str], set[str]]:
    """(the Relais groups the mapping manages, those of them this user's directory groups grant).

    A mapping key holding « = » is a group DN, otherwise a group CN (case-insensitive both).
    """
    dns = {normalize_dn(dn) for dn in group_dns}
    names = {name.strip().lower() for name in group_names}
    managed, granted = set(), set()
    for directory_group, group in roles:
        managed.add(group)
        is_dn = "=" in directory_group
        if (normalize_dn(directory_group) in dns) if is_dn else (directory_group.strip().lower() in names):
            granted.add(group)
    return managed, granted


def mappable_groups(names: Iterable[str]) -> dict[str, Group]:
    """The Relais groups of these names that a mapping may fill: role groups (created with their permissions),
    handler groups of the configured services (created) and groups an administrator created. Others are typos:
    logged, never created."""
    names = set(names)
    existing = {group.name: group for group in Group.objects.filter(name__in=names)}
    if (names & set(GROUP_PERMISSIONS)) - set(existing):
        existing |= {name: group for name, group in ensure_groups().items() if name in names}
    for name in names & {handler_group(service) for service in services()} - set(existing):
        existing[name] = Group.objects.create(name=name)
    if unknown := names - set(existing):
        logger.error("RELAIS_LDAP_GROUP_ROLES names unknown Relais groups, ignored: %s", ", ".join(sorted(unknown)))
    return existing


@transaction.atomic
def apply_groups(user, managed: set[str], granted: set[str]) -> None:
    """Put the user in the granted groups, out of the other managed ones; the staff flag follows the staff groups."""
    groups = mappable_groups(managed)
    managed, granted = set(groups), granted & set(groups)
    current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
    if removed := current - granted:
        user.groups.remove(*(groups[name] for name in removed))
    if added := granted - current:
        user.groups.add(*(groups[name] for name in added))
    if added or removed:
        logger.info("Directory groups of %s: added %s, removed %s", user.username, sorted(added), sorted(removed))
    if managed & STAFF_GROUPS:
        staff = user.is_superuser or user.groups.filter(name__in=STAFF_GROUPS).exists()
        if user.is_staff != staff:
            user.is_staff = staff
            user.save(update_fields=["is_staff"])


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend, plus the group mapping of RELAIS_LDAP_GROUP_ROLES at each sign-in.

    An unreachable directory is a refused sign-in (django-auth-ldap logs the LDAP error and returns None), so the
    next backend, local accounts, still answers.
    """

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        roles = getattr(settings, "LDAP_GROUP_ROLES", ())
        if user is None or not roles:
            return user
        try:
            managed, granted = granted_groups(roles, ldap_user.group_dns, ldap_user.group_names)
        except ldap.LDAPError as exc:
            # Groups decide rights: without them, refuse rather than keep possibly revoked ones.
            logger.warning("Directory groups of %s could not be read, sign-in refused: %s", user.username, exc)
            return None
        apply_groups(user, managed, granted)
        return user
