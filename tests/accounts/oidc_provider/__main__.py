"""`python -m tests.accounts.oidc_provider PORT`: migrate the provider's database, register Relais and the people
(OIDC_PROVIDER_CLIENT_ID, OIDC_PROVIDER_CLIENT_SECRET, OIDC_PROVIDER_REDIRECT_URI, OIDC_PROVIDER_PEOPLE), serve."""

import os
import sys

import django


def main(port: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.accounts.oidc_provider.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    from tests.accounts.oidc_provider.validators import people

    call_command("migrate", verbosity=0)
    for person in people().values():
        get_user_model().objects.create_user(person["username"], password=person["password"])
    Application.objects.create(
        name="Relais",
        client_id=os.environ["OIDC_PROVIDER_CLIENT_ID"],
        client_secret=os.environ["OIDC_PROVIDER_CLIENT_SECRET"],  # hashed on save, like any confidential client
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["OIDC_PROVIDER_REDIRECT_URI"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,  # no consent page
    )
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
