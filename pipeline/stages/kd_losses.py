"""The recipe's KD losses, as keras.distillation DistillationLoss subclasses (no second training loop).

    [distill] loss   KD term, on teacher logits t and student logits s, each (B, K)
    "kd"             T² · KL(softmax(t/T) ‖ softmax(s/T))         keras' LogitsDistillation (Hinton et al. 2015)
    "standardized"   T² · KL(softmax(z(t)/T) ‖ softmax(z(s)/T))   z: per-sample z-score (Sun et al., CVPR 2024)
    "dkd"            T² · (α·TCKD + β·NCKD), needs the label y     Decoupled KD (Zhao et al., CVPR 2022)

Every loss is the batch mean of a per-sample sum over the K classes, as keras' KLDivergence reduces,
so the three are on one scale and `student_loss_weight` means the same for each. The recipe's names
live in pipeline/config.py (KD_LOSSES, checked when the recipe loads); `make` maps them to a loss.
"""

import keras
from keras import ops
from keras.distillation import DistillationLoss, Distiller, LogitsDistillation

# Subtracted from the target-class logit to take it out of a softmax: exp(-1000) is exactly 0 in
# float32 and float64 (their smallest positives are about e^-103 and e^-745), and logits divided by
# T stay far below 1000. DKD's authors mask with the same constant (mdistiller, DKD.py).
_MASK = 1000.0


def kl(log_p, log_q):
    """KL(p ‖ q) per sample from log-probabilities, (B, K) -> (B,). log_softmax inputs keep it exact
    where keras' KLDivergence clips probabilities to [1e-7, 1]."""
    return ops.sum(ops.exp(log_p) * (log_p - log_q), axis=-1)


def zscore(logits, eps: float = 1e-7):
    """Each row to mean 0, standard deviation 1, (B, K) -> (B, K): Sun et al.'s Algorithm 1 without
    the division by τ (done by the caller). σ is the population deviation (divisor K) as in
    Algorithm 1; the authors' code calls torch.std (divisor K - 1), which only multiplies their τ by
    sqrt(K / (K - 1)), 1.05 for 10 classes. eps keeps a row of equal logits finite (it maps to 0,
    the uniform distribution)."""
    mean = ops.mean(logits, axis=-1, keepdims=True)
    std = ops.std(logits, axis=-1, keepdims=True)
    return (logits - mean) / (std + eps)


class StandardizedKD(DistillationLoss):
    """Logit standardization (Sun et al., "Logit Standardization in Knowledge Distillation", CVPR
    2024, arXiv 2403.01427): KD on per-sample z-scored logits, so the student matches the ranking
    and relative gaps of the teacher's logits, not their range and variance (a small student often
    cannot produce a large teacher's logit spread; plain KD at a shared T asks it to).

    Temperature convention, the paper's (Algorithms 1 and 2): `temperature` is their *base*
    temperature τ, dividing the z-scored logits, and the KL is scaled by τ². Per sample the
    effective temperature is τ·σ(logits), each model's own. τ² is kept because it does what it
    does in plain KD: it keeps the gradient with respect to the standardized logits independent
    of τ, so changing τ does not silently reweight KD against the hard-label loss. Following the
    paper also keeps its numbers usable: its CIFAR-100 runs use τ = 2 (not plain KD's 4; z-scored
    logits span only ±sqrt(K - 1)) and weight KD 90 times the cross-entropy (λ_CE 0.1, λ_KD 9);
    here that is temperature = 2, student_loss_weight ≈ 0.011.

    With 2 classes the z-scores are always ±1 and carry no gradient: pipeline/stages/distill.py
    refuses that before training."""

    def __init__(self, temperature: float = 2.0):
        self.temperature = temperature

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        t = zscore(teacher_outputs) / self.temperature       # (B, K)
        s = zscore(student_outputs) / self.temperature
        per_sample = kl(ops.log_softmax(t, axis=-1), ops.log_softmax(s, axis=-1))
        return self.temperature ** 2 * ops.mean(per_sample)

    def get_config(self):
        return {"temperature": self.temperature}


