"""`relais backup` / `relais restore`: one archive holding the database, the uploaded originals and the secret key.

The archive (tar, gzip-compressed) holds, in this order:

- ``manifest.json``: format, Relais version, database engine, date, the latest applied migration of each app,
  the counts of documents, exchanges, tickets and procedure runs in the dump, the dump's SHA-256, the data folder
  it came from (to move the documents' file paths to the folder restored into);
- ``database/relais.sqlite3`` (SQLite: a consistent copy taken with sqlite3's online backup API while the server
  keeps writing) or ``database/relais.dump`` (PostgreSQL: ``pg_dump --format=custom``, from the same snapshot as
  the manifest's counts);
- the data folder's items listed in DATA_ITEMS: ``media/`` (uploaded originals), ``demo-documents/`` (the demo's
  published files), ``secret_key`` (when generated there) and ``demo-town`` (the demo's settings marker).

Caches (the embedding cache, eval-cache/) and collected static files are rebuilt by Relais and left out.

Nothing is ever half-written: the archive is written to a hidden temporary file next to its target and renamed
when complete; a restore unpacks and checks everything in a hidden folder inside the data folder, then moves it
into place (SQLite), or loads the dump in one transaction (PostgreSQL), before anything else is moved.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

FORMAT = "relais-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_DUMP = "database/relais.sqlite3"
POSTGRES_DUMP = "database/relais.dump"

# What a restore needs from the data folder besides the database. Everything else there is rebuilt by Relais:
# embedding-cache.sqlite3 and eval-cache/ (embeddings, recomputed on demand), static/ (collectstatic).
DATA_ITEMS = ("media", "demo-documents", "secret_key", "demo-town")

# What the manifest counts: (key, app label, model name). Looked up by name, so this module imports no product app.
COUNTED = (
    ("documents", "knowledge", "Document"),
    ("exchanges", "assistant", "Exchange"),
    ("tickets", "helpdesk", "Ticket"),
    ("procedure_runs", "procedures", "Run"),
)

# What a data folder may hold and still be « empty »: what any `relais` command creates on start (the secret key),
# caches, collected static files, a database without tables, and the leftovers of an interrupted restore.
DISPOSABLE = {"secret_key", "embedding-cache.sqlite3", "eval-cache", "static"}
STAGING_PREFIX = ".restore-"

# libpq's connection keywords that Django's OPTIONS may carry, as the environment variables pg_dump reads.
LIBPQ_ENVIRONMENT = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(RuntimeError):
    """A backup or a restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreReport:
    engine: str
    counts: dict[str, int]
    originals_missing: list[str]
    behind: bool  # the backup's schema is older than this version: `relais migrate` brings it up to date


# --- Backup -------------------------------------------------------------------------------------------------


def backup(target: Path) -> tuple[Path, dict[str, Any]]:
    """Write a complete backup archive to target (a file, or a folder to name one in); return it and its manifest."""
    target = _archive_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The staging folder sits next to the target: the dump may be large, and the same disk gets the archive.
    with tempfile.TemporaryDirectory(prefix=".relais-backup-", dir=target.parent) as staging:
        dump = Path(staging) / "dump"
        snapshot = _dump_postgresql(dump) if _uses_postgresql() else _dump_sqlite(dump)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "relais_version": _relais_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": "postgresql" if _uses_postgresql() else "sqlite",
            "database": POSTGRES_DUMP if _uses_postgresql() else SQLITE_DUMP,
            "database_sha256": _sha256(dump),
            "data_dir": str(Path(settings.DATA_DIR).resolve()),
            **snapshot,
        }
        _write_archive(target, manifest, dump)
    return target, manifest


def _archive_path(target: Path) -> Path:
    if target.is_dir():
        return target / f"relais-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"
    return target


