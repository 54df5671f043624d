"""One role's model for one run, as the agents ask it: the ModelClient (retried, metered, cached)
with the run's budget checked before each call, and structured-output failures turned into the
errors the agents answer by asking again."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agents.budget import Budget
from agents.calls import CallOptions, ModelClient, StructuredOutputError, StructuredOutputUnsupported
from agents.model_agents import AnswerError, StructuredUnsupported


class RoleAsk:
    def __init__(self, client: ModelClient, budget: Budget):
        self.client = client
        self.budget = budget

    async def _check(self) -> None:
        if self.budget.max_tokens_total or self.budget.max_cost:
            spent = (await self.client.totals()).run
            self.budget.check(spent.total_tokens, spent.cost)

    async def structured(self, messages: Any, schema: type[BaseModel], *, role: str, task_id: str) -> BaseModel:
        await self._check()
        try:
            return await self.client.structured(messages, schema, role=role, task_id=task_id)
        except StructuredOutputUnsupported as exc:
            raise StructuredUnsupported(str(exc)) from None
        except StructuredOutputError as exc:
            raise AnswerError(str(exc)) from None

    async def text(self, messages: Any, *, role: str, task_id: str) -> str:
        await self._check()
        return await self.client.text(messages, role=role, task_id=task_id)

    async def aclose(self) -> None:
        await self.client.aclose()


def role_ask(model: str, base_url: str | None, db_path: str, thread_id: str, *, cache: bool, replay: bool,
             timeout: float, prices: dict[str, list[float]], budget: Budget) -> RoleAsk:
    options = CallOptions(cache=cache, replay=replay, timeout=timeout,
                          prices={name: (p[0], p[1]) for name, p in prices.items()})
    return RoleAsk(ModelClient(model, db_path, thread_id, base_url=base_url, options=options), budget)
