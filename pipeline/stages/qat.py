"""QAT stage: fake-quantize the distilled student and fine-tune it with the teacher's KD loss on."""

from pipeline.stages import training
from pipeline.stages.distill import distill_into


def qat(student, teacher, cfg, distill_cfg, splits, seed: int):
    """`splits`: those the student was distilled on; with few labels the same masked y_train
    (pipeline/data/labels.keep_labels), so QAT's hard-label loss sees the same labelled subset."""
    from pipeline.qat import quantize_model
    training.seed_everything(seed)
    model = quantize_model(student)
    return distill_into(model, teacher, splits, cfg.epochs, cfg.batch_size, cfg.learning_rate,
                        distill_cfg)   # the recipe's KD loss, temperature and weight, as in distill