def _dump_sqlite(dump: Path) -> dict[str, Any]:
    """A consistent copy of the live database: the online backup API, in one step, reads one snapshot (WAL lets
    the server keep writing meanwhile); the manifest's facts are then read from the copy itself."""
    source_path = Path(settings.DATABASES["default"]["NAME"])
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}: nothing to back up (is RELAIS_DATA_DIR right?)")
    source = sqlite3.connect(source_path, timeout=60)
    copy = sqlite3.connect(dump)
    try:
        source.backup(copy)  # pages=-1: all at once, one read transaction, hence one consistent state
        # A single self-contained file: the copy needs no -wal beside it (Relais turns WAL back on when it opens it).
        copy.execute("PRAGMA journal_mode=DELETE")
        return _snapshot_facts(copy.cursor())
    finally:
        copy.close()
        source.close()
        os.chmod(dump, 0o600)


def _dump_postgresql(dump: Path) -> dict[str, Any]:
    """pg_dump from an exported snapshot, counted in the same snapshot: the manifest describes exactly the dump."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot_id,) = cursor.fetchone()
        facts = _snapshot_facts(cursor)
        _run_postgres_tool(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", f"--file={dump}", "--no-password"],
            "pg_dump",
        )
    os.chmod(dump, 0o600)
    return facts


def _snapshot_facts(cursor: Any) -> dict[str, Any]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations: dict[str, str] = {}
    for app, name in cursor.fetchall():
        migrations[app] = name  # applied in id order: the last one seen is the latest
    return {"migrations": migrations, "counts": _counts(cursor)}


def _counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for key, app_label, model_name in COUNTED:
        table = apps.get_model(app_label, model_name)._meta.db_table
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[key] = cursor.fetchone()[0]
    return counts


def _write_archive(target: Path, manifest: dict[str, Any], dump: Path) -> None:
    """To a hidden temporary file next to target (mode 0600: the archive holds the secret key), renamed at the end."""
    descriptor, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    partial = Path(partial_name)
    try:
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, int(datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(dump, arcname=manifest["database"], filter=_private_member)
            data_dir = Path(settings.DATA_DIR)
            for name in DATA_ITEMS:
                if (data_dir / name).exists():
                    archive.add(data_dir / name, arcname=name, filter=_private_member)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _private_member(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """Plain files and folders only (a link could point outside the data folder), recorded as private."""
    if not (info.isfile() or info.isdir()):
        return None
    info.mode = 0o700 if info.isdir() else 0o600
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


# --- Restore ------------------------------------------------------------------------------------------------


def restore(source: Path) -> RestoreReport:
    """Restore a backup archive into this instance's empty data folder (and empty database, on PostgreSQL)."""
    data_dir = Path(settings.DATA_DIR)
    _refuse_a_non_empty_target(data_dir)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=data_dir))  # same disk: moving is a rename
    try:
        manifest = _unpack(source, staging)
        dump = staging / manifest["database"]
        if _sha256(dump) != manifest["database_sha256"]:
            raise BackupError(f"{source}: the database dump does not match its checksum: the archive is damaged")
        if _uses_postgresql():
            counts = _load_postgresql(dump, manifest, data_dir)
            _move_into_place(staging, data_dir, database=None)
        else:
            counts = _prepare_sqlite(dump, manifest, data_dir)
            _move_into_place(staging, data_dir, database=(dump, Path(settings.DATABASES["default"]["NAME"])))
            connection.close()  # a connection opened before the move would read the file it replaced
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(
        engine=manifest["engine"],
        counts=counts,
        originals_missing=_missing_originals(data_dir),
        behind=_behind(manifest["migrations"]),
    )


def _check_counts(counts: dict[str, int], manifest: Mapping[str, Any]) -> dict[str, int]:
    if counts != manifest["counts"]:
        raise BackupError(f"the restored database holds {counts}, the backup's manifest says {manifest['counts']}")
    return counts


