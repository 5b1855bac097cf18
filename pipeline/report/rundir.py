"""What the report reads from a finished run directory, in one place: metrics.json (the run's
figures), search.json (a budget search), firmware/memory_plan.txt (the compiler's arena plan)
and the target profile (budgets, clock)."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UserError


@dataclass(frozen=True)
class Buffer:
    """One arena buffer of the memory plan: bytes [offset, offset + size) from op `first` to op
    `last` (-1: the model input, copied in before the first op)."""
    id: int
    offset: int
    size: int
    first: int
    last: int


@dataclass(frozen=True)
class MemoryPlan:
    arena_bytes: int
    scratch_bytes: int
    scratch_offset: int
    buffers: tuple[Buffer, ...]


@dataclass(frozen=True)
class Run:
    path: Path
    metrics: dict
    search: dict | None
    plan: MemoryPlan | None
    target: object | None       # pipeline.targets.Target, None when the profile is unknown here

    @property
    def name(self) -> str:
        return self.path.name


_HEAD = re.compile(r"arena (\d+) bytes \(scratch (\d+) at (\d+)\)")
_ROW = re.compile(r"\s*(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+)\.\.(-?\d+)\s")


def parse_plan(text: str) -> MemoryPlan | None:
    """planner.Plan.format()'s table back into buffers (the chart below it is not read)."""
    lines = text.splitlines()
    head = _HEAD.match(lines[0]) if lines else None
    if not head:
        return None
    buffers = []
    for ln in lines[2:]:
        if ln.startswith("step"):
            break
        row = _ROW.match(ln)
        if row:
            buffers.append(Buffer(*map(int, row.groups())))
    return MemoryPlan(*map(int, head.groups()), tuple(buffers))


def load(path: Path) -> Run:
    from pipeline import targets
    from pipeline.stages import report
    path = Path(path)
    metrics = report.load(path)          # UserError naming the fix when there is no metrics.json
    search = path / "search.json"
    plan = path / "firmware" / "memory_plan.txt"
    try:
        target = targets.load(metrics["target"])
    except UserError:
        target = None
    return Run(path, metrics, json.loads(search.read_text()) if search.is_file() else None,
               parse_plan(plan.read_text()) if plan.is_file() else None, target)
