"""A subprocess for the chain crash test: start or resume a chain of sleeping tasks."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from autodevos.domain.dag import Plan, Task  # noqa: E402
from autodevos.domain.spec import AppSpec, Entity  # noqa: E402
from autodevos.graph.runner import RunSettings, resume_run, start_run  # noqa: E402

N = 12


async def work(task: Task, spec: AppSpec, ws=None) -> dict[str, str]:
    await asyncio.sleep(0.25)
    return {f"chain/{task.id}.txt": f"{task.id} after {','.join(task.depends_on) or 'nothing'}\n"}


def main() -> None:
    mode, db, out = sys.argv[1], sys.argv[2], sys.argv[3]
    agents = {"worker": work}
    if mode == "start":
        spec = AppSpec(name="chain", title="Chain", entities=[Entity(name="Note")])
        plan = Plan(spec=spec, tasks=[Task(id=f"c{i:02d}", agent="worker", depends_on=[f"c{i - 1:02d}"] if i else []) for i in range(N)])
        settings = RunSettings(request="chain", out_dir=out, db_path=db, plan=plan.model_dump(), force=True)
        result = asyncio.run(start_run(settings, thread_id="chain", agents=agents))
    else:
        result = asyncio.run(resume_run("chain", db, agents=agents))
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