def _unpack(source: Path, staging: Path) -> dict[str, Any]:
    """Read the whole archive into staging, checking its manifest first; any damage stops here."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        with tarfile.open(source, mode="r:*") as archive:
            manifest = _read_manifest(archive, source)
            _check_compatible(manifest, source)
            for member in archive:
                _check_member(member, manifest, source)
                if member.name != MANIFEST:
                    archive.extract(member, staging, filter="data")
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{source}: not a readable Relais backup, or a truncated one ({exc})") from None
    if not (staging / manifest["database"]).is_file():
        raise BackupError(f"{source}: the archive holds no database dump: not a complete Relais backup")
    _make_private(staging)
    return manifest


def _read_manifest(archive: tarfile.TarFile, source: Path) -> dict[str, Any]:
    first = archive.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise BackupError(f"{source}: not a Relais backup (no {MANIFEST} at its start)")
    manifest = json.loads(archive.extractfile(first).read().decode())
    expected = {"format", "format_version", "engine", "database", "database_sha256", "migrations", "counts"}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not expected <= manifest.keys():
        raise BackupError(f"{source}: not a Relais backup (its {MANIFEST} is not one of a Relais backup)")
    if manifest["database"] not in {SQLITE_DUMP, POSTGRES_DUMP}:  # a path joined to the staging folder below
        raise BackupError(f"{source}: not a Relais backup (unexpected database entry {manifest['database']!r})")
    return manifest


def _check_compatible(manifest: Mapping[str, Any], source: Path) -> None:
    if manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(
            f"{source}: made by Relais {manifest.get('relais_version', '?')} in a newer backup format: "
            "restore it with that version of Relais or a later one"
        )
    engine = "postgresql" if _uses_postgresql() else "sqlite"
    if manifest["engine"] != engine:
        hint = (
            "unset RELAIS_DATABASE_URL to restore it into the SQLite database of RELAIS_DATA_DIR"
            if manifest["engine"] == "sqlite"
            else "set RELAIS_DATABASE_URL to an empty PostgreSQL database to restore it"
        )
        raise BackupError(
            f"{source} is a backup of a {manifest['engine']} database and this Relais uses {engine}: {hint}"
        )
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            f"{source} was made by a newer Relais ({manifest.get('relais_version', '?')}): its database has "
            f"migrations this version does not know ({', '.join(unknown)}). Install that version of Relais "
            "or a later one, then restore."
        )


def _unknown_migrations(latest: Mapping[str, str]) -> list[str]:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"{app}.{name}" for app, name in sorted(latest.items()) if (app, name) not in known]


def _behind(latest: Mapping[str, str]) -> bool:
    """Whether this version has migrations the backup's database has not applied (then `relais migrate`)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves = dict(loader.graph.leaf_nodes())
    return any(leaves.get(app) != latest.get(app) for app in leaves)


def _check_member(member: tarfile.TarInfo, manifest: Mapping[str, Any], source: Path) -> None:
    """Only what a backup writes: its manifest, its dump, and files or folders under DATA_ITEMS."""
    top = member.name.split("/", 1)[0]
    allowed = member.name in {MANIFEST, manifest["database"], "database"} or top in DATA_ITEMS
    if not allowed or not (member.isfile() or member.isdir()):
        raise BackupError(f"{source}: unexpected entry {member.name!r}: not a Relais backup")


