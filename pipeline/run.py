"""`edgedistill run`: the stage table, walked by one loop.

    data -> teacher (-> search) -> distill (-> scratch) -> qat -> convert -> verify (-> also)
         -> tflm + firmware   (MCU targets: the TFLM package and the firmware on the emulated MCU)
         -> device            (Linux targets: the device's runtime under qemu-user, the bundle)
         -> report

Each stage is a function in pipeline/stages/; this module only wires them to the run directory
(pipeline/rundir.py): keys, reuse, atomic commit, one progress line per stage, metrics.json.
A stage's key hashes its config, the keys of the stages it reads and only the code it runs
(`code`), so editing the compiler rebuilds the firmware but does not retrain the teacher.
"""

import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

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


def _data_key(splits) -> str:
    h = hashlib.sha256()
    for a in (splits.x_train, splits.y_train, splits.x_val, splits.y_val, splits.x_test,
              splits.y_test, splits.representative):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


class Ctx:
    """What every stage sees: recipe, target, data, the run directory, and the models made so far
    (loaded from disk only when a later stage needs them)."""

    def __init__(self, recipe, target, splits, rd: RunDir, echo, kd_splits=None, labels=None):
        from pipeline.stages import score
        self.recipe, self.target, self.splits, self.rd, self.echo = recipe, target, splits, rd, echo
        # what the student trains on: splits, or with --labels the same with y_train -1 where the
        # label was dropped (data/labels.keep_labels); the teacher always gets every label
        self.kd_splits, self.labels = kd_splits or splits, labels
        self.metric = score.metric(splits.task)
        self.measured = None        # the search's candidate costs, once measured (pipeline/search/)
        self.searched_history = None   # the search final's training curves of the chosen student
        self.dkey = _data_key(splits)
        self.keys: dict[str, str] = {"data": self.dkey}
        self.models = {name: _Lazy(_keras_loader(rd.path(f"{file}.keras")))
                       for name, file in (("teacher", "teacher"), ("student", "student"),
                                          ("qat", "student_qat"))}

    def fmt(self, value: float) -> str:
        from pipeline.stages import score
        return score.fmt(self.metric, value)

    @property
    def tflite(self) -> bytes:
        return self.rd.path("model_int8.tflite").read_bytes()

    def test_int8(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        from pipeline.stages.convert import quantize_inputs
        return quantize_inputs(self.tflite, self.splits.x_test[:n]), self.splits.y_test[:n]


@dataclass(frozen=True)
class Stage:
    name: str
    code: tuple[str, ...]                      # what it runs, under pipeline/: its key hashes these
    upstream: tuple[str, ...]                  # stages (or "data") whose keys chain into its key
    config: Callable[[Ctx], dict]              # the rest of what its artifacts depend on
    make: Callable[[Ctx, Path], tuple[dict, dict]]   # scratch dir -> (outputs, info with a summary)
    when: Callable[[Ctx], bool] = lambda c: True
    firmware: bool = False                     # builds C from targets/: hashes the kernels too
    after: Callable[[Ctx, dict], None] | None = None   # applies its figures to c, made or reused


# ---- the stages ------------------------------------------------------------------------------

TRAINING = ("zoo", "stages/training.py", "stages/score.py", "data/augment.py", "data/labels.py",
            "stages/few_labels.py")
DISTILL = TRAINING + ("stages/distill.py", "stages/kd_losses.py", "stages/modelfile.py", "qat")


def _training_config(c: Ctx) -> dict:
    return {"seed": c.recipe.seed, "augment": asdict(c.splits.augment)}


def _distill_config(c: Ctx) -> dict:
    r = c.recipe
    return {**_training_config(c), "student": {**asdict(r.student), "file": _file_key(r.student.path)},
            "distill": {k: v for k, v in asdict(r.distill).items() if k != "baseline"}}


def make_teacher(c: Ctx, tmp: Path):
    from pipeline.stages import teacher as teacher_stage
    tcfg, splits = c.recipe.teacher, c.splits
    history = None
    if tcfg.path:
        model = teacher_stage.load(tcfg.path)
        teacher_stage.check_compatible(model, splits.input_shape, splits.num_classes, task=splits.task)
        how = f"loaded {tcfg.path}"
    else:
        path, hit = teacher_stage.cached(tcfg, splits, c.recipe.seed, c.dkey, progress=c.echo)
        model = _keras_loader(path)()
        how = f"{'reused the cached' if hit else 'trained'} {tcfg.arch} ({path.parent})"
        curves = path.parent / "history.json"       # the cache keeps the curves of its training
        history = json.loads(curves.read_text()) if curves.is_file() else None
    from pipeline.report import outcomes
    from pipeline.stages import score
    out = model.predict(splits.x_test, batch_size=512, verbose=0)    # score.model's, kept for outcomes
    acc = score.from_outputs(splits.task, out, splits.x_test, splits.y_test)
    c.models["teacher"]._value = model
    info = {"params": int(model.count_params()), c.metric: acc, "origin": how, "history": history,
            "outcomes": outcomes.of(splits.task, out, splits.y_test, splits.x_test),
            "summary": f"{how}: {model.count_params():,} params, test {c.metric} {c.fmt(acc)}"}
    return {"teacher.keras": _save(model, tmp / "teacher.keras")}, info


def make_student(c: Ctx, tmp: Path):
    from pipeline.data import augment
    from pipeline.stages import distill as distill_stage
    from pipeline.stages import score, training
    scfg = c.recipe.student
    # with a budget, the search's final already distilled the chosen student with these arguments
    searched = c.rd.path("search_student.keras")
    if "search" in c.keys and searched.exists():
        model = _keras_loader(searched)()
    else:
        model = distill_stage.distill(c.models["teacher"].get(), scfg, c.recipe.distill, c.kd_splits,
                                      c.recipe.seed)
    acc = score.model(model, c.splits)
    c.models["student"]._value = model
    info = {"params": int(model.count_params()), c.metric: acc,
            "history": training.history(model) or c.searched_history,
            "augmentation": augment.describe(c.splits.augment),   # what ran, for metrics.json
            "labels": c.labels,                                      # {"kept", "of", "spec"} or None
            "summary": f"{scfg.path or scfg.arch}{'' if scfg.path or not scfg.kwargs else f' {scfg.kwargs}'}: "
                       f"{model.count_params():,} params, {c.recipe.distill.loss} KD, test {c.metric} {c.fmt(acc)}"}
    return {"student.keras": _save(model, tmp / "student.keras")}, info


SEARCH = DISTILL + ("search", "stages/convert.py", "compiler", "firmware", "runtimes", "sandbox.py",
                    "targets.py")


def make_search(c: Ctx, tmp: Path):
    import json
    from pipeline.search import choose
    from pipeline.stages import training
    doc, model = choose.search(c.recipe, c.target, c.recipe.budget, c.kd_splits, c.models["teacher"].get,
                               c.echo, measured=c.measured)
    (tmp / "search.json").write_text(json.dumps(doc, indent=1) + "\n")
    ch, fit = doc["chosen"], sum(r["fits"] for r in doc["candidates"])
    acc = f", val accuracy {ch['val_accuracy']:.2%}" if ch["val_accuracy"] is not None else ""
    return {"search.json": tmp / "search.json",
            "search_student.keras": _save(model, tmp / "search_student.keras")}, {
        "budget": doc["budget"], "candidates": len(doc["candidates"]), "fit": fit, "chosen": ch,
        "history": training.history(model),        # the final's whole-schedule curves, for the report
        "summary": f"chose {ch['name']} ({fit} of {len(doc['candidates'])} fit; RAM {ch['cost']['ram_bytes']:,} B, "
                   f"flash {ch['cost']['flash_bytes']:,} B, {ch['cost']['instructions']:,} instr{acc}); search.json"}


def use_chosen(c: Ctx, got: dict) -> None:
    """Distill, baseline and QAT train the student the search chose (their keys chain its key)."""
    from pipeline.config import StudentConfig
    ch = got["chosen"]
    c.recipe = replace(c.recipe, student=StudentConfig(arch=ch["arch"], kwargs=ch["kwargs"]))
    c.searched_history = got.get("history")


def make_scratch(c: Ctx, tmp: Path):
    from pipeline.stages import distill as distill_stage
    from pipeline.stages import score, training
    model = distill_stage.scratch(c.recipe.student, c.recipe.distill, c.kd_splits, c.recipe.seed)
    acc = score.model(model, c.splits)
    return ({"student_scratch.keras": _save(model, tmp / "student_scratch.keras")},
            {c.metric: acc, "history": training.history(model), "summary": "same student without the teacher"
                                       + (f", on the {c.labels['kept']} labelled samples" if c.labels else "")
                                       + f": test {c.metric} {c.fmt(acc)}"})


def make_qat(c: Ctx, tmp: Path):
    from pipeline.stages import qat as qat_stage
    from pipeline.stages import score, training
    model = qat_stage.qat(c.models["student"].get(), c.models["teacher"].get(), c.recipe.qat,
                          c.recipe.distill, c.kd_splits, c.recipe.seed)
    acc = score.model(model, c.splits)
    c.models["qat"]._value = model
    return ({"student_qat.keras": _save(model, tmp / "student_qat.keras")},
            {c.metric: acc, "history": training.history(model),
             "summary": f"fake-quantized fine-tune: test {c.metric} {c.fmt(acc)}"})


def _variants(c: Ctx) -> tuple[str, ...]:
    return ("int8",) + tuple(v for v in c.recipe.variants if v != "int8")


def make_convert(c: Ctx, tmp: Path):
    from pipeline.stages import convert as convert_stage
    outputs, sizes = {}, {}
    for v in _variants(c):
        blob = convert_stage.convert(c.models["qat"].get(), c.splits.representative, variant=v)
        name = f"model_{v}.tflite"
        (tmp / name).write_bytes(blob)
        outputs[name], sizes[v] = tmp / name, len(blob)
    return outputs, {"bytes": sizes, "summary": ", ".join(f"{v} {n:,} B" for v, n in sizes.items())}


def _verify_samples(c: Ctx) -> int:
    return c.recipe.verify_samples or len(c.splits.y_test)


def make_verify(c: Ctx, tmp: Path):
    from pipeline.stages import verify as verify_stage
    n, m = _verify_samples(c), c.metric
    r = verify_stage.verify(c.tflite, c.splits.x_test[:n], c.splits.y_test[:n], c.splits.task)
    r["summary"] = (f"int8 {m} on tflite-micro {c.fmt(r['tflm_' + m])}, LiteRT ref "
                    f"{c.fmt(r['litert_ref_' + m])}; references differ on "
                    f"{r['references_differing']}/{r['samples']} samples")
    return {}, r


def make_also(c: Ctx, tmp: Path):
    from pipeline.stages import also_test
    r = also_test.score_all(c.recipe.also_test, c.splits, c.models["teacher"].get(),
                            c.models["student"].get(), c.tflite)
    r["summary"] = "; ".join(f"{n}: teacher {c.fmt(v['teacher'])}, int8 student "
                             f"{c.fmt(v['student_int8'])} ({v['samples']} samples)" for n, v in r.items())
    return {}, r


def make_package(c: Ctx, tmp: Path):
    from pipeline.stages import tflm_package
    info = tflm_package.package(c.tflite, tmp / "tflm", preprocessing=c.splits.preprocessing,
                                labels=list(c.splits.classes) if c.splits.task != "anomaly" else None,
                                raw_scale=c.splits.scale)
    budget = f" of {c.target.ram_bytes:,} B RAM" if c.target.ram_bytes else ""
    info["summary"] = f"tflm/: arena {info['arena_bytes_with_margin']:,} B{budget}, ops {', '.join(info['ops'])}"
    return {"tflm": tmp / "tflm"}, info


def _device_samples(c: Ctx) -> int:
    return min(c.recipe.emulator_samples, len(c.splits.y_test))


def make_firmware(c: Ctx, tmp: Path):
    from pipeline.stages import firmware as firmware_stage
    x, y = c.test_int8(_device_samples(c))
    info = firmware_stage.firmware(c.tflite, c.target, x, y, tmp / "firmware", c.splits.task)
    e, f = info["emulator"], info["firmware"]
    info["summary"] = (f"firmware/ for {f['board']}: flash {f['flash_bytes']:,} B, RAM {f['ram_bytes']:,} B; "
                       f"{e['instructions']:,} instr/inference; {e['bitexact']:.1%} of {e['samples']} "
                       f"samples bit-exact with tflite-micro, {c.metric} {c.fmt(e[c.metric])}")
    return {"firmware": tmp / "firmware"}, info


def _raw_scale(c: Ctx) -> float:
    """Raw value * this = model input, for the bundle: the data's own scale, built-in or the user's
    (1/255 for an image folder)."""
    return float(c.splits.scale)


def make_device(c: Ctx, tmp: Path):
    from pipeline.stages import device_linux
    x, y = c.test_int8(_device_samples(c))
    info = device_linux.device(c.tflite, c.target, x, y, tmp / "bundle", c.splits.task,
                               c.splits.classes, _raw_scale(c), c.splits.preprocessing)
    d = info["device"]
    info["summary"] = (f"{d['runtime']}: {d['bitexact']:.1%} of {d['samples']} samples bit-exact with "
                       f"{d['reference']}, {c.metric} {c.fmt(d[c.metric])}; bundle/ for the device")
    return {"bundle": tmp / "bundle"}, info


def _kind(*kinds: str):
    return lambda c: c.target.kind in kinds


STAGES = (
    Stage("teacher", TRAINING + ("stages/teacher.py", "stages/modelfile.py", "report/outcomes.py"), ("data",),
          lambda c: {**asdict(c.recipe.teacher), "file": _file_key(c.recipe.teacher.path),
                     **_training_config(c)}, make_teacher),
    Stage("search", SEARCH, ("teacher",), lambda c: {**_distill_config(c), "budget": asdict(c.recipe.budget),
                                                     "target": asdict(c.target)},
          make_search, when=lambda c: c.recipe.budget is not None, firmware=True, after=use_chosen),
    # "search" chains in only when it runs (a --budget): without one, keys are as they were
    Stage("distill", DISTILL, ("teacher", "search"), _distill_config, make_student),
    Stage("scratch", DISTILL, ("data", "search"), _distill_config, make_scratch,
          when=lambda c: c.recipe.distill.baseline),
    Stage("qat", DISTILL + ("stages/qat.py",), ("distill", "teacher"),
          lambda c: {**_distill_config(c), "qat": asdict(c.recipe.qat)}, make_qat),
    Stage("convert", ("stages/convert.py", "qat"), ("qat",), lambda c: {"variants": _variants(c)},
          make_convert),
    Stage("verify", ("stages/verify.py", "stages/score.py", "stages/convert.py", "runtimes", "modeltext.py"),
          ("convert", "data"), lambda c: {"samples": _verify_samples(c)}, make_verify),
    Stage("also", ("stages/also_test.py", "stages/score.py", "stages/convert.py", "runtimes", "data"),
          ("convert", "data"), lambda c: {"sets": c.recipe.also_test}, make_also,
          when=lambda c: bool(c.recipe.also_test)),
    Stage("tflm", ("stages/tflm_package.py", "runtimes", "compiler", "modeltext.py"), ("convert",),
          lambda c: {"target": c.target.name, "preprocessing": c.splits.preprocessing,
                     "classes": c.splits.classes, "scale": c.splits.scale}, make_package,
          when=_kind("mcu")),
    Stage("firmware", ("stages/firmware.py", "stages/score.py", "stages/convert.py", "compiler", "firmware",
                       "report/outcomes.py",
                       "runtimes", "sandbox.py", "modeltext.py", "targets.py"),
          ("convert", "data"), lambda c: {"target": asdict(c.target), "samples": _device_samples(c)},
          make_firmware, when=_kind("mcu"), firmware=True),
    Stage("device", ("stages/device_linux.py", "stages/score.py", "stages/convert.py", "linux", "runtimes",
                     "compiler", "sandbox.py", "modeltext.py", "targets.py"),
          ("convert", "data"), lambda c: {"target": asdict(c.target), "samples": _device_samples(c),
                                          "raw_scale": _raw_scale(c)},
          make_device, when=_kind("linux")),
)
# `run --until` and the stage commands stop after one of these; "report" runs them all
UNTIL = ("data", *(s.name for s in STAGES), "report")


def _check_early(c: Ctx, until: str) -> None:
    """Problems a later stage would hit, found before the teacher trains for minutes."""
    from pipeline.stages import distill as distill_stage
    distill_stage.check_loss(c.recipe.distill, c.splits)
    if "search" in c.keys and c.rd.cached("search", c.keys["search"]) is None:
        from pipeline.search import choose     # costs need no teacher: an impossible budget fails now
        c.measured = choose.measure(c.recipe, c.target, c.recipe.budget, c.kd_splits, c.echo)
    if "distill" in c.keys and c.rd.cached("distill", c.keys["distill"]) is None:
        distill_stage.build_student(c.recipe.student, c.splits)   # a bad student fails now


# Stages that `until` takes with it: the baseline belongs to distill, also_test to verify.
_GROUPS = {"distill": ("distill", "scratch"), "verify": ("verify", "also"), "report": UNTIL}


def _load_data(recipe, echo):
    from pipeline import data
    from pipeline.data import augment, labels
    t0 = time.perf_counter()
    splits = data.load(recipe.dataset, seed=recipe.seed, limit=recipe.limit, resize=recipe.resize)
    from pipeline.zoo import flat
    recipe, picked = flat.fit_to_data(recipe, splits)   # flat vectors: the zoo's MLPs, said below
    if not len(splits.y_train):
        raise UserError(f"data set '{recipe.dataset}' is for evaluation only (it has no training samples)",
                        "train on a set with the same classes and list this one in the recipe's "
                        "`also_test` (it then goes through the training set's preprocessing)")
    # the recipe's [augment] made concrete for this data; a kind the data cannot take fails now
    splits = replace(splits, augment=augment.resolve(recipe.augment, splits))
    # --labels: the student's split; a count the data cannot give or an anomaly task fails now
    kd_splits, kept = labels.keep_labels(splits, recipe.distill.labels, recipe.seed)
    seconds = round(time.perf_counter() - t0, 2)
    echo(f"[data    ] loaded {recipe.dataset}: {len(splits.y_train)} train / {len(splits.y_val)} val / "
         f"{len(splits.y_test)} test, input {splits.input_shape}, {splits.num_classes} classes"
         + (f", labels kept for {kept['kept']} of {kept['of']} train ({kept['spec']})" if kept else "")
         + f"  ({seconds:.1f} s)")
    if picked:
        echo(f"[data    ] {picked}")
    return recipe, splits, kd_splits, kept, seconds


def run(recipe, target, out: Path, echo=click.echo, until: str = "report", force: bool = False) -> dict:
    """Runs the stages in order up to and including `until`; returns metrics (or stage figures).
    `force`: distill even from a teacher at chance (stages/sanity.py; a warning instead)."""
    from pipeline.stages import sanity
    if until not in UNTIL:
        raise UserError(f"unknown stage '{until}'", f"stop after one of: {', '.join(UNTIL)}")
    recipe, splits, kd_splits, kept, seconds = _load_data(recipe, echo)
    if until == "data":
        return {"data": {"train": len(splits.y_train), "val": len(splits.y_val), "test": len(splits.y_test)}}
    c = Ctx(recipe, target, splits, RunDir(out), echo, kd_splits, kept)
    timings, info, warnings = {"data": seconds}, {}, sanity.data_warnings(splits)
    if splits.preprocessing:   # the front end / standardization: goes with the model to the device
        info["data"] = {"preprocessing": splits.preprocessing}
    # every stage up to the last one `until` names, in table order; those this target has
    last = max(i for i, st in enumerate(STAGES) if st.name in _GROUPS.get(until, (until,)))
    active = [st for st in STAGES[:last + 1] if st.when(c)]
    for st in active:          # keys are pure: all of them first, so checks can look ahead
        c.keys[st.name] = key_of(st.name, st.config(c), *(c.keys[u] for u in st.upstream if u in c.keys),
                                 code=st.code, firmware=st.firmware)
    _check_early(c, until)
    for st in active:
        t0 = time.perf_counter()
        got = c.rd.cached(st.name, c.keys[st.name])
        verb = "reused"
        if got is None:
            try:
                outputs, got = st.make(c, c.rd.scratch())
                c.rd.commit(st.name, c.keys[st.name], outputs, got)
            except KeyboardInterrupt:   # Ctrl-C: drop the half-made stage, keep the committed ones
                c.rd.close()
                raise
            verb = "made"
        if st.after:
            st.after(c, got)
        timings[st.name] = round(time.perf_counter() - t0, 2)
        info[st.name] = got
        echo(f"[{st.name:8s}] {verb:6s} {got.get('summary', '')}  ({timings[st.name]:.1f} s)")
        if st.name == "teacher":   # before any student trains on it: at chance -> exit 2 unless --force
            for w in sanity.check_teacher(c.models["teacher"].get(), splits, force, stops_here=until == "teacher"):
                echo(f"warning: {w}")
                warnings.append(w)
    if until != "report":
        return info
    from pipeline.stages import report
    metrics = report.metrics(recipe, target, info, timings, len(c.tflite), c.metric)
    from pipeline.data import user
    metrics["data"] = user.identity(recipe.dataset, splits)   # name, path, class names, scale
    metrics["warnings"] = warnings + sanity.result_warnings(metrics)
    report.write(c.rd, metrics)
    echo(report.table(metrics))
    echo(f"report: {report.write_html(c.rd.root)}")
    return metrics
