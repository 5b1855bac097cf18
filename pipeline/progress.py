"""Progress a person watches: a bar with ETA on a terminal, nothing when output is a file or a pipe
(CI logs, `--json`, tests). Training epochs use Keras' own bar (`fit_verbosity`); long emulator runs
over many samples use `bar`."""

import sys


def interactive() -> bool:
    return sys.stderr.isatty()


def fit_verbosity() -> int:
    """Keras' fit(verbose=): 1, its per-step bar with ETA, on a terminal; 2, one line per epoch,
    when output is a file."""
    return 1 if sys.stdout.isatty() else 2


class _Quiet:
    def update_to(self, done: int) -> None:
        pass

    def close(self) -> None:
        pass


class _Bar:
    def __init__(self, total: int, desc: str, unit: str):
        from tqdm import tqdm
        self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr,
                         dynamic_ncols=True)

    def update_to(self, done: int) -> None:
        done = min(done, self._bar.total)
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


def bar(total: int, desc: str, unit: str = "sample", minimum: int = 2):
    """A bar of `total` steps (update_to(done), then close()); a no-op object when stderr is not a
    terminal or there are fewer than `minimum` steps (one sample needs no bar)."""
    return _Bar(total, desc, unit) if interactive() and total >= minimum else _Quiet()
