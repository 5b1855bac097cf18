"""The candidate students: the zoo families' knobs, over a grid small enough to cost in minutes.

    images / spectrograms (H, W, C):  ds-cnn  alpha x depth (blocks) x stem stride
                                      cnn     width
    series (T, C):                    cnn1d   width x kernel

ds-cnn's stem_stride=2 halves the feature maps right after the stem: it stands in for a lower
input resolution (the teacher, trained on the full-size input, still teaches the same x).
The recipe's own student is always a candidate, so a budget equal to its cost can choose it.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    arch: str
    kwargs: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        args = " ".join(f"{k}={_fmt(v)}" for k, v in sorted(self.kwargs.items()))
        return f"{self.arch} {args}".strip()

    def as_dict(self) -> dict:
        return {"arch": self.arch, "kwargs": dict(self.kwargs)}


def _fmt(v) -> str:
    return "-".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v)


# ds-cnn depths: the MLPerf Tiny DS-CNN's four blocks, one fewer, one more (widths as its own)
DEPTHS = ((64, 128), (64, 128, 128), (64, 64, 128, 128), (64, 64, 128, 128, 128))
ALPHAS = (0.25, 0.5, 0.75, 1.0)


def candidates(input_shape, recipe_student=None, quick: bool = False) -> list[Candidate]:
    """Every candidate for data of this shape, the recipe's student first when it is a zoo one.
    `quick`: a handful, for tests and --quick runs."""
    out: list[Candidate] = []
    if len(input_shape) == 3:
        alphas, depths = ((0.25, 0.5), DEPTHS[1:3]) if quick else (ALPHAS, DEPTHS)
        for blocks in depths:
            for alpha in alphas:
                kw = {"alpha": alpha}
                if blocks != DEPTHS[2]:
                    kw["blocks"] = list(blocks)
                out.append(Candidate("ds-cnn", kw))
        if not quick:
            out += [Candidate("ds-cnn", {"alpha": a, "stem_stride": 2}) for a in alphas]
        out += [Candidate("cnn", {"width": w}) for w in ((4, 8) if quick else (4, 8, 16))]
    elif len(input_shape) == 2:
        widths, kernels = ((4, 8), (5,)) if quick else ((4, 8, 16, 32), (3, 5, 7))
        out += [Candidate("cnn1d", {"width": w, "kernel": k}) for w in widths for k in kernels]
    if recipe_student is not None and not recipe_student.path:
        own = Candidate(recipe_student.arch, dict(recipe_student.kwargs))
        out = [own] + [c for c in out if _norm(c) != _norm(own)]
    return out


def _norm(c: Candidate) -> tuple:
    """Candidates equal up to defaults spelt out: ds-cnn blocks=(64, 64, 128, 128) is ds-cnn."""
    kw = {k: tuple(v) if isinstance(v, list) else v for k, v in c.kwargs.items()}
    defaults = {"ds-cnn": {"alpha": 1.0, "blocks": DEPTHS[2], "stem_stride": 1},
                "cnn": {"width": 8}, "cnn1d": {"width": 8, "kernel": 5}}.get(c.arch, {})
    return c.arch, tuple(sorted({**defaults, **kw}.items()))
