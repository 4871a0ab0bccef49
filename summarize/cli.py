"""The ``briefing`` command line: parse options, call library functions, print.

Every command validates its options, calls a function of the library that the
tests call too, and prints the result. Commands of other packages (evaluation,
digests) register themselves through their own ``register(app)``.

Adding an option to ``brief``: define its type once in the option block below
(``Annotated[type, typer.Option("--name", metavar=..., envvar="BRIEFING_NAME",
show_envvar=True, help=...)]``), add a parameter at the end of ``brief``'s
signature, and pass it into ``BriefingOptions``. The config file's ``[brief]``
table and the environment variable then work for it with nothing else to do.

Exit codes: 0 success; 1 the engine or model failed, or an internal error
(one line, the traceback with ``--debug``); 2 bad usage, an input you named
that cannot be read (after the output of the rest is written), or no
readable input. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
try:  # Typer >= 0.26 carries its own copy of Click; its errors are those classes
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older Typer on the real Click
    from click import exceptions as click_errors
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from eval.cli import register as register_eval_commands
from summarize.cli_common import (
    EXIT_CODES_HELP,
    Backend,
    BackendOpt,
    BatchSizeOpt,
    DeviceOpt,
    Device,
    Dtype,
    OutputOpt,
    QuietOpt,
    RayActorsOpt,
    RayOpt,
    ThreadsOpt,
    VerboseOpt,
    check_one_stdin,
    device_value,
    note,
    ray_options,
    stdin_as_file,
    warn,
    write_output,
)
from summarize.console import EXIT_BAD_INPUT, fail, stderr
from summarize.digest.cli import register as register_digest_command
from summarize.ingest import IngestLimits

class _Group(typer.core.TyperGroup):
    """The app's command group: help without type clutter (see ``_hide_flag_types``)."""

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _hide_flag_types(command, ctx)
        return command

    def get_params(self, ctx):
        _hide_flag_types(self, ctx, params=super().get_params(ctx))
        return super().get_params(ctx)


def _hide_flag_types(command, ctx, params=None) -> None:
    """Typer's help prints a type column ("<bool>", "<list[str]>"); flags and path
    arguments say what they take in their names and help instead."""
    for param in params if params is not None else command.get_params(ctx):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
        elif param.param_type_name == "argument":
            param.display_type_rich = lambda ctx: None


