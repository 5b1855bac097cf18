"""The search: cost every candidate, drop those over budget, halve the rest on the validation
split, and return search.json's document with the chosen student.

    candidates (space.py) -> measured cost (cost.py, cached) -> budget.over -> halving.halve
        -> finals.final (the halving's winner and the recipe's student, whole schedule)
        -> chosen + Pareto fronts (front.py)
"""

from pipeline.errors import UserError
from pipeline.search import budget as budgets
from pipeline.search import cost as costs
from pipeline.search import finals, front, halving, space


def _line(i: int, n: int, cand, cost: dict, ms, why: list[str], hit: bool) -> str:
    est = f" (~{ms:.2f} ms est.)" if ms is not None else ""
    verdict = "fits" if not why else "over budget: " + "; ".join(why)
    return (f"[search  ] {i}/{n} {cand.name}: RAM {cost['ram_bytes']:,} B, flash {cost['flash_bytes']:,} B, "
            f"{cost['instructions']:,} instr{est}: {verdict}{' (cached cost)' if hit else ''}")


def _smallest(rows: list[dict], b) -> dict:
    """The candidate nearest to fitting: the smallest worst ratio of a figure to its limit."""
    def worst(r):
        c = r["cost"]
        ratios = [c["ram_bytes"] / b.ram_bytes, c["flash_bytes"] / b.flash_bytes]
        if b.latency_ms is not None:
            ratios.append(c["latency_ms_estimate"] / b.latency_ms)
        return max(ratios)
    return min(rows, key=worst)


def _impossible(rows: list[dict], b, target) -> UserError:
    s = _smallest(rows, b)
    c = s["cost"]
    limit = f"RAM <= {b.ram_bytes:,} B, flash <= {b.flash_bytes:,} B" + (
        f", latency <= {b.latency_ms:g} ms" if b.latency_ms is not None else "")
    need = f"RAM {c['ram_bytes']:,} B, flash {c['flash_bytes']:,} B" + (
        f", ~{c['latency_ms_estimate']:.2f} ms" if c["latency_ms_estimate"] is not None else "")
    return UserError(f"no candidate student fits {limit} on {target.name} (of {len(rows)}); the smallest, "
                     f"{s['name']}, needs {need}",
                     "raise the budget to at least those figures, or choose a target with more memory")


def measure(recipe, target, cfg: budgets.BudgetConfig, splits, echo) -> tuple:
    """Every candidate's cost, one progress line each; exit 2 when none fits. No training: run.py
    calls this before the teacher trains. -> (budget, candidates, rows as in search.json)"""
    if splits.task != "classification":
        raise UserError(f"the budget search ranks classifiers by accuracy; this data set is {splits.task}",
                        "drop --budget / [budget] and pick the student in the recipe")
    if recipe.student.path:
        raise UserError("--student and a budget both choose the student",
                        "drop --budget / [budget] to keep your student, or drop --student to search")
    b = budgets.resolve(cfg, target)
    cands = space.candidates(splits.input_shape, recipe.student, quick=cfg.space == "quick")
    if not cands:
        raise UserError(f"no student family for inputs of shape {splits.input_shape}",
                        "drop --budget / [budget] and pick the student in the recipe")
    rows = []
    for i, cand in enumerate(cands, 1):
        cost, hit = costs.measure(cand, splits.input_shape, splits.num_classes, target)
        ms = b.latency_of(cost["instructions"])
        why = b.over(cost)
        echo(_line(i, len(cands), cand, cost, ms, why, hit))
        rows.append({"name": cand.name, **cand.as_dict(), "cost": {**cost, "latency_ms_estimate": ms},
                     "fits": not why, "dropped": ("over budget: " + "; ".join(why)) if why else None,
                     "val_accuracy": None, "trained_samples": 0})
    if not any(r["fits"] for r in rows):
        raise _impossible(rows, b, target)
    return b, cands, rows


def search(recipe, target, cfg: budgets.BudgetConfig, splits, teacher_loader, echo, measured=None):
    """-> (search.json's document, the chosen student distilled with the recipe's whole schedule:
    the distill stage's model). `splits`: what the student trains on (kd_splits);
    `teacher_loader()`: the teacher; `measured`: measure()'s result if it already ran."""
    b, cands, rows = measured or measure(recipe, target, cfg, splits, echo)
    fit = sorted((i for i, r in enumerate(rows) if r["fits"]), key=lambda i: rows[i]["cost"]["instructions"])
    echo(f"[search  ] {len(fit)} of {len(rows)} candidates fit; successive halving on the validation split")
    teacher = teacher_loader()
    won, results = halving.halve([cands[i] for i in fit], teacher, splits, recipe.distill, recipe.seed, echo)
    for j, i in enumerate(fit):
        r = results[j]
        rows[i].update(val_accuracy=r["val_accuracy"], trained_samples=r["trained_samples"],
                       val_accuracy_by_rung=r["rungs"])
        if j != won:
            rows[i]["dropped"] = f"successive halving: lost at rung {r['stopped_at_rung']}"
    # the recipe's student (candidate 0, space.candidates) joins the final when it fits
    final = sorted({fit[won]} | ({0} & set(fit)), key=lambda i: rows[i]["cost"]["instructions"])
    echo(f"[search  ] final: {' vs '.join(rows[i]['name'] for i in final)}, each with the whole "
         "distillation schedule")
    best, accuracy, model = finals.final([cands[i] for i in final], teacher, splits, recipe.distill,
                                         recipe.seed, echo)
    for j, i in enumerate(final):
        rows[i]["final_val_accuracy"] = accuracy[j]
        if j != best:
            rows[i]["dropped"] = (f"final: val accuracy {accuracy[j]:.2%} < {accuracy[best]:.2%} "
                                  "after the whole schedule")
        else:
            rows[i]["dropped"] = None
    chosen = rows[final[best]]
    doc = {"target": target.name, "budget": b.as_dict(),
           "schedule": {"method": "successive halving, then a final", "share_of_distill_schedule": halving.SEARCH_SHARE,
                        "final": "the halving's winner and the recipe's student (when it fits), each with "
                                 "the whole distill schedule",
                        "metric": "validation accuracy", "space": cfg.space},
           "chosen": {"name": chosen["name"], "arch": chosen["arch"], "kwargs": chosen["kwargs"],
                      "cost": chosen["cost"], "val_accuracy": chosen["final_val_accuracy"]},
           "candidates": rows, "pareto": front.fronts(rows)}
    return doc, model
