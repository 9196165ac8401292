"""Sign-in with ProConnect (or another OpenID Connect provider): the authorization code flow of mozilla-django-oidc.

ProConnect's claims become the account: email → e-mail and username (for a new account), given_name → first
name, usual_name → last name, sub → Profile.oidc_sub (how the account is found again), uid → Profile.oidc_uid,
organizational_unit (when the provider sends it) → Profile.service. An account is found by its `sub`, else by its
e-mail address (an existing local or directory account is then linked), else created, in no group.

ProConnect signs its userinfo answer (application/jwt): mozilla-django-oidc checks that signature with the
provider's keys; this backend also checks the issuer, the audience and that both answers name the same `sub`.
"""

from __future__ import annotations

import logging
import secrets

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import path
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from relais.accounts.models import Profile

logger = logging.getLogger(__name__)

FAILURE_MESSAGE = (
    "La connexion avec ProConnect n'a pas abouti. Réessayez, ou connectez-vous avec votre identifiant "
    "et votre mot de passe."
)


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class ProConnectBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        if "nonce" not in kwargs:  # not the callback view (the login form's password sign-in, for instance)
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The signature and nonce (mozilla-django-oidc), then the issuer and audience.

        The ID token (checked with a nonce) must name both; a signed userinfo answer is checked on those it names.
        """
        payload = super().verify_token(token, **kwargs)
        id_token = "nonce" in kwargs
        issuer = self.get_settings("OIDC_OP_ISSUER", "")
        if issuer and (id_token or "iss" in payload) and payload.get("iss") != issuer:
            raise SuspiciousOperation(f"Token issued by {payload.get('iss')!r}, expected {issuer!r}")
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if (id_token or audience is not None) and self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("Token not issued for this client")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        claims = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict) or claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is not about the ID token's subject")
        return claims

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub")) and bool(claims.get("email"))

    def describe_user_by_claims(self, claims) -> str:
        return f"sub {claims.get('sub')}"

    def filter_users_by_claims(self, claims):
        users = self.UserModel.objects.filter(profile__oidc_sub=claims["sub"])
        if users.exists():
            return users
        # The same e-mail address as an account not yet linked to another OIDC subject.
        unlinked = Q(profile__isnull=True) | Q(profile__oidc_sub="")
        return self.UserModel.objects.filter(unlinked, email__iexact=claims["email"])

    @transaction.atomic
    def create_user(self, claims):
        username = claims["email"].strip().lower()[:150]
        if self.UserModel.objects.filter(username__iexact=username).exists():
            username = f"{username[:141]}-{secrets.token_hex(4)}"
        user = self.UserModel.objects.create_user(username, email=claims["email"].strip())  # unusable password
        logger.info("New account %s from OpenID Connect", username)
        return self.update_user(user, claims)

    @transaction.atomic
    def update_user(self, user, claims):
        user.email = claims["email"].strip()
        user.first_name = str(claims.get("given_name") or user.first_name)[:150]
        user.last_name = str(claims.get("usual_name") or claims.get("family_name") or user.last_name)[:150]
        user.save(update_fields=["email", "first_name", "last_name"])
        profile, _ = Profile.objects.get_or_create(user=user)
        profile.oidc_sub = str(claims["sub"])[:255]
        profile.oidc_uid = str(claims.get("uid") or profile.oidc_uid)[:255]
        if claims.get("organizational_unit"):
            profile.service = str(claims["organizational_unit"])[:100]
        profile.save()
        return user


class AuthenticateView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (state and nonce kept in the session); 404 when OIDC is off."""

    def __init__(self, **kwargs) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)  # settings are read per request, below

    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404
        self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().dispatch(request, *args, **kwargs)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: any failure (unknown state, wrong nonce or signature, provider unreachable,
    refused consent) is a message on the login page, never an error page."""

    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, ValueError, KeyError) as exc:
            logger.warning("OpenID Connect sign-in refused: %s: %s", type(exc).__name__, exc)
            return self.login_failure()

    def login_failure(self):
        messages.error(self.request, FAILURE_MESSAGE)
        return super().login_failure()


class LoginView(auth_views.LoginView):
    """The login page: identifier and password (local or directory accounts), and ProConnect when configured."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "proconnect": oidc_enabled()}


urlpatterns = [
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
    path("authenticate/", AuthenticateView.as_view(), name="oidc_authentication_init"),
]
