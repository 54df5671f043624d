"""One role's model for one run, as the agents ask it: the ModelClient (retried, metered, cached)
with the run's budget checked before each call, structured-output failures turned into the
errors the agents answer by asking again, and the model's check verdict (agents/check.py) saying
which ways of asking it can answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from autodevos.agents.answers import AnswerError, StructuredUnsupported, Usable
from autodevos.agents.budget import Budget
from autodevos.agents.calls import CallOptions, ModelClient, StructuredOutputError, StructuredOutputUnsupported
from autodevos.agents.check import verdict_for
from autodevos.agents.keys import KeySource
from pydantic import BaseModel


class RoleAsk:
    def __init__(self, client: ModelClient, *, check: bool = True, check_timeout: float = 30.0):
        self.client = client
        self.check = check
        self.check_timeout = check_timeout
        self._usable: Usable | None = None

    async def usable(self) -> Usable:
        """The ways this model can be asked, from its check (run once per model and kept in the run
        database); every way when there is no verdict. A model that only does tool calling is asked
        for structured output through a forced tool call."""
        if self._usable is not None:
            return self._usable
        if not self.check:
            self._usable = Usable()
            return self._usable
        client = self.client
        verdict, _ = await verdict_for(client.endpoint.spec, client.endpoint.base_url, client.db_path,
                                       timeout=self.check_timeout, replay=client.options.replay, keys=client.options.keys)
        if verdict is None:
            self._usable = Usable()
            return self._usable
        if verdict.method and verdict.method != client.options.structured_method:
            client.options = replace(client.options, structured_method=verdict.method)
        modes = tuple(m for m in ("structured", "text") if m in verdict.modes)
        self._usable = Usable(modes, "" if modes == ("structured", "text") else f"model check: {verdict.line}")
        return self._usable

    async def structured(self, messages: Any, schema: type[BaseModel], *, role: str, task_id: str) -> BaseModel:
        try:
            return await self.client.structured(messages, schema, role=role, task_id=task_id)
        except StructuredOutputUnsupported as exc:
            raise StructuredUnsupported(str(exc)) from None
        except StructuredOutputError as exc:  # the cause only: a re-ask reads the same on a cache hit
            raise AnswerError(exc.cause, exc.answer or None) from None

    async def text(self, messages: Any, *, role: str, task_id: str) -> str:
        return await self.client.text(messages, role=role, task_id=task_id)

    async def aclose(self) -> None:
        await self.client.aclose()


def role_ask(model: str, base_url: str | None, db_path: str, thread_id: str, *, cache: bool, replay: bool,
             timeout: float, prices: dict[str, list[float]], budget: Budget, streaming: bool = False,
             check: bool = True, keys: KeySource | None = None) -> RoleAsk:
    """The client of one role. The budget is checked before every call the cache cannot answer
    (a cached answer costs nothing, so a resumed or replayed run never pauses for it). `check`:
    use the model's check verdict (checking the model once when the run database has none). `keys`:
    where the API key is kept (agents/keys.py; None: OPENAI_API_KEY)."""

    async def check_budget(client: ModelClient) -> None:
        if budget.max_tokens_total or budget.max_cost:
            spent = (await client.totals()).run
            budget.check(spent.total_tokens, spent.cost)

    options = CallOptions(cache=cache, replay=replay, timeout=timeout, streaming=streaming, before_network=check_budget,
                          prices={name: (p[0], p[1]) for name, p in prices.items()}, keys=keys)
    return RoleAsk(ModelClient(model, db_path, thread_id, base_url=base_url, options=options), check=check,
                   check_timeout=min(timeout, 60.0))
