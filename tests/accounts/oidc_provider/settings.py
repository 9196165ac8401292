"""Settings of the test OpenID Connect provider; the test passes its database, key and issuer in the environment."""

import os

SECRET_KEY = "test-oidc-provider-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.accounts.oidc_provider.urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "tests.accounts.oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OIDC_PROVIDER_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/accounts/login/"

# ProConnect's scopes: one per claim (its service provider documentation, « scope-claims »).
PROCONNECT_SCOPES = ["given_name", "usual_name", "email", "uid", "siret", "organizational_unit"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ["OIDC_PROVIDER_KEY"],
    "OIDC_ISS_ENDPOINT": os.environ["OIDC_PROVIDER_ISSUER"],
    "OAUTH2_VALIDATOR_CLASS": "tests.accounts.oidc_provider.validators.ProConnectLikeValidator",
    "SCOPES": {"openid": "OpenID Connect", **{scope: scope for scope in PROCONNECT_SCOPES}},
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": False,  # ProConnect does not require PKCE; neither does Relais' client
}
