"""Augmentation (pipeline/data/augment.py): each step changes a batch as specified, is seeded, and
the recipe's [augment] resolves per data set or is refused. Batches come through augment.batches,
the path training.fit takes; y carries each sample's index so an output is compared with its source."""

import numpy as np
import pytest

from pipeline import config
from pipeline.config import AugmentConfig
from pipeline.data import Splits, augment
from pipeline.errors import UserError


def _batch(x, cfg, seed=0):
    """One batch of all of x through the training input pipeline: (augmented, the same samples unaugmented)."""
    xb, idx = next(iter(augment.batches(x, np.arange(len(x)), len(x), cfg, seed)))
    return np.asarray(xb), x[np.asarray(idx)]


def _images(n=64, h=8, w=8, c=1, seed=0):
    """Values in [0.2, 1]: a 0 in an output is a fill or an erasure, never an input pixel."""
    return np.random.default_rng(seed).uniform(0.2, 1.0, (n, h, w, c)).astype(np.float32)


def _shifted(a, dy, dx, fill):
    """a (H, W, ...) moved down dy rows and right dx columns; uncovered cells 0 or the edge repeated."""
    h, w = a.shape[:2]
    pad = [(abs(dy), abs(dy)), (abs(dx), abs(dx))] + [(0, 0)] * (a.ndim - 2)
    p = np.pad(a, pad, mode="constant" if fill == "zeros" else "edge")
    return p[abs(dy) - dy:abs(dy) - dy + h, abs(dx) - dx:abs(dx) - dx + w]


def _shift_of(out, src, max_dy, max_dx, fill):
    """The (dy, dx) within bounds that turns src into out exactly, or None."""
    for dy in range(-max_dy, max_dy + 1):
        for dx in range(-max_dx, max_dx + 1):
            if np.array_equal(out, _shifted(src, dy, dx, fill)):
                return dy, dx
    return None


def _image(**kw):
    return AugmentConfig(kind="image", **{"shift": 0.0, "fill": "zeros", "flip": False, "erase": 0.0, **kw})


def _spectrogram(**kw):
    return AugmentConfig(kind="spectrogram", **{"time_shift": 0.0, "noise": 0.0, "time_masks": 0,
                                                "time_mask_width": 0, "freq_masks": 0, "freq_mask_width": 0, **kw})


def _series(**kw):
    return AugmentConfig(kind="series", **{"time_shift": 0.0, "scale": 0.0, "noise": 0.0, **kw})


# --- images -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fill", ["zeros", "border"])
def test_image_shift_moves_whole_pixels_within_the_bound(fill):
    x = _images()
    out, src = _batch(x, _image(shift=0.25, fill=fill))         # 0.25 of 8 px: at most 2 px each way
    shifts = [_shift_of(o, s, 2, 2, fill) for o, s in zip(out, src)]
    assert None not in shifts                                   # every output is its input, shifted
    assert len(set(shifts)) > 8                                 # and the shifts vary across the batch


def test_flip_mirrors_left_right_only():
    x = _images()
    out, src = _batch(x, _image(flip=True))
    mirrored = [np.array_equal(o, s[:, ::-1]) for o, s in zip(out, src)]
    same = [np.array_equal(o, s) for o, s in zip(out, src)]
    assert all(m or s for m, s in zip(mirrored, same))
    assert 10 < sum(mirrored) < 54                              # about half of 64


def test_erasing_sets_one_rectangle_to_zero():
    x = _images(n=64, h=28, w=28)
    out, src = _batch(x, _image(erase=1.0))
    for o, s in zip(out, src):
        changed = np.argwhere(o[..., 0] != s[..., 0])
        assert len(changed)                                     # erase = 1: every image
        (r0, c0), (r1, c1) = changed.min(0), changed.max(0) + 1
        assert np.all(o[r0:r1, c0:c1] == 0) and len(changed) == (r1 - r0) * (c1 - c0)   # a filled box
        assert len(changed) <= 0.4 * 28 * 28                    # at most a third of the image (+ rounding)
    half, _ = _batch(_images(n=200), _image(erase=0.5))
    erased = np.mean([np.any(h == 0) for h in half])
    assert 0.35 < erased < 0.65                                 # probability erase = 0.5


