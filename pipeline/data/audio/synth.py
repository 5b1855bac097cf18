"""Spoken words from espeak-ng (GPL-3.0 synthesiser; the clips it makes are ours), run offline.

One subprocess per utterance, no shell: `espeak-ng -v VOICE+VARIANT -p PITCH -s SPEED --stdout WORD`
(~10 ms each), a thread per core. Output is 22,050 Hz 16-bit mono; it is resampled to the front
end's rate and trimmed to the spoken part so augmentation can place it in the clip.
"""

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from pipeline.data.audio import wav
from pipeline.errors import UserError

WORD = re.compile(r"^[a-z][a-z' ]*$")     # plain words only: nothing espeak-ng could read as an option
TRIM_LEVEL = 0.02                         # of the peak: below it a sample counts as silence


@dataclass(frozen=True)
class Utterance:
    word: str
    voice: str      # e.g. "en-gb-scotland+f3"
    pitch: int      # espeak-ng -p, 0..99 (50 is the voice's normal)
    speed: int      # espeak-ng -s, words per minute


def espeak() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise UserError("espeak-ng is not installed", "run `make setup` (Debian package espeak-ng)")
    return path


def version() -> str:
    """e.g. 'eSpeak NG text-to-speech: 1.51  Data at: ...' first words: part of the cache key."""
    out = subprocess.run([espeak(), "--version"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split()[:4])


def check_words(words, where: str):
    for w in words:
        if not WORD.match(w):
            raise UserError(f"{where}: '{w}' is not a plain lower-case word",
                            "use letters, spaces and apostrophes only")


def say(u: Utterance, rate: int) -> np.ndarray:
    """The spoken part of one utterance, float32 at `rate` Hz."""
    r = subprocess.run([espeak(), "-v", u.voice, "-p", str(u.pitch), "-s", str(u.speed), "--stdout", u.word],
                       capture_output=True)
    if r.returncode != 0 or not r.stdout:
        raise UserError(f"espeak-ng failed on {u} ({r.stderr.decode(errors='replace').strip()[:200]})",
                        "check the voice names with `espeak-ng --voices=en`")
    x, src_rate = wav.decode(r.stdout, f"espeak-ng output for {u}")
    return trim(wav.resample(x, src_rate, rate))


def trim(x: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > TRIM_LEVEL * np.abs(x).max())
    return x[loud[0]: loud[-1] + 1] if len(loud) else x


def say_all(utterances: list[Utterance], rate: int, workers: int | None = None) -> dict:
    """{utterance: audio} for the distinct utterances, synthesised in parallel (order-independent)."""
    distinct = list(dict.fromkeys(utterances))
    workers = workers or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:     # threads: the work is in the subprocesses
        return dict(zip(distinct, pool.map(lambda u: say(u, rate), distinct)))


def plan(word: str, n: int, opts: dict, rng: np.random.Generator) -> list[Utterance]:
    """n seeded draws of (voice, variant, pitch, speed) for one word, from the options' ranges."""
    voices = [v + (f"+{var}" if var else "") for v in opts["voices"] for var in opts["variants"]]
    pick = rng.integers(len(voices), size=n)
    pitch = rng.integers(opts["pitch"][0], opts["pitch"][1] + 1, size=n)
    speed = rng.integers(opts["speed"][0], opts["speed"][1] + 1, size=n)
    return [Utterance(word, voices[v], int(p), int(s)) for v, p, s in zip(pick, pitch, speed)]
