"""`relais backup` / `relais restore`, run as real subprocesses: a live instance backed up while it writes, restored
elsewhere with every document, exchange, ticket and procedure run; damaged, foreign or newer backups refused."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.postgres import throwaway_postgres

DEMO_PROCEDURES = Path(__file__).resolve().parents[2] / "demo" / "procedures"

# Two uploaded documents (their originals under media/), a procedure run, a ticket, two questions asked.
SETUP = f"""
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from relais.helpdesk.tickets import open_ticket
from relais.knowledge.models import Collection
from relais.knowledge.uploads import store_and_ingest
from relais.procedures import runs
from relais.procedures.models import Procedure

collection = Collection.objects.create(name="RH", audience="agents", service="RH")
summary = store_and_ingest(collection, [
    SimpleUploadedFile("conges.md", "# Congés\\n\\nLes congés annuels se posent dans le portail RH.".encode()),
    SimpleUploadedFile("teletravail.md", "# Télétravail\\n\\nDeux jours de télétravail par semaine.".encode()),
])
assert len(summary.added) == 2, summary
call_command("procedures", "load", {str(DEMO_PROCEDURES)!r}, verbosity=0)
agent = get_user_model().objects.create_user("agent.test", password="motdepasse-de-test")
runs.start(agent, Procedure.objects.first())
open_ticket(agent, title="Badge perdu", description="…", service="DSI", category="", urgency=3, exchange=None)
call_command("ask", "Où poser mes congés annuels ?")
call_command("ask", "Combien de jours de télétravail ?")
"""

# Writes one conversation, exchange and ticket after another until STOP exists; logs each committed id pair.
WRITER = """
import pathlib, time
from django.contrib.auth import get_user_model
from relais.assistant.models import Conversation, Exchange
from relais.helpdesk.tickets import open_ticket

log, stop = pathlib.Path(LOG), pathlib.Path(STOP)
agent = get_user_model().objects.get(username="agent.test")
while not stop.exists():
    conversation = Conversation.objects.create(user=agent)
    exchange = Exchange.objects.create(
        conversation=conversation, user=agent, question="Question écrite pendant la sauvegarde",
        search_query="q", answer="r", mode="none", confidence=0.1, latency_ms=1.0,
    )
    ticket = open_ticket(agent, title="Écrit pendant la sauvegarde", description="…", service="RH",
                         category="", urgency=3, exchange=None)
    with log.open("a") as out:  # after the commit: every id here is in the database
        out.write(f"{exchange.pk} {ticket.pk}\\n")
    time.sleep(0.02)
"""

# What a restored place holds, as one JSON line.
INVENTORY = """
import json, os, stat
from pathlib import Path
from django.db import connection
from relais.assistant.models import Exchange
from relais.helpdesk.models import Ticket
from relais.knowledge.models import Document
from relais.procedures.models import Run

originals = {d.pk: d.source for d in Document.objects.all()}
check = None
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        check = cursor.execute("PRAGMA integrity_check").fetchone()[0]
print(json.dumps({
    "documents": sorted(originals),
    "exchanges": sorted(Exchange.objects.values_list("pk", flat=True)),
    "tickets": sorted(Ticket.objects.values_list("pk", flat=True)),
    "procedure_runs": sorted(Run.objects.values_list("pk", flat=True)),
    "originals": {
        source: stat.S_IMODE(os.stat(source).st_mode) if Path(source).is_file() else None
        for source in originals.values()
    },
    "integrity": check,
}))
"""


def environment(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
    for name in ("DJANGO_SETTINGS_MODULE", "RELAIS_DATABASE_URL", "DATABASE_URL"):
        env.pop(name, None)  # the product's settings, on the database this test chose
    if database_url:
        env["RELAIS_DATABASE_URL"] = database_url
    return env


def relais(*args: str, data_dir: Path, database_url: str = "", check: bool = True) -> subprocess.CompletedProcess:
    # umask 022, as a shell usually has: what Relais creates must be private whatever the operator's umask.
    return subprocess.run(
        ["sh", "-c", 'umask 022 && exec "$@"', "sh", sys.executable, "-m", "relais.cli", *args],
        env=environment(data_dir, database_url),
        capture_output=True,
        text=True,
        check=check,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def rewrite_manifest(archive: Path, target: Path, **changes) -> None:
    """A copy of archive whose manifest has changes: a backup from another engine or a newer version."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = source.extractfile(member) if member.isfile() else None
            if member.name == "manifest.json":
                body = json.dumps({**json.loads(data.read()), **changes}).encode()
                member.size, data = len(body), io.BytesIO(body)
            out.addfile(member, data)


