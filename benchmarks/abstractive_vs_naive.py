"""``briefing`` against the naive transformers script it replaces, interleaved, at equal work.

The benchmark that keeps the abstractive path honest (issue 15). On the same
article folders it runs, each time in a fresh process, alternately:

- the naive map-reduce a user would write (``benchmarks/naive_mapreduce.py``:
  each article truncated to 1024 tokens, float32, beam 4, batch 1, then one
  ``generate`` over the joined summaries);
- ``briefing brief DIR --engine abstractive --model CKPT --format json`` at its
  default settings (no ``--dtype``, ``--batch-size`` or ``--backend``: the
  tool may choose them itself), and any extra labelled ``--variant`` rows.

Both sides get the same threads (``OMP_NUM_THREADS`` and torch's threads =
``--threads``) and write equally long outputs: every ``generate`` call makes
exactly ``--new-tokens`` tokens (``min_new_tokens = max_new_tokens``). For
each run it records wall and CPU seconds and peak RSS of that process alone
(``os.wait4``), the model-load moment (each side reports when its model was
loaded), and the work done: ``generate`` calls, encoder tokens fed, tokens
generated. The briefing side's counts come from ``engine_usage`` in its JSON
output when the tool reports it, else from counting the engine's torch
``generate`` calls in the process (labelled), else n/a.

No weights can be downloaded here: the model is a randomly initialised
checkpoint of a real shape (speed depends on the shape, not on the weight
values) with a byte-level BPE tokenizer of the real vocabulary size trained
offline, built once and cached (``--cache-dir``). Its ``config.json`` has the
keys real BART checkpoints carry (``normalize_before`` and friends), so
CTranslate2 can convert it, and its generation_config is distilbart-cnn's
(beam 4, no repeated trigrams, length penalty 2).

Workloads: ``seeds/`` (5 articles) and the first ``--duc-clusters`` DUC 2003
clusters of ``../shared/bench/mds_dev.jsonl`` written out as article files
into one folder (skipped when the data is absent). The naive script knows no
stories: it makes one summary of a whole folder, several clusters included,
where ``briefing`` groups them into stories first.

    .venv/bin/python benchmarks/abstractive_vs_naive.py --shape bart-base --threads 1 --out results.md
    .venv/bin/python benchmarks/abstractive_vs_naive.py --smoke      # tiny model: about 20 s of CPU, 4 processes

Before the timed runs each briefing side runs once, untimed, on one short
article, so one-time work that later runs reuse (CTranslate2's conversion of
the checkpoint, cached) is not charged to the first of them.

Results: a Markdown table (stdout and ``--out``) and JSON (``--json``).
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from child_process import run_measured

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
BENCH_DATA = REPO.parent / "shared" / "bench"
NAIVE_SCRIPT = HERE / "naive_mapreduce.py"
CHECKPOINT_VERSION = "v1"  # bump when the built checkpoint changes, so stale caches are rebuilt
CHILD_REPORT = "ABSTRACTIVE_VS_NAIVE "  # prefix of the briefing child's own report line on stderr

SHAPES = {
    # d_model, encoder layers, decoder layers, heads, ffn, vocab: as in the real checkpoints' config.json
    "distilbart-cnn-12-6": dict(d_model=1024, encoder_layers=12, decoder_layers=6, heads=16, ffn=4096, vocab=50264),
    "bart-base": dict(d_model=768, encoder_layers=6, decoder_layers=6, heads=12, ffn=3072, vocab=50265),
}
# Keys that real BART checkpoints (facebook/bart-base, sshleifer/distilbart-cnn-12-6) carry in config.json;
# CTranslate2's BART converter reads normalize_before and normalize_embedding.
REAL_BART_CONFIG = dict(
    activation_function="gelu", add_bias_logits=False, add_final_layer_norm=False, normalize_before=False,
    normalize_embedding=True, scale_embedding=False, static_position_embeddings=False, extra_pos_embeddings=2,
    architectures=["BartForConditionalGeneration"],
)
# distilbart-cnn-12-6's summarisation settings (its task_specific_params), which transformers 5 keeps in
# generation_config: a briefing run at its defaults uses them, as it would with the real checkpoint.
SUMMARY_GENERATION = dict(num_beams=4, length_penalty=2.0, no_repeat_ngram_size=3, min_length=56, max_length=142,
                          early_stopping=True)


# ---------------------------------------------------------------- the model

def training_texts() -> list[str]:
    """English news text to train the tokenizer on, none of it from the workloads.

    The shared evaluation data's single-document articles, ECB+ sentences,
    CoNLL sentences and Multi-News sources (the DUC clusters and seeds/ are
    the workloads, so they stay out); without that data, the repository's
    own Markdown.
    """
    texts: list[str] = []
    if BENCH_DATA.is_dir():
        for name, keys in (("sds_dev.jsonl", ("document",)), ("clusters_dev.jsonl", ("text",)),
                           ("mds_dev.jsonl", ("documents",))):
            path = BENCH_DATA / name
            if not path.exists():
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                if record.get("id", "").startswith("duc"):
                    continue
                for key in keys:
                    value = record.get(key) or []
                    texts.extend(value if isinstance(value, list) else [value])
        conll = BENCH_DATA / "ner_conll_dev.txt"
        if conll.exists():
            words = [line.split(" ", 1)[0] for line in conll.read_text(encoding="utf-8").splitlines()
                     if line and not line.startswith("-DOCSTART-")]
            texts.extend(" ".join(words[i:i + 200]) for i in range(0, len(words), 200))
    texts.extend(path.read_text(encoding="utf-8") for path in sorted(REPO.glob("**/*.md")) if ".venv" not in path.parts)
    return texts


def build_tokenizer(vocab_size: int, directory: Path):
    """A byte-level BPE tokenizer of exactly ``vocab_size`` entries, laid out like BART's.

    Trained offline on ``training_texts()``; special tokens ``<s> <pad> </s>
    <unk> <mask>`` are ids 0-4 as in BART. A small corpus runs out of merges
    before a real vocabulary size: the rest is filled with entries no merge
    produces (they never appear in encodings), so the embedding matrix,
    the output layer and a CTranslate2 vocabulary all have the real size.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    trained = Tokenizer(models.BPE(unk_token="<unk>"))
    trained.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special, min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    trained.train_from_iterator(training_texts(), trainer=trainer)
    files = directory / "bpe"
    files.mkdir(parents=True, exist_ok=True)
    vocab_file, merges_file = trained.model.save(str(files))
    vocab = json.loads(Path(vocab_file).read_text(encoding="utf-8"))
    for filler in range(vocab_size - len(vocab)):
        vocab[f"<unused{filler}>"] = len(vocab)
    merges = [tuple(line.split(" ")) for line in Path(merges_file).read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#version")]
    tokenizer = Tokenizer(models.BPE(vocab, merges, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(special)
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    shutil.rmtree(files)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        mask_token="<mask>", model_max_length=1024,
    )


def build_checkpoint(shape: str, directory: Path) -> Path:
    """Save a randomly initialised BART of ``shape`` with a real-sized tokenizer into ``directory``."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    spec = SHAPES[shape]
    torch.manual_seed(0)
    special_ids = dict(pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                       forced_bos_token_id=0, forced_eos_token_id=2)
    config = BartConfig(
        vocab_size=spec["vocab"], d_model=spec["d_model"], encoder_layers=spec["encoder_layers"],
        decoder_layers=spec["decoder_layers"], encoder_attention_heads=spec["heads"],
        decoder_attention_heads=spec["heads"], encoder_ffn_dim=spec["ffn"], decoder_ffn_dim=spec["ffn"],
        num_hidden_layers=spec["encoder_layers"], max_position_embeddings=1024, **special_ids, **REAL_BART_CONFIG,
    )
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig(**special_ids, **SUMMARY_GENERATION)
    model.save_pretrained(directory)
    build_tokenizer(spec["vocab"], directory).save_pretrained(directory)
    return directory


def build_smoke_checkpoint(directory: Path) -> Path:
    """The tests' tiny BART, with 1024 positions so the naive script's truncation applies unchanged."""
    sys.path.insert(0, str(REPO / "tests"))
    from tiny_model import build_tiny_model

    return build_tiny_model(directory, "bart", max_positions=1024)


def cached_checkpoint(shape: str, cache_dir: Path) -> Path:
    """The checkpoint of ``shape`` ("smoke" for the tiny model), built once into ``cache_dir``.

    Built in a scratch folder and renamed into place, so an interrupted
    build never leaves a half-written checkpoint in the cache.
    """
    target = cache_dir / f"{shape}-{CHECKPOINT_VERSION}"
    if (target / "model.safetensors").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{shape}-", dir=cache_dir))
    try:
        build_smoke_checkpoint(scratch) if shape == "smoke" else build_checkpoint(shape, scratch)
        if target.exists():
            shutil.rmtree(target)
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


# ---------------------------------------------------------------- the workloads

@dataclass
class Workload:
    label: str
    folder: Path
    articles: int


def seeds_workload() -> Workload:
    folder = REPO / "seeds"
    return Workload("seeds/", folder, len(list(folder.glob("*.txt"))))


def duc_workload(root: Path, clusters: int, articles_per_cluster: int | None = None) -> Workload | None:
    """The first ``clusters`` DUC 2003 clusters written as ``.txt`` articles into ``root``; None without the data."""
    source = BENCH_DATA / "mds_dev.jsonl"
    if clusters < 1 or not source.exists():
        return None
    folder = root / "duc"
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [record for record in map(json.loads, source.read_text(encoding="utf-8").splitlines())
              if record["id"].startswith("duc2003")][:clusters]
    count = 0
    for record in chosen:
        for number, text in enumerate(record["documents"][:articles_per_cluster]):
            (folder / f"{record['id']}_{number:02d}.txt").write_text(text, encoding="utf-8")
            count += 1
    ids = ", ".join(record["id"].removeprefix("duc2003-") for record in chosen)
    plural = "s" if len(chosen) > 1 else ""
    return Workload(f"DUC 2003, {len(chosen)} cluster{plural} ({ids})", folder, count)


# ---------------------------------------------------------------- running one side

@dataclass
class Run:
    side: str
    workload: str
    articles: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    load_s: float | None
    generate_s: float | None = None
    generate_calls: int | None = None
    encoder_tokens: int | None = None
    padded_encoder_tokens: int | None = None
    generated_tokens: int | None = None
    counts_from: str = "n/a"
    extra: dict = field(default_factory=dict)


def child_environment(threads: int, home: Path) -> dict:
    """The same environment for both sides: ``threads`` threads, offline, no user config or BRIEFING_* defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OMP_WAIT_POLICY="PASSIVE",
               TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1",
               XDG_CONFIG_HOME=str(home / "config"), PYTHONPATH=str(REPO))
    return env


def run_child(command: list[str], env: dict, scratch: Path) -> tuple[float, float, float, str, str, float]:
    """Run ``command`` in a fresh process: (start epoch, wall s, CPU s, stdout, stderr, peak RSS MB)."""
    out_path, err_path = scratch / "stdout", scratch / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        run = run_measured(command, env=env, cwd=REPO, stdout=out, stderr=err)
    stdout, stderr = out_path.read_text(encoding="utf-8"), err_path.read_text(encoding="utf-8")
    if run.exit_code != 0:
        raise RuntimeError(f"{command[1]} {command[2]} exited with {run.exit_code}:\n{stderr[-3000:]}")
    return run.started_at, run.wall_s, run.cpu_s, stdout, stderr, run.peak_rss_mb


def run_naive(workload: Workload, model: Path, args, env: dict, scratch: Path) -> Run:
    command = [sys.executable, str(NAIVE_SCRIPT), str(workload.folder), str(model),
               "--new-tokens", str(args.new_tokens), "--threads", str(args.threads)]
    started_at, wall, cpu, stdout, _, rss = run_child(command, env, scratch)
    report = json.loads(stdout.strip().splitlines()[-1])
    return Run("naive", workload.label, workload.articles, wall, cpu, rss, report["loaded_at"] - started_at,
               report.get("generate_seconds"), report["generate_calls"], report["encoder_tokens"],
               report["encoder_tokens"], report["generated_tokens"], "naive script")


def briefing_command(workload: Workload, model: Path, args, extra: list[str]) -> list[str]:
    """``briefing brief`` at its defaults, with only the equalisers (threads, output length) and ``extra``."""
    return [sys.executable, str(Path(__file__).resolve()), "--as-briefing", "brief", str(workload.folder),
            "--engine", "abstractive", "--model", str(model), "--format", "json", "--threads", str(args.threads),
            "--min-new-tokens", str(args.new_tokens), "--max-new-tokens", str(args.new_tokens), *extra]


def run_briefing(side: str, workload: Workload, model: Path, args, env: dict, scratch: Path,
                 extra: list[str]) -> Run:
    started_at, wall, cpu, stdout, stderr, rss = run_child(briefing_command(workload, model, args, extra),
                                                             env, scratch)
    briefing = json.loads(stdout)
    reports = [json.loads(line.removeprefix(CHILD_REPORT)) for line in stderr.splitlines()
               if line.startswith(CHILD_REPORT)]
    own = reports[-1] if reports else {}
    loaded_at = own.get("loaded_at")
    run = Run(side, workload.label, workload.articles, wall, cpu, rss,
              loaded_at - started_at if loaded_at else None, own.get("generate_seconds"))
    usage = find_key(briefing, "engine_usage")
    if isinstance(usage, dict):
        run.generate_calls = pick(usage, "generate_calls", "calls")
        run.encoder_tokens = pick(usage, "encoder_tokens", "input_tokens", "tokens_in")
        run.padded_encoder_tokens = pick(usage, "padded_encoder_tokens", "padded_input_tokens")
        run.generated_tokens = pick(usage, "generated_tokens", "output_tokens", "tokens_out", "new_tokens")
        run.extra["engine_usage"] = usage
    counts = ("generate_calls", "encoder_tokens", "padded_encoder_tokens", "generated_tokens")
    if isinstance(usage, dict) and any(getattr(run, key) is not None for key in counts):
        run.counts_from = "engine_usage"
    elif own.get("generate_calls") is not None:  # no usable engine_usage: what the benchmark counted itself
        for key in counts:
            setattr(run, key, own[key])
        run.counts_from = "counted by the benchmark"
    run.extra["settings"] = briefing.get("settings", {})
    return run


def find_key(data, key: str):
    """The value of ``key`` anywhere in nested JSON ``data``, or None."""
    if isinstance(data, dict):
        if key in data:
            return data[key]
        data = list(data.values())
    if isinstance(data, list):
        for value in data:
            if (found := find_key(value, key)) is not None:
                return found
    return None


def pick(mapping: dict, *names: str):
    return next((mapping[name] for name in names if name in mapping), None)


def as_briefing(argv: list[str]) -> None:
    """Run the ``briefing`` command line with ``argv``, reporting on stderr when its model was loaded.

    Also counts the abstractive engine's torch ``generate`` calls, encoder
    tokens fed (padding apart and included) and tokens generated, for a tool
    that does not report ``engine_usage`` itself. Only observes: arguments
    and results pass through unchanged.
    """
    sys.path.insert(0, str(REPO))
    import summarize.engines as engines
    from summarize.cli import main as briefing_main

    report: dict = {}
    atexit.register(lambda: print(CHILD_REPORT + json.dumps(report), file=sys.stderr, flush=True))
    load = engines.load_engine_with_fallback

    def timed_load(*args, **kwargs):
        engine, fallback = load(*args, **kwargs)
        report["loaded_at"] = time.time()
        model = getattr(engine, "_model", None)
        if model is not None and hasattr(model, "generate"):
            count_generate(model, report)
        return engine, fallback

    engines.load_engine_with_fallback = timed_load
    sys.argv = ["briefing", *argv]
    briefing_main()


def count_generate(model, report: dict) -> None:
    """Wrap ``model.generate`` (this instance only) to add its calls, tokens and time to ``report``."""
    generate = model.generate
    report.update(generate_calls=0, encoder_tokens=0, padded_encoder_tokens=0, generated_tokens=0,
                  generate_seconds=0.0)
    pad = model.generation_config.pad_token_id

    def counted(*args, **kwargs):
        start = time.perf_counter()
        output = generate(*args, **kwargs)
        report["generate_seconds"] += time.perf_counter() - start
        report["generate_calls"] += 1
        if kwargs.get("attention_mask") is not None:
            report["encoder_tokens"] += int(kwargs["attention_mask"].sum())
            rows, width = kwargs["attention_mask"].shape  # a torch tensor, or numpy on the CTranslate2 path
            report["padded_encoder_tokens"] += int(rows) * int(width)
        report["generated_tokens"] += int((output[:, 1:] != pad).sum())
        return output

    model.generate = counted


# ---------------------------------------------------------------- the report

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize_runs(runs: list[Run]) -> list[dict]:
    """One row per (workload, side): medians, and articles/s relative to the naive script."""
    rows = []
    for workload in dict.fromkeys(run.workload for run in runs):
        naive_wall = median(run.wall_s for run in runs if run.workload == workload and run.side == "naive")
        naive_cpu = median(run.cpu_s for run in runs if run.workload == workload and run.side == "naive")
        for side in dict.fromkeys(run.side for run in runs if run.workload == workload):
            mine = [run for run in runs if run.workload == workload and run.side == side]
            wall = median(run.wall_s for run in mine)
            row = {"workload": workload, "side": side, "runs": len(mine), "articles": mine[0].articles,
                   "wall_s": wall, "cpu_s": median(run.cpu_s for run in mine),
                   "load_s": median(run.load_s for run in mine), "generate_s": median(run.generate_s for run in mine),
                   "peak_rss_mb": median(run.peak_rss_mb for run in mine),
                   "generate_calls": median(run.generate_calls for run in mine),
                   "encoder_tokens": median(run.encoder_tokens for run in mine),
                   "padded_encoder_tokens": median(run.padded_encoder_tokens for run in mine),
                   "generated_tokens": median(run.generated_tokens for run in mine),
                   "counts_from": mine[0].counts_from, "articles_per_s": mine[0].articles / wall,
                   "ratio": naive_wall / wall if naive_wall else None,
                   "cpu_ratio": naive_cpu / row_cpu if naive_cpu and (row_cpu := median(run.cpu_s for run in mine))
                   else None}
            rows.append(row)
    return rows


def markdown_table(rows: list[dict]) -> str:
    def number(value, digits: int = 1) -> str:
        if value is None:
            return "n/a"
        return f"{value:,.{digits}f}" if isinstance(value, float) and not float(value).is_integer() else f"{value:,.0f}"

    lines = ["| workload | side | median wall s | CPU s | load s | in generate s | peak RSS MB | generate calls "
             "| encoder tokens (padded) | tokens generated | articles/s | x naive | x naive, CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        encoder = number(row["encoder_tokens"])
        if row["padded_encoder_tokens"] not in (None, row["encoder_tokens"]):
            encoder += f" ({number(row['padded_encoder_tokens'])})"
        lines.append(
            f"| {row['workload']}, {row['articles']} articles | {row['side']} | {number(row['wall_s'])} "
            f"| {number(row['cpu_s'])} | {number(row['load_s'])} | {number(row['generate_s'])} "
            f"| {number(row['peak_rss_mb'], 0)} | {number(row['generate_calls'])} | {encoder} "
            f"| {number(row['generated_tokens'])} | {row['articles_per_s']:.3f} | {row['ratio']:.2f}x "
            f"| {row['cpu_ratio']:.2f}x |")
    return "\n".join(lines)


def machine() -> str:
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    return f"{cpu}, {os.cpu_count()} CPUs"


# ---------------------------------------------------------------- main

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="bart-base")
    parser.add_argument("--threads", type=int, default=1, help="threads of each side (OMP_NUM_THREADS, torch)")
    parser.add_argument("--new-tokens", type=int, default=64, help="tokens every generate call makes, both sides")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side per workload, interleaved")
    parser.add_argument("--duc-clusters", type=int, default=1, help="DUC 2003 clusters of ../shared/bench (0: none)")
    parser.add_argument("--workloads", nargs="+", choices=["seeds", "duc"], default=["seeds", "duc"])
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=ARGS",
                        help='an extra briefing row with these options, e.g. "backend torch=--backend torch"')
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "briefing-bench")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="skip the untimed briefing run on one short article before the timed runs")
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    parser.add_argument("--json", type=Path, help="write every run and the summary rows here")
    parser.add_argument("--table-from", type=Path, metavar="JSON",
                        help="print the table of an earlier run's --json file, and run nothing")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny model, 8 new tokens, one run, 3 DUC articles: checks the plumbing (about 20 s of CPU)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.new_tokens, args.repeats, args.duc_clusters = 8, 1, 1
    return args


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    if args.table_from:
        earlier = json.loads(args.table_from.read_text(encoding="utf-8"))
        rows = summarize_runs([Run(**run) for run in earlier["runs"]])
        print(markdown_table(rows))
        return rows
    shape = "smoke" if args.smoke else args.shape
    started = time.perf_counter()
    model = cached_checkpoint(shape, args.cache_dir)
    build_s = time.perf_counter() - started
    variants = [("briefing (defaults)", [])]
    for variant in args.variant:
        label, _, options = variant.partition("=")
        variants.append((f"briefing {label.strip()}", options.split()))
    with tempfile.TemporaryDirectory(prefix="abstractive-vs-naive-") as tmp:
        scratch = Path(tmp)
        workloads = [seeds_workload()] if "seeds" in args.workloads else []
        if "duc" in args.workloads:
            duc = duc_workload(scratch, args.duc_clusters, 3 if args.smoke else None)
            workloads += [duc] if duc else []
        env = child_environment(args.threads, scratch)
        print(f"{shape} checkpoint at {model} ({build_s:.0f} s to get); {args.threads} thread(s), "
              f"{args.new_tokens} new tokens per generate call, {args.repeats} interleaved runs per side",
              file=sys.stderr, flush=True)
        if args.warm_up:
            warm_up(variants, model, args, env, scratch)
        runs: list[Run] = []
        for workload in workloads:
            for repeat in range(args.repeats):
                runs.append(run_naive(workload, model, args, env, scratch))
                report_progress(runs[-1], repeat)
                for side, extra in variants:
                    runs.append(run_briefing(side, workload, model, args, env, scratch, extra))
                    report_progress(runs[-1], repeat)
    rows = summarize_runs(runs)
    table = markdown_table(rows)
    print(table)
    header = (f"Shape {shape}, {args.threads} thread(s) each side, exactly {args.new_tokens} new tokens per "
              f"generate call, median of {args.repeats} interleaved runs; {machine()}; "
              f"{dt.date.today().isoformat()}.\n\n")
    if args.out:
        args.out.write_text(header + table + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"shape": shape, "threads": args.threads, "new_tokens": args.new_tokens,
                                         "repeats": args.repeats, "machine": machine(), "rows": rows,
                                         "runs": [asdict(run) for run in runs]}, indent=1), encoding="utf-8")
    return rows


def warm_up(variants: list[tuple[str, list[str]]], model: Path, args, env: dict, scratch: Path) -> None:
    """Run each briefing side once, untimed, on one short article.

    One-time work that a later run reuses (converting the checkpoint for
    CTranslate2 and caching it) is then not charged to the first timed run.
    """
    folder = scratch / "warm-up"
    folder.mkdir()
    first = sorted((REPO / "seeds").glob("*.txt"))[0].read_text(encoding="utf-8")
    (folder / "article.txt").write_text(" ".join(first.split()[:60]), encoding="utf-8")
    article = Workload("warm-up", folder, 1)
    for side, extra in variants:
        started = time.perf_counter()
        run_briefing(side, article, model, args, env, scratch, extra)
        print(f"  warm-up: {side}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


def report_progress(run: Run, repeat: int) -> None:
    print(f"  {run.workload} run {repeat + 1}: {run.side}: {run.wall_s:.1f} s wall, {run.cpu_s:.1f} s CPU, "
          f"{run.peak_rss_mb:.0f} MB, {run.generate_calls} generate calls", file=sys.stderr, flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--as-briefing"]:
        as_briefing(sys.argv[2:])
    else:
        main()
