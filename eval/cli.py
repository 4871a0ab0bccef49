"""The ``eval`` and ``bench`` commands; ``register(app)`` adds them to ``briefing``.

Thin: parse options, read inputs through ``eval.io``, call ``eval.evaluate`` or
``eval.bench``, print. Bad input ends with one ``briefing: error:`` line and
exit code 2; a system that fails in ``bench`` is reported in one line, the
other systems still run, and the exit code is 1.
"""

from __future__ import annotations

import json
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from summarize.console import fail, stderr

EXIT_FAILED = 1

stdout = Console(highlight=False, soft_wrap=True)


class EvalFormat(str, Enum):
    table = "table"
    json = "json"


class TokenizerChoice(str, Enum):
    default = "default"
    unicode = "unicode"


class MultiRef(str, Enum):
    mean = "mean"
    max = "max"


SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resampling.")]
ResamplesOpt = Annotated[int, typer.Option("--resamples", min=10, help="Bootstrap resamples for the 95% CI.")]
EntitiesOpt = Annotated[str, typer.Option("--entities", help="Entity extractor: rules, spacy:PIPELINE or hf:MODEL_ID_OR_DIR.")]


def eval_command(
    pred: Annotated[Path, typer.Option("--pred", help="JSONL with id and summary per line.", show_default=False)],
    ref: Annotated[Path, typer.Option("--ref", help="JSONL with id and summary (or summaries: a list) per line.", show_default=False)],
    sources: Annotated[Optional[Path], typer.Option("--sources", help="JSONL with id and documents (a list of texts) per line.")] = None,
    format: Annotated[EvalFormat, typer.Option("--format", "-f", help="Print a table or JSON.")] = EvalFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Also write the full JSON report to FILE.", dir_okay=False)] = None,
    tokenizer: Annotated[TokenizerChoice, typer.Option("--tokenizer", help="unicode keeps letters of every script (non-Latin text).")] = TokenizerChoice.default,
    no_stemmer: Annotated[bool, typer.Option("--no-stemmer", help="Turn Porter stemming off.")] = False,
    multi_ref: Annotated[MultiRef, typer.Option("--multi-ref", help="Several references: mean of the scores, or the best one.")] = MultiRef.mean,
    seed: SeedOpt = 0,
    resamples: ResamplesOpt = 1000,
    entities: EntitiesOpt = "rules",
) -> None:
    """Score summaries: ROUGE-1/2/L/Lsum with 95% CIs and entity-level factual consistency.

    Rows of the files are joined on id. Example:
    briefing eval --pred pred.jsonl --ref ref.jsonl --sources src.jsonl --format json -o scores.json
    """
    from eval import io
    from eval.data import DataError, join_eval_rows
    from summarize.facts.entities import EntityBackendError
    from eval.evaluate import evaluate

    try:
        items = join_eval_rows(
            io.read_jsonl(pred),
            io.read_jsonl(ref),
            io.read_jsonl(sources) if sources else None,
            names=(str(pred), str(ref), str(sources)),
        )
        report = evaluate(
            items, use_stemmer=not no_stemmer, tokenizer=tokenizer.value, multi_ref=multi_ref.value,
            seed=seed, resamples=resamples, entity_backend=entities,
        )
    except (DataError, EntityBackendError) as exc:
        raise fail(str(exc)) from None
    for warning in report.rouge.warnings:
        stderr.print(f"briefing: warning: {warning}", markup=False)
    payload = report.to_dict()
    if output is not None:
        try:
            io.write_json(output, payload)
        except OSError as exc:
            raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    if format == EvalFormat.json:
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    _print_eval_tables(report)


