from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from relais.accounts.models import ApiToken
from relais.audit.log import record


class Command(BaseCommand):
    help = (
        "Manage API tokens: `relais token create USERNAME --name NAME`, `relais token list`, `relais token revoke ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token for a user; prints it once")
        create.add_argument("username", help="the user the token acts as")
        create.add_argument("--name", default="script", help="what the token is for (default: script)")
        actions.add_parser("list", help="list tokens (never their value)")
        revoke = actions.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("id", type=int, help="token id, as shown by `relais token list`")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "create":
            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"User {options['username']!r} not found")
            token, raw = ApiToken.objects.create_for(user, options["name"])
            record("jeton d'API créé", target=token)
            self.stdout.write(raw)
        elif action == "list":
            for token in ApiToken.objects.select_related("user"):
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                self.stdout.write(f"{token.pk}\t{token.user.username}\t{token.name}\t{token.hint}…\t{state}")
        else:
            updated = ApiToken.objects.filter(pk=options["id"], revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            if not updated:
                raise CommandError(f"No active token with id {options['id']}")
            record("jeton d'API révoqué", target=ApiToken.objects.get(pk=options["id"]))
            self.stdout.write(f"Token {options['id']} revoked")