def leftovers(data_dir: Path) -> set[str]:
    """What a refused restore left: nothing but the secret key any command generates (no database, no uploads,
    no staging folder)."""
    return {entry.name for entry in data_dir.iterdir()} - {"secret_key"} if data_dir.exists() else set()


# --- Refusals and the archive itself (no embedder: an empty migrated instance) ------------------------------


@pytest.fixture(scope="module")
def empty_backup(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source") / "data"
    relais("migrate", "-v0", data_dir=source)
    original = source / "media" / "documents" / "collection-1" / "note.md"
    original.parent.mkdir(parents=True)
    original.write_text("# Note\n", encoding="utf-8")
    archive = tmp_path_factory.mktemp("backups") / "relais.tar.gz"
    relais("backup", str(archive), data_dir=source)
    return archive


def test_the_archive_is_private_complete_and_alone(empty_backup):
    assert mode(empty_backup) == 0o600  # it holds the secret key
    assert [entry.name for entry in empty_backup.parent.iterdir()] == ["relais.tar.gz"]  # no temporary file left
    with tarfile.open(empty_backup) as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json"
    assert {"database/relais.sqlite3", "media/documents/collection-1/note.md", "secret_key"} <= set(names)
    assert not any(name.startswith(("embedding-cache", "eval-cache", "static")) for name in names)
    manifest = manifest_of(empty_backup)
    assert manifest["engine"] == "sqlite" and manifest["format"] == "relais-backup"
    assert manifest["counts"] == {"documents": 0, "exchanges": 0, "tickets": 0, "procedure_runs": 0}
    assert manifest["migrations"]["knowledge"] == latest_migration("knowledge")


def test_a_folder_as_target_gets_a_dated_archive(empty_backup, tmp_path):
    source = Path(manifest_of(empty_backup)["data_dir"])
    out = relais("backup", str(tmp_path), data_dir=source).stdout
    (written,) = tmp_path.iterdir()
    assert re.fullmatch(r"relais-\d{8}-\d{6}\.tar\.gz", written.name) and str(written) in out


def test_backing_up_no_database_fails_and_writes_nothing(tmp_path):
    result = relais("backup", str(tmp_path / "out" / "b.tar.gz"), data_dir=tmp_path / "none", check=False)
    assert result.returncode == 1 and "no database at" in result.stderr
    assert not any((tmp_path / "out").iterdir())


def test_an_empty_backup_restores_privately(empty_backup, tmp_path):
    target = tmp_path / "restored"
    result = relais("restore", str(empty_backup), data_dir=target)
    assert "0 documents, 0 exchanges, 0 tickets, 0 procedure runs" in result.stdout
    assert mode(target / "relais.sqlite3") == 0o600 and mode(target) == 0o700
    assert mode(target / "media" / "documents" / "collection-1" / "note.md") == 0o600
    assert mode(target / "media" / "documents") == 0o700
    source = Path(manifest_of(empty_backup)["data_dir"])
    assert (target / "secret_key").read_text() == (source / "secret_key").read_text()
    assert not [entry for entry in target.iterdir() if entry.name.startswith(".restore-")]


def test_restore_refuses_a_data_folder_in_use(empty_backup):
    source = Path(manifest_of(empty_backup)["data_dir"])
    result = relais("restore", str(empty_backup), data_dir=source, check=False)
    assert result.returncode == 1 and "is not empty" in result.stderr and "new RELAIS_DATA_DIR" in result.stderr


@pytest.mark.parametrize("damage", ["not an archive", "truncated", "foreign tar"])
def test_restore_refuses_what_is_not_a_whole_backup(empty_backup, tmp_path, damage):
    bad = tmp_path / "bad.tar.gz"
    if damage == "not an archive":
        bad.write_text("ceci n'est pas une sauvegarde\n")
    elif damage == "truncated":
        bad.write_bytes(empty_backup.read_bytes()[: empty_backup.stat().st_size * 2 // 3])
    else:
        with tarfile.open(bad, "w:gz") as tar:
            tar.add(Path(__file__), arcname="test_backup.py")
    target = tmp_path / "restored"
    result = relais("restore", str(bad), data_dir=target, check=False)
    assert result.returncode == 1
    assert re.search(r"not a readable Relais backup, or a truncated one|not a Relais backup", result.stderr)
    assert not leftovers(target)


def test_restore_refuses_a_backup_from_a_newer_version(empty_backup, tmp_path):
    newer = tmp_path / "newer.tar.gz"
    migrations = {**manifest_of(empty_backup)["migrations"], "knowledge": "0099_from_the_future"}
    rewrite_manifest(empty_backup, newer, migrations=migrations, relais_version="9.0.0")
    target = tmp_path / "restored"
    result = relais("restore", str(newer), data_dir=target, check=False)
    assert result.returncode == 1
    assert "newer Relais (9.0.0)" in result.stderr and "knowledge.0099_from_the_future" in result.stderr
    assert not leftovers(target)


def test_restore_refuses_a_backup_of_another_engine(empty_backup, tmp_path):
    foreign = tmp_path / "postgres.tar.gz"
    rewrite_manifest(empty_backup, foreign, engine="postgresql", database="database/relais.dump")
    target = tmp_path / "restored"
    result = relais("restore", str(foreign), data_dir=target, check=False)
    assert result.returncode == 1
    assert "backup of a postgresql database and this Relais uses sqlite" in result.stderr
    assert "set RELAIS_DATABASE_URL" in result.stderr and not leftovers(target)


def test_a_backup_from_an_older_version_restores_then_migrates(tmp_path):
    source = tmp_path / "old"
    relais("migrate", "-v0", data_dir=source)
    relais("migrate", "knowledge", "0001", "-v0", data_dir=source)  # as made by a version before reader_version
    archive = tmp_path / "old.tar.gz"
    relais("backup", str(archive), data_dir=source)
    assert manifest_of(archive)["migrations"]["knowledge"] == "0001_initial"
    target = tmp_path / "restored"
    assert "run `relais migrate`" in relais("restore", str(archive), data_dir=target).stdout
    shown = relais("showmigrations", "knowledge", data_dir=target).stdout
    assert "[ ] 0002_document_reader_version" in shown
    relais("migrate", "-v0", data_dir=target)
    assert "[X] 0002_document_reader_version" in relais("showmigrations", "knowledge", data_dir=target).stdout


# --- A live instance, backed up while it writes, restored elsewhere ------------------------------------------


def inventory(data_dir: Path, database_url: str = "") -> dict:
    out = relais("shell", "-c", INVENTORY, data_dir=data_dir, database_url=database_url).stdout
    return json.loads(out.strip().splitlines()[-1])


def logged_ids(log: Path) -> tuple[set[int], set[int]]:
    pairs = [line.split() for line in log.read_text().splitlines() if line.strip()] if log.exists() else []
    return {int(e) for e, _ in pairs}, {int(t) for _, t in pairs}


def wait_for_more_writes(log: Path, writer: subprocess.Popen, than: int) -> None:
    while len(logged_ids(log)[0]) <= than:
        assert writer.poll() is None, writer.communicate()
        time.sleep(0.05)


def back_up_under_writes(source: Path, archive: Path, database_url: str = "") -> dict:
    """Backup while a writer keeps adding exchanges and tickets; the ids committed before it started."""
    relais("shell", "-c", SETUP, data_dir=source, database_url=database_url)
    log, stop = source.parent / "writes.log", source.parent / "stop"
    code = f"LOG, STOP = {str(log)!r}, {str(stop)!r}\n{WRITER}"
    writer = subprocess.Popen(
        [sys.executable, "-m", "relais.cli", "shell", "-c", code],
        env=environment(source, database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_more_writes(log, writer, than=3)
        before = inventory(source, database_url)  # all committed before the backup starts
        exchanges, tickets = logged_ids(log)  # and the writer's latest commits
        before["exchanges"], before["tickets"] = [*before["exchanges"], *exchanges], [*before["tickets"], *tickets]
        relais("backup", str(archive), data_dir=source, database_url=database_url)
        wait_for_more_writes(log, writer, than=len(logged_ids(log)[0]))  # still writing after the backup ended
    finally:
        stop.touch()
        _, errors = writer.communicate(timeout=60)
    assert writer.returncode == 0, errors
    return before


def assert_restored(before: dict, restored: dict, after: dict, archive: Path, data_dir: Path) -> None:
    counts = manifest_of(archive)["counts"]
    for key in ("documents", "exchanges", "tickets", "procedure_runs"):
        assert set(before[key]) <= set(restored[key]), key  # everything committed before the backup
        assert set(restored[key]) <= set(after[key]), key  # and nothing that never existed
        assert len(restored[key]) == counts[key], key
    assert len(restored["documents"]) == 2 and restored["procedure_runs"] and restored["tickets"]
    # The originals moved with the data folder, private, and the documents point at them.
    assert restored["originals"] and all(
        source.startswith(str(data_dir.resolve()) + "/") and file_mode == 0o600
        for source, file_mode in restored["originals"].items()
    ), restored["originals"]


@pytest.mark.slow  # the setup ingests and asks with the real embedder
def test_a_live_sqlite_instance_backs_up_and_restores_elsewhere(tmp_path):
    source, archive, target = tmp_path / "live" / "data", tmp_path / "backup.tar.gz", tmp_path / "elsewhere" / "data"
    before = back_up_under_writes(source, archive)

    out = relais("restore", str(archive), data_dir=target).stdout
    counts = manifest_of(archive)["counts"]
    assert f"{counts['documents']} documents, {counts['exchanges']} exchanges, {counts['tickets']} tickets" in out
    restored = inventory(target)
    assert restored["integrity"] == "ok"
    assert mode(target / "relais.sqlite3") == 0o600
    assert_restored(before, restored, inventory(source), archive, target)


@pytest.mark.slow  # the setup ingests and asks with the real embedder
@pytest.mark.postgres
def test_a_live_postgresql_instance_backs_up_and_restores_into_an_empty_database(tmp_path):
    source, archive, target = tmp_path / "live" / "data", tmp_path / "backup.tar.gz", tmp_path / "elsewhere" / "data"
    with throwaway_postgres(database="relais") as url:
        relais("migrate", "-v0", data_dir=source, database_url=url)
        before = back_up_under_writes(source, archive, url)
        assert manifest_of(archive)["engine"] == "postgresql"

        socket = parse_qs(urlparse(url).query)["host"][0]
        subprocess.run(["createdb", "-h", socket, "-U", "relais", "restored"], check=True, capture_output=True)
        restored_url = url.replace("/relais?", "/restored?")
        out = relais("restore", str(archive), data_dir=target, database_url=restored_url).stdout  # no migrate first
        assert "procedure runs" in out and "run `relais migrate`" not in out
        assert_restored(before, inventory(target, restored_url), inventory(source, url), archive, target)

        again = relais("restore", str(archive), data_dir=tmp_path / "third", database_url=restored_url, check=False)
        assert again.returncode == 1 and "PostgreSQL database 'restored' is not empty" in again.stderr
        assert not leftovers(tmp_path / "third")


def latest_migration(app: str) -> str:
    from django.db.migrations.loader import MigrationLoader

    return max(
        name for label, name in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes() if label == app
    )