def _print_eval_tables(report) -> None:
    from eval.report import interval_text, pct

    rouge = report.rouge
    table = Table(title=f"ROUGE x100, mean [95% CI] over {report.n} examples")
    for column in ("metric", "F1", "precision", "recall"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    names = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum"}
    for key, name in names.items():
        s = rouge.scores[key]
        table.add_row(name, interval_text(s["fmeasure"]), interval_text(s["precision"]), interval_text(s["recall"]))
    stdout.print(table)
    settings = rouge.settings
    stdout.print(
        f"stemming {'on' if settings['use_stemmer'] else 'off'}, {settings['tokenizer']} tokenizer; "
        f"several references: {settings['multi_reference']}; {settings['aggregation']}",
        markup=False,
    )
    ents = report.entities
    table = Table(title=f"Entities (Nan et al. 2021, backend {ents.backend}, micro-averaged)")
    for column in ("precision-source", "precision-target", "recall-target"):
        table.add_column(column, justify="right")
    table.add_row(pct(ents.precision_source), pct(ents.precision_target), pct(ents.recall_target))
    stdout.print(table)
    if ents.precision_source is None and all(e.supported_by_source is None for e in ents.examples):
        stdout.print("precision-source needs --sources", markup=False)
        return
    flagged = [e for e in ents.examples if e.unsupported]
    stdout.print(f"Unsupported entities: {len(flagged)} of {report.n} summaries", markup=False)
    for e in flagged:
        stdout.print(f"  {e.id}: " + "; ".join(e.unsupported), markup=False)


class _RichProgress:
    """One progress bar per system on stderr."""

    def __init__(self, progress) -> None:
        self._progress = progress
        self._tasks: dict[str, int] = {}

    def start(self, system: str, total: int, done: int) -> None:
        self._tasks[system] = self._progress.add_task(system, total=total, completed=done)

    def advance(self, system: str) -> None:
        self._progress.advance(self._tasks[system])

    def finish(self, system: str) -> None:
        if system in self._tasks:
            self._progress.stop_task(self._tasks[system])


def bench_command(
    dataset: Annotated[str, typer.Option("--dataset", help="Local .jsonl/.json/.csv/.parquet file, or a hub dataset name[:config].", show_default=False)],
    system: Annotated[list[str], typer.Option("--system", "-s", help="lead, extractive, lexrank, abstractive:MODEL_ID_OR_DIR, chat:MODEL_ID_OR_DIR or openai:MODEL@URL; repeat for several.", show_default=False)],
    split: Annotated[Optional[str], typer.Option("--split", help="Split of a hub dataset. [default: test]")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Use the first N examples (after --id-prefix).")] = None,
    id_prefix: Annotated[Optional[str], typer.Option("--id-prefix", help="Only examples whose id starts with this.")] = None,
    words: Annotated[int, typer.Option("--words", min=5, max=5000, help="Word budget of each summary.")] = 100,
    out: Annotated[Path, typer.Option("--out", help="Folder for results and predictions; rerun to resume.", file_okay=False)] = Path("bench-out"),
    id_column: Annotated[Optional[str], typer.Option("--id-column", help="Column of example ids. [default: id, or row numbers]")] = None,
    documents_column: Annotated[Optional[str], typer.Option("--documents-column", help="Column of source documents (list, or text with ||||| separators). [default: documents, document, article, text]")] = None,
    references_column: Annotated[Optional[str], typer.Option("--references-column", help="Column of reference summaries. [default: summaries, summary, highlights, abstract]")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", min=1, help="CPU threads for models.")] = None,
    device: Annotated[Optional[str], typer.Option("--device", help="cuda, mps or cpu for models.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Chunks per generate() call for models.")] = 4,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="datasets cache folder. [default: datasets' own]")] = None,
    seed: SeedOpt = 0,
    resamples: ResamplesOpt = 1000,
    entities: EntitiesOpt = "rules",
    timing_runs: Annotated[int, typer.Option("--timing-runs", min=1, max=100, help="Time each example this many times, each run with a freshly built system, and keep the fastest: steadier seconds for fast systems on a busy machine. Predictions come from the first run.")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    context_tokens: Annotated[Optional[int], typer.Option("--context-tokens", min=256, help="chat/openai: prompt plus answer per call, in tokens.")] = None,
    tokenizer: Annotated[Optional[str], typer.Option("--tokenizer", help="openai: tokenizer (hub id or directory) to count the served model's tokens with.")] = None,
    max_concurrency: Annotated[int, typer.Option("--max-concurrency", min=1, max=256, help="openai: requests in flight at once.")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="openai: seconds per request.")] = 120.0,
    api_key_env: Annotated[str, typer.Option("--api-key-env", help="openai: environment variable holding the API key.")] = "OPENAI_API_KEY",
) -> None:
    """Benchmark summarisation systems on a dataset: ROUGE with CIs, entity precision, speed, memory.

    Example: briefing bench --dataset ../shared/bench/mds_dev.jsonl --id-prefix duc2003
    --system lead --system extractive --words 100 --out results/duc
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from eval import io
    from eval.bench import BenchSettings, run_bench
    from eval.data import Columns, DataError, examples_from_rows
    from summarize.facts.entities import EntityBackendError, get_extractor
    from eval.systems import SystemError_, SystemOptions, parse_spec

    settings = BenchSettings(
        dataset=dataset, split=split, id_prefix=id_prefix, limit=limit, words=words,
        columns=Columns(id=id_column, documents=documents_column, references=references_column),
        seed=seed, resamples=resamples, entity_backend=entities, timing_runs=timing_runs,
    )
    try:
        for spec in system:
            parse_spec(spec)
        get_extractor(entities)
        rows, origin = io.load_dataset_rows(dataset, split, cache_dir, first=None if id_prefix else limit)
        examples = examples_from_rows(rows, settings.columns, origin=origin, id_prefix=id_prefix, limit=limit)
    except (DataError, SystemError_, EntityBackendError) as exc:
        raise fail(str(exc)) from None
    options = SystemOptions(
        threads=threads, device=device, batch_size=batch_size, max_words=words, context_tokens=context_tokens,
        tokenizer=tokenizer, max_concurrency=max_concurrency, timeout=timeout, api_key_env=api_key_env,
    )
    command = _command_line(
        ("--dataset", dataset), ("--split", split), ("--limit", limit), ("--id-prefix", id_prefix),
        *[("--system", s) for s in system], ("--words", words), ("--out", out),
        ("--id-column", id_column), ("--documents-column", documents_column), ("--references-column", references_column),
        ("--seed", seed if seed != 0 else None), ("--entities", entities if entities != "rules" else None),
        ("--timing-runs", timing_runs if timing_runs != 1 else None),
        ("--context-tokens", context_tokens), ("--tokenizer", tokenizer),
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=stderr, disable=quiet) as progress:
            report = run_bench(settings, system, examples, out, options, _RichProgress(progress), command=command)
    except DataError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:  # writing results or predictions failed (disk full, permissions)
        raise fail(f"{exc.filename or out}: cannot write ({exc.strerror or exc})", EXIT_FAILED) from None
    for score in report.systems:
        for warning in score.rouge.warnings:
            stderr.print(f"briefing: warning: {score.spec}: {warning}", markup=False)
    for error in report.errors:
        stderr.print(f"briefing: error: {error}", markup=False)
    if report.systems:
        stdout.print((out / "results.md").read_text(encoding="utf-8"), markup=False)
        for path in report.files:
            stderr.print(f"wrote {path}", markup=False)
    if report.errors:
        raise typer.Exit(EXIT_FAILED)


def _command_line(*options: tuple[str, object]) -> str:
    """The ``briefing bench`` command that reproduces a run (options left at defaults omitted)."""
    parts = ["briefing", "bench"]
    for name, value in options:
        if value is not None:
            parts += [name, shlex.quote(str(value))]
    return " ".join(parts)


def register(app: typer.Typer) -> None:
    """Add ``eval`` and ``bench`` to the ``briefing`` app."""
    app.command("eval")(eval_command)
    app.command("bench")(bench_command)
