"""Recipes: what to distill, into what, how long. Frozen dataclasses, loaded from TOML.

A recipe is a built-in name (pipeline/recipes/NAME.toml) or a path to a TOML file of the same form.
`--quick` applies the recipe's [quick] table on top: same code path, smaller data, fewer epochs.
"""

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from pipeline.errors import UserError
from pipeline.paths import recipes_dir
from pipeline.search.budget import BudgetConfig


@dataclass(frozen=True)
class TeacherConfig:
    arch: str = "vgg"
    kwargs: dict = field(default_factory=dict)
    epochs: int = 4
    batch_size: int = 128
    learning_rate: float = 2e-3
    path: str | None = None          # a user's .keras / .h5 / SavedModel instead of training


@dataclass(frozen=True)
class StudentConfig:
    arch: str = "ds-cnn"
    kwargs: dict = field(default_factory=dict)
    path: str | None = None          # a user's own (untrained) student architecture, .keras / .h5


LABELS_FORM = ('give a whole number of samples >= 1 (--labels 500; [distill] labels = 500) or a share '
               'above 0 and at most 100 % (--labels 5%; labels = "5%")')


def parse_labels(spec) -> tuple[str, int | float] | None:
    """[distill] labels / --labels -> ("count", n >= 1) or ("percent", 0 < p <= 100); None: all
    labels. A float such as 0.05 is refused rather than guessed at (5 % or 0.05 %?)."""
    if spec is None:
        return None
    if isinstance(spec, int) and not isinstance(spec, bool):
        if spec >= 1:
            return "count", spec
    elif isinstance(spec, str):
        text = spec.strip()
        if text.isdigit() and int(text) >= 1:
            return "count", int(text)
        if text.endswith("%"):
            try:
                p = float(text[:-1])
            except ValueError:
                p = float("nan")
            if 0 < p <= 100:         # NaN fails both comparisons
                return "percent", p
    raise UserError(f"labels = {spec!r} is not a count or a share of labelled training samples",
                    LABELS_FORM)


KD_LOSSES = ("kd", "standardized", "dkd")   # [distill] loss; the formulas: pipeline/stages/kd_losses.py


