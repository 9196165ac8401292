from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.accounts.demo_users import load_users


class Command(BaseCommand):
    help = "Create or update user accounts from a YAML file: `relais users load demo/users.yaml`."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="create or update the accounts listed in FILE")
        load.add_argument("file", type=Path, help="YAML list of {username, password, role, first_name, …}")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} not found")
        try:
            users = load_users(path)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"]:
            self.stdout.write(f"{len(users)} compte(s) prêt(s) : " + ", ".join(u.username for u in users))