app = typer.Typer(
    cls=_Group,
    name="briefing",
    help="Turn news articles into one short, faithful morning briefing.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_ENGINE_FAILED = 1
EXIT_INTERNAL_ERROR = 1
_debug = False  # set by --debug: an unexpected error shows its traceback
ENVIRONMENT_HELP = (
    "Environment: each option's BRIEFING_* variable (named in its help) overrides the config file "
    "($XDG_CONFIG_HOME/briefing/config.toml, or the file BRIEFING_CONFIG names); HF_HOME is the model cache; "
    "HF_HUB_OFFLINE=1 never touches the network; TZ is the time zone of dates unless --timezone is set."
)


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
PathsArg = Annotated[list[str], typer.Argument(metavar="PATH", help="Article files or folders (.txt .md .html .json .jsonl), RSS/Atom feeds (.rss .atom .xml), http(s) URLs of pages or feeds, or - for stdin.", show_default=False)]
EngineOpt = Annotated[EngineChoice, typer.Option("--engine", "-e", envvar="BRIEFING_ENGINE", show_envvar=True, help="auto tries the model (openai with --base-url, chat for a chat model, else abstractive) and falls back to extractive.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", metavar="ID_OR_DIR", envvar="BRIEFING_MODEL", show_envvar=True, help="Hub id or local directory (a seq2seq model for abstractive, a chat model for chat), or the model name the server knows (openai).", show_default="sshleifer/distilbart-cnn-12-6")]
MaxWordsOpt = Annotated[int, typer.Option("--max-words", "-w", min=10, max=2000, metavar="N", envvar="BRIEFING_MAX_WORDS", show_envvar=True, help="Word budget of each story summary.")]
DtypeOpt = Annotated[Dtype, typer.Option("--dtype", envvar="BRIEFING_DTYPE", show_envvar=True, help="Model precision: lower is faster on supporting hardware and may change wording; auto: bfloat16 on CPUs with AMX/AVX-512 BF16 and on GPUs that support it, float16 on other GPUs, else float32; int8 is CPU dynamic quantisation.")]
BeamsOpt = Annotated[Optional[int], typer.Option("--num-beams", min=1, metavar="N", help="Beam search width.", show_default="the model's generation_config")]
MaxNewTokensOpt = Annotated[Optional[int], typer.Option("--max-new-tokens", min=1, metavar="N", help="Longest generated summary per chunk.", show_default="the model's generation_config")]
MinNewTokensOpt = Annotated[Optional[int], typer.Option("--min-new-tokens", min=1, metavar="N", help="Shortest generated summary per chunk (equal to --max-new-tokens: exactly N tokens, as benchmarks need).", show_default="the model's generation_config")]
PromptOpt = Annotated[Optional[Path], typer.Option("--prompt-template", metavar="FILE", dir_okay=False, help="Jinja2 template ({{ text }}) for instruction models: the seq2seq prompt, or the summarise stage of chat/openai; - reads it from stdin.", show_default="the model family's, from prompts/")]
FormatOpt = Annotated[BriefFormat, typer.Option("--format", "-f", envvar="BRIEFING_FORMAT", show_envvar=True, help="Output format.")]
UnsupportedOpt = Annotated[GuardMode, typer.Option("--unsupported", envvar="BRIEFING_UNSUPPORTED", show_envvar=True, help="Sentences naming entities not in the sources: remove them, or keep and flag them.")]
CiteOpt = Annotated[bool, typer.Option("--cite", metavar="", envvar="BRIEFING_CITE", show_envvar=True, help="Mark each sentence with the numbers of its supporting sources.")]
TimezoneOpt = Annotated[Optional[str], typer.Option("--timezone", metavar="ZONE", envvar="BRIEFING_TIMEZONE", show_envvar=True, help="Time zone of the dates shown (IANA name, e.g. Asia/Tokyo).", show_default="TZ, else the system's")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", metavar="FILE", dir_okay=False, envvar="BRIEFING_CONFIG", show_envvar=True, help="Config file: a TOML table of option defaults per command (brief, stories, eval, bench).", show_default="$XDG_CONFIG_HOME/briefing/config.toml")]

# Instruction engines (chat, openai); see docs/engines.md.
LanguageOpt = Annotated[Optional[str], typer.Option("--language", metavar="LANGUAGE", envvar="BRIEFING_LANGUAGE", show_envvar=True, help="Write the briefing in this language (name or code: German, de); chat and openai engines only.", show_default="the sources' language")]
PromptsDirOpt = Annotated[Optional[Path], typer.Option("--prompts-dir", metavar="DIR", exists=True, file_okay=False, help="Folder whose summarize.j2, fuse.j2 or headline.j2 replace the shipped prompts (chat, openai).")]
ContextTokensOpt = Annotated[Optional[int], typer.Option("--context-tokens", min=256, metavar="N", help="Prompt plus answer per call, in tokens (chat, openai).", show_default="the model's, at most 8192 (chat); 4096 (openai)")]
ThinkingOpt = Annotated[bool, typer.Option("--thinking", help="Let thinking models (Qwen3, ...) think before answering: slower; the reasoning is stripped.")]
BaseUrlOpt = Annotated[Optional[str], typer.Option("--base-url", metavar="URL", envvar="BRIEFING_BASE_URL", show_envvar=True, help="OpenAI-compatible server (openai engine), e.g. http://localhost:11434/v1 (Ollama).")]
ApiKeyEnvOpt = Annotated[str, typer.Option("--api-key-env", metavar="NAME", help="Environment variable holding the server's API key, if it needs one.")]
TokenizerOpt = Annotated[Optional[str], typer.Option("--tokenizer", metavar="ID_OR_DIR", help="Hub id or directory of the served model's tokenizer, to count tokens exactly (openai).", show_default="a high character estimate")]
MaxConcurrencyOpt = Annotated[int, typer.Option("--max-concurrency", min=1, max=256, metavar="N", help="Requests in flight at once (openai).")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, metavar="SECONDS", help="Seconds one request may take (openai).")]
RetriesOpt = Annotated[int, typer.Option("--retries", min=0, max=20, metavar="N", help="Further tries after a timeout, 429 or 5xx, with exponential backoff (openai).")]

# Resource limits of reading inputs (docs/robustness.md); each limit reached is one line.
DEFAULT_LIMITS = IngestLimits()
MaxFileMbOpt = Annotated[int, typer.Option("--max-file-mb", min=1, metavar="MIB", envvar="BRIEFING_MAX_FILE_MB", show_envvar=True, help="Largest input file, stdin or fetched URL; a larger one is refused with one line.")]
MaxArticlesOpt = Annotated[int, typer.Option("--max-articles", min=1, metavar="N", envvar="BRIEFING_MAX_ARTICLES", show_envvar=True, help="Most articles read in one run; inputs past the limit are not read (one line says so).")]
MaxLineCharsOpt = Annotated[int, typer.Option("--max-line-chars", min=100, metavar="N", envvar="BRIEFING_MAX_LINE_CHARS", show_envvar=True, help="Longest line of article text; a longer one is cut at a word boundary (one line says so).")]
FetchTimeoutOpt = Annotated[float, typer.Option("--fetch-timeout", min=0.1, metavar="SECONDS", envvar="BRIEFING_FETCH_TIMEOUT", show_envvar=True, help="Time to fetch one URL (page or feed), start to end.")]

def _print_version(value: bool) -> None:
    if value:
        from summarize.records import tool_version

        typer.echo(f"briefing {tool_version()}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", "-V", metavar="", is_eager=True, callback=_print_version, help="Print the version and exit.")] = False,
    config: ConfigOpt = None,
    debug: Annotated[bool, typer.Option("--debug", metavar="", help="Show the traceback of an unexpected internal error (a bug).")] = False,
) -> None:
    """Turn news articles into one short, faithful morning briefing.

    Start with: briefing doctor, then briefing brief seeds/ (see briefing COMMAND -h).
    """
    global _debug
    _debug = debug
    from summarize.settings import ConfigError, find_config, load_defaults

    path = find_config(config)
    if path is None:
        return
    commands = {name: command for name, command in ctx.command.commands.items() if name not in ("digest", "doctor")}
    text = sys.stdin.read() if str(path) == "-" else None  # --config - reads the file from stdin
    try:
        ctx.default_map = load_defaults(Path("<stdin>") if text is not None else path, commands, text=text)
    except ConfigError as exc:
        raise fail(exc.problems) from None


