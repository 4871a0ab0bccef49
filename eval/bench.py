"""``briefing bench``: run summarisation systems on a dataset and score them.

For each system the run writes, in the output folder:

- ``predictions-<system>.jsonl``: ``{"id", "summary"}`` per example, appended as
  each example finishes, so anyone can re-score the outputs and an interrupted
  run resumes where it stopped (finished examples are not redone);
- ``timings-<system>.jsonl``: seconds and peak memory per example (with
  ``timing_runs`` > 1, the fastest of that many runs, and ``runs``), and for
  engine systems the summary sentences the factual guard checked and removed;

and for all systems ``results.json`` (settings, conventions, every metric,
each summary's unsupported entities), ``results.csv``, ``results.md`` (the
Markdown table) and ``results.png`` (ROUGE bar chart). ``run.json`` records the
settings a folder was made with; resuming with different data settings
(dataset, split, id prefix, words, columns) is refused rather than mixed.

Scores per system: ROUGE-1/2/L/Lsum with bootstrap CIs (``eval.rouge``),
entity precision-source against the example's documents (``eval.factual``),
seconds per example (documents in, summary out; model loading reported
separately), words per summary, peak memory (``eval.resources``) and, for
engine systems, the share of summary sentences the factual guard removed.

Timing a system that takes a millisecond an example once is at the mercy of
whatever else the machine does in that moment: a shared machine swings such a
run by a factor of two. ``timing_runs`` N > 1 times every example N times,
each run with a freshly built system and cleared sentence caches (so no run
meets an example it has seen), and keeps each example's fastest time, as
``timeit`` does. After the first run the systems take turns, one run each,
so that a busy spell falls on all of them alike. The predictions are the
first run's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from eval import io
from eval.data import Columns, DataError, Example
from eval.factual import EntityReport, entity_report
from eval.report import BENCH_COLUMNS, bar_chart, bench_markdown
from eval.resources import peak_memory_mb, peak_memory_scope, reset_peak_memory
from eval.rouge import Interval, RougeResult, rouge_corpus
from eval.systems import SystemError_, SystemOptions, build_system, parse_spec, system_slug
from summarize.distributed import BatchWorker
from summarize.sentences import clear_caches

if TYPE_CHECKING:  # Ray itself is imported only when ``ray`` is given
    from summarize.distributed import RayOptions


@dataclass(frozen=True)
class BenchSettings:
    """What a benchmark run measures; ``data_identity`` must match to resume a folder."""

    dataset: str
    split: str | None = None
    id_prefix: str | None = None
    limit: int | None = None
    words: int = 100
    columns: Columns = Columns()
    seed: int = 0
    resamples: int = 1000
    entity_backend: str = "rules"
    timing_runs: int = 1

    def data_identity(self) -> dict:
        return {
            "dataset": self.dataset,
            "split": self.split,
            "id_prefix": self.id_prefix,
            "words": self.words,
            "columns": asdict(self.columns),
        }


class Progress(Protocol):
    """Progress callbacks (the CLI draws a bar per system)."""

    def start(self, system: str, total: int, done: int) -> None: ...

    def advance(self, system: str) -> None: ...

    def finish(self, system: str) -> None: ...


class _NoProgress:
    def start(self, system: str, total: int, done: int) -> None:
        pass

    def advance(self, system: str) -> None:
        pass

    def finish(self, system: str) -> None:
        pass


@dataclass
class SystemScore:
    """All measurements of one system on one dataset."""

    spec: str
    slug: str
    description: dict
    rouge: RougeResult
    entities: EntityReport
    seconds_per_example: float | None
    words_per_summary: float
    peak_memory_mb: float | None
    load_seconds: float | None
    resumed_examples: int = 0
    guard_removed_share: float | None = None  # of the summary sentences the factual guard checked
    engine_usage: dict | None = None  # model engines: generate calls and tokens, summed over the examples

    def intervals(self) -> dict[str, Interval]:
        return {t: self.rouge.f1(t) for t in ("rouge1", "rouge2", "rougeL", "rougeLsum")}

    def row(self) -> dict:
        """One flat row with the ``BENCH_COLUMNS`` keys (ROUGE as fractions)."""
        iv = self.intervals()
        n = len(self.rouge.examples)
        unsupported = sum(len(e.unsupported) for e in self.entities.examples)
        return {
            "system": self.spec,
            "examples": n,
            "rouge1_f": iv["rouge1"].mean,
            "rouge1_low": iv["rouge1"].low,
            "rouge1_high": iv["rouge1"].high,
            "rouge2_f": iv["rouge2"].mean,
            "rouge2_low": iv["rouge2"].low,
            "rouge2_high": iv["rouge2"].high,
            "rougeL_f": iv["rougeL"].mean,
            "rougeLsum_f": iv["rougeLsum"].mean,
            "rougeLsum_low": iv["rougeLsum"].low,
            "rougeLsum_high": iv["rougeLsum"].high,
            "entity_precision_source": self.entities.precision_source,
            "unsupported_entities_per_summary": unsupported / n if n else None,
            "guard_removed_share": self.guard_removed_share,
            "seconds_per_example": self.seconds_per_example,
            "words_per_summary": self.words_per_summary,
            "peak_memory_mb": self.peak_memory_mb,
            "load_seconds": self.load_seconds,
        }

    def to_dict(self) -> dict:
        return {
            "system": self.spec,
            "file_name": self.slug,
            "description": self.description,
            "metrics": self.row(),
            "rouge": self.rouge.to_dict(),
            "entities": self.entities.to_dict(),
            "resumed_examples": self.resumed_examples,
            "engine_usage": self.engine_usage,
        }


@dataclass
class BenchReport:
    settings: dict
    systems: list[SystemScore] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _predictions_path(out: Path, slug: str) -> Path:
    return out / f"predictions-{slug}.jsonl"


def _timings_path(out: Path, slug: str) -> Path:
    return out / f"timings-{slug}.jsonl"


def _check_run_folder(out: Path, settings: BenchSettings) -> dict:
    """Load ``run.json`` (or start one); refuse a folder made with other data settings."""
    state = io.read_json(out / "run.json")
    identity = settings.data_identity()
    if state is None:
        return {"settings": identity, "systems": {}}
    if not isinstance(state, dict) or "settings" not in state:
        raise DataError(f"{out / 'run.json'}: not a benchmark run file; use another --out folder")
    old = state["settings"]
    changed = [k for k in identity if old.get(k) != identity[k]]
    if changed:
        what = ", ".join(f"{k} {old.get(k)!r} -> {identity[k]!r}" for k in changed)
        raise DataError(f"{out}: holds a run with other settings ({what}); use another --out folder")
    state.setdefault("systems", {})
    return state


def run_system(
    spec: str,
    examples: Sequence[Example],
    settings: BenchSettings,
    out: Path,
    options: SystemOptions,
    progress: Progress,
    state: dict,
    ray: RayOptions | None = None,
) -> tuple[dict[str, str], list[dict], int]:
    """Run one system on the examples not yet in its predictions file.

    Returns all predictions by id, all timing rows and how many examples were
    found already done. Raises SystemError_ when the system cannot be built.
    With ``ray``, the examples are summarised on a Ray cluster by actors each
    building the system once (``ExampleWorker``); the system is still built
    here first, for its description and load time. Predictions and timing
    rows are written in dataset order as they arrive either way.
    """
    slug = system_slug(spec)
    pred_path, time_path = _predictions_path(out, slug), _timings_path(out, slug)
    wanted = {e.id for e in examples}
    done = {r["id"]: r["summary"] for r in io.read_jsonl_tolerant(pred_path) if r.get("id") in wanted and "summary" in r}
    timings = [r for r in io.read_jsonl_tolerant(time_path) if r.get("id") in done]
    resumed = len(done)
    todo = [e for e in examples if e.id not in done]
    # Tidy files torn by an interruption before appending to them.
    io.rewrite_jsonl(pred_path, [{"id": e.id, "summary": done[e.id]} for e in examples if e.id in done])
    io.rewrite_jsonl(time_path, timings)
    progress.start(spec, len(examples), resumed)
    if todo:
        # Each system starts from cold caches: none gets its sentence splits
        # from the system run before it, so timings compare fairly.
        clear_caches()
        reset_peak_memory()
        started = time.perf_counter()
        system = build_system(spec, options)
        state["systems"].setdefault(slug, {})["spec"] = spec
        state["systems"][slug]["load_seconds"] = time.perf_counter() - started
        state["systems"][slug]["description"] = system.describe()
        io.write_json(out / "run.json", state)
        if ray is None:
            outcomes = (summarize_example(system, example, settings.words) for example in todo)
        else:
            outcomes = _on_ray(spec, todo, settings.words, options, ray)
        for example, (summary, timing) in zip(todo, outcomes):
            # timing first: an example counts as done once its prediction is written
            io.append_jsonl(time_path, timing)
            io.append_jsonl(pred_path, {"id": example.id, "summary": summary})
            done[example.id] = summary
            timings.append(timing)
            progress.advance(spec)
        # predictions in dataset order, whatever order earlier sessions left
        io.rewrite_jsonl(pred_path, [{"id": e.id, "summary": done[e.id]} for e in examples if e.id in done])
    progress.finish(spec)
    return done, timings, resumed


def summarize_example(system, example: Example, words: int) -> tuple[str, dict]:
    """One example through ``system``: its summary and its timing row (seconds, peak memory, guard counts)."""
    t0 = time.perf_counter()
    summary = system.summarize(example.documents, words)
    seconds = time.perf_counter() - t0
    timing = {"id": example.id, "seconds": seconds, "peak_memory_mb": peak_memory_mb()}
    guard = getattr(system, "guard_counts", None)
    if guard is not None:  # the factual guard's sentences checked and removed
        timing["guarded_sentences"], timing["guard_removed"] = guard
    usage = getattr(system, "usage", None)
    if usage is not None:  # model engines: generate calls and tokens fed and generated
        timing["engine_usage"] = usage
    return summary, timing


class ExampleWorker(BatchWorker):
    """A Ray actor building one system (once) and summarising batches of examples with it.

    Seconds and peak memory in its timing rows are the actor's own (its
    process holds the model), measured as in a single-process run.
    """

    def setup(self, spec: str, options: SystemOptions, words: int) -> None:
        clear_caches()
        reset_peak_memory()
        self.system = build_system(spec, options)
        self.words = words

    def work(self, examples: list[Example]) -> list[tuple[str, dict]]:
        return [summarize_example(self.system, example, self.words) for example in examples]


def _on_ray(spec: str, examples: Sequence[Example], words: int, options: SystemOptions, ray: RayOptions):
    """(summary, timing) of each example, in order, from ``ExampleWorker`` actors on Ray."""
    from summarize.distributed import map_ordered

    return map_ordered(examples, ExampleWorker, {"spec": spec, "options": options, "words": words}, ray)


@dataclass
class _Finished:
    """A system whose predictions are complete: what scoring and further timing runs need."""

    spec: str
    predictions: dict[str, str]
    timings: list[dict]
    resumed: int


def _time_once_more(
    spec: str,
    examples: Sequence[Example],
    timings: Sequence[dict],
    run: int,
    settings: BenchSettings,
    options: SystemOptions,
    progress: Progress,
) -> list[dict]:
    """Timing run number ``run`` of ``spec``: a freshly built system, cleared caches.

    Times the examples whose rows have fewer than ``run`` runs (rows of a
    resumed session may have more) and returns the timing rows with
    ``seconds`` the fastest run so far and ``runs`` counted up.
    """
    rows = [dict(row) for row in timings]
    todo = {row["id"]: row for row in rows if row.get("runs", 1) < run}
    if not todo:
        return rows
    label = _timing_label(spec, run, settings)
    progress.start(label, len(todo), 0)
    clear_caches()
    system = build_system(spec, options)
    for example in examples:
        row = todo.get(example.id)
        if row is None:
            continue
        t0 = time.perf_counter()
        system.summarize(example.documents, settings.words)
        row["seconds"] = min(float(row["seconds"]), time.perf_counter() - t0)
        row["runs"] = row.get("runs", 1) + 1
        progress.advance(label)
    progress.finish(label)
    return rows


def _timing_label(spec: str, run: int, settings: BenchSettings) -> str:
    """The progress bar's name for one timing run of a system."""
    return f"{spec} (timing run {run} of {settings.timing_runs})"


