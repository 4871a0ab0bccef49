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

from summarize.cli_common import (
    Backend,
    BackendOpt,
    BatchSizeOpt,
    Device,
    DeviceOpt,
    QuietOpt,
    RayActorsOpt,
    RayOpt,
    ThreadsOpt,
    check_one_stdin,
    device_value,
    is_stdio,
    ray_options,
    stdin_as_file,
    stdin_name,
    warn,
)
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


SeedOpt = Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the bootstrap resampling.")]
ResamplesOpt = Annotated[int, typer.Option("--resamples", min=10, metavar="N", help="Bootstrap resamples for the 95% CI.")]
EntitiesOpt = Annotated[str, typer.Option("--entities", metavar="BACKEND", help="Entity extractor: rules, spacy:PIPELINE or hf:MODEL_ID_OR_DIR.")]
EVAL_EPILOG = (
    "Exit codes: 0 scored; 2 a missing or malformed file, a row without the needed field, ids that differ between files.\n\n"
    "Environment: HF_HOME and HF_HUB_OFFLINE for an hf: entity model."
)
BENCH_EPILOG = (
    "Exit codes: 0 every system ran; 1 a system failed (the others still ran) or the results could not be written; "
    "2 bad options or data.\n\n"
    "Environment: BRIEFING_THREADS, BRIEFING_DEVICE, BRIEFING_BATCH_SIZE (as the options); HF_HOME, HF_HUB_OFFLINE, "
    "HF_DATASETS_CACHE for models and hub datasets."
)