def read_inputs(paths: list[str], quiet: bool, limits=None):
    """Read and clean the articles; print one line per problem; exit 2 if none are left.

    A named input that cannot be read at all is an ``error:`` line (the command
    exits 2 after writing its output, see ``exit_for_failed_inputs``); anything
    else skipped, and each limit reached, is a ``skipped:`` line unless
    ``quiet``. Stdin is read as bytes, under the same size limit and decoding
    as files.
    """
    from summarize.ingest import read_articles
    from summarize.pipeline import prepare_articles

    result = read_articles(paths, stdin=sys.stdin.buffer if "-" in paths else None, limits=limits)
    failed = set(result.failed)
    for error in result.errors:
        if error in failed:
            stderr.print(f"briefing: error: {error}", markup=False)
        elif not quiet:
            stderr.print(f"briefing: skipped: {error}", markup=False)
    result.articles, notes = prepare_articles(result.articles)
    for line in notes:
        if not quiet:
            stderr.print(f"briefing: skipped: {line.removesuffix('; skipped')}", markup=False)
    if not result.articles:
        raise fail("no articles could be read from the given inputs", EXIT_BAD_INPUT)
    return result


def exit_for_failed_inputs(inputs) -> None:
    """Exit 2 when a named input could not be read: the output of the others is written by then."""
    if inputs.failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def ingest_limits(max_file_mb: int, max_articles: int, max_line_chars: int, fetch_timeout: float) -> IngestLimits:
    """The reading limits of the command line's options (MiB for the file size)."""
    return IngestLimits(max_file_bytes=max_file_mb << 20, max_articles=max_articles,
                        max_line_chars=max_line_chars, fetch_timeout=fetch_timeout)


@contextlib.contextmanager
def progress_bars(quiet: bool):
    """Rich progress bars on stderr when it is a terminal; None otherwise."""
    if quiet or not stderr.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as progress:
        yield progress


def _timezone(name: str | None):
    from summarize.wording import TimezoneError, reader_timezone

    try:
        return reader_timezone(name)
    except TimezoneError as exc:
        raise fail(f"--timezone: {exc}") from None


def print_notes(briefing, verbose: bool) -> None:
    """The pipeline's notes on stderr with ``--verbose``, identical ones counted once."""
    if not verbose:
        return
    notes = Counter(briefing.notes)
    for story in briefing.stories:
        notes.update(f"{story.headline}: {n}" for n in story.notes)
    for text, times in notes.items():
        note(text if times == 1 else f"{text} (x{times})", verbose)


