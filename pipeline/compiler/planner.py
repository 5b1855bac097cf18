"""Static memory plan: every int8 activation gets an offset in one arena.

1. Buffers: tensors that share bytes (RESHAPE aliases) form one buffer.
2. Lifetimes: [first call writing it, last call reading it]; model inputs start at -1 (copied
   in before the first call), model outputs live to the end (copied out after the last).
3. Offsets: greedy by size (largest first, lowest offset that fits), as TFLM's
   GreedyMemoryPlanner; in addition, an output may overlap the input that dies at the same call
   when the kernel's write order allows it (overlap.py), which is where most RAM is saved.
The plan prints as a map (like TFLM's PrintMemoryPlan).
"""

from dataclasses import dataclass, field

ALIGN = 4  # bytes; word alignment for every buffer start


@dataclass(eq=False)
class Buffer:
    id: int
    tensors: list[int]
    size: int
    first: int
    last: int
    offset: int = -1


@dataclass(eq=False)
class Plan:
    buffers: list[Buffer]
    offsets: dict[int, int]           # tensor id -> arena offset
    arena_bytes: int
    scratch_bytes: int                # kernels' scratch: one region at the end of the arena,
    scratch_offset: int               # shared by every call (ops run one at a time)
    overlaps: list[tuple[int, int, int]] = field(default_factory=list)  # (in buf, out buf, d) used
    names: dict[int, str] = field(default_factory=dict)

    def format(self, width: int = 64) -> str:
        """A table of buffers and a chart: one row per call, one column per arena slice."""
        lines = [f"arena {self.arena_bytes} bytes (scratch {self.scratch_bytes} at {self.scratch_offset}), "
                 f"{len(self.buffers)} buffers, {len(self.overlaps)} overlapped in/out pairs",
                 f"{'buf':>4} {'offset':>8} {'size':>8} {'life':>9}  tensors"]
        for b in sorted(self.buffers, key=lambda b: (b.offset, b.id)):
            names = ", ".join(self.names.get(t, str(t)) for t in b.tensors)
            lines.append(f"{b.id:>4} {b.offset:>8} {b.size:>8} {b.first:>4}..{b.last:<4} {names}")
        if not self.buffers or self.arena_bytes == 0:
            return "\n".join(lines)
        steps = range(min(b.first for b in self.buffers), max(b.last for b in self.buffers) + 1)
        scale = self.arena_bytes / width
        lines.append(f"step |{'0':<{width - len(str(self.arena_bytes))}}{self.arena_bytes}|")
        for s in steps:
            row = ["."] * width
            for b in self.buffers:
                if b.first <= s <= b.last:
                    lo, hi = int(b.offset / scale), max(int((b.offset + b.size - 1) / scale), int(b.offset / scale))
                    for c in range(lo, min(hi + 1, width)):
                        row[c] = "*" if row[c] != "." else "0123456789abcdefghijklmnopqrstuvwxyz"[b.id % 36]
            lines.append(f"{s:>4} |{''.join(row)}|")
        return "\n".join(lines)


def _align_up(x: int) -> int:
    return (x + ALIGN - 1) // ALIGN * ALIGN


def _align_down(x: int) -> int:
    return x // ALIGN * ALIGN


def plan(program) -> Plan:
    g, calls = program.graph, program.calls
    end = len(calls)
    external = set()      # float edge tensors live in the caller's in/out buffers
    for t in (*program.inputs, *program.outputs):
        if g.tensors[t].dtype == "FLOAT32":
            external.add(t)

    parent: dict[int, int] = {}

    def find(t):
        while parent.get(t, t) != t:
            t = parent[t]
        return t
    for c in calls:
        if c.alias:
            parent[find(c.outputs[0])] = find(c.inputs[0])

    first, last = {}, {}

    def touch(t, step):
        if not isinstance(t, int) or t in external:
            return
        r = find(t)
        first[r] = min(first.get(r, step), step)
        last[r] = max(last.get(r, step), step)
    for t in program.inputs:
        touch(t, -1)
    for i, c in enumerate(calls):
        for t in (*c.inputs, *c.outputs):
            touch(t, i)
    for t in program.outputs:
        touch(t, end)

    members: dict[int, list[int]] = {}
    for t in sorted({t for c in calls for t in (*c.inputs, *c.outputs) if isinstance(t, int)}
                    | set(program.inputs) | set(program.outputs)):
        if t not in external:
            members.setdefault(find(t), []).append(t)
    buffers = {r: Buffer(i, ts, _align_up(max(g.tensors[t].nbytes for t in ts)), first[r], last[r])
               for i, (r, ts) in enumerate(sorted(members.items()))}

    # (in buffer id, out buffer id) -> largest allowed out.offset - in.offset
    rel: dict[tuple[int, int], int] = {}
    for i, c in enumerate(calls):
        for t_in, d in c.overlap.items():
            if t_in in external or not c.outputs or c.outputs[0] in external:
                continue
            b_in, b_out = buffers[find(t_in)], buffers[find(c.outputs[0])]
            if b_in is not b_out and b_in.last == i and b_out.first == i:
                rel[(b_in.id, b_out.id)] = _align_down(d)

    # Offsets may go negative while placing (an output that must sit below its input), and the
    # arena is shifted to start at 0 afterwards; each buffer takes the candidate offset that
    # keeps the total extent smallest, then the lowest.
    placed: list[Buffer] = []
    lo = hi = 0
    for b in sorted(buffers.values(), key=lambda b: (-b.size, b.first, b.id)):
        live = [p for p in placed if p.first <= b.last and b.first <= p.last]
        cands = {0, lo, hi - b.size, lo - b.size, hi}
        for p in live:
            cands |= {_align_up(p.offset + p.size), p.offset - b.size}
            if (p.id, b.id) in rel:
                cands.add(p.offset + rel[(p.id, b.id)])
            if (b.id, p.id) in rel:
                cands.add(p.offset - rel[(b.id, p.id)])

        def fits(x):
            for p in live:
                if x + b.size <= p.offset or p.offset + p.size <= x:
                    continue
                if (p.id, b.id) in rel and x - p.offset <= rel[(p.id, b.id)]:
                    continue
                if (b.id, p.id) in rel and p.offset - x <= rel[(b.id, p.id)]:
                    continue
                return False
            return True
        ok = [x for x in cands if fits(x)]
        b.offset = min(ok, key=lambda x: (max(hi, x + b.size) - min(lo, x), x))
        lo, hi = min(lo, b.offset), max(hi, b.offset + b.size)
        placed.append(b)
    for b in placed:
        b.offset -= lo

    used = []
    for (i, o), d in sorted(rel.items()):
        bi = next(b for b in buffers.values() if b.id == i)
        bo = next(b for b in buffers.values() if b.id == o)
        if not (bo.offset + bo.size <= bi.offset or bi.offset + bi.size <= bo.offset):
            used.append((i, o, bo.offset - bi.offset))
    offsets = {t: buffers[find(t)].offset for r in members for t in members[r]}
    arena = max((b.offset + b.size for b in buffers.values()), default=0)
    scratch = max((c.scratch_bytes for c in calls), default=0)
    names = {t: g.tensors[t].name for t in offsets}
    return Plan(sorted(buffers.values(), key=lambda b: b.id), offsets,
                _align_up(arena) + _align_up(scratch), _align_up(scratch), _align_up(arena), used, names)
