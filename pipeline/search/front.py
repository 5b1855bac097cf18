"""Pareto fronts of the trained candidates: validation accuracy against each cost.

A candidate is on the front for a cost when no other trained candidate is at least as accurate
and at most as costly with one of the two strictly better. Candidates halving stopped early were
trained on fewer samples: their accuracy is a lower bound, so the front is the search's view, not
a final ranking.
"""

COSTS = ("instructions", "ram_bytes", "flash_bytes")


def front(points: list[tuple[str, float, int]]) -> list[str]:
    """points (name, accuracy, cost) -> names on the front, cheapest first."""
    out = []
    for name, acc, cost in points:
        dominated = any(a >= acc and c <= cost and (a > acc or c < cost) for n, a, c in points if n != name)
        if not dominated:
            out.append((cost, -acc, name))
    return [name for _, _, name in sorted(out)]


def fronts(rows: list[dict]) -> dict:
    """rows as in search.json's candidates -> {cost: [names on its front]} over the trained ones."""
    trained = [r for r in rows if r.get("val_accuracy") is not None]
    return {k: front([(r["name"], r["val_accuracy"], r["cost"][k]) for r in trained]) for k in COSTS}
