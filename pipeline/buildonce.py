"""Build a cached directory once per machine, atomically: the ARM userlands, the host reference
env, the synthesized speech data sets.

The directory is made under a temp name beside its final place, marked `.complete`, then renamed
(atomic on one filesystem). A reader trusts only a directory with `.complete`; a killed build
leaves nothing under the final name, and of two concurrent builders the first rename wins.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.errors import UserError


def ensure(final: Path, what: str, make, progress=None) -> Path:
    """`final` if complete, else make(work_dir) -> (built_dir, meta) and rename built_dir there."""
    if (final / ".complete").is_file():
        return final
    say = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    final.parent.mkdir(parents=True, exist_ok=True)
    say(f"building {what} (once; cached in {final}) ...")
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f".build-{final.name}-", dir=final.parent))
    try:
        built, meta = make(work)
        (built / ".complete").write_text(json.dumps({**meta, "seconds": round(time.monotonic() - t0, 1)},
                                                    default=list))
        try:
            os.rename(built, final)
        except OSError:
            if not (final / ".complete").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"{what} ready in {time.monotonic() - t0:.0f} s")
    return final


def run_step(cmd, what: str, subject: str, fix: str, env=None):
    """One build command; its failure becomes a UserError with the last lines it printed."""
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
        raise UserError(f"building {subject} failed ({what}): {' | '.join(tail)}", fix)
    return r
