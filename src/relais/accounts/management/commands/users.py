from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.accounts.charter import accept, current_charter
from relais.accounts.users_file import load_users
from relais.audit.log import record


class Command(BaseCommand):
    help = "Create or update user accounts from a YAML file: `relais users load demo/users.yaml`."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="create or update the accounts listed in FILE")
        load.add_argument("file", type=Path, help="YAML list of {username, password, role, first_name, …}")
        accept = actions.add_parser(
            "accept-charter", help="record that a service account (a script's API user) accepted the current charter"
        )
        accept.add_argument("username", help="the account")

    def handle(self, *args, **options) -> None:
        if options["action"] == "accept-charter":
            self._accept_charter(options["username"])
            return
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} not found")
        try:
            users = load_users(path)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"]:
            self.stdout.write(f"{len(users)} compte(s) prêt(s) : " + ", ".join(u.username for u in users))

    def _accept_charter(self, username: str) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"User {username!r} not found")
        charter = current_charter()
        if charter is None:
            raise CommandError("No charter is published")
        accept(user, charter)
        record(
            "charte acceptée pour un compte de service", target=user.get_username(), detail={"version": charter.version}
        )
        self.stdout.write(f"{username} accepted charter version {charter.version}")
