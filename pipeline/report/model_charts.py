"""The int8 model's own figures: confusion matrices, ROC and score histogram (anomaly tasks),
instructions and MACs op by op, and the arena plan as a timeline. PNG bytes, as charts.py."""

import numpy as np

from pipeline.report.charts import BLUE, GREY, ORANGE, png, plt


def confusion(panels: list[tuple[str, list[list[int]]]], classes: list[str] | None) -> bytes:
    """panels: (title, matrix rows=true, columns=predicted); cells shaded by the share of the
    true class (recall), counts written in them."""
    k = len(panels[0][1])
    names = list(classes) if classes and len(classes) == k else [str(i) for i in range(k)]
    side = 0.42 * k + 2.2
    fig, axes = plt.subplots(1, len(panels), figsize=(side * len(panels), side), squeeze=False)
    for ax, (title, m) in zip(axes[0], panels):
        m = np.asarray(m)
        share = m / np.maximum(1, m.sum(1, keepdims=True))
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(k):
            for j in range(k):
                if m[i, j]:
                    ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if share[i, j] > 0.6 else "black")
        ax.set_xticks(range(k), names, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(k), names, fontsize=7)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{title}\n{np.trace(m)} of {m.sum()} right", fontsize=9)
    fig.tight_layout()
    return png(fig)


def roc(panels: list[tuple[str, dict]]) -> bytes:
    """panels: (model, {"normal": scores, "anomalous": scores}); ROC curves of all, then the
    score histogram of each."""
    from sklearn.metrics import roc_auc_score, roc_curve
    fig, axes = plt.subplots(1, 1 + len(panels), figsize=(4 * (1 + len(panels)), 3.4))
    for (name, s), color in zip(panels, (GREY, ORANGE, BLUE)):
        y = np.r_[np.zeros(len(s["normal"])), np.ones(len(s["anomalous"]))]
        score = np.r_[s["normal"], s["anomalous"]]
        fpr, tpr, _ = roc_curve(y, score)
        axes[0].plot(fpr, tpr, color=color, label=f"{name} (AUC {roc_auc_score(y, score):.4f})")
    axes[0].plot([0, 1], [0, 1], ":", color=GREY)
    axes[0].set_xlabel("false positive rate")
    axes[0].set_ylabel("true positive rate")
    axes[0].set_title("ROC", fontsize=9)
    axes[0].legend(fontsize=7, loc="lower right")
    for ax, (name, s) in zip(axes[1:], panels):
        both = np.r_[s["normal"], s["anomalous"]]
        bins = np.linspace(both.min(), both.max(), 30)
        ax.hist(s["normal"], bins=bins, alpha=0.6, color=BLUE, label=f"normal ({len(s['normal'])})")
        ax.hist(s["anomalous"], bins=bins, alpha=0.6, color=ORANGE, label=f"anomalous ({len(s['anomalous'])})")
        ax.set_xlabel("anomaly score (reconstruction MSE)")
        ax.set_title(f"{name}: scores", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return png(fig)


def per_op(ops: list[dict]) -> bytes:
    """ops: [{"op", "kind", "instructions", "macs"}] in op order (bench_mcu's)."""
    labels = [f"{o['op']} {o['kind']}" for o in ops][::-1]
    total = sum(o["instructions"] for o in ops) or 1
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 0.32 * len(ops) + 1.4), sharey=True)
    a.barh(labels, [o["instructions"] for o in ops][::-1], color=BLUE)
    for i, o in enumerate(ops[::-1]):
        a.text(o["instructions"], i, f" {o['instructions'] / total:.0%}", va="center", fontsize=7)
    a.set_title("instructions per op", fontsize=9)
    b.barh(labels, [o["macs"] for o in ops][::-1], color=GREY)
    for i, o in enumerate(ops[::-1]):
        if o["macs"] and o["instructions"]:
            b.text(o["macs"], i, f" {o['macs'] / o['instructions']:.2f} MAC/instr", va="center", fontsize=7)
    b.set_title("MACs per op", fontsize=9)
    for ax in (a, b):
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return png(fig)


def memory_plan(plan) -> bytes:
    """One rectangle per buffer: arena bytes (y) during the ops that write or read it (x); the
    kernels' shared scratch as a band at the top."""
    fig, ax = plt.subplots(figsize=(9, 3.8))
    colors = plt.get_cmap("tab20")
    last = max((b.last for b in plan.buffers), default=0)
    for b in plan.buffers:
        ax.add_patch(plt.Rectangle((b.first - 0.45, b.offset), b.last - b.first + 0.9, b.size,
                                   facecolor=colors(b.id % 20), edgecolor="black", lw=0.5, alpha=0.85))
        if b.size > plan.arena_bytes * 0.06:
            ax.text((b.first + b.last) / 2, b.offset + b.size / 2, f"{b.size:,} B", ha="center", va="center",
                    fontsize=7)
    if plan.scratch_bytes:
        ax.add_patch(plt.Rectangle((-1.45, plan.scratch_offset), last + 1.9, plan.scratch_bytes,
                                   facecolor="none", edgecolor=ORANGE, hatch="//", lw=0.8))
        ax.text(-1.3, plan.scratch_offset + plan.scratch_bytes / 2, "kernel scratch", fontsize=7, va="center")
    ax.set_xlim(-1.6, last + 0.6)
    ax.set_ylim(0, plan.arena_bytes)
    ax.set_xlabel("op (-1: the input copied in)")
    ax.set_ylabel("arena offset (B)")
    ax.set_title(f"arena {plan.arena_bytes:,} B, {len(plan.buffers)} buffers", fontsize=9)
    fig.tight_layout()
    return png(fig)
