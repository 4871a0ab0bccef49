"""Peak memory and time of `briefing brief` on one large plain-text file (extractive engine).

    .venv/bin/python benchmarks/memory.py [--sizes 5 50] [--runs 2] [--keep DIR] [--baseline CHECKOUT]

For each size (MB) a synthetic article is written: paragraphs of sentences
recombined from the seed articles, each sentence made distinct (a word or a
number changed), so that nothing is dropped as a repeat and every stage sees
the full text. Each run is a fresh `briefing brief FILE -e extractive -f json`
process; its peak resident memory comes from the kernel (``wait4``'s
``ru_maxrss``), its time from the wall clock. Sizes take turns run by run, so
a change in the machine's load hits them alike. The limit on input files is
raised to fit the largest size (``--max-file-mb``). With ``--baseline``, the
same runs are made with the code of another checkout (e.g. a clone of main
before this work), taking turns with this one, in the same environment.

Prints a Markdown table: size, peak RSS (median of the runs), seconds (median),
MB of RSS per MB of input.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from child_process import run_measured  # noqa: E402
from eval.report import markdown_table  # noqa: E402
from summarize.sentences import split_sentences  # noqa: E402

_NUMBER = re.compile(r"\b\d+\b")


def seed_sentences() -> list[str]:
    """The sentences of the seed articles (the vocabulary of the synthetic text)."""
    sentences = []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        sentences += [s for s in split_sentences(path.read_text(encoding="utf-8")) if len(s.split()) >= 6]
    return sentences


def write_article(path: Path, megabytes: float, seed: int = 0) -> int:
    """Write a plain-text article of about ``megabytes`` MB; returns its size in bytes."""
    rng = random.Random(seed)
    pool = seed_sentences()
    words = sorted({w for s in pool for w in s.split() if w.isalpha()})
    target = int(megabytes * 1_000_000)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("Title of a very long report\n\n")
        counter = 0
        while written < target:
            paragraph = []
            for _ in range(rng.randint(3, 6)):
                counter += 1
                tokens = rng.choice(pool).split()
                tokens[rng.randrange(len(tokens))] = rng.choice(words)  # a distinct sentence every time
                sentence = " ".join(tokens)
                paragraph.append(_NUMBER.sub(lambda m: str(counter % 997 + int(m.group()) % 50), sentence, count=1))
            text = " ".join(paragraph) + "\n\n"
            out.write(text)
            written += len(text.encode("utf-8"))
    return path.stat().st_size


def run_once(path: Path, max_file_mb: int | None, repo: Path = REPO) -> tuple[float, float]:
    """Peak RSS (MiB) and seconds of one `briefing brief` process over ``path``, with ``repo``'s code."""
    program = f"import sys; sys.path.insert(0, {str(repo)!r}); from summarize.cli import main; main()"
    command = [sys.executable, "-c", program, "brief", str(path), "-e", "extractive", "-f", "json", "-o", os.devnull, "--quiet"]
    if max_file_mb is not None:
        command += ["--max-file-mb", str(max_file_mb)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryFile() as errors_file:
        run = run_measured(command, env=env, cwd=repo, stderr=errors_file)
        errors_file.seek(0)
        errors = errors_file.read().decode("utf-8", "replace")
    if run.exit_code != 0:
        raise SystemExit(f"briefing ({repo}) failed on {path}: {errors.strip()}")
    return run.peak_rss_mb, run.wall_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[5, 50], help="input sizes in MB")
    parser.add_argument("--runs", type=int, default=2, help="runs per size (median reported)")
    parser.add_argument("--keep", type=Path, help="write the inputs here instead of a temporary folder")
    parser.add_argument("--baseline", type=Path, help="another checkout whose code is measured too, taking turns")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="briefing-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    inputs = {}
    for size in args.sizes:
        path = folder / f"article-{size:g}mb.txt"
        inputs[size] = (path, write_article(path, size) if not path.exists() else path.stat().st_size)
    max_file_mb = max(64, int(max(size for _, size in inputs.values()) / 2**20) + 1)
    sides = {"this checkout": (REPO, max_file_mb)}
    if args.baseline:
        sides["baseline"] = (args.baseline.resolve(), None)  # a baseline may predate --max-file-mb
    results: dict[tuple[str, float], list[tuple[float, float]]] = {(side, size): [] for side in sides for size in args.sizes}
    for run in range(args.runs):
        for size in args.sizes:  # sizes and sides take turns
            for side, (repo, limit) in sides.items():
                rss, seconds = run_once(inputs[size][0], limit, repo)
                results[side, size].append((rss, seconds))
                print(f"run {run + 1}: {side}, {size:g} MB: peak RSS {rss:.0f} MiB, {seconds:.1f} s", file=sys.stderr)
    rows = []
    for size in args.sizes:
        megabytes = inputs[size][1] / 1_000_000
        for side in sides:
            rss = statistics.median(r for r, _ in results[side, size])
            seconds = statistics.median(s for _, s in results[side, size])
            rows.append([side, f"{megabytes:.1f} MB", f"{rss:.0f}", f"{seconds:.1f}", f"{rss / megabytes:.1f}"])
    print(markdown_table(["code", "input", "peak RSS (MiB)", "seconds", "RSS MiB per input MB"], rows), end="")
    if not args.keep:
        for path, _ in inputs.values():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
