"""Django settings of the sign-in methods, built from the typed configuration.

Local accounts always work (ModelBackend, last). LDAP / Active Directory (django-auth-ldap) is added when
RELAIS_LDAP_URL is set, ProConnect / OpenID Connect (mozilla-django-oidc) when RELAIS_OIDC_ISSUER is set.
Imported by relais.settings: nothing here may import Django models.
"""

from __future__ import annotations

from typing import Any

from relais.config import Config, ConfigError

LDAP_BACKEND = "relais.accounts.directory.DirectoryBackend"
OIDC_BACKEND = "relais.accounts.proconnect.ProConnectBackend"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
AXES_BACKEND = "axes.backends.AxesStandaloneBackend"

# inetOrgPerson (OpenLDAP) and Active Directory users both carry these attributes.
LDAP_USER_ATTRIBUTES = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
# groupOfNames (OpenLDAP) and group (Active Directory) both list their members' DNs in `member`.
LDAP_GROUP_FILTER = "(|(objectClass=groupOfNames)(objectClass=group))"


def auth_settings(config: Config) -> dict[str, Any]:
    """AUTHENTICATION_BACKENDS and the settings of the enabled sign-in methods."""
    values: dict[str, Any] = {}
    backends = []
    if config.ldap_enabled:
        values.update(ldap_settings(config))
        backends.append(LDAP_BACKEND)
    if config.oidc_enabled:
        values.update(oidc_settings(config))
        backends.append(OIDC_BACKEND)
    # django-axes first: it refuses a locked-out username/address before any backend checks a password.
    values["AUTHENTICATION_BACKENDS"] = [AXES_BACKEND, *backends, MODEL_BACKEND]
    return values


def ldap_settings(config: Config) -> dict[str, Any]:
    try:
        import ldap
        from django_auth_ldap.config import GroupOfNamesType, LDAPSearch
    except ImportError:
        raise ConfigError(
            "RELAIS_LDAP_URL is set but the LDAP extra is not installed: apt-get install libldap2-dev libsasl2-dev, "
            "then pip install 'relais[ldap]'"
        ) from None

    values: dict[str, Any] = {
        "AUTH_LDAP_SERVER_URI": config.ldap_url,
        "AUTH_LDAP_BIND_DN": config.ldap_bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": config.ldap_bind_password,
        "AUTH_LDAP_START_TLS": config.ldap_start_tls,
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(config.ldap_user_search_base, ldap.SCOPE_SUBTREE, config.ldap_user_filter),
        "AUTH_LDAP_USER_ATTR_MAP": dict(LDAP_USER_ATTRIBUTES),
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        # Referrals off (Active Directory answers searches at the domain root with referrals the client cannot
        # follow anonymously); timeouts so that a dead or silent server refuses the sign-in instead of hanging it.
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_REFERRALS: 0,
            ldap.OPT_NETWORK_TIMEOUT: config.ldap_timeout,
            ldap.OPT_TIMEOUT: config.ldap_timeout,
        },
        "LDAP_GROUP_ROLES": config.ldap_group_roles,
    }
    if config.ldap_group_search_base:
        values["AUTH_LDAP_GROUP_SEARCH"] = LDAPSearch(
            config.ldap_group_search_base, ldap.SCOPE_SUBTREE, LDAP_GROUP_FILTER
        )
        values["AUTH_LDAP_GROUP_TYPE"] = GroupOfNamesType(name_attr="cn")
    return values


def oidc_settings(config: Config) -> dict[str, Any]:
    return {
        "OIDC_OP_ISSUER": config.oidc_issuer.rstrip("/"),
        "OIDC_RP_CLIENT_ID": config.oidc_client_id,
        "OIDC_RP_CLIENT_SECRET": config.oidc_client_secret,
        "OIDC_RP_SCOPES": config.oidc_scopes,
        "OIDC_RP_SIGN_ALGO": config.oidc_sign_algo,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": config.oidc_endpoint("authorization"),
        "OIDC_OP_TOKEN_ENDPOINT": config.oidc_endpoint("token"),
        "OIDC_OP_USER_ENDPOINT": config.oidc_endpoint("userinfo"),
        "OIDC_OP_JWKS_ENDPOINT": config.oidc_endpoint("jwks"),
        "OIDC_TIMEOUT": 10,
        "OIDC_CREATE_USER": True,
        # A refused or failed ProConnect sign-in comes back to the login page, with a message.
        "LOGIN_REDIRECT_URL_FAILURE": "/connexion/",
    }
