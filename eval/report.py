"""Presenting results: table rows, Markdown, CSV columns and the bar chart.

Pure formatting of already computed results; ``eval.io`` writes the outputs.
ROUGE values are shown x100 with their confidence interval in brackets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from eval.rouge import Interval

BENCH_COLUMNS = (
    "system",
    "examples",
    "rouge1_f",
    "rouge1_low",
    "rouge1_high",
    "rouge2_f",
    "rouge2_low",
    "rouge2_high",
    "rougeL_f",
    "rougeLsum_f",
    "rougeLsum_low",
    "rougeLsum_high",
    "entity_precision_source",
    "unsupported_entities_per_summary",
    "guard_removed_share",
    "seconds_per_example",
    "words_per_summary",
    "peak_memory_mb",
    "load_seconds",
)
CHART_TYPES = (("rouge1", "ROUGE-1"), ("rouge2", "ROUGE-2"), ("rougeLsum", "ROUGE-Lsum"))


def pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}"


def seconds_text(value: float | None) -> str:
    """Seconds to three significant digits, never in exponent form: ``0.00221``, ``0.986``, ``12.3``.

    Fixed decimals would print 0.002 and 0.020 for systems 9x apart.
    """
    if value is None:
        return "-"
    if value <= 0:
        return "0"
    decimals = max(2 - math.floor(math.log10(value)), 0)
    return f"{value:.{decimals}f}"


def interval_text(iv: Interval) -> str:
    """``35.2 [33.0, 37.4]`` (x100)."""
    return f"{pct(iv.mean)} [{pct(iv.low)}, {pct(iv.high)}]"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def bench_markdown(rows: Sequence[dict], intervals: Sequence[dict[str, Interval]], caption: str) -> str:
    """The benchmark table: one row per system (``rows`` from ``BENCH_COLUMNS``)."""
    headers = [
        "system", "n", "ROUGE-1 F1", "ROUGE-2 F1", "ROUGE-Lsum F1", "entity prec-source",
        "guard removed %", "s/example", "words", "peak MB",
    ]
    body = []
    for row, ivs in zip(rows, intervals):
        body.append([
            f"`{row['system']}`",
            str(row["examples"]),
            interval_text(ivs["rouge1"]),
            interval_text(ivs["rouge2"]),
            interval_text(ivs["rougeLsum"]),
            pct(row["entity_precision_source"]),
            pct(row.get("guard_removed_share")),
            seconds_text(row["seconds_per_example"]),
            f"{row['words_per_summary']:.1f}",
            f"{row['peak_memory_mb']:.0f}" if row["peak_memory_mb"] is not None else "-",
        ])
    return caption.rstrip() + "\n\n" + markdown_table(headers, body)


def bar_chart(systems: Sequence[str], intervals: Sequence[dict[str, Interval]], title: str):
    """Grouped bars of ROUGE-1/2/Lsum F1 per system with CI error bars; returns a Figure.

    Each bar carries its value; the legend sits above the plot, outside the
    bars; ``title`` should name the dataset and n (``write_results`` does).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(max(6.0, 1.9 * len(systems) + 2), 4.4))
    x = np.arange(len(systems))
    width = 0.8 / len(CHART_TYPES)
    top = 0.0
    for k, (key, label) in enumerate(CHART_TYPES):
        means = [100 * iv[key].mean for iv in intervals]
        lows = [100 * (iv[key].mean - iv[key].low) for iv in intervals]
        highs = [100 * (iv[key].high - iv[key].mean) for iv in intervals]
        bars = ax.bar(x + (k - 1) * width, means, width, yerr=[lows, highs], capsize=3, label=label,
                      error_kw={"elinewidth": 0.8, "alpha": 0.7})
        # Values sit above the error bars' tops, so a value never hides behind a whisker.
        for bar, mean, high in zip(bars, means, highs):
            ax.annotate(f"{mean:.1f}", (bar.get_x() + bar.get_width() / 2, mean + high), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7.5)
        top = max([top, *(m + h for m, h in zip(means, highs))])
    ax.set_xticks(x)
    ax.set_xticklabels(systems, rotation=15 if max(map(len, systems), default=0) > 14 else 0, ha="right" if max(map(len, systems), default=0) > 14 else "center")
    ax.set_ylabel("F1 x 100 (whiskers: 95% CI)")
    ax.set_ylim(0, top * 1.15 + 1)
    ax.set_title(title, fontsize=10, pad=28)
    ax.legend(frameon=False, ncols=len(CHART_TYPES), loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig
