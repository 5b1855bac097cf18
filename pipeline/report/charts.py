"""The run's figures of merit, one matplotlib figure each, returned as PNG bytes.

Every function takes plain numbers (from metrics.json / search.json) and draws them; nothing here
measures or estimates anything except latency_ms, whose formula is the search's
(instructions x cycles_per_instruction / clock_hz, pipeline/search/budget.py) and is labelled an
estimate wherever it is drawn.
"""

import io

import matplotlib

matplotlib.use("Agg")                 # no display: the report is written by a batch run
import matplotlib.pyplot as plt       # noqa: E402
import matplotlib.ticker               # noqa: E402

BLUE, ORANGE, GREEN, GREY, RED = "#3b6ea8", "#e08a2c", "#4a9a5b", "#9a9a9a", "#c0392b"


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def count(v: float, _=None) -> str:
    """An axis tick for instructions or MACs: 88.9 k, 2.3 M."""
    return f"{v / 1e6:.1f} M" if abs(v) >= 1e6 else f"{v / 1e3:.0f} k" if abs(v) >= 1e3 else f"{v:.0f}"


def pct(metric: str, v: float) -> str:
    return f"{v:.4f}" if metric == "auc" else f"{v:.2%}"


def accuracy(rows: list[tuple[str, float, str]], metric: str) -> bytes:
    """rows: (model, figure, what it is: params, size, samples), top to bottom."""
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.2))
    names = [r[0] for r in rows][::-1]
    values = [r[1] for r in rows][::-1]
    colors = [GREY if "teacher" in n else (ORANGE if "int8" in n else BLUE) for n in names]
    ax.barh(names, values, color=colors)
    lo = min(values)
    ax.set_xlim(max(0.0, lo - (1 - lo) * 1.5 - 0.02), 1.0)     # the differences, not the 0..lo bar
    for i, (v, r) in enumerate(zip(values, rows[::-1])):
        ax.text(v, i, f" {pct(metric, v)}  {r[2]}", va="center", fontsize=8)
    ax.set_xlabel("test AUC" if metric == "auc" else "test accuracy")
    ax.spines[["top", "right"]].set_visible(False)
    return png(fig)


def footprint(items: list[tuple[str, int, int | None]]) -> bytes:
    """items: (what, bytes used, budget bytes or None); one bar each, the budget as the full bar."""
    fig, axes = plt.subplots(len(items), 1, figsize=(9, 1.1 * len(items) + 0.4), squeeze=False)
    for ax, (what, used, budget) in zip(axes[:, 0], items):
        top = budget or used
        if budget:
            ax.barh([0], [budget], color="#e6e6e6", edgecolor=GREY)
        ax.barh([0], [used], color=RED if budget and used > budget else GREEN, height=0.6)
        share = f" ({used / budget:.1%} of {budget:,} B)" if budget else " (no budget known)"
        ax.set_title(f"{what}: {used:,} B{share}", fontsize=9, loc="left")
        ax.set_xlim(0, top * 1.02)
        ax.set_yticks([])
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1024:.0f} KiB"))
    fig.tight_layout()
    return png(fig)