@dataclass(frozen=True)
class DistillConfig:
    epochs: int = 8
    batch_size: int = 128
    learning_rate: float = 4e-3
    temperature: float = 4.0         # softens both logit sets; the KD loss is scaled by T^2
    student_loss_weight: float = 0.1  # weight of the hard-label loss; 1 - this goes to KD
    baseline: bool = False           # also train the student from scratch (no teacher)
    loss: str = "kd"                 # one of KD_LOSSES: Hinton's KD, logit-standardized KD, decoupled KD
    dkd_alpha: float = 1.0           # "dkd" only: weight of the target-class part (TCKD)
    dkd_beta: float = 8.0            # "dkd" only: weight of the non-target part (NCKD); both the authors' defaults
    # few labels: keep hard labels for only this many training samples (500, "500") or this share
    # of them ("5%"), stratified; KD still sees every sample. None: all labels. In [distill], not
    # top level: it changes what the student learns from, never the teacher (which stands for a
    # model trained on all labels), and [distill] is in the distill, baseline and QAT run-dir keys
    # and not in the teacher's. The form is checked here (parse_labels), the count against the
    # data in pipeline/data/labels.py
    labels: int | str | None = None

    def __post_init__(self):
        if self.loss not in KD_LOSSES:
            raise UserError(f"[distill] loss = {self.loss!r} is not a KD loss edgedistill has",
                            f"use one of: {', '.join(KD_LOSSES)}")
        parse_labels(self.labels)
        for name in ("dkd_alpha", "dkd_beta"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise UserError(f"[distill] {name} = {value!r} is not a weight", "use a number >= 0")


# [augment] kinds and the parameters each takes, with its defaults (pipeline/data/augment.py applies
# them; "auto" picks the kind from the data, "none" turns augmentation off).
#   image:        translate by up to `shift` of H and W (Fashion-MNIST/CIFAR's pad-and-crop shifts
#                 +-2..4 px of 28..32 = +-10 %), uncovered pixels `fill` "zeros" | "border"; `flip`
#                 left-right (off by default: it is wrong for digits, text, and any class where the
#                 side matters); random erasing with probability `erase`, off by default too: Zhong
#                 et al. 2017 use p 0.5 on 28-32 px images over hundreds of epochs, while on `digits
#                 --quick` (8x8 px, a 6 k-parameter student, 15 epochs) p 0.5 cost the int8 student
#                 3 pp (98.05 -> 94.99 %, shift alone: 98.05 %); a recipe that trains long turns it on
#   spectrogram:  (frames, coefficients) features: shift by up to `time_shift` of the frames (10 % of
#                 49 frames: +-100 ms, MLPerf Tiny KWS's shift), Gaussian `noise` (std, in input units:
#                 standardized features), SpecAugment masks (Park et al. 2019) set to 0, the features'
#                 mean: `time_masks` of up to `time_mask_width` frames, `freq_masks` of up to
#                 `freq_mask_width` coefficients
#   series:       (steps, channels): `time_shift` as above, a per-channel gain N(1, `scale`), jitter
#                 N(0, `noise`) (Iwana & Uchida 2021's survey defaults: scaling 0.1, jitter 0.03)
AUGMENT_DEFAULTS = {
    "image": {"shift": 0.1, "fill": "zeros", "flip": False, "erase": 0.0},
    "spectrogram": {"time_shift": 0.1, "noise": 0.1, "time_masks": 1, "time_mask_width": 5,
                    "freq_masks": 1, "freq_mask_width": 2},
    "series": {"time_shift": 0.1, "scale": 0.1, "noise": 0.03},
    "none": {},
}
AUGMENT_KINDS = ("auto", *AUGMENT_DEFAULTS)


@dataclass(frozen=True)
class AugmentConfig:
    """[augment]: how each training batch is varied, on the fly, for the teacher, the distilled
    student, the from-scratch baseline and QAT alike; validation and test data never are.
    A parameter left unset (None) takes its kind's default (AUGMENT_DEFAULTS)."""
    kind: str = "auto"
    shift: float | None = None             # image: max translation, fraction of H and W, [0, 0.5]
    fill: str | None = None                # image: "zeros" | "border" (repeat the edge pixels)
    flip: bool | None = None               # image: random left-right flip
    erase: float | None = None             # image: probability of one erased rectangle, [0, 1]
    time_shift: float | None = None        # spectrogram, series: max shift, fraction of the steps, [0, 0.5]
    noise: float | None = None             # spectrogram, series: Gaussian noise std, input units
    scale: float | None = None             # series: std of the per-channel gain around 1
    time_masks: int | None = None          # spectrogram: time masks per sample
    time_mask_width: int | None = None     # spectrogram: max frames per time mask
    freq_masks: int | None = None          # spectrogram: frequency masks per sample
    freq_mask_width: int | None = None     # spectrogram: max coefficients per frequency mask

    def __post_init__(self):
        if self.kind not in AUGMENT_KINDS:
            raise UserError(f"[augment] kind = {self.kind!r} is not an augmentation edgedistill has",
                            f"use one of: {', '.join(AUGMENT_KINDS)}")
        if self.kind != "auto":
            self.check_applies(self.kind)
        for name, value in self.params().items():
            _check_augment_value(name, value)

    def params(self) -> dict:
        """The parameters that are set (not None), in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "kind" and getattr(self, f.name) is not None}

    def check_applies(self, kind: str) -> None:
        """Refuses a parameter the kind does not use (flip on a series, noise on an image...)."""
        stray = [n for n in self.params() if n not in AUGMENT_DEFAULTS[kind]]
        if stray:
            takes = ", ".join(AUGMENT_DEFAULTS[kind]) or "no parameters"
            raise UserError(f"[augment] {', '.join(stray)} does not apply to kind {kind!r}",
                            f"kind {kind!r} takes {takes}; remove the others or set another kind")


def _check_augment_value(name: str, value) -> None:
    if name == "fill":
        ok, want = value in ("zeros", "border"), '"zeros" or "border"'
    elif name == "flip":
        ok, want = isinstance(value, bool), "true or false"
    elif name in ("time_masks", "time_mask_width", "freq_masks", "freq_mask_width"):
        ok, want = isinstance(value, int) and not isinstance(value, bool) and value >= 0, "a whole number >= 0"
    else:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        top = {"shift": 0.5, "time_shift": 0.5, "erase": 1.0}.get(name, float("inf"))
        ok = number and 0 <= value <= top
        want = f"a number from 0 to {top}" if top < float("inf") else "a number >= 0"
    if not ok:
        raise UserError(f"[augment] {name} = {value!r} is out of range", f"use {want}")


@dataclass(frozen=True)
class QatConfig:
    epochs: int = 2
    batch_size: int = 128
    learning_rate: float = 5e-4      # fine-tuning: an order of magnitude below distillation


@dataclass(frozen=True)
class Recipe:
    name: str
    dataset: str
    seed: int = 0
    teacher: TeacherConfig = TeacherConfig()
    student: StudentConfig = StudentConfig()
    distill: DistillConfig = DistillConfig()
    qat: QatConfig = QatConfig()
    augment: AugmentConfig = AugmentConfig()
    variants: tuple[str, ...] = ("int8",)   # extra conversions: "float16", "dynamic", "float32"
    limit: dict | None = None               # {"train": N, "test": N}: subsample (quick runs)
    verify_samples: int | None = None       # None: the whole test split
    emulator_samples: int = 1000            # test samples run on the emulated MCU (~20 ms each)
    # other data sets with the same classes to score the models on (e.g. real recordings for a
    # model trained on synthetic speech); the training set's preprocessing is applied to them
    also_test: tuple[str, ...] = ()
    resize: tuple[int, int] | None = None   # (H, W) for a folder of images of mixed sizes
    # [budget] / --budget: search the student that fits it (pipeline/search/) instead of taking
    # [student] as given; None: no search
    budget: BudgetConfig | None = None


_SECTIONS = {"teacher": TeacherConfig, "student": StudentConfig, "distill": DistillConfig,
             "qat": QatConfig, "augment": AugmentConfig, "budget": BudgetConfig}


def _build(raw: dict, source: str) -> Recipe:
    known = {f.name for f in fields(Recipe)}
    unknown = set(raw) - known - {"quick", "description"}
    if unknown:
        raise UserError(f"recipe {source}: unknown key(s) {', '.join(sorted(unknown))}",
                        f"use only: {', '.join(sorted(known))}")
    kw = {}
    for key, value in raw.items():
        if key in _SECTIONS:
            cls = _SECTIONS[key]
            bad = set(value) - {f.name for f in fields(cls)}
            if bad:
                raise UserError(f"recipe {source}: unknown key(s) in [{key}]: {', '.join(sorted(bad))}",
                                f"use only: {', '.join(f.name for f in fields(cls))}")
            try:
                kw[key] = cls(**value)
            except UserError as e:      # a value the section checks itself: name the file too
                raise UserError(f"recipe {source}: {e.problem}", e.fix) from None
        elif key in ("variants", "also_test", "resize"):
            kw[key] = tuple(value)
        elif key in known:
            kw[key] = value
    if "name" not in kw or "dataset" not in kw:
        raise UserError(f"recipe {source} needs `name` and `dataset`", "add them at the top of the file")
    return Recipe(**kw)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base.get(k, {}), v) if isinstance(v, dict) and k != "limit" else v
    return out


def builtin_names() -> list[str]:
    return sorted(p.stem for p in recipes_dir().glob("*.toml"))


def load_recipe(name_or_path: str, quick: bool = False) -> Recipe:
    path = Path(name_or_path)
    if not (path.suffix == ".toml" and path.is_file()):
        if path.suffix == ".toml" or "/" in name_or_path:
            raise UserError(f"recipe file {name_or_path} not found", "check the path")
        path = recipes_dir() / f"{name_or_path}.toml"
        if not path.is_file():
            raise UserError(f"unknown recipe '{name_or_path}'",
                            f"choose one of: {', '.join(builtin_names())}, or pass a recipe .toml file")
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"recipe {path} is not valid TOML ({e})", "fix the syntax") from None
    if quick:
        raw = _merge(raw, raw.get("quick", {}))
    return _build(raw, str(path))


def with_overrides(recipe: Recipe, **sections) -> Recipe:
    """recipe with e.g. teacher={'path': 'x.keras'} or distill={'baseline': True} replaced."""
    kw = {}
    for key, changes in sections.items():
        if changes:
            kw[key] = replace(getattr(recipe, key), **changes)
    return replace(recipe, **kw)


def as_dict(obj) -> dict:
    return asdict(obj)
