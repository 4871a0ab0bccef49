"""The ``briefing`` command line: parse options, call library functions, print.

Every command validates its options, calls a function of the library that the
tests call too, and prints the result. Commands of other packages (evaluation,
digests) register themselves through their own ``register(app)``.

Exit codes: 0 success; 1 the engine or model failed; 2 bad usage or no
readable input. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from eval.cli import register as register_eval_commands
from summarize.console import EXIT_BAD_INPUT, fail, stderr
from summarize.digest.cli import register as register_digest_command

app = typer.Typer(
    name="briefing",
    help="Turn news articles into one short, faithful morning briefing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_ENGINE_FAILED = 1
EXIT_INTERNAL_ERROR = 1
_debug = False  # set by --debug: an unexpected error shows its traceback


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an unexpected internal error.")] = False,
) -> None:
    """Turn news articles into one short, faithful morning briefing."""
    global _debug
    _debug = debug


class EngineChoice(str, Enum):
    auto = "auto"
    abstractive = "abstractive"
    extractive = "extractive"


class BriefFormat(str, Enum):
    markdown = "markdown"
    text = "text"
    html = "html"
    json = "json"


class GuardMode(str, Enum):
    remove = "remove"
    flag = "flag"


class StoriesFormat(str, Enum):
    text = "text"
    json = "json"


# Option types, defined once and reused by every command that takes them.
PathsArg = Annotated[list[str], typer.Argument(help="Article files or folders (.txt .md .html .json .jsonl), RSS/Atom feeds (.rss .atom .xml), http(s) URLs of pages or feeds, or - for stdin.", show_default=False)]
EngineOpt = Annotated[EngineChoice, typer.Option("--engine", "-e", help="auto tries the model and falls back to extractive.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Seq2seq model: hub id or local directory. [default: sshleifer/distilbart-cnn-12-6]")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to FILE instead of stdout.", dir_okay=False)]
MaxWordsOpt = Annotated[int, typer.Option("--max-words", "-w", min=10, max=2000, help="Word budget of each story summary.")]
ThreadsOpt = Annotated[Optional[int], typer.Option("--threads", min=1, help="CPU threads for the model. [default: torch's choice]")]
DeviceOpt = Annotated[Optional[str], typer.Option("--device", help="cuda, mps or cpu. [default: first available]")]
DtypeOpt = Annotated[Optional[str], typer.Option("--dtype", help="float32 (default), bfloat16, float16 or int8 (CPU dynamic quantisation): faster on supporting hardware, may change wording.")]
BatchSizeOpt = Annotated[int, typer.Option("--batch-size", min=1, help="Chunks per generate() call.")]
BeamsOpt = Annotated[Optional[int], typer.Option("--num-beams", min=1, help="Beam search width. [default: the model's generation_config]")]
MaxNewTokensOpt = Annotated[Optional[int], typer.Option("--max-new-tokens", min=1, help="Longest generated summary per chunk. [default: the model's generation_config]")]
PromptOpt = Annotated[Optional[Path], typer.Option("--prompt-template", exists=True, dir_okay=False, help="Jinja2 template ({{ text }}) for instruction models.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or notices on stderr; errors only.")]
MaxFileMbOpt = Annotated[int, typer.Option("--max-file-mb", min=1, help="Largest input file, stdin or fetched URL, in MiB; a larger one is refused with one line.")]
MaxArticlesOpt = Annotated[int, typer.Option("--max-articles", min=1, help="Most articles read in one run; inputs past the limit are not read (one line says so).")]
MaxLineCharsOpt = Annotated[int, typer.Option("--max-line-chars", min=100, help="Longest line of article text; a longer one is cut at a word boundary (one line says so).")]
FetchTimeoutOpt = Annotated[float, typer.Option("--fetch-timeout", min=0.1, help="Seconds to fetch one URL (page or feed), start to end.")]


def read_inputs(paths: list[str], quiet: bool, limits=None):
    """Read and clean the articles; print one line per problem; exit 2 if none are left.

    A named input that cannot be read at all is an ``error:`` line (the command
    exits 2 after writing its output, see ``exit_for_failed_inputs``); anything
    else skipped, and each limit reached, is a ``skipped:`` line. Stdin is read
    as bytes, under the same size limit and decoding as files.
    """
    from summarize.ingest import read_articles
    from summarize.pipeline import prepare_articles

    result = read_articles(paths, stdin=sys.stdin.buffer if "-" in paths else None, limits=limits)
    failed = set(result.failed)
    for error in result.errors:
        stderr.print(f"briefing: {'error' if error in failed else 'skipped'}: {error}", markup=False)
    result.articles, notes = prepare_articles(result.articles)
    for note in notes:
        stderr.print(f"briefing: skipped: {note.removesuffix('; skipped')}", markup=False)
    if not result.articles:
        raise fail("no articles could be read from the given inputs", EXIT_BAD_INPUT)
    return result


def exit_for_failed_inputs(inputs) -> None:
    """Exit 2 when a named input could not be read: the output of the others is written by then."""
    if inputs.failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def ingest_limits(max_file_mb: int, max_articles: int, max_line_chars: int, fetch_timeout: float):
    from summarize.ingest import IngestLimits

    return IngestLimits(max_file_bytes=max_file_mb << 20, max_articles=max_articles,
                        max_line_chars=max_line_chars, fetch_timeout=fetch_timeout)


def write_output(text: str, output: Path | None) -> None:
    """Write to ``output`` (atomically, via a temporary file) or to stdout."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(output)
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})", EXIT_BAD_INPUT) from None


@contextlib.contextmanager
def progress_bars(quiet: bool):
    """Rich progress bars on stderr when it is a terminal; None otherwise."""
    if quiet or not stderr.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as progress:
        yield progress


