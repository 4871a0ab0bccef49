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


class EngineChoice(str, Enum):
    auto = "auto"
    abstractive = "abstractive"
    extractive = "extractive"
    chat = "chat"
    openai = "openai"


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
PathsArg = Annotated[list[str], typer.Argument(help="Article files or folders (.txt .md .html .json .jsonl), or - for stdin.", show_default=False)]
EngineOpt = Annotated[EngineChoice, typer.Option("--engine", "-e", help="auto tries the model (openai with --base-url, chat for a chat model, else abstractive) and falls back to extractive.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Hub id or local directory (a seq2seq model for abstractive, a chat model for chat), or the model name the server knows (openai). [default: sshleifer/distilbart-cnn-12-6]")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to FILE instead of stdout.", dir_okay=False)]
MaxWordsOpt = Annotated[int, typer.Option("--max-words", "-w", min=10, max=2000, help="Word budget of each story summary.")]
ThreadsOpt = Annotated[Optional[int], typer.Option("--threads", min=1, help="CPU threads for the model. [default: torch's choice]")]
DeviceOpt = Annotated[Optional[str], typer.Option("--device", help="cuda, mps or cpu. [default: first available]")]
DtypeOpt = Annotated[Optional[str], typer.Option("--dtype", help="float32 (default), bfloat16, float16 or int8 (CPU dynamic quantisation): faster on supporting hardware, may change wording.")]
BatchSizeOpt = Annotated[int, typer.Option("--batch-size", min=1, help="Chunks per generate() call.")]
BeamsOpt = Annotated[Optional[int], typer.Option("--num-beams", min=1, help="Beam search width. [default: the model's generation_config]")]
MaxNewTokensOpt = Annotated[Optional[int], typer.Option("--max-new-tokens", min=1, help="Longest generated summary per chunk. [default: the model's generation_config]")]
PromptOpt = Annotated[Optional[Path], typer.Option("--prompt-template", exists=True, dir_okay=False, help="Jinja2 template ({{ text }}) for instruction models: the seq2seq prompt, or the summarise stage of chat/openai.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or notices on stderr; errors only.")]
# Instruction engines (chat, openai); see docs/engines.md.
LanguageOpt = Annotated[Optional[str], typer.Option("--language", help="Write the briefing in this language (name or code: German, de); chat and openai engines only. [default: the sources' language]")]
PromptsDirOpt = Annotated[Optional[Path], typer.Option("--prompts-dir", exists=True, file_okay=False, help="Folder whose summarize.j2, fuse.j2 or headline.j2 replace the shipped prompts (chat, openai).")]
ContextTokensOpt = Annotated[Optional[int], typer.Option("--context-tokens", min=256, help="Prompt plus answer per call, in tokens (chat, openai). [default: the model's, at most 8192 (chat); 4096 (openai)]")]
ThinkingOpt = Annotated[bool, typer.Option("--thinking", help="Let thinking models (Qwen3, ...) think before answering: slower; the reasoning is stripped.")]
BaseUrlOpt = Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible server (openai engine), e.g. http://localhost:11434/v1 (Ollama).")]
ApiKeyEnvOpt = Annotated[str, typer.Option("--api-key-env", help="Environment variable holding the server's API key, if it needs one.")]
TokenizerOpt = Annotated[Optional[str], typer.Option("--tokenizer", help="Hub id or directory of the served model's tokenizer, to count tokens exactly (openai). [default: a high character estimate]")]
MaxConcurrencyOpt = Annotated[int, typer.Option("--max-concurrency", min=1, max=256, help="Requests in flight at once (openai).")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds one request may take (openai).")]
RetriesOpt = Annotated[int, typer.Option("--retries", min=0, max=20, help="Further tries after a timeout, 429 or 5xx, with exponential backoff (openai).")]


def read_inputs(paths: list[str], quiet: bool):
    """Read the articles; print one line per unreadable input; exit 2 if none are left."""
    from summarize.ingest import read_articles

    stdin_text = sys.stdin.read() if "-" in paths else None
    result = read_articles(paths, stdin=stdin_text)
    for error in result.errors:
        stderr.print(f"briefing: skipped: {error}", markup=False)
    if not result.articles:
        raise fail("no articles could be read from the given inputs", EXIT_BAD_INPUT)
    return result


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
    language: LanguageOpt = None,
    prompts_dir: PromptsDirOpt = None,
    context_tokens: ContextTokensOpt = None,
    thinking: ThinkingOpt = False,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = "OPENAI_API_KEY",
    tokenizer: TokenizerOpt = None,
    max_concurrency: MaxConcurrencyOpt = 4,
    timeout: TimeoutOpt = 120.0,
    retries: RetriesOpt = 3,
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
        language=language, prompts_dir=str(prompts_dir) if prompts_dir else None, context_tokens=context_tokens,
        thinking=thinking, base_url=base_url, api_key_env=api_key_env, tokenizer=tokenizer,
        max_concurrency=max_concurrency, timeout=timeout, retries=retries,
    )
    inputs = read_inputs(paths, quiet)
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
        if language and not summarizer.writes_language and not quiet:
            from summarize.pipeline import language_note

            stderr.print(f"briefing: {language_note(language, summarizer)}", markup=False)
        if bars is not None and hasattr(summarizer, "on_progress"):
            task = bars.add_task("Summarising", total=None)
            summarizer.on_progress = lambda done, total: bars.update(task, completed=done, total=total)
        try:
            result = build_briefing(inputs.articles, options, engine=summarizer, fallback_reason=fallback,
                                    notes=[f"skipped input: {e}" for e in inputs.errors])
        except EngineError as exc:
            raise fail(str(exc), EXIT_ENGINE_FAILED) from None
    write_output(render(result, format.value, cite=cite), output)


@app.command()
def stories(
    paths: PathsArg,
    format: Annotated[StoriesFormat, typer.Option("--format", "-f", help="Output format.")] = StoriesFormat.text,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Show how articles group into stories, without summarising.

    Example: briefing stories seeds/ more-articles/ --format json
    """
    from summarize.pipeline import build_stories, prepare_articles

    inputs = read_inputs(paths, quiet)
    cleaned, notes = prepare_articles(inputs.articles)
    for note in notes:
        stderr.print(f"briefing: skipped: {note}", markup=False)
    groups = build_stories(cleaned)
    if format == StoriesFormat.json:
        text = json.dumps([_story_record(story) for story in groups], ensure_ascii=False, indent=2) + "\n"
    else:
        text = "".join(_story_text(number, story) for number, story in enumerate(groups, start=1))
    write_output(text, output)


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
    app()