class DecoupledKD(DistillationLoss):
    """Decoupled KD (Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022, arXiv 2203.08679).
    Plain KD splits exactly as KD = TCKD + (1 - p_t)·NCKD (p_t: the teacher's probability of the
    true class), so a confident teacher mutes NCKD, the "dark knowledge" among the wrong classes.
    DKD weighs the two parts freely, at temperature T, each scaled by T²:

        TCKD = KL(b_teacher ‖ b_student),  b = [p_y, 1 - p_y] (true class vs the rest), p = softmax(z/T)
        NCKD = KL(p̂_teacher ‖ p̂_student), p̂ = softmax over the K - 1 other classes (y masked out)
        loss = T² · (α·TCKD + β·NCKD)

    Defaults α = 1, β = 8: the authors' default configuration (mdistiller's DKD config: α 1, β 8,
    T 4; T = 4 is also DistillConfig's default temperature). Their per-pair CIFAR-100 tables range β 2..8 and
    ImageNet uses α = β = 0.5 at T = 1. The authors ramp DKD in over 20 of 240 SGD epochs because
    β·NCKD is large against the cross-entropy at the start; we have no warm-up: our optimizer is
    Adam, whose steps do not grow with the loss's scale, and a recipe that sees DKD start badly
    can lower β. With 2 classes NCKD is 0 (one class left) and DKD is α times plain KD.

    Needs the batch's labels, which keras' Distiller does not give its losses: train it with
    LabelledDistiller, which sets `labels` for each step; or pass labels= when calling directly.

    Unlabelled samples (label -1, run --labels): the class DKD decouples around is the teacher's
    top class. The split KD = TCKD + (1 - p_c)·NCKD holds for any class c, so this is still a
    reweighting of KD's own terms, and c is the true class wherever the teacher is right (most
    samples, for a teacher worth distilling). Refusing "dkd" with --labels would take the loss
    away from the case where the teacher's soft targets matter most. Labelled samples keep their
    label, so runs with every label compute what they did.
    """

    needs_labels = True

    def __init__(self, temperature: float = 4.0, alpha: float = 1.0, beta: float = 8.0):
        self.temperature, self.alpha, self.beta = temperature, alpha, beta
        self.labels = None                                    # (B,) class ids, set per step

    def compute_loss(self, teacher_outputs, student_outputs, labels=None, **kwargs):
        labels = self.labels if labels is None else labels
        if labels is None:
            raise ValueError("DecoupledKD needs the batch's labels: train with kd_losses.LabelledDistiller")
        t = teacher_outputs / self.temperature                # (B, K)
        s = student_outputs / self.temperature
        k = s.shape[-1]
        y = ops.reshape(ops.cast(labels, "int32"), (-1,))
        # an unlabelled sample (-1, --labels) decouples around the teacher's top class instead
        y = ops.where(y >= 0, y, ops.cast(ops.argmax(teacher_outputs, axis=-1), "int32"))
        target = ops.one_hot(y, k, dtype=s.dtype)            # (B, K)
        tckd = kl(_target_vs_rest(t, target), _target_vs_rest(s, target))
        log_hat_t = ops.log_softmax(t - _MASK * target, axis=-1)
        log_hat_s = ops.log_softmax(s - _MASK * target, axis=-1)
        # the masked class has p̂_teacher = 0 exactly; (1 - target) also drops its finite log-ratio
        nckd = ops.sum((1.0 - target) * ops.exp(log_hat_t) * (log_hat_t - log_hat_s), axis=-1)
        return self.temperature ** 2 * ops.mean(self.alpha * tckd + self.beta * nckd)

    def get_config(self):
        return {"temperature": self.temperature, "alpha": self.alpha, "beta": self.beta}


def _target_vs_rest(z, target):
    """log [p_y, 1 - p_y] of softmax(z), (B, K) -> (B, 2). From log-sum-exps rather than
    log(1 - p_y), which is log(0) = -inf once a confident teacher's p_y rounds to 1."""
    lse = ops.logsumexp(z, axis=-1)
    log_p_y = ops.sum(z * target, axis=-1) - lse
    log_rest = ops.logsumexp(z - _MASK * target, axis=-1) - lse
    return ops.stack([log_p_y, log_rest], axis=-1)


class LabelledDistiller(Distiller):
    """keras.distillation's Distiller, also handing each batch's labels to the losses that need them
    (`needs_labels`). Keras 3.15's Distiller.compute_loss(x, y, y_pred) has y but calls every
    loss as compute_loss(teacher_outputs, student_outputs) and nothing else. Rather than a second
    training loop or a copy of that 100-line method, this sets `labels = y` on those losses for
    the duration of the parent's call and clears it after. Under tf.function the assignment runs
    while the step is traced, so the traced graph reads that step's y; eager steps read it
    directly. Training, validation, the loss weighting and the loss trackers all stay keras'."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        takers = [l for l in self.distillation_losses if getattr(l, "needs_labels", False)]
        for loss in takers:
            loss.labels = y
        try:
            return super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                        training=training)
        finally:
            for loss in takers:
                loss.labels = None


def make(cfg) -> DistillationLoss:
    """The KD loss a [distill] table (config.DistillConfig) asks for, on logits."""
    if cfg.loss == "kd":    # today's loss, unchanged; KLDivergence instance: the string form skips the softmax
        return LogitsDistillation(temperature=cfg.temperature, loss=keras.losses.KLDivergence())
    if cfg.loss == "standardized":
        return StandardizedKD(cfg.temperature)
    if cfg.loss == "dkd":
        return DecoupledKD(cfg.temperature, cfg.dkd_alpha, cfg.dkd_beta)
    raise ValueError(f"unknown KD loss {cfg.loss!r}")    # config.py refuses it when the recipe loads
