"""The `relais` command: Django management commands, with the database made ready first.

Pointed at an empty RELAIS_DATA_DIR, any command creates and migrates the
SQLite database by itself, so `relais ingest …` works on a fresh machine.
"""

from __future__ import annotations

import os
import sys

# The commands Relais documents (docs/cli.md); any other Django command still works.
COMMANDS = {
    "ingest": "ingest documents into a collection",
    "search": "search the knowledge base",
    "warm": "embed in advance the sentences answers may quote (the worker does it too, a batch per sweep)",
    "ask": "ask a question: answer with sources, or abstention with a contact",
    "faq": "load curated FAQ entries (`relais faq load FILE --collection NAME`)",
    "demo": "load the demo knowledge: documents and FAQ of the fictional commune",
    "simulate": "demo only: fill months of simulated usage for the dashboard (`relais simulate --months 3`)",
    "answers": "the answer model refitted on the town's signals (`relais answers fit [--save]`, `show`, `withdraw`)",
    "eval": "evaluate retrieval (`relais eval retrieval`) or answers (`relais eval answers`)",
    "migrate": "create or update the database tables (automatic on SQLite; an explicit step on PostgreSQL)",
    "serve": "serve the web application",
    "deploy": "render the systemd units, nginx site and env file for a server (`relais deploy render`)",
    "users": "create or update accounts from a YAML file (`relais users load FILE`)",
    "token": "create, list or revoke API tokens",
    "helpdesk": "deliver the outbox now, sync GLPI statuses, list pending sends",
    "purge": "delete personal content past its retention period, keep anonymised counts",
    "worker": "run background work (outbox deliveries, status sync); `relais serve` starts one",
    "grounding": "check generated answers against their passages (`relais grounding check` reads JSON lines)",
    "pii": "detect personal data in lines of text (`relais pii scan`)",
    "insights": "trial measurement: import baselines, knowledge gaps",
    "report": "the trial report as PDF and HTML (`relais report --from DATE --to DATE`)",
    "diagnostic": "the digital diagnosis: import or export the task sheet, AI-opportunity scores, campaigns",
    "procedures": "guided procedures: load YAML definitions (`relais procedures load FOLDER`) or list them",
    "backup": "write one archive of the database, uploaded originals and secret key (`relais backup FILE`)",
    "restore": "restore such an archive into an empty data folder or database (`relais restore FILE`)",
}

USAGE = "usage: relais COMMAND [options]   (relais COMMAND --help for details)\n\ncommands:\n" + "\n".join(
    f"  {name:<10} {text}" for name, text in COMMANDS.items()
)


class PendingMigrations(RuntimeError):
    """A PostgreSQL database is behind the code: the operator migrates it explicitly."""


def prepare_database(command: str) -> None:
    """SQLite (one machine): apply pending migrations quietly, creating the database on first use.

    PostgreSQL (several servers share it): migrating is an explicit step of a deployment, `relais migrate`, run
    once; every other command refuses to start on a database that is behind rather than migrate it from N places.
    """
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if command in {"migrate", "makemigrations", "showmigrations", "sqlmigrate", "backup", "restore", "deploy"}:
        return
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    if settings.RELAIS.uses_postgresql:
        raise PendingMigrations(
            "the PostgreSQL database is not up to date with this version of Relais: run `relais migrate` first"
        )
    call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
    from relais.config import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        print(f"relais: configuration error: {exc}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    if "--help" not in argv and "-h" not in argv:
        try:
            prepare_database(argv[0])
        except PendingMigrations as exc:
            print(f"relais: {exc}", file=sys.stderr)
            return 2
    execute_from_command_line(["relais", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
