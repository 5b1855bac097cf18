"""Prebuild the emulated ARM userlands of the Linux targets and, for targets whose runtime is
tflite-runtime, the host reference env of that version (their verify golden; see
pipeline/linux/hostref.py). Called by `make setup`; both also build on first need.
Usage: python tools/build_rootfs.py [TARGET ...]   (default: every linux target)"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import targets  # noqa: E402
from pipeline.errors import UserError  # noqa: E402
from pipeline.linux import hostref, rootfs  # noqa: E402


def main(argv):
    names = argv or [n for n in targets.names() if targets.load(n).kind == "linux"]
    try:
        for name in names:
            t0 = time.monotonic()
            target = targets.load(name)
            view = rootfs.view_for(target)
            spec = hostref.spec_for(target)
            ref = f", host reference {hostref.ensure(spec).parents[1]}" if spec else ""
            print(f"{name}: {view}{ref} ({time.monotonic() - t0:.1f} s)")
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