def _timing_runs(
    finished: list[_Finished],
    examples: Sequence[Example],
    settings: BenchSettings,
    out: Path,
    options: SystemOptions,
    progress: Progress,
    errors: list[str],
) -> None:
    """Runs 2 to ``settings.timing_runs`` of every finished system, rewriting its timings file after each.

    The systems take turns within each run, in a rotating order, so that a
    busy spell on the machine falls on all of them alike rather than on all of
    one system's runs. A system failing here keeps the timings it has.
    """
    active = list(finished)
    for run in range(2, settings.timing_runs + 1):
        shift = run % len(active) if active else 0
        for entry in active[shift:] + active[:shift]:
            try:
                entry.timings = _time_once_more(entry.spec, examples, entry.timings, run, settings, options, progress)
            except Exception as exc:  # noqa: BLE001 - as in run_bench: one system must not end the benchmark
                progress.finish(_timing_label(entry.spec, run, settings))
                errors.append(f"system {entry.spec!r} failed in timing run {run}: {_first_line(exc)} (its seconds are from fewer runs)")
                active.remove(entry)
                continue
            io.rewrite_jsonl(_timings_path(out, system_slug(entry.spec)), entry.timings)


def score_system(
    spec: str,
    examples: Sequence[Example],
    predictions: dict[str, str],
    timings: Sequence[dict],
    settings: BenchSettings,
    description: dict | None = None,
    load_seconds: float | None = None,
    resumed: int = 0,
) -> SystemScore:
    """Score a system's predictions on ``examples`` (pure: no files)."""
    ids = [e.id for e in examples]
    summaries = [predictions[i] for i in ids]
    rouge = rouge_corpus(
        summaries, [e.references for e in examples], seed=settings.seed, n_resamples=settings.resamples
    )
    entities = entity_report(ids, summaries, sources=[e.documents for e in examples], backend=settings.entity_backend)
    last = {t["id"]: t for t in timings}
    seconds = [float(last[i]["seconds"]) for i in ids if i in last]
    peaks = [float(t["peak_memory_mb"]) for t in timings if t.get("peak_memory_mb") is not None]
    guarded = [last[i] for i in ids if i in last and "guarded_sentences" in last[i]]
    checked = sum(int(t["guarded_sentences"]) for t in guarded)
    return SystemScore(
        spec=spec,
        slug=system_slug(spec),
        description=description or {"system": spec},
        rouge=rouge,
        entities=entities,
        seconds_per_example=sum(seconds) / len(seconds) if seconds else None,
        words_per_summary=sum(len(s.split()) for s in summaries) / len(summaries),
        peak_memory_mb=max(peaks) if peaks else None,
        load_seconds=load_seconds,
        resumed_examples=resumed,
        guard_removed_share=sum(int(t["guard_removed"]) for t in guarded) / checked if checked else None,
        engine_usage=_summed_usage([last[i] for i in ids if i in last]),
    )


