"""One role's model for one run, as the agents ask it: the ModelClient (retried, metered, cached)
with the run's budget checked before each call, and structured-output failures turned into the
errors the agents answer by asking again."""

from __future__ import annotations

from typing import Any

from autodevos.agents.answers import AnswerError, StructuredUnsupported
from autodevos.agents.budget import Budget
from autodevos.agents.calls import CallOptions, ModelClient, StructuredOutputError, StructuredOutputUnsupported
from pydantic import BaseModel


class RoleAsk:
    def __init__(self, client: ModelClient):
        self.client = client

    async def structured(self, messages: Any, schema: type[BaseModel], *, role: str, task_id: str) -> BaseModel:
        try:
            return await self.client.structured(messages, schema, role=role, task_id=task_id)
        except StructuredOutputUnsupported as exc:
            raise StructuredUnsupported(str(exc)) from None
        except StructuredOutputError as exc:
            raise AnswerError(str(exc), exc.answer or None) from None

    async def text(self, messages: Any, *, role: str, task_id: str) -> str:
        return await self.client.text(messages, role=role, task_id=task_id)

    async def aclose(self) -> None:
        await self.client.aclose()


def role_ask(model: str, base_url: str | None, db_path: str, thread_id: str, *, cache: bool, replay: bool,
             timeout: float, prices: dict[str, list[float]], budget: Budget, streaming: bool = False) -> RoleAsk:
    """The client of one role. The budget is checked before every call the cache cannot answer
    (a cached answer costs nothing, so a resumed or replayed run never pauses for it)."""

    async def check_budget(client: ModelClient) -> None:
        if budget.max_tokens_total or budget.max_cost:
            spent = (await client.totals()).run
            budget.check(spent.total_tokens, spent.cost)

    options = CallOptions(cache=cache, replay=replay, timeout=timeout, streaming=streaming, before_network=check_budget,
                          prices={name: (p[0], p[1]) for name, p in prices.items()})
    return RoleAsk(ModelClient(model, db_path, thread_id, base_url=base_url, options=options))
