"""Model providers, chosen by name: 'offline' (no key, no network) or any OpenAI-compatible server.

`chat_model` gives the planner a cached ChatOpenAI; `resolve_model`, `api_key_for` and
`build_chat_model` are the pieces agents/calls.py builds its metered, cached client from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel

if TYPE_CHECKING:
    from autodevos.agents.keys import KeySource


class ModelError(ValueError):
    """An unknown provider or a model that cannot be set up; the message says what to do."""


@dataclass(frozen=True)
class Provider:
    name: str
    base_url: str | None
    needs_key: bool
    help: str


PROVIDERS: dict[str, Provider] = {
    "offline": Provider("offline", None, False, "built-in rules and templates; no key, no network"),
    "openai": Provider("openai", None, True, "OpenAI or any OpenAI-compatible server (--base-url); key from OPENAI_API_KEY"),
    "ollama": Provider("ollama", "http://localhost:11434/v1", False, "a local Ollama server"),
    "vllm": Provider("vllm", "http://localhost:8000/v1", False, "a local vLLM server"),
    "lmstudio": Provider("lmstudio", "http://localhost:1234/v1", False, "a local LM Studio server"),
}

# USD per 1M tokens (input, output) for OpenAI's own API: the standard tier of OpenAI's published
# price list (openai.com/api/pricing) as of 2025-08; cached-input discounts are not modelled.
# Check them before trusting a bill; CallOptions.prices overrides or adds entries.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "o3": (2.00, 8.00),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
}


def parse_model(spec: str) -> tuple[Provider, str]:
    """'offline' | 'PROVIDER:MODEL' -> (provider, model name)."""
    spec = (spec or "").strip()
    name, _, model = spec.partition(":")
    provider = PROVIDERS.get(name.lower())
    if provider is None:
        known = ", ".join(f"{p}:MODEL" if p != "offline" else p for p in PROVIDERS)
        raise ModelError(f"unknown model provider {name!r}; use one of: {known}")
    if provider.name != "offline" and not model:
        raise ModelError(f"--model {spec!r} names no model; write it as {provider.name}:MODEL_NAME")
    return provider, model


def check_model(spec: str, base_url: str | None = None, keys: KeySource | None = None) -> None:
    """Fail before a run starts when the model cannot be used (unknown provider, missing key, a key
    source that cannot work). `keys`: where the key is kept (agents/keys.py; None: the environment)."""
    provider, _ = parse_model(spec)
    if provider.name == "offline":
        return
    if keys is not None and keys.kind != "env":
        keys.check()
    elif provider.needs_key and not (base_url or provider.base_url) and not os.environ.get("OPENAI_API_KEY"):
        raise ModelError(f"--model {spec} needs an API key: OPENAI_API_KEY in the environment, --api-key-file, "
                         "--api-key-keyring or api_key_command in --config (or --base-url for a local server)")


@dataclass(frozen=True)
class Endpoint:
    """Where a model spec points: the provider, the model name, and the server (None: OpenAI's API)."""

    provider: Provider
    model: str
    base_url: str | None

    @property
    def spec(self) -> str:
        return f"{self.provider.name}:{self.model}"

    @property
    def server(self) -> str:
        """The server named in messages."""
        return self.base_url or "OpenAI's API"


def resolve_model(spec: str, base_url: str | None = None) -> Endpoint:
    """A model spec (and an optional base URL, which overrides the provider's) -> its Endpoint."""
    provider, model = parse_model(spec)
    if provider.name == "offline":
        raise ModelError("the offline model makes no model calls; choose PROVIDER:MODEL for a model client")
    url = (base_url or provider.base_url or "").strip().rstrip("/") or None
    return Endpoint(provider, model, url)


def api_key_for(endpoint: Endpoint, keys: KeySource | None = None) -> str:
    """The API key from where `keys` says it is kept (None: OPENAI_API_KEY, read now); a placeholder
    for a server of our own choosing that needs none. A file, keyring or command is fetched once per
    process (agents/keys.py)."""
    from autodevos.agents.keys import current_key

    key = current_key(keys)
    if key:
        return key
    if endpoint.base_url:
        return "not-needed"
    raise ModelError(f"--model {endpoint.spec} needs OPENAI_API_KEY in the environment (or --api-key-file, "
                     "--api-key-keyring, api_key_command)")


def price_of(endpoint: Endpoint, prices: dict[str, tuple[float, float]] | None = None) -> tuple[float, float] | None:
    """USD per 1M tokens (in, out) for the endpoint's model, or None when unknown.

    `prices` (model name -> price) comes first; then, for OpenAI models, PRICES, matching a dated
    name ('gpt-4.1-mini-2025-04-14') by its longest known prefix. Local servers cost nothing.
    """
    if prices and endpoint.model in prices:
        return tuple(prices[endpoint.model])  # type: ignore[return-value]
    if endpoint.provider.name in ("ollama", "vllm", "lmstudio"):
        return (0.0, 0.0)
    if endpoint.provider.name == "openai":
        names = [n for n in PRICES if endpoint.model == n or endpoint.model.startswith(n + "-")]
        if names:
            return PRICES[max(names, key=len)]
    return None


def build_chat_model(endpoint: Endpoint, api_key: str, *, timeout: float = 120.0, max_retries: int = 2,
                     streaming: bool = False, temperature: float | None = 0.0, **extra: Any) -> BaseChatModel:
    """A ChatOpenAI for the endpoint. `timeout` bounds each HTTP try (connect, each read, and the
    gap between streamed chunks); the openai SDK retries failed tries `max_retries` times."""
    from langchain_openai import ChatOpenAI

    kwargs: dict[str, Any] = {"temperature": temperature} if temperature is not None else {}
    return ChatOpenAI(model=endpoint.model, base_url=endpoint.base_url, api_key=api_key, timeout=timeout,
                      max_retries=max_retries, streaming=streaming, stream_usage=True,
                      stream_chunk_timeout=timeout, **kwargs, **extra)


@lru_cache(maxsize=16)
def chat_model(spec: str, base_url: str | None = None, timeout: float = 120.0) -> BaseChatModel | None:
    """The chat model for spec, or None for the offline default. The key is read here, never stored."""
    provider, _ = parse_model(spec)
    if provider.name == "offline":
        return None
    endpoint = resolve_model(spec, base_url)
    return build_chat_model(endpoint, api_key_for(endpoint), timeout=timeout, max_retries=2)