@app.command(epilog=f"{EXIT_CODES_HELP}\n\n{ENVIRONMENT_HELP}")
def brief(
    paths: PathsArg,
    engine: EngineOpt = EngineChoice.auto,
    model: ModelOpt = None,
    format: FormatOpt = BriefFormat.markdown,
    output: OutputOpt = None,
    max_words: MaxWordsOpt = 120,
    threads: ThreadsOpt = None,
    device: DeviceOpt = Device.auto,
    dtype: DtypeOpt = Dtype.auto,
    backend: BackendOpt = Backend.auto,
    batch_size: BatchSizeOpt = 4,
    num_beams: BeamsOpt = None,
    max_new_tokens: MaxNewTokensOpt = None,
    min_new_tokens: MinNewTokensOpt = None,
    prompt_template: PromptOpt = None,
    unsupported: UnsupportedOpt = GuardMode.remove,
    cite: CiteOpt = False,
    timezone: TimezoneOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
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
    max_file_mb: MaxFileMbOpt = DEFAULT_LIMITS.max_file_bytes >> 20,
    max_articles: MaxArticlesOpt = DEFAULT_LIMITS.max_articles,
    max_line_chars: MaxLineCharsOpt = DEFAULT_LIMITS.max_line_chars,
    fetch_timeout: FetchTimeoutOpt = DEFAULT_LIMITS.fetch_timeout,
    ray: RayOpt = None,
    ray_actors: RayActorsOpt = None,
) -> None:
    """Summarise articles into a briefing: a headline, summary and sources per story.

    Example: briefing brief seeds/ --format html --output briefing.html
    """
    from summarize.distributed import DistributedError  # Ray itself is imported only with --ray
    from summarize.engines import EngineError, load_engine_with_fallback
    from summarize.pipeline import BriefingOptions, build_briefing
    from summarize.render import render

    check_one_stdin(paths=paths, prompt_template=prompt_template)
    tz = _timezone(timezone)
    if min_new_tokens and max_new_tokens and min_new_tokens > max_new_tokens:
        raise fail(f"--min-new-tokens {min_new_tokens} is more than --max-new-tokens {max_new_tokens}")
    overrides = {"num_beams": num_beams, "max_new_tokens": max_new_tokens, "min_new_tokens": min_new_tokens}
    generation = {k: v for k, v in overrides.items() if v}
    with stdin_as_file(prompt_template, ".j2") as template_file:
        options = BriefingOptions(
            engine=engine.value, model=model, max_words=max_words, threads=threads, device=device_value(device),
            dtype=dtype.value, backend=backend.value, batch_size=batch_size, generation=generation,
            prompt_template=str(template_file) if template_file else None, unsupported=unsupported.value,
            language=language, prompts_dir=str(prompts_dir) if prompts_dir else None, context_tokens=context_tokens,
            thinking=thinking, base_url=base_url, api_key_env=api_key_env, tokenizer=tokenizer,
            max_concurrency=max_concurrency, timeout=timeout, retries=retries,
            limits=ingest_limits(max_file_mb, max_articles, max_line_chars, fetch_timeout),
        )
        inputs = read_inputs(paths, quiet, options.limits)
        on_ray = ray_options(ray, ray_actors)
        with progress_bars(quiet) as bars:
            loading = bars.add_task("Loading model", total=None) if bars and engine != EngineChoice.extractive else None
            try:
                summarizer, fallback = load_engine_with_fallback(options.engine, options.model, **options.engine_options())
            except EngineError as exc:
                raise fail(str(exc), EXIT_ENGINE_FAILED) from None
            if loading is not None:
                bars.remove_task(loading)
            if fallback:
                warn(f"model unavailable, using the extractive engine instead: {fallback}", quiet)
            if language and not summarizer.writes_language:
                from summarize.pipeline import language_note

                warn(language_note(language, summarizer), quiet)
            if bars is not None and hasattr(summarizer, "on_progress"):
                task = bars.add_task("Summarising", total=None)
                summarizer.on_progress = lambda done, total: bars.update(task, completed=done, total=total)
            try:
                result = build_briefing(inputs.articles, options, engine=summarizer, fallback_reason=fallback,
                                        notes=[f"skipped input: {e}" for e in inputs.errors],
                                        map_stories=_story_mapper(on_ray, options))
            except (EngineError, DistributedError) as exc:
                raise fail(str(exc), EXIT_ENGINE_FAILED) from None
    print_notes(result, verbose and not quiet)
    write_output(render(result, format.value, cite=cite, tz=tz), output)
    exit_for_failed_inputs(inputs)


def _story_mapper(on_ray, options):
    """The pipeline's ``map_stories``: Ray's with ``--ray``, else None (this process)."""
    if on_ray is None:
        return None
    from summarize.distributed import RayStoryMapper

    return RayStoryMapper(on_ray, options.model, options.engine_options())