def latency(instructions: int, macs: int | None, ms: float | None, clock: str, budget_ms: float | None) -> bytes:
    """Instructions (counted on the emulator) and the estimated milliseconds at the board's clock."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 2.4))
    a.barh(["instructions", "MACs"] if macs else ["instructions"], [instructions, macs] if macs else [instructions],
           color=[BLUE, GREY][:2 if macs else 1])
    a.set_title("per inference, counted on the emulator", fontsize=9)
    a.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(count))
    if ms is None:
        b.text(0.5, 0.5, "no clock / CPI in the target profile:\nno estimate", ha="center", va="center")
        b.set_axis_off()
    else:
        b.barh(["estimate"], [ms], color=ORANGE, hatch="//", edgecolor="white")
        if budget_ms:
            b.axvline(budget_ms, color=RED, ls="--", label=f"budget {budget_ms:g} ms")
            b.legend(fontsize=8, loc="lower right")
        b.set_xlim(0, max(ms, budget_ms or 0) * 1.25)
        b.text(ms, 0, f" {ms:.2f} ms", va="center")
        b.set_title(f"ESTIMATE in ms: {clock}", fontsize=9)
    for ax in (a, b):
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return png(fig)


def pareto(candidates: list[dict], fronts: dict, chosen: str, budget: dict) -> bytes:
    """Validation accuracy of each trained candidate against its instructions, RAM and flash; the
    front joined, the chosen one starred, the budget as a dashed line where it limits that cost."""
    costs = [("instructions", "instructions", None), ("ram_bytes", "RAM (B)", budget.get("ram_bytes")),
             ("flash_bytes", "flash (B)", budget.get("flash_bytes"))]
    trained = [c for c in candidates if c.get("val_accuracy") is not None]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
    for ax, (key, label, limit) in zip(axes, costs):
        ax.scatter([c["cost"][key] for c in trained], [c["val_accuracy"] for c in trained], color=GREY, s=18,
                   label="trained candidates")
        on = sorted((c for c in trained if c["name"] in fronts.get(key, ())), key=lambda c: c["cost"][key])
        ax.plot([c["cost"][key] for c in on], [c["val_accuracy"] for c in on], "-o", color=BLUE, ms=4,
                label="Pareto front")
        for c in trained:
            if c["name"] == chosen:
                ax.scatter([c["cost"][key]], [c["val_accuracy"]], marker="*", s=160, color=ORANGE, zorder=3,
                           label=f"chosen: {chosen}")
        if limit:
            ax.axvline(limit, color=RED, ls="--", label="budget")
        ax.set_xlabel(label)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_ylabel("validation accuracy (search)")
    axes[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return png(fig)


def curves(histories: dict[str, dict], metric: str) -> bytes:
    """histories: stage -> keras History.history; one row per stage: loss, then the validation figure."""
    fig, axes = plt.subplots(len(histories), 2, figsize=(9, 2.2 * len(histories)), squeeze=False)
    for (stage, h), (a, b) in zip(histories.items(), axes):
        epochs = range(1, len(h.get("loss", ())) + 1)
        for key, color in (("loss", BLUE), ("val_loss", ORANGE)):
            if key in h:
                a.plot(epochs, h[key], "-o", ms=3, color=color, label=key)
        a.set_title(f"{stage}: loss", fontsize=9, loc="left")
        a.legend(fontsize=7)
        acc = [k for k in ("accuracy", "val_accuracy") if k in h]
        for key, color in zip(acc, (BLUE, ORANGE)):
            b.plot(epochs, h[key], "-o", ms=3, color=color, label=key)
        b.set_title(f"{stage}: accuracy" if acc else f"{stage}: no accuracy per epoch ({metric} task)",
                    fontsize=9, loc="left")
        if acc:
            b.legend(fontsize=7)
        for ax in (a, b):
            ax.set_xlabel("epoch")
            ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return png(fig)


def grouped(groups: list[str], series: dict[str, list[float | None]], xlabel: str, label=str,
            zoom: bool = False) -> bytes:
    """Horizontal bars: one group per row (a model, a figure), one bar per series (a run) in it,
    each written with label(value); None where that run has no such figure ("n/a", no bar).
    zoom: start the axis near the smallest value (accuracies, whose differences matter)."""
    import numpy as np
    n = len(series)
    h = 0.8 / max(1, n)
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(groups) * n + 1.4))
    ys = np.arange(len(groups))[::-1]
    values = [v for vs in series.values() for v in vs if v is not None]
    lo = max(0.0, min(values) - (1 - min(values)) * 1.5 - 0.02) if zoom and values else 0.0
    for i, (name, vs) in enumerate(series.items()):
        y = ys + (n - 1 - 2 * i) * h / 2
        ax.barh(y, [lo if v is None else v for v in vs], height=h, label=name, color=plt.get_cmap("tab10")(i))
        for yy, v in zip(y, vs):
            ax.text(lo if v is None else v, yy, f" {'n/a' if v is None else label(v)}", va="center", fontsize=7)
    if zoom:
        ax.set_xlim(lo, 1.0)
    else:
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: label(v)))
    ax.set_yticks(ys, groups, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return png(fig)
