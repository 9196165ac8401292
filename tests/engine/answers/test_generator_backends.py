"""Backends without a server: the openai backend's protocol handling through httpx's MockTransport, the factory,
and the energy estimate. The same backend against a real server: tests/assistant/test_llm_server.py."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from relais.config import Config, ConfigError
from relais.engine.answers.energy import estimate
from relais.engine.answers.generation import (
    GenerationError,
    GeneratorTimeout,
    GeneratorUnavailable,
    MalformedResponse,
    build_answer_prompt,
)
from relais.engine.answers.generator_backends import LlamaCppGenerator, OpenAIGenerator, generator_from_config

PROMPT = build_answer_prompt("Quel est le numéro du service paie ?", [])


def sse(*events: object, done: bool = True) -> bytes:
    lines = [f"data: {json.dumps(e) if not isinstance(e, str) else e}\n\n" for e in events]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def chunk(text: str) -> dict:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


def backend(handler, **options) -> OpenAIGenerator:
    options.setdefault("backoff", 0.0)
    return OpenAIGenerator("http://llm.test/v1/", "modele", transport=httpx.MockTransport(handler), **options)


def event_stream(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": "text/event-stream"})


def test_streamed_chat_completion():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return event_stream(
            b": ping\n\n"
            + sse(
                {"choices": [{"delta": {"role": "assistant"}}]},
                chunk("Le service "),
                chunk("paie [1]."),
                {"choices": []},
            )
        )

    generator = backend(handler, api_key="s3cret")
    assert list(generator.stream(PROMPT)) == ["Le service ", "paie [1]."]
    request = seen[0]
    assert str(request.url) == "http://llm.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer s3cret"
    body = json.loads(request.content)
    assert body["model"] == "modele" and body["stream"] is True and body["temperature"] == 0.0
    assert body["messages"] == [dict(m) for m in PROMPT.messages] and body["max_tokens"] == PROMPT.max_tokens


def test_no_key_no_authorization_header():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return event_stream(sse(chunk("ok")))

    list(backend(handler).stream(PROMPT))
    assert "authorization" not in seen[0].headers


def test_a_server_ignoring_stream_answers_json():
    def handler(request):
        return httpx.Response(200, json={"choices": [{"message": {"role": "assistant", "content": "Réponse [1]."}}]})

    assert list(backend(handler).stream(PROMPT)) == ["Réponse [1]."]


def test_5xx_is_retried_before_the_first_token():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(503, text="overloaded")
        return event_stream(sse(chunk("enfin")))

    assert list(backend(handler, retries=2).stream(PROMPT)) == ["enfin"]
    assert len(calls) == 3


def test_retries_are_bounded():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(502, text="bad gateway")

    with pytest.raises(GeneratorUnavailable, match="after 3 tries"):
        list(backend(handler, retries=2).stream(PROMPT))
    assert len(calls) == 3


def test_connection_errors_are_retried_then_unavailable():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(GeneratorUnavailable, match="ConnectError"):
        list(backend(handler, retries=1).stream(PROMPT))
    assert len(calls) == 2


def test_4xx_is_not_retried():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(401, json={"error": {"message": "invalid api key"}})

    with pytest.raises(MalformedResponse, match="HTTP 401"):
        list(backend(handler).stream(PROMPT))
    assert len(calls) == 1


def test_read_timeout_is_a_timeout():
    def handler(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(GeneratorTimeout):
        list(backend(handler).stream(PROMPT))


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (sse("{not json"), MalformedResponse),
        (sse({"id": "x"}), MalformedResponse),  # no choices
        (sse({"choices": [{"text": "completion API"}]}), MalformedResponse),  # no delta
        (sse({"choices": [{"delta": {"content": 42}}]}), MalformedResponse),
        (sse({"error": {"message": "model overloaded"}}), GenerationError),
    ],
)
def test_malformed_events(body, error):
    with pytest.raises(error):
        list(backend(lambda request: event_stream(body)).stream(PROMPT))


def test_malformed_json_completion():
    with pytest.raises(MalformedResponse, match="not a chat completion"):
        list(backend(lambda request: httpx.Response(200, text="<html>proxy error</html>")).stream(PROMPT))


def test_factory_follows_the_settings(tmp_path, monkeypatch):
    assert generator_from_config(Config()) is None
    monkeypatch.setenv("ALBERT_KEY", "k-123")
    config = Config.from_env(
        {
            "RELAIS_GENERATOR": "openai",
            "RELAIS_LLM_BASE_URL": "https://albert.example/v1",
            "RELAIS_LLM_MODEL": "mistral-small",
            "RELAIS_LLM_API_KEY_ENV": "ALBERT_KEY",
            "RELAIS_LLM_TIMEOUT": "7",
            "RELAIS_LLM_PARAMS_B": "24",
        }
    )
    generator = generator_from_config(config)
    assert isinstance(generator, OpenAIGenerator)
    assert generator.url == "https://albert.example/v1/chat/completions" and generator.params_b == 24
    assert generator.client.headers["authorization"] == "Bearer k-123"
    assert generator.client.timeout.read == 7 and generator.client.timeout.connect == 3
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    local = generator_from_config(Config(generator="llamacpp", llm_model_path=model))
    assert isinstance(local, LlamaCppGenerator) and local.model == "m.gguf"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RELAIS_GENERATOR": "openai"}, "RELAIS_LLM_BASE_URL is required"),
        ({"RELAIS_GENERATOR": "openai", "RELAIS_LLM_BASE_URL": "llm:8080", "RELAIS_LLM_MODEL": "m"}, "http"),
        ({"RELAIS_GENERATOR": "mistral"}, "expected one of"),
        ({"RELAIS_LLM_MODEL_PATH": "/nonexistent/model.gguf"}, "no such file"),
        ({"RELAIS_LLM_TIMEOUT": "0"}, "positive"),
        ({"RELAIS_LLM_RETRIES": "50"}, "0 to 5"),
    ],
)
def test_generator_settings_fail_fast(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_llamacpp_reports_a_missing_model_as_a_generation_error(tmp_path):
    generator = LlamaCppGenerator(Path(tmp_path / "absent.gguf"))
    with pytest.raises(GenerationError):
        list(generator.stream(PROMPT))


def test_energy_estimate_follows_ecologits():
    # 7B model, 100 output tokens: GPU 100 × (8.91e-5 × 7 + 1.43e-3) = 0.20537 Wh; latency 100 × (8.02e-4 × 7 +
    # 2.23e-2) = 2.7914 s → server 2.7914 × 1000 W / 8 / 3600 = 0.096924 Wh; × PUE 1.2 = 0.362752 Wh.
    impact = estimate(100, 7.0, carbon_intensity=81.3)
    assert impact.energy_wh == pytest.approx(0.362752, abs=1e-6)
    assert impact.gco2e == pytest.approx(0.362752 / 1000 * 81.3, abs=1e-6)
    assert estimate(100, 7.0, carbon_intensity=81.3, measured_s=1.0).energy_wh < impact.energy_wh
    assert estimate(100, 70.0, carbon_intensity=81.3).energy_wh > 10 * impact.energy_wh  # two GPUs
    assert estimate(100, 0.0, carbon_intensity=81.3) is None
