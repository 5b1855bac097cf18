"""`edgedistill run`: data -> teacher -> distill -> qat -> convert -> verify -> TFLM package ->
firmware (MCU targets) -> report.

Each stage is a function in pipeline/stages/; this module only wires them to the run directory
(pipeline/rundir.py): keys, reuse, atomic commit, one progress line per stage, metrics.json.
"""

import hashlib
import time
from dataclasses import asdict, replace
from pathlib import Path

import click
import numpy as np

from pipeline.errors import UserError
from pipeline.rundir import RunDir, key_of


class _Lazy:
    """An artifact on disk, loaded only if a later stage has to be recomputed."""

    def __init__(self, load):
        self._load, self._value = load, None

    def get(self):
        if self._value is None:
            self._value = self._load()
        return self._value


class Pipeline:
    def __init__(self, recipe, target, out: Path, echo=click.echo):
        self.recipe, self.target, self.echo = recipe, target, echo
        self.rd = RunDir(out)
        self.timings: dict[str, float] = {}
        self.info: dict[str, dict] = {}

    def stage(self, name: str, key: str, make) -> dict:
        """Reuse `name` if its manifest vouches for `key`, else make(scratch_dir) -> (outputs, info)."""
        t0 = time.perf_counter()
        info = self.rd.cached(name, key)
        if info is None:
            outputs, info = make(self.rd.scratch())
            self.rd.commit(name, key, outputs, info)
            verb = "made"
        else:
            verb = "reused"
        self.timings[name] = round(time.perf_counter() - t0, 2)
        self.info[name] = info
        self.echo(f"[{name:8s}] {verb:6s} {info.get('summary', '')}  ({self.timings[name]:.1f} s)")
        return info


def _data_key(splits) -> str:
    h = hashlib.sha256()
    for a in (splits.x_train, splits.y_train, splits.x_val, splits.y_val, splits.x_test,
              splits.y_test, splits.representative):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def _keras_loader(path):
    def load():
        import keras
        import pipeline.qat  # noqa: F401  registers the fake-quant layers for deserialization
        return keras.models.load_model(path, compile=False)
    return load


def _file_key(path: str | None) -> str | None:
    """Content hash of a user's model file or SavedModel dir, so editing it redoes its stage."""
    from pipeline.rundir import hash_path
    return hash_path(Path(path)) if path and Path(path).exists() else None


def _save(model, path: Path) -> Path:
    model.save(path)
    return path