def eval_command(
    pred: Annotated[Path, typer.Option("--pred", metavar="FILE", help="JSONL with id and summary per line (- for stdin).", show_default=False)],
    ref: Annotated[Path, typer.Option("--ref", metavar="FILE", help="JSONL with id and summary (or summaries: a list) per line (- for stdin).", show_default=False)],
    sources: Annotated[Optional[Path], typer.Option("--sources", metavar="FILE", help="JSONL with id and documents (a list of texts) per line (- for stdin).")] = None,
    format: Annotated[EvalFormat, typer.Option("--format", "-f", help="Print a table or JSON.")] = EvalFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Also write the full JSON report to FILE (- prints it instead of the table).", dir_okay=False)] = None,
    tokenizer: Annotated[TokenizerChoice, typer.Option("--tokenizer", help="unicode keeps letters of every script (non-Latin text).")] = TokenizerChoice.default,
    no_stemmer: Annotated[bool, typer.Option("--no-stemmer", help="Turn Porter stemming off.")] = False,
    multi_ref: Annotated[MultiRef, typer.Option("--multi-ref", help="Several references: mean of the scores, or the best one.")] = MultiRef.mean,
    seed: SeedOpt = 0,
    resamples: ResamplesOpt = 1000,
    entities: EntitiesOpt = "rules",
    quiet: QuietOpt = False,
) -> None:
    """Score summaries: ROUGE-1/2/L/Lsum with 95% CIs and entity-level factual consistency.

    Rows of the files are joined on id. Example:
    briefing eval --pred examples/eval/pred.jsonl --ref examples/eval/ref.jsonl --sources examples/eval/src.jsonl
    """
    from eval import io
    from eval.data import DataError, join_eval_rows
    from summarize.facts.entities import EntityBackendError
    from eval.evaluate import evaluate
    from summarize.records import envelope, to_json

    check_one_stdin(pred=pred, ref=ref, sources=sources)
    spooled = None
    try:
        with stdin_as_file(pred, ".jsonl") as pred_file, stdin_as_file(ref, ".jsonl") as ref_file, \
                stdin_as_file(sources, ".jsonl") as sources_file:
            spooled = next((f for f, given in ((pred_file, pred), (ref_file, ref), (sources_file, sources)) if is_stdio(given)), None)
            items = join_eval_rows(
                io.read_jsonl(pred_file),
                io.read_jsonl(ref_file),
                io.read_jsonl(sources_file) if sources_file else None,
                names=(str(pred), str(ref), str(sources)),
            )
        report = evaluate(
            items, use_stemmer=not no_stemmer, tokenizer=tokenizer.value, multi_ref=multi_ref.value,
            seed=seed, resamples=resamples, entity_backend=entities,
        )
    except (DataError, EntityBackendError) as exc:
        raise fail(stdin_name(str(exc), spooled)) from None
    for warning in report.rouge.warnings:
        warn(warning, quiet)
    payload = envelope("eval", report.to_dict())
    if output is not None and not is_stdio(output):
        try:
            io.write_json(output, payload)
        except OSError as exc:
            raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    if format == EvalFormat.json or is_stdio(output):
        sys.stdout.write(to_json(payload))
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
    dataset: Annotated[str, typer.Option("--dataset", metavar="FILE_OR_NAME", help="Local .jsonl/.json/.csv/.parquet file, - for JSON lines on stdin, or a hub dataset name[:config].", show_default=False)],
    system: Annotated[list[str], typer.Option("--system", "-s", metavar="SPEC", help="lead, extractive, lexrank, abstractive:MODEL_ID_OR_DIR, chat:MODEL_ID_OR_DIR or openai:MODEL@URL; repeat for several.", show_default=False)],
    split: Annotated[Optional[str], typer.Option("--split", metavar="NAME", help="Split of a hub dataset.", show_default="test")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, metavar="N", help="Use the first N examples (after --id-prefix).")] = None,
    id_prefix: Annotated[Optional[str], typer.Option("--id-prefix", metavar="PREFIX", help="Only examples whose id starts with this.")] = None,
    words: Annotated[int, typer.Option("--words", min=5, max=5000, metavar="N", help="Word budget of each summary.")] = 100,
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder for results and predictions; rerun to resume.", file_okay=False)] = Path("bench-out"),
    id_column: Annotated[Optional[str], typer.Option("--id-column", metavar="NAME", help="Column of example ids.", show_default="id, or row numbers")] = None,
    documents_column: Annotated[Optional[str], typer.Option("--documents-column", metavar="NAME", help="Column of source documents (list, or text with ||||| separators).", show_default="documents, document, article or text")] = None,
    references_column: Annotated[Optional[str], typer.Option("--references-column", metavar="NAME", help="Column of reference summaries.", show_default="summaries, summary, highlights or abstract")] = None,
    threads: ThreadsOpt = None,
    device: DeviceOpt = Device.auto,
    backend: BackendOpt = Backend.auto,
    batch_size: BatchSizeOpt = 4,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", metavar="DIR", help="datasets cache folder.", show_default="datasets' own")] = None,
    seed: SeedOpt = 0,
    resamples: ResamplesOpt = 1000,
    entities: EntitiesOpt = "rules",
    timing_runs: Annotated[int, typer.Option("--timing-runs", min=1, max=100, metavar="N", help="Time each example this many times, each run with a freshly built system, and keep the fastest: steadier seconds for fast systems on a busy machine. Predictions come from the first run.")] = 1,
    quiet: QuietOpt = False,
    context_tokens: Annotated[Optional[int], typer.Option("--context-tokens", min=256, metavar="N", help="chat/openai: prompt plus answer per call, in tokens.")] = None,
    tokenizer: Annotated[Optional[str], typer.Option("--tokenizer", metavar="ID_OR_DIR", help="openai: tokenizer (hub id or directory) to count the served model's tokens with.")] = None,
    max_concurrency: Annotated[int, typer.Option("--max-concurrency", min=1, max=256, metavar="N", help="openai: requests in flight at once.")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, metavar="SECONDS", help="openai: seconds per request.")] = 120.0,
    api_key_env: Annotated[str, typer.Option("--api-key-env", metavar="NAME", help="openai: environment variable holding the API key.")] = "OPENAI_API_KEY",
    ray: RayOpt = None,
    ray_actors: RayActorsOpt = None,
) -> None:
    """Benchmark summarisation systems on a dataset: ROUGE with CIs, entity precision, speed, memory.

    Example: briefing bench --dataset examples/eval/bench.jsonl --system lead --system extractive --out bench-out/example
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
        with stdin_as_file(dataset, ".jsonl") as dataset_file:
            try:
                rows, origin = io.load_dataset_rows(str(dataset_file), split, cache_dir, first=None if id_prefix else limit)
            except DataError as exc:
                raise DataError(stdin_name(str(exc), dataset_file)) from None
            origin = "<stdin>" if is_stdio(dataset) else origin
        examples = examples_from_rows(rows, settings.columns, origin=origin, id_prefix=id_prefix, limit=limit)
    except (DataError, SystemError_, EntityBackendError) as exc:
        raise fail(str(exc)) from None
    if ray and timing_runs > 1:
        raise fail("--timing-runs times every example in this process; it cannot be combined with --ray")
    on_ray = ray_options(ray, ray_actors)
    options = SystemOptions(
        threads=threads, device=device_value(device), batch_size=batch_size, backend=backend.value, max_words=words, context_tokens=context_tokens,
        tokenizer=tokenizer, max_concurrency=max_concurrency, timeout=timeout, api_key_env=api_key_env,
    )
    command = _command_line(
        ("--dataset", dataset), ("--split", split), ("--limit", limit), ("--id-prefix", id_prefix),
        *[("--system", s) for s in system], ("--words", words), ("--out", out),
        ("--id-column", id_column), ("--documents-column", documents_column), ("--references-column", references_column),
        ("--seed", seed if seed != 0 else None), ("--entities", entities if entities != "rules" else None),
        ("--timing-runs", timing_runs if timing_runs != 1 else None),
        ("--context-tokens", context_tokens), ("--tokenizer", tokenizer),
        ("--backend", backend.value if backend != Backend.auto else None),
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=stderr, disable=quiet) as progress:
            report = run_bench(settings, system, examples, out, options, _RichProgress(progress), command=command, ray=on_ray)
    except DataError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:  # writing results or predictions failed (disk full, permissions)
        raise fail(f"{exc.filename or out}: cannot write ({exc.strerror or exc})", EXIT_FAILED) from None
    for score in report.systems:
        for warning in score.rouge.warnings:
            warn(f"{score.spec}: {warning}", quiet)
    for error in report.errors:
        stderr.print(f"briefing: error: {error}", markup=False)
    if report.systems:
        stdout.print((out / "results.md").read_text(encoding="utf-8"), markup=False)
        if not quiet:
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
    app.command("eval", epilog=EVAL_EPILOG)(eval_command)
    app.command("bench", epilog=BENCH_EPILOG)(bench_command)
