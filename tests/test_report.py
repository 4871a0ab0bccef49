from eval.report import bar_chart, bench_markdown, interval_text, markdown_table, seconds_text
from eval.rouge import Interval


def intervals(r1, r2, rl):
    return {"rouge1": Interval(*r1), "rouge2": Interval(*r2), "rougeLsum": Interval(*rl)}


def test_tables():
    assert interval_text(Interval(0.35214, 0.33, 0.3741)) == "35.2 [33.0, 37.4]"
    assert markdown_table(["a", "b"], [["1", "2"]]) == "| a | b |\n|---|---|\n| 1 | 2 |\n"
    row = {"system": "lead", "examples": 3, "entity_precision_source": 0.9, "seconds_per_example": 0.0123,
           "words_per_summary": 98.4, "peak_memory_mb": 301.2}
    text = bench_markdown([row], [intervals((0.3, 0.2, 0.4), (0.07, 0.05, 0.09), (0.25, 0.2, 0.3))], "Caption.")
    assert text.startswith("Caption.\n\n| system |")
    # lead has no factual guard: its "guard removed %" is "-"
    assert "| `lead` | 3 | 30.0 [20.0, 40.0] | 7.0 [5.0, 9.0] | 25.0 [20.0, 30.0] | 90.0 | - | 0.0123 | 98.4 | 301 |" in text
    guarded = bench_markdown([{**row, "system": "chat:m", "guard_removed_share": 0.125}],
                             [intervals((0.3, 0.2, 0.4), (0.07, 0.05, 0.09), (0.25, 0.2, 0.3))], "Caption.")
    assert "| entity prec-source | guard removed % |" in guarded and "| 90.0 | 12.5 | 0.0123 |" in guarded


def test_seconds_keep_three_significant_digits():
    assert [seconds_text(v) for v in (0.0022149, 0.98553, 0.0195, 12.34, 1234.5, 0.0, None)] == [
        "0.00221", "0.986", "0.0195", "12.3", "1234", "0", "-"]


def test_bar_chart_has_a_bar_per_system_and_type():
    fig = bar_chart(["lead", "extractive"], [intervals((0.3, 0.2, 0.4), (0.07, 0.05, 0.09), (0.25, 0.2, 0.3))] * 2, "t")
    (ax,) = fig.axes
    assert len(ax.patches) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lead", "extractive"]


def test_bar_chart_reads_at_a_glance():
    """Values on the bars, the legend above the plot (outside the bars), n and the dataset in the title."""
    fig = bar_chart(["lead", "extractive"], [intervals((0.3, 0.2, 0.4), (0.07, 0.05, 0.09), (0.25, 0.2, 0.3))] * 2,
                    "ROUGE F1 on mds_dev.jsonl: n = 65, 100-word summaries")
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("30.0") == 2 and labels.count("7.0") == 2 and labels.count("25.0") == 2
    legend = ax.get_legend()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert legend.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1 - 1
    assert "n = 65" in ax.get_title() and "mds_dev.jsonl" in ax.get_title()