def _summed_usage(timings: Sequence[dict]) -> dict | None:
    """The examples' ``engine_usage`` counts added up; None when no row has them (engines without a model)."""
    rows = [t["engine_usage"] for t in timings if isinstance(t.get("engine_usage"), dict)]
    if not rows:
        return None
    return {key: sum(int(row.get(key, 0)) for row in rows) for key in rows[0]}


def run_bench(
    settings: BenchSettings,
    specs: Sequence[str],
    examples: Sequence[Example],
    out: str | Path,
    options: SystemOptions = SystemOptions(),
    progress: Progress | None = None,
    command: str | None = None,
    ray: RayOptions | None = None,
) -> BenchReport:
    """Run and score every system, write the result files, return the report.

    With ``ray``, each system's examples are summarised on a Ray cluster
    (see ``run_system``); predictions are the same as in this process.
    Further timing runs (``timing_runs`` > 1) are not distributed: refused.

    A system that cannot be built or fails on an example is reported in
    ``errors`` (one line) and the others still run; its finished examples are
    kept for a resumed run.
    """
    progress = progress or _NoProgress()
    if ray is not None and settings.timing_runs > 1:
        raise DataError("--timing-runs times every example in this process; it cannot be combined with --ray")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{out}: cannot create the output folder ({exc.strerror or exc})") from None
    for spec in specs:
        parse_spec(spec)  # unknown names fail before any work
    slugs = [system_slug(s) for s in specs]
    if len(set(slugs)) != len(slugs):
        raise DataError(f"two systems would share one predictions file ({', '.join(slugs)}); rename a model folder")
    state = _check_run_folder(out, settings)
    io.write_json(out / "run.json", state)

    report = BenchReport(settings=_settings_dict(settings, len(examples), command))
    finished: list[_Finished] = []
    for spec in specs:
        try:
            finished.append(_Finished(spec, *run_system(spec, examples, settings, out, options, progress, state, ray)))
        except SystemError_ as exc:
            progress.finish(spec)
            report.errors.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - a model failing mid-run must not end the whole benchmark
            progress.finish(spec)
            report.errors.append(f"system {spec!r} failed: {_first_line(exc)} (finished examples are kept; rerun to resume)")
    if settings.timing_runs > 1:
        _timing_runs(finished, examples, settings, out, options, progress, report.errors)
    for entry in finished:
        info = state["systems"].get(system_slug(entry.spec), {})
        report.systems.append(
            score_system(
                entry.spec, examples, entry.predictions, entry.timings, settings,
                description=info.get("description"), load_seconds=info.get("load_seconds"), resumed=entry.resumed,
            )
        )
    if report.systems:
        report.files = write_results(report, out)
    return report