# --- spectrograms -----------------------------------------------------------------------------------------

def _mfcc(n=64):
    return np.random.default_rng(1).normal(0, 1, (n, 49, 10, 1)).astype(np.float32) + 5.0   # no zeros


def test_spectrogram_time_shift_moves_frames_only():
    out, src = _batch(_mfcc(), _spectrogram(time_shift=0.1))     # 0.1 of 49 frames: at most 5
    shifts = [_shift_of(o, s, 5, 0, "border") for o, s in zip(out, src)]
    assert None not in shifts and len(set(shifts)) > 4


def test_spectrogram_noise_has_the_asked_std():
    out, src = _batch(_mfcc(), _spectrogram(noise=0.1))
    d = out - src
    assert abs(d.std() - 0.1) < 0.01 and abs(d.mean()) < 0.01


@pytest.mark.parametrize("axis,width", [(1, 5), (2, 2)], ids=["time", "frequency"])
def test_specaugment_masks_zero_one_band_of_whole_rows_or_columns(axis, width):
    cfg = (_spectrogram(time_masks=1, time_mask_width=width) if axis == 1
           else _spectrogram(freq_masks=1, freq_mask_width=width))
    out, src = _batch(_mfcc(), cfg)
    widths = []
    for o, s in zip(out[..., 0], src[..., 0]):
        zero = o == 0
        assert np.array_equal(o[~zero], s[~zero])              # the rest untouched
        lines = np.flatnonzero(zero.all(axis=1 if axis == 1 else 0))  # whole frames / whole coefficients
        assert zero.sum() == len(lines) * o.shape[2 - axis]    # nothing zeroed outside them
        assert len(lines) <= width and (len(lines) == 0 or np.all(np.diff(lines) == 1))  # one band
        widths.append(len(lines))
    assert set(widths) == set(range(width + 1))                 # widths 0..max all drawn


# --- series ----------------------------------------------------------------------------------------------

def _imu(n=64):
    return np.random.default_rng(2).normal(0, 1, (n, 100, 6)).astype(np.float32)


def test_series_time_shift_moves_steps_only():
    out, src = _batch(_imu(), _series(time_shift=0.1))           # 0.1 of 100 steps: at most 10
    shifts = [_shift_of(o, s, 10, 0, "border") for o, s in zip(out, src)]
    assert None not in shifts and len(set(shifts)) > 8


def test_series_scale_is_one_gain_per_channel():
    out, src = _batch(_imu(), _series(scale=0.1))
    gain = out / src                                              # (N, T, C)
    assert np.allclose(gain, gain[:, :1, :], rtol=1e-5)           # constant along time
    g = gain[:, 0, :]
    assert abs(g.mean() - 1) < 0.03 and abs(g.std() - 0.1) < 0.02
    assert np.abs(g[:, 0] - g[:, 1]).max() > 0.01                 # channels drawn independently


def test_series_jitter_has_the_asked_std():
    out, src = _batch(_imu(), _series(noise=0.03))
    assert abs((out - src).std() - 0.03) < 0.003


# --- seeding ---------------------------------------------------------------------------------------------

def _epochs(seed, epochs=2):
    ds = augment.batches(_images(n=32), np.arange(32), 8, AugmentConfig(kind="image", shift=0.25, flip=True,
                                                                           erase=0.5, fill="zeros"), seed)
    return [np.concatenate([np.asarray(xb) for xb, _ in ds]) for _ in range(epochs)]


def test_same_seed_same_batches_new_variants_each_epoch():
    a, b, c = _epochs(3), _epochs(3), _epochs(4)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))        # same seed: the same batches
    assert not np.array_equal(a[0], c[0])                          # another seed: others
    assert not np.array_equal(a[0], a[1])                          # and each epoch new variants


# --- the recipe's table, per data set -------------------------------------------------------------------

def _splits(shape, task="classification", preprocessing=None):
    x = np.zeros((4, *shape), np.float32)
    y = np.zeros(4, np.int64)
    return Splits("s", ("a", "b"), x, y, x, y, x, y, x, task=task, preprocessing=preprocessing)


