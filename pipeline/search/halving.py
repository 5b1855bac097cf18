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
best; a rung where every student is within that margin drops nobody and all train on. The rungs
are the plan's ceil(log2 n), whatever is dropped (each rung costs about the same, so the budget
holds); if more than one is left after the last, the best on validation wins.

Before it is scored, a model's BatchNormalization statistics are recalibrated on the samples it
just trained on (`recalibrate`): after an early rung's few optimizer steps the moving statistics
are still near their initial values and a ds-cnn scored in inference mode predicts one class
(measured at rung 0, 11-22 steps: at least 17 of 23 fashion-mnist candidates at exactly
10.00 %, six of 8 kws candidates at or below chance; recalibrated, fashion ds-cnn alpha=0.5
10.0 -> 34.3 %, kws 8.3 -> 19.2 %). Where a first rung still tells nothing (fewer than half of
the candidates are measurably above chance: 2 standard errors over the most frequent class's
share of the validation split), rung 0 repeats with the same samples per candidate, at most
len(plan) times, so the halving costs at most twice its plan.
"""

import math
from dataclasses import replace

import numpy as np

SEARCH_SHARE = 0.5


def recalibrate(model, x, n: int = 1024) -> None:
    """Set every BatchNormalization layer's moving mean and variance to those of the first n of x,
    as once-for-all and BigNAS do before scoring a subnet (Cai et al. arXiv 1908.09791). After an
    early rung's 10-20 optimizer steps, momentum 0.99 has moved the moving statistics 10-18 % of
    the way from their initial 0 and 1, so a model scored in inference mode predicts one class
    whatever it learned (measured: at least 17 of 23 fashion-mnist candidates at exactly 10.00 %
    after rung 0).
    No weight changes; training goes on from the recalibrated statistics."""
    import keras
    bns, todo = [], list(getattr(model, "layers", []))
    while todo:
        layer = todo.pop()
        if isinstance(layer, keras.layers.BatchNormalization):
            bns.append(layer)
        todo.extend(getattr(layer, "layers", []))
    if not bns:
        return
    saved = [b.momentum for b in bns]
    try:
        for b in bns:
            b.momentum = 0.0
        model(x[:n], training=True)
    finally:
        for b, m in zip(bns, saved):
            b.momentum = m


def val_accuracy(model, splits) -> float:
    logits = model.predict(splits.x_val, batch_size=512, verbose=0)
    return float(np.mean(np.argmax(logits, axis=-1) == splits.y_val))


def bar(done: int, total: int, width: int = 20) -> str:
    """The search's training so far as a text bar: `[#####---------------]  25 %`."""
    frac = min(1.0, done / total) if total else 1.0
    return f"[{'#' * round(frac * width)}{'-' * (width - round(frac * width))}] {frac:4.0%}"


def _two_se(p: float, n: int) -> float:
    """2 standard errors of a binomial accuracy p over n samples (p(1-p) floored at 1/n)."""
    return 2 * math.sqrt(max(p * (1 - p), 1 / n) / n)


def measurably_worse(acc: float, best: float, n_val: int) -> bool:
    """acc is more than 2 standard errors of the best's binomial estimate below it, on n_val samples."""
    return best - acc > _two_se(best, n_val)


def measured(acc: float, y_val) -> bool:
    """acc is more than 2 standard errors above chance: always guessing the most frequent class."""
    chance = np.bincount(np.asarray(y_val, np.int64)).max() / len(y_val)
    return acc - chance > _two_se(chance, len(y_val))


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
            recalibrate(models[i], part.x_train)
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
