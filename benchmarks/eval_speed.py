"""How long ``briefing eval`` takes to score many prediction/reference pairs, end to end.

Builds ``--pairs`` (default 10,000) examples from the development data in
``../shared/bench`` (``sds_dev.jsonl``: CNN/DailyMail and XSum articles with
one reference; ``mds_dev.jsonl``: DUC 2003 clusters with four references and
Multi-News clusters with one), cycling through its 140 examples. Each
prediction is a different extract of its example's documents: a few
sentences drawn from the first fifteen with a seeded generator (example
``i`` uses seed ``i``), so no two of the pairs are the same text and the
predictions look like real extractive output (lengths, entities, overlap
with the references). The references and documents of the ``k``-th copy of
an example differ from the other copies in their white space alone (the
spaces after the words that ``k``'s binary digits name are doubled): every
token, entity and score stays that of the original text, but no cache keyed
by text can serve one pair from another, as in a real evaluation, where
every example has its own references and documents. The three files ``briefing eval`` reads are written
(``pred.jsonl``, ``ref.jsonl`` and, with sources, ``src.jsonl``), then the
command is run as a user runs it, in a subprocess, and timed from start to
exit (start-up, reading, ROUGE-1/2/L/Lsum with bootstrap intervals, the
entity metrics, writing the JSON report).

Two settings are timed by default: without sources (ROUGE and the entity
metrics against the references, precision-target and recall-target) and with
``--sources`` (also precision-source against the documents).

Wall and CPU seconds are reported (on a shared machine the wall time also
counts waiting for a core). ``--repo`` (repeatable) times other checkouts of
the project on the same files, taking turns run by run, and says whether
their reports (every score and entity) are identical.

Usage:
    .venv/bin/python benchmarks/eval_speed.py                    # 10,000 pairs, both settings, 3 runs each
    .venv/bin/python benchmarks/eval_speed.py --pairs 2000 --runs 1 --setting refs
    .venv/bin/python benchmarks/eval_speed.py --runs 1 --repo ../old-checkout --repo .
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from summarize.sentences import split_sentences  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "bench"
SETTINGS = ("refs", "sources")
LEADING_SENTENCES = 15  # predictions are drawn from each example's first sentences


def load_examples(data: Path) -> list[dict]:
    """The development examples as ``{"id", "documents", "references"}``, SDS then MDS."""
    examples = []
    with (data / "sds_dev.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            examples.append({"id": row["id"], "documents": [row["document"]], "references": [row["summary"]]})
    with (data / "mds_dev.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            examples.append({"id": row["id"], "documents": row["documents"], "references": row["summaries"]})
    return examples


def prediction(sentences: list[str], seed: int) -> str:
    """A few of ``sentences`` (in their order), drawn with ``seed``."""
    rng = random.Random(seed)
    k = min(len(sentences), rng.randint(2, 6))
    return " ".join(sentences[i] for i in sorted(rng.sample(range(len(sentences)), k)))


def variant(text: str, copy: int) -> str:
    """``text`` with the spaces after the words that the binary digits of ``copy`` name doubled
    (copy 0: the text itself); distinct for every copy below 2 ** (number of spaces)."""
    words = text.split(" ")
    for bit in range(min(copy.bit_length(), len(words) - 1)):
        if copy >> bit & 1:
            words[bit] += " "
    return " ".join(words)


def write_pairs(examples: list[dict], n: int, folder: Path) -> dict[str, Path]:
    """Write ``n`` pairs (ids ``<example id>#<i>``) as the three files ``briefing eval`` reads."""
    leading = [
        [s for d in e["documents"] for s in split_sentences(d)][:LEADING_SENTENCES] or [e["documents"][0][:500]]
        for e in examples
    ]
    paths = {name: folder / f"{name}.jsonl" for name in ("pred", "ref", "src")}
    with paths["pred"].open("w", encoding="utf-8") as pred, paths["ref"].open("w", encoding="utf-8") as ref, \
            paths["src"].open("w", encoding="utf-8") as src:
        for i in range(n):
            k, copy = i % len(examples), i // len(examples)
            example, pid = examples[k], f"{examples[k]['id']}#{i}"
            pred.write(json.dumps({"id": pid, "summary": prediction(leading[k], i)}) + "\n")
            ref.write(json.dumps({"id": pid, "summaries": [variant(r, copy) for r in example["references"]]}) + "\n")
            src.write(json.dumps({"id": pid, "documents": [variant(d, copy) for d in example["documents"]]}) + "\n")
    return paths


def time_eval(paths: dict[str, Path], setting: str, report: Path, repo: Path = REPO) -> tuple[float, float]:
    """Wall seconds from starting ``briefing eval`` to its exit (it must succeed), and the
    CPU seconds (user + system) it used: on a shared machine the wall time also
    counts the time spent waiting for a core, the CPU time does not."""
    command = [sys.executable, "-m", "summarize", "eval", "--pred", str(paths["pred"]), "--ref", str(paths["ref"]),
               "--output", str(report), "--quiet"]
    if setting == "sources":
        command += ["--sources", str(paths["src"])]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=repo)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"briefing eval failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with sds_dev.jsonl and mds_dev.jsonl")
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per setting (median reported)")
    parser.add_argument("--setting", choices=SETTINGS, action="append", help="refs, sources (default both)")
    parser.add_argument("--keep", type=Path, help="write the pair files and reports here instead of a temporary folder")
    parser.add_argument("--repo", type=Path, action="append",
                        help="time the code of this checkout instead (repeatable: the checkouts take turns, run by run)")
    args = parser.parse_args()
    if not (args.data / "mds_dev.jsonl").exists():
        raise SystemExit(f"{args.data}: no mds_dev.jsonl (the shared development data)")
    examples = load_examples(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = write_pairs(examples, args.pairs, folder)
        repos = args.repo or [REPO]
        rows = []
        for setting in args.setting or SETTINGS:
            times: dict[Path, list[tuple[float, float]]] = {repo: [] for repo in repos}
            for run in range(args.runs):
                for k, repo in enumerate(repos):  # checkouts take turns, so a busy spell falls on all of them alike
                    times[repo].append(time_eval(paths, setting, folder / f"report-{setting}-{k}.json", repo))
                    wall, cpu = times[repo][-1]
                    print(f"{setting} {repo}: run {run + 1}, {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
            reports = [json.loads((folder / f"report-{setting}-{k}.json").read_text(encoding="utf-8")) for k in range(len(repos))]
            if len(repos) > 1:
                same = all((r["rouge"], r["entities"]) == (reports[0]["rouge"], reports[0]["entities"]) for r in reports)
                print(f"{setting}: the checkouts' reports (every score and entity) are {'identical' if same else 'DIFFERENT'}")
            rows.extend((setting, repo, times[repo], report) for repo, report in zip(repos, reports))
    print()
    print("| setting | code | pairs | median wall s | median CPU s | runs, wall / CPU s | ROUGE-2 F1 | entity precision-source |")
    print("|---|---|---|---|---|---|---|---|")
    for setting, repo, times, report in rows:
        scores = report["rouge"]["scores"]
        precision = report["entities"]["precision_source"]
        runs = ", ".join(f"{w:.1f} / {c:.1f}" for w, c in times)
        print(f"| {setting} | {repo.name} | {args.pairs:,} | {statistics.median(w for w, _ in times):.1f} | "
              f"{statistics.median(c for _, c in times):.1f} | {runs} | {100 * scores['rouge2']['fmeasure']['mean']:.2f} | "
              f"{'-' if precision is None else f'{100 * precision:.2f}'} |")


if __name__ == "__main__":
    main()
