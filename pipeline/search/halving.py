"""Successive halving (Jamieson & Talwalkar 2016; Hyperband's inner loop) over the candidates that
fit the budget: every survivor is distilled from the teacher on a fresh slice of the training
split, scored on the validation split, and the better half goes on to the next rung with more
samples each, until one is left.

Budget: the halving trains SEARCH_SHARE x the recipe's own distillation schedule ([distill]
epochs x the training split), split evenly over the ceil(log2 n) rungs and, within a rung, over its
survivors: with 16 candidates, 4 rungs of 16, 8, 4, 2 models, each rung an eighth of the schedule.
So the halving costs about half a distillation, whatever n is, and a rung's survivors each see
twice the samples of the rung before. Half, not more: the halving only finds the challenger, and
the final (finals.py: the halving's winner and the recipe's student, each with the whole schedule)
decides; together they stay within about two distillations. Halving stops when one is left: it
is not trained further here. A model keeps its weights from rung to rung (a new optimizer and
cosine schedule each rung). The test split is never looked at.

A rung drops only what it can tell apart: a candidate of the worse half goes only if its val
accuracy is more than 2 standard errors (binomial, over the validation split) below the rung's
best. Early rungs on a slow-learning task leave every student near chance (measured: kws at a 5 ms
budget, 8 candidates of ~3,300 samples each at rung 0, the recipe's own ds-cnn at 10.0 %, chance
8.3 %): there the ranking is noise, so nobody is dropped and all train on at the next rung. The
rungs are the plan's ceil(log2 n), whatever is dropped (each rung costs about the same, so the
budget holds); if more than one is left after the last, the best on validation wins.

A first rung that has not measured anything yet trains again: while fewer than half of the
candidates are measurably above chance (2 standard errors over the most frequent class's share of
the validation split), rung 0 repeats, each repeat the same samples per candidate, at most
len(plan) times (so the halving costs at most twice its plan). Measured on kws at a 5 ms budget:
rung 0 gave each of 8 candidates 1,400 samples (22 optimizer steps); six were at or below chance,
and the bottom half that was dropped held the student that would have won. Fashion-MNIST leaves
chance within its first rung, so it never repeats.
"""

import math
from dataclasses import replace

import numpy as np

SEARCH_SHARE = 0.5


def val_accuracy(model, splits) -> float:
    logits = model.predict(splits.x_val, batch_size=512, verbose=0)
    return float(np.mean(np.argmax(logits, axis=-1) == splits.y_val))


def bar(done: int, total: int, width: int = 20) -> str:
    """The search's training so far as a text bar: `[#####---------------]  25 %`."""
    frac = min(1.0, done / total) if total else 1.0
    return f"[{'#' * round(frac * width)}{'-' * (width - round(frac * width))}] {frac:4.0%}"


def measurably_worse(acc: float, best: float, n_val: int) -> bool:
    """acc is more than 2 standard errors of the best's binomial estimate below it, on n_val samples."""
    return best - acc > 2 * math.sqrt(max(best * (1 - best), 1 / n_val) / n_val)


def measured(acc: float, y_val) -> bool:
    """acc is more than 2 standard errors above chance: always guessing the most frequent class."""
    chance = np.bincount(np.asarray(y_val, np.int64)).max() / len(y_val)
    return acc - chance > 2 * math.sqrt(max(chance * (1 - chance), 1 / len(y_val)) / len(y_val))


def _plan(n: int, per_rung: float, batch_size: int) -> list[int]:
    """Samples each survivor sees at each rung: n, ceil(n/2), ... models until one is left."""
    out = []
    while n > 1:
        out.append((n, max(batch_size, int(per_rung / n))))
        n = math.ceil(n / 2)
    return out


def _slice(splits, start: int, n: int):
    """n training samples from `start` on, wrapping around (the split is already shuffled)."""
    idx = (start + np.arange(n)) % len(splits.y_train)
    return replace(splits, x_train=splits.x_train[idx], y_train=splits.y_train[idx])


def halve(candidates: list, teacher, splits, kd, seed: int, echo) -> tuple[int, dict]:
    """-> (index of the winner in `candidates`, {index: {"val_accuracy", "trained_samples",
    "rungs": [val accuracy after each rung, rung 0's repeats included], "stopped_at_rung"}}). `kd`: the recipe's DistillConfig
    (loss, temperature, weights, batch size, learning rate); `splits`: what the student trains on."""
    from pipeline.config import StudentConfig
    from pipeline.stages import distill, training
    alive = list(range(len(candidates)))
    results = {i: {"val_accuracy": None, "trained_samples": 0, "rungs": [], "stopped_at_rung": None}
               for i in alive}
    if len(alive) == 1:
        return 0, results
    models, cursor = {}, 0
    for i in alive:
        training.seed_everything(seed)
        c = candidates[i]
        models[i] = distill.build_student(StudentConfig(arch=c.arch, kwargs=dict(c.kwargs)), splits)
    n_train, rung = len(splits.y_train), 0
    per_rung = SEARCH_SHARE * kd.epochs * n_train / math.ceil(math.log2(len(alive)))
    plan = _plan(len(alive), per_rung, kd.batch_size)
    total, done = sum(k * per for k, per in plan), 0
    repeats = 0
    while len(alive) > 1 and rung < len(plan):
        per = max(kd.batch_size, int(per_rung / len(alive)))
        for j, i in enumerate(alive):
            training.seed_everything(seed + rung + 1000 * repeats)
            part = _slice(splits, cursor, per)
            cursor = (cursor + per) % n_train
            distill.distill_into(models[i], teacher, part, 1, kd.batch_size, kd.learning_rate, kd)
            acc = val_accuracy(models[i], splits)
            r = results[i]
            r["val_accuracy"], r["trained_samples"] = acc, r["trained_samples"] + per
            r["rungs"].append(acc)
            done += per
            echo(f"[search  ] {bar(done, total)} rung {rung}: {j + 1}/{len(alive)} {candidates[i].name}: "
                 f"val accuracy {acc:.2%} after {r['trained_samples']:,} samples")
        above = sum(measured(results[i]["val_accuracy"], splits.y_val) for i in alive)
        if rung == 0 and 2 * above < len(alive) and repeats < len(plan):
            repeats += 1
            total += len(alive) * per
            echo(f"[search  ] rung 0: {above} of {len(alive)} are measurably above chance: "
                 f"rung 0 trains again (repeat {repeats} of at most {len(plan)})")
            continue
        # the better half goes on, less what cannot be told from the best; ties to the earlier
        # candidate (cheaper ones come first); after the last rung only the best
        ranked = sorted(alive, key=lambda i: (-results[i]["val_accuracy"], alive.index(i)))
        keep = (ranked[:1] if rung == len(plan) - 1 else
                [i for k, i in enumerate(ranked) if k < math.ceil(len(alive) / 2) or
                 not measurably_worse(results[i]["val_accuracy"], results[ranked[0]]["val_accuracy"],
                                      len(splits.y_val))])
        if len(keep) == len(alive):
            echo(f"[search  ] rung {rung}: the {len(alive)} val accuracies are within 2 standard errors of "
                 f"the best ({results[ranked[0]]['val_accuracy']:.2%}): none dropped, all train on")
        for i in alive:
            if i not in keep:
                results[i]["stopped_at_rung"] = rung
                del models[i]
        alive, rung = keep, rung + 1
    return alive[0], results
