"""Few labels: keep hard labels for a stratified subset of the training split, mark the rest unlabelled.

    keep_labels(splits, spec, seed) -> (splits', info)   y_train' = y_train, or UNLABELLED (-1) where
                                                          the label was dropped; x_train unchanged
    labelled_only(splits')          -> splits''           the labelled samples alone (the baseline)

The KD student trains on splits' (pipeline/stages/training.py: hard-label loss over the labelled
samples, the teacher's soft targets over all); the `--baseline` student on labelled_only(splits')
for as many optimizer steps (pipeline/stages/distill.py: scratch). The val and test splits keep
every label: val stands for a small labelled dev set, only reported during training (no early
stopping, no model selection), so its labels never reach the student's weights.

Which labels: exactly n of the M training samples, at least one per class, the rest shared out in
proportion to the class sizes (largest remainder), each class's picks a seeded random draw. Not
data._stratified_take: its per-class rounding can give fewer than n, or drop a class when it
truncates to n.
"""

from dataclasses import replace

import numpy as np

from pipeline.config import parse_labels
from pipeline.errors import UserError

UNLABELLED = -1    # y_train value of a sample whose label was dropped: no class id is negative


def keep_labels(splits, spec, seed: int):
    """(splits with y_train = UNLABELLED outside the kept subset, {"kept": n, "of": M, "spec": str})
    for [distill] labels / --labels `spec`; (splits, None) unchanged when spec is None. Refuses an
    anomaly task (no class labels to keep), more labels than training samples, fewer than one per
    class."""
    form = parse_labels(spec)
    if form is None:
        return splits, None
    if splits.task == "anomaly":
        raise UserError("--labels / [distill] labels on an anomaly data set: its autoencoders train on "
                        "normal samples without class labels, so there are no labels to keep",
                        "remove --labels (or `labels` from [distill])")
    y = splits.y_train
    m, classes = len(y), len(np.unique(y))
    n = form[1] if form[0] == "count" else int(form[1] * m / 100 + 0.5)     # half rounds up
    if n > m:
        raise UserError(f"labels = {spec!r} is more than the {m} samples of the training split",
                        f"use at most {m}, or a percentage (--labels 5%)")
    if n < classes:
        raise UserError(f"labels = {spec!r} keeps {n} labels of {m}, fewer than the {classes} classes "
                        "(at least one label per class)",
                        f"keep at least {classes} labels ({100 * classes / m:.3g}% of this split)")
    keep = stratified(y, n, np.random.default_rng(seed))
    masked = np.full(m, UNLABELLED, np.int64)      # signed whatever y's dtype: -1 must not wrap
    masked[keep] = y[keep]
    return replace(splits, y_train=masked), {"kept": n, "of": m, "spec": str(spec)}


def labelled_only(splits):
    """The training samples that kept their label (all of them for splits without UNLABELLED)."""
    keep = splits.y_train != UNLABELLED
    return replace(splits, x_train=splits.x_train[keep], y_train=splits.y_train[keep])


def partial(splits) -> bool:
    """Whether some training labels were dropped (a classification split from keep_labels)."""
    return splits.task != "anomaly" and bool(np.any(splits.y_train == UNLABELLED))


def stratified(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of exactly n samples of y (classes <= n <= len(y)): quota q_c = n·|c|/M per
    class, floor(q_c) but at least 1 and at most |c|, then one more each to the classes whose q_c
    lost most to the floor (or one fewer from those the minimum of 1 put furthest above q_c)
    until the counts sum to n."""
    values, sizes = np.unique(y, return_counts=True)
    quota = n * sizes / len(y)                                     # (K,) sums to n
    take = np.clip(np.floor(quota), 1, sizes).astype(int)
    while take.sum() < n:       # room exists: sum(sizes) = M >= n
        short = np.where(take < sizes, quota - take, -np.inf)
        take[np.argmax(short)] += 1
    while take.sum() > n:       # only the minimum of 1 overshoots; n >= K leaves a class above 1
        over = np.where(take > 1, take - quota, -np.inf)
        take[np.argmax(over)] -= 1
    picks = [rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(values, take)]
    return np.sort(np.concatenate(picks))