def test_auto_picks_the_kind_from_the_data_with_its_defaults():
    cases = {"image": _splits((28, 28, 1)), "spectrogram": _splits((49, 10, 1), preprocessing={"frontend": {}}),
             "series": _splits((100, 6)), "none": _splits((512, 1), task="anomaly")}
    for kind, splits in cases.items():
        r = augment.resolve(AugmentConfig(), splits)
        assert r.kind == kind and r.params() == config.AUGMENT_DEFAULTS[kind]
    assert augment.resolve(AugmentConfig(), _splits((13,))).kind == "none"      # flat csv features
    assert not augment.resolve(AugmentConfig(), cases["image"]).flip            # never flip unless asked
    assert augment.resolve(AugmentConfig(erase=0.2), cases["image"]).erase == 0.2


def test_builtin_recipes_spell_out_their_kinds_defaults():
    """Every built-in recipe has an explicit [augment]; digits never flips (a mirrored digit is not
    that digit). fashion-mnist's short schedule measured better without (its recipe says how much)."""
    kinds = {"digits": "image", "fashion-mnist": "none", "kws": "spectrogram", "kws-digits": "spectrogram",
             "har": "series", "gesture": "series", "ecg-anomaly": "none"}
    assert sorted(kinds) == config.builtin_names()
    for name, kind in kinds.items():
        a = config.load_recipe(name).augment
        assert a.kind == kind and a.params() == config.AUGMENT_DEFAULTS[kind], name
    assert config.load_recipe("digits").augment.flip is False


def test_a_kind_the_data_cannot_take_is_refused():
    with pytest.raises(UserError, match="reconstruct their input"):
        augment.resolve(AugmentConfig(kind="series"), _splits((512, 1), task="anomaly"))
    with pytest.raises(UserError, match=r"needs \(height, width, channels\)"):
        augment.resolve(AugmentConfig(kind="image"), _splits((100, 6)))
    with pytest.raises(UserError, match=r"needs \(steps, channels\)"):
        augment.resolve(AugmentConfig(kind="series"), _splits((28, 28, 1)))
    with pytest.raises(UserError, match="flip does not apply to kind 'series'"):
        augment.resolve(AugmentConfig(flip=True), _splits((100, 6)))      # auto -> series, then checked


def test_describe_names_what_ran():
    r = augment.resolve(AugmentConfig(flip=True), _splits((28, 28, 1)))
    assert augment.describe(r) == {"kind": "image", "shift": 0.1, "fill": "zeros", "flip": True, "erase": 0.0}
    assert augment.describe(augment.resolve(AugmentConfig(), _splits((4,), task="anomaly"))) == {"kind": "none"}


def test_cli_refuses_a_bad_augment_table_with_exit_2(tmp_path, cli):
    bad = tmp_path / "r.toml"
    bad.write_text('name = "x"\ndataset = "har"\n[augment]\nkind = "image"\n')
    r = cli("run", "--recipe", bad, "--quick", "--out", tmp_path / "o")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "needs (height, width, channels)" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_metrics_json_records_the_augmentation_that_ran():
    from types import SimpleNamespace

    from pipeline.stages import report
    ran = augment.describe(augment.resolve(AugmentConfig(), _splits((49, 10, 1), preprocessing={"frontend": {}})))
    info = {"teacher": {"params": 9, "accuracy": 0.9},
            "distill": {"params": 3, "accuracy": 0.8, "augmentation": ran},
            "qat": {"accuracy": 0.8}, "convert": {"bytes": {"int8": 10}},
            "verify": {"tflm_accuracy": 0.8, "litert_ref_accuracy": 0.8, "samples": 1, "references_agree": 1.0,
                       "references_differing": 0, "references_max_abs_diff": 0},
            "tflm": {"arena_bytes": 1, "arena_bytes_with_margin": 2, "ops": []}}
    m = report.metrics(config.load_recipe("kws"), SimpleNamespace(name="host"), info, {}, 10)
    spectrogram = {"kind": "spectrogram", **config.AUGMENT_DEFAULTS["spectrogram"]}
    assert m["distill"] == {"loss": "kd", "temperature": 4.0, "student_loss_weight": 0.3, "epochs": 40,
                            "augmentation": spectrogram}     # the kws recipe's [distill] and [augment]
