"""Benchmarks that span the whole tool (CLI, pipeline and engine) run in their smoke modes, so they cannot rot.

Benchmarks of one stage are tested beside that stage (tests/test_group.py
runs benchmarks/grouping.py); ``abstractive_vs_naive`` times the whole
``briefing brief`` command against a separate script, so it is tested here.
"""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_DATA = REPO.parent / "shared" / "bench"


def test_abstractive_vs_naive_smoke_runs_both_sides_at_equal_output_lengths(tmp_path):
    # The DUC workload (3 articles in smoke mode) when the shared data is here, else seeds/ (5 articles).
    workload = "duc" if (BENCH_DATA / "mds_dev.jsonl").exists() else "seeds"
    out, results = tmp_path / "table.md", tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "abstractive_vs_naive.py"), "--smoke", "--workloads", workload,
         "--cache-dir", str(tmp_path / "cache"), "--out", str(out), "--json", str(results)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(results.read_text(encoding="utf-8"))
    naive, briefing = report["rows"]
    assert (naive["side"], briefing["side"]) == ("naive", "briefing (defaults)")
    assert naive["articles"] == briefing["articles"] == (3 if workload == "duc" else 5)
    # Naive: one generate per article plus the final one; each makes exactly --new-tokens (8) tokens.
    assert naive["generate_calls"] == naive["articles"] + 1
    assert naive["generated_tokens"] == 8 * naive["generate_calls"]
    assert naive["encoder_tokens"] > 0
    # Briefing: the same forced length per generated sequence, whoever counted it.
    assert briefing["counts_from"] in ("engine_usage", "counted by the benchmark")
    assert briefing["generate_calls"] >= 1 and briefing["generated_tokens"] % 8 == 0
    for row in (naive, briefing):
        assert row["wall_s"] > 0 and row["cpu_s"] > 0 and row["peak_rss_mb"] > 100  # torch alone takes more
        assert row["load_s"] is not None and 0 < row["load_s"] < row["wall_s"]
        assert row["articles_per_s"] == row["articles"] / row["wall_s"]
    assert naive["ratio"] == 1.0 and briefing["ratio"] == naive["wall_s"] / briefing["wall_s"]
    table = out.read_text(encoding="utf-8")
    assert "| naive |" in table and "| briefing (defaults) |" in table
    assert done.stdout.strip() in table  # the same table on stdout, under a header naming the settings