def _make_private(folder: Path) -> None:
    """The service user alone reads what is restored, whatever modes the archive recorded."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)


def _refuse_a_non_empty_target(data_dir: Path) -> None:
    database = Path(settings.DATABASES["default"]["NAME"]) if not _uses_postgresql() else None
    for entry in data_dir.iterdir():
        if entry.name in DISPOSABLE or entry.name.startswith(STAGING_PREFIX):
            continue
        if database is not None and entry.name.startswith(database.name) and not _has_tables(database):
            continue
        if entry.is_dir() and not any(entry.iterdir()):
            continue
        raise BackupError(
            f"{data_dir} is not empty (it holds {entry.name}): restore into a new RELAIS_DATA_DIR, "
            "or move this one away first"
        )
    if _uses_postgresql() and _has_postgresql_tables():
        name = settings.DATABASES["default"]["NAME"]
        raise BackupError(
            f"the PostgreSQL database {name!r} is not empty: restore into a new, empty database "
            f"(createdb, then point RELAIS_DATABASE_URL at it), or drop and recreate this one first"
        )


def _has_tables(database: Path) -> bool:
    if not database.is_file() or database.stat().st_size == 0:
        return False
    with _closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0


def _has_postgresql_tables() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        return cursor.fetchone()[0] > 0


def _prepare_sqlite(dump: Path, manifest: Mapping[str, Any], data_dir: Path) -> dict[str, int]:
    """Check the unpacked database and point its documents at this data folder; its counts."""
    with _closing(sqlite3.connect(dump)) as db:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"the backup's database is damaged: {'; '.join(problems[:5])}")
        with db:
            _move_document_sources(db.cursor(), manifest.get("data_dir"), data_dir, placeholder="?")
        return _check_counts(_counts(db.cursor()), manifest)


def _load_postgresql(dump: Path, manifest: Mapping[str, Any], data_dir: Path) -> dict[str, int]:
    """pg_restore in one transaction (an error leaves the database empty), then the documents' paths."""
    # --no-owner / --no-privileges: the restoring role owns everything, whichever role made the backup.
    options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--no-password"]
    database = settings.DATABASES["default"]["NAME"]
    _run_postgres_tool(["pg_restore", *options, f"--dbname={database}", str(dump)], "pg_restore")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _move_document_sources(cursor, manifest.get("data_dir"), data_dir, placeholder="%s")
            return _check_counts(_counts(cursor), manifest)
    except BackupError as exc:
        raise BackupError(
            f"{exc}. The database {database!r} now holds this incomplete restore: drop and recreate it before "
            "restoring again"
        ) from None


def _move_document_sources(cursor: Any, old: str | None, data_dir: Path, *, placeholder: str) -> None:
    """A document's source is the absolute path of its original: those under the backed-up data folder (uploads,
    the demo's published files) now live under this one."""
    new = str(data_dir.resolve())
    if not old or old == new:
        return
    document = apps.get_model("knowledge", "Document")
    table, column = document._meta.db_table, document._meta.get_field("source").column
    prefix = old.rstrip("/") + "/"
    p = placeholder
    cursor.execute(
        f'UPDATE "{table}" SET "{column}" = {p} || substr("{column}", {p}) WHERE substr("{column}", 1, {p}) = {p}',
        [new.rstrip("/") + "/", len(prefix) + 1, len(prefix), prefix],
    )


def _move_into_place(staging: Path, data_dir: Path, *, database: tuple[Path, Path] | None) -> None:
    """Renames within one disk; the database goes last, so an interruption leaves no database, hence an « empty »
    data folder that a new restore accepts."""
    for item in staging.iterdir():
        if item.name == "database":
            continue
        target = data_dir / item.name
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        os.replace(item, target)
    if database is not None:
        dump, target = database
        for stale in target.parent.glob(f"{target.name}*"):  # an empty database and its -wal / -shm
            stale.unlink()
        os.replace(dump, target)


def _missing_originals(data_dir: Path) -> list[str]:
    """Documents whose original should be in the data folder and is not: the page could not link to it."""
    document = apps.get_model("knowledge", "Document")
    prefix = str(data_dir.resolve()).rstrip("/") + "/"
    sources = document.objects.filter(source__startswith=prefix).values_list("source", flat=True)
    return [source for source in sources if not Path(source).is_file()]


# --- Shared -------------------------------------------------------------------------------------------------


def _uses_postgresql() -> bool:
    return bool(settings.RELAIS.uses_postgresql)


def postgres_environment(database: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The connection for pg_dump / pg_restore as libpq's environment variables: never the password in argv."""
    database = database or settings.DATABASES["default"]
    env = {**os.environ}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[variable] = str(database[key])
    for key, value in (database.get("OPTIONS") or {}).items():
        if key in LIBPQ_ENVIRONMENT and value:
            env[LIBPQ_ENVIRONMENT[key]] = str(value)
    env["PGDATABASE"] = str(database["NAME"])
    return env


def _run_postgres_tool(command: list[str], name: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (apt-get install postgresql-client)")
    result = subprocess.run(command, env=postgres_environment(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip() or result.stdout.strip()}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _relais_version() -> str:
    try:
        return version("relais")
    except PackageNotFoundError:
        return "unknown"


@contextmanager
def _closing(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield db
    finally:
        with suppress(sqlite3.Error):
            db.close()
