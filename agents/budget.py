"""The run's model budget: tokens and cost. Pure: totals in, a verdict out."""

from __future__ import annotations

from dataclasses import dataclass


class BudgetReached(RuntimeError):
    """The run used its budget; the run pauses for a person to raise it (not a task failure)."""


@dataclass(frozen=True)
class Budget:
    max_tokens_total: int = 0
    """0: no limit."""
    max_cost: float = 0.0
    """USD; 0: no limit."""

    def reached(self, tokens: int, cost: float) -> str | None:
        """Why no further call may be made, or None."""
        if self.max_tokens_total and tokens >= self.max_tokens_total:
            return f"token budget reached: {tokens:,} of {self.max_tokens_total:,} tokens used"
        if self.max_cost and cost >= self.max_cost:
            return f"cost budget reached: ${cost:.4f} of ${self.max_cost:.4f} spent"
        return None

    def check(self, tokens: int, cost: float) -> None:
        why = self.reached(tokens, cost)
        if why:
            raise BudgetReached(why)
