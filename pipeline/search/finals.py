"""The final: the halving's winner and the recipe's own student, when it fits the budget, each
distilled with the recipe's whole schedule, exactly as the distill stage would (same splits,
seed, loss and epochs), and ranked on the validation split.

Why: successive halving ranks on short schedules, which favours the students that learn fast over
those that end best (measured: at the hand-picked ds-cnn alpha=0.75's own cost, halving alone
chose alpha=0.5, 1.0 pp less accurate on the test split). The recipe's student is the user's own
pick, so it always reaches the final when it fits. The winner's trained model goes to the distill
stage, which then has nothing left to train: the final costs one extra distillation at most.
"""

from pipeline.search.halving import val_accuracy


def final(candidates: list, teacher, splits, kd, seed: int, echo) -> tuple[int, dict, object]:
    """-> (index of the winner in `candidates`, {index: validation accuracy}, the winner's trained
    model). Ties go to the earlier candidate (the caller lists the cheaper first)."""
    from pipeline.config import StudentConfig
    from pipeline.stages import distill
    accuracy, best, best_model = {}, None, None
    for i, c in enumerate(candidates):
        model = distill.distill(teacher, StudentConfig(arch=c.arch, kwargs=dict(c.kwargs)), kd, splits, seed)
        accuracy[i] = val_accuracy(model, splits)
        echo(f"[search  ] final {i + 1}/{len(candidates)} {c.name}: val accuracy {accuracy[i]:.2%} after "
             f"the whole schedule ({kd.epochs} epochs)")
        if best is None or accuracy[i] > accuracy[best]:
            best, best_model = i, model
    return best, accuracy, best_model
