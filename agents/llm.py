"""Model providers, chosen by name: 'offline' (no key, no network) or any OpenAI-compatible server."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from langchain_core.language_models import BaseChatModel


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


def check_model(spec: str, base_url: str | None = None) -> None:
    """Fail before a run starts when the model cannot be used (unknown provider, missing key)."""
    provider, _ = parse_model(spec)
    if provider.needs_key and not (base_url or provider.base_url) and not os.environ.get("OPENAI_API_KEY"):
        raise ModelError(f"--model {spec} needs OPENAI_API_KEY in the environment (or --base-url for a local server)")


@lru_cache(maxsize=16)
def chat_model(spec: str, base_url: str | None = None, timeout: float = 120.0) -> BaseChatModel | None:
    """The chat model for spec, or None for the offline default. The key is read here, never stored."""
    provider, model = parse_model(spec)
    if provider.name == "offline":
        return None
    from langchain_openai import ChatOpenAI

    url = base_url or provider.base_url
    key = os.environ.get("OPENAI_API_KEY") or ("not-needed" if url else None)
    if key is None:
        raise ModelError(f"--model {spec} needs OPENAI_API_KEY in the environment")
    return ChatOpenAI(model=model, base_url=url, api_key=key, timeout=timeout, max_retries=2, temperature=0)
