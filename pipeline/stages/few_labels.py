"""The hard-label loss and accuracy when some training labels are dropped (UNLABELLED, -1; see
pipeline/data/labels.py). training.fit uses them only when y_train holds a -1, so runs with every
label keep keras' own sparse cross-entropy and accuracy."""

import keras
from keras import ops


def masked_sparse_ce(y_true, logits):
    """Cross-entropy over the batch's labelled samples: (B,) ids, -1 for unlabelled, and (B, K)
    logits -> scalar  sum_labelled CE / count_labelled, and 0 for a batch with none (not 0/0 = NaN).

    The mean over the labelled samples, not over B: the hard-label term keeps the scale it has with
    every label, so the Distiller's student_loss_weight w in w·CE + (1 - w)·KD keeps its meaning
    (fewer labels per batch make the term noisier, not smaller). With no -1 in y_true this is
    keras' sparse cross-entropy mean."""
    y = ops.reshape(ops.cast(y_true, "int32"), (-1,))
    labelled = ops.cast(y >= 0, logits.dtype)                                    # (B,) 1 or 0
    ce = ops.sparse_categorical_crossentropy(ops.maximum(y, 0), logits, from_logits=True)  # (B,)
    return ops.sum(ce * labelled) / ops.maximum(ops.sum(labelled), 1.0)


class MaskedAccuracy(keras.metrics.SparseCategoricalAccuracy):
    """Accuracy over the labelled samples only (an unlabelled one weighs 0), so the training
    accuracy keras prints is not dragged down by samples that have no label to match. The val
    split keeps every label, where this is plain accuracy."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        y = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        weight = ops.cast(y >= 0, "float32")                                     # (B,)
        if sample_weight is not None:
            weight = weight * ops.reshape(ops.cast(sample_weight, "float32"), (-1,))
        return super().update_state(ops.maximum(y, 0), y_pred, sample_weight=weight)