def run(recipe, target, out: Path, echo=click.echo, until: str = "report") -> dict:
    """Runs the stages in order up to and including `until`; returns metrics (or stage figures)."""
    from pipeline import data
    from pipeline.stages import score
    from pipeline.stages import teacher as teacher_stage
    p = Pipeline(recipe, target, out, echo)
    rd = p.rd
    t0 = time.perf_counter()

    splits = data.load(recipe.dataset, seed=recipe.seed, limit=recipe.limit, resize=recipe.resize)
    if not len(splits.y_train):
        raise UserError(f"data set '{recipe.dataset}' is for evaluation only (it has no training samples)",
                        "train on a set with the same classes and list this one in the recipe's "
                        "`also_test` (it then goes through the training set's preprocessing)")
    metric = score.metric(splits.task)
    dkey = _data_key(splits)
    from pipeline.data import augment
    # the recipe's [augment] made concrete for this data; a kind the data cannot take fails now
    splits = replace(splits, augment=augment.resolve(recipe.augment, splits))
    aug = asdict(splits.augment)    # in the key of every stage that trains
    if splits.preprocessing:   # the front end / standardization: goes with the model to the device
        p.info["data"] = {"preprocessing": splits.preprocessing}
    p.timings["data"] = round(time.perf_counter() - t0, 2)
    echo(f"[data    ] loaded {recipe.dataset}: {len(splits.y_train)} train / {len(splits.y_val)} val / "
         f"{len(splits.y_test)} test, input {splits.input_shape}, {splits.num_classes} classes  "
         f"({p.timings['data']:.1f} s)")
    if until == "data":
        return {"data": {"train": len(splits.y_train), "val": len(splits.y_val), "test": len(splits.y_test)}}

    # teacher: a user's file (keyed by its content) or a zoo recipe
    tcfg = recipe.teacher
    tkey = key_of("teacher", {**asdict(tcfg), "file": _file_key(tcfg.path), "seed": recipe.seed, "augment": aug},
                  dkey)
    teacher = _Lazy(_keras_loader(rd.path("teacher.keras")))

    from pipeline.stages import distill as distill_stage
    scfg, dcfg = recipe.student, recipe.distill
    dist_cfg = {k: v for k, v in asdict(dcfg).items() if k != "baseline"}
    scfg_key = {**asdict(scfg), "file": _file_key(scfg.path)}
    skey = key_of("distill", {"student": scfg_key, "distill": dist_cfg, "seed": recipe.seed, "augment": aug},
                  tkey)
    distill_stage.check_loss(dcfg, splits)   # a KD loss the task cannot use fails now, not after the teacher
    if until != "teacher" and rd.cached("distill", skey) is None:
        distill_stage.build_student(scfg, splits)   # a bad student fails now, not after the teacher

    def make_teacher(tmp):
        if tcfg.path:
            model = teacher_stage.load(tcfg.path)
            teacher_stage.check_compatible(model, splits.input_shape, splits.num_classes, task=splits.task)
            how = f"loaded {tcfg.path}"
        else:
            path, hit = teacher_stage.cached(tcfg, splits, recipe.seed, dkey, progress=echo)
            model = _keras_loader(path)()
            how = f"{'reused the cached' if hit else 'trained'} {tcfg.arch} ({path.parent})"
        acc = score.model(model, splits)
        teacher._value = model
        info = {"params": int(model.count_params()), metric: acc,
                "summary": f"{how}: {model.count_params():,} params, test {metric} {score.fmt(metric, acc)}"}
        return {"teacher.keras": _save(model, tmp / "teacher.keras")}, info
    p.stage("teacher", tkey, make_teacher)
    if until == "teacher":
        return p.info

    # distill
    student = _Lazy(_keras_loader(rd.path("student.keras")))

    def make_student(tmp):
        model = distill_stage.distill(teacher.get(), scfg, dcfg, splits, recipe.seed)
        acc = score.model(model, splits)
        student._value = model
        info = {"params": int(model.count_params()), metric: acc,
                "augmentation": augment.describe(splits.augment),   # what ran, for metrics.json
                "summary": f"{scfg.path or scfg.arch} {'' if scfg.path else (scfg.kwargs or '')}: {model.count_params():,} params, "
                           f"test {metric} {score.fmt(metric, acc)}"}
        return {"student.keras": _save(model, tmp / "student.keras")}, info
    p.stage("distill", skey, make_student)

    if dcfg.baseline:
        bkey = key_of("scratch", {"student": scfg_key, "distill": dist_cfg, "seed": recipe.seed, "augment": aug},
                      dkey)

        def make_scratch(tmp):
            model = distill_stage.scratch(scfg, dcfg, splits, recipe.seed)
            acc = score.model(model, splits)
            return ({"student_scratch.keras": _save(model, tmp / "student_scratch.keras")},
                    {metric: acc, "summary": f"same student without the teacher: test {metric} {score.fmt(metric, acc)}"})
        p.stage("scratch", bkey, make_scratch)
    if until == "distill":
        return p.info

    # QAT, KD still on
    from pipeline.stages import qat as qat_stage
    qkey = key_of("qat", {"qat": asdict(recipe.qat), "distill": dist_cfg, "seed": recipe.seed, "augment": aug},
                  skey, tkey)
    qat_model = _Lazy(_keras_loader(rd.path("student_qat.keras")))

    def make_qat(tmp):
        model = qat_stage.qat(student.get(), teacher.get(), recipe.qat, dcfg, splits, recipe.seed)
        acc = score.model(model, splits)
        qat_model._value = model
        return ({"student_qat.keras": _save(model, tmp / "student_qat.keras")},
                {metric: acc, "summary": f"fake-quantized fine-tune: test {metric} {score.fmt(metric, acc)}"})
    p.stage("qat", qkey, make_qat)
    if until == "qat":
        return p.info

    # convert
    from pipeline.stages import convert as convert_stage
    variants = ("int8",) + tuple(v for v in recipe.variants if v != "int8")
    ckey = key_of("convert", {"variants": variants}, qkey)

    def make_convert(tmp):
        outputs, sizes = {}, {}
        for v in variants:
            blob = convert_stage.convert(qat_model.get(), splits.representative, variant=v)
            name = f"model_{v}.tflite"
            (tmp / name).write_bytes(blob)
            outputs[name], sizes[v] = tmp / name, len(blob)
        return outputs, {"bytes": sizes, "summary": ", ".join(f"{v} {n:,} B" for v, n in sizes.items())}
    p.stage("convert", ckey, make_convert)
    tflite = rd.path("model_int8.tflite").read_bytes()
    if until == "convert":
        return p.info

    # verify on both int8 references
    from pipeline.stages import verify as verify_stage
    n = recipe.verify_samples or len(splits.y_test)
    vkey = key_of("verify", {"samples": n}, ckey, dkey)

    def make_verify(tmp):
        r = verify_stage.verify(tflite, splits.x_test[:n], splits.y_test[:n], splits.task)
        r["summary"] = (f"int8 {metric} on tflite-micro {score.fmt(metric, r['tflm_' + metric])}, LiteRT ref {score.fmt(metric, r['litert_ref_' + metric])}; "
                        f"references differ on {r['references_differing']}/{r['samples']} samples")
        return {}, r
    p.stage("verify", vkey, make_verify)
    if recipe.also_test:
        akey = key_of("also_test", {"sets": recipe.also_test}, ckey, dkey)   # ckey covers teacher, student

        def make_also(tmp):
            from pipeline.stages import also_test
            r = also_test.score_all(recipe.also_test, splits, teacher.get(), student.get(), tflite)
            r["summary"] = "; ".join(f"{n}: teacher {score.fmt(metric, v['teacher'])}, int8 student "
                                     f"{score.fmt(metric, v['student_int8'])} ({v['samples']} samples)"
                                     for n, v in r.items())
            return {}, r
        p.stage("also", akey, make_also)
    if until == "verify":
        return p.info

    # TFLM package
    from pipeline.stages import tflm_package
    pkey = key_of("tflm", {"target": target.name, "preprocessing": splits.preprocessing}, ckey)

    def make_package(tmp):
        info = tflm_package.package(tflite, tmp / "tflm", preprocessing=splits.preprocessing)
        budget = f" of {target.ram_bytes:,} B RAM" if target.ram_bytes else ""
        info["summary"] = f"tflm/: arena {info['arena_bytes_with_margin']:,} B{budget}, ops {', '.join(info['ops'])}"
        return {"tflm": tmp / "tflm"}, info
    p.stage("tflm", pkey, make_package)
    if until == "tflm":
        return p.info

    # firmware on the emulated MCU: size, speed, bit-exactness and accuracy on a test subset
    if target.kind == "mcu":
        from pipeline.stages import firmware as firmware_stage
        from pipeline.stages.convert import quantize_inputs
        m = min(recipe.emulator_samples, len(splits.y_test))
        fkey = key_of("firmware", {"target": target.name, "samples": m}, ckey, dkey, firmware=True)

        def make_firmware(tmp):
            info = firmware_stage.firmware(tflite, target, quantize_inputs(tflite, splits.x_test[:m]),
                                           splits.y_test[:m], tmp / "firmware", splits.task)
            e, f = info["emulator"], info["firmware"]
            info["summary"] = (f"firmware/ for {f['board']}: flash {f['flash_bytes']:,} B, RAM {f['ram_bytes']:,} B; "
                               f"{e['instructions']:,} instr/inference; {e['bitexact']:.1%} of {e['samples']} "
                               f"samples bit-exact with tflite-micro, {metric} {score.fmt(metric, e[metric])}")
            return {"firmware": tmp / "firmware"}, info
        p.stage("firmware", fkey, make_firmware)
    if until == "firmware":
        return p.info

    from pipeline.stages import report
    metrics = report.metrics(recipe, target, p.info, p.timings, len(tflite), metric)
    report.write(rd, metrics)
    echo(report.table(metrics))
    return metrics
