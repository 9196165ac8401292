"""The database (live session keys), the uploads and the secret key are readable by the service user only."""

import os
import stat
import subprocess
import sys

from django.core.files.uploadedfile import SimpleUploadedFile

from relais.knowledge.models import Collection
from relais.knowledge.uploads import store_and_ingest, upload_folder


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_relais(data_dir, *args):
    # umask 022, as a shell usually has: the rule must not depend on the operator's umask.
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the product's settings, not the tests'
    command = f"umask 022 && {sys.executable} -m relais.cli {' '.join(args)}"
    subprocess.run(["sh", "-c", command], env=env, check=True, capture_output=True)


def test_a_new_data_folder_is_private(tmp_path):
    data = tmp_path / "data"
    run_relais(data, "migrate", "-v0")
    assert mode(data) == 0o700
    assert mode(data / "relais.sqlite3") == 0o600
    assert mode(data / "secret_key") == 0o600


def test_a_database_created_readable_by_all_is_tightened_at_start(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "relais.sqlite3").touch(mode=0o644)
    os.chmod(data / "relais.sqlite3", 0o644)
    run_relais(data, "migrate", "-v0")
    assert mode(data) == 0o700 and mode(data / "relais.sqlite3") == 0o600


def test_an_uploaded_original_is_private(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    previous = os.umask(0o022)
    try:
        collection = Collection.objects.create(name="RH", audience="agents", service="RH")
        summary = store_and_ingest(collection, [SimpleUploadedFile("guide.md", b"# Guide\n\nUn paragraphe.")])
    finally:
        os.umask(previous)
    assert summary.added
    assert mode(upload_folder(collection) / "guide.md") == 0o600