def _first_line(exc: Exception) -> str:
    """An exception's message, first line only (a report line must stay one line)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _settings_dict(settings: BenchSettings, n: int, command: str | None) -> dict:
    return {
        **settings.data_identity(),
        "limit": settings.limit,
        "examples": n,
        "seed": settings.seed,
        "bootstrap_resamples": settings.resamples,
        "entity_backend": settings.entity_backend,
        "rouge": "rouge-score, Porter stemming, ROUGE-Lsum on offline-split sentences joined by newlines",
        "multi_reference": "ROUGE is the mean over an example's references",
        "entity_metric": "precision-source (Nan et al. 2021), lenient matching against the example's documents",
        "seconds": "wall time per example from documents to summary, the fastest of timing_runs runs; model loading in load_seconds",
        "timing_runs": settings.timing_runs,
        "peak_memory": peak_memory_scope(),
        "command": command,
    }


def write_results(report: BenchReport, out: Path) -> list[Path]:
    """Write results.json, results.csv, results.md and results.png."""
    rows = [s.row() for s in report.systems]
    intervals = [s.intervals() for s in report.systems]
    from summarize.records import envelope

    payload = envelope("bench", {"settings": report.settings, "systems": [s.to_dict() for s in report.systems], "errors": report.errors})
    caption = (
        f"ROUGE F1 x100 with 95% bootstrap CI on {report.settings['dataset']}"
        + (f" (ids {report.settings['id_prefix']}*)" if report.settings.get("id_prefix") else "")
        + f", {report.settings['examples']} examples, {report.settings['words']}-word budget; "
        "several references: mean over references."
    )
    prefix = f" ({report.settings['id_prefix']}*)" if report.settings.get("id_prefix") else ""
    title = (f"ROUGE F1 on {Path(str(report.settings['dataset'])).name}{prefix}: "
             f"n = {report.settings['examples']}, {report.settings['words']}-word summaries")
    return [
        io.write_json(out / "results.json", payload),
        io.write_text(out / "results.csv", io.csv_text(rows, BENCH_COLUMNS)),
        io.write_text(out / "results.md", bench_markdown(rows, intervals, caption)),
        io.save_figure(bar_chart([s.spec for s in report.systems], intervals, title), out / "results.png"),
    ]
