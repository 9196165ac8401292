"""The `relais` command, run as a real subprocess on a fresh data folder."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from relais.cli import COMMANDS
from tests.embedding_cache import seed_from_the_session

DOCS = Path(__file__).resolve().parents[2] / "docs"


def relais(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "relais.cli", *args], env=env, capture_output=True, text=True, check=check
    )


def test_top_level_help_lists_the_commands(tmp_path):
    out = relais("--help", data_dir=tmp_path).stdout
    assert all(name in out for name in COMMANDS)


@pytest.mark.parametrize(
    "command",
    [
        ["ingest"],
        ["search"],
        ["warm"],
        ["ask"],
        ["faq"],
        ["faq", "load"],
        ["demo"],
        ["eval"],
        ["eval", "retrieval"],
        ["eval", "answers"],
        ["answers", "fit"],
        ["serve"],
        ["users", "load"],
        ["users", "accept-charter"],
        ["token", "create"],
        ["helpdesk", "deliver"],
        ["worker"],
        ["purge"],
        ["grounding", "check"],
        ["pii", "scan"],
        ["insights", "import-baseline"],
        ["insights", "gaps"],
        ["simulate"],
        ["report"],
        ["procedures", "load"],
        ["procedures", "list"],
    ],
)
def test_each_command_has_help(tmp_path, command):
    out = relais(*command, "--help", data_dir=tmp_path).stdout
    assert out.startswith("usage:") and "--help" in out


def test_every_command_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^## `relais (\w+)`", text, flags=re.MULTILINE)) == set(COMMANDS)


@pytest.mark.slow  # the subprocess embeds with the real model
def test_ingest_then_search_on_an_empty_data_folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "imprimantes.md").write_text(
        "# Imprimantes\n\n## Ajouter une imprimante\n\nDepuis le poste, ouvrez « Imprimantes » et choisissez "
        "la file d'impression de votre étage.\n",
        encoding="utf-8",
    )
    (docs / "note.xlsx").write_bytes(b"PK\x03\x04")
    data = tmp_path / "data"  # does not exist yet: the command creates and migrates it
    result = relais("ingest", str(docs), "--collection", "dsi", "--service", "DSI", data_dir=data)
    assert "1 added, 0 updated, 0 unchanged, 0 removed, 1 failed" in result.stdout
    assert re.search(r"FAILED .*note\.xlsx \[unsupported_type\]: note\.xlsx: file type '\.xlsx'", result.stdout)
    again = relais("ingest", str(docs), "--collection", "dsi", data_dir=data)
    assert "0 added, 0 updated, 1 unchanged" in again.stdout
    found = relais("search", "ajouter une imprimante", "-k", "1", data_dir=data).stdout
    assert found.startswith("1. [") and "Imprimantes › Ajouter une imprimante" in found


def test_ingest_reports_a_missing_path(tmp_path):
    result = relais("ingest", str(tmp_path / "absent"), "--collection", "x", data_dir=tmp_path, check=False)
    assert result.returncode != 0 and "Not found:" in result.stderr


def write_beir(folder: Path) -> None:
    (folder / "qrels").mkdir(parents=True)
    corpus = [
        {"_id": "d1", "title": "Congés annuels", "text": "Chaque agent a droit à cinq semaines de congés."},
        {"_id": "d2", "title": "Mot de passe", "text": "Le mot de passe se change dans le portail."},
        {"_id": "d3", "title": "Cantine", "text": "Le restaurant administratif ouvre à midi."},
    ]
    queries = [
        {"_id": "q1", "text": "combien de jours de congés"},
        {"_id": "q2", "text": "changer mot de passe"},
    ]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in corpus))
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in queries))
    (folder / "qrels" / "dev.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")


@pytest.mark.slow  # the subprocess embeds with the real model
@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_eval_retrieval_prints_metrics_and_a_final_json_line(tmp_path, mode):
    write_beir(tmp_path / "beir")
    args = ("eval", "retrieval", "--beir", str(tmp_path / "beir"), "--split", "dev", "--mode", mode)
    first = relais(*args, data_dir=tmp_path / "data").stdout
    result = json.loads(first.strip().splitlines()[-1])
    assert {"ndcg@10", "recall@10", "mrr@10", "p50_ms", "p95_ms", "queries"} <= set(result)
    assert result["queries"] == 2 and result["ndcg@10"] == 1.0 and result["mode"] == mode
    assert "3 passages (6 texts embedded" in first  # 3 passages + 3 titles
    second = relais(*args, data_dir=tmp_path / "data").stdout
    assert "3 passages (0 texts embedded" in second


def test_eval_reports_a_missing_split(tmp_path):
    write_beir(tmp_path / "beir")
    result = relais(
        "eval",
        "retrieval",
        "--beir",
        str(tmp_path / "beir"),
        "--split",
        "test",
        data_dir=tmp_path,
        check=False,
    )
    assert result.returncode != 0 and "split 'test'" in result.stderr


def test_bad_configuration_is_reported_without_a_traceback(tmp_path):
    env = {**os.environ, "RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SEARCH_ALPHA": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "relais.cli", "search", "x"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "relais: configuration error: RELAIS_SEARCH_ALPHA=3.0: expected a number between 0 and 1"
    )


DEMO = Path(__file__).resolve().parents[2] / "demo"


@pytest.mark.slow  # the whole demo, embedded with the real model
def test_demo_then_ask_json_and_eval_answers(tmp_path):
    data = tmp_path / "data"
    seed_from_the_session(data)
    loaded = relais("demo", "--folder", str(DEMO), data_dir=data).stdout
    assert "0 failed" in loaded and "FAQ entries loaded into 'demo-agents'" in loaded
    line = relais("ask", "mon mot de passe a expiré, comment le changer ?", "--json", data_dir=data).stdout
    assert len(line.strip().splitlines()) == 1
    payload = json.loads(line)
    assert payload["mode"] in {"faq", "extractive"} and payload["confidence"] > 0
    assert payload["citations"][0]["document"].startswith("Mots de passe")
    assert {"document", "section", "text"} <= set(payload["citations"][0])
    abstention = json.loads(relais("ask", "Qui a gagné le match de foot hier ?", "--json", data_dir=data).stdout)
    assert abstention["mode"] == "none" and abstention["citations"] == [] and abstention["contact"]
    unsure = relais("ask", "Le billet de train est-il remboursé en première classe ?", data_dir=data).stdout
    assert "À vérifier : cette réponse ne correspond peut-être pas" in unsure and "Contact : " in unsure
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        '- question: "Comment fonctionne le compte épargne-temps ?"\n  expected: compte-epargne-temps.md\n'
        '- question: "Quel temps fera-t-il samedi ?"\n  expected: none\n',
        encoding="utf-8",
    )
    report = json.loads(relais("eval", "answers", str(questions), data_dir=data).stdout.strip().splitlines()[-1])
    assert report["questions"] == 2 and report["correct_source_first"] == 1.0 and report["correct_abstention"] == 1.0


def test_pii_scan_prints_one_json_object_per_line(tmp_path):
    env = {**os.environ, "RELAIS_DATA_DIR": str(tmp_path), "PYTHONIOENCODING": "utf-8"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    lines = "Mon NIR : 1 85 05 78 006 084 91\n\nposte 4321, ticket 2026110412\nécrire à c.martin@ville-exemple.fr\n"
    result = subprocess.run(
        [sys.executable, "-m", "relais.cli", "pii", "scan"],
        input=lines,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"spans": [{"type": "nir", "start": 10, "end": 31}]},
        {"spans": []},
        {"spans": []},
        {"spans": [{"type": "email", "start": 9, "end": 34}]},
    ]


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for init to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.slow  # `relais serve` loads the real model at start
def test_serve_stops_its_worker_when_it_stops(tmp_path):
    import signal
    import time

    from tests.processes import free_port, wait_for_http

    port = free_port()
    env = {**os.environ, "RELAIS_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen([sys.executable, "-m", "relais.cli", "serve", "--port", str(port)], env=env)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/connexion/", server)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 1, "relais serve starts one worker"
        worker = int(children[0])
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        for _ in range(40):
            if not _running(worker):
                break
            time.sleep(0.5)
        else:
            os.kill(worker, signal.SIGKILL)
            raise AssertionError("the worker outlived relais serve")
    finally:
        if server.poll() is None:
            server.kill()
