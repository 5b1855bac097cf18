"""Keyword-spotting sets synthesised with espeak-ng, as MFCC features: (x, y), one pool.

Each class is a word, except two optional special classes named in the options: `silence`
(background noise only) and `unknown` (words drawn from `unknown_words`). Every sample is one
utterance (seeded voice, variant, pitch, speed) placed and mixed by pipeline.data.audio.augment.
The features are built once per machine and cached (pipeline.data.audio.cache).
"""

import numpy as np

from pipeline.data.audio import augment, cache, frontend, synth
from pipeline.errors import UserError

CODE_VERSION = 1      # bump when synthesis or augmentation changes what a given seed produces
OPTIONS = ("seed", "per_class", "voices", "variants", "pitch", "speed", "shift_ms", "peak_dbfs",
           "noise", "noise_probability", "noise_dbfs", "silence", "unknown", "unknown_words")


def load(spec):
    params = frontend.check((spec.preprocessing or {}).get("frontend", {}))
    opts = _check(spec.name, spec.options)
    key = {"loader": "espeak-words", "classes": list(spec.classes), "options": opts, "frontend": params,
           "espeak": synth.version(), "code": CODE_VERSION}
    out = cache.arrays(spec.name, key, lambda: build(spec.classes, opts, params))
    return out["x"], out["y"]


def _check(name: str, opts: dict) -> dict:
    missing = [k for k in OPTIONS if k not in opts]
    if missing:
        raise UserError(f"data set '{name}': [espeak-words] lacks {', '.join(missing)}",
                        f"give all of: {', '.join(OPTIONS)}")
    bad = [k for k in opts["noise"] if k not in augment.NOISES]
    if bad:
        raise UserError(f"data set '{name}': unknown noise {bad}", f"choose from {', '.join(augment.NOISES)}")
    synth.check_words(opts["unknown_words"], f"data set '{name}' unknown_words")
    return dict(opts)


def build(classes, opts: dict, params: dict) -> dict[str, np.ndarray]:
    """{'x': (N, frames, coefficients, 1) float32, 'y': (N,) int64}, per_class samples per class."""
    rate, length, n = params["sample_rate"], params["clip_samples"], opts["per_class"]
    words = [c for c in classes if c not in (opts["silence"], opts["unknown"])]
    synth.check_words(words, "class names")
    plans = {}
    for label, c in enumerate(classes):
        rng = np.random.default_rng([opts["seed"], label, 0])
        if c == opts["silence"]:
            continue
        if c == opts["unknown"]:
            picks = rng.integers(len(opts["unknown_words"]), size=n)
            plans[label] = [u for i in picks for u in synth.plan(opts["unknown_words"][i], 1, opts, rng)]
        else:
            plans[label] = synth.plan(c, n, opts, rng)
    audio = synth.say_all([u for p in plans.values() for u in p], rate)
    clips, labels = [], []
    for label, c in enumerate(classes):
        rng = np.random.default_rng([opts["seed"], label, 1])   # augmentation: its own stream per class
        for i in range(n):
            clips.append(augment.silence_clip(length, rate, opts, rng) if label not in plans else
                         augment.speech_clip(audio[plans[label][i]], length, rate, opts, rng))
            labels.append(label)
    return {"x": frontend.mfcc(np.stack(clips), params), "y": np.array(labels, np.int64)}
