"""Real recorded digits from Debian's asterisk-core-sounds-en-wav (Allison Smith, one speaker,
8 kHz PCM, CC-BY-SA-3.0), as MFCC features for evaluation: (x, y), one pool.

Only one recording per digit exists; each is added at a few fixed time offsets (the options'
`offsets_ms`) so the test set is not 10 samples, and the count stays 10 x len(offsets_ms).
"""

from pathlib import Path

import numpy as np

from pipeline.data.audio import frontend, wav
from pipeline.errors import UserError


def load(spec):
    params = frontend.check((spec.preprocessing or {}).get("frontend", {}))
    folder = Path(spec.options["folder"])
    files = [folder / f for f in spec.options["files"]]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise UserError(f"data set '{spec.name}' is not installed ({missing[0]} is missing)",
                        f"run `make setup` (Debian package {spec.debian_package})")
    clips, labels = [], []
    for label, f in enumerate(files):              # files are in class order: 0.wav .. 9.wav
        for ms in spec.options["offsets_ms"]:
            clips.append(wav.read_clip(f, params, offset=int(params["sample_rate"] * ms / 1000)))
            labels.append(label)
    return frontend.mfcc(np.stack(clips), params), np.array(labels, np.int64)