@app.command()
def brief(
    paths: PathsArg,
    engine: EngineOpt = EngineChoice.auto,
    model: ModelOpt = None,
    format: Annotated[BriefFormat, typer.Option("--format", "-f", help="Output format.")] = BriefFormat.markdown,
    output: OutputOpt = None,
    max_words: MaxWordsOpt = 120,
    threads: ThreadsOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    batch_size: BatchSizeOpt = 4,
    num_beams: BeamsOpt = None,
    max_new_tokens: MaxNewTokensOpt = None,
    prompt_template: PromptOpt = None,
    unsupported: Annotated[GuardMode, typer.Option("--unsupported", help="Sentences naming entities not in the sources: remove them or keep and flag them.")] = GuardMode.remove,
    cite: Annotated[bool, typer.Option("--cite", help="Mark each sentence with the numbers of its supporting sources.")] = False,
    quiet: QuietOpt = False,
    max_file_mb: MaxFileMbOpt = 64,
    max_articles: MaxArticlesOpt = 10_000,
    max_line_chars: MaxLineCharsOpt = 1_000_000,
    fetch_timeout: FetchTimeoutOpt = 30.0,
) -> None:
    """Summarise articles into a briefing: a headline, summary and sources per story.

    Example: briefing brief seeds/ --format html --output briefing.html
    """
    from summarize.engines import EngineError, load_engine_with_fallback
    from summarize.pipeline import BriefingOptions, build_briefing
    from summarize.render import render

    generation = {k: v for k, v in {"num_beams": num_beams, "max_new_tokens": max_new_tokens}.items() if v}
    options = BriefingOptions(
        engine=engine.value, model=model, max_words=max_words, threads=threads, device=device, dtype=dtype,
        batch_size=batch_size, generation=generation, prompt_template=str(prompt_template) if prompt_template else None,
        unsupported=unsupported.value,
        limits=ingest_limits(max_file_mb, max_articles, max_line_chars, fetch_timeout),
    )
    inputs = read_inputs(paths, quiet, options.limits)
    with progress_bars(quiet) as bars:
        loading = bars.add_task("Loading model", total=None) if bars and engine != EngineChoice.extractive else None
        try:
            summarizer, fallback = load_engine_with_fallback(options.engine, options.model, **options.engine_options())
        except EngineError as exc:
            raise fail(str(exc), EXIT_ENGINE_FAILED) from None
        if loading is not None:
            bars.remove_task(loading)
        if fallback and not quiet:
            stderr.print(f"briefing: model unavailable, using the extractive engine instead: {fallback}", markup=False)
        if bars is not None and hasattr(summarizer, "on_progress"):
            task = bars.add_task("Summarising", total=None)
            summarizer.on_progress = lambda done, total: bars.update(task, completed=done, total=total)
        try:
            result = build_briefing(inputs.articles, options, engine=summarizer, fallback_reason=fallback,
                                    notes=[f"skipped input: {e}" for e in inputs.errors])
        except EngineError as exc:
            raise fail(str(exc), EXIT_ENGINE_FAILED) from None
    write_output(render(result, format.value, cite=cite), output)
    exit_for_failed_inputs(inputs)


@app.command()
def stories(
    paths: PathsArg,
    format: Annotated[StoriesFormat, typer.Option("--format", "-f", help="Output format.")] = StoriesFormat.text,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    max_file_mb: MaxFileMbOpt = 64,
    max_articles: MaxArticlesOpt = 10_000,
    max_line_chars: MaxLineCharsOpt = 1_000_000,
    fetch_timeout: FetchTimeoutOpt = 30.0,
) -> None:
    """Show how articles group into stories, without summarising.

    Example: briefing stories seeds/ more-articles/ --format json
    """
    from summarize.pipeline import build_stories

    inputs = read_inputs(paths, quiet, ingest_limits(max_file_mb, max_articles, max_line_chars, fetch_timeout))
    groups = build_stories(inputs.articles)
    if format == StoriesFormat.json:
        text = json.dumps([_story_record(story) for story in groups], ensure_ascii=False, indent=2) + "\n"
    else:
        text = "".join(_story_text(number, story) for number, story in enumerate(groups, start=1))
    write_output(text, output)
    exit_for_failed_inputs(inputs)


def _story_record(story) -> dict:
    return {
        "id": story.id,
        "articles": [
            {"id": a.id, "title": a.title, "outlet": a.outlet, "date": a.date.isoformat() if a.date else None,
             "origin": a.origin, "duplicate_of": story.duplicates.get(a.id)}
            for a in story.articles
        ],
    }


def _story_text(number: int, story) -> str:
    from summarize.fuse import make_headline

    lines = [f"Story {number}: {make_headline(story)} ({len(story.articles)} articles)"]
    for article in story.articles:
        duplicate = f"  [near-duplicate of {story.duplicates[article.id]}]" if article.id in story.duplicates else ""
        date = article.date.isoformat() if article.date else "no date"
        lines.append(f"  - {article.id}  {article.outlet}  {date}{duplicate}")
    return "\n".join(lines) + "\n\n"


# Commands of the other packages, after this module's own so --help lists them last.
register_digest_command(app)
register_eval_commands(app)


def main() -> None:
    """The ``briefing`` program: the app, with a catch-all for what no command expected.

    User mistakes end in their own one-line errors (exit 2); anything else
    that escapes a command is a bug: one line with a hint, exit 1, and the
    traceback only under ``--debug``.
    """
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        if _debug:
            raise
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        stderr.print(f"briefing: internal error: {type(exc).__name__}{': ' + reason if reason else ''} "
                     f"(a bug; rerun with --debug to see the traceback)", markup=False)
        sys.exit(EXIT_INTERNAL_ERROR)