@app.command(epilog=f"{EXIT_CODES_HELP}\n\n{ENVIRONMENT_HELP}")
def stories(
    paths: PathsArg,
    format: Annotated[StoriesFormat, typer.Option("--format", "-f", help="Output format.")] = StoriesFormat.text,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    max_file_mb: MaxFileMbOpt = DEFAULT_LIMITS.max_file_bytes >> 20,
    max_articles: MaxArticlesOpt = DEFAULT_LIMITS.max_articles,
    max_line_chars: MaxLineCharsOpt = DEFAULT_LIMITS.max_line_chars,
    fetch_timeout: FetchTimeoutOpt = DEFAULT_LIMITS.fetch_timeout,
) -> None:
    """Show how articles group into stories, with their headlines, without summarising.

    Example: briefing stories seeds/ tests/fixtures/unrelated/ --format json
    """
    from summarize.explain import explain_stories
    from summarize.headlines import story_headline
    from summarize.pipeline import build_stories
    from summarize.records import envelope, story_record, to_json

    inputs = read_inputs(paths, quiet, ingest_limits(max_file_mb, max_articles, max_line_chars, fetch_timeout))
    groups = build_stories(inputs.articles)
    headlines = [story_headline(story) for story in groups]
    reasons = explain_stories([story.articles for story in groups])
    if format == StoriesFormat.json:
        records = [story_record(s, h, why) for s, h, why in zip(groups, headlines, reasons)]
        text = to_json(envelope("stories", {"stories": records}))
    else:
        text = "".join(_story_text(number, story, headline, why)
                       for number, (story, headline, why) in enumerate(zip(groups, headlines, reasons), start=1))
    write_output(text, output)
    exit_for_failed_inputs(inputs)


def _story_text(number: int, story, headline: str, why) -> str:
    from summarize.wording import count

    lines = [f"Story {number}: {headline} ({count(len(story.articles), 'article')})", f"  why: {why.to_text()}"]
    for article in story.articles:
        duplicate = f"  [near-duplicate of {story.duplicates[article.id]}]" if article.id in story.duplicates else ""
        date = article.date.isoformat() if article.date else "no date"
        lines.append(f"  - {article.id}  {article.outlet or 'outlet unknown'}  {date}{duplicate}")
    return "\n".join(lines) + "\n\n"


@app.command(epilog="Exit codes: 0 the default model can be used; 1 a check found a problem (a named config file missing, torch broken).\n\n"
             "Environment: HF_HOME, HF_HUB_OFFLINE, HF_ENDPOINT, XDG_CONFIG_HOME, BRIEFING_CONFIG, BRIEFING_DIGEST_CONFIG.")
def doctor(
    model: ModelOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Check the installation: versions, torch build and devices, model cache, Hub, config files.

    The last line says which engine briefing brief will use and, when it is
    the fallback, what to do next. Example: briefing doctor
    """
    from summarize.doctor import PROBLEM, diagnose

    report = diagnose(model)
    for check in report.checks:
        if not quiet or check.status == PROBLEM:
            line = f"{check.name + ':':<15} {check.found}"
            (stderr.print(f"briefing: error: {line}", markup=False) if check.status == PROBLEM and quiet else typer.echo(line))
    if not quiet:
        typer.echo(f"{'engine:':<15} {report.engine}: {report.next_step}")
    if not report.ok:
        raise typer.Exit(1)


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
        code = app(prog_name="briefing", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:  # the help is the answer to no arguments
        if exc.format_message().strip():
            exc.show()
        sys.exit(exc.exit_code)
    except click_errors.UsageError as exc:
        sys.exit(_usage_error(exc))
    except click_errors.ClickException as exc:
        stderr.print(f"briefing: error: {exc.format_message()}", markup=False)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        stderr.print("briefing: interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        if _debug:
            raise
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        stderr.print(f"briefing: internal error: {type(exc).__name__}{': ' + reason if reason else ''} "
                     f"(a bug; rerun with --debug to see the traceback)", markup=False)
        sys.exit(EXIT_INTERNAL_ERROR)
    sys.exit(code if isinstance(code, int) else 0)


def _usage_error(error: click_errors.UsageError) -> int:
    """Print a usage mistake as one line naming the command's help; return its exit code.

    Click's own report is a usage line, a hint and a boxed message; scripts
    and cron mails read one line better, and the help is one flag away.
    """
    message = " ".join(error.format_message().split()).replace("Value error, ", "")
    command = error.ctx.command_path if error.ctx is not None else "briefing"
    stderr.print(f"briefing: error: {message} (see '{command} -h')", markup=False)
    return error.exit_code
